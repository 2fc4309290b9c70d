// ForkingMixIn: a process per request, reaped by pid, never a zombie left behind.
// CPython's ErrorHandlerTest forking cases (the child reports through a file), plus the
// zombie test bpo-45935 asks for, max_children, block_on_close and shared state.
// Tagged notsan: ThreadSanitizer does not support fork() after threads.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "handlers/stream_request_handler.h"
#include "mixins/composed_servers.h"
#include "tests/pair_server.h"
#include "tests/test_handlers.h"
#include "tests/test_util.h"

namespace socketserver::testing {
namespace {

using namespace std::chrono_literals;

// Echoes one line. Not "until end of input" as EchoHandler does: a child forked while the
// test's own client socket is open inherits a copy of it, so the client's close() would never
// reach the child as end of input. (Python's test handler reads one line for the same reason.)
struct OneLineEchoHandler : StreamRequestHandler {
  void handle() override { wfile.write(rfile.readline()); }
};

// Appends a line to a file with one write(2) on an O_APPEND descriptor, so lines written by
// several processes never interleave. The forked child's only way to report to the test.
void append_line(const std::string& path, const std::string& line) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  REQUIRE(fd.valid());
  REQUIRE(::write(fd.get(), line.data(), line.size()) == static_cast<ssize_t>(line.size()));
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST_CASE("zombie_test: after 200 requests and server_close no child is left") {
  const int fds_before = count_open_fds();
  {
    ForkingTCPServer server(kLoopback, handler<OneLineEchoHandler>());
    server.bind_and_activate();
    ServerThread serving(server);
    for (int i = 0; i < 200; ++i) {
      Socket client = connect_to(server.server_address);
      client.sendall("ping\n");
      CHECK(recv_line(client) == "ping\n");
    }
    serving.stop();
    server.server_close();
    CHECK(server.active_children.empty());
  }
  CHECK(child_pids().empty());            // Neither alive nor zombie: every child was reaped.
  CHECK(count_open_fds() == fds_before);  // And the parent closed its copy of each connection.
}

TEST_CASE("service_actions reaps finished children while the server waits for requests") {
  ForkingTCPServer server(kLoopback, handler<OneLineEchoHandler>());
  server.bind_and_activate();
  ServerThread serving(server, 10ms);
  for (int i = 0; i < 5; ++i) {
    Socket client = connect_to(server.server_address);
    client.sendall("ping\n");
    CHECK(recv_line(client) == "ping\n");
  }
  // No further request arrives: only service_actions() can reap the last children.
  CHECK(wait_until([] { return child_pids().empty(); }));
  serving.stop();
}

// BadHandler (test_handlers.h) for a forked child, which cannot reach a Record in the test's
// memory: adds "Handler called\n" to the file at `path` instead, then throws an Exception.
template <class Exception>
struct FileBadHandler : BaseRequestHandler {
  explicit FileBadHandler(const std::string& path) : path(path) {}
  void handle() override {
    append_line(path, "Handler called\n");
    throw Exception{};
  }
  std::string path;
};

struct ForkingErrorTestServer : ForkingTCPServer {
  explicit ForkingErrorTestServer(std::string path)
      : ForkingTCPServer(kLoopback, nullptr), path(std::move(path)) {}
  void handle_error(Request&, const SocketAddress&) override {
    append_line(path, "Error handled\n");
  }
  std::string path;
};

TEST_CASE_TEMPLATE("ErrorHandlerTest, forking: handled and not handled", Exception, ValueError,
                   SystemExit) {
  TempDir dir;
  const std::string path = dir.file("record");
  ForkingErrorTestServer server(path);
  server.RequestHandlerClass = handler<FileBadHandler<Exception>>(path);
  server.bind_and_activate();
  Socket client = connect_to(server.server_address);
  client.close();
  server.handle_request();  // Nothing propagates into the parent, whatever the child threw.
  server.server_close();    // block_on_close: waits for the child.
  bool handled = std::is_base_of_v<std::exception, Exception>;
  CHECK(read_file(path) == (handled ? "Handler called\nError handled\n" : "Handler called\n"));
  CHECK(server.active_children.empty());
}

TEST_CASE("the child's exit status: 0 on success, 1 when the handler threw") {
  // A server that reaps its children itself, to see their status (collect_children discards it).
  struct StatusServer : ForkingTCPServer {
    using ForkingTCPServer::ForkingTCPServer;
    int wait_for_child() {
      REQUIRE(active_children.size() == 1);
      pid_t pid = *active_children.begin();
      int status = 0;
      REQUIRE(::waitpid(pid, &status, 0) == pid);
      active_children.clear();
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    void handle_error(Request&, const SocketAddress&) override {}
  };
  TempDir dir;
  StatusServer server(kLoopback, handler<OneLineEchoHandler>());
  server.bind_and_activate();
  {
    Socket client = connect_to(server.server_address);
    client.close();
  }
  server.handle_request();
  CHECK(server.wait_for_child() == 0);
  server.RequestHandlerClass = handler<FileBadHandler<ValueError>>(dir.file("record"));
  {
    Socket client = connect_to(server.server_address);
    client.close();
  }
  server.handle_request();
  CHECK(server.wait_for_child() == 1);
  server.RequestHandlerClass = handler<FileBadHandler<SystemExit>>(dir.file("record"));
  {
    Socket client = connect_to(server.server_address);
    client.close();
  }
  server.handle_request();
  CHECK(server.wait_for_child() == 1);
}

// Each child says "started", then waits for the client's "release" line before it ends.
struct HeldHandler : StreamRequestHandler {
  void handle() override {
    wfile.write("started\n");
    rfile.readline();
  }
};

TEST_CASE("max_children: a third request waits until one of two running children ends") {
  ForkingTCPServer server(kLoopback, handler<HeldHandler>());
  server.max_children = 2;
  server.bind_and_activate();
  ServerThread serving(server);
  Socket first = connect_to(server.server_address);
  CHECK(recv_line(first) == "started\n");
  Socket second = connect_to(server.server_address);
  CHECK(recv_line(second) == "started\n");

  Socket third = connect_to(server.server_address);  // Queued by the kernel, not yet served.
  third.settimeout(300ms);
  CHECK_THROWS_AS(recv_line(third), TimeoutError);  // Two children run: the server waits.

  second.sendall("release\n");  // Not the oldest: the server waits for any of its children.
  third.settimeout(kDeadline);
  CHECK(recv_line(third) == "started\n");
  first.sendall("release\n");
  third.sendall("release\n");
  serving.stop();
  server.server_close();
  CHECK(server.active_children.empty());
}

TEST_CASE("shutdown stays immediate while the server waits at max_children") {
  ForkingTCPServer server(kLoopback, handler<HeldHandler>());
  server.max_children = 2;
  server.bind_and_activate();
  auto serving = std::make_unique<ServerThread>(server);
  Socket first = connect_to(server.server_address);
  CHECK(recv_line(first) == "started\n");
  Socket second = connect_to(server.server_address);
  CHECK(recv_line(second) == "started\n");
  // The loop now waits in service_actions() for one of the two children, which both wait
  // for us: only the wake-up descriptor can get shutdown() through.
  serving->stop();
  CHECK(server.active_children.size() == 2);
  first.sendall("release\n");
  second.sendall("release\n");
  server.server_close();
  CHECK(server.active_children.empty());
}

TEST_CASE("block_on_close = false: server_close returns even at max_children") {
  ForkingTCPServer server(kLoopback, handler<HeldHandler>());
  server.max_children = 1;
  server.block_on_close = false;
  server.bind_and_activate();
  Socket client = connect_to(server.server_address);
  server.handle_request();
  CHECK(recv_line(client) == "started\n");
  server.server_close();  // Used to wait for the child, which waits for "release".
  CHECK(server.active_children.size() == 1);
  client.sendall("release\n");
  server.collect_children(/*blocking=*/true);
  CHECK(server.active_children.empty());
}

TEST_CASE("block_on_close: true waits for the children, false leaves them running") {
  for (bool block : {true, false}) {
    CAPTURE(block);
    ForkingTCPServer server(kLoopback, handler<HeldHandler>());
    server.block_on_close = block;
    server.bind_and_activate();
    Socket client = connect_to(server.server_address);
    server.handle_request();
    CHECK(recv_line(client) == "started\n");
    if (block) {
      std::thread releaser([&] { client.sendall("release\n"); });
      server.server_close();  // Returns once the child has ended, so it is reaped.
      releaser.join();
      CHECK(server.active_children.empty());
    } else {
      server.server_close();  // Returns at once: the child still waits for "release".
      CHECK(server.active_children.size() == 1);
      client.sendall("release\n");
      server.collect_children(/*blocking=*/true);
      CHECK(server.active_children.empty());
    }
  }
  CHECK(child_pids().empty());
}

TEST_CASE(
    "child_keeps_listening regression: after server_close, a newcomer is refused while a "
    "child still runs") {
  ForkingTCPServer server(kLoopback, handler<HeldHandler>());
  server.block_on_close = false;
  server.bind_and_activate();
  const SocketAddress address = server.server_address;
  Socket client = connect_to(address);
  server.handle_request();
  CHECK(recv_line(client) == "started\n");  // The child is running, and waits.
  server.server_close();
  // Had the child kept the listening socket, the kernel would queue this connection for a
  // server that will never accept it.
  int err = 0;
  try {
    connect_to(address);
  } catch (const std::system_error& e) {
    err = e.code().value();
  }
  CHECK(err == ECONNREFUSED);
  client.sendall("release\n");
  server.collect_children(/*blocking=*/true);
  CHECK(server.active_children.empty());
}

// Counts close_request() calls made in the parent process (a child's count stays its own).
struct ParentCloseCountingServer : ForkingTCPServer {
  using ForkingTCPServer::ForkingTCPServer;
  void close_request(Request& request) override {
    if (::getpid() == parent) ++closed_in_parent;
    ForkingTCPServer::close_request(request);
  }
  const pid_t parent = ::getpid();
  int closed_in_parent = 0;
};

TEST_CASE("parent_skips_close_request regression: the parent closes its copy through the hook") {
  ParentCloseCountingServer server(kLoopback, handler<OneLineEchoHandler>());
  server.bind_and_activate();
  Socket client = connect_to(server.server_address);
  client.sendall("ping\n");
  server.handle_request();
  CHECK(server.closed_in_parent == 1);  // Stevens: the parent closes the connected socket.
  CHECK(recv_line(client) == "ping\n");
  server.server_close();
  CHECK(server.active_children.empty());
}

TEST_CASE("shared state: a counter changed by forked handlers stays 0 in the parent") {
  struct CountingHandler : StreamRequestHandler {
    explicit CountingHandler(int* counter) : counter(counter) {}
    void handle() override {
      rfile.readline();
      wfile.write(std::to_string(++*counter) + "\n");  // The child's own copy of the counter.
    }
    int* counter;
  };
  int counter = 0;
  ForkingTCPServer server(kLoopback, handler<CountingHandler>(&counter));
  server.bind_and_activate();
  ServerThread serving(server);
  for (int i = 0; i < 20; ++i) {
    Socket client = connect_to(server.server_address);
    client.sendall("increment\n");
    CHECK(recv_line(client) == "1\n");  // Every child starts from the parent's 0.
  }
  serving.stop();
  server.server_close();
  CHECK(counter == 0);
}

TEST_CASE("shutdown() in a forked child says why it cannot work") {
  struct StopHandler : StreamRequestHandler {
    void handle() override {
      try {
        server->shutdown();
        wfile.write("returned\n");
      } catch (const std::logic_error& e) {
        wfile.write(std::string(e.what()) + "\n");
      }
    }
  };
  ForkingTCPServer server(kLoopback, handler<StopHandler>());
  server.bind_and_activate();
  ServerThread serving(server);
  Socket client = connect_to(server.server_address);
  CHECK(recv_line(client).find("forked child") != std::string::npos);
  serving.stop();
}

TEST_CASE("ForkingMixIn keeps Python's defaults") {
  ForkingTCPServer server(kLoopback, handler<OneLineEchoHandler>());
  CHECK(server.timeout == std::optional<Seconds>(Seconds(300)));
  CHECK(server.max_children == 40);
  CHECK(server.block_on_close);
  CHECK(server.active_children.empty());
}

TEST_CASE("ForkingMixIn composes with a server that is neither TCP nor UDP") {
  ForkingMixIn<PairServer> server(handler<PairReplyHandler>());
  server.bind_and_activate();
  Socket& client = server.client_end();
  client.settimeout(kDeadline);
  std::vector<std::string> replies;
  for (const char* request : {"a", "b", "c"}) {
    client.sendall(request);
    server.handle_request();
    replies.push_back(client.recv(100));  // The child replies through the inherited end.
  }
  CHECK(replies == std::vector<std::string>{"reply:a", "reply:b", "reply:c"});
  server.server_close();
  CHECK(server.fileno() == -1);
  CHECK(server.active_children.empty());
}

TEST_CASE("a child reaped by someone else is forgotten, even at max_children") {
  ForkingTCPServer server(kLoopback, handler<HeldHandler>());
  server.max_children = 1;
  server.bind_and_activate();
  Socket first = connect_to(server.server_address);
  server.handle_request();
  CHECK(recv_line(first) == "started\n");
  REQUIRE(server.active_children.size() == 1);
  const pid_t first_pid = *server.active_children.begin();
  first.sendall("release\n");
  // The program reaps the server's child itself (a SIGCHLD handler might): the server must
  // not wait for it for ever.
  REQUIRE(::waitpid(first_pid, nullptr, 0) == first_pid);
  server.collect_children();  // At max_children: waits for one of its children, finds it gone.
  CHECK(server.active_children.empty());
  Socket second = connect_to(server.server_address);
  server.handle_request();
  CHECK(recv_line(second) == "started\n");
  second.sendall("release\n");
  server.server_close();
  CHECK(server.active_children.empty());
}

}  // namespace
}  // namespace socketserver::testing
