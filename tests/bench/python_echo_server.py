"""python_echo_server: Python's own socketserver, for the side-by-side benchmark.

    python3 python_echo_server.py [--server tcp|udp|unix] [--mixin none|threading|forking]
                                  [--path PATH] [--stack-size BYTES]

The same flags as the library's demo/echo_server, and the same servers: TCPServer,
ThreadingTCPServer, ForkingTCPServer, UDPServer, ThreadingUnixStreamServer, ... (--server
tcp and --mixin none by default). Stream handlers echo lines until end of input, datagram
handlers send the datagram back, as echo_server's do. Prints "listening on ADDRESS"
(127.0.0.1:PORT, or the path), then serves until killed. --stack-size calls
threading.stack_size() first.

Two changes from Python's defaults, both to the library's: request_queue_size = SOMAXCONN,
so that 64 clients connecting at once are not held back by Python's listen queue of 5; and
max_children = 100 for a forking server (Python and the library both default to 40), so
that 64 clients that each keep a connection are all served at once.
"""
import os
import socket
import socketserver
import sys
import threading


class EchoStreamHandler(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            self.wfile.write(line)


class EchoDatagramHandler(socketserver.DatagramRequestHandler):
    def handle(self):
        self.wfile.write(self.packet)


BASES = {"tcp": socketserver.TCPServer, "udp": socketserver.UDPServer,
         "unix": socketserver.UnixStreamServer}
MIXINS = {"none": (), "threading": (socketserver.ThreadingMixIn,),
          "forking": (socketserver.ForkingMixIn,)}
USAGE = ("usage: python_echo_server.py [--server tcp|udp|unix] "
         "[--mixin none|threading|forking] [--path PATH] [--stack-size BYTES]")


def main():
    flags = {"--server": "tcp", "--mixin": "none", "--path": None, "--stack-size": None}
    args = sys.argv[1:]
    if len(args) % 2 or any(flag not in flags for flag in args[::2]):
        print(USAGE, file=sys.stderr)
        sys.exit(2)
    flags.update(zip(args[::2], args[1::2]))
    if flags["--server"] not in BASES or flags["--mixin"] not in MIXINS:
        print(USAGE, file=sys.stderr)
        sys.exit(2)
    if flags["--stack-size"]:
        threading.stack_size(int(flags["--stack-size"]))
    base = BASES[flags["--server"]]
    server_class = type("Server", MIXINS[flags["--mixin"]] + (base,),
                        {"request_queue_size": socket.SOMAXCONN, "max_children": 100})
    handler = EchoDatagramHandler if flags["--server"] == "udp" else EchoStreamHandler
    if flags["--server"] == "unix":
        address = flags["--path"]
        if not address:
            print("python_echo_server.py: --server unix needs --path", file=sys.stderr)
            sys.exit(2)
        if os.path.exists(address):
            os.unlink(address)
    else:
        address = ("127.0.0.1", 0)
    with server_class(address, handler) as server:
        where = server.server_address
        print("listening on %s" % (where if isinstance(where, str) else "%s:%d" % where),
              flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
