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

problems=0
while IFS=$'\t' read -r check_name starter _; do
  [[ $check_name == \#* || -z $check_name || $starter != pass ]] && continue
  if (($# == 0)) || ! grep -qxF -- "$check_name" "$@"; then
    echo "$name: no mistake fails '$check_name', which the starter passes:" \
      "add one under mistakes/ that a student could write"
    problems=$((problems + 1))
  fi
done <"$table"
if ((problems > 0)); then
  exit 1
fi
echo "$name: every check the starter passes is failed by a mistake"
