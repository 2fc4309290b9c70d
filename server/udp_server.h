// UDPServer: a synchronous IPv4/IPv6 datagram server; one datagram at a time.
// Python: socketserver.UDPServer (which derives from TCPServer, as here).
//
// Each request is one datagram of at most max_packet_size bytes plus a borrowed pointer to
// the server's socket for the reply. No connection: server_activate() does not listen, and
// shutdown_request() closes nothing. Differences: docs/python_to_cpp.md#udpserver.
#ifndef SERVER_UDP_SERVER_H_
#define SERVER_UDP_SERVER_H_

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "server/tcp_server.h"

namespace socketserver {

class UDPServer : public TCPServer {
 public:
  UDPServer(SocketAddress address, HandlerFactory handler_factory)  // No I/O.
      : TCPServer(std::move(address), std::move(handler_factory)) {
    socket_type = SOCK_DGRAM;
  }

  std::size_t max_packet_size = 8192;  // Longer datagrams are cut. Python's default.

  void server_activate() override {}  // A datagram socket does not listen.
  // recvfrom(): the datagram, and the server's socket to reply through. Received into a
  // buffer kept from call to call, then only the bytes that came are copied: a
  // max_packet_size string made and zero-filled per datagram was 3/4 of its user-space
  // instructions. One buffer per thread that calls this (the serving thread; another
  // calling handle_request()), so that two calls at once never share one; each stays, as
  // large as the largest max_packet_size it was used with, until its thread ends.
  std::pair<Request, SocketAddress> get_request() override {
    thread_local std::vector<char> buffer;
    buffer.resize(max_packet_size);  // Zero-fills only what it grows by.
    auto [size, client_address] = socket.recvfrom_into(buffer.data(), max_packet_size);
    Request request;
    request.packet.assign(buffer.data(), size);
    request.server_socket = &socket;
    return {std::move(request), std::move(client_address)};
  }
  // No connection to shut down (no SHUT_WR): straight to close_request().
  void shutdown_request(Request& request) override { BaseServer::shutdown_request(request); }
  void close_request(Request&) override {}  // Closes nothing: the socket is the server's own.

 protected:
  // Handlers reply through the server's socket: a ThreadingMixIn waits for them before
  // closing it, and a forked child keeps it open.
  bool handlers_reply_through_server() const override { return true; }
  void close_in_child() override {}
};

}  // namespace socketserver

#endif  // SERVER_UDP_SERVER_H_
