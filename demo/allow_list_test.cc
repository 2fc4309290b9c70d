#include "demo/allow_list.h"

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "server/socket_address.h"

namespace socketserver::demo {
namespace {

bool allows(const AllowList& allow, const char* address) {
  return allow.allows(SocketAddress::parse(address));
}

TEST_CASE("IPv4 networks") {
  AllowList allow;
  allow.add("10.0.0.0/8");
  allow.add("192.168.1.7");  // One address: /32.
  allow.add("172.16.0.0/12");
  CHECK(allows(allow, "10.1.2.3:1"));
  CHECK(allows(allow, "10.255.255.255:1"));
  CHECK_FALSE(allows(allow, "11.0.0.0:1"));
  CHECK(allows(allow, "192.168.1.7:1"));
  CHECK_FALSE(allows(allow, "192.168.1.8:1"));
  CHECK(allows(allow, "172.31.0.1:1"));  // /12: 172.16-172.31.
  CHECK_FALSE(allows(allow, "172.32.0.1:1"));
  CHECK_FALSE(allows(allow, "127.0.0.1:1"));
  CHECK_FALSE(allows(allow, "[::1]:1"));  // An IPv6 client is in no IPv4 network.
}

TEST_CASE("IPv6 networks, and IPv4 clients of an IPv6 socket") {
  AllowList allow;
  allow.add("::1/128");
  allow.add("fd00::/8");
  allow.add("127.0.0.0/8");
  CHECK(allows(allow, "[::1]:1"));
  CHECK_FALSE(allows(allow, "[::2]:1"));
  CHECK(allows(allow, "[fdab::1]:1"));
  CHECK_FALSE(allows(allow, "[fe80::1]:1"));
  CHECK(allows(allow, "[::ffff:127.0.0.5]:1"));  // Matched as 127.0.0.5.
  CHECK_FALSE(allows(allow, "[::ffff:10.0.0.1]:1"));
}

TEST_CASE("prefix 0 admits the whole family; an empty list admits nobody") {
  AllowList all4;
  all4.add("0.0.0.0/0");
  CHECK(allows(all4, "1.2.3.4:1"));
  CHECK_FALSE(allows(all4, "[::1]:1"));
  AllowList none;
  CHECK(none.empty());
  CHECK_FALSE(allows(none, "127.0.0.1:1"));
  CHECK_FALSE(all4.allows(SocketAddress::unix_path("/tmp/x.sock")));
}

TEST_CASE("bad networks say what is wrong") {
  auto error = [](const char* text) {
    try {
      AllowList().add(text);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error("10.0.0.0/33") == "10.0.0.0/33: prefix length must be 0-32 for IPv4");
  CHECK(error("::/129") == "::/129: prefix length must be 0-128 for IPv6");
  CHECK(error("10.0.0.0/") == "10.0.0.0/: prefix length must be 0-32 for IPv4");
  CHECK(error("10.0.0.0/-1") == "10.0.0.0/-1: prefix length must be 0-32 for IPv4");
  CHECK(error("localhost") ==
        "localhost: not an IPv4 or IPv6 address (expected e.g. 127.0.0.0/8 or ::1/128)");
  CHECK(error("") == ": not an IPv4 or IPv6 address (expected e.g. 127.0.0.0/8 or ::1/128)");
}

}  // namespace
}  // namespace socketserver::demo
