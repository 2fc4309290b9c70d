// multi_server: a TCP, a UDP and a Unix stream echo server, all three in one thread.
// Python: the socketserver documentation's remark that fileno() exists so that one process
// can watch several servers: "This is used by select.select() ... to monitor multiple
// servers in the same process."
//
// No serve_forever() here: one Selector watches the three servers' fileno()s (and a signalfd
// for SIGINT/SIGTERM), and the loop calls handle_request() on whichever server is ready.
// Each key's `data` points at its server, as Python's selectors keep any object in
// SelectorKey.data. The servers have no mix-in, so each request is handled inside the loop:
// while a TCP or Unix client keeps its connection open, the other two servers wait (a client
// silent for 5 s is dropped). Adding ThreadingMixIn to the three classes would change that,
// and nothing else.
//
//   multi_server                       prints three lines: "listening on ..." for tcp, udp, unix
//   multi_server --selector select --trace
//
// SIGINT or SIGTERM ends the loop (exit 0); docs/multi_server.md shows a session.
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <exception>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "demo/cli.h"
#include "demo/serve_until_signal.h"
#include "demo/temp_dir.h"
#include "handlers/base_request_handler.h"
#include "handlers/datagram_request_handler.h"
#include "handlers/stream_request_handler.h"
#include "server/base_server.h"
#include "server/errors.h"
#include "server/fd.h"
#include "server/poll_selector.h"
#include "server/select_selector.h"
#include "server/selector.h"
#include "server/socket_address.h"
#include "server/tcp_server.h"
#include "server/udp_server.h"
#include "server/unix_stream_server.h"

namespace socketserver::demo {
namespace {

constexpr char kUsage[] =
    R"(usage: multi_server [--host HOST] [--tcp-port PORT] [--udp-port PORT] [--path PATH]
                    [--selector poll|select] [--trace] [--help|-h]

Runs a TCP, a UDP and a Unix stream echo server in one thread, with one selector over their
fileno()s. Prints three lines first, in this order:
  listening on HOST:PORT     the TCPServer
  listening on HOST:PORT     the UDPServer
  listening on PATH          the UnixStreamServer
SIGINT (Ctrl-C) or SIGTERM stops it.

  --host HOST             tcp and udp: the address to listen on (default 127.0.0.1)
  --tcp-port PORT         0-65535; 0 (default) lets the kernel pick a free port
  --udp-port PORT         0-65535; 0 (default) lets the kernel pick a free port
  --path PATH             the Unix socket file to create (default: a new folder
                          /tmp/ss-XXXXXX, file multi.sock)
  --selector SELECTOR     what the loop waits with: poll (default) or select
  --trace                 print which server is ready, and each step of each request, on
                          stderr with pid and thread id
  --help, -h              print this help and exit
)";

struct MultiFlags {
  std::optional<std::string> host;
  int tcp_port = 0;
  int udp_port = 0;
  std::string path;
  SelectorKind selector = SelectorKind::poll;
  bool trace = false;
};

// A line comes back as it went; a client silent for 5 s is dropped, since the whole loop
// waits while this handler runs.
class EchoStreamHandler : public StreamRequestHandler {
 public:
  EchoStreamHandler() { timeout = std::chrono::seconds(5); }
  void handle() override {
    for (std::string line; !(line = rfile.readline()).empty();) wfile.write(line);
  }
};

class EchoDatagramHandler : public DatagramRequestHandler {
 public:
  void handle() override { wfile.write(packet); }
};

SelectorFactory selector_factory(SelectorKind kind) {
  if (kind == SelectorKind::select) return [] { return std::make_unique<SelectSelector>(); };
  return [] { return std::make_unique<PollSelector>(); };
}

// A descriptor that becomes readable when SIGINT or SIGTERM arrives (both blocked by
// block_stop_signals(), so they wait for us instead of killing the process).
Fd stop_signal_fd() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return Fd(check_syscall("signalfd", [&] { return ::signalfd(-1, &set, SFD_CLOEXEC); }));
}

// "[pid 4711 tid 4711] ready: udp 127.0.0.1:40001", in print_trace's format.
void trace_ready(const char* kind, const BaseServer& server) {
  std::cerr << "[pid " << ::getpid() << " tid " << ::syscall(SYS_gettid) << "] ready: " << kind
            << " " << server.server_address.to_string() << std::endl;
}

// [multi_loop]
int run(const MultiFlags& flags, const std::string& default_path) {
  AddressFlags tcp_address, udp_address, unix_address;
  tcp_address.host = udp_address.host = flags.host;
  tcp_address.port = flags.tcp_port;
  udp_address.port = flags.udp_port;
  unix_address.server = ServerKind::unix_stream;
  unix_address.path = flags.path.empty() ? default_path : flags.path;

  TCPServer tcp(socket_address(tcp_address), handler<EchoStreamHandler>());
  UDPServer udp(socket_address(udp_address), handler<EchoDatagramHandler>());
  UnixStreamServer unix_stream(socket_address(unix_address), handler<EchoStreamHandler>());

  // What each key's data points at: the server, and its name for the trace.
  struct Watched {
    const char* kind;
    BaseServer* server;
  };
  Watched watched[] = {{"tcp", &tcp}, {"udp", &udp}, {"unix", &unix_stream}};
  std::unique_ptr<Selector> selector = selector_factory(flags.selector)();
  for (Watched& entry : watched) {
    BaseServer& server = *entry.server;
    if (flags.trace) server.trace = BaseServer::print_trace;
    server.server_selector = selector_factory(flags.selector);  // handle_request() uses one too.
    server.bind_and_activate();
    std::cout << "listening on " << server.server_address.to_string() << std::endl;
    selector->add(server.fileno(), EVENT_READ, &entry);  // Python: register(server, READ, data)
  }
  Fd signals = stop_signal_fd();
  selector->add(signals.get(), EVENT_READ);  // No data: the one key that is not a server.

  for (;;) {
    for (const ReadyEvent& event : selector->select(std::nullopt)) {  // Waits for any of them.
      if (event.key.data == nullptr) {                                // The signalfd.
        signalfd_siginfo info;
        ssize_t got = ::read(signals.get(), &info, sizeof info);
        int signal = got == sizeof info ? static_cast<int>(info.ssi_signo) : SIGTERM;
        std::cerr << "multi_server: " << signal_name(signal) << ", shutting down\n";
        return 0;  // The servers' destructors call server_close().
      }
      const Watched& ready = *static_cast<Watched*>(event.key.data);
      if (flags.trace) trace_ready(ready.kind, *ready.server);
      ready.server->handle_request();  // Ready, so it does not wait: one request, handled.
    }
  }
}
// [end]

// Reads one of multi_server's flags into `flags`; false for a flag it does not know.
bool read_multi_flag(FlagReader& reader, MultiFlags& flags) {
  const std::string& flag = reader.flag();
  if (flag == "--host") {
    flags.host = reader.value();
  } else if (flag == "--tcp-port") {
    flags.tcp_port = parse_port(flag, reader.value());
  } else if (flag == "--udp-port") {
    flags.udp_port = parse_port(flag, reader.value());
  } else if (flag == "--path") {
    flags.path = reader.value();
    if (flags.path.empty()) throw UsageError("--path needs a non-empty path");
  } else if (flag == "--selector") {
    flags.selector = parse_selector(flag, reader.value());
  } else if (flag == "--trace") {
    reader.no_value();
    flags.trace = true;
  } else {
    return false;
  }
  return true;
}

}  // namespace
}  // namespace socketserver::demo

int main(int argc, char** argv) {
  using namespace socketserver::demo;
  block_stop_signals();  // SIGINT and SIGTERM now wait for the loop's signalfd.

  MultiFlags flags;
  std::optional<int> status =
      parse_command_line(argc, argv, {"multi_server", kUsage},
                         [&](FlagReader& reader) { return read_multi_flag(reader, flags); });
  if (status) return *status;  // 0 after --help, 2 after a mistake.

  try {
    std::optional<TempDir> socket_dir;  // Outlives the servers, which remove their file first.
    if (flags.path.empty()) socket_dir.emplace();
    return run(flags, socket_dir ? socket_dir->file("multi.sock") : "");
  } catch (const std::invalid_argument& e) {  // A bad --host or --path.
    return usage_error("multi_server", e.what());
  } catch (const std::exception& e) {  // bind(): "Address already in use", ...
    std::cerr << "multi_server: " << e.what() << "\n";
    return 1;
  }
}
