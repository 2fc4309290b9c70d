// BaseRequestHandler and handler<H>(args...): run() calls setup, handle and finish in order,
// finish() even when handle() throws; the factory builds one handler per request; the
// arguments reach every handler without a per-request copy (a const value stored once in the
// factory, std::ref(x) and std::cref(x) as x itself, a pointer as it is); and a handler reaches
// state its server holds through `server`, as Python's self.server.
//
// The handlers run on the test's thread, called through the factory the way finish_request()
// calls it, with a server that is never activated: no socket is needed. What the compiler
// must refuse is checked by handler_args_compile_test.sh.
#include "handlers/base_request_handler.h"

#include <doctest/doctest.h>

#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <typeinfo>
#include <vector>

#include "server/request.h"
#include "server/socket_address.h"
#include "server/tcp_server.h"

namespace socketserver::testing {
namespace {

// Calls `factory` once for each of `count` requests, as finish_request() does.
void serve(const HandlerFactory& factory, BaseServer& server, int count = 1) {
  for (int i = 0; i < count; ++i) {
    Request request;
    factory(request, SocketAddress::parse("127.0.0.1:4000"), server);
  }
}

// --- the lifecycle ---

using Log = std::vector<std::string>;

struct Steps : BaseRequestHandler {
  Steps(Log* log, const std::string& fail_in) : log(log), fail_in(fail_in) {}
  void setup() override { step("setup"); }
  void handle() override { step("handle"); }
  void finish() override { step("finish"); }
  void step(const std::string& name) {
    log->push_back(name);
    if (name == fail_in) throw std::runtime_error(name + " failed");
  }
  Log* log;
  std::string fail_in;
};

TEST_CASE("run() calls setup, handle, finish in that order and stores the request's facts") {
  struct Facts : Steps {
    explicit Facts(Log* log) : Steps(log, "") {}
    void handle() override {
      Steps::handle();
      log->push_back(client_address.to_string());
      log->push_back(request != nullptr && server != nullptr ? "set" : "unset");
    }
  };
  Log log;
  TCPServer server(SocketAddress::parse("127.0.0.1:0"), handler<Facts>(&log));
  serve(server.RequestHandlerClass, server);
  CHECK(log == Log{"setup", "handle", "127.0.0.1:4000", "set", "finish"});
}

TEST_CASE("finish() runs when handle() throws, and the exception goes on to the server") {
  Log log;
  TCPServer server(SocketAddress::parse("127.0.0.1:0"), handler<Steps>(&log, "handle"));
  CHECK_THROWS_WITH_AS(serve(server.RequestHandlerClass, server), "handle failed",
                       std::runtime_error);
  CHECK(log == Log{"setup", "handle", "finish"});
}

TEST_CASE("a throwing setup() skips handle() and finish(), as Python's constructor does") {
  Log log;
  TCPServer server(SocketAddress::parse("127.0.0.1:0"), handler<Steps>(&log, "setup"));
  CHECK_THROWS_WITH_AS(serve(server.RequestHandlerClass, server), "setup failed",
                       std::runtime_error);
  CHECK(log == Log{"setup"});
}

// --- one handler per request ---

struct Lives {
  int made = 0;
  int destroyed = 0;
};

struct Counted : BaseRequestHandler {
  explicit Counted(Lives* lives) : lives(lives) { ++lives->made; }
  ~Counted() override { ++lives->destroyed; }
  Lives* lives;
};

TEST_CASE("the factory builds a new handler for each request and destroys it after run()") {
  Lives lives;
  TCPServer server(SocketAddress::parse("127.0.0.1:0"), handler<Counted>(&lives));
  CHECK(lives.made == 0);  // Making the factory builds no handler.
  serve(server.RequestHandlerClass, server);
  CHECK(lives.made == 1);
  CHECK(lives.destroyed == 1);
  serve(server.RequestHandlerClass, server, 2);
  CHECK(lives.made == 3);
  CHECK(lives.destroyed == 3);
}

// --- the arguments ---

using Table = std::map<std::string, int>;

// Counts each user's logins in a table every handler shares: Python's class attribute
// `logins = {}` on the handler.
struct Login : BaseRequestHandler {
  Login(Table& logins, const std::string& user) : logins(logins), user(user) {}
  void handle() override { ++logins[user]; }
  Table& logins;
  std::string user;
};

TEST_CASE("std::ref(table): every login counts in the caller's table (not 1 in a copy each)") {
  Table logins;
  TCPServer server(SocketAddress::parse("127.0.0.1:0"),
                   handler<Login>(std::ref(logins), std::string("ada")));
  serve(server.RequestHandlerClass, server, 3);
  CHECK(logins == Table{{"ada", 3}});
}

// Records the address of what it was given, to see whether two handlers shared one object.
struct Reader : BaseRequestHandler {
  Reader(const Table& table, std::vector<const Table*>* seen, std::vector<int>* values) {
    seen->push_back(&table);
    values->push_back(table.at("x"));
  }
};

TEST_CASE("a const argument is stored once in the factory: every handler reads the same copy") {
  std::vector<int> values;
  Table config{{"x", 1}};
  std::vector<const Table*> seen;
  HandlerFactory factory = handler<Reader>(config, &seen, &values);
  config["x"] = 2;  // The factory holds its own copy, made when handler<>() was called.
  TCPServer server(SocketAddress::parse("127.0.0.1:0"), nullptr);
  serve(factory, server, 3);
  REQUIRE(seen.size() == 3);
  CHECK(seen[0] == seen[1]);  // One object, not a copy per request.
  CHECK(seen[1] == seen[2]);
  CHECK(seen[0] != &config);
  CHECK(values == std::vector<int>{1, 1, 1});
}

TEST_CASE("std::cref(table) shares the caller's table read-only, later changes included") {
  std::vector<int> values;
  Table users{{"x", 1}};
  std::vector<const Table*> seen;
  HandlerFactory factory = handler<Reader>(std::cref(users), &seen, &values);
  TCPServer server(SocketAddress::parse("127.0.0.1:0"), nullptr);
  serve(factory, server);
  users["x"] = 2;
  serve(factory, server);
  CHECK(seen == std::vector<const Table*>{&users, &users});
  CHECK(values == std::vector<int>{1, 2});
}

// --- state on the server: Python's self.server ---

// Python: class LoginServer(TCPServer): logins = {}; a handler writes self.server.logins.
struct LoginServer : TCPServer {
  using TCPServer::TCPServer;
  Table logins;
};

struct ServerLogin : BaseRequestHandler {
  void handle() override { ++dynamic_cast<LoginServer&>(*server).logins["ada"]; }
};

TEST_CASE("a handler reaches state its server holds through `server`, as self.server") {
  LoginServer server(SocketAddress::parse("127.0.0.1:0"), handler<ServerLogin>());
  serve(server.RequestHandlerClass, server, 2);
  CHECK(server.logins == Table{{"ada", 2}});

  TCPServer plain(SocketAddress::parse("127.0.0.1:0"), handler<ServerLogin>());
  CHECK_THROWS_AS(serve(plain.RequestHandlerClass, plain), std::bad_cast);  // Loud, not UB.
}

}  // namespace
}  // namespace socketserver::testing
