// Selector: wait until one of several descriptors is ready.
// Python: selectors.BaseSelector; SelectSelector and PollSelector are the two backends.
//
// `register` is a C++ keyword, so register/unregister are add() and remove() here. A key's
// `data` is a pointer the selector only carries (Python's `data`), never owns.
// select() retries EINTR with the time that is left (PEP 475). The ready keys come in no
// promised order. Every backend passes the same checks: tests/selector_contract.h.
#ifndef SERVER_SELECTOR_H_
#define SERVER_SELECTOR_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "server/deadline.h"  // Seconds

namespace socketserver {

constexpr int EVENT_READ = 1;   // Python: selectors.EVENT_READ, same value.
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

  // Python: register(fileobj, events, data). Throws std::invalid_argument for a negative or
  // known descriptor, or bad events. An override repeats the default argument.
  virtual void add(int fd, int events, void* data = nullptr) = 0;
  // Python: unregister(fileobj). Throws std::invalid_argument for a descriptor not added.
  virtual void remove(int fd) = 0;
  // Python: select(timeout). Each ready descriptor once; empty when the timeout expires
  // (std::nullopt: never; zero: only check).
  virtual std::vector<ReadyEvent> select(std::optional<Seconds> timeout) = 0;

 protected:
  // The bookkeeping every backend shares (Python: _BaseSelectorImpl). Throws what add()
  // promises, else appends the key.
  void add_key(int fd, int events, void* data) {
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
  std::size_t remove_key(int fd) {  // Erases fd's key, returns its index; throws as remove().
    for (std::size_t i = 0; i < keys_.size(); ++i) {
      if (keys_[i].fd == fd) {
        keys_.erase(keys_.begin() + static_cast<long>(i));
        return i;
      }
    }
    throw std::invalid_argument("selector: descriptor " + std::to_string(fd) +
                                " is not registered");
  }
  std::vector<SelectorKey> keys_;  // In the order add() was called.
};

// Python: the module-level _ServerSelector. Here each server has one
// (BaseServer::server_selector), so a lecture can switch backends.
using SelectorFactory = std::function<std::unique_ptr<Selector>()>;

}  // namespace socketserver

#endif  // SERVER_SELECTOR_H_
