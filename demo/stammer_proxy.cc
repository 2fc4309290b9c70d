// stammer_proxy: forwards a TCP connection to a server, both ways, in small random pieces.
//
// TCP is a byte stream: it promises the bytes and their order, never where one send() ends.
// A program that treats each recv() as one message works on a quiet loopback, by luck, and
// breaks on a real network. This proxy makes the real network's behaviour happen every time:
// each piece it forwards has a random size from 1 to --max-chunk bytes, sent on its own
// (TCP_NODELAY) after a pause of --delay-ms, so the far side's recv() returns the pieces
// one by one.
//
//   stammer_proxy --to 127.0.0.1:8123                  prints "listening on 127.0.0.1:PORT"
//   login_client --port PORT ...                       works: it reads lines
//   login_client --legacy-framing --port PORT ...      fails: it reads recv() boundaries
//
// The proxy is a socketserver program itself: a ThreadingTCPServer whose handler connects to
// the server and runs two pumps, client->server on its own thread and server->client on a
// second one. Each pump holds at most kBufferSize bytes: it reads again only when it has
// forwarded what it read, so a fast sender is slowed down by TCP itself, never buffered.
// End of input is passed on (shutdown(SHUT_WR)), so a request-then-close client works.
// --seed makes the pieces reproducible: connection k uses seed + 2k (client->server) and
// seed + 2k + 1 (server->client).
//
// The first line on stdout is "listening on HOST:PORT"; SIGINT or SIGTERM stops it (exit 0)
// within --grace, a second one at once, whatever the client or the server does: the stop
// shuts down both connections of each request (StammerServer below).
// No --timeout: a silent client holds one connection's threads, never the proxy (it is a
// ThreadingTCPServer), and a per-read timeout would also cut a client waiting for a slow
// server's reply.
// docs/stammer_proxy.md shows it in use.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <iostream>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>

#include "demo/cli.h"
#include "demo/serve_until_signal.h"
#include "handlers/base_request_handler.h"
#include "mixins/composed_servers.h"
#include "server/base_server.h"
#include "server/socket.h"
#include "server/socket_address.h"
#include "server/tcp_server.h"

namespace socketserver::demo {
namespace {

constexpr char kUsage[] =
    R"(usage: stammer_proxy --to ADDRESS [--host HOST] [--port PORT] [--max-chunk N]
                     [--seed S] [--delay-ms MS] [--grace SECONDS] [--verbose] [--trace]
                     [--help|-h]

Forwards each connection to ADDRESS and back, in random pieces of 1 to N bytes, each sent
on its own. Prints "listening on HOST:PORT" first; SIGINT (Ctrl-C) or SIGTERM stops it.

  --to ADDRESS        the server to forward to: HOST:PORT ([::1]:PORT) or a Unix socket PATH
  --host HOST         the address to listen on (default 127.0.0.1)
  --port PORT         0-65535; 0 (default) lets the kernel pick a free port
  --max-chunk N       the largest piece, in bytes, 1-4096 (default 4)
  --seed S            the random pieces' seed, 0-4294967295 (default: a random one, printed
                      on stderr so that a run can be repeated)
  --delay-ms MS       the pause after each piece, 0-10000 milliseconds (default 1)
  --grace SECONDS     on SIGINT/SIGTERM, how long connections still open may stay before
                      they are cut off (default 2; a second signal: at once)
  --verbose           print every piece on stderr: direction, size and bytes
  --trace             print each step of each connection on stderr, with pid and thread id
  --help, -h          print this help and exit
)";

// Each pump's buffer: the most bytes the proxy holds for one direction of one connection.
constexpr std::size_t kBufferSize = 4096;

struct ProxyFlags {
  std::optional<std::string> host;
  int port = 0;
  std::string to;
  std::size_t max_chunk = 4;
  std::optional<std::uint32_t> seed;
  int delay_ms = 1;
  Seconds grace{2};
  bool verbose = false;
  bool trace = false;
};

// What every handler reads; shared by all handler threads (std::ref: one object, never copied).
struct ProxyConfig {
  SocketAddress to;
  std::size_t max_chunk;
  std::uint32_t seed;
  std::chrono::milliseconds delay;
  bool verbose;
  std::atomic<std::uint32_t> connections{0};  // Numbers the connections, for their seeds.
};

// A piece as one stderr line: `client->server 3 bytes "Now"`, non-printable bytes as \xNN.
// One write(2), so lines from two threads never mix.
void print_piece(const char* direction, std::string_view piece) {
  std::string line = std::string(direction) + " " + std::to_string(piece.size()) + " bytes \"";
  for (unsigned char c : piece) {
    if (c == '\n') {
      line += "\\n";
    } else if (c == '"' || c == '\\') {
      line += '\\';
      line += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      line += static_cast<char>(c);
    } else {
      const char* hex = "0123456789abcdef";
      line += "\\x";
      line += hex[c >> 4];
      line += hex[c & 15];
    }
  }
  line += "\"\n";
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;  // Nothing useful to do if stderr is gone.
}

// [pump]
// Copies `from` to `to` until end of input, in pieces of 1 to max_chunk bytes, each sent on
// its own, then passes the end of input on. Holds at most kBufferSize bytes.
void pump(Socket& from, Socket& to, std::uint32_t seed, const ProxyConfig& config,
          const char* direction) {
  std::mt19937 random(seed);
  std::uniform_int_distribution<std::size_t> piece_size(1, config.max_chunk);
  char buffer[kBufferSize];
  try {
    for (;;) {
      std::size_t received = from.recv_into(buffer, sizeof buffer);
      if (received == 0) break;  // End of input.
      for (std::size_t sent = 0; sent < received;) {
        std::string_view piece(buffer + sent, std::min(piece_size(random), received - sent));
        if (config.verbose) print_piece(direction, piece);
        to.sendall(piece);
        sent += piece.size();
        std::this_thread::sleep_for(config.delay);  // Lets the piece leave alone.
      }
    }
    to.shutdown(SHUT_WR);  // The other side sees end of input too.
  } catch (const std::system_error&) {
    // One side has gone (reset, or closed while we were sending): end both directions, so
    // the other pump, asleep in recv(), wakes up with end of input.
    ::shutdown(from.fileno(), SHUT_RDWR);
    ::shutdown(to.fileno(), SHUT_RDWR);
  }
}
// [end]

// Pieces must leave one by one: no Nagle (which would hold small pieces back until the last
// one is acknowledged and then send them together). Unix sockets have no such option.
void no_delay(Socket& socket) {
  if (socket.family() == AF_INET || socket.family() == AF_INET6) {
    socket.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
  }
}

// [stammer_server]
// abort_requests() (the stop, when --grace is over) shuts down each request's connection, so
// that a handler waiting on it returns. This handler also waits on a second connection, the
// one to the server: its server->client pump ends only when the server closes, which a server
// that ignores end of input never does. So the proxy extends abort_requests() to the
// connections to the server as well, which each handler registers while it pumps (Upstream).
class StammerServer : public ThreadingTCPServer {
 public:
  using ThreadingTCPServer::ThreadingTCPServer;
  // First, while the members below still exist: wait for the handler threads that use them.
  ~StammerServer() override { server_close(); }

  void abort_requests() override {
    ThreadingTCPServer::abort_requests();  // The connections from the clients.
    std::lock_guard<std::mutex> lock(upstreams_mutex_);
    aborted_ = true;
    for (int fd : upstreams_) ::shutdown(fd, SHUT_RDWR);  // ENOTCONN if gone: nothing to end.
  }

  // While it lives, abort_requests() shuts down `upstream` too (at once, if it already ran).
  class Upstream {
   public:
    Upstream(StammerServer& server, const Socket& upstream)
        : server_(server), fd_(upstream.fileno()) {
      std::lock_guard<std::mutex> lock(server_.upstreams_mutex_);
      if (server_.aborted_) ::shutdown(fd_, SHUT_RDWR);
      server_.upstreams_.insert(fd_);
    }
    ~Upstream() {
      std::lock_guard<std::mutex> lock(server_.upstreams_mutex_);
      server_.upstreams_.erase(fd_);
    }
    Upstream(const Upstream&) = delete;
    Upstream& operator=(const Upstream&) = delete;

   private:
    StammerServer& server_;
    int fd_;  // Borrowed: the handler's socket outlives this.
  };

 private:
  std::mutex upstreams_mutex_;  // Guards the two below: handler threads and the stop's thread.
  std::set<int> upstreams_;
  bool aborted_ = false;
};
// [end]

// [stammer_handler]
class StammerHandler : public BaseRequestHandler {
 public:
  explicit StammerHandler(ProxyConfig& config) : config_(config) {}

  void handle() override {
    Socket& client = request->connection;
    Socket upstream(config_.to.family(), SOCK_STREAM);
    try {
      upstream.settimeout(std::chrono::seconds(5));  // connect() only; then no timeout.
      upstream.connect(config_.to);
      upstream.settimeout(std::nullopt);
    } catch (const std::system_error& e) {
      std::cerr << "stammer_proxy: cannot connect to " + config_.to.to_string() + ": " +
                       e.code().message() + "\n";
      return;  // shutdown_request() closes the client's connection.
    }
    no_delay(client);
    no_delay(upstream);
    StammerServer::Upstream watched(dynamic_cast<StammerServer&>(*server), upstream);
    std::uint32_t seed = config_.seed + 2 * config_.connections++;
    std::thread back([&] { pump(upstream, client, seed + 1, config_, "server->client"); });
    pump(client, upstream, seed, config_, "client->server");
    back.join();
  }

 private:
  ProxyConfig& config_;  // Borrowed from main(), which outlives the server.
};
// [end]

// "--delay-ms 5": 0 to 10000.
int parse_delay_ms(const std::string& flag, const std::string& text) {
  if (text.empty() || text.size() > 5 ||
      text.find_first_not_of("0123456789") != std::string::npos || std::stoi(text) > 10000) {
    throw UsageError(flag + " " + text + ": not a number of milliseconds (0-10000)");
  }
  return std::stoi(text);
}

std::uint32_t parse_seed(const std::string& flag, const std::string& text) {
  if (text.empty() || text.size() > 10 ||
      text.find_first_not_of("0123456789") != std::string::npos ||
      std::stoull(text) > 0xffffffffULL) {
    throw UsageError(flag + " " + text + ": not a seed (0-4294967295)");
  }
  return static_cast<std::uint32_t>(std::stoull(text));
}

// Reads one of stammer_proxy's flags into `flags`; false for a flag it does not know.
bool read_proxy_flag(FlagReader& reader, ProxyFlags& flags) {
  const std::string& flag = reader.flag();
  if (flag == "--to") {
    flags.to = reader.value();
  } else if (flag == "--host") {
    flags.host = reader.value();
  } else if (flag == "--port") {
    flags.port = parse_port(flag, reader.value());
  } else if (flag == "--max-chunk") {
    flags.max_chunk = parse_count(flag, reader.value());
    if (flags.max_chunk > kBufferSize) {
      throw UsageError(flag + " " + std::to_string(flags.max_chunk) + ": at most 4096");
    }
  } else if (flag == "--seed") {
    flags.seed = parse_seed(flag, reader.value());
  } else if (flag == "--delay-ms") {
    flags.delay_ms = parse_delay_ms(flag, reader.value());
  } else if (flag == "--grace") {
    flags.grace = parse_seconds(flag, reader.value());
  } else if (flag == "--verbose") {
    reader.no_value();
    flags.verbose = true;
  } else if (flag == "--trace") {
    reader.no_value();
    flags.trace = true;
  } else {
    return false;
  }
  return true;
}

int run(const ProxyFlags& flags, ProxyConfig& config) {
  AddressFlags listen;
  listen.host = flags.host;
  listen.port = flags.port;
  StammerServer server(socket_address(listen), handler<StammerHandler>(std::ref(config)));
  if (flags.trace) server.trace = BaseServer::print_trace;
  server.bind_and_activate();
  std::cout << "listening on " << server.server_address.to_string() << std::endl;
  std::cerr << "stammer_proxy: forwarding to " << config.to.to_string() << " in pieces of 1-"
            << config.max_chunk << " bytes, seed " << config.seed << "\n";

  // Returns after server_close(), which waits for the connections in progress (block_on_close).
  int signal = serve_until_signal(server, Seconds(0.5), flags.grace);
  std::cerr << "stammer_proxy: " << signal_name(signal) << ", shutting down\n";
  return 0;
}

}  // namespace
}  // namespace socketserver::demo

int main(int argc, char** argv) {
  using namespace socketserver::demo;
  block_stop_signals();  // First, before any thread exists: see serve_until_signal.h.

  ProxyFlags flags;
  std::optional<int> status = parse_command_line(
      argc, argv, {"stammer_proxy", kUsage},
      [&](FlagReader& reader) { return read_proxy_flag(reader, flags); },
      [&] {
        if (flags.to.empty())
          throw UsageError("--to ADDRESS is required: the server to forward to");
      });
  if (status) return *status;  // 0 after --help, 2 after a mistake.

  ProxyConfig config;
  try {
    config.to = socketserver::SocketAddress::parse(flags.to);
  } catch (const std::invalid_argument& e) {
    return usage_error("stammer_proxy", std::string("--to: ") + e.what());
  }
  config.max_chunk = flags.max_chunk;
  config.seed = flags.seed ? *flags.seed : std::random_device{}();
  config.delay = std::chrono::milliseconds(flags.delay_ms);
  config.verbose = flags.verbose;

  try {
    return run(flags, config);
  } catch (const std::invalid_argument& e) {  // A bad --host.
    return usage_error("stammer_proxy", e.what());
  } catch (const std::exception& e) {
    std::cerr << "stammer_proxy: " << e.what() << "\n";
    return 1;
  }
}
