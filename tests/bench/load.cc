// load: one load generator for every echo server the side-by-side benchmark compares (the
// library's, the hand-written one, Python's), so that the client's own cost is the same in all.
//
//   load --connect 127.0.0.1:PORT --mode ping-pong --connections 8 --seconds 2 --server-pid PID
//
// N client threads, each with its own connection(s), for a fixed time (or, with
// --requests R, until R requests are done):
//   ping-pong  one connection per client thread; a 16-byte line, wait for it to come back,
//              again. The per-line cost of the server.
//   connect    a new connection per request: connect, one line, read it back, close. The
//              per-connection cost: accept, a thread (or process) per connection, close.
//   datagram   UDP: one socket per client thread; a 16-byte datagram, wait for it to come
//              back (at most 1 s: a lost one is an error), again.
// --connect takes HOST:PORT (IPv4) or the path of a Unix stream socket. Every reply is
// checked byte for byte; a wrong or missing one counts as an error. With --hold K, K idle
// connections are opened first and held (each costs the server a thread that waits) while
// the measurement runs: what a new connection costs when many are live.
//
// Prints one line of key=value pairs, for tests/bench/side_by_side.py:
//   requests=N seconds=S rate=R p50_us=.. p99_us=.. max_us=.. errors=E server_cpu_us=..
//   server_faults=.. server_rss_kib=..
// rate is requests per second; server_cpu_us is the server's CPU time per request (user +
// system, its waited-for children included) and server_faults its minor page faults per
// request, both from /proc/PID/stat, and server_rss_kib its resident memory at the end
// (VmRSS), when --server-pid is given.
//
//   load --connect ADDRESS --mode hold --hold K --server-pid PID
//
// hold: K connections, opened and left idle until the server has K more threads than before
// (each waits in its first read); then all K speak, a line each, and every reply is read.
// Prints held=K, the server's resident memory before, idle and after speaking (KiB), the
// same per connection, connect_seconds and speak_seconds; then holds the connections until
// its standard input closes, so that the caller can time the server's stop meanwhile.
// Exit status 0 when no request failed, 1 otherwise, 2 for a bad flag. The descriptor limit
// (RLIMIT_NOFILE) is raised to its hard limit first.
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
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
  long requests = 0;  // 0: as many as --seconds allows.
  long server_pid = 0;
};

[[noreturn]] void usage(const std::string& error) {
  std::cerr << "load: " << error << "\n"
            << "usage: load --connect HOST:PORT|PATH [--mode ping-pong|connect|datagram|hold] "
               "[--connections N] [--seconds S] [--requests R] [--hold K] [--server-pid PID]\n";
  std::exit(2);
}

// A connected socket (SOCK_DGRAM for UDP), or -1. A receive timeout, so a server that never
// answers is an error, not a hang.
int connect_to(const std::string& where, int type = SOCK_STREAM) {
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
  int fd = ::socket(family, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  timeval timeout{type == SOCK_DGRAM ? 1 : 5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (family == AF_INET && type == SOCK_STREAM) {
    int one = 1;  // Each line is sent at once; Nagle would hold the next behind a delayed ACK.
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), length) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool send_line(int fd) {
  return ::send(fd, kLine, kLineSize, MSG_NOSIGNAL) == static_cast<ssize_t>(kLineSize);
}

// Reads the line back; false if anything else came back or nothing did. A datagram comes back
// whole or not at all.
bool read_line(int fd) {
  char reply[kLineSize];
  std::size_t got = 0;
  while (got < kLineSize) {
    ssize_t n = ::recv(fd, reply + got, kLineSize - got, 0);
    if (n <= 0) return false;
    got += static_cast<std::size_t>(n);
  }
  return std::memcmp(reply, kLine, kLineSize) == 0;
}

// Sends the line and reads it back.
bool round_trip(int fd) { return send_line(fd) && read_line(fd); }

// What a process has cost so far: user + system CPU time in microseconds, and minor page
// faults (a page mapped or copied on first touch: what a forked child pays for every page it
// uses). Its own, its waited-for children's and, for a forking server, those of the children
// still running or not yet waited for (from each thread's /proc/PID/task/TID/children), so
// that none is missed or counted twice.
struct Usage {
  double cpu_us = 0;
  double minor_faults = 0;
};
Usage usage(long pid, bool with_children = true) {
  Usage total;
  std::string text;
  try {
    std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
    text.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  } catch (const std::ios_base::failure&) {
    return total;  // A child that ended while it was read (ESRCH): its parent counts it.
  }
  std::size_t paren = text.rfind(')');  // The name may hold spaces; the fields follow ")".
  if (paren == std::string::npos) return total;
  std::istringstream fields(text.substr(paren + 2));
  std::vector<std::string> field;
  for (std::string f; fields >> f;) field.push_back(f);
  if (field.size() < 15) return total;
  // Fields 10-11 of stat(5) (minflt, cminflt) and 14-17 (utime, stime, cutime, cstime) are
  // 7-8 and 11-14 after the name.
  total.minor_faults = std::stod(field[7]) + std::stod(field[8]);
  double ticks = 0;
  for (int i = 11; i <= 14; ++i) ticks += std::stod(field[static_cast<std::size_t>(i)]);
  total.cpu_us = ticks * 1e6 / static_cast<double>(::sysconf(_SC_CLK_TCK));
  if (!with_children) return total;
  std::string tasks = "/proc/" + std::to_string(pid) + "/task";
  if (DIR* dir = ::opendir(tasks.c_str())) {
    while (dirent* task = ::readdir(dir)) {
      if (task->d_name[0] == '.') continue;
      std::ifstream children(tasks + "/" + task->d_name + "/children");
      for (long child; children >> child;) {
        Usage used = usage(child, false);
        total.cpu_us += used.cpu_us;
        total.minor_faults += used.minor_faults;
      }
    }
    ::closedir(dir);
  }
  return total;
}

// A field of /proc/PID/status ("VmRSS", in KiB; "Threads"), or 0.
long status_field(long pid, const std::string& name) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(file, line);) {
    if (line.compare(0, name.size() + 1, name + ":") == 0) {
      return std::stol(line.substr(name.size() + 1));
    }
  }
  return 0;
}

double since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// --mode hold: see the top of the file.
int hold(const Options& options) {
  long pid = options.server_pid;
  long rss_before = status_field(pid, "VmRSS");
  long threads_before = status_field(pid, "Threads");
  Clock::time_point start = Clock::now();
  std::vector<int> held;
  long errors = 0;
  for (int i = 0; i < options.hold; ++i) {
    int fd = connect_to(options.connect);
    if (fd < 0) {
      std::cerr << "load: held connection " << i << ": " << std::strerror(errno) << "\n";
      ++errors;
      continue;
    }
    held.push_back(fd);
  }
  // Each connection's thread has started when the server has that many more; a minute at most.
  Clock::time_point deadline = Clock::now() + std::chrono::seconds(60);
  while (status_field(pid, "Threads") < threads_before + options.hold && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  double connect_seconds = since(start);
  long rss_idle = status_field(pid, "VmRSS");

  start = Clock::now();
  for (int fd : held) {
    if (!send_line(fd)) ++errors;
  }
  for (int fd : held) {
    if (!read_line(fd)) ++errors;
  }
  double speak_seconds = since(start);
  long rss_spoken = status_field(pid, "VmRSS");
  double k = options.hold;
  std::printf(
      "held=%zu rss_before_kib=%ld rss_idle_kib=%ld rss_spoken_kib=%ld idle_per_conn_kib=%.1f "
      "spoken_per_conn_kib=%.1f connect_seconds=%.3f speak_seconds=%.3f errors=%ld\n",
      held.size(), rss_before, rss_idle, rss_spoken, (rss_idle - rss_before) / k,
      (rss_spoken - rss_before) / k, connect_seconds, speak_seconds, errors);
  std::fflush(stdout);
  char byte;
  while (::read(0, &byte, 1) > 0) {
  }
  for (int fd : held) ::close(fd);
  return errors == 0 ? 0 : 1;
}

struct Result {
  std::vector<float> latencies_us;
  long errors = 0;
};

// --requests: the requests still to be made, shared by the client threads.
std::atomic<long> requests_left{0};

void client(const Options& options, Clock::time_point end, Result& result) {
  int fd = -1;
  while (Clock::now() < end && (options.requests == 0 || requests_left-- > 0)) {
    Clock::time_point start = Clock::now();
    bool ok;
    if (options.mode == "datagram") {
      if (fd < 0) fd = connect_to(options.connect, SOCK_DGRAM);
      ok = fd >= 0 && round_trip(fd);
    } else if (options.mode == "connect") {
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
        if (value != "ping-pong" && value != "connect" && value != "datagram" && value != "hold") {
          usage("--mode " + value);
        }
        options.mode = value;
      } else if (flag == "--connections") {
        options.connections = std::stoi(value);
      } else if (flag == "--seconds") {
        options.seconds = std::stod(value);
      } else if (flag == "--hold") {
        options.hold = std::stoi(value);
      } else if (flag == "--requests") {
        options.requests = std::stol(value);
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
  if (options.requests < 0) usage("--requests: 0 or more");
  if (options.mode == "hold" && (options.hold == 0 || options.server_pid == 0)) {
    usage("--mode hold needs --hold K and --server-pid PID");
  }

  // Thousands of held connections need as many descriptors.
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &files);
  }
  if (options.mode == "hold") return hold(options);
  requests_left = options.requests;

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
  Usage before = options.server_pid ? usage(options.server_pid) : Usage();
  Clock::time_point start = Clock::now();
  Clock::time_point end = start + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(options.seconds));
  std::vector<std::thread> threads;
  for (Result& result : results) {
    threads.emplace_back([&options, end, &result] { client(options, end, result); });
  }
  for (std::thread& thread : threads) thread.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  Usage after = options.server_pid ? usage(options.server_pid) : Usage();
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
      "server_cpu_us=%.2f server_faults=%.2f server_rss_kib=%ld\n",
      requests, elapsed, static_cast<double>(requests) / elapsed, percentile(all, 0.5),
      percentile(all, 0.99), all.empty() ? 0.0 : static_cast<double>(all.back()), errors,
      requests ? (after.cpu_us - before.cpu_us) / static_cast<double>(requests) : 0.0,
      requests ? (after.minor_faults - before.minor_faults) / static_cast<double>(requests) : 0.0,
      options.server_pid ? status_field(options.server_pid, "VmRSS") : 0L);
  return errors == 0 ? 0 : 1;
}
