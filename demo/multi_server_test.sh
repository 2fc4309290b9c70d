#!/usr/bin/env bash
# multi_server_test: one multi_server answers on all three of its servers (TCP, UDP, Unix
# stream), with each selector, and all in one process and one thread (--trace shows the pid
# and tid of each step: one pair only). SIGTERM ends it with exit 0 and removes its socket
# file, within --grace while a client holds the loop (a second signal: at once); --help works
# and a bad flag exits 2.
#
# Usage (Bazel passes both): multi_server_test.sh PATH/TO/multi_server PATH/TO/echo_client
set -euo pipefail
source "$(dirname "$0")/demo_test_lib.sh"
server_bin=$1
client_bin=$2

for selector in poll select; do
  name=multi-$selector
  start "$name" 3 "$server_bin" --selector "$selector" --trace --path "$work/$name.sock" ||
    continue
  mapfile -t lines <"$work/$name.out"
  tcp=${lines[0]#listening on }
  udp=${lines[1]#listening on }
  unix=${lines[2]#listening on }
  [[ $unix == "$work/$name.sock" ]] || fail "$name: third line is '${lines[2]}'"
  # Twice round, in two orders, so that each server answers after another one has.
  for round in 1 2; do
    expect_status "$name-tcp-$round" 0 "$client_bin" --port "${tcp##*:}" --message "tcp $round"
    expect_status "$name-udp-$round" 0 "$client_bin" --server udp --port "${udp##*:}" \
      --message "udp $round"
    expect_status "$name-unix-$round" 0 "$client_bin" --server unix --path "$unix" \
      --message "unix $round"
    for kind in tcp udp unix; do
      [[ $(cat "$work/$name-$kind-$round.out") == "$kind $round" ]] ||
        fail "$name: $kind answered '$(cat "$work/$name-$kind-$round.out")'"
    done
  done
  stop "$name"
  [[ ! -e $unix ]] || fail "$name: socket file $unix left behind"
  for kind in tcp udp unix; do
    count=$(grep -c "] ready: $kind " "$work/$name.err" || true)
    ((count == 2)) || fail "$name: $count 'ready: $kind' lines, expected 2"
  done
  threads=$(grep -o '^\[pid [0-9]* tid [0-9]*\]' "$work/$name.err" | sort -u | wc -l)
  ((threads == 1)) || fail "$name: steps ran in $threads pid/tid pairs, expected one"
  expect_in "$name" "$work/$name.err" "] handle "
done

# The default socket file: in a new /tmp/ss-XXXXXX folder, which goes with the server.
if start default-path 3 "$server_bin"; then
  path=$(sed -n '3s/^listening on //p' "$work/default-path.out")
  [[ $path =~ ^/tmp/ss-[A-Za-z0-9]{6}/multi\.sock$ ]] || fail "default-path: '$path'"
  stop default-path INT
  [[ ! -e ${path%/*} ]] || fail "default-path: folder ${path%/*} left behind"
fi

# multi_stop_never_ends regression: the loop is inside one client's request (idle on TCP, or
# half a line on Unix), the other stream server has a client waiting in its queue, the UDP
# server a datagram. SIGTERM ends it after --grace 1 (not --timeout 30), exit 0, the handled
# client sees end of input, the waiting one end of input or a reset, the socket file is gone.
for first in tcp unix; do
  name=held-$first
  failures_before=$failures
  start "$name" 3 "$server_bin" --grace 1 --timeout 30 --trace --path "$work/$name.sock" ||
    continue
  mapfile -t lines <"$work/$name.out"
  tcp=${lines[0]#listening on }
  udp=${lines[1]#listening on }
  unix=${lines[2]#listening on }
  if [[ $first == tcp ]]; then
    hold "$name-tcp" tcp "$tcp"  # Idle.
    wait_for "$name: tcp request handled" grep -q "] handle " "$work/$name.err"
    hold "$name-unix" unix "$unix" "half a li"
  else
    hold "$name-unix" unix "$unix" "half a li"
    wait_for "$name: unix request handled" grep -q "] handle " "$work/$name.err"
    hold "$name-tcp" tcp "$tcp"
  fi
  python3 -c 'import socket, sys; h, p = sys.argv[1].rsplit(":", 1)
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"queued\n", (h, int(p)))' "$udp"
  timed_stop "$name"
  ((took >= 900)) || fail "$name: stopped after $took ms, before the grace period was over"
  ((took < 6000)) || fail "$name: stopped after $took ms, expected --grace 1 and a margin"
  for kind in tcp unix; do
    wait_for "$name: $kind client sees the end" grep -q eof "$work/$name-$kind.hold"
  done
  [[ ! -e $unix ]] || fail "$name: socket file $unix left behind"
  expect_in "$name" "$work/$name.err" "multi_server: SIGTERM, shutting down"
  if ((failures == failures_before)); then echo "ok: $name (stopped in $took ms)"; fi
done

# A second signal ends the stop at once (the grace period is an hour), cleaning up all the same.
name=second-signal
failures_before=$failures
if start "$name" 3 "$server_bin" --grace 3600 --timeout 3600 --trace; then
  unix=$(sed -n '3s/^listening on //p' "$work/$name.out")
  hold "$name-unix" unix "$unix"
  wait_for "$name: unix request handled" grep -q "] handle " "$work/$name.err"
  kill -TERM "$pid"
  # Signals of one kind merge while pending: send the second once the first is taken.
  wait_for "$name: first SIGTERM taken" sigterm_taken "$pid"
  timed_stop "$name"
  ((took < 5000)) || fail "$name: stopped $took ms after the second signal"
  wait_for "$name: client sees the end" grep -q eof "$work/$name-unix.hold"
  [[ ! -e ${unix%/*} ]] || fail "$name: folder ${unix%/*} left behind"
  if ((failures == failures_before)); then echo "ok: $name (stopped in $took ms)"; fi
fi

# --timeout: a silent TCP client holds the loop only that long; then the UDP server answers.
name=timeout
failures_before=$failures
if start "$name" 3 "$server_bin" --timeout 0.5 --trace; then
  mapfile -t lines <"$work/$name.out"
  hold "$name-tcp" tcp "${lines[0]#listening on }"
  wait_for "$name: tcp request handled" grep -q "] handle " "$work/$name.err"
  wait_for "$name: silent client dropped" grep -q eof "$work/$name-tcp.hold"
  udp=${lines[1]#listening on }
  expect_status "$name-udp" 0 "$client_bin" --server udp --port "${udp##*:}" --message after
  [[ $(cat "$work/$name-udp.out") == after ]] || fail "$name: udp answered '$(cat "$work/$name-udp.out")'"
  stop "$name"
  expect_in "$name" "$work/$name.err" "Connection timed out"
  if ((failures == failures_before)); then echo "ok: $name"; fi
fi

check_flags multi_server "$server_bin"
expect_status multi-selector-foo 2 "$server_bin" --selector foo
expect_status multi-port-70000 2 "$server_bin" --tcp-port 70000
expect_status multi-bad-host 2 "$server_bin" --host ""
expect_status multi-grace-0 2 "$server_bin" --grace 0
expect_status multi-timeout-x 2 "$server_bin" --timeout x
finish
