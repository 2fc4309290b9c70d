// PacketWriter: what a datagram handler writes to, as `wfile`; the reply datagram.
// Python: io.BytesIO in DatagramRequestHandler.
//
// write() appends to the reply; DatagramRequestHandler::finish() sends getvalue() as one
// datagram, an empty one if nothing was written. Bound: a reply may not exceed
// kMaxDatagram (65507 bytes, the largest UDP payload over IPv4); a write past it throws
// std::length_error, and what was written before is kept.
#ifndef HANDLERS_PACKET_WRITER_H_
#define HANDLERS_PACKET_WRITER_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace socketserver {

class PacketWriter {
 public:
  static constexpr std::size_t kMaxDatagram = 65507;  // The most a reply may hold (UDP, IPv4).

  std::size_t write(std::string_view data);  // Appends; std::length_error past kMaxDatagram.
  void writelines(const std::vector<std::string>& lines) {  // write() each; adds no '\n'.
    for (const std::string& line : lines) write(line);
  }
  void flush() {}  // Nothing to do: the reply goes out in finish().
  const std::string& getvalue() const { return data_; }  // The reply so far.

 private:
  std::string data_;
};

}  // namespace socketserver

#endif  // HANDLERS_PACKET_WRITER_H_
