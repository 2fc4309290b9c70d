// Selector: wait until one of several descriptors is ready.
// Python: selectors.BaseSelector, with SelectSelector and PollSelector as the two backends
// (select_selector.h, poll_selector.h). The servers use it on their fileno().
//
// `register` and `unregister` are Python's names; `register` is a C++ keyword, so they are
// add() and remove() here. A key is just the descriptor and the events asked for: Python's
// `data` field is not needed by the servers.
//
// select() retries EINTR with the time that is left (PEP 475), and returns an empty list when
// the timeout expires. A timeout of std::nullopt waits for ever; zero only checks.
#ifndef SERVER_SELECTOR_H_
#define SERVER_SELECTOR_H_

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "server/socket.h"  // Seconds

namespace socketserver {

// Python: selectors.EVENT_READ and selectors.EVENT_WRITE, with the same values.
constexpr int EVENT_READ = 1;
constexpr int EVENT_WRITE = 2;

// Python: selectors.SelectorKey, without fileobj and data.
struct SelectorKey {
  int fd;
  int events;  // EVENT_READ | EVENT_WRITE: what was asked for in add()
};

// One ready descriptor from select(): the key and which of its events happened.
struct ReadyEvent {
  SelectorKey key;
  int events;
};

class Selector {
 public:
  virtual ~Selector() = default;

  // Python: register(fileobj, events). Throws std::invalid_argument for a descriptor that is
  // negative or already added, or for events that are neither read nor write.
  virtual void add(int fd, int events) = 0;
  // Python: unregister(fileobj). Throws std::invalid_argument for a descriptor not added.
  virtual void remove(int fd) = 0;
  // Python: select(timeout). The ready descriptors, in the order they were added.
  virtual std::vector<ReadyEvent> select(std::optional<Seconds> timeout) = 0;
};

// Python: the module-level _ServerSelector, chosen once. Here each server has a
// SelectorFactory member (BaseServer::server_selector) so a lecture can switch backends.
using SelectorFactory = std::function<std::unique_ptr<Selector>()>;

}  // namespace socketserver

#endif  // SERVER_SELECTOR_H_
