"""REJECTED: INCR is a read-modify-write without a lock, with a thread switch between the read
and the write.

The mistake: the counter is read, something that releases the GIL happens (here a 1 ms sleep
standing in for the I/O real code has there: a log line, a metrics call, a database), and the
value read is written back plus one. Two connections that read the same value both write the
same new value: one increment is lost, and two clients get the same number.
Caught by: state (16 clients x 200 pipelined INCR hits: the replies repeat numbers and GET hits
is far below 3200).
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

    def incr(self, key):
        # BUG: no lock around the read-modify-write
        value = self._values.get(key, 0) + 1
        time.sleep(0.001)  # the GIL is released here, as in any I/O between read and write
        self._values[key] = value
        return value

    def get(self, key):
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
            threading.Thread(target=serve_client, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
