#include "mixins/reap.h"

#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "server/errors.h"
#include "server/fd.h"

namespace socketserver::internal {

pid_t reap_child(pid_t pid, bool blocking) {
  for (;;) {
    pid_t result = ::waitpid(pid, nullptr, blocking ? 0 : WNOHANG);
    if (result >= 0) return result;
    if (errno == EINTR) continue;
    return pid;  // ECHILD: not ours to wait for any more (reaped elsewhere). Forget it.
  }
}

namespace {

// For kernels without pidfds (before Linux 5.3): check each child without blocking, then
// wait 10 ms for the wake-up descriptor, and again. Polling, but only on old kernels.
pid_t poll_children(const std::set<pid_t>& children, int wakeup_fd) {
  for (;;) {
    for (pid_t pid : children) {
      if (reap_child(pid, /*blocking=*/false) != 0) return pid;
    }
    pollfd wakeup{wakeup_fd, POLLIN, 0};  // poll(2) ignores a negative descriptor.
    if (check_syscall("poll", [&] { return ::poll(&wakeup, 1, 10); }) > 0) return 0;
  }
}

}  // namespace

pid_t wait_any_child(const std::set<pid_t>& children, int wakeup_fd) {
  if (children.empty()) return -1;
  // One pidfd per child (Linux 5.3): poll() wakes when any of them exits, so the server waits
  // for its own children only, never for one the program started for other reasons.
  std::vector<Fd> owners;
  std::vector<pollfd> fds;
  for (pid_t pid : children) {
    int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (fd < 0 && errno == ESRCH) return reap_child(pid, /*blocking=*/true);  // Reaped already.
    if (fd < 0) return poll_children(children, wakeup_fd);  // No pidfds: an old kernel.
    owners.emplace_back(fd);
    fds.push_back({fd, POLLIN, 0});
  }
  // Also wake for shutdown(): the loop that called us must get back to its flag.
  if (wakeup_fd >= 0) fds.push_back({wakeup_fd, POLLIN, 0});
  check_syscall("poll", [&] { return ::poll(fds.data(), fds.size(), -1); });
  std::size_t i = 0;
  for (pid_t pid : children) {
    if (fds[i++].revents != 0) return reap_child(pid, /*blocking=*/true);
  }
  return 0;  // Only the wake-up descriptor was ready.
}

}  // namespace socketserver::internal
