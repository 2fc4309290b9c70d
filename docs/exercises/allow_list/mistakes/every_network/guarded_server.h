// GuardedServer: a TCPServer that serves only clients on an allow-list, and each of them at
// most `max_requests` times in any `window`.
// Python: a TCPServer subclass whose verify_request() checks client_address[0] against a
// list of ipaddress networks and keeps recent request times per address.
//
// The exercise: docs/exercises/allow_list/README.md. Network is given; verify_request() and
// remembered_addresses() are yours, in guarded_server.cc. Run tools/exercise.sh allow_list.
//
// verify_request() runs on the serving thread only, even under ThreadingMixIn, so the state
// of the rate limit needs no lock while only verify_request() touches it.
#ifndef GUARDED_SERVER_H_
#define GUARDED_SERVER_H_

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "server/request.h"
#include "server/socket_address.h"
#include "server/tcp_server.h"

namespace exercise {

// An IPv4 or IPv6 network: "10.0.0.0/8", "::1/128", or one address ("127.0.0.1" is /32).
// Python: ipaddress.ip_network(text, strict=False).
class Network {
 public:
  // Throws std::invalid_argument naming `text` if it is not an address with an optional
  // prefix length that fits the family.
  static Network parse(const std::string& text);
  // Whether `address` (an IPv4 or IPv6 client) is in this network. Unix addresses never are.
  bool contains(const socketserver::SocketAddress& address) const;

 private:
  int family_ = 0;                // AF_INET or AF_INET6
  unsigned char bytes_[16] = {};  // The network's address, 4 or 16 bytes used.
  int prefix_ = 0;                // How many leading bits must match.
};

// At most max_requests accepted per client host in any window of this length.
struct RateLimit {
  int max_requests = 5;
  std::chrono::steady_clock::duration window = std::chrono::seconds(1);
};

// What verify_request() asks for the time; the check passes a clock it can move.
using Clock = std::function<std::chrono::steady_clock::time_point()>;

class GuardedServer : public socketserver::TCPServer {
 public:
  GuardedServer(socketserver::SocketAddress server_address, socketserver::HandlerFactory handler,
                std::vector<Network> allowed, RateLimit limit,
                Clock clock = std::chrono::steady_clock::now);

  // False (the request is closed unserved) for a client outside every allowed network, or
  // one that already had limit.max_requests requests accepted in the last limit.window.
  bool verify_request(socketserver::Request& request,
                      const socketserver::SocketAddress& client_address) override;

  // How many client hosts the rate limit holds times for. A host whose last accepted request
  // is older than the window is forgotten, so this never exceeds the number of hosts seen
  // within one window.
  std::size_t remembered_addresses() const;

 private:
  std::vector<Network> allowed_;
  RateLimit limit_;
  Clock clock_;
  // Per client host (without its port), the times of its accepted requests within the last
  // window, oldest first. Serving thread only.
  std::map<std::string, std::deque<std::chrono::steady_clock::time_point>> accepted_;
};

}  // namespace exercise

#endif  // GUARDED_SERVER_H_
