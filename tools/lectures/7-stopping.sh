# Lecture 7: stopping a server: shutdown() and its wake-up pipe, signals, SIGPIPE, EINTR
# Page: docs/lectures/7-stopping.md
# Programs: echo_server, echo_client, tests/bench/echo_bench, tests/bench/python_shutdown.py.

lecture() {
  step 7.1 "How long shutdown() takes here: a byte in a wake-up pipe" loose
  run "$bench_bin/echo_bench" --only shutdown --shutdown-reps 10 --cpu none
  grep -q 'C++ TCPServer .* µs ' "$work/last" || unexpected "the C++ shutdown() took ms"
  observe "Microseconds: shutdown() writes a byte into a pipe that serve_forever()'s" \
    "select() watches beside the listening socket, so the loop wakes at once."

  step 7.2 "How long Python's takes: a flag, seen when poll_interval runs out" loose
  run python3 tests/bench/python_shutdown.py --reps 10 --cpu none
  grep -q 'Python .* ms ' "$work/last" || unexpected "Python's shutdown() took under 10 ms"
  observe "Hundreds of milliseconds: up to poll_interval (0.5 s), a quarter second on" \
    "average. Python's loop sees the flag only when its select() times out."

  step 7.3 "The code: shutdown() writes the byte, then waits for the loop to end"
  shell "sed -n '/^void BaseServer::shutdown()/,/^}/p' server/base_server.cc"

  step 7.4 "Signals: SIGINT or SIGTERM, and the server ends the ordinary way"
  start server 1 "$bin/echo_server"
  local server=$pid
  stop "$server" INT
  echo "The server's stderr:"
  indent "$work/server.err"
  ((status == 0)) || unexpected "SIGINT: exit status $status"
  shell "grep -n 'sigwait\|shutdown()' server/serve_until_signal.cc"
  observe "No signal handler: the signals are blocked, and the main thread waits for" \
    "them with sigwait(), then calls shutdown() and server_close(): destructors run."

  step 7.5 "What happens to connected clients: the one being served, the one waiting"
  start server 1 "$bin/echo_server" --trace
  server=$pid
  background a "{ echo first; sleep 3; } | $bin/echo_client --port $port"
  local a=$bg
  wait_for "$work/server.err" '\] handle '
  show "$bin/echo_client" --port "$port" --message second "&"
  timeout 20 "$bin/echo_client" --port "$port" --message second >"$work/b.out" 2>&1 &
  local b=$!
  running+=("$b")
  sleep 0.5 # Client B's connection is in the listen queue at once; this is only for show.
  local t0=$EPOCHREALTIME
  stop "$server"
  echo "(the server took $(since "$t0") s to stop)"
  local a_status=0 b_status=0
  wait "$a" || a_status=$?
  wait "$b" || b_status=$?
  echo "Client A (exit status $a_status):"
  indent "$work/a.out"
  echo "Client B (exit status $b_status):"
  indent "$work/b.out"
  echo "The server's stderr:"
  indent "$work/server.err"
  ((a_status == 0 && b_status != 0)) || unexpected "A: $a_status, B: $b_status"
  observe "shutdown() does not interrupt a handler: the server stopped when client A" \
    "left, 3 s after it connected. Client B was accepted by the kernel, never by the" \
    "server: server_close() closed the listening socket with B in its queue."

  step 7.6 "A second signal ends the stop at once, still cleaning up"
  start server 1 "$bin/echo_server" --grace 60
  server=$pid
  background a "{ echo first; sleep 5; } | $bin/echo_client --port $port"
  wait_for "$work/a.out" first
  show kill -TERM "$server"
  kill -TERM "$server"
  # Wait until serve_until_signal() has taken the first one (no SIGTERM pending), or the two
  # signals could merge into one.
  local deadline=$((SECONDS + 10))
  until (((16#$(sed -n 's/^ShdPnd:\t//p' "/proc/$server/status") & (1 << 14)) == 0)); do
    ((SECONDS < deadline)) || unexpected "the first SIGTERM was not taken"
    sleep 0.05
  done
  stop "$server"
  ((status == 0)) || unexpected "the second SIGTERM: exit status $status"
  observe "The first SIGTERM asked for shutdown() and server_close(), which would wait up to" \
    "--grace 60 s for client A. The second one cut A off at once (abort_requests()), and" \
    "the server still ended cleanly: exit status 0 (docs/reliability.md)."

  step 7.7 "SIGPIPE: what writing to a closed pipe does to an ordinary program"
  shell 'yes | head -n 1; echo "exit statuses: ${PIPESTATUS[*]}"; kill -l 141'
  observe "yes was killed by SIGPIPE (141 = 128 + 13) when head had gone: the default" \
    "action of SIGPIPE. A server killed that way by one client would be gone for all."

  # Loose: the error may be ECONNRESET or EPIPE, depending on when the client's RST arrives.
  step 7.8 "SIGPIPE: the server writes to a client that has gone, and goes on" loose
  start server 1 "$bin/echo_server"
  server=$pid
  shell "seq 100000 >/dev/tcp/127.0.0.1/$port"
  wait_for "$work/server.err" 'ended by the client'
  run "$bin/echo_client" --port "$port" --message "still serving"
  grep -qx 'still serving' "$work/last" || unexpected "the next client was not served"
  stop "$server"
  echo "The server's stderr:"
  indent "$work/server.err"
  grep -Eq 'ended by the client: send: (Connection reset by peer|Broken pipe)$' "$work/server.err" ||
    unexpected "no send() error reported by handle_error()"
  observe "The client sent 100000 lines and closed without reading the echoes. The" \
    "server's send() failed with an error (sent with MSG_NOSIGNAL, no SIGPIPE):" \
    "handle_error() reported it, and the next client was served."

  step 7.9 "EINTR: a signal interrupts a system call; the library calls it again"
  shell "grep -n -B4 -A2 'EINTR' server/select_selector.cc"
  observe "PEP 475's rule, as in Python 3.5 and later: a call interrupted by a signal" \
    "(errno EINTR) is retried, with what is left of its timeout. server/socket_test.cc's" \
    "eintr_test delivers signals to prove it."
}
