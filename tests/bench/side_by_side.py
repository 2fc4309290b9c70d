"""side_by_side: each of the library's servers, the same server written by hand, and Python's
own socketserver with the same handler, measured by one client (load) in one run, taking turns.

    side_by_side.py --load L --library ECHO_SERVER --raw RAW_SERVER --python PY_SERVER
                    [--rounds 3] [--seconds 0.4] [--connections 1,8,64]
                    [--groups threading,sync,forking,udp,unix] [--pin pinned,unpinned]
                    [--hold 100,5000] [--idle 1000,5000,10000] [--memory 10000,100000]
                    [--strace] [--plot FILE]

Groups: one library server each, beside the hand-written server of the same architecture
(tests/bench/raw_echo_server.cc) and Python's (tests/bench/python_echo_server.py), all three
started with the same flags (--server, --mixin):
  threading  ThreadingTCPServer, ping-pong and a new connection per request; also the
             library and the hand-written server at the system's 8 MiB stacks
  sync       TCPServer; ping-pong at 1 connection only (it serves one connection at a time)
  forking    ForkingTCPServer (max_children 100 for the library and Python)
  udp        UDPServer, datagram ping-pong
  unix       ThreadingUnixStreamServer, ping-pong and a new connection per request
In udp and unix, a fourth server, "hand-written py": the hand-written one making the system
calls of Python's structure too (a poll() before each recvfrom() or accept(), shutdown()
before close()), so the summary's "library (py)" lines show what the library's classes cost
apart from what Python's loop costs.
The library's threads and the hand-written server's have 256 KiB stacks (--stack-size 256k)
unless the name says "default" or "8m". A group's servers start once and stay up; for every
row (mode x connections) and every round, the client loads each in turn for --seconds, the
order rotating from round to round, so a slow patch of the shared machine falls on all alike.
Each row runs pinned (every thread of the server on CPU 0, the client on CPU 1) and unpinned.
A row reports each server's median rate over the rounds, its latency percentiles, server
CPU and minor page faults per request (children included) from the median round, and the
ratios library / hand-written (of the same stack size) and library / Python of the medians,
and the ratio of server CPU per request, library / hand-written. A summary of the ratios follows.

--hold K: K idle connections held while one client connects per request (ThreadingTCPServer):
the cost of a new connection when many handlers are alive.
--idle K: K idle connections on a fresh ThreadingTCPServer (and hand-written server; Python's
at 1000 and less), then all speak; resident memory per connection, and the time from SIGTERM
to exit with the K connections still open (the library: --grace 0.001, so it cuts them off).
--memory N,M: the library's resident memory after N and after M new connections in all.
--strace: system calls per request, each server run alone under strace -c -f, its start-up
subtracted. --plot FILE: requests per second against connections (gnuplot, when installed).
Performance is measured here, never asserted. Exit status 1 if a load run had errors.
"""
import argparse
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

# Group -> (title, flags for all three programs, [(name, program, extra flags)], rows).
# A row is (mode, connections list or None for --connections).
GROUPS = {
    "threading": ("ThreadingTCPServer", ["--server", "tcp", "--mixin", "threading"], [
        ("library 256k", "library", ["--stack-size", "256k"]),
        ("library default", "library", []),
        ("hand-written", "raw", []),
        ("hand-written 8m", "raw", ["--stack-size", "0"]),
        ("Python", "python", []),
    ], [("ping-pong", None), ("connect", None)]),
    "sync": ("TCPServer", ["--server", "tcp", "--mixin", "none"], [
        ("library", "library", []), ("hand-written", "raw", []), ("Python", "python", []),
    ], [("ping-pong", [1]), ("connect", None)]),
    "forking": ("ForkingTCPServer", ["--server", "tcp", "--mixin", "forking"], [
        ("library", "library", ["--max-children", "100"]), ("hand-written", "raw", []),
        ("Python", "python", []),
    ], [("ping-pong", None), ("connect", None)]),
    "udp": ("UDPServer", ["--server", "udp", "--mixin", "none"], [
        ("library", "library", []), ("hand-written", "raw", []),
        ("hand-written py", "raw", ["--python-calls", "yes"]), ("Python", "python", []),
    ], [("datagram", None)]),
    "unix": ("ThreadingUnixStreamServer", ["--server", "unix", "--mixin", "threading"], [
        ("library 256k", "library", ["--stack-size", "256k"]), ("hand-written", "raw", []),
        ("hand-written py", "raw", ["--python-calls", "yes"]), ("Python", "python", []),
    ], [("ping-pong", None), ("connect", None)]),
}

# Each library server is compared with the hand-written one of the same stack size.
CEILING = {"library": "hand-written", "library 256k": "hand-written",
           "library default": "hand-written 8m"}
# Where a group has it, also with the hand-written server that makes the system calls of
# Python's structure too (raw_echo_server --python-calls yes): what the library's classes
# cost, apart from what Python's loop costs. Its summary lines read "library (py)".
PYTHON_CALLS = "hand-written py"
PINS = {"pinned": ({0}, {1}), "unpinned": (None, None)}  # (server's CPUs, client's CPUs)


def command(args, program, flags, path=None):
    """The command line of one server: the same flags for all three programs."""
    base = {"library": [args.library], "raw": [args.raw],
            "python": [sys.executable, args.python]}[program]
    if "unix" in flags:
        flags = flags + ["--path", path]
    return base + flags


class Server:
    """A server process; its first line names its address."""

    def __init__(self, command, prefix=()):
        self.process = subprocess.Popen(list(prefix) + command, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL)
        line = self.process.stdout.readline().decode()
        if not line.startswith("listening on "):
            self.stop()
            raise SystemExit("side_by_side: %s did not start: %r" % (" ".join(command), line))
        self.address = line.split()[-1]
        self.pid = self.process.pid
        if prefix:  # Under strace: the server is strace's child.
            self.pid = self.child_of(self.process.pid)

    @staticmethod
    def child_of(pid):
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return int(f.read().split()[0])

    def pin(self, cpus):
        """Every thread of the server (and so every thread or child it starts) on cpus."""
        cpus = cpus or set(range(os.cpu_count()))
        for task in os.listdir("/proc/%d/task" % self.pid):
            try:
                os.sched_setaffinity(int(task), cpus)
            except OSError:  # A thread that has just ended.
                pass

    def stop(self, how=signal.SIGKILL):
        """Stops the server; returns the seconds from the signal to its exit."""
        started = time.monotonic()
        if self.process.poll() is None:
            os.kill(self.pid, signal.SIGTERM if self.pid != self.process.pid else how)
            # wait() with a timeout polls every few ms, which would blur the time to stop:
            # a blocking wait, and a timer that kills a server that hangs.
            guard = threading.Timer(60, self.process.kill)
            guard.start()
            self.process.wait()
            guard.cancel()
        return time.monotonic() - started


def load(args, server, mode, connections, hold=0, seconds=None, requests=0, cpus=None):
    command = [args.load, "--connect", server.address, "--mode", mode,
               "--connections", str(connections), "--seconds", str(seconds or args.seconds),
               "--server-pid", str(server.pid), "--hold", str(hold),
               "--requests", str(requests)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300,
                          preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None)
    values = dict(item.split("=") for item in done.stdout.split())
    if not values:
        raise SystemExit("side_by_side: load failed: %s" % done.stderr.strip())
    return {k: float(v) for k, v in values.items()}


def measure(args, servers, mode, connections, hold, names, client_cpus=None):
    """{name: [result per round]}, the servers taking turns, the order rotating."""
    results = {name: [] for name in names}
    for turn in range(args.rounds + 1):  # Round 0 warms up, shorter, and is not kept.
        order = names[turn % len(names):] + names[:turn % len(names)]
        for name in order:
            seconds = args.seconds if turn > 0 else min(args.seconds, 0.1)
            result = load(args, servers[name], mode, connections, hold, seconds,
                          cpus=client_cpus)
            if turn > 0:
                results[name].append(result)
    return results


def median_round(rounds):
    """The round whose rate is the median, for its latencies and CPU."""
    ordered = sorted(rounds, key=lambda r: r["rate"])
    return ordered[len(ordered) // 2]


def ratios(results, names, ceilings=CEILING):
    """{name: (/hand, cpu/h, /Python)} for the library's servers, as strings."""
    rate = {name: statistics.median(r["rate"] for r in results[name]) for name in names}
    median = {name: median_round(results[name]) for name in names}
    out = {}
    for name in names:
        hand = cpu = python = ""
        ceiling = ceilings.get(name)
        if ceiling in rate:
            hand = "%.2f" % (rate[name] / rate[ceiling])
            if median[ceiling]["server_cpu_us"] > 0:
                cpu = "%.2f" % (median[name]["server_cpu_us"] / median[ceiling]["server_cpu_us"])
        if name in CEILING and "Python" in rate:
            python = "%.2f" % (rate[name] / rate["Python"])
        out[name] = (hand, cpu, python)
    return rate, median, out


def print_row(label, results, names):
    rate, median, out = ratios(results, names)
    errors = sum(r["errors"] for name in names for r in results[name])
    for i, name in enumerate(names):
        m = median[name]
        print("%-26s %-16s %9.0f %8.1f %8.1f %9.1f %7.1f %6.1f %6s %6s %7s" % (
            label if i == 0 else "", name, rate[name], m["p50_us"], m["p99_us"], m["max_us"],
            m["server_cpu_us"], m["server_faults"], *out[name]))
    sys.stdout.flush()
    return rate, out, errors


def header():
    print("%-26s %-16s %9s %8s %8s %9s %7s %6s %6s %6s %7s" % (
        "row", "server", "req/s", "p50 µs", "p99 µs", "max µs", "cpu µs", "faults", "/hand",
        "cpu/h", "/Python"))


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


def idle_connections(args, holds, socket_dir):
    """K idle connections, then all speak: memory per connection, and the time to stop."""
    print("\nidle connections on a ThreadingTCPServer, then all speak; resident memory (VmRSS) "
          "per connection; stop: SIGTERM to exit, the connections still open")
    print("%-8s %-14s %9s %9s %12s %12s %10s %7s" % (
        "held", "server", "open s", "speak s", "idle KiB/c", "spoke KiB/c", "stop ms", "errors"))
    flags = GROUPS["threading"][1]
    programs = [("library 256k", "library", ["--stack-size", "256k", "--grace", "0.001"]),
                ("hand-written", "raw", []), ("Python", "python", [])]
    errors = 0
    for hold in holds:
        for name, program, extra in programs:
            if name == "Python" and hold > 1000:  # Python's reap() scans every thread.
                continue
            server = Server(command(args, program, flags + extra, socket_dir))
            client = subprocess.Popen(
                [args.load, "--connect", server.address, "--mode", "hold", "--hold", str(hold),
                 "--server-pid", str(server.pid)], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, text=True)
            line = client.stdout.readline()
            stop = server.stop(signal.SIGTERM)
            client.stdin.close()
            client.wait(timeout=60)
            values = dict(item.split("=") for item in line.split())
            if not values:
                raise SystemExit("side_by_side: load --mode hold failed")
            v = {k: float(x) for k, x in values.items()}
            errors += int(v["errors"]) + (hold - int(v["held"]))
            print("%-8d %-14s %9.2f %9.2f %12.1f %12.1f %10.0f %7d" % (
                hold, name, v["connect_seconds"], v["speak_seconds"], v["idle_per_conn_kib"],
                v["spoken_per_conn_kib"], stop * 1000, v["errors"]))
            sys.stdout.flush()
    return errors


def memory_after_requests(args, counts):
    """The library's resident memory after N connections in all (a new one per request)."""
    print("\nresident memory (VmRSS) of ThreadingTCPServer after N new connections, 8 clients")
    print("%-16s %12s %s" % ("server", "start KiB", "  ".join("%12s" % ("after %d" % n)
                                                             for n in counts)))
    flags = GROUPS["threading"][1]
    errors = 0
    for name, extra in (("library 256k", ["--stack-size", "256k"]), ("library default", [])):
        server = Server(command(args, "library", flags + extra))
        with open("/proc/%d/status" % server.pid) as f:
            start = [int(line.split()[1]) for line in f if line.startswith("VmRSS:")][0]
        done = 0
        after = []
        for n in counts:
            result = load(args, server, "connect", 8, seconds=300, requests=n - done)
            errors += int(result["errors"])
            done += int(result["requests"])
            after.append(result["server_rss_kib"])
        server.stop()
        print("%-16s %12d %s   (last - first: %+d KiB)" % (
            name, start, "  ".join("%12d" % a for a in after), after[-1] - after[0]))
    return errors


# Each server keeps its colour in every panel; the 8 MiB variants are dashed.
STYLE = {"library": "#7b2fbe", "hand-written": "#1a9850", "Python": "#2b83ba"}


def style(name):
    colour = STYLE[name.split()[0]]
    dashed = " dt 2" if name.endswith(("default", "8m")) else " dt 3" if name.endswith("py") else ""
    return 'lc rgb "%s"%s' % (colour, dashed)


def plot(path, panels, connections, data_dir, load_averages):
    """One panel per group: requests per second against connections, each server a line."""
    files = []
    for i, (title, curves) in enumerate(panels):
        data = os.path.join(data_dir, "plot.%d.dat" % i)
        with open(data, "w") as f:
            f.write("# connections " + " ".join('"%s"' % n for n in curves) + "\n")
            for c in connections:
                f.write("%d %s\n" % (c, " ".join("%.0f" % curves[n].get(c, 0) for n in curves)))
        lines = ", ".join('"%s" using 1:%d with linespoints %s lw 2 title "%s"' % (
            data, j + 2, style(n), n) for j, n in enumerate(curves))
        files.append('set title "%s"; plot %s' % (title, lines))
    rows = (len(panels) + 2) // 3
    script = ('set terminal pngcairo size 1500,%d font ",9"; set output "%s"; '
              'set multiplot layout %d,3 title "requests per second against concurrent '
              'connections, unpinned (loopback, 16-byte lines; %d vCPUs, load average %.1f '
              'to %.1f)"; set logscale x 2; set xlabel "connections"; set ylabel "req/s"; '
              'set yrange [0:*]; set key top left font ",8"; %s; unset multiplot' % (
                  360 * rows, path, rows, os.cpu_count(), load_averages[0], load_averages[1],
                  "; ".join(files)))
    try:
        subprocess.run(["gnuplot", "-e", script], check=True)
        print("\nplot: %s" % path)
    except (OSError, subprocess.CalledProcessError) as error:
        print("\nplot: skipped (%s)" % error)


def run_group(args, group, connections, socket_dir, summary, panels):
    title, flags, programs, rows = GROUPS[group]
    names = [name for name, _, _ in programs]
    print("\n%s: %s" % (title, ", ".join(names)))
    header()
    servers = {}
    errors = 0
    try:
        for name, program, extra in programs:
            servers[name] = Server(command(args, program, flags + extra,
                                           os.path.join(socket_dir, name.replace(" ", "-"))))
        for pin in args.pin.split(","):
            server_cpus, client_cpus = PINS[pin]
            for server in servers.values():
                server.pin(server_cpus)
            for mode, counts in rows:
                curves = {name: {} for name in names}
                for c in counts or connections:
                    results = measure(args, servers, mode, c, 0, names, client_cpus)
                    rate, out, e = print_row("%s, %d conn, %s" % (mode, c, pin), results, names)
                    errors += e
                    for name in names:
                        curves[name][c] = rate[name]
                        if name in CEILING:
                            summary.append((title, name, mode, c, pin) + out[name])
                    if PYTHON_CALLS in names:
                        _, _, out = ratios(results, names, dict.fromkeys(CEILING, PYTHON_CALLS))
                        for name in names:
                            if name in CEILING:
                                summary.append((title, name + " (py)", mode, c, pin) + out[name])
                if pin == "unpinned" and counts is None:
                    panels.append(("%s, %s" % (title, mode), curves))
    finally:
        for server in servers.values():
            server.stop()
    return errors


def held_rows(args, holds, socket_dir):
    """One client connects per request while K idle connections are held."""
    flags = GROUPS["threading"][1]
    programs = [p for p in GROUPS["threading"][2] if p[0] in ("library 256k", "hand-written",
                                                             "Python")]
    servers = {}
    errors = 0
    if not holds:
        return 0
    print("\nThreadingTCPServer, a new connection per request while K idle connections are "
          "held, unpinned")
    header()
    try:
        for name, program, extra in programs:
            servers[name] = Server(command(args, program, flags + extra, socket_dir))
        for hold in holds:
            names = ["library 256k", "hand-written"]
            if hold <= 1000:  # Above, Python's reap() scan makes each turn take minutes.
                names.append("Python")
            results = measure(args, servers, "connect", 1, hold, names)
            _, _, e = print_row("connect, 1 + %d held" % hold, results, names)
            errors += e
    finally:
        for server in servers.values():
            server.stop()
    return errors


def print_summary(summary):
    print("\nsummary: library / hand-written (rate, then server CPU per request) and "
          "library / Python, medians")
    print("%-26s %-17s %-10s %5s  %-17s %-17s %-13s" % (
        "server", "library", "mode", "conns", "/hand pin unpin", "cpu/h pin unpin",
        "/Python pin unpin"))
    rows = {}
    for title, name, mode, c, pin, hand, cpu, python in summary:
        rows.setdefault((title, name, mode, c), {})[pin] = (hand, cpu, python)
    for (title, name, mode, c), by_pin in rows.items():
        p = by_pin.get("pinned", ("", "", ""))
        u = by_pin.get("unpinned", ("", "", ""))
        print("%-26s %-17s %-10s %5d  %5s %5s       %5s %5s       %5s %5s" % (
            title, name, mode, c, p[0], u[0], p[1], u[1], p[2], u[2]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for flag in ("--load", "--library", "--raw", "--python"):
        parser.add_argument(flag, required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=0.4)
    parser.add_argument("--connections", default="1,8,64")
    parser.add_argument("--groups", default="threading,sync,forking,udp,unix")
    parser.add_argument("--pin", default="pinned,unpinned")
    parser.add_argument("--hold", default="100,5000")
    parser.add_argument("--idle", default="1000,5000,10000")
    parser.add_argument("--memory", default="10000,100000")
    parser.add_argument("--strace", action="store_true")
    parser.add_argument("--plot")
    args = parser.parse_args()
    if args.rounds < 1 or not 0 < args.seconds <= 60:
        parser.error("--rounds at least 1, --seconds more than 0 and at most 60")
    groups = [g for g in args.groups.split(",") if g]
    if any(g not in GROUPS for g in groups):
        parser.error("--groups: some of %s" % ",".join(GROUPS))
    if any(p not in PINS for p in args.pin.split(",")):
        parser.error("--pin: pinned, unpinned or both")
    if os.cpu_count() < 2 and "pinned" in args.pin:
        parser.error("--pin pinned needs two CPUs")
    connections = [int(c) for c in args.connections.split(",") if c]
    holds = [int(h) for h in args.hold.split(",") if h]
    idle = [int(h) for h in args.idle.split(",") if h]
    memory = [int(n) for n in args.memory.split(",") if n]
    # Thousands of connections: the servers inherit the raised limit.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    started = time.monotonic()
    socket_dir = tempfile.mkdtemp(prefix="ss-", dir="/tmp")  # sun_path holds 108 bytes.
    load_at_start = os.getloadavg()[0]

    print("side_by_side: %d rounds of %g s per server and row, servers taking turns; "
          "16-byte lines; pinned: servers on CPU 0, the client on CPU 1; nproc %d; "
          "load average %.1f" % (args.rounds, args.seconds, os.cpu_count(), load_at_start))
    errors = 0
    summary = []
    panels = []
    try:
        for group in groups:
            errors += run_group(args, group, connections, socket_dir, summary, panels)
        print("req/s: median over the rounds; latency, server CPU and minor page faults per "
              "request (cpu µs, faults; children included) from the median round.\n/hand: "
              "library / hand-written of the same stack size, median rates; cpu/h: the same "
              "for server CPU per request; /Python: library / Python.\nhand-written py: the "
              "hand-written server making Python's system calls too (poll before each "
              "accept or recvfrom, shutdown before close); (py): the library / it.")
        errors += held_rows(args, holds, socket_dir)
        if idle:
            errors += idle_connections(args, idle, socket_dir)
        if memory:
            errors += memory_after_requests(args, memory)
        if args.strace:
            title, flags, programs, _ = GROUPS["threading"]
            commands = {name: command(args, program, flags + extra)
                        for name, program, extra in programs}
            strace_counts(args, commands, ["library 256k", "hand-written", "Python"])
        print_summary(summary)
        if args.plot and panels:
            plot(args.plot, panels, connections, socket_dir,
                 (load_at_start, os.getloadavg()[0]))
    finally:
        shutil.rmtree(socket_dir, ignore_errors=True)
    print("load average %.1f; took %.0f s, %d errors" % (
        os.getloadavg()[0], time.monotonic() - started, errors))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
