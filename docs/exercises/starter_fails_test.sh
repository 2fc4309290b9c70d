#!/usr/bin/env bash
# starter_fails_test.sh NAME CHECK TSV: the untouched starter fails its check, and exactly in
# the checks that TSV (the exercise's checks.tsv) marks "fail". Every check of the program is
# in the table, and every one marked "pass" passes on the starter: so each check can fail,
# the table is true, and tools/exercise.sh's hints name real checks.
set -uo pipefail

name=$1
check=$2
table=$3
source "$(dirname "$0")/check_results.sh" 2>/dev/null ||
  source "$TEST_SRCDIR/$TEST_WORKSPACE/docs/exercises/check_results.sh"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$check" --success >"$log" 2>&1
status=$?

problems=0
problem() {
  echo "$name starter: $*"
  problems=$((problems + 1))
}

((status != 0)) || problem "the check exited 0 on the untouched starter; it must fail"

declare -A expected actual
while IFS=$'\t' read -r check_name starter _hint; do
  expected[$check_name]=$starter
done < <(check_table "$table")
while IFS=$'\t' read -r result check_name; do
  actual[$check_name]=$result
done < <(check_results "$log")

for check_name in "${!expected[@]}"; do
  case ${expected[$check_name]},${actual[$check_name]:-NOT RUN} in
    fail,FAIL | pass,PASS) ;;
    *) problem "checks.tsv says '$check_name' should ${expected[$check_name]}; it was" \
      "${actual[$check_name]:-NOT RUN}" ;;
  esac
done
for check_name in "${!actual[@]}"; do
  [[ -v expected[$check_name] ]] || problem "'$check_name' ran but is not in checks.tsv"
done
# Every test case the program has is in the table, even one that did not run.
while IFS= read -r test_case; do
  [[ -v expected[$test_case] || -v actual[$test_case] ]] && continue
  grep -a -q -F "TEST CASE:  $test_case" "$log" ||
    problem "test case '$test_case' is neither in checks.tsv nor run"
done < <("$check" --list-test-cases --no-version | sed -e '/^=\+$/d' -e '/^\[doctest\]/d')

if ((problems > 0)); then
  echo "--- the check's output on the starter:"
  failure_blocks "$log"
  exit 1
fi
failing=$(check_table "$table" | grep -c $'\tfail\t')
echo "$name: the untouched starter fails $failing of its ${#expected[@]} checks, as checks.tsv says"
