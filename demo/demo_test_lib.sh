# demo_test_lib.sh: helpers for the demos' shell tests, sourced by them after `set -euo pipefail`.
#
#   work                   a fresh /tmp/ss-XXXXXX folder, removed at exit (short enough for
#                          Unix socket paths)
#   made                   folders a server made for itself: a test adds them, removed at exit
#   fail MESSAGE           counts a failure and says it on stderr
#   start NAME LINES CMD...  runs CMD in the background, stdout in $work/NAME.out and stderr in
#                          $work/NAME.err, and waits (10 s at most) for LINES lines on stdout;
#                          sets pid and address (the first line without "listening on ")
#   stop NAME [SIGNAL]     sends SIGTERM (or SIGNAL) to the last started process, waits 10 s at
#                          most, and checks its exit status is 0
#   expect_status NAME STATUS CMD...  runs CMD (20 s at most); checks its exit status
#   expect_in NAME FILE TEXT          checks FILE contains TEXT
#   finish                 prints the result and exits 1 if anything failed
#   hold NAME KIND ADDRESS [TEXT]  a client in the background (KIND tcp or unix) that
#                          connects, sends TEXT (no newline added), writes "connected" to
#                          $work/NAME.hold, reads until end of input or a reset, then writes
#                          "eof"; 30 s at most. Sets hold_pid.
#   wait_for WHAT CMD...   runs CMD until it succeeds, 10 s at most
#   sigterm_taken PID      true once process PID has no SIGTERM pending
#   timed_stop NAME [SIGNAL]  stop, and sets `took` to the milliseconds it took
#   check_flags PROGRAM BIN ARGS...   --help and -h exit 0 with the usage on stdout; an unknown
#                          flag exits 2 with exactly two lines on stderr (the error, then
#                          "Try 'PROGRAM --help' for more.") and nothing on stdout. ARGS are
#                          the flags the program needs to start.

work=$(mktemp -d /tmp/ss-XXXXXX)
started=()
made=()
failures=0

cleanup() {
  local p
  for p in "${started[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  rm -rf "$work" "${made[@]}"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# True while process $1 runs (a zombie, exited but not waited for, does not count).
running() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}

start() {
  local name=$1 lines=$2
  shift 2
  : >"$work/$name.out"
  : >"$work/$name.err"
  "$@" >"$work/$name.out" 2>"$work/$name.err" &
  pid=$!
  started+=("$pid")
  local deadline=$((SECONDS + 10))
  while (($(wc -l <"$work/$name.out") < lines)); do
    if ! running "$pid"; then
      fail "$name: exited before printing $lines line(s): $(cat "$work/$name.err")"
      return 1
    fi
    if ((SECONDS >= deadline)); then
      fail "$name: no $lines line(s) on stdout within 10 s"
      return 1
    fi
    sleep 0.05
  done
  local line
  line=$(head -n 1 "$work/$name.out")
  if [[ $line != "listening on "* ]]; then
    fail "$name: first line is '$line', not 'listening on ...'"
    return 1
  fi
  address=${line#listening on }
}

stop() {
  local name=$1 signal=${2:-TERM} status=0 waited=0
  kill "-$signal" "$pid" 2>/dev/null || true
  while running "$pid" && ((waited < 200)); do
    sleep 0.05
    waited=$((waited + 1))
  done
  if running "$pid"; then
    fail "$name: still running 10 s after SIG$signal"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" || status=$?
  ((status == 0)) || fail "$name: exit status $status after SIG$signal: $(cat "$work/$name.err")"
}

expect_status() {
  local name=$1 expected=$2 status=0
  shift 2
  timeout 20 "$@" >"$work/$name.out" 2>"$work/$name.err" </dev/null || status=$?
  if [[ $expected == nonzero ]]; then
    if ((status == 0 || status == 124)); then
      fail "$name: exit status $status, expected a failure (not 0, not a timeout)"
      return 0
    fi
  elif ((status != expected)); then
    fail "$name: exit status $status, expected $expected; stderr: $(cat "$work/$name.err")"
    return 0
  fi
  echo "ok: $name (exit status $status)"
}

expect_in() {
  if ! grep -qF -- "$3" "$2"; then
    fail "$1: '$3' not found in $(basename "$2"): $(cat "$2")"
  fi
}

hold() {
  local name=$1 kind=$2 addr=$3 text=${4:-}
  : >"$work/$name.hold"
  timeout 30 python3 -c '
import socket, sys
kind, addr, text, out = sys.argv[1:5]
if kind == "unix":
    s = socket.socket(socket.AF_UNIX)
    s.connect(addr)
else:
    host, port = addr.rsplit(":", 1)
    s = socket.create_connection((host.strip("[]"), int(port)))
s.send(text.encode())
open(out, "a").write("connected\n")
try:
    while s.recv(4096):
        pass
except ConnectionResetError:
    pass
open(out, "a").write("eof\n")
' "$kind" "$addr" "$text" "$work/$name.hold" &
  hold_pid=$!
  wait_for "$name: client connected" grep -q connected "$work/$name.hold"
}

wait_for() {
  local what=$1 deadline=$((SECONDS + 10))
  shift
  until "$@"; do
    if ((SECONDS >= deadline)); then
      fail "$what: not within 10 s"
      return 1
    fi
    sleep 0.05
  done
}

sigterm_taken() {
  local pending
  pending=$(awk '/^ShdPnd:/ {print $2}' "/proc/$1/status" 2>/dev/null) || return 1
  (((16#$pending & (1 << 14)) == 0))
}

timed_stop() {
  local begin
  begin=$(date +%s%N)
  stop "$@"
  took=$((($(date +%s%N) - begin) / 1000000))
}

check_flags() {
  local program=$1 bin=$2
  shift 2
  expect_status "$program-help" 0 "$bin" --help
  expect_in "$program-help" "$work/$program-help.out" "usage: $program"
  expect_status "$program-h" 0 "$bin" -h
  expect_in "$program-h" "$work/$program-h.out" "usage: $program"
  expect_status "$program-bad-flag" 2 "$bin" "$@" --no-such-flag
  printf '%s\n' "$program: unknown flag --no-such-flag" "Try '$program --help' for more." \
    >"$work/$program-bad-flag.expected"
  cmp -s "$work/$program-bad-flag.expected" "$work/$program-bad-flag.err" ||
    fail "$program-bad-flag: stderr is not the error line and the hint: $(cat "$work/$program-bad-flag.err")"
  [[ ! -s $work/$program-bad-flag.out ]] || fail "$program-bad-flag: printed on stdout"
}

finish() {
  if ((failures > 0)); then
    echo "$failures check(s) failed" >&2
    exit 1
  fi
  echo "all checks passed"
}
