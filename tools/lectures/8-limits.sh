# Lecture 8: limits: the listen backlog, a thread or a process per connection, descriptors, C10K
# Page: docs/lectures/8-limits.md
# Programs: counter_server, echo_server, echo_client; ss (iproute2), ps.

# states PORT: how many client connections to PORT are in each TCP state.
states() { ss -Htn "dport = :$1" | awk '{ print $1 }' | sort | uniq -c | awk '{ print $1, $2 }'; }
# connections PORT: how many client connections to PORT exist, in any state.
connections() { ss -Htn "dport = :$1" | wc -l; }
# wait_until SECONDS TEST...: runs TEST until it succeeds, for SECONDS at most.
wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || unexpected "still not true after some seconds: $*"
    sleep 0.1
  done
}
# threads PID: the number of threads of process PID.
threads() { sed -n 's/^Threads:\t//p' "/proc/$1/status"; }
# cpu_seconds PID: the CPU time PID has used, user and system, in seconds.
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat"; }

# burst PORT N: N clients at once in the background, each sending one line and keeping its
# connection open for 20 s (they are killed before).
burst() {
  background burst "(for i in \$(seq $2); do { echo hello; sleep 20; } | $bin/echo_client --port $1 & done; wait)"
}

lecture() {
  step 8.1 "request_queue_size 5 (Python's old default): a burst of 20 clients"
  start server 1 "$bin/counter_server" --request-queue-size 5 --delay 30 --increments 1
  local server=$pid
  burst "$port" 20
  # One is being served, 5 + 1 wait in the queue, 13 are still sending SYNs.
  wait_until 10 eval '[[ $(connections '"$port"') == 20 ]]'
  sleep 1 # The queue is full within milliseconds; let any late SYN be dropped too.
  shell "ss -lnt 'sport = :$port'"
  shell "ss -Htn 'dport = :$port' | awk '{ print \$1 }' | sort | uniq -c"
  grep -q '^13 SYN-SENT$' <<<"$(states "$port")" || unexpected "not 13 clients in SYN-SENT"
  stop "$server" KILL
  observe "Send-Q on a listening socket is the backlog, 5; Recv-Q, the connections" \
    "waiting in it: 6 (Linux admits one more). One client is being served (--delay 30:" \
    "the server is deaf meanwhile). The other 13 got no answer to their SYN: the kernel" \
    "drops it while the queue is full, and each client will try again in 1, 3, 7 s..."

  step 8.2 "request_queue_size SOMAXCONN (this library's default): the same burst"
  start server 1 "$bin/counter_server" --delay 30 --increments 1
  server=$pid
  burst "$port" 20
  wait_until 10 eval '[[ $(states '"$port"') == "20 ESTAB" ]]'
  shell "ss -lnt 'sport = :$port'"
  shell "ss -Htn 'dport = :$port' | awk '{ print \$1 }' | sort | uniq -c"
  shell "cat /proc/sys/net/core/somaxconn"
  stop "$server" KILL
  observe "Send-Q is SOMAXCONN (4096 here), Recv-Q 19: every client is connected and" \
    "waits in the queue for its turn, no SYN is dropped."

  step 8.3 "A thread per connection: 20 idle clients, 20 threads"
  start server 1 "$bin/echo_server" --mixin threading
  server=$pid
  burst "$port" 20
  wait_until 10 eval '(($(threads '"$server"') == 22))'
  shell "ps -o pid,nlwp,vsz,rss,comm -p $server"
  end_background
  wait_until 10 eval '(($(threads '"$server"') == 2))'
  shell "ps -o pid,nlwp,vsz,rss,comm -p $server"
  stop "$server"
  observe "NLWP, the number of threads: 2 of its own (main, serve_forever) and one per" \
    "connection, even while the client says nothing. Each has a stack (8 MiB of address" \
    "space, VSZ); when they are gone, 2 again."

  step 8.4 "A process per connection: 20 idle clients, 20 children"
  start server 1 "$bin/echo_server" --mixin forking
  server=$pid
  burst "$port" 20
  wait_until 10 eval '(($(ps -o pid= --ppid '"$server"' | wc -l) == 20))'
  shell "ps -o pid,rss,comm --ppid $server | head -n 4; ps -o pid= --ppid $server | wc -l"
  end_background
  stop "$server"
  observe "20 children, each a process with its own memory (RSS: the pages it touched;" \
    "the rest is shared with the parent until written). docs/benchmark.md measures what" \
    "a thread and a process per connection cost in time."

  step 8.5 "Out of descriptors: ulimit -n 16 and 20 clients"
  echo "\$ (ulimit -n 16; exec bazel-bin/demo/echo_server --mixin threading) &"
  : >"$work/server.out"
  (
    ulimit -n 16
    without_inherited "$bin/echo_server" --mixin threading
  ) >"$work/server.out" 2>"$work/server.err" &
  server=$!
  running+=("$server")
  wait_for "$work/server.out" '^listening on '
  cat "$work/server.out"
  port=$(sed -n '1s/.*://p' "$work/server.out")
  burst "$port" 20
  wait_for "$work/server.err" 'Too many open files'  # The server has turned clients away.
  sleep 1 # Every client has connected; let the server take what it can.
  shell "grep 'open files' /proc/$server/limits; ls /proc/$server/fd | wc -l; ps -o pid,nlwp,comm -p $server"
  shell "ss -lnt 'sport = :$port'"
  local before after
  before=$(cpu_seconds "$server")
  sleep 1
  after=$(cpu_seconds "$server")
  echo "(CPU used by the server in the last second, serving no one: $(awk -v a="$before" \
    -v b="$after" 'BEGIN { printf "%.2f", b - a }') s)"
  end_background
  run "$bin/echo_client" --port "$port" --message "a descriptor is free again"
  stop "$server"
  echo "The server's stderr:"
  indent "$work/server.err"
  observe "Every descriptor the server may have is in use: 0-2, the listening socket, the" \
    "spare, the wake-up pipe, one per connection. accept() fails with EMFILE. Python's loop" \
    "ignores the error, the connection stays queued, and it spins. Here the server frees" \
    "its spare descriptor, accepts the newcomer with it and closes it at once, says so" \
    "once a second, and sleeps: no CPU used. When clients leave, it serves again."

  step 8.6 "Where C10K starts: the limits of this machine"
  shell "ulimit -n; ulimit -Hn; cat /proc/sys/kernel/threads-max /proc/sys/kernel/pid_max"
  observe "Ten thousand connections: ten thousand threads (stacks, scheduling), or" \
    "processes; select() cannot even watch descriptor 1024. An event loop (epoll, one" \
    "thread, non-blocking sockets: libuv, asyncio, Boost.Asio) handles them all in" \
    "one thread. This library blocks in a handler by design: it teaches the pattern."
}
