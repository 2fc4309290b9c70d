// TCPServer and UDPServer pick IPv6 from the address (Python needs a subclass that sets
// address_family = AF_INET6).
#include <doctest/doctest.h>
#include <netinet/in.h>

#include "tests/echo_driver.h"

namespace socketserver::testing {
namespace {

TEST_CASE("TCPServer serves on [::1]") {
  TCPServer server(SocketAddress::parse("[::1]:0"),
                   handler<LineEchoHandler<StreamRequestHandler>>());
  server.bind_and_activate();
  CHECK(server.address_family == AF_INET6);
  CHECK(server.server_address.to_string().rfind("[::1]:", 0) == 0);
  ServerThread serving(server);
  Socket client = connect_to(server.server_address);
  client.sendall(TEST_STR);
  CHECK(recv_line(client) == TEST_STR);
  serving.stop();
}

TEST_CASE("UDPServer serves on [::1]") {
  TempDir dir;
  UDPServer server(SocketAddress::parse("[::1]:0"),
                   handler<LineEchoHandler<DatagramRequestHandler>>());
  server.bind_and_activate();
  CHECK(server.address_family == AF_INET6);
  ServerThread serving(server);
  dgram_examine(server.server_address, dir);
  serving.stop();
}

}  // namespace
}  // namespace socketserver::testing
