// StreamRequestHandler over real servers: setup() applies `timeout` and
// `disable_nagle_algorithm`, `connection` is the request's connection, rfile and wfile talk to
// the client, and finish() flushes wfile while ignoring a client that has already gone.
//
// Each test serves exactly one request with handle_request() on the test's thread while a
// client runs on another (serve_one, in tests/test_util.h). The handler therefore also runs on
// the test's thread; it records what it saw in an Observed, and the checks come after the
// client thread has been joined.
#include "handlers/stream_request_handler.h"

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>

#include <cerrno>
#include <chrono>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "server/errors.h"
#include "server/socket.h"
#include "server/socket_address.h"
#include "server/tcp_server.h"
#include "server/unix_stream_server.h"
#include "tests/test_util.h"

namespace socketserver::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A server that counts handle_error() calls and keeps the last error's message and kind,
// instead of printing them.
template <class Server>
class Counting : public Server {
 public:
  using Server::Server;
  int errors = 0;
  std::string last_error;
  bool last_was_logic_error = false;

  void handle_error(Request&, const SocketAddress&) override {
    ++errors;
    try {
      throw;
    } catch (const std::logic_error& e) {
      last_error = e.what();
      last_was_logic_error = true;
    } catch (const std::exception& e) {
      last_error = e.what();
      last_was_logic_error = false;
    }
  }
};

// What a handler saw. Written by the handler, on the test's thread.
struct Observed {
  bool handled = false;
  bool timed_out = false;
  std::string timeout_message;
  Clock::duration waited{};
  std::optional<Seconds> connection_timeout;
  int nodelay = -1;
  bool connection_is_request_connection = false;
  bool server_is_server = false;
  SocketAddress client_address;
  SocketAddress peer_of_connection;
  std::vector<std::size_t> write_counts;
  bool saw_eof = false;
  bool reset_seen = false;
  int probe_errno = 0;
  bool finish_returned = false;
};

// A client that connects, sends nothing and reads until the server closes the connection.
void connect_and_wait_for_close(const SocketAddress& address) {
  Socket client = connect_to(address);
  recv_all(client);
}

// --- timeout ---

struct TimeoutHandler : StreamRequestHandler {
  explicit TimeoutHandler(Observed* seen) : seen(seen) { timeout = 200ms; }
  void handle() override {
    seen->handled = true;
    seen->connection_timeout = connection->gettimeout();
    auto start = Clock::now();
    try {
      rfile.readline();
    } catch (const TimeoutError& e) {
      seen->timed_out = true;
      seen->timeout_message = e.what();
    }
    seen->waited = Clock::now() - start;
  }
  Observed* seen;
};

TEST_CASE("setup applies timeout: a client that sends nothing gives the handler a TimeoutError") {
  Observed seen;
  Counting<TCPServer> server(kLoopback, handler<TimeoutHandler>(&seen));
  server.bind_and_activate();
  std::string received = "unset";
  std::string client_error = serve_one(server, [&received](const SocketAddress& address) {
    Socket client = connect_to(address);
    received = recv_all(client);  // Sends nothing; waits for the server to give up and close.
  });
  CHECK(client_error == "");
  CHECK(seen.handled);
  REQUIRE(seen.connection_timeout.has_value());
  CHECK(seen.connection_timeout->count() == doctest::Approx(0.2));
  CHECK(seen.timed_out);
  CHECK(seen.timeout_message.find("timed out") != std::string::npos);
  CHECK(seen.waited >= 100ms);  // It did wait; not how precisely.
  CHECK(seen.waited < 10s);
  CHECK(received == "");  // The server closed the connection after the handler.
  CHECK(server.errors == 0);
}

struct UncaughtTimeoutHandler : StreamRequestHandler {
  UncaughtTimeoutHandler() { timeout = 50ms; }
  void handle() override { rfile.readline(); }
};

TEST_CASE("a TimeoutError the handler does not catch reaches handle_error") {
  Counting<TCPServer> server(kLoopback, handler<UncaughtTimeoutHandler>());
  server.bind_and_activate();
  std::string client_error = serve_one(server, connect_and_wait_for_close);
  CHECK(client_error == "");
  CHECK(server.errors == 1);
  CHECK(server.last_error.find("timed out") != std::string::npos);
}

// --- disable_nagle_algorithm ---

struct NagleHandler : StreamRequestHandler {
  NagleHandler(const std::optional<bool>& disable, Observed* seen) : seen(seen) {
    if (disable) disable_nagle_algorithm = *disable;
  }
  void handle() override {
    seen->handled = true;
    // A Unix socket has no TCP options to read.
    if (connection->family() != AF_UNIX) {
      seen->nodelay = connection->getsockopt(IPPROTO_TCP, TCP_NODELAY);
    }
  }
  Observed* seen;
};

// Serves one request with NagleHandler(disable) and returns the TCP_NODELAY it saw.
int nodelay_seen(std::optional<bool> disable) {
  Observed seen;
  Counting<TCPServer> server(kLoopback, handler<NagleHandler>(disable, &seen));
  server.bind_and_activate();
  std::string client_error = serve_one(server, connect_and_wait_for_close);
  CHECK(client_error == "");
  CHECK(server.errors == 0);
  CHECK(seen.handled);
  return seen.nodelay;
}

TEST_CASE("disable_nagle_algorithm sets TCP_NODELAY on the connection; the default leaves it 0") {
  CHECK(nodelay_seen(true) != 0);
  CHECK(nodelay_seen(false) == 0);
  CHECK(nodelay_seen(std::nullopt) == 0);
}

TEST_CASE("disable_nagle_algorithm on a Unix stream server is skipped, not an error") {
  TempDir dir;
  Observed seen;
  Counting<UnixStreamServer> server(SocketAddress::unix_path(dir.file("s.sock")),
                                    handler<NagleHandler>(true, &seen));
  server.bind_and_activate();
  std::string client_error = serve_one(server, connect_and_wait_for_close);
  server.server_close();
  CHECK(client_error == "");
  CHECK(seen.handled);
  CHECK(server.errors == 0);
  CHECK(server.last_error == "");
}

TEST_CASE("a StreamRequestHandler has Python's defaults") {
  StreamRequestHandler h;
  CHECK(h.rbufsize == 8192);
  CHECK(h.wbufsize == 0);
  CHECK_FALSE(h.timeout.has_value());
  CHECK_FALSE(h.disable_nagle_algorithm);
  CHECK(h.connection == nullptr);
}

// --- connection, client_address, rfile and wfile ---

struct EchoHandler : StreamRequestHandler {
  explicit EchoHandler(Observed* seen) : seen(seen) {}
  void handle() override {
    seen->handled = true;
    seen->connection_is_request_connection = connection == &request->connection;
    seen->server_is_server = server != nullptr;
    seen->client_address = client_address;
    seen->peer_of_connection = connection->getpeername();
    for (std::string line; !(line = rfile.readline()).empty();) {
      seen->write_counts.push_back(wfile.write(line));
    }
  }
  Observed* seen;
};

TEST_CASE(
    "connection is &request->connection; rfile reads the client, wfile.write returns the count") {
  Observed seen;
  Counting<TCPServer> server(kLoopback, handler<EchoHandler>(&seen));
  server.bind_and_activate();
  std::string received;
  SocketAddress client_name;
  std::string client_error = serve_one(server, [&](const SocketAddress& address) {
    Socket client = connect_to(address);
    client_name = client.getsockname();
    client.sendall("hello\nworld!\nno newline");
    client.shutdown(SHUT_WR);
    received = recv_all(client);
  });
  CHECK(client_error == "");
  CHECK(server.errors == 0);
  CHECK(seen.handled);
  CHECK(seen.connection_is_request_connection);
  CHECK(seen.server_is_server);
  CHECK(seen.client_address == client_name);
  CHECK(seen.peer_of_connection == client_name);
  CHECK(seen.write_counts == std::vector<std::size_t>{6, 7, 10});
  CHECK(received == "hello\nworld!\nno newline");
}

// --- finish() ---

struct BufferedThenThrowHandler : StreamRequestHandler {
  BufferedThenThrowHandler() { wbufsize = 1024; }
  void handle() override {
    wfile.write("held until finish\n");
    throw std::runtime_error("handler failed after writing");
  }
};

TEST_CASE("finish() flushes what a buffered wfile held, even when handle() throws") {
  Counting<TCPServer> server(kLoopback, handler<BufferedThenThrowHandler>());
  server.bind_and_activate();
  std::string received;
  std::string client_error = serve_one(server, [&received](const SocketAddress& address) {
    Socket client = connect_to(address);
    received = recv_all(client);
  });
  CHECK(client_error == "");
  CHECK(received == "held until finish\n");
  CHECK(server.errors == 1);
  CHECK(server.last_error == "handler failed after writing");
}

// The client connects and closes at once. The handler waits for that, makes sure every send
// to the connection now fails (a byte draws the client's reset, then a probe send fails), and
// leaves bytes in a buffered wfile, so finish()'s flush meets EPIPE. finish() must swallow it.
struct GoneClientHandler : StreamRequestHandler {
  explicit GoneClientHandler(Observed* seen) : seen(seen) { wbufsize = 1 << 20; }
  void handle() override {
    seen->handled = true;
    seen->saw_eof = rfile.readline().empty();
    connection->send("x");                 // The closed client answers with a reset.
    pollfd p{connection->fileno(), 0, 0};  // POLLERR and POLLHUP are always reported.
    seen->reset_seen = ::poll(&p, 1, 20000) == 1 && (p.revents & (POLLERR | POLLHUP)) != 0;
    try {
      connection->send("y");
    } catch (const std::system_error& e) {
      seen->probe_errno = e.code().value();
    }
    seen->write_counts.push_back(wfile.write(std::string(1000, 'z')));  // Held in the buffer.
  }
  void finish() override {
    StreamRequestHandler::finish();
    seen->finish_returned = true;
  }
  Observed* seen;
};

TEST_CASE("finish() ignores EPIPE when the client has closed: nothing reaches handle_error") {
  Observed seen;
  Counting<TCPServer> server(kLoopback, handler<GoneClientHandler>(&seen));
  server.bind_and_activate();
  std::string client_error = serve_one(server, [](const SocketAddress& address) {
    Socket client = connect_to(address);
    client.close();
  });
  CHECK(client_error == "");
  CHECK(seen.handled);
  CHECK(seen.saw_eof);
  CHECK(seen.reset_seen);
  CHECK((seen.probe_errno == EPIPE || seen.probe_errno == ECONNRESET));
  CHECK(seen.write_counts == std::vector<std::size_t>{1000});
  CHECK(seen.finish_returned);
  CHECK(server.errors == 0);
  CHECK(server.last_error == "");
}

}  // namespace
}  // namespace socketserver::testing
