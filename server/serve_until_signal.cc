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

int serve_until_signal(BaseServer& server, Seconds poll_interval) {
  const sigset_t stop = signal_set({SIGINT, SIGTERM});
  const sigset_t awaited = signal_set({SIGINT, SIGTERM, kLoopEnded});
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
    ::pthread_kill(waiting_thread, kLoopEnded);
  });

  // Sleeps until one of the three is pending. (Fails only for an invalid signal; so do the
  // pthread_sigmask calls below, for an invalid `how`.)
  int signal = 0;
  ::sigwait(&awaited, &signal);
  if (signal != kLoopEnded) {
    ::pthread_sigmask(SIG_UNBLOCK, &stop, nullptr);  // A second one ends the process.
    server.shutdown();                               // Returns once serve_forever() has returned.
  }
  serving.join();
  if (signal == kLoopEnded) {
    signal = 0;  // serve_forever() returned of itself.
  } else {
    // Take the pending wake-up, or the old mask would let it end the process.
    const sigset_t loop_ended = signal_set({kLoopEnded});
    int ignored = 0;
    ::sigwait(&loop_ended, &ignored);
  }
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  if (error) std::rethrow_exception(error);
  return signal;
}

}  // namespace socketserver
