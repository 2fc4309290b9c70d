// Tests of serve_until_signal(): a SIGINT or SIGTERM sent to the process stops
// serve_forever() and lets the server's destructor run; serve_forever() ending of itself or
// throwing ends the wait too; the caller's signal mask is put back, with nothing left pending.
#include "server/serve_until_signal.h"

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "mixins/forking_mixin.h"
#include "mixins/threading_mixin.h"
#include "server/tcp_server.h"
#include "tests/test_util.h"

namespace socketserver {
namespace {

using testing::connect_to;
using testing::count_open_fds;
using testing::count_threads;
using testing::kLoopback;
using testing::recv_line;
using testing::wait_until;

// Greets the client with "ready\n", then echoes one line.
void greet_and_echo(Request& request, const SocketAddress&, BaseServer&) {
  request.connection.sendall("ready\n");
  request.connection.sendall(recv_line(request.connection));
}

// The calling thread's signal mask.
sigset_t current_mask() {
  sigset_t mask;
  pthread_sigmask(SIG_BLOCK, nullptr, &mask);
  return mask;
}

// Blocks SIGINT and SIGTERM in the calling thread, as serve_until_signal() asks of a thread
// that exists before it runs: the kernel must not hand the test's own signal to this thread.
void block_stop_signals_here() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

// Checks that the calling thread blocks none of the three signals and has none pending.
void check_mask_restored() {
  sigset_t mask = current_mask();
  sigset_t pending;
  sigpending(&pending);
  for (int signal : {SIGINT, SIGTERM, SIGUSR2}) {
    CAPTURE(signal);
    CHECK(sigismember(&mask, signal) == 0);
    CHECK(sigismember(&pending, signal) == 0);
  }
}

// One round trip: proves serve_forever() is serving.
std::string round_trip(const SocketAddress& address) {
  Socket client = connect_to(address);
  std::string greeting = recv_line(client);
  client.sendall("hello\n");
  return greeting + recv_line(client);
}

TEST_CASE("a SIGINT or SIGTERM sent to the process stops serve_forever and closes the server") {
  for (int signal : {SIGINT, SIGTERM}) {
    CAPTURE(signal);
    const int fds_before = count_open_fds();
    const int threads_before = count_threads();
    {
      TCPServer server(kLoopback, greet_and_echo);
      server.bind_and_activate();
      std::string reply;
      std::thread client([&] {
        block_stop_signals_here();
        reply = round_trip(server.server_address);
        ::kill(::getpid(), signal);  // To the process, as Ctrl-C and `kill` send it.
      });
      int received = serve_until_signal(server, Seconds(0.01));
      client.join();
      CHECK(received == signal);
      CHECK(reply == "ready\nhello\n");
      check_mask_restored();
      // serve_forever() has returned: its thread is gone, and shutdown() returns at once.
      CHECK(count_threads() == threads_before);
      CHECK(server.fileno() == -1);  // server_close(), as Python's `with` does.
    }
    CHECK(count_open_fds() == fds_before);
  }
}

TEST_CASE("shutdown_from_another_thread_ends_the_wait: no signal, returns 0") {
  const int threads_before = count_threads();
  TCPServer server(kLoopback, greet_and_echo);
  server.bind_and_activate();
  std::string reply;
  std::thread stopper([&] {
    block_stop_signals_here();
    reply = round_trip(server.server_address);
    server.shutdown();
  });
  int received = serve_until_signal(server, Seconds(0.01));
  stopper.join();
  CHECK(received == 0);
  CHECK(reply == "ready\nhello\n");
  check_mask_restored();  // The wake-up signal was taken, not left pending.
  CHECK(count_threads() == threads_before);
}

TEST_CASE("serve_forever_throws: the exception comes out, the mask is put back") {
  TCPServer server(kLoopback, greet_and_echo);  // Never activated: serve_forever() throws.
  CHECK_THROWS_AS(serve_until_signal(server), std::logic_error);
  check_mask_restored();
  CHECK(server.fileno() == -1);
}

TEST_CASE("a SIGINT or SIGTERM blocked before the call stays blocked after it") {
  block_stop_signals_here();
  TCPServer server(kLoopback, greet_and_echo);
  server.bind_and_activate();
  std::thread stopper([&] {
    round_trip(server.server_address);
    server.shutdown();
  });
  CHECK(serve_until_signal(server, Seconds(0.01)) == 0);
  stopper.join();
  sigset_t mask = current_mask();
  CHECK(sigismember(&mask, SIGINT) == 1);
  CHECK(sigismember(&mask, SIGTERM) == 1);
  CHECK(sigismember(&mask, SIGUSR2) == 0);
  sigset_t unblock;
  sigemptyset(&unblock);
  sigaddset(&unblock, SIGINT);
  sigaddset(&unblock, SIGTERM);
  pthread_sigmask(SIG_UNBLOCK, &unblock, nullptr);
}

TEST_CASE("signal_before_the_loop regression: a signal pending before serve_forever() starts") {
  // The stop used to close the server while the serving thread was still about to start
  // serve_forever(), which then threw ("the server has no socket").
  block_stop_signals_here();
  for (int i = 0; i < 20; ++i) {
    CAPTURE(i);
    TCPServer server(kLoopback, greet_and_echo);
    server.bind_and_activate();
    ::pthread_kill(::pthread_self(), SIGTERM);  // Pending: serve_until_signal() takes it first.
    int received = 0;
    CHECK_NOTHROW(received = serve_until_signal(server, Seconds(0.01)));
    CHECK(received == SIGTERM);
    CHECK(server.fileno() == -1);
  }
  sigset_t unblock;
  sigemptyset(&unblock);
  sigaddset(&unblock, SIGINT);
  sigaddset(&unblock, SIGTERM);
  pthread_sigmask(SIG_UNBLOCK, &unblock, nullptr);
}

// Greets the client, then waits for a line that never comes: only the end of the grace
// period (or a second signal) ends it.
TEST_CASE_TEMPLATE(
    "stop_never_ends regression: a client that stays connected is cut off when "
    "the grace period is over",
    Server, TCPServer, ThreadingMixIn<TCPServer>) {
  const int threads_before = count_threads();
  Server server(kLoopback, greet_and_echo);
  server.bind_and_activate();
  std::string greeting;
  std::string after_stop = "not read";
  std::thread client([&] {
    block_stop_signals_here();
    Socket socket = connect_to(server.server_address);
    greeting = recv_line(socket);
    ::kill(::getpid(), SIGTERM);
    after_stop = recv_line(socket);  // Only the abort ends it: end of input.
  });
  const auto start = std::chrono::steady_clock::now();
  int received = serve_until_signal(server, Seconds(0.01), Seconds(0.2));
  const auto took = std::chrono::steady_clock::now() - start;
  client.join();
  CHECK(received == SIGTERM);
  CHECK(greeting == "ready\n");
  CHECK(after_stop.empty());
  CHECK(server.fileno() == -1);
  CHECK(took < testing::kDeadline);  // Without the grace period: never.
  check_mask_restored();
  CHECK(count_threads() == threads_before);
}

// The pending signals of process `pid`, shared by its threads, from /proc/PID/status.
std::uint64_t pending_signals(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("ShdPnd:", 0) == 0) return std::stoull(line.substr(7), nullptr, 16);
  }
  return ~std::uint64_t{0};
}

// Runs serve_until_signal(server) with a grace period of an hour in a child process (so the
// test can send signals to it alone), and returns its pid. The child exits with 0 if it
// returned SIGTERM, 3 otherwise.
template <class Server>
pid_t serve_in_child(Server& server) {
  pid_t child = ::fork();
  REQUIRE(child != -1);
  if (child == 0) {
    ::signal(SIGTERM, SIG_DFL);  // doctest catches it to report a crash; a program does not.
    int status = 3;
    try {
      if (serve_until_signal(server, Seconds(0.01), std::chrono::hours(1)) == SIGTERM) status = 0;
    } catch (...) {
    }
    ::_exit(status);
  }
  server.server_close();  // The child's copy is the one that serves.
  return child;
}

// Waits for `child`; kills it if it does not end in time, so no process is left behind.
int wait_for_child(pid_t child) {
  int status = 0;
  if (!wait_until([&] { return ::waitpid(child, &status, WNOHANG) == child; })) {
    ::kill(child, SIGKILL);
    ::waitpid(child, &status, 0);
  }
  return status;
}

TEST_CASE_TEMPLATE("fork_second_signal: a second signal ends the stop at once, cleanly", Server,
                   TCPServer, ForkingMixIn<TCPServer>) {
  Server server(kLoopback, greet_and_echo);
  server.bind_and_activate();
  const SocketAddress address = server.server_address;
  pid_t child = serve_in_child(server);
  Socket client = connect_to(address);
  CHECK(recv_line(client) == "ready\n");  // The handler is running, and waits.
  const std::uint64_t sigterm = std::uint64_t{1} << (SIGTERM - 1);
  ::kill(child, SIGTERM);
  CHECK(wait_until([&] { return (pending_signals(child) & sigterm) == 0; }));  // Taken.
  ::kill(child, SIGTERM);
  CHECK(recv_line(client).empty());  // Cut off: end of input, long before the hour is over.
  int status = wait_for_child(child);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);       // Returned, and cleaned up: not killed by the signal.
  CHECK(testing::child_pids().empty());  // A forked handler did not outlive its server.
}

}  // namespace
}  // namespace socketserver
