// counter_server: every request adds to one counter that all handlers share; the server prints
// the total when it stops. The lectures on processes and threads are built on it.
// Python: a StreamRequestHandler whose handle() does `server.counter += 1` in a loop.
//
//   counter_server --mixin threading              the counter loses updates: no lock
//   counter_server --mixin threading --lock       it loses none
//   counter_server --mixin forking                it stays 0: each child adds to its own copy
//
// A request is one line from the client (echo_client --message go); the handler adds 1 to the
// counter --increments times, prints "[pid P] counter N after my increments" on stderr, and
// sends the line back (so echo_client can be the client). On SIGINT or SIGTERM the server
// stops, and prints "counter: N" on stdout (after "listening on ...").
//
// Each increment reads the counter, pauses (a thread switch is likely there), and writes the
// value plus one. Without --lock two threads may read the same value, and one update is lost.
// The counter is a std::atomic, so each read and each write is whole (no undefined behaviour,
// nothing for ThreadSanitizer to report): what is lost is the update, not a torn value.
//
// --delay makes each handler wait before answering, to show what stopping does to a running
// handler: by default server_close() waits for it (block_on_close); with --daemon-threads the
// process ends without waiting, and the client never gets its answer.
// --request-queue-size sets listen()'s backlog: Python's old default was 5.
#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <exception>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "demo/cli.h"
#include "demo/serve_until_signal.h"
#include "handlers/base_request_handler.h"
#include "handlers/stream_request_handler.h"
#include "mixins/forking_mixin.h"
#include "mixins/threading_mixin.h"
#include "server/base_server.h"
#include "server/errors.h"
#include "server/serve_until_signal.h"
#include "server/tcp_server.h"

namespace socketserver::demo {
namespace {

constexpr char kUsage[] =
    R"(usage: counter_server [--host HOST] [--port PORT] [--mixin none|threading|forking]
                      [--lock] [--increments N] [--delay SECONDS] [--daemon-threads]
                      [--request-queue-size N] [--max-children N] [--poll-interval SECONDS]
                      [--timeout SECONDS] [--grace SECONDS] [--trace] [--help|-h]

Each request (one line) adds 1 to a shared counter --increments times, prints the counter on
stderr and sends the line back. Prints "listening on ADDRESS" first and "counter: N" when SIGINT (Ctrl-C) or
SIGTERM stops it.

  --host HOST             the address to listen on (default 127.0.0.1)
  --port PORT             0-65535; 0 (default) lets the kernel pick a free port
  --mixin MIXIN           none (default), threading (ThreadingMixIn) or forking (ForkingMixIn)
  --lock                  take a mutex around each increment (default: no lock)
  --increments N          how many times each request adds 1 (default 1000)
  --delay SECONDS         wait this long before answering (default: no wait)
  --daemon-threads        with --mixin threading: daemon_threads = true, block_on_close =
                          false: stopping does not wait for running handlers
  --request-queue-size N  listen()'s backlog (default SOMAXCONN; Python's old default: 5)
  --max-children N        with --mixin forking: at most N children at once (default 40)
  --poll-interval SECONDS how often an idle serve_forever() wakes up (default 0.5)
  --timeout SECONDS       drop a client that sends nothing for this long (default: never)
  --grace SECONDS         on SIGINT/SIGTERM, how long clients still connected may stay
                          before they are cut off (default 2; a second signal: at once)
  --trace                 print each step of each request on stderr, with pid and thread id
  --help, -h              print this help and exit
)";

struct CounterFlags {
  ServerFlags server;
  bool lock = false;
  std::size_t increments = 1000;
  std::optional<Seconds> delay;
  bool daemon_threads = false;
  std::optional<std::size_t> request_queue_size;
};

// The state every handler shares. Threads share this one object; each forked child gets a
// copy of the whole process, this included, and its changes stay in the copy.
struct Counter {
  std::atomic<long> value{0};
  std::mutex mutex;  // Taken around each increment with --lock.
};

// [counter_handler]
class CounterHandler : public StreamRequestHandler {
 public:
  CounterHandler(Counter& counter, const CounterFlags& flags) : counter_(counter), flags_(flags) {
    timeout = flags.server.timeout;  // --timeout
  }

  void handle() override {
    std::string line = rfile.readline();
    if (line.empty()) return;  // The client left without asking.
    // A sleep that the stop can cut short when --grace is over.
    if (flags_.delay && !work_for(*connection, *flags_.delay)) return;
    for (std::size_t i = 0; i < flags_.increments; ++i) {
      if (flags_.lock) {
        std::lock_guard<std::mutex> guard(counter_.mutex);
        add_one();
      } else {
        add_one();  // Another thread may run between the read and the write.
      }
    }
    // The lecture reads this on stderr: which process saw which value. One write(2) for the
    // whole line, so that the lines of several children or threads never mix.
    write_stderr("[pid " + std::to_string(::getpid()) + "] counter " +
                 std::to_string(counter_.value.load()) + " after my increments\n");
    wfile.write(line);  // The request back, as an echo server would: echo_client checks it.
  }

 private:
  // counter += 1, spelled out as the processor does it: read, add, write.
  void add_one() {
    long seen = counter_.value.load();
    std::this_thread::yield();  // Widens the window in which another thread can read `seen` too.
    counter_.value.store(seen + 1);
  }

  Counter& counter_;           // Shared by every handler (std::ref).
  const CounterFlags& flags_;  // Read only.
};
// [end]

template <class Server>
int run_server(Server& server, const CounterFlags& flags, Counter& counter) {
  if (flags.server.trace) server.trace = BaseServer::print_trace;
  if (flags.request_queue_size)
    server.request_queue_size = static_cast<int>(*flags.request_queue_size);
  server.bind_and_activate();
  std::cout << "listening on " << server.server_address.to_string() << std::endl;
  // Returns after server_close(), which waits for running handlers, unless --daemon-threads.
  int signal = serve_until_signal(server, flags.server.poll_interval, flags.server.grace);
  std::cerr << "counter_server: " << signal_name(signal) << ", shutting down\n";
  std::cout << "counter: " << counter.value.load() << std::endl;
  return 0;
}

int run(const CounterFlags& flags) {
  Counter counter;
  SocketAddress address = socket_address(flags.server.address);
  HandlerFactory factory = handler<CounterHandler>(std::ref(counter), std::cref(flags));
  switch (flags.server.mixin) {
    case MixIn::none: {
      TCPServer server(address, factory);
      return run_server(server, flags, counter);
    }
    case MixIn::threading: {
      ThreadingMixIn<TCPServer> server(address, factory);
      server.daemon_threads = flags.daemon_threads;
      server.block_on_close = !flags.daemon_threads;
      return run_server(server, flags, counter);
    }
    case MixIn::forking: {
      ForkingMixIn<TCPServer> server(address, factory);
      if (flags.server.max_children) server.max_children = *flags.server.max_children;
      return run_server(server, flags, counter);
    }
  }
  return 1;
}

bool read_flag(FlagReader& reader, CounterFlags& flags) {
  const std::string& flag = reader.flag();
  if (flag == "--lock") {
    reader.no_value();
    flags.lock = true;
  } else if (flag == "--increments") {
    flags.increments = parse_count(flag, reader.value());
  } else if (flag == "--delay") {
    flags.delay = parse_seconds(flag, reader.value());
  } else if (flag == "--daemon-threads") {
    reader.no_value();
    flags.daemon_threads = true;
  } else if (flag == "--request-queue-size") {
    flags.request_queue_size = parse_count(flag, reader.value());
  } else if (flag == "--server" || flag == "--path" || flag == "--selector") {
    return false;  // TCP only, with the default selector: not this program's flags.
  } else {
    return read_server_flag(reader, flags.server);
  }
  return true;
}

void check(const CounterFlags& flags) {
  check_server_flags(flags.server);
  if (flags.daemon_threads && flags.server.mixin != MixIn::threading) {
    throw UsageError("--daemon-threads needs --mixin threading");
  }
  if (flags.request_queue_size && *flags.request_queue_size > 65535) {
    throw UsageError("--request-queue-size " + std::to_string(*flags.request_queue_size) +
                     ": at most 65535");
  }
}

}  // namespace
}  // namespace socketserver::demo

int main(int argc, char** argv) {
  using namespace socketserver::demo;
  block_stop_signals();  // Before any thread exists: see demo/serve_until_signal.h.
  CounterFlags flags;
  std::optional<int> status = parse_command_line(
      argc, argv, {"counter_server", kUsage},
      [&](FlagReader& reader) { return read_flag(reader, flags); }, [&] { check(flags); });
  if (status) return *status;
  try {
    return run(flags);
  } catch (const std::invalid_argument& e) {  // A bad --host.
    return usage_error("counter_server", e.what());
  } catch (const std::exception& e) {
    std::cerr << "counter_server: " << e.what() << "\n";
    return 1;
  }
}
