"""Raw-socket client for tests/tasks/sites-probe: what a submission sees of the websites."""

import socket
import threading
import time
from urllib.parse import urlsplit


def get(url, timeout=3.0):
    parts = urlsplit(url)
    try:
        sock = socket.create_connection((parts.hostname, parts.port), timeout=timeout)
    except OSError as e:
        return {"error": type(e).__name__}
    reads, first, last = [], None, None
    try:
        request = "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (parts.path, parts.netloc)
        sock.sendall(request.encode())
        while True:
            data = sock.recv(65536)
            now = time.monotonic()
            if not data:
                break
            first = now if first is None else first
            last = now
            reads.append(data)
    except OSError as e:
        return {"error": type(e).__name__, "received": len(b"".join(reads))}
    finally:
        sock.close()
    raw = b"".join(reads)
    if not raw:
        return {"error": "closed without an answer"}
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    result = {
        "status": int(lines[0].split()[1]),
        "body": body.decode("latin-1"),
        "spread_ms": round((last - first) * 1000),
    }
    for name in ("Location", "X-Site", "content-type"):
        for key, value in headers.items():
            if key.lower() == name.lower():
                result[name.lower()] = value
    return result


def probe(action):
    kind = action["do"]
    if kind == "get":
        return get(action["url"], action.get("timeout", 3.0))
    if kind == "get-each":
        return [get(url) for url in action["urls"]]
    if kind == "get-many":
        results = [None] * action["count"]
        barrier = threading.Barrier(action["count"])

        def one(i):
            barrier.wait()
            results[i] = get(action["url"])["status"]

        threads = [threading.Thread(target=one, args=(i,)) for i in range(action["count"])]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return results
    if kind == "connect":
        try:
            parts = urlsplit(action["url"])
            socket.create_connection((parts.hostname, parts.port), timeout=2).close()
            return "connected"
        except ConnectionRefusedError:
            return "refused"
        except OSError as e:
            return type(e).__name__
    raise ValueError(kind)
