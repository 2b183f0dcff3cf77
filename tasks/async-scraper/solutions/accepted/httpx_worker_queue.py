"""httpx, an asyncio.Queue and min(concurrency, len(urls)) workers; retries re-queued; BeautifulSoup."""

import asyncio

import httpx
from bs4 import BeautifulSoup


def summarize(text):
    soup = BeautifulSoup(text, "html.parser")
    title_tag = soup.find("title")
    title = None if title_tag is None else " ".join(title_tag.get_text().split())
    return title, len(soup.find_all("a", href=True))


async def attempt(client, url, timeout):
    """One attempt: ("done", result) or ("retry", error kind)."""
    try:
        # httpx timeouts apply per operation; the whole attempt (every redirect hop and
        # the body) must fit in `timeout`, so it runs under one deadline.
        async with asyncio.timeout(timeout):
            response = await client.get(url)
            text = response.text  # decoded with the charset of Content-Type
    except (TimeoutError, httpx.TimeoutException):
        return "retry", "timeout"
    except (httpx.HTTPError, OSError):
        return "retry", "connection"
    status = response.status_code
    if status >= 500:
        return "retry", f"http {status}"
    if status != 200:
        return "done", {"url": url, "error": f"http {status}"}
    title, links = summarize(text)
    return "done", {"url": url, "status": 200, "title": title, "links": links}


async def scrape(urls, *, concurrency=5, timeout=2.0, retries=2):
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    results = [None] * len(urls)
    queue = asyncio.Queue()
    for index in range(len(urls)):
        queue.put_nowait((index, 0))
    waits = set()

    async def requeue_later(item, delay):
        # The worker that failed is free meanwhile: a slot is held only during an attempt.
        # The failed item stays unfinished until its retry is queued, so join() waits.
        try:
            await asyncio.sleep(delay)
            queue.put_nowait(item)
        finally:
            queue.task_done()

    async def worker(client):
        while True:
            index, number = await queue.get()
            url = urls[index]
            outcome, value = await attempt(client, url, timeout)
            if outcome == "retry" and number < retries:
                delay = min(1.0, 0.05 * (number + 1))
                wait = asyncio.create_task(requeue_later((index, number + 1), delay))
                waits.add(wait)
                wait.add_done_callback(waits.discard)
                continue
            results[index] = value if outcome == "done" else {"url": url, "error": value}
            queue.task_done()

    async with httpx.AsyncClient(
        follow_redirects=True,
        timeout=httpx.Timeout(timeout),
        trust_env=False,
    ) as client:
        workers = [
            asyncio.create_task(worker(client)) for _ in range(min(concurrency, len(urls)))
        ]
        joined = asyncio.create_task(queue.join())
        try:
            # A worker only ends by raising (a bug, not a site's failure): surface that
            # instead of waiting forever on join().
            await asyncio.wait([joined, *workers], return_when=asyncio.FIRST_COMPLETED)
            for task in workers:
                if task.done():
                    task.result()
        finally:
            for task in [joined, *workers, *waits]:
                task.cancel()
            await asyncio.gather(joined, *workers, *waits, return_exceptions=True)
    return results
