// BaseServer: the request loop every server shares; knows nothing of sockets.
// Python: socketserver.BaseServer.
//
// serve_forever() and handle_request() call handle_request_noblock(): get_request(),
// verify_request(), process_request(). process_request() (where the mix-ins fork or start a
// thread) calls run_request(): finish_request() runs the handler, then shutdown_request().
// The whole chain: docs/lifecycle.md. Differences: docs/python_to_cpp.md#baseserver.
//
// Owns nothing but its shutdown state and, while serve_forever() runs, a wake-up pipe.
// Not copyable or movable: serve_forever() may be running on another thread.
#ifndef SERVER_BASE_SERVER_H_
#define SERVER_BASE_SERVER_H_

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <utility>

#include "server/deadline.h"
#include "server/fd.h"
#include "server/request.h"
#include "server/selector.h"
#include "server/socket_address.h"

namespace socketserver {

class BaseServer;

// Python: RequestHandlerClass. Called once per request by finish_request(); it builds the
// handler and lets it do all the work. handlers/ provides handler<MyHandler>(args...).
using HandlerFactory =
    std::function<void(Request& request, const SocketAddress& client_address, BaseServer& server)>;

// One step of a request's life, for the trace hook (beyond Python).
struct TraceEvent {
  std::string_view step;  // "get_request", "setup", "handle_error", ...
  // The client; null where the step has none (serve_forever, handle_timeout, close_request).
  const SocketAddress* client_address;
  pid_t pid;  // Which process: forked children differ.
  pid_t tid;  // Which thread (gettid): threaded requests differ.
};
using TraceHook = std::function<void(const TraceEvent&)>;  // What `trace` holds.

SelectorFactory default_selector();  // The default PollSelector, as Python's _ServerSelector.

class BaseServer {
 public:
  BaseServer(SocketAddress address, HandlerFactory handler_factory)  // No I/O.
      : server_address(std::move(address)), RequestHandlerClass(std::move(handler_factory)) {}
  BaseServer(const BaseServer&) = delete;
  BaseServer& operator=(const BaseServer&) = delete;
  virtual ~BaseServer() = default;

  // --- Attributes (Python's class attributes; set them before bind_and_activate) ---

  // Where the server listens; after bind_and_activate(), the bound address (port 0 replaced).
  SocketAddress server_address;
  HandlerFactory RequestHandlerClass;  // Builds and runs each request's handler.
  // How long handle_request() (not serve_forever()) waits before handle_timeout(). Empty: None.
  std::optional<Seconds> timeout;
  // Which Selector the loops use (Python: _ServerSelector).
  SelectorFactory server_selector = default_selector();
  // Called for each lifecycle step when set, from whichever thread or process runs the step.
  TraceHook trace;

  // --- For the caller ---

  // Python: the bind_and_activate=True path of the constructor. server_bind(), then
  // server_activate(); if either throws, server_close() and rethrow (no leak).
  virtual void bind_and_activate();
  // The descriptor the loops wait on; -1 when there is none (never bound, or closed).
  virtual int fileno() const = 0;

  // Handle requests until shutdown(). poll_interval: how often service_actions() runs when idle.
  void serve_forever(Seconds poll_interval = Seconds(0.5));
  // Stops serve_forever() and waits until it has returned. From the serving thread it throws
  // std::logic_error (Python deadlocks). When serve_forever() is not running it returns at
  // once, and the next serve_forever() returns at once too, as in Python.
  void shutdown();
  // Handle one request; after `timeout` (or the socket's own, if shorter), handle_timeout().
  void handle_request();
  // Release the server's resources. Idempotent. May be extended: an override calls the base
  // version, and a class that overrides it calls it in its destructor.
  virtual void server_close() {}
  // For a stop in bounded time (beyond Python): shuts down (SHUT_RDWR) the connection of each
  // request run_request() is running, so that its handler returns; ForkingMixIn kills its
  // children. A handler waiting on something else (a sleep, a lock) goes on. Any thread.
  virtual void abort_requests();

  // --- May be overridden ---

  virtual void server_bind() {}      // Called by bind_and_activate(): bind the socket.
  virtual void server_activate() {}  // Called by bind_and_activate() after server_bind().
  // Take one request: accept() or recvfrom(). A std::system_error here makes the loop skip
  // this turn quietly (the client went away).
  virtual std::pair<Request, SocketAddress> get_request() = 0;
  // Return false to refuse the request: it goes straight to shutdown_request().
  virtual bool verify_request(Request&, const SocketAddress&) { return true; }
  // Calls run_request(). Overridden by ForkingMixIn and ThreadingMixIn.
  virtual void process_request(Request& request, const SocketAddress& client_address) {
    run_request(request, client_address);
  }
  // Clean up after a request: calls close_request().
  virtual void shutdown_request(Request& request) {
    trace_step("close_request");
    close_request(request);
  }
  virtual void close_request(Request&) {}  // Called by shutdown_request(): close the request.
  // Called inside the catch block, with the handler's std::exception current. Prints Python's
  // report to stderr; one line for a client that reset, hung up or timed out.
  virtual void handle_error(Request& request, const SocketAddress& client_address);
  // Called by handle_request() when `timeout` expires. Overridden by ForkingMixIn.
  virtual void handle_timeout() {}
  // Called by serve_forever() once per turn of its loop. Overridden by ForkingMixIn.
  virtual void service_actions() {}

  // --- For derived classes ---

  // Python: finish_request(). Runs RequestHandlerClass on the request.
  virtual void finish_request(Request& request, const SocketAddress& client_address) {
    RequestHandlerClass(request, client_address, *this);
  }
  // Reports a step to `trace`, if set; called where each hook is called, so no override loses it.
  void trace_step(std::string_view step, const SocketAddress* client_address = nullptr) const;
  // A TraceHook that writes "[pid 1234 tid 1234] handle 127.0.0.1:40000" lines to stderr.
  static void print_trace(const TraceEvent& event);

 protected:
  // The listening socket's timeout, for handle_request() (Python: self.socket.gettimeout()).
  virtual std::optional<Seconds> listening_timeout() const { return std::nullopt; }
  // Throws std::logic_error unless the server has been activated and not closed.
  void check_active(const char* caller) const;

  // The one request runner: finish_request(); handle_error() if it threw a std::exception;
  // then, whatever happened, shutdown_request(), after which anything else thrown propagates.
  // Returns false when the handler threw. Python: process_request_thread()'s try/finally.
  // The mix-ins call it in their thread or child (docs/python_to_cpp.md#hooks-for-the-mix-ins).
  bool run_request(Request& request, const SocketAddress& client_address);

  // Whether handlers reply through the server's own socket (UDPServer: true); ThreadingMixIn
  // then waits for them before server_close() closes it. Beyond Python.
  virtual bool handlers_reply_through_server() const { return false; }
  // Called by ForkingMixIn in each child before it runs the request: close what is the
  // parent's business (TCPServer: the listening socket). Beyond Python.
  virtual void close_in_child() {}
  // Readable once shutdown() is called, while serve_forever() runs (-1 otherwise): for a hook
  // that waits inside the loop (ForkingMixIn at max_children). Serving thread only.
  int wakeup_fileno() const { return wake_read_.get(); }

 private:
  // Python: _handle_request_noblock(). Takes and handles one ready request.
  void handle_request_noblock();

  // Shutdown state, written by serve_forever() and by shutdown() on another thread, under
  // state_mutex_. Python's threading.Event becomes a count of ended loops: shutdown() waits
  // for it to change, not for a flag, which a new serve_forever() could clear again first.
  std::mutex state_mutex_;
  std::condition_variable state_changed_;
  unsigned long loops_ended_ = 0;  // How many serve_forever() calls have ended.
  // The process running serve_forever(), 0 when it is not running. Atomic: a forked child
  // reads it without the mutex, which another thread may have held at fork().
  std::atomic<pid_t> serving_pid_{0};
  std::thread::id serving_thread_;  // The thread running serve_forever(), while it runs.
  Fd wake_write_;                   // shutdown() writes a byte here while serve_forever() runs.
  Fd wake_read_;                    // The pipe's other end; the serving thread's only.
  // Python: __shutdown_request. Atomic: the loop reads it without the mutex.
  std::atomic<bool> shutdown_request_{false};
  // The requests run_request() is running, for abort_requests(): a list whose links live on
  // run_request()'s stack, one per request, each leaving before shutdown_request() closes
  // its request. Any thread, under running_mutex_.
  struct Running;
  std::mutex running_mutex_;
  Running* running_ = nullptr;  // The first link; null when no request runs.
};

}  // namespace socketserver

#endif  // SERVER_BASE_SERVER_H_
