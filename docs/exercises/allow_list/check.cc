// The check of the allow-list exercise (README.md). Most checks call verify_request() as
// serve_forever() would, with made-up client addresses and a clock the check moves; the last
// runs the server on loopback and connects from 127.0.0.1 and 127.0.0.2.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "guarded_server.h"
#include "handlers/stream_request_handler.h"
#include "server/socket.h"
#include "tests/test_util.h"

namespace {

using namespace socketserver;
using namespace socketserver::testing;
using namespace std::chrono_literals;
using exercise::GuardedServer;
using exercise::RateLimit;
using socketserver::demo::AllowList;
using TimePoint = std::chrono::steady_clock::time_point;

// A server that is never bound: verify_request() needs no socket. Its clock is `now`.
struct Guard {
  explicit Guard(std::vector<std::string> allowed, RateLimit limit = {1000, 10s}) {
    AllowList networks;
    for (const std::string& entry : allowed) networks.add(entry);
    server.emplace(kLoopback, HandlerFactory([](Request&, const SocketAddress&, BaseServer&) {}),
                   networks, limit, [this] { return now; });
  }
  // verify_request() for a client at `address` ("host:port").
  bool verify(const std::string& address) {
    Request request;
    return server->verify_request(request, SocketAddress::parse(address));
  }
  // How many of `count` requests from `address` are accepted.
  int accepted_of(int count, const std::string& address) {
    int accepted = 0;
    for (int i = 0; i < count; ++i) accepted += verify(address) ? 1 : 0;
    return accepted;
  }
  TimePoint now{std::chrono::hours(1)};
  std::optional<GuardedServer> server;
};

TEST_CASE("a client on the allow-list is accepted") {
  Guard guard({"127.0.0.1", "10.0.0.0/8"});
  CHECK(guard.verify("127.0.0.1:40000"));
  CHECK(guard.verify("10.20.30.40:40000"));
}

TEST_CASE("a client outside every allowed network is refused") {
  Guard guard({"127.0.0.1", "10.0.0.0/8"});
  CHECK_FALSE(guard.verify("127.0.0.2:40000"));
  CHECK_FALSE(guard.verify("192.168.1.7:40000"));
}

TEST_CASE("a network's prefix length is honoured") {
  Guard guard({"172.16.0.0/12"});
  CHECK(guard.verify("172.31.255.254:1"));
  CHECK_FALSE(guard.verify("172.32.0.1:1"));
  CHECK_FALSE(guard.verify("172.15.255.255:1"));
}

TEST_CASE("IPv6 clients are checked too") {
  Guard guard({"::1", "2001:db8::/32"});
  CHECK(guard.verify("[::1]:40000"));
  CHECK(guard.verify("[2001:db8:1::7]:40000"));
  CHECK_FALSE(guard.verify("[2001:db9::1]:40000"));
  CHECK_FALSE(guard.verify("[::2]:40000"));
}

TEST_CASE("more than max_requests from one host within the window are refused") {
  Guard guard({"10.0.0.0/8"}, RateLimit{3, 10s});
  CHECK(guard.accepted_of(5, "10.0.0.1:5000") == 3);
  guard.now += 9s;  // Still within the window of the first three.
  CHECK_FALSE(guard.verify("10.0.0.1:5000"));
}

TEST_CASE("the limit counts per host, whatever the client's port") {
  Guard guard({"10.0.0.0/8"}, RateLimit{3, 10s});
  int accepted = 0;
  for (int port = 40000; port < 40005; ++port) {  // Each connection has a port of its own.
    accepted += guard.verify("10.0.0.1:" + std::to_string(port)) ? 1 : 0;
  }
  CHECK(accepted == 3);
}

TEST_CASE("a host over its limit does not use up another host's") {
  Guard guard({"10.0.0.0/8"}, RateLimit{2, 10s});
  CHECK(guard.accepted_of(4, "10.0.0.1:5000") == 2);
  CHECK(guard.accepted_of(4, "10.0.0.2:5000") == 2);
}

TEST_CASE("a host is accepted again once the window has passed") {
  Guard guard({"10.0.0.0/8"}, RateLimit{2, 10s});
  CHECK(guard.accepted_of(2, "10.0.0.1:5000") == 2);
  guard.now += 6s;
  CHECK(guard.accepted_of(2, "10.0.0.1:5000") == 0);  // Refusals do not count...
  guard.now += 5s;  // ...so 11 s after the first two, two more are accepted.
  CHECK(guard.accepted_of(3, "10.0.0.1:5000") == 2);
}

TEST_CASE("hosts are forgotten once their window has passed, so memory stays bounded") {
  Guard guard({"10.0.0.0/8"}, RateLimit{2, 10s});
  for (int i = 0; i < 200; ++i) {
    REQUIRE(guard.verify("10.0." + std::to_string(i / 100) + "." + std::to_string(i % 100) + ":1"));
  }
  CHECK(guard.server->remembered_addresses() == 200);
  guard.now += 11s;
  CHECK(guard.verify("10.9.9.9:1"));
  CHECK(guard.server->remembered_addresses() == 1);
}

// Says hello, and counts the handlers that ran.
struct Hello : StreamRequestHandler {
  explicit Hello(std::atomic<int>& served) : served(served) {}
  void handle() override {
    ++served;
    wfile.write("hello\n");
  }
  std::atomic<int>& served;
};

// What a client connecting from `from` (a loopback address) reads until the server closes.
std::string reply_to_client_at(const std::string& from, const SocketAddress& server) {
  Socket client(AF_INET, SOCK_STREAM);
  client.bind(SocketAddress::parse(from + ":0"));
  client.settimeout(kDeadline);
  client.connect(server);
  return recv_all(client);
}

TEST_CASE("a running server closes a refused client without running its handler") {
  std::atomic<int> served{0};
  AllowList loopback_one;
  loopback_one.add("127.0.0.1");
  GuardedServer server(kLoopback, handler<Hello>(std::ref(served)), loopback_one, RateLimit{2, 1h});
  server.bind_and_activate();
  {
    ServerThread thread(server);
    CHECK(reply_to_client_at("127.0.0.1", server.server_address) == "hello\n");
    CHECK(reply_to_client_at("127.0.0.2", server.server_address) == "");  // Not allowed.
    CHECK(reply_to_client_at("127.0.0.1", server.server_address) == "hello\n");
    CHECK(reply_to_client_at("127.0.0.1", server.server_address) == "");  // Over the limit.
  }
  CHECK(served == 2);
}

}  // namespace
