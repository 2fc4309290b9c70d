// PollSelector: a Selector backed by poll(2); the default, as in Python's socketserver.
// No limit on descriptor numbers, no descriptor of its own (unlike epoll).
// Python: selectors.PollSelector.
#ifndef SERVER_POLL_SELECTOR_H_
#define SERVER_POLL_SELECTOR_H_

#include <poll.h>

#include <vector>

#include "server/selector.h"

namespace socketserver {

class PollSelector : public Selector {
 public:
  void add(int fd, int events, void* data = nullptr) override;
  void remove(int fd) override;
  std::vector<ReadyEvent> select(std::optional<Seconds> timeout) override;

 private:
  std::vector<pollfd> pollfds_;  // One per key, same order; rebuilt only by add() and remove().
};

}  // namespace socketserver

#endif  // SERVER_POLL_SELECTOR_H_
