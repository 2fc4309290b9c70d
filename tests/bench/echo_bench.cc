// echo_bench: what the library costs, measured against hand-written POSIX servers.
//
// Three pairs of servers echo lines over TCP loopback (127.0.0.1, port 0), in one process:
//
//   group       baseline (written plainly below)          library
//   sync        one connection at a time                  TCPServer
//   threading   a thread per connection (pthread_create)  ThreadingTCPServer
//   forking     a process per connection (fork)           ForkingTCPServer
//
// The library servers all run the same StreamRequestHandler (rfile.readline, wfile.write);
// each baseline runs Stevens' str_echo loop (read into a small buffer, write it all back).
// Both kinds of server echo a fixed number of lines and then close the connection: see
// "Why a fixed number of lines" below.
//
// Two client patterns, run by this program's main thread while each server runs
// serve_forever() (or the baseline's loop) on a thread of its own:
//   connections   short connections: connect, send one 64-byte line, read the reply, close.
//                 Reported as requests per second.
//   round trips   one connection, lines sent one at a time, each reply read before the next
//                 line is sent. Reported as round trips per second, with the 50th and 99th
//                 percentile latency of one round trip, in microseconds.
// The client is the same code for every variant, so the ratio of two rates is the ratio of
// what the servers cost (the client's own cost is in both).
//
// And the shutdown latency: how long shutdown() takes to return for a TCPServer whose
// serve_forever() runs with poll_interval = 0.5 s. Python's shutdown() sets a flag that the
// loop sees when its select() next times out, so it takes up to poll_interval; this library
// writes a byte into a wake-up pipe, so the loop returns at once. tests/bench/
// python_shutdown.py measures Python the same way and prints the same table.
//
// How it measures (the machine is shared and noisy, so no figure here is absolute):
//   - A comparison starts both of its servers, baseline and library, and keeps them running
//     side by side. Then, round after round, the client sends one batch to each (--connections
//     connections, or one connection with --round-trips round trips), swapping which server
//     goes first every round: A B, B A, A B, ... A batch takes milliseconds, so a slow patch
//     of the machine (someone else's build) falls on both variants alike.
//   - One untimed warm-up round comes first; in "round trips", each connection's first line
//     is untimed too (it waits for the accept, and for a thread or a process to start).
//   - The table reports, per variant, the median of its per-round rates, and the ratio of the
//     medians, library / baseline: 1.00 is the same speed, 0.90 is 10% fewer per second.
//     Beside it, the ratio of each round's two rates: their median, and their middle half
//     (25th to 75th percentile), which shows how noisy the run was.
//   - Starting and stopping the servers is not timed; only the client's batches are.
//   - Every thread and child runs on one CPU (--cpu). The client and the server take turns
//     anyway (each waits for the other's line), so one CPU loses little parallelism, and it
//     takes away the largest noise of a virtual machine: whether a wake-up lands on the same
//     CPU or must wake the other one, which costs tens of microseconds, at random.
//
// Why a fixed number of lines: a forked child inherits every descriptor the process had open
// when it forked, and the client lives in this very process, so the child holds a copy of the
// client's end of its own connection. Closing the client's copy therefore never shows the
// child end of input: a handler that echoed until end of input would wait for ever. So every
// handler here, baseline or library, forked or not, echoes exactly as many lines as the
// client sends on a connection (1 for connections, 1 + --round-trips for round trips) and then
// returns, and the server closes the connection.
//
// Performance is measured here, never asserted: no test fails because a figure is low.
// tools/bench.sh builds this with -c opt and runs it; docs/benchmark.md explains the figures.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "handlers/base_request_handler.h"
#include "handlers/stream_request_handler.h"
#include "mixins/composed_servers.h"
#include "server/base_server.h"
#include "server/socket_address.h"
#include "server/tcp_server.h"

namespace socketserver::bench {
namespace {

using Clock = std::chrono::steady_clock;
using Micros = std::chrono::duration<double, std::micro>;

constexpr char kUsage[] =
    R"(usage: echo_bench [--rounds R] [--connections N] [--round-trips M]
                  [--shutdown-reps K] [--only NAME[,NAME...]] [--cpu N|none]
                  [--max-seconds S] [--verbose] [--help]

Compares hand-written POSIX echo servers with TCPServer, ThreadingTCPServer and
ForkingTCPServer over TCP loopback, in one run, and measures shutdown() latency.
Prints median rates per variant and the ratio library / baseline.

  --rounds R          timed batches per variant, the variants taking turns (default 31)
  --connections N     short connections per "connections" batch (default 250)
  --round-trips M     round trips per "round trips" batch, on one connection (default 2500)
  --shutdown-reps K   shutdown() latency repetitions (default 10)
  --only NAME         run only these (comma-separated or repeated; the union is run):
                      sync, threading, forking (a group, both patterns),
                      connections, round-trips (a pattern, every group),
                      sync-connections, sync-round-trips, threading-connections,
                      threading-round-trips, forking-connections, forking-round-trips,
                      shutdown
  --cpu N|none        run every thread and child on CPU N (default: the last CPU this
                      process may use), or "none": let the scheduler place them. Pinned,
                      the figures measure what each server costs; unpinned, they also
                      measure where the scheduler happened to put the threads (waking
                      a thread on the other CPU of a VM costs tens of µs, at random)
  --max-seconds S     give up (killed by SIGALRM) after S seconds: a guard against a hang,
                      not a time limit for normal runs (default 300)
  --verbose           also print every batch's rate on stderr, as it is measured
  --help              print this help and exit

The defaults take about 20 seconds on an idle 2-core machine. Fewer rounds, connections or
round trips make it shorter; more rounds make the medians steadier.
)";

// --- Command line --------------------------------------------------------------------------

struct Options {
  int rounds = 31;
  int connections = 250;
  int round_trips = 2500;
  int shutdown_reps = 10;
  int max_seconds = 300;
  bool verbose = false;        // Every batch's rate on stderr.
  int cpu = -2;                // -2: the last CPU allowed; -1: none (no pinning).
  std::set<std::string> only;  // Empty: everything.
};

const std::set<std::string> kNames = {
    "sync",
    "threading",
    "forking",
    "connections",
    "round-trips",
    "sync-connections",
    "sync-round-trips",
    "threading-connections",
    "threading-round-trips",
    "forking-connections",
    "forking-round-trips",
    "shutdown",
};

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A whole number from `min` to 100000000, or a UsageError naming the flag.
int whole_number(const std::string& flag, const std::string& text, long min) {
  char* end = nullptr;
  errno = 0;
  long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0 || value < min || value > 100000000) {
    throw UsageError(flag + " " + text + ": not a whole number from " + std::to_string(min));
  }
  return static_cast<int>(value);
}

int positive_int(const std::string& flag, const std::string& text) {
  return whole_number(flag, text, 1);
}

// Flags as "--rounds 5" or "--rounds=5". Throws UsageError on anything else.
Options parse_flags(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    std::string value;
    bool has_value = false;
    if (std::size_t eq = flag.find('='); flag.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
      has_value = true;
    }
    if (flag == "--help" || flag == "-h") {
      if (has_value) throw UsageError(flag + " takes no value");
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    auto take_value = [&]() -> std::string {
      if (has_value) return value;
      if (i + 1 >= argc) throw UsageError(flag + ": missing value");
      return argv[++i];
    };
    if (flag == "--rounds") {
      options.rounds = positive_int(flag, take_value());
    } else if (flag == "--connections") {
      options.connections = positive_int(flag, take_value());
    } else if (flag == "--round-trips") {
      options.round_trips = positive_int(flag, take_value());
    } else if (flag == "--shutdown-reps") {
      options.shutdown_reps = positive_int(flag, take_value());
    } else if (flag == "--max-seconds") {
      options.max_seconds = positive_int(flag, take_value());
    } else if (flag == "--cpu") {
      std::string text = take_value();
      options.cpu = text == "none" ? -1 : whole_number(flag, text, 0);
    } else if (flag == "--verbose") {
      if (has_value) throw UsageError(flag + " takes no value");
      options.verbose = true;
    } else if (flag == "--only") {
      std::string list = take_value();
      std::size_t start = 0;
      for (;;) {
        std::size_t comma = list.find(',', start);
        std::string name = list.substr(start, comma - start);
        if (kNames.count(name) == 0) throw UsageError("--only " + name + ": no such workload");
        options.only.insert(name);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    } else {
      throw UsageError(flag + ": unknown flag");
    }
  }
  return options;
}

// --- Small POSIX helpers shared by the client and the baselines -----------------------------

[[noreturn]] void fail(const std::string& what, int err = errno) {
  throw std::system_error(err, std::generic_category(), what);
}

// send(2) until all `size` bytes are gone; false if the peer has gone (EPIPE, ECONNRESET).
// MSG_NOSIGNAL: a vanished peer must not raise SIGPIPE, which would end the whole program.
bool send_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// A listening TCP socket on 127.0.0.1 and a port the kernel picks; returns it and the port.
std::pair<int, std::uint16_t> listen_loopback() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail("socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) < 0) fail("bind");
  if (::listen(fd, SOMAXCONN) < 0) fail("listen");
  socklen_t length = sizeof address;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) < 0) fail("getsockname");
  return {fd, ntohs(address.sin_port)};
}

// --- The client: the same for every variant --------------------------------------------------

constexpr std::size_t kLineSize = 64;  // Bytes per line, '\n' included.
constexpr int kClientTimeoutSeconds = 10;

// 63 printable bytes and '\n'.
const std::string& the_line() {
  static const std::string line = [] {
    std::string s;
    for (std::size_t i = 0; i + 1 < kLineSize; ++i) s += static_cast<char>('a' + i % 26);
    return s + "\n";
  }();
  return line;
}

// A blocking client socket connected to 127.0.0.1:port. A receive timeout turns a server that
// never answers into an error instead of a hang.
int connect_loopback(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail("client socket");
  timeval limit{kClientTimeoutSeconds, 0};
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit) < 0) fail("SO_RCVTIMEO");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  // No retry on EINTR: this program installs no signal handler, so connect() is never
  // interrupted (and a retried connect() would fail with EALREADY).
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) < 0) {
    int err = errno;
    ::close(fd);
    fail("connect 127.0.0.1:" + std::to_string(port), err);
  }
  return fd;
}

// Sends the line and reads the reply, which must be the same line.
void echo_once(int fd) {
  const std::string& line = the_line();
  if (!send_all(fd, line.data(), line.size())) fail("client send");
  char reply[kLineSize];
  std::size_t got = 0;
  while (got < kLineSize) {
    ssize_t n = ::recv(fd, reply + got, kLineSize - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      throw std::runtime_error("client: no reply within " + std::to_string(kClientTimeoutSeconds) +
                               " s");
    }
    if (n < 0) fail("client recv");
    if (n == 0) throw std::runtime_error("client: the server closed before replying");
    got += static_cast<std::size_t>(n);
  }
  if (std::memcmp(reply, line.data(), kLineSize) != 0) {
    throw std::runtime_error("client: the reply is not the line that was sent");
  }
}

// What one batch measured.
struct Batch {
  double rate = 0;                // Requests or round trips per second.
  std::vector<double> latencies;  // Round trips only: one per round trip, in microseconds.
};

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Pattern "connections": n times connect, one line, its reply, close.
Batch run_connections(std::uint16_t port, int n) {
  auto start = Clock::now();
  for (int i = 0; i < n; ++i) {
    int fd = connect_loopback(port);
    try {
      echo_once(fd);
    } catch (...) {
      ::close(fd);
      throw;
    }
    ::close(fd);
  }
  return {n / seconds_since(start), {}};
}

// Pattern "round trips": one connection, 1 + m lines one at a time; the first is not timed
// (it waits for the server to accept, and maybe to start a thread or a process), the others
// are, one by one.
Batch run_round_trips(std::uint16_t port, int m) {
  Batch batch;
  batch.latencies.reserve(static_cast<std::size_t>(m));
  int fd = connect_loopback(port);
  Clock::time_point start;
  try {
    echo_once(fd);
    start = Clock::now();
    for (int i = 0; i < m; ++i) {
      auto before = Clock::now();
      echo_once(fd);
      batch.latencies.push_back(Micros(Clock::now() - before).count());
    }
  } catch (...) {
    ::close(fd);
    throw;
  }
  batch.rate = m / seconds_since(start);
  ::close(fd);
  return batch;
}

// --- The servers under test ------------------------------------------------------------------

// One server variant. start() makes a fresh server that echoes `lines` lines per connection
// and runs it on a thread; stop() stops it, waits for its threads or children, and releases
// everything. Neither is timed. One server at a time per Variant object.
class Variant {
 public:
  explicit Variant(std::string name) : name(std::move(name)) {}
  virtual ~Variant() = default;
  virtual std::uint16_t start(int lines) = 0;
  virtual void stop() = 0;

  const std::string name;
};

// ---- Baselines: hand-written POSIX servers, Stevens style (UNIX Network Programming) ----
//
// BASELINE, not library code. This is what a C programmer writes without the library:
// socket, bind, listen; poll() on the listening socket and a stop pipe; accept4; read into a
// small buffer on the stack and write everything back; close. No handler object, no virtual
// call, no std::function, no heap allocation per request (except the thread's argument in
// thread-per-connection). The RawServer class around it only lets the benchmark start and
// stop it like the library's servers. The stop pipe plays the part of the library's wake-up
// pipe, so both kinds of server wait in the same poll() on two descriptors.

constexpr std::size_t kMaxLine = 1024;  // Stevens' MAXLINE is 4096; a line here is 64 bytes.

// BASELINE. Stevens' str_echo, counting lines: echo what each read() returns until `lines`
// '\n' have gone back, or the client closes, or an error.
void raw_echo_lines(int fd, int lines) {
  char buffer[kMaxLine];
  int echoed = 0;
  while (echoed < lines) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    echoed += static_cast<int>(std::count(buffer, buffer + n, '\n'));
    if (!send_all(fd, buffer, static_cast<std::size_t>(n))) return;
  }
}

enum class Concurrency { none, thread_per_connection, fork_per_connection };

// BASELINE. The accept loop, with one of three ways to serve a connection.
class RawServer : public Variant {
 public:
  RawServer(std::string name, Concurrency how) : Variant(std::move(name)), how_(how) {}
  ~RawServer() override {
    if (!thread_.joinable()) return;
    try {
      stop();  // Only when an error skipped the usual stop(); its own error is dropped.
    } catch (...) {
    }
  }

  std::uint16_t start(int lines) override {
    lines_ = lines;
    auto [listener, port] = listen_loopback();
    listener_ = listener;
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) < 0) fail("pipe2");
    stop_read_ = ends[0];
    stop_write_ = ends[1];
    thread_ = std::thread([this] { serve(); });
    return port;
  }

  void stop() override {
    char byte = 1;
    if (::write(stop_write_, &byte, 1) < 0) fail("write stop pipe");
    thread_.join();
    ::close(listener_);
    ::close(stop_read_);
    ::close(stop_write_);
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void serve() {
    try {
      loop();
    } catch (...) {
      error_ = std::current_exception();
    }
    wait_for_all();
  }

  void loop() {
    for (;;) {
      pollfd fds[2] = {{listener_, POLLIN, 0}, {stop_read_, POLLIN, 0}};
      if (::poll(fds, 2, 500) < 0) {
        if (errno == EINTR) continue;
        fail("poll");
      }
      if (fds[1].revents != 0) return;  // stop() was called.
      if (how_ == Concurrency::fork_per_connection) reap(/*blocking=*/false);
      if ((fds[0].revents & POLLIN) == 0) continue;
      sockaddr_storage peer{};
      socklen_t length = sizeof peer;
      int connection =
          ::accept4(listener_, reinterpret_cast<sockaddr*>(&peer), &length, SOCK_CLOEXEC);
      if (connection < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        fail("accept4");
      }
      switch (how_) {
        case Concurrency::none:
          raw_echo_lines(connection, lines_);
          ::close(connection);
          break;
        case Concurrency::thread_per_connection:
          start_thread(connection);
          break;
        case Concurrency::fork_per_connection:
          fork_child(connection);
          break;
      }
    }
  }

  // BASELINE, thread per connection (UNP 26.3): a detached POSIX thread that echoes and
  // closes. A count of running threads lets stop() wait for them.
  struct ThreadJob {
    RawServer* server;
    int connection;
  };
  static void* thread_main(void* arg) {
    std::unique_ptr<ThreadJob> job(static_cast<ThreadJob*>(arg));
    raw_echo_lines(job->connection, job->server->lines_);
    ::close(job->connection);
    std::lock_guard<std::mutex> lock(job->server->running_mutex_);
    if (--job->server->running_ == 0) job->server->all_done_.notify_all();
    return nullptr;
  }
  void start_thread(int connection) {
    {
      std::lock_guard<std::mutex> lock(running_mutex_);
      ++running_;
    }
    pthread_t thread;
    auto* job = new ThreadJob{this, connection};
    int err = ::pthread_create(&thread, nullptr, thread_main, job);
    if (err != 0) {
      delete job;
      ::close(connection);
      std::lock_guard<std::mutex> lock(running_mutex_);
      --running_;
      fail("pthread_create", err);
    }
    ::pthread_detach(thread);
  }

  // BASELINE, fork per connection (UNP 5.2): the child closes the listening socket, echoes,
  // and _exit()s; the parent closes the connection, remembers the child, and goes back to
  // the loop, which reaps the children that have exited.
  void fork_child(int connection) {
    pid_t pid = ::fork();
    if (pid < 0) {
      int err = errno;
      ::close(connection);
      fail("fork", err);
    }
    if (pid == 0) {
      ::close(listener_);
      raw_echo_lines(connection, lines_);
      ::close(connection);
      ::_exit(0);
    }
    children_.push_back(pid);
    ::close(connection);
  }
  // Stevens reaps with `while (waitpid(-1, NULL, WNOHANG) > 0)` in a SIGCHLD handler. Here
  // the library's ForkingTCPServer runs in the same process at the same time, and waitpid(-1)
  // would reap its children too; so, like the library, wait for our own pids only.
  void reap(bool blocking) {
    for (std::size_t i = 0; i < children_.size();) {
      pid_t got;
      do {
        got = ::waitpid(children_[i], nullptr, blocking ? 0 : WNOHANG);
      } while (got < 0 && errno == EINTR);
      if (got == 0) {
        ++i;  // Still running.
      } else {
        children_[i] = children_.back();  // Reaped (or not ours any more: ECHILD).
        children_.pop_back();
      }
    }
  }

  // At stop: wait for every thread or child still echoing.
  void wait_for_all() {
    if (how_ == Concurrency::thread_per_connection) {
      std::unique_lock<std::mutex> lock(running_mutex_);
      all_done_.wait(lock, [this] { return running_ == 0; });
    } else if (how_ == Concurrency::fork_per_connection) {
      reap(/*blocking=*/true);
    }
  }

  const Concurrency how_;
  int lines_ = 1;
  int listener_ = -1;
  int stop_read_ = -1;
  int stop_write_ = -1;
  std::thread thread_;
  std::exception_ptr error_;  // Written by the server thread, read by stop() after join.
  // Threads still echoing; thread-per-connection only.
  std::mutex running_mutex_;
  std::condition_variable all_done_;
  int running_ = 0;
  std::vector<pid_t> children_;  // Fork per connection: not yet reaped. Server thread only.
};

// ---- The library: the same echo as a StreamRequestHandler ----

// Python:
//   class EchoLines(socketserver.StreamRequestHandler):
//       def handle(self):
//           for _ in range(self.lines):
//               line = self.rfile.readline()
//               if not line: break
//               self.wfile.write(line)
class EchoLines : public StreamRequestHandler {
 public:
  explicit EchoLines(int lines) : lines_(lines) {}
  void handle() override {
    for (int i = 0; i < lines_; ++i) {
      std::string line = rfile.readline();
      if (line.empty()) return;  // The client closed early.
      wfile.write(line);
    }
  }

 private:
  int lines_;
};

// A library server (TCPServer, ThreadingTCPServer or ForkingTCPServer) with serve_forever()
// on a thread of its own, as a program that also does other work would run it.
template <class Server>
class LibraryServer : public Variant {
 public:
  using Variant::Variant;
  ~LibraryServer() override {
    if (!thread_.joinable()) return;
    try {
      stop();  // Only when an error skipped the usual stop(); its own error is dropped.
    } catch (...) {
    }
  }

  std::uint16_t start(int lines) override {
    server_ =
        std::make_unique<Server>(SocketAddress::parse("127.0.0.1:0"), handler<EchoLines>(lines));
    server_->bind_and_activate();
    error_ = nullptr;
    thread_ = std::thread([this] {
      try {
        server_->serve_forever();
      } catch (...) {
        error_ = std::current_exception();
      }
    });
    return server_->server_address.port();
  }

  void stop() override {
    server_->shutdown();
    thread_.join();
    server_->server_close();  // ThreadingMixIn joins its threads, ForkingMixIn reaps.
    server_.reset();
    if (error_) std::rethrow_exception(error_);
  }

 private:
  std::unique_ptr<Server> server_;
  std::thread thread_;
  std::exception_ptr error_;  // Written by the serving thread, read by stop() after join.
};

// --- Comparisons -----------------------------------------------------------------------------

enum class Pattern { connections, round_trips };

struct Results {
  std::vector<double> rates;      // One per round.
  std::vector<double> latencies;  // Round trips: every batch's, pooled.
};

struct Comparison {
  std::string group;  // "sync", "threading", "forking"
  Pattern pattern;
  Variant* baseline;
  Variant* library;
  Results baseline_results;
  Results library_results;

  std::string name() const {
    return group + (pattern == Pattern::connections ? "-connections" : "-round-trips");
  }
  bool selected(const std::set<std::string>& only) const {
    const char* pattern_name = pattern == Pattern::connections ? "connections" : "round-trips";
    return only.empty() || only.count(group) || only.count(pattern_name) || only.count(name());
  }
};

// A started Variant. The destructor stops it on an error path; finish() stops it on the
// usual path and reports what went wrong in the server, which a destructor could not.
class Running {
 public:
  Running(Variant& variant, int lines) : port(variant.start(lines)), variant_(&variant) {}
  ~Running() {
    if (variant_ == nullptr) return;
    try {
      variant_->stop();
    } catch (...) {
      // Already failing: the first error is the one reported.
    }
  }
  Running(const Running&) = delete;
  Running& operator=(const Running&) = delete;
  void finish() {
    Variant* variant = variant_;
    variant_ = nullptr;
    variant->stop();
  }

  const std::uint16_t port;  // Where the server listens, on 127.0.0.1.

 private:
  Variant* variant_;  // Borrowed; null once stopped.
};

// One batch of the comparison's pattern against the server listening on `port`.
Batch run_batch(Pattern pattern, std::uint16_t port, const Options& options) {
  return pattern == Pattern::connections ? run_connections(port, options.connections)
                                         : run_round_trips(port, options.round_trips);
}

// Both servers up, then one untimed round and options.rounds timed ones, the two variants
// taking turns and swapping who goes first every round.
void run_comparison(Comparison& c, const Options& options) {
  int lines = c.pattern == Pattern::connections ? 1 : 1 + options.round_trips;
  Running baseline(*c.baseline, lines);
  Running library(*c.library, lines);
  run_batch(c.pattern, baseline.port, options);  // Warm-up round, not recorded.
  run_batch(c.pattern, library.port, options);
  for (int round = 0; round < options.rounds; ++round) {
    auto record = [&](Variant& variant, std::uint16_t port, Results& results) {
      Batch batch = run_batch(c.pattern, port, options);
      results.rates.push_back(batch.rate);
      results.latencies.insert(results.latencies.end(), batch.latencies.begin(),
                               batch.latencies.end());
      if (options.verbose) {
        std::fprintf(stderr, "  %-22s round %2d  %-26s %8.0f/s\n", c.name().c_str(), round + 1,
                     variant.name.c_str(), batch.rate);
      }
    };
    if (round % 2 == 0) {
      record(*c.baseline, baseline.port, c.baseline_results);
      record(*c.library, library.port, c.library_results);
    } else {
      record(*c.library, library.port, c.library_results);
      record(*c.baseline, baseline.port, c.baseline_results);
    }
  }
  library.finish();
  baseline.finish();
}

// The q-quantile (0..1) of `values`, nearest rank. `values` is reordered.
double quantile(std::vector<double>& values, double q) {
  if (values.empty()) return 0;
  std::size_t k = static_cast<std::size_t>(q * static_cast<double>(values.size() - 1) + 0.5);
  std::nth_element(values.begin(), values.begin() + static_cast<long>(k), values.end());
  return values[k];
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

std::string format(const char* pattern, ...) __attribute__((__format__(__printf__, 1, 2)));
std::string format(const char* pattern, ...) {
  char buffer[512];
  va_list args;
  va_start(args, pattern);
  std::vsnprintf(buffer, sizeof buffer, pattern, args);
  va_end(args);
  return buffer;
}

// Microseconds below 10 ms, milliseconds above: "31 µs", "251.3 ms". python_shutdown.py
// formats the same way.
std::string format_duration(double micros) {
  if (micros < 10000) return format("%.0f µs", micros);
  return format("%.1f ms", micros / 1000);
}

// printf's width counts bytes, and "µ" takes two: pad by hand, counting characters.
std::string pad_left(const std::string& text, std::size_t width) {
  std::size_t shown = 0;
  for (unsigned char c : text) shown += (c & 0xC0) != 0x80;
  return shown >= width ? text : std::string(width - shown, ' ') + text;
}

void print_echo_table(std::vector<Comparison>& comparisons) {
  std::printf("\n%-24s %-30s %14s %s %s %9s  %s\n", "workload", "variant", "median rate",
              pad_left("p50 µs", 8).c_str(), pad_left("p99 µs", 8).c_str(), "lib/base",
              "per round: median (middle half)");
  for (Comparison& c : comparisons) {
    if (c.baseline_results.rates.empty()) continue;
    bool trips = c.pattern == Pattern::round_trips;
    std::string workload = c.group + (trips ? " round trips" : " connections");
    const char* unit = trips ? "rt/s" : "req/s";
    double base = median(c.baseline_results.rates);
    double lib = median(c.library_results.rates);
    std::vector<double> per_round;
    for (std::size_t i = 0; i < c.baseline_results.rates.size(); ++i) {
      per_round.push_back(c.library_results.rates[i] / c.baseline_results.rates[i]);
    }
    auto row = [&](const std::string& first, Variant* v, Results& r, double rate,
                   const std::string& ratio, const std::string& spread) {
      std::string p50 = "-";
      std::string p99 = "-";
      if (trips) {
        p50 = format("%.1f", quantile(r.latencies, 0.50));
        p99 = format("%.1f", quantile(r.latencies, 0.99));
      }
      std::string line =
          format("%-24s %-30s %8.0f %-5s %8s %8s %9s  %s", first.c_str(), v->name.c_str(), rate,
                 unit, p50.c_str(), p99.c_str(), ratio.c_str(), spread.c_str());
      line.erase(line.find_last_not_of(' ') + 1);  // The baseline row has no ratio.
      std::printf("%s\n", line.c_str());
    };
    row(workload, c.baseline, c.baseline_results, base, "", "");
    row("", c.library, c.library_results, lib, format("%.2f", lib / base),
        format("%.2f (%.2f .. %.2f)", quantile(per_round, 0.50), quantile(per_round, 0.25),
               quantile(per_round, 0.75)));
  }
}

// --- Shutdown latency ----------------------------------------------------------------------

// The delay before the i-th shutdown(): spread evenly over one poll interval (after 20 ms for
// serve_forever() to reach its first wait), so the calls land at every phase of Python's
// polling. python_shutdown.py uses the same schedule.
Seconds shutdown_delay(int i, int reps, Seconds poll_interval) {
  return Seconds(0.02) + poll_interval * ((i + 0.5) / reps);
}

void run_shutdown(int reps) {
  const Seconds poll_interval(0.5);
  std::vector<double> micros;
  for (int i = 0; i < reps; ++i) {
    TCPServer server(SocketAddress::parse("127.0.0.1:0"), handler<EchoLines>(1));
    server.bind_and_activate();
    std::exception_ptr error;
    std::thread thread([&server, &error, poll_interval] {
      try {
        server.serve_forever(poll_interval);
      } catch (...) {
        error = std::current_exception();
      }
    });
    std::this_thread::sleep_for(shutdown_delay(i, reps, poll_interval));
    auto before = Clock::now();
    server.shutdown();
    micros.push_back(Micros(Clock::now() - before).count());
    thread.join();
    if (error) std::rethrow_exception(error);
  }
  double worst = *std::max_element(micros.begin(), micros.end());
  std::printf("\n%-24s %-30s %12s %12s %6s\n", "workload", "variant", "median", "max", "reps");
  std::printf("%-24s %-30s %s %s %6d\n", "shutdown, poll 0.5 s", "C++ TCPServer",
              pad_left(format_duration(median(micros)), 12).c_str(),
              pad_left(format_duration(worst), 12).c_str(), reps);
}

// --- main ------------------------------------------------------------------------------------

// Pins this thread, and so every thread and child started after, to one CPU: `cpu`, or the
// last CPU allowed when cpu is -2; does nothing when cpu is -1. Says what it did.
std::string pin_to_cpu(int cpu) {
  if (cpu == -1) return "not pinned";
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (::sched_getaffinity(0, sizeof allowed, &allowed) < 0) fail("sched_getaffinity");
  if (cpu == -2) {
    for (int i = 0; i < CPU_SETSIZE; ++i) {
      if (CPU_ISSET(i, &allowed)) cpu = i;
    }
  }
  if (cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &allowed)) {
    throw std::runtime_error("--cpu " + std::to_string(cpu) +
                             ": this process may not run there (see taskset -p)");
  }
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  if (::sched_setaffinity(0, sizeof one, &one) < 0) fail("sched_setaffinity");
  return "every thread on CPU " + std::to_string(cpu);
}

int run(const Options& options) {
  // A guard against a hang (a lost reply has its own 10 s timeout): SIGALRM's default action
  // ends the program. Forked children do not inherit the alarm.
  ::alarm(static_cast<unsigned>(options.max_seconds));
  // Before any thread starts: threads and forked children inherit the mask.
  std::string placement = pin_to_cpu(options.cpu);

  RawServer raw_sync("baseline: raw sync", Concurrency::none);
  RawServer raw_threads("baseline: raw thread/conn", Concurrency::thread_per_connection);
  RawServer raw_forks("baseline: raw fork/conn", Concurrency::fork_per_connection);
  LibraryServer<TCPServer> tcp("TCPServer");
  LibraryServer<ThreadingTCPServer> threading("ThreadingTCPServer");
  LibraryServer<ForkingTCPServer> forking("ForkingTCPServer");

  std::vector<Comparison> all = {
      {"sync", Pattern::connections, &raw_sync, &tcp, {}, {}},
      {"threading", Pattern::connections, &raw_threads, &threading, {}, {}},
      {"forking", Pattern::connections, &raw_forks, &forking, {}, {}},
      {"sync", Pattern::round_trips, &raw_sync, &tcp, {}, {}},
      {"threading", Pattern::round_trips, &raw_threads, &threading, {}, {}},
      {"forking", Pattern::round_trips, &raw_forks, &forking, {}, {}},
  };
  std::vector<Comparison> comparisons;
  for (Comparison& c : all) {
    if (c.selected(options.only)) comparisons.push_back(c);
  }

  std::printf(
      "echo_bench: %d rounds; per round and variant %d connections, or one connection "
      "with %d round trips; %d shutdown reps; nproc %ld\n",
      options.rounds, options.connections, options.round_trips, options.shutdown_reps,
      ::sysconf(_SC_NPROCESSORS_ONLN));
  std::printf(
      "TCP loopback, %zu-byte lines; %s; baseline and library take turns, first one "
      "then the other; rates are medians over the rounds\n",
      kLineSize, placement.c_str());
  std::fflush(stdout);
  auto started = Clock::now();

  for (Comparison& c : comparisons) {
    run_comparison(c, options);
    std::fprintf(stderr, "echo_bench: %s done after %.1f s\n", c.name().c_str(),
                 seconds_since(started));
  }
  if (!comparisons.empty()) print_echo_table(comparisons);
  if (options.only.empty() || options.only.count("shutdown")) run_shutdown(options.shutdown_reps);
  std::printf(
      "\nlib/base: ratio of the median rates, library / baseline (1.00 = same speed; "
      "below 1 = the library is slower)\n");
  std::printf("took %.1f s\n", seconds_since(started));
  return 0;
}

}  // namespace
}  // namespace socketserver::bench

int main(int argc, char** argv) {
  using namespace socketserver::bench;
  Options options;
  try {
    options = parse_flags(argc, argv);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "echo_bench: %s\n%s", e.what(), kUsage);
    return 2;
  }
  try {
    return run(options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "echo_bench: %s\n", e.what());
    return 1;
  }
}
