"""livejudge's network relay, run inside the box in front of the submission.

The box has no network but its own loopback. This process links loopback ports inside the
box with Unix sockets in a folder the judge shares with the box:
  inbound:  the judge connects to a socket it listens on and hands to the relay as a
            descriptor, and sends one byte. "C": the relay connects to 127.0.0.1:PORT in the
            box (a server the submission runs) and answers "+" and the link's id (8 hex
            digits), or "-" when refused. "R" and an id: the relay resets that link's TCP
            connection (the server sees a reset, not a close) and answers "+";
  outbound: the submission connects to 127.0.0.1:PORT in the box, the relay connects to
            SOCKET, where the judge serves (a website a scraper task fetches). When the judge
            closes a link while the submission's last bytes are unanswered (a website that
            resets the connection instead of replying), the submission gets a reset (RST),
            not an orderly close.
Then it starts the submission's process and exits with its status.

usage: python3 -I -S relay.py SPEC_JSON -- PROGRAM ARGS...
SPEC_JSON: {"inbound": [[PORT, FD], ...], "outbound": [[PORT, SOCKET_PATH], ...]}
"""

import itertools
import json
import os
import signal
import socket
import struct
import sys
import threading
import time

# Inbound links by id, for resets.
LINKS = {}
LINK_IDS = itertools.count(1)
LINKS_LOCK = threading.Lock()


class Link:
    def __init__(self, client, upstream, outbound):
        self.client = client
        self.upstream = upstream
        self.outbound = outbound
        # The TCP end, inside the box: the one a reset is sent on.
        self.tcp = client if outbound else upstream
        self.resetting = False
        # Outbound: the submission sent bytes the judge has not answered yet.
        self.awaiting = False
        self.closed = threading.Event()

    def reset_tcp(self):
        """Closes the TCP end with a reset once both pumps are done; SHUT_RD wakes the one
        reading it without sending anything."""
        self.resetting = True
        try:
            self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.tcp.shutdown(socket.SHUT_RD)
        except OSError:
            pass


def pump(source, target, link=None):
    outbound = link is not None and link.outbound
    replies = outbound and source is link.upstream
    try:
        while True:
            try:
                data = source.recv(65536)
            except ConnectionResetError:
                data = b""
            if not data:
                if replies and link.awaiting:
                    link.reset_tcp()
                break
            if outbound:
                # Set before sending: the answer may come back before sendall returns.
                link.awaiting = not replies
            target.sendall(data)
    except OSError:
        pass
    finally:
        for sock, how in ((target, socket.SHUT_WR), (source, socket.SHUT_RD)):
            # A link being reset must not send a FIN before its RST.
            if link is not None and link.resetting and sock is link.tcp:
                continue
            try:
                sock.shutdown(how)
            except OSError:
                pass


def recv_exact(sock, size):
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            break
        data += chunk
    return data


def reset(ident):
    """Whether the link's TCP connection was closed with a reset."""
    with LINKS_LOCK:
        link = LINKS.pop(ident, None)
    if link is None:
        return False
    # Closed with a zero linger time, a TCP socket sends RST.
    link.reset_tcp()
    try:
        link.client.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    # A pump blocked sending to a server that does not read cannot be woken without a FIN:
    # then the reset did not happen, and the judge is told so.
    return link.closed.wait(2)


def link(client, connect, announce):
    # Inbound, the judge says first what it wants (a connection, or a reset of one), and is
    # told whether the server in the box took the connection ("+") or not ("-"): its
    # listening socket accepts before any server is up.
    if announce:
        try:
            request = recv_exact(client, 1)
            if request == b"R":
                done = reset(recv_exact(client, 8))
                client.sendall(b"+" if done else b"-")
                client.close()
                return
            if request != b"C":
                client.close()
                return
        except OSError:
            client.close()
            return
    try:
        upstream = connect()
    except OSError:
        if announce:
            try:
                client.sendall(b"-")
            except OSError:
                pass
        client.close()
        return
    this = Link(client, upstream, outbound=not announce)
    ident = None
    if announce:
        ident = b"%08x" % (next(LINK_IDS) % (1 << 32))
        with LINKS_LOCK:
            LINKS[ident] = this
        try:
            client.sendall(b"+" + ident)
        except OSError:
            client.close()
            upstream.close()
            return
    done = threading.Event()

    def forward(a, b):
        pump(a, b, this)
        if done.is_set():
            if ident is not None:
                with LINKS_LOCK:
                    LINKS.pop(ident, None)
            a.close()
            b.close()
            this.closed.set()
        done.set()

    threading.Thread(target=forward, args=(client, upstream), daemon=True).start()
    threading.Thread(target=forward, args=(upstream, client), daemon=True).start()


def serve(listener, connect, announce):
    while True:
        try:
            client, _ = listener.accept()
        except OSError:
            time.sleep(0.01)  # out of descriptors, say: do not spin
            continue
        try:
            threading.Thread(target=link, args=(client, connect, announce), daemon=True).start()
        except Exception:
            # Out of threads (the box's process limit): drop this connection, keep serving.
            client.close()


def tcp_connect(port):
    def connect():
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.settimeout(None)  # the timeout was for connecting; a server may idle
        # What the judge writes in parts must reach the server in parts, not held by Nagle.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    return connect


def unix_connect(path):
    def connect():
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(path)
        return sock

    return connect


def main():
    separator = sys.argv.index("--")
    spec = json.loads(sys.argv[1])
    command = sys.argv[separator + 1 :]
    listeners = []
    for port, fd in spec.get("inbound", []):
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM, fileno=fd)
        listener.listen(128)
        listeners.append((listener, tcp_connect(port), True))
    for port, path in spec.get("outbound", []):
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(128)
        listeners.append((listener, unix_connect(path), False))
    child = os.fork()
    if child == 0:
        for listener, _, _ in listeners:
            listener.close()
        try:
            os.execv(command[0], command)
        finally:
            os._exit(127)
    # The judge stops a server with SIGTERM, sent here: pass it on, and let the server decide.
    signal.signal(signal.SIGTERM, lambda number, frame: os.kill(child, signal.SIGTERM))
    for listener, connect, announce in listeners:
        threading.Thread(target=serve, args=(listener, connect, announce), daemon=True).start()
    while True:
        try:
            _, status = os.waitpid(child, 0)
            break
        except ChildProcessError:
            os._exit(1)
        except InterruptedError:
            continue
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        signal.signal(number, signal.SIG_DFL)
        os.kill(os.getpid(), number)
    os._exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 1)


if __name__ == "__main__":
    main()
