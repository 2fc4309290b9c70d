// UDPServer on its own, without a handler: a bound datagram socket that does not listen,
// get_request() with the sender and the socket for the reply, max_packet_size, and what a
// datagram server's shutdown_request() leaves open.
#include "server/udp_server.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <set>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "server/socket.h"
#include "server/socket_address.h"
#include "tests/test_util.h"

namespace socketserver::testing {
namespace {

TEST_CASE("bind_and_activate: port 0 reads back the kernel's port; the socket does not listen") {
  UDPServer server(kLoopback, nullptr);
  CHECK(server.socket_type == SOCK_DGRAM);
  CHECK(server.max_packet_size == 8192);
  server.bind_and_activate();
  CHECK(server.server_address.port() != 0);
  CHECK(server.server_address == server.socket.getsockname());
  CHECK(server.socket.type() == SOCK_DGRAM);
  CHECK(server.socket.getsockopt(SOL_SOCKET, SO_ACCEPTCONN) == 0);
  CHECK((::fcntl(server.fileno(), F_GETFL) & O_NONBLOCK) != 0);
  server.server_close();
  CHECK(server.fileno() == -1);
}

TEST_CASE("get_request: one datagram, its sender, and the server's socket for the reply") {
  TempDir dir;
  UDPServer server(kLoopback, nullptr);
  server.bind_and_activate();
  Socket client = datagram_client(server.server_address, dir);
  client.sendto("ping", server.server_address);
  server.socket.settimeout(kDeadline);  // The datagram is queued already; this bounds a bug.
  auto [request, client_address] = server.get_request();
  CHECK(request.packet == "ping");
  CHECK(request.is_datagram());
  CHECK(request.server_socket == &server.socket);
  CHECK(request.connection.fileno() == -1);
  // The client never bound: sendto() bound it to 0.0.0.0 and a free port, seen as 127.0.0.1.
  CHECK(client_address.host() == "127.0.0.1");
  CHECK(client_address.port() == client.getsockname().port());

  request.server_socket->sendto("pong", client_address);
  CHECK(client.recvfrom(100).first == "pong");

  server.shutdown_request(request);  // Nothing to close: the socket is the server's own.
  CHECK(server.fileno() >= 0);
  CHECK(request.server_socket == &server.socket);
}

TEST_CASE("max_packet_size: a longer datagram is cut to it, and the rest is lost") {
  TempDir dir;
  UDPServer server(kLoopback, nullptr);
  server.max_packet_size = 5;
  server.bind_and_activate();
  server.socket.settimeout(kDeadline);
  Socket client = datagram_client(server.server_address, dir);
  client.sendto("0123456789", server.server_address);
  client.sendto("ab", server.server_address);
  CHECK(server.get_request().first.packet == "01234");
  CHECK(server.get_request().first.packet == "ab");  // The next datagram, not the cut tail.
}

// The datagram is received into a buffer the server keeps: each packet must be a copy of
// exactly the bytes that came, whatever came before and whatever max_packet_size is now.
TEST_CASE("reused_buffer_test: each packet is its datagram alone, as max_packet_size changes") {
  TempDir dir;
  UDPServer server(kLoopback, nullptr);
  server.max_packet_size = 8;
  server.bind_and_activate();
  server.socket.settimeout(kDeadline);
  Socket client = datagram_client(server.server_address, dir);
  client.sendto("0123456789", server.server_address);
  CHECK(server.get_request().first.packet == "01234567");
  server.max_packet_size = 8192;  // Grown after a first datagram.
  const std::string big = std::string(4999, 'x') + "!";
  client.sendto(big, server.server_address);
  client.sendto("short", server.server_address);
  client.sendto("", server.server_address);
  Request first = server.get_request().first;
  Request second = server.get_request().first;
  CHECK(first.packet == big);       // Whole, and not overwritten by the next datagram.
  CHECK(second.packet == "short");  // No tail of the longer one before it.
  CHECK(server.get_request().first.packet.empty());
}

TEST_CASE("two_receivers_test: get_request() on two threads at once gives each datagram whole") {
  // As handle_request() on one thread beside serve_forever() on another: the receive buffer
  // is each thread's own (ThreadSanitizer reports a shared one; without it, the bytes of two
  // datagrams may be mixed up).
  TempDir dir;
  UDPServer server(kLoopback, nullptr);
  server.bind_and_activate();
  server.socket.settimeout(kDeadline);  // Blocking for each thread's next datagram.
  Socket client = datagram_client(server.server_address, dir);
  constexpr int kEach = 200;
  std::vector<std::string> got[2];
  std::string errors[2];
  std::atomic<int> taken{0};
  std::vector<std::thread> receivers;
  for (int r = 0; r < 2; ++r) {
    receivers.emplace_back([&server, &taken, &packets = got[r], &error = errors[r]] {
      try {
        while (packets.size() < kEach) {
          try {
            packets.push_back(server.get_request().first.packet);
            ++taken;
          } catch (const std::system_error& e) {
            // Both threads were woken for one datagram, and the other took it.
            if (e.code() != std::errc::resource_unavailable_try_again) throw;
          }
        }
      } catch (const std::exception& e) {
        error = e.what();
      }
    });
  }
  std::multiset<std::string> sent;
  for (int i = 0; i < 2 * kEach; ++i) {
    // At most 50 waiting, well within the socket's receive buffer: none is dropped.
    if (!wait_until([&] { return taken > i - 50; })) break;  // Then the checks below fail.
    // Lengths from 1 to 1 000 bytes, each a repeated letter with its number at the end.
    std::string packet =
        std::string(1 + i * 37 % 1000, static_cast<char>('a' + i % 26)) + std::to_string(i);
    client.sendto(packet, server.server_address);
    sent.insert(packet);
  }
  for (std::thread& receiver : receivers) receiver.join();
  CHECK(errors[0] == "");
  CHECK(errors[1] == "");
  std::multiset<std::string> received(got[0].begin(), got[0].end());
  received.insert(got[1].begin(), got[1].end());
  CHECK(received == sent);
}

TEST_CASE("get_request with no datagram waiting throws EAGAIN at once instead of blocking") {
  UDPServer server(kLoopback, nullptr);
  server.bind_and_activate();
  int err = 0;
  try {
    server.get_request();
  } catch (const std::system_error& e) {
    err = e.code().value();
  }
  CHECK(err == EAGAIN);
}

TEST_CASE("UDPServer refuses a Unix path and names the class to use") {
  TempDir dir;
  UDPServer server(SocketAddress::unix_path(dir.file("s.sock")), nullptr);
  CHECK_THROWS_WITH_AS(server.bind_and_activate(), doctest::Contains("UnixDatagramServer"),
                       std::invalid_argument);
  CHECK(server.fileno() == -1);
}

}  // namespace
}  // namespace socketserver::testing
