"""REJECTED: runs every command in a thread of its own, so replies leave in the order the
commands finish, not the order they came in.

The mistake: serve_client starts a thread per line (so that a SLEEP does not hold up the
connection's next commands); each thread sends its reply when done.
Caught by: framing, "pipelined after SLEEP": SLEEP 200, PING, ECHO b sent in one segment get
PONG and b before SLEPT 200.
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


def run_command(conn, send_lock, raw_line):
    text = decode(raw_line)
    if text is None:
        reply, keep_open = "ERR a line must be UTF-8", True
    else:
        reply, keep_open = respond(text)
    with send_lock:  # one reply at a time, so two replies never interleave
        try:
            conn.sendall(reply.encode("utf-8") + b"\n")
            if not keep_open:
                conn.shutdown(socket.SHUT_RDWR)  # the reading thread then sees the end
        except OSError:
            pass


def serve_client(conn):
    send_lock = threading.Lock()
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
                    # BUG: commands of one connection run in parallel; replies can overtake
                    threading.Thread(target=run_command, args=(conn, send_lock, raw_line),
                                     daemon=True).start()
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
