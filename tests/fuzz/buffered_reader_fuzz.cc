// Fuzzes BufferedReader::readline() against a reference split. The input chooses the reader's
// buffer size, the line limit, and how the data is cut into the pieces recv() returns (a
// SOCK_SEQPACKET pair hands them over one by one); the lines read must be the data split
// after each '\n' or at the limit, whatever the pieces, and nothing may be lost or repeated.
#include <sys/socket.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "handlers/buffered_reader.h"
#include "server/fd.h"
#include "server/socket.h"

namespace {

// What readline(limit) returns, one line after another, for `data`.
std::vector<std::string> reference_lines(const std::string& data, std::size_t limit) {
  std::vector<std::string> lines;
  for (std::size_t start = 0; start < data.size();) {
    std::size_t end = data.find('\n', start);
    end = (end == std::string::npos) ? data.size() : end + 1;
    end = std::min(end, start + limit);
    lines.push_back(data.substr(start, end - start));
    start = end;
  }
  return lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* input, std::size_t size) {
  using namespace socketserver;
  if (size < 3) return 0;
  const std::size_t bufsize = 1 + input[0] % 32;
  const std::size_t limit = 1 + input[1] % 48;
  unsigned seed = input[2];
  const std::string data(reinterpret_cast<const char*>(input) + 3, size - 3);

  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends) != 0) std::abort();
  Socket reader_end{Fd(ends[0])};
  // The pieces are sent on a thread of their own: many small ones can fill the socket's
  // buffer before the reader below has taken any.
  std::thread writer([&, seed]() mutable {
    Socket writer_end{Fd(ends[1])};
    for (std::size_t sent = 0; sent < data.size();) {
      seed = seed * 1103515245u + 12345u;              // Piece sizes: 1 to bufsize, never more (a
      std::size_t piece = 1 + (seed >> 16) % bufsize;  // bigger record would be cut short).
      piece = std::min(piece, data.size() - sent);
      if (writer_end.send(std::string_view(data).substr(sent, piece)) != piece) std::abort();
      sent += piece;
    }
  });  // writer_end closes as the thread ends: the reader then sees end of input.

  BufferedReader rfile(&reader_end, bufsize);
  std::vector<std::string> lines;
  for (std::string line; !(line = rfile.readline(limit)).empty();) lines.push_back(line);
  if (lines != reference_lines(data, limit)) std::abort();
  writer.join();
  if (!rfile.readline(limit).empty() || !rfile.read(10).empty()) std::abort();  // Stays ended.
  return 0;
}
