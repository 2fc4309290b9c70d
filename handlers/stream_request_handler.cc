#include "handlers/stream_request_handler.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <system_error>

namespace socketserver {

void StreamRequestHandler::setup() {
  connection = &request->connection;
  if (timeout) connection->settimeout(timeout);
  // Python sets TCP_NODELAY whatever the family; a Unix socket would refuse it.
  int family = client_address.family();
  if (disable_nagle_algorithm && (family == AF_INET || family == AF_INET6)) {
    connection->setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
  }
  rfile = BufferedReader(connection, rbufsize);
  wfile = SocketWriter(connection, wbufsize);
}

void StreamRequestHandler::finish() {
  try {
    wfile.flush();
  } catch (const std::system_error&) {
    // The client has gone (EPIPE, ECONNRESET): a final flush has no one to reach.
  }
}

}  // namespace socketserver
