// The check of the upper-case exercise (README.md): a TCPServer with UpperCaseHandler on a
// free loopback port, and clients that send lines and read what comes back.
#include <doctest/doctest.h>
#include <sys/socket.h>

#include <optional>
#include <string>

#include "server/socket.h"
#include "server/tcp_server.h"
#include "tests/test_util.h"
#include "upper_case_handler.h"

namespace {

using namespace socketserver;
using namespace socketserver::testing;

// A TCPServer running UpperCaseHandler on its own thread, for the life of the object.
struct UpperCaseServer {
  UpperCaseServer() {
    server.bind_and_activate();
    thread.emplace(server);  // Serving starts once the server is bound.
  }
  // Sends `text`, ends the sending half (the server sees end of input), and returns all that
  // came back until the server closed the connection.
  std::string ask(const std::string& text) {
    Socket client = connect_to(server.server_address);
    client.sendall(text);
    client.shutdown(SHUT_WR);
    return recv_all(client);
  }
  TCPServer server{kLoopback, handler<exercise::UpperCaseHandler>()};
  std::optional<ServerThread> thread;
};

TEST_CASE("a line comes back in capitals") {
  UpperCaseServer s;
  CHECK(s.ask("hello, world\n") == "HELLO, WORLD\n");
}

TEST_CASE("several lines on one connection come back in order") {
  UpperCaseServer s;
  CHECK(s.ask("one\nTwo\nthree\n") == "ONE\nTWO\nTHREE\n");
}

TEST_CASE("a last line without a newline is answered too") {
  UpperCaseServer s;
  CHECK(s.ask("first\nbye") == "FIRST\nBYE");
}

TEST_CASE("bytes that are not letters come back as sent") {
  UpperCaseServer s;
  const std::string sent = std::string("123 ?!{|}~\t\xc3\xa9\xff", 14) + '\0' + "\n\n";
  CHECK(s.ask(sent) == sent);
}

TEST_CASE("each client is answered, one after the other") {
  UpperCaseServer s;
  CHECK(s.ask("first client\n") == "FIRST CLIENT\n");
  CHECK(s.ask("second client\n") == "SECOND CLIENT\n");
}

}  // namespace
