// Fd: the one owner of a file descriptor. Closes it when destroyed.
// Python: the descriptor inside socket.socket (what fileno() returns).
//
// Move-only, no implicit conversion to int: get() borrows the number, release() gives it up.
// close() is never retried on EINTR: on Linux the descriptor is already gone by then, and a
// retry could close one another thread has just opened. errno is kept intact.
#ifndef SERVER_FD_H_
#define SERVER_FD_H_

#include <unistd.h>

#include <cerrno>
#include <utility>

namespace socketserver {

class Fd {
 public:
  Fd() noexcept = default;
  explicit Fd(int fd) noexcept : fd_(fd) {}          // Takes ownership of `fd` (-1: none).
  Fd(Fd&& other) noexcept : fd_(other.release()) {}  // `other` owns none afterwards.
  Fd& operator=(Fd&& other) noexcept {  // Closes the descriptor owned so far, then takes `other`'s.
    if (this != &other) reset(other.release());
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }

  int get() const noexcept { return fd_; }          // The descriptor, still owned (-1 when none).
  bool valid() const noexcept { return fd_ >= 0; }  // True when a descriptor is owned.

  // Gives up ownership without closing; the caller now owns the number.
  [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }

  // Closes the owned descriptor (if any) and takes `fd` instead.
  void reset(int fd = -1) noexcept {
    if (fd_ >= 0) {
      int saved_errno = errno;
      ::close(fd_);  // Not retried on EINTR: Linux has released the descriptor anyway.
      errno = saved_errno;
    }
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace socketserver

#endif  // SERVER_FD_H_
