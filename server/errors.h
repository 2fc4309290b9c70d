// Errors: how a failed system call becomes a C++ exception.
// Python: OSError (with errno and strerror) and TimeoutError.
//
// check_syscall() retries EINTR (PEP 475) and throws std::system_error naming the call, so a
// student sees "bind 127.0.0.1:8123: Address already in use", never a bare -1.
#ifndef SERVER_ERRORS_H_
#define SERVER_ERRORS_H_

#include <cerrno>
#include <string>
#include <string_view>
#include <system_error>

namespace socketserver {

// Python: TimeoutError, thrown when a Socket's timeout expires. A std::system_error with
// std::errc::timed_out, so handle_error() sees it like any other OS error.
class TimeoutError : public std::system_error {
 public:
  explicit TimeoutError(const std::string& what)  // `what` names the call.
      : std::system_error(std::make_error_code(std::errc::timed_out), what) {}
};

// Throws std::system_error(err, what); `what` names the call: "connect /tmp/ss-1/echo.sock".
[[noreturn]] inline void throw_system_error(const std::string& what, int err = errno) {
  throw std::system_error(err, std::generic_category(), what);
}

// Writes `text` to stderr in as few write(2) calls as possible, so that reports from several
// threads or children do not interleave mid-line. Never throws.
void write_stderr(std::string_view text);

// "std::runtime_error: boom": the current exception's type and what(). In a catch block only.
std::string describe_current_exception();

// Returns what call() returned, retrying EINTR; throws if it returns -1 for another reason.
// Never for close(): see Fd.
template <class Call>
auto check_syscall(const std::string& what, Call call) -> decltype(call()) {
  for (;;) {
    auto result = call();
    if (result != -1) return result;
    if (errno != EINTR) throw_system_error(what);
  }
}

}  // namespace socketserver

#endif  // SERVER_ERRORS_H_
