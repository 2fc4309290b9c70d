#include "server/deadline.h"

#include <doctest/doctest.h>

#include <climits>
#include <cmath>

namespace socketserver {
namespace {

TEST_CASE("no timeout is a deadline that never passes") {
  Deadline deadline(std::nullopt);
  CHECK(deadline.never());
  CHECK_FALSE(deadline.passed());
  CHECK(deadline.poll_ms() == -1);
  CHECK_FALSE(deadline.left().has_value());
  timeval tv{};
  CHECK(deadline.select_timeval(tv) == nullptr);
}

TEST_CASE("a zero or negative timeout has passed at once") {
  for (double seconds : {0.0, -1.0}) {
    CAPTURE(seconds);
    Deadline deadline{Seconds(seconds)};
    CHECK(deadline.passed());
    CHECK(deadline.poll_ms() == 0);
    CHECK(deadline.left() == std::optional<Seconds>(Seconds(0)));
    timeval tv{1, 1};
    REQUIRE(deadline.select_timeval(tv) == &tv);
    CHECK(tv.tv_sec == 0);
    CHECK(tv.tv_usec == 0);
  }
}

TEST_CASE("big_timeout_test: a timeout past INT_MAX milliseconds does not wrap around") {
  // 2^32 ms + 200 ms: cast to int, the milliseconds used to become 200.
  Deadline deadline{Seconds(4294967.496)};
  CHECK_FALSE(deadline.never());
  CHECK_FALSE(deadline.passed());
  CHECK(deadline.poll_ms() == INT_MAX);
  timeval tv{};
  REQUIRE(deadline.select_timeval(tv) != nullptr);
  CHECK(tv.tv_sec >= 4294967 - 1);
}

TEST_CASE("a timeout beyond kForever, infinity or NaN counts as none instead of overflowing") {
  for (double seconds : {1e300, HUGE_VAL, std::nan("")}) {
    CAPTURE(seconds);
    CHECK(Deadline{Seconds(seconds)}.never());
  }
}

TEST_CASE("an ordinary timeout rounds up, so a wait never ends a little early") {
  Deadline deadline{Seconds(0.0015)};
  int ms = deadline.poll_ms();
  CHECK(ms >= 1);
  CHECK(ms <= 2);
}

}  // namespace
}  // namespace socketserver
