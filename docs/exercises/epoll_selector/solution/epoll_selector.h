// EpollSelector: a Selector backed by epoll(7), Linux's scalable wait.
// Python: selectors.EpollSelector.
//
// Not part of the library: the reference answer to exercise 6 (docs/exercises/epoll_selector),
// and the proof that the selector contract (tests/selector_contract.h) can be met by a
// backend that reports ready descriptors in the kernel's order.
//
// Owns one epoll descriptor (close-on-exec). The kernel keeps the set of watched descriptors,
// so select() costs what is ready, not what is watched; the keys here only hold the events
// and data that add() was given. epoll forgets a descriptor once it is closed, so remove()
// ignores the kernel's answer for one already closed, as Python's does.
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
