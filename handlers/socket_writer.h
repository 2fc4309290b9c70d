// SocketWriter: what a stream handler writes to, as `wfile`.
// Python: socketserver._SocketWriter (wbufsize == 0) or io.BufferedWriter (wbufsize > 0).
//
// Unbuffered (the default): write() sends every byte before it returns, across partial
// writes and signals (Python's bpo-26721). Buffered: write() sends when the buffer would
// overflow; flush() sends the rest, and StreamRequestHandler::finish() calls it.
//
// Borrows the socket, which the server owns. A vanished client is a std::system_error (EPIPE
// or ECONNRESET), never a SIGPIPE: sends use MSG_NOSIGNAL.
#ifndef HANDLERS_SOCKET_WRITER_H_
#define HANDLERS_SOCKET_WRITER_H_

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "server/socket.h"

namespace socketserver {

class SocketWriter {
 public:
  SocketWriter() = default;  // Writes fail: no socket.
  // bufsize 0: every write() sends at once.
  SocketWriter(Socket* socket, std::size_t bufsize) : socket_(socket), bufsize_(bufsize) {}

  std::size_t write(std::string_view data) {  // Returns the size; unbuffered: all sent.
    if (socket_ == nullptr) throw std::logic_error("wfile.write(): no connection to write to");
    if (buffer_.size() + data.size() > bufsize_) flush();
    if (data.size() <= bufsize_) {
      buffer_.append(data);
    } else {
      socket_->sendall(data);  // Larger than the buffer: no point copying it first.
    }
    return data.size();
  }
  void writelines(const std::vector<std::string>& lines) {  // write() each; adds no '\n'.
    for (const std::string& line : lines) write(line);
  }
  void flush() {  // Sends what the buffer holds; nothing to do when unbuffered.
    std::string pending;
    pending.swap(buffer_);  // Empty even if sending fails, so finish() does not retry forever.
    if (!pending.empty()) socket_->sendall(pending);
  }
  int fileno() const { return socket_ ? socket_->fileno() : -1; }  // The socket's descriptor.

 private:
  Socket* socket_ = nullptr;  // Borrowed.
  std::size_t bufsize_ = 0;   // 0 = unbuffered.
  std::string buffer_;        // Never more than bufsize_ bytes.
};

}  // namespace socketserver

#endif  // HANDLERS_SOCKET_WRITER_H_
