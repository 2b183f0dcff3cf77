"""REJECTED: a thread pool of 24 workers, one short of what the grader connects at once.

The mistake: as small_pool.py, at the boundary: 5 idle holders + 20 clients are 25 connections,
so the 20th client's PING waits for a worker that never frees up. Shows that the idle holders
are part of the concurrency check.
Caught by: concurrency (client 20's PING is never answered).
"""

import os
import signal
import socket
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

WORKERS = 24  # BUG: fewer workers than clients connected at once
MAX_SLEEP_MS = 5000


class Server:
    def __init__(self, port):
        self.listener = socket.create_server(("127.0.0.1", port))
        self.pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="client")
        self.stopping = threading.Event()
        self.open = set()  # every connection not yet closed, to shut them down on exit
        self.open_lock = threading.Lock()
        self.counts = {}
        self.counts_lock = threading.Lock()

    def serve_forever(self):
        try:
            while True:
                conn, _ = self.listener.accept()
                with self.open_lock:
                    self.open.add(conn)
                self.pool.submit(self.serve_client, conn)
        finally:
            self.stop()

    def stop(self):
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second SIGTERM ends it at once
        self.stopping.set()
        self.listener.close()
        with self.open_lock:
            for conn in self.open:
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        self.pool.shutdown(wait=True)

    def serve_client(self, conn):
        try:
            for line in self.lines(conn):
                reply = self.respond(line)
                if self.stopping.is_set():
                    return
                conn.sendall(reply.encode("utf-8", errors="surrogateescape") + b"\n")
                if line == "QUIT":
                    return
        except OSError:
            pass  # the client reset the connection or left while we were writing
        finally:
            with self.open_lock:
                self.open.discard(conn)
            conn.close()

    @staticmethod
    def lines(conn):
        """Yields each complete line, decoded, without its line ending. Bytes that are not
        UTF-8 become surrogates, so ECHO still returns them unchanged."""
        buffer = bytearray()
        while True:
            end = buffer.find(b"\n")
            if end < 0:
                chunk = conn.recv(65536)
                if not chunk:
                    return  # end of stream; a partial last line is dropped
                buffer += chunk
                continue
            raw = bytes(buffer[:end])
            del buffer[: end + 1]
            if raw.endswith(b"\r"):
                raw = raw[:-1]
            yield raw.decode("utf-8", errors="surrogateescape")

    def respond(self, line):
        command, space, arg = line.partition(" ")
        if line == "PING":
            return "PONG"
        if line == "QUIT":
            return "BYE"
        if command == "ECHO" and space:
            return arg
        if command in ("INCR", "GET") and space and arg and " " not in arg:
            with self.counts_lock:
                if command == "INCR":
                    self.counts[arg] = self.counts.get(arg, 0) + 1
                return str(self.counts.get(arg, 0))
        if command == "SLEEP" and arg.isascii() and arg.isdigit() and int(arg) <= MAX_SLEEP_MS:
            self.stopping.wait(int(arg) / 1000)
            return f"SLEPT {int(arg)}"
        return "ERR unknown command or bad arguments"


def main():
    server = Server(int(os.environ["PORT"]))
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    server.serve_forever()


if __name__ == "__main__":
    main()
