#include "demo/serve_until_signal.h"

#include <pthread.h>
#include <signal.h>

#include <exception>
#include <string>
#include <system_error>
#include <thread>

namespace socketserver::demo {
namespace {

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

void block_stop_signals() {
  sigset_t set = stop_signals();
  // pthread_sigmask, not sigprocmask: the mask of this thread (and of those it starts).
  // Like the other pthread calls it returns the error instead of setting errno.
  if (int err = ::pthread_sigmask(SIG_BLOCK, &set, nullptr); err != 0) {
    throw std::system_error(err, std::generic_category(), "pthread_sigmask");
  }
}

// [serve_until_signal]
int serve_until_signal(BaseServer& server, Seconds poll_interval) {
  sigset_t set = stop_signals();
  const pthread_t main_thread = ::pthread_self();
  // Written by the loop thread before it ends; read here only after join().
  std::exception_ptr error;
  std::thread loop([&] {
    try {
      server.serve_forever(poll_interval);
    } catch (...) {
      error = std::current_exception();
      // Nothing is being served any more: wake the sigwait() below, as a signal would.
      ::pthread_kill(main_thread, SIGTERM);
    }
  });

  int signal = 0;
  int err = ::sigwait(&set, &signal);  // Sleeps until SIGINT or SIGTERM is pending.
  // From now on a second SIGINT or SIGTERM takes its default action and ends the process: the
  // way out when the shutdown below waits for a handler that does not finish.
  ::pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
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
