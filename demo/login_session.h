// LoginSession: the login server's protocol for one connection, without the socket.
// Python: what the course's handle() did between conn.recv() and conn.send(), taken out so that
// it can be tested and fuzzed alone. demo/login_server's handler reads a line, gives it to
// receive(), writes the replies and closes when told; tests/fuzz/login_session_fuzz.cc drives
// the same code with random lines.
//
//   LoginSession session(users, max_attempts);
//   LoginSession::Step step = session.receive(rfile.readline(LoginSession::kMaxLine + 1));
//   for (const std::string& reply : step.replies) wfile.write(reply + "\n");
//   if (step.close) return;  // The session is over.
//
// The protocol, one message per line (docs/login_demo.md):
//   Now client connect to Server  ->  OK,I am ready
//   username:NAME                 ->  valid | invalid | error: empty user name
//   userpasswd:PASSWORD           ->  valid, then "YYYY-mm-dd HH:MM:SS broken connect with
//                                     server", then close | invalid
//                                     | error: send username first (no valid name yet)
//   anything else                 ->  error: unknown message "..."; expected ...
//   a line over kMaxLine bytes    ->  error: line longer than 1024 bytes, then close
// The failed attempt that reaches max_attempts (user name or password) is answered
// "too many attempts" instead of "invalid", then close.
//
// Bounded: it keeps one user name (a known one, so no longer than a line) and a count; every
// reply is printable ASCII and at most kMaxReply bytes, whatever the client sends.
// Borrows the user table, which must outlive it. One per connection: not shared by threads.
#ifndef DEMO_LOGIN_SESSION_H_
#define DEMO_LOGIN_SESSION_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "demo/user_table.h"

namespace socketserver::demo {

class LoginSession {
 public:
  static constexpr std::size_t kMaxLine = 1024;  // Bytes in a line, not counting its "\n".
  static constexpr std::size_t kMaxReply = 200;  // Bytes in a reply, not counting its "\n".
  static constexpr char kGreeting[] = "Now client connect to Server";

  // What the server writes to its log after a step (the session itself writes nothing).
  enum class Event { none, unknown_message, line_too_long, too_many_attempts, logged_in };

  struct Step {
    std::vector<std::string> replies;  // Each one message, without its "\n".
    bool close = false;                // The session is over: the server closes.
    Event event = Event::none;
    std::string message;  // With Event::unknown_message: the message, as quoted() shows it.
  };

  LoginSession(const UserTable& users, int max_attempts)
      : users_(users), max_attempts_(max_attempts) {}

  // One line as readline(kMaxLine + 1) returns it: ending in "\n" (a "\r" before it is
  // ignored, for telnet and nc -C), or without one when the client left in the middle of a
  // line (close, no reply) or sent more than kMaxLine bytes (an error reply, then close).
  // An empty line is end of input: close, no reply.
  Step receive(std::string_view line);
  // One message without its framing: a line without "\n", or (with --legacy-framing)
  // whatever one recv() returned.
  Step answer(std::string_view message);

  // The last valid user name the client sent; empty before one, and after an invalid one.
  const std::optional<std::string>& user() const { return name_; }
  int failures() const { return failures_; }  // Wrong user names and passwords so far.

  // `message` for a reply or the log: in double quotes, at most 60 bytes of it, anything
  // unprintable as '?', so that a client can make neither long nor put control bytes in it.
  static std::string quoted(std::string_view message);

 private:
  Step failed_attempt();

  const UserTable& users_;  // Borrowed.
  int max_attempts_;
  std::optional<std::string> name_;
  int failures_ = 0;
};

}  // namespace socketserver::demo

#endif  // DEMO_LOGIN_SESSION_H_
