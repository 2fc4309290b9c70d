// The Unix-domain servers' socket files: removed on close when this server made them, left
// alone otherwise; a stale file or a live server at the path gets an error that says which.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "handlers/datagram_request_handler.h"
#include "handlers/stream_request_handler.h"
#include "server/tcp_server.h"
#include "server/unix_datagram_server.h"
#include "server/unix_stream_server.h"
#include "tests/test_util.h"

namespace socketserver::testing {
namespace {

bool exists(const std::string& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0;
}

TEST_CASE_TEMPLATE("server_close removes the socket file the server created", Server,
                   UnixStreamServer, UnixDatagramServer) {
  TempDir dir;
  const std::string path = dir.file("s.sock");
  {
    Server server(SocketAddress::unix_path(path), nullptr);
    server.bind_and_activate();
    CHECK(server.server_address.path() == path);
    CHECK(exists(path));
    server.server_close();
    CHECK_FALSE(exists(path));
    server.server_close();  // Idempotent.
  }
  {
    Server server(SocketAddress::unix_path(path), nullptr);
    server.bind_and_activate();
    CHECK(exists(path));
  }  // The destructor cleans up too.
  CHECK_FALSE(exists(path));
}

TEST_CASE("server_close leaves alone a file that replaced the server's socket") {
  TempDir dir;
  const std::string path = dir.file("s.sock");
  UnixStreamServer server(SocketAddress::unix_path(path), nullptr);
  server.bind_and_activate();
  REQUIRE(::unlink(path.c_str()) == 0);
  Socket other(AF_UNIX, SOCK_STREAM);  // Another server binds the same path meanwhile.
  other.bind(SocketAddress::unix_path(path));
  server.server_close();
  CHECK(exists(path));
}

TEST_CASE("a stale socket file gets an error that says to remove it") {
  TempDir dir;
  const std::string path = dir.file("s.sock");
  {
    Socket crashed(AF_UNIX, SOCK_STREAM);  // A server that exited without cleaning up.
    crashed.bind(SocketAddress::unix_path(path));
  }
  const int fds_before = count_open_fds();
  UnixStreamServer server(SocketAddress::unix_path(path), nullptr);
  try {
    server.bind_and_activate();
    FAIL("bind over a stale socket file succeeded");
  } catch (const std::system_error& e) {
    CHECK(e.code().value() == EADDRINUSE);
    CHECK(std::string(e.what()).find("no server is listening") != std::string::npos);
    CHECK(std::string(e.what()).find("remove") != std::string::npos);
  }
  CHECK(server.fileno() == -1);
  CHECK(count_open_fds() == fds_before);
  CHECK(exists(path));  // Not ours: never removed behind the user's back.
}

TEST_CASE("a path where a server is listening gets an error that says so") {
  TempDir dir;
  const std::string path = dir.file("s.sock");
  UnixStreamServer first(SocketAddress::unix_path(path), nullptr);
  first.bind_and_activate();
  UnixStreamServer second(SocketAddress::unix_path(path), nullptr);
  CHECK_THROWS_WITH_AS(second.bind_and_activate(), doctest::Contains("another server is listening"),
                       std::system_error);
  CHECK(exists(path));  // The failed server did not remove the first one's file.
}

TEST_CASE("a path too long for sun_path is refused before any socket exists") {
  std::string path = "/tmp/" + std::string(SocketAddress::kMaxUnixPath, 'x');
  CHECK_THROWS_WITH_AS(SocketAddress::unix_path(path), doctest::Contains("at most 107"),
                       std::invalid_argument);
}

TEST_CASE("TCPServer refuses a Unix path and names the classes to use") {
  TempDir dir;
  TCPServer server(SocketAddress::unix_path(dir.file("s.sock")), nullptr);
  CHECK_THROWS_WITH_AS(server.bind_and_activate(), doctest::Contains("UnixStreamServer"),
                       std::invalid_argument);
  CHECK(server.fileno() == -1);
  CHECK_FALSE(exists(dir.file("s.sock")));
}

TEST_CASE("the Unix servers need a path") {
  CHECK_THROWS_AS(UnixStreamServer(SocketAddress::parse("127.0.0.1:0"), nullptr),
                  std::invalid_argument);
  CHECK_THROWS_AS(UnixDatagramServer(SocketAddress::parse("127.0.0.1:0"), nullptr),
                  std::invalid_argument);
}

}  // namespace
}  // namespace socketserver::testing
