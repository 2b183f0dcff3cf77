"""REJECTED: recomputing an expired entry first evicts the least recently used one, as if the key were new."""

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
                    if ttl is None or time.monotonic() - computed_at < ttl:
                        entries.move_to_end(key)
                        stats["hits"] += 1
                        return value
                stats["misses"] += 1
                value = func(*args, **kwargs)
                if maxsize is not None and len(entries) >= maxsize:
                    entries.popitem(last=False)
                entries[key] = (value, time.monotonic())
                entries.move_to_end(key)
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
