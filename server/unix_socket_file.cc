#include "server/unix_socket_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>

#include "server/errors.h"

namespace socketserver::internal {
namespace {

// What a path that is not a socket names, for the error: never advise deleting it.
const char* describe_file(mode_t mode) {
  if (S_ISREG(mode)) return "a regular file";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "a file that is not a socket";
}

}  // namespace

SocketAddress UnixSocketFile::bind(Socket& socket, const SocketAddress& address) {
  try {
    socket.bind(address);
  } catch (const std::system_error& e) {
    if (e.code().value() != EADDRINUSE) throw;
    struct stat taken {};
    if (::lstat(address.path().c_str(), &taken) == 0 && !S_ISSOCK(taken.st_mode)) {
      throw_system_error("bind " + address.to_string() + ": the path is " +
                             describe_file(taken.st_mode) + ", not a socket; choose another path",
                         EADDRINUSE);
    }
    // Is anyone there? Connecting with a socket of the same type answers that: ECONNREFUSED
    // means no socket is bound to the file any more, so the file is stale. Anything else (a
    // connection, a full backlog, no answer within a second) means a server holds it.
    bool alive = true;
    try {
      Socket probe(AF_UNIX, socket.type());
      probe.settimeout(Seconds(1));
      probe.connect(address);
    } catch (const std::system_error& probe_error) {
      alive = probe_error.code().value() != ECONNREFUSED;
    }
    throw_system_error("bind " + address.to_string() +
                           (alive ? ": another server is listening on this path"
                                  : ": the socket file exists but no server is listening on "
                                    "it (left by a server that did not clean up); remove "
                                    "the file and start again"),
                       EADDRINUSE);
  }
  struct stat info {};
  if (::stat(address.path().c_str(), &info) == 0) {
    path_ = address.path();
    device_ = info.st_dev;
    inode_ = info.st_ino;
  }
  return socket.getsockname();
}

void UnixSocketFile::remove() {
  if (path_.empty()) return;
  struct stat info {};
  // Same device and inode: still our file, not one another server bound after we left.
  if (::stat(path_.c_str(), &info) == 0 && info.st_dev == device_ && info.st_ino == inode_) {
    ::unlink(path_.c_str());
  }
  path_.clear();
}

}  // namespace socketserver::internal
