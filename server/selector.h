// Selector: wait until one of several descriptors is ready.
// Python: selectors.BaseSelector, with SelectSelector and PollSelector as the two backends
// (select_selector.h, poll_selector.h). The servers use it on their fileno().
//
// `register` and `unregister` are Python's names; `register` is a C++ keyword, so they are
// add() and remove() here. A key is the descriptor, the events asked for and, as Python's
// `data`, a pointer the selector only carries: a program waiting on several servers gets
// each one back from select() without a map of its own. The selector never owns it.
//
// select() retries EINTR with the time that is left (PEP 475), and returns an empty list when
// the timeout expires. A timeout of std::nullopt waits for ever; zero only checks. As in
// Python, the ready keys come in no promised order (epoll reports them in its own).
// Every backend passes the same checks: tests/selector_contract.h.
#ifndef SERVER_SELECTOR_H_
#define SERVER_SELECTOR_H_

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "server/deadline.h"  // Seconds

namespace socketserver {

// Python: selectors.EVENT_READ and selectors.EVENT_WRITE, with the same values.
constexpr int EVENT_READ = 1;
constexpr int EVENT_WRITE = 2;  // Python: selectors.EVENT_WRITE.

// Python: selectors.SelectorKey, without fileobj.
struct SelectorKey {
  int fd;                // The descriptor.
  int events;            // EVENT_READ | EVENT_WRITE: what was asked for in add()
  void* data = nullptr;  // What add() was given; borrowed, never touched.
};

// One ready descriptor from select(): the key and which of its events happened.
struct ReadyEvent {
  SelectorKey key;  // The key as add() made it.
  int events;       // Which of key.events happened: EVENT_READ, EVENT_WRITE or both.
};

class Selector {
 public:
  virtual ~Selector() = default;

  // Python: register(fileobj, events, data). Throws std::invalid_argument for a descriptor
  // that is negative or already added, or for events that are neither read nor write.
  // An override repeats the default argument, so a call through either type may omit it.
  virtual void add(int fd, int events, void* data = nullptr) = 0;
  // Python: unregister(fileobj). Throws std::invalid_argument for a descriptor not added.
  virtual void remove(int fd) = 0;
  // Python: select(timeout). The ready descriptors, each once, in no particular order.
  virtual std::vector<ReadyEvent> select(std::optional<Seconds> timeout) = 0;
};

// Python: the module-level _ServerSelector, chosen once. Here each server has a
// SelectorFactory member (BaseServer::server_selector) so a lecture can switch backends.
using SelectorFactory = std::function<std::unique_ptr<Selector>()>;

}  // namespace socketserver

#endif  // SERVER_SELECTOR_H_
