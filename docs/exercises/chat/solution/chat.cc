#include "chat.h"

#include <exception>
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

// --- ChatRoom ---

namespace {

// Sends `line` to one member. A member whose client has gone (EPIPE, ECONNRESET) is skipped:
// its own handler reads end of input and leaves.
void send_to(socketserver::SocketWriter& out, const std::string& line) {
  try {
    out.write(line);
  } catch (const std::exception&) {
  }
}

}  // namespace

bool ChatRoom::join(const std::string& nick, socketserver::SocketWriter& out) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!members_.emplace(nick, &out).second) return false;
  send_to(out, "* welcome " + nick + "\n");
  for (auto& [name, writer] : members_) {
    if (name != nick) send_to(*writer, "* " + nick + " joined\n");
  }
  return true;
}

void ChatRoom::leave(const std::string& nick) {
  std::lock_guard<std::mutex> lock(mutex_);
  members_.erase(nick);
  for (auto& [name, writer] : members_) send_to(*writer, "* " + nick + " left\n");
}

void ChatRoom::broadcast(const std::string& from, const std::string& line) {
  // One lock for the whole round: every member gets the lines in the same order, and no
  // two threads write to one socket at once. The price: a member that does not read stalls
  // the room once its socket's buffer is full (README.md, "Going further").
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& [name, writer] : members_) {
    if (name != from) send_to(*writer, line);
  }
}

std::size_t ChatRoom::size() {
  std::lock_guard<std::mutex> lock(mutex_);
  return members_.size();
}

}  // namespace exercise
