#include "demo/login_session.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "demo/user_table.h"

namespace socketserver::demo {
namespace {

using Replies = std::vector<std::string>;

const UserTable& users() {
  static const UserTable table = UserTable::builtin();
  return table;
}

TEST_CASE("a login: greeting, user name, password, then the date line and the close") {
  LoginSession session(users(), 3);
  LoginSession::Step step = session.receive("Now client connect to Server\n");
  CHECK(step.replies == Replies{"OK,I am ready"});
  CHECK_FALSE(step.close);
  step = session.receive("username:fan\r\n");  // "\r\n" from telnet or nc -C.
  CHECK(step.replies == Replies{"valid"});
  CHECK(*session.user() == "fan");
  step = session.receive("userpasswd:123\n");
  REQUIRE(step.replies.size() == 2);
  CHECK(step.replies[0] == "valid");
  CHECK(step.replies[1].find(" broken connect with server") == 19);  // After the date.
  CHECK(step.close);
  CHECK(step.event == LoginSession::Event::logged_in);
}

TEST_CASE("a password before any user name is an error, and the session goes on") {
  LoginSession session(users(), 3);
  LoginSession::Step step = session.receive("userpasswd:123\n");
  CHECK(step.replies == Replies{"error: send username first"});
  CHECK_FALSE(step.close);
  CHECK(session.failures() == 0);  // Not an attempt.
  // An invalid user name forgets the valid one before it.
  session.receive("username:fan\n");
  CHECK(session.receive("username:nobody\n").replies == Replies{"invalid"});
  CHECK(session.receive("userpasswd:123\n").replies == Replies{"error: send username first"});
}

TEST_CASE("max-attempts failed user names and passwords: invalid, then too many attempts") {
  LoginSession session(users(), 3);
  CHECK(session.receive("username:nobody\n").replies == Replies{"invalid"});
  CHECK(session.receive("username:te\n").replies == Replies{"valid"});
  CHECK(session.receive("userpasswd:wrong\n").replies == Replies{"invalid"});
  LoginSession::Step step = session.receive("userpasswd:234 \n");  // The space counts.
  CHECK(step.replies == Replies{"too many attempts"});
  CHECK(step.close);
  CHECK(step.event == LoginSession::Event::too_many_attempts);
}

TEST_CASE("an empty user name and an unknown message: one error line each") {
  LoginSession session(users(), 1);
  CHECK(session.receive("username:\n").replies == Replies{"error: empty user name"});
  LoginSession::Step step = session.receive(std::string("hi\0\x7f", 4) + "\n");
  REQUIRE(step.replies.size() == 1);
  CHECK(step.replies[0].rfind("error: unknown message \"hi??\"; expected ", 0) == 0);
  CHECK(step.event == LoginSession::Event::unknown_message);
  CHECK(step.message == "\"hi??\"");
  CHECK_FALSE(step.close);
  CHECK(session.failures() == 0);
}

TEST_CASE("a line of 1,024 bytes is a line; one of 1,025 is an error and the close") {
  LoginSession session(users(), 3);
  std::string longest(LoginSession::kMaxLine, 'x');
  LoginSession::Step step = session.receive(longest + "\n");
  CHECK_FALSE(step.close);
  CHECK(step.replies[0].size() <= LoginSession::kMaxReply);  // The message is cut.
  // What readline(kMaxLine + 1) returns for a longer line: 1,025 bytes and no '\n'.
  step = session.receive(longest + "x");
  CHECK(step.replies == Replies{"error: line longer than 1024 bytes"});
  CHECK(step.close);
  CHECK(step.event == LoginSession::Event::line_too_long);
}

TEST_CASE("end of input closes without a reply, in the middle of a line or not") {
  LoginSession session(users(), 3);
  LoginSession::Step step = session.receive("");
  CHECK(step.replies.empty());
  CHECK(step.close);
  step = LoginSession(users(), 3).receive("username:fa");
  CHECK(step.replies.empty());
  CHECK(step.close);
}

TEST_CASE("--legacy-framing: answer() takes a message as one recv() returned it") {
  LoginSession session(users(), 3);
  CHECK(session.answer("Now client connect to Server").replies == Replies{"OK,I am ready"});
  // Two messages glued together are one unknown message: the original's bug, kept.
  LoginSession::Step step = session.answer("Now client connect to Serverusername:fan");
  CHECK(step.event == LoginSession::Event::unknown_message);
}

}  // namespace
}  // namespace socketserver::demo
