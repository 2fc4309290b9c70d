#include "demo/serve_until_signal.h"

#include <poll.h>
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

bool work_for(const Socket& connection, Seconds delay) {
  // No events asked for: poll(2) then reports only POLLHUP and POLLERR. POLLHUP comes when
  // both directions are shut down (shutdown(SHUT_RDWR) here, or a Unix client gone), never
  // for a TCP client's end of input alone; POLLERR for a reset.
  return !poll_until(connection.fileno(), 0, Deadline(delay));
}

}  // namespace socketserver::demo
