#include "handlers/base_request_handler.h"

namespace socketserver {

// [run]
void BaseRequestHandler::run(Request& req, const SocketAddress& address, BaseServer& srv) {
  request = &req;
  client_address = address;
  server = &srv;
  srv.trace_step("setup", &client_address);
  setup();
  try {
    srv.trace_step("handle", &client_address);
    handle();
  } catch (...) {
    srv.trace_step("finish", &client_address);
    finish();  // Python's `finally`: finish() runs, then the handler's exception goes on.
    throw;
  }
  srv.trace_step("finish", &client_address);
  finish();
}
// [end]

}  // namespace socketserver
