// Tests of serve_until_signal(): a SIGINT or SIGTERM sent to the process stops
// serve_forever() and lets the server's destructor run; serve_forever() ending of itself or
// throwing ends the wait too; the caller's signal mask is put back, with nothing left pending.
#include "server/serve_until_signal.h"

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

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

TEST_CASE("a SIGINT or SIGTERM sent to the process stops serve_forever; the destructor closes") {
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
      CHECK(server.fileno() != -1);  // Not closed yet: that is the destructor's job.
    }
    CHECK(count_open_fds() == fds_before);  // The destructor closed the listening socket.
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

// The signals process `pid`'s main thread blocks, from /proc/PID/status ("SigBlk:\t<hex>").
std::uint64_t blocked_signals(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("SigBlk:", 0) == 0) return std::stoull(line.substr(7), nullptr, 16);
  }
  return 0;
}

// In a child process, so that the second signal may end it. The handler waits for a line
// that never comes, so shutdown() after the first SIGTERM waits for ever; the second ends
// the process, as the header promises.
TEST_CASE("a_second_signal_ends_the_process while shutdown waits for a handler") {
  TCPServer server(kLoopback, greet_and_echo);
  server.bind_and_activate();
  pid_t child = ::fork();
  REQUIRE(child != -1);
  if (child == 0) {
    ::signal(SIGTERM, SIG_DFL);  // doctest catches it to report a crash; a program does not.
    try {
      serve_until_signal(server, Seconds(0.01));
    } catch (...) {
    }
    ::_exit(3);  // Not reached: the second SIGTERM ends the child first.
  }
  server.server_close();  // The child's copy is the one that serves.
  Socket client = connect_to(server.server_address);
  CHECK(recv_line(client) == "ready\n");  // The child's handler is running.
  ::kill(child, SIGTERM);
  // Once the first is taken, the child's main thread unblocks SIGTERM and keeps SIGUSR2
  // blocked. (While it sleeps in sigwait(), the kernel shows all three unblocked.)
  const std::uint64_t sigterm = std::uint64_t{1} << (SIGTERM - 1);
  const std::uint64_t sigusr2 = std::uint64_t{1} << (SIGUSR2 - 1);
  CHECK(wait_until([&] { return (blocked_signals(child) & (sigterm | sigusr2)) == sigusr2; }));
  ::kill(child, SIGTERM);
  int status = 0;
  bool ended = wait_until([&] { return ::waitpid(child, &status, WNOHANG) == child; });
  if (!ended) {  // Leave no process behind, whatever failed.
    ::kill(child, SIGKILL);
    ::waitpid(child, &status, 0);
  }
  CHECK(ended);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGTERM);
}

}  // namespace
}  // namespace socketserver
