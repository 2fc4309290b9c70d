// ThreadingMixIn<Server>: handle each request in a new thread.
// Python: socketserver.ThreadingMixIn; `class ThreadingTCPServer(ThreadingMixIn, TCPServer)`
// is `using ThreadingTCPServer = ThreadingMixIn<TCPServer>` here (composed_servers.h).
//
// Each request's thread runs BaseServer::run_request() (finish_request(), handle_error() if
// the handler throws a std::exception, always shutdown_request()) and owns its Request.
//
// Threads are remembered so server_close() can join them, and finished ones are joined and
// forgotten each time a new one starts (Python's bpo-37193 leak, fixed the same way) and at
// each turn of serve_forever() (service_actions), so the bookkeeping stays as small as the
// number of running handlers and an idle server gives back their stacks. A thread's last step
// puts its number on a list of finished ones, so reaping costs nothing per running handler.
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
// For the caller:          daemon_threads, block_on_close, stack_size, excepthook,
//                          tracked_threads
// Overrides:               process_request, service_actions, server_close
#ifndef MIXINS_THREADING_MIXIN_H_
#define MIXINS_THREADING_MIXIN_H_

#include <pthread.h>

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <typeinfo>
#include <unordered_map>
#include <utility>
#include <vector>

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
  // Python: threading.stack_size(size), for this server's request threads only. Empty (the
  // default): the platform's size, 8 MiB on Linux. Smaller stacks start faster (see
  // docs/benchmark.md); a handler that recurses deeply or has big local arrays needs more.
  // At least PTHREAD_STACK_MIN (16 KiB), or each request goes to handle_error().
  std::optional<std::size_t> stack_size;
  // Python: threading.excepthook. Called on the request's thread, inside the catch block, for
  // what escapes run_request() there. Empty (the default): a report on stderr.
  std::function<void(const SocketAddress& client_address)> excepthook;

  // [threading_process_request]
  void process_request(Request& request, const SocketAddress& client_address) override {
    reap_threads();
    derived_ = typeid(*this) != typeid(ThreadingMixIn);
    std::uint64_t number = daemon_threads ? 0 : ++started_;
    auto job = std::make_unique<Job>(Job{this, std::move(request), client_address, number});
    this->trace_step("thread", &client_address);  // Before the start, so it prints first.
    pthread_t thread;
    try {
      thread = start_thread(stack_size, &ThreadingMixIn::request_thread, job.get());
    } catch (...) {
      request = std::move(job->request);  // Not started: hand it back for handle_error().
      throw;
    }
    (void)job.release();  // The thread owns it now.
    if (daemon_threads) {
      ::pthread_detach(thread);
      return;
    }
    // The thread may have finished already; only this thread reaps, and not before this.
    std::lock_guard<std::mutex> lock(threads_mutex_);
    threads_.emplace(number, thread);
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
  // What a request thread owns; `number` is its key in threads_ (0: a daemon thread).
  struct Job {
    ThreadingMixIn* server;
    Request request;
    SocketAddress client_address;
    std::uint64_t number;
  };

  // A request thread, from start to end. Python: process_request_thread().
  static void* request_thread(void* job_pointer) {
    std::unique_ptr<Job> job(static_cast<Job*>(job_pointer));
    ThreadingMixIn& server = *job->server;
    try {
      server.run_request(job->request, job->client_address);
    } catch (...) {
      server.report_uncaught(job->client_address);
    }
    if (job->number != 0) {  // Its last step: ask the serving thread to join it.
      std::lock_guard<std::mutex> lock(server.threads_mutex_);
      server.finished_.push_back(job->number);
    }
    return nullptr;
  }

  // pthread_create(), because std::thread cannot be given a stack size.
  static pthread_t start_thread(std::optional<std::size_t> stack_size, void* (*run)(void*),
                                void* argument) {
    pthread_attr_t attributes;
    ::pthread_attr_init(&attributes);
    // EINVAL for a size below PTHREAD_STACK_MIN.
    int error = stack_size ? ::pthread_attr_setstacksize(&attributes, *stack_size) : 0;
    pthread_t thread;
    if (error == 0) error = ::pthread_create(&thread, &attributes, run, argument);
    ::pthread_attr_destroy(&attributes);
    if (error == 0) return thread;
    throw std::system_error(
        error, std::generic_category(),
        "pthread_create, stack_size " + (stack_size ? std::to_string(*stack_size) : "default"));
  }

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
    std::unordered_map<std::uint64_t, pthread_t> all;
    {
      std::lock_guard<std::mutex> lock(threads_mutex_);
      all.swap(threads_);
    }
    for (const auto& [number, thread] : all) {
      if (::pthread_equal(thread, ::pthread_self())) {
        std::lock_guard<std::mutex> lock(threads_mutex_);  // Joining itself would deadlock.
        threads_.emplace(number, thread);
      } else {
        ::pthread_join(thread, nullptr);
      }
    }
  }

  // Joins and forgets the threads that have finished. Python: _Threads.reap(), which scans
  // every thread; here each finished thread has put its number on finished_, so the cost
  // does not grow with the number of running handlers. The serving thread's only.
  void reap_threads() {
    std::vector<pthread_t> finished;
    {
      std::lock_guard<std::mutex> lock(threads_mutex_);
      for (std::uint64_t number : finished_) {
        auto found = threads_.find(number);  // Absent if join_threads() took it.
        if (found == threads_.end()) continue;
        finished.push_back(found->second);
        threads_.erase(found);
      }
      finished_.clear();
    }
    for (pthread_t thread : finished) ::pthread_join(thread, nullptr);  // At once: it ended.
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
  std::uint64_t started_ = 0;  // Numbers the threads; the serving thread's only.
  // The request threads by number, and the numbers of those that have finished. Touched by
  // the serving thread (process_request), by the request threads (finished_) and by whoever
  // calls server_close() or tracked_threads(); guarded by threads_mutex_.
  std::mutex threads_mutex_;
  std::unordered_map<std::uint64_t, pthread_t> threads_;
  std::vector<std::uint64_t> finished_;
};

}  // namespace socketserver

#endif  // MIXINS_THREADING_MIXIN_H_
