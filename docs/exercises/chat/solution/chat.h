// A chat server on ThreadingTCPServer: each client's handler runs on a thread of its own, and
// all of them share one ChatRoom.
// Python: a ThreadingTCPServer whose handler adds its wfile to a dict shared by every handler
// (guarded by a threading.Lock) and writes each line it reads to the other members' wfiles.
//
// The exercise: docs/exercises/chat/README.md. ChatHandler is given; the ChatRoom is yours,
// in chat.cc. Run tools/exercise.sh chat (and tools/exercise.sh chat --config=tsan).
//
// The protocol, a line at a time:
//   client: NICK                 the first line; "* welcome NICK" comes back, and the others
//                                get "* NICK joined" (a taken nickname: "* NICK is taken",
//                                and the connection is closed)
//   client: TEXT                 every other member gets "NICK: TEXT"
//   client: (end of input)       the others get "* NICK left"
#ifndef CHAT_H_
#define CHAT_H_

#include <cstddef>
#include <map>
#include <mutex>
#include <string>

#include "handlers/socket_writer.h"
#include "handlers/stream_request_handler.h"

namespace exercise {

// The members and how to reach them. One object, shared by every handler: its methods are
// called from many request threads at once.
class ChatRoom {
 public:
  // Adds `nick`, reachable through `out` (borrowed until leave()), sends it "* welcome NICK"
  // and tells the others "* NICK joined". False, and nothing sent, if `nick` is taken.
  bool join(const std::string& nick, socketserver::SocketWriter& out);
  // Removes `nick` and tells the others "* NICK left". Throws nothing: a handler calls it
  // while its connection fails too.
  void leave(const std::string& nick);
  // Sends `line` (with its '\n') to every member except `from`. A member whose connection
  // has failed is skipped; its own handler will leave.
  void broadcast(const std::string& from, const std::string& line);
  // How many members there are.
  std::size_t size();

 private:
  // Guards members_, and every write to a member's SocketWriter: two threads writing to one
  // socket at once would interleave their bytes (and race on the writer).
  std::mutex mutex_;
  std::map<std::string, socketserver::SocketWriter*> members_;  // The writers are borrowed.
};

// One client's connection: joins the room under the nickname of its first line, broadcasts
// each line after it, leaves at end of input.
class ChatHandler : public socketserver::StreamRequestHandler {
 public:
  explicit ChatHandler(ChatRoom& room) : room_(room) {}
  void handle() override;

 private:
  ChatRoom& room_;  // Shared with every other handler: handler<ChatHandler>(std::ref(room)).
};

}  // namespace exercise

#endif  // CHAT_H_
