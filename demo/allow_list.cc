#include "demo/allow_list.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>
#include <stdexcept>

namespace socketserver::demo {

void AllowList::add(const std::string& cidr) {
  std::size_t slash = cidr.find('/');
  std::string address = cidr.substr(0, slash);
  Network network{};
  // inet_pton() accepts only the numeric forms: "10.0.0.0", "::1", never a host name.
  if (::inet_pton(AF_INET, address.c_str(), network.bytes.data()) == 1) {
    network.family = AF_INET;
  } else if (::inet_pton(AF_INET6, address.c_str(), network.bytes.data()) == 1) {
    network.family = AF_INET6;
  } else {
    throw std::invalid_argument(cidr + ": not an IPv4 or IPv6 address (expected e.g. " +
                                "127.0.0.0/8 or ::1/128)");
  }
  int max_prefix = network.family == AF_INET ? 32 : 128;
  network.prefix = max_prefix;
  if (slash != std::string::npos) {
    std::string digits = cidr.substr(slash + 1);
    bool ok = !digits.empty() && digits.size() <= 3 &&
              digits.find_first_not_of("0123456789") == std::string::npos;
    if (!ok || std::stoi(digits) > max_prefix) {
      throw std::invalid_argument(cidr + ": prefix length must be 0-" + std::to_string(max_prefix) +
                                  " for " + (network.family == AF_INET ? "IPv4" : "IPv6"));
    }
    network.prefix = std::stoi(digits);
  }
  networks_.push_back(network);
}

bool AllowList::allows(const SocketAddress& client) const {
  const unsigned char* address = nullptr;
  int family = client.family();
  if (family == AF_INET) {
    address = reinterpret_cast<const unsigned char*>(
        &reinterpret_cast<const sockaddr_in*>(client.data())->sin_addr);
  } else if (family == AF_INET6) {
    const in6_addr* v6 = &reinterpret_cast<const sockaddr_in6*>(client.data())->sin6_addr;
    address = reinterpret_cast<const unsigned char*>(v6);
    if (IN6_IS_ADDR_V4MAPPED(v6)) {  // ::ffff:a.b.c.d: an IPv4 client of an IPv6 socket.
      family = AF_INET;
      address += 12;
    }
  } else {
    return false;  // A Unix socket has no IP address to match.
  }
  for (const Network& network : networks_) {
    if (contains(network, family, address)) return true;
  }
  return false;
}

bool AllowList::contains(const Network& network, int family, const unsigned char* address) {
  if (network.family != family) return false;
  int whole_bytes = network.prefix / 8;
  if (std::memcmp(network.bytes.data(), address, whole_bytes) != 0) return false;
  int rest = network.prefix % 8;
  if (rest == 0) return true;
  // The first `rest` bits of the next byte: 0xff << (8 - rest), kept to 8 bits.
  unsigned mask = (0xffu << (8 - rest)) & 0xffu;
  return ((network.bytes[whole_bytes] ^ address[whole_bytes]) & mask) == 0;
}

}  // namespace socketserver::demo
