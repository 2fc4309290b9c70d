// The check of the thread-pool exercise (README.md): ThreadPoolMixIn<TCPServer> with handlers
// that wait at a gate the check opens, so it can see how many run at once and how many wait.
#include <doctest/doctest.h>
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "handlers/stream_request_handler.h"
#include "server/socket.h"
#include "server/tcp_server.h"
#include "tests/test_util.h"
#include "thread_pool_mixin.h"

namespace {

using namespace socketserver;
using namespace socketserver::testing;
using namespace std::chrono_literals;

// Where the handlers wait until the check opens it, and what it saw of them.
class Gate {
 public:
  void open() {
    std::lock_guard<std::mutex> lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  int running() {
    std::lock_guard<std::mutex> lock(mutex_);
    return running_;
  }
  std::size_t threads_seen() {
    std::lock_guard<std::mutex> lock(mutex_);
    return tids_.size();
  }
  // A handler's turn: counted while it waits for the gate (at most kDeadline).
  void pass() {
    std::unique_lock<std::mutex> lock(mutex_);
    ++running_;
    tids_.insert(current_tid());
    changed_.wait_for(lock, kDeadline, [this] { return open_; });
    --running_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = false;
  int running_ = 0;
  std::set<pid_t> tids_;  // The kernel's ids of the threads that ran handlers.
};

// Waits at the gate, then says "done". The message "throw" makes it throw a value that is no
// std::exception instead.
struct GatedHandler : StreamRequestHandler {
  explicit GatedHandler(Gate& gate) : gate(gate) {}
  void handle() override {
    if (rfile.readline() == "throw\n") throw 42;
    gate.pass();
    wfile.write("done\n");
  }
  Gate& gate;
};

using Pool = exercise::ThreadPoolMixIn<TCPServer>;

// A pool of `threads` threads and `queued` places, serving on its own thread.
struct PoolServer {
  PoolServer(std::size_t threads, std::size_t queued) {
    server.max_threads = threads;
    server.max_queued = queued;
    server.bind_and_activate();
    thread.emplace(server);
  }
  ~PoolServer() {
    gate.open();
    thread.reset();
    server.server_close();
  }
  // A client that has sent its request ("go\n"): the server takes it when it can.
  Socket client(const std::string& request = "go\n") {
    Socket socket = connect_to(server.server_address);
    socket.sendall(request);
    return socket;
  }
  Gate gate;
  Pool server{kLoopback, handler<GatedHandler>(std::ref(gate))};
  std::optional<ServerThread> thread;
};

TEST_CASE("at most max_threads handlers run at once; the other requests wait in the queue") {
  PoolServer pool(2, 10);
  std::vector<Socket> clients;
  for (int i = 0; i < 6; ++i) clients.push_back(pool.client());
  // Until two run and four wait, or more than two run: either way the answer is known.
  REQUIRE(wait_until([&] {
    return pool.gate.running() > 2 || (pool.gate.running() == 2 && pool.server.queued() == 4);
  }));
  CHECK(pool.gate.running() == 2);
  CHECK(pool.server.queued() == 4);
  CHECK(pool.server.workers() == 2);
  pool.gate.open();
  for (Socket& client : clients) CHECK(recv_all(client) == "done\n");  // All served in time.
}

TEST_CASE("the same threads handle request after request") {
  PoolServer pool(2, 10);
  pool.gate.open();
  for (int i = 0; i < 10; ++i) {
    Socket client = pool.client();
    CHECK(recv_all(client) == "done\n");
  }
  CHECK(pool.gate.threads_seen() <= 2);
  CHECK(pool.server.workers() <= 2);
}

TEST_CASE("a request that finds the queue full is closed at once") {
  PoolServer pool(1, 2);
  // One at a time, so that each is taken before the next comes: the first runs, two wait.
  Socket running = pool.client();
  REQUIRE(wait_until([&] { return pool.gate.running() == 1; }));
  Socket first_waiting = pool.client();
  Socket second_waiting = pool.client();
  REQUIRE(wait_until([&] { return pool.gate.running() > 1 || pool.server.queued() == 2; }));
  REQUIRE(pool.gate.running() == 1);
  Socket refused = pool.client();
  CHECK(recv_all(refused) == "");  // Closed while the gate is still shut: not served.
  pool.gate.open();
  CHECK(recv_all(running) == "done\n");
  CHECK(recv_all(first_waiting) == "done\n");
  CHECK(recv_all(second_waiting) == "done\n");
}

TEST_CASE("shutdown() returns at once while every thread is busy and the queue is full") {
  PoolServer pool(2, 2);
  std::vector<Socket> clients;
  clients.push_back(pool.client());
  clients.push_back(pool.client());
  REQUIRE(wait_until([&] { return pool.gate.running() == 2; }));
  clients.push_back(pool.client());
  clients.push_back(pool.client());
  // Two run and two wait. A pool that makes process_request() wait for a free thread never
  // gets this far (so the wait is short), and the shutdown() below then waits with it.
  wait_until([&] { return pool.gate.running() + pool.server.queued() == 4; }, 5s);
  clients.push_back(pool.client());  // One more, for a full queue.
  auto stopped = std::async(std::launch::async, [&] { pool.server.shutdown(); });
  const bool at_once = stopped.wait_for(5s) == std::future_status::ready;
  pool.gate.open();  // Lets a shutdown() that waits for the handlers end too.
  stopped.get();
  CHECK(at_once);
}

TEST_CASE("server_close() lets every taken request finish, then leaves no thread behind") {
  const int threads_before = count_threads();
  {
    PoolServer pool(2, 10);
    std::vector<Socket> clients;
    for (int i = 0; i < 5; ++i) clients.push_back(pool.client());
    REQUIRE(wait_until([&] { return pool.gate.running() + pool.server.queued() == 5; }));
    pool.thread.reset();  // Not serving: what was taken is all there is.
    // server_close() while the handlers still wait at the gate, and (in a pool of two) three
    // requests in the queue: it must wait for all five. The gate opens once it is asleep.
    std::atomic<pid_t> closing_tid{0};
    std::atomic<bool> returned{false};
    std::thread closing([&] {
      closing_tid = current_tid();
      pool.server.server_close();
      returned = true;
    });
    const bool waited = wait_until(
        [&] { return returned || (closing_tid != 0 && thread_state(closing_tid) == 'S'); });
    const bool returned_early = returned;  // Before the gate opens: nothing could finish.
    pool.gate.open();
    closing.join();
    CHECK_MESSAGE(waited, "server_close() neither returned nor slept: does it spin?");
    CHECK_MESSAGE(!returned_early, "server_close() returned while taken requests still waited");
    CHECK(pool.server.workers() == 0);
    for (Socket& client : clients) CHECK(recv_all(client) == "done\n");
  }
  CHECK(count_threads() == threads_before);
}

TEST_CASE(
    "a handler that throws what is not a std::exception ends neither its thread nor the server") {
  PoolServer pool(1, 10);
  pool.gate.open();
  Socket thrower = pool.client("throw\n");
  CHECK(recv_all(thrower) == "");  // Its connection is closed all the same.
  Socket next = pool.client();
  CHECK(recv_all(next) == "done\n");
}

}  // namespace
