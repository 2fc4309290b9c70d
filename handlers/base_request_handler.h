// BaseRequestHandler: one object per request; setup(), handle(), finish().
// Python: socketserver.BaseRequestHandler.
//
// The server builds a handler for each request through the factory handler<H>(args...) and
// calls run(), which does what Python's constructor does:
//     setup(); try { handle(); } finally { finish(); }
// so finish() runs even when handle() throws, but not when setup() does.
//
// Borrows `request` and `server` for the duration of run(); keep no pointer to them after.
// Constructor arguments replace Python's class attributes for shared state: pass a reference
// (std::ref) or a pointer to the table or counter the handlers share.
//
// May be overridden:       setup, handle, finish
// Differs from Python:     see docs/python_to_cpp.md#baserequesthandler
#ifndef HANDLERS_BASE_REQUEST_HANDLER_H_
#define HANDLERS_BASE_REQUEST_HANDLER_H_

#include <type_traits>
#include <utility>

#include "server/base_server.h"
#include "server/request.h"
#include "server/socket_address.h"

namespace socketserver {

class BaseRequestHandler {
 public:
  BaseRequestHandler() = default;
  BaseRequestHandler(const BaseRequestHandler&) = delete;
  BaseRequestHandler& operator=(const BaseRequestHandler&) = delete;
  virtual ~BaseRequestHandler() = default;

  // Python's __init__(request, client_address, server): store them, then the lifecycle.
  void run(Request& request, const SocketAddress& client_address, BaseServer& server);

  // Python: self.request, self.client_address, self.server. Set by run().
  Request* request = nullptr;  // Borrowed: stream servers' connection is request->connection.
  SocketAddress client_address;
  BaseServer* server = nullptr;  // Borrowed.

  virtual void setup() {}
  virtual void handle() {}
  virtual void finish() {}
};

// Python: passing the handler class to the server. Returns the factory that builds one
// H(args...) per request (copying the arguments) and runs it.
//     TCPServer server(address, handler<EchoHandler>());
//     TCPServer server(address, handler<LoginHandler>(std::ref(users)));
template <class H, class... Args>
HandlerFactory handler(Args... args) {
  static_assert(std::is_base_of_v<BaseRequestHandler, H>,
                "handler<H>(): H must derive from BaseRequestHandler");
  return [args...](Request& request, const SocketAddress& client_address, BaseServer& server) {
    H h(args...);
    h.run(request, client_address, server);
  };
}

}  // namespace socketserver

#endif  // HANDLERS_BASE_REQUEST_HANDLER_H_
