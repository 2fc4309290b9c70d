// readme_address(): the address the README's examples use in the test, in place of
// "127.0.0.1:8123": the environment variable README_ADDRESS ("127.0.0.1:0" for the server,
// so the kernel picks a free port; then "127.0.0.1:PORT" for the client).
#ifndef TESTS_README_README_ADDRESS_H_
#define TESTS_README_README_ADDRESS_H_

#include <cstdlib>
#include <iostream>
#include <string>

inline std::string readme_address() {
  const char* address = std::getenv("README_ADDRESS");
  if (address == nullptr) {
    std::cerr << "README_ADDRESS is not set\n";
    std::exit(2);
  }
  return address;
}

#endif  // TESTS_README_README_ADDRESS_H_
