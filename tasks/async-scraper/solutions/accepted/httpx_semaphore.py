"""httpx with a semaphore, one task per URL writing into a pre-sized list by index; html.parser."""

import asyncio
from html.parser import HTMLParser

import httpx


class TitleAndLinks(HTMLParser):
    """Collects the text of the first <title> and counts <a href=...> elements."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links = 0
        self.title_text = None  # a list while inside the first <title>, then a str

    def handle_starttag(self, tag, attrs):
        if tag == "a" and "href" in dict(attrs):
            self.links += 1
        if tag == "title" and self.title_text is None:
            self.title_text = []

    def handle_endtag(self, tag):
        if tag == "title" and isinstance(self.title_text, list):
            self.title_text = "".join(self.title_text)

    def handle_data(self, data):
        if isinstance(self.title_text, list):
            self.title_text.append(data)

    def result(self):
        text = self.title_text
        if isinstance(text, list):  # <title> never closed
            text = "".join(text)
        return (None if text is None else " ".join(text.split())), self.links


def parse_page(html):
    parser = TitleAndLinks()
    parser.feed(html)
    parser.close()
    return parser.result()


def body_text(response):
    charset = response.charset_encoding or "utf-8"  # the charset of Content-Type
    try:
        return response.content.decode(charset, errors="replace")
    except LookupError:
        return response.content.decode("utf-8", errors="replace")


async def one_attempt(client, url, timeout):
    """Returns (result, retry): retry is True when another attempt may help."""
    try:
        async with asyncio.timeout(timeout):
            response = await client.get(url)
    except (TimeoutError, httpx.TimeoutException):
        return {"url": url, "error": "timeout"}, True
    except (httpx.TransportError, httpx.TooManyRedirects, OSError):
        return {"url": url, "error": "connection"}, True
    code = response.status_code
    if code >= 500:
        return {"url": url, "error": f"http {code}"}, True
    if code != 200:
        return {"url": url, "error": f"http {code}"}, False
    title, links = parse_page(body_text(response))
    return {"url": url, "status": 200, "title": title, "links": links}, False


async def scrape(urls, *, concurrency=5, timeout=2.0, retries=2):
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    results = [None] * len(urls)
    gate = asyncio.Semaphore(concurrency)

    async def run(index, client):
        url = urls[index]
        for number in range(retries + 1):
            if number:
                await asyncio.sleep(0.2)  # between attempts, without a slot
            async with gate:
                result, retry = await one_attempt(client, url, timeout)
            results[index] = result
            if not retry:
                return

    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    async with httpx.AsyncClient(
        follow_redirects=True, timeout=timeout, limits=limits, trust_env=False
    ) as client:
        await asyncio.gather(*(run(index, client) for index in range(len(urls))))
    return results
