"""REJECTED: thread-safe, but no single flight: threads that miss on the same key at the same
time all call the function."""

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


def cache(maxsize=128, ttl=None):
    def decorator(func):
        lock = threading.Lock()
        store = {}
        hits = misses = 0

        @wraps(func)
        def wrapper(*args, **kwargs):
            nonlocal hits, misses
            key = args + (_KWARGS,) + tuple(sorted(kwargs.items())) if kwargs else args
            try:
                hash(key)
            except TypeError:
                return func(*args, **kwargs)
            with lock:
                if key in store:
                    value, stamp = store.pop(key)
                    if ttl is None or monotonic() - stamp < ttl:
                        store[key] = (value, stamp)
                        hits += 1
                        return value
                misses += 1
            value = func(*args, **kwargs)
            with lock:
                store[key] = (value, monotonic())
                if maxsize is not None:
                    while len(store) > maxsize:
                        del store[next(iter(store))]
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
