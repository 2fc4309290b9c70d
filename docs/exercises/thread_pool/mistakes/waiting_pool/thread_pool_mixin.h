// A mistake a student could make, kept to prove that the check catches it: process_request()
// waits on the serving thread until fewer than max_threads handlers run, so a full pool makes
// shutdown() wait too.
//
// ThreadPoolMixIn<Server>: handle requests on at most max_threads threads; the requests that
// find them all busy wait in a queue of at most max_queued, and the ones after that are
// closed unserved.
// Python: none in the module. ThreadingMixIn starts a thread per request without limit
// (brandon-rhodes/fopnp#20); courses ask for this pool instead, as in
// `concurrent.futures.ThreadPoolExecutor(max_workers=N)` fed by process_request().
//
// The exercise: docs/exercises/thread_pool/README.md. Run tools/exercise.sh thread_pool.
//
// What is here is a start: a thread per request, as ThreadingMixIn does, with no limit.
// TODO: turn it into a pool of at most max_threads workers fed by a queue of at most
// max_queued requests. process_request() must never wait: shutdown() stays immediate.
//
// For the caller:          max_threads, max_queued, queued, workers
// Overrides:               process_request, server_close
#ifndef THREAD_POOL_MIXIN_H_
#define THREAD_POOL_MIXIN_H_

#include <condition_variable>
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "server/errors.h"
#include "server/request.h"
#include "server/socket_address.h"

namespace exercise {

template <class Server>
class ThreadPoolMixIn : public Server {
 public:
  using Server::Server;
  ~ThreadPoolMixIn() override { ThreadPoolMixIn::server_close(); }

  std::size_t max_threads = 4;  // At most this many handlers run at once.
  std::size_t max_queued = 16;  // At most this many requests wait; more are closed unserved.

  void process_request(socketserver::Request& request,
                       const socketserver::SocketAddress& client_address) override {
    // The thread owns its request: `request` belongs to a frame that ends when this returns.
    auto job = std::make_shared<socketserver::Request>(std::move(request));
    std::unique_lock<std::mutex> lock(mutex_);
    // The mistake: wait here, on the serving thread, for a free thread.
    freed_.wait(lock, [this] { return busy_ < max_threads; });
    ++busy_;
    threads_.emplace_back([this, job, client_address] {
      try {
        this->run_request(*job, client_address);
        std::lock_guard<std::mutex> done(mutex_);
        --busy_;
        freed_.notify_all();
      } catch (...) {  // Not a std::exception: it must not end the process.
        socketserver::write_stderr(
            "Exception in the thread of the request from " + client_address.to_string() +
            ", not handled: " + socketserver::describe_current_exception() + "\n");
      }
    });
  }

  void server_close() override {
    Server::server_close();  // Stop listening first: no new client waits in the backlog.
    std::list<std::thread> threads;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      threads.swap(threads_);
    }
    for (std::thread& thread : threads) {
      if (thread.get_id() == std::this_thread::get_id()) {
        thread.detach();  // A handler called server_close(): its thread ends after it.
      } else {
        thread.join();
      }
    }
  }

  // How many requests wait for a thread; how many threads there are. For the check.
  std::size_t queued() {
    return 0;  // TODO
  }
  std::size_t workers() {
    std::lock_guard<std::mutex> lock(mutex_);
    return threads_.size();
  }

 private:
  // Touched by the serving thread (process_request) and whoever calls server_close() or
  // workers(); guarded by mutex_.
  std::mutex mutex_;
  std::list<std::thread> threads_;  // One per request so far.
  std::condition_variable freed_;   // A thread has finished.
  std::size_t busy_ = 0;            // Threads running a request.
};

}  // namespace exercise

#endif  // THREAD_POOL_MIXIN_H_
