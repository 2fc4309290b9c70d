// Tests of the demos' command line: parse_command_line() and FlagReader. A mistake prints one
// line and a hint, not the help page; a repeated flag is a mistake unless declared
// repeatable; -h is --help.
#include "demo/cli.h"

#include <doctest/doctest.h>

#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace socketserver::demo {
namespace {

constexpr char kUsage[] = "usage: prog [--port PORT] [--name NAME]... [--verbose]\n";

// What one run of parse_command_line() printed and returned.
struct Run {
  std::optional<int> status;
  std::string out;
  std::string err;
  ServerFlags flags;
  std::vector<std::string> names;
};

// Parses `arguments` (after the program's name) as a program with the server flags, a
// repeatable --name and a check that refuses --port 1; captures std::cout and std::cerr.
Run parse(std::vector<std::string> arguments) {
  arguments.insert(arguments.begin(), "prog");
  std::vector<char*> argv;
  for (std::string& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);

  Run run;
  std::ostringstream out;
  std::ostringstream err;
  std::streambuf* old_out = std::cout.rdbuf(out.rdbuf());
  std::streambuf* old_err = std::cerr.rdbuf(err.rdbuf());
  run.status = parse_command_line(
      static_cast<int>(arguments.size()), argv.data(), {"prog", kUsage, {"--name"}},
      [&](FlagReader& reader) {
        if (reader.flag() != "--name") return read_server_flag(reader, run.flags);
        run.names.push_back(reader.value());
        return true;
      },
      [&] {
        if (run.flags.address.port == 1) throw UsageError("--port 1: not for this program");
      });
  std::cout.rdbuf(old_out);
  std::cerr.rdbuf(old_err);
  run.out = out.str();
  run.err = err.str();
  return run;
}

// The two lines every mistake prints.
std::string error_lines(const std::string& message) {
  return "prog: " + message + "\nTry 'prog --help' for more.\n";
}

TEST_CASE("good flags: no exit status, nothing printed, the values read") {
  Run run = parse({"--port", "8123", "--trace", "--name=a", "--name", "b"});
  CHECK_FALSE(run.status.has_value());
  CHECK(run.out.empty());
  CHECK(run.err.empty());
  CHECK(run.flags.address.port == 8123);
  CHECK(run.flags.trace);
  CHECK(run.names == std::vector<std::string>{"a", "b"});
}

TEST_CASE("--help and -h print the usage on stdout and exit 0") {
  for (const char* help : {"--help", "-h"}) {
    CAPTURE(help);
    Run run = parse({"--port", "1", help});  // Before check(): help wins over its complaint.
    CHECK(run.status == 0);
    CHECK(run.out == kUsage);
    CHECK(run.err.empty());
  }
}

TEST_CASE("a mistake prints one line and the hint, not the help page, and exits 2") {
  struct Case {
    std::vector<std::string> arguments;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {{"--port", "70000"}, "--port 70000: not a port (0-65535)"},
           {{"--no-such-flag"}, "unknown flag --no-such-flag"},
           {{"hello"}, "unexpected argument 'hello' (flags start with --)"},
           {{"-x"}, "unexpected argument '-x' (flags start with --)"},
           {{"--port"}, "--port needs a value"},
           {{"--port", "--trace"}, "--port needs a value, not the flag --trace"},
           {{"--trace=yes"}, "--trace takes no value"},
           {{"-h=1"}, "unexpected argument '-h=1' (flags start with --)"},
           {{"--port", "1"}, "--port 1: not for this program"},  // From check().
       }) {
    CAPTURE(c.message);
    Run run = parse(c.arguments);
    CHECK(run.status == 2);
    CHECK(run.err == error_lines(c.message));
    CHECK(run.out.empty());
  }
}

TEST_CASE("repeated_flag_is_an_error, whatever the spelling, unless declared repeatable") {
  CHECK(parse({"--port", "1", "--port=2"}).err == error_lines("--port given twice"));
  CHECK(parse({"--trace", "--trace"}).err == error_lines("--trace given twice"));
  CHECK(parse({"--help", "--help"}).status == 0);  // Help stops at the first.
  CHECK(parse({"-h", "--port", "1", "--port", "2"}).status == 0);
  CHECK(parse({"--name", "a", "--name", "b", "--name", "c"}).names.size() == 3);
}

TEST_CASE("FlagReader on its own: a repeated flag throws UsageError from next()") {
  std::vector<std::string> arguments{"prog", "--x", "1", "--x", "2"};
  std::vector<char*> argv;
  for (std::string& argument : arguments) argv.push_back(argument.data());
  FlagReader reader(static_cast<int>(argv.size()), argv.data());
  REQUIRE(reader.next());
  CHECK(reader.value() == "1");
  CHECK_THROWS_WITH_AS(reader.next(), "--x given twice", UsageError);
}

}  // namespace
}  // namespace socketserver::demo
