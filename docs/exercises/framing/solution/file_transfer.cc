#include "file_transfer.h"

#include <stdexcept>
#include <string>
#include <utility>

namespace exercise {

// --- Given with the exercise ---

std::string frame(std::string_view payload) {
  const auto n = static_cast<std::uint32_t>(payload.size());
  std::string out{static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
                  static_cast<char>(n)};
  out += payload;
  return out;
}

std::uint32_t frame_length(std::string_view header) {
  if (header.size() != 4) {
    throw std::invalid_argument("a frame's header is 4 bytes, not " +
                                std::to_string(header.size()));
  }
  std::uint32_t n = 0;
  for (char c : header) n = (n << 8) | static_cast<unsigned char>(c);
  return n;
}

void FileStore::put(const std::string& name, std::string content) {
  std::lock_guard<std::mutex> lock(mutex_);
  files_[name] = std::move(content);
}

std::optional<std::string> FileStore::get(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = files_.find(name);
  if (it == files_.end()) return std::nullopt;
  return it->second;
}

std::size_t FileStore::size() {
  std::lock_guard<std::mutex> lock(mutex_);
  return files_.size();
}

// --- FileHandler ---

namespace {

enum class Got {
  kFrame,    // The whole frame.
  kEnd,      // End of input before the frame began.
  kCut,      // End of input inside the frame.
  kTooLong,  // Its length is over the limit: nothing more was read.
};

// Reads one frame's payload from `in` into `*payload`. rfile.read(n) collects n bytes from
// as many recv() calls as it takes, so it returns fewer only at end of input. The length is
// checked before anything is read: the client says how much, and must not make the server
// hold more than `limit`.
Got read_frame(socketserver::BufferedReader& in, std::size_t limit, std::string* payload) {
  const std::string header = in.read(4);
  if (header.empty()) return Got::kEnd;
  if (header.size() < 4) return Got::kCut;
  const std::uint32_t length = frame_length(header);
  if (length > limit) return Got::kTooLong;
  *payload = in.read(length);
  return payload->size() == length ? Got::kFrame : Got::kCut;
}

}  // namespace

void FileHandler::handle() {
  for (;;) {
    std::string name;
    Got got = read_frame(rfile, kMaxName, &name);
    if (got == Got::kEnd || got == Got::kCut) return;
    if (got == Got::kTooLong || name.empty()) {
      wfile.write(frame("error: a name is 1-255 bytes"));
      return;
    }
    std::string content;
    got = read_frame(rfile, kMaxContent, &content);
    if (got == Got::kTooLong) {
      wfile.write(frame("error: content over 1 MiB"));
      return;
    }
    if (got != Got::kFrame) return;  // Cut inside the upload: nothing is stored.
    const std::size_t size = content.size();
    store_.put(name, std::move(content));
    wfile.write(frame("stored " + name + " " + std::to_string(size)));
  }
}

}  // namespace exercise
