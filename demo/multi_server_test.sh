#!/usr/bin/env bash
# multi_server_test: one multi_server answers on all three of its servers (TCP, UDP, Unix
# stream), with each selector, and all in one process and one thread (--trace shows the pid
# and tid of each step: one pair only). SIGTERM ends it with exit 0 and removes its socket
# file; --help works and a bad flag exits 2.
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

check_flags multi_server "$server_bin"
expect_status multi-selector-foo 2 "$server_bin" --selector foo
expect_status multi-port-70000 2 "$server_bin" --tcp-port 70000
expect_status multi-bad-host 2 "$server_bin" --host ""
finish
