// Handlers and exceptions shared by the server tests, named after those of CPython's
// Lib/test/test_socketserver.py: a Record of what happened, ValueError and SystemExit,
// BadHandler, which throws one of them, and EchoHandler.
#ifndef TESTS_TEST_HANDLERS_H_
#define TESTS_TEST_HANDLERS_H_

#include <mutex>
#include <stdexcept>
#include <string>

#include "handlers/base_request_handler.h"
#include "handlers/stream_request_handler.h"

namespace socketserver::testing {

// A thread-safe log of what happened, in order: written by handlers and handle_error() on
// whatever thread serves the request, read by the test.
class Record {
 public:
  void add(const std::string& entry) {
    std::lock_guard<std::mutex> lock(mutex_);
    text_ += entry;
  }
  std::string text() {
    std::lock_guard<std::mutex> lock(mutex_);
    return text_;
  }

 private:
  std::mutex mutex_;
  std::string text_;
};

// Python's ValueError: a std::exception, with the message Python's test uses.
struct ValueError : std::runtime_error {
  ValueError() : std::runtime_error("Test error") {}
};

// Python's SystemExit: an exception that does not derive from std::exception.
struct SystemExit {
  int code;
};

// Python's BadHandler (ErrorHandlerTest): adds "Handler called\n" to the record, then throws
// an Exception.
template <class Exception>
struct BadHandler : BaseRequestHandler {
  explicit BadHandler(Record* record) : record(record) {}
  void handle() override {
    record->add("Handler called\n");
    throw Exception{};
  }
  Record* record;
};

// Echoes each line back until end of input.
struct EchoHandler : StreamRequestHandler {
  void handle() override {
    for (std::string line; !(line = rfile.readline()).empty();) wfile.write(line);
  }
};

}  // namespace socketserver::testing

#endif  // TESTS_TEST_HANDLERS_H_
