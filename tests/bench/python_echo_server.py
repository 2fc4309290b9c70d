"""python_echo_server: Python's own socketserver, for the side-by-side benchmark.

    python3 python_echo_server.py [--stack-size BYTES]

A ThreadingTCPServer on 127.0.0.1, port 0, whose handler echoes lines until end of input,
as the library's echo_server does with --mixin threading. Prints "listening on
127.0.0.1:PORT", then serves until killed. --stack-size calls threading.stack_size() first.

One change from Python's defaults: request_queue_size = SOMAXCONN, as the library's default,
so that 64 clients connecting at once are not held back by Python's listen queue of 5.
"""
import socket
import socketserver
import sys
import threading


class EchoHandler(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            self.wfile.write(line)


class Server(socketserver.ThreadingTCPServer):
    request_queue_size = socket.SOMAXCONN


def main():
    args = sys.argv[1:]
    if args[:1] == ["--stack-size"] and len(args) == 2:
        threading.stack_size(int(args[1]))
    elif args:
        print("usage: python_echo_server.py [--stack-size BYTES]", file=sys.stderr)
        sys.exit(2)
    with Server(("127.0.0.1", 0), EchoHandler) as server:
        print("listening on %s:%d" % server.server_address, flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
