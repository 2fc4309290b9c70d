#include "server/errors.h"

namespace socketserver {

void throw_system_error(const std::string& what, int err) {
  throw std::system_error(err, std::generic_category(), what);
}

}  // namespace socketserver
