// Socket: the small part of Python's socket.socket that servers and handlers need.
// Python: socket.socket.
//
// Owns one descriptor (an Fd), created with SOCK_CLOEXEC so a program that execs never leaks
// it. Move-only. Every send uses MSG_NOSIGNAL: a peer that has gone away gives EPIPE as an
// exception, never a SIGPIPE that kills the process; the library installs no signal handler.
// Every call retries EINTR.
//
// Timeouts work as in Python: settimeout(2s) makes each blocking operation wait at most two
// seconds (poll(2), then the call with MSG_DONTWAIT) and throw TimeoutError after that;
// settimeout(std::nullopt) blocks without limit. The descriptor stays blocking, but for the
// length of an accept() or connect() with a timeout (calls that take no MSG_DONTWAIT).
// A socket created non-blocking (SOCK_NONBLOCK, as servers make their own socket) behaves the
// same for sends and recv(), which wait in poll(2) until they can proceed; but accept() and
// recvfrom() without a timeout throw EAGAIN at once when nothing is waiting, so a server loop
// that was told "readable" by select() never blocks if the client has gone meanwhile. And
// sendto() gives up with EAGAIN when poll(2) says "writable" yet the send still would block:
// a Unix datagram client that never reads fills its queue, and waiting for it would hang the
// server (the reply is dropped instead, as a datagram may be).
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

  Socket(Socket&&) noexcept = default;
  Socket& operator=(Socket&&) noexcept = default;

  int fileno() const { return fd_.get(); }
  int family() const;
  int type() const;  // SOCK_STREAM or SOCK_DGRAM

  void bind(const SocketAddress& address);
  void listen(int backlog);
  // Returns the connected socket and the peer's address.
  std::pair<Socket, SocketAddress> accept();
  // Honours the timeout, as every blocking call here does (TimeoutError when it expires).
  void connect(const SocketAddress& address);

  // Returns how many bytes were sent: maybe fewer than asked, as send(2) may.
  std::size_t send(std::string_view data);
  // Sends everything, across partial writes and signals; throws if it cannot.
  void sendall(std::string_view data);
  // With a timeout, or on a non-blocking socket, a Unix datagram peer whose queue is full
  // makes it throw EAGAIN at once: Linux's poll(2) still calls such a socket writable, so
  // there is nothing to wait on. Without a timeout, a blocking socket waits in the kernel.
  std::size_t sendto(std::string_view data, const SocketAddress& address);
  // Up to `max_bytes`; an empty string means the peer closed the connection.
  std::string recv(std::size_t max_bytes);
  std::size_t recv_into(char* buffer, std::size_t max_bytes);
  // One datagram (truncated to max_bytes, as recvfrom(2) does) and who sent it.
  std::pair<std::string, SocketAddress> recvfrom(std::size_t max_bytes);

  void setsockopt(int level, int option, int value);
  int getsockopt(int level, int option) const;
  SocketAddress getsockname() const;
  SocketAddress getpeername() const;

  // Throws std::invalid_argument for a negative timeout (or NaN), as Python's ValueError.
  void settimeout(std::optional<Seconds> timeout);
  std::optional<Seconds> gettimeout() const { return timeout_; }

  // shutdown(2): SHUT_RD, SHUT_WR or SHUT_RDWR. Does not release the descriptor.
  void shutdown(int how);
  // Releases the descriptor; fileno() is -1 afterwards. Safe to call twice.
  void close() { fd_.reset(); }

 private:
  // What io() does when the call would block (EAGAIN) on a non-blocking descriptor:
  enum class WouldBlock {
    wait,             // wait in poll(2) until it can proceed (send, recv)
    fail_at_once,     // throw EAGAIN, unless there is a timeout to wait out (accept, recvfrom)
    fail_when_ready,  // wait, but throw EAGAIN if it still would block once poll(2) says
                      // ready (sendto: a Unix datagram peer with a full queue)
  };
  // Runs one I/O call (given the MSG_ flags to add) until it succeeds, waiting in poll(2)
  // for `events` while it would block, and throwing TimeoutError when the timeout expires.
  template <class Call>
  std::size_t io(short events, const char* what, const SocketAddress* peer, WouldBlock would_block,
                 Call call);

  Fd fd_;
  std::optional<Seconds> timeout_;
};

}  // namespace socketserver

#endif  // SERVER_SOCKET_H_
