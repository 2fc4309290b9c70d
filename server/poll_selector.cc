#include "server/poll_selector.h"

#include "server/deadline.h"

namespace socketserver {

void PollSelector::add(int fd, int events, void* data) {
  add_key(fd, events, data);
  short wanted = 0;
  if (events & EVENT_READ) wanted |= POLLIN;
  if (events & EVENT_WRITE) wanted |= POLLOUT;
  pollfds_.push_back({fd, wanted, 0});
}

void PollSelector::remove(int fd) {
  pollfds_.erase(pollfds_.begin() + static_cast<long>(remove_key(fd)));
}

std::vector<ReadyEvent> PollSelector::select(std::optional<Seconds> timeout) {
  std::vector<ReadyEvent> result;
  if (!poll_until(pollfds_.data(), pollfds_.size(), Deadline(timeout))) return result;
  for (std::size_t i = 0; i < pollfds_.size(); ++i) {
    short got = pollfds_[i].revents;
    if (got == 0) continue;
    int events = 0;
    // An error or hang-up counts as readable and writable, as in Python: the next read or
    // write reports what happened.
    if (got & (POLLIN | POLLERR | POLLHUP | POLLNVAL)) events |= EVENT_READ;
    if (got & (POLLOUT | POLLERR | POLLHUP | POLLNVAL)) events |= EVENT_WRITE;
    events &= keys_[i].events;
    if (events != 0) result.push_back({keys_[i], events});
  }
  return result;
}

}  // namespace socketserver
