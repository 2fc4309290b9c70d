// BufferedReader: what a handler reads from, as `rfile`.
// Python: io.BufferedReader over the connection (StreamRequestHandler.rfile) or io.BytesIO
// over the datagram (DatagramRequestHandler.rfile). At end of input every read returns
// empty, and a range-for reads line by line, as in Python:
//     for (const std::string& line : rfile) wfile.write(line);
//
// Bounds, so that no client can make the server grow without end: the buffer holds at most
// bufsize bytes beyond what the caller asked for; readline() stops at kDefaultLineLimit
// (Python: no limit); read() and readlines() throw std::length_error past kReadAllLimit and
// leave the bytes unread, for read(n) or readline().
//
// Borrows the socket, which the server owns; a TimeoutError from it passes through.
#ifndef HANDLERS_BUFFERED_READER_H_
#define HANDLERS_BUFFERED_READER_H_

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "server/socket.h"

namespace socketserver {

class BufferedReader {
 public:
  static constexpr std::size_t kDefaultBufferSize = 8192;      // Python: io.DEFAULT_BUFFER_SIZE
  static constexpr std::size_t kDefaultLineLimit = 64 * 1024;  // readline()'s default limit.
  static constexpr std::size_t kReadAllLimit = 1024 * 1024;    // read(), readlines(): the most.

  BufferedReader() = default;  // At end of input from the start.
  // Python: sock.makefile('rb'). Reads from `socket` in chunks of `bufsize` bytes (0: 1).
  explicit BufferedReader(Socket* socket, std::size_t bufsize = kDefaultBufferSize)
      : socket_(socket), bufsize_(bufsize == 0 ? 1 : bufsize) {}
  // Reads `data` (a datagram), then end of input.
  explicit BufferedReader(std::string data) : buffer_(std::move(data)) {}

  std::string readline(std::size_t limit = kDefaultLineLimit);  // One line, '\n' included.
  std::string read(std::size_t n);       // Python: read(n). n bytes, or fewer at end of input.
  std::string read();                    // To end of input.
  std::vector<std::string> readlines();  // read(), split after each '\n'.

  // Python: `for line in rfile`. Each step is readline(); the loop ends at end of input.
  class LineIterator {
   public:
    LineIterator() = default;                                                     // The end.
    explicit LineIterator(BufferedReader* reader) : reader_(reader) { ++*this; }  // Reads a line.
    const std::string& operator*() const { return line_; }  // The line read last.
    LineIterator& operator++() {  // Reads the next line; at end of input, becomes the end.
      line_ = reader_->readline();
      if (line_.empty()) reader_ = nullptr;
      return *this;
    }
    // False only when both are the end.
    bool operator!=(const LineIterator& other) const { return reader_ != other.reader_; }

   private:
    BufferedReader* reader_ = nullptr;  // Null at the end.
    std::string line_;
  };
  LineIterator begin() { return LineIterator(this); }  // For range-for: reads the first line.
  LineIterator end() { return LineIterator(); }        // For range-for: the end of input.

 private:
  bool fill();                      // Receives one more chunk into buffer_; false at the end.
  std::string take(std::size_t n);  // Takes the first n unread bytes out of the buffer.

  Socket* socket_ = nullptr;  // Borrowed; null once the input is exhausted or for a datagram.
  std::size_t bufsize_ = kDefaultBufferSize;
  std::string buffer_;
  std::size_t start_ = 0;          // buffer_[start_..] is not yet read.
  std::unique_ptr<char[]> chunk_;  // What recv(2) fills: bufsize_ bytes, made on first use.
};

}  // namespace socketserver

#endif  // HANDLERS_BUFFERED_READER_H_
