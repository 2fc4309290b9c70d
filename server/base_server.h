// BaseServer: the request loop every server shares; knows nothing of sockets.
// Python: socketserver.BaseServer.
//
// The chain of calls, as Python's module describes it:
//   serve_forever() waits on fileno() and calls _handle_request_noblock() for each ready
//   request; handle_request() does the same for one request, honouring `timeout`.
//   _handle_request_noblock() calls get_request(), verify_request(), then process_request().
//   process_request() is where ForkingMixIn forks and ThreadingMixIn starts a thread; here it
//   calls run_request(): finish_request(), which runs the handler, then shutdown_request().
//   handle_error() runs when the handler throws a std::exception; anything else propagates.
//   The mix-ins call the same run_request() in their thread or child, and reach the server
//   only through the hooks below, so they compose with any server, as Python's do.
//
// Owns nothing but its shutdown state and, while serve_forever() runs, a wake-up pipe.
// Not copyable or movable: serve_forever() may be running on another thread.
//
// For the caller:          bind_and_activate, serve_forever, shutdown, handle_request,
//                          fileno, server_close
// May be overridden:       server_bind, server_activate, get_request, verify_request,
//                          process_request, shutdown_request, close_request, handle_error,
//                          handle_timeout, service_actions, server_close
// For derived classes:     finish_request, run_request, trace_step,
//                          handlers_reply_through_server, close_in_child
// Differs from Python:     see docs/python_to_cpp.md#baseserver
#ifndef SERVER_BASE_SERVER_H_
#define SERVER_BASE_SERVER_H_

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string_view>
#include <thread>

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
  // The client, or null where the step has none at hand (serve_forever, handle_timeout, and
  // close_request when shutdown_request() calls it: that hook receives only the request).
  const SocketAddress* client_address;
  pid_t pid;  // Which process: forked children differ.
  pid_t tid;  // Which thread (gettid): threaded requests differ.
};
using TraceHook = std::function<void(const TraceEvent&)>;  // What `trace` holds.

// The default PollSelector, as Python's _ServerSelector.
SelectorFactory default_selector();

class BaseServer {
 public:
  BaseServer(SocketAddress server_address, HandlerFactory RequestHandlerClass);  // No I/O.
  BaseServer(const BaseServer&) = delete;
  BaseServer& operator=(const BaseServer&) = delete;
  virtual ~BaseServer();

  // --- Attributes (Python's class attributes; set them before bind_and_activate) ---

  // Where the server listens. After bind_and_activate() it is the bound address, so port 0
  // becomes the port the kernel chose.
  SocketAddress server_address;
  HandlerFactory RequestHandlerClass;  // Builds and runs each request's handler.
  // handle_request() waits at most this long, then calls handle_timeout(). Empty = Python's
  // None: wait for ever. serve_forever() ignores it, as Python's does.
  std::optional<Seconds> timeout;
  // Which Selector the loops use (Python: _ServerSelector). PollSelector unless changed.
  SelectorFactory server_selector = default_selector();
  // Called for each lifecycle step when set; see print_trace for a ready-made one.
  // Called from whichever thread or process runs the step.
  TraceHook trace;

  // --- For the caller ---

  // Python: the bind_and_activate=True path of the constructor. Calls server_bind() then
  // server_activate(); if either throws, calls server_close() and rethrows (no leak).
  virtual void bind_and_activate();
  // The descriptor the loops wait on; -1 when there is none (never bound, or closed).
  virtual int fileno() const = 0;

  // Handle requests until shutdown() is called. poll_interval is how often service_actions()
  // runs when no request arrives; shutdown() does not wait for it (a wake-up pipe).
  void serve_forever(Seconds poll_interval = Seconds(0.5));
  // Stops serve_forever() and waits until it has returned. Call it from another thread.
  // From the thread running serve_forever() it throws std::logic_error (Python deadlocks).
  // When serve_forever() is not running it returns at once; the next serve_forever() then
  // returns at once too, as in Python (so a shutdown() racing the loop's start still stops it).
  void shutdown();
  // Handle one request, waiting at most `timeout` (and the socket's own timeout, whichever is
  // shorter); on expiry call handle_timeout(). Python: handle_request().
  void handle_request();
  // Release the server's resources. Idempotent. Python: server_close(). May be extended: an
  // override calls the base version, and a class that overrides it calls it in its destructor.
  virtual void server_close() {}
  // Ends the requests still running, for a stop that must end in bounded time (beyond Python;
  // serve_until_signal() calls it when its grace period is over). Shuts down the connection of
  // each request that run_request() is running (SHUT_RDWR), so that a handler waiting on it
  // sees end of input or an error and returns; ForkingMixIn kills its children. A handler
  // that waits on something else (a sleep, a lock) is not interrupted. Any thread.
  virtual void abort_requests();

  // --- May be overridden ---

  virtual void server_bind() {}      // Called by bind_and_activate(): bind the socket.
  virtual void server_activate() {}  // Called by bind_and_activate() after server_bind().
  // Take one request: accept() a connection or recvfrom() a datagram. A std::system_error
  // here (the client went away, nothing to accept) makes the loop skip this turn quietly.
  virtual std::pair<Request, SocketAddress> get_request() = 0;
  // Return false to refuse the request: it goes straight to shutdown_request().
  virtual bool verify_request(Request& request, const SocketAddress& client_address);
  // Overridden by ForkingMixIn and ThreadingMixIn.
  virtual void process_request(Request& request, const SocketAddress& client_address);
  // Clean up after a request (and close it). Python: shutdown_request().
  virtual void shutdown_request(Request& request);
  virtual void close_request(Request& request);  // Called by shutdown_request(): close it.
  // Called inside the catch block, with the handler's std::exception current. The default
  // prints Python's framed report to stderr and the server goes on; for a client that reset,
  // hung up (ECONNRESET, EPIPE) or timed out, one line instead.
  virtual void handle_error(Request& request, const SocketAddress& client_address);
  // Called by handle_request() when `timeout` expires. Overridden by ForkingMixIn.
  virtual void handle_timeout() {}
  // Called by serve_forever() once per turn of its loop. Overridden by ForkingMixIn.
  virtual void service_actions() {}

  // --- For derived classes ---

  // Python: finish_request(). Runs RequestHandlerClass on the request.
  virtual void finish_request(Request& request, const SocketAddress& client_address);
  // Reports one lifecycle step to `trace`, if set. Cheap when it is not. The loop and the
  // mix-ins trace each hook where they call it, so an override never loses a line.
  void trace_step(std::string_view step, const SocketAddress* client_address = nullptr) const;
  // A TraceHook that writes "[pid 1234 tid 1234] handle 127.0.0.1:40000" lines to stderr.
  static void print_trace(const TraceEvent& event);

 protected:
  // The timeout of the listening socket, which handle_request() combines with `timeout`
  // (Python reads self.socket.gettimeout()). TCPServer supplies it; none here.
  virtual std::optional<Seconds> listening_timeout() const { return std::nullopt; }
  // Throws std::logic_error unless the server has been activated and not closed.
  void check_active(const char* caller) const;

  // The request runner, the one place that says what happens to a request once it is
  // somewhere to run: finish_request(); handle_error() if the handler threw a std::exception;
  // then, whatever happened, shutdown_request(). Anything else that is thrown (by the handler
  // or by handle_error) propagates after shutdown_request(). Returns false when the handler
  // threw. Python: the try/except/finally of process_request_thread(), and of
  // _handle_request_noblock() around process_request(). A mix-in calls it wherever it puts
  // the request: here for the synchronous server, in a new thread, in a forked child.
  bool run_request(Request& request, const SocketAddress& client_address);

  // Whether handlers reply through the server's own socket (datagram servers: their Request
  // borrows it). ThreadingMixIn then waits for the handlers before server_close() closes it.
  // Default false; UDPServer says true. Beyond Python, which never asks.
  virtual bool handlers_reply_through_server() const { return false; }
  // Called by ForkingMixIn in each child before it runs the request: close what is the
  // parent's business (a stream server's listening socket). Default: nothing. Python's
  // child keeps everything open; see docs/python_to_cpp.md#forkingmixin.
  virtual void close_in_child() {}
  // A descriptor that becomes readable when shutdown() is called, while serve_forever() runs
  // (-1 otherwise). For a hook that must wait inside the loop without delaying shutdown():
  // ForkingMixIn polls it while it waits for a child at max_children. Serving thread only.
  int wakeup_fileno() const { return wake_read_.get(); }

 private:
  // Python: _handle_request_noblock(). Takes and handles one ready request.
  void handle_request_noblock();

  // Shutdown state: written by serve_forever() on its thread and by shutdown() on another,
  // under state_mutex_. Python's threading.Event __is_shut_down becomes state_changed_ and
  // loops_ended_: shutdown() waits for the count to change, not for a flag, which a new
  // serve_forever() could clear again before the waiting thread wakes.
  std::mutex state_mutex_;
  std::condition_variable state_changed_;
  bool serving_ = false;            // serve_forever() is running
  unsigned long loops_ended_ = 0;   // How many serve_forever() calls have ended.
  std::thread::id serving_thread_;  // Valid while serving_.
  // The process running serve_forever(), 0 when none: a forked child differs. Atomic, so a
  // child can check it without the mutex, which another thread may have held at fork().
  std::atomic<pid_t> serving_pid_{0};
  Fd wake_write_;  // shutdown() writes a byte here while serving_.
  Fd wake_read_;   // The pipe's other end; the serving thread's only.
  // Python: __shutdown_request. Atomic: the loop reads it without taking the mutex.
  std::atomic<bool> shutdown_request_{false};
  // The requests run_request() is running, for abort_requests(). A request leaves the set
  // before shutdown_request() closes it, so abort never touches a closed descriptor. Touched
  // by every thread that runs requests and by abort_requests(), under running_mutex_.
  std::mutex running_mutex_;
  std::set<Request*> running_;
  // In running_ for as long as it lives.
  class Running {
   public:
    Running(BaseServer& server, Request& request);
    ~Running();

   private:
    BaseServer& server_;  // Borrowed.
    Request& request_;    // Borrowed.
  };
};

}  // namespace socketserver

#endif  // SERVER_BASE_SERVER_H_
