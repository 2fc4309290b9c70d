// PacketWriter (a datagram handler's wfile): collects the reply, and refuses to grow past
// the largest datagram while keeping what it already holds.
#include "handlers/packet_writer.h"

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

namespace socketserver {
namespace {

TEST_CASE("write collects, getvalue returns everything in order") {
  PacketWriter wfile;
  CHECK(wfile.getvalue() == "");
  CHECK(wfile.write("hello ") == 6);
  CHECK(wfile.write("") == 0);
  CHECK(wfile.write("world\n") == 6);
  wfile.flush();  // Does nothing: the reply leaves in finish().
  CHECK(wfile.getvalue() == "hello world\n");
  CHECK(wfile.write(std::string("\0\xff", 2)) == 2);
  CHECK(wfile.getvalue() == std::string("hello world\n\0\xff", 14));
}

TEST_CASE("a reply of exactly 65507 bytes is accepted") {
  PacketWriter wfile;
  CHECK(PacketWriter::kMaxDatagram == 65507);
  const std::string full(PacketWriter::kMaxDatagram, 'a');
  CHECK(wfile.write(full) == full.size());
  CHECK(wfile.getvalue() == full);
  CHECK(wfile.write("") == 0);  // Adds nothing: still within the limit.
}

TEST_CASE("a write past 65507 bytes throws std::length_error and keeps earlier content") {
  PacketWriter wfile;
  const std::string first(PacketWriter::kMaxDatagram - 1, 'a');
  CHECK(wfile.write(first) == first.size());
  CHECK_THROWS_WITH_AS(wfile.write("bc"), doctest::Contains("65507"), std::length_error);
  CHECK(wfile.getvalue() == first);  // Nothing of the refused write was kept.
  CHECK(wfile.write("b") == 1);      // What still fits is accepted.
  CHECK(wfile.getvalue() == first + "b");
  CHECK_THROWS_AS(wfile.write("c"), std::length_error);
  CHECK(wfile.getvalue().size() == PacketWriter::kMaxDatagram);
}

TEST_CASE("a single write larger than a datagram throws and leaves the writer empty") {
  PacketWriter wfile;
  CHECK_THROWS_AS(wfile.write(std::string(70000, 'x')), std::length_error);
  CHECK(wfile.getvalue() == "");
  CHECK(wfile.write("still usable") == 12);
  CHECK(wfile.getvalue() == "still usable");
}

TEST_CASE("writelines appends each string; past 65507 bytes it throws and keeps what fit") {
  PacketWriter wfile;
  wfile.writelines({"one\n", "two", "!"});
  CHECK(wfile.getvalue() == "one\ntwo!");
  const std::string big(PacketWriter::kMaxDatagram - 8, 'a');  // 8 + 1 + this: one too many.
  CHECK_THROWS_AS(wfile.writelines({"\n", big}), std::length_error);
  CHECK(wfile.getvalue() == "one\ntwo!\n");  // The first string fit; the second did not.
}

}  // namespace
}  // namespace socketserver
