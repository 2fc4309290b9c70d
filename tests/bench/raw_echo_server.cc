// raw_echo_server: the hand-written ceiling of the side-by-side benchmark. Each of the
// library's echo servers written plainly in POSIX, as Stevens writes them in UNIX Network
// Programming: no poll() (unless --python-calls), no hooks, no buffering, no bookkeeping.
//
//   raw_echo_server [--server tcp|udp|unix] [--mixin none|threading|forking]
//                   [--path PATH] [--stack-size BYTES] [--python-calls yes|no]
//
//   --server tcp     (default) TCP on 127.0.0.1, a port the kernel picks
//   --server udp     UDP on 127.0.0.1: recvfrom() a datagram, sendto() it back, one at a time
//   --server unix    a Unix stream socket at --path (required; removed when it starts)
//   --mixin none     (default) accept4(), echo until end of input, close, the next one
//   --mixin threading  a detached pthread_create() thread per connection
//   --mixin forking  a fork()ed child per connection; the parent reaps with waitpid(-1)
//   --stack-size     the threads' stacks, 0 for the system's default (8 MiB); default 262144
//   --python-calls yes  also make the system calls of Python's structure, and nothing else
//                    of it: a poll() before each accept4() or recvfrom(), as Python's
//                    serve_forever() makes (of the socket and, as the library's loop
//                    does, of a wake-up pipe; 0.5 s), and shutdown(SHUT_WR) before
//                    close(), as shutdown_request() does. What the structure costs, apart
//                    from what the library's classes cost.
//
// The same flags, spelled the same way, as demo/echo_server's. Prints "listening on ADDRESS"
// (127.0.0.1:PORT, or the path), then serves until killed. The echo: read() into 1 KiB,
// send() it back, until end of input.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

bool python_calls = false;  // --python-calls yes
int wake_up = -1;           // With it, the read end of a pipe nobody writes to.

// Python's serve_forever() polls before each request; this polls the socket and a pipe, as
// the library's loop does (its shutdown() wake-up; Python's polls the socket alone).
void wait_readable(int sock) {
  if (!python_calls) return;
  pollfd fds[2] = {{sock, POLLIN, 0}, {wake_up, POLLIN, 0}};
  while (::poll(fds, 2, 500) == 0) {
  }
}

void echo(int fd) {
  char buffer[1024];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) break;
    if (::send(fd, buffer, static_cast<std::size_t>(n), MSG_NOSIGNAL) != n) break;
  }
  if (python_calls) ::shutdown(fd, SHUT_WR);  // Python's shutdown_request().
  ::close(fd);
}

void* echo_thread(void* argument) {
  echo(static_cast<int>(reinterpret_cast<intptr_t>(argument)));
  return nullptr;
}

[[noreturn]] void usage(const char* error) {
  std::fprintf(stderr,
               "raw_echo_server: %s\nusage: raw_echo_server [--server tcp|udp|unix] "
               "[--mixin none|threading|forking] [--path PATH] [--stack-size BYTES] "
               "[--python-calls yes|no]\n",
               error);
  std::exit(2);
}

// A bound socket (listening, for a stream), or exit 1. Prints where it is.
int open_socket(const std::string& server, const std::string& path) {
  sockaddr_storage address{};
  socklen_t length;
  if (server == "unix") {
    auto* un = reinterpret_cast<sockaddr_un*>(&address);
    un->sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof un->sun_path) usage("--path: 1-107 characters");
    std::strcpy(un->sun_path, path.c_str());
    ::unlink(path.c_str());
    length = sizeof(sockaddr_un);
  } else {
    auto* in = reinterpret_cast<sockaddr_in*>(&address);
    in->sin_family = AF_INET;
    in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    length = sizeof(sockaddr_in);
  }
  int type = server == "udp" ? SOCK_DGRAM : SOCK_STREAM;
  int fd = ::socket(address.ss_family, type | SOCK_CLOEXEC, 0);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      (type == SOCK_STREAM && ::listen(fd, SOMAXCONN) != 0) ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    std::perror("raw_echo_server: listen");
    std::exit(1);
  }
  if (server == "unix") {
    std::printf("listening on %s\n", path.c_str());
  } else {
    std::printf("listening on 127.0.0.1:%d\n",
                ntohs(reinterpret_cast<sockaddr_in*>(&address)->sin_port));
  }
  std::fflush(stdout);
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  std::string server = "tcp", mixin = "none", path;
  std::size_t stack_size = 256 * 1024;
  for (int i = 1; i < argc; i += 2) {
    std::string flag = argv[i];
    if (i + 1 >= argc) usage((flag + " needs a value").c_str());
    std::string value = argv[i + 1];
    if (flag == "--server" && (value == "tcp" || value == "udp" || value == "unix")) {
      server = value;
    } else if (flag == "--mixin" &&
               (value == "none" || value == "threading" || value == "forking")) {
      mixin = value;
    } else if (flag == "--path") {
      path = value;
    } else if (flag == "--stack-size") {
      stack_size = std::strtoul(value.c_str(), nullptr, 10);
    } else if (flag == "--python-calls" && (value == "yes" || value == "no")) {
      python_calls = value == "yes";
    } else {
      usage(("bad flag or value: " + flag + " " + value).c_str());
    }
  }
  if (server == "udp" && mixin != "none") usage("--server udp: --mixin none only");
  int sock = open_socket(server, path);
  int pipe_ends[2] = {-1, -1};
  if (python_calls && ::pipe2(pipe_ends, O_CLOEXEC) != 0) {
    std::perror("raw_echo_server: pipe2");
    return 1;
  }
  wake_up = pipe_ends[0];

  if (server == "udp") {  // Python's UDPServer: one datagram, one reply, the next.
    char buffer[2048];
    for (;;) {
      sockaddr_storage client{};
      socklen_t length = sizeof client;
      wait_readable(sock);
      ssize_t n =
          ::recvfrom(sock, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&client), &length);
      if (n >= 0) {
        ::sendto(sock, buffer, static_cast<std::size_t>(n), 0, reinterpret_cast<sockaddr*>(&client),
                 length);
      }
    }
  }

  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
  if (stack_size != 0 && pthread_attr_setstacksize(&attributes, stack_size) != 0) {
    usage("--stack-size: at least PTHREAD_STACK_MIN");
  }
  for (;;) {
    wait_readable(sock);
    int fd = ::accept4(sock, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      std::perror("raw_echo_server: accept4");
      return 1;
    }
    if (mixin == "none") {
      echo(fd);
    } else if (mixin == "threading") {
      pthread_t thread;
      if (pthread_create(&thread, &attributes, echo_thread,
                         reinterpret_cast<void*>(static_cast<intptr_t>(fd))) != 0) {
        ::close(fd);
      }
    } else {
      pid_t child = ::fork();
      if (child == 0) {
        ::close(sock);
        echo(fd);
        ::_exit(0);
      }
      ::close(fd);
      while (::waitpid(-1, nullptr, WNOHANG) > 0) {
      }
    }
  }
}
