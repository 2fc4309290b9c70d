// socketserver.h: the whole library in one include.
// Python: `import socketserver`.
//
//   #include "socketserver.h"   // with deps = ["//:socketserver"] in the BUILD file
//   using namespace socketserver;
//
// Each header below can also be included on its own, with its own (smaller) Bazel target.
#ifndef SOCKETSERVER_H_
#define SOCKETSERVER_H_

// Servers (Python: BaseServer, TCPServer, UDPServer, UnixStreamServer, UnixDatagramServer),
// and serving until Ctrl-C.
#include "server/base_server.h"
#include "server/serve_until_signal.h"
#include "server/tcp_server.h"
#include "server/udp_server.h"
#include "server/unix_datagram_server.h"
#include "server/unix_stream_server.h"

// Mix-ins and the servers composed with them (Python: ForkingMixIn, ThreadingMixIn,
// ThreadingTCPServer, ForkingUDPServer, ...).
#include "mixins/composed_servers.h"
#include "mixins/forking_mixin.h"
#include "mixins/threading_mixin.h"

// Request handlers (Python: BaseRequestHandler, StreamRequestHandler,
// DatagramRequestHandler), with their rfile and wfile.
#include "handlers/base_request_handler.h"
#include "handlers/buffered_reader.h"
#include "handlers/datagram_request_handler.h"
#include "handlers/packet_writer.h"
#include "handlers/socket_writer.h"
#include "handlers/stream_request_handler.h"

// What they are built on (Python: socket, selectors): addresses, sockets, timeouts, errors,
// selectors.
#include "server/deadline.h"
#include "server/errors.h"
#include "server/poll_selector.h"
#include "server/select_selector.h"
#include "server/selector.h"
#include "server/socket.h"
#include "server/socket_address.h"

#endif  // SOCKETSERVER_H_
