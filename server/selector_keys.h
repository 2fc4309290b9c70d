// Checks shared by the Selector backends: what add() and remove() accept. Internal.
#ifndef SERVER_SELECTOR_KEYS_H_
#define SERVER_SELECTOR_KEYS_H_

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include "server/selector.h"

namespace socketserver::internal {

// The index of `fd` in `keys`; throws std::invalid_argument if it was never added.
inline std::size_t find_key(const std::vector<SelectorKey>& keys, int fd) {
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (keys[i].fd == fd) return i;
  }
  throw std::invalid_argument("selector: descriptor " + std::to_string(fd) + " is not registered");
}

// Throws std::invalid_argument unless `fd` and `events` may be added to `keys`.
inline void check_new_key(const std::vector<SelectorKey>& keys, int fd, int events) {
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

}  // namespace socketserver::internal

#endif  // SERVER_SELECTOR_KEYS_H_
