// multi_server: a TCP, a UDP and a Unix stream echo server, all three in one thread.
// Python: the socketserver documentation's remark that fileno() exists so that one process
// can watch several servers: "This is used by select.select() ... to monitor multiple
// servers in the same process."
//
// No serve_forever() here: one Selector watches the three servers' fileno()s (and a wake-up
// pipe for the stop), and the loop calls handle_request() on whichever server is ready.
// Each key's `data` points at its server, as Python's selectors keep any object in
// SelectorKey.data. The servers have no mix-in, so each request is handled inside the loop:
// while a TCP or Unix client keeps its connection open, the other two servers wait (a client
// silent for --timeout, 5 s, is dropped). Adding ThreadingMixIn to the three classes would
// change that, and nothing else.
//
//   multi_server                       prints three lines: "listening on ..." for tcp, udp, unix
//   multi_server --selector select --trace
//
// SIGINT or SIGTERM ends the loop within --grace (exit 0), a second one at once; the stop has
// a thread of its own (StopThread below), since a loop inside a handler sees nothing else.
// docs/multi_server.md shows a session.
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <exception>
#include <initializer_list>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "demo/cli.h"
#include "demo/serve_until_signal.h"
#include "demo/temp_dir.h"
#include "handlers/base_request_handler.h"
#include "handlers/datagram_request_handler.h"
#include "handlers/stream_request_handler.h"
#include "server/base_server.h"
#include "server/deadline.h"
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
                    [--selector poll|select] [--timeout SECONDS] [--grace SECONDS]
                    [--trace] [--help|-h]

Runs a TCP, a UDP and a Unix stream echo server in one thread, with one selector over their
fileno()s. Prints three lines first, in this order:
  listening on HOST:PORT     the TCPServer
  listening on HOST:PORT     the UDPServer
  listening on PATH          the UnixStreamServer
SIGINT (Ctrl-C) or SIGTERM stops it within --grace; a second signal, at once.

  --host HOST             tcp and udp: the address to listen on (default 127.0.0.1)
  --tcp-port PORT         0-65535; 0 (default) lets the kernel pick a free port
  --udp-port PORT         0-65535; 0 (default) lets the kernel pick a free port
  --path PATH             the Unix socket file to create (default: a new folder
                          /tmp/ss-XXXXXX, file multi.sock)
  --selector SELECTOR     what the loop waits with: poll (default) or select
  --timeout SECONDS       tcp/unix: drop a client silent for this long (default 5: while
                          one client is served, the other servers wait)
  --grace SECONDS         on SIGINT/SIGTERM, how long the client being served may stay
                          before it is cut off (default 2; a second signal: at once)
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
  Seconds timeout{5};
  Seconds grace{2};
  bool trace = false;
};

// A line comes back as it went; a client silent for --timeout is dropped, since the whole
// loop waits while this handler runs.
class EchoStreamHandler : public StreamRequestHandler {
 public:
  explicit EchoStreamHandler(const Seconds& seconds) { timeout = seconds; }
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

sigset_t signal_set(std::initializer_list<int> signals) {
  sigset_t set;
  sigemptyset(&set);
  for (int signal : signals) sigaddset(&set, signal);
  return set;
}

timespec to_timespec(Seconds seconds) {
  double whole = 0;
  double fraction = std::modf(seconds.count(), &whole);
  return {static_cast<time_t>(whole), static_cast<long>(fraction * 1e9)};
}

// [multi_stop]
// The stop, on a thread of its own. The loop handles each request itself: while a handler
// waits for its client, nothing in the loop can see a signal. So this thread waits for
// SIGINT and SIGTERM (blocked in every thread by block_stop_signals(), as
// serve_until_signal() does), and does what the loop cannot:
//   1. The first signal: stopping() becomes true and the wake-up pipe readable, so the loop
//      takes no new request and ends as soon as the one it is in (if any) is done.
//   2. When --grace is over, or at a second signal: abort_requests() on each server, which
//      shuts down the connection of the request being handled; its handler reads end of
//      input and returns, and the loop ends. (Again every 0.1 s until it has: a request that
//      began just as the stop did is ended too.)
// Every request is still handled on the main thread; this one only waits and aborts.
// The destructor (after the loop) wakes the thread with SIGUSR2 and joins it.
class StopThread {
 public:
  StopThread(std::vector<BaseServer*> servers, Seconds grace)
      : servers_(std::move(servers)), grace_(grace) {
    int ends[2];
    check_syscall("pipe2", [&] { return ::pipe2(ends, O_CLOEXEC | O_NONBLOCK); });
    wake_up_read_ = Fd(ends[0]);
    wake_up_write_ = Fd(ends[1]);
    thread_ = std::thread([this] { run(); });  // Last: everything it uses exists.
  }
  ~StopThread() {
    ::pthread_kill(thread_.native_handle(), kLoopEnded);
    thread_.join();
  }
  StopThread(const StopThread&) = delete;
  StopThread& operator=(const StopThread&) = delete;

  int wake_up_fd() const { return wake_up_read_.get(); }  // Readable once stopping().
  bool stopping() const { return signal_ != 0; }
  int signal() const { return signal_; }  // The first SIGINT or SIGTERM; 0 before it.

 private:
  static constexpr int kLoopEnded = SIGUSR2;  // Blocked by block_stop_signals() too.

  void run() {
    const sigset_t awaited = signal_set({SIGINT, SIGTERM, kLoopEnded});
    int first = 0;
    ::sigwait(&awaited, &first);
    if (first == kLoopEnded) return;  // The loop ended without a signal (it threw).
    signal_ = first;
    // Into an empty pipe: it cannot fail or block.
    [[maybe_unused]] ssize_t written = ::write(wake_up_write_.get(), "x", 1);

    const Deadline grace_over(grace_);
    for (;;) {
      const timespec left = to_timespec(grace_over.left().value_or(Seconds(0)));
      int next = ::sigtimedwait(&awaited, nullptr, &left);
      if (next == kLoopEnded) return;  // Done within the grace period.
      if (next < 0 && errno == EINTR) continue;
      break;  // The grace period is over (EAGAIN), or a second SIGINT or SIGTERM.
    }
    const sigset_t loop_ended = signal_set({kLoopEnded});
    const timespec a_while = to_timespec(Seconds(0.1));
    do {
      for (BaseServer* server : servers_) server->abort_requests();
    } while (::sigtimedwait(&loop_ended, nullptr, &a_while) != kLoopEnded);
  }

  std::vector<BaseServer*> servers_;  // Borrowed: they outlive this object.
  Seconds grace_;
  std::atomic<int> signal_{0};  // Written by the thread, read by the loop.
  Fd wake_up_read_, wake_up_write_;
  std::thread thread_;
};
// [end]

// "[pid 4711 tid 4711] ready: udp 127.0.0.1:40001": a trace line of its own, printed by
// print_trace (in one write(2), so that a request thread's trace line cannot land inside it).
void trace_ready(const char* kind, const BaseServer& server) {
  const std::string step = std::string("ready: ") + kind;
  BaseServer::print_trace(TraceEvent{step, &server.server_address, ::getpid(),
                                     static_cast<pid_t>(::syscall(SYS_gettid))});
}

// [multi_loop]
int run(const MultiFlags& flags, const std::string& default_path) {
  AddressFlags tcp_address, udp_address, unix_address;
  tcp_address.host = udp_address.host = flags.host;
  tcp_address.port = flags.tcp_port;
  udp_address.port = flags.udp_port;
  unix_address.server = ServerKind::unix_stream;
  unix_address.path = flags.path.empty() ? default_path : flags.path;

  TCPServer tcp(socket_address(tcp_address), handler<EchoStreamHandler>(flags.timeout));
  UDPServer udp(socket_address(udp_address), handler<EchoDatagramHandler>());
  UnixStreamServer unix_stream(socket_address(unix_address),
                               handler<EchoStreamHandler>(flags.timeout));

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
  // Declared after the servers, so destroyed (and its thread joined) before them.
  StopThread stop({&tcp, &udp, &unix_stream}, flags.grace);
  selector->add(stop.wake_up_fd(), EVENT_READ);  // No data: the one key that is not a server.

  for (;;) {
    for (const ReadyEvent& event : selector->select(std::nullopt)) {  // Waits for any of them.
      if (stop.stopping()) {  // Checked before each request: none is taken after a signal.
        std::cerr << "multi_server: " << signal_name(stop.signal()) << ", shutting down\n";
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
  } else if (flag == "--timeout") {
    flags.timeout = parse_seconds(flag, reader.value());
  } else if (flag == "--grace") {
    flags.grace = parse_seconds(flag, reader.value());
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
  block_stop_signals();  // SIGINT and SIGTERM now wait for the stop thread's sigwait().

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
