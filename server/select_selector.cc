#include "server/select_selector.h"

#include <sys/select.h>

#include <cerrno>
#include <stdexcept>
#include <string>

#include "server/deadline.h"
#include "server/errors.h"

namespace socketserver {

void SelectSelector::add(int fd, int events, void* data) {
  if (fd >= FD_SETSIZE) {
    throw std::invalid_argument("SelectSelector: descriptor " + std::to_string(fd) +
                                " is >= FD_SETSIZE (" + std::to_string(FD_SETSIZE) +
                                "); select(2) cannot watch it. Use PollSelector.");
  }
  add_key(fd, events, data);
}

void SelectSelector::remove(int fd) { remove_key(fd); }

std::vector<ReadyEvent> SelectSelector::select(std::optional<Seconds> timeout) {
  const Deadline deadline(timeout);
  fd_set readable;
  fd_set writable;
  for (;;) {
    // select(2) overwrites its sets with the result, so they are rebuilt before every call.
    FD_ZERO(&readable);
    FD_ZERO(&writable);
    int max_fd = -1;
    for (const SelectorKey& key : keys_) {
      if (key.events & EVENT_READ) FD_SET(key.fd, &readable);
      if (key.events & EVENT_WRITE) FD_SET(key.fd, &writable);
      if (key.fd > max_fd) max_fd = key.fd;
    }
    timeval tv{};
    int ready = ::select(max_fd + 1, &readable, &writable, nullptr, deadline.select_timeval(tv));
    if (ready >= 0) break;
    if (errno != EINTR) throw_system_error("select");
    // EINTR: a signal arrived; wait again for what is left of the timeout (PEP 475).
  }
  std::vector<ReadyEvent> result;
  for (const SelectorKey& key : keys_) {
    int events = 0;
    if ((key.events & EVENT_READ) && FD_ISSET(key.fd, &readable)) events |= EVENT_READ;
    if ((key.events & EVENT_WRITE) && FD_ISSET(key.fd, &writable)) events |= EVENT_WRITE;
    if (events != 0) result.push_back({key, events});
  }
  return result;
}

}  // namespace socketserver
