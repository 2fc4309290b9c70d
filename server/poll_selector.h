// PollSelector: a Selector backed by poll(2). The default, as in Python's socketserver, which
// picks poll when the platform has it: no extra descriptor (unlike epoll) and one system call
// per wait. No limit on descriptor numbers.
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
  std::vector<SelectorKey> keys_;
  std::vector<pollfd> pollfds_;  // One per key, same order; rebuilt only by add() and remove().
};

}  // namespace socketserver

#endif  // SERVER_POLL_SELECTOR_H_
