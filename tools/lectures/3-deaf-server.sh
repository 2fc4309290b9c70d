# Lecture 3: a synchronous server is deaf: plain, threading and forking servers side by side
# Page: docs/lectures/3-deaf-server.md
# Programs: slow_server, slow_clients.

lecture() {
  step 3.1 "The handler: it sleeps for --delay, then answers"
  shell "sed -n '/\[slow_handler\]/,/\[end\]/p' demo/slow_server.cc"

  local n=2 mixin times
  for mixin in none threading forking; do
    case $mixin in
      none) step 3.$n "TCPServer (no mix-in): three clients at once" ;;
      threading) step 3.$n "ThreadingMixIn: the same three clients" unordered ;;
      forking) step 3.$n "ForkingMixIn: the same three clients" unordered ;;
    esac
    start server 1 "$bin/slow_server" --delay 1 --mixin "$mixin"
    local server=$pid
    run "$bin/slow_clients" --port "$port" --clients 3
    ((status == 0)) || unexpected "slow_clients failed"
    stop "$server"
    times=$(sed -n 's/.* at \([0-9.]*\) s.*/\1/p' "$work/last" | sort -n | tail -n 1)
    if [[ $mixin == none ]]; then
      awk -v t="$times" 'BEGIN { exit !(t >= 2.9) }' || unexpected "the last answer at $times s"
      observe "1, 2, 3 s, one pid, one tid: while the server sleeps for one client, the" \
        "others' connections wait in the kernel's listen queue. Nobody reads them."
    else
      awk -v t="$times" 'BEGIN { exit !(t < 2.5) }' || unexpected "the last answer at $times s"
      observe "All three at about 1 s: three threads of one process (threading), or" \
        "three processes (forking), sleep at the same time."
    fi
    n=$((n + 1))
  done
}
