// login_server: the course's socketserver example, a login server, done right.
// Python: a ThreadingTCPServer on 127.0.0.1:8123 whose handler checks a user name, then a
// password. docs/login_demo.md shows it in use, and the original's bugs beside the fixes.
//
//   login_server                               ThreadingTCPServer on 127.0.0.1:8123
//   login_server --port 0 --mixin forking --trace
//   login_server --legacy-framing              the original's wire format, for login_client
//                                              --legacy-framing and the course's own client
//
// The protocol, one message per line ("\n"; a "\r" before it is ignored), is LoginSession's
// (demo/login_session.h), which the handler below feeds:
//   Now client connect to Server  ->  OK,I am ready
//   username:NAME                 ->  valid | invalid
//   userpasswd:PASSWORD           ->  valid, then "YYYY-mm-dd HH:MM:SS broken connect with
//                                     server", then the server closes | invalid
//   anything else                 ->  error: ...
// The failed attempt that reaches --max-attempts (user name or password) is answered
// "too many attempts" instead of "invalid", and the server closes.
//
// The first line on stdout is "listening on HOST:PORT"; SIGINT (Ctrl-C) or SIGTERM stops
// the server (exit 0); a bad flag or users file exits 2.
#include <chrono>
#include <exception>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "demo/allow_list.h"
#include "demo/cli.h"
#include "demo/login_session.h"
#include "demo/serve_until_signal.h"
#include "demo/user_table.h"
#include "handlers/base_request_handler.h"
#include "handlers/stream_request_handler.h"
#include "mixins/forking_mixin.h"
#include "mixins/threading_mixin.h"
#include "server/errors.h"
#include "server/serve_until_signal.h"
#include "server/socket_address.h"
#include "server/tcp_server.h"

namespace socketserver::demo {
namespace {

constexpr char kUsage[] =
    R"(usage: login_server [--host HOST] [--port PORT] [--mixin none|threading|forking]
                    [--users FILE] [--allow CIDR]... [--max-attempts N]
                    [--timeout SECONDS] [--grace SECONDS] [--legacy-framing] [--stack-size SIZE]
                    [--trace]
                    [--help]

The course's login server: a client greets it, sends a user name, then a password.
Prints "listening on HOST:PORT" first; SIGINT (Ctrl-C) or SIGTERM stops it.

  --host HOST         the address to listen on (default 127.0.0.1; IPv6: ::1)
  --port PORT         0-65535 (default 8123); 0 lets the kernel pick a free port
  --mixin MIXIN       threading (default): a thread per client (ThreadingMixIn);
                      forking: a process per client (ForkingMixIn); none: one client at a time
  --users FILE        the users, one name:password per line, instead of the built-in
                      fan:123, te:234 and fei:345
  --allow CIDR        admit only clients from this network (127.0.0.0/8, ::1/128, ...);
                      repeat it for more networks. Others are closed without a reply.
  --max-attempts N    failed user names and passwords allowed per connection (default 3)
  --timeout SECONDS   disconnect a client that says nothing for this long (default: never)
  --grace SECONDS     on SIGINT/SIGTERM, how long clients still connected may stay before
                      they are cut off (default 2; a second signal: at once)
  --legacy-framing    the original's wire format: no newlines, one message per recv()
  --stack-size SIZE   with --mixin threading: each client thread's stack, in bytes or with
                      k or m (256k, 8m; default: the system's, 8m on Linux)
  --trace             print each step of each request on stderr, with pid and thread id
  --help              print this help and exit
)";

constexpr int kDefaultPort = 8123;             // The course's port.
constexpr std::size_t kLegacyRecvSize = 1024;  // The original's conn.recv(1024).

// One line on stderr, written at once so that lines of concurrent handlers do not mix.
void log(const std::string& text) { write_stderr("login_server: " + text + "\n"); }

// [login_server]
// The server holds what every handler shares, as a Python server (or handler class) holds
// class attributes: one user table, read by every handler thread through `server`, never
// copied per request. All of it is set before bind_and_activate() and only read afterwards,
// so the threads need no lock. (Under --mixin forking, each child reads its own copy-on-write
// image of it.)
//
// Python:
//   class LoginServer(socketserver.TCPServer):
//       users = {"fan": "123", "te": "234", "fei": "345"}
//       max_attempts = 3
//       def verify_request(self, request, client_address): ...
class LoginServer : public TCPServer {
 public:
  using TCPServer::TCPServer;

  UserTable users = UserTable::builtin();
  int max_attempts = 3;
  std::optional<Seconds> session_timeout;  // The handlers' `timeout`; empty = wait for ever.
  bool legacy_framing = false;
  AllowList allow;  // Empty: every client is admitted.

  // Python: verify_request() returning False. The server then closes the connection at
  // once, without running a handler, so the client gets no reply at all.
  bool verify_request(Request&, const SocketAddress& client_address) override {
    if (allow.empty() || allow.allows(client_address)) return true;
    log("refused " + client_address.to_string() + ": not in --allow");
    return false;
  }
};
// [end]

// [login_handler]
// One LoginHandler per connection. The protocol is LoginSession's (demo/login_session.h): the
// handler only reads each message, hands it over, writes the replies and logs what happened.
// The session is the handler's member: that client's state (Python: self.*).
class LoginHandler : public StreamRequestHandler {
 public:
  // StreamRequestHandler::setup() applies `timeout` to the connection. Python sets it as a
  // class attribute; here it comes from the server, as everything the handlers share does.
  void setup() override {
    timeout = login_server().session_timeout;
    StreamRequestHandler::setup();
  }

  void handle() override {
    LoginSession session(login_server().users, login_server().max_attempts);
    try {
      for (;;) {
        LoginSession::Step step = login_server().legacy_framing
                                      ? receive_legacy(session)
                                      // One byte more than a line may have, so that a longer
                                      // one shows itself. rfile never holds more than that
                                      // plus one chunk, whatever the client sends.
                                      : session.receive(rfile.readline(LoginSession::kMaxLine + 1));
        reply(step.replies);
        log_event(step, session);
        // The original went on after end of input, reading nothing for ever.
        if (step.close) return;  // The client has left, or must go, or is logged in.
      }
    } catch (const TimeoutError&) {
      std::ostringstream seconds;  // "2 s", "0.5 s": as given to --timeout.
      seconds << login_server().session_timeout->count() << " s";
      log(client_address.to_string() + " said nothing for " + seconds.str() + ", disconnected");
    } catch (const std::system_error& e) {  // ECONNRESET, EPIPE: the client went away.
      log(client_address.to_string() + ": " + e.what());
    }
  }

 private:
  // Python: self.server, which is the LoginServer whatever mix-in was put in front of it.
  const LoginServer& login_server() const { return dynamic_cast<const LoginServer&>(*server); }

  // The original: whatever one recv() returns is one message. TCP promises no such thing;
  // docs/login_demo.md shows it going wrong.
  LoginSession::Step receive_legacy(LoginSession& session) {
    std::string data = connection->recv(kLegacyRecvSize);
    if (!data.empty()) return session.answer(data);
    LoginSession::Step left;  // End of input: the client has left.
    left.close = true;
    return left;
  }

  void reply(const std::vector<std::string>& replies) {
    for (std::size_t i = 0; i < replies.size(); ++i) {
      if (!login_server().legacy_framing) {
        wfile.write(replies[i] + "\n");
        continue;
      }
      // The original sent each reply with its own send() and no terminator, and slept
      // between its last two so that they would not arrive as one. With lines, the client
      // reads them apart however they arrive; only the legacy format needs the pause.
      if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(500));
      wfile.write(replies[i]);
    }
  }

  void log_event(const LoginSession::Step& step, const LoginSession& session) {
    const std::string client = client_address.to_string();
    switch (step.event) {
      case LoginSession::Event::none:
        break;
      case LoginSession::Event::unknown_message:
        log(client + " sent an unknown message " + step.message);
        break;
      case LoginSession::Event::line_too_long:
        log(client + " sent a line longer than " + std::to_string(LoginSession::kMaxLine) +
            " bytes, closed");
        break;
      case LoginSession::Event::too_many_attempts:
        log(client + ": too many attempts, closed");
        break;
      case LoginSession::Event::logged_in:
        log(*session.user() + " logged in from " + client);
        break;
    }
  }
};
// [end]

struct Flags {
  AddressFlags address;  // --host and --port only.
  MixIn mixin = MixIn::threading;
  std::optional<std::string> users_file;
  AllowList allow;  // Empty: every client.
  int max_attempts = 3;
  std::optional<Seconds> timeout;
  Seconds grace{2};
  bool legacy_framing = false;
  std::optional<std::size_t> stack_size;  // Not given: ThreadingMixIn's default.
  bool trace = false;
};

// --stack-size exists only on a ThreadingMixIn: overload resolution picks the template for
// ThreadingMixIn<LoginServer> and the plain function for the others.
template <class Base>
void set_stack_size(ThreadingMixIn<Base>& server, std::optional<std::size_t> stack_size) {
  server.stack_size = stack_size;
}
void set_stack_size(BaseServer&, std::optional<std::size_t>) {}

// Builds, configures and runs the server until SIGINT or SIGTERM; returns the exit status.
// `Server` is LoginServer, ThreadingMixIn<LoginServer> or ForkingMixIn<LoginServer>.
template <class Server>
int run_server(const Flags& flags, const SocketAddress& address, UserTable users) {
  Server server(address, handler<LoginHandler>());
  server.users = std::move(users);
  server.max_attempts = flags.max_attempts;
  server.session_timeout = flags.timeout;
  server.legacy_framing = flags.legacy_framing;
  server.allow = flags.allow;
  set_stack_size(server, flags.stack_size);
  server.allow_reuse_address = true;  // Restart at once on 8123 after a lecture's Ctrl-C.
  if (flags.trace) server.trace = BaseServer::print_trace;
  server.bind_and_activate();

  // std::endl flushes, so a script reading our stdout through a pipe sees the line at once.
  std::cout << "listening on " << server.server_address.to_string() << std::endl;
  // Returns after SIGINT or SIGTERM, and after server_close(), which waits for the handlers
  // still running (block_on_close), as leaving Python's `with` does.
  int signal = serve_until_signal(server, Seconds(0.5), flags.grace);
  log(signal_name(signal) + ", shutting down");
  return 0;
}

// Reads one flag of the command line into `flags`; false for a flag it does not know.
bool read_login_flag(FlagReader& reader, Flags& flags) {
  const std::string& flag = reader.flag();
  if (flag == "--host" || flag == "--port") {
    read_address_flag(reader, flags.address);
  } else if (flag == "--mixin") {
    flags.mixin = parse_mixin(flag, reader.value());
  } else if (flag == "--users") {
    flags.users_file = reader.value();
  } else if (flag == "--allow") {
    std::string cidr = reader.value();
    try {
      flags.allow.add(cidr);
    } catch (const std::invalid_argument& e) {  // "10.0.0.0/33: prefix length must be 0-32"
      throw UsageError(flag + " " + e.what());
    }
  } else if (flag == "--max-attempts") {
    flags.max_attempts = static_cast<int>(parse_count(flag, reader.value()));
  } else if (flag == "--timeout") {
    flags.timeout = parse_seconds(flag, reader.value());
  } else if (flag == "--grace") {
    flags.grace = parse_seconds(flag, reader.value());
  } else if (flag == "--legacy-framing") {
    reader.no_value();
    flags.legacy_framing = true;
  } else if (flag == "--stack-size") {
    flags.stack_size = parse_stack_size(flag, reader.value());
  } else if (flag == "--trace") {
    reader.no_value();
    flags.trace = true;
  } else {
    return false;
  }
  return true;
}

// Puts the --mixin in front of LoginServer, as Python writes
// `class ThreadingLoginServer(ThreadingMixIn, LoginServer)`.
int run(const Flags& flags, const SocketAddress& address, UserTable users) {
  switch (flags.mixin) {
    case MixIn::none:
      return run_server<LoginServer>(flags, address, std::move(users));
    case MixIn::threading:
      return run_server<ThreadingMixIn<LoginServer>>(flags, address, std::move(users));
    case MixIn::forking:
      return run_server<ForkingMixIn<LoginServer>>(flags, address, std::move(users));
  }
  throw std::logic_error("unknown --mixin");
}

}  // namespace
}  // namespace socketserver::demo

int main(int argc, char** argv) {
  using namespace socketserver::demo;
  // Before anything else, and before any thread exists: see demo/serve_until_signal.h.
  block_stop_signals();

  Flags flags;
  flags.address.port = kDefaultPort;  // The course's port, unless --port says otherwise.
  std::optional<int> status = parse_command_line(
      argc, argv, {"login_server", kUsage, /*repeatable=*/{"--allow"}},
      [&](FlagReader& reader) { return read_login_flag(reader, flags); },
      [&] {
        if (flags.stack_size && flags.mixin != MixIn::threading) {
          throw UsageError("--stack-size needs --mixin threading");
        }
      });
  if (status) return *status;  // 0 after --help, 2 after a mistake.

  socketserver::SocketAddress address;
  UserTable users = UserTable::builtin();
  try {
    address = socket_address(flags.address);
    if (flags.users_file) users = UserTable::load(*flags.users_file);
  } catch (const std::invalid_argument& e) {  // A bad --host, from SocketAddress.
    return usage_error("login_server", e.what());
  } catch (const UsersFileError& e) {  // "users.txt line 3: expected name:password, ..."
    std::cerr << "login_server: --users " << e.what() << "\n";
    return 2;
  }

  try {
    return run(flags, address, std::move(users));
  } catch (const std::exception& e) {  // Most often bind(): "Address already in use".
    std::cerr << "login_server: " << e.what() << "\n";
    return 1;
  }
}
