#include "handlers/socket_writer.h"

#include <stdexcept>

namespace socketserver {

std::size_t SocketWriter::write(std::string_view data) {
  if (socket_ == nullptr) throw std::logic_error("wfile.write(): no connection to write to");
  if (buffer_.size() + data.size() > bufsize_) flush();
  if (data.size() <= bufsize_) {
    buffer_.append(data);
  } else {
    socket_->sendall(data);  // Larger than the buffer: no point copying it first.
  }
  return data.size();
}

void SocketWriter::flush() {
  if (buffer_.empty()) return;
  std::string pending;
  pending.swap(buffer_);  // Empty even if sending fails, so finish() does not retry forever.
  socket_->sendall(pending);
}

}  // namespace socketserver
