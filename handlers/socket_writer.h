// SocketWriter: what a stream handler writes to, as `wfile`.
// Python: socketserver._SocketWriter (wbufsize == 0) or io.BufferedWriter (wbufsize > 0).
//
// Unbuffered (the default): write() sends every byte before it returns, across partial
// writes and signals (Python's bpo-26721), and returns the byte count. flush() does nothing.
// Buffered: write() collects up to bufsize bytes and sends when the buffer is full; flush()
// sends the rest. StreamRequestHandler::finish() flushes and ignores a client that has gone.
//
// Borrows the socket, which the server owns. Sends use MSG_NOSIGNAL: a vanished client is a
// std::system_error (EPIPE or ECONNRESET), never a SIGPIPE.
#ifndef HANDLERS_SOCKET_WRITER_H_
#define HANDLERS_SOCKET_WRITER_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "server/socket.h"

namespace socketserver {

class SocketWriter {
 public:
  SocketWriter() = default;                           // Writes fail: no socket.
  SocketWriter(Socket* socket, std::size_t bufsize);  // bufsize 0: every write() sends at once.

  std::size_t write(std::string_view data);  // Returns the size; unbuffered: all sent.
  void writelines(const std::vector<std::string>& lines) {  // write() each; adds no '\n'.
    for (const std::string& line : lines) write(line);
  }
  void flush();  // Sends what the buffer holds; nothing to do when unbuffered.
  int fileno() const { return socket_ ? socket_->fileno() : -1; }  // The socket's descriptor.

 private:
  Socket* socket_ = nullptr;  // Borrowed.
  std::size_t bufsize_ = 0;   // 0 = unbuffered.
  std::string buffer_;        // Never more than bufsize_ bytes.
};

}  // namespace socketserver

#endif  // HANDLERS_SOCKET_WRITER_H_
