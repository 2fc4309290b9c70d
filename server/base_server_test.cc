// BaseServer's behaviour through TCPServer: the CPython tests of the request loop
// (test_shutdown, test_tcpserver_bind_leak, test_context_manager, ErrorHandlerTest's sync
// cases, MiscTestCase), and what this library adds (immediate shutdown, shutdown from the
// serving thread, the trace).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "handlers/stream_request_handler.h"
#include "server/errors.h"
#include "server/poll_selector.h"
#include "server/select_selector.h"
#include "server/tcp_server.h"
#include "tests/test_handlers.h"
#include "tests/test_util.h"

namespace socketserver::testing {
namespace {

using namespace std::chrono_literals;

// Python's test_shutdown (Issue #2302): shutdown() must always make serve_forever() return,
// even when it is called before the loop has started.
TEST_CASE("test_shutdown: 20 servers, shutdown racing serve_forever") {
  const int threads_before = count_threads();
  std::vector<std::unique_ptr<TCPServer>> servers;
  std::vector<std::unique_ptr<ServerThread>> threads;
  for (int i = 0; i < 20; ++i) {
    servers.push_back(std::make_unique<TCPServer>(kLoopback, handler<StreamRequestHandler>()));
    servers.back()->bind_and_activate();
  }
  for (auto& server : servers) {
    threads.push_back(std::make_unique<ServerThread>(*server));
    server->shutdown();
  }
  for (auto& thread : threads) thread->stop();  // Would hang if a shutdown were lost.
  for (auto& server : servers) {
    server->server_close();
    CHECK(server->fileno() == -1);
  }
  threads.clear();
  CHECK(count_threads() == threads_before);
}

// Python's test_tcpserver_bind_leak (bpo-22435): a failed bind must close the socket.
TEST_CASE("bind_leak_test: 1024 failing binds leave the descriptor count unchanged") {
  TCPServer holder(kLoopback, handler<StreamRequestHandler>());
  holder.bind_and_activate();
  const int before = count_open_fds();
  int failures = 0;
  for (int i = 0; i < 1024; ++i) {
    TCPServer server(holder.server_address, handler<StreamRequestHandler>());
    try {
      server.bind_and_activate();
    } catch (const std::system_error& e) {
      if (e.code() == std::errc::address_in_use) ++failures;
    }
    CHECK(server.fileno() == -1);
  }
  CHECK(failures == 1024);
  CHECK(count_open_fds() == before);
}

TEST_CASE("a failed bind names the call and the address") {
  TCPServer holder(kLoopback, handler<StreamRequestHandler>());
  holder.bind_and_activate();
  TCPServer server(holder.server_address, handler<StreamRequestHandler>());
  try {
    server.bind_and_activate();
    FAIL("bind to a port in use succeeded");
  } catch (const std::system_error& e) {
    std::string what = e.what();
    CHECK(what.find("bind " + holder.server_address.to_string()) != std::string::npos);
    CHECK(what.find("Address already in use") != std::string::npos);
  }
}

// Python's test_context_manager: `with` is RAII here.
TEST_CASE("RAII: the destructor closes the listening socket, even when unwinding") {
  int fd = -1;
  try {
    TCPServer server(kLoopback, handler<StreamRequestHandler>());
    server.bind_and_activate();
    fd = server.fileno();
    REQUIRE(::fcntl(fd, F_GETFD) != -1);
    throw std::runtime_error("leaving the scope");
  } catch (const std::runtime_error&) {
  }
  CHECK(::fcntl(fd, F_GETFD) == -1);
  CHECK(errno == EBADF);
}

TEST_CASE("server_close is idempotent and fileno() is -1 after it") {
  TCPServer server(kLoopback, handler<StreamRequestHandler>());
  server.bind_and_activate();
  CHECK(server.fileno() >= 0);
  CHECK((::fcntl(server.fileno(), F_GETFD) & FD_CLOEXEC) != 0);
  server.server_close();
  CHECK(server.fileno() == -1);
  server.server_close();
  CHECK(server.fileno() == -1);
}

TEST_CASE("serving a server that was never activated is a logic_error that says what to call") {
  TCPServer server(kLoopback, handler<StreamRequestHandler>());
  CHECK_THROWS_WITH_AS(server.serve_forever(), doctest::Contains("bind_and_activate"),
                       std::logic_error);
  CHECK_THROWS_AS(server.handle_request(), std::logic_error);
}

TEST_CASE("server_thread_before_bind regression: the helper says so at once, with no thread") {
  // It used to start a thread whose serve_forever() threw, and kept the error until stop():
  // a test waiting for a reply meanwhile waited out its whole deadline first.
  TCPServer server(kLoopback, handler<StreamRequestHandler>());
  const int threads_before = count_threads();
  CHECK_THROWS_WITH_AS(ServerThread{server}, doctest::Contains("bind_and_activate"),
                       std::logic_error);
  CHECK(count_threads() == threads_before);
}

TEST_CASE("bind_and_activate reads back the bound address: port 0 becomes a real port") {
  TCPServer server(SocketAddress::parse("localhost:0"), handler<StreamRequestHandler>());
  server.bind_and_activate();
  CHECK(server.server_address.host() == "127.0.0.1");
  CHECK(server.server_address.port() != 0);
  CHECK(server.server_address == server.socket.getsockname());
  CHECK(server.request_queue_size == SOMAXCONN);
  CHECK_FALSE(server.allow_reuse_address);
  CHECK_FALSE(server.timeout.has_value());
}

// ErrorHandlerTest, the synchronous cases. The handler and handle_error write to a record
// instead of Python's TESTFN file.
struct ErrorTestServer : TCPServer {
  explicit ErrorTestServer(Record* record) : TCPServer(kLoopback, nullptr), record(record) {}
  void handle_error(Request&, const SocketAddress&) override { record->add("Error handled\n"); }
  void shutdown_request(Request& request) override {
    TCPServer::shutdown_request(request);
    ++shutdown_requests;
  }
  Record* record;
  int shutdown_requests = 0;
};

TEST_CASE("ErrorHandlerTest: a std::exception from the handler goes to handle_error") {
  Record record;
  ErrorTestServer server(&record);
  server.RequestHandlerClass = handler<BadHandler<ValueError>>(&record);
  server.bind_and_activate();
  Socket client = connect_to(server.server_address);
  client.close();
  server.handle_request();
  server.server_close();
  CHECK(record.text() == "Handler called\nError handled\n");
}

TEST_CASE("ErrorHandlerTest: an exception not derived from std::exception propagates") {
  Record record;
  ErrorTestServer server(&record);
  server.RequestHandlerClass = handler<BadHandler<SystemExit>>(&record);
  server.bind_and_activate();
  Socket client = connect_to(server.server_address);
  client.close();
  CHECK_THROWS_AS(server.handle_request(), SystemExit);
  server.server_close();
  CHECK(record.text() == "Handler called\n");
}

// Captures what is written to stderr (descriptor 2) while it lives.
class StderrCapture {
 public:
  StderrCapture() : saved_(::dup(STDERR_FILENO)) {
    file_ = dir_.file("stderr");
    int fd = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ::dup2(fd, STDERR_FILENO);
    ::close(fd);
  }
  ~StderrCapture() { restore(); }
  std::string finish() {
    restore();
    Fd fd(::open(file_.c_str(), O_RDONLY | O_CLOEXEC));
    std::string text;
    char buffer[4096];
    while (ssize_t n = ::read(fd.get(), buffer, sizeof buffer)) {
      if (n < 0) break;
      text.append(buffer, static_cast<std::size_t>(n));
    }
    return text;
  }

 private:
  void restore() {
    if (saved_ < 0) return;
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
    saved_ = -1;
  }
  TempDir dir_;
  std::string file_;
  int saved_;
};

TEST_CASE("the default handle_error prints Python's framed report to stderr") {
  Record record;
  TCPServer server(kLoopback, handler<BadHandler<ValueError>>(&record));
  server.bind_and_activate();
  Socket client = connect_to(server.server_address);
  SocketAddress client_address = client.getsockname();
  StderrCapture capture;
  server.handle_request();
  std::string report = capture.finish();
  const std::string dashes(40, '-');
  CHECK(report == dashes + "\nException occurred during processing of request from " +
                      client_address.to_string() +
                      "\nsocketserver::testing::ValueError: Test error\n" + dashes + "\n");
}

TEST_CASE("reset_client_report regression: a client that resets or stalls costs one line") {
  struct ClientGone : BaseRequestHandler {
    explicit ClientGone(int error) : error(error) {}
    void handle() override {
      if (error == ETIMEDOUT) throw TimeoutError("recv");
      throw std::system_error(error, std::generic_category(), "send");
    }
    int error;
  };
  for (int error : {ECONNRESET, EPIPE, ETIMEDOUT}) {
    CAPTURE(error);
    TCPServer server(kLoopback, handler<ClientGone>(error));
    server.bind_and_activate();
    Socket client = connect_to(server.server_address);
    SocketAddress client_address = client.getsockname();
    StderrCapture capture;
    server.handle_request();
    const std::string what = error == ETIMEDOUT
                                 ? TimeoutError("recv").what()
                                 : std::system_error(error, std::generic_category(), "send").what();
    CHECK(capture.finish() ==
          "Request from " + client_address.to_string() + " ended by the client: " + what + "\n");
  }
}

// MiscTestCase.test_shutdown_request_called_if_verify_request_false (bpo-26309).
struct RefusingServer : TCPServer {
  RefusingServer() : TCPServer(kLoopback, nullptr) {}
  bool verify_request(Request&, const SocketAddress&) override { return false; }
  void shutdown_request(Request& request) override {
    ++shutdown_called;
    TCPServer::shutdown_request(request);
  }
  int shutdown_called = 0;
};

TEST_CASE("verify_request false: shutdown_request is called once and no handler runs") {
  std::atomic<int> handled{0};
  RefusingServer server;
  server.RequestHandlerClass = [&](Request&, const SocketAddress&, BaseServer&) { ++handled; };
  server.bind_and_activate();
  Socket client = connect_to(server.server_address);
  server.handle_request();
  CHECK(server.shutdown_called == 1);
  CHECK(handled == 0);
  CHECK(recv_all(client).empty());  // The server closed the connection without a word.
}

struct TimeoutServer : TCPServer {
  TimeoutServer() : TCPServer(kLoopback, handler<StreamRequestHandler>()) {}
  void handle_timeout() override { ++timeouts; }
  int timeouts = 0;
};

TEST_CASE("handle_request with a timeout and no client calls handle_timeout") {
  TimeoutServer server;
  server.timeout = 100ms;
  server.bind_and_activate();
  auto start = std::chrono::steady_clock::now();
  server.handle_request();
  auto waited = std::chrono::steady_clock::now() - start;
  CHECK(server.timeouts == 1);
  CHECK(waited >= 100ms);
  CHECK(waited < kDeadline);
}

TEST_CASE("handle_request uses the shorter of the socket's timeout and the server's") {
  TimeoutServer server;
  server.timeout = std::chrono::hours(1);
  server.bind_and_activate();
  server.socket.settimeout(50ms);
  server.handle_request();  // Would wait an hour if the socket's timeout were ignored.
  CHECK(server.timeouts == 1);
}

TEST_CASE("a failing get_request is skipped quietly: no handler, no handle_error") {
  struct FailingServer : TCPServer {
    FailingServer() : TCPServer(kLoopback, nullptr) {}
    std::pair<Request, SocketAddress> get_request() override {
      TCPServer::get_request();  // Take the connection, then fail as a vanished client would.
      throw std::system_error(ECONNABORTED, std::generic_category(), "accept");
    }
    void handle_error(Request&, const SocketAddress&) override { ++errors; }
    int errors = 0;
  };
  std::atomic<int> handled{0};
  FailingServer server;
  server.RequestHandlerClass = [&](Request&, const SocketAddress&, BaseServer&) { ++handled; };
  server.bind_and_activate();
  Socket client = connect_to(server.server_address);
  server.handle_request();
  CHECK(handled == 0);
  CHECK(server.errors == 0);
}

TEST_CASE("setup() throwing: neither handle() nor finish() runs, handle_error does") {
  struct SetupFails : BaseRequestHandler {
    explicit SetupFails(Record* record) : record(record) {}
    void setup() override {
      record->add("setup\n");
      throw std::runtime_error("setup failed");
    }
    void handle() override { record->add("handle\n"); }
    void finish() override { record->add("finish\n"); }
    Record* record;
  };
  Record record;
  ErrorTestServer server(&record);
  server.RequestHandlerClass = handler<SetupFails>(&record);
  server.bind_and_activate();
  Socket client = connect_to(server.server_address);
  server.handle_request();
  CHECK(record.text() == "setup\nError handled\n");
}

TEST_CASE("handle() throwing: finish() still runs, then handle_error") {
  struct HandleFails : BaseRequestHandler {
    explicit HandleFails(Record* record) : record(record) {}
    void setup() override { record->add("setup\n"); }
    void handle() override {
      record->add("handle\n");
      throw std::runtime_error("handle failed");
    }
    void finish() override { record->add("finish\n"); }
    Record* record;
  };
  Record record;
  ErrorTestServer server(&record);
  server.RequestHandlerClass = handler<HandleFails>(&record);
  server.bind_and_activate();
  Socket client = connect_to(server.server_address);
  server.handle_request();
  CHECK(record.text() == "setup\nhandle\nfinish\nError handled\n");
}

TEST_CASE("the trace reports one request's steps in order") {
  std::mutex mutex;
  std::vector<std::string> steps;
  TCPServer server(kLoopback, handler<EchoHandler>());
  server.trace = [&](const TraceEvent& event) {
    std::lock_guard<std::mutex> lock(mutex);
    steps.emplace_back(event.step);
    CHECK(event.pid == ::getpid());
  };
  server.bind_and_activate();
  std::thread client_thread([&] {
    Socket client = connect_to(server.server_address);
    client.sendall("ping\n");
    client.shutdown(SHUT_WR);
    recv_all(client);
  });
  server.handle_request();
  client_thread.join();
  std::lock_guard<std::mutex> lock(mutex);
  CHECK(steps == std::vector<std::string>{"get_request", "verify_request", "process_request",
                                          "setup", "handle", "finish", "shutdown_request",
                                          "close_request"});
}

TEST_CASE("serve_forever calls service_actions on every turn") {
  struct ActiveServer : TCPServer {
    ActiveServer() : TCPServer(kLoopback, handler<StreamRequestHandler>()) {}
    void service_actions() override { ++actions; }
    std::atomic<int> actions{0};
  };
  ActiveServer server;
  server.bind_and_activate();
  ServerThread serving(server, 5ms);
  CHECK(wait_until([&] { return server.actions >= 3; }));
  serving.stop();
}

TEST_CASE("shutdown from the thread running serve_forever throws instead of deadlocking") {
  std::atomic<bool> threw{false};
  TCPServer server(kLoopback, nullptr);
  server.RequestHandlerClass = [&](Request&, const SocketAddress&, BaseServer& srv) {
    try {
      srv.shutdown();
    } catch (const std::logic_error&) {
      threw = true;
    }
  };
  server.bind_and_activate();
  ServerThread serving(server);
  Socket client = connect_to(server.server_address);
  CHECK(recv_all(client).empty());  // Served and closed.
  serving.stop();
  CHECK(threw);
}

TEST_CASE("shutdown wakes serve_forever at once, whatever the poll_interval") {
  TCPServer server(kLoopback, handler<EchoHandler>());
  std::atomic<pid_t> loop_tid{0};
  server.trace = [&](const TraceEvent& event) {
    if (event.step == "serve_forever") loop_tid = event.tid;
  };
  server.bind_and_activate();
  std::thread serving([&] { server.serve_forever(std::chrono::hours(1)); });
  // Asleep in poll(2), past every look at the shutdown flag: only the wake-up byte can end the
  // wait now (with Python's polling, an hour from now).
  REQUIRE(wait_until([&] { return loop_tid != 0 && thread_state(loop_tid) == 'S'; }));
  std::atomic<bool> returned{false};
  std::thread stopper([&] {
    server.shutdown();
    returned = true;
  });
  CHECK(wait_until([&] { return returned.load(); }));
  if (!returned) connect_to(server.server_address);  // Failed: wake the loop another way.
  stopper.join();
  serving.join();
}

// A PollSelector whose select() returns only once both descriptors serve_forever() watches
// are ready together: the listening socket and the wake-up pipe.
struct BothReadySelector : PollSelector {
  explicit BothReadySelector(std::atomic<bool>* waiting) : waiting(waiting) {}
  std::vector<ReadyEvent> select(std::optional<Seconds>) override {
    *waiting = true;
    const Deadline deadline(kDeadline);
    for (;;) {
      std::vector<ReadyEvent> ready = PollSelector::select(Seconds(0.01));
      if (ready.size() == 2 || deadline.passed()) return ready;
      std::this_thread::sleep_for(1ms);  // Only one is ready: wait for the other.
    }
  }
  std::atomic<bool>* waiting;
};

TEST_CASE(
    "request_with_shutdown regression (bpo-35017): a request that arrives together with "
    "shutdown() is not handled") {
  std::atomic<int> handled{0};
  std::atomic<bool> waiting{false};
  TCPServer server(kLoopback, [&](Request&, const SocketAddress&, BaseServer&) { ++handled; });
  server.server_selector = [&] { return std::make_unique<BothReadySelector>(&waiting); };
  server.bind_and_activate();
  ServerThread serving(server);
  REQUIRE(wait_until([&] { return waiting.load(); }));  // The loop is in select().
  Socket client = connect_to(server.server_address);
  serving.stop();  // shutdown(): select() now returns the request and the wake-up together.
  CHECK(handled == 0);
  server.server_close();
}

TEST_CASE("shutdown_restart_test: shutdown returns even when the loop is started again at once") {
  // The serving thread restarts serve_forever() as soon as it returns. shutdown() used to wait
  // for an "is shut down" flag, which the new loop could clear before the caller woke, and
  // then waited for a loop nobody would stop.
  TCPServer server(kLoopback, handler<StreamRequestHandler>());
  server.bind_and_activate();
  std::atomic<bool> done{false};
  std::atomic<int> loops{0};
  std::thread serving([&] {
    while (!done) {
      server.serve_forever(1ms);
      ++loops;
    }
  });
  {
    Socket client = connect_to(server.server_address);
    CHECK(recv_all(client).empty());  // Served and closed: a loop is running.
  }
  // Each shutdown() must return: before the fix, most runs hung here (a hang fails the test
  // by its timeout). Each one ends a running loop, or the next one at once.
  for (int i = 0; i < 200; ++i) server.shutdown();
  done = true;
  server.shutdown();
  serving.join();
  CHECK(loops >= 1);
  CHECK(loops <= 201);
}

TEST_CASE("shutdown on a server that is not serving returns at once; the next loop stops") {
  TCPServer server(kLoopback, handler<EchoHandler>());
  server.bind_and_activate();
  server.shutdown();         // Python would block here for ever.
  server.serve_forever(1h);  // Returns at once, as in Python: the request was remembered.
  // The flag was consumed: the next loop serves normally.
  ServerThread serving(server);
  Socket client = connect_to(server.server_address);
  client.sendall("again\n");
  CHECK(recv_line(client) == "again\n");
  client.close();  // The synchronous server is inside the handler until the client leaves.
  serving.stop();
}

TEST_CASE_TEMPLATE("both loops work with either selector", SelectorType, PollSelector,
                   SelectSelector) {
  struct CountingSelector : SelectorType {
    explicit CountingSelector(std::atomic<int>* calls) : calls(calls) {}
    std::vector<ReadyEvent> select(std::optional<Seconds> timeout) override {
      ++*calls;
      return SelectorType::select(timeout);
    }
    std::atomic<int>* calls;
  };
  std::atomic<int> calls{0};
  TCPServer server(kLoopback, handler<EchoHandler>());
  server.server_selector = [&] { return std::make_unique<CountingSelector>(&calls); };
  server.bind_and_activate();
  {
    ServerThread serving(server);
    Socket client = connect_to(server.server_address);
    client.sendall("via serve_forever\n");
    CHECK(recv_line(client) == "via serve_forever\n");
    client.close();
    serving.stop();
  }
  std::thread client_thread([&] {
    Socket client = connect_to(server.server_address);
    client.sendall("via handle_request\n");
    CHECK(recv_line(client) == "via handle_request\n");
  });
  server.handle_request();
  client_thread.join();
  CHECK(calls >= 2);  // Both loops went through the selector they were given.
}

// A mix-in such as a student writes: runs each request on the serving thread through the
// same runner the library's mix-ins use, and counts them.
template <class Server>
class CountingMixIn : public Server {
 public:
  using Server::Server;
  void process_request(Request& request, const SocketAddress& client_address) override {
    ++processed;
    finished_cleanly += this->run_request(request, client_address) ? 1 : 0;
  }
  int processed = 0;
  int finished_cleanly = 0;
};

TEST_CASE("run_request: a mix-in gets finish_request, handle_error and shutdown_request") {
  Record record;
  CountingMixIn<ErrorTestServer> server(&record);
  server.RequestHandlerClass = handler<BadHandler<ValueError>>(&record);
  server.bind_and_activate();
  Socket client = connect_to(server.server_address);
  server.handle_request();
  CHECK(record.text() == "Handler called\nError handled\n");
  CHECK(server.shutdown_requests == 1);
  CHECK(server.processed == 1);
  CHECK(server.finished_cleanly == 0);

  server.RequestHandlerClass = handler<BadHandler<SystemExit>>(&record);
  Socket second = connect_to(server.server_address);
  CHECK_THROWS_AS(server.handle_request(), SystemExit);  // Propagates, as in Python...
  CHECK(server.shutdown_requests == 2);                  // ...after shutdown_request().
}

TEST_CASE("trace_lost_by_override regression: overriding a hook keeps its trace line") {
  // Overrides that do not call the base class: the lines come from the callers.
  struct QuietServer : TCPServer {
    using TCPServer::TCPServer;
    bool verify_request(Request&, const SocketAddress&) override { return true; }
    void close_request(Request& request) override { request.connection.close(); }
  };
  std::mutex mutex;
  std::vector<std::string> steps;
  QuietServer server(kLoopback, handler<EchoHandler>());
  server.trace = [&](const TraceEvent& event) {
    std::lock_guard<std::mutex> lock(mutex);
    steps.emplace_back(event.step);
  };
  server.bind_and_activate();
  std::thread client_thread([&] {
    Socket client = connect_to(server.server_address);
    client.shutdown(SHUT_WR);
    recv_all(client);
  });
  server.handle_request();
  client_thread.join();
  std::lock_guard<std::mutex> lock(mutex);
  CHECK(steps == std::vector<std::string>{"get_request", "verify_request", "process_request",
                                          "setup", "handle", "finish", "shutdown_request",
                                          "close_request"});
}

}  // namespace
}  // namespace socketserver::testing
