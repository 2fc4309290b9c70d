#!/usr/bin/env bash
# bench.sh: builds the benchmark optimised and runs it, then Python's side of it.
#
#   tools/bench.sh                      everything: about 9 minutes on a busy machine
#   tools/bench.sh --rounds 5 --connections 50 --round-trips 500 --shutdown-reps 4 \
#     --only sync,threading,forking,shutdown   a quick look, without the side by side
#   tools/bench.sh --plot docs/benchmark.png --side-output docs/benchmark_side_by_side.txt
#                                       docs/benchmark.md's side-by-side figures
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
# 3. tests/bench/side_by_side.py: the library's TCPServer, ThreadingTCPServer (default and
#    256 KiB stacks), ForkingTCPServer, UDPServer and ThreadingUnixStreamServer, each beside
#    a hand-written server of the same architecture (tests/bench/raw_echo_server.cc) and
#    Python's socketserver (tests/bench/python_echo_server.py), all loaded by one C++ client
#    (tests/bench/load.cc) at 1, 8 and 64 connections, taking turns, pinned and unpinned;
#    1,000 to 10,000 idle connections with memory per connection and the time to stop;
#    memory after 10,000 and 100,000 connections; system calls per request from strace -c -f;
#    the plot with --plot FILE (gnuplot, installed by tools/setup.sh). Its own flags are
#    below. Skipped when --only does not name "side-by-side"; `--only side-by-side` runs it
#    alone. About 6 minutes.
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
side_by_side.py flags:
  --side-rounds R      rounds per row, the servers taking turns [3]
  --side-seconds S     seconds of load per server, row and round [0.4]
  --side-groups G,...  threading, sync, forking, udp, unix [all]
  --side-pin P,...     pinned (servers on CPU 0, client on CPU 1), unpinned [both]
  --side-hold K,...    idle connections held during a connect row [100,5000]
  --side-idle K,...    idle connections, then all speak: memory, time to stop
                       [1000,5000,10000]
  --side-memory N,...  memory after N connections in all [10000,100000]
  --plot FILE          requests per second against connections, as a PNG (gnuplot)
  --side-output FILE   also write the side by side's output (with bench's first two
                       lines) to FILE
  --only side-by-side  run only the side-by-side comparison
docs/benchmark.md explains the figures.
EOF
}

# The flags python_shutdown.py shares, and whether it runs at all.
python_args=(--echo)
side_args=()  # side_by_side.py's own flags.
side_output=  # --side-output FILE: a copy of the side by side's output.
bench_args=() # echo_bench's flags.
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
    --side-rounds) side_args+=(--rounds "$value") ;;
    --side-seconds) side_args+=(--seconds "$value") ;;
    --side-groups) side_args+=(--groups "$value") ;;
    --side-pin) side_args+=(--pin "$value") ;;
    --side-hold) side_args+=(--hold "$value") ;;
    --side-idle) side_args+=(--idle "$value") ;;
    --side-memory) side_args+=(--memory "$value") ;;
    --plot) side_args+=(--plot "$value") ;;
    --side-output) side_output=$value ;;
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
  case $arg in
    --side-* | --plot) ;;
    --only) [[ $value == side-by-side ]] || bench_args+=("$arg" "$value") ;;
    --verbose | --*=*) bench_args+=("${args[i]}") ;;
    *) bench_args+=("$arg" "$value") ;;
  esac
  # A flag's value given as the next argument is not a flag of its own.
  if [[ ${args[i]} != *=* && $arg != --verbose ]]; then i=$((i + 1)); fi
done

run_python=true
if [[ -n $only && $only, != *,shutdown,* ]]; then run_python=false; fi
run_side=true
if [[ -n $only && $only, != *,side-by-side,* ]]; then run_side=false; fi
run_echo_bench=true
if [[ $only == ,side-by-side ]]; then run_echo_bench=false run_python=false; fi

header="bench: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git describe --always --dirty \
  2>/dev/null || echo unknown), nproc $(nproc), $(uname -sr)
bench: tools/bench.sh${*:+ $*}"
echo "$header"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Bazel's own output only when the build fails: the figures are what this prints.
targets=(//tests/bench:echo_bench //tests/bench:load //tests/bench:raw_echo_server
  //demo:echo_server)
if ! bazel build -c opt "${targets[@]}" >"$work/build.log" 2>&1; then
  cat "$work/build.log" >&2
  echo "bench: bazel build -c opt ${targets[*]} failed" >&2
  exit 1
fi
# bazel-bin follows whichever configuration was built last, and others may build in this
# workspace meanwhile: ask for the optimised output folder, and run a private copy.
bin_dir=$(bazel info -c opt bazel-bin 2>/dev/null) || {
  echo "bench: bazel info failed" >&2
  exit 1
}
for program in tests/bench/echo_bench tests/bench/load tests/bench/raw_echo_server \
  demo/echo_server; do
  cp "$bin_dir/$program" "$work/" || exit 1
done

bench_status=0
if $run_echo_bench; then
  echo
  "$work/echo_bench" "${bench_args[@]}"
  bench_status=$?
  if ((bench_status == 2)); then
    exit 2  # A bad flag: echo_bench has printed its usage.
  fi
fi

python_status=0
if $run_python; then
  echo
  python3 tests/bench/python_shutdown.py "${python_args[@]}"
  python_status=$?
fi

side_status=0
if $run_side; then
  echo
  python3 tests/bench/side_by_side.py --load "$work/load" --library "$work/echo_server" \
    --raw "$work/raw_echo_server" --python tests/bench/python_echo_server.py --strace \
    "${side_args[@]}" | tee "$work/side.out"
  side_status=${PIPESTATUS[0]}
  if [[ -n $side_output ]]; then
    { echo "$header"; echo; cat "$work/side.out"; } >"$side_output"
  fi
fi

if ((bench_status != 0 || python_status != 0 || side_status != 0)); then
  echo "bench: failed (echo_bench exit $bench_status, python_shutdown.py exit $python_status," \
    "side_by_side.py exit $side_status)" >&2
  exit 1
fi
