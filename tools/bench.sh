#!/usr/bin/env bash
# bench.sh: builds the benchmark optimised and runs it, then Python's side of it.
#
#   tools/bench.sh                      everything: about 25 s plus the build
#   tools/bench.sh --rounds 5 --connections 50 --round-trips 500 --shutdown-reps 4
#                                       a quick look: a few seconds
#   tools/bench.sh --only forking       one group; the flags are echo_bench's (see below)
#
# 1. bazel build -c opt //tests/bench:echo_bench, and runs it with the flags given here:
#    hand-written POSIX echo servers against TCPServer, ThreadingTCPServer and
#    ForkingTCPServer, side by side in one run, and TCPServer's shutdown() latency.
# 2. python3 tests/bench/python_shutdown.py --echo: Python's TCPServer shutdown() latency,
#    measured the same way and printed in the same format, then Python's own echo rates.
#    --shutdown-reps (as --reps), --cpu, and --rounds, --connections and --round-trips when
#    given, are passed on to it; otherwise it uses its own, smaller, echo defaults. It is
#    skipped when --only does not name "shutdown".
# Prints the date, the commit and `nproc` first, so a pasted result says where it came from.
# docs/benchmark.md explains the figures. Exits non-zero if either program fails (2 for a bad
# flag, with echo_bench's usage).
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

usage() {
  cat <<'EOF'
usage: tools/bench.sh [echo_bench flags]

Builds tests/bench/echo_bench with -c opt and runs it with the flags given, then runs
tests/bench/python_shutdown.py --echo (skipped when --only does not name shutdown), passing
on --shutdown-reps, --cpu, and --rounds, --connections and --round-trips when given.

echo_bench flags (defaults in brackets):
  --rounds R           timed batches per variant, the variants taking turns [31]
  --connections N      short connections per batch [250]
  --round-trips M      round trips per batch, on one connection [2500]
  --shutdown-reps K    shutdown() latency repetitions, C++ and Python [10]
  --only NAME,...      sync, threading, forking, connections, round-trips,
                       GROUP-connections, GROUP-round-trips, shutdown
  --cpu N|none         pin every thread to CPU N [the last one], or not at all
  --max-seconds S      hang guard [300]
  --verbose            every batch's rate on stderr
docs/benchmark.md explains the figures.
EOF
}

# The flags python_shutdown.py shares, and whether it runs at all.
python_args=(--echo)
only=  # Every --only value, comma-joined; empty when none was given.
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  arg=${args[i]}
  value=
  case $arg in
    --help | -h)
      usage
      exit 0
      ;;
    --*=*) value=${arg#*=} arg=${arg%%=*} ;;
    --*) value=${args[i + 1]:-} ;;
  esac
  case $arg in
    --shutdown-reps) python_args+=(--reps "$value") ;;
    --cpu) python_args+=(--cpu "$value") ;;
    --only) only+=,$value ;;
    --rounds | --connections | --round-trips) python_args+=("$arg" "$value") ;;
    --max-seconds | --verbose) ;;
    *)
      # Before the build, which may take a while. echo_bench checks the values.
      echo "bench: $arg: unknown flag" >&2
      usage >&2
      exit 2
      ;;
  esac
  # A flag's value given as the next argument is not a flag of its own.
  if [[ ${args[i]} != *=* && $arg != --verbose ]]; then i=$((i + 1)); fi
done

run_python=true
if [[ -n $only && $only, != *,shutdown,* ]]; then run_python=false; fi

echo "bench: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git describe --always --dirty 2>/dev/null ||
  echo unknown), nproc $(nproc), $(uname -sr)"
echo "bench: tools/bench.sh${*:+ $*}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Bazel's own output only when the build fails: the figures are what this prints.
if ! bazel build -c opt //tests/bench:echo_bench >"$work/build.log" 2>&1; then
  cat "$work/build.log" >&2
  echo "bench: bazel build -c opt //tests/bench:echo_bench failed" >&2
  exit 1
fi
# bazel-bin follows whichever configuration was built last, and others may build in this
# workspace meanwhile: ask for the optimised output folder, and run a private copy.
bin_dir=$(bazel info -c opt bazel-bin 2>/dev/null) || {
  echo "bench: bazel info failed" >&2
  exit 1
}
cp "$bin_dir/tests/bench/echo_bench" "$work/echo_bench" || exit 1

echo
"$work/echo_bench" "$@"
bench_status=$?
if ((bench_status == 2)); then
  exit 2  # A bad flag: echo_bench has printed its usage.
fi

python_status=0
if $run_python; then
  echo
  python3 tests/bench/python_shutdown.py "${python_args[@]}"
  python_status=$?
fi

if ((bench_status != 0 || python_status != 0)); then
  echo "bench: failed (echo_bench exit $bench_status, python_shutdown.py exit $python_status)" >&2
  exit 1
fi
