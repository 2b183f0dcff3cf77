"""REJECTED: a client that resets its connection crashes the whole server.

The design is sound: the main thread reads every socket through a selector and splits lines,
and each connection has a worker thread that runs its commands in order (so a SLEEP blocks
only its own connection). The mistake: the main loop expects a client to leave only by an
orderly close (recv returns b""). When a client resets the connection (RST: a crashed client,
SO_LINGER 0, a dropped network), recv raises ConnectionResetError, nothing catches it, and the
exception ends the main thread, and with it the server and every other client.
Caught by: disconnects (a client resets in the middle of a line).
"""

import os
import queue
import selectors
import signal
import socket
import sys
import threading
import time

MAX_SLEEP_MS = 5000

counters = {}
counters_lock = threading.Lock()


def respond(line):
    command, space, arg = line.partition(" ")
    if line == "PING":
        return "PONG"
    if line == "QUIT":
        return "BYE"
    if command == "ECHO" and space:
        return arg
    if command in ("INCR", "GET") and space and arg and " " not in arg:
        with counters_lock:
            if command == "INCR":
                counters[arg] = counters.get(arg, 0) + 1
            return str(counters.get(arg, 0))
    if command == "SLEEP" and arg.isascii() and arg.isdigit() and int(arg) <= MAX_SLEEP_MS:
        time.sleep(int(arg) / 1000)
        return f"SLEPT {int(arg)}"
    return "ERR unknown command or bad arguments"


class Connection:
    """A client: the main loop feeds it bytes; its worker thread runs the complete lines."""

    def __init__(self, sock):
        self.sock = sock
        self.buffer = b""
        self.lines = queue.SimpleQueue()  # decoded lines; None once the client has gone
        threading.Thread(target=self.work, daemon=True).start()

    def feed(self, data):
        self.buffer += data
        *complete, self.buffer = self.buffer.split(b"\n")
        for raw in complete:
            if raw.endswith(b"\r"):
                raw = raw[:-1]
            self.lines.put(raw.decode("utf-8", errors="replace"))

    def work(self):
        quitting = False
        while True:
            line = self.lines.get()
            if line is None:
                break  # the main loop has unregistered the socket: it is ours to close
            if quitting:
                continue
            reply = respond(line)
            try:
                self.sock.sendall(reply.encode("utf-8") + b"\n")
                if line == "QUIT":
                    quitting = True
                    self.sock.shutdown(socket.SHUT_RDWR)  # the main loop sees the end
            except OSError:
                quitting = True
        self.sock.close()


def main():
    port = int(os.environ["PORT"])
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    listener = socket.create_server(("127.0.0.1", port))
    listener.setblocking(False)
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    while True:
        for key, _ in selector.select():
            if key.fileobj is listener:
                try:
                    sock, _ = listener.accept()
                except BlockingIOError:
                    continue
                sock.setblocking(True)  # the worker writes with sendall
                selector.register(sock, selectors.EVENT_READ, Connection(sock))
                continue
            data = key.fileobj.recv(65536)  # BUG: a reset raises ConnectionResetError here
            if data:
                key.data.feed(data)
            else:
                selector.unregister(key.fileobj)
                key.data.lines.put(None)


if __name__ == "__main__":
    main()
