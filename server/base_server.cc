#include "server/base_server.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <exception>
#include <stdexcept>
#include <string>
#include <system_error>

#include "server/deadline.h"
#include "server/errors.h"
#include "server/poll_selector.h"

namespace socketserver {

SelectorFactory default_selector() {
  return [] { return std::make_unique<PollSelector>(); };
}

void BaseServer::bind_and_activate() {
  try {
    server_bind();
    server_activate();
  } catch (...) {
    server_close();  // Python's bpo-22435: a failed bind must not leak the socket.
    throw;
  }
}

void BaseServer::check_active(const char* caller) const {
  if (fileno() < 0) {
    throw std::logic_error(std::string(caller) +
                           "(): the server has no socket; call bind_and_activate() first "
                           "(or the server was closed by server_close())");
  }
}

// [serve_forever]
void BaseServer::serve_forever(Seconds poll_interval) {
  check_active("serve_forever");
  // The wake-up pipe: shutdown() writes a byte, so select() returns at once instead of after
  // up to poll_interval (Python polls; see docs/python_to_cpp.md#shutdown).
  int ends[2];
  check_syscall("pipe2", [&] { return ::pipe2(ends, O_CLOEXEC | O_NONBLOCK); });
  Fd wake_read(ends[0]);  // Moved into wake_read_ below, once this call owns the loop.
  Fd wake_write(ends[1]);
  {
    std::lock_guard<std::mutex> lock(state_mutex_);
    if (serving_pid_ != 0) {
      throw std::logic_error("serve_forever(): already running on another thread");
    }
    serving_thread_ = std::this_thread::get_id();
    serving_pid_.store(::getpid());
    wake_write_ = std::move(wake_write);
  }
  wake_read_ = std::move(wake_read);
  auto stop_serving = [this] {
    std::lock_guard<std::mutex> lock(state_mutex_);
    shutdown_request_ = false;
    serving_pid_.store(0);
    ++loops_ended_;
    wake_write_.reset();
    wake_read_.reset();
    state_changed_.notify_all();
  };
  try {
    std::unique_ptr<Selector> selector = server_selector();
    selector->add(fileno(), EVENT_READ);
    selector->add(wake_read_.get(), EVENT_READ);
    trace_step("serve_forever");
    while (!shutdown_request_) {
      std::vector<ReadyEvent> ready = selector->select(poll_interval);
      // bpo-35017: once shutdown() has been asked for, take no further request.
      if (shutdown_request_) break;
      for (const ReadyEvent& event : ready) {
        if (event.key.fd == fileno()) handle_request_noblock();
      }
      service_actions();
    }
  } catch (...) {
    stop_serving();
    throw;
  }
  stop_serving();
}
// [end]

void BaseServer::shutdown() {
  // Before taking the mutex: a forked child's copy of it may be locked for ever.
  pid_t serving_pid = serving_pid_.load();
  if (serving_pid != 0 && serving_pid != ::getpid()) {
    throw std::logic_error(
        "shutdown() called in a forked child: serve_forever() runs in the parent process, "
        "which this process cannot stop; signal the parent instead");
  }
  std::unique_lock<std::mutex> lock(state_mutex_);
  if (serving_pid_ != 0 && serving_thread_ == std::this_thread::get_id()) {
    throw std::logic_error(
        "shutdown() called from the thread running serve_forever() would wait for itself "
        "for ever; call it from another thread");
  }
  shutdown_request_ = true;
  if (serving_pid_ == 0) return;  // Not serving.
  char byte = 1;
  // A full pipe (EAGAIN) already holds a wake-up byte, which is all that matters.
  [[maybe_unused]] ssize_t n = ::write(wake_write_.get(), &byte, 1);
  const unsigned long loop = loops_ended_;
  state_changed_.wait(lock, [&] { return loops_ended_ != loop; });
}

// [handle_request]
void BaseServer::handle_request() {
  check_active("handle_request");
  // Python: the shorter of the socket's timeout and self.timeout; none means wait for ever.
  std::optional<Seconds> wait = listening_timeout();
  if (!wait || (timeout && *timeout < *wait)) wait = timeout;
  const Deadline deadline(wait);

  std::unique_ptr<Selector> selector = server_selector();
  selector->add(fileno(), EVENT_READ);
  while (selector->select(deadline.left()).empty()) {
    if (deadline.passed()) {
      trace_step("handle_timeout");
      handle_timeout();
      return;
    }
    // Woken early: wait again for what is left (Python's loop).
  }
  handle_request_noblock();
}
// [end]

// [handle_request_noblock]
void BaseServer::handle_request_noblock() {
  std::optional<std::pair<Request, SocketAddress>> taken;
  try {
    taken = get_request();
  } catch (const std::system_error&) {
    return;  // Python: except OSError: return. The client left before we took the request.
  }
  auto& [request, client_address] = *taken;
  trace_step("get_request", &client_address);

  trace_step("verify_request", &client_address);
  if (!verify_request(request, client_address)) {
    trace_step("shutdown_request", &client_address);
    shutdown_request(request);
    return;
  }
  try {
    trace_step("process_request", &client_address);
    process_request(request, client_address);
  } catch (const std::exception&) {
    // A std::exception that process_request() let escape: a mix-in could not start the
    // request (fork or thread refused), or handle_error() itself threw. Python's except.
    // Anything else (Python: a BaseException such as SystemExit) propagates.
    trace_step("handle_error", &client_address);
    handle_error(request, client_address);
    trace_step("shutdown_request", &client_address);
    shutdown_request(request);
  }
}
// [end]

// A request while run_request() runs it: a link in the server's list of such requests. Kept
// on run_request()'s stack, so that joining and leaving the list allocate nothing: a forked
// child pays a page fault for each page it touches (docs/benchmark.md).
struct BaseServer::Running {
  Running(BaseServer& server, Request& request) : server(server), request(request) {
    std::lock_guard<std::mutex> lock(server.running_mutex_);
    next = server.running_;  // In at the front.
    if (next != nullptr) next->previous = this;
    server.running_ = this;
  }
  ~Running() {
    std::lock_guard<std::mutex> lock(server.running_mutex_);
    if (previous != nullptr) {  // Out from wherever it is.
      previous->next = next;
    } else {
      server.running_ = next;
    }
    if (next != nullptr) next->previous = previous;
  }
  BaseServer& server;           // Borrowed.
  Request& request;             // Borrowed.
  Running* previous = nullptr;  // Toward the front.
  Running* next = nullptr;
};

// [run_request]
bool BaseServer::run_request(Request& request, const SocketAddress& client_address) {
  bool finished = false;
  try {
    Running running(*this, request);  // Reached by abort_requests() until the handler is done.
    try {
      finish_request(request, client_address);
      finished = true;
    } catch (const std::exception&) {
      trace_step("handle_error", &client_address);
      handle_error(request, client_address);
    }
  } catch (...) {  // Python's `finally`, then the exception goes on.
    trace_step("shutdown_request", &client_address);
    shutdown_request(request);
    throw;
  }
  trace_step("shutdown_request", &client_address);
  shutdown_request(request);
  return finished;
}
// [end]

void BaseServer::abort_requests() {
  std::lock_guard<std::mutex> lock(running_mutex_);
  for (Running* running = running_; running != nullptr; running = running->next) {
    // No Socket::shutdown(): it throws for a connection the client has already left (ENOTCONN),
    // and a datagram request has no connection (-1, EBADF). Either way there is nothing to end.
    ::shutdown(running->request.connection.fileno(), SHUT_RDWR);
  }
}

void BaseServer::handle_error(Request&, const SocketAddress& client_address) {
  // A client that resets, hangs up or stalls past the handler's timeout is ordinary: one line
  // (beyond Python, which prints a traceback for each). A handler's own error gets the frame.
  try {
    throw;
  } catch (const std::system_error& e) {
    if (e.code() == std::errc::connection_reset || e.code() == std::errc::broken_pipe ||
        e.code() == std::errc::timed_out) {
      return write_stderr("Request from " + client_address.to_string() +
                          " ended by the client: " + e.what() + "\n");
    }
  } catch (...) {
  }
  const std::string dashes(40, '-');
  write_stderr(dashes + "\nException occurred during processing of request from " +
               client_address.to_string() + "\n" + describe_current_exception() + "\n" + dashes +
               "\n");
}

void BaseServer::trace_step(std::string_view step, const SocketAddress* client_address) const {
  if (!trace) return;
  trace(TraceEvent{step, client_address, ::getpid(), static_cast<pid_t>(::syscall(SYS_gettid))});
}

void BaseServer::print_trace(const TraceEvent& event) {
  std::string line = "[pid " + std::to_string(event.pid) + " tid " + std::to_string(event.tid) +
                     "] " + std::string(event.step);
  if (event.client_address != nullptr) line += " " + event.client_address->to_string();
  write_stderr(line + "\n");
}

}  // namespace socketserver
