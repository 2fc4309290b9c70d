// Hostile and careless clients: each is closed or bounded without harming the others, and
// nothing kills the process (no SIGPIPE, no unbounded buffer).
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "handlers/datagram_request_handler.h"
#include "handlers/stream_request_handler.h"
#include "mixins/composed_servers.h"
#include "tests/test_handlers.h"
#include "tests/test_util.h"

namespace socketserver::testing {
namespace {

using namespace std::chrono_literals;

// Counts handle_error() calls and remembers whether one saw a timeout.
template <class Server>
struct ErrorCountingServer : Server {
  using Server::Server;
  void handle_error(Request&, const SocketAddress&) override {
    try {
      throw;
    } catch (const TimeoutError&) {
      ++timeouts;
    } catch (const std::system_error& e) {
      if (e.code().value() == EPIPE || e.code().value() == ECONNRESET) ++peer_gone;
      if (e.code().value() == EAGAIN) ++would_block;
    } catch (...) {
    }
    ++errors;
  }
  std::atomic<int> errors{0};
  std::atomic<int> timeouts{0};
  std::atomic<int> peer_gone{0};
  std::atomic<int> would_block{0};
};

// An EchoHandler whose reads time out after one second (setup() applies `timeout`): long
// enough that a good client on a loaded machine never trips it, short enough for a test.
struct TimedEchoHandler : EchoHandler {
  TimedEchoHandler() { timeout = 1s; }
};

TEST_CASE("silent_client_test: a client that sends nothing times out; others are served") {
  ErrorCountingServer<ThreadingTCPServer> server(kLoopback, handler<TimedEchoHandler>());
  server.bind_and_activate();
  ServerThread serving(server);
  Socket silent = connect_to(server.server_address);
  for (int i = 0; i < 3; ++i) {
    Socket good = connect_to(server.server_address);
    good.sendall("hello\n");
    CHECK(recv_line(good) == "hello\n");
  }
  CHECK(recv_all(silent).empty());  // The server gave up on it and closed the connection.
  CHECK(wait_until([&] { return server.timeouts == 1; }));
  serving.stop();
  server.server_close();
  CHECK(server.timeouts == 1);  // The good clients, which left cleanly, caused no error.
}

TEST_CASE("endless_line_test: a line with no end is read in bounded pieces") {
  struct LongestLine : StreamRequestHandler {
    LongestLine(std::size_t* longest, std::size_t* total) : longest(longest), total(total) {}
    void handle() override {
      for (std::string line; !(line = rfile.readline()).empty();) {
        *longest = std::max(*longest, line.size());
        *total += line.size();
      }
    }
    std::size_t* longest;
    std::size_t* total;
  };
  std::size_t longest = 0;
  std::size_t total = 0;
  TCPServer server(kLoopback, handler<LongestLine>(&longest, &total));
  server.bind_and_activate();
  constexpr std::size_t kFlood = 4 * 1024 * 1024;
  std::thread client_thread([&] {
    Socket client = connect_to(server.server_address);
    client.sendall(std::string(kFlood, 'x'));  // 4 MiB and never a '\n'.
  });
  server.handle_request();
  client_thread.join();
  CHECK(total == kFlood);
  CHECK(longest == BufferedReader::kDefaultLineLimit);
}

TEST_CASE("reset_client_test: a client that resets mid-response costs only its request") {
  struct BigReply : StreamRequestHandler {
    void handle() override {
      rfile.readline();
      // Far more than the socket buffers hold, so the reset arrives mid-write.
      for (int i = 0; i < 64; ++i) wfile.write(std::string(1 << 20, 'y'));
    }
  };
  struct sigaction before {};
  ::sigaction(SIGPIPE, nullptr, &before);

  ErrorCountingServer<TCPServer> server(kLoopback, handler<BigReply>());
  server.bind_and_activate();
  std::thread client_thread([&] {
    Socket client = connect_to(server.server_address);
    client.sendall("big please\n");
    char some[1024];
    client.recv_into(some, sizeof some);
    // SO_LINGER with a zero timeout: close() sends RST instead of FIN.
    ::linger hard{1, 0};
    ::setsockopt(client.fileno(), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  });
  server.handle_request();  // Still here: no SIGPIPE killed the process.
  client_thread.join();
  CHECK(server.errors == 1);
  CHECK(server.peer_gone == 1);

  struct sigaction after {};
  ::sigaction(SIGPIPE, nullptr, &after);
  bool unchanged = after.sa_handler == before.sa_handler;
  CHECK(unchanged);  // The library changed no signal disposition.

  // The next client is served as if nothing happened.
  server.RequestHandlerClass = handler<TimedEchoHandler>();
  std::thread next([&] {
    Socket client = connect_to(server.server_address);
    client.sendall("still there?\n");
    CHECK(recv_line(client) == "still there?\n");
  });
  server.handle_request();
  next.join();
}

TEST_CASE("full_datagram_queue_test: a Unix datagram client that never reads loses replies") {
  // A Unix datagram socket's receive queue holds net.unix.max_dgram_qlen datagrams (10 by
  // default). Past that, a reply to it would block while poll() keeps calling the server
  // "writable": the server used to spin there, and shutdown() never returned.
  struct CountingEcho : DatagramRequestHandler {
    explicit CountingEcho(std::atomic<int>* handled) : handled(handled) {}
    void handle() override {
      ++*handled;
      wfile.write(packet);
    }
    std::atomic<int>* handled;
  };
  TempDir dir;
  std::atomic<int> handled{0};
  ErrorCountingServer<UnixDatagramServer> server(SocketAddress::unix_path(dir.file("s.sock")),
                                                 handler<CountingEcho>(&handled));
  server.bind_and_activate();
  ServerThread serving(server);
  Socket client = datagram_client(server.server_address, dir);
  // Blocking sends: when the server's own queue is full, the kernel waits for room (with a
  // timeout, sendto() would fail with EAGAIN instead, see socket.h).
  client.settimeout(std::nullopt);
  constexpr int kSent = 200;  // Far more than any default queue holds.
  for (int i = 0; i < kSent; ++i) client.sendto("never read\n", server.server_address);
  CHECK(wait_until([&] { return handled == kSent; }));  // The server went on serving.
  serving.stop();                                       // And it still stops.
  CHECK(server.would_block > 0);  // The replies that did not fit were dropped, reported.
  CHECK(server.errors == server.would_block);
}

TEST_CASE("oversized_datagram_test: a datagram longer than max_packet_size is cut to it") {
  struct Measure : DatagramRequestHandler {
    void handle() override { wfile.write(std::to_string(packet.size())); }
  };
  TempDir dir;
  UDPServer server(kLoopback, handler<Measure>());
  server.bind_and_activate();
  Socket client = datagram_client(server.server_address, dir);
  client.sendto(std::string(10004, 'z'), server.server_address);
  server.handle_request();
  CHECK(client.recvfrom(100).first == "8192");
}

TEST_CASE("connect_and_close_test: clients that leave before sending a byte cost nothing") {
  const int fds_before = count_open_fds();
  ErrorCountingServer<ThreadingTCPServer> server(kLoopback, handler<EchoHandler>());
  server.bind_and_activate();
  ServerThread serving(server);
  for (int i = 0; i < 200; ++i) connect_to(server.server_address);  // Closed at once.
  Socket good = connect_to(server.server_address);
  good.sendall("still served\n");
  CHECK(recv_line(good) == "still served\n");
  good.close();
  CHECK(wait_until([&] { return server.tracked_threads() == 0; }));
  CHECK(server.errors == 0);  // End of input at once is an ordinary end, not an error.
  serving.stop();
  server.server_close();
  CHECK(count_open_fds() == fds_before);
}

TEST_CASE("half_close_test: a client that shuts down its sending side still gets every reply") {
  TCPServer server(kLoopback, handler<EchoHandler>());
  server.bind_and_activate();
  std::string replies;
  std::thread client_thread([&] {
    Socket client = connect_to(server.server_address);
    client.sendall("one\ntwo\nthree without an end");
    client.shutdown(SHUT_WR);  // "No more from me": the handler's readline() ends.
    replies = recv_all(client);
  });
  server.handle_request();
  client_thread.join();
  CHECK(replies == "one\ntwo\nthree without an end");
}

TEST_CASE("binary_garbage_test: 1 MiB of arbitrary bytes, NUL included, comes back unchanged") {
  std::string garbage(1 << 20, '\0');
  unsigned seed = 12345;
  for (char& c : garbage) {
    seed = seed * 1103515245u + 12345u;
    c = static_cast<char>(seed >> 16);
  }
  ThreadingTCPServer server(kLoopback, handler<EchoHandler>());
  server.bind_and_activate();
  ServerThread serving(server);
  Socket client = connect_to(server.server_address);
  std::thread sender([&] {
    client.sendall(garbage);
    client.shutdown(SHUT_WR);
  });
  std::string echoed = recv_all(client);
  sender.join();
  CHECK(echoed == garbage);
  serving.stop();
}

TEST_CASE("never_reading_client_test: a client that never reads is bounded by the timeout") {
  struct Flood : StreamRequestHandler {
    Flood() { timeout = 1s; }
    void handle() override {
      for (;;) wfile.write(std::string(1 << 16, 'f'));  // Until the client's buffers are full.
    }
  };
  ErrorCountingServer<TCPServer> server(kLoopback, handler<Flood>());
  server.bind_and_activate();
  Socket client = connect_to(server.server_address);  // Connected, and never reads.
  server.handle_request();  // Returns once a write has waited a second in vain.
  CHECK(server.timeouts == 1);
  CHECK(server.errors == 1);
}

TEST_CASE("slow_reading_client_test: reading a little before each timeout cannot stretch a write") {
  // One 64 MiB write with a 0.5 s timeout, to a client that reads 64 KiB every 50 ms: each
  // send() finds room in time, but the write as a whole (a sendall) must end within 0.5 s.
  struct BigWrite : StreamRequestHandler {
    BigWrite() { timeout = 500ms; }
    void handle() override { wfile.write(std::string(64 << 20, 'w')); }
  };
  // A Unix socket: TCP's flow control would hold back the window updates of such small
  // reads, and the write would wait in vain even were the timeout counted per send().
  TempDir dir;
  ErrorCountingServer<UnixStreamServer> server(SocketAddress::unix_path(dir.file("s.sock")),
                                               handler<BigWrite>());
  server.bind_and_activate();
  Socket client = connect_to(server.server_address);
  std::atomic<bool> served{false};
  std::thread reader([&client, &served] {
    std::vector<char> buffer(64 << 10);
    const auto until = std::chrono::steady_clock::now() + 10s;  // 12.5 MiB at most.
    while (!served && std::chrono::steady_clock::now() < until) {
      if (client.recv_into(buffer.data(), buffer.size()) == 0) return;
      std::this_thread::sleep_for(50ms);
    }
  });
  const auto start = std::chrono::steady_clock::now();
  server.handle_request();
  const auto took = std::chrono::steady_clock::now() - start;
  served = true;
  reader.join();
  CHECK(server.timeouts == 1);
  CHECK(took < 5s);  // Were the timeout counted per send(), the reader's 10 s and more.
}

TEST_CASE("burst_test: 500 clients connecting at once are all served") {
  ThreadingTCPServer server(kLoopback, handler<EchoHandler>());
  server.bind_and_activate();
  ServerThread serving(server);
  std::vector<Socket> clients;
  for (int i = 0; i < 500; ++i) clients.push_back(connect_to(server.server_address));
  for (int i = 0; i < 500; ++i) clients[i].sendall(std::to_string(i) + "\n");
  int right = 0;
  for (int i = 0; i < 500; ++i) right += recv_line(clients[i]) == std::to_string(i) + "\n";
  CHECK(right == 500);
  clients.clear();
  serving.stop();
}

TEST_CASE("empty_datagram_test: an empty datagram is a request like any other") {
  struct Measure : DatagramRequestHandler {
    void handle() override { wfile.write("got " + std::to_string(packet.size())); }
  };
  TempDir dir;
  UDPServer server(kLoopback, handler<Measure>());
  server.bind_and_activate();
  Socket client = datagram_client(server.server_address, dir);
  client.sendto("", server.server_address);
  server.handle_request();
  CHECK(client.recvfrom(100).first == "got 0");
}

}  // namespace
}  // namespace socketserver::testing
