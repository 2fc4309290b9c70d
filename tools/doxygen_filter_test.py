"""doxygen_filter_test: the headers' `//` comments become the comments Doxygen reads."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import doxygen_filter  # noqa: E402  (tools/ is no package)

HEADER = """\
// Widget<T>: what it is.
// Python: widget.Widget.
//
//   Widget w;                 an example
//
// For the caller:          run, stop,
//                          reset
#ifndef WIDGET_H_
#define WIDGET_H_

namespace socketserver {

// Stands for one thing.
class Widget {
 public:
  // --- For the caller ---

  // Runs it.
  void run() {
    // Inside a body: code's comment.
    step();  // Neither is this one.
  }
  int size = 0;  // How many <things>.
  void each() {  // Calls f() on each.
  }
  explicit Widget(int n)  // Makes n.
      : size(n) {}
};

}  // namespace socketserver

#endif  // WIDGET_H_
"""


class HeaderTest(unittest.TestCase):
    def setUp(self):
        self.lines = HEADER.split("\n")[:-1]
        self.out = doxygen_filter.filter_lines("widget.h", self.lines)

    def line(self, text):
        return next(l for l in self.out if text in l)

    def test_every_line_keeps_its_number(self):
        for i, original in enumerate(self.lines):
            code, _ = doxygen_filter.split_comment(original)
            self.assertIn(code.strip(), self.out[i])

    def test_a_comment_above_a_declaration_documents_it(self):
        self.assertEqual(self.line("Runs it."), "  /// Runs it.")
        self.assertEqual(self.line("Stands for"), "/// Stands for one thing.")

    def test_a_trailing_comment_documents_its_line(self):
        self.assertEqual(self.line("int size"), "  int size = 0;  ///< How many \\<things\\>.")

    def test_a_comment_on_a_line_that_goes_on_moves_before_it(self):
        self.assertEqual(self.line("void each"), "  /** Calls f() on each. */ void each() {")
        self.assertEqual(self.line("explicit Widget"), "  /** Makes n. */ explicit Widget(int n)")

    def test_comments_that_document_nothing_stay_plain(self):
        self.assertEqual(self.line("--- For the caller"), "  // --- For the caller ---")
        self.assertEqual(self.line("Inside a body"), "    // Inside a body: code's comment.")
        self.assertEqual(self.line("step()"), "    step();  // Neither is this one.")
        self.assertEqual(self.line("}  // namespace"), "}  // namespace socketserver")
        self.assertEqual(self.out[0], "// Widget<T>: what it is.")

    def test_the_opening_block_documents_the_file_and_the_class(self):
        tail = self.out[len(self.lines):]
        self.assertEqual(tail[0], "/** \\file")
        self.assertIn("/** \\class socketserver::Widget", tail)
        self.assertIn("Widget\\<T\\>: what it is.", tail)
        self.assertIn("~~~", tail)  # The indented example is a code block.
        self.assertIn("- **For the caller:** run, stop, reset", tail)


class MarkdownTest(unittest.TestCase):
    def test_headings_get_githubs_labels_and_links_point_at_them(self):
        out = doxygen_filter.filter_markdown("docs/some_page.md", [
            "# Some page", "## What `--trace` prints", "## What `--trace` prints",
            "See [it](#what---trace-prints), [there](other.md#a-b) and `f('x')`.",
            "```", "## not a heading", "```"])
        self.assertEqual(out[0], "# Some page {#some_page-some-page}")
        self.assertEqual(out[1], "## What `--trace` prints {#some_page-what---trace-prints}")
        self.assertEqual(out[2], "## What `--trace` prints {#some_page-what---trace-prints-1}")
        self.assertEqual(out[3], "See [it](#some_page-what---trace-prints), "
                                 "[there](#other-a-b) and `f(&apos;x&apos;)`.")
        self.assertEqual(out[5], "## not a heading")


if __name__ == "__main__":
    unittest.main()
