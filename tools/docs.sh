#!/usr/bin/env bash
# docs.sh: builds the API reference with Doxygen; any Doxygen warning is an error.
#
#   tools/docs.sh                 HTML in out/api/html (open out/api/html/index.html)
#   tools/docs.sh --out DIR       HTML in DIR/html
#   tools/docs.sh --check         only the checks: every public class and member documented,
#                                 every reference resolved; writes nothing to keep
#   tools/docs.sh --xml DIR       Doxygen's XML in DIR/xml, for tools that read the API
#                                 (docs/python_to_cpp_test.py), checks included
#
# Reads the public headers of server/, handlers/ and mixins/ (and socketserver.h), README.md
# (the main page), and as related pages docs/*.md, the lectures (docs/lectures/) and the
# exercises' statements (docs/exercises/*/README.md), with tools/Doxyfile. Doxygen reads only `///` comments, the
# headers use `//`: tools/doxygen_filter.py copies every input to a staging folder as Doxygen
# should read it (line numbers kept), and Doxygen runs there; warnings name the real files.
# Prints the warnings and exits 1 if there is any. Needs doxygen and graphviz (Debian
# packages; tools/setup.sh installs them). out/ is git-ignored.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

usage() { echo "usage: tools/docs.sh [--out DIR | --check | --xml DIR]"; }
mode=html
out=$root/out/api
while (($# > 0)); do
  case $1 in
    --out | --xml)
      if (($# < 2)); then
        echo "docs: $1 needs a folder" >&2
        usage >&2
        exit 2
      fi
      [[ $1 == --xml ]] && mode=xml
      mkdir -p "$2"
      out=$(cd "$2" && pwd)
      shift 2
      ;;
    --check)
      mode=check
      shift
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      echo "docs: unknown argument '$1'" >&2
      usage >&2
      exit 2
      ;;
  esac
done

if ! command -v doxygen >/dev/null 2>&1; then
  echo "docs: doxygen not found; run tools/setup.sh (Debian packages doxygen and graphviz)" >&2
  exit 1
fi

stage=$(mktemp -d "${TMPDIR:-/tmp}/ss-docs-XXXXXX")
trap 'rm -rf "$stage"' EXIT

# The same inputs as tools/Doxyfile's INPUT and EXCLUDE: staged, then read from the stage.
inputs=(README.md docs/*.md docs/lectures/*.md docs/exercises/README.md docs/exercises/*/README.md)
[[ -f socketserver.h ]] && inputs+=(socketserver.h)  # A top-level header, if there is one.
for header in server/*.h handlers/*.h mixins/*.h; do
  case $header in
    server/unix_socket_file.h) ;;  # Internal.
    *) inputs+=("$header") ;;
  esac
done
python3 tools/doxygen_filter.py --out "$stage" "${inputs[@]}"

mkdir -p "$out"  # Doxygen makes one level of folder, not two (out/api).
settings=("OUTPUT_DIRECTORY = $out")
case $mode in
  check) settings+=("OUTPUT_DIRECTORY = $stage/out" "GENERATE_HTML = NO" "HAVE_DOT = NO" "GENERATE_XML = YES") ;;
  xml) settings+=("GENERATE_HTML = NO" "HAVE_DOT = NO" "GENERATE_XML = YES") ;;
esac

warnings=$stage/warnings.txt
status=0
(
  cd "$stage"
  {
    cat "$root/tools/Doxyfile"
    # Doxygen already reads filtered copies; WARN_AS_ERROR is judged here, after the run.
    printf '%s\n' "FILTER_PATTERNS =" "WARN_AS_ERROR = NO" "WARN_LOGFILE = $warnings" \
      "${settings[@]}"
  } | doxygen -
) || status=$?
# Warnings name the staged copies; name the files of the repository instead.
sed -i "s|$stage/||g" "$warnings"

if [[ -s $warnings ]]; then
  cat "$warnings" >&2
  echo "docs: $(grep -c . "$warnings") Doxygen warning(s): fix them (see tools/Doxyfile)" >&2
  exit 1
fi
if ((status != 0)); then
  echo "docs: doxygen failed (exit $status)" >&2
  exit 1
fi
case $mode in
  html) echo "docs: $out/html/index.html" ;;
  check) echo "docs: no warnings" ;;
  xml) echo "docs: $out/xml" ;;
esac
