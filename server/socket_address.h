// SocketAddress: an IPv4, IPv6 or Unix-domain socket address.
// Python: the address tuple ('127.0.0.1', 8123), ('::1', 0, 0, 0) or the path '/tmp/x.sock'.
//
// A value type: copyable, comparable, holds a sockaddr_storage. parse() reads what a user types:
//   SocketAddress::parse("127.0.0.1:8123")   IPv4
//   SocketAddress::parse("[::1]:0")          IPv6, port 0 = any free port
//   SocketAddress::parse("localhost:0")      a name, resolved once (IPv4 preferred)
//   SocketAddress::parse("/tmp/x.sock")      Unix path (starts with '/' or '.')
//
// Bad text throws std::invalid_argument naming the input and what is wrong with it.
#ifndef SERVER_SOCKET_ADDRESS_H_
#define SERVER_SOCKET_ADDRESS_H_

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace socketserver {

class SocketAddress {
 public:
  // The longest Unix socket path: sun_path holds 108 bytes on Linux, one is the NUL.
  static constexpr std::size_t kMaxUnixPath = 107;

  // An empty address (family AF_UNSPEC), e.g. an unnamed Unix datagram client.
  SocketAddress() = default;

  static SocketAddress parse(std::string_view text);  // The forms shown above.
  // An IP address from a host (numeric or a name) and a port.
  static SocketAddress inet(std::string_view host, int port);
  static SocketAddress unix_path(std::string_view path);  // At most kMaxUnixPath bytes, or throws.
  static SocketAddress from_sockaddr(const sockaddr* addr, socklen_t length);  // From accept().

  int family() const { return storage_.ss_family; }  // AF_INET, AF_INET6, AF_UNIX, AF_UNSPEC
  std::string host() const;                          // "127.0.0.1", "::1"; empty for Unix addresses
  std::uint16_t port() const;                        // 0 for Unix addresses
  std::string path() const;  // empty for IP addresses and unnamed Unix addresses
  // "127.0.0.1:8123", "[::1]:8123", "/tmp/x.sock", "(unnamed)" or "(none)".
  std::string to_string() const;

  // For system calls: the sockaddr.
  const sockaddr* data() const { return reinterpret_cast<const sockaddr*>(&storage_); }
  socklen_t size() const { return size_; }  // For system calls: the sockaddr's length.

  friend bool operator==(const SocketAddress& a, const SocketAddress& b);  // Same address.
  // Not the same address.
  friend bool operator!=(const SocketAddress& a, const SocketAddress& b) { return !(a == b); }

 private:
  sockaddr_storage storage_{};
  socklen_t size_ = 0;
};

}  // namespace socketserver

#endif  // SERVER_SOCKET_ADDRESS_H_
