#include "server/selector_keys.h"

#include <stdexcept>
#include <string>

namespace socketserver::internal {

void check_new_key(const std::vector<SelectorKey>& keys, int fd, int events) {
  if (fd < 0) throw std::invalid_argument("selector: invalid descriptor " + std::to_string(fd));
  if (events == 0 || (events & ~(EVENT_READ | EVENT_WRITE)) != 0) {
    throw std::invalid_argument("selector: events must be EVENT_READ and/or EVENT_WRITE, not " +
                                std::to_string(events));
  }
  for (const SelectorKey& key : keys) {
    if (key.fd == fd) {
      throw std::invalid_argument("selector: descriptor " + std::to_string(fd) +
                                  " is already registered");
    }
  }
}

std::size_t find_key(const std::vector<SelectorKey>& keys, int fd) {
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (keys[i].fd == fd) return i;
  }
  throw std::invalid_argument("selector: descriptor " + std::to_string(fd) + " is not registered");
}

}  // namespace socketserver::internal
