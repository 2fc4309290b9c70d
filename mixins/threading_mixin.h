// ThreadingMixIn<Server>: handle each request in a new thread.
// Python: socketserver.ThreadingMixIn; `class ThreadingTCPServer(ThreadingMixIn, TCPServer)`
// is `using ThreadingTCPServer = ThreadingMixIn<TCPServer>` here (composed_servers.h).
//
// Each request's thread owns its Request and runs BaseServer::run_request(); what escapes it
// goes to `excepthook`. Ended threads are joined when the next one starts (Python's bpo-37193).
// daemon_threads: detached and never joined, so only for a server that lives as long as the
// process. Request threads call the server's hooks: a class derived from this one must call
// server_close() before it goes (as Python's `with` does), or be served as
// ThreadingMixIn<YourServer>. Handlers run concurrently: guard what they share.
// Details: docs/python_to_cpp.md#threadingmixin.
//
// For the caller:          daemon_threads, block_on_close, stack_size, excepthook,
//                          tracked_threads
// Overrides:               process_request, service_actions, server_close
#ifndef MIXINS_THREADING_MIXIN_H_
#define MIXINS_THREADING_MIXIN_H_

#include <pthread.h>

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <typeinfo>
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
  // Python: threading.stack_size(size), for this server's request threads only. Empty: the
  // platform's (8 MiB). Below PTHREAD_STACK_MIN (16 KiB), each request goes to handle_error().
  std::optional<std::size_t> stack_size;
  // Python: threading.excepthook. Called on the request's thread, inside the catch block, for
  // what escapes run_request() there. Empty (the default): a report on stderr.
  std::function<void(const SocketAddress& client_address)> excepthook;

  // [threading_process_request]
  void process_request(Request& request, const SocketAddress& client_address) override {
    reap_threads();
    derived_ = typeid(*this) != typeid(ThreadingMixIn);
    bool tracked = !daemon_threads;
    auto job = std::make_unique<Job>(Job{this, std::move(request), client_address, tracked});
    this->trace_step("thread", &client_address);  // Before the start, so it prints first.
    if (tracked) count_running(+1);  // Before the start: the thread's last step counts it out.
    pthread_t thread;
    if (int error = start_thread(&thread, job.get())) {
      if (tracked) count_running(-1);
      request = std::move(job->request);  // Not started: hand it back for handle_error().
      throw std::system_error(
          error, std::generic_category(),
          "pthread_create, stack_size " + (stack_size ? std::to_string(*stack_size) : "default"));
    }
    (void)job.release();  // The thread owns it now.
    if (!tracked) ::pthread_detach(thread);
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

  // Python: len(server._threads), the threads running or finished and not yet joined.
  std::size_t tracked_threads() {
    std::lock_guard<std::mutex> lock(threads_mutex_);
    return static_cast<std::size_t>(running_) + finished_.size();
  }

 private:
  // What a request thread owns.
  struct Job {
    ThreadingMixIn* server;
    Request request;
    SocketAddress client_address;
    bool tracked;  // Counted in running_; false for a daemon thread.
  };

  // pthread_create(), because std::thread takes no stack size. Returns 0 or an errno value
  // (EINVAL for a stack_size below PTHREAD_STACK_MIN).
  int start_thread(pthread_t* thread, Job* job) {
    pthread_attr_t attributes;
    ::pthread_attr_init(&attributes);
    int error = stack_size ? ::pthread_attr_setstacksize(&attributes, *stack_size) : 0;
    if (error == 0) error = ::pthread_create(thread, &attributes, &request_thread, job);
    ::pthread_attr_destroy(&attributes);
    return error;
  }

  void count_running(int change) {
    std::lock_guard<std::mutex> lock(threads_mutex_);
    running_ += change;
  }

  // A request thread, from start to end. Python: process_request_thread().
  static void* request_thread(void* job_pointer) {
    std::unique_ptr<Job> job(static_cast<Job*>(job_pointer));
    ThreadingMixIn& server = *job->server;
    if (job->tracked) server_of_this_thread_ = &server;
    try {
      server.run_request(job->request, job->client_address);
    } catch (...) {
      server.report_uncaught(job->client_address);
    }
    if (job->tracked) {  // Its last step: ask to be joined.
      std::lock_guard<std::mutex> lock(server.threads_mutex_);
      --server.running_;
      server.finished_.push_back(::pthread_self());
      server.thread_ended_.notify_all();
    }
    return nullptr;
  }

  void report_uncaught(const SocketAddress& client_address) {
    try {
      if (excepthook) return excepthook(client_address);
    } catch (...) {
    }
    write_stderr("Exception in the thread of the request from " + client_address.to_string() +
                 ", not handled: " + describe_current_exception() + "\n");
  }

  // Python: _threads.join(). On a request thread (a handler calling server_close()) it waits
  // for the others only: its own thread is joined later.
  void join_threads() {
    {
      std::unique_lock<std::mutex> lock(threads_mutex_);
      int self = (server_of_this_thread_ == this) ? 1 : 0;
      thread_ended_.wait(lock, [&] { return running_ == self; });
    }
    reap_threads(/*wait=*/true);
  }

  // Joins the threads that have ended. Python: _Threads.reap(), which scans every thread;
  // here each one puts itself on finished_ as its last step, so running ones cost nothing.
  // Unless `wait`, a thread still on its way out is left for the next call: joining it would
  // make the next accept wait for the scheduler to run it (docs/benchmark.md).
  void reap_threads(bool wait = false) {
    std::lock_guard<std::mutex> lock(threads_mutex_);
    std::size_t kept = 0;  // finished_[0..kept) are the threads left for the next call.
    for (std::size_t i = 0; i < finished_.size(); ++i) {
      if (wait) {
        ::pthread_join(finished_[i], nullptr);  // Soon: it has taken its last step.
      } else if (::pthread_tryjoin_np(finished_[i], nullptr) != 0) {
        finished_[kept++] = finished_[i];
      }
    }
    finished_.resize(kept);  // Keeps its capacity: no allocation per accept.
  }

  // In the destructor, a derived class's part is already gone; request threads never joined
  // may have used it.
  void report_unjoined_threads() {
    std::size_t unjoined = tracked_threads();
    if (!derived_ || unjoined == 0) return;
    write_stderr("ThreadingMixIn: a server derived from it was destroyed with " +
                 std::to_string(unjoined) + " request thread(s) not joined, which may have " +
                 "used its destroyed part. Call server_close() first, or serve " +
                 "ThreadingMixIn<YourServer>.\n");
  }

  bool derived_ = false;  // Of a class derived from this one. The serving thread's.
  // Touched by the serving thread, the request threads and whoever calls server_close() or
  // tracked_threads(), under threads_mutex_.
  std::mutex threads_mutex_;
  std::condition_variable thread_ended_;  // Notified when running_ goes down.
  int running_ = 0;                       // Non-daemon request threads not yet ended.
  std::vector<pthread_t> finished_;       // Ended, not yet joined.
  // On a non-daemon request thread, its server: join_threads() does not wait for itself.
  static inline thread_local ThreadingMixIn* server_of_this_thread_ = nullptr;
};

}  // namespace socketserver

#endif  // MIXINS_THREADING_MIXIN_H_
