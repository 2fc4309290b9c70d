#include "epoll_selector.h"

#include <sys/epoll.h>

#include <algorithm>

#include "server/deadline.h"
#include "server/errors.h"

namespace socketserver {

EpollSelector::EpollSelector()
    : epoll_(check_syscall("epoll_create1", [] { return ::epoll_create1(EPOLL_CLOEXEC); })) {}

void EpollSelector::add(int fd, int events, void* data) {
  add_key(fd, events, data);
  epoll_event wanted{};
  if (events & EVENT_READ) wanted.events |= EPOLLIN;
  if (events & EVENT_WRITE) wanted.events |= EPOLLOUT;
  wanted.data.fd = fd;
  try {
    check_syscall("epoll_ctl",
                  [&] { return ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &wanted); });
  } catch (...) {
    remove_key(fd);  // As in Python: the kernel refused the descriptor, so forget its key.
    throw;
  }
}

void EpollSelector::remove(int fd) {
  remove_key(fd);
  // EBADF or ENOENT: the descriptor was closed, and epoll has forgotten it already.
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
}

std::vector<ReadyEvent> EpollSelector::select(std::optional<Seconds> timeout) {
  const Deadline deadline(timeout);
  std::vector<epoll_event> got(std::max<std::size_t>(keys_.size(), 1));
  int ready;
  for (;;) {
    ready =
        ::epoll_wait(epoll_.get(), got.data(), static_cast<int>(got.size()), deadline.poll_ms());
    if (ready > 0 || (ready == 0 && deadline.passed())) break;
    if (ready < 0 && errno != EINTR) throw_system_error("epoll_wait");
    // EINTR, or a timeout longer than one epoll_wait(2): wait for what is left (PEP 475).
  }
  std::vector<ReadyEvent> result;
  for (int i = 0; i < ready; ++i) {
    const SelectorKey& key = *std::find_if(
        keys_.begin(), keys_.end(), [&](const SelectorKey& k) { return k.fd == got[i].data.fd; });
    int events = 0;
    // An error or hang-up counts as readable and writable, as in PollSelector.
    if (got[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) events |= EVENT_READ;
    if (got[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) events |= EVENT_WRITE;
    events &= key.events;
    if (events != 0) result.push_back({key, events});
  }
  return result;
}

}  // namespace socketserver
