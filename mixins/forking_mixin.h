// ForkingMixIn<Server>: handle each request in a new process.
// Python: socketserver.ForkingMixIn; `class ForkingTCPServer(ForkingMixIn, TCPServer)` is
// `using ForkingTCPServer = ForkingMixIn<TCPServer>` here (composed_servers.h).
//
// The canonical fork server (Stevens, UNP 5.2): the parent closes its copy of the
// connection and goes back to the loop; the child calls close_in_child() (a stream server
// closes its listening socket there; a datagram server's socket carries the child's reply, so
// it stays open), runs the request with run_request(), and ends with _exit(0), or _exit(1)
// if the handler threw. The child never returns
// into the server loop, never unwinds into the caller's stack, and never runs the parent's
// atexit handlers or static destructors.
//
// The child inherits every descriptor the process had open when it forked, not only its own
// connection: a program that is also a client of its forking server (a test, say) must not
// wait for the server to see end of input, since the child may hold a copy of the client.
//
// Reaping: waitpid() on the pids this server started, and only those, in service_actions()
// (every turn of serve_forever), handle_timeout() and server_close(). No SIGCHLD handler is
// installed, so a child the program forked for its own reasons is never reaped here.
// When max_children are running, service_actions() blocks until one of them exits (Python
// waits for any child at all there; this waits only for its own, through pidfds), or until
// shutdown() is called, which therefore stays immediate.
//
// abort_requests() (beyond Python; serve_until_signal() calls it when its grace period is
// over) kills the children still running with SIGKILL: SIGTERM may be blocked in them, as
// serve_until_signal() leaves it. A pid is reaped only under children_mutex_, so abort never
// signals a pid that the system has given to another process meanwhile.
//
// Forking a process that has other threads copies only the calling thread; the child must not
// touch locks another thread may have held. The handler runs in such a child when
// serve_forever() runs on a thread of a multi-threaded program: keep handlers simple there.
// ThreadSanitizer does not support fork() after threads: these servers' tests are tagged
// notsan.
//
// Owns its children until they are reaped.
// For the caller:          block_on_close, max_children, active_children, collect_children
// Overrides:               process_request, service_actions, handle_timeout, server_close,
//                          abort_requests
#ifndef MIXINS_FORKING_MIXIN_H_
#define MIXINS_FORKING_MIXIN_H_

#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <mutex>
#include <set>
#include <utility>

#include "mixins/reap.h"
#include "server/errors.h"
#include "server/request.h"
#include "server/socket_address.h"

namespace socketserver {

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

  // Reap the children that have exited; with `blocking`, wait for all of them. Above
  // max_children, first wait until enough have exited.
  void collect_children(bool blocking = false) {
    while (active_children.size() >= max_children && !active_children.empty()) {
      pid_t pid = internal::wait_any_child(active_children, this->wakeup_fileno());
      if (pid == 0) break;  // shutdown() was called: let serve_forever() see it.
      std::lock_guard<std::mutex> lock(children_mutex_);
      internal::reap_child(pid, /*blocking=*/false);
      active_children.erase(pid);
    }
    reap_children(blocking);
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
    // Child: must never return. _exit() skips atexit handlers and static destructors, which
    // belong to the parent.
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
    if (block_on_close) {
      collect_children(/*blocking=*/true);
    } else {
      reap_children(/*blocking=*/false);
    }
  }

  // Kills the children still running. Any thread.
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
      pid_t result = internal::reap_child(*it, /*blocking=*/false);
      it = (result == 0) ? std::next(it) : active_children.erase(it);
    }
  }

  // Held while a pid enters active_children, and from its reaping until it leaves, so that
  // abort_requests() on another thread kills only children that are still ours.
  std::mutex children_mutex_;
};

}  // namespace socketserver

#endif  // MIXINS_FORKING_MIXIN_H_
