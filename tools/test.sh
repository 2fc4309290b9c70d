#!/usr/bin/env bash
# test.sh: runs every test of the project; the last line says "N passed, M failed".
#
#   tools/test.sh                   all tests
#   tools/test.sh --config=asan     all tests under AddressSanitizer and UBSan
#   tools/test.sh --config=tsan     all tests under ThreadSanitizer (tests tagged notsan skipped)
#
# Runs tools/setup.sh, then `bazel test //... ARGS...`, showing Bazel's output as it comes.
# Then counts the per-target lines of Bazel's summary, one per test target:
#     //demo:echo_demo_test          PASSED in 1.2s        passed
#     //server:socket_test  (cached) PASSED in 0.3s        passed (an earlier run, same inputs)
#     //x:y                          FLAKY, failed in 1 out of 2 in 0.4s
#                                                          passed on a retry: counted as
#                                                          passed, and named in a warning
#     //x:y   FAILED in 0.1s / TIMEOUT in 60.0s / NO STATUS / FAILED TO BUILD / ...
#                                                          failed
# Exits 1 if anything failed. A build that fails counts as at least one failure, even when
# Bazel names no test target (an error in a BUILD file, say).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

if ! tools/setup.sh; then
  echo "test: tools/setup.sh failed; nothing was tested"
  echo "0 passed, 1 failed"
  exit 1
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT

# --test_summary=short lists every test target; .bazelrc's terse lists only the ones that
# did not pass, which would leave nothing to count the passes by.
set +e
bazel test --test_summary=short //... "$@" 2>&1 | tee "$log"
bazel_status=${PIPESTATUS[0]}
set -e

# The summary starts after Bazel's "Build completed" (or "Build did NOT complete") line.
# Lines before it may be the output of failing tests, which must not be counted.
declare -A status_of  # target -> status
in_summary=false
# TARGET, then maybe "(cached)" or "(1/2 cached)", then the status in capitals.
target_re='((@[^/[:space:]]*)?//[^[:space:]]+)'
summary_line="^$target_re[[:space:]]+(\\([^)]*\\)[[:space:]]+)?([A-Z][A-Z_ ]*[A-Z])"
while IFS= read -r line; do
  if [[ $line == *"Build completed"* || $line == *"Build did NOT complete"* ]]; then
    in_summary=true
  elif $in_summary && [[ $line =~ $summary_line ]]; then
    status_of[${BASH_REMATCH[1]}]=${BASH_REMATCH[4]}
  fi
done < <(sed -e 's/\x1b\[[0-9;]*[A-Za-z]//g' -e 's/\r$//' "$log")  # Colours off, if any.

passed=0
failed=0
flaky=()
for target in "${!status_of[@]}"; do
  case ${status_of[$target]} in
    PASSED) passed=$((passed + 1)) ;;
    FLAKY)
      passed=$((passed + 1))
      flaky+=("$target")
      ;;
    *) failed=$((failed + 1)) ;;
  esac
done

if ((${#flaky[@]} > 0)); then
  echo "test: warning: flaky (failed, then passed on a retry): ${flaky[*]}"
fi
if ((bazel_status != 0 && failed == 0)); then
  echo "test: bazel test exited with status $bazel_status, and no test target failed:" \
    "the build failed (see the errors above)"
  failed=1
fi
echo "$passed passed, $failed failed"
((failed == 0))
