"""Python interop: the C++ servers and Python's own socketserver speak to each other.

1. C++ echo_server, for each server kind and mix-in, answers a client written with Python's
   socket module exactly as Python's socketserver would.
2. C++ echo_client talks to servers built from Python's socketserver (TCPServer,
   ThreadingUDPServer, UnixStreamServer, UnixDatagramServer) and gets every line back.

Loopback and Unix sockets under a fresh /tmp/ss-* folder only; every wait has a deadline.
"""
import os
import select
import shutil
import signal
import socket
import socketserver
import subprocess
import tempfile
import threading
import unittest

RUNFILES = os.environ.get("TEST_SRCDIR", "")
WORKSPACE = os.environ.get("TEST_WORKSPACE", "socketserver")
DEADLINE = 20.0  # Seconds; only reached when something is broken.
LINES = [b"hello world\n", b"second line\n", b"\xff binary \x00 bytes\n"]


def binary(name):
    path = os.path.join(RUNFILES, WORKSPACE, "demo", name)
    if not os.path.exists(path):
        raise RuntimeError("missing " + path)
    return path


def read_line_with_deadline(stream, deadline=DEADLINE):
    ready, _, _ = select.select([stream], [], [], deadline)
    if not ready:
        raise RuntimeError("timed out waiting for a line")
    return stream.readline()


class CppServer:
    """Runs demo/echo_server and reads its 'listening on ...' line."""

    def __init__(self, args):
        self.process = subprocess.Popen(
            [binary("echo_server")] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        first = read_line_with_deadline(self.process.stdout).decode()
        if not first.startswith("listening on "):
            raise RuntimeError("unexpected first line: %r" % first)
        self.where = first[len("listening on "):].strip()

    def address(self):
        if self.where.startswith("/"):
            return self.where
        host, _, port = self.where.rpartition(":")
        return (host.strip("[]"), int(port))

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=DEADLINE)
        finally:
            self.process.stdout.close()
            self.process.stderr.close()


class TempDir:
    def __enter__(self):
        self.path = tempfile.mkdtemp(prefix="ss-", dir="/tmp")
        return self.path

    def __exit__(self, *exc):
        shutil.rmtree(self.path, ignore_errors=True)


def stream_round_trips(family, address):
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(DEADLINE)
        s.connect(address)
        reader = s.makefile("rb")
        replies = []
        for line in LINES:
            s.sendall(line)
            replies.append(reader.readline())
        reader.close()
        return replies


def datagram_round_trips(family, address, client_path=None):
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.settimeout(DEADLINE)
        if client_path:
            s.bind(client_path)
        replies = []
        for line in LINES:
            s.sendto(line, address)
            replies.append(s.recvfrom(8192)[0])
        return replies


class PythonClientCppServer(unittest.TestCase):
    """Python's socket module against the C++ echo_server."""

    def check(self, kind, mixin):
        with TempDir() as folder:
            args = ["--server", kind, "--mixin", mixin]
            if kind.startswith("unix"):
                args += ["--path", os.path.join(folder, "echo.sock")]
            server = CppServer(args)
            try:
                address = server.address()
                family = socket.AF_UNIX if kind.startswith("unix") else socket.AF_INET
                if kind in ("tcp", "unix"):
                    replies = stream_round_trips(family, address)
                else:
                    client_path = os.path.join(folder, "client.sock") if family == socket.AF_UNIX else None
                    replies = datagram_round_trips(family, address, client_path)
            finally:
                status = server.stop()
            self.assertEqual(replies, LINES)
            self.assertEqual(status, 0)
            if kind.startswith("unix"):
                self.assertFalse(os.path.exists(address), "socket file left behind")

    def test_all_kinds_and_mixins(self):
        for kind in ("tcp", "udp", "unix", "unix-dgram"):
            for mixin in ("none", "threading", "forking"):
                with self.subTest(kind=kind, mixin=mixin):
                    self.check(kind, mixin)


class EchoStream(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            self.wfile.write(line)


class EchoDatagram(socketserver.DatagramRequestHandler):
    def handle(self):
        self.wfile.write(self.rfile.read())


class CppClientPythonServer(unittest.TestCase):
    """The C++ echo_client against servers made from Python's socketserver."""

    def run_client(self, args):
        messages = ["hello world", "second line"]
        command = [binary("echo_client")] + args
        for message in messages:
            command += ["--message", message]
        done = subprocess.run(command, capture_output=True, timeout=DEADLINE)
        self.assertEqual(done.returncode, 0, done.stderr.decode())
        self.assertEqual(done.stdout.decode(), "".join(m + "\n" for m in messages))

    def serve_and_run_client(self, server, client_args):
        """Runs Python's server.serve_forever() on a thread while echo_client talks to it."""
        with server:
            thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01})
            thread.start()
            try:
                self.run_client(client_args)
            finally:
                server.shutdown()
                thread.join(DEADLINE)

    def test_tcp_and_udp(self):
        for kind, server_class, handler in (
                ("tcp", socketserver.ThreadingTCPServer, EchoStream),
                ("udp", socketserver.UDPServer, EchoDatagram)):
            with self.subTest(kind=kind):
                server = server_class(("127.0.0.1", 0), handler)
                port = str(server.server_address[1])
                self.serve_and_run_client(server, ["--server", kind, "--port", port])

    def test_unix_stream_and_datagram(self):
        for kind, server_class, handler in (
                ("unix", socketserver.ThreadingUnixStreamServer, EchoStream),
                ("unix-dgram", socketserver.UnixDatagramServer, EchoDatagram)):
            with self.subTest(kind=kind), TempDir() as folder:
                path = os.path.join(folder, "py.sock")
                self.serve_and_run_client(server_class(path, handler),
                                          ["--server", kind, "--path", path])

if __name__ == "__main__":
    unittest.main()
