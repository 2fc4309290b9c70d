// A small file-transfer server with length-prefixed framing: each upload is two frames, the
// file's name and its content, and each frame is its length (4 bytes, big-endian) followed by
// that many bytes. Python: the "send the size first, then the contents" fix of the course
// chapters on sticky packets (struct.pack('!I', len(data)) + data).
//
// The exercise: docs/exercises/framing/README.md. FileStore, frame() and frame_length() are
// given; FileHandler::handle() is yours, in file_transfer.cc. Run tools/exercise.sh framing.
//
// The protocol, on one connection, any number of times:
//   client: frame(NAME) frame(CONTENT)      NAME 1-255 bytes, CONTENT at most kMaxContent
//   server: frame("stored NAME SIZE")       once CONTENT is stored
// A length over its limit: the server replies frame("error: a name is 1-255 bytes") or
// frame("error: content over 1 MiB") without reading further, and closes the connection.
// End of input between uploads ends the connection; inside an upload, nothing is stored.
#ifndef FILE_TRANSFER_H_
#define FILE_TRANSFER_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "handlers/stream_request_handler.h"

namespace exercise {

constexpr std::size_t kMaxName = 255;
constexpr std::size_t kMaxContent = 1024 * 1024;

// One frame: the payload's length as 4 bytes, most significant first, then the payload.
std::string frame(std::string_view payload);
// The length in a frame's 4-byte header. Throws std::invalid_argument unless it is 4 bytes.
std::uint32_t frame_length(std::string_view header);

// The files received, by name. Shared by the handlers and read by whoever checks them.
class FileStore {
 public:
  void put(const std::string& name, std::string content);
  std::optional<std::string> get(const std::string& name);
  std::size_t size();

 private:
  std::mutex mutex_;  // Guards files_: the server's thread writes, another thread reads.
  std::map<std::string, std::string> files_;
};

// Receives uploads until end of input, storing each in the FileStore.
class FileHandler : public socketserver::StreamRequestHandler {
 public:
  explicit FileHandler(FileStore& store) : store_(store) {}
  void handle() override;

 private:
  FileStore& store_;
};

}  // namespace exercise

#endif  // FILE_TRANSFER_H_
