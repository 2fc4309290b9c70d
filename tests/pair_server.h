// PairServer: a server that is neither TCP nor UDP, to show that the mix-ins compose with
// any BaseServer, as Python's do. Its requests are the datagrams written into the other end
// of a socketpair(2) (client_end()); handlers reply through the server's end, which is what
// handlers_reply_through_server() tells ThreadingMixIn.
#ifndef TESTS_PAIR_SERVER_H_
#define TESTS_PAIR_SERVER_H_

#include <sys/socket.h>

#include <string>
#include <utility>

#include "handlers/base_request_handler.h"
#include "server/base_server.h"
#include "server/errors.h"
#include "server/socket.h"

namespace socketserver::testing {

class PairServer : public BaseServer {
 public:
  explicit PairServer(HandlerFactory handler_factory)
      : BaseServer(SocketAddress(), std::move(handler_factory)) {}
  ~PairServer() override { PairServer::server_close(); }

  // The end a test writes requests into and reads replies from.
  Socket& client_end() { return client_end_; }

  int fileno() const override { return server_end_.fileno(); }
  void server_bind() override {
    int ends[2];
    check_syscall("socketpair", [&] {
      return ::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, ends);
    });
    server_end_ = Socket(Fd(ends[0]));
    client_end_ = Socket(Fd(ends[1]));
  }
  void server_close() override { server_end_.close(); }
  std::pair<Request, SocketAddress> get_request() override {
    Request request;
    request.packet = server_end_.recv(4096);
    request.server_socket = &server_end_;
    return {std::move(request), SocketAddress()};
  }

 protected:
  bool handlers_reply_through_server() const override { return true; }

 private:
  Socket server_end_;
  Socket client_end_;
};

// Replies "reply:" followed by the request's bytes, through the server's end of the pair.
struct PairReplyHandler : BaseRequestHandler {
  void handle() override { request->server_socket->sendall("reply:" + request->packet); }
};

}  // namespace socketserver::testing

#endif  // TESTS_PAIR_SERVER_H_
