#!/usr/bin/env bash
# demo.sh: the echo demo for a lecture. One command, about ten seconds, ends by itself.
#
# Builds //demo:all, then runs demo/echo_server with --trace and demo/echo_client against it,
# once for each server kind (TCPServer, UDPServer, UnixStreamServer, UnixDatagramServer) and
# once with each mix-in (ThreadingMixIn, ForkingMixIn), showing for each: the commands, the
# client's replies, the server's trace of every request (pid and thread id included), and the
# clean stop on SIGTERM. docs/echo_demo.md says what to point out.
#
# Uses loopback ports the kernel picks (port 0) and Unix sockets under a fresh /tmp/ss-XXXXXX,
# removed at the end.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

rule() { printf '%.0s-' {1..78}; echo; }
heading() {
  echo
  rule
  echo " $*"
  rule
}
# say TEXT...: a remark for the audience, wrapped and set off by a bar.
say() {
  echo
  echo "$*" | fold -s -w 72 | sed -e 's/ *$//' -e 's/^/  | /'
}
# show WORD...: prints a command as one would type it: the programs by their bazel-bin/demo
# path, words with spaces in quotes.
show() {
  local line='$' word
  for word in "$@"; do
    word=${word/#"$bin"/bazel-bin/demo}
    if [[ $word =~ ^[A-Za-z0-9_./:=@%+,-]+$ || $word == "&" ]]; then
      line+=" $word"
    else
      line+=" '$word'"
    fi
  done
  echo "$line"
}

tools/setup.sh
echo "demo: building //demo:all ..."
build_log=$(mktemp)
if ! bazel build //demo:all >"$build_log" 2>&1; then
  cat "$build_log"
  rm -f "$build_log"
  exit 1
fi
rm -f "$build_log"
bin=$(bazel info bazel-bin 2>/dev/null)/demo
server_bin=$bin/echo_server
client_bin=$bin/echo_client

work=$(mktemp -d /tmp/ss-XXXXXX)
server_pid=
cleanup() {
  if [[ -n $server_pid ]]; then kill -KILL "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# start_server FLAGS...: starts echo_server --trace FLAGS... in the background, waits (10 s at
# most) for its "listening on" line, and sets server_pid and address.
start_server() {
  show "$server_bin" "$@" --trace "&"
  : >"$work/server.out"
  : >"$work/server.err"
  "$server_bin" "$@" --trace >"$work/server.out" 2>"$work/server.err" &
  server_pid=$!
  local deadline=$((SECONDS + 10))
  until (($(wc -l <"$work/server.out") >= 1)); do
    if ((SECONDS >= deadline)) || ! kill -0 "$server_pid" 2>/dev/null; then
      echo "demo: the server did not start:"
      cat "$work/server.err"
      exit 1
    fi
    sleep 0.05
  done
  local line
  line=$(head -n 1 "$work/server.out")
  echo "$line"
  address=${line#listening on }
  echo "(server pid $server_pid)"
}

# client_flags KIND: the echo_client flags that reach the server just started. Sets `to`.
client_flags() {
  case $1 in
    tcp | udp) to=(--server "$1" --port "${address##*:}") ;;
    *) to=(--server "$1" --path "$address") ;;
  esac
}

# client KIND MESSAGE...: runs echo_client with one --message per MESSAGE; shows its replies.
client() {
  local kind=$1
  shift
  client_flags "$kind"
  local messages=() m
  for m in "$@"; do messages+=(--message "$m"); done
  echo
  show "$client_bin" "${to[@]}" "${messages[@]}"
  timeout 20 "$client_bin" "${to[@]}" "${messages[@]}"
}

# two_clients KIND: clients A and B at the same time, each sending two lines half a second
# apart, so that a concurrent server has two requests in progress at once.
two_clients() {
  client_flags "$1"
  echo
  local name pids=()
  for name in A B; do
    echo "\$ { echo '$name: first'; sleep 0.5; echo '$name: second'; } |" \
      "$(show "$client_bin" "${to[@]}" | cut -c3-) &"
  done
  for name in A B; do
    { echo "$name: first"; sleep 0.5; echo "$name: second"; } |
      timeout 20 "$client_bin" "${to[@]}" >"$work/client-$name.out" 2>&1 &
    pids+=($!)
  done
  wait "${pids[@]}"
  cat "$work/client-A.out" "$work/client-B.out"
}

# stop_server: SIGTERM, wait, and show the exit status and the server's stderr (its trace).
stop_server() {
  echo
  show kill -TERM "$server_pid"
  kill -TERM "$server_pid"
  local status=0
  wait "$server_pid" || status=$?
  server_pid=
  echo "(exit status $status)"
  echo
  echo "The server's stderr: one trace line per step, [pid P tid T] step client"
  sed 's/^/    /' "$work/server.err"
}

heading "socketserver for C++: the echo demo"
say "echo_server echoes every line (stream servers) or every datagram (datagram servers)." \
  "echo_client sends lines and prints the replies. --trace makes the server report each" \
  "step of each request on stderr: get_request, verify_request, process_request, setup," \
  "handle, finish, shutdown_request, close_request."

heading "1. TCPServer: one request at a time"
start_server --server tcp
client tcp "Hello, socketserver" "a second line" "bye"
stop_server
say "One connection is one request: all three lines went through one handle step." \
  "Every step has the same pid and tid: the server handles one request at a time." \
  "(The tid differs from the pid because serve_forever() runs on a thread of its own;" \
  "the main thread waits in sigwait() for SIGINT or SIGTERM.)"

heading "2. UDPServer: every datagram is a request"
start_server --server udp
client udp "one" "two" "three"
stop_server
say "Three datagrams, three requests: get_request ... close_request three times, each from" \
  "the same client port."

heading "3. UnixStreamServer: a socket file instead of a port"
start_server --server unix --path "$work/echo.sock"
echo
show ls -l "$address"
ls -l "$address"
client unix "over a Unix socket" "same handler as TCP"
stop_server
echo
show ls "$address"
ls "$address" 2>&1 || true
say "The client address prints as (unnamed): a Unix stream client does not bind a path." \
  "server_close() removed the socket file."

heading "4. UnixDatagramServer: the client needs a path of its own"
start_server --server unix-dgram --path "$work/echo-dgram.sock"
client unix-dgram "datagram over a Unix socket" "another one"
stop_server
say "The client address is the client's own socket file (in its own /tmp/ss-XXXXXX):" \
  "without it the server's reply would have nowhere to go."

heading "5. ThreadingMixIn<TCPServer>: a thread per request"
start_server --server tcp --mixin threading
two_clients tcp
stop_server
say "Two 'thread' steps, then setup and handle in two different tids, interleaved: both" \
  "requests were in progress at once, in one process (the same pid)."

heading "6. ForkingMixIn<TCPServer>: a process per request"
start_server --server tcp --mixin forking
two_clients tcp
stop_server
say "The server's process logs fork, then close_request at once: the parent closes its" \
  "copy of the connection and goes back to serve_forever(). setup, handle, finish," \
  "shutdown_request and close_request run in two child processes, each with a pid of its" \
  "own (and tid = pid: a child has only the thread that called fork())."

heading "Done"
echo "Try it by hand, in two terminals (stop the server with Ctrl-C):"
echo "  $(show "$server_bin" --trace)"
echo "  $(show "$client_bin" --port PORT)"
echo "docs/echo_demo.md has every flag and more to try."
