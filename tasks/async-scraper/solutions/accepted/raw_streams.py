"""No HTTP library: a hand-written HTTP/1.1 client on asyncio.open_connection, a semaphore, html.parser."""

import asyncio
import codecs
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

REDIRECTS = (301, 302, 307)
MAX_HOPS = 10


class ConnectionFailed(Exception):
    """The server closed, reset or garbled the connection."""


class PageParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links = 0
        self.title = None
        self._in_first_title = False
        self._parts = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            if any(name == "href" for name, _ in attrs):
                self.links += 1
        elif tag == "title" and self.title is None and not self._in_first_title:
            self._in_first_title = True

    def handle_endtag(self, tag):
        if tag == "title" and self._in_first_title:
            self._in_first_title = False
            self.title = " ".join("".join(self._parts).split())

    def handle_data(self, data):
        if self._in_first_title:
            self._parts.append(data)

    def close(self):
        super().close()
        if self._in_first_title:  # an unclosed <title> runs to the end of the page
            self._in_first_title = False
            self.title = " ".join("".join(self._parts).split())


def summarize(text):
    parser = PageParser()
    parser.feed(text)
    parser.close()
    return parser.title, parser.links


def charset_of(content_type):
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            value = value.strip().strip("\"'")
            try:
                return codecs.lookup(value).name
            except LookupError:
                return "utf-8"
    return "utf-8"


async def read_headers(reader):
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        raise ConnectionFailed("closed before the headers") from None
    except asyncio.LimitOverrunError:
        raise ConnectionFailed("headers too long") from None
    lines = head.decode("iso-8859-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise ConnectionFailed(f"bad status line {lines[0]!r}")
    headers = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise ConnectionFailed(f"bad header line {line!r}")
        name = name.strip().lower()
        value = value.strip()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return int(parts[1]), headers


async def read_body(reader, headers):
    try:
        if "chunked" in headers.get("transfer-encoding", "").lower():
            chunks = []
            while True:
                size_line = await reader.readuntil(b"\r\n")
                size = int(size_line.split(b";", 1)[0].strip(), 16)
                if size == 0:
                    while (await reader.readuntil(b"\r\n")) != b"\r\n":
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(await reader.readexactly(size))
                if await reader.readexactly(2) != b"\r\n":
                    raise ConnectionFailed("bad chunk end")
        if "content-length" in headers:
            return await reader.readexactly(int(headers["content-length"]))
        return await reader.read()  # Connection: close, so the body ends with the stream
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
        raise ConnectionFailed("bad or cut body") from None


async def request(url):
    """One GET on a fresh connection: (status, headers, body or None)."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise ConnectionFailed(f"unsupported URL {url!r}")
    port = parts.port or 80
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    host = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
    reader, writer = await asyncio.open_connection(parts.hostname, port)
    try:
        writer.write(
            f"GET {target} HTTP/1.1\r\n"
            f"Host: {host}\r\n"
            "User-Agent: raw-streams-scraper\r\n"
            "Accept: text/html\r\n"
            "Connection: close\r\n\r\n".encode("ascii")
        )
        await writer.drain()
        status, headers = await read_headers(reader)
        body = await read_body(reader, headers) if status == 200 else None
        return status, headers, body
    finally:
        # Runs on success, on errors and when the attempt's deadline cancels us.
        writer.close()
        try:
            await writer.wait_closed()
        except (OSError, ConnectionFailed):
            pass


async def attempt(url, timeout):
    """One attempt, redirects included: a result dict, or raises Retry."""
    current = url
    async with asyncio.timeout(timeout):
        for _ in range(MAX_HOPS + 1):
            status, headers, body = await request(current)
            if status in REDIRECTS and "location" in headers:
                current = urljoin(current, headers["location"])
                continue
            break
    if status >= 500:
        raise Retry(f"http {status}")
    if status != 200:
        return {"url": url, "error": f"http {status}"}
    text = body.decode(charset_of(headers.get("content-type", "")), errors="replace")
    title, links = summarize(text)
    return {"url": url, "status": 200, "title": title, "links": links}


class Retry(Exception):
    def __init__(self, kind):
        super().__init__(kind)
        self.kind = kind


async def fetch(url, slots, timeout, retries):
    kind = "connection"
    for number in range(retries + 1):
        if number:
            await asyncio.sleep(0.1)  # no slot is held while waiting
        async with slots:
            try:
                return await attempt(url, timeout)
            except TimeoutError:
                kind = "timeout"
            except (ConnectionFailed, OSError):
                kind = "connection"
            except Retry as failure:
                kind = failure.kind
    return {"url": url, "error": kind}


async def scrape(urls, *, concurrency=5, timeout=2.0, retries=2):
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    slots = asyncio.Semaphore(concurrency)
    return list(await asyncio.gather(*(fetch(url, slots, timeout, retries) for url in urls)))
