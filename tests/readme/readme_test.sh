#!/usr/bin/env bash
# readme_test: runs the README's example programs, as extracted from README.md by
# extract_example.sh, against each other:
#   - the echo server starts and listens;
#   - the client sends "Hello, socketserver" and prints the reply: the same line;
#   - SIGINT (Ctrl-C) stops the server with exit status 0: serve_until_signal() returned and
#     main() ended normally, destructor included, instead of the process dying of the signal.
#
# Usage (Bazel passes them): readme_test.sh PATH/TO/readme_server PATH/TO/readme_client
# The server listens on 127.0.0.1, port 0 (README_ADDRESS; see readme_address.h).
set -euo pipefail

server_bin=$1
client_bin=$2
work=$(mktemp -d /tmp/ss-XXXXXX)
server_pid=""
cleanup() {
  if [[ -n $server_pid ]]; then kill -KILL "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  if [[ -s $work/server.err ]]; then echo "server's stderr: $(cat "$work/server.err")" >&2; fi
  exit 1
}

# running PID: true while PID runs. One that has exited but is not yet waited for is a zombie
# ("Z" after the command in /proc/PID/stat); once bash has reaped it, /proc/PID is gone.
running() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}

# listening_port PID: the port of PID's listening TCP socket, from /proc (the README's server
# prints nothing), or nothing yet.
listening_port() {
  local fd link inodes=" "
  for fd in /proc/"$1"/fd/*; do
    link=$(readlink "$fd" 2>/dev/null) || continue
    if [[ $link =~ ^socket:\[([0-9]+)\]$ ]]; then inodes+="${BASH_REMATCH[1]} "; fi
  done
  # /proc/net/tcp fields: sl local_address rem_address st ... with the inode 10th;
  # st 0A is LISTEN, and local_address is HEXIP:HEXPORT.
  local sl local_address remote state inode
  while read -r sl local_address remote state _ _ _ _ _ inode _; do
    if [[ $state == 0A && $inodes == *" $inode "* ]]; then
      echo $((16#${local_address#*:}))
      return
    fi
  done < <(tail -n +2 /proc/net/tcp)
}

README_ADDRESS=127.0.0.1:0 "$server_bin" >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
port=""
deadline=$((SECONDS + 60))
while [[ -z $port ]]; do
  running "$server_pid" || fail "the server exited at once"
  ((SECONDS < deadline)) || fail "the server did not listen within 60 s"
  port=$(listening_port "$server_pid")
  [[ -n $port ]] || sleep 0.05
done
echo "ok: the server listens on 127.0.0.1:$port"

status=0
README_ADDRESS="127.0.0.1:$port" timeout 20 "$client_bin" >"$work/client.out" || status=$?
((status == 0)) || fail "the client exited with status $status"
printf 'Hello, socketserver\n' >"$work/expected"
cmp -s "$work/expected" "$work/client.out" ||
  fail "the client printed '$(cat "$work/client.out")', expected 'Hello, socketserver' and a newline"
echo "ok: the client printed the echo of its line"

kill -INT "$server_pid"
status=0
# `timeout` cannot wait for a process it did not start: poll its state with a deadline.
deadline=$((SECONDS + 60))
while running "$server_pid"; do
  ((SECONDS < deadline)) || fail "the server still runs 60 s after SIGINT"
  sleep 0.05
done
wait "$server_pid" || status=$?
server_pid=""
((status == 0)) || fail "exit status $status after SIGINT, expected 0"
echo "ok: SIGINT stopped the server with exit status 0"
