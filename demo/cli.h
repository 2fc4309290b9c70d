// Command-line flags shared by the demo programs.
//
// Every demo takes one command line (docs/echo_demo.md lists it):
//   servers:  --server tcp|udp|unix|unix-dgram  --host HOST  --port PORT  --path PATH
//             --mixin none|threading|forking  --max-children N  --selector poll|select
//             --poll-interval SECONDS  --stack-size SIZE  --trace  --help (or -h)
//   clients:  the same address flags (--server, --host, --port, --path) and their own.
//
// parse_command_line() is the start of every demo's main(): it walks argv with a FlagReader
// ("--port 8123" or "--port=8123"), handles --help and -h, and turns every mistake into one
// line and a hint on stderr, exit status 2. The program passes only its own flags, and
// read_address_flag() or read_server_flag() for the shared ones:
//
//   ClientFlags flags;
//   std::optional<int> status = parse_command_line(
//       argc, argv, {"echo_client", kUsage, /*repeatable=*/{"--message"}},
//       [&](FlagReader& reader) { return read_client_flag(reader, flags); },
//       [&] { check_address_flags(flags.address, /*for_client=*/true); });
//   if (status) return *status;  // 0 after --help, 2 after a mistake.
//
// Parsing and the address only: building a server or a socket from the flags is each
// program's business, where a student can see it.
#ifndef DEMO_CLI_H_
#define DEMO_CLI_H_

#include <cstddef>
#include <functional>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>

#include "server/socket.h"  // Seconds
#include "server/socket_address.h"

namespace socketserver::demo {

// A bad flag or a bad value. what() says which, e.g. "--port 70000: not a port (0-65535)".
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Prints two lines on stderr and returns 2, the exit status for a command-line mistake:
//   echo_server: --port 70000: not a port (0-65535)
//   Try 'echo_server --help' for more.
// Not the help page: it would push the error off a projected screen. (`usage` is not
// printed; it may be left out.)
int usage_error(const std::string& program, const std::string& message,
                const std::string& usage = "");

// --server: which of the four concrete servers (Python: TCPServer, UDPServer,
// UnixStreamServer, UnixDatagramServer).
enum class ServerKind { tcp, udp, unix_stream, unix_datagram };

// "tcp", "udp", "unix", "unix-dgram": the spelling used on the command line.
const char* to_string(ServerKind kind);
// unix and unix-dgram are addressed by a path; tcp and udp by host and port.
bool uses_path(ServerKind kind);
// udp and unix-dgram exchange datagrams; tcp and unix are byte streams.
bool is_datagram(ServerKind kind);

// --mixin: how requests are handled (Python: no mix-in, ThreadingMixIn, ForkingMixIn).
enum class MixIn { none, threading, forking };

// --selector: which Selector serve_forever() waits with (PollSelector is the default).
enum class SelectorKind { poll, select };

// The flags that say where a server is: the same for a server and for its client.
struct AddressFlags {
  ServerKind server = ServerKind::tcp;
  std::optional<std::string> host;  // Not given: kDefaultHost.
  std::optional<int> port;  // Not given: a server uses 0 (any free port); a client needs it.
  std::string path;         // Not given (empty): a server makes one; a client needs it.
};

// Where demos listen and connect unless told otherwise: loopback, reachable from this machine
// only, so a lecture demo never opens a port to the network.
inline constexpr char kDefaultHost[] = "127.0.0.1";

// The flags of every server demo.
struct ServerFlags {
  AddressFlags address;
  MixIn mixin = MixIn::none;
  std::optional<std::size_t> max_children;  // Not given: ForkingMixIn's default (40).
  std::optional<std::size_t> stack_size;    // Not given: ThreadingMixIn's default (8 MiB).
  SelectorKind selector = SelectorKind::poll;
  Seconds poll_interval{0.5};      // serve_forever()'s default, as in Python.
  Seconds grace{2};                // serve_until_signal()'s: how long a stop waits for handlers.
  std::optional<Seconds> timeout;  // StreamRequestHandler::timeout; not given: none.
  bool trace = false;
};

// Walks the command line one flag at a time. Both "--name value" and "--name=value" work;
// "-h" reads as "--help".
class FlagReader {
 public:
  // A flag may be given once, unless it is in `repeatable` ({"--message"}).
  FlagReader(int argc, char** argv, std::set<std::string> repeatable = {});

  // Moves to the next flag; false when the command line is used up. Throws UsageError for an
  // argument that is not a flag ("hello" instead of "--message hello") and for a flag given
  // a second time ("--port 1 --port 2": which one did the user mean?).
  bool next();
  // The current flag without its "=value" part: "--port" ("--help" for "-h").
  const std::string& flag() const { return flag_; }
  // The current flag's value: the text after '=', or else the next argument.
  // Throws UsageError when there is none.
  std::string value();
  // For a flag that takes no value (--trace, --help): throws UsageError for "--trace=yes".
  void no_value() const;

 private:
  int argc_;
  char** argv_;    // Borrowed from main().
  int index_ = 0;  // argv_[index_] is the current flag; 0 before the first.
  std::string flag_;
  std::optional<std::string> inline_;  // The "value" of "--name=value".
  std::set<std::string> repeatable_;
  std::set<std::string> seen_;  // The flags read so far.
};

// What parse_command_line() needs to know of a program besides its flags.
struct Program {
  std::string name;                       // "echo_server": begins every error line.
  std::string usage;                      // The help page: --help and -h print it on stdout.
  std::set<std::string> repeatable = {};  // Flags that may be given more than once.
};

// The start of every demo's main(). For each flag on the command line, calls `read_flag`,
// which reads the program's own flags and returns false for any it does not know ("unknown
// flag --foo"); then calls `check` (if given), which checks the flags against each other.
// --help or -h prints program.usage on stdout and stops. A UsageError from anywhere (the
// FlagReader, a value parser, read_flag, check) goes to usage_error().
// Returns the status main() should exit with at once, 0 after --help and 2 after a mistake,
// or std::nullopt when the flags are good and the program should run.
std::optional<int> parse_command_line(int argc, char** argv, const Program& program,
                                      const std::function<bool(FlagReader&)>& read_flag,
                                      const std::function<void()>& check = nullptr);

// Value parsers. Each throws UsageError naming the flag and the text it was given.
// A port, 0-65535: digits only.
int parse_port(const std::string& flag, const std::string& text);
// A positive, finite number of seconds: "0.5", "2".
Seconds parse_seconds(const std::string& flag, const std::string& text);
// A positive whole number: "1", "40".
std::size_t parse_count(const std::string& flag, const std::string& text);
// A size in bytes, digits with an optional k (KiB) or m (MiB) suffix: "65536", "256k", "8m".
// Positive, at most 1 GiB.
std::size_t parse_size(const std::string& flag, const std::string& text);
// --stack-size, for ThreadingMixIn::stack_size: parse_size(), and at least
// PTHREAD_STACK_MIN (16k), below which no thread can start.
std::size_t parse_stack_size(const std::string& flag, const std::string& text);
ServerKind parse_server_kind(const std::string& flag, const std::string& text);
MixIn parse_mixin(const std::string& flag, const std::string& text);
SelectorKind parse_selector(const std::string& flag, const std::string& text);

// If the current flag is --server, --host, --port or --path, reads its value into `address`
// and returns true; otherwise returns false and reads nothing.
bool read_address_flag(FlagReader& reader, AddressFlags& address);
// The same for every server flag (the address flags included) except --help.
bool read_server_flag(FlagReader& reader, ServerFlags& flags);

// Checks the flags against each other once all are read: --path only for Unix servers,
// --host and --port only for IP servers, --max-children only with --mixin forking,
// --stack-size only with --mixin threading.
// --timeout only for stream servers.
// A client (for_client) must also say where the server is: --port (1-65535) or --path.
// Throws UsageError.
void check_address_flags(const AddressFlags& address, bool for_client);
void check_server_flags(const ServerFlags& flags);

// The address the flags name. tcp and udp: SocketAddress::parse("HOST:PORT"), with brackets
// added around an IPv6 host ("::1" becomes "[::1]:PORT"), port 0 when not given. unix and
// unix-dgram: the path, or `default_path` when --path was not given.
// Throws std::invalid_argument, from SocketAddress, for a bad host or path; its what() says
// what is wrong ("bad address '1.2.3:0': '1.2.3' is not an IPv4 address ...").
SocketAddress socket_address(const AddressFlags& address, const std::string& default_path = "");

}  // namespace socketserver::demo

#endif  // DEMO_CLI_H_
