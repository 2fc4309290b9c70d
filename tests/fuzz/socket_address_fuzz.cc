// Fuzzes SocketAddress::parse(): any text either gives an address or throws
// std::invalid_argument (nothing else, no crash), and an address that parses prints as text
// that parses back to the same address.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string_view>

#include "server/socket_address.h"
#include "tests/fuzz/no_network.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using socketserver::SocketAddress;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  SocketAddress address;
  try {
    address = SocketAddress::parse(text);
  } catch (const std::invalid_argument&) {
    return 0;  // Refused, with a message: what bad input must get.
  }
  if (SocketAddress::parse(address.to_string()) != address) std::abort();
  return 0;
}
