#!/usr/bin/env bash
# check_warnings.sh: checks that .bazelrc makes warnings errors in every package of the
# project, a new one included, and in nothing else. Last line: "1 passed, 0 failed" or
# "0 passed, 1 failed".
#
#   1. A new package (a fresh folder at the top, as a student or an exercise would add) with
#      an unused variable must fail to build: -Wall -Wextra -Werror reach it.
#   2. The same file in an external repository (standing in for @doctest, @bazel_tools) must
#      build, with the warning at most: their code is not ours to fix.
#
# The new package lives in the workspace for the duration of the check only; do not run
# `bazel build //...` in this workspace at the same time.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

package=$(mktemp -d "$root/warnings_probe.XXXXXX")
external=$(mktemp -d /tmp/ss-XXXXXX)
log=$(mktemp)
trap 'rm -rf "$package" "$external" "$log"' EXIT

# Warns under -Wall (unused variable) and under -Wextra (unused parameter).
probe_source='int probe(int unused_parameter) {
  int unused_variable = 0;
  return 0;
}'
probe_build='cc_library(name = "probe", srcs = ["probe.cc"], visibility = ["//visibility:public"])'
for dir in "$package" "$external"; do
  echo "$probe_source" >"$dir/probe.cc"
  echo "$probe_build" >"$dir/BUILD"
done
touch "$external/WORKSPACE"

failures=0
fail() {
  echo "check_warnings: FAIL: $*"
  failures=$((failures + 1))
}

new_target="//$(basename "$package"):probe"
if bazel build "$new_target" >"$log" 2>&1; then
  fail "$new_target built; an unused variable in a new package must be an error"
else
  grep -q -- "-Werror=unused-variable" "$log" ||
    fail "$new_target failed, but not on -Werror=unused-variable: $(cat "$log")"
  grep -q -- "-Werror=unused-parameter" "$log" ||
    fail "$new_target: no -Werror=unused-parameter: -Wextra is missing"
fi

# --override_repository puts the probe in the place of an external repository that nothing
# else uses, for this one command.
if ! bazel build --override_repository="remote_coverage_tools=$external" \
  @remote_coverage_tools//:probe >"$log" 2>&1; then
  fail "the probe in an external repository did not build; warnings must not be errors there:
$(cat "$log")"
fi

if ((failures > 0)); then
  echo "0 passed, 1 failed"
  exit 1
fi
echo "check_warnings: a new package gets -Wall -Wextra -Werror; an external repository does not"
echo "1 passed, 0 failed"
