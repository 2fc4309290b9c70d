// For the fuzzers only: host names are never resolved. SocketAddress::parse() calls
// getaddrinfo(3) for a name such as "localhost"; with random input that would send random
// names to the network's DNS server. This definition, in the fuzzer's own binary, takes the
// place of the C library's, and refuses every name (numeric addresses never reach it).
#ifndef TESTS_FUZZ_NO_NETWORK_H_
#define TESTS_FUZZ_NO_NETWORK_H_

#include <netdb.h>

extern "C" int getaddrinfo(const char*, const char*, const struct addrinfo*,
                           struct addrinfo** result) {
  *result = nullptr;
  return EAI_NONAME;
}

#endif  // TESTS_FUZZ_NO_NETWORK_H_
