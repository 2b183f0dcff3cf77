"""Computes outside the lock; callers of a key being computed wait on its event.

The dict's insertion order is the recency order (a hit re-inserts the key at the end), the
lock only guards bookkeeping, and a per-key "in flight" record gives single flight while
different keys compute in parallel.
"""

import threading
from functools import wraps
from time import monotonic
from typing import NamedTuple


class CacheInfo(NamedTuple):
    hits: int
    misses: int
    maxsize: "int | None"
    currsize: int


_KWARGS = object()  # separates positional from keyword arguments in a key


class _InFlight:
    __slots__ = ("done", "value", "failed")

    def __init__(self):
        self.done = threading.Event()
        self.value = None
        self.failed = False


def cache(maxsize=128, ttl=None):
    def decorator(func):
        lock = threading.Lock()
        store = {}
        in_flight = {}
        hits = misses = 0

        @wraps(func)
        def wrapper(*args, **kwargs):
            nonlocal hits, misses
            key = args + (_KWARGS,) + tuple(sorted(kwargs.items())) if kwargs else args
            try:
                hash(key)
            except TypeError:
                return func(*args, **kwargs)
            while True:
                with lock:
                    if key in store:
                        value, stamp = store.pop(key)
                        if ttl is None or monotonic() - stamp < ttl:
                            store[key] = (value, stamp)
                            hits += 1
                            return value
                    call = in_flight.get(key)
                    if call is None:
                        call = in_flight[key] = _InFlight()
                        misses += 1
                        break
                call.done.wait()
                if not call.failed:
                    with lock:
                        hits += 1
                    return call.value
                # The computation we waited for raised: compute it ourselves.
            try:
                value = func(*args, **kwargs)
            except BaseException:
                with lock:
                    del in_flight[key]
                call.failed = True
                call.done.set()
                raise
            with lock:
                store[key] = (value, monotonic())
                if maxsize is not None:
                    while len(store) > maxsize:
                        del store[next(iter(store))]
                del in_flight[key]
            call.value = value
            call.done.set()
            return value

        def cache_info():
            with lock:
                return CacheInfo(hits, misses, maxsize, len(store))

        def cache_clear():
            nonlocal hits, misses
            with lock:
                store.clear()
                hits = misses = 0

        wrapper.cache_info = cache_info
        wrapper.cache_clear = cache_clear
        return wrapper

    return decorator
