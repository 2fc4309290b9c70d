// AllowList: the networks a server admits clients from, for a verify_request() override.
// Python: a list of ipaddress.ip_network("10.0.0.0/8") objects and
// `any(ipaddress.ip_address(client_address[0]) in net for net in networks)`.
//
//   AllowList allow;
//   allow.add("127.0.0.0/8");     IPv4 network
//   allow.add("::1");             one IPv6 address (prefix /128; /32 for IPv4)
//   allow.allows(client_address)  true if the client is in one of them
//
// An IPv4 client that reaches an IPv6 server as ::ffff:a.b.c.d is matched as a.b.c.d.
// Bits after the prefix are ignored: "10.1.2.3/8" is 10.0.0.0/8 (Python's strict=False).
// An empty list admits nobody; the login server does not use one when --allow is absent.
#ifndef DEMO_ALLOW_LIST_H_
#define DEMO_ALLOW_LIST_H_

#include <array>
#include <string>
#include <vector>

#include "server/socket_address.h"

namespace socketserver::demo {

class AllowList {
 public:
  // Adds "ADDRESS" or "ADDRESS/PREFIX", IPv4 or IPv6. Throws std::invalid_argument naming the
  // text and what is wrong: "10.0.0.0/33: prefix length must be 0-32 for IPv4".
  void add(const std::string& cidr);
  // True if `client` is an IP address inside one of the networks.
  bool allows(const SocketAddress& client) const;
  bool empty() const { return networks_.empty(); }

 private:
  struct Network {
    int family;                           // AF_INET or AF_INET6
    std::array<unsigned char, 16> bytes;  // The address, network byte order (4 used for IPv4).
    int prefix;                           // How many leading bits must match.
  };
  static bool contains(const Network& network, int family, const unsigned char* address);

  std::vector<Network> networks_;
};

}  // namespace socketserver::demo

#endif  // DEMO_ALLOW_LIST_H_
