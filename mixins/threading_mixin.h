// ThreadingMixIn<Server>: handle each request in a new std::thread.
// Python: socketserver.ThreadingMixIn; `class ThreadingTCPServer(ThreadingMixIn, TCPServer)`
// is `using ThreadingTCPServer = ThreadingMixIn<TCPServer>` here (composed_servers.h).
//
// Each request's thread runs BaseServer::run_request() (finish_request(), handle_error() if
// the handler throws a std::exception, always shutdown_request()) and owns its Request.
//
// Threads are remembered so server_close() can join them, and finished ones are joined and
// forgotten each time a new one starts (Python's bpo-37193 leak, fixed the same way) and at
// each turn of serve_forever() (service_actions), so the bookkeeping stays as small as the
// number of running handlers and an idle server gives back their stacks.
//   block_on_close = true (default): server_close() stops listening, then waits for every
//     running handler, as Python's does. Datagram servers wait first: their handlers reply
//     through the server's socket (BaseServer::handlers_reply_through_server()).
//   block_on_close = false: server_close() returns at once; the destructor still waits,
//     because the handlers use the server object.
//   daemon_threads = true: threads are detached and never waited for. The cost: nothing
//     stops a handler from running after the server is destroyed (or, for a datagram server,
//     from replying through its closed socket), so use it only for a server that lives until
//     the process exits (Python's daemon threads die with it).
//
// Lifetime. Request threads call the server's hooks, so they must end before any part of the
// server is destroyed. Python's `with` calls server_close() before the object goes, and so
// does serve_until_signal(); with block_on_close (the default) that call waits for them, so a
// class derived from a threading server needs no destructor of its own. ThreadingMixIn<MyServer>,
// with the mix-in outermost as in Python's list of bases, is safe in every case, even with
// block_on_close = false: its destructor joins first. A derived class destroyed while its
// request threads were never joined is reported on stderr: its part was gone while they ran.
//
// An exception that escapes a request thread (one that is not a std::exception, or one that
// handle_error itself threw) cannot propagate: it goes to `excepthook`, Python's
// threading.excepthook, and the thread ends normally. A thread that cannot be started
// (std::system_error) goes to handle_error() on the serving thread.
//
// Handlers run concurrently: state they share must be guarded (a mutex, or std::atomic).
//
// For the caller:          daemon_threads, block_on_close, excepthook, tracked_threads
// Overrides:               process_request, service_actions, server_close
#ifndef MIXINS_THREADING_MIXIN_H_
#define MIXINS_THREADING_MIXIN_H_

#include <atomic>
#include <exception>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <typeinfo>
#include <utility>

#include "server/errors.h"
#include "server/request.h"
#include "server/socket_address.h"

namespace socketserver {

template <class Server>
class ThreadingMixIn : public Server {
 public:
  using Server::Server;
  ~ThreadingMixIn() override {
    report_unjoined_threads();
    ThreadingMixIn::server_close();
    join_threads();  // Even with block_on_close = false: the threads use *this.
  }

  // Python's class attributes, with Python's defaults.
  bool daemon_threads = false;
  bool block_on_close = true;  // server_close() waits for the request threads.
  // Python: threading.excepthook. Called on the request's thread, inside the catch block, for
  // what escapes run_request() there. Empty (the default): a report on stderr.
  std::function<void(const SocketAddress& client_address)> excepthook;

  // [threading_process_request]
  void process_request(Request& request, const SocketAddress& client_address) override {
    reap_threads();
    derived_ = typeid(*this) != typeid(ThreadingMixIn);
    auto owned = std::make_unique<Request>(std::move(request));
    auto done = std::make_shared<std::atomic<bool>>(false);
    Request* job = owned.get();
    this->trace_step("thread", &client_address);  // Before the start, so it prints first.
    std::thread thread;
    try {
      thread = std::thread([this, job, client_address, done] {
        std::unique_ptr<Request> request(job);  // The thread owns its request from here.
        try {
          this->run_request(*request, client_address);  // Python: process_request_thread().
        } catch (...) {
          report_uncaught(client_address);
        }
        done->store(true, std::memory_order_release);
      });
    } catch (...) {
      request = std::move(*owned);  // Not started: hand the request back for handle_error().
      throw;
    }
    (void)owned.release();  // The thread owns it now.
    if (daemon_threads) {
      thread.detach();
      return;
    }
    std::lock_guard<std::mutex> lock(threads_mutex_);
    threads_.push_back({std::move(thread), std::move(done)});
  }
  // [end]

  // Beyond Python: finished threads are joined while the server is idle too.
  void service_actions() override {
    Server::service_actions();
    reap_threads();
  }

  // Python: server_close(), then _threads.join() when block_on_close.
  void server_close() override {
    if (this->handlers_reply_through_server()) join_threads();  // They need the socket.
    Server::server_close();  // Stop listening first: no new client waits in the backlog.
    if (block_on_close) join_threads();
  }

  // How many threads are remembered (running, or finished and not yet joined).
  // Python: len(server._threads). For tests and lectures.
  std::size_t tracked_threads() {
    std::lock_guard<std::mutex> lock(threads_mutex_);
    return threads_.size();
  }

 private:
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;  // Set by the thread as its last step.
  };

  void report_uncaught(const SocketAddress& client_address) {
    try {
      if (excepthook) return excepthook(client_address);
    } catch (...) {
    }
    write_stderr("Exception in the thread of the request from " + client_address.to_string() +
                 ", not handled: " + describe_current_exception() + "\n");
  }

  // Waits for every remembered (non-daemon) request thread to end. Python: _threads.join().
  // From a request thread (a handler calling server_close()) it joins the others and leaves
  // its own thread to be joined later.
  void join_threads() {
    std::list<Worker> all;
    {
      std::lock_guard<std::mutex> lock(threads_mutex_);
      all.swap(threads_);
    }
    for (auto it = all.begin(); it != all.end();) {
      auto next = std::next(it);
      if (it->thread.get_id() == std::this_thread::get_id()) {
        std::lock_guard<std::mutex> lock(threads_mutex_);  // Joining itself would deadlock.
        threads_.splice(threads_.end(), all, it);
      } else {
        it->thread.join();
      }
      it = next;
    }
  }

  // Joins and forgets the threads that have finished. Python: _Threads.reap().
  void reap_threads() {
    std::list<Worker> finished;
    {
      std::lock_guard<std::mutex> lock(threads_mutex_);
      for (auto it = threads_.begin(); it != threads_.end();) {
        auto next = std::next(it);
        if (it->done->load(std::memory_order_acquire))
          finished.splice(finished.end(), threads_, it);
        it = next;
      }
    }
    for (Worker& worker : finished) worker.thread.join();  // Returns at once: it has finished.
  }

  // In the destructor: a class derived from this one has already been destroyed. If request
  // threads were never joined (no server_close() first), they may have used that part.
  void report_unjoined_threads() {
    std::size_t unjoined = tracked_threads();
    if (!derived_ || unjoined == 0) return;
    write_stderr("ThreadingMixIn: a server derived from it was destroyed with " +
                 std::to_string(unjoined) +
                 " request thread(s) not joined, which may have used the part already "
                 "destroyed. Call server_close() before the server goes (Python's `with` and "
                 "serve_until_signal() do), or serve ThreadingMixIn<YourServer>.\n");
  }

  // True when the object is of a class derived from this one. Set by the serving thread.
  bool derived_ = false;
  // The request threads. Touched by the serving thread (process_request) and by whoever
  // calls server_close() or tracked_threads(); guarded by threads_mutex_.
  std::mutex threads_mutex_;
  std::list<Worker> threads_;
};

}  // namespace socketserver

#endif  // MIXINS_THREADING_MIXIN_H_
