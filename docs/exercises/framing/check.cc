// The check of the framing exercise (README.md): a TCPServer with FileHandler, and clients
// that upload files to it, directly or through demo/stammer_proxy, which passes the bytes on
// in pieces of 1 to 3, each sent on its own. The check frames its uploads with its own code,
// not with the exercise's.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "file_transfer.h"
#include "handlers/buffered_reader.h"
#include "server/fd.h"
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

// A runfile of this program: under `bazel test` from TEST_SRCDIR, run by hand (as
// tools/exercise.sh does) from the runfiles folder beside the binary.
std::string runfile(const std::string& path) {
  if (const char* srcdir = std::getenv("TEST_SRCDIR")) {
    const char* workspace = std::getenv("TEST_WORKSPACE");
    return std::string(srcdir) + "/" + (workspace ? workspace : "socketserver") + "/" + path;
  }
  char exe[4096];
  const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  REQUIRE(n > 0);
  return std::string(exe, static_cast<std::size_t>(n)) + ".runfiles/socketserver/" + path;
}

// demo/stammer_proxy, started for one check: it forwards to `target`, both ways, in pieces of
// 1 to 3 bytes (--max-chunk 3), each sent on its own after a pause of 1 ms, and logs every
// piece (--verbose) to a file. SIGTERM stops it when the check is done.
class StammerProxy {
 public:
  StammerProxy(const SocketAddress& target, unsigned seed) {
    const std::string program = runfile("demo/stammer_proxy");
    int out[2];
    REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
    Fd read_end(out[0]);
    Fd write_end(out[1]);
    const std::string to = target.to_string();
    const std::string seed_text = std::to_string(seed);
    const std::string log = log_path();
    std::vector<const char*> argv = {program.c_str(),   "--to",      to.c_str(),
                                     "--max-chunk",     "3",         "--seed",
                                     seed_text.c_str(), "--verbose", nullptr};
    posix_spawn_file_actions_t actions;
    REQUIRE(::posix_spawn_file_actions_init(&actions) == 0);
    ::posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDOUT_FILENO);
    ::posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log.c_str(),
                                       O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int spawned = ::posix_spawn(&pid_, program.c_str(), &actions, nullptr,
                                      const_cast<char* const*>(argv.data()), environ);
    ::posix_spawn_file_actions_destroy(&actions);
    REQUIRE_MESSAGE(spawned == 0, "cannot start ", program, ": ", std::strerror(spawned));
    write_end.reset();  // The child's copy is its stdout; end of input once it exits.
    const std::string line = first_line(read_end.get());
    const std::string prefix = "listening on ";
    REQUIRE_MESSAGE(line.rfind(prefix, 0) == 0, "stammer_proxy printed: ", line);
    address = SocketAddress::parse(line.substr(prefix.size()));
  }
  ~StammerProxy() { stop(); }
  StammerProxy(const StammerProxy&) = delete;
  StammerProxy& operator=(const StammerProxy&) = delete;

  // Stops the proxy (SIGTERM; SIGKILL if it has not ended within kDeadline) and reaps it.
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    if (!wait_until([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; })) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
    pid_ = -1;
  }
  // How many pieces the proxy sent to the server, from its log: more than one per send()
  // shows the bytes were split. Call after stop().
  int pieces_to_server() const {
    std::ifstream log(log_path());
    int pieces = 0;
    for (std::string line; std::getline(log, line);) pieces += line.rfind("client->server", 0) == 0;
    return pieces;
  }

  SocketAddress address;

 private:
  std::string log_path() const { return dir_.file("stammer_proxy.log"); }
  // The first line the proxy prints, waited for at most kDeadline.
  static std::string first_line(int fd) {
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + kDeadline;
    char c;
    while (line.empty() || line.back() != '\n') {
      pollfd wanted{fd, POLLIN, 0};
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || ::poll(&wanted, 1, static_cast<int>(left.count())) <= 0) break;
      if (::read(fd, &c, 1) != 1) break;
      line += c;
    }
    if (!line.empty() && line.back() == '\n') line.pop_back();
    return line;
  }

  TempDir dir_;
  pid_t pid_ = -1;
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
  StammerProxy proxy(files.server.server_address, 1);
  {
    Client client(proxy.address);
    client.upload("notes.txt", file_of(1000));
    CHECK(client.reply() == "stored notes.txt 1000");
  }
  CHECK(files.store.get("notes.txt") == file_of(1000));
  proxy.stop();
  CHECK(proxy.pieces_to_server() > 300);  // It was split: 1,000 bytes in pieces of 1 to 3.
}

TEST_CASE("several uploads on one connection through the proxy are each acknowledged") {
  FileServer files;
  StammerProxy proxy(files.server.server_address, 2);
  {
    Client client(proxy.address);
    for (int i = 0; i < 3; ++i) {
      const std::string name = "part" + std::to_string(i);
      client.upload(name, file_of(100 + 100 * i));
      CHECK(client.reply() == "stored " + name + " " + std::to_string(100 + 100 * i));
    }
  }
  CHECK(files.store.size() == 3);
  CHECK(files.store.get("part2") == file_of(300));
}

TEST_CASE("binary content and an empty file arrive exactly through the proxy") {
  FileServer files;
  StammerProxy proxy(files.server.server_address, 3);
  std::string every_byte;
  for (int i = 0; i < 256; ++i) every_byte += static_cast<char>(i);  // '\0' and '\n' too.
  {
    Client client(proxy.address);
    client.upload("bytes.bin", every_byte);
    CHECK(client.reply() == "stored bytes.bin 256");
    client.upload("empty", "");
    CHECK(client.reply() == "stored empty 0");
  }
  CHECK(files.store.get("bytes.bin") == every_byte);
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
