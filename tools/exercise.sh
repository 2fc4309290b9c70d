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
# Builds //docs/exercises/NAME:check (or :check_solution) with Bazel, runs each check of
# NAME/checks.tsv on its own (docs/exercises/check_results.sh says why), prints the failures
# as doctest reports them, then one line per check: PASS, or FAIL with its hint. Exits 0 when
# every check passes, 1 when one does not, 2 on wrong usage.
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
results=$(mktemp)
trap 'rm -f "$log" "$results"' EXIT
run_checks "bazel-bin/$exercises/$name/$target" "$exercises/$name/checks.tsv" "$log" >"$results"
failure_blocks "$log"

declare -A hint_of
while IFS=$'\t' read -r check_name _starter hint; do
  hint_of[$check_name]=$hint
done < <(check_table "$exercises/$name/checks.tsv")

passed=0
total=0
report=""
while IFS=$'\t' read -r result check_name; do
  total=$((total + 1))
  case $result in
    PASS)
      passed=$((passed + 1))
      report+="  PASS     $check_name"$'\n'
      ;;
    TIMEOUT) report+="  TIMEOUT  $check_name (stopped after 300 s: something waits for ever)"$'\n' ;;
    *) report+="  FAIL     $check_name"$'\n'"           hint: ${hint_of[$check_name]}"$'\n' ;;
  esac
done <"$results"

echo
echo "$name: $passed of $total checks pass"
printf '%s' "$report"
((passed == total))
