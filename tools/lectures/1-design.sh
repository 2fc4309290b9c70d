# Lecture 1: the module's design: the template method and its hooks, shown by --trace
# Page: docs/lectures/1-design.md
# Programs: echo_server, echo_client, login_server, login_client.

lecture() {
  step 1.1 "One request, every hook"
  start server 1 "$bin/echo_server" --trace
  run "$bin/echo_client" --port "$port" --message "hello" --message "second line"
  stop "$pid"
  echo "The server's stderr:"
  indent "$work/server.err"
  grep -q '] process_request ' "$work/server.err" || unexpected "no process_request in the trace"
  observe "get_request, verify_request, process_request: the server's template method." \
    "setup, handle, finish: the handler's. Then shutdown_request and close_request."

  step 1.2 "The template method itself: handle_request_noblock() calls the hooks in order"
  shell "sed -n '/\[handle_request_noblock\]/,/\[end\]/p' server/base_server.cc"
  observe "The same order as the trace: the code the trace came from."

  step 1.3 "The handler's template method: run() calls setup, handle, finish"
  shell "sed -n '/\[run\]/,/\[end\]/p' handlers/base_request_handler.h"

  step 1.4 "Override one hook: verify_request says no"
  start server 1 "$bin/login_server" --port 0 --mixin none --allow 10.0.0.0/8 --trace
  run "$bin/login_client" --port "$port" --user fan --password 123
  ((status != 0)) || unexpected "login_client got in past --allow 10.0.0.0/8"
  stop "$pid"
  echo "The server's stderr:"
  indent "$work/server.err"
  grep -q '] process_request ' "$work/server.err" && unexpected "a refused client was processed"
  observe "verify_request returned false: no process_request, no handler; the loop goes" \
    "straight to shutdown_request and close_request."

  step 1.5 "A mix-in overrides one hook: ThreadingMixIn's process_request" unordered
  start server 1 "$bin/echo_server" --mixin threading --trace
  run "$bin/echo_client" --port "$port" --message "hello"
  stop "$pid"
  echo "The server's stderr:"
  indent "$work/server.err"
  grep -q '] thread ' "$work/server.err" || unexpected "no thread step in the trace"
  observe "Same steps, one more: 'thread'. From setup on, the tid is another one: the" \
    "request runs on a thread of its own; the loop's thread went back to waiting."

  step 1.6 "Another server, the same method: UDPServer's get_request is recvfrom()"
  start server 1 "$bin/echo_server" --server udp --trace
  run "$bin/echo_client" --server udp --port "$port" --message "one" --message "two"
  stop "$pid"
  echo "The server's stderr:"
  indent "$work/server.err"
  observe "Each datagram is a request of its own: the whole sequence twice."
}
