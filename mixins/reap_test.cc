// The system calls behind ForkingMixIn's reaping: each path of reap_child() and
// wait_any_child(), with real children. Tagged notsan: ThreadSanitizer does not support fork.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mixins/forking_mixin.h"
#include "server/fd.h"

namespace socketserver::internal {
namespace {

// A child that exits with `status` once its parent writes a byte into `release` (or at once
// when `release` is -1).
pid_t start_child(int status, int release = -1) {
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    char byte;
    if (release >= 0) (void)::read(release, &byte, 1);
    ::_exit(status);
  }
  return pid;
}

struct Pipe {
  Pipe() {
    int ends[2];
    REQUIRE(::pipe2(ends, O_CLOEXEC) == 0);
    read_end = Fd(ends[0]);
    write_end = Fd(ends[1]);
  }
  void send() { REQUIRE(::write(write_end.get(), "x", 1) == 1); }
  Fd read_end;
  Fd write_end;
};

TEST_CASE("reap_child: 0 while the child runs, its pid once reaped, its pid again if gone") {
  Pipe release;
  pid_t pid = start_child(0, release.read_end.get());
  CHECK(reap_child(pid) == 0);
  release.send();
  wait_for_exit(pid);
  CHECK(reap_child(pid) == pid);
  CHECK(reap_child(pid) == pid);  // ECHILD: nothing left to wait for.
}

TEST_CASE("wait_any_child: returns the child that exits, and leaves the others running") {
  Pipe first_release, second_release;
  pid_t first = start_child(0, first_release.read_end.get());
  pid_t second = start_child(0, second_release.read_end.get());
  second_release.send();
  CHECK(wait_any_child({first, second}, -1) == second);
  CHECK(reap_child(second) == second);             // Exited, left to be reaped.
  CHECK(::waitpid(first, nullptr, WNOHANG) == 0);  // Still running, untouched.
  first_release.send();
  CHECK(wait_any_child({first}, -1) == first);
  CHECK(reap_child(first) == first);
}

TEST_CASE("wait_for_exit: returns once the child has exited, and leaves it to be reaped") {
  Pipe release;
  pid_t pid = start_child(0, release.read_end.get());
  release.send();
  wait_for_exit(pid);
  CHECK(::kill(pid, 0) == 0);  // A zombie: its pid is still its own.
  CHECK(reap_child(pid) == pid);
  wait_for_exit(pid);  // Not ours any more (ECHILD): returns at once.
}

TEST_CASE("wait_any_child: the wake-up descriptor returns 0 and reaps nothing") {
  Pipe release, wakeup;
  pid_t pid = start_child(0, release.read_end.get());
  wakeup.send();
  CHECK(wait_any_child({pid}, wakeup.read_end.get()) == 0);
  CHECK(::waitpid(pid, nullptr, WNOHANG) == 0);  // Still ours to reap.
  release.send();
  CHECK(::waitpid(pid, nullptr, 0) == pid);
}

TEST_CASE("wait_any_child: a child reaped elsewhere is returned at once, to be forgotten") {
  pid_t pid = start_child(0);
  REQUIRE(::waitpid(pid, nullptr, 0) == pid);
  CHECK(wait_any_child({pid}, -1) == pid);
}

TEST_CASE("wait_any_child: a child that is not in the set is never reaped") {
  Pipe release;
  pid_t ours = start_child(0, release.read_end.get());
  pid_t other = start_child(7);  // Exits at once, but is not the server's.
  release.send();
  CHECK(wait_any_child({ours}, -1) == ours);
  CHECK(reap_child(ours) == ours);
  int status = 0;
  CHECK(::waitpid(other, &status, 0) == other);  // Still there for its owner, with its status.
  CHECK(WEXITSTATUS(status) == 7);
}

}  // namespace
}  // namespace socketserver::internal
