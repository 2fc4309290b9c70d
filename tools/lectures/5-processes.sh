# Lecture 5: processes: fork, a zombie in ps, max_children, state that does not come back
# Page: docs/lectures/5-processes.md
# Programs: echo_server, echo_client, counter_server.

# children PID: ps's line for each child of PID (none: no output).
children() { ps -o pid,stat,cmd --ppid "$1" | tail -n +2; }

lecture() {
  step 5.1 "ForkingMixIn: a process per request" unordered
  start server 1 "$bin/echo_server" --mixin forking --trace
  local server=$pid
  clients 2 --port "$port" --message "hello"
  stop "$server"
  echo "The server's stderr:"
  indent "$work/server.err"
  (($(grep -c '] fork ' "$work/server.err") == 2)) || unexpected "not two forks"
  observe "The parent (the first pid) traces fork and close_request: it closes its copy of" \
    "the connection at once. setup ... close_request run in two other pids, the children."

  step 5.2 "A finished child is a zombie until the parent reaps it"
  start server 1 "$bin/echo_server" --mixin forking --poll-interval 4
  server=$pid
  run "$bin/echo_client" --port "$port" --message "one request, one child"
  local deadline=$((SECONDS + 3))
  until children "$server" | grep -q '^ *[0-9]* Z'; do
    ((SECONDS < deadline)) || unexpected "no zombie child of $server: $(children "$server")"
    sleep 0.05
  done
  show ps -o pid,stat,cmd --ppid "$server"
  ps -o pid,stat,cmd --ppid "$server"
  deadline=$((SECONDS + 10))
  while [[ -n $(children "$server") ]]; do
    ((SECONDS < deadline)) || unexpected "the zombie was not reaped within 10 s"
    sleep 0.1
  done
  echo "(a few seconds later, after the loop's next turn)"
  show ps -o pid,stat,cmd --ppid "$server"
  ps -o pid,stat,cmd --ppid "$server" || true
  stop "$server"
  observe "Z: the child has exited, its exit status waits for the parent's waitpid()." \
    "service_actions() reaps it on the loop's next turn (every --poll-interval, 4 s," \
    "when idle); then ps shows no child at all."

  step 5.3 "max_children: at most 2 children; the third client waits"
  start server 1 "$bin/counter_server" --mixin forking --max-children 2 --delay 2 \
    --increments 1
  server=$pid
  clients 3 --port "$port" --message "go" --timeout 10
  stop "$server"
  local times
  times=$(cat "$work"/client-{1,2,3}.time | sort -n)
  awk -v t="$(echo "$times" | tail -n 1)" 'BEGIN { exit !(t >= 3.5) }' ||
    unexpected "the third client was answered within 3.5 s: $times"
  observe "Two clients answered after about 2 s; the third after about 4: with two" \
    "children running, process_request() waits for one to exit before it forks again."

  step 5.4 "State does not come back from a child" unordered
  start server 1 "$bin/counter_server" --mixin forking
  server=$pid
  clients 3 --port "$port" --message "go"
  stop "$server"
  echo "The server's stderr, then its stdout:"
  indent "$work/server.err"
  indent "$work/server.out"
  grep -qx 'counter: 0' "$work/server.out" || unexpected "the parent's counter is not 0"
  observe "Each child added 1000 to its own copy of the counter, starting from 0: it was" \
    "0 when the parent forked. The parent's own counter, printed last, is still 0."
}
