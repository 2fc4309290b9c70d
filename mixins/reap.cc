#include "mixins/reap.h"

#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "server/deadline.h"
#include "server/errors.h"
#include "server/fd.h"

namespace socketserver::internal {

pid_t reap_child(pid_t pid) {
  for (;;) {
    pid_t result = ::waitpid(pid, nullptr, WNOHANG);
    if (result >= 0) return result;
    if (errno == EINTR) continue;
    return pid;  // ECHILD: not ours to wait for any more (reaped elsewhere). Forget it.
  }
}

// [wait_any_child]
pid_t wait_any_child(const std::set<pid_t>& children, int wakeup_fd) {
  // A pidfd (Linux 5.3) becomes readable when its process exits, so one poll() waits for
  // exactly our children, never for one the program started for other reasons, and also for
  // the wake-up descriptor, so that shutdown() is not kept waiting.
  std::vector<Fd> pidfds;
  std::vector<pollfd> fds;
  for (pid_t pid : children) {
    int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (fd < 0 && errno == ESRCH) return pid;  // Gone already: reaped elsewhere. Forget it.
    if (fd < 0) throw_system_error("pidfd_open");
    pidfds.emplace_back(fd);
    fds.push_back({fd, POLLIN, 0});
  }
  fds.push_back({wakeup_fd, POLLIN, 0});  // poll(2) ignores a negative descriptor.
  poll_until(fds.data(), fds.size(), Deadline(std::nullopt));  // No deadline: until one is ready.
  std::size_t i = 0;
  for (pid_t pid : children) {
    if (fds[i++].revents != 0) return pid;
  }
  return 0;  // Only the wake-up descriptor was ready.
}
// [end]

void wait_for_exit(pid_t pid) {
  siginfo_t info{};
  while (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR) {
  }
}

}  // namespace socketserver::internal
