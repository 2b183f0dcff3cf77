"""REJECTED: reads the clock in whole seconds, so a fractional ttl is wrong by up to a second."""

import functools
import threading
import time
from collections import OrderedDict, namedtuple

CacheInfo = namedtuple("CacheInfo", "hits misses maxsize currsize")
_MISSING = object()


def _make_key(args, kwargs):
    # Sorting makes f(a=1, b=2) and f(b=2, a=1) one entry; keys are unique, so values are
    # never compared.
    return (args, tuple(sorted(kwargs.items()))) if kwargs else (args,)


def cache(maxsize=128, ttl=None):
    def decorator(func):
        entries = OrderedDict()  # key -> (value, computed_at), least recently used first
        lock = threading.RLock()
        stats = {"hits": 0, "misses": 0}

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            key = _make_key(args, kwargs)
            try:
                hash(key)
            except TypeError:
                return func(*args, **kwargs)  # unhashable: not cached, not counted
            with lock:
                entry = entries.get(key, _MISSING)
                if entry is not _MISSING:
                    value, computed_at = entry
                    if ttl is None or int(time.monotonic()) - computed_at < ttl:
                        entries.move_to_end(key)
                        stats["hits"] += 1
                        return value
                    del entries[key]
                stats["misses"] += 1
                value = func(*args, **kwargs)
                entries[key] = (value, int(time.monotonic()))
                entries.move_to_end(key)
                if maxsize is not None:
                    while len(entries) > maxsize:
                        entries.popitem(last=False)
                return value

        def cache_info():
            with lock:
                return CacheInfo(stats["hits"], stats["misses"], maxsize, len(entries))

        def cache_clear():
            with lock:
                entries.clear()
                stats["hits"] = stats["misses"] = 0

        wrapper.cache_info = cache_info
        wrapper.cache_clear = cache_clear
        return wrapper

    return decorator
