// UnixStreamServer on its own, without a handler: it needs a path, binds and listens there,
// accepts over it, ignores the reuse options, and removes its socket file on close.
#include "server/unix_stream_server.h"

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

TEST_CASE("UnixStreamServer needs a Unix path") {
  CHECK_THROWS_WITH_AS(UnixStreamServer(kLoopback, nullptr),
                       doctest::Contains("needs a Unix socket path, not 127.0.0.1:0"),
                       std::invalid_argument);
}

TEST_CASE("bind_and_activate listens on the path; server_close removes the file, once") {
  TempDir dir;
  const std::string path = dir.file("s.sock");
  UnixStreamServer server(SocketAddress::unix_path(path), nullptr);
  CHECK(server.address_family == AF_UNIX);
  server.bind_and_activate();
  CHECK(server.server_address.path() == path);
  CHECK(exists(path));
  CHECK(server.socket.getsockopt(SOL_SOCKET, SO_ACCEPTCONN) == 1);
  server.server_close();
  CHECK(server.fileno() == -1);
  CHECK_FALSE(exists(path));
  server.server_close();  // Idempotent.
}

TEST_CASE("the destructor removes the socket file too") {
  TempDir dir;
  const std::string path = dir.file("s.sock");
  {
    UnixStreamServer server(SocketAddress::unix_path(path), nullptr);
    server.bind_and_activate();
    CHECK(exists(path));
  }
  CHECK_FALSE(exists(path));
}

TEST_CASE("get_request accepts a connection over the path") {
  TempDir dir;
  UnixStreamServer server(SocketAddress::unix_path(dir.file("s.sock")), nullptr);
  server.bind_and_activate();
  Socket client = create_connection(server.server_address, kDeadline);
  server.socket.settimeout(kDeadline);
  auto [request, client_address] = server.get_request();
  CHECK(client_address.family() == AF_UNIX);
  client.sendall("over the path\n");
  request.connection.settimeout(kDeadline);
  CHECK(recv_line(request.connection) == "over the path\n");
}

// gh-128916: Linux 6.12.9 and later refuse SO_REUSEPORT on a Unix socket; the options mean
// nothing for a path, so they must not make bind_and_activate() fail.
TEST_CASE("allow_reuse_address and allow_reuse_port are ignored, not errors") {
  TempDir dir;
  UnixStreamServer server(SocketAddress::unix_path(dir.file("s.sock")), nullptr);
  server.allow_reuse_address = true;
  server.allow_reuse_port = true;
  server.bind_and_activate();
  CHECK(server.fileno() >= 0);
}

}  // namespace
}  // namespace socketserver::testing
