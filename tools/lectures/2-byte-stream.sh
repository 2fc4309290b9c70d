# Lecture 2: TCP is a byte stream: message boundaries are not kept; lines are
# Page: docs/lectures/2-byte-stream.md
# Programs: login_server, login_client, stammer_proxy.

lecture() {
  step 2.1 "The original's framing, directly: it works (by luck)"
  start legacy 1 "$bin/login_server" --port 0 --mixin none --legacy-framing
  local legacy=$pid legacy_address=$address
  run "$bin/login_client" --port "$port" --legacy-framing --user fan --password 123
  ((status == 0)) || unexpected "the legacy pair failed without the proxy"
  observe "One send() per message, one recv() per message: on a quiet loopback each" \
    "recv() happens to get exactly one send()'s bytes."

  step 2.2 "The same bytes through stammer_proxy, in pieces of 1 to 3 bytes: it fails" loose
  # 10 ms between pieces: the greeting takes a tenth of a second to pass, so the server's
  # first recv() gets only its start however slowly the machine runs.
  start proxy 1 "$bin/stammer_proxy" --to "$legacy_address" --max-chunk 3 --seed 1 \
    --delay-ms 10
  local proxy=$pid
  run "$bin/login_client" --port "$port" --legacy-framing --user fan --password 123
  ((status != 0)) || unexpected "the legacy pair worked through the proxy"
  stop "$proxy"
  stop "$legacy"
  echo "The legacy server's stderr:"
  indent "$work/legacy.err"
  observe "The server took the first piece of the greeting for the whole greeting. A" \
    "recv() returns what has arrived, not what one send() sent."

  step 2.3 "Two messages in one segment (--coalesce): the legacy server fails again"
  start legacy 1 "$bin/login_server" --port 0 --mixin none --legacy-framing
  legacy=$pid
  run "$bin/login_client" --port "$port" --legacy-framing --coalesce --user fan --password 123
  ((status != 0)) || unexpected "the legacy server survived a coalesced greeting"
  stop "$legacy"
  echo "The legacy server's stderr:"
  indent "$work/legacy.err"
  observe "Now one recv() got the greeting and the user name glued together (Nagle's" \
    "algorithm, or a busy sender, does the same)."

  step 2.4 "Lines (rfile.readline()), through the same proxy: it works"
  start fixed 1 "$bin/login_server" --port 0 --mixin none
  local fixed=$pid
  start proxy 1 "$bin/stammer_proxy" --to "$address" --max-chunk 3 --seed 1 --delay-ms 10 \
    --verbose
  proxy=$pid
  run "$bin/login_client" --port "$port" --user fan --password 123
  ((status == 0)) || unexpected "the line-based pair failed through the proxy"
  run "$bin/login_client" --port "$port" --coalesce --user fan --password 123
  ((status == 0)) || unexpected "the line-based pair failed with --coalesce"
  stop "$proxy"
  stop "$fixed"
  echo "The proxy's log (--verbose), its first 6 pieces:"
  grep -- '->' "$work/proxy.err" | head -n 6 | sed 's/^/    /'
  observe "The same pieces, and the coalesced greeting too: readline() collects bytes" \
    "until the newline, however they arrive."

  step 2.5 "One byte at a time (--max-chunk 1): still works"
  start fixed 1 "$bin/login_server" --port 0 --mixin none
  fixed=$pid
  start proxy 1 "$bin/stammer_proxy" --to "$address" --max-chunk 1 --seed 1 --delay-ms 0
  proxy=$pid
  run "$bin/login_client" --port "$port" --user te --password 234
  ((status == 0)) || unexpected "the line-based pair failed one byte at a time"
  stop "$proxy"
  stop "$fixed"
  observe "A protocol over TCP must say where a message ends (a newline, a length" \
    "prefix), and the reader must read until it sees that."
}
