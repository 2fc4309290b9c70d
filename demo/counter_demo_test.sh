#!/usr/bin/env bash
# counter_demo_test: demo/counter_server shows what the lectures on threads and processes say:
#   - ThreadingMixIn without --lock loses updates (8 clients at once, 1000 increments each:
#     the final counter is below 8000); with --lock it loses none (exactly 8000);
#   - ForkingMixIn: every child adds to its own copy, so the parent's counter stays 0, and
#     reports it on a line of its own (mixed_report_lines regression);
#   - --daemon-threads: SIGTERM ends the process while a handler is still waiting (--delay),
#     and its client gets no answer; without it the server waits and the client is answered;
#   - the stop cuts a --delay short when --grace is over: --delay 60 --grace 1 ends within
#     seconds, exit 0, the client gets no answer (counter_stop_waits_out_delay regression);
#   - a bad flag: one line and a hint, exit 2.
#
# Usage (Bazel passes both): counter_demo_test.sh PATH/TO/counter_server PATH/TO/echo_client
# Loopback, port 0; every wait has a deadline and every client runs under `timeout`.
set -euo pipefail

server_bin=$1
client_bin=$2
work=$(mktemp -d /tmp/ss-XXXXXX)
started=()
failures=0
cleanup() {
  local pid
  for pid in "${started[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# start NAME FLAGS...: counter_server FLAGS... in the background; waits (10 s at most) for its
# first line. Sets pid and port.
start() {
  local name=$1
  shift
  : >"$work/$name.out"
  "$server_bin" "$@" >"$work/$name.out" 2>"$work/$name.err" &
  pid=$!
  started+=("$pid")
  local deadline=$((SECONDS + 10))
  while (($(wc -l <"$work/$name.out") < 1)); do
    ((SECONDS < deadline)) || { fail "$name did not start: $(cat "$work/$name.err")"; return 1; }
    sleep 0.05
  done
  port=$(sed -n '1s/.*://p' "$work/$name.out")
}

# stop NAME: SIGTERM; waits (10 s at most); sets value to the server's "counter: N".
stop() {
  local name=$1 waited=0
  kill -TERM "$pid"
  while kill -0 "$pid" 2>/dev/null && [[ $(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null) != Z ]] &&
    ((waited < 200)); do
    sleep 0.05
    waited=$((waited + 1))
  done
  local status=0
  wait "$pid" || status=$?
  ((status == 0)) || fail "$name exited with status $status"
  value=$(sed -n 's/^counter: //p' "$work/$name.out")
}

# clients N: N echo_clients at once, each sending one line; fails unless every one answered.
clients() {
  local i pids=()
  for ((i = 1; i <= $1; i++)); do
    timeout 20 "$client_bin" --port "$port" --message go >"$work/client-$i.out" 2>&1 &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || fail "client $((i + 1)) failed: $(cat "$work/client-$((i + 1)).out")"
    [[ $(cat "$work/client-$((i + 1)).out") == go ]] ||
      fail "client $((i + 1)): unexpected reply $(cat "$work/client-$((i + 1)).out")"
  done
}

start no-lock --mixin threading
clients 8
stop no-lock
((value < 8000)) || fail "threading without --lock: counter $value, expected lost updates"

start lock --mixin threading --lock
clients 8
stop lock
((value == 8000)) || fail "threading with --lock: counter $value, expected 8000"

start forking --mixin forking
clients 8
stop forking
((value == 0)) || fail "forking: the parent's counter is $value, expected 0"
# mixed_report_lines regression: a child's "[pid P] counter N after my increments" used to
# reach stderr in five writes, so children finishing together could mix their lines. Each
# child counts from 0 to 1000 in its own copy, and reports it on one whole line.
whole=$(grep -cxE '\[pid [0-9]+\] counter 1000 after my increments' "$work/forking.err" || true)
((whole == 8)) || fail "forking: $whole whole report lines, expected 8: $(cat "$work/forking.err")"

# A handler waiting 3 s; SIGTERM while it waits. The client's reply tells who waited.
for mode in block daemon; do
  # --grace 10: longer than the handler's wait, so that block_on_close waits for it in full.
  flags=(--mixin threading --delay 3 --trace --grace 10)
  [[ $mode == daemon ]] && flags+=(--daemon-threads)
  start "$mode" "${flags[@]}"
  timeout 20 "$client_bin" --port "$port" --message go --timeout 10 >"$work/$mode-client.out" 2>&1 &
  client=$!
  deadline=$((SECONDS + 10))
  # The trace's "handle" line: the handler has started its 3 s wait.
  until grep -q '] handle ' "$work/$mode.err"; do
    ((SECONDS < deadline)) || { fail "$mode: the handler did not start"; break; }
    sleep 0.05
  done
  stop "$mode"
  client_status=0
  wait "$client" || client_status=$?
  if [[ $mode == block ]]; then
    ((client_status == 0)) || fail "block_on_close: the client got no answer: $(cat "$work/$mode-client.out")"
  else
    ((client_status != 0)) || fail "daemon_threads: the client was answered after the server stopped"
  fi
done

# counter_stop_waits_out_delay regression: the delay used to be a plain sleep, which the stop
# waited out in full whatever --grace said.
for mixin in none threading; do
  name=grace-$mixin
  start "$name" --mixin "$mixin" --delay 60 --grace 1 --trace || continue
  timeout 20 "$client_bin" --port "$port" --message go --timeout 30 >"$work/$name-client.out" 2>&1 &
  client=$!
  deadline=$((SECONDS + 10))
  until grep -q '] handle ' "$work/$name.err"; do
    ((SECONDS < deadline)) || { fail "$name: the handler did not start"; break; }
    sleep 0.05
  done
  begin=$(date +%s%N)
  stop "$name"
  took=$((($(date +%s%N) - begin) / 1000000))
  ((took >= 900 && took < 6000)) || fail "$name: stopped after $took ms, expected --grace 1"
  client_status=0
  wait "$client" || client_status=$?
  ((client_status != 0 && client_status != 124)) ||
    fail "$name: client exit status $client_status, expected a failure (no answer)"
  if ((failures == 0)); then echo "ok: $name (stopped in $took ms)"; fi
done

# --timeout: a client that never sends its line holds a plain server only that long.
if start timeout --mixin none --timeout 0.5 --trace; then
  timeout 20 python3 -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(15)
sys.exit(0 if s.recv(1) == b"" else 1)' "$port" &
  silent=$!
  deadline=$((SECONDS + 10))
  until grep -q '] handle ' "$work/timeout.err"; do
    ((SECONDS < deadline)) || { fail "timeout: the handler did not start"; break; }
    sleep 0.05
  done
  timeout 20 "$client_bin" --port "$port" --message after >"$work/timeout-client.out" 2>&1 ||
    fail "timeout: the next client was not served: $(cat "$work/timeout-client.out")"
  wait "$silent" || fail "timeout: the silent client was not closed"
  stop timeout
  if ((failures == 0)); then echo "ok: timeout"; fi
fi

status=0
"$server_bin" --daemon-threads >"$work/bad.out" 2>&1 || status=$?
((status == 2)) || fail "--daemon-threads without --mixin threading: exit $status, expected 2"
grep -q "Try 'counter_server --help'" "$work/bad.out" || fail "no hint after a bad flag"

if ((failures > 0)); then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all checks passed"
