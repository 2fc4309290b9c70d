#include "chat.h"

#include <string>

namespace exercise {

// --- ChatHandler: given with the exercise ---

void ChatHandler::handle() {
  std::string nick = rfile.readline(64);
  if (nick.empty() || nick.back() != '\n') return;  // Gone, or no nickname line.
  nick.pop_back();
  if (nick.empty() || nick.find_first_of(" \r\t") != std::string::npos) {
    wfile.write("* a nickname is one word\n");
    return;
  }
  if (!room_.join(nick, wfile)) {
    wfile.write("* " + nick + " is taken\n");
    return;
  }
  // Leave however handle() ends: at end of input, or when the connection fails (a client
  // that resets it makes readline() throw).
  struct Leave {
    ChatRoom& room;
    const std::string& nick;
    ~Leave() { room.leave(nick); }
  } leave{room_, nick};
  for (std::string line : rfile) {
    if (line.back() != '\n') line += '\n';  // The last line, cut by end of input.
    room_.broadcast(nick, nick + ": " + line);
  }
}

// --- ChatRoom: yours ---

bool ChatRoom::join(const std::string& nick, socketserver::SocketWriter& out) {
  // TODO: remember the member; refuse a taken nickname; tell the others.
  out.write("* welcome " + nick + "\n");
  return true;
}

void ChatRoom::leave(const std::string& /*nick*/) {
  // TODO: forget the member, and tell the others.
}

void ChatRoom::broadcast(const std::string& /*from*/, const std::string& /*line*/) {
  // TODO: send the line to every member but its sender.
}

std::size_t ChatRoom::size() {
  return 0;  // TODO
}

}  // namespace exercise
