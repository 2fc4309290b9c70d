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

// "sendto 127.0.0.1:9": the call, and the peer where it helps. Built only on failure.
std::string describe(const char* what, const SocketAddress* peer) {
  return peer != nullptr ? std::string(what) + " " + peer->to_string() : std::string(what);
}

}  // namespace

Socket::Socket(int family, int type)
    : fd_(check_syscall("socket", [&] { return ::socket(family, type | SOCK_CLOEXEC, 0); })) {}

template <class Call>
std::size_t Socket::io(short events, const char* what, const SocketAddress* peer,
                       const Deadline& deadline, Call call) {
  for (;;) {
    // With a timeout the descriptor is non-blocking (see settimeout): the wait is here.
    if (timeout_ && !poll_until(fd_.get(), events, deadline)) {
      throw TimeoutError(describe(what, peer));  // "recv: Connection timed out"
    }
    ssize_t n = call();
    if (n >= 0) return static_cast<std::size_t>(n);
    // EAGAIN is reported, never waited out: it comes from a non-blocking socket without a
    // timeout, or from a call that would block although poll(2) said ready.
    if (errno != EINTR) throw_system_error(describe(what, peer));
  }
}

void Socket::settimeout(std::optional<Seconds> timeout) {
  if (timeout && !(timeout->count() >= 0)) {
    throw std::invalid_argument("settimeout(): the timeout must be zero or more seconds");
  }
  // Non-blocking with a timeout, so that no call can block past it (not even accept4() and
  // connect(), which take no MSG_DONTWAIT): io() waits in poll(2) instead.
  int flags = check_syscall("fcntl", [&] { return ::fcntl(fd_.get(), F_GETFL); });
  flags = timeout ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
  check_syscall("fcntl", [&] { return ::fcntl(fd_.get(), F_SETFL, flags); });
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
  int fd = static_cast<int>(io(POLLIN, "accept", nullptr, [&] {
    length = sizeof peer;
    // SOCK_CLOEXEC only: the connection is blocking, whatever the listening socket is.
    return ::accept4(fd_.get(), reinterpret_cast<sockaddr*>(&peer), &length, SOCK_CLOEXEC);
  }));
  return {Socket(Fd(fd)), SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&peer), length)};
}

void Socket::connect(const SocketAddress& address) {
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
  if (!poll_until(fd_.get(), POLLOUT, deadline)) {
    throw TimeoutError("connect " + address.to_string());
  }
  int err = getsockopt(SOL_SOCKET, SO_ERROR);
  if (err != 0) throw_system_error("connect " + address.to_string(), err);
}

Socket create_connection(const SocketAddress& address, std::optional<Seconds> timeout) {
  Socket socket(address.family(), SOCK_STREAM);
  socket.settimeout(timeout);
  socket.connect(address);
  return socket;
}

std::size_t Socket::send(std::string_view data, const Deadline& deadline) {
  return io(POLLOUT, "send", nullptr, deadline,
            [&] { return ::send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL); });
}

void Socket::sendall(std::string_view data) {
  const Deadline deadline(timeout_);  // Taken once: each send waits only for what is left.
  data.remove_prefix(send(data, deadline));
  while (!data.empty()) {
    // As Python: once the time is up, no more sends, even to a peer that is keeping up.
    if (deadline.passed()) throw TimeoutError(describe("send", nullptr));
    data.remove_prefix(send(data, deadline));
  }
}

std::size_t Socket::sendto(std::string_view data, const SocketAddress& address) {
  return io(POLLOUT, "sendto", &address, [&] {
    return ::sendto(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL, address.data(),
                    address.size());
  });
}

std::size_t Socket::recv_into(char* buffer, std::size_t max_bytes) {
  return io(POLLIN, "recv", nullptr, [&] { return ::recv(fd_.get(), buffer, max_bytes, 0); });
}

std::pair<std::size_t, SocketAddress> Socket::recvfrom_into(char* buffer, std::size_t max_bytes) {
  sockaddr_storage peer{};
  socklen_t length = sizeof peer;
  std::size_t n = io(POLLIN, "recvfrom", nullptr, [&] {
    length = sizeof peer;
    return ::recvfrom(fd_.get(), buffer, max_bytes, 0, reinterpret_cast<sockaddr*>(&peer), &length);
  });
  return {n, SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&peer), length)};
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
