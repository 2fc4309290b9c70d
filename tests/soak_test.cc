// The soak: many short connections, one request each, against a ThreadingTCPServer (100,000)
// and a ForkingTCPServer (20,000). Every reply must be right, and nothing may grow: the
// descriptors, threads and children are back to their counts after the first 10,000, and
// resident memory stays within 1 MiB of what it was then (the first 10,000 warm up the
// allocator, the thread stacks' cache and the server's bookkeeping).
//
// Tagged "manual": `bazel test //...` skips it; .ci/run runs it (about a minute).
#include <doctest/doctest.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <string>

#include "handlers/stream_request_handler.h"
#include "mixins/composed_servers.h"
#include "tests/test_util.h"

namespace socketserver::testing {
namespace {

// Echoes one line: a forked child must not wait for end of input, which the test's other
// client sockets, inherited by the child, could hold back.
struct OneLineEcho : StreamRequestHandler {
  void handle() override { wfile.write(rfile.readline()); }
};

// This process's resident memory, in KiB (VmRSS in /proc/self/status).
long resident_kib() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// What the process holds at one moment.
struct Usage {
  int fds;
  int threads;
  std::size_t children;
  long rss_kib;
};

Usage usage_now() {
  return {count_open_fds(), count_threads(), child_pids().size(), resident_kib()};
}

// `count` connections, one request each; returns how many replies were wrong. Takes `usage`
// after the first 10,000, once what the server started for them has ended.
template <class Server>
int soak(Server& server, int count, Usage& after_warm_up, const std::function<bool()>& settled) {
  int wrong = 0;
  for (int i = 0; i < count; ++i) {
    if (i == 10000) {
      REQUIRE(wait_until(settled));
      after_warm_up = usage_now();
    }
    const std::string message = std::to_string(i) + "\n";
    Socket client = connect_to(server.server_address);
    client.sendall(message);
    if (recv_line(client) != message) ++wrong;
  }
  return wrong;
}

TEST_CASE("soak: 100,000 connections to a ThreadingTCPServer") {
  ThreadingTCPServer server(kLoopback, handler<OneLineEcho>());
  server.bind_and_activate();
  ServerThread serving(server);
  Usage warm{};
  auto settled = [&] { return server.tracked_threads() == 0; };
  CHECK(soak(server, 100000, warm, settled) == 0);
  REQUIRE(wait_until(settled));
  REQUIRE(wait_until([&] { return count_threads() == warm.threads; }));
  Usage end = usage_now();
  CHECK(end.fds == warm.fds);
  CHECK(end.threads == warm.threads);
  CHECK(end.rss_kib - warm.rss_kib <= 1024);
  MESSAGE("resident KiB after 10,000: ", warm.rss_kib, ", after 100,000: ", end.rss_kib);
  serving.stop();
  server.server_close();
}

TEST_CASE("soak: 20,000 connections to a ForkingTCPServer") {
  ForkingTCPServer server(kLoopback, handler<OneLineEcho>());
  server.bind_and_activate();
  ServerThread serving(server);
  Usage warm{};
  auto settled = [&] { return child_pids().empty(); };  // Every child reaped.
  CHECK(soak(server, 20000, warm, settled) == 0);
  REQUIRE(wait_until(settled));
  Usage end = usage_now();
  CHECK(end.fds == warm.fds);
  CHECK(end.threads == warm.threads);
  CHECK(end.children == 0);
  CHECK(end.rss_kib - warm.rss_kib <= 1024);
  MESSAGE("resident KiB after 10,000: ", warm.rss_kib, ", after 20,000: ", end.rss_kib);
  serving.stop();
  server.server_close();
  CHECK(server.active_children.empty());
}

}  // namespace
}  // namespace socketserver::testing
