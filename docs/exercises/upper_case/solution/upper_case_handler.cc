#include "upper_case_handler.h"

#include <cctype>
#include <string>

namespace exercise {

void UpperCaseHandler::handle() {
  // Python: for line in self.rfile: self.wfile.write(line.upper())
  // A range-for reads line by line; the last line may lack its '\n', and it is answered too.
  for (std::string line : rfile) {
    for (char& c : line) {
      // std::toupper takes an unsigned char's value: a plain char above 127 is negative.
      // Only a-z change in the "C" locale, so other bytes (UTF-8 too) come back as sent.
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    wfile.write(line);
  }
}

}  // namespace exercise
