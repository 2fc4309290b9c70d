// Fd: the one owner of a descriptor. Closing on destruction, moving ownership, release(),
// reset(), and errno left as it was.
#include "server/fd.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <type_traits>
#include <utility>

namespace socketserver {
namespace {

// True when `fd` is an open descriptor of this process.
bool is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

// True when `fd` is closed: fcntl fails with EBADF.
bool is_closed(int fd) {
  errno = 0;
  return ::fcntl(fd, F_GETFD) == -1 && errno == EBADF;
}

// A descriptor number from a fresh pipe; the other end is closed.
int open_descriptor() {
  int ends[2];
  REQUIRE(::pipe2(ends, O_CLOEXEC) == 0);
  ::close(ends[1]);
  return ends[0];
}

static_assert(!std::is_copy_constructible_v<Fd>, "Fd must be move-only");
static_assert(!std::is_copy_assignable_v<Fd>, "Fd must be move-only");
static_assert(std::is_nothrow_move_constructible_v<Fd>, "moving an Fd must not throw");
static_assert(!std::is_convertible_v<Fd, int>, "no implicit conversion to int");
static_assert(!std::is_convertible_v<int, Fd>, "no implicit conversion from int");

TEST_CASE("a default Fd owns nothing") {
  Fd fd;
  CHECK(fd.get() == -1);
  CHECK_FALSE(fd.valid());
}

TEST_CASE("Fd closes its descriptor when destroyed") {
  int n = open_descriptor();
  {
    Fd fd(n);
    CHECK(fd.get() == n);
    CHECK(fd.valid());
    CHECK(is_open(n));
  }
  CHECK(is_closed(n));
}

TEST_CASE("moving an Fd transfers ownership: closed once, by the last owner") {
  int n = open_descriptor();
  {
    Fd a(n);
    {
      Fd b(std::move(a));
      CHECK(a.get() == -1);  // NOLINT(bugprone-use-after-move): moved-from state is defined.
      CHECK(b.get() == n);
      CHECK(is_open(n));
    }
    CHECK(is_closed(n));  // b closed it.
  }
  CHECK(is_closed(n));  // a had nothing left to close.
}

TEST_CASE("move assignment closes what the target owned and takes the source") {
  int first = open_descriptor();
  int second = open_descriptor();
  {
    Fd target(first);
    Fd source(second);
    target = std::move(source);
    CHECK(is_closed(first));
    CHECK(target.get() == second);
    CHECK(source.get() == -1);  // NOLINT(bugprone-use-after-move)
    CHECK(is_open(second));

    Fd& same = target;
    target = std::move(same);  // Self-move keeps the descriptor.
    CHECK(target.get() == second);
    CHECK(is_open(second));
  }
  CHECK(is_closed(second));
}

TEST_CASE("release() gives up ownership and keeps the descriptor open") {
  int n = open_descriptor();
  int released = -1;
  {
    Fd fd(n);
    released = fd.release();
    CHECK(fd.get() == -1);
    CHECK_FALSE(fd.valid());
  }
  CHECK(released == n);
  CHECK(is_open(n));
  ::close(n);
  CHECK(is_closed(n));
}

TEST_CASE("reset() closes the old descriptor and takes the new one") {
  int first = open_descriptor();
  int second = open_descriptor();
  Fd fd(first);
  fd.reset(second);
  CHECK(is_closed(first));
  CHECK(fd.get() == second);
  CHECK(is_open(second));
  fd.reset();
  CHECK(is_closed(second));
  CHECK(fd.get() == -1);
  fd.reset();  // Nothing owned: nothing happens.
  CHECK(fd.get() == -1);
}

// close() of a number that is not open fails with EBADF; Fd must not let that (or any
// close failure) overwrite the errno a caller is about to report.
TEST_CASE("reset() and the destructor keep errno even when close() fails") {
  const int not_open = 999999;
  REQUIRE(is_closed(not_open));

  Fd fd(not_open);
  errno = ENOENT;
  fd.reset();
  CHECK(errno == ENOENT);
  CHECK(fd.get() == -1);

  {
    Fd doomed(not_open);
    errno = ECONNREFUSED;
  }
  CHECK(errno == ECONNREFUSED);

  int n = open_descriptor();
  {
    Fd fine(n);
    errno = EADDRINUSE;
  }
  CHECK(errno == EADDRINUSE);
  CHECK(is_closed(n));
}

}  // namespace
}  // namespace socketserver
