"""A login server in the course's legacy wire format, for testing login_client --legacy-framing.

The legacy format: no line terminators; each message is one send(), and the receiver takes
whatever one recv(1024) returns as one message. After a valid password the server sends
"valid", waits 0.5 s so that the two replies are not received as one, sends the date line and
closes. Users: fan:123, te:234, fei:345.

    python3 legacy_login_server.py [PORT]     (default 0: any free port; loopback only)

Prints "listening on 127.0.0.1:PORT" first, then serves until SIGTERM or SIGINT.
Written for the tests; the wire format is the original's, the code is not.
"""
import signal
import socketserver
import sys
import time

USERS = {"fan": "123", "te": "234", "fei": "345"}


class LegacyLoginHandler(socketserver.BaseRequestHandler):
    timeout = 20  # Seconds; a stuck test client does not keep the server for ever.

    def handle(self):
        self.request.settimeout(self.timeout)
        name = None
        while True:
            data = self.request.recv(1024)
            if not data:
                return  # The client left.
            message = data.decode("utf-8", "replace")
            if message == "Now client connect to Server":
                self.request.sendall(b"OK,I am ready")
            elif message.startswith("username:"):
                name = message[len("username:"):]
                self.request.sendall(b"valid" if name in USERS else b"invalid")
            elif message.startswith("userpasswd:"):
                if name in USERS and USERS[name] == message[len("userpasswd:"):]:
                    self.request.sendall(b"valid")
                    time.sleep(0.5)
                    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
                    self.request.sendall((stamp + " broken connect with server").encode())
                    return
                self.request.sendall(b"invalid")
            else:
                self.request.sendall(b"error: unknown message")


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    server = Server(("127.0.0.1", port), LegacyLoginHandler)
    print("listening on 127.0.0.1:%d" % server.server_address[1], flush=True)

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever(poll_interval=0.05)
    except KeyboardInterrupt:
        pass
    server.server_close()


if __name__ == "__main__":
    main()
