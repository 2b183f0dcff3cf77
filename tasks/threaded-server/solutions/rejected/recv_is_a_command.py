"""REJECTED: treats whatever one recv(1024) returns as exactly one command.

The mistake: TCP is a byte stream, not a message stream: one recv may return part of a line
or several lines. This server strips the line ending from each chunk and runs it as one
command.
Caught by: framing (a command split across segments gets ERR twice; two commands in one
segment get one ERR) and state (200 INCR in one write arrive as a few chunks: a handful of ERR
instead of 200 numbers).
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
        try:
            while True:
                chunk = conn.recv(1024)  # BUG: assumes one recv returns exactly one line
                if not chunk:
                    return  # the client closed
                text = decode(chunk[:-1] if chunk.endswith(b"\n") else chunk)
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
            threading.Thread(target=serve_client, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
