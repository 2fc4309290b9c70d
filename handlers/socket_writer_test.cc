// SocketWriter (wfile): unbuffered writes reach the peer before any flush; buffered writes
// wait until the buffer would overflow or flush(); a write larger than the buffer goes straight
// through; no socket is a logic error; a vanished peer is a system_error, not a SIGPIPE.
#include "handlers/socket_writer.h"

#include <doctest/doctest.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>

#include "server/errors.h"
#include "server/fd.h"
#include "server/socket.h"
#include "tests/test_util.h"

namespace socketserver::testing {
namespace {

// A connected Unix stream pair: `server` is what wfile writes to, `client` the peer. On a Unix
// socket, bytes a send() has returned for are already in the peer's receive queue, so "nothing
// received yet" can be checked at once, without waiting.
struct Connection {
  Connection() {
    int ends[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) == 0);
    server = Socket(Fd(ends[0]));
    client = Socket(Fd(ends[1]));
  }
  // What the client can receive right now: "" if nothing is waiting.
  std::string pending() {
    client.settimeout(Seconds(0));
    std::string data;
    try {
      for (int i = 0; i < 1000; ++i) data += client.recv(65536);
    } catch (const TimeoutError&) {
      // Nothing more is waiting.
    }
    return data;
  }
  Socket server;
  Socket client;
};

TEST_CASE("unbuffered: write returns the count and the peer has the bytes before any flush") {
  Connection c;
  SocketWriter wfile(&c.server, 0);
  CHECK(wfile.write("hello\n") == 6);
  CHECK(c.pending() == "hello\n");
  CHECK(wfile.write("") == 0);
  CHECK(wfile.write("x") == 1);
  CHECK(c.pending() == "x");
  wfile.flush();  // Nothing held back: nothing more arrives.
  CHECK(c.pending() == "");
}

TEST_CASE("unbuffered: a write of 4 MiB is sent whole before write returns") {
  Connection c;
  const std::string big(4 << 20, 'z');
  std::string received;
  std::string reader_error;
  Socket& client = c.client;
  client.settimeout(kDeadline);
  std::thread reader([&client, &received, &reader_error] {
    try {
      received = recv_all(client);
    } catch (const std::exception& e) {
      reader_error = e.what();
    }
  });
  SocketWriter wfile(&c.server, 0);
  std::size_t written = 0;
  std::string writer_error;
  try {
    written = wfile.write(big);
    c.server.shutdown(SHUT_WR);
  } catch (const std::exception& e) {
    writer_error = e.what();
    c.server.close();  // Unblocks the reader.
  }
  reader.join();
  CHECK(writer_error == "");
  CHECK(reader_error == "");
  CHECK(written == big.size());
  CHECK(received == big);
}

TEST_CASE("buffered: writes are held until the buffer would overflow, or flush()") {
  Connection c;
  SocketWriter wfile(&c.server, 8);
  CHECK(wfile.write("abc") == 3);
  CHECK(c.pending() == "");
  CHECK(wfile.write("defgh") == 5);  // Exactly full: still held.
  CHECK(c.pending() == "");
  CHECK(wfile.write("ij") == 2);  // Would overflow: the held bytes go, "ij" is held.
  CHECK(c.pending() == "abcdefgh");
  wfile.flush();
  CHECK(c.pending() == "ij");
  wfile.flush();  // Nothing held: nothing sent twice.
  CHECK(c.pending() == "");
}

TEST_CASE("buffered: a write bigger than the buffer goes straight through, after what was held") {
  Connection c;
  SocketWriter wfile(&c.server, 4);
  CHECK(wfile.write("ab") == 2);
  CHECK(c.pending() == "");
  CHECK(wfile.write("0123456789") == 10);
  CHECK(c.pending() == "ab0123456789");
  wfile.flush();
  CHECK(c.pending() == "");
}

TEST_CASE("writelines sends each string as it is, adding no '\\n'; buffered, it holds them") {
  Connection c;
  SocketWriter wfile(&c.server, 0);
  wfile.writelines({"one\n", "two", "\n"});
  CHECK(c.pending() == "one\ntwo\n");
  wfile.writelines({});
  CHECK(c.pending() == "");
  SocketWriter buffered(&c.server, 64);
  buffered.writelines({"a\n", "b\n"});
  CHECK(c.pending() == "");
  buffered.flush();
  CHECK(c.pending() == "a\nb\n");
}

TEST_CASE("fileno is the socket's descriptor; -1 without a socket") {
  Connection c;
  CHECK(SocketWriter(&c.server, 0).fileno() == c.server.fileno());
  CHECK(c.server.fileno() >= 0);
  CHECK(SocketWriter().fileno() == -1);
}

TEST_CASE("write with no socket throws std::logic_error") {
  SocketWriter wfile;
  CHECK_THROWS_AS(wfile.write("x"), std::logic_error);
  CHECK_THROWS_WITH_AS(wfile.write(""), doctest::Contains("no connection"), std::logic_error);
  CHECK_THROWS_AS(wfile.writelines({"x"}), std::logic_error);
  wfile.flush();  // Nothing held: nothing to fail.
}

TEST_CASE("write and flush to a closed peer: system_error EPIPE") {
  Connection c;
  c.client.close();
  SocketWriter unbuffered(&c.server, 0);
  int err = 0;
  try {
    unbuffered.write("x");
  } catch (const std::system_error& e) {
    err = e.code().value();
  }
  CHECK(err == EPIPE);

  SocketWriter buffered(&c.server, 16);
  CHECK(buffered.write("held") == 4);  // Held: no error yet.
  CHECK_THROWS_AS(buffered.flush(), std::system_error);
  buffered.flush();  // The failed bytes were dropped: a second flush has nothing to send.
}

}  // namespace
}  // namespace socketserver::testing
