# Lecture 4: fileno(), select and poll: several servers in one loop, and what FD_SETSIZE means
# Page: docs/lectures/4-select-poll.md
# Programs: echo_server, echo_client, multi_server.

# The shell command that starts echo_server with descriptors 3 to 1023 taken (by /dev/null),
# so that its listening socket is descriptor 1024.
crowded() {
  echo "ulimit -n 2048; for fd in \$(seq 3 1023); do eval \"exec \$fd</dev/null\"; done; exec $bin/echo_server${*:+ $*}"
}

lecture() {
  step 4.1 "fileno(): a server is a descriptor (and serve_forever() watches two)"
  start server 1 "$bin/echo_server"
  local server=$pid
  shell "ls -l /proc/$server/fd | awk 'NR > 1 { print \$9, \$10, \$11 }'"
  stop "$server"
  observe "0-2: the terminal's (here /dev/null and files). 3: the listening socket," \
    "server.fileno(). 4: /dev/null, the spare descriptor that lets the server turn a" \
    "client away when descriptors run out (docs/reliability.md). 5 and 6: the wake-up pipe" \
    "shutdown() writes to; serve_forever() waits until 3 or 5 is readable."

  if [[ -x $bin/multi_server ]]; then
    step 4.2 "Three servers in one thread: one selector over their fileno()s"
    start multi 3 "$bin/multi_server" --trace --path "$work/multi.sock"
    local tcp udp
    tcp=$(sed -n '1s/.*://p' "$work/multi.out")
    udp=$(sed -n '2s/.*://p' "$work/multi.out")
    run "$bin/echo_client" --port "$tcp" --message "to the TCP server"
    run "$bin/echo_client" --server udp --port "$udp" --message "to the UDP server"
    run "$bin/echo_client" --server unix --path "$work/multi.sock" --message "to the Unix server"
    stop "$pid"
    echo "The server's stderr:"
    indent "$work/multi.err"
    observe "One pid, one tid: the main thread did everything. The 'ready' lines are the" \
      "loop's own: which server's descriptor the selector returned; then it called that" \
      "server's handle_request()."
  fi

  step 4.3 "FD_SETSIZE: select() cannot watch descriptor 1024"
  shell "($(crowded --selector select))"
  ((status == 1)) || unexpected "the select backend took descriptor 1024 (status $status)"
  observe "The listening socket is descriptor 1024 (3-1023 are taken). An fd_set has" \
    "FD_SETSIZE = 1024 bits: FD_SET(1024) would write past its end. SelectSelector" \
    "refuses it with an error instead."

  step 4.4 "poll() has no such limit: the same server, the default selector"
  local typed
  typed=$(crowded)
  echo "\$ (${typed//"$bin"/bazel-bin/demo}) &"
  : >"$work/crowded.out"
  without_inherited bash -c "$typed" >"$work/crowded.out" 2>"$work/crowded.err" &
  pid=$!
  running+=("$pid")
  wait_for "$work/crowded.out" '^listening on '
  cat "$work/crowded.out"
  port=$(sed -n '1s/.*://p' "$work/crowded.out")
  shell "ls -l /proc/$pid/fd | awk '\$9 >= 1023 { print \$9, \$10, \$11 }'"
  run "$bin/echo_client" --port "$port" --message "served through descriptor 1024"
  stop "$pid"
  observe "poll() takes an array of (descriptor, events) pairs: any descriptor number" \
    "works. PollSelector is the default, as in Python; epoll is the exercise."
}
