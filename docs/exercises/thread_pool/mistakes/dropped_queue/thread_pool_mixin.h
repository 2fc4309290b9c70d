// A mistake a student could make, kept to prove that the check catches it: server_close()
// throws away the requests still waiting in the queue, though the server has taken them.
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
// process_request() never waits: it queues the request and returns, so the serving thread
// goes back to select() at once, and shutdown() stays immediate however busy the pool is.
// Workers are started as needed, up to max_threads, and each runs queued requests one after
// another with BaseServer::run_request(). server_close() stops listening, lets the workers
// handle every request already queued, then joins them (Python's block_on_close).
//
// For the caller:          max_threads, max_queued, queued, workers
// Overrides:               process_request, server_close
#ifndef THREAD_POOL_MIXIN_H_
#define THREAD_POOL_MIXIN_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <list>
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
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!stopping_ && queue_.size() < max_queued) {
        queue_.push_back({std::move(request), client_address});
        // A new worker when the idle ones are too few for the queue: the pool grows with the
        // load, never past max_threads.
        if (queue_.size() > idle_ && workers_.size() < max_threads) {
          workers_.emplace_back([this] { work(); });
        }
        work_ready_.notify_one();
        return;
      }
    }
    // Full: refuse it as verify_request() would. The client sees the connection close.
    this->trace_step("shutdown_request", &client_address);
    this->shutdown_request(request);
  }

  void server_close() override {
    Server::server_close();  // Stop listening first: no new client waits in the backlog.
    std::list<std::thread> workers;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
      queue_.clear();  // The mistake: closes every taken request that has not started.
      workers.swap(workers_);
    }
    work_ready_.notify_all();
    for (std::thread& worker : workers) {
      if (worker.get_id() == std::this_thread::get_id()) {
        worker.detach();  // A handler called server_close(): its worker ends after it.
      } else {
        worker.join();  // After it has emptied the queue.
      }
    }
  }

  // How many requests wait for a thread; how many worker threads there are. For the check.
  std::size_t queued() {
    std::lock_guard<std::mutex> lock(mutex_);
    return queue_.size();
  }
  std::size_t workers() {
    std::lock_guard<std::mutex> lock(mutex_);
    return workers_.size();
  }

 private:
  struct Job {
    socketserver::Request request;
    socketserver::SocketAddress client_address;
  };

  // A worker: runs queued requests until server_close() is called and the queue is empty.
  void work() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      ++idle_;
      work_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      --idle_;
      if (queue_.empty()) return;  // Stopping, and nothing left to do.
      Job job = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      try {
        this->run_request(job.request, job.client_address);
      } catch (...) {  // Not a std::exception: it must not end the worker, or the process.
        socketserver::write_stderr(
            "Exception in a pool thread, request from " + job.client_address.to_string() +
            ", not handled: " + socketserver::describe_current_exception() + "\n");
      }
      lock.lock();
    }
  }

  // Touched by the serving thread (process_request), the workers, and whoever calls
  // server_close(), queued() or workers(); all guarded by mutex_.
  std::mutex mutex_;
  std::condition_variable work_ready_;  // The queue has a job, or stopping_ was set.
  std::deque<Job> queue_;
  std::list<std::thread> workers_;
  std::size_t idle_ = 0;  // Workers waiting for a job (or woken, and not yet holding one).
  bool stopping_ = false;
};

}  // namespace exercise

#endif  // THREAD_POOL_MIXIN_H_
