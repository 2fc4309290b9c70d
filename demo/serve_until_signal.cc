#include "demo/serve_until_signal.h"

#include <pthread.h>
#include <signal.h>

#include <string>
#include <system_error>

namespace socketserver::demo {

void block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int signal : {SIGINT, SIGTERM, SIGUSR2}) sigaddset(&set, signal);
  // pthread_sigmask, not sigprocmask: the mask of this thread (and of those it starts).
  // Like the other pthread calls it returns the error instead of setting errno.
  if (int err = ::pthread_sigmask(SIG_BLOCK, &set, nullptr); err != 0) {
    throw std::system_error(err, std::generic_category(), "pthread_sigmask");
  }
}

std::string signal_name(int signal) {
  if (signal == SIGINT) return "SIGINT";
  if (signal == SIGTERM) return "SIGTERM";
  return "signal " + std::to_string(signal);
}

}  // namespace socketserver::demo
