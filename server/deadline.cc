#include "server/deadline.h"

#include <algorithm>
#include <cerrno>
#include <climits>

#include "server/errors.h"

namespace socketserver {

Deadline::Deadline(std::optional<Seconds> timeout) {
  if (!timeout || !(*timeout < kForever)) return;  // None, too long, or NaN: never.
  at_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(*timeout);
}

std::optional<Seconds> Deadline::left() const {
  if (!at_) return std::nullopt;
  return std::max(Seconds(*at_ - Clock::now()), Seconds(0));
}

int Deadline::poll_ms() const {
  if (!at_) return -1;
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(*at_ - Clock::now()).count();
  return static_cast<int>(std::clamp<decltype(ms)>(ms, 0, INT_MAX));
}

timeval* Deadline::select_timeval(timeval& tv) const {
  if (!at_) return nullptr;
  auto us = std::chrono::ceil<std::chrono::microseconds>(*at_ - Clock::now()).count();
  if (us < 0) us = 0;
  tv.tv_sec = static_cast<time_t>(us / 1000000);
  tv.tv_usec = static_cast<suseconds_t>(us % 1000000);
  return &tv;
}

bool poll_until(pollfd* fds, nfds_t count, const Deadline& deadline) {
  for (;;) {
    int ready = ::poll(fds, count, deadline.poll_ms());
    if (ready > 0) return true;
    if (ready < 0 && errno != EINTR) throw_system_error("poll");
    if (ready == 0 && deadline.passed()) return false;
  }
}

}  // namespace socketserver
