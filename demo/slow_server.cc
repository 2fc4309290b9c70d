// slow_server: a server whose handler takes a set time (--delay) to answer each request.
// Python: a StreamRequestHandler whose handle() calls time.sleep(delay) before it replies.
//
// The lecture on concurrency is built on it. With --mixin none a server handles one request
// at a time, so while one client is being served the others are not even read: the server is
// deaf. slow_clients starts several clients at once and prints when each was answered:
//
//   slow_server --delay 1                      TCPServer: answers at 1 s, 2 s, 3 s
//   slow_server --delay 1 --mixin threading    ThreadingTCPServer: all at about 1 s
//   slow_server --delay 1 --mixin forking      ForkingTCPServer: all at about 1 s
//
// Each request is one line from the client; after --delay seconds the reply is one line that
// says which process and thread answered: "answered by pid 4711 tid 4713". The first line on
// stdout is "listening on ADDRESS"; SIGINT or SIGTERM stops the server (exit 0).
// docs/slow_demo.md shows a session and what to point out.
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <exception>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "demo/cli.h"
#include "demo/serve_until_signal.h"
#include "demo/temp_dir.h"
#include "handlers/base_request_handler.h"
#include "handlers/stream_request_handler.h"
#include "mixins/forking_mixin.h"
#include "mixins/threading_mixin.h"
#include "server/base_server.h"
#include "server/select_selector.h"
#include "server/socket_address.h"
#include "server/tcp_server.h"
#include "server/unix_stream_server.h"

namespace socketserver::demo {
namespace {

constexpr char kUsage[] =
    R"(usage: slow_server [--delay SECONDS] [--server tcp|unix] [--host HOST] [--port PORT]
                   [--path PATH] [--mixin none|threading|forking] [--max-children N]
                   [--stack-size SIZE] [--selector poll|select] [--poll-interval SECONDS]
                   [--timeout SECONDS] [--grace SECONDS] [--trace] [--help|-h]

Answers each request (one line) after --delay seconds, with the pid and thread id that
answered. Pair it with slow_clients, which starts several clients at once.
Prints "listening on ADDRESS" first; SIGINT (Ctrl-C) or SIGTERM stops it.

  --delay SECONDS         how long each request takes (default 1)
  --server KIND           tcp (default) or unix (UnixStreamServer)
  --host HOST             tcp: the address to listen on (default 127.0.0.1)
  --port PORT             tcp: 0-65535; 0 (default) lets the kernel pick a free port
  --path PATH             unix: the socket file to create (default: a new folder
                          /tmp/ss-XXXXXX, file slow.sock)
  --mixin MIXIN           none (default): one request at a time, so the others wait;
                          threading: a thread per request; forking: a process per request
  --max-children N        with --mixin forking: at most N children at once (default 40)
  --stack-size SIZE       with --mixin threading: each request thread's stack, in bytes or
                          with k or m (256k, 8m; default: the system's, 8m on Linux)
  --selector SELECTOR     what serve_forever() waits with: poll (default) or select
  --poll-interval SECONDS how often an idle serve_forever() wakes up (default 0.5)
  --timeout SECONDS       drop a client that does not send its line within this long
                          (default 10)
  --grace SECONDS         on SIGINT/SIGTERM, how long clients still connected may stay
                          before they are cut off (default 2; a second signal: at once)
  --trace                 print each step of each request on stderr, with pid and thread id
  --help, -h              print this help and exit
)";

struct SlowFlags {
  ServerFlags server;
  Seconds delay{1};
};

// [slow_handler]
// Python:
//   class SlowHandler(socketserver.StreamRequestHandler):
//       def handle(self):
//           self.rfile.readline()
//           time.sleep(DELAY)   # the work; a server without a mix-in does nothing else meanwhile
//           self.wfile.write(b"answered by pid %d tid %d\n" % (os.getpid(),
//           threading.get_native_id()))
class SlowHandler : public StreamRequestHandler {
 public:
  SlowHandler(const Seconds& delay, const std::optional<Seconds>& limit) : delay_(delay) {
    // A client that never sends its line is dropped.
    timeout = limit.value_or(std::chrono::seconds(10));
  }

  void handle() override {
    if (rfile.readline(1024).empty()) return;  // The client left without asking.
    // time.sleep(), but one that the stop can cut short when --grace is over.
    if (!work_for(*connection, delay_)) return;
    long tid = ::syscall(SYS_gettid);
    wfile.write("answered by pid " + std::to_string(::getpid()) + " tid " + std::to_string(tid) +
                "\n");
  }

 private:
  Seconds delay_;
};
// [end]

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

// Builds, configures and runs one kind of server until SIGINT or SIGTERM (as echo_server).
template <class Server>
int run_server(const SlowFlags& flags, const SocketAddress& address) {
  Server server(address, handler<SlowHandler>(flags.delay, flags.server.timeout));
  if (flags.server.trace) server.trace = BaseServer::print_trace;
  if (flags.server.selector == SelectorKind::select) {
    server.server_selector = [] { return std::make_unique<SelectSelector>(); };
  }
  if (flags.server.max_children) set_max_children(server, *flags.server.max_children);
  if (flags.server.stack_size) set_stack_size(server, *flags.server.stack_size);
  server.bind_and_activate();
  std::cout << "listening on " << server.server_address.to_string() << std::endl;

  int signal = serve_until_signal(server, flags.server.poll_interval, flags.server.grace);
  std::cerr << "slow_server: " << signal_name(signal) << ", shutting down\n";
  return 0;
}

template <class Base>
int run_with_mixin(const SlowFlags& flags, const SocketAddress& address) {
  switch (flags.server.mixin) {
    case MixIn::none:
      return run_server<Base>(flags, address);
    case MixIn::threading:
      return run_server<ThreadingMixIn<Base>>(flags, address);
    case MixIn::forking:
      return run_server<ForkingMixIn<Base>>(flags, address);
  }
  throw std::logic_error("unknown --mixin");
}

// Reads one of slow_server's flags into `flags`; false for a flag it does not know.
bool read_slow_flag(FlagReader& reader, SlowFlags& flags) {
  if (reader.flag() == "--delay") {
    flags.delay = parse_seconds(reader.flag(), reader.value());
    return true;
  }
  return read_server_flag(reader, flags.server);
}

void check_slow_flags(const SlowFlags& flags) {
  if (is_datagram(flags.server.address.server)) {
    throw UsageError(std::string("--server ") + to_string(flags.server.address.server) +
                     ": slow_server serves streams only (tcp or unix)");
  }
  check_server_flags(flags.server);
}

}  // namespace
}  // namespace socketserver::demo

int main(int argc, char** argv) {
  using namespace socketserver::demo;
  block_stop_signals();  // First, before any thread exists: see serve_until_signal.h.

  SlowFlags flags;
  std::optional<int> status = parse_command_line(
      argc, argv, {"slow_server", kUsage},
      [&](FlagReader& reader) { return read_slow_flag(reader, flags); },
      [&] { check_slow_flags(flags); });
  if (status) return *status;  // 0 after --help, 2 after a mistake.

  std::optional<TempDir> socket_dir;  // Outlives the server, which removes its file first.
  socketserver::SocketAddress address;
  bool unix_stream = flags.server.address.server == ServerKind::unix_stream;
  try {
    if (unix_stream && flags.server.address.path.empty()) {
      socket_dir.emplace();
      address = socket_address(flags.server.address, socket_dir->file("slow.sock"));
    } else {
      address = socket_address(flags.server.address);
    }
  } catch (const std::invalid_argument& e) {
    return usage_error("slow_server", e.what());
  } catch (const std::exception& e) {
    std::cerr << "slow_server: " << e.what() << "\n";
    return 1;
  }

  try {
    if (unix_stream) return run_with_mixin<socketserver::UnixStreamServer>(flags, address);
    return run_with_mixin<socketserver::TCPServer>(flags, address);
  } catch (const std::exception& e) {
    std::cerr << "slow_server: " << e.what() << "\n";
    return 1;
  }
}
