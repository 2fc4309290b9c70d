#!/usr/bin/env bash
# lecture_pages_test: the lectures and their pages agree without running anything:
#   - tools/lecture.sh --list names lectures 1 to 8, a line each;
#   - every step a lecture's script declares (step N.M) has an output block on its page, and
#     every block on a page is a step of its script, in the same order;
#   - no block is empty (tools/lecture.sh --update has filled them);
#   - docs/lectures/README.md links every page;
#   - an unknown lecture, or none, exits 2 with a hint.
# Running the lectures, and comparing what they print with the pages, is CI's
# `tools/lecture.sh --check` (.ci/run): it needs the demo programs and takes a minute and a half.
#
# Usage (Bazel passes it): lecture_pages_test.sh PATH/TO/tools/lecture.sh
set -euo pipefail
lecture=$1
root=$(cd "$(dirname "$lecture")/.." && pwd)
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

list=$("$lecture" --list)
echo "$list"
for n in 1 2 3 4 5 6 7 8; do
  grep -Eq "^  $n  [A-Za-z]" <<<"$list" || fail "--list: no line for lecture $n"
done

for script in "$root"/tools/lectures/[0-9]*-*.sh; do
  page=$root/$(sed -n '2s/^# Page: //p' "$script")
  [[ -f $page ]] || {
    fail "${script##*/}: no page $page"
    continue
  }
  steps=$(grep -Eo '^ *step [0-9]+\.[0-9]+ ' "$script" | awk '{ print $2 }')
  blocks=$(sed -n 's/^<!-- output \([0-9.]*\) -->$/\1/p' "$page")
  [[ $steps == "$blocks" ]] || fail "${page##*/}: blocks [$(echo $blocks)] but steps [$(echo $steps)]"
  # An empty block: the marker, the fence, the fence again.
  if awk '/^<!-- output / { n = 0; id = $3; next } /^<!-- end output -->$/ { if (n <= 2) { print id; bad = 1 } }
          { n++ } END { exit !bad }' "$page"; then
    fail "${page##*/}: an empty block (run tools/lecture.sh --update)"
  fi
  grep -qF "(${page##*/})" "$root/docs/lectures/README.md" || fail "README.md does not link ${page##*/}"
done

for args in "9" "x" ""; do
  status=0
  out=$("$lecture" $args 2>&1) || status=$?
  ((status == 2)) || fail "tools/lecture.sh $args: exit status $status, expected 2"
  grep -q "Try 'tools/lecture.sh --" <<<"$out" || fail "tools/lecture.sh $args: no hint: $out"
done

if ((failures > 0)); then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all checks passed"
