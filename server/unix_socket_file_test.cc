// UnixSocketFile: the file bind() creates is removed by its owner only, and a path that is
// taken gets an error that says whether a server still answers there or the file is stale.
#include "server/unix_socket_file.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>
#include <utility>

#include "server/fd.h"
#include "server/socket.h"
#include "server/socket_address.h"
#include "tests/test_util.h"

namespace socketserver::testing {
namespace {

using internal::UnixSocketFile;

bool exists(const std::string& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0;
}

TEST_CASE("bind creates the file and remove() unlinks it; twice, or never bound, is harmless") {
  TempDir dir;
  const std::string path = dir.file("s.sock");
  Socket socket(AF_UNIX, SOCK_STREAM);
  UnixSocketFile file;
  file.remove();  // Nothing bound yet: nothing to do.
  file.bind(socket, SocketAddress::unix_path(path));
  CHECK(socket.getsockname().path() == path);
  CHECK(exists(path));
  file.remove();
  CHECK_FALSE(exists(path));
  file.remove();
}

TEST_CASE("remove leaves alone a file that replaced the socket's") {
  TempDir dir;
  const std::string path = dir.file("s.sock");
  Socket socket(AF_UNIX, SOCK_STREAM);
  UnixSocketFile file;
  file.bind(socket, SocketAddress::unix_path(path));
  REQUIRE(::unlink(path.c_str()) == 0);
  Socket other(AF_UNIX, SOCK_STREAM);  // Another server binds the same path meanwhile.
  other.bind(SocketAddress::unix_path(path));
  file.remove();
  CHECK(exists(path));
}

TEST_CASE("a stale socket file gets an error that says to remove it") {
  TempDir dir;
  const std::string path = dir.file("s.sock");
  {
    Socket crashed(AF_UNIX, SOCK_STREAM);  // A server that exited without cleaning up.
    crashed.bind(SocketAddress::unix_path(path));
  }
  const int fds_before = count_open_fds();
  std::string message;
  int err = 0;
  {
    Socket socket(AF_UNIX, SOCK_STREAM);
    UnixSocketFile file;
    try {
      file.bind(socket, SocketAddress::unix_path(path));
    } catch (const std::system_error& e) {
      message = e.what();
      err = e.code().value();
    }
    file.remove();  // Never bound: must not remove the stale file, which is not ours.
  }
  CHECK(err == EADDRINUSE);
  CHECK(message.find("bind " + path) == 0);
  CHECK(message.find("no server is listening") != std::string::npos);
  CHECK(message.find("remove") != std::string::npos);
  CHECK(count_open_fds() == fds_before);  // The probe's socket was closed.
  CHECK(exists(path));
}

TEST_CASE(
    "not_a_socket_message regression: a file, a folder or a link is named, never called "
    "removable") {
  TempDir dir;
  const std::string file = dir.file("notes.txt");
  const std::string folder = dir.file("folder");
  const std::string link = dir.file("link");
  { Fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600)); }
  REQUIRE(exists(file));
  REQUIRE(::mkdir(folder.c_str(), 0700) == 0);
  REQUIRE(::symlink(file.c_str(), link.c_str()) == 0);
  for (const auto& [path, kind] : {std::pair<std::string, std::string>{file, "a regular file"},
                                   {folder, "a directory"},
                                   {link, "a symbolic link"}}) {
    CAPTURE(path);
    Socket socket(AF_UNIX, SOCK_STREAM);
    UnixSocketFile unix_file;
    std::string message;
    try {
      unix_file.bind(socket, SocketAddress::unix_path(path));
    } catch (const std::system_error& e) {
      message = e.what();
    }
    unix_file.remove();
    CHECK(message.find("bind " + path + ": the path is " + kind + ", not a socket") == 0);
    CHECK(message.find("remove") == std::string::npos);
    CHECK(exists(path));
  }
}

TEST_CASE("a path where a server is listening gets an error that says so") {
  TempDir dir;
  const SocketAddress path = SocketAddress::unix_path(dir.file("s.sock"));
  Socket first(AF_UNIX, SOCK_STREAM);
  UnixSocketFile first_file;
  first_file.bind(first, path);
  first.listen(1);
  Socket second(AF_UNIX, SOCK_STREAM);
  UnixSocketFile second_file;
  CHECK_THROWS_WITH_AS(second_file.bind(second, path),
                       doctest::Contains("another server is listening"), std::system_error);
  second_file.remove();
  CHECK(exists(path.path()));  // The failed one did not remove the first one's file.
  first_file.remove();
  CHECK_FALSE(exists(path.path()));
}

}  // namespace
}  // namespace socketserver::testing
