#!/usr/bin/env bash
# starter_fails_test.sh NAME CHECK TSV: the untouched starter fails its check, and exactly in
# the checks that TSV (the exercise's checks.tsv) marks "fail"; every check marked "pass"
# passes, and every test case of the program is in the table (or holds subcases that are).
# So each check has been seen to fail, the table is true, and tools/exercise.sh's hints name
# real checks.
set -uo pipefail

name=$1
check=$2
table=$3
source "$TEST_SRCDIR/$TEST_WORKSPACE/docs/exercises/check_results.sh"

log=$(mktemp)
trap 'rm -f "$log"' EXIT

problems=0
problem() {
  echo "$name starter: $*"
  problems=$((problems + 1))
}

declare -A expected
failing=0
while IFS=$'\t' read -r check_name starter _hint; do
  expected[$check_name]=$starter
  [[ $starter == fail ]] && failing=$((failing + 1))
done < <(check_table "$table")
((failing > 0)) || problem "checks.tsv marks no check that the starter fails"

while IFS=$'\t' read -r result check_name; do
  case ${expected[$check_name]},$result in
    fail,FAIL | pass,PASS) ;;
    *) problem "checks.tsv says '$check_name' should ${expected[$check_name]}; it was $result" ;;
  esac
done < <(run_checks "$check" "$table" "$log")

while IFS= read -r test_case; do
  [[ -v expected[$test_case] ]] && continue
  grep -a -q -F "TEST CASE:  $test_case" "$log" ||
    problem "test case '$test_case' is not in checks.tsv, and holds none of its checks"
done < <(test_cases "$check")

if ((problems > 0)); then
  echo "(Working on this exercise? Then this is expected: this test checks the untouched"
  echo "starter, and yours has changed. tools/exercise.sh $name checks your work.)"
  echo "--- the failures on the starter:"
  failure_blocks "$log"
  exit 1
fi
echo "$name: the untouched starter fails $failing of its ${#expected[@]} checks, as checks.tsv says"
