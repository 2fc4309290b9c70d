// DatagramRequestHandler: a handler for datagram servers, with rfile and wfile.
// Python: socketserver.DatagramRequestHandler.
//
// setup() makes rfile read the datagram and wfile collect the reply; finish() sends the reply
// as one datagram through the server's socket, an empty one if nothing was written.
//
// May be overridden:       handle; setup and finish when extended (call the base version)
// Differs from Python:     see docs/python_to_cpp.md#datagramrequesthandler
#ifndef HANDLERS_DATAGRAM_REQUEST_HANDLER_H_
#define HANDLERS_DATAGRAM_REQUEST_HANDLER_H_

#include <stdexcept>
#include <string>

#include "handlers/base_request_handler.h"
#include "handlers/buffered_reader.h"
#include "handlers/packet_writer.h"
#include "server/socket.h"

namespace socketserver {

class DatagramRequestHandler : public BaseRequestHandler {
 public:
  std::string packet;        // Python: self.packet, the datagram's bytes.
  Socket* socket = nullptr;  // Python: self.socket, the server's socket (borrowed).
  BufferedReader rfile;      // Python: self.rfile, which reads the datagram.
  PacketWriter wfile;        // Python: self.wfile, which collects the reply.

  void setup() override {  // rfile reads the datagram; wfile collects.
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
  // Sends wfile's bytes as one datagram.
  void finish() override { socket->sendto(wfile.getvalue(), client_address); }
};

}  // namespace socketserver

#endif  // HANDLERS_DATAGRAM_REQUEST_HANDLER_H_
