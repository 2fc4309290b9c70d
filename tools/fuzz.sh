#!/usr/bin/env bash
# fuzz.sh: builds the libFuzzer targets in tests/fuzz/ with clang and runs each for a while.
#
#   tools/fuzz.sh                   every fuzzer, 20 s each (what .ci/run does)
#   tools/fuzz.sh --seconds 300     longer
#   tools/fuzz.sh socket_address    one fuzzer (the name without _fuzz)
#
# The fuzzers are built here, outside Bazel: Bazel 4's C++ toolchain is GCC's, and libFuzzer
# comes with clang (apt: clang-14, libclang-rt-14-dev; tools/setup.sh --fuzz installs them). Each is
# built with AddressSanitizer and UBSan, and starts from its seed corpus in
# tests/fuzz/corpus/NAME/ (read only: what it finds goes to a temporary folder).
#
# A crash stops that fuzzer; the input that caused it is copied to tests/fuzz/crashes/ and
# printed in hex. Make it a regression test (or a seed), fix the bug, then delete the file.
# Exits 1 if any fuzzer crashed, 2 for a bad flag.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

seconds=20
names=()
while (($# > 0)); do
  case $1 in
    --seconds)
      seconds=${2:-}
      shift
      ;;
    --seconds=*) seconds=${1#*=} ;;
    --help | -h)
      sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    --*)
      echo "fuzz: unknown flag $1" >&2
      echo "Try 'tools/fuzz.sh --help' for more." >&2
      exit 2
      ;;
    *) names+=("$1") ;;
  esac
  shift
done
if [[ ! $seconds =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz: --seconds $seconds: not a positive whole number" >&2
  echo "Try 'tools/fuzz.sh --help' for more." >&2
  exit 2
fi

# The library sources each fuzzer needs, beside its own file.
declare -A sources=(
  [socket_address]="server/socket_address.cc"
  [buffered_reader]="handlers/buffered_reader.cc server/socket.cc server/socket_address.cc
                     server/deadline.cc server/errors.cc"
  [demo_flags]="demo/cli.cc server/socket_address.cc"
  [login_session]="demo/login_session.cc demo/user_table.cc"
)
if ((${#names[@]} == 0)); then names=(socket_address buffered_reader demo_flags login_session); fi

if ! tools/setup.sh --fuzz >/dev/null; then
  tools/setup.sh --fuzz  # Again, to show why.
  echo "fuzz: tools/setup.sh --fuzz failed; nothing was fuzzed" >&2
  exit 1
fi
clang=$(command -v clang++-14)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
crashed=0
for name in "${names[@]}"; do
  if [[ -z ${sources[$name]+set} ]]; then
    echo "fuzz: no fuzzer named '$name' (known: ${!sources[*]})" >&2
    exit 2
  fi
  binary=$work/${name}_fuzz
  # shellcheck disable=SC2086  # The source list is meant to split.
  if ! "$clang" -std=c++17 -O1 -g -I. -Wall -Wextra -Werror \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    "tests/fuzz/${name}_fuzz.cc" ${sources[$name]} -o "$binary"; then
    echo "fuzz: building $name failed" >&2
    crashed=1
    continue
  fi
  mkdir -p "$work/$name.corpus" "$work/$name.artifacts"
  echo "=== $name: ${seconds} s from tests/fuzz/corpus/$name ==="
  # The first folder receives what the run finds; the seed folder is only read.
  if ! "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/$name.artifacts/" "$work/$name.corpus" "tests/fuzz/corpus/$name" \
    2>"$work/$name.log"; then
    tail -n 40 "$work/$name.log"
    mkdir -p tests/fuzz/crashes
    for artifact in "$work/$name.artifacts"/*; do
      [[ -e $artifact ]] || continue
      cp "$artifact" "tests/fuzz/crashes/${name}-$(basename "$artifact")"
      echo "fuzz: $name: input kept in tests/fuzz/crashes/${name}-$(basename "$artifact"):"
      od -A x -t x1z "$artifact" | head -n 20
    done
    crashed=1
    continue
  fi
  grep -E '^stat::number_of_executed_units|^Done' "$work/$name.log" | sed "s/^/$name: /"
done
if ((crashed)); then
  echo "fuzz: failed"
  exit 1
fi
echo "fuzz: no crash"
