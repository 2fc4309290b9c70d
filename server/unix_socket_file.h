// UnixSocketFile: the file a Unix-domain server's bind() creates, and its removal.
// Python leaves the file behind, so the next start fails with "Address already in use". Here
// the server that created the file removes it, unless another program has replaced it since.
// Internal to server/: UnixStreamServer and UnixDatagramServer use it.
#ifndef SERVER_UNIX_SOCKET_FILE_H_
#define SERVER_UNIX_SOCKET_FILE_H_

#include <sys/types.h>

#include <stdexcept>
#include <string>

#include "server/socket.h"
#include "server/socket_address.h"

namespace socketserver::internal {

// `address`, if it is a Unix socket path; else throws std::invalid_argument naming `server`:
// "UnixStreamServer needs a Unix socket path, not 127.0.0.1:0".
inline SocketAddress unix_server_address(SocketAddress address, const char* server) {
  if (address.family() != AF_UNIX) {
    throw std::invalid_argument(std::string(server) + " needs a Unix socket path, not " +
                                address.to_string());
  }
  return address;
}

class UnixSocketFile {
 public:
  // Binds `socket` to `address`, remembers the file it created, and returns the bound address.
  // When the path is taken, throws std::system_error(EADDRINUSE) saying whether a server still
  // answers there, the socket file is stale (so may be removed), or the path is no socket.
  SocketAddress bind(Socket& socket, const SocketAddress& address);
  void remove();  // Unlinks the file if it is still the one bind() created. Idempotent.

 private:
  std::string path_;  // Empty when there is nothing to remove.
  dev_t device_ = 0;
  ino_t inode_ = 0;
};

}  // namespace socketserver::internal

#endif  // SERVER_UNIX_SOCKET_FILE_H_
