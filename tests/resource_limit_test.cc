// When the system refuses a new process or thread (EAGAIN), the request goes to handle_error()
// and the server goes on. The limit is made real with RLIMIT_NPROC in a child process that
// has dropped root (root is exempt from the limit); the child reports through its exit code.
#include <doctest/doctest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "handlers/stream_request_handler.h"
#include "mixins/composed_servers.h"
#include "tests/test_util.h"

namespace socketserver::testing {
namespace {

// What the child found, as its exit status.
enum Outcome {
  kOk = 0,
  kCannotDropRoot = 10,  // The machine does not let this test run: says so, and fails.
  kNoError = 11,         // handle_error() was not called.
  kWrongError = 12,      // It was called, for something other than EAGAIN.
  kConnectionOpen = 13,  // The refused client was not closed.
  kOther = 14,
};

template <class Server>
struct RefusedServer : Server {
  using Server::Server;
  void handle_error(Request&, const SocketAddress&) override {
    try {
      throw;
    } catch (const std::system_error& e) {
      error = e.code().value();
    } catch (...) {
      error = -1;
    }
  }
  int error = 0;
};

// Runs in a forked child: serve one request with no process or thread to spare.
template <class Server>
[[noreturn]] void serve_one_refused_request() {
  int outcome = kOther;
  try {
    RefusedServer<Server> server(SocketAddress::parse("127.0.0.1:0"),
                                 handler<StreamRequestHandler>());
    server.bind_and_activate();
    Socket client = connect_to(server.server_address);  // Queued by the kernel.
    client.settimeout(kDeadline);
    // Drop root (exempt from RLIMIT_NPROC), then allow this user one process: this one.
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) {
      ::_exit(kCannotDropRoot);
    }
    rlimit one{1, 1};
    if (::setrlimit(RLIMIT_NPROC, &one) != 0) ::_exit(kCannotDropRoot);
    server.handle_request();
    if (server.error == 0) {
      outcome = kNoError;
    } else if (server.error != EAGAIN) {
      outcome = kWrongError;
    } else if (!recv_all(client).empty()) {
      outcome = kConnectionOpen;
    } else {
      outcome = kOk;
    }
  } catch (...) {
    outcome = kOther;
  }
  ::_exit(outcome);
}

template <class Server>
int run_in_child() {
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) serve_one_refused_request<Server>();
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status);
}

TEST_CASE("fork_eagain_test: a child that cannot be forked goes to handle_error") {
  CHECK(run_in_child<ForkingTCPServer>() == kOk);
}

TEST_CASE("thread_eagain_test: a thread that cannot be started goes to handle_error") {
  CHECK(run_in_child<ThreadingTCPServer>() == kOk);
}

}  // namespace
}  // namespace socketserver::testing
