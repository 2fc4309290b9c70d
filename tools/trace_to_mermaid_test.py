"""trace_to_mermaid_test: --trace lines become the sequence diagram they describe."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import trace_to_mermaid  # noqa: E402  (tools/ is no package)

# A ForkingTCPServer and two clients, as print_trace writes it, with the lines that are not
# trace lines (the listening line, handle_error's report) that the converter must skip.
FORKING = """\
listening on 127.0.0.1:40000
[pid 100 tid 101] serve_forever
[pid 100 tid 101] get_request 127.0.0.1:5001
[pid 100 tid 101] verify_request 127.0.0.1:5001
[pid 100 tid 101] process_request 127.0.0.1:5001
[pid 100 tid 101] fork 127.0.0.1:5001
[pid 100 tid 101] close_request 127.0.0.1:5001
[pid 200 tid 200] setup 127.0.0.1:5001
[pid 200 tid 200] handle 127.0.0.1:5001
----------------------------------------
Exception occurred during processing of request from 127.0.0.1:5001
[pid 200 tid 200] finish 127.0.0.1:5001
[pid 200 tid 200] shutdown_request 127.0.0.1:5001
[pid 200 tid 200] close_request
[pid 100 tid 101] get_request 127.0.0.1:5002
[pid 100 tid 101] fork 127.0.0.1:5002
[pid 300 tid 300] setup 127.0.0.1:5002
"""

THREADING = """\
[pid 100 tid 101] get_request [::1]:5001
[pid 100 tid 101] thread [::1]:5001
[pid 100 tid 101] get_request [::1]:5002
[pid 100 tid 101] thread [::1]:5002
[pid 100 tid 103] setup [::1]:5002
[pid 100 tid 102] setup [::1]:5001
"""


class ToMermaidTest(unittest.TestCase):
    def test_forking_server_and_two_clients(self):
        self.assertEqual(trace_to_mermaid.to_mermaid(FORKING.splitlines()), [
            "sequenceDiagram",
            "    participant C1 as client 1",
            "    participant C2 as client 2",
            "    participant S as server",
            "    participant P1 as child 1",
            "    participant P2 as child 2",
            "    S->>S: serve_forever",
            "    C1->>S: get_request",
            "    S->>S: verify_request",
            "    S->>S: process_request",
            "    S->>P1: fork",
            "    S->>S: close_request",
            "    P1->>P1: setup",
            "    P1->>P1: handle",
            "    P1->>P1: finish",
            "    P1->>P1: shutdown_request",
            "    P1->>P1: close_request",
            "    C2->>S: get_request",
            "    S->>P2: fork",
            "    P2->>P2: setup",
        ])

    def test_each_thread_gets_the_request_of_its_own_client(self):
        # The second thread reports first; the arrows still go to the right one.
        diagram = trace_to_mermaid.to_mermaid(THREADING.splitlines())
        self.assertIn("    participant T1 as thread 1", diagram)  # tid 103, seen first
        self.assertIn("    S->>T1: thread", diagram)
        self.assertEqual(diagram.index("    S->>T1: thread"), 9)  # The one for client 2.
        self.assertEqual(diagram[7], "    S->>T2: thread")

    def test_no_trace_lines(self):
        self.assertEqual(trace_to_mermaid.to_mermaid(["listening on /tmp/x.sock"]),
                         ["sequenceDiagram", "    Note over server: no trace lines"])

    def test_interleaving_does_not_count_as_a_difference(self):
        one = trace_to_mermaid.to_mermaid(FORKING.splitlines())
        other = list(one)
        # The parent's close_request after the child's first step: another scheduling.
        i = other.index("    S->>S: close_request")
        other[i], other[i + 1] = other[i + 1], other[i]
        self.assertEqual(trace_to_mermaid.projection(one), trace_to_mermaid.projection(other))
        other[other.index("    P1->>P1: handle")] = "    P1->>P1: handle_error"
        self.assertNotEqual(trace_to_mermaid.projection(one),
                            trace_to_mermaid.projection(other))


if __name__ == "__main__":
    unittest.main()
