#!/usr/bin/env bash
# demo_tour_test: tools/demo.sh's tour, run against the demo programs Bazel built for this test
# (--bin: a test cannot run Bazel itself, so it builds nothing), exits 0 and prints what it
# narrates: every lifecycle step of the trace, the deaf server's three runs, the three servers
# of one loop, a zombie in ps and then none. Also: --list names every program and chapter, a
# program runs by name, and an unknown name exits 2.
#
# Usage (Bazel passes both): demo_tour_test.sh PATH/TO/demo.sh PATH/TO/demo/echo_server
set -euo pipefail
demo=$1
bin=$(dirname "$2")
out=$(mktemp -d /tmp/ss-XXXXXX)
trap 'rm -rf "$out"' EXIT
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
expect_in() {
  grep -qF -- "$2" "$out/$1" || fail "$1: '$2' not found"
}

status=0
timeout 100 "$demo" --bin "$bin" >"$out/tour" 2>&1 || status=$?
cat "$out/tour"
((status == 0)) || fail "the tour exited with status $status"

for heading in "1. The course's login server" "2. A deaf server" "3. Every server kind" \
  "4. TCP is a byte stream" "5. Several servers in one loop" "6. A zombie" "Done in"; do
  expect_in tour " $heading"
done
# Every lifecycle step, as the trace prints it, with its one-line explanation.
for step in serve_forever get_request verify_request process_request thread fork setup handle \
  finish shutdown_request close_request; do
  grep -Eq "^    \[pid [0-9]+ tid [0-9]+\] $step( |$).*\| [a-z]" "$out/tour" ||
    fail "tour: no explained '$step' trace line"
done
# Who did what: the serving thread, a handler thread, a child, the main thread (multi_server).
for who in "| serving thread |" "| thread " "| child " "| main thread    |"; do
  expect_in tour "$who"
done
# The deaf server: three runs of three clients each.
for mixin in none threading forking; do expect_in tour "--mixin $mixin:"; done
(($(grep -c '^client [0-9] answered by pid' "$out/tour") == 9)) || fail "tour: not 9 answers"
# Several servers in one loop.
for kind in tcp udp unix; do expect_in tour "] ready: $kind "; done
# The zombie, then none.
grep -Eq '^ *[0-9]+ Z +\[echo_server\] <defunct>' "$out/tour" || fail "tour: no zombie in ps"
expect_in tour "(no children: service_actions() has reaped it)"
# The login session: logged in, then refused; the legacy framing fails through the proxy
# (and works without it), the line framing works through it.
grep -q "chapter skipped" "$out/tour" && fail "tour: a chapter was skipped"
(($(grep -c ' broken connect with server$' "$out/tour") == 3)) ||
  fail "tour: expected 3 successful logins (course session, legacy direct, lines via proxy)"
expect_in tour "login_client: login failed: wrong password"
expect_in tour "The legacy server's stderr: it took each piece for a message."
expect_in tour "sent an unknown message"

status=0
"$demo" --bin "$bin" --list >"$out/list" 2>&1 || status=$?
((status == 0)) || fail "--list exited with status $status"
for name in echo_server echo_client login_server login_client slow_server slow_clients \
  stammer_proxy multi_server login deaf trace framing multi zombie; do
  grep -Eq "^  $name +[a-z]" "$out/list" || fail "--list: no line for $name"
done

status=0
"$demo" --bin "$bin" slow_server --help >"$out/program" 2>&1 || status=$?
((status == 0)) || fail "slow_server --help by name exited with status $status"
expect_in program "usage: slow_server"

status=0
"$demo" --bin "$bin" no_such_demo >"$out/unknown" 2>&1 || status=$?
((status == 2)) || fail "an unknown demo exited with status $status, expected 2"
expect_in unknown "unknown demo 'no_such_demo'"

if ((failures > 0)); then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all checks passed"
