#include "demo/user_table.h"

#include <doctest/doctest.h>

#include <string>

namespace socketserver::demo {
namespace {

TEST_CASE("constant_time_equal gives the answer == gives") {
  CHECK(constant_time_equal("123", "123"));
  CHECK(constant_time_equal("", ""));
  CHECK_FALSE(constant_time_equal("123", "124"));
  CHECK_FALSE(constant_time_equal("123", "023"));  // A difference in the first byte...
  CHECK_FALSE(constant_time_equal("123", "12"));   // ...and in the length.
  CHECK_FALSE(constant_time_equal("123", "1234"));
  CHECK_FALSE(constant_time_equal("123", ""));
  CHECK_FALSE(constant_time_equal("", "1"));
  // Bytes that differ only in their top bit, and NULs inside the strings.
  CHECK_FALSE(constant_time_equal(std::string("a\x80", 2), std::string("a\x00", 2)));
  CHECK(constant_time_equal(std::string("a\0b", 3), std::string("a\0b", 3)));
  CHECK_FALSE(constant_time_equal(std::string("a\0b", 3), std::string("a\0c", 3)));
}

TEST_CASE("the built-in users are the course's") {
  UserTable users = UserTable::builtin();
  CHECK(users.size() == 3);
  CHECK(users.check_password("fan", "123"));
  CHECK(users.check_password("te", "234"));
  CHECK(users.check_password("fei", "345"));
  CHECK_FALSE(users.check_password("fan", "234"));
  CHECK_FALSE(users.check_password("nobody", "123"));
  CHECK(users.contains("fei"));
  CHECK_FALSE(users.contains("Fan"));
}

TEST_CASE("a users file: name:password lines, comments and blank lines skipped") {
  UserTable users = UserTable::parse("# the users\nann:a:b:c\r\n\nbob:x\n", "u.txt");
  CHECK(users.size() == 2);
  CHECK(users.check_password("ann", "a:b:c"));  // The first ':' ends the name.
  CHECK(users.check_password("bob", "x"));
}

TEST_CASE("a malformed users file names the line") {
  auto error = [](const char* text) {
    try {
      UserTable::parse(text, "u.txt");
    } catch (const UsersFileError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error("ann:1\nbob\n") == "u.txt line 2: expected name:password, got 'bob'");
  CHECK(error("ann:1\n\n:2\n") == "u.txt line 3: expected name:password, got ':2'");
  CHECK(error("ann:\n") == "u.txt line 1: expected name:password, got 'ann:'");
  CHECK(error("ann:1\nann:2\n") == "u.txt line 2: user 'ann' is already on line 1");
  CHECK(error("# nobody\n") == "u.txt: no users in it");
}

TEST_CASE("a users file that cannot be read says why") {
  try {
    UserTable::load("/nonexistent/users.txt");
    FAIL("no error");
  } catch (const UsersFileError& e) {
    CHECK(std::string(e.what()) ==
          "/nonexistent/users.txt: cannot read it: No such file or directory");
  }
}

}  // namespace
}  // namespace socketserver::demo
