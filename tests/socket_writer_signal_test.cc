// CPython's SocketWriterTest: wfile is the connection's own writer, and a write is sent in
// full, at once, even when signals interrupt it (Python's bpo-26721).
#include <doctest/doctest.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <string>
#include <thread>

#include "handlers/stream_request_handler.h"
#include "server/tcp_server.h"
#include "tests/test_util.h"

namespace socketserver::testing {
namespace {

std::atomic<bool> interrupted{false};

extern "C" void on_sigusr1(int) { interrupted = true; }

TEST_CASE("test_basics: wfile writes to the request's own connection") {
  struct Handler : StreamRequestHandler {
    Handler(int* wfile_fd, int* request_fd) : wfile_fd(wfile_fd), request_fd(request_fd) {}
    void handle() override {
      *request_fd = request->connection.fileno();
      *wfile_fd = connection->fileno();
    }
    int* wfile_fd;
    int* request_fd;
  };
  int wfile_fd = -2;
  int request_fd = -3;
  TCPServer server(SocketAddress::parse("127.0.0.1:0"), handler<Handler>(&wfile_fd, &request_fd));
  server.bind_and_activate();
  Socket client = connect_to(server.server_address);
  client.close();
  server.handle_request();
  CHECK(wfile_fd == request_fd);
  CHECK(request_fd >= 0);
}

TEST_CASE("eintr_write_test: a 16 MiB write interrupted by signals is sent in full") {
  constexpr std::size_t SOCK_MAX_SIZE = 16 * 1024 * 1024 + 1;
  struct Result {
    std::size_t sent1 = 0;
    std::string received;
    std::size_t sent2 = 0;
  };
  struct Handler : StreamRequestHandler {
    explicit Handler(Result* result) : result(result) {}
    void handle() override {
      result->sent1 = wfile.write("write data\n");
      result->received = rfile.readline();
      result->sent2 = wfile.write(std::string(SOCK_MAX_SIZE, '\0'));
    }
    Result* result;
  };

  // A handler without SA_RESTART, so the signal really interrupts send(2).
  struct sigaction action {};
  struct sigaction previous {};
  action.sa_handler = on_sigusr1;
  sigemptyset(&action.sa_mask);
  REQUIRE(::sigaction(SIGUSR1, &action, &previous) == 0);

  Result result;
  TCPServer server(SocketAddress::parse("127.0.0.1:0"), handler<Handler>(&result));
  server.bind_and_activate();
  const pthread_t server_thread = ::pthread_self();  // handle_request() runs here.
  std::string response1;
  std::size_t received2 = 0;
  std::thread client_thread([&] {
    Socket client = connect_to(server.server_address);
    response1 = recv_line(client);
    client.sendall("client response\n");
    char first[100];
    std::size_t got = 0;
    while (got < sizeof first) got += client.recv_into(first + got, sizeof first - got);
    // The server is now blocked sending the rest, since nobody reads: interrupt it until
    // the signal is seen to have arrived.
    while (!interrupted) {
      ::pthread_kill(server_thread, SIGUSR1);
      std::this_thread::yield();
    }
    received2 = recv_all(client).size();
  });
  server.handle_request();
  client_thread.join();
  ::sigaction(SIGUSR1, &previous, nullptr);

  CHECK(interrupted);
  CHECK(result.sent1 == response1.size());
  CHECK(response1 == "write data\n");
  CHECK(result.received == "client response\n");
  CHECK(result.sent2 == SOCK_MAX_SIZE);
  CHECK(received2 == SOCK_MAX_SIZE - 100);
}

}  // namespace
}  // namespace socketserver::testing
