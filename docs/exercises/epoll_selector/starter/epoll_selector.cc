#include "epoll_selector.h"

#include <sys/epoll.h>

#include <stdexcept>

#include "server/deadline.h"
#include "server/errors.h"

namespace socketserver {

EpollSelector::EpollSelector()
    : epoll_(check_syscall("epoll_create1", [] { return ::epoll_create1(EPOLL_CLOEXEC); })) {}

// TODO: add_key() (it checks the arguments), then tell the kernel (epoll_ctl).
void EpollSelector::add(int /*fd*/, int /*events*/, void* /*data*/) {
  throw std::logic_error("EpollSelector::add() is not written yet");
}

// TODO: remove_key(), and tell the kernel. The descriptor may be closed already.
void EpollSelector::remove(int /*fd*/) {
  throw std::logic_error("EpollSelector::remove() is not written yet");
}

// TODO: epoll_wait(2) until something is ready or the timeout passes, retrying EINTR.
std::vector<ReadyEvent> EpollSelector::select(std::optional<Seconds> /*timeout*/) {
  throw std::logic_error("EpollSelector::select() is not written yet");
}

}  // namespace socketserver
