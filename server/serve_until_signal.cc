#include "server/serve_until_signal.h"

#include <pthread.h>
#include <signal.h>

#include <exception>
#include <initializer_list>
#include <system_error>
#include <thread>

namespace socketserver {
namespace {

// The serving thread's wake-up for the waiting thread when serve_forever() has returned.
constexpr int kLoopEnded = SIGUSR2;

sigset_t signal_set(std::initializer_list<int> signals) {
  sigset_t set;
  sigemptyset(&set);
  for (int signal : signals) sigaddset(&set, signal);
  return set;
}

}  // namespace

// [serve_until_signal]
int serve_until_signal(BaseServer& server, Seconds poll_interval) {
  const sigset_t stop = signal_set({SIGINT, SIGTERM});
  const sigset_t awaited = signal_set({SIGINT, SIGTERM, kLoopEnded});
  // pthread_sigmask, not sigprocmask: the mask of this thread and of the threads it starts.
  // Like the other pthread calls it returns the error instead of setting errno.
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
    // Nothing is served any more, whatever the reason: wake the sigwait() below. Directed at
    // that one thread, where it is blocked, so it cannot end the process.
    ::pthread_kill(waiting_thread, kLoopEnded);
  });

  // Sleeps until one of the three is pending. (sigwait() fails only for an invalid signal in
  // the set, and these are valid; the calls below fail only for an invalid `how`.)
  int signal = 0;
  ::sigwait(&awaited, &signal);
  if (signal != kLoopEnded) {
    // From now on a second SIGINT or SIGTERM ends the process: the way out when shutdown()
    // waits for a handler that does not finish.
    ::pthread_sigmask(SIG_UNBLOCK, &stop, nullptr);
    server.shutdown();  // Returns once serve_forever() has returned.
  }
  serving.join();
  if (signal == kLoopEnded) {
    signal = 0;  // No signal came: serve_forever() returned of itself.
  } else {
    // The wake-up, sent as the serving thread ended, is pending: take it, or the old mask
    // would let it through, and SIGUSR2's default action ends the process.
    const sigset_t loop_ended = signal_set({kLoopEnded});
    int ignored = 0;
    ::sigwait(&loop_ended, &ignored);
  }
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  if (error) std::rethrow_exception(error);
  return signal;
}
// [end]

}  // namespace socketserver
