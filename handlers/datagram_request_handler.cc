#include "handlers/datagram_request_handler.h"

#include <stdexcept>

namespace socketserver {

void DatagramRequestHandler::setup() {
  if (!request->is_datagram()) {
    throw std::logic_error(
        "DatagramRequestHandler needs a datagram server (UDPServer or "
        "UnixDatagramServer); use StreamRequestHandler for a stream server");
  }
  packet = request->packet;
  socket = request->server_socket;
  rfile = BufferedReader(packet);
  wfile = PacketWriter();
}

void DatagramRequestHandler::finish() { socket->sendto(wfile.getvalue(), client_address); }

}  // namespace socketserver
