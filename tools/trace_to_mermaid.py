#!/usr/bin/env python3
"""trace_to_mermaid.py: turns a server's --trace lines into a Mermaid sequence diagram.

    echo_server --trace 2> trace.txt ...; tools/trace_to_mermaid.py < trace.txt

reads lines as BaseServer::print_trace writes them,

    [pid 16409 tid 16412] fork 127.0.0.1:54162

and prints a `sequenceDiagram` with one participant per client address ("client 1", in the
order they first appear) and one per thread or process that reported a step: the first is
"server", a new thread in the server's process is "thread 1", "thread 2", ..., a new process
is "child 1", .... Pids, tids and ports vary from run to run; the diagram does not, except
where threads or processes really ran at the same time and their lines interleaved.
Each step is an arrow: `get_request` from the client to the server, `thread` and `fork` from
the server to the thread or child that then reports that client's steps, every other step from
the thread or process that reported it to itself. Other lines (the `listening on` line,
handle_error's report) are left out.

Pages: a Markdown page can hold a diagram made by a real run of the echo demo,

    <!-- trace-diagram: echo_server --mixin forking; echo_client --message hello -->
    ```mermaid
    ...
    ```

and `tools/trace_to_mermaid.py --pages docs/*.md` runs the server with those flags and
--trace, each client (`;` between clients) against it, stops the server with SIGTERM, and
writes the diagram into the block below the marker. With --check it writes nothing and
exits 1 when a block differs from the run's; a block counts as the same when, for each
participant, the arrows it sends are the same and in the same order (how concurrent threads
interleave is up to the scheduler), and without --check such a block is kept, so a page
changes only when the code does. Pages without a marker are skipped; none at all is an error. The programs are bazel-bin/demo/echo_server and echo_client unless --server
and --client name others (//docs:trace_diagrams_test passes Bazel's).
"""
import argparse
import os
import re
import shlex
import signal
import subprocess
import sys
import time

LINE_RE = re.compile(r"^\[pid (\d+) tid (\d+)\] (\w+)(?: (\S+))?\s*$")
MARKER_RE = re.compile(r"^<!-- trace-diagram: (.*) -->$")
ARROW_RE = re.compile(r"^\s*(\w+)->>(\w+): (.*)$")


def to_mermaid(lines):
    """The sequence diagram (a list of lines, without fences) for --trace lines."""
    steps = []
    for line in lines:
        m = LINE_RE.match(line.strip())
        if m:
            steps.append((int(m.group(1)), int(m.group(2)), m.group(3), m.group(4)))
    if not steps:
        return ["sequenceDiagram", "    Note over server: no trace lines"]

    clients = {}  # address -> id
    actors = {}   # (pid, tid) -> id
    labels = {}   # id -> label
    server_pid = steps[0][0]
    threads = children = 0
    for pid, tid, _, address in steps:
        if address and address not in clients:
            clients[address] = "C%d" % (len(clients) + 1)
            labels[clients[address]] = "client %d" % len(clients)
        if (pid, tid) not in actors:
            if not actors:
                actor, label = "S", "server"
            elif pid == server_pid:
                threads += 1
                actor, label = "T%d" % threads, "thread %d" % threads
            else:
                children += 1
                actor, label = "P%d" % children, "child %d" % children
            actors[(pid, tid)] = actor
            labels[actor] = label

    # Where each client's request went: the first new actor after a `thread` or `fork` step
    # that reports a step for that client.
    handed = {}  # index of the thread/fork step -> the actor it started
    seen = {"S"}
    for i, (pid, tid, step, address) in enumerate(steps):
        if step in ("thread", "fork"):
            for later in steps[i + 1:]:
                actor = actors[(later[0], later[1])]
                if actor not in seen and later[3] == address:
                    handed[i] = actor
                    seen.add(actor)
                    break

    out = ["sequenceDiagram"]
    for address, client in clients.items():
        out.append("    participant %s as %s" % (client, labels[client]))
    for actor in actors.values():
        out.append("    participant %s as %s" % (actor, labels[actor]))
    for i, (pid, tid, step, address) in enumerate(steps):
        actor = actors[(pid, tid)]
        if step == "get_request" and address:
            out.append("    %s->>%s: get_request" % (clients[address], actor))
        elif i in handed:
            out.append("    %s->>%s: %s" % (actor, handed[i], step))
        else:
            out.append("    %s->>%s: %s" % (actor, actor, step))
    return out


def projection(diagram):
    """For each sender, its arrows in order: what does not depend on the scheduler."""
    sent = {}
    for line in diagram:
        m = ARROW_RE.match(line)
        if m:
            sent.setdefault(m.group(1), []).append(line.strip())
    participants = [line.strip() for line in diagram if line.strip().startswith("participant")]
    return sorted(participants), sent


def run_demo(marker, server_bin, client_bin, timeout=20.0):
    """Runs `echo_server ARGS --trace` and each `echo_client ARGS` against it; returns the
    server's stderr lines once it has exited after SIGTERM."""
    commands = [shlex.split(part) for part in marker.split(";")]
    if not commands or commands[0][:1] != ["echo_server"]:
        raise ValueError("a trace-diagram marker starts with echo_server: %r" % marker)
    server_args = commands[0][1:]
    server = subprocess.Popen([server_bin] + server_args + ["--trace"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        first = server.stdout.readline().strip()  # "listening on HOST:PORT" or "... on PATH"
        if not first.startswith("listening on "):
            raise RuntimeError("echo_server did not start: %r" % first)
        where = first[len("listening on "):]
        if where.startswith("/"):
            target = ["--path", where]
        else:
            target = ["--port", where.rsplit(":", 1)[1]]
        if "--server" in server_args:
            target += ["--server", server_args[server_args.index("--server") + 1]]
        for command in commands[1:]:
            if command[:1] != ["echo_client"]:
                raise ValueError("after the server, a marker names echo_client: %r" % marker)
            subprocess.run([client_bin] + target + command[1:], check=True, timeout=timeout,
                           stdout=subprocess.DEVNULL)
        # SIGTERM: shutdown(), then server_close(), which waits for every thread and child
        # (block_on_close), so every step is on stderr once the server has exited.
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=timeout)
        if server.returncode != 0:
            raise RuntimeError("echo_server exited with %d:\n%s" % (server.returncode, err))
        return err.splitlines()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def update_page(path, server_bin, client_bin, check):
    """Regenerates (or checks) every marked diagram of a page; returns the markers whose
    diagram differs from the run's, or None when the page has no marker."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    stale = []
    out = []
    i = 0
    markers = 0
    fence = False  # Inside a fenced block, a marker is an example of one (as in lifecycle.md).
    while i < len(lines):
        out.append(lines[i])
        if lines[i].startswith(("```", "~~~")):
            fence = not fence
        m = None if fence else MARKER_RE.match(lines[i])
        i += 1
        if not m:
            continue
        markers += 1
        if i >= len(lines) or lines[i].strip() != "```mermaid":
            raise ValueError("%s: a ```mermaid block must follow %r" % (path, m.group(0)))
        end = lines.index("```", i + 1)
        old = lines[i + 1:end]
        new = to_mermaid(run_demo(m.group(1), server_bin, client_bin))
        if projection(old) != projection(new):
            stale.append(m.group(1))
            old = new
        out += ["```mermaid"] + old + ["```"]
        i = end + 1
    if markers == 0:
        return None
    if not check and stale:
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(out))
    return stale


def main(argv):
    parser = argparse.ArgumentParser(
        description="Turn --trace lines (standard input) into a Mermaid sequence diagram; "
                    "with --pages, regenerate the marked diagrams of Markdown pages.")
    parser.add_argument("--pages", nargs="+", metavar="PAGE", help="pages to update")
    parser.add_argument("--check", action="store_true", help="with --pages: only compare")
    parser.add_argument("--server", default="bazel-bin/demo/echo_server")
    parser.add_argument("--client", default="bazel-bin/demo/echo_client")
    args = parser.parse_args(argv[1:])
    if not args.pages:
        if args.check:
            parser.error("--check goes with --pages")
        print("\n".join(to_mermaid(sys.stdin.read().splitlines())))
        return 0
    for program in (args.server, args.client):
        if not os.access(program, os.X_OK):
            parser.error("%s is not there: bazel build //demo:all first" % program)
    failed = False
    marked = 0
    for page in args.pages:
        stale = update_page(page, args.server, args.client, args.check)
        marked += stale is not None
        for marker in stale or []:
            failed = True
            print("%s: the diagram for `%s` %s" % (page, marker, "differs from a real run"
                                                   if args.check else "was rewritten"))
    if marked == 0:  # A check that checks nothing must not pass.
        print("no <!-- trace-diagram: ... --> marker in %s" % " ".join(args.pages))
        return 1
    return 1 if failed and args.check else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
