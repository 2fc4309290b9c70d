#include "server/unix_stream_server.h"

#include <stdexcept>

namespace socketserver {

UnixStreamServer::UnixStreamServer(SocketAddress address, HandlerFactory handler_factory)
    : TCPServer(std::move(address), std::move(handler_factory)) {
  if (address_family != AF_UNIX) {
    throw std::invalid_argument("UnixStreamServer needs a Unix socket path, not " +
                                server_address.to_string());
  }
}

UnixStreamServer::~UnixStreamServer() { UnixStreamServer::server_close(); }

void UnixStreamServer::server_bind() {
  socket_file_.bind(socket, server_address);
  server_address = socket.getsockname();
}

void UnixStreamServer::server_close() {
  TCPServer::server_close();
  socket_file_.remove();
}

}  // namespace socketserver
