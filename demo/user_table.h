// UserTable: the login demo's users and their passwords, and a password check that takes the
// same time wherever a wrong password differs from the right one.
// Python: the course's `users = {"fan": "123", ...}` dictionary and hmac.compare_digest().
//
// Built once, before the server starts, and never changed afterwards: every handler thread
// reads the one table its server holds (LoginServer::users), without a lock and without a
// copy, as every Python handler instance reads one class attribute.
//
//   UserTable users = UserTable::builtin();        fan:123, te:234, fei:345
//   UserTable users = UserTable::load("users.txt");
//
// A users file has one "name:password" per line; blank lines and lines starting with '#' are
// skipped. A line without ':', with an empty name or password, or naming a user twice is a
// UsersFileError whose what() names the file and the line number.
#ifndef DEMO_USER_TABLE_H_
#define DEMO_USER_TABLE_H_

#include <map>
#include <stdexcept>
#include <string>
#include <string_view>

namespace socketserver::demo {

// A users file that cannot be read or has a malformed line.
// what(): "users.txt line 3: expected name:password, got 'fan'".
class UsersFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class UserTable {
 public:
  // The course's three users: fan:123, te:234, fei:345.
  static UserTable builtin();
  // Parses the text of a users file; `source` names it in errors. Throws UsersFileError.
  static UserTable parse(std::string_view text, const std::string& source);
  // Reads and parses the file at `path`. Throws UsersFileError.
  static UserTable load(const std::string& path);

  bool contains(const std::string& name) const { return passwords_.count(name) != 0; }
  // True if `name` is a user and `password` is exactly theirs. The comparison is
  // constant_time_equal(): how long it takes does not tell where a wrong password goes wrong.
  bool check_password(const std::string& name, std::string_view password) const;
  std::size_t size() const { return passwords_.size(); }

 private:
  std::map<std::string, std::string> passwords_;  // name -> password
};

// True if `expected` and `given` are the same bytes. Looks at every byte of `given` whatever
// it finds, so the time depends on the length of `given` alone, never on the position of the
// first difference (a timing attack guesses a password one byte at a time by measuring that).
// Python: hmac.compare_digest(), which also reveals nothing but the lengths.
bool constant_time_equal(std::string_view expected, std::string_view given);

}  // namespace socketserver::demo

#endif  // DEMO_USER_TABLE_H_
