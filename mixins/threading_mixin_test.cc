// ThreadingMixIn: a thread per request, reaped as new ones start, joined on close.
// CPython's test_close_immediately, test_threads_reaped (bpo-37193) and ErrorHandlerTest's
// threading cases, plus block_on_close, daemon_threads and shared state.
#include <doctest/doctest.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "handlers/stream_request_handler.h"
#include "mixins/composed_servers.h"
#include "tests/pair_server.h"
#include "tests/test_handlers.h"
#include "tests/test_util.h"

namespace socketserver::testing {
namespace {

// One round trip, then the client leaves.
void echo_once(const SocketAddress& address, const std::string& line = "ping\n") {
  Socket client = connect_to(address);
  client.sendall(line);
  CHECK(recv_line(client) == line);
}

// A gate the test opens for handlers waiting in other threads.
class Gate {
 public:
  void open() {
    std::lock_guard<std::mutex> lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  // False if the gate stayed shut until the deadline.
  bool wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, kDeadline, [this] { return open_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = false;
};

TEST_CASE("the trace shows the thread start before the handler, which runs on another thread") {
  struct Step {
    std::string name;
    pid_t tid;
  };
  std::mutex mutex;
  std::vector<Step> steps;
  ThreadingTCPServer server(kLoopback, handler<StreamRequestHandler>());
  server.trace = [&](const TraceEvent& event) {
    std::lock_guard<std::mutex> lock(mutex);
    steps.push_back({std::string(event.step), event.tid});
  };
  server.bind_and_activate();
  Socket client = connect_to(server.server_address);
  server.handle_request();
  server.server_close();  // Joins the request's thread: every step has been reported.
  std::lock_guard<std::mutex> lock(mutex);
  std::vector<std::string> names;
  for (const Step& step : steps) names.push_back(step.name);
  CHECK(names == std::vector<std::string>{"get_request", "verify_request", "process_request",
                                          "thread", "setup", "handle", "finish", "shutdown_request",
                                          "close_request"});
  REQUIRE(steps.size() == 9);
  CHECK(steps[3].tid == steps[0].tid);  // "thread": the serving thread starts it...
  CHECK(steps[4].tid != steps[0].tid);  // ...and the handler runs on the new one.
}

TEST_CASE("test_close_immediately: server_close with no request ever served") {
  ThreadingTCPServer server(kLoopback, handler<StreamRequestHandler>());
  server.bind_and_activate();
  server.server_close();
  CHECK(server.fileno() == -1);
  CHECK(server.tracked_threads() == 0);
}

TEST_CASE("threads_reaped_test: 1000 requests keep the thread bookkeeping small") {
  const int threads_before = count_threads();
  const int fds_before = count_open_fds();
  {
    ThreadingTCPServer server(kLoopback, handler<EchoHandler>());
    server.bind_and_activate();
    ServerThread serving(server);
    std::size_t most_tracked = 0;
    for (int i = 0; i < 1000; ++i) {
      echo_once(server.server_address);
      most_tracked = std::max(most_tracked, server.tracked_threads());
    }
    serving.stop();
    // Each new request joins the finished ones; only those still finishing remain.
    CHECK(most_tracked < 50);
    server.server_close();
    CHECK(server.tracked_threads() == 0);
  }
  CHECK(count_threads() == threads_before);
  CHECK(count_open_fds() == fds_before);
}

TEST_CASE("finished_threads_kept_until_next_client regression: an idle server joins them") {
  const int threads_before = count_threads();
  ThreadingTCPServer server(kLoopback, handler<EchoHandler>());
  server.bind_and_activate();
  ServerThread serving(server);  // service_actions() every 10 ms.
  for (int i = 0; i < 20; ++i) echo_once(server.server_address);
  // No client comes after the last one: the finished threads go all the same, with their
  // stacks (5,000 of them used to keep 41 GB of address space until the next client).
  CHECK(wait_until([&] { return server.tracked_threads() == 0; }));
  CHECK(wait_until([&] { return count_threads() == threads_before + 1; }));  // The loop's.
  serving.stop();
  server.server_close();
  CHECK(count_threads() == threads_before);
}

// ErrorHandlerTest's threading cases: the Record is shared by the handler thread and the test.
struct ThreadingErrorTestServer : ThreadingTCPServer {
  explicit ThreadingErrorTestServer(Record* record)
      : ThreadingTCPServer(kLoopback, nullptr), record(record) {}
  void handle_error(Request&, const SocketAddress&) override { record->add("Error handled\n"); }
  void shutdown_request(Request& request) override {
    ThreadingTCPServer::shutdown_request(request);
    ++shutdown_requests;
  }
  Record* record;
  std::atomic<int> shutdown_requests{0};
};

TEST_CASE_TEMPLATE("ErrorHandlerTest, threading: handled and not handled", Exception, ValueError,
                   SystemExit) {
  Record record;
  ThreadingErrorTestServer server(&record);
  server.RequestHandlerClass = handler<BadHandler<Exception>>(&record);
  server.bind_and_activate();
  Socket client = connect_to(server.server_address);
  client.close();
  server.handle_request();
  server.server_close();  // Joins the request's thread.
  bool handled = std::is_base_of_v<std::exception, Exception>;
  CHECK(record.text() == (handled ? "Handler called\nError handled\n" : "Handler called\n"));
  CHECK(server.shutdown_requests == 1);  // Python's `finally: shutdown_request`.
}

struct BlockingHandler : BaseRequestHandler {
  BlockingHandler(Gate* gate, std::atomic<int>* started, std::atomic<int>* finished)
      : gate(gate), started(started), finished(finished) {}
  void handle() override {
    ++*started;
    gate->wait();
    ++*finished;
  }
  Gate* gate;
  std::atomic<int>* started;
  std::atomic<int>* finished;
};

TEST_CASE("block_on_close = true: server_close waits for the running handler") {
  Gate gate;
  std::atomic<int> started{0};
  std::atomic<int> finished{0};
  ThreadingTCPServer server(kLoopback, handler<BlockingHandler>(&gate, &started, &finished));
  server.bind_and_activate();
  Socket client = connect_to(server.server_address);
  server.handle_request();
  REQUIRE(wait_until([&] { return started == 1; }));
  std::atomic<int> finished_when_closed{-1};
  std::thread closer([&] {
    server.server_close();
    finished_when_closed = finished.load();
  });
  gate.open();
  closer.join();
  CHECK(finished_when_closed == 1);  // server_close returned only after the handler ended.
}

TEST_CASE("block_on_close = false: server_close returns while the handler still runs") {
  Gate gate;
  std::atomic<int> started{0};
  std::atomic<int> finished{0};
  {
    ThreadingTCPServer server(kLoopback, handler<BlockingHandler>(&gate, &started, &finished));
    server.block_on_close = false;
    server.bind_and_activate();
    Socket client = connect_to(server.server_address);
    server.handle_request();
    REQUIRE(wait_until([&] { return started == 1; }));
    server.server_close();  // Would wait for ever if it joined: the gate is still shut.
    CHECK(server.fileno() == -1);
    CHECK(finished == 0);
    gate.open();
  }  // The destructor waits: the handler uses the server object.
  CHECK(finished == 1);
}

TEST_CASE("block_on_close = false still waits on a datagram server, whose socket carries replies") {
  Gate gate;
  std::atomic<int> started{0};
  std::atomic<int> finished{0};
  TempDir dir;
  ThreadingUDPServer server(kLoopback, handler<BlockingHandler>(&gate, &started, &finished));
  server.block_on_close = false;
  server.bind_and_activate();
  Socket client = datagram_client(server.server_address, dir);
  client.sendto("hello", server.server_address);
  server.handle_request();
  REQUIRE(wait_until([&] { return started == 1; }));
  std::atomic<int> finished_when_closed{-1};
  std::thread closer([&] {
    server.server_close();
    finished_when_closed = finished.load();
  });
  gate.open();
  closer.join();
  CHECK(finished_when_closed == 1);  // Closed only after the handler ended.
}

TEST_CASE("self_join_test: a handler that calls server_close() does not end the process") {
  // Python raises RuntimeError("cannot join current thread") there, which handle_error
  // reports; joining itself here used to throw from a destructor and call std::terminate.
  struct ClosingHandler : BaseRequestHandler {
    explicit ClosingHandler(std::atomic<int>* done) : done(done) {}
    void handle() override {
      server->server_close();
      ++*done;
    }
    std::atomic<int>* done;
  };
  std::atomic<int> done{0};
  {
    ThreadingTCPServer server(kLoopback, handler<ClosingHandler>(&done));
    server.bind_and_activate();
    Socket client = connect_to(server.server_address);
    server.handle_request();
    CHECK(wait_until([&] { return done == 1; }));
    CHECK(server.fileno() == -1);  // The handler's server_close() closed the socket.
  }  // The destructor joins the handler's thread, which left itself to be joined later.
  CHECK(done == 1);
}

TEST_CASE("daemon_threads: threads are not tracked and server_close does not wait") {
  // close_request() is the last thing a request thread does with the server.
  struct DaemonServer : ThreadingTCPServer {
    using ThreadingTCPServer::ThreadingTCPServer;
    void close_request(Request& request) override {
      ThreadingTCPServer::close_request(request);
      ++closed;
    }
    std::atomic<int> closed{0};
  };
  Gate gate;
  std::atomic<int> started{0};
  std::atomic<int> finished{0};
  DaemonServer server(kLoopback, handler<BlockingHandler>(&gate, &started, &finished));
  server.daemon_threads = true;
  server.bind_and_activate();
  Socket client = connect_to(server.server_address);
  server.handle_request();
  REQUIRE(wait_until([&] { return started == 1; }));
  CHECK(server.tracked_threads() == 0);
  server.server_close();  // Returns although the handler is still inside handle().
  CHECK(finished == 0);
  gate.open();
  // The detached thread must be done with the server before the server goes: that is the
  // cost of daemon_threads, and why this test waits here.
  CHECK(wait_until([&] { return server.closed == 1; }));
  CHECK(finished == 1);
}

// Answers each line with the stack size of its own thread, as the thread reads it.
struct StackSizeHandler : StreamRequestHandler {
  void handle() override {
    pthread_attr_t attributes;
    std::size_t size = 0;
    if (pthread_getattr_np(pthread_self(), &attributes) == 0) {
      pthread_attr_getstacksize(&attributes, &size);
      pthread_attr_destroy(&attributes);
    }
    for (std::string line; !(line = rfile.readline()).empty();) {
      wfile.write(std::to_string(size) + "\n");
    }
  }
};

std::size_t stack_size_of_a_request(ThreadingTCPServer& server) {
  server.bind_and_activate();
  ServerThread serving(server);
  Socket client = connect_to(server.server_address);
  client.sendall("size?\n");
  std::string answer = recv_line(client);
  client.close();
  serving.stop();
  server.server_close();
  return answer.empty() ? 0 : std::stoul(answer);
}

TEST_CASE("stack_size: a request thread's stack is the size asked for, as the thread reads it") {
  ThreadingTCPServer small(kLoopback, handler<StackSizeHandler>());
  small.stack_size = 256 * 1024;
  std::size_t size = stack_size_of_a_request(small);
  CHECK(size >= 256 * 1024);
#ifndef __SANITIZE_THREAD__  // ThreadSanitizer raises a small stack to the size it needs.
  CHECK(size < 256 * 1024 + 64 * 1024);  // The guard page and rounding, no more.
#endif

  // Not set: the platform's default, the size any new thread gets.
  ThreadingTCPServer plain(kLoopback, handler<StackSizeHandler>());
  CHECK(!plain.stack_size);
  std::size_t default_size = 0;
  std::thread([&] {
    pthread_attr_t attributes;
    REQUIRE(pthread_getattr_np(pthread_self(), &attributes) == 0);
    pthread_attr_getstacksize(&attributes, &default_size);
    pthread_attr_destroy(&attributes);
  }).join();
  CHECK(stack_size_of_a_request(plain) == default_size);
  CHECK(default_size > size);
}

TEST_CASE("stack_size below PTHREAD_STACK_MIN: each request goes to handle_error, which names it") {
  struct RecordingServer : ThreadingTCPServer {
    using ThreadingTCPServer::ThreadingTCPServer;
    void handle_error(Request&, const SocketAddress&) override {
      try {
        throw;
      } catch (const std::exception& error) {
        message = error.what();
      }
    }
    std::string message;
  };
  const int threads_before = count_threads();
  RecordingServer server(kLoopback, handler<EchoHandler>());
  server.stack_size = 1000;
  server.bind_and_activate();
  Socket client = connect_to(server.server_address);
  server.handle_request();
  CHECK(server.message.find("pthread_create, stack_size 1000") != std::string::npos);
  CHECK(server.message.find("Invalid argument") != std::string::npos);
  CHECK(recv_all(client).empty());  // The connection was closed, unanswered.
  CHECK(server.tracked_threads() == 0);
  CHECK(count_threads() == threads_before);
  server.server_close();
}

// Holds its connection until the gate opens when the first line is "hold"; echoes otherwise.
struct HoldOrEchoHandler : StreamRequestHandler {
  HoldOrEchoHandler(Gate* gate, std::atomic<int>* held) : gate(gate), held(held) {}
  void handle() override {
    std::string line = rfile.readline();
    if (line == "hold\n") {
      ++*held;
      gate->wait();
    }
    wfile.write(line);
  }
  Gate* gate;
  std::atomic<int>* held;
};

TEST_CASE("reap_among_running regression: finished threads are joined while 100 others run") {
  const int threads_before = count_threads();
  Gate gate;
  std::atomic<int> held{0};
  {
    ThreadingTCPServer server(kLoopback, handler<HoldOrEchoHandler>(&gate, &held));
    server.stack_size = 64 * 1024;
    server.bind_and_activate();
    ServerThread serving(server);
    std::vector<Socket> holders;
    for (int i = 0; i < 100; ++i) {
      holders.push_back(connect_to(server.server_address));
      holders.back().sendall("hold\n");
    }
    REQUIRE(wait_until([&] { return held == 100; }));
    std::size_t most_tracked = 0;
    for (int i = 0; i < 300; ++i) {
      echo_once(server.server_address);
      most_tracked = std::max(most_tracked, server.tracked_threads());
    }
    CHECK(most_tracked < 100 + 50);  // The 100 held, and the few still finishing.
    gate.open();
    for (Socket& holder : holders) CHECK(recv_line(holder) == "hold\n");
    serving.stop();
    server.server_close();
    CHECK(server.tracked_threads() == 0);
  }
  CHECK(count_threads() == threads_before);
}

// Greets its client, then echoes one line: a request that runs until its client speaks.
void greet_then_echo_line(Request& request, const SocketAddress&, BaseServer&) {
  request.connection.sendall("ready\n");
  request.connection.sendall(recv_line(request.connection));
}

TEST_CASE("abort_requests reaches every running request after one in the middle has ended") {
  const int threads_before = count_threads();
  ThreadingTCPServer server(kLoopback, greet_then_echo_line);
  server.bind_and_activate();
  ServerThread serving(server);
  // One after another: a greeting means that request is running, so they start in order.
  std::vector<Socket> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(connect_to(server.server_address));
    REQUIRE(recv_line(clients.back()) == "ready\n");
  }
  // The second one ends: its request leaves from between the other two.
  clients[1].sendall("bye\n");
  CHECK(recv_line(clients[1]) == "bye\n");
  CHECK(recv_all(clients[1]).empty());  // Closed: shutdown_request() has run.
  server.abort_requests();
  // Each of the other two handlers sees end of input and returns; without the abort, each
  // read here would wait out its deadline and throw.
  CHECK(recv_all(clients[0]).empty());
  CHECK(recv_all(clients[2]).empty());
  serving.stop();
  server.server_close();
  CHECK(count_threads() == threads_before);
}

TEST_CASE("shared state: 100 concurrent requests increment a counter under a mutex") {
  struct CountingHandler : StreamRequestHandler {
    CountingHandler(std::mutex* mutex, int* counter) : mutex(mutex), counter(counter) {}
    void handle() override {
      rfile.readline();
      int value;
      {
        std::lock_guard<std::mutex> lock(*mutex);
        value = ++*counter;
      }
      wfile.write(std::to_string(value) + "\n");
    }
    std::mutex* mutex;
    int* counter;
  };
  std::mutex mutex;
  int counter = 0;
  ThreadingTCPServer server(kLoopback, handler<CountingHandler>(&mutex, &counter));
  server.bind_and_activate();
  ServerThread serving(server);
  std::vector<std::thread> clients;
  std::atomic<int> replies{0};
  for (int i = 0; i < 100; ++i) {
    clients.emplace_back([&] {
      Socket client = connect_to(server.server_address);
      client.sendall("increment\n");
      if (!recv_line(client).empty()) ++replies;
    });
  }
  for (auto& client : clients) client.join();
  serving.stop();
  server.server_close();
  CHECK(replies == 100);
  std::lock_guard<std::mutex> lock(mutex);
  CHECK(counter == 100);
}

// Runs `body` with descriptor 2 sent to an in-memory file; returns what was written there.
std::string capture_stderr(const std::function<void()>& body) {
  Fd memory(::memfd_create("stderr", MFD_CLOEXEC));
  REQUIRE(memory.valid());
  Fd saved(::dup(STDERR_FILENO));
  REQUIRE(::dup2(memory.get(), STDERR_FILENO) == STDERR_FILENO);
  body();
  ::dup2(saved.get(), STDERR_FILENO);
  std::string text(4096, '\0');
  ssize_t n = ::pread(memory.get(), text.data(), text.size(), 0);
  text.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return text;
}

TEST_CASE("ThreadingMixIn composes with a server that is neither TCP nor UDP") {
  ThreadingMixIn<PairServer> server(handler<PairReplyHandler>());
  server.bind_and_activate();
  ServerThread serving(server);
  Socket& client = server.client_end();
  client.settimeout(kDeadline);
  for (const char* request : {"a", "b", "c"}) client.sendall(request);
  std::vector<std::string> replies;
  for (int i = 0; i < 3; ++i) replies.push_back(client.recv(100));
  std::sort(replies.begin(), replies.end());  // Three threads: any order.
  CHECK(replies == std::vector<std::string>{"reply:a", "reply:b", "reply:c"});
  serving.stop();
  server.server_close();  // Joins the handlers first: they reply through the server's end.
  CHECK(server.fileno() == -1);
  CHECK(server.tracked_threads() == 0);
}

TEST_CASE("server_close_keeps_accepting regression: a new client is refused while it waits") {
  Gate gate;
  std::atomic<int> started{0};
  std::atomic<int> finished{0};
  ThreadingTCPServer server(kLoopback, handler<BlockingHandler>(&gate, &started, &finished));
  server.bind_and_activate();
  const SocketAddress address = server.server_address;
  Socket client = connect_to(address);
  server.handle_request();
  REQUIRE(wait_until([&] { return started == 1; }));
  std::thread closing([&] { server.server_close(); });  // Waits for the handler.
  // Stream servers stop listening first, as Python's do: a newcomer is refused at once
  // instead of waiting in the backlog for a reply that never comes.
  bool refused = wait_until([&] {
    try {
      connect_to(address);
      return false;
    } catch (const std::system_error& error) {
      return error.code() == std::errc::connection_refused;
    }
  });
  CHECK(finished == 0);  // server_close() is still waiting for the handler.
  gate.open();
  closing.join();
  CHECK(refused);
  CHECK(finished == 1);
}

TEST_CASE("excepthook receives what escapes a request thread, with the client's address") {
  Record record;
  std::mutex mutex;
  std::vector<std::string> hooked;
  ThreadingTCPServer server(kLoopback, handler<BadHandler<SystemExit>>(&record));
  server.excepthook = [&](const SocketAddress& client_address) {
    try {
      throw;  // Called inside the catch block: the exception is current.
    } catch (const SystemExit& exit) {
      std::lock_guard<std::mutex> lock(mutex);
      hooked.push_back(client_address.to_string() + " " + std::to_string(exit.code));
    }
  };
  server.bind_and_activate();
  Socket client = connect_to(server.server_address);
  const std::string client_address = client.getsockname().to_string();
  server.handle_request();
  server.server_close();
  CHECK(record.text() == "Handler called\n");
  std::lock_guard<std::mutex> lock(mutex);
  CHECK(hooked == std::vector<std::string>{client_address + " 0"});
}

// A class derived from a threading server, with state that its request threads use. It
// writes no destructor: that is the point.
struct CountingServer : ThreadingTCPServer {
  explicit CountingServer(std::atomic<int>* shut_down)
      : ThreadingTCPServer(kLoopback, handler<StreamRequestHandler>()), shut_down(shut_down) {}
  void shutdown_request(Request& request) override {
    ThreadingTCPServer::shutdown_request(request);
    ++requests;  // The derived part, used on the request thread.
    shut_down->store(requests);
  }
  int requests = 0;
  std::atomic<int>* shut_down;
};

TEST_CASE("a derived threading server needs no destructor when server_close() comes first") {
  std::atomic<int> shut_down{0};
  std::string reported = capture_stderr([&] {
    CountingServer server(&shut_down);
    server.bind_and_activate();
    Socket client = connect_to(server.server_address);
    server.handle_request();
    client.close();
    server.server_close();  // What Python's `with` and serve_until_signal() do.
  });
  CHECK(shut_down == 1);
  CHECK(reported == "");
}

TEST_CASE("a derived threading server destroyed with unjoined threads is reported loudly") {
  std::atomic<int> shut_down{0};
  std::string reported = capture_stderr([&] {
    CountingServer server(&shut_down);
    server.bind_and_activate();
    Socket client = connect_to(server.server_address);
    server.handle_request();
    client.close();
    REQUIRE(wait_until([&] { return shut_down == 1; }));  // The thread is done with it.
  });  // No server_close(): ~CountingServer runs while the thread is still remembered.
  CHECK(reported.find("ThreadingMixIn: a server derived from it was destroyed with 1 request "
                      "thread(s) not joined") != std::string::npos);
}

TEST_CASE("ThreadingMixIn<MyServer>: the destructor joins before the derived part goes") {
  // The mix-in outermost, as in Python's list of bases: ~ThreadingMixIn runs first and waits
  // for the handler, which still uses MyServer's member when the destruction starts.
  struct MyServer : TCPServer {
    MyServer(Gate* gate, std::atomic<int>* used)
        : TCPServer(kLoopback, nullptr), gate(gate), used(used) {}
    void shutdown_request(Request& request) override {
      gate->wait();
      TCPServer::shutdown_request(request);
      log.push_back("shut down");  // A member of the derived part.
      *used = static_cast<int>(log.size());
    }
    Gate* gate;
    std::atomic<int>* used;
    std::vector<std::string> log;
  };
  Gate gate;
  std::atomic<int> used{0};
  std::optional<ThreadingMixIn<MyServer>> server;
  server.emplace(&gate, &used);
  server->RequestHandlerClass = handler<StreamRequestHandler>();
  server->block_on_close = false;  // Even so: the destructor waits.
  server->bind_and_activate();
  const SocketAddress address = server->server_address;
  Socket client = connect_to(address);
  server->handle_request();
  std::thread opener([&] {
    // The destruction has started once the listening socket is closed.
    wait_until([&] {
      try {
        connect_to(address);
        return false;
      } catch (const std::system_error&) {
        return true;
      }
    });
    gate.open();
  });
  server.reset();  // Under ThreadSanitizer, a handler outliving MyServer is a reported race.
  opener.join();
  CHECK(used == 1);
}

}  // namespace
}  // namespace socketserver::testing
