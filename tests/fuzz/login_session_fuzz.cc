// Fuzzes the login protocol (demo/login_session.h): the code demo/login_server runs for each
// connection, between reading a line and writing the replies. The first byte picks
// --max-attempts (1 to 4); the rest is what one client sends, cut into lines the way the
// server's rfile.readline(1025) cuts it (so over-long lines, empty lines, "\r\n", NUL and
// other binary bytes all reach it). Each step is checked against the protocol of issue 6,
// restated here on its own:
//   - every reply is one of the protocol's forms, printable ASCII, at most kMaxReply bytes;
//   - the greeting gets "OK,I am ready"; an empty user name, an unknown message and a
//     password before a valid user name each get their "error: ..." and the session goes on;
//   - a wrong user name or password gets "invalid", and the max-attempts-th one
//     "too many attempts" and the close: never more "invalid" replies than max-attempts - 1;
//   - a line over 1,024 bytes gets "error: line longer than 1024 bytes" and the close;
//   - the right password after a valid user name gets "valid", the date line and the close;
//   - end of input (in the middle of a line or not) closes without a reply;
//   - the session keeps no more than one line's worth of user name and a count.
// The server stops reading after a close; so does this.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "demo/login_session.h"
#include "demo/user_table.h"

namespace socketserver::demo {
namespace {

constexpr std::string_view kUnknownEnd =
    "; expected \"Now client connect to Server\", \"username:NAME\" or \"userpasswd:PASSWORD\"";

void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "login_session_fuzz: %s\n", what);
  std::abort();
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// "2026-12-03 20:51:07 broken connect with server"
bool is_date_line(std::string_view reply) {
  constexpr std::string_view kPattern = "dddd-dd-dd dd:dd:dd broken connect with server";
  if (reply.size() != kPattern.size()) return false;
  for (std::size_t i = 0; i < reply.size(); ++i) {
    bool digit = std::isdigit(static_cast<unsigned char>(reply[i])) != 0;
    if (kPattern[i] == 'd' ? !digit : reply[i] != kPattern[i]) return false;
  }
  return true;
}

// The protocol's users (UserTable::builtin()), for the model.
const std::map<std::string, std::string, std::less<>> kUsers = {
    {"fan", "123"}, {"te", "234"}, {"fei", "345"}};

// What a session must do, written out again from the protocol: the replies and the close.
class Model {
 public:
  explicit Model(int max_attempts) : max_attempts_(max_attempts) {}

  LoginSession::Step receive(std::string_view line) {
    LoginSession::Step step;
    if (line.empty() || line.back() != '\n') {
      step.close = true;
      if (line.size() > LoginSession::kMaxLine) {
        step.replies = {"error: line longer than 1024 bytes"};
      }
      return step;
    }
    line.remove_suffix(1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line == "Now client connect to Server") {
      step.replies = {"OK,I am ready"};
    } else if (starts_with(line, "username:")) {
      std::string_view name = line.substr(9);
      if (name.empty()) {
        step.replies = {"error: empty user name"};
      } else if (kUsers.count(name) != 0) {
        name_ = std::string(name);
        step.replies = {"valid"};
      } else {
        name_.reset();
        failure(step);
      }
    } else if (starts_with(line, "userpasswd:")) {
      if (!name_) {
        step.replies = {"error: send username first"};
      } else if (kUsers.find(*name_)->second == line.substr(11)) {
        step.replies = {"valid", "(the date line)"};
        step.close = true;
      } else {
        failure(step);
      }
    } else {
      step.replies = {"(unknown message)"};
    }
    return step;
  }

 private:
  void failure(LoginSession::Step& step) {
    if (++failures_ < max_attempts_) {
      step.replies = {"invalid"};
    } else {
      step.replies = {"too many attempts"};
      step.close = true;
    }
  }

  int max_attempts_;
  int failures_ = 0;
  std::optional<std::string> name_;
};

// True if `reply` is what the model's `expected` stands for.
bool matches(const std::string& reply, const std::string& expected) {
  if (expected == "(the date line)") return is_date_line(reply);
  if (expected == "(unknown message)") {
    return starts_with(reply, "error: unknown message \"") && reply.size() >= kUnknownEnd.size() &&
           reply.compare(reply.size() - kUnknownEnd.size(), kUnknownEnd.size(), kUnknownEnd) == 0;
  }
  return reply == expected;
}

}  // namespace
}  // namespace socketserver::demo

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace socketserver::demo;
  if (size == 0) return 0;
  const int max_attempts = 1 + data[0] % 4;
  const std::string_view sent(reinterpret_cast<const char*>(data) + 1, size - 1);

  static const UserTable users = UserTable::builtin();
  LoginSession session(users, max_attempts);
  Model model(max_attempts);
  int invalid = 0;
  std::size_t start = 0;
  for (;;) {
    // rfile.readline(kMaxLine + 1): up to and with the next '\n', at most 1,025 bytes; empty
    // at end of input.
    std::size_t end = sent.find('\n', start);
    end = end == std::string_view::npos ? sent.size() : end + 1;
    end = std::min(end, start + LoginSession::kMaxLine + 1);
    const std::string_view line = sent.substr(start, end - start);
    start = end;

    LoginSession::Step step = session.receive(line);
    LoginSession::Step expected = model.receive(line);
    check(step.replies.size() == expected.replies.size(), "not the replies the protocol says");
    for (std::size_t i = 0; i < step.replies.size(); ++i) {
      const std::string& reply = step.replies[i];
      check(matches(reply, expected.replies[i]), "a reply that is not the protocol's");
      check(reply.size() <= LoginSession::kMaxReply, "a reply longer than kMaxReply");
      for (char c : reply) check(c >= 0x20 && c < 0x7f, "an unprintable byte in a reply");
      if (reply == "invalid") ++invalid;
    }
    check(step.close == expected.close, "closed when it should not, or the other way round");
    check(invalid < max_attempts, "more failed attempts than max-attempts allows");
    check(session.failures() <= max_attempts, "counted past max-attempts");
    check(!session.user() || session.user()->size() <= LoginSession::kMaxLine,
          "keeps a user name longer than a line");
    if (step.close) return 0;  // The server closes: nothing more is read.
    check(!line.empty(), "went on after end of input");
  }
}
