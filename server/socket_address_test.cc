// SocketAddress: parse() of every form a user may type, the accessors, to_string() round
// trips, equality, and the message of every rejected input (it must name the input and say
// what is wrong with it).
#include "server/socket_address.h"

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>
#include <stdexcept>
#include <string>

namespace socketserver {
namespace {

// The message of the std::invalid_argument that parse(text) throws; "" if it throws nothing.
std::string parse_error(const std::string& text) {
  try {
    SocketAddress::parse(text);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_CASE("parse 127.0.0.1:8123: IPv4 host and port") {
  SocketAddress a = SocketAddress::parse("127.0.0.1:8123");
  CHECK(a.family() == AF_INET);
  CHECK(a.host() == "127.0.0.1");
  CHECK(a.port() == 8123);
  CHECK(a.path() == "");
  CHECK(a.to_string() == "127.0.0.1:8123");
  CHECK(a.size() == sizeof(sockaddr_in));
  auto* v4 = reinterpret_cast<const sockaddr_in*>(a.data());
  CHECK(ntohs(v4->sin_port) == 8123);
  CHECK(ntohl(v4->sin_addr.s_addr) == INADDR_LOOPBACK);
}

TEST_CASE("parse [::1]:0: IPv6 in brackets, port 0") {
  SocketAddress a = SocketAddress::parse("[::1]:0");
  CHECK(a.family() == AF_INET6);
  CHECK(a.host() == "::1");
  CHECK(a.port() == 0);
  CHECK(a.path() == "");
  CHECK(a.to_string() == "[::1]:0");
  CHECK(a.size() == sizeof(sockaddr_in6));
  auto* v6 = reinterpret_cast<const sockaddr_in6*>(a.data());
  CHECK(std::memcmp(&v6->sin6_addr, &in6addr_loopback, sizeof(in6_addr)) == 0);
}

TEST_CASE("parse ports at the ends of the range") {
  CHECK(SocketAddress::parse("127.0.0.1:65535").port() == 65535);
  CHECK(SocketAddress::parse("127.0.0.1:0").port() == 0);
  CHECK(SocketAddress::parse("[::1]:65535").port() == 65535);
}

TEST_CASE("parse localhost:0 resolves to 127.0.0.1") {
  SocketAddress a = SocketAddress::parse("localhost:0");
  CHECK(a.family() == AF_INET);
  CHECK(a.host() == "127.0.0.1");
  CHECK(a.port() == 0);
  CHECK(a == SocketAddress::parse("127.0.0.1:0"));
}

TEST_CASE("parse /tmp/x.sock: an absolute Unix path") {
  SocketAddress a = SocketAddress::parse("/tmp/x.sock");
  CHECK(a.family() == AF_UNIX);
  CHECK(a.path() == "/tmp/x.sock");
  CHECK(a.host() == "");
  CHECK(a.port() == 0);
  CHECK(a.to_string() == "/tmp/x.sock");
  auto* un = reinterpret_cast<const sockaddr_un*>(a.data());
  CHECK(std::string(un->sun_path) == "/tmp/x.sock");
}

TEST_CASE("parse ./rel.sock: a relative Unix path") {
  SocketAddress a = SocketAddress::parse("./rel.sock");
  CHECK(a.family() == AF_UNIX);
  CHECK(a.path() == "./rel.sock");
  CHECK(a.host() == "");
  CHECK(a.port() == 0);
  CHECK(a.to_string() == "./rel.sock");
}

TEST_CASE("Unix path of 107 bytes is accepted whole, 108 is refused") {
  const std::string ok = "/" + std::string(SocketAddress::kMaxUnixPath - 1, 'p');
  REQUIRE(ok.size() == 107);
  SocketAddress a = SocketAddress::parse(ok);
  CHECK(a.family() == AF_UNIX);
  CHECK(a.path() == ok);
  CHECK(a.size() <= sizeof(sockaddr_un));

  const std::string too_long = ok + "q";
  REQUIRE(too_long.size() == 108);
  std::string message = parse_error(too_long);
  CHECK(contains(message, too_long));
  CHECK(contains(message, "108 bytes"));
  CHECK(contains(message, "sun_path"));
}

TEST_CASE("to_string() round trips through parse()") {
  for (const char* text : {"127.0.0.1:8123", "0.0.0.0:1", "[::1]:0", "[::]:65535", "[fe80::1]:80",
                           "/tmp/x.sock", "./rel.sock", "127.0.0.1:0"}) {
    CAPTURE(text);
    SocketAddress a = SocketAddress::parse(text);
    CHECK(a.to_string() == text);
    SocketAddress again = SocketAddress::parse(a.to_string());
    CHECK(again == a);
    CHECK(again.family() == a.family());
    CHECK(again.host() == a.host());
    CHECK(again.port() == a.port());
    CHECK(again.path() == a.path());
  }
}

TEST_CASE("inet() and unix_path() build what parse() builds") {
  CHECK(SocketAddress::inet("127.0.0.1", 80) == SocketAddress::parse("127.0.0.1:80"));
  CHECK(SocketAddress::inet("::1", 80) == SocketAddress::parse("[::1]:80"));
  CHECK(SocketAddress::unix_path("/tmp/x.sock") == SocketAddress::parse("/tmp/x.sock"));
  CHECK_THROWS_AS(SocketAddress::inet("127.0.0.1", 65536), std::invalid_argument);
  CHECK_THROWS_AS(SocketAddress::inet("127.0.0.1", -1), std::invalid_argument);
  CHECK_THROWS_AS(SocketAddress::inet("", 80), std::invalid_argument);
  CHECK_THROWS_AS(SocketAddress::unix_path(""), std::invalid_argument);
  CHECK_THROWS_AS(SocketAddress::unix_path(std::string("/tmp/a\0b", 8)), std::invalid_argument);
}

TEST_CASE("from_sockaddr() copies what the kernel filled in") {
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  v4.sin_port = htons(4242);
  v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  SocketAddress a = SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&v4), sizeof v4);
  CHECK(a == SocketAddress::parse("127.0.0.1:4242"));

  // An unnamed Unix socket: the kernel reports the family only.
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  SocketAddress unnamed =
      SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&un), sizeof(sa_family_t));
  CHECK(unnamed.family() == AF_UNIX);
  CHECK(unnamed.path() == "");
  CHECK(unnamed.to_string() == "(unnamed)");

  SocketAddress none = SocketAddress::from_sockaddr(nullptr, 0);
  CHECK(none.family() == AF_UNSPEC);
  CHECK(none.to_string() == "(none)");
  CHECK(none == SocketAddress());
}

TEST_CASE("equality compares family, host, port and path") {
  CHECK(SocketAddress::parse("127.0.0.1:80") == SocketAddress::parse("127.0.0.1:80"));
  CHECK_FALSE(SocketAddress::parse("127.0.0.1:80") != SocketAddress::parse("127.0.0.1:80"));
  CHECK(SocketAddress::parse("127.0.0.1:80") != SocketAddress::parse("127.0.0.1:81"));
  CHECK(SocketAddress::parse("127.0.0.1:80") != SocketAddress::parse("127.0.0.2:80"));
  CHECK(SocketAddress::parse("127.0.0.1:80") != SocketAddress::parse("[::1]:80"));
  CHECK(SocketAddress::parse("[::1]:80") == SocketAddress::parse("[0:0::1]:80"));
  CHECK(SocketAddress::parse("/tmp/a.sock") == SocketAddress::parse("/tmp/a.sock"));
  CHECK(SocketAddress::parse("/tmp/a.sock") != SocketAddress::parse("/tmp/b.sock"));
  CHECK(SocketAddress::parse("/tmp/a.sock") != SocketAddress::parse("127.0.0.1:80"));
  CHECK(SocketAddress() == SocketAddress());
  CHECK(SocketAddress() != SocketAddress::parse("127.0.0.1:0"));
  SocketAddress copy = SocketAddress::parse("[::1]:8123");
  SocketAddress other = copy;
  CHECK(other == copy);
}

// Every rejected input: a std::invalid_argument whose message quotes the input and names
// the reason.
TEST_CASE("bad input: invalid_argument naming the input and the reason") {
  struct Case {
    const char* text;
    const char* reason;
  };
  const Case cases[] = {
      {"127.0.0.1:-1", "out of range"},
      {"127.0.0.1:70000", "out of range"},
      {"127.0.0.1:65536", "out of range"},
      {"127.0.0.1:abc", "not a number"},
      {"127.0.0.1:8o", "not a number"},
      {"127.0.0.1:", "missing port"},
      {"[::1]:", "missing port"},
      {"127.0.0.1", "HOST:PORT"},
      {":80", "empty host"},
      {"[]:80", "empty host"},
      {"::1:80", "brackets"},
      {"[::1:80", "missing ']'"},
      {"[::1]", "missing ':PORT'"},
      {"[::1]80", "missing ':PORT'"},
      {"hello", "neither HOST:PORT nor a Unix socket path"},
      {"1.2.3:80", "not an IPv4 address"},  // Not 1.2.0.3, as getaddrinfo() would read it.
      {"127.1:80", "not an IPv4 address"},
      {"256.0.0.1:80", "not an IPv4 address"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    CHECK_THROWS_AS(SocketAddress::parse(c.text), std::invalid_argument);
    std::string message = parse_error(c.text);
    CAPTURE(message);
    CHECK(contains(message, std::string("'") + c.text + "'"));
    CHECK(contains(message, c.reason));
  }
}

TEST_CASE("bad input: the empty string") {
  CHECK_THROWS_AS(SocketAddress::parse(""), std::invalid_argument);
  std::string message = parse_error("");
  CHECK(contains(message, "''"));
  CHECK(contains(message, "empty"));
}

}  // namespace
}  // namespace socketserver
