#!/usr/bin/env bash
# lecture.sh: runs the lectures of docs/lectures/, step by step, with nothing to type.
#
#   tools/lecture.sh --list              the lectures, a line each
#   tools/lecture.sh N                   builds the demos, runs lecture N (1-8): each step
#                                        prints its command, then what the command printed
#   tools/lecture.sh --update [N...]     runs the lectures (all, or N...) and writes each
#                                        step's output into its page, between the markers
#   tools/lecture.sh --check [N...]      runs them and compares each step's output with its
#                                        page (CI): exits 1 if a page is out of date
#   tools/lecture.sh --bin DIR ...       uses the demo programs already built in DIR (as
#                                        tools/demo.sh --bin does) instead of building
#
# The steps of lecture N are in tools/lectures/N-*.sh. A page marks where each step's output
# goes:
#   <!-- output 5.2 -->
#   ```text
#   ...what the step printed, written by --update...
#   ```
#   <!-- end output -->
# --check compares modulo what legitimately differs from run to run: every number (ports, pids,
# thread ids, times, and counts that depend on scheduling) reads as N, runs of blanks as one
# blank, a bar of #s as one #, and /tmp/ss-XXXXXX folders as /tmp/ss-*. A step whose lines
# come in an order the scheduler decides (two threads tracing at once) is compared as a sorted
# list of lines; a step whose output depends on timing, by its commands alone. What
# the numbers must be is the lecture's own business: a lecture stops with "unexpected: ..."
# and exit status 1 when what it shows did not happen (no lost update, no zombie, ...).
#
# Every program listens on loopback on a port the kernel picks (port 0), or on a Unix socket
# under a fresh /tmp/ss-XXXXXX; every background process is killed and waited for at the end.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

usage() {
  cat <<'EOF'
usage: tools/lecture.sh [--bin DIR] N
       tools/lecture.sh [--bin DIR] --update|--check [N...]
       tools/lecture.sh --list

N runs lecture N (1-8) and prints each step's command and output.
--update writes the output into docs/lectures/; --check compares it with the pages.
--bin DIR uses the demo programs already built in DIR instead of building them.
EOF
}

# lecture_file N: the steps of lecture N.
lecture_file() {
  local files=("$root"/tools/lectures/"$1"-*.sh)
  [[ -f ${files[0]} ]] && echo "${files[0]}"
}
all_lectures() {
  local f
  for f in "$root"/tools/lectures/[0-9]*-*.sh; do
    f=${f##*/}
    echo "${f%%-*}"
  done | sort -n
}

list() {
  local n
  for n in $(all_lectures); do
    # Each file starts with "# Lecture N: TITLE", then "# Page: PATH".
    printf '  %s  %s\n' "$n" "$(sed -n '1s/^# Lecture [0-9]*: //p' "$(lecture_file "$n")")"
  done
}

# --- Output ------------------------------------------------------------------------------

# show WORD...: a command as one would type it, the programs by their bazel-bin path.
show() {
  local line='$' word
  for word in "$@"; do
    word=${word//"$bin"/bazel-bin/demo}
    word=${word//"$bench_bin"/bazel-bin/tests/bench}
    if [[ $word =~ ^[A-Za-z0-9_./:=@%+,-]+$ || $word == "&" ]]; then
      line+=" $word"
    else
      line+=" '$word'"
    fi
  done
  echo "$line"
}
# step ID TITLE [unordered|loose]: starts a step; its output runs to the next step. --check
# compares an unordered step's lines in any order, and only the commands of a loose one (what
# it prints depends on timing: how the kernel groups bytes, how long a call took).
step() {
  echo
  echo "--- $1 $2"
  if [[ -n ${3:-} ]]; then echo "$1 $3" >>"$work/modes"; fi
}
# observe TEXT...: what to look at, wrapped. Printed, but not copied into the page (the page
# says it in its own words).
observe() {
  echo "$*" | fold -s -w 74 | sed -e 's/ *$//' -e 's/^/  | /'
}
# unexpected MESSAGE: the lecture did not go as the page says; stop with exit status 1.
unexpected() {
  echo "lecture: unexpected: $*" >&2
  exit 1
}

# --- Running the programs ----------------------------------------------------------------

work=
running=() # pids a lecture started in the background (-PID: a process group), killed at its
#            end if still there
kill_running() {
  local p
  for p in "${running[@]}"; do
    kill -KILL -- "$p" 2>/dev/null || true
    wait "${p#-}" 2>/dev/null || true
  done
  running=()
}
cleanup() {
  if [[ -n $work ]]; then rm -rf "$work"; fi
}
trap cleanup EXIT

# run_lecture: runs the lecture's steps in a subshell of its own, which kills what they
# started in the background however it ends.
run_lecture() {
  (
    set -e
    trap kill_running EXIT
    lecture
  )
}

# alive PID: true while PID runs (a zombie does not count).
alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}

# without_inherited PROGRAM ARGS...: runs PROGRAM with only descriptors 0, 1 and 2, so that
# what a lecture shows of its descriptors does not depend on what this script inherited.
without_inherited() {
  local f
  for f in /proc/self/fd/*; do
    f=${f##*/}
    if ((f > 2)); then eval "exec $f>&-" 2>/dev/null || true; fi
  done
  exec "$@"
}

# start NAME LINES PROGRAM ARGS...: shows the command and runs it in the background (stdout in
# $work/NAME.out, stderr in $work/NAME.err); waits (10 s at most) for LINES lines on stdout
# and shows them. Sets pid, address (the first line without "listening on ") and port.
start() {
  local name=$1 lines=$2
  shift 2
  show "$@" "&"
  : >"$work/$name.out"
  : >"$work/$name.err"
  without_inherited "$@" >"$work/$name.out" 2>"$work/$name.err" &
  pid=$!
  running+=("$pid")
  local deadline=$((SECONDS + 10))
  while (($(wc -l <"$work/$name.out") < lines)); do
    if ((SECONDS >= deadline)) || ! alive "$pid"; then
      cat "$work/$name.err" >&2
      unexpected "$name did not start"
    fi
    sleep 0.05
  done
  cat "$work/$name.out"
  echo "(pid $pid)"
  address=$(sed -n '1s/^listening on //p' "$work/$name.out")
  port=${address##*:}
}

# stop PID [SIGNAL]: sends SIGNAL (TERM), waits (10 s at most) and shows the exit status.
# Sets status.
stop() {
  local p=$1 signal=${2:-TERM} waited=0
  show kill -"$signal" "$p"
  kill -"$signal" "$p"
  status=0
  # Quiet: bash reports a job killed by a signal ("Killed") whenever it reaps it.
  while alive "$p" && ((waited < 200)); do
    sleep 0.05 2>/dev/null
    waited=$((waited + 1))
  done 2>/dev/null
  if alive "$p" 2>/dev/null; then unexpected "process $p still runs 10 s after SIG$signal"; fi
  { wait "$p" || status=$?; } 2>/dev/null
  echo "(exit status $status)"
}

# wait_for FILE PATTERN [SECONDS]: waits (10 s by default) until FILE has a line matching
# PATTERN (grep -E).
wait_for() {
  local deadline=$((SECONDS + ${3:-10}))
  until grep -Eq -- "$2" "$1" 2>/dev/null; do
    ((SECONDS < deadline)) || unexpected "no line '$2' in ${1##*/} after ${3:-10} s"
    sleep 0.05
  done
}

# run PROGRAM ARGS...: shows the command, runs it (20 s at most, no input), shows its output
# (kept in $work/last) and exit status if not 0. Sets status.
run() {
  show "$@"
  status=0
  timeout 20 "$@" </dev/null >"$work/last" 2>&1 || status=$?
  cat "$work/last"
  ((status == 0)) || echo "(exit status $status)"
}

# shell TEXT: shows TEXT as typed and runs it with bash (the programs named by $bin), output
# and exit status as run does.
shell() {
  echo "\$ $1" | sed -e "s|$bin|bazel-bin/demo|g" -e "s|$bench_bin|bazel-bin/tests/bench|g"
  status=0
  timeout 30 bash -c "$1" </dev/null 2>&1 || status=$?
  ((status == 0)) || echo "(exit status $status)"
}

# clients N ARGS...: N echo_clients at once, each with ARGS (20 s at most); waits for them
# all, then prints each one's output and when it ended, counted from the start.
clients() {
  local n=$1 i pids=() t0
  shift
  show "$bin/echo_client" "$@" "&" | sed "s/^\$ /\$ for i in \$(seq $n); do /; s/\$/ done; wait/"
  t0=$EPOCHREALTIME
  for ((i = 1; i <= n; i++)); do
    {
      timeout 20 "$bin/echo_client" "$@" >"$work/client-$i.out" 2>&1
      echo $? >"$work/client-$i.status"
      since "$t0" >"$work/client-$i.time"
    } &
    pids+=($!)
  done
  wait "${pids[@]}"
  for ((i = 1; i <= n; i++)); do
    echo "client $i: $(tr '\n' ' ' <"$work/client-$i.out")(exit status" \
      "$(cat "$work/client-$i.status"), after $(cat "$work/client-$i.time") s)"
  done
}

# background NAME COMMAND: shows COMMAND with " &" and runs it with bash in the background,
# in a process group of its own (killed whole at the end), output in $work/NAME.out. Sets bg.
background() {
  echo "\$ $2 &" | sed -e "s|$bin|bazel-bin/demo|g"
  setsid bash -c "$2" >"$work/$1.out" 2>&1 </dev/null &
  bg=$!
  running+=("-$bg")
}

# end_background: kills what background started last, and waits for it.
end_background() {
  kill -KILL -- "-$bg" 2>/dev/null || true
  wait "$bg" 2>/dev/null || true
}

# indent FILE: FILE's lines, indented, as a program's stderr is shown.
indent() { sed 's/^/    /' "$1"; }

# now: seconds since the epoch, with microseconds.
now() { echo "$EPOCHREALTIME"; }
# since T: seconds since T, to a tenth.
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f\n", b - a }'; }

# --- Pages ----------------------------------------------------------------------------------

# split_steps OUTPUT DIR: writes each step's output (its lines after "--- ID TITLE", without
# the observe lines and the trailing blank ones) to DIR/ID.
split_steps() {
  awk -v dir="$2" '
    /^--- [0-9]+\.[0-9]+ / { if (file) close(file); file = dir "/" $2; printf "" > file; next }
    file && !/^  \| / { print >> file }
  ' "$1"
  local f
  for f in "$2"/*; do
    [[ -f $f ]] || continue
    sed -i -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$f"  # Trailing blank lines off.
  done
}

# page_blocks PAGE DIR: writes the page's output blocks to DIR/ID, fences off.
page_blocks() {
  awk -v dir="$2" '
    /^<!-- output [0-9]+\.[0-9]+ -->$/ { file = dir "/" $3; printf "" > file; next }
    /^<!-- end output -->$/ { close(file); file = ""; next }
    file && /^```/ { next }
    file { print >> file }
  ' "$1"
}

# update_page PAGE DIR: replaces each output block of PAGE with DIR/ID.
update_page() {
  awk -v dir="$2" '
    /^<!-- output [0-9]+\.[0-9]+ -->$/ {
      print; print "```text"
      file = dir "/" $3
      while ((getline line < file) > 0) print line
      close(file)
      print "```"
      skipping = 1; next
    }
    /^<!-- end output -->$/ { skipping = 0 }
    !skipping { print }
  ' "$1" >"$1.new"
  mv "$1.new" "$1"
}

# normalise FILE [unordered|loose]: the text --check compares.
normalise() {
  sed -E -e 's|/tmp/ss-[A-Za-z0-9]{6}|/tmp/ss-*|g' -e 's/[0-9]+(\.[0-9]+)?/N/g' \
    -e 's/#+/#/g' -e 's/[[:space:]]+/ /g' -e 's/^ //' -e 's/ $//' "$1" |
    case ${2:-} in
      unordered) sort ;;
      loose) grep '^\$ ' || true ;;
      *) cat ;;
    esac
}

# --- Main ----------------------------------------------------------------------------------

bin=
bench_bin=
if [[ ${1:-} == --bin ]]; then
  [[ $# -ge 2 && -d $2 ]] || {
    echo "lecture.sh: --bin needs a folder of built demo programs" >&2
    echo "Try 'tools/lecture.sh --help' for more." >&2
    exit 2
  }
  bin=$(cd "$2" && pwd)
  shift 2
fi

mode=run
case ${1:-} in
  --list)
    list
    exit 0
    ;;
  --help | -h)
    usage
    exit 0
    ;;
  --update | --check)
    mode=${1#--}
    shift
    ;;
  "")
    echo "lecture.sh: which lecture? (1-8)" >&2
    echo "Try 'tools/lecture.sh --list' for the lectures." >&2
    exit 2
    ;;
esac
lectures=("$@")
if [[ $mode == run ]] && (($# != 1)); then
  echo "lecture.sh: one lecture at a time: $*" >&2
  echo "Try 'tools/lecture.sh --help' for more." >&2
  exit 2
fi
if ((${#lectures[@]} == 0)); then mapfile -t lectures < <(all_lectures); fi
for n in "${lectures[@]}"; do
  if [[ ! $n =~ ^[0-9]+$ ]] || [[ -z $(lecture_file "$n") ]]; then
    echo "lecture.sh: no lecture '$n'" >&2
    echo "Try 'tools/lecture.sh --list' for the lectures." >&2
    exit 2
  fi
done

if [[ -z $bin ]]; then
  cd "$root"
  tools/setup.sh >&2
  echo "lecture: building //demo:all and //tests/bench:echo_bench ..." >&2
  build_log=$(mktemp)
  if ! bazel build //demo:all //tests/bench:echo_bench >"$build_log" 2>&1; then
    cat "$build_log" >&2
    rm -f "$build_log"
    exit 1
  fi
  rm -f "$build_log"
  bin=$(bazel info bazel-bin 2>/dev/null)/demo
fi
bench_bin=$(cd "$bin/.." && pwd)/tests/bench
cd "$root"  # The lectures show source files by their path in the repository.

failed=()
for n in "${lectures[@]}"; do
  file=$(lecture_file "$n")
  page=$root/$(sed -n '2s/^# Page: //p' "$file")
  work=$(mktemp -d /tmp/ss-XXXXXX)
  : >"$work/modes"
  # shellcheck source=/dev/null
  source "$file"
  started_at=$EPOCHREALTIME
  if [[ $mode == run ]]; then
    echo "=== Lecture $n: $(sed -n '1s/^# Lecture [0-9]*: //p' "$file") (${page#"$root"/})"
    run_lecture
    echo
    echo "=== Lecture $n done in $(since "$started_at") s"
  else
    echo "lecture.sh: lecture $n ..." >&2
    set +e
    run_lecture >"$work/output" 2>&1
    rc=$?
    set -e
    if ((rc != 0)); then
      cat "$work/output" >&2
      unexpected "lecture $n failed"
    fi
    mkdir "$work/new" "$work/old"
    split_steps "$work/output" "$work/new"
    page_blocks "$page" "$work/old"
    if [[ $mode == update ]]; then
      update_page "$page" "$work/new"
      echo "lecture.sh: lecture $n: ${page#"$root"/} updated ($(since "$started_at") s)" >&2
    else
      stale=()
      for f in "$work"/new/* "$work"/old/*; do
        id=${f##*/}
        [[ " ${stale[*]} " == *" $id "* ]] && continue
        how=$(awk -v id="$id" '$1 == id { print $2 }' "$work/modes")
        if [[ ! -f $work/new/$id ]]; then
          stale+=("$id") && echo "lecture.sh: ${page#"$root"/}: block $id: no such step" >&2
        elif [[ ! -f $work/old/$id ]]; then
          stale+=("$id") && echo "lecture.sh: ${page#"$root"/}: step $id has no block" >&2
        elif ! diff <(normalise "$work/old/$id" $how) <(normalise "$work/new/$id" $how) \
          >"$work/diff"; then
          stale+=("$id")
          echo "lecture.sh: ${page#"$root"/}: step $id differs (< page, > run):" >&2
          sed 's/^/    /' "$work/diff" >&2
        fi
      done
      if ((${#stale[@]} > 0)); then
        failed+=("$n")
      else
        echo "lecture.sh: lecture $n: up to date ($(since "$started_at") s)" >&2
      fi
    fi
  fi
  cleanup
  work=
done
if ((${#failed[@]} > 0)); then
  echo "lecture.sh: out of date: lecture ${failed[*]}; run tools/lecture.sh --update ${failed[*]}" >&2
  exit 1
fi
