// Command-line flags shared by the demo programs.
//
// Every demo takes one command line (docs/echo_demo.md lists it):
//   servers:  --server tcp|udp|unix|unix-dgram  --host HOST  --port PORT  --path PATH
//             --mixin none|threading|forking  --max-children N  --selector poll|select
//             --poll-interval SECONDS  --trace  --help
//   clients:  the same address flags (--server, --host, --port, --path) and their own.
//
// A FlagReader walks argv one flag at a time ("--port 8123" or "--port=8123");
// read_address_flag() and read_server_flag() understand the shared flags, so each program's
// parser only adds its own. Any mistake is a UsageError: main() prints it with the usage on
// stderr and exits 2 (usage_error() does both).
//
// Parsing and the address only: building a server or a socket from the flags is each
// program's business, where a student can see it.
#ifndef DEMO_CLI_H_
#define DEMO_CLI_H_

#include <cstddef>
#include <optional>
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

// Prints "PROGRAM: MESSAGE" and then `usage` on stderr; returns 2, the exit status for a
// command-line mistake.
int usage_error(const std::string& program, const std::string& message, const std::string& usage);

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
  SelectorKind selector = SelectorKind::poll;
  Seconds poll_interval{0.5};  // serve_forever()'s default, as in Python.
  bool trace = false;
};

// Walks the command line one flag at a time. Both "--name value" and "--name=value" work.
class FlagReader {
 public:
  FlagReader(int argc, char** argv);

  // Moves to the next flag; false when the command line is used up. Throws UsageError for an
  // argument that is not a flag ("hello" instead of "--message hello").
  bool next();
  // The current flag without its "=value" part: "--port".
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
};

// Value parsers. Each throws UsageError naming the flag and the text it was given.
// A port, 0-65535: digits only.
int parse_port(const std::string& flag, const std::string& text);
// A positive, finite number of seconds: "0.5", "2".
Seconds parse_seconds(const std::string& flag, const std::string& text);
// A positive whole number: "1", "40".
std::size_t parse_count(const std::string& flag, const std::string& text);
ServerKind parse_server_kind(const std::string& flag, const std::string& text);
MixIn parse_mixin(const std::string& flag, const std::string& text);
SelectorKind parse_selector(const std::string& flag, const std::string& text);

// If the current flag is --server, --host, --port or --path, reads its value into `address`
// and returns true; otherwise returns false and reads nothing.
bool read_address_flag(FlagReader& reader, AddressFlags& address);
// The same for every server flag (the address flags included) except --help.
bool read_server_flag(FlagReader& reader, ServerFlags& flags);

// Checks the flags against each other once all are read: --path only for Unix servers,
// --host and --port only for IP servers, --max-children only with --mixin forking.
// A client (for_client) must also say where the server is: --port (1-65535) or --path.
// Throws UsageError.
void check_address_flags(const AddressFlags& address, bool for_client);
void check_server_flags(const ServerFlags& flags);

// The address the flags name. tcp and udp: SocketAddress::parse("HOST:PORT"), with brackets
// added around an IPv6 host ("::1" becomes "[::1]:PORT"), port 0 when not given. unix and
// unix-dgram: the path, or `default_path` when --path was not given.
// Throws std::invalid_argument, from SocketAddress, for a bad host or path; its what() says
// what is wrong ("bad address '1.2.3:0': cannot resolve host ...").
SocketAddress socket_address(const AddressFlags& address, const std::string& default_path = "");

}  // namespace socketserver::demo

#endif  // DEMO_CLI_H_
