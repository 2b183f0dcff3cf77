"""REJECTED: awaits each URL in turn in a for loop, so no two requests ever overlap."""

import asyncio
from html.parser import HTMLParser

import aiohttp


class PageParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.title = None
        self.links = 0
        self._title_parts = None

    def handle_starttag(self, tag, attrs):
        if tag == "a" and any(name == "href" for name, _ in attrs):
            self.links += 1
        elif tag == "title" and self.title is None and self._title_parts is None:
            self._title_parts = []

    def handle_endtag(self, tag):
        if tag == "title" and self._title_parts is not None and self.title is None:
            self.title = " ".join("".join(self._title_parts).split())

    def handle_data(self, data):
        if self._title_parts is not None and self.title is None:
            self._title_parts.append(data)


def summarize(html):
    parser = PageParser()
    parser.feed(html)
    parser.close()
    return parser.title, parser.links


class Retry(Exception):
    def __init__(self, kind):
        self.kind = kind


async def attempt(session, url, timeout):
    try:
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=timeout)) as response:
            body = await response.read()
            if response.status >= 500:
                raise Retry(f"http {response.status}")
            if response.status != 200:
                return {"url": url, "error": f"http {response.status}"}
            title, links = summarize(body.decode(response.charset or "utf-8", errors="replace"))
            return {"url": url, "status": 200, "title": title, "links": links}
    except asyncio.TimeoutError:
        raise Retry("timeout") from None
    except (aiohttp.ClientError, OSError):
        raise Retry("connection") from None


async def fetch(session, slots, url, timeout, retries):
    kind = "connection"
    for number in range(retries + 1):
        if number:
            await asyncio.sleep(0.1)
        try:
            async with slots:
                return await attempt(session, url, timeout)
        except Retry as failure:
            kind = failure.kind
    return {"url": url, "error": kind}


async def scrape(urls, *, concurrency=5, timeout=2.0, retries=2):
    slots = asyncio.Semaphore(concurrency)
    async with aiohttp.ClientSession() as session:
        results = []
        for url in urls:
            results.append(await fetch(session, slots, url, timeout, retries))
        return results
