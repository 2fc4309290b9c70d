#include "upper_case_handler.h"

#include <string>

namespace exercise {

void UpperCaseHandler::handle() {
  // An echo server, for a start: each line comes back as it was sent.
  // TODO: send each line back in capitals instead.
  for (const std::string& line : rfile) wfile.write(line);
}

}  // namespace exercise
