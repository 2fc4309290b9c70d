// The echo matrix for the eight servers that do not fork: each serves three round trips,
// shuts down, closes, and gives back every descriptor and thread.
#include <doctest/doctest.h>

#include "tests/echo_driver.h"

namespace socketserver::testing {
namespace {

TEST_CASE_TEMPLATE("echo matrix: three round trips, shutdown, server_close", Server, TCPServer,
                   UDPServer, UnixStreamServer, UnixDatagramServer, ThreadingTCPServer,
                   ThreadingUDPServer, ThreadingUnixStreamServer, ThreadingUnixDatagramServer) {
  run_server<Server>();
}

}  // namespace
}  // namespace socketserver::testing
