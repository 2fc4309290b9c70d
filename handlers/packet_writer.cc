#include "handlers/packet_writer.h"

#include <stdexcept>

namespace socketserver {

std::size_t PacketWriter::write(std::string_view data) {
  if (data_.size() + data.size() > kMaxDatagram) {
    throw std::length_error("wfile.write(): reply would exceed " + std::to_string(kMaxDatagram) +
                            " bytes, the largest datagram");
  }
  data_.append(data);
  return data.size();
}

}  // namespace socketserver
