// EpollSelector: a Selector backed by epoll(7), Linux's scalable wait.
// Python: selectors.EpollSelector.
//
// The exercise: docs/exercises/epoll_selector/README.md. The constructor is written; add(),
// remove() and select() are yours, in epoll_selector.cc. Run tools/exercise.sh epoll_selector.
//
// Owns one epoll descriptor (close-on-exec). The kernel keeps the set of watched descriptors;
// Selector::keys_ holds what add() was given (events and data), which the kernel does not
// give back; add_key() and remove_key() keep it.
#ifndef EPOLL_SELECTOR_H_
#define EPOLL_SELECTOR_H_

#include <vector>

#include "server/fd.h"
#include "server/selector.h"

namespace socketserver {

class EpollSelector : public Selector {
 public:
  EpollSelector();

  void add(int fd, int events, void* data = nullptr) override;
  void remove(int fd) override;
  std::vector<ReadyEvent> select(std::optional<Seconds> timeout) override;

 private:
  Fd epoll_;
};

}  // namespace socketserver

#endif  // EPOLL_SELECTOR_H_
