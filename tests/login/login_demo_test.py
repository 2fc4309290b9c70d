"""Black-box tests of demo/login_server and demo/login_client (docs/login_demo.md).

They start the real programs and talk to them over loopback sockets: every rule of the
protocol, each bug of the original course program (named after the failure it catches), the
flags, and the legacy wire format against a legacy-format client and server of our own
(legacy_login_client.py, legacy_login_server.py).

    login_demo_test.py [--mixin none|threading|forking]...

runs the protocol tests once per --mixin given (default: none and threading), and the tests of
the flags and of login_client once. The forking run is its own Bazel target, tagged notsan.

Port 0 only; every wait has a deadline.
"""
import datetime
import os
import re
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

RUNFILES = os.environ.get("TEST_SRCDIR", "")
WORKSPACE = os.environ.get("TEST_WORKSPACE", "socketserver")
DEADLINE = 20.0  # Seconds; only reached when something is broken.
DATE_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) broken connect with server$")
GREETING = b"Now client connect to Server"
TICKS = os.sysconf("SC_CLK_TCK")


def runfile(*parts):
    path = os.path.join(RUNFILES, WORKSPACE, *parts)
    if not os.path.exists(path):
        raise RuntimeError("missing " + path)
    return path


SERVER = runfile("demo", "login_server")
CLIENT = runfile("demo", "login_client")
LEGACY_SERVER = runfile("tests", "login", "legacy_login_server.py")
LEGACY_CLIENT = runfile("tests", "login", "legacy_login_client.py")


def wait_until(condition, deadline=DEADLINE, step=0.01):
    """Calls condition() until it is true or the deadline passes; returns its last answer."""
    end = time.monotonic() + deadline
    while True:
        answer = condition()
        if answer or time.monotonic() > end:
            return answer
        time.sleep(step)


def sigterm_taken(pid):
    """True once process `pid` has no SIGTERM pending (/proc/PID/status, ShdPnd)."""
    with open("/proc/%d/status" % pid) as status:
        pending = next(l for l in status if l.startswith("ShdPnd:")).split()[1]
    return not int(pending, 16) & (1 << (signal.SIGTERM - 1))


def read_first_line(stream):
    ready, _, _ = select.select([stream], [], [], DEADLINE)
    if not ready:
        raise RuntimeError("no first line within %s s" % DEADLINE)
    return stream.readline().decode()


class Program:
    """A server program (ours or the legacy one) started with its stdout on a pipe and its
    stderr in a file, so that the test can read its log at any time without a reader
    thread."""

    def __init__(self, command):
        self.log_file = tempfile.TemporaryFile()
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=self.log_file)
        self.first_line = read_first_line(self.process.stdout)
        match = re.match(r"^listening on (127\.0\.0\.1|\[::1\]):(\d+)\n$", self.first_line)
        if not match:
            self.kill()
            raise RuntimeError("unexpected first line %r; log: %s" % (self.first_line, self.log()))
        self.host = match.group(1).strip("[]")
        self.port = int(match.group(2))
        self.pid = self.process.pid

    def log(self):
        self.log_file.seek(0)
        return self.log_file.read().decode("utf-8", "replace")

    def stop(self, signum=signal.SIGTERM):
        """Sends the signal and returns the exit status."""
        self.process.send_signal(signum)
        try:
            return self.process.wait(timeout=DEADLINE)
        finally:
            self.kill()

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()
        self.log_file.close()


def login_server(*flags):
    return Program([SERVER, "--port", "0"] + list(flags))


def run_client(*args, stdin=b"", port=None):
    """Runs login_client; returns (exit status, stdout, stderr)."""
    command = [CLIENT] + (["--port", str(port)] if port else []) + list(args)
    done = subprocess.run(command, input=stdin, capture_output=True, timeout=DEADLINE)
    return done.returncode, done.stdout.decode(), done.stderr.decode()


class Client:
    """A client written with Python's socket module: sends bytes as told, reads lines."""

    def __init__(self, server):
        self.socket = socket.create_connection((server.host, server.port), timeout=DEADLINE)
        self.reader = self.socket.makefile("rb")

    def send(self, data):
        self.socket.sendall(data)

    def line(self):
        """The next reply without its newline; None at end of input."""
        line = self.reader.readline()
        if not line:
            return None
        if not line.endswith(b"\n"):
            raise AssertionError("a reply without its newline: %r" % line)
        return line[:-1].decode()

    def ask(self, message):
        self.send(message + b"\n")
        return self.line()

    def rest(self):
        """What the server sends until it closes the connection; b"" if it resets it."""
        try:
            return self.reader.read()
        except ConnectionResetError:
            return b""

    def close(self):
        self.reader.close()
        self.socket.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def check_date_line(test, line):
    """A real date and time, the server's local time of a moment ago."""
    match = DATE_LINE.match(line or "")
    test.assertIsNotNone(match, "not a date line: %r" % line)
    when = datetime.datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S")
    test.assertLess(abs((datetime.datetime.now() - when).total_seconds()), 120)


def full_login(server, user=b"fan", password=b"123"):
    """One whole session; returns the replies."""
    with Client(server) as c:
        replies = [c.ask(GREETING), c.ask(b"username:" + user), c.ask(b"userpasswd:" + password),
                   c.line(), c.line()]
    return replies


def proc_stat(pid):
    """The fields of /proc/PID/stat after the command name: [state, ppid, ...]."""
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()


def tree_pids(pid):
    """The server and its children (a forking server's handlers)."""
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if int(proc_stat(int(entry))[1]) == pid:
                    children.append(int(entry))
            except (OSError, IndexError):
                pass  # Gone meanwhile.
    return [pid] + children


def cpu_ticks(pid):
    """User and system CPU time of the server and its children so far, in clock ticks."""
    total = 0
    for p in tree_pids(pid):
        try:
            fields = proc_stat(p)
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
        except (OSError, IndexError):
            pass
    return total


def status_field(pid, name):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(name + ":"):
                return int(line.split()[1])
    raise RuntimeError(name + " not in /proc/%d/status" % pid)


class ProtocolTests:
    """The protocol and the original's bugs, for one --mixin (a subclass sets MIXIN)."""

    MIXIN = None

    def server(self, *flags):
        return login_server("--mixin", self.MIXIN, *flags)

    def test_session_of_the_course(self):
        with self.server() as s:
            replies = full_login(s)
            self.assertEqual(replies[:3], ["OK,I am ready", "valid", "valid"])
            check_date_line(self, replies[3])
            self.assertIsNone(replies[4], "the server must close after the date line")
            self.assertTrue(wait_until(lambda: "fan logged in from 127.0.0.1:" in s.log()))
            self.assertEqual(s.stop(), 0)

    def test_every_builtin_user_and_wrong_ones(self):
        with self.server() as s:
            for user, password in [(b"te", b"234"), (b"fei", b"345")]:
                self.assertEqual(full_login(s, user, password)[:3],
                                 ["OK,I am ready", "valid", "valid"])
            with Client(s) as c:
                self.assertEqual(c.ask(b"username:nobody"), "invalid")
                self.assertEqual(c.ask(b"username:fan"), "valid")
                self.assertEqual(c.ask(b"userpasswd:234"), "invalid")  # te's password.
            self.assertEqual(s.stop(), 0)

    def test_bytes_arriving_one_at_a_time(self):
        # The original framed messages by recv() boundaries: one byte per recv() broke it.
        with self.server() as s, Client(s) as c:
            c.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for byte in GREETING + b"\nusername:fan\nuserpasswd:123\n":
                c.send(bytes([byte]))
                time.sleep(0.001)  # Pacing, so that the bytes leave as separate segments.
            self.assertEqual([c.line(), c.line(), c.line()], ["OK,I am ready", "valid", "valid"])
            check_date_line(self, c.line())
            self.assertIsNone(c.line())

    def test_all_messages_coalesced_in_one_segment(self):
        # The original slept 0.5 s so that its own two last replies would not coalesce, and
        # misread a client whose messages did.
        with self.server() as s, Client(s) as c:
            c.send(GREETING + b"\nusername:fan\r\nuserpasswd:123\n")
            self.assertEqual([c.line(), c.line(), c.line()], ["OK,I am ready", "valid", "valid"])
            check_date_line(self, c.line())
            self.assertIsNone(c.line())

    def test_password_before_user_name_does_not_crash_the_handler(self):
        with self.server() as s, Client(s) as c:
            self.assertEqual(c.ask(b"userpasswd:123"), "error: send username first")
            self.assertEqual(c.ask(GREETING), "OK,I am ready")  # The session goes on.
            self.assertEqual(c.ask(b"username:fan"), "valid")
            self.assertEqual(c.ask(b"userpasswd:123"), "valid")
            check_date_line(self, c.line())

    def test_password_after_a_refused_user_name_needs_a_user_name(self):
        with self.server() as s, Client(s) as c:
            self.assertEqual(c.ask(b"username:fan"), "valid")
            self.assertEqual(c.ask(b"username:nobody"), "invalid")
            self.assertEqual(c.ask(b"userpasswd:123"), "error: send username first")

    def test_unknown_message_and_empty_name_get_one_error_line(self):
        with self.server() as s, Client(s) as c:
            reply = c.ask(b"hello")
            self.assertTrue(reply.startswith('error: unknown message "hello"'), reply)
            self.assertEqual(c.ask(b""), 'error: unknown message ""; expected "Now client '
                             'connect to Server", "username:NAME" or "userpasswd:PASSWORD"')
            self.assertEqual(c.ask(b"username:"), "error: empty user name")
            reply = c.ask(b"\x01\xff" + b"x" * 100)  # Quoted short, unprintable bytes as '?'.
            self.assertTrue(reply.startswith('error: unknown message "??' + "x" * 58 + '..."'),
                            reply)
            # None of these was a failed attempt: the user name still has three tries.
            self.assertEqual(c.ask(b"username:a"), "invalid")
            self.assertEqual(c.ask(b"username:fan"), "valid")
            self.assertEqual(c.ask(b"userpasswd:123"), "valid")

    def test_line_of_1024_bytes_is_a_line(self):
        with self.server() as s, Client(s) as c:
            reply = c.ask(b"y" * 1024)
            self.assertTrue(reply.startswith('error: unknown message "yyy'), reply)
            self.assertEqual(c.ask(GREETING), "OK,I am ready")  # Still connected.

    def test_line_over_1024_bytes_gets_an_error_and_is_closed(self):
        with self.server() as s, Client(s) as c:
            c.send(b"x" * 1025)  # No newline yet, and already too long.
            self.assertEqual(c.line(), "error: line longer than 1024 bytes")
            self.assertIsNone(c.line())
            self.assertTrue(wait_until(lambda: "longer than 1024 bytes, closed" in s.log()))

    def test_too_many_attempts_user_names_and_passwords_together(self):
        with self.server() as s, Client(s) as c:
            self.assertEqual(c.ask(b"username:nobody"), "invalid")
            self.assertEqual(c.ask(b"username:fan"), "valid")
            self.assertEqual(c.ask(b"userpasswd:999"), "invalid")
            self.assertEqual(c.ask(b"userpasswd:123"), "valid")  # The third try may succeed.
        with self.server() as s, Client(s) as c:
            self.assertEqual(c.ask(b"username:nobody"), "invalid")
            self.assertEqual(c.ask(b"username:fan"), "valid")
            self.assertEqual(c.ask(b"userpasswd:999"), "invalid")
            self.assertEqual(c.ask(b"userpasswd:888"), "too many attempts")
            self.assertIsNone(c.line())
            self.assertTrue(wait_until(lambda: "too many attempts, closed" in s.log()))

    def test_max_attempts_flag(self):
        with self.server("--max-attempts", "1") as s, Client(s) as c:
            self.assertEqual(c.ask(b"username:nobody"), "too many attempts")
            self.assertIsNone(c.line())
        with self.server("--max-attempts", "5") as s, Client(s) as c:
            for _ in range(4):
                self.assertEqual(c.ask(b"username:nobody"), "invalid")
            self.assertEqual(c.ask(b"username:nobody"), "too many attempts")
            self.assertIsNone(c.line())

    def test_client_leaving_mid_session_leaves_the_server_idle(self):
        # The original looped for ever on the empty read that means end of input.
        with self.server("--trace") as s:
            with Client(s) as c:
                self.assertEqual(c.ask(GREETING), "OK,I am ready")
                self.assertEqual(c.ask(b"username:fan"), "valid")
                c.send(b"userpass")  # And leaves in the middle of a line.
                finished = "] finish %s:%d\n" % c.socket.getsockname()[:2]
            # The trace says "finish" once handle() has returned.
            self.assertTrue(wait_until(lambda: finished in s.log()), "handle() did not return")
            before = cpu_ticks(s.pid)
            time.sleep(1.0)  # The measurement itself: one second of the server's life.
            used = cpu_ticks(s.pid) - before
            # A spinning handler uses all TICKS; an idle server close to none.
            self.assertLessEqual(used, TICKS // 10, "the idle server used %d ticks" % used)
            # And it still serves (with --mixin none: only if the handler has ended).
            self.assertEqual(full_login(s)[:3], ["OK,I am ready", "valid", "valid"])
            self.assertEqual(s.stop(), 0)

    def test_100_concurrent_logins_all_succeed(self):
        with self.server() as s:
            results = []
            lock = threading.Lock()
            start = threading.Barrier(100, timeout=DEADLINE)

            def one(i):
                user, password = [(b"fan", b"123"), (b"te", b"234"), (b"fei", b"345")][i % 3]
                try:
                    with Client(s) as c:
                        start.wait()  # All 100 connected, then all talk at once.
                        replies = [c.ask(GREETING), c.ask(b"username:" + user),
                                   c.ask(b"userpasswd:" + password), c.line()]
                except Exception as e:  # Reported through `results`.
                    replies = [repr(e)]
                with lock:
                    results.append(replies)

            threads = [threading.Thread(target=one, args=(i,)) for i in range(100)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(DEADLINE)
            self.assertEqual(len(results), 100)
            for replies in results:
                self.assertEqual(replies[:3], ["OK,I am ready", "valid", "valid"], replies)
                check_date_line(self, replies[3])
            self.assertEqual(s.log().count("logged in from"), 100)
            self.assertEqual(s.stop(), 0)

    def stop_timed(self, server, signals=1):
        """SIGTERM (twice: the second once the first is taken); returns (status, seconds)."""
        started = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        if signals == 2:
            # Signals of one kind merge while pending: the second once the first is taken.
            self.assertTrue(wait_until(lambda: sigterm_taken(server.pid)), "SIGTERM pending")
            server.process.send_signal(signal.SIGTERM)
        status = server.process.wait(timeout=DEADLINE)
        return status, time.monotonic() - started

    def test_stop_within_grace_with_clients_connected(self):
        # One client idle in its session, one with half a line sent (under --mixin none it
        # waits in the listen queue). --timeout 30: only the grace period can end them.
        with self.server("--grace", "1", "--timeout", "30") as s, \
                Client(s) as idle, Client(s) as half:
            self.assertEqual(idle.ask(GREETING), "OK,I am ready")
            half.send(b"username:f")
            status, took = self.stop_timed(s)
            self.assertEqual(status, 0, s.log())
            self.assertGreaterEqual(took, 0.9, "stopped before the grace period was over")
            self.assertLess(took, 6, "the stop took %.1f s with --grace 1" % took)
            self.assertEqual(idle.rest(), b"")  # Cut off without a reply.
            self.assertEqual(half.rest(), b"")

    def test_second_signal_ends_stop_at_once(self):
        with self.server("--grace", "3600") as s, Client(s) as idle:
            self.assertEqual(idle.ask(GREETING), "OK,I am ready")
            status, took = self.stop_timed(s, signals=2)
            self.assertEqual(status, 0, s.log())
            self.assertLess(took, 5, "the stop took %.1f s after a second signal" % took)
            self.assertEqual(idle.rest(), b"")

    def test_timeout_disconnects_a_silent_client(self):
        with self.server("--timeout", "0.3") as s, Client(s) as c:
            started = time.monotonic()  # Before the server starts its wait, surely.
            self.assertEqual(c.ask(GREETING), "OK,I am ready")
            self.assertIsNone(c.line())  # Closed by the server, well before DEADLINE...
            self.assertGreaterEqual(time.monotonic() - started, 0.3)  # ...and not before 0.3 s.
            self.assertTrue(wait_until(lambda: "said nothing for 0.3 s, disconnected" in s.log()),
                            s.log())

    def test_legacy_framing_against_legacy_client(self):
        with self.server("--legacy-framing") as s:
            done = subprocess.run([sys.executable, LEGACY_CLIENT, str(s.port), "fei", "345"],
                                  capture_output=True, timeout=DEADLINE)
            replies = done.stdout.decode().split("\n")
            self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
            self.assertEqual(replies[:3], ["OK,I am ready", "valid", "valid"])
            check_date_line(self, replies[3])


class ThreadingProtocolTest(ProtocolTests, unittest.TestCase):
    MIXIN = "threading"


class SyncProtocolTest(ProtocolTests, unittest.TestCase):
    MIXIN = "none"

    def test_100_concurrent_logins_all_succeed(self):
        super().test_100_concurrent_logins_all_succeed()  # One after another, but all.


class ForkingProtocolTest(ProtocolTests, unittest.TestCase):
    MIXIN = "forking"


class ServerFlagsTest(unittest.TestCase):
    def test_first_line_and_default_mixin(self):
        with login_server("--trace") as s:
            self.assertRegex(s.first_line, r"^listening on 127\.0\.0\.1:\d+\n$")
            self.assertNotEqual(s.port, 0)
            full_login(s)
            # ThreadingMixIn by default: the trace shows a thread being started.
            self.assertTrue(wait_until(lambda: "] thread 127.0.0.1:" in s.log()), s.log())
            self.assertEqual(s.stop(), 0)

    def test_sigint_and_sigterm_exit_0(self):
        for signum in (signal.SIGINT, signal.SIGTERM):
            with login_server() as s:
                self.assertEqual(s.stop(signum), 0)

    def test_help(self):
        done = subprocess.run([SERVER, "-h"], capture_output=True, timeout=DEADLINE)
        self.assertEqual(done.returncode, 0)
        self.assertIn(b"usage: login_server", done.stdout)
        done = subprocess.run([SERVER, "--help"], capture_output=True, timeout=DEADLINE)
        self.assertEqual(done.returncode, 0)
        self.assertIn(b"usage: login_server", done.stdout)
        for flag in (b"--users", b"--allow", b"--max-attempts", b"--timeout", b"--mixin",
                     b"--legacy-framing", b"--stack-size", b"--trace"):
            self.assertIn(flag, done.stdout)

    def test_stack_size_64k_serves_a_login(self):
        with login_server("--stack-size", "64k") as s:  # --mixin threading is the default.
            self.assertEqual(full_login(s)[:3], ["OK,I am ready", "valid", "valid"])
            self.assertEqual(s.stop(), 0)

    def test_bad_flags_exit_2(self):
        for flags, says in [(["--bogus"], "unknown flag --bogus"),
                            (["--port", "70000"], "70000"),
                            (["--mixin", "spawning"], "spawning"),
                            (["--max-attempts", "0"], "--max-attempts 0"),
                            (["--timeout", "soon"], "--timeout soon"),
                            (["--allow", "10.0.0.0/33"], "--allow 10.0.0.0/33: prefix length"),
                            (["--allow", "localhost"], "--allow localhost: not an IPv4"),
                            (["--trace=yes"], "--trace takes no value"),
                            (["--server", "udp"], "unknown flag --server"),
                            (["--port"], "--port needs a value"),
                            (["--stack-size", "1k"], "--stack-size 1k: below the smallest"),
                            (["--stack-size", "8g"], "--stack-size 8g: not a size"),
                            (["--mixin", "forking", "--stack-size", "256k"],
                             "--stack-size needs --mixin threading"),
                            (["--port", "1", "--port", "2"], "--port given twice")]:
            done = subprocess.run([SERVER] + flags, capture_output=True, timeout=DEADLINE)
            self.assertEqual(done.returncode, 2, flags)
            self.assertIn(says, done.stderr.decode(), flags)
            self.assertEqual(done.stdout, b"", flags)

    def test_users_file(self):
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as f:
            f.write("# lecture users\nalice:wonder:land\n\nbob:builder\n")
            f.flush()
            with login_server("--users", f.name) as s:
                self.assertEqual(full_login(s, b"alice", b"wonder:land")[:3],
                                 ["OK,I am ready", "valid", "valid"])
                with Client(s) as c:
                    self.assertEqual(c.ask(b"username:fan"), "invalid")  # Replaced.

    def test_users_file_with_malformed_line_exits_2_naming_the_line(self):
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as f:
            f.write("alice:1\nbob:2\ncarol\n")
            f.flush()
            done = subprocess.run([SERVER, "--port", "0", "--users", f.name],
                                  capture_output=True, timeout=DEADLINE)
            self.assertEqual(done.returncode, 2)
            self.assertEqual(done.stderr.decode(), "login_server: --users %s line 3: expected "
                             "name:password, got 'carol'\n" % f.name)
            self.assertEqual(done.stdout, b"")  # It never started listening.
        done = subprocess.run([SERVER, "--port", "0", "--users", "/nonexistent/users.txt"],
                              capture_output=True, timeout=DEADLINE)
        self.assertEqual(done.returncode, 2)
        self.assertIn(b"/nonexistent/users.txt: cannot read it", done.stderr)

    def test_allow_refuses_a_client_without_reply_and_logs_it(self):
        with login_server("--allow", "10.0.0.0/8", "--allow", "192.168.0.0/16") as s:
            with Client(s) as c:
                self.assertEqual(c.rest(), b"")  # Closed, and not a word.
            self.assertTrue(wait_until(lambda: "refused 127.0.0.1:" in s.log()), s.log())
            self.assertNotIn("logged in", s.log())
            self.assertEqual(s.stop(), 0)

    def test_allow_admits_a_client_in_one_of_the_networks(self):
        with login_server("--allow", "10.0.0.0/8", "--allow", "127.0.0.0/8") as s:
            self.assertEqual(full_login(s)[:3], ["OK,I am ready", "valid", "valid"])
            self.assertNotIn("refused", s.log())

    @unittest.skipUnless(socket.has_ipv6 and os.path.exists("/proc/net/if_inet6") and
                         "00000000000000000000000000000001" in open("/proc/net/if_inet6").read(),
                         "no ::1 on this machine")
    def test_allow_ipv6(self):
        with login_server("--host", "::1", "--allow", "::1/128") as s:
            self.assertRegex(s.first_line, r"^listening on \[::1\]:\d+\n$")
            self.assertEqual(full_login(s)[:3], ["OK,I am ready", "valid", "valid"])
        with login_server("--host", "::1", "--allow", "127.0.0.0/8") as s:
            with Client(s) as c:
                self.assertEqual(c.rest(), b"")
            self.assertTrue(wait_until(lambda: "refused [::1]:" in s.log()), s.log())

    def test_4_MiB_without_newline_is_closed_and_memory_does_not_grow(self):
        # --mixin none: the handler runs on the serving thread, so no thread's stack comes or
        # goes between the two measurements; only what the handler buffered could count.
        with login_server("--mixin", "none") as s:
            full_login(s)  # Whatever a first request allocates, before measuring.
            rss_before = status_field(s.pid, "VmRSS")  # KiB
            with Client(s) as c:
                sent = 0
                chunk = b"z" * 65536
                try:
                    while sent < 4 << 20:
                        c.send(chunk)
                        sent += len(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # The server closed the connection: that is the point.
                rest = c.rest()  # The error line, unless the reset overtook it; then the end.
                self.assertIn(rest, [b"", b"error: line longer than 1024 bytes\n"])
            self.assertTrue(wait_until(lambda: "longer than 1024 bytes, closed" in s.log()))
            # Served after the handler has returned: the server is as it was, plus a login.
            self.assertEqual(full_login(s)[:3], ["OK,I am ready", "valid", "valid"])
            rss_after = status_field(s.pid, "VmRSS")
            self.assertLess(rss_after - rss_before, 1024,
                            "RSS grew from %d to %d KiB" % (rss_before, rss_after))


class LegacyFramingTest(unittest.TestCase):
    def test_our_legacy_client_against_a_legacy_server(self):
        with Program([sys.executable, LEGACY_SERVER, "0"]) as legacy:
            status, out, err = run_client("--legacy-framing", "--user", "te", "--password",
                                          "234", port=legacy.port)
            self.assertEqual(status, 0, err)
            lines = out.split("\n")
            self.assertEqual(lines[:3], ["OK,I am ready", "-->username: te", "-->userpasswd: ***"])
            check_date_line(self, lines[3])

    def test_our_legacy_client_and_server_together(self):
        with login_server("--legacy-framing") as s:
            started = time.monotonic()
            status, out, err = run_client("--legacy-framing", "--user", "fan", "--password",
                                          "123", port=s.port)
            self.assertEqual(status, 0, err)
            check_date_line(self, out.split("\n")[3])
            self.assertGreaterEqual(time.monotonic() - started, 0.5)  # The original's pause.

    def test_coalesced_greeting_is_misunderstood_by_the_legacy_server(self):
        # The bug the lecture shows: two messages in one segment are one message to a server
        # that frames by recv().
        with login_server("--legacy-framing") as s:
            status, out, err = run_client("--legacy-framing", "--coalesce", "--user", "fan",
                                          "--password", "123", port=s.port)
            self.assertEqual(status, 1)
            self.assertEqual(err, 'login_client: expected "OK,I am ready", the server answered: '
                             'error: unknown message "Now client connect to Serverusername:fan";'
                             ' expected "Now client connect to Server", "username:NAME" or '
                             '"userpasswd:PASSWORD"\n')
            self.assertTrue(wait_until(lambda: 'sent an unknown message "Now client connect to '
                                       'Serverusername:fan"' in s.log()), s.log())

    def test_coalesced_greeting_is_understood_with_lines(self):
        with login_server() as s:
            status, out, err = run_client("--coalesce", "--user", "fan", "--password", "123",
                                          port=s.port)
            self.assertEqual(status, 0, err)
            self.assertEqual(out.split("\n")[:3],
                             ["-->username: fan", "OK,I am ready", "-->userpasswd: ***"])
            check_date_line(self, out.split("\n")[3])


class ClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = login_server()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.server.log_file.close()

    def test_user_and_password_flags(self):
        status, out, err = run_client("--user", "fan", "--password", "123", port=self.server.port)
        self.assertEqual(status, 0, err)
        lines = out.split("\n")
        self.assertEqual(lines[:3], ["OK,I am ready", "-->username: fan", "-->userpasswd: ***"])
        check_date_line(self, lines[3])
        self.assertEqual(err, "")

    def test_prompts_and_retries_in_plain_english(self):
        status, out, err = run_client(stdin=b"bob\nfan\n999\n123\n", port=self.server.port)
        self.assertEqual(status, 0, err)
        self.assertEqual(out.split("\n")[:7], [
            "OK,I am ready",
            "-->username: bob",
            "Wrong user name, try again.",
            "-->username: fan",
            "-->userpasswd: ***",
            "Wrong password, try again.",
            "-->userpasswd: ***"])
        check_date_line(self, out.split("\n")[7])

    def test_server_error_is_shown_and_the_prompt_comes_back(self):
        status, out, err = run_client(stdin=b"\nfan\n123\n", port=self.server.port)
        self.assertEqual(status, 0, err)
        self.assertIn("The server says: error: empty user name, try again.\n", out)

    def test_refused_login_exits_1_with_a_clear_message(self):
        for args, says in [(["--user", "fan", "--password", "1"], "login failed: wrong password"),
                           (["--user", "nobody"], "login failed: wrong user name"),
                           (["--user", ""], "login failed: the server says: error: empty user "
                                            "name")]:
            status, out, err = run_client(*args, port=self.server.port)
            self.assertEqual(status, 1, args)
            self.assertEqual(err, "login_client: " + says + "\n", args)

    def test_too_many_attempts(self):
        status, out, err = run_client(stdin=b"a\nb\nc\n", port=self.server.port)
        self.assertEqual(status, 1)
        self.assertEqual(err, "login_client: the server says: too many attempts\n")

    def test_end_of_standard_input(self):
        status, out, err = run_client(stdin=b"", port=self.server.port)
        self.assertEqual(status, 1)
        self.assertEqual(err, "login_client: no answer on standard input\n")

    def test_server_not_there(self):
        with login_server() as s:
            port = s.port
            self.assertEqual(s.stop(), 0)
        status, out, err = run_client("--user", "fan", "--password", "123", port=port)
        self.assertEqual(status, 1)
        self.assertEqual(err, "login_client: cannot connect to 127.0.0.1:%d: Connection "
                         "refused\n" % port)

    def test_server_closing_early(self):
        with socket.create_server(("127.0.0.1", 0)) as listener:
            port = listener.getsockname()[1]

            def close_at_once():
                connection, _ = listener.accept()
                connection.close()

            t = threading.Thread(target=close_at_once)
            t.start()
            status, out, err = run_client("--user", "fan", "--password", "123", port=port)
            t.join(DEADLINE)
        self.assertEqual(status, 1)
        self.assertIn(err, ["login_client: the server closed the connection before answering "
                            "the greeting\n",
                            "login_client: cannot talk to 127.0.0.1:%d: Connection reset by "
                            "peer\n" % port])

    def test_server_saying_nothing(self):
        with socket.create_server(("127.0.0.1", 0)) as listener:
            port = listener.getsockname()[1]  # Connections wait in the backlog, unanswered.
            status, out, err = run_client("--user", "fan", "--timeout", "0.3", port=port)
        self.assertEqual(status, 1)
        self.assertEqual(err, "login_client: no reply from 127.0.0.1:%d within 0.3 s\n" % port)

    def test_help_and_bad_flags(self):
        status, out, err = run_client("--help")
        self.assertEqual(status, 0)
        self.assertIn("usage: login_client", out)
        for flags, says in [(["--bogus"], "unknown flag --bogus"),
                            (["--port", "0"], "--port 0: not a server's port (1-65535)"),
                            (["--coalesce=yes"], "--coalesce takes no value"),
                            (["--timeout", "-1"], "--timeout -1")]:
            status, out, err = run_client(*flags)
            self.assertEqual(status, 2, flags)
            self.assertIn(says, err, flags)


def main():
    mixins = []
    argv = [sys.argv[0]]
    args = iter(sys.argv[1:])
    for arg in args:
        if arg == "--mixin":
            mixins.append(next(args))
        else:
            argv.append(arg)
    mixins = mixins or ["none", "threading"]
    loader = unittest.TestLoader()
    suite = unittest.TestSuite()
    classes = {"none": SyncProtocolTest, "threading": ThreadingProtocolTest,
               "forking": ForkingProtocolTest}
    for mixin in mixins:
        suite.addTests(loader.loadTestsFromTestCase(classes[mixin]))
    if "forking" not in mixins or len(mixins) > 1:
        for case in (ServerFlagsTest, LegacyFramingTest, ClientTest):
            suite.addTests(loader.loadTestsFromTestCase(case))
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    sys.exit(0 if result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
