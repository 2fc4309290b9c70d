// BufferedReader (rfile) over a connected socket pair and over a datagram: lines, the last
// unterminated line, end of input, line limits (and the default one against a client that
// never sends '\n'), read(n) across many small chunks, tiny buffers, and timeouts; the default
// buffer size; read() and readlines() to end of input and their 1 MiB bound; range-for.
#include "handlers/buffered_reader.h"

#include <doctest/doctest.h>
#include <sys/socket.h>

#include <chrono>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "server/errors.h"
#include "server/fd.h"
#include "server/socket.h"
#include "tests/test_util.h"

namespace socketserver::testing {
namespace {

using namespace std::chrono_literals;

// A connected Unix stream pair: `reader` is what the handler's rfile reads, `writer` is the
// client. Both have a kDeadline timeout, so a broken reader fails instead of hanging.
struct Connection {
  Connection() {
    int ends[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) == 0);
    reader = Socket(Fd(ends[0]));
    writer = Socket(Fd(ends[1]));
    reader.settimeout(kDeadline);
    writer.settimeout(kDeadline);
  }
  // Sends `data` and then end of input.
  void send_and_close(const std::string& data) {
    writer.sendall(data);
    writer.shutdown(SHUT_WR);
  }
  Socket reader;
  Socket writer;
};

// Every readline(limit) until end of input (bounded, in case end of input never comes).
std::vector<std::string> all_lines(BufferedReader& rfile,
                                   std::size_t limit = BufferedReader::kDefaultLineLimit) {
  std::vector<std::string> lines;
  for (int i = 0; i < 10000; ++i) {
    std::string line = rfile.readline(limit);
    if (line.empty()) break;
    lines.push_back(line);
  }
  return lines;
}

using Lines = std::vector<std::string>;

TEST_CASE("socket: readline returns each line with its '\\n', then the last unterminated one") {
  Connection c;
  c.send_and_close("one\ntwo\n\nthree");
  BufferedReader rfile(&c.reader, BufferedReader::kDefaultBufferSize);
  CHECK(rfile.readline() == "one\n");
  CHECK(rfile.readline() == "two\n");
  CHECK(rfile.readline() == "\n");
  CHECK(rfile.readline() == "three");
  CHECK(rfile.readline() == "");  // End of input...
  CHECK(rfile.readline() == "");  // ...stays end of input.
  CHECK(rfile.read(10) == "");
}

TEST_CASE("socket: readline on a connection closed at once returns an empty string") {
  Connection c;
  c.send_and_close("");
  BufferedReader rfile(&c.reader, BufferedReader::kDefaultBufferSize);
  CHECK(rfile.readline() == "");
}

TEST_CASE("socket: a line exactly ending the input has its '\\n' and then end of input") {
  Connection c;
  c.send_and_close("only line\n");
  BufferedReader rfile(&c.reader, 4);
  CHECK(all_lines(rfile) == Lines{"only line\n"});
}

TEST_CASE("socket: readline(limit) splits a long line into limit-sized pieces") {
  Connection c;
  c.send_and_close("abcdefghij\nkl\nmnopq\n");
  BufferedReader rfile(&c.reader, BufferedReader::kDefaultBufferSize);
  CHECK(rfile.readline(4) == "abcd");
  CHECK(rfile.readline(4) == "efgh");
  CHECK(rfile.readline(4) == "ij\n");
  CHECK(rfile.readline(4) == "kl\n");
  CHECK(rfile.readline(5) == "mnopq");  // Five bytes fill the limit; the '\n' comes next.
  CHECK(rfile.readline(5) == "\n");
  CHECK(rfile.readline(5) == "");
}

TEST_CASE("socket: readline(limit) with a buffer smaller than the limit") {
  Connection c;
  c.send_and_close("0123456789abcdef\nxy");
  BufferedReader rfile(&c.reader, 3);
  CHECK(all_lines(rfile, 7) == Lines{"0123456", "789abcd", "ef\n", "xy"});
}

// A hostile client sends 'x' for ever and never '\n'. readline() with the default limit must
// return after 64 KiB instead of buffering without end.
TEST_CASE("socket: the default 64 KiB line limit holds against a client that never sends '\\n'") {
  Connection c;
  std::string writer_error;
  std::size_t sent = 0;
  Socket& client = c.writer;
  std::thread hostile([&client, &writer_error, &sent] {
    const std::string chunk(4096, 'x');
    try {
      // Bounded: stops when the reader closes (EPIPE), or after 64 MiB at the latest.
      while (sent < (64u << 20)) {
        client.sendall(chunk);
        sent += chunk.size();
      }
      client.shutdown(SHUT_WR);  // Only reached if the reader took it all: let it see the end.
    } catch (const std::system_error& e) {
      writer_error = e.what();
    }
  });
  BufferedReader rfile(&c.reader, BufferedReader::kDefaultBufferSize);
  std::string first;
  std::string second;
  std::string reader_error;
  try {
    first = rfile.readline();
    second = rfile.readline();
  } catch (const std::exception& e) {
    reader_error = e.what();
  }
  c.reader.close();  // The server gives up on this client; the client's sends now fail.
  hostile.join();
  CHECK(reader_error == "");
  CHECK(first.size() == BufferedReader::kDefaultLineLimit);
  CHECK(first == std::string(BufferedReader::kDefaultLineLimit, 'x'));
  CHECK(second.size() == BufferedReader::kDefaultLineLimit);
  CHECK(sent < (64u << 20));  // The client was stopped by the close, not by its own bound.
  CHECK(writer_error != "");  // EPIPE or ECONNRESET.
}

TEST_CASE("socket: read(n) gathers n bytes from many small chunks written slowly") {
  Connection c;
  std::string expected;
  for (int i = 0; i < 200; ++i) expected += "chunk" + std::to_string(i % 10) + ";";
  std::string writer_error;
  Socket& client = c.writer;
  std::thread writer([&client, &expected, &writer_error] {
    try {
      for (std::size_t at = 0; at < expected.size(); at += 7) {
        client.sendall(expected.substr(at, 7));
        std::this_thread::sleep_for(200us);  // Pacing only: correctness never depends on it.
      }
      client.shutdown(SHUT_WR);
    } catch (const std::exception& e) {
      writer_error = e.what();
    }
  });
  BufferedReader rfile(&c.reader, 5);
  std::string head;
  std::string rest;
  std::string after = "unset";
  std::string reader_error;
  try {
    head = rfile.read(1000);
    rest = rfile.read(expected.size());  // Fewer than asked: end of input.
    after = rfile.read(1);
  } catch (const std::exception& e) {
    reader_error = e.what();
    c.reader.close();  // Unblocks the writer.
  }
  writer.join();
  CHECK(reader_error == "");
  CHECK(writer_error == "");
  CHECK(head == expected.substr(0, 1000));
  CHECK(rest == expected.substr(1000));
  CHECK(after == "");
}

TEST_CASE("socket: readline and read mix, sharing one buffer") {
  Connection c;
  c.send_and_close("HEADER\nbody-bytes\ntail\n");
  BufferedReader rfile(&c.reader, 4);
  CHECK(rfile.readline() == "HEADER\n");
  CHECK(rfile.read(4) == "body");
  CHECK(rfile.readline() == "-bytes\n");
  CHECK(rfile.read(0) == "");
  CHECK(rfile.readline() == "tail\n");
  CHECK(rfile.readline() == "");
}

TEST_CASE("socket: bufsize 1 (and 0, taken as 1) reads correctly, one byte at a time") {
  for (std::size_t bufsize : {std::size_t{1}, std::size_t{0}}) {
    CAPTURE(bufsize);
    Connection c;
    c.send_and_close("ab\ncde\nfg");
    BufferedReader rfile(&c.reader, bufsize);
    CHECK(rfile.readline() == "ab\n");
    CHECK(rfile.read(2) == "cd");
    CHECK(rfile.readline() == "e\n");
    CHECK(rfile.readline(1) == "f");
    CHECK(rfile.readline() == "g");
    CHECK(rfile.readline() == "");
  }
}

TEST_CASE("socket: a TimeoutError passes through and loses no byte already received") {
  Connection c;
  c.reader.settimeout(50ms);
  BufferedReader rfile(&c.reader, BufferedReader::kDefaultBufferSize);
  c.writer.sendall("par");
  CHECK_THROWS_AS(rfile.readline(), TimeoutError);
  c.writer.sendall("tial\n");
  c.reader.settimeout(kDeadline);
  CHECK(rfile.readline() == "partial\n");
}

TEST_CASE("socket: the default buffer is Python's io.DEFAULT_BUFFER_SIZE, 8192 bytes") {
  CHECK(BufferedReader::kDefaultBufferSize == 8192);
  Connection c;
  c.send_and_close(std::string(10000, 'z'));
  BufferedReader rfile(&c.reader);  // The default size.
  CHECK(rfile.read(1) == "z");
  // One recv of at most 8192 bytes: the rest is still in the socket.
  std::string left = recv_all(c.reader);
  CHECK(left.size() >= 10000 - 8192);
  CHECK(left.size() < 10000);
}

// Sends `data` from a thread, then closes the sending side unless `close` is false. join()
// returns what the sender threw ("" if nothing).
class Sender {
 public:
  Sender(Socket& socket, std::string data, bool close = true)
      : thread_([this, &socket, data = std::move(data), close] {
          try {
            socket.sendall(data);
            if (close) socket.shutdown(SHUT_WR);
          } catch (const std::exception& e) {
            error_ = e.what();
          }
        }) {}
  std::string join() {
    thread_.join();
    return error_;
  }

 private:
  std::string error_;
  std::thread thread_;
};

TEST_CASE("socket: read() returns everything up to end of input, across many chunks") {
  Connection c;
  std::string data;
  for (int i = 0; i < 5000; ++i) data += "line " + std::to_string(i) + "\n";
  Sender sender(c.writer, data);
  BufferedReader rfile(&c.reader, 100);
  CHECK(rfile.readline() == "line 0\n");
  std::string rest = rfile.read();
  CHECK(sender.join() == "");
  CHECK(rest == data.substr(7));
  CHECK(rfile.read() == "");  // At end of input.
}

TEST_CASE("socket: read() of exactly kReadAllLimit (1 MiB) bytes returns them all") {
  CHECK(BufferedReader::kReadAllLimit == 1024 * 1024);
  Connection c;
  Sender sender(c.writer, std::string(BufferedReader::kReadAllLimit, 'a'));
  BufferedReader rfile(&c.reader);
  std::string all = rfile.read();
  CHECK(sender.join() == "");
  CHECK(all == std::string(BufferedReader::kReadAllLimit, 'a'));
}

// A client sends more than the bound and does not close: read() must not wait for end of
// input or hold more than the bound plus one buffer.
TEST_CASE("socket: past kReadAllLimit, read() throws std::length_error and loses no byte") {
  Connection c;
  const std::string data = std::string(BufferedReader::kReadAllLimit, 'a') + "bcd";
  Sender sender(c.writer, data, /*close=*/false);
  BufferedReader rfile(&c.reader);
  CHECK_THROWS_WITH_AS(rfile.read(), doctest::Contains("more than 1048576 bytes"),
                       std::length_error);
  CHECK(sender.join() == "");
  CHECK(rfile.read(BufferedReader::kReadAllLimit) == data.substr(0, BufferedReader::kReadAllLimit));
  CHECK(rfile.read(3) == "bcd");
  c.writer.shutdown(SHUT_WR);
  CHECK(rfile.read() == "");
}

TEST_CASE("socket: readlines() returns every line, the last unterminated one too") {
  Connection c;
  c.send_and_close("one\ntwo\n\nthree");
  BufferedReader rfile(&c.reader, 3);
  CHECK(rfile.readlines() == Lines{"one\n", "two\n", "\n", "three"});
  CHECK(rfile.readlines() == Lines{});
}

TEST_CASE("socket: readlines() keeps a line longer than the readline() limit whole") {
  Connection c;
  const std::string longer(BufferedReader::kDefaultLineLimit + 10, 'x');
  Sender sender(c.writer, longer + "\nshort\n");
  BufferedReader rfile(&c.reader);
  Lines lines = rfile.readlines();
  CHECK(sender.join() == "");
  CHECK(lines == Lines{longer + "\n", "short\n"});
}

TEST_CASE("socket: past kReadAllLimit, readlines() throws std::length_error too") {
  Connection c;
  Sender sender(c.writer, std::string(BufferedReader::kReadAllLimit + 1, '\n'));
  BufferedReader rfile(&c.reader);
  CHECK_THROWS_AS(rfile.readlines(), std::length_error);
  CHECK(sender.join() == "");
}

TEST_CASE("socket: a range-for reads line by line, as Python's `for line in rfile`") {
  Connection c;
  c.send_and_close("one\ntwo\n\nthree");
  BufferedReader rfile(&c.reader, 2);
  Lines lines;
  for (const std::string& line : rfile) lines.push_back(line);
  CHECK(lines == Lines{"one\n", "two\n", "\n", "three"});
  int more = 0;
  for (const std::string& line : rfile) more += static_cast<int>(line.size()) + 1;
  CHECK(more == 0);  // At end of input: the loop body never runs.
}

TEST_CASE("socket: a range-for cuts a long line at the 64 KiB limit, as readline() does") {
  Connection c;
  c.send_and_close(std::string(BufferedReader::kDefaultLineLimit + 1, 'y') + "\n\n");
  BufferedReader rfile(&c.reader);
  std::vector<std::size_t> sizes;
  for (const std::string& line : rfile) sizes.push_back(line.size());
  CHECK(sizes == std::vector<std::size_t>{BufferedReader::kDefaultLineLimit, 2, 1});
}

TEST_CASE("datagram: readline returns the lines of the datagram, then end of input") {
  BufferedReader rfile(std::string("one\ntwo\nthree"));
  CHECK(rfile.readline() == "one\n");
  CHECK(rfile.readline() == "two\n");
  CHECK(rfile.readline() == "three");
  CHECK(rfile.readline() == "");
  CHECK(rfile.readline() == "");
}

TEST_CASE("datagram: readline(limit) and read(n)") {
  BufferedReader rfile(std::string("abcdefghij\nklm"));
  CHECK(rfile.readline(4) == "abcd");
  CHECK(rfile.read(3) == "efg");
  CHECK(rfile.readline() == "hij\n");
  CHECK(rfile.read(100) == "klm");
  CHECK(rfile.read(100) == "");
}

TEST_CASE("datagram: binary bytes, including NUL, come through unchanged") {
  const std::string data("a\0b\n\xff\x01", 6);
  BufferedReader rfile(data);
  CHECK(rfile.readline() == std::string("a\0b\n", 4));
  CHECK(rfile.read(10) == std::string("\xff\x01", 2));
}

TEST_CASE("datagram: read(), readlines() and a range-for") {
  BufferedReader whole(std::string("a\nb\nc"));
  CHECK(whole.readline() == "a\n");
  CHECK(whole.read() == "b\nc");
  BufferedReader lines(std::string("a\nb\nc"));
  CHECK(lines.readlines() == Lines{"a\n", "b\n", "c"});
  BufferedReader loop(std::string("a\nb\nc"));
  Lines looped;
  for (const std::string& line : loop) looped.push_back(line);
  CHECK(looped == Lines{"a\n", "b\n", "c"});
}

TEST_CASE("an empty datagram and a default reader are at end of input from the start") {
  BufferedReader empty(std::string{});
  CHECK(empty.readline() == "");
  CHECK(empty.read(1) == "");
  BufferedReader none;
  CHECK(none.readline() == "");
  CHECK(none.read(1) == "");
  CHECK(none.read() == "");
  CHECK(none.readlines() == Lines{});
  CHECK_FALSE(none.begin() != none.end());
}

}  // namespace
}  // namespace socketserver::testing
