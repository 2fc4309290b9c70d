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

TEST_CASE("deadline_rounds_down regression: poll_ms and select_timeval cover all that is left") {
  // Asked first, the rounded value must cover what is left a moment later. Rounding down
  // loses the fraction, which is more than the moment between the calls: for 200 timeouts
  // with fractions of a millisecond, at least one would fail.
  for (int i = 1; i <= 200; ++i) {
    CAPTURE(i);
    Deadline deadline{Seconds(0.005 + i * 0.0000049)};
    const int ms = deadline.poll_ms();
    const Seconds left = *deadline.left();
    CHECK(Seconds(std::chrono::milliseconds(ms)) >= left);
    timeval tv{};
    deadline.select_timeval(tv);
    const Seconds later = *deadline.left();
    CHECK(Seconds(std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec)) >=
          later);
  }
}

}  // namespace
}  // namespace socketserver
