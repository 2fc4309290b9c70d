// echo_server: sends every line (stream servers) or every datagram (datagram servers) back to
// the client that sent it.
// Python: the TCP and UDP echo servers of the socketserver documentation.
//
// One program for all twelve servers: --server picks TCPServer, UDPServer, UnixStreamServer
// or UnixDatagramServer, and --mixin puts ThreadingMixIn or ForkingMixIn in front of it.
//
//   echo_server                                   TCPServer on 127.0.0.1, any free port
//   echo_server --server unix --mixin forking --trace
//
// The first line on stdout is "listening on ADDRESS"; SIGINT (Ctrl-C) or SIGTERM stops the
// server cleanly (exit 0). Pair it with echo_client. docs/echo_demo.md has every flag and
// what to look for in a lecture.
#include <cstddef>
#include <exception>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "demo/cli.h"
#include "demo/serve_until_signal.h"
#include "demo/temp_dir.h"
#include "handlers/base_request_handler.h"
#include "handlers/datagram_request_handler.h"
#include "handlers/stream_request_handler.h"
#include "mixins/forking_mixin.h"
#include "mixins/threading_mixin.h"
#include "server/base_server.h"
#include "server/select_selector.h"
#include "server/serve_until_signal.h"
#include "server/socket_address.h"
#include "server/tcp_server.h"
#include "server/udp_server.h"
#include "server/unix_datagram_server.h"
#include "server/unix_stream_server.h"

namespace socketserver::demo {
namespace {

constexpr char kUsage[] =
    R"(usage: echo_server [--server tcp|udp|unix|unix-dgram] [--host HOST] [--port PORT]
                   [--path PATH] [--mixin none|threading|forking] [--max-children N]
                   [--stack-size SIZE] [--selector poll|select] [--poll-interval SECONDS]
                   [--timeout SECONDS] [--grace SECONDS] [--trace] [--help|-h]

Sends every line (tcp, unix) or every datagram (udp, unix-dgram) back to its sender.
Prints "listening on ADDRESS" first; SIGINT (Ctrl-C) or SIGTERM stops it: at once for new
clients, within --grace for those still connected; a second signal cuts them off at once.

  --server KIND           tcp (default), udp, unix (UnixStreamServer) or unix-dgram
                          (UnixDatagramServer)
  --host HOST             tcp/udp: the address to listen on (default 127.0.0.1; IPv6: ::1)
  --port PORT             tcp/udp: 0-65535; 0 (default) lets the kernel pick a free port
  --path PATH             unix/unix-dgram: the socket file to create
                          (default: a new folder /tmp/ss-XXXXXX, file echo.sock)
  --mixin MIXIN           none (default): one request at a time; threading: a thread per
                          request (ThreadingMixIn); forking: a process per request
                          (ForkingMixIn)
  --max-children N        with --mixin forking: at most N children at once (default 40)
  --stack-size SIZE       with --mixin threading: each request thread's stack, in bytes or
                          with k or m (256k, 8m; default: the system's, 8m on Linux)
  --selector SELECTOR     what serve_forever() waits with: poll (default) or select
  --poll-interval SECONDS how often an idle serve_forever() wakes up (default 0.5)
  --timeout SECONDS       tcp/unix: give up on a client silent for this long (default: never)
  --grace SECONDS         on SIGINT/SIGTERM, how long clients still connected may stay
                          before they are cut off (default 2)
  --trace                 print each step of each request on stderr, with pid and thread id
  --help, -h              print this help and exit
)";

// [echo_handlers]
// Python:
//   class EchoStreamHandler(socketserver.StreamRequestHandler):
//       def handle(self):
//           for line in self.rfile:
//               self.wfile.write(line)
class EchoStreamHandler : public StreamRequestHandler {
 public:
  // --timeout: each read or write waits at most this long (Python: the class attribute
  // `timeout`), so a client that stalls cannot hold a plain server for ever.
  explicit EchoStreamHandler(const std::optional<Seconds>& seconds) { timeout = seconds; }
  void handle() override {
    // readline() returns "" only at end of input: when the client has closed its side.
    for (std::string line; !(line = rfile.readline()).empty();) wfile.write(line);
  }
};

// Python:
//   class EchoDatagramHandler(socketserver.DatagramRequestHandler):
//       def handle(self):
//           self.wfile.write(self.packet)
class EchoDatagramHandler : public DatagramRequestHandler {
 public:
  // finish() sends what wfile holds back to client_address, as one datagram.
  void handle() override { wfile.write(packet); }
};
// [end]

// --max-children exists only on a ForkingMixIn; overload resolution picks the template for
// ForkingMixIn<Anything> and the plain function for every other server.
// (check_server_flags() has already refused --max-children without --mixin forking, and
// --stack-size without --mixin threading.)
template <class Base>
void set_max_children(ForkingMixIn<Base>& server, std::size_t max_children) {
  server.max_children = max_children;
}
void set_max_children(BaseServer&, std::size_t) {}
// The same for --stack-size, which exists only on a ThreadingMixIn (docs/benchmark.md says
// what a smaller stack saves).
template <class Base>
void set_stack_size(ThreadingMixIn<Base>& server, std::size_t stack_size) {
  server.stack_size = stack_size;
}
void set_stack_size(BaseServer&, std::size_t) {}

// [run_server]
// Builds, configures and runs one kind of server until SIGINT or SIGTERM; returns the exit
// status. `Server` is any of the twelve: TCPServer, ThreadingMixIn<UDPServer> (Python's
// ThreadingUDPServer), ForkingMixIn<UnixStreamServer>, ...
template <class Server>
int run_server(const ServerFlags& flags, const SocketAddress& address,
               HandlerFactory handler_factory) {
  // C++ order: construct, set the attributes, then bind_and_activate(). Python's constructor
  // binds at once; here that would run before the attributes below are set.
  Server server(address, std::move(handler_factory));
  if (flags.trace) server.trace = BaseServer::print_trace;
  if (flags.selector == SelectorKind::select) {
    server.server_selector = [] { return std::make_unique<SelectSelector>(); };
  }
  if (flags.max_children) set_max_children(server, *flags.max_children);
  if (flags.stack_size) set_stack_size(server, *flags.stack_size);
  server.bind_and_activate();

  // server_address is now the bound address: port 0 has become the port the kernel chose.
  // std::endl flushes, so a script reading our stdout through a pipe sees the line at once.
  std::cout << "listening on " << server.server_address.to_string() << std::endl;

  // Returns after SIGINT or SIGTERM, once the server is closed: a Unix server has removed its
  // socket file, a forking server has reaped its children and a threading server joined its
  // threads, all within the grace period (see server/serve_until_signal.h).
  int signal = serve_until_signal(server, flags.poll_interval, flags.grace);
  std::cerr << "echo_server: " << signal_name(signal) << ", shutting down\n";
  return 0;
}
// [end]

// Puts the --mixin in front of a concrete server class. ThreadingMixIn<TCPServer> is what
// Python spells `class ThreadingTCPServer(ThreadingMixIn, TCPServer)`; mixins/
// composed_servers.h gives all eight such names.
template <class Base>
int run_with_mixin(const ServerFlags& flags, const SocketAddress& address,
                   HandlerFactory handler_factory) {
  switch (flags.mixin) {
    case MixIn::none:
      return run_server<Base>(flags, address, std::move(handler_factory));
    case MixIn::threading:
      return run_server<ThreadingMixIn<Base>>(flags, address, std::move(handler_factory));
    case MixIn::forking:
      return run_server<ForkingMixIn<Base>>(flags, address, std::move(handler_factory));
  }
  throw std::logic_error("unknown --mixin");
}

// Picks the server class (--server) and the handler that suits it: streams echo lines,
// datagram servers echo packets.
int run(const ServerFlags& flags, const SocketAddress& address) {
  switch (flags.address.server) {
    case ServerKind::tcp:
      return run_with_mixin<TCPServer>(flags, address, handler<EchoStreamHandler>(flags.timeout));
    case ServerKind::udp:
      return run_with_mixin<UDPServer>(flags, address, handler<EchoDatagramHandler>());
    case ServerKind::unix_stream:
      return run_with_mixin<UnixStreamServer>(flags, address,
                                              handler<EchoStreamHandler>(flags.timeout));
    case ServerKind::unix_datagram:
      return run_with_mixin<UnixDatagramServer>(flags, address, handler<EchoDatagramHandler>());
  }
  throw std::logic_error("unknown --server");
}

}  // namespace
}  // namespace socketserver::demo

int main(int argc, char** argv) {
  using namespace socketserver::demo;
  // Before anything else, and before any thread exists: see demo/serve_until_signal.h.
  block_stop_signals();

  ServerFlags flags;
  std::optional<int> status = parse_command_line(
      argc, argv, {"echo_server", kUsage},
      [&](FlagReader& reader) { return read_server_flag(reader, flags); },
      [&] { check_server_flags(flags); });
  if (status) return *status;  // 0 after --help, 2 after a mistake.

  // A Unix server without --path gets a fresh folder for its socket file. Declared before
  // the server is built, so it outlives it: server_close() removes the file, then this
  // folder goes.
  std::optional<TempDir> socket_dir;
  socketserver::SocketAddress address;
  try {
    if (uses_path(flags.address.server) && flags.address.path.empty()) {
      socket_dir.emplace();
      address = socket_address(flags.address, socket_dir->file("echo.sock"));
    } else {
      address = socket_address(flags.address);
    }
  } catch (const std::invalid_argument& e) {  // A bad --host or --path.
    return usage_error("echo_server", e.what());
  } catch (const std::exception& e) {  // mkdtemp failed.
    std::cerr << "echo_server: " << e.what() << "\n";
    return 1;
  }

  try {
    return run(flags, address);
  } catch (const std::exception& e) {  // Most often bind(): "Address already in use".
    std::cerr << "echo_server: " << e.what() << "\n";
    return 1;
  }
}
