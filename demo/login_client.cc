// login_client: the course's login client, done right. Pair it with login_server.
//
//   login_client                                   asks for a user name and a password
//   login_client --user fan --password 123         no questions: for scripts and tests
//   login_client --legacy-framing --coalesce --user fan --password 123
//                                                  the original's wire format, and its bug
//
// It greets the server ("Now client connect to Server"), prints the answer, asks
// "-->username: " until the server says the name is valid, then "-->userpasswd: " until the
// password is, and prints the server's last line (the date). With --user or --password the
// value is sent once: if the server refuses it, the client says so and exits 1.
//
// --coalesce sends the greeting and the user name in one segment, as a busy network or a
// proxy may deliver them. login_server reads lines and answers both; with --legacy-framing
// it takes them for one message and does not understand it (docs/login_demo.md).
//
// Exit status: 0 logged in; 1 refused, or the server is not there, closed early or did not
// answer within --timeout (one line on stderr says which); 2 a bad flag.
#include <unistd.h>

#include <initializer_list>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>

#include "demo/cli.h"
#include "handlers/buffered_reader.h"
#include "server/errors.h"
#include "server/socket.h"
#include "server/socket_address.h"

namespace socketserver::demo {
namespace {

constexpr char kUsage[] =
    R"(usage: login_client [--host HOST] [--port PORT] [--user NAME] [--password PASSWORD]
                    [--legacy-framing] [--coalesce] [--timeout SECONDS] [--help]

Logs in to login_server: asks for a user name, then a password, as the course's client did.

  --host HOST          the server's address (default 127.0.0.1)
  --port PORT          the server's port (default 8123)
  --user NAME          send this user name instead of asking; exit 1 if it is refused
  --password PASSWORD  send this password instead of asking; exit 1 if it is refused
  --legacy-framing     the original's wire format: no newlines, one message per send()
  --coalesce           send the greeting and the user name in one segment
  --timeout SECONDS    give up when a reply takes longer (default 5)
  --help               print this help and exit
)";

constexpr int kDefaultPort = 8123;
constexpr std::size_t kMaxReply = 4096;        // Longer than any reply login_server sends.
constexpr std::size_t kLegacyRecvSize = 1024;  // The original's sk.recv(1024).
constexpr char kGreeting[] = "Now client connect to Server";

struct Flags {
  AddressFlags address;  // --host and --port only.
  std::optional<std::string> user;
  std::optional<std::string> password;
  bool legacy_framing = false;
  bool coalesce = false;
  Seconds timeout{5};
};

// Something went wrong; what() is the one-line reason for stderr.
class ClientError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The connection to the server, in either wire format.
class Connection {
 public:
  Connection(Socket& socket, bool legacy_framing)
      : socket_(socket), legacy_(legacy_framing), rfile_(&socket, kMaxReply) {}

  // Sends messages in one send(): one, or several at once (--coalesce).
  void send(std::initializer_list<std::string> messages) {
    std::string data;
    for (const std::string& message : messages) data += legacy_ ? message : message + "\n";
    socket_.sendall(data);
  }

  // The next reply. Throws ClientError if the server closes the connection first.
  std::string receive(const char* waiting_for) {
    if (legacy_) {
      // The original: whatever one recv() returns is one reply.
      std::string data = socket_.recv(kLegacyRecvSize);
      if (data.empty()) throw closed(waiting_for);
      return data;
    }
    std::string line = rfile_.readline(kMaxReply);
    if (line.empty() || line.back() != '\n') throw closed(waiting_for);
    line.pop_back();
    return line;
  }

 private:
  static ClientError closed(const char* waiting_for) {
    return ClientError(std::string("the server closed the connection before ") + waiting_for);
  }

  Socket& socket_;  // Borrowed.
  bool legacy_;
  BufferedReader rfile_;
};

// A value from its flag, or typed by the user after the prompt. Prints the prompt either way,
// so a transcript reads the same; a password from a flag shows as stars.
std::string ask(const char* prompt, const std::optional<std::string>& given, bool secret) {
  std::cout << prompt << std::flush;
  if (given) {
    std::cout << (secret ? std::string(given->size(), '*') : *given) << "\n";
    return *given;
  }
  std::string line;
  if (!std::getline(std::cin, line)) throw ClientError("no answer on standard input");
  // From a pipe or a file nothing shows what was read: show it, as a terminal would have.
  if (!::isatty(STDIN_FILENO)) std::cout << (secret ? std::string(line.size(), '*') : line) << "\n";
  return line;
}

// What the server answered a user name or a password: true for "valid", false for a reply
// worth another try. Throws ClientError when there is no point in trying again.
bool accepted(const std::string& reply, bool from_flag, const std::string& what) {
  if (reply == "valid") return true;
  if (reply == "too many attempts") throw ClientError("the server says: too many attempts");
  bool invalid = reply == "invalid";
  if (!invalid && reply.rfind("error: ", 0) != 0) {
    throw ClientError("unexpected reply to the " + what + ": \"" + reply + "\"");
  }
  if (from_flag) {
    throw ClientError("login failed: " + (invalid ? "wrong " + what : "the server says: " + reply));
  }
  // The original said "username Erroe,try again".
  std::cout << (invalid ? "Wrong " + what : "The server says: " + reply) << ", try again.\n";
  return false;
}

// [login]
// The original client's conversation, with its messages in plain English.
void log_in(Connection& server, const Flags& flags) {
  std::optional<std::string> name;
  if (flags.coalesce) {
    // The greeting and the first user name leave in one segment.
    name = ask("-->username: ", flags.user, false);
    server.send({kGreeting, "username:" + *name});
  } else {
    server.send({kGreeting});
  }
  std::string hello = server.receive("answering the greeting");
  if (hello != "OK,I am ready") {
    throw ClientError("expected \"OK,I am ready\", the server answered: " + hello);
  }
  std::cout << hello << "\n";

  for (;;) {
    if (!name) {
      name = ask("-->username: ", flags.user, false);
      server.send({"username:" + *name});
    }
    if (accepted(server.receive("answering the user name"), flags.user.has_value(), "user name"))
      break;
    name.reset();
  }
  for (;;) {
    server.send({"userpasswd:" + ask("-->userpasswd: ", flags.password, true)});
    if (accepted(server.receive("answering the password"), flags.password.has_value(), "password"))
      break;
  }
  std::cout << server.receive("sending the date") << std::endl;
}
// [end]

// "5 s", "0.5 s": for "no reply within ...".
std::string describe(Seconds seconds) {
  std::ostringstream text;
  text << seconds.count() << " s";
  return text.str();
}

// Connects and logs in. Throws ClientError.
void run(const Flags& flags) {
  SocketAddress server = socket_address(flags.address);
  Socket socket(server.family(), SOCK_STREAM);
  socket.settimeout(flags.timeout);  // Every receive waits at most this long.
  try {
    socket.connect(server);
  } catch (const std::system_error& e) {
    throw ClientError("cannot connect to " + server.to_string() + ": " + e.code().message());
  }
  Connection connection(socket, flags.legacy_framing);
  try {
    log_in(connection, flags);
  } catch (const TimeoutError&) {
    throw ClientError("no reply from " + server.to_string() + " within " + describe(flags.timeout));
  } catch (const std::system_error& e) {  // ECONNRESET, EPIPE.
    throw ClientError("cannot talk to " + server.to_string() + ": " + e.code().message());
  }
}

// Reads one flag of the command line into `flags`; false for a flag it does not know.
bool read_login_flag(FlagReader& reader, Flags& flags) {
  const std::string& flag = reader.flag();
  if (flag == "--host" || flag == "--port") {
    read_address_flag(reader, flags.address);
  } else if (flag == "--user") {
    flags.user = reader.value();
  } else if (flag == "--password") {
    flags.password = reader.value();
  } else if (flag == "--legacy-framing") {
    reader.no_value();
    flags.legacy_framing = true;
  } else if (flag == "--coalesce") {
    reader.no_value();
    flags.coalesce = true;
  } else if (flag == "--timeout") {
    flags.timeout = parse_seconds(flag, reader.value());
  } else {
    return false;
  }
  return true;
}

}  // namespace
}  // namespace socketserver::demo

int main(int argc, char** argv) {
  using namespace socketserver::demo;
  Flags flags;
  flags.address.port = kDefaultPort;  // The course's port, unless --port says otherwise.
  std::optional<int> status = parse_command_line(
      argc, argv, {"login_client", kUsage},
      [&](FlagReader& reader) { return read_login_flag(reader, flags); },
      [&] {
        if (flags.address.port == 0) throw UsageError("--port 0: not a server's port (1-65535)");
      });
  if (status) return *status;  // 0 after --help, 2 after a mistake.

  try {
    run(flags);
  } catch (const std::invalid_argument& e) {  // A bad --host, from SocketAddress.
    return usage_error("login_client", e.what());
  } catch (const std::exception& e) {  // ClientError, or socket() failing.
    std::cout << std::flush;           // What was printed so far comes before the reason.
    std::cerr << "login_client: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
