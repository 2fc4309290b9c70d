#include "server/socket.h"

#include <fcntl.h>
#include <poll.h>

#include <cerrno>
#include <stdexcept>

#include "server/errors.h"

namespace socketserver {
namespace {

// getsockname(2) and getpeername(2) have the same shape: ask `call` for an address.
SocketAddress query_address(int fd, const char* what, int (*call)(int, sockaddr*, socklen_t*)) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  check_syscall(what, [&] { return call(fd, reinterpret_cast<sockaddr*>(&address), &length); });
  return SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&address), length);
}

// Makes a blocking descriptor non-blocking while it lives (when `wanted`), for the calls that
// have no MSG_DONTWAIT (accept4, connect); puts the flags back however the call ends.
class NonBlockingWhile {
 public:
  NonBlockingWhile(int fd, bool wanted) : fd_(fd) {
    if (!wanted) return;
    flags_ = check_syscall("fcntl", [&] { return ::fcntl(fd_, F_GETFL); });
    if (flags_ & O_NONBLOCK) return;  // Already non-blocking (the servers' own sockets).
    check_syscall("fcntl", [&] { return ::fcntl(fd_, F_SETFL, flags_ | O_NONBLOCK); });
    changed_ = true;
  }
  ~NonBlockingWhile() {
    if (changed_) ::fcntl(fd_, F_SETFL, flags_);
  }
  NonBlockingWhile(const NonBlockingWhile&) = delete;
  NonBlockingWhile& operator=(const NonBlockingWhile&) = delete;

 private:
  int fd_;
  int flags_ = 0;
  bool changed_ = false;
};

}  // namespace

Socket::Socket(int family, int type)
    : fd_(check_syscall("socket", [&] { return ::socket(family, type | SOCK_CLOEXEC, 0); })) {}

Socket::Socket(Fd fd) : fd_(std::move(fd)) {}

int Socket::family() const { return getsockopt(SOL_SOCKET, SO_DOMAIN); }

int Socket::type() const { return getsockopt(SOL_SOCKET, SO_TYPE); }

template <class Call>
std::size_t Socket::io(short events, const char* what, const SocketAddress* peer,
                       WouldBlock would_block, Call call) {
  // Only built when something fails: this runs for every send and receive.
  auto describe = [&] {
    return peer != nullptr ? std::string(what) + " " + peer->to_string() : std::string(what);
  };
  const Deadline deadline(timeout_);
  // With a timeout, wait first and never let the call itself block; without one, let it block.
  const int flags = timeout_ ? MSG_DONTWAIT : 0;
  if (would_block == WouldBlock::fail_at_once && timeout_)
    would_block = WouldBlock::fail_when_ready;
  bool wait_first = timeout_.has_value();
  for (;;) {
    bool polled_ready = false;
    if (wait_first) {
      pollfd p{fd_.get(), events, 0};
      int ready = ::poll(&p, 1, deadline.poll_ms());
      if (ready < 0) {
        if (errno == EINTR) continue;  // Wait again, for what is left: never block in call().
        throw_system_error("poll");
      }
      if (ready == 0) {
        if (deadline.passed()) throw TimeoutError(describe());  // "recv: Connection timed out"
        continue;  // A very long timeout, waited in INT_MAX-millisecond steps.
      }
      polled_ready = true;
    }
    ssize_t n = call(flags);
    if (n >= 0) return static_cast<std::size_t>(n);
    int err = errno;
    if (err == EINTR) continue;
    if (err != EAGAIN && err != EWOULDBLOCK) throw_system_error(describe(), err);
    if (would_block == WouldBlock::fail_at_once) throw_system_error(describe(), err);
    // poll() said ready, yet the call would block: waiting again would only spin. (A Unix
    // datagram receiver whose queue is full leaves the sender "writable" to poll() while
    // every sendto() to it fails.)
    if (would_block == WouldBlock::fail_when_ready && polled_ready) {
      throw_system_error(describe(), err);
    }
    wait_first = true;  // A non-blocking descriptor: wait until it is ready, then retry.
  }
}

void Socket::settimeout(std::optional<Seconds> timeout) {
  if (timeout && !(timeout->count() >= 0)) {
    throw std::invalid_argument("settimeout(): the timeout must be zero or more seconds");
  }
  timeout_ = timeout;
}

void Socket::bind(const SocketAddress& address) {
  check_syscall("bind " + address.to_string(),
                [&] { return ::bind(fd_.get(), address.data(), address.size()); });
}

void Socket::listen(int backlog) {
  check_syscall("listen", [&] { return ::listen(fd_.get(), backlog); });
}

std::pair<Socket, SocketAddress> Socket::accept() {
  sockaddr_storage peer{};
  socklen_t length = sizeof peer;
  auto accept_once = [&](int) {
    length = sizeof peer;
    // SOCK_CLOEXEC only: the connection is blocking, whatever the listening socket is.
    return ::accept4(fd_.get(), reinterpret_cast<sockaddr*>(&peer), &length, SOCK_CLOEXEC);
  };
  // accept4() has no MSG_DONTWAIT: with a timeout, make the descriptor non-blocking for the
  // call, so a client that vanishes between poll(2) and accept4() cannot block it.
  NonBlockingWhile scope(fd_.get(), timeout_.has_value());
  int fd = static_cast<int>(io(POLLIN, "accept", nullptr, WouldBlock::fail_at_once, accept_once));
  return {Socket(Fd(fd)), SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&peer), length)};
}

void Socket::connect(const SocketAddress& address) {
  // With a timeout, connect without blocking and wait for the outcome at most that long.
  NonBlockingWhile scope(fd_.get(), timeout_.has_value());

  const Deadline deadline(timeout_);
  for (;;) {
    if (::connect(fd_.get(), address.data(), address.size()) == 0) return;
    int err = errno;
    if (err == EISCONN) return;  // An interrupted attempt has finished meanwhile.
    // Interrupted by a signal: call again. TCP goes on connecting in the background, and the
    // new call says so (EALREADY); a Unix socket has dropped the attempt and starts over.
    if (err == EINTR) continue;
    if (err == EINPROGRESS || err == EALREADY) break;           // Wait for the outcome below.
    throw_system_error("connect " + address.to_string(), err);  // EAGAIN: a full Unix backlog.
  }
  for (;;) {
    pollfd p{fd_.get(), POLLOUT, 0};
    int ready = ::poll(&p, 1, deadline.poll_ms());
    if (ready > 0) break;
    if (ready < 0 && errno != EINTR) throw_system_error("poll");
    if (ready == 0 && deadline.passed()) throw TimeoutError("connect " + address.to_string());
  }
  int err = getsockopt(SOL_SOCKET, SO_ERROR);
  if (err != 0) throw_system_error("connect " + address.to_string(), err);
}

std::size_t Socket::send(std::string_view data) {
  return io(POLLOUT, "send", nullptr, WouldBlock::wait, [&](int flags) {
    return ::send(fd_.get(), data.data(), data.size(), flags | MSG_NOSIGNAL);
  });
}

void Socket::sendall(std::string_view data) {
  while (!data.empty()) data.remove_prefix(send(data));
}

std::size_t Socket::sendto(std::string_view data, const SocketAddress& address) {
  return io(POLLOUT, "sendto", &address, WouldBlock::fail_when_ready, [&](int flags) {
    return ::sendto(fd_.get(), data.data(), data.size(), flags | MSG_NOSIGNAL, address.data(),
                    address.size());
  });
}

std::size_t Socket::recv_into(char* buffer, std::size_t max_bytes) {
  return io(POLLIN, "recv", nullptr, WouldBlock::wait,
            [&](int flags) { return ::recv(fd_.get(), buffer, max_bytes, flags); });
}

std::string Socket::recv(std::size_t max_bytes) {
  std::string data(max_bytes, '\0');
  data.resize(recv_into(data.data(), max_bytes));
  return data;
}

std::pair<std::string, SocketAddress> Socket::recvfrom(std::size_t max_bytes) {
  std::string data(max_bytes, '\0');
  sockaddr_storage peer{};
  socklen_t length = sizeof peer;
  std::size_t n = io(POLLIN, "recvfrom", nullptr, WouldBlock::fail_at_once, [&](int flags) {
    length = sizeof peer;
    return ::recvfrom(fd_.get(), data.data(), max_bytes, flags, reinterpret_cast<sockaddr*>(&peer),
                      &length);
  });
  data.resize(n);
  return {std::move(data),
          SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&peer), length)};
}

void Socket::setsockopt(int level, int option, int value) {
  check_syscall("setsockopt",
                [&] { return ::setsockopt(fd_.get(), level, option, &value, sizeof value); });
}

int Socket::getsockopt(int level, int option) const {
  int value = 0;
  socklen_t length = sizeof value;
  check_syscall("getsockopt",
                [&] { return ::getsockopt(fd_.get(), level, option, &value, &length); });
  return value;
}

SocketAddress Socket::getsockname() const {
  return query_address(fd_.get(), "getsockname", ::getsockname);
}

SocketAddress Socket::getpeername() const {
  return query_address(fd_.get(), "getpeername", ::getpeername);
}

void Socket::shutdown(int how) {
  check_syscall("shutdown", [&] { return ::shutdown(fd_.get(), how); });
}

}  // namespace socketserver
