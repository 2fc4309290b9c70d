"""side_by_side: the library's ThreadingTCPServer, the hand-written ceiling and Python's own
socketserver, measured by one client (load) in one run, taking turns.

    side_by_side.py --load L --library ECHO_SERVER --raw RAW_SERVER --python PY_SERVER
                    [--rounds 3] [--seconds 1] [--connections 1,8,64]
                    [--modes ping-pong,connect] [--hold 100,5000] [--strace] [--plot FILE]

Servers (all echo 16-byte lines over TCP loopback, a thread per connection):
  library 256k      demo/echo_server --mixin threading --stack-size 256k
  library default   demo/echo_server --mixin threading (the system's 8 MiB stacks)
  hand-written      tests/bench/raw_echo_server (256 KiB stacks, as the C ceiling)
  hand-written 8m   the same with the system's default stacks
  Python            tests/bench/python_echo_server.py (socketserver.ThreadingTCPServer)
All are started once and stay up; for every row (mode x connections) and every round, the
client loads each in turn for --seconds, the order rotating from round to round, so a slow
patch of the shared machine falls on all alike. A row reports each server's median rate over
the rounds, its latency percentiles and server CPU per request from the median round, and the
ratios library / hand-written (of the same stack size) and library / Python of the medians,
and the ratio of server CPU per request, library / hand-written.

--hold K rows: K idle connections are held open (a thread each in the server) while one client
connects per request: the accept-to-answer cost when many handlers are alive.
--strace: system calls per request, each server run alone under strace -c -f, its start-up
subtracted. --plot FILE: requests per second against connections (gnuplot, when installed).
Performance is measured here, never asserted. Exit status 1 if a load run had errors.
"""
import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

SERVERS = ["library 256k", "library default", "hand-written", "hand-written 8m", "Python"]


def server_commands(args):
    return {
        "library 256k": [args.library, "--mixin", "threading", "--stack-size", "256k"],
        "library default": [args.library, "--mixin", "threading"],
        "hand-written": [args.raw],
        "hand-written 8m": [args.raw, "--stack-size", "0"],
        "Python": [sys.executable, args.python],
    }


class Server:
    """A server process; its first line names its address."""

    def __init__(self, command, prefix=()):
        self.process = subprocess.Popen(list(prefix) + command, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL)
        line = self.process.stdout.readline().decode()
        if not line.startswith("listening on "):
            self.stop()
            raise SystemExit("side_by_side: %s did not start: %r" % (command[0], line))
        self.address = line.split()[-1]
        self.pid = self.process.pid
        if prefix:  # Under strace: the server is strace's child.
            self.pid = self.child_of(self.process.pid)

    @staticmethod
    def child_of(pid):
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return int(f.read().split()[0])

    def stop(self):
        if self.process.poll() is None:
            if self.pid != self.process.pid:
                os.kill(self.pid, signal.SIGTERM)  # The traced server; strace then reports.
            else:
                self.process.kill()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def load(args, server, mode, connections, hold=0, seconds=None):
    command = [args.load, "--connect", server.address, "--mode", mode,
               "--connections", str(connections), "--seconds", str(seconds or args.seconds),
               "--server-pid", str(server.pid), "--hold", str(hold)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    values = dict(item.split("=") for item in done.stdout.split())
    if not values:
        raise SystemExit("side_by_side: load failed: %s" % done.stderr.strip())
    return {k: float(v) for k, v in values.items()}


def measure(args, servers, mode, connections, hold, names):
    """{name: [result per round]}, the servers taking turns, the order rotating."""
    results = {name: [] for name in names}
    for turn in range(args.rounds + 1):  # Round 0 warms up and is not kept.
        order = names[turn % len(names):] + names[:turn % len(names)]
        for name in order:
            result = load(args, servers[name], mode, connections, hold)
            if turn > 0:
                results[name].append(result)
    return results


def median_round(rounds):
    """The round whose rate is the median, for its latencies and CPU."""
    ordered = sorted(rounds, key=lambda r: r["rate"])
    return ordered[len(ordered) // 2]


# Each library server is compared with the hand-written one of the same stack size.
CEILING = {"library 256k": "hand-written", "library default": "hand-written 8m"}


def print_row(label, results, names):
    rate = {name: statistics.median(r["rate"] for r in results[name]) for name in names}
    median = {name: median_round(results[name]) for name in names}
    errors = sum(r["errors"] for name in names for r in results[name])
    for i, name in enumerate(names):
        m = median[name]
        hand = cpu = python = ""
        if CEILING.get(name) in rate:
            ceiling = CEILING[name]
            hand = "%.2f" % (rate[name] / rate[ceiling])
            if median[ceiling]["server_cpu_us"] > 0:
                cpu = "%.2f" % (m["server_cpu_us"] / median[ceiling]["server_cpu_us"])
        if name in CEILING and "Python" in rate:
            python = "%.2f" % (rate[name] / rate["Python"])
        print("%-22s %-16s %9.0f %8.1f %8.1f %9.1f %7.1f %6s %6s %7s" % (
            label if i == 0 else "", name, rate[name], m["p50_us"], m["p99_us"], m["max_us"],
            m["server_cpu_us"], hand, cpu, python))
    sys.stdout.flush()
    return rate, errors


def strace_counts(args, commands, names):
    """System calls per request in ping-pong (1 connection) and per connection."""
    print("\nsystem calls per request, strace -c -f, each server alone, start-up subtracted")
    print("%-16s %10s %14s   %s" % ("server", "ping-pong", "per connection",
                                     "most frequent in connect mode"))
    for name in names:
        counts = {}
        for mode in ("start-up", "ping-pong", "connect"):
            with tempfile.NamedTemporaryFile(suffix=".strace") as out:
                server = Server(commands[name], ["strace", "-f", "-c", "-o", out.name])
                requests = 0
                if mode != "start-up":
                    requests = load(args, server, mode, 1, seconds=0.5)["requests"]
                server.stop()
                counts[mode] = (parse_strace(out.name), requests)
        start = counts["start-up"][0]
        per = {}
        for mode in ("ping-pong", "connect"):
            calls, requests = counts[mode]
            per[mode] = {k: (v - start.get(k, 0)) / max(requests, 1) for k, v in calls.items()}
        top = sorted(per["connect"].items(), key=lambda kv: -kv[1])[:6]
        print("%-16s %10.1f %14.1f   %s" % (
            name, sum(per["ping-pong"].values()), sum(per["connect"].values()),
            ", ".join("%s %.1f" % kv for kv in top if kv[1] >= 0.05)))


def parse_strace(path):
    calls = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            # "% time seconds usecs/call calls [errors] syscall"
            if len(parts) >= 5 and parts[0][0].isdigit() and parts[-1] != "total":
                calls[parts[-1]] = calls.get(parts[-1], 0) + int(parts[3])
    return calls


def plot(path, curves, connections):
    data = path + ".dat"
    with open(data, "w") as f:
        f.write("# connections " + " ".join('"%s"' % n for n in curves) + "\n")
        for c in connections:
            f.write("%d %s\n" % (c, " ".join("%.0f" % curves[n][c] for n in curves)))
    lines = ", ".join('"%s" using 1:%d with linespoints title "%s"' % (data, i + 2, n)
                      for i, n in enumerate(curves))
    script = ('set terminal pngcairo size 800,480; set output "%s"; set logscale x 2; '
              'set xlabel "concurrent connections"; set ylabel "requests per second"; '
              'set key outside; set title "new connection per request, TCP loopback"; '
              'plot %s' % (path, lines))
    try:
        subprocess.run(["gnuplot", "-e", script], check=True)
        print("\nplot: %s (data: %s)" % (path, data))
    except (OSError, subprocess.CalledProcessError) as error:
        print("\nplot: skipped (%s); data in %s" % (error, data))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for flag in ("--load", "--library", "--raw", "--python"):
        parser.add_argument(flag, required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--connections", default="1,8,64")
    parser.add_argument("--modes", default="ping-pong,connect")
    parser.add_argument("--hold", default="100,5000")
    parser.add_argument("--strace", action="store_true")
    parser.add_argument("--plot")
    args = parser.parse_args()
    if args.rounds < 1 or not 0 < args.seconds <= 60:
        parser.error("--rounds at least 1, --seconds more than 0 and at most 60")
    connections = [int(c) for c in args.connections.split(",") if c]
    holds = [int(h) for h in args.hold.split(",") if h]
    commands = server_commands(args)
    started = time.monotonic()

    print("side_by_side: %d rounds of %.1f s per server and row, servers taking turns; "
          "TCP loopback, 16-byte lines; nproc %d; load average %.1f" % (
              args.rounds, args.seconds, os.cpu_count(), os.getloadavg()[0]))
    print("%-22s %-16s %9s %8s %8s %9s %7s %6s %6s %7s" % (
        "row", "server", "req/s", "p50 µs", "p99 µs", "max µs", "cpu µs", "/hand", "cpu/h",
        "/Python"))
    servers = {}
    errors = 0
    curves = {name: {} for name in SERVERS}
    try:
        for name in SERVERS:
            servers[name] = Server(commands[name])
        for mode in args.modes.split(","):
            for c in connections:
                results = measure(args, servers, mode, c, 0, SERVERS)
                rate, e = print_row("%s, %d conn" % (mode, c), results, SERVERS)
                errors += e
                if mode == "connect":
                    for name in SERVERS:
                        curves[name][c] = rate[name]
        for hold in holds:
            names = ["library 256k", "hand-written"]
            if hold <= 1000:  # Above, Python's reap() scan makes each turn take minutes.
                names.append("Python")
            results = measure(args, servers, "connect", 1, hold, names)
            _, e = print_row("connect, 1 + %d held" % hold, results, names)
            errors += e
    finally:
        for server in servers.values():
            server.stop()
    print("req/s: median over the rounds; latency and server CPU per request (cpu µs) from "
          "the median round.\n/hand: library / hand-written of the same stack size, median "
          "rates; cpu/h: the same for server CPU per request; /Python: library / Python.")
    if args.strace:
        strace_counts(args, commands, ["library 256k", "hand-written", "Python"])
    if args.plot and "connect" in args.modes:
        plot(args.plot, curves, connections)
    print("took %.0f s, %d errors" % (time.monotonic() - started, errors))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
