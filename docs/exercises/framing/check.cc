// The check of the framing exercise (README.md): a TCPServer with FileHandler, and clients
// that upload files to it, directly or through a stammering forwarder that passes the bytes
// on in pieces of 1 to 3, each sent on its own, as demo/stammer_proxy does between processes.
// The check frames its uploads with its own code, not with the exercise's.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>

#include "file_transfer.h"
#include "handlers/buffered_reader.h"
#include "server/socket.h"
#include "server/socket_address.h"
#include "server/tcp_server.h"
#include "tests/test_util.h"

namespace {

using namespace socketserver;
using namespace socketserver::testing;
using exercise::FileHandler;
using exercise::FileStore;

constexpr std::chrono::seconds kReply{10};  // The longest a reply may take, even in pieces.

// Forwards one connection to `target`, both ways, in pieces of 1 to 3 bytes (seeded, so a
// failure can be replayed), each sent on its own with TCP_NODELAY after a short pause, so
// the far side's recv() gets them one by one.
class Stammer {
 public:
  Stammer(const SocketAddress& target, unsigned seed)
      : listener_(AF_INET, SOCK_STREAM), target_(target), seed_(seed) {
    listener_.bind(kLoopback);
    listener_.listen(1);
    listener_.settimeout(kDeadline);  // accept() gives up if no client comes.
    address = listener_.getsockname();
    thread_ = std::thread([this] { run(); });
  }
  ~Stammer() { thread_.join(); }
  Stammer(const Stammer&) = delete;
  Stammer& operator=(const Stammer&) = delete;

  // How many pieces went to the server: more than one per send() proves the splitting.
  int pieces_to_server() const { return pieces_to_server_; }

  SocketAddress address;

 private:
  void run() {
    try {
      Socket client = listener_.accept().first;
      Socket server = create_connection(target_, kDeadline);
      client.settimeout(kDeadline);
      client.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
      server.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
      std::atomic<int> ignored{0};
      std::thread back([&] { pump(server, client, seed_ + 1, ignored); });
      pump(client, server, seed_, pieces_to_server_);
      back.join();
    } catch (const std::exception&) {
      // No client came, or the server was not there: the client sees its connection fail.
    }
  }

  // Copies `from` to `to` in pieces until end of input, then passes the end on. On an error
  // both sockets are shut down, so the other direction's pump ends too.
  static void pump(Socket& from, Socket& to, unsigned seed, std::atomic<int>& pieces) {
    std::mt19937 random(seed);
    std::uniform_int_distribution<std::size_t> piece_size(1, 3);
    char buffer[4096];  // The most this direction holds.
    try {
      while (std::size_t received = from.recv_into(buffer, sizeof buffer)) {
        for (std::size_t sent = 0; sent < received;) {
          std::string_view piece(buffer + sent, std::min(piece_size(random), received - sent));
          to.sendall(piece);
          sent += piece.size();
          ++pieces;
          std::this_thread::sleep_for(std::chrono::microseconds(100));  // Let it leave alone.
        }
      }
      ::shutdown(to.fileno(), SHUT_WR);
    } catch (const std::exception&) {
      ::shutdown(from.fileno(), SHUT_RDWR);
      ::shutdown(to.fileno(), SHUT_RDWR);
    }
  }

  Socket listener_;
  SocketAddress target_;
  unsigned seed_;
  std::atomic<int> pieces_to_server_{0};
  std::thread thread_;
};

// The check's own framing: 4 bytes of length, most significant first, then the payload.
std::string framed(std::string_view payload) {
  const auto n = static_cast<std::uint32_t>(payload.size());
  return std::string{static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                     static_cast<char>(n >> 8), static_cast<char>(n)} +
         std::string(payload);
}

// A FileStore served by a TCPServer on its own thread.
struct FileServer {
  FileServer() {
    server.bind_and_activate();
    thread.emplace(server);
  }
  FileStore store;
  TCPServer server{kLoopback, handler<FileHandler>(std::ref(store))};
  std::optional<ServerThread> thread;
};

// A client connected to `address`, reading the server's reply frames.
struct Client {
  explicit Client(const SocketAddress& address) : socket(create_connection(address, kReply)) {}
  void upload(const std::string& name, const std::string& content) {
    socket.sendall(framed(name) + framed(content));  // One send(): the proxy splits it.
  }
  // The next reply frame's payload; "(closed)" at end of input, "(cut)" for part of a frame.
  std::string reply() {
    const std::string header = reader.read(4);
    if (header.empty()) return "(closed)";
    if (header.size() < 4) return "(cut)";
    std::uint32_t n = 0;
    for (char c : header) n = (n << 8) | static_cast<unsigned char>(c);
    REQUIRE(n < 1000);  // The replies are short.
    const std::string payload = reader.read(n);
    return payload.size() == n ? payload : "(cut)";
  }
  Socket socket;
  BufferedReader reader{&socket};
};

// A file of `size` bytes that shows where a byte went missing or moved.
std::string file_of(std::size_t size) {
  std::string content;
  for (std::size_t i = 0; content.size() < size; ++i) content += std::to_string(i) + ",";
  content.resize(size);
  return content;
}

TEST_CASE("an upload over a direct connection is stored and acknowledged") {
  FileServer files;
  Client client(files.server.server_address);
  client.upload("notes.txt", file_of(2000));
  CHECK(client.reply() == "stored notes.txt 2000");
  CHECK(files.store.get("notes.txt") == file_of(2000));
}

TEST_CASE("an upload through the stammering proxy arrives whole") {
  FileServer files;
  Stammer proxy(files.server.server_address, 1);
  {
    Client client(proxy.address);
    client.upload("notes.txt", file_of(3000));
    CHECK(client.reply() == "stored notes.txt 3000");
  }
  CHECK(files.store.get("notes.txt") == file_of(3000));
  CHECK(proxy.pieces_to_server() > 1000);  // It was split: 3,000 bytes in pieces of 1 to 3.
}

TEST_CASE("several uploads on one connection through the proxy are each acknowledged") {
  FileServer files;
  Stammer proxy(files.server.server_address, 2);
  {
    Client client(proxy.address);
    for (int i = 0; i < 3; ++i) {
      const std::string name = "part" + std::to_string(i);
      client.upload(name, file_of(500 + 100 * i));
      CHECK(client.reply() == "stored " + name + " " + std::to_string(500 + 100 * i));
    }
  }
  CHECK(files.store.size() == 3);
  CHECK(files.store.get("part2") == file_of(700));
}

TEST_CASE("binary content and an empty file arrive exactly through the proxy") {
  FileServer files;
  Stammer proxy(files.server.server_address, 3);
  std::string every_byte;
  for (int i = 0; i < 256; ++i) every_byte += static_cast<char>(i);  // '\0' and '\n' too.
  {
    Client client(proxy.address);
    client.upload("bytes.bin", every_byte + every_byte);
    CHECK(client.reply() == "stored bytes.bin 512");
    client.upload("empty", "");
    CHECK(client.reply() == "stored empty 0");
  }
  CHECK(files.store.get("bytes.bin") == every_byte + every_byte);
  CHECK(files.store.get("empty") == std::string());
}

TEST_CASE("content over 1 MiB is refused from its length, before it is sent") {
  FileServer files;
  Client client(files.server.server_address);
  // The name, then a length of 1 MiB + 1, and the end of input instead of the content: only
  // a server that checks the length before reading replies with the error.
  client.socket.sendall(framed("big.iso") +
                        framed(std::string(exercise::kMaxContent + 1, 'x')).substr(0, 4));
  client.socket.shutdown(SHUT_WR);
  CHECK(client.reply() == "error: content over 1 MiB");
  CHECK(client.reply() == "(closed)");
  CHECK(files.store.size() == 0);
}

TEST_CASE("a name over 255 bytes is refused from its length") {
  FileServer files;
  Client client(files.server.server_address);
  client.socket.sendall(framed(std::string(256, 'n')).substr(0, 4));  // The length alone.
  client.socket.shutdown(SHUT_WR);
  CHECK(client.reply() == "error: a name is 1-255 bytes");
  CHECK(client.reply() == "(closed)");
  CHECK(files.store.size() == 0);
}

TEST_CASE("an upload cut short by end of input stores nothing") {
  FileServer files;
  Client client(files.server.server_address);
  // Content announced as 100 bytes; 50 come, then the client ends its side.
  client.socket.sendall(framed("cut.txt") + framed(file_of(100)).substr(0, 4 + 50));
  client.socket.shutdown(SHUT_WR);
  CHECK(client.reply() == "(closed)");  // No "stored": the server closed after handle().
  CHECK(files.store.size() == 0);
}

}  // namespace
