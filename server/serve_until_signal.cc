#include "server/serve_until_signal.h"

#include <pthread.h>
#include <signal.h>
#include <time.h>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <exception>
#include <initializer_list>
#include <system_error>
#include <thread>

namespace socketserver {
namespace {

// The wake-up of the waiting thread: serve_forever() has returned, or the stop has ended.
constexpr int kWakeUp = SIGUSR2;

sigset_t signal_set(std::initializer_list<int> signals) {
  sigset_t set;
  sigemptyset(&set);
  for (int signal : signals) sigaddset(&set, signal);
  return set;
}

timespec to_timespec(Seconds seconds) {
  double whole = 0;
  double fraction = std::modf(seconds.count(), &whole);
  return {static_cast<time_t>(whole), static_cast<long>(fraction * 1e9)};
}

// The stop: shutdown() and server_close() on a new thread; when `grace` is over, or at a
// second signal, abort_requests() and unblock the signals.
void stop_within(BaseServer& server, Seconds grace, pthread_t waiting_thread,
                 std::thread& serving) {
  const sigset_t stop = signal_set({SIGINT, SIGTERM});
  const sigset_t awaited = signal_set({SIGINT, SIGTERM, kWakeUp});
  std::atomic<bool> closed{false};
  std::thread closing([&] {
    server.shutdown();  // Returns once serve_forever() has returned, or makes it return at once.
    serving.join();     // Before server_close(): the loop may not even have started yet.
    server.server_close();  // Stops listening; waits for running handlers and children.
    closed = true;
    ::pthread_kill(waiting_thread, kWakeUp);
  });
  const Deadline grace_over(grace);
  while (!closed) {
    const timespec left = to_timespec(grace_over.left().value_or(Seconds(0)));
    int signal = ::sigtimedwait(&awaited, nullptr, &left);
    if (signal == kWakeUp || (signal < 0 && errno == EINTR)) continue;
    // The grace period is over (EAGAIN), or a second SIGINT or SIGTERM.
    server.abort_requests();
    ::pthread_sigmask(SIG_UNBLOCK, &stop, nullptr);  // One more ends the process.
    break;
  }
  closing.join();  // Its wake-up stays pending; serve_until_signal() takes it.
}

}  // namespace

int serve_until_signal(BaseServer& server, Seconds poll_interval, Seconds grace) {
  const sigset_t awaited = signal_set({SIGINT, SIGTERM, kWakeUp});
  // pthread_sigmask: this thread's mask, inherited by the threads it starts.
  sigset_t old_mask;
  if (int err = ::pthread_sigmask(SIG_BLOCK, &awaited, &old_mask); err != 0) {
    throw std::system_error(err, std::generic_category(), "pthread_sigmask");
  }

  const pthread_t waiting_thread = ::pthread_self();
  std::exception_ptr error;  // Written by the serving thread; read here only after join().
  std::thread serving([&] {
    try {
      server.serve_forever(poll_interval);
    } catch (...) {
      error = std::current_exception();
    }
    ::pthread_kill(waiting_thread, kWakeUp);
  });

  // Fails only for an invalid signal (the pthread_sigmask calls below, for an invalid `how`).
  int signal = 0;
  ::sigwait(&awaited, &signal);
  if (signal == kWakeUp) {
    signal = 0;  // serve_forever() returned of itself.
    serving.join();
  } else {
    stop_within(server, grace, waiting_thread, serving);
  }
  // Take the wake-ups still pending, or the old mask would let one end the process.
  const sigset_t wake_up = signal_set({kWakeUp});
  const timespec now{0, 0};
  while (::sigtimedwait(&wake_up, nullptr, &now) == kWakeUp) {
  }
  // Python's `with` does, on every way out. After a signal the stop has done it already.
  server.server_close();
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  if (error) std::rethrow_exception(error);
  return signal;
}

}  // namespace socketserver
