// A mistake a student could make, kept to prove that the check catches it: the allow-list
// test inverted, so the clients on the list are refused and the others served.
#include "guarded_server.h"

#include <utility>

namespace exercise {

using socketserver::Request;
using socketserver::SocketAddress;

// --- GuardedServer ---

GuardedServer::GuardedServer(SocketAddress server_address, socketserver::HandlerFactory handler,
                             socketserver::demo::AllowList allowed, RateLimit limit, Clock clock)
    : TCPServer(std::move(server_address), std::move(handler)),
      allowed_(std::move(allowed)),
      limit_(limit),
      clock_(std::move(clock)) {}

bool GuardedServer::verify_request(Request& /*request*/, const SocketAddress& client_address) {
  if (allowed_.allows(client_address)) return false;  // The mistake: the test is inverted.

  // Forget what is older than the window, for every host: a host that does not come back
  // must not stay in memory for ever.
  const auto now = clock_();
  for (auto it = accepted_.begin(); it != accepted_.end();) {
    auto& times = it->second;
    while (!times.empty() && now - times.front() >= limit_.window) times.pop_front();
    it = times.empty() ? accepted_.erase(it) : std::next(it);
  }

  // The host alone: each connection comes from another port.
  auto& times = accepted_[client_address.host()];
  if (static_cast<int>(times.size()) >= limit_.max_requests) return false;  // Not counted.
  times.push_back(now);
  return true;
}

std::size_t GuardedServer::remembered_addresses() const { return accepted_.size(); }

}  // namespace exercise
