// Helpers shared by the tests: temporary folders for Unix sockets, counting what a test must
// give back (descriptors, threads, child processes, from /proc), waiting on a condition with a
// deadline, running serve_forever() on a thread, serving one request against a client thread,
// small blocking clients, and interrupting a thread asleep in a system call (EINTR tests).
#ifndef TESTS_TEST_UTIL_H_
#define TESTS_TEST_UTIL_H_

#include <pthread.h>
#include <signal.h>
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "demo/temp_dir.h"
#include "server/base_server.h"
#include "server/socket.h"
#include "server/socket_address.h"

namespace socketserver::testing {

// Generous: only reached when something is broken. Tests never assert tight timings.
constexpr std::chrono::seconds kDeadline{20};

// 127.0.0.1, port 0: a server bound to it gets a free port from the kernel.
inline const SocketAddress kLoopback = SocketAddress::parse("127.0.0.1:0");

// A fresh folder from mkdtemp("/tmp/ss-XXXXXX") (short enough for sun_path; TEST_TMPDIR is
// not), removed with its contents when the object goes away. The demos' own.
using TempDir = demo::TempDir;

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
// Throws std::logic_error at once, starting no thread, if the server is not bound yet.
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

// Serves one request with server.handle_request() on this thread while `client(address)` runs
// on another, and joins that thread before returning or rethrowing what the server threw.
// Returns what the client threw (its what()), or "". Sets server.timeout to kDeadline, so the
// server gives up if no client comes.
std::string serve_one(BaseServer& server, const std::function<void(const SocketAddress&)>& client);

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

// Runs `body` with descriptor 2 sent to an in-memory file (made before `body` runs, so it may
// use up every descriptor); returns what was written to stderr meanwhile, up to 64 KiB.
std::string capture_stderr(const std::function<void()>& body);

// The kernel's id of the calling thread (gettid(2)), as in /proc/self/task/<tid>.
pid_t current_tid();
// The state letter of thread `tid` of this process, from /proc/self/task/<tid>/stat: 'S' =
// asleep in a system call such as poll, select or recv, 'R' = running; '?' if it cannot be read.
char thread_state(pid_t tid);

// For eintr tests (PEP 475: a system call interrupted by a signal is retried). While the object
// lives, SIGUSR1 runs a handler that only counts it, installed without SA_RESTART so that the
// system call it interrupts fails with EINTR, and SIGUSR1 is unblocked in the thread that made
// the object: the thread to interrupt. The destructor puts the old handler and mask back.
class Sigusr1Interrupter {
 public:
  Sigusr1Interrupter();
  ~Sigusr1Interrupter();
  Sigusr1Interrupter(const Sigusr1Interrupter&) = delete;
  Sigusr1Interrupter& operator=(const Sigusr1Interrupter&) = delete;

  // Called on another thread. `count` times: waits until `about_to_block` is true and the
  // thread to interrupt sleeps in a system call (thread_state() == 'S'), sends it SIGUSR1 with
  // pthread_kill, and waits until the handler has run. Returns how many signals went that way:
  // fewer than `count` if a wait passed kDeadline or pthread_kill failed.
  int interrupt_while_asleep(const std::atomic<bool>& about_to_block, int count) const;

  // How many SIGUSR1 the handler has counted in this process so far.
  static int signals_handled();

 private:
  pthread_t thread_;
  pid_t tid_;
  struct sigaction saved_action_ {};
  sigset_t saved_mask_{};
};

}  // namespace socketserver::testing

#endif  // TESTS_TEST_UTIL_H_
