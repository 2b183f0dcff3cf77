"""REJECTED: no lock at all: concurrent calls race on the OrderedDict (KeyError when another
thread removes an entry between the check and the use)."""

import functools
import time
from collections import OrderedDict, namedtuple

CacheInfo = namedtuple("CacheInfo", "hits misses maxsize currsize")


def cache(maxsize=128, ttl=None):
    def decorator(func):
        data = OrderedDict()
        hits = misses = 0

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            nonlocal hits, misses
            key = (args, tuple(sorted(kwargs.items())))
            try:
                hash(key)
            except TypeError:
                return func(*args, **kwargs)
            if key in data:
                value, stamp = data[key]
                if ttl is None or time.monotonic() - stamp < ttl:
                    data.move_to_end(key)
                    hits += 1
                    return value
                del data[key]
            misses += 1
            value = func(*args, **kwargs)
            data[key] = (value, time.monotonic())
            if maxsize is not None and len(data) > maxsize:
                data.popitem(last=False)
            return value

        def cache_info():
            return CacheInfo(hits, misses, maxsize, len(data))

        def cache_clear():
            nonlocal hits, misses
            data.clear()
            hits = misses = 0

        wrapper.cache_info = cache_info
        wrapper.cache_clear = cache_clear
        return wrapper

    return decorator
