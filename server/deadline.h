// Seconds and Deadline: how the library counts time for timeouts.
// Python: timeouts are float seconds, None meaning "wait for ever".
//
// An empty std::optional<Seconds> is Python's None. A Deadline is the moment a timeout runs
// out, taken once, so that a wait interrupted by a signal (EINTR) waits only for what is left.
// A timeout longer than kForever counts as none (the steady clock's nanoseconds would
// overflow); a negative one has already passed.
#ifndef SERVER_DEADLINE_H_
#define SERVER_DEADLINE_H_

#include <poll.h>
#include <sys/time.h>

#include <chrono>
#include <optional>

namespace socketserver {

using Seconds = std::chrono::duration<double>;  // Python's float seconds.

class Deadline {
 public:
  using Clock = std::chrono::steady_clock;  // Not moved by setting the wall clock.
  static constexpr Seconds kForever{100.0 * 365 * 24 * 3600};  // Longer counts as none.

  // Now + timeout; never, for std::nullopt (or a timeout beyond kForever).
  explicit Deadline(std::optional<Seconds> timeout);

  bool never() const { return !at_.has_value(); }              // No timeout: never passes.
  bool passed() const { return at_ && Clock::now() >= *at_; }  // True once the deadline has passed.
  std::optional<Seconds> left() const;  // What is left: std::nullopt for never, zero once passed.
  // For poll(2): -1 for never, else the milliseconds left, rounded up (the wait never ends
  // early), at most INT_MAX.
  int poll_ms() const;
  // For select(2): null for never, else `tv` filled with what is left.
  timeval* select_timeval(timeval& tv) const;

 private:
  std::optional<Clock::time_point> at_;
};

// The library's one "wait for descriptors until a deadline" loop: poll(2) until one of `fds`
// is ready (true) or `deadline` passes (false). EINTR waits again for what is left (PEP 475).
bool poll_until(pollfd* fds, nfds_t count, const Deadline& deadline);
// The same for one descriptor and its `events` (POLLIN, POLLOUT).
inline bool poll_until(int fd, short events, const Deadline& deadline) {
  pollfd one{fd, events, 0};
  return poll_until(&one, 1, deadline);
}

}  // namespace socketserver

#endif  // SERVER_DEADLINE_H_
