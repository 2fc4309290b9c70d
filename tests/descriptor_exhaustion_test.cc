// Out of descriptors: accept() fails with EMFILE and the connection stays queued, so the
// listening socket stays readable. The server used to spin there (a ThreadingTCPServer burnt
// most of a CPU and served no one); it now drops the newcomer, says so once, and sleeps.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "mixins/composed_servers.h"
#include "server/fd.h"
#include "tests/test_handlers.h"
#include "tests/test_util.h"

namespace socketserver::testing {
namespace {

using namespace std::chrono_literals;

// CPU time of the whole process (every thread), so far.
std::chrono::nanoseconds process_cpu_time() {
  timespec now{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec);
}

// Lowers the soft RLIMIT_NOFILE to `limit` while it lives.
class DescriptorLimit {
 public:
  explicit DescriptorLimit(rlim_t limit) {
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &saved_) == 0);
    rlimit lowered = saved_;
    lowered.rlim_cur = std::min(limit, saved_.rlim_cur);
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &lowered) == 0);
  }
  ~DescriptorLimit() { ::setrlimit(RLIMIT_NOFILE, &saved_); }
  DescriptorLimit(const DescriptorLimit&) = delete;
  DescriptorLimit& operator=(const DescriptorLimit&) = delete;

 private:
  rlimit saved_{};
};

// Opens /dev/null until the process has no descriptor left; returns them.
std::vector<Fd> use_up_descriptors() {
  std::vector<Fd> taken;
  for (;;) {
    int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      REQUIRE(errno == EMFILE);
      return taken;
    }
    taken.emplace_back(fd);
  }
}

TEST_CASE(
    "emfile_busy_loop regression: out of descriptors, newcomers are dropped, the loop "
    "sleeps, and clients are served again once descriptors are free") {
  const int fds_before = count_open_fds();
  const int threads_before = count_threads();
  ThreadingTCPServer server(kLoopback, handler<EchoHandler>());
  server.bind_and_activate();
  // Nobody waits yet: EAGAIN. (Also what UBSan needs under --config=asan: the first time it
  // checks the type of an exception it opens a pipe, which it could not do later.)
  CHECK_THROWS_AS(server.get_request(), std::system_error);
  // Clients made before the descriptors run out: connect() needs none of its own.
  std::vector<Socket> dropped;
  for (int i = 0; i < 3; ++i) {
    dropped.emplace_back(AF_INET, SOCK_STREAM);
    dropped.back().settimeout(5s);  // Long enough: the fix closes them at once.
  }
  Socket served(AF_INET, SOCK_STREAM);
  served.settimeout(kDeadline);

  std::atomic<bool> looping{false};  // serve_forever() has made its wake-up pipe.
  server.trace = [&](const TraceEvent& event) {
    if (event.step == "serve_forever") looping = true;
  };
  std::chrono::nanoseconds cpu_used{};
  std::string report = capture_stderr([&] {
    ServerThread serving(server, Seconds(0.5));
    REQUIRE(wait_until([&] { return looping.load(); }));
    DescriptorLimit limit(static_cast<rlim_t>(count_open_fds() + 32));
    std::vector<Fd> taken = use_up_descriptors();
    for (Socket& client : dropped) client.connect(server.server_address);
    // The loop must sleep now. Spinning on the queued connection, it used ~all of this.
    const auto cpu_start = process_cpu_time();
    std::this_thread::sleep_for(500ms);
    cpu_used = process_cpu_time() - cpu_start;
    // Each newcomer was accepted with the spare descriptor and closed: end of input, at once.
    for (Socket& client : dropped) CHECK(recv_all(client).empty());
    taken.clear();  // Descriptors free again: the next client is served.
    served.connect(server.server_address);
    served.sendall("back\n");
    CHECK(recv_line(served) == "back\n");
    served.close();
    serving.stop();
  });
  server.server_close();
  CHECK(cpu_used < 100ms);
  // One line for the three drops: at most one a second, however many clients come.
  CHECK(std::count(report.begin(), report.end(), '\n') == 1);
  CHECK(report.find("Too many open files") != std::string::npos);
  dropped.clear();
  CHECK(count_open_fds() == fds_before);
  CHECK(wait_until([&] { return count_threads() == threads_before; }));
}

}  // namespace
}  // namespace socketserver::testing
