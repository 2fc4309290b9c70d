// Checks shared by the Selector backends: what add() and remove() accept. Internal.
#ifndef SERVER_SELECTOR_KEYS_H_
#define SERVER_SELECTOR_KEYS_H_

#include <cstddef>
#include <vector>

#include "server/selector.h"

namespace socketserver::internal {

// Throws std::invalid_argument unless `fd` and `events` may be added to `keys`.
void check_new_key(const std::vector<SelectorKey>& keys, int fd, int events);
// The index of `fd` in `keys`; throws std::invalid_argument if it was never added.
std::size_t find_key(const std::vector<SelectorKey>& keys, int fd);

}  // namespace socketserver::internal

#endif  // SERVER_SELECTOR_KEYS_H_
