// load: one load generator for every echo server the side-by-side benchmark compares (the
// library's, the hand-written one, Python's), so that the client's own cost is the same in all.
//
//   load --connect 127.0.0.1:PORT --mode ping-pong --connections 8 --seconds 2 --server-pid PID
//
// N client threads, each with its own connection(s), for a fixed time:
//   ping-pong  one connection per client thread; a 16-byte line, wait for it to come back,
//              again. The per-line cost of the server.
//   connect    a new connection per request: connect, one line, read it back, close. The
//              per-connection cost: accept, a thread (or process) per connection, close.
// Every reply is checked byte for byte; a wrong or missing one counts as an error. With
// --hold K, K idle connections are opened first and held (each costs the server a thread
// that waits) while the measurement runs: what a new connection costs when many are live.
//
// Prints one line of key=value pairs, for tests/bench/side_by_side.py:
//   requests=N seconds=S rate=R p50_us=.. p99_us=.. max_us=.. errors=E server_cpu_us=..
// rate is requests per second; server_cpu_us is the server's CPU time per request (user +
// system, its waited-for children included) from /proc/PID/stat, when --server-pid is given.
// Exit status 0 when no request failed, 1 otherwise, 2 for a bad flag.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

constexpr char kLine[] = "0123456789abcde\n";  // 16 bytes.
constexpr std::size_t kLineSize = sizeof(kLine) - 1;

struct Options {
  std::string connect;  // "HOST:PORT" (IPv4) or a Unix socket path.
  std::string mode = "ping-pong";
  int connections = 1;
  double seconds = 1;
  int hold = 0;
  long server_pid = 0;
};

[[noreturn]] void usage(const std::string& error) {
  std::cerr << "load: " << error << "\n"
            << "usage: load --connect HOST:PORT|PATH [--mode ping-pong|connect] "
               "[--connections N] [--seconds S] [--hold K] [--server-pid PID]\n";
  std::exit(2);
}

// A connected socket, or -1. A receive timeout, so a server that never answers is an error,
// not a hang.
int connect_to(const std::string& where) {
  sockaddr_storage address{};
  socklen_t length;
  int family;
  std::size_t colon = where.rfind(':');
  if (where.find('/') == std::string::npos && colon != std::string::npos) {
    auto* in = reinterpret_cast<sockaddr_in*>(&address);
    in->sin_family = family = AF_INET;
    in->sin_port = htons(static_cast<uint16_t>(std::stoi(where.substr(colon + 1))));
    if (inet_pton(AF_INET, where.substr(0, colon).c_str(), &in->sin_addr) != 1) return -1;
    length = sizeof(sockaddr_in);
  } else {
    auto* un = reinterpret_cast<sockaddr_un*>(&address);
    un->sun_family = family = AF_UNIX;
    if (where.size() >= sizeof(un->sun_path)) return -1;
    std::strcpy(un->sun_path, where.c_str());
    length = sizeof(sockaddr_un);
  }
  int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (family == AF_INET) {
    int one = 1;  // Each line is sent at once; Nagle would hold the next behind a delayed ACK.
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), length) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Sends the line and reads it back; false if anything else came back or nothing did.
bool round_trip(int fd) {
  if (::send(fd, kLine, kLineSize, MSG_NOSIGNAL) != static_cast<ssize_t>(kLineSize)) {
    return false;
  }
  char reply[kLineSize];
  std::size_t got = 0;
  while (got < kLineSize) {
    ssize_t n = ::recv(fd, reply + got, kLineSize - got, 0);
    if (n <= 0) return false;
    got += static_cast<std::size_t>(n);
  }
  return std::memcmp(reply, kLine, kLineSize) == 0;
}

// user + system CPU time of a process and of its waited-for children, in microseconds.
double cpu_us(long pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  std::size_t paren = text.rfind(')');  // The name may hold spaces; the fields follow ")".
  if (paren == std::string::npos) return 0;
  std::istringstream fields(text.substr(paren + 2));
  std::vector<std::string> field;
  for (std::string f; fields >> f;) field.push_back(f);
  if (field.size() < 15) return 0;
  // Fields 14-17 of stat(5) (utime, stime, cutime, cstime) are 11-14 after the name.
  double ticks = 0;
  for (int i = 11; i <= 14; ++i) ticks += std::stod(field[static_cast<std::size_t>(i)]);
  return ticks * 1e6 / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

struct Result {
  std::vector<float> latencies_us;
  long errors = 0;
};

void client(const Options& options, Clock::time_point end, Result& result) {
  int fd = -1;
  while (Clock::now() < end) {
    Clock::time_point start = Clock::now();
    bool ok;
    if (options.mode == "connect") {
      fd = connect_to(options.connect);
      ok = fd >= 0 && round_trip(fd);
      if (fd >= 0) ::close(fd);
      fd = -1;
    } else {
      if (fd < 0) fd = connect_to(options.connect);
      ok = fd >= 0 && round_trip(fd);
      if (!ok && fd >= 0) {
        ::close(fd);
        fd = -1;
      }
    }
    if (!ok) {
      ++result.errors;
      continue;
    }
    result.latencies_us.push_back(
        std::chrono::duration<float, std::micro>(Clock::now() - start).count());
  }
  if (fd >= 0) ::close(fd);
}

double percentile(const std::vector<float>& sorted, double p) {
  if (sorted.empty()) return 0;
  return sorted[static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (i + 1 >= argc) usage(flag + " needs a value");
    std::string value = argv[++i];
    try {
      if (flag == "--connect") {
        options.connect = value;
      } else if (flag == "--mode") {
        if (value != "ping-pong" && value != "connect") usage("--mode " + value);
        options.mode = value;
      } else if (flag == "--connections") {
        options.connections = std::stoi(value);
      } else if (flag == "--seconds") {
        options.seconds = std::stod(value);
      } else if (flag == "--hold") {
        options.hold = std::stoi(value);
      } else if (flag == "--server-pid") {
        options.server_pid = std::stol(value);
      } else {
        usage("unknown flag " + flag);
      }
    } catch (const std::logic_error&) {
      usage(flag + " " + value + ": not a number");
    }
  }
  if (options.connect.empty()) usage("--connect is required");
  if (options.connections < 1 || options.connections > 1000) usage("--connections: 1-1000");
  if (options.seconds <= 0 || options.seconds > 600) usage("--seconds: more than 0, at most 600");
  if (options.hold < 0 || options.hold > 15000) usage("--hold: 0-15000");

  // The held connections: each sends one line and gets it back, so its server thread has
  // started, then waits in its next read.
  std::vector<int> held;
  for (int i = 0; i < options.hold; ++i) {
    int fd = connect_to(options.connect);
    if (fd < 0 || !round_trip(fd)) {
      std::cerr << "load: held connection " << i << " failed: " << std::strerror(errno) << "\n";
      return 1;
    }
    held.push_back(fd);
  }

  std::vector<Result> results(static_cast<std::size_t>(options.connections));
  double cpu_before = options.server_pid ? cpu_us(options.server_pid) : 0;
  Clock::time_point start = Clock::now();
  Clock::time_point end = start + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(options.seconds));
  std::vector<std::thread> threads;
  for (Result& result : results) {
    threads.emplace_back([&options, end, &result] { client(options, end, result); });
  }
  for (std::thread& thread : threads) thread.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  double cpu_after = options.server_pid ? cpu_us(options.server_pid) : 0;
  for (int fd : held) ::close(fd);

  std::vector<float> all;
  long errors = 0;
  for (Result& result : results) {
    all.insert(all.end(), result.latencies_us.begin(), result.latencies_us.end());
    errors += result.errors;
  }
  std::sort(all.begin(), all.end());
  std::size_t requests = all.size();
  std::printf(
      "requests=%zu seconds=%.3f rate=%.1f p50_us=%.1f p99_us=%.1f max_us=%.1f errors=%ld "
      "server_cpu_us=%.2f\n",
      requests, elapsed, static_cast<double>(requests) / elapsed, percentile(all, 0.5),
      percentile(all, 0.99), all.empty() ? 0.0 : static_cast<double>(all.back()), errors,
      requests ? (cpu_after - cpu_before) / static_cast<double>(requests) : 0.0);
  return errors == 0 ? 0 : 1;
}
