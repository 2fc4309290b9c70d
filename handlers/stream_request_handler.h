// StreamRequestHandler: a handler for stream servers, with rfile and wfile.
// Python: socketserver.StreamRequestHandler.
//
// setup() applies the attributes to the connection and makes rfile and wfile; finish()
// flushes wfile, ignoring a client that has gone (Python's bpo-14574). Neither closes the
// connection: the server's shutdown_request() does.
// Set the attributes in the derived handler's constructor, as Python sets class attributes:
//     struct Echo : StreamRequestHandler {
//       Echo() { timeout = std::chrono::seconds(5); }
//       void handle() override {
//         for (const std::string& line : rfile) wfile.write(line);
//       }
//     };
//
// May be overridden:       handle; setup and finish when extended (call the base version)
// Differs from Python:     see docs/python_to_cpp.md#streamrequesthandler
#ifndef HANDLERS_STREAM_REQUEST_HANDLER_H_
#define HANDLERS_STREAM_REQUEST_HANDLER_H_

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <cstddef>
#include <optional>
#include <system_error>

#include "handlers/base_request_handler.h"
#include "handlers/buffered_reader.h"
#include "handlers/socket_writer.h"
#include "server/socket.h"

namespace socketserver {

class StreamRequestHandler : public BaseRequestHandler {
 public:
  // Python's class attributes, with Python's defaults.
  std::size_t rbufsize = BufferedReader::kDefaultBufferSize;  // Python: -1, meaning this.
  std::size_t wbufsize = 0;                                   // 0 = every write() is sent at once.
  std::optional<Seconds> timeout;        // Per operation; TimeoutError when it expires.
  bool disable_nagle_algorithm = false;  // TCP_NODELAY (IP connections only).

  Socket* connection = nullptr;  // Python: self.connection, the same as request->connection.
  BufferedReader rfile;          // Python: self.rfile, which reads the connection.
  SocketWriter wfile;            // Python: self.wfile, which writes to the connection.

  void setup() override {  // Applies timeout and Nagle; makes rfile, wfile.
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
  void finish() override {  // Flushes wfile, ignoring a client that has gone.
    try {
      wfile.flush();
    } catch (const std::system_error&) {
      // The client has gone (EPIPE, ECONNRESET): a final flush has no one to reach.
    }
  }
};

}  // namespace socketserver

#endif  // HANDLERS_STREAM_REQUEST_HANDLER_H_
