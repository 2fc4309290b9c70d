#!/usr/bin/env python3
"""python_shutdown: how long Python's socketserver.TCPServer.shutdown() takes to return.

The twin of echo_bench's shutdown measurement, printed in the same table format so that
tools/bench.sh can show the two side by side.

Python's serve_forever(poll_interval=0.5) waits in selector.select(poll_interval) and only
then looks at the flag shutdown() sets; shutdown() waits for the loop to notice. So a call
waits for what is left of the current poll interval: up to 0.5 s, a quarter of a second on
average. (The C++ library writes a byte into a wake-up pipe instead; see
docs/python_to_cpp.md#shutdown.)

Each of the K repetitions starts a TCPServer on 127.0.0.1 port 0, runs serve_forever on a
thread, sleeps, then times shutdown(). The sleeps are spread evenly over one poll interval
(20 ms + (i + 0.5) / K * poll_interval, the same schedule as echo_bench), so the calls land at
every phase of the polling.

With --echo it also measures Python's own TCPServer and ThreadingTCPServer echo rates with a
Python client in the same process, as echo_bench does: connections and round trips, a fixed
number of lines per connection, both servers running while the client sends them batches in
turn. Those figures come from a different client and a different run than echo_bench's, so
compare them with the C++ ones by order of magnitude only.

Like echo_bench, it runs on one CPU (the last one allowed) unless given --cpu none; see
docs/benchmark.md for why.

Performance is measured here, never asserted. A bad flag prints usage and exits 2.
"""

import argparse
import os
import socket
import socketserver
import statistics
import sys
import threading
import time

LINE = (bytes(ord("a") + i % 26 for i in range(63)) + b"\n")  # 64 bytes, as echo_bench
CLIENT_TIMEOUT = 10.0


def format_duration(micros):
    """Microseconds below 10 ms, milliseconds above: "31 µs", "251.3 ms" (as echo_bench)."""
    if micros < 10000:
        return f"{micros:.0f} µs"
    return f"{micros / 1000:.1f} ms"


def shutdown_delay(i, reps, poll_interval):
    return 0.02 + poll_interval * ((i + 0.5) / reps)


class Nothing(socketserver.BaseRequestHandler):
    def handle(self):
        pass


def measure_shutdown(reps, poll_interval):
    micros = []
    for i in range(reps):
        with socketserver.TCPServer(("127.0.0.1", 0), Nothing) as server:
            thread = threading.Thread(target=server.serve_forever, args=(poll_interval,))
            thread.start()
            time.sleep(shutdown_delay(i, reps, poll_interval))
            before = time.perf_counter()
            server.shutdown()
            micros.append((time.perf_counter() - before) * 1e6)
            thread.join()
    return micros


def print_shutdown(micros, poll_interval):
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    workload = f"shutdown, poll {poll_interval:g} s"
    print(f"\n{'workload':<24} {'variant':<30} {'median':>12} {'max':>12} {'reps':>6}")
    print(f"{workload:<24} {'Python ' + version + ' TCPServer':<30} "
          f"{format_duration(statistics.median(micros)):>12} "
          f"{format_duration(max(micros)):>12} {len(micros):>6}")


# --- Optional: Python's own echo rates (--echo) ---


class EchoLines(socketserver.StreamRequestHandler):
    """Echoes exactly `lines` lines, then returns (as echo_bench's handlers do)."""

    lines = 1

    def handle(self):
        for _ in range(self.lines):
            line = self.rfile.readline()
            if not line:
                return
            self.wfile.write(line)


def echo_once(client):
    client.sendall(LINE)
    reply = b""
    while len(reply) < len(LINE):
        chunk = client.recv(len(LINE) - len(reply))
        if not chunk:
            raise RuntimeError("client: the server closed before replying")
        reply += chunk
    if reply != LINE:
        raise RuntimeError("client: the reply is not the line that was sent")


def run_batch(address, pattern, count):
    """One batch, as echo_bench: `count` connections, or one connection with an untimed first
    line and then `count` timed round trips. Returns the rate and the latencies (µs)."""
    latencies = []
    if pattern == "connections":
        start = time.perf_counter()
        for _ in range(count):
            with socket.create_connection(address, timeout=CLIENT_TIMEOUT) as client:
                echo_once(client)
    else:
        with socket.create_connection(address, timeout=CLIENT_TIMEOUT) as client:
            echo_once(client)
            start = time.perf_counter()
            for _ in range(count):
                before = time.perf_counter()
                echo_once(client)
                latencies.append((time.perf_counter() - before) * 1e6)
    return count / (time.perf_counter() - start), latencies


def quantile(values, q):
    ordered = sorted(values)
    return ordered[int(q * (len(ordered) - 1) + 0.5)]


def measure_echo(rounds, connections, round_trips):
    """TCPServer and ThreadingTCPServer both running; per pattern, one untimed round, then
    `rounds` rounds in which the two take turns, swapping who goes first."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    variants = [(f"Python {version} TCPServer", socketserver.TCPServer),
                (f"Python {version} ThreadingTCPServer", socketserver.ThreadingTCPServer)]
    rows = []
    for pattern, count in (("connections", connections), ("round-trips", round_trips)):
        lines = 1 if pattern == "connections" else 1 + count
        handler = type("Echo", (EchoLines,), {"lines": lines})
        servers, threads = [], []
        try:
            for _, server_class in variants:
                server = server_class(("127.0.0.1", 0), handler)
                servers.append(server)
                threads.append(threading.Thread(target=server.serve_forever))
                threads[-1].start()
            results = [([], []) for _ in variants]
            for server in servers:  # Warm-up round, not recorded.
                run_batch(server.server_address, pattern, count)
            for r in range(rounds):
                order = range(len(variants)) if r % 2 == 0 else reversed(range(len(variants)))
                for i in order:
                    rate, latencies = run_batch(servers[i].server_address, pattern, count)
                    results[i][0].append(rate)
                    results[i][1].extend(latencies)
        finally:
            for server, thread in zip(servers, threads):
                server.shutdown()
                thread.join()
                server.server_close()
        rows.append((pattern, results))

    print(f"\n{'workload':<24} {'variant':<30} {'median rate':>14} {'p50 µs':>8} {'p99 µs':>8}")
    for pattern, results in rows:
        trips = pattern == "round-trips"
        unit = "rt/s" if trips else "req/s"
        for i, (name, _) in enumerate(variants):
            rates, latencies = results[i]
            first = ("python " + pattern.replace("-", " ")) if i == 0 else ""
            p50 = f"{quantile(latencies, 0.5):.1f}" if trips else "-"
            p99 = f"{quantile(latencies, 0.99):.1f}" if trips else "-"
            print(f"{first:<24} {name:<30} {statistics.median(rates):>8.0f} {unit:<5} "
                  f"{p50:>8} {p99:>8}")


def pin_to_cpu(cpu):
    """As echo_bench: every thread on one CPU (the last allowed unless `cpu` is given)."""
    if cpu == "none":
        return "not pinned"
    allowed = os.sched_getaffinity(0)
    chosen = max(allowed) if cpu is None else int(cpu)
    if chosen not in allowed:
        raise SystemExit(f"python_shutdown: --cpu {cpu}: this process may not run there")
    os.sched_setaffinity(0, {chosen})
    return f"every thread on CPU {chosen}"


def positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text}: not a positive whole number")
    return value


def positive_float(text):
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text}: not a positive number")
    return value


def main():
    parser = argparse.ArgumentParser(
        description="Python socketserver.TCPServer shutdown() latency (and, with --echo, "
                    "Python echo rates), in echo_bench's table format.")
    parser.add_argument("--reps", type=positive_int, default=10,
                        help="shutdown() repetitions (default 10)")
    parser.add_argument("--poll-interval", type=positive_float, default=0.5,
                        help="serve_forever's poll_interval in seconds (default 0.5, "
                             "Python's default)")
    parser.add_argument("--echo", action="store_true",
                        help="also measure Python TCPServer and ThreadingTCPServer echo rates")
    parser.add_argument("--rounds", type=positive_int, default=11,
                        help="with --echo: timed batches per variant (default 11)")
    parser.add_argument("--connections", type=positive_int, default=100,
                        help="with --echo: connections per batch (default 100)")
    parser.add_argument("--round-trips", type=positive_int, default=1000,
                        help="with --echo: round trips per batch (default 1000)")
    parser.add_argument("--cpu", default=None,
                        help="run on this CPU (default: the last one allowed, as "
                             "echo_bench), or 'none' to let the scheduler place threads")
    args = parser.parse_args()

    if args.cpu not in (None, "none") and not args.cpu.isdigit():
        parser.error(f"--cpu {args.cpu}: not a CPU number or 'none'")
    placement = pin_to_cpu(args.cpu)
    started = time.perf_counter()
    print(f"python_shutdown: Python {sys.version.split()[0]}, {args.reps} shutdown reps"
          + (f"; echo: {args.rounds} rounds; per round and variant {args.connections} "
             f"connections, or one connection with {args.round_trips} round trips"
             if args.echo else "") + f"; {placement}")
    sys.stdout.flush()
    print_shutdown(measure_shutdown(args.reps, args.poll_interval), args.poll_interval)
    if args.echo:
        measure_echo(args.rounds, args.connections, args.round_trips)
    print(f"\ntook {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
