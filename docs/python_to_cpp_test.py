"""python_to_cpp_test: every public name of the headers appears in docs/python_to_cpp.md.

The names come from Doxygen's XML of the public headers (tools/docs.sh --xml, the same input
as the API reference), not from parsing C++ here: Doxygen already knows which members are
public or protected, which are inherited, and what a template or an alias is called.

A name counts as present when it appears as a word inside a `code span` of the page: the
table rows and the sections quote C++ that way (`bool allow_reuse_address = false`,
`BaseServer::print_trace`, `rfile.readline()`). Checked, in namespace socketserver:
- every class and struct, and every alias, function and constant at namespace level;
- every public and protected member of each (functions, attributes, nested types); a
  constructor is its class's name, so it is covered by the class.
Not checked, by rule: destructors and operators (no Python name; the class's row says what
they do); private members; what tools/Doxyfile leaves out of the reference (the internal
headers, namespaces socketserver::internal and socketserver::handler_args).
Not checked, by name: EXCLUDED below, each with its reason.

Run: bazel test //docs:python_to_cpp_test. A failure lists each missing name with its
header and line: add a row to the map (or a mention in the section about the class).
"""
import os
import re
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

# name -> why it has no place in the map. Keep this list short.
# Empty today: every public name has its row.
EXCLUDED = {}

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MEMBER_SECTIONS = re.compile(r"^(public|protected)-(func|attrib|type|static-func|static-attrib)$")


def public_names(xml_dir):
    """(name, qualified owner, file, line) for every public name in Doxygen's XML."""
    names = []
    index = ET.parse(os.path.join(xml_dir, "index.xml")).getroot()
    definitions = {}  # Qualified name -> (kind, compounddef), for the namespace's compounds.
    for compound in index.findall("compound"):
        kind = compound.get("kind")
        full = compound.findtext("name")
        if kind in ("class", "struct", "namespace") and full.startswith("socketserver"):
            tree = ET.parse(os.path.join(xml_dir, compound.get("refid") + ".xml")).getroot()
            definitions[full] = (kind, tree.find("compounddef"))
    # A class nested in a private section is private, whatever its own members are.
    hidden = {inner.text for _, definition in definitions.values()
              for inner in definition.findall("innerclass") if inner.get("prot") == "private"}
    for full, (kind, definition) in sorted(definitions.items()):
        if full in hidden:
            continue
        location = definition.find("location")
        short = full.split("::")[-1]
        if kind != "namespace":
            names.append((short, full, location.get("file"), location.get("line")))
        for section in definition.findall("sectiondef"):
            section_kind = section.get("kind")
            at_namespace = kind == "namespace" and section_kind in ("typedef", "func", "var")
            if not at_namespace and not MEMBER_SECTIONS.match(section_kind):
                continue
            for member in section.findall("memberdef"):
                name = member.findtext("name")
                if name in (short, "~" + short) or name.startswith("operator"):
                    continue  # Constructors (the class), destructors and operators.
                where = member.find("location")
                names.append((name, full, where.get("file"), where.get("line")))
    return names


def code_words(markdown):
    """The identifiers inside the `code spans` of a page (fenced examples do not count: a name
    must be named in the map or in the text, not only used in an example)."""
    prose = re.sub(r"^(```|~~~).*?^\1[^\n]*$", "", markdown, flags=re.M | re.S)
    words = set()
    for span in re.findall(r"`([^`]+)`", prose):
        words.update(re.findall(r"[A-Za-z_]\w*", span))
    return words


class PythonToCppTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.out = tempfile.mkdtemp(prefix="ss-api-", dir=os.environ.get("TEST_TMPDIR"))
        run = subprocess.run([os.path.join(ROOT, "tools", "docs.sh"), "--xml", cls.out],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        # Warnings are api_reference_test's business; the XML is written all the same.
        if not os.path.exists(os.path.join(cls.out, "xml", "index.xml")):
            raise AssertionError("tools/docs.sh --xml wrote no XML:\n" + run.stdout)
        cls.names = public_names(os.path.join(cls.out, "xml"))
        with open(os.path.join(ROOT, "docs", "python_to_cpp.md"), encoding="utf-8") as f:
            cls.words = code_words(f.read())

    def test_the_headers_have_public_names(self):
        # A broken extraction must not pass as "nothing missing".
        found = {name for name, _, _, _ in self.names}
        for expected in ("BaseServer", "serve_forever", "allow_reuse_address", "rfile",
                         "ThreadingTCPServer", "handler", "EVENT_READ", "run_request"):
            self.assertIn(expected, found)

    def test_every_public_name_is_in_the_map(self):
        missing = sorted({"%s:%s: %s (in %s)" % (f, line, name, owner)
                          for name, owner, f, line in self.names
                          if name not in self.words and name not in EXCLUDED})
        self.assertEqual(missing, [], "\nNames missing from docs/python_to_cpp.md (add a row "
                         "to the map, or see EXCLUDED in this test):\n  " + "\n  ".join(missing))

    def test_exclusions_are_still_needed(self):
        found = {name for name, _, _, _ in self.names}
        for name in EXCLUDED:
            self.assertIn(name, found, "EXCLUDED names %s, which no header declares" % name)
            self.assertNotIn(name, self.words,
                             "EXCLUDED names %s, which the page now has: drop it" % name)


if __name__ == "__main__":
    sys.exit(unittest.main())
