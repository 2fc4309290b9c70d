#include "tests/test_util.h"

#include <dirent.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <exception>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "server/fd.h"

namespace socketserver::testing {

int count_open_fds() {
  int count = 0;
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  while (dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  ::closedir(dir);
  return count - 1;  // Not the descriptor opendir() itself holds.
}

std::string capture_stderr(const std::function<void()>& body) {
  Fd memory(::memfd_create("stderr", MFD_CLOEXEC));
  Fd saved(::dup(STDERR_FILENO));
  if (!memory.valid() || !saved.valid()) throw std::runtime_error("capture_stderr: no descriptor");
  ::dup2(memory.get(), STDERR_FILENO);
  try {
    body();
  } catch (...) {
    ::dup2(saved.get(), STDERR_FILENO);
    throw;
  }
  ::dup2(saved.get(), STDERR_FILENO);
  std::string text(64 * 1024, '\0');
  ssize_t n = ::pread(memory.get(), text.data(), text.size(), 0);
  text.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return text;
}

int count_threads() {
  // ThreadSanitizer starts a thread of its own with the program's first std::thread; start
  // one here first, so that the count a test takes before its threads is not one short.
  static const bool warmed_up = [] {
    std::thread([] {}).join();
    return true;
  }();
  (void)warmed_up;
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  return -1;
}

std::vector<pid_t> child_pids() {
  std::vector<pid_t> children;
  pid_t self = ::getpid();
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return children;
  while (dirent* entry = ::readdir(proc)) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    std::ifstream stat(std::string("/proc/") + entry->d_name + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    // Fields after the command name, which is in parentheses and may contain spaces.
    std::size_t close = text.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(text.substr(close + 1));
    std::string state;
    pid_t parent = 0;
    rest >> state >> parent;
    if (parent == self) children.push_back(static_cast<pid_t>(std::stoi(entry->d_name)));
  }
  ::closedir(proc);
  return children;
}

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds deadline) {
  auto end = std::chrono::steady_clock::now() + deadline;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > end) return condition();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

ServerThread::ServerThread(BaseServer& server, Seconds poll_interval) : server_(server) {
  // serve_forever() would throw this on the new thread, kept until stop(): a test waiting for
  // replies meanwhile would wait out its deadline before the real mistake showed.
  if (server.fileno() < 0) {
    throw std::logic_error(
        "ServerThread: the server has no socket; call bind_and_activate() before serving");
  }
  thread_ = std::thread([this, poll_interval] {
    try {
      server_.serve_forever(poll_interval);
    } catch (...) {
      error_ = std::current_exception();
    }
  });
}

ServerThread::~ServerThread() {
  try {
    stop();
  } catch (...) {
  }
}

void ServerThread::stop() {
  if (!thread_.joinable()) return;
  server_.shutdown();
  thread_.join();
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

std::string serve_one(BaseServer& server, const std::function<void(const SocketAddress&)>& client) {
  server.timeout = kDeadline;
  const SocketAddress address = server.server_address;
  std::string client_error;
  std::thread thread([&client, &address, &client_error] {
    try {
      client(address);
    } catch (const std::exception& e) {
      client_error = e.what();
    }
  });
  std::exception_ptr server_error;
  try {
    server.handle_request();
  } catch (...) {
    server_error = std::current_exception();
  }
  thread.join();  // Before anything leaves this function, an exception included.
  if (server_error) std::rethrow_exception(server_error);
  return client_error;
}

Socket connect_to(const SocketAddress& address) {
  Socket socket(address.family(), SOCK_STREAM);
  socket.settimeout(kDeadline);
  socket.connect(address);
  return socket;
}

std::string recv_line(Socket& socket, std::size_t limit) {
  std::string line;
  char c;
  while (line.size() < limit && socket.recv_into(&c, 1) == 1) {
    line += c;
    if (c == '\n') break;
  }
  return line;
}

std::string recv_all(Socket& socket) {
  std::string data;
  char buffer[65536];
  while (std::size_t n = socket.recv_into(buffer, sizeof buffer)) data.append(buffer, n);
  return data;
}

Socket datagram_client(const SocketAddress& server, const TempDir& dir) {
  Socket socket(server.family(), SOCK_DGRAM);
  socket.settimeout(kDeadline);
  if (server.family() == AF_UNIX) {
    static std::atomic<int> counter{0};
    socket.bind(SocketAddress::unix_path(dir.file("client-" + std::to_string(++counter))));
  }
  return socket;
}

pid_t current_tid() { return static_cast<pid_t>(::syscall(SYS_gettid)); }

char thread_state(pid_t tid) {
  std::ifstream stat("/proc/self/task/" + std::to_string(tid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // The state follows the command name, which is in parentheses and may contain spaces.
  std::size_t close = text.rfind(')');
  if (close == std::string::npos || close + 2 >= text.size()) return '?';
  return text[close + 2];
}

namespace {

std::atomic<int> sigusr1_count{0};

extern "C" void count_sigusr1(int) { sigusr1_count.fetch_add(1); }

}  // namespace

Sigusr1Interrupter::Sigusr1Interrupter() : thread_(::pthread_self()), tid_(current_tid()) {
  struct sigaction action {};
  action.sa_handler = count_sigusr1;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // No SA_RESTART.
  if (::sigaction(SIGUSR1, &action, &saved_action_) != 0) {
    throw std::system_error(errno, std::generic_category(), "sigaction SIGUSR1");
  }
  sigset_t usr1;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  if (int error = ::pthread_sigmask(SIG_UNBLOCK, &usr1, &saved_mask_); error != 0) {
    ::sigaction(SIGUSR1, &saved_action_, nullptr);
    throw std::system_error(error, std::generic_category(), "pthread_sigmask SIGUSR1");
  }
}

Sigusr1Interrupter::~Sigusr1Interrupter() {
  ::pthread_sigmask(SIG_SETMASK, &saved_mask_, nullptr);
  ::sigaction(SIGUSR1, &saved_action_, nullptr);
}

int Sigusr1Interrupter::interrupt_while_asleep(const std::atomic<bool>& about_to_block,
                                               int count) const {
  int interrupted = 0;
  for (int i = 0; i < count; ++i) {
    // Each signal is sent only while the thread sleeps in the system call, and the next one
    // only after its handler has run.
    if (!wait_until([&] { return about_to_block && thread_state(tid_) == 'S'; })) break;
    int before = sigusr1_count.load();
    if (::pthread_kill(thread_, SIGUSR1) != 0) break;
    if (!wait_until([&] { return sigusr1_count.load() > before; })) break;
    ++interrupted;
  }
  return interrupted;
}

int Sigusr1Interrupter::signals_handled() { return sigusr1_count.load(); }

}  // namespace socketserver::testing
