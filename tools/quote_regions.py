#!/usr/bin/env python3
"""quote_regions.py: keeps the code that Markdown pages quote equal to the compiled code.

The sources mark regions for quoting (docs/STYLE):

    // [run_request]
    bool BaseServer::run_request(...) { ... }
    // [end]

and a page quotes one with a marker line right above a fenced block:

    <!-- quoted from server/base_server.cc, region [run_request] -->
    ```cpp
    ...
    ```

    tools/quote_regions.py PAGE...           rewrites each quoted block from its region
    tools/quote_regions.py --check PAGE...   writes nothing; exits 1 naming each block that
                                             differs, or whose file or region is missing

A region inside a class (a header's member function) is quoted without its common indent.
Paths are relative to the repository's root; run it from there.
"""
import re
import sys
import textwrap

MARKER_RE = re.compile(r"^<!-- quoted from (\S+), region \[(\w+)\] -->$")


def region(path, name):
    """The lines between `// [name]` and the next `// [end]`, dedented; None if absent."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return None
    m = re.search(r"^[ \t]*// \[%s\]\n(.*?)^[ \t]*// \[end\]" % re.escape(name), text,
                  re.S | re.M)
    return textwrap.dedent(m.group(1)).rstrip("\n").split("\n") if m else None


def quote_page(path, check):
    """Returns the problems found; rewrites the page unless check."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    problems, out, i = [], [], 0
    while i < len(lines):
        out.append(lines[i])
        m = MARKER_RE.match(lines[i])
        i += 1
        if not m:
            continue
        where = "%s:%d: [%s] in %s" % (path, i, m.group(2), m.group(1))
        if i >= len(lines) or not lines[i].startswith("```"):
            problems.append(where + ": no fenced block below the marker")
            continue
        end = lines.index("```", i + 1)
        code = region(m.group(1), m.group(2))
        if code is None:
            problems.append(where + ": no such file or region")
            code = lines[i + 1:end]
        elif code != lines[i + 1:end]:
            problems.append(where + ": differs from the source")
        out += [lines[i]] + code + ["```"]
        i = end + 1
    if not check and out != lines:
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(out))
    return problems


def main(argv):
    check = "--check" in argv[1:]
    pages = [a for a in argv[1:] if a != "--check"]
    if not pages or any(p.startswith("-") for p in pages):
        print("usage: tools/quote_regions.py [--check] PAGE...", file=sys.stderr)
        return 2
    problems = [p for page in pages for p in quote_page(page, check)]
    for problem in problems:
        print(problem if check else problem.replace(": differs from the source", ": rewritten"))
    return 1 if check and problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
