#include "server/errors.h"

#include <cxxabi.h>
#include <unistd.h>

#include <cstdlib>
#include <exception>
#include <typeinfo>

namespace socketserver {

void write_stderr(std::string_view left) {
  while (!left.empty()) {
    ssize_t n = ::write(STDERR_FILENO, left.data(), left.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // Nowhere to report to: nothing better to do.
    left.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::string describe_current_exception() {
  std::string type = "unknown exception";
  if (const std::type_info* info = abi::__cxa_current_exception_type()) {
    int status = 0;
    char* name = abi::__cxa_demangle(info->name(), nullptr, nullptr, &status);
    type = (status == 0 && name != nullptr) ? name : info->name();
    std::free(name);
  }
  try {
    throw;
  } catch (const std::exception& e) {
    return type + ": " + e.what();
  } catch (...) {
    return type;
  }
}

}  // namespace socketserver
