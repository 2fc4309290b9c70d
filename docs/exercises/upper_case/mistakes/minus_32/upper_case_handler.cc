// A mistake a student could make, kept to prove that the check catches it: every byte from
// 'a' up is taken for a lower-case letter, so '{', '|', '}' and '~' change too.
#include "upper_case_handler.h"

#include <string>

namespace exercise {

void UpperCaseHandler::handle() {
  for (std::string line : rfile) {
    for (char& c : line) {
      if (c >= 'a') c = static_cast<char>(c - ('a' - 'A'));
    }
    wfile.write(line);
  }
}

}  // namespace exercise
