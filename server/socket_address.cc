#include "server/socket_address.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <charconv>
#include <cstring>
#include <stdexcept>

namespace socketserver {
namespace {

std::invalid_argument bad_address(std::string_view text, const std::string& why) {
  return std::invalid_argument("bad address '" + std::string(text) + "': " + why);
}

// "8123" -> 8123. Digits only, at most 65535; a leading '-' is out of range.
int parse_port(std::string_view text, std::string_view port) {
  if (port.empty()) throw bad_address(text, "missing port after ':'");
  const char* end = port.data() + port.size();
  int value = 0;
  auto [stop, error] = std::from_chars(port.data(), end, value);
  if (port[0] != '-' && stop != end) {
    throw bad_address(text, "port '" + std::string(port) + "' is not a number");
  }
  if (port[0] == '-' || error != std::errc() || value > 65535) {
    throw bad_address(text, "port " + std::string(port) + " is out of range 0-65535");
  }
  return value;
}

}  // namespace

SocketAddress SocketAddress::parse(std::string_view text) {
  if (text.empty()) throw bad_address(text, "empty; expected HOST:PORT or a Unix socket path");
  if (text[0] == '/' || text[0] == '.') return unix_path(text);

  std::string_view host;
  std::string_view port;
  if (text[0] == '[') {  // [IPv6]:PORT, as in URLs, since the address has colons of its own.
    std::size_t close = text.find(']');
    if (close == std::string_view::npos) throw bad_address(text, "missing ']' after IPv6 host");
    host = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (rest.empty() || rest[0] != ':') throw bad_address(text, "missing ':PORT' after ']'");
    port = rest.substr(1);
  } else {
    std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      throw bad_address(text,
                        "neither HOST:PORT nor a Unix socket path (a path starts with / or .)");
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      throw bad_address(text, "an IPv6 host must be in brackets, as in [::1]:8123");
    }
  }
  if (host.empty()) throw bad_address(text, "empty host");
  return inet(host, parse_port(text, port));
}

SocketAddress SocketAddress::inet(std::string_view host_text, int port) {
  std::string host(host_text);
  std::string shown = host + ":" + std::to_string(port);
  if (host.empty()) throw bad_address(shown, "empty host");
  if (port < 0 || port > 65535) {
    throw bad_address(shown, "port " + std::to_string(port) + " is out of range 0-65535");
  }
  // Digits and dots that are not four numbers: getaddrinfo() would take "1.2.3" as 1.2.0.3
  // (inet_aton's old short forms). Refuse it instead of binding somewhere unexpected.
  in_addr unused{};
  if (host.find_first_not_of("0123456789.") == std::string::npos &&
      ::inet_pton(AF_INET, host.c_str(), &unused) != 1) {
    throw bad_address(shown, "'" + host + "' is not an IPv4 address (four numbers 0-255)");
  }
  // A numeric host, or a name such as "localhost" resolved once, now. IPv4 first when the
  // name has both, as Python's TCPServer (address_family = AF_INET) would.
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (rc != 0) throw bad_address(shown, "cannot resolve host '" + host + "': " + gai_strerror(rc));
  const addrinfo* chosen = found;
  for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_family == AF_INET) {
      chosen = ai;
      break;
    }
  }
  SocketAddress address = from_sockaddr(chosen->ai_addr, chosen->ai_addrlen);
  ::freeaddrinfo(found);
  return address;
}

SocketAddress SocketAddress::unix_path(std::string_view path) {
  if (path.empty()) throw bad_address(path, "empty Unix socket path");
  if (path.size() > kMaxUnixPath) {
    throw bad_address(path, "Unix socket path is " + std::to_string(path.size()) +
                                " bytes; sun_path holds at most " + std::to_string(kMaxUnixPath) +
                                ": use a shorter path (under /tmp)");
  }
  if (path.find('\0') != std::string_view::npos) {
    throw bad_address(path, "Unix socket path contains a NUL byte");
  }
  SocketAddress address;
  auto* un = reinterpret_cast<sockaddr_un*>(&address.storage_);
  un->sun_family = AF_UNIX;
  std::memcpy(un->sun_path, path.data(), path.size());
  address.size_ = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
  return address;
}

SocketAddress SocketAddress::from_sockaddr(const sockaddr* addr, socklen_t length) {
  SocketAddress address;
  if (addr == nullptr || length == 0) return address;
  if (length > sizeof(address.storage_)) length = sizeof(address.storage_);
  std::memcpy(&address.storage_, addr, length);
  address.size_ = length;
  return address;
}

std::string SocketAddress::host() const {
  char text[INET6_ADDRSTRLEN] = "";
  if (family() == AF_INET) {
    auto* v4 = reinterpret_cast<const sockaddr_in*>(&storage_);
    ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
  } else if (family() == AF_INET6) {
    auto* v6 = reinterpret_cast<const sockaddr_in6*>(&storage_);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
  }
  return text;
}

std::uint16_t SocketAddress::port() const {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
  if (family() == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
  }
  return 0;
}

std::string SocketAddress::path() const {
  std::size_t offset = offsetof(sockaddr_un, sun_path);
  // Empty for an unnamed socket: the kernel gives only the family.
  if (family() != AF_UNIX || size_ <= offset) return "";
  // The kernel may or may not count the trailing NUL; stop at the first one either way.
  const char* path = reinterpret_cast<const sockaddr_un*>(&storage_)->sun_path;
  return std::string(path, ::strnlen(path, size_ - offset));
}

std::string SocketAddress::to_string() const {
  if (family() == AF_INET) return host() + ":" + std::to_string(port());
  if (family() == AF_INET6) return "[" + host() + "]:" + std::to_string(port());
  if (family() == AF_UNIX) return path().empty() ? "(unnamed)" : path();
  return "(none)";
}

bool operator==(const SocketAddress& a, const SocketAddress& b) {
  // host() and port() are empty for a Unix address, path() for an IP one.
  return a.family() == b.family() && a.host() == b.host() && a.port() == b.port() &&
         a.path() == b.path();
}

}  // namespace socketserver
