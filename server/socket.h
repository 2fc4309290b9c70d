// Socket: the small part of Python's socket.socket that servers and handlers need.
// Python: socket.socket.
//
// Owns one descriptor (an Fd), created with SOCK_CLOEXEC so a program that execs never leaks
// it. Move-only. Every send uses MSG_NOSIGNAL: a peer that has gone away gives EPIPE as an
// exception, never a SIGPIPE that kills the process; the library installs no signal handler.
// Every call retries EINTR.
//
// Timeouts work as in Python: settimeout(2s) makes each blocking operation wait at most two
// seconds (in poll(2)) and then throw TimeoutError; settimeout(std::nullopt) blocks without
// limit. As in Python, a socket with a timeout is non-blocking underneath, and one without is
// blocking again. A call that would block anyway is reported as EAGAIN, never waited out:
// on a socket created non-blocking (SOCK_NONBLOCK, as servers make their own) and given no
// timeout, accept() or recvfrom() with nothing waiting throws EAGAIN at once, so a server
// loop told "readable" by select() never blocks when the client has gone meanwhile; and
// sendto() to a Unix datagram peer whose queue is full throws EAGAIN, although poll(2)
// calls it writable (with a timeout too: the server drops that reply instead of spinning).
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
  Socket() = default;  // A closed socket: fileno() == -1.
  // socket(2). `type` may include SOCK_NONBLOCK; SOCK_CLOEXEC is always added.
  Socket(int family, int type);
  // Takes ownership of a connected or bound descriptor.
  explicit Socket(Fd fd);

  Socket(Socket&&) noexcept = default;  // Move-only: the descriptor goes with the object.
  Socket& operator=(Socket&&) noexcept = default;  // Closes its own descriptor first.

  int fileno() const { return fd_.get(); }  // Python: fileno(). -1 once closed.
  int family() const;                       // AF_INET, AF_INET6 or AF_UNIX.
  int type() const;                         // SOCK_STREAM or SOCK_DGRAM

  void bind(const SocketAddress& address);  // bind(2); the error names the address.
  void listen(int backlog);  // listen(2): at most `backlog` connections wait to be accepted.
  // Returns the connected socket and the peer's address.
  std::pair<Socket, SocketAddress> accept();
  // Honours the timeout, as every blocking call here does (TimeoutError when it expires).
  void connect(const SocketAddress& address);

  // Returns how many bytes were sent: maybe fewer than asked, as send(2) may.
  std::size_t send(std::string_view data);
  // Sends everything, across partial writes and signals; throws if it cannot.
  void sendall(std::string_view data);
  // EAGAIN when a Unix datagram peer's queue is full, except on a blocking socket without a
  // timeout, which waits in the kernel (see above).
  std::size_t sendto(std::string_view data, const SocketAddress& address);
  // Up to `max_bytes`; an empty string means the peer closed the connection.
  std::string recv(std::size_t max_bytes);
  std::size_t recv_into(char* buffer, std::size_t max_bytes);  // The count; 0 when the peer closed.
  // One datagram (truncated to max_bytes, as recvfrom(2) does) and who sent it.
  std::pair<std::string, SocketAddress> recvfrom(std::size_t max_bytes);

  void setsockopt(int level, int option, int value);  // For an int option (SO_REUSEADDR).
  int getsockopt(int level, int option) const;        // getsockopt(2) for an int option.
  SocketAddress getsockname() const;                  // The bound address, with the kernel's port.
  SocketAddress getpeername() const;  // The address of the peer of a connected socket.

  // Throws std::invalid_argument for a negative timeout (or NaN), as Python's ValueError.
  // Sets O_NONBLOCK with a timeout and clears it without one, as Python does.
  void settimeout(std::optional<Seconds> timeout);
  std::optional<Seconds> gettimeout() const { return timeout_; }  // std::nullopt: none.

  // shutdown(2): SHUT_RD, SHUT_WR or SHUT_RDWR. Does not release the descriptor.
  void shutdown(int how);
  // Releases the descriptor; fileno() is -1 afterwards. Safe to call twice.
  void close() { fd_.reset(); }

 private:
  // Runs one I/O call until it succeeds, retrying EINTR; with a timeout, waits first in
  // poll(2) for `events` and throws TimeoutError when the timeout expires. `what` and `peer`
  // name the call in errors.
  template <class Call>
  std::size_t io(short events, const char* what, const SocketAddress* peer, Call call);

  Fd fd_;
  std::optional<Seconds> timeout_;
};

// Python: socket.create_connection(address, timeout). A stream socket of the address's family
// (IPv4, IPv6 or a Unix path), given `timeout`, then connected. Throws std::system_error
// naming the address ("connect 127.0.0.1:9: Connection refused"), TimeoutError on timeout.
Socket create_connection(const SocketAddress& address,
                         std::optional<Seconds> timeout = std::nullopt);

}  // namespace socketserver

#endif  // SERVER_SOCKET_H_
