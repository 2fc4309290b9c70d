#!/usr/bin/env bash
# setup.sh: checks that this machine has what the project needs, and installs what is missing.
#
#   g++        the C++17 compiler                    Debian package g++
#   bazel      Bazel 4 (builds fully offline)        Debian package bazel-bootstrap
#   doctest    /usr/include/doctest/doctest.h        Debian package doctest-dev
#   python3    the Python interop tests              Debian package python3 (/usr/bin/python3)
#   ps         tools/demo.sh shows a zombie with it   Debian package procps
#   ss         lecture 8 shows the listen queue       Debian package iproute2
#   doxygen    the API reference (tools/docs.sh)     Debian package doxygen
#   dot        its class diagrams                    Debian package graphviz
#   strace     tools/bench.sh counts system calls     Debian package strace
#   gnuplot    tools/bench.sh --plot draws with it    Debian package gnuplot-nox
#   with --fuzz (tools/fuzz.sh asks for it):
#   clang++-14 and libFuzzer                         Debian packages clang-14, libclang-rt-14-dev
#
# Safe to run again and again: when everything is there it only says so. It installs with
# apt-get, and runs `apt-get update` first only when there is something to install. Installing
# needs root (or sudo without a password); without either it says what to install and exits 1.
set -euo pipefail

fuzz=false  # --fuzz: also clang and libFuzzer, for tools/fuzz.sh.
case ${1:-} in
  --fuzz) fuzz=true ;;
  "") ;;
  *)
    echo "setup: unknown flag $1 (the only one is --fuzz)" >&2
    exit 2
    ;;
esac

missing=()  # Debian packages to install

# have NAME PACKAGE TEST...: runs TEST; prints "found" or records PACKAGE as missing.
have() {
  local name=$1 package=$2
  shift 2
  if "$@" >/dev/null 2>&1; then
    echo "setup: found $name"
  else
    echo "setup: missing $name (Debian package $package)"
    missing+=("$package")
  fi
}

have_all() {
  missing=()
  have "g++ ($(g++ -dumpfullversion 2>/dev/null || echo '?'))" g++ command -v g++
  have "bazel ($(dpkg-query -W -f='${Version}' bazel-bootstrap 2>/dev/null || echo '?'))" \
    bazel-bootstrap command -v bazel
  have "doctest (/usr/include/doctest/doctest.h)" doctest-dev \
    test -f /usr/include/doctest/doctest.h
  # /usr/bin/python3 itself: the py_test toolchain (third_party/python) names that path, and
  # a python3 found elsewhere on PATH (pyenv, say) would not do.
  have "python3 ($(/usr/bin/python3 --version 2>/dev/null || echo '?'))" python3 \
    test -x /usr/bin/python3
  have "ps" procps command -v ps
  have "ss" iproute2 command -v ss
  have "doxygen ($(doxygen --version 2>/dev/null || echo '?'))" doxygen command -v doxygen
  have "dot (graphviz)" graphviz command -v dot
  have "strace" strace command -v strace
  have "gnuplot" gnuplot-nox command -v gnuplot
  if $fuzz; then
    have "clang++-14" clang-14 command -v clang++-14
    have "libFuzzer (libclang_rt.fuzzer)" libclang-rt-14-dev \
      sh -c 'ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a'
  fi
}

have_all
if ((${#missing[@]} == 0)); then
  echo "setup: nothing to install"
  exit 0
fi

# Root, or a sudo that asks no password: anything else could not run unattended (CI).
if ((EUID == 0)); then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "setup: cannot install ${missing[*]}: not root, and no sudo without a password." >&2
  echo "setup: as root, run: apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup: cannot install ${missing[*]}: no apt-get (this project expects Debian)." >&2
  exit 1
fi

echo "setup: installing ${missing[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -q --no-install-recommends "${missing[@]}"

# Check again: a package that installed but did not provide what we need is an error.
have_all
if ((${#missing[@]} > 0)); then
  echo "setup: still missing after installing: ${missing[*]}" >&2
  exit 1
fi
echo "setup: done"
