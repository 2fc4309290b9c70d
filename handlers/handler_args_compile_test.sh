#!/usr/bin/env bash
# handler_args_compile_test: the mistakes handler<H>(args...) must refuse at compile time, each
# with the static_assert that says what to write, and nothing else: one "error:" line.
#   (a) a table passed by value to a constructor that takes it by value: every handler would
#       count in its own copy (std::string and std::cref(x) likewise);
#   (b) std::ref(table) to a constructor that takes the table by value or by const&;
#   (c) a T& constructor without std::ref;
#   and an argument that cannot be copied into the factory (a counter with its mutex).
# And the right ways compile: const& for configuration, std::ref with T&, std::cref with
# const T&, numbers and pointers by value, a parameter of another type made from the argument.
#
# Runs the compiler itself (g++, or $CXX), on the headers that :base_request_handler_headers
# puts in the runfiles. A doctest case cannot do this: a program that fails to compile has no
# test to run.
set -euo pipefail

root="$TEST_SRCDIR/$TEST_WORKSPACE"
work=$(mktemp -d "${TEST_TMPDIR:-/tmp}/compile-XXXXXX")
trap 'rm -rf "$work"' EXIT
failures=0

prelude='#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include "handlers/base_request_handler.h"
using namespace socketserver;
using Table = std::map<std::string, int>;
Table table;
int counter = 0;'

# compile NAME CODE: compiles the prelude and CODE; leaves the compiler's output in $work/NAME.
compile() {
  printf '%s\n%s\n' "$prelude" "$2" >"$work/$1.cc"
  "${CXX:-g++}" -std=c++17 -Wall -Werror -fsyntax-only -I "$root" "$work/$1.cc" >"$work/$1.out" 2>&1
}

# refused NAME MESSAGE CODE: CODE must fail to compile, with one error, which says MESSAGE.
refused() {
  if compile "$1" "$3"; then
    echo "FAIL $1: compiled, but must be refused" >&2
    failures=$((failures + 1))
  elif ! grep -qF "$2" "$work/$1.out"; then
    echo "FAIL $1: refused without the message \"$2\":" >&2
    cat "$work/$1.out" >&2
    failures=$((failures + 1))
  elif [ "$(grep -c 'error:' "$work/$1.out")" != 1 ]; then
    echo "FAIL $1: more than the one error:" >&2
    cat "$work/$1.out" >&2
    failures=$((failures + 1))
  else
    echo "ok $1 ($(wc -l <"$work/$1.out") lines)"
  fi
}

by_value="H's constructor takes x by value, a copy per request whose changes are lost"
ref_needs_ref="handler<H>(std::ref(x)): H's constructor must take x as T&"
needs_ref="H's constructor takes T&, but each handler gets x as const"

refused a_table_by_value "$by_value" '
struct H : BaseRequestHandler { explicit H(Table t) : t(t) {} Table t; };
HandlerFactory f = handler<H>(table);'
refused a_string_by_value "$by_value" '
struct H : BaseRequestHandler { explicit H(std::string s) {} };
HandlerFactory f = handler<H>(std::string("config"));'
refused a_cref_by_value "$by_value" '
struct H : BaseRequestHandler { explicit H(Table t) {} };
HandlerFactory f = handler<H>(std::cref(table));'
refused b_ref_by_value "$ref_needs_ref" '
struct H : BaseRequestHandler { explicit H(Table t) : t(t) {} Table t; };
HandlerFactory f = handler<H>(std::ref(table));'
refused b_ref_by_const_ref "$ref_needs_ref" '
struct H : BaseRequestHandler { explicit H(const Table& t) : t(t) {} Table t; };
HandlerFactory f = handler<H>(std::ref(table));'
refused b_ref_int_by_value "$ref_needs_ref" '
struct H : BaseRequestHandler { explicit H(int n) {} };
HandlerFactory f = handler<H>(std::ref(counter));'
refused c_ref_without_std_ref "$needs_ref" '
struct H : BaseRequestHandler { explicit H(Table& t) : t(t) {} Table& t; };
HandlerFactory f = handler<H>(table);'
refused c_cref_to_ref "$needs_ref" '
struct H : BaseRequestHandler { explicit H(Table& t) : t(t) {} Table& t; };
HandlerFactory f = handler<H>(std::cref(table));'
refused not_copyable "x cannot be copied (does it hold a mutex?)" "
#include <mutex>
struct Counter { std::mutex mutex; int hits = 0; };
Counter hits;
struct H : BaseRequestHandler { explicit H(Counter& c) {} };
HandlerFactory f = handler<H>(hits);"
refused c_second_argument "$needs_ref" '
struct H : BaseRequestHandler { H(int n, int& c) {} };
HandlerFactory f = handler<H>(3, counter);'

# The right ways, all in one program that must compile without a warning.
if compile accepted '
struct Config { std::string greeting; };
struct A : BaseRequestHandler { explicit A(const Config& c) {} };
struct B : BaseRequestHandler { explicit B(Table& t) {} };
struct C : BaseRequestHandler { explicit C(const Table& t) {} };
struct D : BaseRequestHandler { D(int n, double x, int* c, const char* s) {} };
struct E : BaseRequestHandler { explicit E(std::string_view s) {} };
struct F : BaseRequestHandler { explicit F(std::chrono::duration<double> t) {} };
struct G : BaseRequestHandler { explicit G(std::optional<bool> b) {} };
struct I : BaseRequestHandler { explicit I(int& n) {} };
struct J : BaseRequestHandler {};
HandlerFactory fs[] = {
    handler<A>(Config{"hello"}), handler<B>(std::ref(table)), handler<C>(std::cref(table)),
    handler<C>(table), handler<D>(3, 0.5, &counter, "text"), handler<E>(std::string("x")),
    handler<F>(std::chrono::seconds(2)), handler<G>(std::nullopt), handler<G>(true),
    handler<I>(std::ref(counter)), handler<J>()};'; then
  echo "ok accepted"
else
  echo "FAIL accepted: the right ways must compile:" >&2
  cat "$work/accepted.out" >&2
  failures=$((failures + 1))
fi

echo "$failures failed"
[ "$failures" = 0 ]
