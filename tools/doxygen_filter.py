#!/usr/bin/env python3
"""doxygen_filter.py: lets Doxygen read the headers' plain `//` comments, as they are written.

Doxygen reads only `///`, `//!` and `/** */` comments; the headers use `//` (docs/STYLE: a
header opens with what it is, its Python twin, what it owns and its hooks; each member has its
comment above it or after it on the same line). Doxygen sees each header as this script
prints it; the files stay untouched. tools/docs.sh filters every input once into a staging
folder (one Python process, not one per file), and tools/Doxyfile names it as the filter too.

    tools/doxygen_filter.py server/tcp_server.h     prints what Doxygen reads
    tools/doxygen_filter.py --out DIR FILE...       writes each FILE so to DIR/FILE

What changes (every line keeps its number, so Doxygen's warnings name the right line):
- A `//` block right above a declaration becomes `///`: that declaration's documentation.
  A block followed by a blank line, a preprocessor line, an access label or a closing brace
  documents nothing and stays as it is (`// --- For the caller ---`).
- `code;  // text` after a declaration becomes `code;  ///< text`; on the first line of a
  declaration that goes on (`void f() {  // text`, a constructor whose initializers follow),
  the comment goes before it: `/** text */ void f() {`.
- Comments inside function bodies stay plain: they explain code, not the API.
- The header's opening block stays plain where it is, and is appended after the last line
  as the documentation of the file and of each class its first line names
  ("ForkingMixIn<Server>: ...", "Seconds and Deadline: ...").
- Characters that Doxygen would take for commands or HTML outside `code spans`
  (\\ @ < > & # % $) are escaped, so `ForkingMixIn<Server>` is text, not an unknown tag.
In a Markdown page (README.md, docs/*.md), each heading gets the label GitHub gives it, and
the links to it point there: Doxygen 1.9 makes no labels of its own.
"""
import os
import re
import sys

# A statement that opens a scope whose contents are declarations, not code.
SCOPE_RE = re.compile(r"^(?:template\s*<.*>\s*)?(?:class|struct|union|namespace|enum)\b")
ACCESS_RE = re.compile(r"^(?:public|protected|private)\s*:")
HOOK_ROW_RE = re.compile(r"^([A-Z][a-z]+(?: [A-Za-z]+)*):\s{2,}(.*)$")
ESCAPED = re.compile(r"([\\@<>&#%$])")


def escape(text):
    """Escapes Doxygen's special characters outside `code spans`."""
    parts = text.split("`")
    for i in range(0, len(parts), 2):  # Even parts are outside backticks.
        parts[i] = ESCAPED.sub(r"\\\1", parts[i])
    return "`".join(parts)


def split_comment(line):
    """Returns (code, comment) where comment is the text after a `//` outside literals."""
    i, quote = 0, None
    while i < len(line):
        c = line[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif line.startswith("//", i):
            return line[:i], line[i:]
        i += 1
    return line, None


def braces(code):
    """The braces in code (literals removed), in order."""
    code = re.sub(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'', "", code)
    return [c for c in code if c in "{}"]


def head_names(first_line):
    """The class names the opening block's first line starts with: "A and B<T>: ..."."""
    m = re.match(r"//\s*([A-Za-z_][\w<>, ]*?):\s", first_line)
    if not m:
        return []
    names = re.split(r",\s*|\s+and\s+", m.group(1))
    return [re.sub(r"<.*", "", n).strip() for n in names if re.fullmatch(r"\w+(<\w+>)?", n.strip())]


def head_docs(head, declared):
    """The opening block as Doxygen comments: for the file, then for each class it names."""
    text = [re.sub(r"^//\s?", "", line) for line in head]
    body = []
    in_code = False
    for line in text:
        row = HOOK_ROW_RE.match(line)
        indented = line.startswith("  ") and line.strip() != ""
        if in_code and not indented:
            body.append("~~~")
            in_code = False
        if row:  # "For the caller:     a, b": a list item, as a reader sees it.
            if body and body[-1] and not body[-1].startswith("- **"):
                body.append("")
            body.append("- **" + row.group(1) + ":** " + escape(row.group(2)))
        elif indented and body and body[-1].startswith("- **"):  # The row goes on.
            body[-1] += " " + escape(line.strip())
        elif indented and (in_code or not body or body[-1] == "" or body[-1].endswith(":")):
            if not in_code:  # An indented example after a blank line or a colon.
                body.append("~~~")
                in_code = True
            body.append(line)
        else:
            body.append(escape(line))
    if in_code:
        body.append("~~~")
    out = ["/** \\file"] + body + ["*/"]
    for name in head_names(head[0]):
        if name in declared:
            out += ["/** \\class socketserver::" + name] + body + ["*/"]
    return out


def filter_lines(path, lines):
    # The opening block: the comment lines before the first line of code.
    head_end = 0
    while head_end < len(lines) and lines[head_end].lstrip().startswith("//"):
        head_end += 1
    declared = set(re.findall(r"^\s*(?:class|struct)\s+(\w+)\s*(?:final\s*)?[:{]",
                              "\n".join(lines), re.M))

    out = list(lines)
    # Kinds of the open braces: "scope" (declarations inside) or "body" (code inside).
    stack = []
    statement = ""  # The code since the last ; { or } at scope level.
    block = []      # Indexes of the current run of whole-line comments.

    def in_body():
        return "body" in stack

    for i, line in enumerate(lines):
        stripped = line.strip()
        code, comment = split_comment(line)
        whole_line_comment = code.strip() == "" and comment is not None
        if i < head_end:
            continue
        if whole_line_comment:
            if not in_body():
                block.append(i)
            continue
        # A run of comments ends here: does it document what follows?
        if block:
            documents = (stripped != "" and not stripped.startswith("#")
                         and not ACCESS_RE.match(stripped) and not stripped.startswith("}"))
            if documents:
                for j in block:
                    c, cm = split_comment(lines[j])
                    out[j] = c + "/// " + escape(cm[2:].lstrip())
            block = []
        if code.strip() == "" or code.lstrip().startswith("#"):
            continue
        was_body = in_body()
        # Track braces; the statement decides what kind of brace it opens.
        for piece in re.split(r"([{};])", code):
            if piece == "{":
                kind = "scope" if SCOPE_RE.match(statement.strip()) and not in_body() else "body"
                stack.append(kind)
                statement = ""
            elif piece == "}":
                if stack:
                    stack.pop()
                statement = ""
            elif piece == ";":
                statement = ""
            else:
                statement += piece
        # A trailing comment documents the declaration on its line, unless it is code's.
        opens_body = in_body() and code.rstrip().endswith("{")
        text = escape(comment[2:].lstrip()) if comment is not None else ""
        if comment is None or was_body or ACCESS_RE.match(stripped) or stripped.startswith("}"):
            pass
        elif opens_body or not code.rstrip().endswith((";", ",", "}")):
            # `void f() {  // text`: Doxygen reads no ///< inside the body; nor before the
            # end of a declaration that goes on to the next line.
            indent = code[:len(code) - len(code.lstrip())]
            out[i] = indent + "/** " + text.replace("*/", "*\\/") + " */ " + code.strip()
        else:
            out[i] = code + "///< " + text
    out += head_docs(lines[:head_end], declared) if head_end else []
    return out


def slug(title):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    title = re.sub(r"`|\{#[^}]*\}", "", title).strip().lower()
    return re.sub(r"[^\w\- ]", "", title).replace(" ", "-")


def page_name(path):
    """The prefix of a page's labels: its name, or its folder's for a README.md below the top
    (docs/lectures/README.md is "lectures"; the top README.md stays "README")."""
    path = os.path.normpath(path)
    folder, name = os.path.split(path)
    if name == "README.md" and folder:
        name = os.path.basename(folder) + ".md"
    return re.sub(r"\W", "_", name[:-3])


def filter_markdown(path, lines):
    """Gives each heading the label GitHub gives it, prefixed with the page's name, and points
    the links at those labels: Doxygen 1.9 makes no labels of its own for headings."""
    page = page_name(path)
    folder = os.path.dirname(path)
    out, seen, fence = [], {}, False
    for line in lines:
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
        heading = None if fence else re.match(r"^(#{1,6}) (.*)$", line)
        if heading:
            s = slug(heading.group(2))
            n = seen.get(s, 0)
            seen[s] = n + 1
            label = page + "-" + (s if n == 0 else "%s-%d" % (s, n))
            line = "%s %s {#%s}" % (heading.group(1), heading.group(2), label)
        elif not fence:
            # [text](#anchor) and [text](some/page.md#anchor): the labels made above.
            line = re.sub(r"\]\(#([\w\-]+)\)", lambda m: "](#%s-%s)" % (page, m.group(1)), line)
            line = re.sub(r"\]\(([\w./]*\.md)#([\w\-]+)\)",
                          lambda m: "](#%s-%s)" % (page_name(os.path.join(folder, m.group(1))),
                                                    m.group(2)), line)
            line = code_spans(line)
        out.append(line)
    return out


def code_spans(line):
    """Works around two misreadings of Doxygen 1.9's Markdown in `code spans`: a quote ends
    the span early ("</tt> without <tt>"), and `::name` is taken for a link to `name`."""
    parts = line.split("`")
    for i in range(1, len(parts), 2):
        parts[i] = parts[i].replace("'", "&apos;")
        parts[i] = re.sub(r"(?<![\w>])::(?=[A-Za-z_])", "\u2060::", parts[i])  # Word joiner.
    return "`".join(parts)


def filter_file(path):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if path.endswith(".md"):
        return filter_markdown(path, lines)
    return filter_lines(path, lines)


def main(argv):
    """doxygen_filter.py FILE: prints FILE as Doxygen should read it.
    doxygen_filter.py --out DIR FILE...: writes each FILE so to DIR/FILE (one process for
    every file: tools/docs.sh runs Doxygen on DIR)."""
    args = argv[1:]
    if len(args) == 1 and not args[0].startswith("-"):
        sys.stdout.write("\n".join(filter_file(args[0])) + "\n")
        return 0
    if len(args) >= 3 and args[0] == "--out":
        for path in args[2:]:
            target = os.path.join(args[1], path)
            os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
            with open(target, "w", encoding="utf-8") as f:
                f.write("\n".join(filter_file(path)) + "\n")
        return 0
    print("usage: doxygen_filter.py FILE | doxygen_filter.py --out DIR FILE...", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
