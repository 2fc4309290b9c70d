// The echo matrix for the four forking servers. Python wraps three of them in
// simple_subprocess: a child the test forks itself must still be waitable, with its own exit
// code, after the server has served and reaped its own children.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/echo_driver.h"

namespace socketserver::testing {
namespace {

TEST_CASE_TEMPLATE("forking echo matrix: an unrelated child survives the server's reaping", Server,
                   ForkingTCPServer, ForkingUDPServer, ForkingUnixStreamServer,
                   ForkingUnixDatagramServer) {
  pid_t unrelated = ::fork();
  REQUIRE(unrelated >= 0);
  if (unrelated == 0) ::_exit(72);

  run_server<Server>();

  int status = 0;
  REQUIRE(::waitpid(unrelated, &status, 0) == unrelated);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 72);
  CHECK(child_pids().empty());
}

}  // namespace
}  // namespace socketserver::testing
