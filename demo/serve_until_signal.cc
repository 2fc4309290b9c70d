#include "demo/serve_until_signal.h"

#include <pthread.h>
#include <signal.h>

#include <exception>
#include <string>
#include <system_error>
#include <thread>

namespace socketserver::demo {
namespace {

// The loop thread's own wake-up for the main thread when serve_forever() fails. Blocked like
// the stop signals but never unblocked, so a late one stays pending instead of killing us.
constexpr int kLoopEnded = SIGUSR2;

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

// What sigwait() waits for: the stop signals and kLoopEnded.
sigset_t awaited_signals() {
  sigset_t set = stop_signals();
  sigaddset(&set, kLoopEnded);
  return set;
}

}  // namespace

void block_stop_signals() {
  sigset_t set = awaited_signals();
  // pthread_sigmask, not sigprocmask: the mask of this thread (and of those it starts).
  // Like the other pthread calls it returns the error instead of setting errno.
  if (int err = ::pthread_sigmask(SIG_BLOCK, &set, nullptr); err != 0) {
    throw std::system_error(err, std::generic_category(), "pthread_sigmask");
  }
}

// [serve_until_signal]
int serve_until_signal(BaseServer& server, Seconds poll_interval) {
  sigset_t awaited = awaited_signals();
  const pthread_t main_thread = ::pthread_self();
  // Written by the loop thread before it ends; read here only after join().
  std::exception_ptr error;
  std::thread loop([&] {
    try {
      server.serve_forever(poll_interval);
    } catch (...) {
      error = std::current_exception();
      // Nothing is being served any more: wake the sigwait() below. With kLoopEnded, not
      // SIGTERM, which the main thread may have unblocked already.
      ::pthread_kill(main_thread, kLoopEnded);
    }
  });

  int signal = 0;
  int err = ::sigwait(&awaited, &signal);  // Sleeps until one of them is pending.
  // From now on a second SIGINT or SIGTERM takes its default action and ends the process: the
  // way out when the shutdown below waits for a handler that does not finish.
  sigset_t stop = stop_signals();
  ::pthread_sigmask(SIG_UNBLOCK, &stop, nullptr);
  server.shutdown();  // Returns once serve_forever() has returned (at once if it already has).
  loop.join();
  if (error) std::rethrow_exception(error);
  if (err != 0) throw std::system_error(err, std::generic_category(), "sigwait");
  return signal;
}
// [end]

std::string signal_name(int signal) {
  if (signal == SIGINT) return "SIGINT";
  if (signal == SIGTERM) return "SIGTERM";
  return "signal " + std::to_string(signal);
}

}  // namespace socketserver::demo
