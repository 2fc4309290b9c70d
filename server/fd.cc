#include "server/fd.h"

#include <unistd.h>

#include <cerrno>

namespace socketserver {

void Fd::reset(int fd) noexcept {
  if (fd_ >= 0) {
    int saved_errno = errno;
    ::close(fd_);  // Not retried on EINTR: Linux has released the descriptor anyway.
    errno = saved_errno;
  }
  fd_ = fd;
}

}  // namespace socketserver
