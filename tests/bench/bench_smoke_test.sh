#!/usr/bin/env bash
# bench_smoke_test: the benchmark programs still build, run and print their tables.
# Tiny counts, no pinning, and no figure is checked: performance is measured by
# tools/bench.sh, never asserted here. What is checked:
#   - echo_bench exits 0 and prints a row for every workload and variant;
#   - a bad flag or value makes echo_bench print its usage and exit 2;
#   - python_shutdown.py exits 0 and prints its shutdown row (and, with --echo, its rates).
#
# Usage (Bazel passes both): bench_smoke_test.sh PATH/TO/echo_bench PATH/TO/python_shutdown.py
set -uo pipefail

bench=$1
python_script=$2
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

if ((failures > 0)); then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "bench_smoke_test: all checks passed"
