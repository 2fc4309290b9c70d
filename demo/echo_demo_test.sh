#!/usr/bin/env bash
# echo_demo_test: runs demo/echo_server and demo/echo_client as a user would and checks what
# docs/echo_demo.md promises of every demo:
#   - the first line on stdout is "listening on ADDRESS", printed at once;
#   - the client's replies are the messages, byte for byte, for every server kind and mix-in;
#   - SIGTERM (or SIGINT) stops the server with exit status 0, and a Unix server removes its
#     socket file; with a client still connected, newcomers are refused at once and the stop
#     ends within --grace (a second signal: at once), cleaning up all the same;
#   - --timeout: a silent client no longer holds a plain server;
#   - a bad flag or value, or a flag given twice: one line and a hint on stderr, exit 2;
#   - --help and -h: the usage on stdout, exit 0;
#   - a client whose server is not there exits non-zero with a one-line reason.
#
# Usage (Bazel passes both): echo_demo_test.sh PATH/TO/echo_server PATH/TO/echo_client
# Sockets: loopback with port 0 (the kernel picks), Unix sockets in a fresh /tmp/ss-XXXXXX.
# Every wait has a deadline, and every client runs under `timeout`.
set -euo pipefail

server_bin=$1
client_bin=$2
# work, started, made, failures, fail, running, expect_status, expect_in, wait_for and
# sigterm_taken come from demo_test_lib.sh.
source "$(dirname "$0")/demo_test_lib.sh"

# start_server NAME FLAGS...: starts echo_server in the background with its stdout and stderr
# in $work/NAME.out and $work/NAME.err, and waits (10 s at most) for its first line.
# Sets server_pid and address (what follows "listening on "). Returns 1 on failure.
start_server() {
  local name=$1
  shift
  # Create the files first: the background shell may not have opened them yet when we look.
  : >"$work/$name.out"
  : >"$work/$name.err"
  "$server_bin" "$@" >"$work/$name.out" 2>"$work/$name.err" &
  server_pid=$!
  started+=("$server_pid")
  local deadline=$((SECONDS + 10))
  # A complete first line is one that ends in a newline: wc -l counts newlines.
  while (($(wc -l <"$work/$name.out") < 1)); do
    if ! running "$server_pid"; then
      fail "$name: server exited before 'listening on': $(cat "$work/$name.err")"
      return 1
    fi
    if ((SECONDS >= deadline)); then
      fail "$name: no 'listening on' line within 10 s"
      return 1
    fi
    sleep 0.05
  done
  local line
  line=$(head -n 1 "$work/$name.out")
  if [[ $line != "listening on "* ]]; then
    fail "$name: first line is '$line', not 'listening on ...'"
    return 1
  fi
  address=${line#listening on }
}

# stop_server NAME [SIGNAL]: sends SIGTERM (or SIGNAL), waits 10 s at most, and checks that
# the server exited with status 0.
stop_server() {
  local name=$1 signal=${2:-TERM}
  kill -"$signal" "$server_pid" 2>/dev/null || true  # It may have died already: see below.
  local deadline=$((SECONDS + 10))
  while running "$server_pid" && ((SECONDS < deadline)); do sleep 0.05; done
  if running "$server_pid"; then
    fail "$name: still running 10 s after SIG$signal"
    kill -KILL "$server_pid"
  fi
  local status=0
  wait "$server_pid" || status=$?
  if ((status != 0)); then
    fail "$name: exit status $status after SIG$signal; stderr: $(cat "$work/$name.err")"
  fi
}

# client_flags KIND ADDRESS: the echo_client flags that reach a server at ADDRESS, as printed
# after "listening on": "127.0.0.1:PORT", "[::1]:PORT" or a path. Sets the array `to`.
client_flags() {
  local kind=$1 addr=$2
  case $kind in
    tcp | udp)
      local host=${addr%:*}
      host=${host#[}
      host=${host%]}
      to=(--server "$kind" --host "$host" --port "${addr##*:}")
      ;;
    *) to=(--server "$kind" --path "$addr") ;;
  esac
}

# round_trip NAME KIND SERVER_FLAGS...: starts a server, sends three messages, compares the
# replies byte for byte, stops it with SIGTERM; for a Unix server, checks its socket file is
# gone afterwards.
round_trip() {
  local name=$1 kind=$2 failures_before=$failures
  shift 2
  local flags=(--server "$kind" "$@")
  if [[ $kind == unix* ]]; then flags+=(--path "$work/$name.sock"); fi
  start_server "$name" "${flags[@]}" || return 0

  if [[ $kind == unix* && $address != "$work/$name.sock" ]]; then
    fail "$name: listening on '$address', expected '$work/$name.sock'"
  fi
  client_flags "$kind" "$address"
  local status=0
  timeout 20 "$client_bin" "${to[@]}" --message "one" --message "two  spaces" \
    --message "three: ü \\ \$x" >"$work/$name.reply" 2>"$work/$name.client-err" || status=$?
  printf '%s\n' "one" "two  spaces" "three: ü \\ \$x" >"$work/$name.expected"
  if ((status != 0)); then
    fail "$name: client exit status $status: $(cat "$work/$name.client-err")"
  elif ! cmp -s "$work/$name.expected" "$work/$name.reply"; then
    fail "$name: replies differ from the messages:
$(diff "$work/$name.expected" "$work/$name.reply" || true)"
  fi

  stop_server "$name"
  if [[ $kind == unix* && -e $address ]]; then
    fail "$name: socket file $address is still there after the server exited"
  fi
  if ((failures == failures_before)); then echo "ok: $name (listening on $address)"; fi
}

# --- Every server kind, with every mix-in ---------------------------------------------------

for kind in tcp udp unix unix-dgram; do
  for mixin in none threading forking; do
    round_trip "$kind-$mixin" "$kind" --mixin "$mixin"
  done
done

# The other flags change how the server runs, not what the client sees.
round_trip tcp-select tcp --selector select --poll-interval 0.05
round_trip udp-select-threading udp --selector select --mixin threading
round_trip tcp-forking-max1 tcp --mixin forking --max-children 1
round_trip tcp-threading-stack tcp --mixin threading --stack-size 256k
round_trip tcp-localhost tcp --host localhost

# IPv6 loopback, where the machine has it: "listening on [::1]:PORT".
if grep -q '^0\{31\}1 ' /proc/net/if_inet6 2>/dev/null; then
  round_trip tcp-ipv6 tcp --host ::1
  round_trip udp-ipv6 udp --host ::1 --mixin threading
  [[ $address == "[::1]:"* ]] || fail "udp-ipv6: listening on '$address', expected [::1]:PORT"
else
  echo "skipped: IPv6 (no ::1 on this machine)"
fi

# --- --trace: each step of each request, with pid and thread id, on stderr ------------------

round_trip tcp-trace tcp --trace
for step in serve_forever get_request verify_request process_request setup handle finish \
  shutdown_request close_request; do
  expect_in tcp-trace "$work/tcp-trace.err" "] $step"
done
expect_in tcp-trace "$work/tcp-trace.err" "[pid $server_pid tid "

# A forking server handles the request in a child: its pid differs from the server's.
round_trip udp-forking-trace udp --mixin forking --trace
if ! grep '] handle ' "$work/udp-forking-trace.err" | grep -vq "^\[pid $server_pid "; then
  fail "udp-forking-trace: no 'handle' step in a child process:
$(cat "$work/udp-forking-trace.err")"
fi
grep -q "^\[pid $server_pid tid [0-9]*\] fork " "$work/udp-forking-trace.err" ||
  fail "udp-forking-trace: no 'fork' step in the server process"

# --- Signals ------------------------------------------------------------------------------

failures_before=$failures
if start_server sigint; then
  stop_server sigint INT
  if ((failures == failures_before)); then echo "ok: sigint"; fi
fi

# The default Unix socket path: a new /tmp/ss-XXXXXX folder, removed with the file.
failures_before=$failures
if start_server default-path --server unix; then
  if [[ $address =~ ^/tmp/ss-[A-Za-z0-9]{6}/echo\.sock$ ]]; then
    made+=("${address%/*}")
  else
    fail "default-path: listening on '$address', expected /tmp/ss-XXXXXX/echo.sock"
  fi
  stop_server default-path
  [[ ! -e $address ]] || fail "default-path: $address left behind"
  [[ ! -e ${address%/*} ]] || fail "default-path: folder ${address%/*} left behind"
  if ((failures == failures_before)); then echo "ok: default-path ($address)"; fi
fi

# --- Stopping with clients connected ------------------------------------------------------

# hold_client NAME KIND ADDRESS: a client in the background that connects, writes "connected"
# to $work/NAME.hold, then reads until end of input and writes "eof" there. Sets hold_pid.
hold_client() {
  local name=$1 kind=$2 addr=$3
  : >"$work/$name.hold"
  timeout 30 python3 -c '
import socket, sys
kind, addr, out = sys.argv[1:4]
if kind == "unix":
    s = socket.socket(socket.AF_UNIX)
    s.connect(addr)
else:
    host, port = addr.rsplit(":", 1)
    s = socket.create_connection((host.strip("[]"), int(port)))
open(out, "a").write("connected\n")
while s.recv(4096):
    pass
open(out, "a").write("eof\n")
' "$kind" "$addr" "$work/$name.hold" &
  hold_pid=$!
  wait_for "$name: client connected" grep -q connected "$work/$name.hold"
}

# True when a new connection to the Unix socket $1 is refused (or the file is gone).
refused() {
  ! python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])' "$1" \
    2>/dev/null
}

# stop_never_ends regression: SIGTERM with one idle client connected. Newcomers are refused at
# once (threading, forking: a plain server is still inside the client's request), the client
# is cut off when --grace is over, and the server exits 0 with its socket file and folder gone.
for mixin in none threading forking; do
  name=grace-$mixin
  failures_before=$failures
  start_server "$name" --server unix --mixin "$mixin" --grace 1 || continue
  made+=("${address%/*}")
  hold_client "$name" unix "$address"
  kill -TERM "$server_pid"
  if [[ $mixin != none ]]; then wait_for "$name: newcomer refused" refused "$address"; fi
  stop_server "$name"  # Exit status 0 within 10 s.
  wait "$hold_pid" || fail "$name: the idle client failed"
  expect_in "$name" "$work/$name.hold" eof
  [[ ! -e $address ]] || fail "$name: $address left behind"
  [[ ! -e ${address%/*} ]] || fail "$name: folder ${address%/*} left behind"
  if ((failures == failures_before)); then echo "ok: $name"; fi
done

# A second signal ends the stop at once, still cleaning up (the grace period is an hour).
for mixin in none forking; do
  name=second-signal-$mixin
  failures_before=$failures
  start_server "$name" --server unix --mixin "$mixin" --grace 3600 || continue
  made+=("${address%/*}")
  hold_client "$name" unix "$address"
  kill -TERM "$server_pid"
  # Signals of one kind merge while pending: send the second once the first is taken.
  wait_for "$name: first SIGTERM taken" sigterm_taken "$server_pid"
  stop_server "$name"
  wait "$hold_pid" || fail "$name: the idle client failed"
  [[ ! -e ${address%/*} ]] || fail "$name: folder ${address%/*} left behind"
  if ((failures == failures_before)); then echo "ok: $name"; fi
done

# --timeout: a client that sends nothing no longer holds a plain server deaf for ever.
failures_before=$failures
if start_server timeout --timeout 0.5; then
  hold_client timeout tcp "$address"
  client_flags tcp "$address"
  status=0
  timeout 20 "$client_bin" "${to[@]}" --message "after the silent one" \
    >"$work/timeout.reply" 2>"$work/timeout.client-err" || status=$?
  ((status == 0)) || fail "timeout: client exit status $status: $(cat "$work/timeout.client-err")"
  expect_in timeout "$work/timeout.reply" "after the silent one"
  wait "$hold_pid" || fail "timeout: the silent client failed"
  expect_in timeout "$work/timeout.hold" eof
  stop_server timeout
  expect_in timeout "$work/timeout.err" "ended by the client: recv: Connection timed out"
  if ((failures == failures_before)); then echo "ok: timeout"; fi
fi

# --- Command-line mistakes: one line and a hint on stderr, exit 2 ---------------------------

expect_status help 0 "$server_bin" --help
expect_in help "$work/help.out" "usage: echo_server"
expect_status short-help 0 "$server_bin" -h
expect_in short-help "$work/short-help.out" "usage: echo_server"
expect_status client-help 0 "$client_bin" --help
expect_in client-help "$work/client-help.out" "usage: echo_client"
expect_status client-short-help 0 "$client_bin" -h
expect_in client-short-help "$work/client-short-help.out" "usage: echo_client"

# expect_usage_error NAME LINE COMMAND...: exit 2, nothing on stdout, and on stderr exactly
# two lines: LINE, then the hint. Never the help page: it would scroll LINE off the screen.
expect_usage_error() {
  local name=$1 line=$2 program
  shift 2
  program=$(basename "$1")
  expect_status "$name" 2 "$@"
  printf '%s\n' "$line" "Try '$program --help' for more." >"$work/$name.expected"
  if ! cmp -s "$work/$name.expected" "$work/$name.err"; then
    fail "$name: stderr is not the error line and the hint:
$(diff "$work/$name.expected" "$work/$name.err" || true)"
  fi
  [[ ! -s $work/$name.out ]] || fail "$name: printed on stdout: $(cat "$work/$name.out")"
}

expect_usage_error bad-flag "echo_server: unknown flag --no-such-flag" \
  "$server_bin" --no-such-flag
expect_usage_error port-70000 "echo_server: --port 70000: not a port (0-65535)" \
  "$server_bin" --port 70000
expect_usage_error repeated-flag "echo_server: --port given twice" \
  "$server_bin" --port 0 --port=0
expect_usage_error repeated-trace "echo_server: --trace given twice" \
  "$server_bin" --trace --trace
expect_usage_error client-repeated-timeout "echo_client: --timeout given twice" \
  "$client_bin" --port 1 --timeout 1 --timeout 2
expect_usage_error timeout-udp \
  "echo_server: --timeout is for tcp and unix: a datagram handler never waits for its client" \
  "$server_bin" --server udp --timeout 1
expect_status server-foo 2 "$server_bin" --server foo
expect_status poll-interval-abc 2 "$server_bin" --poll-interval abc
expect_status mixin-foo 2 "$server_bin" --mixin foo
expect_status max-children-without-forking 2 "$server_bin" --max-children 3
expect_usage_error stack-size-without-threading "echo_server: --stack-size needs --mixin threading" \
  "$server_bin" --stack-size 256k
expect_usage_error stack-size-1k "echo_server: --stack-size 1k: below the smallest stack a \
thread can have, 16k (PTHREAD_STACK_MIN)" "$server_bin" --mixin threading --stack-size 1k
expect_status stack-size-abc 2 "$server_bin" --mixin threading --stack-size abc
expect_status missing-value 2 "$server_bin" --port
expect_status stray-argument 2 "$server_bin" hello
expect_status trace-with-value 2 "$server_bin" --trace=yes

# A bad address: SocketAddress's own message ("bad address '...': ..."), exit 2.
long_path=/tmp/$(printf 'x%.0s' {1..120}).sock
expect_status long-path 2 "$server_bin" --server unix --path "$long_path"
expect_in long-path "$work/long-path.err" "bad address '$long_path'"
expect_in long-path "$work/long-path.err" "Try 'echo_server --help' for more."
expect_status bad-host 2 "$server_bin" --host ""
expect_in bad-host "$work/bad-host.err" "bad address"

expect_usage_error client-bad-flag "echo_client: unknown flag --bogus" \
  "$client_bin" --port 1 --bogus
expect_status client-no-port 2 "$client_bin" --message x
expect_status client-no-path 2 "$client_bin" --server unix --message x

# --- A client whose server is not there: non-zero, one line on stderr ----------------------

# A port that was free a moment ago: a server's, after it has stopped.
if start_server closed-port; then
  closed_port=${address##*:}
  stop_server closed-port
  for kind in tcp udp; do
    name=client-closed-$kind
    expect_status "$name" nonzero "$client_bin" --server "$kind" --port "$closed_port" \
      --message x --timeout 5
    expect_in "$name" "$work/$name.err" "echo_client: cannot connect to 127.0.0.1:$closed_port"
    lines=$(wc -l <"$work/$name.err")
    ((lines == 1)) || fail "$name: $lines lines on stderr, expected one"
  done
fi
for kind in unix unix-dgram; do
  name=client-missing-$kind
  expect_status "$name" nonzero "$client_bin" --server "$kind" --path "$work/nobody.sock" \
    --message x
  expect_in "$name" "$work/$name.err" "echo_client: cannot connect to $work/nobody.sock"
done

if ((failures > 0)); then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all checks passed"
