// Socket: the small part of Python's socket.socket that servers and handlers need.
// Python: socket.socket.
//
// Owns one descriptor (an Fd), created with SOCK_CLOEXEC. Move-only. Every send uses
// MSG_NOSIGNAL: a peer that has gone away gives EPIPE as an exception, never a SIGPIPE that
// kills the process. Every call retries EINTR.
//
// Timeouts work as in Python (settimeout); a call that would block anyway is reported as
// EAGAIN, never waited out. Details: docs/python_to_cpp.md#socket-timeouts.
#ifndef SERVER_SOCKET_H_
#define SERVER_SOCKET_H_

#include <sys/socket.h>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "server/deadline.h"
#include "server/fd.h"
#include "server/socket_address.h"

namespace socketserver {

class Socket {
 public:
  Socket() = default;                             // A closed socket: fileno() == -1.
  Socket(int family, int type);                   // socket(2), with SOCK_CLOEXEC added to `type`.
  explicit Socket(Fd fd) : fd_(std::move(fd)) {}  // Owns a connected or bound descriptor.

  Socket(Socket&&) noexcept = default;  // Move-only: the descriptor goes with the object.
  Socket& operator=(Socket&&) noexcept = default;  // Closes its own descriptor first.

  int fileno() const { return fd_.get(); }  // Python: fileno(). -1 once closed.
  int family() const { return getsockopt(SOL_SOCKET, SO_DOMAIN); }  // AF_INET, AF_UNIX...
  int type() const { return getsockopt(SOL_SOCKET, SO_TYPE); }      // SOCK_STREAM, SOCK_DGRAM

  void bind(const SocketAddress& address);  // bind(2); the error names the address.
  void listen(int backlog);  // listen(2): at most `backlog` connections wait to be accepted.
  std::pair<Socket, SocketAddress> accept();   // The connected socket and the peer's address.
  void connect(const SocketAddress& address);  // Honours the timeout, as every call here does.

  // How many bytes were sent: maybe fewer than asked.
  std::size_t send(std::string_view data) { return send(data, Deadline(timeout_)); }
  // Sends everything, across partial writes. The timeout bounds the whole call, as in Python
  // 3.5 and later: a peer that reads a byte now and then cannot hold it for ever.
  void sendall(std::string_view data);
  // EAGAIN when a Unix datagram peer's queue is full, unless blocking without a timeout.
  std::size_t sendto(std::string_view data, const SocketAddress& address);
  std::string recv(std::size_t max_bytes) {  // Up to max_bytes; empty when the peer closed.
    std::string data(max_bytes, '\0');
    data.resize(recv_into(data.data(), max_bytes));
    return data;
  }
  std::size_t recv_into(char* buffer, std::size_t max_bytes);  // The count; 0 when the peer closed.
  // One datagram (truncated to max_bytes, as recvfrom(2) does) and who sent it.
  std::pair<std::string, SocketAddress> recvfrom(std::size_t max_bytes) {
    std::string data(max_bytes, '\0');
    auto [n, sender] = recvfrom_into(data.data(), max_bytes);
    data.resize(n);
    return {std::move(data), std::move(sender)};
  }
  // The same into a buffer the caller keeps: the datagram's length (at most max_bytes), sender.
  std::pair<std::size_t, SocketAddress> recvfrom_into(char* buffer, std::size_t max_bytes);

  void setsockopt(int level, int option, int value);  // For an int option (SO_REUSEADDR).
  int getsockopt(int level, int option) const;        // getsockopt(2) for an int option.
  SocketAddress getsockname() const;                  // The bound address, with the kernel's port.
  SocketAddress getpeername() const;  // The address of the peer of a connected socket.

  // Sets O_NONBLOCK with a timeout and clears it without one, as Python does. A negative
  // timeout (or NaN) throws std::invalid_argument (Python: ValueError).
  void settimeout(std::optional<Seconds> timeout);
  std::optional<Seconds> gettimeout() const { return timeout_; }  // std::nullopt: none.

  void shutdown(int how);        // shutdown(2): SHUT_RD, SHUT_WR or SHUT_RDWR. Keeps the fd.
  void close() { fd_.reset(); }  // Releases the descriptor; fileno() is -1. Idempotent.

 private:
  // Runs one I/O call, retrying EINTR; with a timeout, waits first in poll(2) for `events`
  // (TimeoutError once `deadline` passes). `what` and `peer` name the call in errors.
  template <class Call>
  std::size_t io(short events, const char* what, const SocketAddress* peer,
                 const Deadline& deadline, Call call);
  // The same, with a deadline of now + the timeout: each call waits for up to the timeout.
  template <class Call>
  std::size_t io(short events, const char* what, const SocketAddress* peer, Call call) {
    return io(events, what, peer, Deadline(timeout_), call);
  }
  std::size_t send(std::string_view data, const Deadline& deadline);  // For send(), sendall().

  Fd fd_;
  std::optional<Seconds> timeout_;
};

// Python: socket.create_connection(address, timeout), for IPv4, IPv6 or a Unix path. Errors
// name the address ("connect 127.0.0.1:9: Connection refused").
Socket create_connection(const SocketAddress& address,
                         std::optional<Seconds> timeout = std::nullopt);

}  // namespace socketserver

#endif  // SERVER_SOCKET_H_
