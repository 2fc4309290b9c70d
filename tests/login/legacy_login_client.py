"""A login client in the course's legacy wire format, for testing login_server --legacy-framing.

The legacy format: no line terminators; each message is one send(), and each reply is
whatever one recv(1024) returns.

    python3 legacy_login_client.py PORT USER PASSWORD

Prints every reply on its own line, as received. Exit status 0 when the server accepted the
user and the password and then sent the date line as a reply of its own; 1 otherwise.
Written for the tests; the wire format is the original's, the code is not.
"""
import socket
import sys


def main():
    port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
        def say(message):
            s.sendall(message.encode())
            reply = s.recv(1024).decode()
            print(reply, flush=True)
            return reply

        if say("Now client connect to Server") != "OK,I am ready":
            return 1
        if say("username:" + user) != "valid":
            return 1
        if say("userpasswd:" + password) != "valid":
            return 1
        date_line = s.recv(1024).decode()
        print(date_line, flush=True)
        return 0 if date_line.endswith(" broken connect with server") else 1


if __name__ == "__main__":
    sys.exit(main())
