#include "server/tcp_server.h"

#include <fcntl.h>
#include <netinet/in.h>

#include <cerrno>
#include <stdexcept>
#include <string>
#include <system_error>

#include "server/errors.h"

namespace socketserver {

void TCPServer::server_bind() {
  // UnixStreamServer and UnixDatagramServer bind paths in their own server_bind().
  if (address_family == AF_UNIX) {
    throw std::invalid_argument("bind " + server_address.to_string() +
                                ": a Unix socket path needs UnixStreamServer or "
                                "UnixDatagramServer, not TCPServer or UDPServer");
  }
  if (allow_reuse_address) socket.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  // gh-128916: Linux 6.12.9 and later refuse SO_REUSEPORT on Unix sockets.
  if (allow_reuse_port && (address_family == AF_INET || address_family == AF_INET6)) {
    socket.setsockopt(SOL_SOCKET, SO_REUSEPORT, 1);
  }
  socket.bind(server_address);
  server_address = socket.getsockname();
}

void TCPServer::server_activate() {
  socket.listen(request_queue_size);
  spare_.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
}

std::pair<Request, SocketAddress> TCPServer::get_request() {
  try {
    auto [connection, client_address] = socket.accept();
    Request request;
    request.connection = std::move(connection);
    return {std::move(request), std::move(client_address)};
  } catch (const std::system_error& e) {
    const int err = e.code().value();
    if (err == EMFILE || err == ENFILE) drop_connection(err);
    throw;  // The loop skips this turn.
  }
}

void TCPServer::drop_connection(int err) {
  // Free one descriptor, take the connection with it and close it, then hold the spare again.
  // Without this the connection stays queued and select() reports it for ever.
  spare_.reset();
  Fd(::accept4(socket.fileno(), nullptr, nullptr, SOCK_CLOEXEC));  // Closed at once.
  spare_.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  ++dropped_;
  if (!next_report_.passed()) return;  // At most one line a second, however many clients.
  write_stderr(server_address.to_string() + ": accept: " + std::generic_category().message(err) +
               ": " + std::to_string(dropped_) + " connection(s) closed unserved; " +
               "raise the limit (ulimit -n) or serve fewer clients at once\n");
  dropped_ = 0;
  next_report_ = Deadline(Seconds(1));
}

void TCPServer::shutdown_request(Request& request) {
  try {
    request.connection.shutdown(SHUT_WR);
  } catch (const std::system_error&) {
    // ENOTCONN: the client has already gone. Nothing to tell it.
  }
  BaseServer::shutdown_request(request);
}

}  // namespace socketserver
