// The check of the EpollSelector exercise (README.md): the selector contract that PollSelector
// and SelectSelector pass (tests/selector_contract.h), joined with its one line and not
// changed, then a TCPServer that waits with EpollSelector.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "epoll_selector.h"
#include "server/socket.h"
#include "server/tcp_server.h"
#include "tests/selector_contract.h"
#include "tests/test_handlers.h"
#include "tests/test_util.h"

TEST_CASE_TEMPLATE_INVOKE(selector_contract, socketserver::EpollSelector);

namespace {

using namespace socketserver;
using namespace socketserver::testing;

TEST_CASE("a TCPServer serves three clients and shuts down with EpollSelector") {
  {  // First the selector alone, so that one that throws fails here and now.
    int ends[2];
    REQUIRE(::pipe2(ends, O_CLOEXEC) == 0);
    Fd read_end(ends[0]);
    Fd write_end(ends[1]);
    EpollSelector selector;
    REQUIRE_NOTHROW(selector.add(read_end.get(), EVENT_READ));
    REQUIRE(::write(write_end.get(), "x", 1) == 1);
    REQUIRE_NOTHROW(REQUIRE(selector.select(kDeadline).size() == 1));
  }
  const int fds_before = count_open_fds();
  {
    TCPServer server(kLoopback, handler<EchoHandler>());
    server.server_selector = [] { return std::make_unique<EpollSelector>(); };
    server.bind_and_activate();
    ServerThread thread(server);
    for (const std::string line : {"one\n", "two\n", "three\n"}) {
      Socket client = connect_to(server.server_address);
      client.sendall(line);
      CHECK(recv_line(client) == line);
    }
    thread.stop();  // shutdown() wakes serve_forever through the selector too.
    server.server_close();
  }
  CHECK(count_open_fds() == fds_before);  // The epoll descriptor was closed as well.
}

}  // namespace
