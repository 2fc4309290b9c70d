#!/usr/bin/env bash
# slow_demo_test: the deaf server, visibly. slow_server --delay 1 with 4 clients at once
# (slow_clients):
#   --mixin none:       one thread answers them one after another: the k-th answer comes at
#                       k delays or later (it cannot come sooner: a lower bound only, which a
#                       slow machine cannot break), so the last at 4 s or later;
#   --mixin threading:  four threads of one process answer them together: the first and last
#                       answers are less than 2 delays apart (one after another they would be
#                       at least 3 delays apart);
#   --mixin forking:    four child processes, the same.
# Wide margins both ways: a slow machine cannot make the test fail, a server that answers in
# the wrong way does.
# And the stop: with one client in its --delay 60 (mid-request) and one connected and idle,
# SIGTERM ends every mix-in after --grace 1 (exit 0, the socket file gone, both clients see
# the end); with --grace 3600, a second SIGTERM ends it at once (slow_stop_waits_out_delay
# regression: the delay used to be a plain sleep, which the stop waited out).
#
# Usage (Bazel passes both): slow_demo_test.sh PATH/TO/slow_server PATH/TO/slow_clients
set -euo pipefail
source "$(dirname "$0")/demo_test_lib.sh"
server_bin=$1
clients_bin=$2

# run_clients NAME SERVER_FLAGS...: starts a server with --delay 1, runs 4 clients, stops it.
# Leaves the clients' answer lines in $work/NAME.answers and the server's pid in server_pid.
run_clients() {
  local name=$1
  shift
  start "$name" 1 "$server_bin" --delay 1 "$@" || return 1
  server_pid=$pid
  local to=(--port "${address##*:}")
  [[ $address == /* ]] && to=(--server unix --path "$address")
  expect_status "$name-clients" 0 "$clients_bin" "${to[@]}" --clients 4
  stop "$name"
  grep '^client ' "$work/$name-clients.out" >"$work/$name.answers" || true
  local count
  count=$(wc -l <"$work/$name.answers")
  ((count == 4)) || fail "$name: $count answers, expected 4: $(cat "$work/$name-clients.out")"
}

# field N FILE: the Nth field of each answer line, "client 2 answered by pid P tid T at 1.00 s".
field() { awk -v n="$1" '{ print $n }' "$2"; }
distinct() { sort -u | wc -l; }

# One after another.
if run_clients none --mixin none; then
  # The k-th answer cannot come before k delays: the server sleeps 1 s per request, one
  # request after another. A lower bound only, so a slow machine cannot break it.
  awk '$10 < NR - 0.01 { bad = 1; print "answer " NR " at " $10 " s" } END { exit bad }' \
    "$work/none.answers" >"$work/none.early" ||
    fail "none: an answer came before its turn: $(cat "$work/none.early")"
  (($(field 6 "$work/none.answers" | distinct) == 1)) || fail "none: answered by several pids"
  (($(field 8 "$work/none.answers" | distinct) == 1)) || fail "none: answered by several threads"
  echo "ok: none, one after another: $(field 10 "$work/none.answers" | tr '\n' ' ')"
fi

# All at once: check_together NAME PID_FIELD_COUNT TID_FIELD_COUNT.
check_together() {
  local name=$1
  awk 'NR == 1 { first = $10 } { last = $10 } END { exit !(last - first < 2) }' \
    "$work/$name.answers" ||
    fail "$name: answers spread over 2 delays or more: $(cat "$work/$name.answers")"
  awk '{ exit !($10 >= 1) }' "$work/$name.answers" ||
    fail "$name: an answer before the delay had passed: $(cat "$work/$name.answers")"
  (($(field 6 "$work/$name.answers" | distinct) == $2)) ||
    fail "$name: expected $2 distinct pid(s): $(cat "$work/$name.answers")"
  (($(field 8 "$work/$name.answers" | distinct) == $3)) ||
    fail "$name: expected $3 distinct tid(s): $(cat "$work/$name.answers")"
  echo "ok: $name, together: $(field 10 "$work/$name.answers" | tr '\n' ' ')"
}
if run_clients threading --mixin threading; then check_together threading 1 4; fi
if run_clients forking --mixin forking; then
  check_together forking 4 4
  if field 6 "$work/forking.answers" | grep -qx "$server_pid"; then
    fail "forking: a request answered by the server's own process"
  fi
fi
if run_clients unix-threading --server unix --mixin threading --stack-size 64k; then
  check_together unix-threading 1 4
fi

# slow_stop_waits_out_delay regression.
for mixin in none threading forking; do
  name=stop-$mixin
  failures_before=$failures
  start "$name" 1 "$server_bin" --server unix --path "$work/$name.sock" --mixin "$mixin" \
    --delay 60 --grace 1 --trace || continue
  hold "$name-busy" unix "$address" $'go\n'
  wait_for "$name: request handled" grep -q "] handle " "$work/$name.err"
  hold "$name-idle" unix "$address"
  timed_stop "$name"
  ((took >= 900)) || fail "$name: stopped after $took ms, before the grace period was over"
  ((took < 6000)) || fail "$name: stopped after $took ms, expected --grace 1 and a margin"
  for client in busy idle; do
    wait_for "$name: $client client sees the end" grep -q eof "$work/$name-$client.hold"
  done
  [[ ! -e $address ]] || fail "$name: socket file $address left behind"
  if ((failures == failures_before)); then echo "ok: $name (stopped in $took ms)"; fi
done
for mixin in none threading; do
  name=second-signal-$mixin
  failures_before=$failures
  start "$name" 1 "$server_bin" --mixin "$mixin" --delay 60 --grace 3600 --trace || continue
  hold "$name-busy" tcp "$address" $'go\n'
  wait_for "$name: request handled" grep -q "] handle " "$work/$name.err"
  kill -TERM "$pid"
  # Signals of one kind merge while pending: send the second once the first is taken.
  wait_for "$name: first SIGTERM taken" sigterm_taken "$pid"
  timed_stop "$name"
  ((took < 5000)) || fail "$name: stopped $took ms after the second signal"
  wait_for "$name: client sees the end" grep -q eof "$work/$name-busy.hold"
  if ((failures == failures_before)); then echo "ok: $name (stopped in $took ms)"; fi
done

# --timeout: a client that never sends its line holds a plain server only that long.
name=timeout
failures_before=$failures
if start "$name" 1 "$server_bin" --delay 0.1 --timeout 0.5 --trace; then
  hold "$name-silent" tcp "$address"
  wait_for "$name: request handled" grep -q "] handle " "$work/$name.err"
  expect_status "$name-after" 0 "$clients_bin" --port "${address##*:}" --clients 1
  wait_for "$name: silent client dropped" grep -q eof "$work/$name-silent.hold"
  stop "$name"
  if ((failures == failures_before)); then echo "ok: $name"; fi
fi

# Command lines.
check_flags slow_server "$server_bin"
check_flags slow_clients "$clients_bin" --port 1
expect_status slow-server-udp 2 "$server_bin" --server udp
expect_status slow-server-delay-0 2 "$server_bin" --delay 0
expect_status slow-clients-101 2 "$clients_bin" --port 1 --clients 101
expect_status slow-clients-no-port 2 "$clients_bin"
if start closed 1 "$server_bin"; then
  closed_port=${address##*:}
  stop closed
  expect_status slow-clients-refused 1 "$clients_bin" --port "$closed_port"
  expect_in slow-clients-refused "$work/slow-clients-refused.err" "cannot connect to"
fi
finish
