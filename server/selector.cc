#include "server/selector.h"

#include <stdexcept>
#include <string>

namespace socketserver {

void Selector::add_key(int fd, int events, void* data) {
  if (fd < 0) throw std::invalid_argument("selector: invalid descriptor " + std::to_string(fd));
  if (events == 0 || (events & ~(EVENT_READ | EVENT_WRITE)) != 0) {
    throw std::invalid_argument("selector: events must be EVENT_READ and/or EVENT_WRITE, not " +
                                std::to_string(events));
  }
  for (const SelectorKey& key : keys_) {
    if (key.fd == fd) {
      throw std::invalid_argument("selector: descriptor " + std::to_string(fd) +
                                  " is already registered");
    }
  }
  keys_.push_back({fd, events, data});
}

std::size_t Selector::remove_key(int fd) {
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i].fd == fd) {
      keys_.erase(keys_.begin() + static_cast<long>(i));
      return i;
    }
  }
  throw std::invalid_argument("selector: descriptor " + std::to_string(fd) + " is not registered");
}

}  // namespace socketserver
