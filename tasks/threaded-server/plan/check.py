#!/usr/bin/env python3
"""Independent checker for the threaded-server task (livejudge, tasks/threaded-server).

    python3 check.py SOLUTION.py [--repeat N] [--ports 20000-24999] [--only a,b]
                     [--holders-everywhere] [--json OUT.jsonl] [--quiet]

For every property it copies the solution to a fresh folder as solution.py, starts it as
`python solution.py` with PORT=<a free port> (only ever on 127.0.0.1), waits until it accepts a
connection, runs the property from the outside over plain TCP, and then kills the server
(SIGKILL to the process this checker started, by its pid; the sigterm property sends its own
SIGTERM first). A fresh server per property keeps one failure (a crashed server, a hung SLEEP)
from spilling into the next one. Properties made of independent sub-checks (commands, framing,
disconnects) record each sub-check's outcome in the JSON output too, and a framing or commands
sub-check ends with a sentinel PING whose PONG must be the very next line (exactly one reply
per command).

Required properties (the task contract):
  commands     PING, ECHO (spaces and UTF-8 verbatim, `ECHO ` is an empty line), INCR/GET
               shared across connections, SLEEP 0 and SLEEP 120
  errors       every graded ERR input gets a line starting with ERR, promptly, and the
               connection stays open
  framing      commands split across segments (also inside a UTF-8 character and between \\r
               and \\n), several commands in one segment (also with a SLEEP first), \\r\\n ends
  quit         QUIT alone: BYE, then end of stream; another client is unaffected
  idle         5 holders (3 silent, 2 in the middle of a line) do not delay another client,
               and the silent ones are still served afterwards
  concurrency  5 holders + 20 clients each checked with PING, then 20 x SLEEP 500 at once:
               every reply within 2.0 s
  state        16 clients x 200 pipelined INCR hits: replies are exactly 1..3200, GET says 3200
  disconnects  clients leave mid-line and during a SLEEP, by close and by reset (SO_LINGER 0):
               the server lives on and other clients are unaffected
  sigterm      with a SLEEP 5000 running, 5 holders and another connected client, SIGTERM
               makes the server exit within 2.0 s
Not required (readings of the contract, reported as INFO): extras.

Margins are generous on purpose: a correct server answers a command in well under 10 ms on
loopback, so every "promptly" below allows 1 s or more, and only the limits the contract
itself states (2.0 s for 20 x SLEEP 500, 2.0 s to exit after SIGTERM) are used as they are.
"""

import argparse
import json
import os
import selectors
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

REQUIRED = ["commands", "errors", "framing", "quit", "idle", "concurrency", "state",
            "disconnects", "sigterm"]
EXTRA = ["extras"]

PROMPT = 1.0         # a prompt reply: a correct server needs < 10 ms
CONNECT_TIMEOUT = 5.0  # connection set-up is not graded: when a burst of connections fills a
                       # small listen backlog (socketserver's default is 5) the kernel drops a
                       # SYN and the client retries it after 1 s, then 3 s; 5 s covers both
SEGMENT_GAP = 0.1    # between the parts of a split command: the server has read the first part
                     # (it is blocked in recv) long before the next one is sent
START_TIMEOUT = 10.0  # python start-up; normally ~50 ms
SIGTERM_LIMIT = 2.0  # the contract's limit, used as it is
CONCURRENCY_LIMIT = 2.0  # the contract's limit: 20 x SLEEP 500 all answered within 2.0 s
                         # (a one-at-a-time server needs 10 s, so 2.0 s is a 4x margin)


class Fail(Exception):
    pass


def now():
    return time.monotonic()


def show(data):
    """A short printable form of bytes or text."""
    if isinstance(data, bytes):
        text = repr(data)[2:-1]
    else:
        text = repr(data)[1:-1]
    return text if len(text) <= 80 else text[:77] + "..."


# --------------------------------------------------------------------------------------------
# The server under test


class PortPool:
    """Hands out ports from a range, each one bindable at that moment (tried without
    SO_REUSEADDR, so a port still in TIME_WAIT is skipped)."""

    def __init__(self, first, last):
        self.first, self.last, self.next = first, last, first

    def take(self):
        for _ in range(self.last - self.first + 1):
            port = self.next
            self.next = self.first if self.next >= self.last else self.next + 1
            probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                probe.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
            finally:
                probe.close()
        raise RuntimeError("no free port in the range")


class Server:
    def __init__(self, solution, port):
        self.port = port
        self.dir = tempfile.mkdtemp(prefix="ts-run-")
        shutil.copy(solution, os.path.join(self.dir, "solution.py"))
        self.out = open(os.path.join(self.dir, "output.txt"), "wb")
        env = {"PORT": str(port), "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        self.proc = subprocess.Popen(
            [sys.executable, "solution.py"], cwd=self.dir, env=env,
            stdin=subprocess.DEVNULL, stdout=self.out, stderr=self.out,
            start_new_session=True)  # our Ctrl-C does not reach it; we stop it ourselves
        self.exit_seconds = None

    def alive(self):
        return self.proc.poll() is None

    def output_tail(self, lines=8):
        self.out.flush()
        with open(os.path.join(self.dir, "output.txt"), "rb") as f:
            text = f.read().decode("utf-8", "replace").rstrip()
        tail = text.splitlines()[-lines:]
        return " | ".join(tail) if tail else "(no output)"

    def wait_ready(self):
        deadline = now() + START_TIMEOUT
        while now() < deadline:
            if not self.alive():
                raise Fail(f"the server exited ({self.proc.returncode}) before accepting: "
                           f"{self.output_tail()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.01)
        raise Fail(f"the server did not accept a connection within {START_TIMEOUT} s")

    def died_note(self):
        if self.alive():
            return ""
        return f" [the server exited with status {self.proc.returncode}: {self.output_tail()}]"

    def stop(self):
        """Clean-up after a property (the sigterm property sends its own SIGTERM first)."""
        if self.alive():
            self.proc.kill()  # by pid: only the process this checker started
        self.proc.wait()
        self.out.close()
        shutil.rmtree(self.dir, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# Clients


class Client:
    registry = []  # every client of the running property, closed when it ends
    slowest_connect = 0.0

    def __init__(self, port, name):
        self.name = name
        self.buf = bytearray()
        t = now()
        try:
            self.sock = socket.create_connection(("127.0.0.1", port), timeout=CONNECT_TIMEOUT)
        except OSError as e:
            raise Fail(f"{name}: cannot connect: {e}")
        Client.slowest_connect = max(Client.slowest_connect, now() - t)
        # Small writes go out at once, each as its own segment (for the split-command checks).
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        Client.registry.append(self)

    def send(self, data):
        try:
            self.sock.sendall(data)
        except OSError as e:
            raise Fail(f"{self.name}: sending {show(data)} failed: {e}")

    def feed(self, timeout):
        """One recv into the buffer; False at end of stream."""
        self.sock.settimeout(max(timeout, 0.001))
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            return True
        except ConnectionResetError:
            raise Fail(f"{self.name}: the connection was reset by the server")
        except OSError as e:
            raise Fail(f"{self.name}: receive failed: {e}")
        if not chunk:
            return False
        self.buf += chunk
        return True

    def pop_line(self):
        """A complete reply line without its \\n or \\r\\n, or None."""
        end = self.buf.find(b"\n")
        if end < 0:
            return None
        raw = bytes(self.buf[:end])
        del self.buf[: end + 1]
        if raw.endswith(b"\r"):
            raw = raw[:-1]  # replies may end with \r\n
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise Fail(f"{self.name}: a reply is not UTF-8: {show(raw)}")

    def read_line(self, timeout, after=""):
        deadline = now() + timeout
        while True:
            line = self.pop_line()
            if line is not None:
                return line
            left = deadline - now()
            if left <= 0:
                got = f" (received only {show(bytes(self.buf))})" if self.buf else ""
                raise Fail(f"{self.name}: no reply{after} within {timeout:g} s{got}")
            if not self.feed(left):
                raise Fail(f"{self.name}: the server closed the connection{after}"
                           + (f" (after {show(bytes(self.buf))})" if self.buf else ""))

    def expect(self, data, expected, timeout=PROMPT):
        if isinstance(data, str):
            data = data.encode("utf-8")
        self.send(data)
        line = self.read_line(timeout, after=f" to {show(data)}")
        if line != expected:
            raise Fail(f"{self.name}: sent {show(data)}, expected {show(expected)}, "
                       f"got {show(line)}")
        return line

    def end_of_stream(self, timeout):
        """'eof', 'reset', 'open' (nothing within timeout) or 'data'."""
        deadline = now() + timeout
        while now() < deadline:
            self.sock.settimeout(max(deadline - now(), 0.001))
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                return "reset"
            if not chunk:
                return "eof"
            self.buf += chunk
            return "data"
        return "open"

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def reset(self):
        """Close with an RST instead of a FIN."""
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close()


def read_concurrently(clients, count, timeout, close_when_done=False):
    """Reads `count` lines from each client at the same time; returns {client: [(line, t)]}
    with the arrival time of each line, or raises Fail naming what was missing. With
    close_when_done a client leaves as soon as it has all its replies, as a real one would."""
    deadline = now() + timeout
    got = {c: [] for c in clients}
    sel = selectors.DefaultSelector()
    for c in clients:
        sel.register(c.sock, selectors.EVENT_READ, c)
    waiting = set(clients)
    try:
        while waiting:
            left = deadline - now()
            if left <= 0:
                break
            for key, _ in sel.select(left):
                c = key.data
                if not c.feed(0.001):
                    sel.unregister(c.sock)
                    waiting.discard(c)
                    continue
                t = now()
                while len(got[c]) < count:
                    line = c.pop_line()
                    if line is None:
                        break
                    got[c].append((line, t))
                if len(got[c]) >= count:
                    sel.unregister(c.sock)
                    waiting.discard(c)
                    if close_when_done:
                        c.close()
    finally:
        sel.close()
    short = [c for c in clients if len(got[c]) < count]
    if short:
        total = sum(len(v) for v in got.values())
        raise Fail(f"{total} of {count * len(clients)} replies arrived within {timeout:g} s "
                   f"({len(short)} of {len(clients)} clients incomplete, e.g. {short[0].name} "
                   f"got {len(got[short[0]])})")
    return got


def open_holders(port):
    """5 connections without a complete line: 3 silent, 2 in the middle of a line."""
    holders = [Client(port, f"silent holder {i + 1}") for i in range(3)]
    for i, start in enumerate([b"PI", b"ECHO hal"]):
        h = Client(port, f"mid-line holder {i + 1}")
        h.send(start)
        holders.append(h)
    return holders


# --------------------------------------------------------------------------------------------
# Properties. Each returns a short note on success or raises Fail.


def sentinel(c):
    """Exactly one reply per command: a PING sent now must get the very next line, so an
    extra reply (say an ERR for each half of a split command) shows without a timeout."""
    c.send(b"PING\n")
    line = c.read_line(PROMPT, after=" to the sentinel PING")
    if line != "PONG":
        raise Fail(f"an extra reply: {show(line)} (expected nothing more before the PONG of a "
                   f"sentinel PING)")


class Subchecks:
    """Independent sub-checks of one property, each recorded (pass/fail) on its own, so the
    case plan can tell which of them a solution fails, and whether always."""

    current = {}

    def __init__(self):
        self.problems = []
        Subchecks.current = {}

    def run(self, title, fn):
        before = len(Client.registry)
        try:
            fn()
            Subchecks.current[title] = True
        except Fail as e:
            Subchecks.current[title] = False
            self.problems.append(f"[{title}] {e}")
        finally:
            for c in Client.registry[before:]:  # the sub-check's own clients, not holders
                c.close()

    def verdict(self):
        if self.problems:
            raise Fail("; ".join(self.problems))
        return ""


def p_commands(port, server):
    subs = Subchecks()

    def ping():
        c = Client(port, "client")
        c.expect("PING\n", "PONG")
        c.expect("PING\n", "PONG")

    def echo():
        c = Client(port, "client")
        c.expect("ECHO hello world\n", "hello world")
        c.expect("ECHO  two  spaces  \n", " two  spaces  ")   # after the FIRST space, verbatim
        c.expect("ECHO \n", "")                                 # `ECHO ` gives an empty line
        c.expect("ECHO ECHO PING\n", "ECHO PING")
        c.expect("ECHO héllo wörld ✓ 🙂\n", "héllo wörld ✓ 🙂")
        sentinel(c)

    def counters():
        c = Client(port, "client")
        c.expect("INCR apples\n", "1")
        c.expect("INCR apples\n", "2")
        c.expect("INCR pears\n", "1")
        c.expect("GET apples\n", "2")
        c.expect("GET never\n", "0")
        c.close()
        # Shared by all connections (one after another here: concurrent clients are the
        # business of idle, concurrency and state).
        c = Client(port, "second client")
        c.expect("GET apples\n", "2")
        c.expect("INCR apples\n", "3")
        c.close()
        c = Client(port, "third client")
        c.expect("GET apples\n", "3")
        sentinel(c)

    def sleep():
        c = Client(port, "client")
        c.expect("SLEEP 0\n", "SLEPT 0")
        t = now()
        c.expect("SLEEP 120\n", "SLEPT 120")
        took = now() - t
        if took < 0.12:  # the server cannot have waited 120 ms if the reply came sooner
            raise Fail(f"SLEEP 120 was answered after {took * 1000:.0f} ms")
        c.expect("PING\n", "PONG")

    for title, fn in [("ping", ping), ("echo", echo), ("counters", counters), ("sleep", sleep)]:
        subs.run(title, fn)
    return subs.verdict()


ERR_INPUTS = ["ping", "HELLO", "", "ECHO", "INCR", "INCR ", "INCR a b", "GET", "GET ",
              "GET a b", "SLEEP abc", "SLEEP -1", "SLEEP 6000"]


def p_errors(port, server):
    c = Client(port, "client")
    problems = []
    for text in ERR_INPUTS:
        c.send(text.encode() + b"\n")
        try:
            line = c.read_line(PROMPT, after=f" to {show(text)}")  # SLEEP 6000: no 6 s wait
        except Fail as e:
            raise Fail("; ".join(problems + [str(e)]))
        if not line.startswith("ERR"):
            problems.append(f"{show(text)} -> {show(line)}")
    if problems:
        raise Fail("expected a line starting with ERR: " + "; ".join(problems))
    c.expect("PING\n", "PONG")  # the connection stays open after every ERR
    return ""


def p_framing(port, server):
    subs = Subchecks()

    def sub(title, parts, expected):
        def fn():
            c = Client(port, title)
            for i, part in enumerate(parts):
                if i:
                    time.sleep(SEGMENT_GAP)
                c.send(part)
            got = []
            for _ in expected:
                got.append(c.read_line(2.0, after=f" to {show(b''.join(parts))}"))
            if got != expected:
                raise Fail(f"sent {' | '.join(show(p) for p in parts)}, expected {expected}, "
                           f"got {got}")
            sentinel(c)
        subs.run(title, fn)

    # "|" separates segments, sent SEGMENT_GAP apart
    sub("split command", [b"PI", b"NG\n"], ["PONG"])
    sub("split in three", [b"EC", b"HO sp", b"lit\n"], ["split"])
    sub("split in UTF-8", [b"ECHO \xc3", b"\xa9\n"], ["é"])
    sub("split 4-byte UTF-8", [b"ECHO \xf0\x9f", b"\x99", b"\x82!\n"], ["🙂!"])
    sub("pipelined", [b"PING\nECHO a\n"], ["PONG", "a"])
    sub("pipelined and split", [b"PING\nEC", b"HO c\nPI", b"NG\n"], ["PONG", "c", "PONG"])
    sub("pipelined after SLEEP", [b"SLEEP 200\nPING\nECHO b\nINCR framing\nGET framing\n"],
        ["SLEPT 200", "PONG", "b", "1", "1"])
    sub("CRLF PING", [b"PING\r\n"], ["PONG"])
    sub("CRLF commands", [b"ECHO crlf\r\nINCR cr\r\nGET cr\nSLEEP 10\r\n"],
        ["crlf", "1", "1", "SLEPT 10"])
    sub("CRLF and LF mixed", [b"PING\r\nPING\nECHO x\r\n"], ["PONG", "PONG", "x"])
    sub("split between CR and LF", [b"PING\r", b"\n"], ["PONG"])
    return subs.verdict()


def p_quit(port, server):
    c = Client(port, "quitter")
    other = Client(port, "other client")  # connected while the quitter leaves
    c.expect("QUIT\n", "BYE")
    end = c.end_of_stream(PROMPT)
    if end == "data":
        raise Fail(f"after BYE the server sent more: {show(bytes(c.buf))}")
    if end == "open":
        raise Fail(f"the connection was still open {PROMPT:g} s after BYE")
    other.expect("PING\n", "PONG", timeout=2.0)  # only the quitting connection ended
    return f"ends by {end}"


def p_idle(port, server):
    holders = open_holders(port)
    time.sleep(0.2)  # the server has accepted them and waits for their lines
    c = Client(port, "client")
    c.expect("PING\n", "PONG")
    c.expect("ECHO still here\n", "still here")
    c.expect("INCR idle\n", "1")
    c.expect("GET idle\n", "1")
    c.expect("SLEEP 100\n", "SLEPT 100")
    # The silent holders still work.
    for h in holders[:3]:
        h.expect("PING\n", "PONG")
    return ""


def p_concurrency(port, server):
    holders = open_holders(port)  # held open throughout, as the contract says
    clients = []
    for i in range(20):
        c = Client(port, f"client {i + 1}")
        c.expect("PING\n", "PONG", timeout=2.0)
        clients.append(c)
    sent = {}
    for c in clients:
        sent[c] = now()  # before the send: taken after it, a descheduled checker would date
        c.send(b"SLEEP 500\n")  # the send late and see a correct reply as too early
    got = read_concurrently(clients, 1, CONCURRENCY_LIMIT)
    first_send = min(sent.values())
    latest = 0.0
    for c in clients:
        line, t = got[c][0]
        if line != "SLEPT 500":
            raise Fail(f"{c.name}: SLEEP 500 -> {show(line)}")
        if t - sent[c] < 0.5:  # same clock: the reply cannot come before the server waited
            raise Fail(f"{c.name}: SLEEP 500 answered after {(t - sent[c]) * 1000:.0f} ms")
        latest = max(latest, t - first_send)
    return f"last reply after {latest:.2f} s"


def p_state(port, server):
    clients = [Client(port, f"client {i + 1}") for i in range(16)]
    for c in clients:
        c.send(b"INCR hits\n" * 200)  # one write each, all before reading anything
    got = read_concurrently(clients, 200, 10.0, close_when_done=True)  # correct: ~50 ms
    values = []
    for c in clients:
        for line, _ in got[c]:
            if not line.isdigit():
                raise Fail(f"{c.name}: INCR hits -> {show(line)}")
            values.append(int(line))
    if sorted(values) != list(range(1, 3201)):
        distinct = len(set(values))
        raise Fail(f"the 3200 replies are not 1..3200: {distinct} distinct values, "
                   f"{3200 - distinct} repeated, largest {max(values)} (lost updates)")
    c = Client(port, "checker")
    c.expect("GET hits\n", "3200")
    return ""


def p_disconnects(port, server):
    subs = Subchecks()

    def leave(how, leavers):
        """`leavers`: (name, bytes sent before leaving). All connect and send, then leave
        together 0.1 s later, by `how` ("close" or "reset"), while an observer stays."""
        observer = Client(port, "observer")
        observer.expect("PING\n", "PONG")
        clients = []
        for name, data in leavers:
            c = Client(port, name)
            if data:
                c.send(data)
            clients.append(c)
        time.sleep(0.1)  # the server has read what they sent; their SLEEPs are running
        for c in clients:
            c.reset() if how == "reset" else c.close()
        # Spans the moment the 300 ms SLEEPs end and their replies meet closed connections.
        observer.expect("SLEEP 400\n", "SLEPT 400", timeout=2.0)
        time.sleep(0.1)
        observer.expect("PING\n", "PONG")
        observer.expect(f"INCR {how}\n", "1")
        if not server.alive():
            raise Fail("the server exited")
        observer.close()
        late = Client(port, "new client")
        # 3 s: even a server that serves one client after another reaches it (it needs ~1 s).
        late.expect("PING\n", "PONG", timeout=3.0)
        late.expect(f"GET {how}\n", "1")
        if not server.alive():
            raise Fail("the server exited")

    subs.run("orderly close", lambda: leave("close", [
        ("closes mid-line", b"ECH"),
        ("closes during SLEEP", b"SLEEP 300\n"),
        ("closes during SLEEP, more pipelined", b"SLEEP 300\nPING\nECHO e\n"),
        ("closes at once", b""),
    ]))
    subs.run("reset", lambda: leave("reset", [
        ("resets mid-line, a reply unread", b"PING\nEC"),
        ("resets mid-line", b"GET"),
        ("resets during SLEEP", b"SLEEP 300\n"),
        ("resets during SLEEP, more pipelined", b"SLEEP 300\nPING\n"),
        ("resets at once", b""),
    ]))
    return subs.verdict()


def p_sigterm(port, server):
    sleeper = Client(port, "sleeper")
    sleeper.send(b"SLEEP 5000\n")
    open_holders(port)
    Client(port, "connected client").send(b"PING\n")  # its reply is left unread
    time.sleep(0.3)  # the SLEEP 5000 is running (checking that with another command would
    #                  also fail servers that are merely serial, which is not this property)
    t = now()
    server.proc.send_signal(signal.SIGTERM)
    try:
        status = server.proc.wait(timeout=SIGTERM_LIMIT)
    except subprocess.TimeoutExpired:
        raise Fail(f"still running {SIGTERM_LIMIT:g} s after SIGTERM")
    return f"exited after {now() - t:.2f} s with status {status}"


def p_extras(port, server):
    """Readings of the contract that the graded list does not spell out."""
    c = Client(port, "client")
    problems = []
    for data, expected in [("ECHO a\rb\n", "a\rb"),          # only a trailing \r is dropped
                           ("ECHO x\u2028y\x0cz\n", "x\u2028y\x0cz"),  # not splitlines()
                           ("ECHO \ttab \n", "\ttab "),
                           ("ECHO é\r\n", "é")]:
        try:
            c.expect(data, expected)
        except Fail as e:
            problems.append(str(e))
    for text in ["SLEEP 5001", "SLEEP", "SLEEP ", "PING x"]:
        c.send(text.encode() + b"\n")
        line = c.read_line(PROMPT, after=f" to {show(text)}")
        if not line.startswith("ERR"):
            problems.append(f"{show(text)} -> {show(line)}")
    if problems:
        raise Fail("; ".join(problems))
    return ""


PROPS = {"commands": p_commands, "errors": p_errors, "framing": p_framing, "quit": p_quit,
         "idle": p_idle, "concurrency": p_concurrency, "state": p_state,
         "disconnects": p_disconnects, "sigterm": p_sigterm, "extras": p_extras}


def run_property(name, solution, ports, holders_everywhere):
    Client.registry = []
    Client.slowest_connect = 0.0
    Subchecks.current = {}
    server = Server(solution, ports.take())
    note = ""
    try:
        server.wait_ready()
        if holders_everywhere and name not in ("idle", "concurrency", "sigterm"):
            open_holders(server.port)
        note = PROPS[name](server.port, server)
        ok = True
    except Fail as e:
        ok, note = False, str(e) + server.died_note()
    except Exception as e:  # a checker bug must not look like a verdict
        ok, note = False, f"CHECKER ERROR {type(e).__name__}: {e}"
    finally:
        for c in Client.registry:
            c.close()
        server.stop()
    if Client.slowest_connect > 0.5:
        note += f" (slowest connect {Client.slowest_connect:.1f} s)"
    return ok, note.strip(), dict(Subchecks.current)


def interrupted(signum, frame):
    raise KeyboardInterrupt  # unwinds through run_property's finally, which stops the server


def main():
    signal.signal(signal.SIGTERM, interrupted)
    ap = argparse.ArgumentParser()
    ap.add_argument("solution")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--ports", default="20000-24999")
    ap.add_argument("--only", default="")
    ap.add_argument("--holders-everywhere", action="store_true",
                    help="also hold 5 idle connections open during every other property")
    ap.add_argument("--json", help="append one JSON line per run to this file")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()
    first, last = (int(x) for x in args.ports.split("-"))
    ports = PortPool(first, last)
    names = args.only.split(",") if args.only else REQUIRED + EXTRA
    solution = os.path.abspath(args.solution)
    all_ok = True
    for run in range(args.repeat):
        results = {}
        for name in names:
            t = now()
            ok, note, subs = run_property(name, solution, ports, args.holders_everywhere)
            results[name] = {"pass": ok, "note": note, "seconds": round(now() - t, 2)}
            if subs:
                results[name]["subs"] = subs
            label = ("PASS" if ok else "FAIL") if name in REQUIRED else ("info" if ok else "INFO")
            if not args.quiet:
                print(f"{label:4}  {name:12} {note}", flush=True)
            if name in REQUIRED and not ok:
                all_ok = False
        failed = [n for n in names if n in REQUIRED and not results[n]["pass"]]
        print(f"== {os.path.basename(solution)} run {run + 1}: "
              f"{'all required properties pass' if not failed else 'FAIL ' + ','.join(failed)}",
              flush=True)
        if args.json:
            with open(args.json, "a") as f:
                f.write(json.dumps({"solution": os.path.basename(solution), "run": run + 1,
                                    "results": results}) + "\n")
    sys.exit(0 if all_ok else 1)


if __name__ == "__main__":
    main()
