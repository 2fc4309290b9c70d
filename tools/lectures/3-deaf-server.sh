# Lecture 3: a synchronous server is deaf: plain, threading and forking servers side by side
# Page: docs/lectures/3-deaf-server.md
# Programs: slow_server, slow_clients.

# three_clients MIXIN: slow_server --delay 1 --mixin MIXIN, and three clients at once. Checks
# when the last one was answered: at 3 s without a mix-in, at about 1 s with one.
three_clients() {
  start server 1 "$bin/slow_server" --delay 1 --mixin "$1"
  local server=$pid last
  run "$bin/slow_clients" --port "$port" --clients 3
  ((status == 0)) || unexpected "slow_clients failed"
  stop "$server"
  last=$(sed -n 's/.* at \([0-9.]*\) s.*/\1/p' "$work/last" | sort -n | tail -n 1)
  if [[ $1 == none ]]; then
    awk -v t="$last" 'BEGIN { exit !(t >= 2.9) }' || unexpected "the last answer at $last s"
  else
    awk -v t="$last" 'BEGIN { exit !(t < 2.5) }' || unexpected "the last answer at $last s"
  fi
}

lecture() {
  step 3.1 "The handler: it sleeps for --delay, then answers"
  shell "sed -n '/\[slow_handler\]/,/\[end\]/p' demo/slow_server.cc"

  step 3.2 "TCPServer (no mix-in): three clients at once"
  three_clients none
  observe "1, 2, 3 s, one pid, one tid: while the server sleeps for one client, the" \
    "others' connections wait in the kernel's listen queue. Nobody reads them."

  step 3.3 "ThreadingMixIn: the same three clients" unordered
  three_clients threading
  observe "All three at about 1 s, three threads of one process: they sleep at once."

  step 3.4 "ForkingMixIn: the same three clients" unordered
  three_clients forking
  observe "All three at about 1 s, three processes (tid = pid in a child)."
}
