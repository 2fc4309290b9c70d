// PacketWriter: what a datagram handler writes to, as `wfile`; the reply datagram.
// Python: io.BytesIO in DatagramRequestHandler, whose finish() sends getvalue() as one
// datagram. Bound: kMaxDatagram bytes; a write past it throws, and what came before stays.
#ifndef HANDLERS_PACKET_WRITER_H_
#define HANDLERS_PACKET_WRITER_H_

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace socketserver {

class PacketWriter {
 public:
  static constexpr std::size_t kMaxDatagram = 65507;  // The largest UDP payload over IPv4.

  std::size_t write(std::string_view data) {  // Appends; std::length_error past kMaxDatagram.
    if (data_.size() + data.size() > kMaxDatagram) {
      throw std::length_error("wfile.write(): reply would exceed " + std::to_string(kMaxDatagram) +
                              " bytes, the largest datagram");
    }
    data_.append(data);
    return data.size();
  }
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
