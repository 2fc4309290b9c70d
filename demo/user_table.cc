#include "demo/user_table.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace socketserver::demo {

UserTable UserTable::builtin() {
  UserTable table;
  table.passwords_ = {{"fan", "123"}, {"te", "234"}, {"fei", "345"}};
  return table;
}

UserTable UserTable::parse(std::string_view text, const std::string& source) {
  UserTable table;
  std::map<std::string, int> first_line;  // name -> the line it was defined on
  int number = 0;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    std::string line(text.substr(0, end));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();  // A file written on Windows.
    if (line.empty() || line[0] == '#') continue;

    std::string where = source + " line " + std::to_string(number) + ": ";
    std::size_t colon = line.find(':');  // The first one: a password may contain ':'.
    if (colon == std::string::npos || colon == 0 || colon + 1 == line.size()) {
      throw UsersFileError(where + "expected name:password, got '" + line + "'");
    }
    std::string name = line.substr(0, colon);
    auto [previous, added] = first_line.emplace(name, number);
    if (!added) {
      throw UsersFileError(where + "user '" + name + "' is already on line " +
                           std::to_string(previous->second));
    }
    table.passwords_[name] = line.substr(colon + 1);
  }
  if (table.passwords_.empty()) throw UsersFileError(source + ": no users in it");
  return table;
}

UserTable UserTable::load(const std::string& path) {
  // open(2) and read(2) rather than a stream: their errno says why ("No such file or
  // directory", "Is a directory"), which a lecturer with a typo in the path wants to know.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  std::string text;
  char chunk[4096];
  ssize_t n = fd < 0 ? -1 : 0;
  while (fd >= 0 && (n = ::read(fd, chunk, sizeof chunk)) != 0) {
    if (n < 0 && errno != EINTR) break;
    if (n > 0) text.append(chunk, static_cast<std::size_t>(n));
  }
  int error = errno;
  if (fd >= 0) ::close(fd);
  if (n < 0) throw UsersFileError(path + ": cannot read it: " + std::strerror(error));
  return parse(text, path);
}

bool UserTable::check_password(const std::string& name, std::string_view password) const {
  auto found = passwords_.find(name);
  return found != passwords_.end() && constant_time_equal(found->second, password);
}

// [constant_time_equal]
bool constant_time_equal(std::string_view expected, std::string_view given) {
  // With lengths that differ the answer is already "no"; compare `given` with itself, so
  // that the loop below runs the same way in both cases.
  bool same_length = expected.size() == given.size();
  std::string_view reference = same_length ? expected : given;
  // OR together the differences of every pair of bytes, without stopping at the first one.
  // volatile: the compiler may not turn the loop back into an early return.
  volatile unsigned char differences = same_length ? 0 : 1;
  for (std::size_t i = 0; i < given.size(); ++i) {
    differences = differences |
                  (static_cast<unsigned char>(reference[i]) ^ static_cast<unsigned char>(given[i]));
  }
  return differences == 0;
}
// [end]

}  // namespace socketserver::demo
