// DatagramRequestHandler over a real UDPServer: rfile reads the datagram, the reply is what
// wfile collected (an empty datagram when nothing was written), and using it on a stream
// server is a logic error that reaches handle_error.
//
// Each test serves exactly one request with handle_request() on the test's thread while a
// client runs on another (serve_one, in tests/test_util.h). The handler runs on the test's
// thread and records what it saw in an Observed; the checks come after the client thread has
// been joined.
#include "handlers/datagram_request_handler.h"

#include <doctest/doctest.h>
#include <sys/socket.h>

#include <exception>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "server/socket.h"
#include "server/socket_address.h"
#include "server/tcp_server.h"
#include "server/udp_server.h"
#include "tests/test_util.h"

namespace socketserver::testing {
namespace {

// A server that counts handle_error() calls and keeps the last error's message and kind,
// instead of printing them.
template <class Server>
class Counting : public Server {
 public:
  using Server::Server;
  int errors = 0;
  std::string last_error;
  bool last_was_logic_error = false;
  bool last_was_length_error = false;

  void handle_error(Request&, const SocketAddress&) override {
    ++errors;
    last_was_logic_error = false;
    last_was_length_error = false;
    try {
      throw;
    } catch (const std::length_error& e) {  // A std::logic_error too: test it first.
      last_error = e.what();
      last_was_length_error = true;
    } catch (const std::logic_error& e) {
      last_error = e.what();
      last_was_logic_error = true;
    } catch (const std::exception& e) {
      last_error = e.what();
    }
  }
};

// What a handler saw. Written by the handler, on the test's thread.
struct Observed {
  bool handled = false;
  std::vector<std::string> lines;
  std::string packet;
  bool socket_is_server_socket = false;
  SocketAddress client_address;
};

// A UDP client on 127.0.0.1 that gives up after kDeadline.
Socket udp_client() {
  Socket client(AF_INET, SOCK_DGRAM);
  client.bind(SocketAddress::parse("127.0.0.1:0"));
  client.settimeout(kDeadline);
  return client;
}

struct LinesHandler : DatagramRequestHandler {
  explicit LinesHandler(Observed* seen) : seen(seen) {}
  void handle() override {
    seen->handled = true;
    seen->packet = packet;
    seen->socket_is_server_socket = socket == request->server_socket && socket != nullptr;
    seen->client_address = client_address;
    for (std::string line; !(line = rfile.readline()).empty();) {
      seen->lines.push_back(line);
      wfile.write("<" + line.substr(0, line.find('\n')) + ">");
    }
    wfile.write("\n");
  }
  Observed* seen;
};

TEST_CASE("rfile reads the datagram's lines; the reply is exactly what wfile collected") {
  Observed seen;
  Counting<UDPServer> server(kLoopback, handler<LinesHandler>(&seen));
  server.bind_and_activate();
  std::string reply = "unset";
  SocketAddress replied_from;
  SocketAddress client_name;
  std::string client_error = serve_one(server, [&](const SocketAddress& address) {
    Socket client = udp_client();
    client_name = client.getsockname();
    client.sendto("one\ntwo\nthree", address);
    std::tie(reply, replied_from) = client.recvfrom(65536);
  });
  CHECK(client_error == "");
  CHECK(server.errors == 0);
  CHECK(seen.handled);
  CHECK(seen.packet == "one\ntwo\nthree");
  CHECK(seen.lines == std::vector<std::string>{"one\n", "two\n", "three"});
  CHECK(seen.socket_is_server_socket);
  CHECK(seen.client_address == client_name);
  CHECK(reply == "<one><two><three>\n");
  CHECK(replied_from == server.server_address);
}

struct SilentHandler : DatagramRequestHandler {
  explicit SilentHandler(Observed* seen) : seen(seen) {}
  void handle() override { seen->handled = true; }
  Observed* seen;
};

TEST_CASE("nothing written: the client receives an empty datagram") {
  Observed seen;
  Counting<UDPServer> server(kLoopback, handler<SilentHandler>(&seen));
  server.bind_and_activate();
  std::string reply = "unset";
  SocketAddress replied_from;
  std::string client_error = serve_one(server, [&](const SocketAddress& address) {
    Socket client = udp_client();
    client.sendto("anyone?", address);
    // A TimeoutError here (no reply at all) would show as client_error.
    std::tie(reply, replied_from) = client.recvfrom(65536);
  });
  CHECK(client_error == "");
  CHECK(server.errors == 0);
  CHECK(seen.handled);
  CHECK(reply == "");
  CHECK(replied_from == server.server_address);
}

struct FullReplyHandler : DatagramRequestHandler {
  void handle() override { wfile.write(std::string(PacketWriter::kMaxDatagram, 'r')); }
};

TEST_CASE("a reply of the largest datagram, 65507 bytes, arrives whole") {
  Counting<UDPServer> server(kLoopback, handler<FullReplyHandler>());
  server.bind_and_activate();
  std::string reply;
  std::string client_error = serve_one(server, [&reply](const SocketAddress& address) {
    Socket client = udp_client();
    client.sendto("big please", address);
    reply = client.recvfrom(70000).first;
  });
  CHECK(client_error == "");
  CHECK(server.errors == 0);
  CHECK(reply == std::string(PacketWriter::kMaxDatagram, 'r'));
}

struct OverflowHandler : DatagramRequestHandler {
  void handle() override {
    wfile.write("kept\n");
    wfile.write(std::string(PacketWriter::kMaxDatagram, 'x'));  // Throws std::length_error.
  }
};

TEST_CASE("a reply past the limit: length_error to handle_error, what was written still sent") {
  Counting<UDPServer> server(kLoopback, handler<OverflowHandler>());
  server.bind_and_activate();
  std::string reply = "unset";
  std::string client_error = serve_one(server, [&reply](const SocketAddress& address) {
    Socket client = udp_client();
    client.sendto("x", address);
    reply = client.recvfrom(70000).first;
  });
  CHECK(client_error == "");
  CHECK(server.errors == 1);
  CHECK(server.last_was_length_error);
  CHECK(reply == "kept\n");  // finish() ran after handle() threw, as Python's `finally`.
}

TEST_CASE("the handler sees the datagram cut to the server's max_packet_size") {
  Observed seen;
  Counting<UDPServer> server(kLoopback, handler<LinesHandler>(&seen));
  server.max_packet_size = 6;
  server.bind_and_activate();
  std::string reply = "unset";
  std::string client_error = serve_one(server, [&reply](const SocketAddress& address) {
    Socket client = udp_client();
    client.sendto("abc\ndefgh\n", address);
    reply = client.recvfrom(65536).first;
  });
  CHECK(client_error == "");
  CHECK(seen.packet == "abc\nde");
  CHECK(seen.lines == std::vector<std::string>{"abc\n", "de"});
  CHECK(reply == "<abc><de>\n");
}

TEST_CASE("DatagramRequestHandler on a stream server: std::logic_error to handle_error") {
  Observed seen;
  Counting<TCPServer> server(kLoopback, handler<SilentHandler>(&seen));
  server.bind_and_activate();
  std::string received = "unset";
  std::string client_error = serve_one(server, [&received](const SocketAddress& address) {
    Socket client = connect_to(address);
    received = recv_all(client);  // The server closes the connection after the error.
  });
  CHECK(client_error == "");
  CHECK(server.errors == 1);
  CHECK(server.last_was_logic_error);
  CHECK(server.last_error.find("datagram server") != std::string::npos);
  CHECK_FALSE(seen.handled);  // setup() refused, so handle() never ran.
  CHECK(received == "");
}

}  // namespace
}  // namespace socketserver::testing
