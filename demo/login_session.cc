#include "demo/login_session.h"

#include <time.h>

#include <string>
#include <string_view>

namespace socketserver::demo {
namespace {

constexpr std::string_view kUserPrefix = "username:";
constexpr std::string_view kPasswordPrefix = "userpasswd:";

// "2026-12-03 20:51:07": what the original meant to print (its format string had a typo).
std::string now_text() {
  time_t now = ::time(nullptr);
  struct tm local {};
  ::localtime_r(&now, &local);
  char text[32];
  ::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &local);
  return text;
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

LoginSession::Step reply(std::string message, bool close = false) {
  LoginSession::Step step;
  step.replies.push_back(std::move(message));
  step.close = close;
  return step;
}

}  // namespace

std::string LoginSession::quoted(std::string_view message) {
  std::string text;
  for (char c : message.substr(0, 60)) text += (c >= 0x20 && c < 0x7f) ? c : '?';
  return "\"" + text + (message.size() > 60 ? "...\"" : "\"");
}

// [login_receive]
LoginSession::Step LoginSession::receive(std::string_view line) {
  if (line.empty() || line.back() != '\n') {
    Step step;  // End of input, in the middle of a line or not: the client has left.
    step.close = true;
    if (line.size() > kMaxLine) {  // Or it sent more than a line may hold.
      step.replies.push_back("error: line longer than " + std::to_string(kMaxLine) + " bytes");
      step.event = Event::line_too_long;
    }
    return step;
  }
  line.remove_suffix(1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // From telnet or nc -C.
  return answer(line);
}
// [end]

// [login_answer]
LoginSession::Step LoginSession::answer(std::string_view message) {
  if (message == kGreeting) return reply("OK,I am ready");
  if (starts_with(message, kUserPrefix)) {
    std::string name(message.substr(kUserPrefix.size()));
    if (name.empty()) return reply("error: empty user name");
    if (!users_.contains(name)) {
      name_.reset();
      return failed_attempt();
    }
    name_ = name;
    return reply("valid");
  }
  if (starts_with(message, kPasswordPrefix)) {
    // The original crashed here: its name variable did not exist yet.
    if (!name_) return reply("error: send username first");
    if (!users_.check_password(*name_, message.substr(kPasswordPrefix.size()))) {
      return failed_attempt();
    }
    Step step = reply("valid", /*close=*/true);  // Logged in: the server closes.
    step.replies.push_back(now_text() + " broken connect with server");
    step.event = Event::logged_in;
    return step;
  }
  Step step = reply("error: unknown message " + quoted(message) + "; expected \"" + kGreeting +
                    "\", \"username:NAME\" or \"userpasswd:PASSWORD\"");
  step.event = Event::unknown_message;
  step.message = quoted(message);
  return step;
}

// A wrong user name or password: "invalid", or "too many attempts" and the end.
LoginSession::Step LoginSession::failed_attempt() {
  if (++failures_ < max_attempts_) return reply("invalid");
  Step step = reply("too many attempts", /*close=*/true);
  step.event = Event::too_many_attempts;
  return step;
}
// [end]

}  // namespace socketserver::demo
