// UnixStreamServer: a synchronous stream server on a Unix-domain socket (a filesystem path).
// Python: socketserver.UnixStreamServer, which only sets address_family = AF_UNIX.
//
// Beyond Python: server_close() removes the socket file if this server created it (and it
// has not been replaced since), and binding over a stale file gives an error that says so.
// A path longer than 107 bytes is refused when the SocketAddress is made.
// allow_reuse_address and allow_reuse_port are ignored: they mean nothing for a path.
//
// May be overridden:       as TCPServer
// Differs from Python:     see docs/python_to_cpp.md#unix-servers
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
