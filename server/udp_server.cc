#include "server/udp_server.h"

namespace socketserver {

UDPServer::UDPServer(SocketAddress address, HandlerFactory handler_factory)
    : TCPServer(std::move(address), std::move(handler_factory)) {
  socket_type = SOCK_DGRAM;
}

std::pair<Request, SocketAddress> UDPServer::get_request() {
  auto [packet, client_address] = socket.recvfrom(max_packet_size);
  Request request;
  request.packet = std::move(packet);
  request.server_socket = &socket;
  return {std::move(request), std::move(client_address)};
}

}  // namespace socketserver
