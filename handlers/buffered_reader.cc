#include "handlers/buffered_reader.h"

#include <algorithm>
#include <stdexcept>

namespace socketserver {

bool BufferedReader::fill() {
  if (socket_ == nullptr) return false;
  // Drop what has been read already, so the buffer never holds more than one chunk of slack.
  buffer_.erase(0, start_);
  start_ = 0;
  // recv(2) into a chunk that is not zero-filled first (new char[], not a resized string):
  // in a forked child every page written to is copied, and zero-filling 8 KiB per read
  // showed up as a 10% slower ForkingTCPServer in the benchmark.
  if (!chunk_) chunk_.reset(new char[bufsize_]);
  std::size_t n = socket_->recv_into(chunk_.get(), bufsize_);
  buffer_.append(chunk_.get(), n);
  if (n == 0) socket_ = nullptr;  // End of input: the peer closed its side.
  return n > 0;
}

std::string BufferedReader::take(std::size_t n) {
  n = std::min(n, buffer_.size() - start_);
  std::string out = buffer_.substr(start_, n);
  start_ += n;
  return out;
}

std::string BufferedReader::readline(std::size_t limit) {
  std::size_t searched = 0;  // The first `searched` unread bytes hold no '\n'.
  for (;;) {
    std::size_t newline = buffer_.find('\n', start_ + searched);
    if (newline != std::string::npos && newline - start_ < limit) return take(newline - start_ + 1);
    if (buffer_.size() - start_ >= limit) return take(limit);
    searched = buffer_.size() - start_;  // Counted from start_, which fill() may move.
    if (!fill()) return take(limit);     // End of input: the last, unterminated line (or "").
  }
}

std::string BufferedReader::read(std::size_t n) {
  while (buffer_.size() - start_ < n) {
    if (!fill()) break;
  }
  return take(n);
}

std::string BufferedReader::read() {
  while (buffer_.size() - start_ <= kReadAllLimit) {
    if (!fill()) return take(kReadAllLimit);
  }
  throw std::length_error("rfile: more than " + std::to_string(kReadAllLimit) +
                          " bytes before end of input; read(n) or readline() take it in parts");
}

std::vector<std::string> BufferedReader::readlines() {
  BufferedReader all(read());
  std::vector<std::string> lines;
  for (std::string line; !(line = all.readline(kReadAllLimit)).empty();) lines.push_back(line);
  return lines;
}

}  // namespace socketserver
