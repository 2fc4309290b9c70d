#!/usr/bin/env bash
# exercise.sh: runs an exercise's check and says which checks pass, with a hint for each one
# that fails. The exercises are in docs/exercises/ (README.md there lists them).
#
#   tools/exercise.sh --list                  the exercises, one a line
#   tools/exercise.sh NAME                    the check against your code: NAME/starter/,
#                                             as you have edited it
#   tools/exercise.sh NAME --solution         the check against the reference solution
#   tools/exercise.sh NAME --config=tsan      under ThreadSanitizer (or asan): finds the data
#                                             races and memory errors a plain run may miss
#
# Builds //docs/exercises/NAME:check (or :check_solution) with Bazel, runs it, prints the
# failures as doctest reports them, then one line per check of NAME/checks.tsv: PASS, FAIL
# with its hint, or NOT RUN (an earlier failure stopped it). Exits 0 when every check passes,
# 1 when one does not, 2 on wrong usage.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
exercises=docs/exercises
source "$exercises/check_results.sh"

usage() {
  echo "exercise: $1" >&2
  echo "hint: tools/exercise.sh --list shows the exercises; tools/exercise.sh NAME [--solution]" \
    "[--config=asan|tsan] runs one" >&2
  exit 2
}

# The exercises' folder names, in the order of their titles' numbers.
list_names() {
  local readme
  for readme in "$exercises"/*/README.md; do
    [[ -f $(dirname "$readme")/checks.tsv ]] || continue
    printf '%s\t%s\n' "$(head -n 1 "$readme" | sed -e 's/^# Exercise \([0-9]*\).*/\1/')" \
      "$(basename "$(dirname "$readme")")"
  done | sort -n | cut -f 2
}

name=""
target=check
config=()
for arg in "$@"; do
  case $arg in
    --list)
      (($# == 1)) || usage "--list takes nothing else"
      for n in $(list_names); do
        printf '%-16s %s\n' "$n" "$(head -n 1 "$exercises/$n/README.md" | sed 's/^# Exercise //')"
      done
      exit 0
      ;;
    --solution) target=check_solution ;;
    --config=asan | --config=tsan) config=("$arg") ;;
    -*) usage "unknown option '$arg'" ;;
    *)
      [[ -z $name ]] || usage "one exercise at a time, not '$name' and '$arg'"
      name=$arg
      ;;
  esac
done
[[ -n $name ]] || usage "which exercise?"
[[ $name =~ ^[a-z0-9_]+$ && -f $exercises/$name/checks.tsv ]] ||
  usage "no exercise named '$name'"

if ! tools/setup.sh >/dev/null; then
  echo "exercise: tools/setup.sh failed (run it to see why)" >&2
  exit 1
fi

what="your code ($exercises/$name/starter/)"
[[ $target == check ]] || what="the reference solution ($exercises/$name/solution/)"
echo "exercise: checking $what"
if ! bazel build "${config[@]}" "//$exercises/$name:$target"; then
  echo "exercise: $name does not build; the compiler's messages are above" >&2
  exit 1
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
# --success names the checks that pass too; failure_blocks shows only the failures. The bound
# is far above any check's own deadlines: a hang in the code under test ends here.
timeout 600 "bazel-bin/$exercises/$name/$target" --success >"$log" 2>&1
status=$?
set -e
failure_blocks "$log"
# A sanitizer's report, which doctest does not frame: from its first line, at most 80 lines.
first=$(grep -a -n -m 1 -e 'Sanitizer' -e 'runtime error:' "$log" | cut -d: -f1 || true)
[[ -z $first ]] || tail -n "+$first" "$log" | head -n 80

declare -A result
while IFS=$'\t' read -r r check_name; do result[$check_name]=$r; done < <(check_results "$log")

passed=0
total=0
report=""
while IFS=$'\t' read -r check_name _starter hint; do
  total=$((total + 1))
  case ${result[$check_name]:-NOT RUN} in
    PASS)
      passed=$((passed + 1))
      report+="  PASS     $check_name"$'\n'
      ;;
    FAIL) report+="  FAIL     $check_name"$'\n'"           hint: $hint"$'\n' ;;
    *) report+="  NOT RUN  $check_name (an earlier failure stopped it)"$'\n' ;;
  esac
done < <(check_table "$exercises/$name/checks.tsv")

echo
echo "$name: $passed of $total checks pass"
printf '%s' "$report"
if ((status == 124)); then
  echo "exercise: the check was stopped after 600 s: something waits for ever"
elif ((status != 0 && passed == total)); then
  echo "exercise: the check program failed (exit status $status); see its output above"
fi
((passed == total && status == 0))
