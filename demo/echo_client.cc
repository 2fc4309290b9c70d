// echo_client: sends lines to echo_server and prints what comes back.
// Python: the TCP and UDP clients of the socketserver documentation.
//
//   echo_client --port 40000 --message hello --message world
//   printf 'one\ntwo\n' | echo_client --server unix --path /tmp/ss-AbC123/echo.sock
//
// Each message goes out as one line, "TEXT\n": over a stream (tcp, unix) on one connection,
// one after the other; over datagrams (udp, unix-dgram) as one datagram each. After each, the
// client waits for the echo and prints it as it came, byte for byte.
//
// When the server is not there, or does not answer within --timeout seconds, the client says
// why in one line on stderr and exits 1; a bad flag exits 2.
#include <unistd.h>

#include <cstddef>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "demo/cli.h"
#include "demo/temp_dir.h"
#include "handlers/buffered_reader.h"
#include "server/errors.h"
#include "server/socket.h"
#include "server/socket_address.h"

namespace socketserver::demo {
namespace {

constexpr char kUsage[] =
    R"(usage: echo_client [--server tcp|udp|unix|unix-dgram] [--host HOST] --port PORT
                   [--path PATH] [--message TEXT]... [--timeout SECONDS] [--help|-h]

Sends each message as one line to echo_server and prints each reply.
Without --message, sends the lines read from standard input.

  --server KIND       the server's kind: tcp (default), udp, unix or unix-dgram
  --host HOST         tcp/udp: the server's address (default 127.0.0.1)
  --port PORT         tcp/udp: the server's port (required)
  --path PATH         unix/unix-dgram: the server's socket file (required)
  --message TEXT      a line to send; repeat it for more lines
  --timeout SECONDS   give up when a reply takes longer (default 5)
  --help, -h          print this help and exit
)";

struct ClientFlags {
  AddressFlags address;
  std::vector<std::string> messages;  // Empty: read standard input.
  Seconds timeout{5};
};

// Something went wrong talking to the server; what() is the one-line reason for stderr.
class ClientError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Where the lines to send come from: the --message flags or, when there are none, standard
// input, read one line at a time so that typed lines are echoed as they are typed.
class Lines {
 public:
  explicit Lines(const std::vector<std::string>& messages) : messages_(messages) {}

  // Sets `line` to the next line (without its '\n'); false when there are no more.
  bool next(std::string& line) {
    if (messages_.empty()) return static_cast<bool>(std::getline(std::cin, line));
    if (next_ == messages_.size()) return false;
    line = messages_[next_++];
    return true;
  }

 private:
  const std::vector<std::string>& messages_;  // Borrowed from ClientFlags.
  std::size_t next_ = 0;
};

// "5 s", "0.5 s": for "no reply within ...".
std::string describe(Seconds seconds) {
  std::ostringstream text;
  text << seconds.count() << " s";
  return text.str();
}

// [exchange]
// Stream: each line goes out on the one connection; the echo is the same bytes, so read
// exactly that many back. (rfile is the BufferedReader a StreamRequestHandler reads with.)
void echo_stream(Socket& socket, Lines& lines) {
  BufferedReader rfile(&socket, BufferedReader::kDefaultBufferSize);
  for (std::string line; lines.next(line);) {
    std::string message = line + "\n";
    socket.sendall(message);
    std::string reply = rfile.read(message.size());  // Fewer bytes only at end of input.
    std::cout << reply << std::flush;
    if (reply.size() < message.size()) throw ClientError("the server closed the connection");
  }
}

// Datagram: each line is one datagram, and so is its echo.
void echo_datagrams(Socket& socket, Lines& lines) {
  for (std::string line; lines.next(line);) {
    socket.send(line + "\n");
    std::cout << socket.recv(65536) << std::flush;  // At most one datagram, whatever its size.
  }
}
// [end]

// Connects to the server and runs the exchange. Throws ClientError.
void run(const ClientFlags& flags) {
  SocketAddress server = socket_address(flags.address);
  bool datagram = is_datagram(flags.address.server);
  Socket socket(server.family(), datagram ? SOCK_DGRAM : SOCK_STREAM);
  // Every receive waits at most this long, then throws TimeoutError: a client never hangs.
  socket.settimeout(flags.timeout);

  // A Unix datagram client must have an address of its own, or the server's reply would have
  // nowhere to go (UDP gets a port automatically; a Unix socket gets no path). The folder is
  // removed, with the socket file in it, when `own_dir` goes out of scope.
  std::optional<TempDir> own_dir;
  if (flags.address.server == ServerKind::unix_datagram) {
    own_dir.emplace();
    socket.bind(SocketAddress::unix_path(own_dir->file("client.sock")));
  }

  // connect() a datagram socket too: it sets the default destination for send(), lets only
  // the server's datagrams in, and makes the kernel report "Connection refused" when no one
  // is listening, instead of leaving recv() to time out.
  try {
    socket.connect(server);
  } catch (const std::system_error& e) {
    throw ClientError("cannot connect to " + server.to_string() + ": " + e.code().message());
  }

  Lines lines(flags.messages);
  try {
    if (datagram) {
      echo_datagrams(socket, lines);
    } else {
      echo_stream(socket, lines);
    }
  } catch (const TimeoutError&) {
    throw ClientError("no reply from " + server.to_string() + " within " + describe(flags.timeout));
  } catch (const std::system_error& e) {
    // A datagram client learns only now, from recv(), that nobody listens: ECONNREFUSED.
    std::string what =
        e.code() == std::errc::connection_refused ? "cannot connect to " : "cannot talk to ";
    throw ClientError(what + server.to_string() + ": " + e.code().message());
  }
}

// Reads one of the client's flags into `flags`; false for a flag it does not know.
bool read_client_flag(FlagReader& reader, ClientFlags& flags) {
  const std::string& flag = reader.flag();
  if (flag == "--message") {
    flags.messages.push_back(reader.value());
  } else if (flag == "--timeout") {
    flags.timeout = parse_seconds(flag, reader.value());
  } else {
    return read_address_flag(reader, flags.address);
  }
  return true;
}

}  // namespace
}  // namespace socketserver::demo

int main(int argc, char** argv) {
  using namespace socketserver::demo;
  ClientFlags flags;
  std::optional<int> status = parse_command_line(
      argc, argv, {"echo_client", kUsage, {"--message"}},
      [&](FlagReader& reader) { return read_client_flag(reader, flags); },
      [&] { check_address_flags(flags.address, /*for_client=*/true); });
  if (status) return *status;  // 0 after --help, 2 after a mistake.
  if (flags.messages.empty() && ::isatty(STDIN_FILENO)) {
    std::cerr << "echo_client: type lines to send; Ctrl-D ends\n";
  }

  try {
    run(flags);
  } catch (const std::invalid_argument& e) {  // A bad --host or --path, from SocketAddress.
    return usage_error("echo_client", e.what());
  } catch (const std::exception& e) {  // ClientError, or socket() and bind() failing.
    std::cerr << "echo_client: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
