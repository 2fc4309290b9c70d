// SelectSelector: a Selector backed by select(2), the call Python 2's SocketServer used.
// Python: selectors.SelectSelector.
//
// FD_SET on a descriptor >= FD_SETSIZE (1024) writes past the fd_set and corrupts memory, so
// add() refuses one with std::invalid_argument. Use PollSelector when a process has that many.
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
};

}  // namespace socketserver

#endif  // SERVER_SELECT_SELECTOR_H_
