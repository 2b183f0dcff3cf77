"""Harness for the async-scraper task.

Each case calls the submission's `scrape` inside `asyncio.run`, against websites the judge
serves itself (http://127.0.0.1:8001 and :8002 inside the sandbox). The judge sees every
request on its side and checks concurrency, attempts and waits there; this harness only
returns what `scrape` returned and how responsive the event loop stayed while it ran.

Observation: {"results": <what scrape returned>, "event_loop": "responsive" | "blocked ..."}
or, for the signature case, the parameters of `scrape` and whether it is a coroutine function.
"""

import asyncio
import inspect
import time

_monotonic = time.monotonic

# The longest the event loop may go without running the heartbeat (the contract's 0.5 s).
STALL_LIMIT = 0.5
TICK = 0.01


class Heartbeat:
    """A task in the submission's event loop that notes the longest gap between its ticks."""

    def __init__(self):
        self.last = _monotonic()
        self.worst = 0.0

    def beat(self):
        now = _monotonic()
        self.worst = max(self.worst, now - self.last - TICK)
        self.last = now

    async def run(self):
        while True:
            await asyncio.sleep(TICK)
            self.beat()

    def verdict(self):
        # The gap since the last tick counts too: a submission that never yields blocks
        # the loop from its start to its end.
        self.worst = max(self.worst, _monotonic() - self.last - TICK)
        if self.worst <= STALL_LIMIT:
            return "responsive"
        return "blocked for %d ms at once (at most %d ms allowed)" % (
            round(self.worst * 1000),
            round(STALL_LIMIT * 1000),
        )


async def _scrape(scrape, case):
    heartbeat = Heartbeat()
    ticking = asyncio.create_task(heartbeat.run())
    await asyncio.sleep(0)  # the heartbeat is scheduled before the submission runs
    heartbeat.last = _monotonic()
    try:
        results = await scrape(list(case["urls"]), **case.get("kwargs", {}))
    finally:
        event_loop = heartbeat.verdict()
        ticking.cancel()
    return {"results": results, "event_loop": event_loop}


def _signature(scrape):
    parameters = {}
    for name, parameter in inspect.signature(scrape).parameters.items():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            parameters[name] = "*args" if parameter.kind == parameter.VAR_POSITIONAL else "**kwargs"
        elif parameter.default is parameter.empty:
            parameters[name] = "required"
        else:
            parameters[name] = parameter.default
    return {
        "coroutine_function": inspect.iscoroutinefunction(scrape),
        "parameters": parameters,
    }


def run_case(module, case):
    if case["scenario"] == "signature":
        return _signature(module.scrape)
    return asyncio.run(_scrape(module.scrape, case))
