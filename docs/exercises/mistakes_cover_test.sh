#!/usr/bin/env bash
# mistakes_cover_test.sh NAME TSV [FAILS...]: every check is seen to fail by some test.
#
# :starter_fails sees the checks that checks.tsv marks "fail" fail; a check the untouched
# starter passes is seen to fail only by a mistake (mistakes/M/) whose fails.txt lists it.
# This test passes only if each "pass" check of TSV is listed in one of the FAILS files: a
# check nothing is seen to fail could be a check that cannot fail.
set -uo pipefail

name=$1
table=$2
shift 2
source "$TEST_SRCDIR/$TEST_WORKSPACE/docs/exercises/check_results.sh"

declare -A failed_by_a_mistake
for fails in "$@"; do
  while IFS= read -r check_name; do failed_by_a_mistake[$check_name]=1; done < <(check_names "$fails")
done

problems=0
while IFS=$'\t' read -r check_name starter _; do
  [[ $starter == pass ]] || continue
  if [[ ! -v failed_by_a_mistake[$check_name] ]]; then
    echo "$name: no mistake fails '$check_name', which the starter passes:" \
      "add one under mistakes/ that a student could write"
    problems=$((problems + 1))
  fi
done < <(check_table "$table")
if ((problems > 0)); then
  exit 1
fi
echo "$name: every check the starter passes is failed by a mistake"
