// TCPServer: a synchronous IPv4/IPv6 stream server; one request at a time.
// Python: socketserver.TCPServer. Add ForkingMixIn or ThreadingMixIn for concurrency.
//
// Owns the listening socket; server_close() or the destructor closes it.
// Picks AF_INET or AF_INET6 from the address (Python needs a subclass for AF_INET6).
// The listening socket is non-blocking: select() may report a connection that the client
// resets before accept() runs, and the loop must not then block in accept().
// Out of descriptors, it drops the newcomer instead of spinning, as Python's loop does
// (docs/reliability.md#descriptor-exhaustion). Differences: docs/python_to_cpp.md#tcpserver.
#ifndef SERVER_TCP_SERVER_H_
#define SERVER_TCP_SERVER_H_

#include <sys/socket.h>

#include <utility>

#include "server/base_server.h"
#include "server/deadline.h"
#include "server/fd.h"
#include "server/socket.h"

namespace socketserver {

class TCPServer : public BaseServer {
 public:
  TCPServer(SocketAddress address, HandlerFactory handler_factory)  // No I/O.
      : BaseServer(std::move(address), std::move(handler_factory)),
        address_family(server_address.family()) {}
  ~TCPServer() override { TCPServer::server_close(); }

  // Python's class attributes; set them before bind_and_activate().
  int address_family;                  // From server_address: AF_INET or AF_INET6.
  int socket_type = SOCK_STREAM;       // SOCK_STREAM; UDPServer sets SOCK_DGRAM.
  int request_queue_size = SOMAXCONN;  // Python 3.15's default; Python used 5 before.
  bool allow_reuse_address = false;    // SO_REUSEADDR before bind.
  bool allow_reuse_port = false;       // SO_REUSEPORT before bind (IP families only).
  Socket socket;  // The listening socket, created by bind_and_activate(). Python: self.socket.

  void bind_and_activate() override {  // Creates the socket, then the base version.
    socket = Socket(address_family, socket_type | SOCK_NONBLOCK);
    BaseServer::bind_and_activate();
  }
  int fileno() const override { return socket.fileno(); }
  void server_close() override {  // Closes the listening socket; fileno() is -1 afterwards.
    socket.close();
    spare_.reset();
  }

  // Sets the reuse options, binds, and reads back the bound address into server_address.
  void server_bind() override;
  void server_activate() override;  // listen(request_queue_size), and opens the spare descriptor.
  // accept(). Out of descriptors (EMFILE): drops the connection with the spare, then throws.
  std::pair<Request, SocketAddress> get_request() override;
  // shutdown(SHUT_WR), so the client sees EOF even while a forked child holds a copy.
  void shutdown_request(Request& request) override;
  void close_request(Request& request) override { request.connection.close(); }

 protected:
  // A forked child closes the listening socket (Stevens, UNP 5.2). UDPServer keeps it.
  void close_in_child() override { socket.close(); }
  std::optional<Seconds> listening_timeout() const override { return socket.gettimeout(); }

 private:
  // Accepts the waiting connection into the spare descriptor and closes it; reports.
  void drop_connection(int err);
  Fd spare_;  // /dev/null, held so that one descriptor can be freed when none is left.
  Deadline next_report_{Seconds(0)};  // Report drops again once this has passed.
  unsigned long dropped_ = 0;         // Connections dropped since the last report.
};

}  // namespace socketserver

#endif  // SERVER_TCP_SERVER_H_
