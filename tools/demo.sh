#!/usr/bin/env bash
# demo.sh: the lecture demos. With no argument, a narrated tour that needs no input and ends
# by itself (about half a minute once built; README.md says how long, measured):
#
#   1. login    the course's login session, done right (login_server, login_client)
#   2. deaf     a server without a mix-in answers one client after another; threading and
#               forking servers answer them all at once (slow_server, slow_clients)
#   3. trace    every server kind with --trace, each step explained in one line, and which
#               process and thread did what (echo_server, echo_client)
#   4. framing  the original's framing bug: fine on a quiet loopback, broken through a proxy
#               that forwards in small pieces; the line-based version is not (stammer_proxy)
#   5. multi    a TCP, a UDP and a Unix stream server in one thread (multi_server)
#   6. zombie   a forking server's finished child, seen in ps as a zombie until it is reaped
#
#   tools/demo.sh                 builds //demo:all (Bazel's progress shown), runs the tour
#   tools/demo.sh CHAPTER         builds, runs one chapter (login, deaf, ...)
#   tools/demo.sh PROGRAM [ARGS]  builds and runs one demo program: slow_server --help, ...
#   tools/demo.sh --list          the programs and the chapters, a line each
#   tools/demo.sh --bin DIR ...   uses the programs already built in DIR, builds nothing (the
#                                 tour's test runs it this way: Bazel cannot run in a test)
#
# Every program listens on loopback ports the kernel picks (port 0) or on Unix sockets under a
# fresh /tmp/ss-XXXXXX, removed at the end; every wait has a deadline. When something does
# not happen as narrated, the tour says so and exits 1. The docs/ page of each program says
# what to point out.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# --- What there is ---------------------------------------------------------------------

programs=(echo_server echo_client login_server login_client slow_server slow_clients
  stammer_proxy multi_server counter_server)
declare -A about=(
  [echo_server]="echoes lines or datagrams; any of the twelve servers (--server, --mixin)"
  [echo_client]="sends lines to echo_server and prints the replies"
  [login_server]="the course's login server, done right (--legacy-framing: the original's)"
  [login_client]="logs in to login_server (--user, --password, or at the prompts)"
  [slow_server]="a handler that takes --delay seconds: the deaf server without a mix-in"
  [slow_clients]="starts N clients at once and prints when each one was answered"
  [stammer_proxy]="forwards a connection both ways in small random pieces"
  [multi_server]="a TCP, a UDP and a Unix stream server in one thread, one selector"
  [counter_server]="one counter all handlers share: lost updates, a lock, a child's copy"
)
chapters=(login deaf trace framing multi zombie)
declare -A chapter_about=(
  [login]="the course's login session, done right, and a wrong password"
  [deaf]="slow_server without a mix-in, then with threading and forking: answer times"
  [trace]="every server kind with --trace: each step, and which process and thread"
  [framing]="the original's recv() framing breaks through stammer_proxy; lines do not"
  [multi]="three servers in one thread: one selector, handle_request() on the ready one"
  [zombie]="a forking server's finished child in ps: state Z, until the loop reaps it"
)

usage() {
  cat <<'EOF'
usage: tools/demo.sh [--bin DIR] [CHAPTER | PROGRAM [ARGS...]]
       tools/demo.sh --list

Without an argument: builds the demos and runs the narrated tour (ends by itself).
CHAPTER runs one part of the tour; PROGRAM runs one demo program with ARGS.
--bin DIR uses the programs already built in DIR instead of building them.
EOF
}

list() {
  local name
  echo "Programs (tools/demo.sh PROGRAM [ARGS], e.g. tools/demo.sh slow_server --help):"
  for name in "${programs[@]}"; do printf '  %-14s %s\n' "$name" "${about[$name]}"; done
  echo "Chapters of the tour (tools/demo.sh CHAPTER; all of them, in this order, without one):"
  for name in "${chapters[@]}"; do printf '  %-14s %s\n' "$name" "${chapter_about[$name]}"; done
}

# --- Output ----------------------------------------------------------------------------

rule() {
  printf '%.0s-' {1..78}
  echo
}
heading() {
  echo
  rule
  echo " $*"
  rule
}
# say TEXT...: a remark for the audience, wrapped and set off by a bar.
say() {
  echo
  echo "$*" | fold -s -w 72 | sed -e 's/ *$//' -e 's/^/  | /'
}
# show WORD...: a command as one would type it, the programs by their bazel-bin/demo path.
show() {
  local line='$' word
  for word in "$@"; do
    word=${word/#"$bin"/bazel-bin/demo}
    if [[ $word =~ ^[A-Za-z0-9_./:=@%+,-]+$ || $word == "&" ]]; then
      line+=" $word"
    else
      line+=" '$word'"
    fi
  done
  echo "$line"
}
# unexpected MESSAGE: the tour did not go as narrated; stop with exit status 1.
unexpected() {
  echo
  echo "demo: unexpected: $*" >&2
  exit 1
}

# --- Running the programs ----------------------------------------------------------------

work=
running=()  # pids started in the background, killed at exit if still there
cleanup() {
  local p
  for p in "${running[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  if [[ -n $work ]]; then rm -rf "$work"; fi
}
trap cleanup EXIT

# alive PID: true while PID runs (a zombie does not count).
alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}

# start NAME LINES PROGRAM ARGS...: shows the command and runs it in the background (stdout in
# $work/NAME.out, stderr in $work/NAME.err); waits (10 s at most) for LINES lines on stdout
# and shows them. Sets pid and address (the first line without "listening on ").
start() {
  local name=$1 lines=$2
  shift 2
  echo
  show "$@" "&"
  : >"$work/$name.out"
  : >"$work/$name.err"
  "$@" >"$work/$name.out" 2>"$work/$name.err" &
  pid=$!
  running+=("$pid")
  local deadline=$((SECONDS + 10))
  while (($(wc -l <"$work/$name.out") < lines)); do
    if ((SECONDS >= deadline)) || ! alive "$pid"; then
      cat "$work/$name.err" >&2
      unexpected "$name did not start"
    fi
    sleep 0.05
  done
  cat "$work/$name.out"
  address=$(sed -n '1s/^listening on //p' "$work/$name.out")
  echo "($name: pid $pid)"
}

# stop NAME PID: SIGTERM, then waits (10 s at most) and shows the exit status.
stop() {
  local name=$1 p=$2 status=0 waited=0
  echo
  show kill -TERM "$p"
  kill -TERM "$p"
  while alive "$p" && ((waited < 200)); do
    sleep 0.05
    waited=$((waited + 1))
  done
  alive "$p" && unexpected "$name still runs 10 s after SIGTERM"
  wait "$p" || status=$?
  echo "($name exited with status $status)"
  ((status == 0)) || unexpected "$name exited with status $status: $(cat "$work/$name.err")"
}

# run EXPECTED PROGRAM ARGS...: shows the command, runs it (20 s at most, no input) and shows
# its output. EXPECTED is 0 or "fails": the tour stops if the outcome differs.
run() {
  local expected=$1 status=0
  shift
  echo
  show "$@"
  timeout 20 "$@" </dev/null 2>&1 || status=$?
  echo "(exit status $status)"
  if [[ $expected == fails ]]; then
    ((status != 0 && status != 124)) || unexpected "$(basename "$1") was expected to fail"
  elif ((status != expected)); then
    unexpected "$(basename "$1") exited with status $status"
  fi
}

# explain_trace FILE SERVER_PID: the server's stderr with, beside each trace line, who ran the
# step (the main thread, the serving thread, a handler thread, a child process) and what the
# step does, in one line.
explain_trace() {
  echo
  echo "The server's stderr: [pid P tid T] step client   | who   | what the step does"
  awk -v server="$2" '
    BEGIN {
      what["serve_forever"] = "the loop starts; it waits on fileno() for requests"
      what["ready:"] = "the selector says this server has a request waiting"
      what["get_request"] = "accept() a connection, or recvfrom() a datagram"
      what["verify_request"] = "may refuse the client; the default accepts it"
      what["process_request"] = "runs the request: here, in a thread or in a child"
      what["thread"] = "ThreadingMixIn: a new thread will run the request"
      what["fork"] = "ForkingMixIn: a child process will run the request"
      what["setup"] = "the handler starts: rfile and wfile over the request"
      what["handle"] = "the handler'"'"'s own code (echo, login, ...)"
      what["finish"] = "wfile flushed; a datagram reply leaves now"
      what["shutdown_request"] = "the request ends; a connection is shut down"
      what["close_request"] = "its socket is closed (by a forking parent: its copy)"
      what["handle_error"] = "the handler threw: reported, and the server goes on"
      what["handle_timeout"] = "no request came within timeout"
    }
    /^\[pid [0-9]+ tid [0-9]+\] / {
      pid = $2; tid = $4; sub(/\]/, "", tid); step = $5
      if (step == "serve_forever") loop = tid
      if (pid != server) who = "child " pid
      else if (tid == loop) who = "serving thread"
      else if (tid == pid) who = "main thread"
      else who = "thread " tid
      printf "    %-50s | %-14s | %s\n", $0, who, what[step]
      next
    }
    { print "    " $0 }
  ' "$1"
}

# --- The chapters ------------------------------------------------------------------------

chapter_login() {
  heading "1. The course's login server, done right"
  say "The course teaches socketserver with one example: a ThreadingTCPServer whose handler" \
    "asks for a user name, then a password. Here it is, reading lines (rfile.readline())" \
    "instead of trusting recv() boundaries; the users are the course's (fan:123, ...)."
  if [[ ! -x $bin/login_server || ! -x $bin/login_client ]]; then
    say "(login_server and login_client are not in this build: chapter skipped.)"
    return 0
  fi
  start login 1 "$bin/login_server" --port 0 --trace
  local port=${address##*:} server=$pid
  run 0 "$bin/login_client" --port "$port" --user fan --password 123
  run fails "$bin/login_client" --port "$port" --user fan --password 999
  stop login "$server"
  explain_trace "$work/login.err" "$server"
  say "The right password: valid, then the date line, and the server closes the connection." \
    "The wrong one: invalid; the client says so and exits non-zero. Each session ran in a" \
    "thread of its own (ThreadingMixIn): see the tids."
}

chapter_deaf() {
  heading "2. A deaf server: one request at a time"
  say "slow_server's handler takes one second per request (--delay 1). slow_clients starts" \
    "three clients at once and prints when each was answered, counted from their start."
  local mixin
  for mixin in none threading forking; do
    echo
    echo "--mixin $mixin:"
    start "slow-$mixin" 1 "$bin/slow_server" --delay 1 --mixin "$mixin"
    local server=$pid
    run 0 "$bin/slow_clients" --port "${address##*:}" --clients 3
    stop "slow-$mixin" "$server"
  done
  say "Without a mix-in, the answers come at 1, 2 and 3 s, all from the same thread: while" \
    "the server handles one client, it does not even read the others (their connections" \
    "wait in the kernel's listen queue). ThreadingMixIn answers all three at about 1 s, from" \
    "three threads of one process; ForkingMixIn does too, from three processes."
}

# trace_one NAME KIND MIXIN CLIENTS: an echo server with --trace, CLIENTS clients at once.
trace_one() {
  local name=$1 kind=$2 mixin=$3 clients=$4 to i
  local flags=(--server "$kind" --mixin "$mixin" --trace)
  [[ $kind == unix* ]] && flags+=(--path "$work/$name.sock")
  start "$name" 1 "$bin/echo_server" "${flags[@]}"
  local server=$pid
  case $kind in
    tcp | udp) to=(--server "$kind" --port "${address##*:}") ;;
    *) to=(--server "$kind" --path "$address") ;;
  esac
  if ((clients == 1)); then
    run 0 "$bin/echo_client" "${to[@]}" --message "hello from one client"
  else
    echo
    local pids=()
    for ((i = 1; i <= clients; i++)); do
      show "$bin/echo_client" "${to[@]}" --message "client $i" "&"
      timeout 20 "$bin/echo_client" "${to[@]}" --message "client $i" >"$work/$name-$i.out" 2>&1 &
      pids+=($!)
    done
    for i in "${!pids[@]}"; do
      wait "${pids[$i]}" || unexpected "echo_client $((i + 1)) failed: $(cat "$work/$name-$((i + 1)).out")"
      cat "$work/$name-$((i + 1)).out"
    done
  fi
  stop "$name" "$server"
  explain_trace "$work/$name.err" "$server"
}

chapter_trace() {
  heading "3. Every server kind, step by step (--trace)"
  say "The same echo handler behind each of the four servers, then behind ThreadingMixIn and" \
    "ForkingMixIn. Each trace line says which process (pid) and thread (tid) ran the step;" \
    "beside it, who that is and what the step does."
  echo
  echo "TCPServer:"
  trace_one trace-tcp tcp none 1
  echo
  echo "UDPServer: a datagram is a request; there is no connection to shut down."
  trace_one trace-udp udp none 1
  echo
  echo "UnixStreamServer: a socket file instead of a port; the client has no address."
  trace_one trace-unix unix none 1
  echo
  echo "UnixDatagramServer: the client binds a socket file of its own, for the reply."
  trace_one trace-unix-dgram unix-dgram none 1
  echo
  echo "ThreadingMixIn<TCPServer>, two clients at once:"
  trace_one trace-threading tcp threading 2
  echo
  echo "ForkingMixIn<TCPServer>, two clients at once:"
  trace_one trace-forking tcp forking 2
  say "Without a mix-in every step runs on the serving thread (serve_forever() has a thread" \
    "of its own; the main thread waits for SIGINT/SIGTERM). With ThreadingMixIn, setup," \
    "handle and finish run on a new thread per request; with ForkingMixIn, in a child" \
    "process, while the parent closes its copy of the connection at once."
}

chapter_framing() {
  heading "4. TCP is a byte stream: the original's framing bug"
  say "The original programs send one message per send() and read one per recv(). That" \
    "works on a quiet loopback, by luck. stammer_proxy forwards the same bytes in pieces of" \
    "1 to 3 bytes, as a real network may: then the legacy pair fails, and the line-based" \
    "pair does not."
  if [[ ! -x $bin/login_server || ! -x $bin/login_client ]]; then
    say "(login_server and login_client are not in this build: chapter skipped.)"
    return 0
  fi
  echo
  echo "The original's framing, directly: it works."
  start legacy 1 "$bin/login_server" --port 0 --legacy-framing
  local legacy=$pid legacy_address=$address
  run 0 "$bin/login_client" --port "${legacy_address##*:}" --legacy-framing --user fan \
    --password 123
  echo
  echo "The original's framing, through the proxy: it fails."
  # 10 ms between pieces: the greeting alone takes a tenth of a second to pass, so the
  # server's first recv() gets only its start however slowly the machine runs.
  start legacy-proxy 1 "$bin/stammer_proxy" --to "$legacy_address" --max-chunk 3 --seed 1 \
    --delay-ms 10
  local proxy=$pid
  run fails "$bin/login_client" --port "${address##*:}" --legacy-framing --user fan \
    --password 123
  stop legacy-proxy "$proxy"
  stop legacy "$legacy"
  echo
  echo "The legacy server's stderr: it took each piece for a message."
  sed 's/^/    /' "$work/legacy.err"
  echo
  echo "Lines, through the same proxy: it works."
  start fixed 1 "$bin/login_server" --port 0
  local fixed=$pid
  start fixed-proxy 1 "$bin/stammer_proxy" --to "$address" --max-chunk 3 --seed 1 \
    --delay-ms 10 --verbose
  proxy=$pid
  run 0 "$bin/login_client" --port "${address##*:}" --user fan --password 123
  stop fixed-proxy "$proxy"
  stop fixed "$fixed"
  echo
  echo "The proxy's log (--verbose), the first pieces of $(grep -c -- '->' "$work/fixed-proxy.err"):"
  grep -- '->' "$work/fixed-proxy.err" | head -n 8 | sed 's/^/    /'
  say "recv() returns whatever has arrived: part of a message, or two messages glued" \
    "together. A protocol over TCP must say where a message ends (here: a newline) and the" \
    "reader must collect bytes until it sees that (rfile.readline())."
}

chapter_multi() {
  heading "5. Several servers in one loop"
  say "Python's docs say fileno() exists so that one process can watch several servers with" \
    "select. multi_server runs a TCPServer, a UDPServer and a UnixStreamServer in one" \
    "thread: one selector over their fileno()s, and handle_request() on whichever is ready."
  start multi 3 "$bin/multi_server" --trace --path "$work/multi.sock"
  local server=$pid tcp udp
  tcp=$(sed -n '1s/.*://p' "$work/multi.out")
  udp=$(sed -n '2s/.*://p' "$work/multi.out")
  run 0 "$bin/echo_client" --port "$tcp" --message "to the TCP server"
  run 0 "$bin/echo_client" --server udp --port "$udp" --message "to the UDP server"
  run 0 "$bin/echo_client" --server unix --path "$work/multi.sock" --message "to the Unix server"
  stop multi "$server"
  explain_trace "$work/multi.err" "$server"
  say "One pid, one tid: the main thread did everything, one request after another. The" \
    "'ready' lines are the loop's own: which server's descriptor the selector returned."
}

# children PID: ps's line for each child of PID (none: no output).
children() { ps -o pid,stat,cmd --ppid "$1" | tail -n +2; }

chapter_zombie() {
  heading "6. A zombie, and its reaping"
  say "A child that has exited stays in the process table, as a zombie (state Z), until its" \
    "parent collects its exit status with waitpid(). ForkingMixIn does that in" \
    "service_actions(), once per turn of serve_forever(): when the server is idle, every" \
    "--poll-interval seconds (4 here)."
  start zombie 1 "$bin/echo_server" --mixin forking --poll-interval 4
  local server=$pid deadline line
  run 0 "$bin/echo_client" --port "${address##*:}" --message "one request, one child"
  # The child exits when the client has gone; look until ps shows it as Z (3 s at most).
  deadline=$((SECONDS + 3))
  until children "$server" | grep -q '^ *[0-9]* Z'; do
    ((SECONDS < deadline)) || unexpected "no zombie child of $server: $(children "$server")"
    sleep 0.1
  done
  echo
  show ps -o pid,stat,cmd --ppid "$server"
  ps -o pid,stat,cmd --ppid "$server"
  echo "(Z: exited, not yet reaped)"
  deadline=$((SECONDS + 10))
  while [[ -n $(children "$server") ]]; do
    ((SECONDS < deadline)) || unexpected "the zombie was not reaped within 10 s"
    sleep 0.1
  done
  echo
  echo "A few seconds later, after the loop's next turn:"
  show ps -o pid,stat,cmd --ppid "$server"
  ps -o pid,stat,cmd --ppid "$server" || true
  echo "(no children: service_actions() has reaped it)"
  stop zombie "$server"
  say "A server that never reaps fills the process table with zombies. Python's" \
    "ForkingMixIn, and this one, reap in service_actions(), handle_timeout() and" \
    "server_close(), with waitpid() on their own children only: no SIGCHLD handler, so a" \
    "program's other children are left alone."
}

run_chapter() {
  case $1 in
    login) chapter_login ;;
    deaf) chapter_deaf ;;
    trace) chapter_trace ;;
    framing) chapter_framing ;;
    multi) chapter_multi ;;
    zombie) chapter_zombie ;;
  esac
}

# --- Building ----------------------------------------------------------------------------

# build TARGET: Bazel's progress shown as it comes, a line every few seconds.
build() {
  cd "$root"
  tools/setup.sh
  echo "demo: building $1 (the first build takes about a minute) ..."
  bazel build --show_progress_rate_limit=3 --color=no --curses=no "$1" 2>&1 |
    sed -u 's/^/  build: /'
  bin=$(bazel info bazel-bin 2>/dev/null)/demo
}

# --- Main --------------------------------------------------------------------------------

bin=
if [[ ${1:-} == --bin ]]; then
  [[ $# -ge 2 && -d $2 ]] || {
    echo "demo.sh: --bin needs a folder of built programs" >&2
    echo "Try 'tools/demo.sh --help' for more." >&2
    exit 2
  }
  bin=$(cd "$2" && pwd)
  shift 2
fi

case ${1:-} in
  --list)
    list
    exit 0
    ;;
  --help | -h)
    usage
    exit 0
    ;;
esac

if (($# > 0)) && [[ -n ${about[$1]:-} ]]; then
  [[ -n $bin ]] || build "//demo:$1"
  name=$1
  shift
  exec "$bin/$name" "$@"
fi
if (($# > 0)) && [[ -z ${chapter_about[$1]:-} ]]; then
  echo "demo.sh: unknown demo '$1'" >&2
  echo "Try 'tools/demo.sh --list' for the programs and chapters." >&2
  exit 2
fi
if (($# > 1)); then
  echo "demo.sh: a chapter takes no arguments: $*" >&2
  echo "Try 'tools/demo.sh --help' for more." >&2
  exit 2
fi

[[ -n $bin ]] || build //demo:all
work=$(mktemp -d /tmp/ss-XXXXXX)
started_at=$SECONDS
if (($# == 1)); then
  run_chapter "$1"
else
  heading "socketserver for C++: the lecture tour"
  say "Six short demonstrations, each with the commands it runs, what they print, and what" \
    "to point out. Every program listens on loopback only, on a port the kernel picks."
  for chapter in "${chapters[@]}"; do run_chapter "$chapter"; done
fi
heading "Done in $((SECONDS - started_at)) s"
echo "tools/demo.sh --list shows every program and chapter; docs/ has a page for each."
