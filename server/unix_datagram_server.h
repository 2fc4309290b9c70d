// UnixDatagramServer: a synchronous datagram server on a Unix-domain socket.
// Python: socketserver.UnixDatagramServer (derives from UDPServer, as here).
//
// A client that wants a reply binds its own path first: the server answers with
// sendto(client_address). The socket file is removed as UnixStreamServer does.
// Differences: docs/python_to_cpp.md#unix-servers.
#ifndef SERVER_UNIX_DATAGRAM_SERVER_H_
#define SERVER_UNIX_DATAGRAM_SERVER_H_

#include <utility>

#include "server/udp_server.h"
#include "server/unix_socket_file.h"

namespace socketserver {

class UnixDatagramServer : public UDPServer {
 public:
  UnixDatagramServer(SocketAddress address, HandlerFactory handler_factory)  // No I/O.
      : UDPServer(internal::unix_server_address(std::move(address), "UnixDatagramServer"),
                  std::move(handler_factory)) {}
  ~UnixDatagramServer() override { UnixDatagramServer::server_close(); }

  void server_bind() override { server_address = socket_file_.bind(socket, server_address); }
  void server_close() override {
    UDPServer::server_close();
    socket_file_.remove();
  }

 private:
  internal::UnixSocketFile socket_file_;
};

}  // namespace socketserver

#endif  // SERVER_UNIX_DATAGRAM_SERVER_H_
