// Helpers shared by the tests: temporary folders for Unix sockets, counting what a test must
// give back (descriptors, threads, child processes, from /proc), waiting on a condition with a
// deadline, running serve_forever() on a thread, and small blocking clients.
#ifndef TESTS_TEST_UTIL_H_
#define TESTS_TEST_UTIL_H_

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "server/base_server.h"
#include "server/socket.h"
#include "server/socket_address.h"

namespace socketserver::testing {

// Generous: only reached when something is broken. Tests never assert tight timings.
constexpr std::chrono::seconds kDeadline{20};

// A fresh folder from mkdtemp("/tmp/ss-XXXXXX") (short enough for sun_path; TEST_TMPDIR is
// not), removed with its contents when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // path() + "/" + name.
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Open descriptors of this process (/proc/self/fd), threads (/proc/self/status), and the
// pids of this process's children, alive or zombie (/proc/*/stat).
int count_open_fds();
int count_threads();
std::vector<pid_t> child_pids();

// Calls `condition` until it returns true or `deadline` passes; returns its last answer.
bool wait_until(const std::function<bool()>& condition,
                std::chrono::milliseconds deadline = kDeadline);

// Runs server.serve_forever(poll_interval) on a new thread; the destructor (or stop()) calls
// shutdown() and joins. An exception escaping serve_forever is kept and rethrown by stop().
class ServerThread {
 public:
  explicit ServerThread(BaseServer& server, Seconds poll_interval = Seconds(0.01));
  ~ServerThread();
  ServerThread(const ServerThread&) = delete;
  ServerThread& operator=(const ServerThread&) = delete;
  void stop();

 private:
  BaseServer& server_;
  std::thread thread_;
  std::exception_ptr error_;
};

// A client socket connected to `address`, with a receive timeout of kDeadline so a broken
// server fails the test instead of hanging it.
Socket connect_to(const SocketAddress& address);
// Reads until '\n' or end of input (at most `limit` bytes).
std::string recv_line(Socket& socket, std::size_t limit = 1 << 20);
// Reads until end of input.
std::string recv_all(Socket& socket);
// A datagram client for `server`'s family; a Unix one is bound to a fresh path in `dir`
// so the server can reply.
Socket datagram_client(const SocketAddress& server, const TempDir& dir);

}  // namespace socketserver::testing

#endif  // TESTS_TEST_UTIL_H_
