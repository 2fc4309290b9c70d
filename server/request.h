// Request: what get_request() returns and every later hook receives.
// Python: `request`: the connected socket (stream servers) or the pair (data, server_socket)
// (datagram servers). Here one type with named fields; move-only, as it may own a connection.
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
