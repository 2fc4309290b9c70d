#include "server/tcp_server.h"

#include <netinet/in.h>

#include <stdexcept>
#include <system_error>

namespace socketserver {

TCPServer::TCPServer(SocketAddress address, HandlerFactory handler_factory)
    : BaseServer(std::move(address), std::move(handler_factory)),
      address_family(server_address.family()) {}

TCPServer::~TCPServer() { TCPServer::server_close(); }

void TCPServer::bind_and_activate() {
  socket = Socket(address_family, socket_type | SOCK_NONBLOCK);
  BaseServer::bind_and_activate();
}

void TCPServer::server_close() { socket.close(); }

void TCPServer::server_bind() {
  // UnixStreamServer and UnixDatagramServer bind paths in their own server_bind().
  if (address_family == AF_UNIX) {
    throw std::invalid_argument("bind " + server_address.to_string() +
                                ": a Unix socket path needs UnixStreamServer or "
                                "UnixDatagramServer, not TCPServer or UDPServer");
  }
  if (allow_reuse_address) socket.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  // gh-128916: Linux 6.12.9 and later refuse SO_REUSEPORT on Unix sockets.
  if (allow_reuse_port && (address_family == AF_INET || address_family == AF_INET6)) {
    socket.setsockopt(SOL_SOCKET, SO_REUSEPORT, 1);
  }
  socket.bind(server_address);
  server_address = socket.getsockname();
}

void TCPServer::server_activate() { socket.listen(request_queue_size); }

std::pair<Request, SocketAddress> TCPServer::get_request() {
  auto [connection, client_address] = socket.accept();
  Request request;
  request.connection = std::move(connection);
  return {std::move(request), std::move(client_address)};
}

void TCPServer::shutdown_request(Request& request) {
  try {
    request.connection.shutdown(SHUT_WR);
  } catch (const std::system_error&) {
    // ENOTCONN: the client has already gone. Nothing to tell it.
  }
  trace_step("close_request");
  close_request(request);
}

void TCPServer::close_request(Request& request) { request.connection.close(); }

// The child serves one connection; accepting is the parent's job.
void TCPServer::close_in_child() { socket.close(); }

}  // namespace socketserver
