// Request: what get_request() returns and every later hook receives.
// Python: `request`, which is the connected socket for stream servers and the pair
// (data, server_socket) for datagram servers.
//
// C++ gives the two shapes one type with named fields instead of a socket-or-tuple:
//   stream servers:   `connection` owns the accepted socket; shutdown_request() closes it.
//   datagram servers: `packet` holds the datagram's bytes and `server_socket` borrows the
//                     server's own socket, through which the reply is sent.
// Move-only, because it may own a connection.
#ifndef SERVER_REQUEST_H_
#define SERVER_REQUEST_H_

#include <string>

#include "server/socket.h"

namespace socketserver {

struct Request {
  Socket connection;                // Stream: the connection (owned). Datagram: closed.
  std::string packet;               // Datagram: the bytes received. Stream: empty.
  Socket* server_socket = nullptr;  // Datagram: the server's socket (borrowed). Stream: null.

  bool is_datagram() const { return server_socket != nullptr; }  // A datagram server's request.
};

}  // namespace socketserver

#endif  // SERVER_REQUEST_H_
