// UnixStreamServer: a synchronous stream server on a Unix-domain socket (a filesystem path).
// Python: socketserver.UnixStreamServer, which only sets address_family = AF_UNIX.
//
// Beyond Python: server_close() removes the socket file this server created (see
// UnixSocketFile); the reuse options are ignored. Differences:
// docs/python_to_cpp.md#unix-servers.
#ifndef SERVER_UNIX_STREAM_SERVER_H_
#define SERVER_UNIX_STREAM_SERVER_H_

#include "server/tcp_server.h"
#include "server/unix_socket_file.h"

namespace socketserver {

class UnixStreamServer : public TCPServer {
 public:
  UnixStreamServer(SocketAddress server_address, HandlerFactory RequestHandlerClass);  // No I/O.
  ~UnixStreamServer() override;

  void server_bind() override;
  void server_close() override;

 private:
  internal::UnixSocketFile socket_file_;
};

}  // namespace socketserver

#endif  // SERVER_UNIX_STREAM_SERVER_H_
