// SelectSelector: a Selector backed by select(2), the call Python 2's SocketServer used.
// Python: selectors.SelectSelector.
//
// select(2) works on fixed-size bit sets, fd_set, of FD_SETSIZE (1024) bits: FD_SET on a
// larger descriptor writes past the end of the set and corrupts memory. add() therefore
// refuses a descriptor >= FD_SETSIZE with std::invalid_argument instead. Use PollSelector
// (the default) when a process may hold that many descriptors.
#ifndef SERVER_SELECT_SELECTOR_H_
#define SERVER_SELECT_SELECTOR_H_

#include <vector>

#include "server/selector.h"

namespace socketserver {

class SelectSelector : public Selector {
 public:
  void add(int fd, int events, void* data = nullptr) override;
  void remove(int fd) override;
  std::vector<ReadyEvent> select(std::optional<Seconds> timeout) override;

 private:
  std::vector<SelectorKey> keys_;
};

}  // namespace socketserver

#endif  // SERVER_SELECT_SELECTOR_H_
