// GuardedServer: a TCPServer that serves only clients on an allow-list, and each of them at
// most `max_requests` times in any `window`.
// Python: a TCPServer subclass whose verify_request() checks client_address[0] against a
// list of ipaddress networks and keeps recent request times per address.
//
// The exercise: docs/exercises/allow_list/README.md. verify_request() and
// remembered_addresses() are yours, in guarded_server.cc; the allow-list is demo/allow_list.h's
// AllowList, which the login demo uses too. Run tools/exercise.sh allow_list.
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

#include "demo/allow_list.h"
#include "server/request.h"
#include "server/socket_address.h"
#include "server/tcp_server.h"

namespace exercise {

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
                socketserver::demo::AllowList allowed, RateLimit limit,
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
  socketserver::demo::AllowList allowed_;
  RateLimit limit_;
  Clock clock_;
  // Per client host (without its port), the times of its accepted requests within the last
  // window, oldest first. Serving thread only.
  std::map<std::string, std::deque<std::chrono::steady_clock::time_point>> accepted_;
};

}  // namespace exercise

#endif  // GUARDED_SERVER_H_
