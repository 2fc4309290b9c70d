// ForkingMixIn<Server>: handle each request in a new process.
// Python: socketserver.ForkingMixIn; `class ForkingTCPServer(ForkingMixIn, TCPServer)` is
// `using ForkingTCPServer = ForkingMixIn<TCPServer>` here (composed_servers.h).
//
// The canonical fork server (Stevens, UNP 5.2): the parent closes its copy of the connection;
// the child calls close_in_child() (a stream server closes its listener there), runs the
// request and ends with _exit(). The child inherits every descriptor the process had open.
// Reaping: waitpid() on this server's own children only (no SIGCHLD handler), in
// collect_children(). Forking a multi-threaded program copies only the calling thread: keep
// handlers simple there. Tests of these servers are tagged notsan: ThreadSanitizer does not
// support fork() after threads.
// Details: docs/python_to_cpp.md#forkingmixin, docs/mixins.md.
//
// Owns its children until they are reaped.
// For the caller:          block_on_close, max_children, active_children, collect_children
// Overrides:               process_request, service_actions, handle_timeout, server_close,
//                          abort_requests
#ifndef MIXINS_FORKING_MIXIN_H_
#define MIXINS_FORKING_MIXIN_H_

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

#include "server/deadline.h"
#include "server/errors.h"
#include "server/fd.h"
#include "server/request.h"
#include "server/socket_address.h"

namespace socketserver {
namespace internal {  // The system calls behind ForkingMixIn::collect_children().

// waitpid(pid, WNOHANG). Returns `pid` once the child is reaped (or if someone else already
// reaped it: ECHILD), 0 while it still runs.
inline pid_t reap_child(pid_t pid) {
  for (;;) {
    pid_t result = ::waitpid(pid, nullptr, WNOHANG);
    if (result >= 0) return result;
    if (errno == EINTR) continue;
    return pid;  // ECHILD: not ours to wait for any more (reaped elsewhere). Forget it.
  }
}

// Blocks until one of `children` exits and returns its pid, left for reap_child() to reap; or
// returns 0 when `wakeup_fd` (if not -1) becomes readable first. Children that are not in the
// set are never touched. `children` must not be empty.
// [wait_any_child]
inline pid_t wait_any_child(const std::set<pid_t>& children, int wakeup_fd) {
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

// Blocks until `pid` has exited (or is not ours: ECHILD), without reaping it: until it is
// reaped, its pid cannot be given to another process, so it is still safe to kill(2).
inline void wait_for_exit(pid_t pid) {
  siginfo_t info{};
  while (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR) {
  }
}

}  // namespace internal

template <class Server>
class ForkingMixIn : public Server {
 public:
  template <class... Args>
  explicit ForkingMixIn(Args&&... args) : Server(std::forward<Args>(args)...) {  // 300 s timeout.
    this->timeout = std::chrono::seconds(300);  // Python's ForkingMixIn.timeout.
  }
  ~ForkingMixIn() override { ForkingMixIn::server_close(); }

  // Python's class attributes, with Python's defaults.
  std::size_t max_children = 40;
  bool block_on_close = true;  // server_close() waits for every child.
  // The pids of children started and not yet reaped. Python: None until the first fork.
  std::set<pid_t> active_children;

  // Reaps the children that have exited; with `blocking`, waits for all of them. At
  // max_children, then waits until one of them exits.
  void collect_children(bool blocking = false) {
    reap_children(blocking);
    while (active_children.size() >= max_children && !active_children.empty()) {
      pid_t pid = internal::wait_any_child(active_children, this->wakeup_fileno());
      if (pid == 0) break;  // shutdown() was called: let serve_forever() see it.
      reap_children(/*blocking=*/false);
    }
  }

  void handle_timeout() override { collect_children(); }   // Reaps exited children.
  void service_actions() override { collect_children(); }  // Reaps exited children.

  // [forking_process_request]
  void process_request(Request& request, const SocketAddress& client_address) override {
    this->trace_step("fork", &client_address);  // Before fork(), so it prints before the child.
    pid_t pid = check_syscall("fork", [] { return ::fork(); });
    if (pid != 0) {
      // Parent: the child has its own copy of the connection; close ours.
      {
        std::lock_guard<std::mutex> lock(children_mutex_);
        active_children.insert(pid);
      }
      this->trace_step("close_request", &client_address);
      this->close_request(request);
      return;
    }
    // Child: must never return, nor unwind the caller's stack. _exit() skips atexit handlers
    // and static destructors, which belong to the parent.
    int status = 1;
    try {
      this->close_in_child();
      if (this->run_request(request, client_address)) status = 0;
    } catch (...) {
      // Not a std::exception (Python: a BaseException), or handle_error() threw: status 1.
    }
    ::_exit(status);
  }
  // [end]

  // Python: collect_children(blocking=self.block_on_close). Without block_on_close it only
  // reaps the children that have exited, even at max_children: nothing is left to wait for.
  void server_close() override {
    Server::server_close();
    reap_children(block_on_close);
  }

  // Kills the children still running; SIGKILL, as serve_until_signal() leaves SIGTERM blocked
  // in them. Any thread.
  void abort_requests() override {
    Server::abort_requests();
    std::lock_guard<std::mutex> lock(children_mutex_);
    for (pid_t pid : active_children) ::kill(pid, SIGKILL);
  }

 private:
  // waitpid() each child in active_children, forgetting those that have ended.
  void reap_children(bool blocking) {
    for (auto it = active_children.begin(); it != active_children.end();) {
      if (blocking) internal::wait_for_exit(*it);  // Not reaped yet: still safe to kill.
      std::lock_guard<std::mutex> lock(children_mutex_);
      it = internal::reap_child(*it) == 0 ? std::next(it) : active_children.erase(it);
    }
  }

  // Held while a pid enters active_children, and from its reaping until it leaves, so that
  // abort_requests() on another thread kills only children that are still ours.
  std::mutex children_mutex_;
};

}  // namespace socketserver

#endif  // MIXINS_FORKING_MIXIN_H_
