#include "demo/cli.h"

#include <pthread.h>  // PTHREAD_STACK_MIN

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <utility>

namespace socketserver::demo {
namespace {

// "--port 70000: not a port (0-65535)".
UsageError bad_value(const std::string& flag, const std::string& text, const std::string& why) {
  return UsageError(flag + " " + text + ": " + why);
}

bool all_digits(const std::string& text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

int usage_error(const std::string& program, const std::string& message, const std::string&) {
  std::cerr << program << ": " << message << "\n"
            << "Try '" << program << " --help' for more.\n";
  return 2;
}

const char* to_string(ServerKind kind) {
  switch (kind) {
    case ServerKind::tcp:
      return "tcp";
    case ServerKind::udp:
      return "udp";
    case ServerKind::unix_stream:
      return "unix";
    case ServerKind::unix_datagram:
      return "unix-dgram";
  }
  return "?";
}

bool uses_path(ServerKind kind) {
  return kind == ServerKind::unix_stream || kind == ServerKind::unix_datagram;
}

bool is_datagram(ServerKind kind) {
  return kind == ServerKind::udp || kind == ServerKind::unix_datagram;
}

// --- FlagReader ---

FlagReader::FlagReader(int argc, char** argv, std::set<std::string> repeatable)
    : argc_(argc), argv_(argv), repeatable_(std::move(repeatable)) {}

bool FlagReader::next() {
  if (index_ + 1 >= argc_) return false;
  std::string argument = argv_[++index_];
  if (argument == "-h") argument = "--help";
  if (argument.size() < 3 || argument.compare(0, 2, "--") != 0) {
    throw UsageError("unexpected argument '" + argument + "' (flags start with --)");
  }
  std::size_t equals = argument.find('=');
  if (equals == std::string::npos) {
    flag_ = argument;
    inline_.reset();
  } else {
    flag_ = argument.substr(0, equals);
    inline_ = argument.substr(equals + 1);
  }
  if (!seen_.insert(flag_).second && repeatable_.count(flag_) == 0) {
    throw UsageError(flag_ + " given twice");
  }
  return true;
}

std::string FlagReader::value() {
  if (inline_) return *inline_;
  if (index_ + 1 >= argc_) throw UsageError(flag_ + " needs a value");
  // "--to --seed 3": the next flag is not this one's value (write --to=--x for a value that
  // really starts with two dashes).
  if (std::string(argv_[index_ + 1]).rfind("--", 0) == 0) {
    throw UsageError(flag_ + " needs a value, not the flag " + argv_[index_ + 1]);
  }
  return argv_[++index_];  // The value is used up: next() moves past it.
}

void FlagReader::no_value() const {
  if (inline_) throw UsageError(flag_ + " takes no value");
}

std::optional<int> parse_command_line(int argc, char** argv, const Program& program,
                                      const std::function<bool(FlagReader&)>& read_flag,
                                      const std::function<void()>& check) {
  try {
    FlagReader reader(argc, argv, program.repeatable);
    while (reader.next()) {
      if (reader.flag() == "--help") {
        reader.no_value();
        std::cout << program.usage;
        return 0;
      }
      if (!read_flag(reader)) throw UsageError("unknown flag " + reader.flag());
    }
    if (check) check();
  } catch (const UsageError& e) {
    return usage_error(program.name, e.what());
  }
  return std::nullopt;
}

// --- Value parsers ---

int parse_port(const std::string& flag, const std::string& text) {
  // Digits only, and at most 5 of them, so the conversion below cannot overflow.
  if (!all_digits(text) || text.size() > 5 || std::stoi(text) > 65535) {
    throw bad_value(flag, text, "not a port (0-65535)");
  }
  return std::stoi(text);
}

Seconds parse_seconds(const std::string& flag, const std::string& text) {
  // strtod() skips leading spaces and stops at the first character it cannot use; demand
  // that it used everything, so "abc", "1x" and " 1" are all refused.
  const char* begin = text.c_str();
  char* end = nullptr;
  errno = 0;
  double value = std::strtod(begin, &end);
  if (text.empty() || std::isspace(static_cast<unsigned char>(text[0])) || *end != '\0' ||
      errno != 0 || !std::isfinite(value) || value <= 0) {
    throw bad_value(flag, text, "not a positive number of seconds");
  }
  return Seconds(value);
}

std::size_t parse_count(const std::string& flag, const std::string& text) {
  if (!all_digits(text) || text.size() > 9 || std::stoul(text) == 0) {
    throw bad_value(flag, text, "not a positive whole number");
  }
  return std::stoul(text);
}

std::size_t parse_size(const std::string& flag, const std::string& text) {
  std::string digits = text;
  std::size_t unit = 1;
  if (!text.empty() && (text.back() == 'k' || text.back() == 'm')) {
    unit = text.back() == 'k' ? 1024 : 1024 * 1024;
    digits.pop_back();
  }
  const std::size_t limit = std::size_t{1} << 30;  // 1 GiB.
  // Ten digits at most, so stoul cannot overflow; the limit is checked after the unit.
  if (!all_digits(digits) || digits.size() > 10 || std::stoul(digits) == 0 ||
      std::stoul(digits) > limit / unit) {
    throw bad_value(flag, text, "not a size from 1 to 1g (bytes, or with k or m: 256k, 8m)");
  }
  return std::stoul(digits) * unit;
}

std::size_t parse_stack_size(const std::string& flag, const std::string& text) {
  std::size_t size = parse_size(flag, text);
  if (size < static_cast<std::size_t>(PTHREAD_STACK_MIN)) {
    throw bad_value(flag, text,
                    "below the smallest stack a thread can have, " +
                        std::to_string(PTHREAD_STACK_MIN / 1024) + "k (PTHREAD_STACK_MIN)");
  }
  return size;
}

ServerKind parse_server_kind(const std::string& flag, const std::string& text) {
  for (ServerKind kind :
       {ServerKind::tcp, ServerKind::udp, ServerKind::unix_stream, ServerKind::unix_datagram}) {
    if (text == to_string(kind)) return kind;
  }
  throw bad_value(flag, text, "expected tcp, udp, unix or unix-dgram");
}

MixIn parse_mixin(const std::string& flag, const std::string& text) {
  if (text == "none") return MixIn::none;
  if (text == "threading") return MixIn::threading;
  if (text == "forking") return MixIn::forking;
  throw bad_value(flag, text, "expected none, threading or forking");
}

SelectorKind parse_selector(const std::string& flag, const std::string& text) {
  if (text == "poll") return SelectorKind::poll;
  if (text == "select") return SelectorKind::select;
  throw bad_value(flag, text, "expected poll or select");
}

// --- The shared flags ---

bool read_address_flag(FlagReader& reader, AddressFlags& address) {
  const std::string& flag = reader.flag();
  if (flag == "--server") {
    address.server = parse_server_kind(flag, reader.value());
  } else if (flag == "--host") {
    address.host = reader.value();  // SocketAddress::parse() judges it later.
  } else if (flag == "--port") {
    address.port = parse_port(flag, reader.value());
  } else if (flag == "--path") {
    address.path = reader.value();
    if (address.path.empty()) throw UsageError("--path needs a non-empty path");
  } else {
    return false;
  }
  return true;
}

bool read_server_flag(FlagReader& reader, ServerFlags& flags) {
  const std::string& flag = reader.flag();
  if (flag == "--mixin") {
    flags.mixin = parse_mixin(flag, reader.value());
  } else if (flag == "--max-children") {
    flags.max_children = parse_count(flag, reader.value());
  } else if (flag == "--stack-size") {
    flags.stack_size = parse_stack_size(flag, reader.value());
  } else if (flag == "--selector") {
    flags.selector = parse_selector(flag, reader.value());
  } else if (flag == "--poll-interval") {
    flags.poll_interval = parse_seconds(flag, reader.value());
  } else if (flag == "--grace") {
    flags.grace = parse_seconds(flag, reader.value());
  } else if (flag == "--timeout") {
    flags.timeout = parse_seconds(flag, reader.value());
  } else if (flag == "--trace") {
    reader.no_value();
    flags.trace = true;
  } else {
    return read_address_flag(reader, flags.address);
  }
  return true;
}

void check_address_flags(const AddressFlags& address, bool for_client) {
  const std::string kind = to_string(address.server);
  if (uses_path(address.server)) {
    if (address.port) {
      throw UsageError("--port is for tcp and udp; --server " + kind + " uses --path");
    }
    if (address.host) {
      throw UsageError("--host is for tcp and udp; --server " + kind + " uses --path");
    }
    if (for_client && address.path.empty()) {
      throw UsageError("--server " + kind + " needs --path, the server's socket file");
    }
  } else {
    if (!address.path.empty()) {
      throw UsageError("--path is for unix and unix-dgram; --server " + kind + " uses --port");
    }
    if (for_client && address.port.value_or(0) == 0) {
      throw UsageError("--server " + kind + " needs --port, the server's port (1-65535)");
    }
  }
}

void check_server_flags(const ServerFlags& flags) {
  check_address_flags(flags.address, /*for_client=*/false);
  if (flags.max_children && flags.mixin != MixIn::forking) {
    throw UsageError("--max-children needs --mixin forking");
  }
  if (flags.stack_size && flags.mixin != MixIn::threading) {
    throw UsageError("--stack-size needs --mixin threading");
  }
  if (flags.timeout && is_datagram(flags.address.server)) {
    throw UsageError(
        "--timeout is for tcp and unix: a datagram handler never waits for its "
        "client");
  }
}

SocketAddress socket_address(const AddressFlags& address, const std::string& default_path) {
  if (uses_path(address.server)) {
    return SocketAddress::unix_path(address.path.empty() ? default_path : address.path);
  }
  std::string host = address.host.value_or(kDefaultHost);
  // An IPv6 address has colons of its own; brackets tell them from the one before the port.
  if (host.find(':') != std::string::npos && host[0] != '[') host = "[" + host + "]";
  return SocketAddress::parse(host + ":" + std::to_string(address.port.value_or(0)));
}

}  // namespace socketserver::demo
