// A mistake a student could make, kept to prove that the check catches it: a client must be
// in every allowed network instead of in one of them.
#include "guarded_server.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <stdexcept>
#include <utility>

namespace exercise {

using socketserver::Request;
using socketserver::SocketAddress;

// --- Network: given with the exercise ---

Network Network::parse(const std::string& text) {
  Network network;
  const std::size_t slash = text.find('/');
  const std::string host = text.substr(0, slash);
  if (::inet_pton(AF_INET, host.c_str(), network.bytes_) == 1) {
    network.family_ = AF_INET;
  } else if (::inet_pton(AF_INET6, host.c_str(), network.bytes_) == 1) {
    network.family_ = AF_INET6;
  } else {
    throw std::invalid_argument("allow-list entry '" + text + "': not an IPv4 or IPv6 address");
  }
  const int bits = network.family_ == AF_INET ? 32 : 128;
  network.prefix_ = bits;
  if (slash != std::string::npos) {
    const std::string prefix = text.substr(slash + 1);
    std::size_t used = 0;
    int value = -1;
    try {
      value = std::stoi(prefix, &used);
    } catch (const std::exception&) {
    }
    if (prefix.empty() || used != prefix.size() || value < 0 || value > bits) {
      throw std::invalid_argument("allow-list entry '" + text + "': the prefix length must be 0-" +
                                  std::to_string(bits));
    }
    network.prefix_ = value;
  }
  return network;
}

bool Network::contains(const SocketAddress& address) const {
  unsigned char bytes[16];
  if (address.family() != family_ || ::inet_pton(family_, address.host().c_str(), bytes) != 1) {
    return false;
  }
  for (int bit = 0; bit < prefix_; ++bit) {
    const int mask = 0x80 >> (bit % 8);
    if ((bytes[bit / 8] & mask) != (bytes_[bit / 8] & mask)) return false;
  }
  return true;
}

// --- GuardedServer ---

GuardedServer::GuardedServer(SocketAddress server_address, socketserver::HandlerFactory handler,
                             std::vector<Network> allowed, RateLimit limit, Clock clock)
    : TCPServer(std::move(server_address), std::move(handler)),
      allowed_(std::move(allowed)),
      limit_(limit),
      clock_(std::move(clock)) {}

bool GuardedServer::verify_request(Request& /*request*/, const SocketAddress& client_address) {
  // The mistake: in every network, where any one of them should do.
  bool allowed = true;
  for (const Network& network : allowed_) allowed = allowed && network.contains(client_address);
  if (!allowed) return false;

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
