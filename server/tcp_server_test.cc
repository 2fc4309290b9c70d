// TCPServer on its own, without a handler: the listening socket bind_and_activate() makes,
// the reuse options, get_request() and shutdown_request(), and what it refuses.
#include "server/tcp_server.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>

#include "server/fd.h"
#include "server/socket.h"
#include "server/socket_address.h"
#include "tests/test_util.h"

namespace socketserver::testing {
namespace {

int fd_flags(const TCPServer& server) { return ::fcntl(server.fileno(), F_GETFL); }

TEST_CASE("TCPServer keeps Python's defaults, with SOMAXCONN for the queue") {
  TCPServer server(kLoopback, nullptr);
  CHECK(server.address_family == AF_INET);
  CHECK(server.socket_type == SOCK_STREAM);
  CHECK(server.request_queue_size == SOMAXCONN);
  CHECK_FALSE(server.allow_reuse_address);
  CHECK_FALSE(server.allow_reuse_port);
  CHECK(server.fileno() == -1);  // No socket before bind_and_activate().
}

TEST_CASE("bind_and_activate: port 0 reads back the kernel's port, on a listening socket") {
  TCPServer server(kLoopback, nullptr);
  server.bind_and_activate();
  CHECK(server.server_address.host() == "127.0.0.1");
  CHECK(server.server_address.port() != 0);
  CHECK(server.server_address == server.socket.getsockname());
  CHECK(server.socket.getsockopt(SOL_SOCKET, SO_ACCEPTCONN) == 1);
  CHECK((fd_flags(server) & O_NONBLOCK) != 0);  // So a vanished client cannot block the loop.
  CHECK((::fcntl(server.fileno(), F_GETFD) & FD_CLOEXEC) != 0);
  server.server_close();
  CHECK(server.fileno() == -1);
}

TEST_CASE("allow_reuse_address and allow_reuse_port set their options before bind") {
  TCPServer plain(kLoopback, nullptr);
  plain.bind_and_activate();
  CHECK(plain.socket.getsockopt(SOL_SOCKET, SO_REUSEADDR) == 0);
  CHECK(plain.socket.getsockopt(SOL_SOCKET, SO_REUSEPORT) == 0);

  TCPServer reusing(kLoopback, nullptr);
  reusing.allow_reuse_address = true;
  reusing.allow_reuse_port = true;
  reusing.bind_and_activate();
  CHECK(reusing.socket.getsockopt(SOL_SOCKET, SO_REUSEADDR) != 0);
  CHECK(reusing.socket.getsockopt(SOL_SOCKET, SO_REUSEPORT) != 0);

  // SO_REUSEPORT on both: a second server may bind the same port (Linux shares the load).
  TCPServer twin(reusing.server_address, nullptr);
  twin.allow_reuse_port = true;
  twin.bind_and_activate();
  CHECK(twin.server_address == reusing.server_address);
}

TEST_CASE("listen_backlog regression: server_activate listens with request_queue_size") {
  // For a listening socket, Linux's TCP_INFO reports the backlog it was given in tcpi_sacked.
  for (int size : {3, 7}) {
    CAPTURE(size);
    TCPServer server(kLoopback, nullptr);
    server.request_queue_size = size;
    server.bind_and_activate();
    tcp_info info{};
    socklen_t length = sizeof info;
    REQUIRE(::getsockopt(server.fileno(), IPPROTO_TCP, TCP_INFO, &info, &length) == 0);
    CHECK(info.tcpi_sacked == static_cast<unsigned>(size));
  }
}

TEST_CASE("get_request accepts one connection and names the client") {
  TCPServer server(kLoopback, nullptr);
  server.bind_and_activate();
  Socket client = connect_to(server.server_address);
  server.socket.settimeout(kDeadline);  // The client is queued already; this only bounds a bug.
  auto [request, client_address] = server.get_request();
  CHECK(client_address == client.getsockname());
  CHECK(request.connection.getpeername() == client.getsockname());
  CHECK_FALSE(request.is_datagram());
  CHECK(request.packet.empty());
}

TEST_CASE("get_request with nobody waiting throws EAGAIN at once instead of blocking") {
  TCPServer server(kLoopback, nullptr);
  server.bind_and_activate();
  int err = 0;
  try {
    server.get_request();
  } catch (const std::system_error& e) {
    err = e.code().value();
  }
  CHECK(err == EAGAIN);
}

TEST_CASE("shutdown_request: the client sees end of input and the connection is closed") {
  TCPServer server(kLoopback, nullptr);
  server.bind_and_activate();
  Socket client = connect_to(server.server_address);
  server.socket.settimeout(kDeadline);
  auto [request, client_address] = server.get_request();
  request.connection.sendall("bye\n");
  server.shutdown_request(request);
  CHECK(request.connection.fileno() == -1);
  CHECK(recv_all(client) == "bye\n");
  server.shutdown_request(request);  // Already closed: harmless.
}

TEST_CASE(
    "no_shut_wr regression: the client sees end of input while a copy of the connection "
    "is still open") {
  // A handler that started a process, or kept a dup() of the connection, still holds it when
  // the request ends: close() alone sends nothing then; shutdown(SHUT_WR) does.
  TCPServer server(kLoopback, nullptr);
  server.bind_and_activate();
  Socket client = connect_to(server.server_address);
  client.settimeout(Seconds(5));  // Without SHUT_WR the client would wait for ever.
  server.socket.settimeout(kDeadline);
  auto [request, client_address] = server.get_request();
  Fd copy(::dup(request.connection.fileno()));  // The copy a child process would hold.
  REQUIRE(copy.valid());
  request.connection.sendall("bye\n");
  server.shutdown_request(request);
  CHECK(recv_all(client) == "bye\n");
}

TEST_CASE("TCPServer refuses a Unix path and names the classes to use") {
  TempDir dir;
  const int fds_before = count_open_fds();
  TCPServer server(SocketAddress::unix_path(dir.file("s.sock")), nullptr);
  CHECK_THROWS_WITH_AS(server.bind_and_activate(), doctest::Contains("UnixStreamServer"),
                       std::invalid_argument);
  CHECK(server.fileno() == -1);
  CHECK(count_open_fds() == fds_before);
  CHECK(::access(dir.file("s.sock").c_str(), F_OK) == -1);  // Nothing was bound.
}

}  // namespace
}  // namespace socketserver::testing
