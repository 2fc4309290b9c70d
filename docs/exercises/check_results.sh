# check_results.sh: runs a check program (doctest) one check at a time and says which checks
# pass. Sourced by tools/exercise.sh and by the tests starter_fails, mistake_M_fails and
# mistakes_cover.
#
# A check is a row of the exercise's checks.tsv: a test case of check.cc, or a subcase of one
# (the selector contract is one test case of many subcases). Each runs in a process of its
# own, because doctest stops a whole test case at its first failed REQUIRE or exception: run
# together, the checks after the first failure would never run, and nothing would prove that
# they can fail.
#
# Run with --success, doctest prints one block per assertion, between lines of '=':
#     file.cc:12:
#     TEST CASE:  a line comes back in capitals
#       a subcase, if any (one line per level)
#
#     file.cc:15: ERROR: CHECK( reply == "HELLO\n" ) is NOT correct!
# A block belongs to the deepest subcase it names, else to its test case.

# check_table TSV: the rows of a checks.tsv, "name<TAB>starter<TAB>hint", without comments
# and blank lines. `starter` is "fail" or "pass": what the untouched starter does. Like
# check_names, every row ends in a newline (a last line without one is not lost to `read`),
# and a carriage return (a file saved with CRLF) is dropped.
check_table() {
  tr -d '\r' <"$1" | grep -v -e '^#' -e '^[[:space:]]*$'
}

# check_names FILE: the check names of a fails.txt (or any list of names), one a line.
check_names() {
  tr -d '\r' <"$1" | grep -v -e '^[[:space:]]*$'
}

# check_results LOG: "PASS<TAB>name" or "FAIL<TAB>name" for each check seen in LOG, in
# order. FAIL if any of its blocks reports an error (a failed assertion, an exception, a
# crash), PASS if none does.
check_results() {
  awk '
    function flush(   status) {
      if (name != "") {
        status = failed ? "FAIL" : "PASS"
        if (!(name in result)) order[++count] = name
        if (result[name] != "FAIL") result[name] = status
      }
      name = ""; failed = 0; state = "before"
    }
    /^====================+$/ { flush(); next }
    state == "before" && /^TEST CASE:  / { name = substr($0, 13); state = "header"; next }
    state == "header" && /^  [^ ]/ { name = substr($0, 3); next }
    state == "header" && /^$/ { state = "body"; next }
    state == "body" && /^DEEPEST SUBCASE STACK REACHED/ { state = "header"; next }
    state == "body" && (/ ERROR: / || /CRASHED/ || / THREW /) { failed = 1 }
    END {
      flush()
      for (i = 1; i <= count; i++) print result[order[i]] "\t" order[i]
    }
  ' "$1"
}

# failure_blocks LOG: the blocks of LOG that report an error, as doctest prints them without
# --success, and the first lines of a sanitizer's report, which doctest does not frame.
failure_blocks() {
  awk '
    function flush() { if (failed) printf "%s", block; block = ""; failed = 0 }
    /^====================+$/ { flush(); block = $0 "\n"; next }
    /^\[doctest\]/ { next }
    /Sanitizer|runtime error:/ && !sanitizer { flush(); sanitizer = 80 }
    sanitizer > 0 { print; sanitizer--; next }
    { block = block $0 "\n" }
    / ERROR: / || /CRASHED/ || / THREW / { failed = 1 }
    END { flush() }
  ' "$1"
}

# A doctest filter that matches NAME itself: a comma would separate two filters.
doctest_filter() {
  local name=${1//\\/\\\\}
  printf '%s' "${name//,/\\,}"
}

# test_cases CHECK: the names of the program's test cases, one a line.
test_cases() {
  "$1" --list-test-cases --no-version | sed -e '/^====================*$/d' -e '/^\[doctest\]/d'
}

# run_checks CHECK TSV LOG [ONLY]: runs each check of TSV (or only those named in the file
# ONLY, one a line) on its own and prints one line per check run, in the table's order:
# "PASS<TAB>name", "FAIL<TAB>name", "TIMEOUT<TAB>name" (stopped after 300 s) or
# "NOT RUN<TAB>name" (the program has no such check). A check whose run exits non-zero
# fails even if its assertions held (a sanitizer's report, a crash), and so does one whose
# run ended non-zero before it reported anything (a sanitizer that stops the process in the
# middle of doctest's report of a crash). Appends every run's output to LOG.
run_checks() {
  local check=$1 table=$2 log=$3 only=${4:-}
  local -A is_test_case=() in_table=() wanted=()
  local name _rest test_case parents=() filter one status result
  while IFS= read -r test_case; do is_test_case[$test_case]=1; done < <(test_cases "$check")
  while IFS=$'\t' read -r name _rest; do in_table[$name]=1; done < <(check_table "$table")
  # Test cases not in the table are the ones whose subcases are.
  for test_case in "${!is_test_case[@]}"; do
    [[ -v in_table[$test_case] ]] || parents+=("$(doctest_filter "$test_case")")
  done
  if [[ -n $only ]]; then
    while IFS= read -r name; do wanted[$name]=1; done < <(check_names "$only")
  fi
  one=$(mktemp)
  while IFS=$'\t' read -r name _rest; do
    [[ -z $only || -v wanted[$name] ]] || continue
    if [[ -v is_test_case[$name] ]]; then
      filter=("--test-case=$(doctest_filter "$name")")
    else
      filter=("--test-case=$(IFS=,; echo "${parents[*]}")" "--subcase=$(doctest_filter "$name")")
    fi
    status=0
    timeout 300 "$check" --success --no-version "${filter[@]}" >"$one" 2>&1 </dev/null || status=$?
    result=$(check_results "$one" | awk -F '\t' -v name="$name" '$2 == name { print $1 }')
    if ((status == 124)); then
      result=TIMEOUT
    elif [[ -z $result ]] && ((status == 0)); then
      result="NOT RUN"
    elif ((status != 0)); then
      result=FAIL
    fi
    printf '%s\t%s\n' "$result" "$name"
    cat "$one" >>"$log"
  done < <(check_table "$table")
  rm -f "$one"
}
