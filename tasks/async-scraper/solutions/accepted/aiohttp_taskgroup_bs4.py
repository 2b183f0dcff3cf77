"""aiohttp in an asyncio.TaskGroup with a semaphore, exponential backoff between attempts; BeautifulSoup."""

import asyncio

import aiohttp
from bs4 import BeautifulSoup


def backoff(failed_attempt):
    """Seconds to wait after the attempt numbered failed_attempt (from 0): 0.1, 0.2, 0.4, ... 1.0."""
    return min(1.0, 0.1 * 2**failed_attempt)


def summarize(html):
    soup = BeautifulSoup(html, "html.parser")
    title = soup.title  # the first <title> in document order
    return (
        None if title is None else " ".join(title.get_text().split()),
        sum(1 for _ in soup.find_all("a", attrs={"href": True})),
    )


def decode(body, charset):
    try:
        return body.decode(charset or "utf-8", errors="replace")
    except LookupError:  # an unknown charset name
        return body.decode("utf-8", errors="replace")


class Transient(Exception):
    """A failure worth another attempt: 5xx, timeout, connection trouble."""

    def __init__(self, kind):
        super().__init__(kind)
        self.kind = kind


async def attempt(session, url, timeout):
    try:
        async with asyncio.timeout(timeout):  # connect, every hop and the body together
            async with session.get(url, allow_redirects=True) as response:
                status = response.status
                if status >= 500:
                    raise Transient(f"http {status}")
                if status != 200:
                    return {"url": url, "error": f"http {status}"}
                body = await response.read()
                charset = response.charset  # from Content-Type, None if not declared
    except TimeoutError:
        raise Transient("timeout") from None
    except (aiohttp.ClientError, OSError):
        raise Transient("connection") from None
    title, links = summarize(decode(body, charset))
    return {"url": url, "status": 200, "title": title, "links": links}


async def fetch(session, slots, url, timeout, retries):
    kind = "connection"
    for number in range(retries + 1):
        try:
            async with slots:
                return await attempt(session, url, timeout)
        except Transient as failure:
            kind = failure.kind
        if number < retries:
            await asyncio.sleep(backoff(number))  # outside the slot
    return {"url": url, "error": kind}


async def scrape(urls, *, concurrency=5, timeout=2.0, retries=2):
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    slots = asyncio.Semaphore(concurrency)
    # The session's own limits must never be what bounds concurrency, nor its timeout.
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=None)
    ) as session:
        async with asyncio.TaskGroup() as group:
            tasks = [
                group.create_task(fetch(session, slots, url, timeout, retries)) for url in urls
            ]
    return [task.result() for task in tasks]
