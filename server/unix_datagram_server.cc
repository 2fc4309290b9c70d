#include "server/unix_datagram_server.h"

#include <stdexcept>

namespace socketserver {

UnixDatagramServer::UnixDatagramServer(SocketAddress address, HandlerFactory handler_factory)
    : UDPServer(std::move(address), std::move(handler_factory)) {
  if (address_family != AF_UNIX) {
    throw std::invalid_argument("UnixDatagramServer needs a Unix socket path, not " +
                                server_address.to_string());
  }
}

UnixDatagramServer::~UnixDatagramServer() { UnixDatagramServer::server_close(); }

void UnixDatagramServer::server_bind() {
  socket_file_.bind(socket, server_address);
  server_address = socket.getsockname();
}

void UnixDatagramServer::server_close() {
  UDPServer::server_close();
  socket_file_.remove();
}

}  // namespace socketserver
