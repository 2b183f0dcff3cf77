"""Line-protocol server on socketserver.ThreadingTCPServer.

StreamRequestHandler gives each connection a buffered reader, so `readline` returns exactly one
line however the bytes were split or batched by TCP; a line is decoded only once it is whole.
`daemon_threads = True` keeps connection threads from holding the process open, and SIGTERM
raises SystemExit out of `serve_forever`, after which the `with` block closes the server.
"""

import os
import signal
import socketserver
import sys
import threading
import time

MAX_SLEEP_MS = 5000
MAX_LINE = 64 * 1024


class Store:
    """Counters shared by every connection."""

    def __init__(self):
        self._counts = {}
        self._lock = threading.Lock()

    def incr(self, key):
        with self._lock:
            value = self._counts.get(key, 0) + 1
            self._counts[key] = value
            return value

    def get(self, key):
        with self._lock:
            return self._counts.get(key, 0)


def parse_ms(arg):
    if arg.isascii() and arg.isdigit() and int(arg) <= MAX_SLEEP_MS:
        return int(arg)
    return None


class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        try:
            while True:
                raw = self.rfile.readline(MAX_LINE)
                if not raw.endswith(b"\n"):
                    return  # end of stream (a partial last line is dropped), or a huge line
                raw = raw[:-1]
                if raw.endswith(b"\r"):
                    raw = raw[:-1]
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError:
                    self.reply("ERR a line must be UTF-8")
                    continue
                if line == "QUIT":
                    self.reply("BYE")
                    return
                self.reply(self.run(line))
        except ConnectionError:
            pass  # the client went away; only this connection ends

    def reply(self, text):
        self.wfile.write(text.encode("utf-8") + b"\n")

    def run(self, line):
        store = self.server.store
        command, space, arg = line.partition(" ")
        if line == "PING":
            return "PONG"
        if command == "ECHO" and space:
            return arg
        if command in ("INCR", "GET"):
            if not arg or " " in arg:
                return f"ERR usage: {command} <key> (a key has no spaces)"
            return str(store.incr(arg) if command == "INCR" else store.get(arg))
        if command == "SLEEP":
            ms = parse_ms(arg)
            if ms is None:
                return f"ERR usage: SLEEP <ms>, ms from 0 to {MAX_SLEEP_MS}"
            time.sleep(ms / 1000)
            return f"SLEPT {ms}"
        return "ERR unknown command"


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    # The default listen backlog of 5 makes the kernel drop connection attempts when many
    # clients connect at once (they retry after a second); 128 absorbs any burst here.
    request_queue_size = 128

    def __init__(self, address):
        super().__init__(address, Handler)
        self.store = Store()


def main():
    port = int(os.environ["PORT"])
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    with Server(("127.0.0.1", port)) as server:
        server.serve_forever()


if __name__ == "__main__":
    main()
