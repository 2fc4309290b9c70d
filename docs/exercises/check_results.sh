# check_results.sh: reads what a check program printed (doctest's console output, run with
# --success so that passing checks are named too). Sourced by tools/exercise.sh and by
# starter_fails_test.sh.
#
# doctest prints one block per assertion, between lines of '=':
#     file.cc:12:
#     TEST CASE:  a line comes back in capitals
#       a subcase, if any (one line per level)
#
#     file.cc:15: ERROR: CHECK( reply == "HELLO\n" ) is NOT correct!
# A check is the deepest subcase named, else the test case. A check FAILs if any of its
# blocks reports an error (a failed assertion, an exception, a crash), and PASSes if it was
# seen and none did. A check never seen did not run: an earlier one stopped its test case.

# check_results LOG: "PASS<TAB>name" or "FAIL<TAB>name" for each check seen, in order.
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

# failure_blocks LOG: the blocks that report an error, as doctest prints them without
# --success, and doctest's closing summary.
failure_blocks() {
  awk '
    function flush() { if (failed) printf "%s", block; block = ""; failed = 0 }
    /^====================+$/ { flush(); block = $0 "\n"; next }
    /^\[doctest\] (test cases|assertions|Status)/ { flush(); print; next }
    { block = block $0 "\n" }
    / ERROR: / || /CRASHED/ || / THREW / { failed = 1 }
    END { flush() }
  ' "$1"
}

# check_table TSV: the rows of a checks.tsv, "name<TAB>starter<TAB>hint", without comments
# and blank lines. `starter` is "fail" or "pass": what the untouched starter does.
check_table() {
  grep -v -e '^#' -e '^[[:space:]]*$' "$1"
}
