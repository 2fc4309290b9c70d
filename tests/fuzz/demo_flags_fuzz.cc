// Fuzzes the demos' command line: the input, cut at each NUL byte, is argv. Parsing it the way
// every server demo does (FlagReader, read_server_flag, check_server_flags, socket_address)
// either gives flags or throws UsageError or std::invalid_argument: never anything else, and
// never a crash or an unbounded loop.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "demo/cli.h"
#include "tests/fuzz/no_network.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace socketserver::demo;
  std::vector<std::string> words{"echo_server"};
  std::string word;
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == 0) {
      words.push_back(word);
      word.clear();
    } else {
      word += static_cast<char>(data[i]);
    }
  }
  words.push_back(word);
  if (words.size() > 64) return 0;
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);

  try {
    ServerFlags flags;
    FlagReader reader(static_cast<int>(words.size()), argv.data());
    while (reader.next()) {
      if (reader.flag() == "--help") {
        reader.no_value();
        return 0;
      }
      if (!read_server_flag(reader, flags)) throw UsageError("unknown flag " + reader.flag());
    }
    check_server_flags(flags);
    socket_address(flags.address, "/tmp/ss-fuzz/echo.sock");
  } catch (const UsageError&) {
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
