// ThreadingMixIn<Server>: handle each request in a new std::thread.
// Python: socketserver.ThreadingMixIn; `class ThreadingTCPServer(ThreadingMixIn, TCPServer)`
// is `using ThreadingTCPServer = ThreadingMixIn<TCPServer>` here (composed_servers.h).
//
// Each request's thread runs finish_request(), handle_error() if the handler throws a
// std::exception, and always shutdown_request(). The thread owns its Request.
//
// Threads are remembered so server_close() can join them, and finished ones are joined and
// forgotten each time a new one starts, so the bookkeeping stays as small as the number of
// running handlers (Python's bpo-37193 leak, fixed the same way).
//   block_on_close = true (default): server_close() waits for every running handler.
//   block_on_close = false: server_close() returns at once; the destructor still waits,
//     because the handlers use the server object. Datagram servers wait anyway: their
//     handlers reply through the server's socket, which server_close() closes.
//   daemon_threads = true: threads are detached and never waited for. The cost: nothing
//     stops a handler from running after the server is destroyed (or, for a datagram server,
//     from replying through its closed socket), so use it only for a server that lives until
//     the process exits (Python's daemon threads die with it).
//
// A class derived from a threading server must join the threads in its own destructor when
// its overrides run on request threads (handle_error, shutdown_request, ...) or its members
// are used by handlers: by the time ~ThreadingMixIn joins them, the derived part is gone.
//     ~MyServer() override { server_close(); join_threads(); }
// A thread that cannot be started (std::system_error) goes to handle_error().
//
// Handlers run concurrently: state they share must be guarded (a mutex, or std::atomic).
//
// For the caller:          daemon_threads, block_on_close, join_threads
// Overrides:               process_request, server_close
#ifndef MIXINS_THREADING_MIXIN_H_
#define MIXINS_THREADING_MIXIN_H_

#include <sys/socket.h>

#include <atomic>
#include <exception>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
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
    ThreadingMixIn::server_close();
    join_threads();  // Even with block_on_close = false: the threads use *this.
  }

  // Python's class attributes, with Python's defaults.
  bool daemon_threads = false;
  bool block_on_close = true;

  // Runs in the request's thread. Python: process_request_thread().
  // Nothing may escape a std::thread (it would call std::terminate), so what Python would
  // hand to threading.excepthook (an exception that is not a std::exception, or one thrown
  // by handle_error itself) is reported on stderr instead, and the thread ends normally.
  void process_request_thread(Request& request, const SocketAddress& client_address) {
    try {
      try {
        this->finish_request(request, client_address);
      } catch (const std::exception&) {
        this->trace_step("handle_error", &client_address);
        this->handle_error(request, client_address);
      }
    } catch (...) {
      report_uncaught("request", client_address);
    }
    try {
      this->shutdown_request(request);
    } catch (...) {
      report_uncaught("shutdown_request", client_address);
    }
  }

  // [threading_process_request]
  void process_request(Request& request, const SocketAddress& client_address) override {
    reap_threads();
    auto owned = std::make_unique<Request>(std::move(request));
    auto done = std::make_shared<std::atomic<bool>>(false);
    Request* job = owned.get();
    this->trace_step("thread", &client_address);  // Before the start, so it prints first.
    std::thread thread;
    try {
      thread = std::thread([this, job, client_address, done] {
        std::unique_ptr<Request> request(job);  // The thread owns its request from here.
        process_request_thread(*request, client_address);
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

  // Joins the handlers first (Python closes the socket first), because a datagram handler
  // replies through the server's socket: closing it under a running handler would let the
  // descriptor number be reused while the handler still sends to it.
  void server_close() override {
    if (block_on_close || this->socket_type == SOCK_DGRAM) join_threads();
    Server::server_close();
  }

  // Waits for every remembered (non-daemon) request thread to end. Python: _threads.join().
  // Called by server_close() and the destructor; a derived class calls it in its destructor
  // (see above). From a request thread (a handler calling server_close()) it joins the
  // others and leaves its own thread to be joined later.
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

  static void report_uncaught(const char* where, const SocketAddress& client_address) {
    write_stderr(std::string("Exception in the thread of ") + where + " from " +
                 client_address.to_string() + ", not handled: " + describe_current_exception() +
                 "\n");
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

  // The request threads. Touched by the serving thread (process_request) and by whoever
  // calls server_close() or tracked_threads(); guarded by threads_mutex_.
  std::mutex threads_mutex_;
  std::list<Worker> threads_;
};

}  // namespace socketserver

#endif  // MIXINS_THREADING_MIXIN_H_
