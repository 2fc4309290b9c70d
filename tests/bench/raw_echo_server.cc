// raw_echo_server: the hand-written ceiling of the side-by-side benchmark. A thread per
// connection written plainly in POSIX, as Stevens writes it in UNIX Network Programming:
// accept4(), pthread_create() of a detached thread with a small stack, which echoes what it
// reads until end of input and closes. No poll(), no hooks, no buffering, no bookkeeping.
//
//   raw_echo_server [--stack-size BYTES]    0: the system's default (8 MiB); default 262144
//
// Prints "listening on 127.0.0.1:PORT" (a port the kernel picks), then serves until killed.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

void* echo(void* argument) {
  int fd = static_cast<int>(reinterpret_cast<intptr_t>(argument));
  char buffer[1024];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) break;
    if (::send(fd, buffer, static_cast<std::size_t>(n), MSG_NOSIGNAL) != n) break;
  }
  ::close(fd);
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t stack_size = 256 * 1024;
  if (argc == 3 && std::strcmp(argv[1], "--stack-size") == 0) {
    stack_size = std::strtoul(argv[2], nullptr, 10);
  } else if (argc != 1) {
    std::fprintf(stderr, "usage: raw_echo_server [--stack-size BYTES]\n");
    return 2;
  }
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (listener < 0 || ::bind(listener, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      ::listen(listener, SOMAXCONN) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    std::perror("raw_echo_server: listen");
    return 1;
  }
  std::printf("listening on 127.0.0.1:%d\n", ntohs(address.sin_port));
  std::fflush(stdout);

  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
  if (stack_size != 0 && pthread_attr_setstacksize(&attributes, stack_size) != 0) {
    std::fprintf(stderr, "raw_echo_server: bad stack size %zu\n", stack_size);
    return 2;
  }
  for (;;) {
    int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      std::perror("raw_echo_server: accept4");
      return 1;
    }
    pthread_t thread;
    if (pthread_create(&thread, &attributes, echo,
                       reinterpret_cast<void*>(static_cast<intptr_t>(fd))) != 0) {
      ::close(fd);
    }
  }
}
