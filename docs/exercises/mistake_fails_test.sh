#!/usr/bin/env bash
# mistake_fails_test.sh NAME CHECK TSV FAILS: a known mistake fails the checks it must.
#
# A check that the untouched starter passes (checks.tsv says "pass") has not been seen to fail
# by :starter_fails. A mistake is a wrong answer a student could write (mistakes/M/ beside
# starter/); FAILS lists, one a line, the checks it must fail, so each of those checks is seen
# to fail too. CHECK is the check compiled against the mistake; TSV is the exercise's table.
set -uo pipefail

name=$1
check=$2
table=$3
fails=$4
source "$TEST_SRCDIR/$TEST_WORKSPACE/docs/exercises/check_results.sh"

log=$(mktemp)
trap 'rm -f "$log"' EXIT

declare -A result
while IFS=$'\t' read -r r check_name; do result[$check_name]=$r; done < <(run_checks "$check" "$table" "$log" "$fails")

problems=0
count=0
while IFS= read -r check_name; do
  count=$((count + 1))
  if [[ ! -v result[$check_name] ]]; then
    echo "$name: '$check_name' is not a check of checks.tsv"
    problems=$((problems + 1))
  elif [[ ${result[$check_name]} != FAIL ]]; then
    echo "$name: the mistake should fail '$check_name'; it was ${result[$check_name]}"
    problems=$((problems + 1))
  fi
done < <(check_names "$fails")

if ((problems > 0 || count == 0)); then
  echo "--- the failures:"
  failure_blocks "$log"
  exit 1
fi
echo "$name: the mistake fails the $count check(s) it must"
