"""stammer_proxy: bytes arrive intact, and really in pieces.

1. Through the proxy to echo_server, a long line (20,000 bytes, every byte value but the
   newline) comes back whole and unchanged, and two clients at once each get their own.
2. The proxy really splits: a far-side server written here counts its recv() calls while
   the proxy forwards 300 bytes with --max-chunk 5: it needs at least 20 reads (the proxy
   sends at least 60 pieces, each on its own with TCP_NODELAY and a pause after it; the
   bound is a fraction of that so a slow machine, which may glue some pieces together in
   the kernel, cannot fail the test), and every byte arrives in order. The proxy's own log
   (--verbose) shows no piece larger than 5 bytes.
3. The far side's end of input reaches the client (the proxy passes shutdown on both ways).
4. The stop ends within --grace (a second signal: at once), exit 0, with a client connected
   to a far side that ignores end of input and never closes: the proxy shuts down both of
   the request's connections (regression: stop_waits_for_deaf_server).
5. --help and -h; a bad flag exits 2 with one line and a hint; a server that is not there
   (the client's connection closes).

Loopback with port 0 only; every wait has a deadline.
"""
import os
import re
import select
import signal
import socket
import subprocess
import threading
import time
import unittest

RUNFILES = os.environ.get("TEST_SRCDIR", "")
WORKSPACE = os.environ.get("TEST_WORKSPACE", "socketserver")
DEADLINE = 20.0


def binary(name):
    path = os.path.join(RUNFILES, WORKSPACE, "demo", name)
    if not os.path.exists(path):
        raise RuntimeError("missing " + path)
    return path


class Program:
    """Runs a demo program and reads its 'listening on HOST:PORT' line."""

    def __init__(self, args):
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        ready, _, _ = select.select([self.process.stdout], [], [], DEADLINE)
        if not ready:
            self.process.kill()
            raise RuntimeError("no 'listening on' line from %s" % args[0])
        first = self.process.stdout.readline().decode()
        if not first.startswith("listening on "):
            raise RuntimeError("unexpected first line: %r" % first)
        host, _, port = first[len("listening on "):].strip().rpartition(":")
        self.address = (host, int(port))

    def stop(self):
        """SIGTERM; returns (exit status, stderr)."""
        self.process.send_signal(signal.SIGTERM)
        _, err = self.process.communicate(timeout=DEADLINE)
        return self.process.returncode, err.decode(errors="replace")


def recv_until_closed(sock):
    chunks = []
    while True:
        data = sock.recv(65536)
        if not data:
            return b"".join(chunks)
        chunks.append(data)


class CountingServer:
    """A far-side TCP server: accepts one connection, counts its recv() calls and keeps the
    bytes until end of input, then sends back `reply` and closes."""

    def __init__(self, reply=b""):
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.listener.settimeout(DEADLINE)
        self.address = self.listener.getsockname()
        self.reply = reply
        self.reads = 0
        self.received = b""
        self.error = None
        self.thread = threading.Thread(target=self._serve)
        self.thread.start()

    def _serve(self):
        try:
            conn, _ = self.listener.accept()
            with conn:
                conn.settimeout(DEADLINE)
                while True:
                    data = conn.recv(65536)
                    if not data:
                        break
                    self.reads += 1
                    self.received += data
                conn.sendall(self.reply)
        except Exception as e:  # Reported by join() on the test's thread.
            self.error = e
        finally:
            self.listener.close()

    def join(self):
        self.thread.join(DEADLINE)
        if self.thread.is_alive():
            raise RuntimeError("the far-side server did not finish")
        if self.error:
            raise self.error


def sigterm_taken(pid):
    """Waits until process `pid` has no SIGTERM pending (/proc/PID/status, ShdPnd)."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        with open("/proc/%d/status" % pid) as status:
            pending = next(l for l in status if l.startswith("ShdPnd:")).split()[1]
        if not int(pending, 16) & (1 << (signal.SIGTERM - 1)):
            return True
        time.sleep(0.01)
    return False


class DeafServer:
    """A far-side TCP server that accepts connections and then neither reads nor closes them
    until close() (end of input from the proxy changes nothing)."""

    def __init__(self):
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.address = self.listener.getsockname()
        self.accepted = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._serve)
        self.thread.start()

    def _serve(self):
        self.listener.settimeout(0.05)
        while not self.done.is_set():
            try:
                self.accepted.append(self.listener.accept()[0])
            except socket.timeout:
                pass

    def wait_accepted(self, count):
        deadline = time.monotonic() + DEADLINE
        while len(self.accepted) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return len(self.accepted) >= count

    def close(self):
        self.done.set()
        self.thread.join(DEADLINE)
        for conn in self.accepted:
            conn.close()
        self.listener.close()


def proxy_to(address, *flags):
    return Program([binary("stammer_proxy"), "--to", "%s:%d" % address] + list(flags))


def connect(address):
    sock = socket.create_connection(address, timeout=DEADLINE)
    return sock


class StammerProxyTest(unittest.TestCase):
    def test_long_line_through_proxy_to_echo_server_arrives_whole(self):
        echo = Program([binary("echo_server")])
        try:
            proxy = proxy_to(echo.address, "--max-chunk", "64", "--delay-ms", "0", "--seed", "1")
            try:
                line = bytes(b for b in range(256) if b != 10) * 80 + b"\n"
                clients = [connect(proxy.address) for _ in range(2)]
                try:
                    for i, sock in enumerate(clients):
                        sock.sendall(str(i).encode() + line)
                    for sock in clients:
                        sock.shutdown(socket.SHUT_WR)
                    for i, sock in enumerate(clients):
                        self.assertEqual(recv_until_closed(sock), str(i).encode() + line)
                finally:
                    for sock in clients:
                        sock.close()
            finally:
                status, err = proxy.stop()
                self.assertEqual(status, 0, err)
        finally:
            status, err = echo.stop()
            self.assertEqual(status, 0, err)

    def test_proxy_splits_into_pieces_counted_on_far_side(self):
        far = CountingServer(reply=b"bye\n")
        proxy = proxy_to(far.address, "--max-chunk", "5", "--delay-ms", "2", "--seed", "42",
                         "--verbose")
        try:
            message = bytes(range(256)) + b"x" * 44  # 300 bytes.
            with connect(proxy.address) as sock:
                sock.sendall(message)  # One send: any split is the proxy's.
                sock.shutdown(socket.SHUT_WR)
                # The far side's reply, and its end of input, come back through the proxy.
                self.assertEqual(recv_until_closed(sock), b"bye\n")
            far.join()
            self.assertEqual(far.received, message)
            self.assertGreaterEqual(far.reads, 20, "the far side read only %d times" % far.reads)
        finally:
            status, err = proxy.stop()
        self.assertEqual(status, 0, err)
        sizes = [int(n) for n in re.findall(r"^client->server (\d+) bytes", err, re.M)]
        self.assertEqual(sum(sizes), 300, err)
        self.assertGreaterEqual(len(sizes), 60)
        self.assertLessEqual(max(sizes), 5)
        self.assertIn("seed 42", err)

    def test_same_seed_same_pieces(self):
        logs = []
        for _ in range(2):
            far = CountingServer()
            proxy = proxy_to(far.address, "--max-chunk", "7", "--delay-ms", "0", "--seed", "9",
                             "--verbose")
            with connect(proxy.address) as sock:
                sock.sendall(b"a" * 100)
                sock.shutdown(socket.SHUT_WR)
                recv_until_closed(sock)
            far.join()
            status, err = proxy.stop()
            self.assertEqual(status, 0, err)
            logs.append(re.findall(r"^client->server (\d+) bytes", err, re.M))
        self.assertEqual(logs[0], logs[1])

    def test_server_not_there_closes_client(self):
        # A port that was free a moment ago.
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()
        probe.close()
        proxy = proxy_to(closed)
        try:
            with connect(proxy.address) as sock:
                self.assertEqual(recv_until_closed(sock), b"")
        finally:
            status, err = proxy.stop()
        self.assertEqual(status, 0, err)
        self.assertIn("cannot connect to 127.0.0.1:%d" % closed[1], err)

    def stop_with_client_of_deaf_server(self, grace, signals):
        """A client connected through the proxy to a DeafServer, a line sent; `signals`
        SIGTERMs (the second once the first is taken); returns (seconds, status, stderr)."""
        far = DeafServer()
        try:
            proxy = proxy_to(far.address, "--grace", str(grace), "--delay-ms", "0")
            with connect(proxy.address) as sock:
                sock.sendall(b"hello\n")
                self.assertTrue(far.wait_accepted(1), "the proxy did not connect")
                started = time.monotonic()
                proxy.process.send_signal(signal.SIGTERM)
                if signals == 2:
                    # Signals of one kind merge while pending: the second once the first is
                    # taken.
                    self.assertTrue(sigterm_taken(proxy.process.pid), "SIGTERM still pending")
                    proxy.process.send_signal(signal.SIGTERM)
                try:
                    _, err = proxy.process.communicate(timeout=DEADLINE)
                except subprocess.TimeoutExpired:
                    proxy.process.kill()
                    proxy.process.communicate()
                    self.fail("still running %d s after SIGTERM" % DEADLINE)
                took = time.monotonic() - started
                self.assertEqual(recv_until_closed(sock), b"")  # The client sees the end.
            return took, proxy.process.returncode, err.decode(errors="replace")
        finally:
            far.close()

    def test_stop_waits_for_deaf_server_regression(self):
        took, status, err = self.stop_with_client_of_deaf_server(grace=1, signals=1)
        self.assertEqual(status, 0, err)
        self.assertGreaterEqual(took, 0.9, "stopped before the grace period was over")
        self.assertLess(took, 6, "the stop took %.1f s with --grace 1" % took)

    def test_second_signal_ends_stop_at_once(self):
        took, status, err = self.stop_with_client_of_deaf_server(grace=3600, signals=2)
        self.assertEqual(status, 0, err)
        self.assertLess(took, 5, "the stop took %.1f s after a second signal" % took)

    def run_status(self, *args):
        result = subprocess.run([binary("stammer_proxy")] + list(args), capture_output=True,
                                timeout=DEADLINE)
        return result.returncode, result.stdout.decode(), result.stderr.decode()

    def test_help(self):
        for flag in ("--help", "-h"):
            status, out, _ = self.run_status(flag)
            self.assertEqual(status, 0)
            self.assertIn("usage: stammer_proxy", out)

    def test_bad_flags_exit_2(self):
        for args in (["--to", "127.0.0.1:1", "--no-such-flag"], [],
                     ["--to", "127.0.0.1:1", "--max-chunk", "0"],
                     ["--to", "127.0.0.1:1", "--max-chunk", "5000"],
                     ["--to", "127.0.0.1:1", "--delay-ms", "-1"],
                     ["--to", "127.0.0.1:1", "--seed", "4294967296"],
                     ["--to", "nowhere"], ["--to", "127.0.0.1:1", "--port", "70000"],
                     ["--to", "127.0.0.1:1", "--seed", "1", "--seed", "2"]):
            status, out, err = self.run_status(*args)
            self.assertEqual(status, 2, (args, err))
            lines = err.splitlines()
            self.assertEqual(len(lines), 2, err)
            self.assertTrue(lines[0].startswith("stammer_proxy: "), err)
            self.assertEqual(lines[1], "Try 'stammer_proxy --help' for more.")
            self.assertEqual(out, "")


if __name__ == "__main__":
    unittest.main()
