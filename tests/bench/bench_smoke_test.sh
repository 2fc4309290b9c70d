#!/usr/bin/env bash
# bench_smoke_test: the benchmark programs still build, run and print their tables.
# Tiny counts, no pinning, and no figure is checked: performance is measured by
# tools/bench.sh, never asserted here. What is checked:
#   - echo_bench exits 0 and prints a row for every workload and variant;
#   - a bad flag or value makes echo_bench print its usage and exit 2;
#   - python_shutdown.py exits 0 and prints its shutdown row (and, with --echo, its rates);
#   - side_by_side.py, with load, echo_server, raw_echo_server and python_echo_server.py,
#     exits 0 (no request failed) and prints a row for every group (TCPServer,
#     ThreadingTCPServer, ForkingTCPServer, UDPServer, ThreadingUnixStreamServer), mode,
#     pinning and server, the held rows, the idle-connection rows, the memory rows, the
#     summary and the plot line;
#   - load refuses a bad flag with exit 2, and counts a server that is not there as errors;
#   - raw_echo_server and python_echo_server.py refuse a bad flag with exit 2.
#   - the UDPServer and ThreadingUnixStreamServer groups have a "library (py)" summary line,
#     against the hand-written server that makes Python's system calls too.
#
# Usage (Bazel passes them): bench_smoke_test.sh ECHO_BENCH PYTHON_SHUTDOWN SIDE_BY_SIDE LOAD
#                            ECHO_SERVER RAW_ECHO_SERVER PYTHON_ECHO_SERVER
set -uo pipefail

bench=$1
python_script=$2
side_by_side=$3
load=$4
echo_server=$5
raw_server=$6
python_server=$7
work=$(mktemp -d /tmp/ss-XXXXXX)
trap 'rm -rf "$work"' EXIT
failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# expect_line FILE TEXT: FILE has a line containing TEXT.
expect_line() {
  grep -qF -- "$2" "$1" || fail "no line with '$2' in $(basename "$1"):"$'\n'"$(cat "$1")"
}

# echo_bench runs every workload and prints every row.
"$bench" --rounds 2 --connections 5 --round-trips 20 --shutdown-reps 2 --cpu none \
  --max-seconds 100 >"$work/bench.out" 2>"$work/bench.err"
status=$?
((status == 0)) || fail "echo_bench exited $status: $(cat "$work/bench.err")"
for text in "sync connections" "threading connections" "forking connections" \
  "sync round trips" "threading round trips" "forking round trips" \
  "baseline: raw sync" "baseline: raw thread/conn" "baseline: raw fork/conn" \
  "TCPServer" "ThreadingTCPServer" "ForkingTCPServer" "shutdown, poll 0.5 s"; do
  expect_line "$work/bench.out" "$text"
done

# --only runs just what it names.
"$bench" --only shutdown --shutdown-reps 1 >"$work/only.out" 2>&1 ||
  fail "echo_bench --only shutdown failed: $(cat "$work/only.out")"
expect_line "$work/only.out" "C++ TCPServer"
if grep -qF "sync connections" "$work/only.out"; then
  fail "--only shutdown ran the echo workloads"
fi

# A bad flag or value: usage on stderr, exit 2.
for bad in "--bogus" "--rounds 0" "--rounds" "--connections x" "--only nothing" "--cpu -1"; do
  # shellcheck disable=SC2086  # Split on purpose: "--rounds 0" is two arguments.
  "$bench" $bad >"$work/bad.out" 2>"$work/bad.err"
  status=$?
  ((status == 2)) || fail "echo_bench $bad exited $status, not 2"
  expect_line "$work/bad.err" "usage: echo_bench"
done
"$bench" --help >"$work/help.out" 2>&1 || fail "echo_bench --help failed"
expect_line "$work/help.out" "usage: echo_bench"

# python_shutdown.py, shortest run, with its echo rates.
python3 "$python_script" --reps 1 --echo --rounds 1 --connections 3 --round-trips 5 --cpu none \
  >"$work/python.out" 2>&1
status=$?
((status == 0)) || fail "python_shutdown.py exited $status: $(cat "$work/python.out")"
expect_line "$work/python.out" "shutdown, poll 0.5 s"
expect_line "$work/python.out" "TCPServer"
expect_line "$work/python.out" "python round trips"
python3 "$python_script" --bogus >/dev/null 2>&1
status=$?
((status == 2)) || fail "python_shutdown.py --bogus exited $status, not 2"

# side_by_side.py, shortest run: every group, mode and pinning, held and idle connections,
# memory after a few connections, the plot.
python3 "$side_by_side" --load "$load" --library "$echo_server" --raw "$raw_server" \
  --python "$python_server" --rounds 1 --seconds 0.05 --connections 1,2 --hold 5 --idle 20 \
  --memory 50,100 --plot "$work/plot.png" >"$work/side.out" 2>&1
status=$?
((status == 0)) || fail "side_by_side.py exited $status: $(cat "$work/side.out")"
for text in "ThreadingTCPServer: library 256k, library default, hand-written, hand-written 8m" \
  "TCPServer: library, hand-written, Python" "ForkingTCPServer: library, hand-written, Python" \
  "UDPServer: library, hand-written, hand-written py, Python" \
  "ThreadingUnixStreamServer: library 256k, hand-written, hand-written py, Python" \
  "ping-pong, 1 conn, pinned" "ping-pong, 2 conn, unpinned" "connect, 1 conn, pinned" \
  "connect, 2 conn, unpinned" "datagram, 2 conn, pinned" "datagram, 1 conn, unpinned" \
  "connect, 1 + 5 held" "hand-written 8m" "Python" "plot: " ", 0 errors"; do
  expect_line "$work/side.out" "$text"
done
# Each group has a row for each of its servers, and a summary line for each library row.
for group in ThreadingTCPServer TCPServer ForkingTCPServer UDPServer ThreadingUnixStreamServer; do
  grep -q "^$group  *library" "$work/side.out" || fail "no summary line for $group"
done
# ...and, where the hand-written server with Python's system calls ran, one against it.
grep -q "^UDPServer  *library (py)" "$work/side.out" || fail "no (py) summary line for UDPServer"
grep -q "^ThreadingUnixStreamServer  *library 256k (py)" "$work/side.out" ||
  fail "no (py) summary line for ThreadingUnixStreamServer"
for server in "library 256k" "hand-written" "Python"; do
  grep -q "^20  *$server  " "$work/side.out" || fail "no idle row for $server"
done
expect_line "$work/side.out" "after 100"
grep -q "^library 256k  *[0-9]" "$work/side.out" || fail "no memory row for library 256k"
if command -v gnuplot >/dev/null; then [[ -s $work/plot.png ]] || fail "no plot"; fi

# load: a bad flag is exit 2; a server that is not there is errors and exit 1.
"$load" --connect 127.0.0.1:1 --connections 0 >/dev/null 2>&1
status=$?
((status == 2)) || fail "load --connections 0 exited $status, not 2"
"$load" --connect 127.0.0.1:1 --seconds 0.05 >"$work/load.out" 2>&1
status=$?
((status == 1)) || fail "load against no server exited $status, not 1"
grep -q "requests=0 .*errors=[1-9]" "$work/load.out" ||
  fail "load against no server: $(cat "$work/load.out")"

# The servers' own bad flags.
for bad in "--mixin bogus" "--python-calls maybe"; do
  # shellcheck disable=SC2086  # Split on purpose: a flag and its value.
  "$raw_server" $bad >/dev/null 2>&1
  status=$?
  ((status == 2)) || fail "raw_echo_server $bad exited $status, not 2"
done
python3 "$python_server" --server bogus >/dev/null 2>&1
status=$?
((status == 2)) || fail "python_echo_server.py --server bogus exited $status, not 2"
"$load" --connect 127.0.0.1:1 --mode hold >/dev/null 2>&1
status=$?
((status == 2)) || fail "load --mode hold without --hold exited $status, not 2"

if ((failures > 0)); then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "bench_smoke_test: all checks passed"
