"""A class-based cache: a hand-written doubly linked list for LRU order, a condition
variable for single flight, and __get__ so it works on methods."""

import functools
import threading
import time
import types
from collections import namedtuple

CacheInfo = namedtuple("CacheInfo", ["hits", "misses", "maxsize", "currsize"])


class _Node:
    __slots__ = ("key", "value", "stamp", "prev", "next")

    def __init__(self, key=None, value=None, stamp=0.0):
        self.key, self.value, self.stamp = key, value, stamp
        self.prev = self.next = self


class _CachedFunction:
    def __init__(self, func, maxsize, ttl):
        functools.update_wrapper(self, func)
        self._func = func
        self._maxsize = maxsize
        self._ttl = ttl
        self._nodes = {}
        self._root = _Node()  # root.next is the most recently used node
        self._cond = threading.Condition()
        self._computing = set()
        self._hits = 0
        self._misses = 0

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        return types.MethodType(self, instance)

    def _unlink(self, node):
        node.prev.next = node.next
        node.next.prev = node.prev

    def _push_front(self, node):
        root = self._root
        node.prev, node.next = root, root.next
        root.next.prev = node
        root.next = node

    def _fresh(self, node):
        return self._ttl is None or time.monotonic() - node.stamp < self._ttl

    def __call__(self, *args, **kwargs):
        try:
            key = (args, frozenset(kwargs.items())) if kwargs else (args, None)
            hash(key)
        except TypeError:
            return self._func(*args, **kwargs)
        with self._cond:
            while True:
                node = self._nodes.get(key)
                if node is not None:
                    if self._fresh(node):
                        self._unlink(node)
                        self._push_front(node)
                        self._hits += 1
                        return node.value
                    self._unlink(node)
                    del self._nodes[key]
                if key not in self._computing:
                    self._computing.add(key)
                    self._misses += 1
                    break
                self._cond.wait()
        try:
            value = self._func(*args, **kwargs)
        except BaseException:
            with self._cond:
                self._computing.discard(key)
                self._cond.notify_all()
            raise
        with self._cond:
            node = _Node(key, value, time.monotonic())
            self._nodes[key] = node
            self._push_front(node)
            if self._maxsize is not None:
                while len(self._nodes) > self._maxsize:
                    oldest = self._root.prev
                    self._unlink(oldest)
                    del self._nodes[oldest.key]
            self._computing.discard(key)
            self._cond.notify_all()
        return value

    def cache_info(self):
        with self._cond:
            return CacheInfo(self._hits, self._misses, self._maxsize, len(self._nodes))

    def cache_clear(self):
        with self._cond:
            self._nodes.clear()
            self._root.prev = self._root.next = self._root
            self._hits = self._misses = 0


def cache(maxsize=128, ttl=None):
    def decorator(func):
        return _CachedFunction(func, maxsize, ttl)

    return decorator
