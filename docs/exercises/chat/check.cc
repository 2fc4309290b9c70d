// The check of the chat exercise (README.md): a ThreadingTCPServer with ChatHandler and one
// ChatRoom, and clients that join, talk and leave. A line that should arrive is waited for
// at most kReply; a room that never sends it fails the check then (REQUIRE: the
// first line missing ends the check, rather than waiting again for each one after it).
#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "chat.h"
#include "handlers/buffered_reader.h"
#include "mixins/composed_servers.h"
#include "server/socket.h"
#include "tests/test_util.h"

namespace {

using namespace socketserver;
using namespace socketserver::testing;
using exercise::ChatHandler;
using exercise::ChatRoom;

constexpr std::chrono::seconds kReply{5};

// A ChatRoom served by a ThreadingTCPServer on its own thread, for the life of the object.
struct Chat {
  Chat() {
    server.bind_and_activate();
    thread.emplace(server);
  }
  ChatRoom room;
  ThreadingTCPServer server{kLoopback, handler<ChatHandler>(std::ref(room))};
  std::optional<ServerThread> thread;
};

// One client: connects, sends its nickname, and reads lines with a deadline.
struct Member {
  Member(const Chat& chat, const std::string& nick)
      : nick(nick), socket(create_connection(chat.server.server_address, kReply)) {
    socket.sendall(nick + "\n");
  }
  std::string line() { return reader.readline(); }
  void say(const std::string& text) { socket.sendall(text + "\n"); }
  // Checks that this member is in the room: its welcome comes first.
  void joined() { REQUIRE(line() == "* welcome " + nick + "\n"); }

  std::string nick;
  Socket socket;
  BufferedReader reader{&socket};
};

TEST_CASE("a member's line reaches every other member, not the sender") {
  Chat chat;
  Member ada(chat, "ada");
  ada.joined();
  Member bob(chat, "bob");
  bob.joined();
  REQUIRE(ada.line() == "* bob joined\n");
  Member cy(chat, "cy");
  cy.joined();
  REQUIRE(ada.line() == "* cy joined\n");
  REQUIRE(bob.line() == "* cy joined\n");

  ada.say("hi");
  REQUIRE(bob.line() == "ada: hi\n");
  REQUIRE(cy.line() == "ada: hi\n");
  bob.say("yo");
  REQUIRE(ada.line() == "bob: yo\n");  // Not "ada: hi": the sender does not get its own line.
  REQUIRE(cy.line() == "bob: yo\n");
}

TEST_CASE("joins and leaves are announced to the others") {
  Chat chat;
  Member ada(chat, "ada");
  ada.joined();
  {
    Member bob(chat, "bob");
    bob.joined();
    REQUIRE(ada.line() == "* bob joined\n");
  }  // bob's connection closes here.
  REQUIRE(ada.line() == "* bob left\n");
}

TEST_CASE("a taken nickname is refused, and its owner keeps it") {
  Chat chat;
  Member ada(chat, "ada");
  ada.joined();
  Member impostor(chat, "ada");
  REQUIRE(impostor.line() == "* ada is taken\n");
  REQUIRE(impostor.line() == "");  // Closed.
  Member bob(chat, "bob");
  bob.joined();
  REQUIRE(ada.line() == "* bob joined\n");
  bob.say("still there?");
  REQUIRE(ada.line() == "bob: still there?\n");
}

TEST_CASE("the room is empty once everyone has left") {
  Chat chat;
  {
    Member ada(chat, "ada");
    ada.joined();
    Member bob(chat, "bob");
    bob.joined();
    Member cy(chat, "cy");
    cy.joined();
    REQUIRE(wait_until([&] { return chat.room.size() == 3; }, kReply));
    // Read what is waiting, so that closing sends end of input rather than a reset.
    REQUIRE(ada.line() == "* bob joined\n");
    REQUIRE(ada.line() == "* cy joined\n");
    REQUIRE(bob.line() == "* cy joined\n");
  }
  REQUIRE(wait_until([&] { return chat.room.size() == 0; }, kReply));
}

// Four members send 100 lines each at the same time. Every member gets the other 300, each
// whole, and each sender's lines in the order sent. Run it with --config=tsan too.
TEST_CASE("many members talking at once: every line arrives whole, in its sender's order") {
  constexpr int kMembers = 4;
  constexpr int kLines = 100;
  Chat chat;
  std::vector<std::optional<Member>> members(kMembers);
  for (int i = 0; i < kMembers; ++i) {
    members[i].emplace(chat, "m" + std::to_string(i));
    members[i]->joined();
  }
  for (int i = 0; i < kMembers; ++i) {  // Each hears of those who joined after it.
    for (int later = i + 1; later < kMembers; ++later) {
      REQUIRE(members[i]->line() == "* m" + std::to_string(later) + " joined\n");
    }
  }

  std::vector<std::thread> senders;
  for (int i = 0; i < kMembers; ++i) {
    senders.emplace_back([&, i] {
      for (int k = 0; k < kLines; ++k) members[i]->say("line " + std::to_string(k));
    });
  }
  for (std::thread& sender : senders) sender.join();

  for (int i = 0; i < kMembers; ++i) {
    CAPTURE(i);
    std::map<std::string, int> next;  // Sender's nickname -> the line number expected next.
    std::vector<std::string> wrong;
    for (int n = 0; n < (kMembers - 1) * kLines; ++n) {
      const std::string line = members[i]->line();
      const std::size_t colon = line.find(": line ");
      const std::string from = line.substr(0, colon);
      if (colon == std::string::npos || from == members[i]->nick ||
          line != from + ": line " + std::to_string(next[from]++) + "\n") {
        wrong.push_back(line);
        if (line.empty()) break;  // Closed, or nothing more came within kReply.
      }
    }
    CHECK(wrong == std::vector<std::string>{});
  }
}

}  // namespace
