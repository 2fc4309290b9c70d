// The CPython echo matrix, as one templated driver: run_server<Server>() starts any of the
// twelve server classes with a line-echo handler, runs the matching client check three times,
// shuts the server down and checks what it gave back (Python's run_server, stream_examine and
// dgram_examine in Lib/test/test_socketserver.py).
#ifndef TESTS_ECHO_DRIVER_H_
#define TESTS_ECHO_DRIVER_H_

#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <type_traits>

#include "handlers/datagram_request_handler.h"
#include "handlers/stream_request_handler.h"
#include "mixins/composed_servers.h"
#include "tests/test_util.h"

namespace socketserver::testing {

inline const std::string TEST_STR = "hello world\n";

// Python's MyHandler: echo one line.
template <class Base>
struct LineEchoHandler : Base {
  void handle() override { this->wfile.write(this->rfile.readline()); }
};

template <class Server>
constexpr bool is_datagram_server = std::is_base_of_v<UDPServer, Server>;
template <class Server>
constexpr bool is_unix_server =
    std::is_base_of_v<UnixStreamServer, Server> || std::is_base_of_v<UnixDatagramServer, Server>;
template <class Server>
constexpr bool is_forking_server = std::is_base_of_v<ForkingMixIn<TCPServer>, Server> ||
                                   std::is_base_of_v<ForkingMixIn<UDPServer>, Server> ||
                                   std::is_base_of_v<ForkingMixIn<UnixStreamServer>, Server> ||
                                   std::is_base_of_v<ForkingMixIn<UnixDatagramServer>, Server>;

// Python's MyServer: a handler error must fail the test. Python re-raises from handle_error;
// here it is counted (a rethrow would end a request thread with std::terminate), and the
// client, which then gets no echo, fails too.
template <class Server>
struct CountingServer : Server {
  CountingServer(SocketAddress address, HandlerFactory factory, std::atomic<int>* errors)
      : Server(std::move(address), std::move(factory)), errors_(errors) {}
  void handle_error(Request& request, const SocketAddress& client_address) override {
    ++*errors_;
    Server::handle_error(request, client_address);
  }
  std::atomic<int>* errors_;
};

inline void stream_examine(const SocketAddress& address, const TempDir&) {
  Socket client = connect_to(address);
  client.sendall(TEST_STR);
  CHECK(recv_line(client) == TEST_STR);
}

inline void dgram_examine(const SocketAddress& address, const TempDir& dir) {
  Socket client = datagram_client(address, dir);
  client.sendto(TEST_STR, address);
  auto [reply, from] = client.recvfrom(8192);
  CHECK(reply == TEST_STR);
  CHECK(from == address);
}

template <class Server>
void run_server() {
  const int fds_before = count_open_fds();
  const int threads_before = count_threads();
  {
    TempDir dir;
    SocketAddress address = is_unix_server<Server> ? SocketAddress::unix_path(dir.file("echo.sock"))
                                                   : SocketAddress::parse("127.0.0.1:0");
    std::atomic<int> errors{0};
    HandlerFactory factory;
    if constexpr (is_datagram_server<Server>) {
      factory = handler<LineEchoHandler<DatagramRequestHandler>>();
    } else {
      factory = handler<LineEchoHandler<StreamRequestHandler>>();
    }
    CountingServer<Server> server(address, factory, &errors);
    server.bind_and_activate();
    CHECK(server.server_address == server.socket.getsockname());
    if (!is_unix_server<Server>) CHECK(server.server_address.port() != 0);

    ServerThread serving(server);
    for (int i = 0; i < 3; ++i) {
      if constexpr (is_datagram_server<Server>) {
        dgram_examine(server.server_address, dir);
      } else {
        stream_examine(server.server_address, dir);
      }
    }
    serving.stop();
    server.server_close();
    CHECK(server.fileno() == -1);
    if constexpr (is_forking_server<Server>) CHECK(server.active_children.empty());
    CHECK(errors == 0);
  }
  CHECK(count_open_fds() == fds_before);
  CHECK(wait_until([&] { return count_threads() == threads_before; }));
}

}  // namespace socketserver::testing

#endif  // TESTS_ECHO_DRIVER_H_
