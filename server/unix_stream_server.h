// UnixStreamServer: a synchronous stream server on a Unix-domain socket (a filesystem path).
// Python: socketserver.UnixStreamServer, which only sets address_family = AF_UNIX.
//
// Beyond Python: binding over a stale socket file gives an error that says so, and
// server_close() removes the file this server created. The reuse options are ignored.
// Differences: docs/python_to_cpp.md#unix-servers.
#ifndef SERVER_UNIX_STREAM_SERVER_H_
#define SERVER_UNIX_STREAM_SERVER_H_

#include <utility>

#include "server/tcp_server.h"
#include "server/unix_socket_file.h"

namespace socketserver {

class UnixStreamServer : public TCPServer {
 public:
  UnixStreamServer(SocketAddress address, HandlerFactory handler_factory)  // No I/O.
      : TCPServer(internal::unix_server_address(std::move(address), "UnixStreamServer"),
                  std::move(handler_factory)) {}
  ~UnixStreamServer() override { UnixStreamServer::server_close(); }

  void server_bind() override { server_address = socket_file_.bind(socket, server_address); }
  void server_close() override {
    TCPServer::server_close();
    socket_file_.remove();
  }

 private:
  internal::UnixSocketFile socket_file_;
};

}  // namespace socketserver

#endif  // SERVER_UNIX_STREAM_SERVER_H_
