// UnixDatagramServer on its own, without a handler: it needs a path, receives datagrams from
// a client bound to its own path (so a reply can reach it), and removes its socket file.
#include "server/unix_datagram_server.h"

#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <stdexcept>
#include <string>

#include "server/socket.h"
#include "server/socket_address.h"
#include "tests/test_util.h"

namespace socketserver::testing {
namespace {

bool exists(const std::string& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0;
}

TEST_CASE("UnixDatagramServer needs a Unix path") {
  CHECK_THROWS_WITH_AS(UnixDatagramServer(kLoopback, nullptr),
                       doctest::Contains("needs a Unix socket path, not 127.0.0.1:0"),
                       std::invalid_argument);
}

TEST_CASE("bind_and_activate binds the path; server_close and the destructor remove the file") {
  TempDir dir;
  const std::string path = dir.file("s.sock");
  {
    UnixDatagramServer server(SocketAddress::unix_path(path), nullptr);
    server.bind_and_activate();
    CHECK(server.server_address.path() == path);
    CHECK(server.socket.type() == SOCK_DGRAM);
    CHECK(exists(path));
    server.server_close();
    CHECK(server.fileno() == -1);
    CHECK_FALSE(exists(path));
  }
  {
    UnixDatagramServer server(SocketAddress::unix_path(path), nullptr);
    server.bind_and_activate();  // The path is free again.
    CHECK(exists(path));
  }
  CHECK_FALSE(exists(path));
}

TEST_CASE("get_request: the datagram, the client's own path, and a reply that reaches it") {
  TempDir dir;
  UnixDatagramServer server(SocketAddress::unix_path(dir.file("s.sock")), nullptr);
  server.max_packet_size = 4;
  server.bind_and_activate();
  Socket client = datagram_client(server.server_address, dir);  // Bound to a path in `dir`.
  client.sendto("hello", server.server_address);
  server.socket.settimeout(kDeadline);
  auto [request, client_address] = server.get_request();
  CHECK(request.packet == "hell");  // Cut to max_packet_size.
  CHECK(client_address == client.getsockname());
  CHECK(client_address.path().rfind(dir.path(), 0) == 0);
  request.server_socket->sendto("pong", client_address);
  CHECK(client.recvfrom(100).first == "pong");
}

}  // namespace
}  // namespace socketserver::testing
