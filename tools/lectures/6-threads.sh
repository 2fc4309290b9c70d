# Lecture 6: threads: shared state and a lock, block_on_close, daemon_threads
# Page: docs/lectures/6-threads.md
# Programs: counter_server, echo_client.

lecture() {
  step 6.1 "The handler: counter += 1, as read, add, write"
  shell "sed -n '/\[counter_handler\]/,/\[end\]/p' demo/counter_server.cc"

  step 6.2 "Eight handlers at once, no lock: updates are lost"
  start server 1 "$bin/counter_server" --mixin threading
  local server=$pid
  clients 8 --port "$port" --message "go"
  stop "$server"
  echo "The server's stdout:"
  indent "$work/server.out"
  local value
  value=$(sed -n 's/^counter: //p' "$work/server.out")
  ((value < 8000)) || unexpected "no update was lost: counter $value"
  observe "8 requests x 1000 increments should make 8000. Two threads read the same value," \
    "both write it plus one: one increment is lost. How many varies from run to run."

  step 6.3 "The same with a mutex around each increment"
  start server 1 "$bin/counter_server" --mixin threading --lock
  server=$pid
  clients 8 --port "$port" --message "go"
  stop "$server"
  echo "The server's stdout:"
  indent "$work/server.out"
  grep -qx 'counter: 8000' "$work/server.out" || unexpected "the locked counter is not 8000"
  observe "8000, every time: one thread at a time between the read and the write."

  step 6.4 "block_on_close (the default): stopping waits for a running handler"
  # --grace 10: the stop waits up to 10 s for handlers still running (2 s unless given).
  start server 1 "$bin/counter_server" --mixin threading --delay 3 --grace 10 --trace
  server=$pid
  show "$bin/echo_client" --port "$port" --message go "&"
  timeout 20 "$bin/echo_client" --port "$port" --message go >"$work/client.out" 2>&1 &
  local client=$!
  running+=("$client")
  wait_for "$work/server.err" '\] handle '
  local t0=$EPOCHREALTIME
  stop "$server"
  echo "(the server took $(since "$t0") s to stop)"
  local client_status=0
  wait "$client" || client_status=$?
  echo "The client's output (exit status $client_status):"
  indent "$work/client.out"
  ((client_status == 0)) || unexpected "the client was not answered"
  observe "SIGTERM came while the handler waited (--delay 3). server_close() waited for" \
    "it: the client got its answer, then the process ended."

  step 6.5 "daemon_threads: the process ends, the handler with it"
  start server 1 "$bin/counter_server" --mixin threading --delay 3 --daemon-threads --trace
  server=$pid
  show "$bin/echo_client" --port "$port" --message go "&"
  timeout 20 "$bin/echo_client" --port "$port" --message go >"$work/client.out" 2>&1 &
  client=$!
  running+=("$client")
  wait_for "$work/server.err" '\] handle '
  t0=$EPOCHREALTIME
  stop "$server"
  echo "(the server took $(since "$t0") s to stop)"
  client_status=0
  wait "$client" || client_status=$?
  echo "The client's output (exit status $client_status):"
  indent "$work/client.out"
  ((client_status != 0)) || unexpected "the client was answered"
  observe "daemon_threads = true, block_on_close = false: nothing waits for the handler." \
    "The process exits at once; the kernel closes the connection, and the client sees" \
    "end of input instead of an answer."
}
