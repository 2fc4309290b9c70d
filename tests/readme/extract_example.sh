#!/usr/bin/env bash
# extract_example.sh NAME README OUT: writes to OUT the C++ example of README that follows the
# line "<!-- example: NAME ...", so that the README's code is the code the tests compile.
#
# One change: the address "127.0.0.1:8123" becomes readme_address() (readme_address.h), so the
# test can run the example on a port the kernel picks. Fails if the example or the address is
# missing, so the README cannot drift away from the test silently.
set -euo pipefail

name=$1 readme=$2 out=$3
code=$(awk -v marker="<!-- example: $name " '
  index($0, marker) == 1 { found = 1; next }
  found && !inside && /^```cpp$/ { inside = 1; next }
  inside && /^```$/ { exit }
  inside { print }
' "$readme")
if [[ -z $code ]]; then
  echo "extract_example: no C++ block after '<!-- example: $name' in $readme" >&2
  exit 1
fi
if (($(grep -c '"127.0.0.1:8123"' <<<"$code") != 1)); then
  echo "extract_example: the $name example must name \"127.0.0.1:8123\" exactly once" >&2
  exit 1
fi
{
  echo '#include "tests/readme/readme_address.h"  // Added by extract_example.sh.'
  sed 's/"127\.0\.0\.1:8123"/readme_address()/' <<<"$code"
} >"$out"
