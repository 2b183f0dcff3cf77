"""REJECTED: serves one connection at a time.

The mistake: the accept loop calls serve_client() itself instead of starting a thread, so the
next client is accepted only when the current one disconnects.
Caught by: idle (a silent holder blocks every other client) and concurrency (20 x SLEEP 500
need 10 s one after another, and the holders block them anyway).
"""

import os
import signal
import socket
import sys
import threading
import time

MAX_SLEEP_MS = 5000


class Counters:
    def __init__(self):
        self._values = {}
        self._lock = threading.Lock()

    def incr(self, key):
        with self._lock:
            self._values[key] = self._values.get(key, 0) + 1
            return self._values[key]

    def get(self, key):
        with self._lock:
            return self._values.get(key, 0)


counters = Counters()


def is_key(arg):
    return arg != "" and " " not in arg


def respond(line):
    """The reply to one command line (without its line ending), and whether to keep the
    connection open afterwards."""
    command, space, arg = line.partition(" ")
    if line == "PING":
        return "PONG", True
    if line == "QUIT":
        return "BYE", False
    if command == "ECHO" and space:
        return arg, True
    if command == "INCR" and space and is_key(arg):
        return str(counters.incr(arg)), True
    if command == "GET" and space and is_key(arg):
        return str(counters.get(arg)), True
    if command == "SLEEP" and space:
        if not (arg.isascii() and arg.isdigit()) or int(arg) > MAX_SLEEP_MS:
            return f"ERR SLEEP takes a whole number of milliseconds from 0 to {MAX_SLEEP_MS}", True
        ms = int(arg)
        time.sleep(ms / 1000)
        return f"SLEPT {ms}", True
    if command in ("PING", "QUIT", "ECHO", "INCR", "GET", "SLEEP"):
        return f"ERR bad arguments for {command}", True
    return "ERR unknown command", True


def decode(raw_line):
    """The text of one line: one trailing \\r is dropped; None if it is not UTF-8."""
    if raw_line.endswith(b"\r"):
        raw_line = raw_line[:-1]
    try:
        return raw_line.decode("utf-8")
    except UnicodeDecodeError:
        return None


def serve_client(conn):
    with conn:
        buffer = b""
        try:
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    return  # the client closed; a partial last line is dropped
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for raw_line in lines:
                    text = decode(raw_line)
                    if text is None:
                        reply, keep_open = "ERR a line must be UTF-8", True
                    else:
                        reply, keep_open = respond(text)
                    conn.sendall(reply.encode("utf-8") + b"\n")
                    if not keep_open:
                        return
        except OSError:
            return  # reset by the client, or it left while we were writing: only it is affected


def main():
    port = int(os.environ["PORT"])
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    with socket.create_server(("127.0.0.1", port)) as listener:
        while True:
            conn, _ = listener.accept()
            serve_client(conn)  # BUG: the next client waits until this one disconnects


if __name__ == "__main__":
    main()
