"""Harness for the caching-decorator task.

Each case's input names a scenario; the harness runs it against the submission's `cache`
and returns an observation (mostly a log of calls, each marked [computed] or [cached]). The
judge compares the observation with the expected one; expected values never come here.

Time is controlled: `time.monotonic` is replaced by a fake clock before the submission is
imported (so `from time import monotonic` sees it too), and it only moves when a case says so.
"""

import random
import sys
import threading
import time

_real_monotonic = time.monotonic
_real_sleep = time.sleep


class FakeClock:
    START = 1000.0

    def __init__(self):
        self.now = self.START
        self.yield_every = 0
        self.reads = 0

    def __call__(self):
        if self.yield_every:
            # Now and then, let another thread run between reading the clock and acting on
            # it: a race between a check and an update then shows up far more often.
            self.reads += 1
            if self.reads % self.yield_every == 0:
                _real_sleep(0)
        return self.now

    def reset(self):
        self.now = self.START

    def elapsed(self):
        return self.now - self.START


CLOCK = FakeClock()


def prepare():
    # Standard modules that bind the clock at import time keep the real one.
    import concurrent.futures  # noqa: F401
    import queue  # noqa: F401

    time.monotonic = CLOCK


def run_case(module, case):
    CLOCK.reset()
    scenario = SCENARIOS[case["scenario"]]
    return scenario(module.cache, case)


# --- values passed in from the case inputs -------------------------------------------------


def decode(value):
    """JSON to Python: {"tuple": [...]} is a tuple, other objects are dicts."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict):
        if set(value) == {"tuple"}:
            return tuple(decode(v) for v in value["tuple"])
        return {k: decode(v) for k, v in value.items()}
    return value


def decorator_kwargs(options):
    """The keyword arguments for cache(...); the string "None" stands for None."""
    return {k: (None if v == "None" else v) for k, v in options.items()}


def describe_call(name, args, kwargs):
    parts = [repr(a) for a in args] + ["%s=%r" % (k, v) for k, v in kwargs]
    return "%s(%s)" % (name, ", ".join(parts))


def marker(computed, raised=False):
    if computed == 0:
        # A call that raised without calling the function was not served from the cache.
        return "[not called]" if raised else "[cached]"
    if computed == 1:
        return "[computed]"
    return "[computed %d times]" % computed


def exception_text(exc):
    message = str(exc)
    return type(exc).__name__ + (": " + message if message else "")


INFO_FIELDS = ("hits", "misses", "maxsize", "currsize")


def info_snapshot(wrapper, fields=INFO_FIELDS):
    info = wrapper.cache_info()
    return {field: getattr(info, field, "<missing>") for field in fields}


# --- the functions being cached ----------------------------------------------------------


class Counted:
    """Wraps a plain function and counts how often the cache actually calls it."""

    def __init__(self, func):
        self.func = func
        self.calls = 0

    def make(self):
        counted = self

        def target(*args, **kwargs):
            counted.calls += 1
            return counted.func(*args, **kwargs)

        return target


def add(a, b=0):
    return a + b


FALSY = {"none": None, "zero": 0, "empty-string": "", "empty-list": [], "false": False}


def falsy(kind):
    return FALSY[kind]


def flaky(a):
    if a == 0:
        raise TypeError("zero is not a valid amount")
    if a < 0:
        raise ValueError("negative amount: %d" % a)
    return a * 10


def total(x, y=0):
    def flatten(v):
        if isinstance(v, (list, tuple)):
            return sum(flatten(i) for i in v)
        if isinstance(v, dict):
            return sum(flatten(i) for i in v.values())
        return v

    return flatten(x) + flatten(y)


def fails_first_time_factory():
    seen = set()

    def fails_first_time(a):
        if a not in seen:
            seen.add(a)
            raise RuntimeError("transient failure for %r" % (a,))
        return a + 100

    return fails_first_time


FUNCTIONS = {
    "add": lambda: add,
    "falsy": lambda: falsy,
    "flaky": lambda: flaky,
    "total": lambda: total,
    "fails-first-time": fails_first_time_factory,
}


# --- scenarios ----------------------------------------------------------------------------


def scenario_script(cache, case):
    """Runs a list of steps (calls, clock moves, cache_info, cache_clear) and logs each."""
    counted = Counted(None)
    if case["function"] == "method":

        def m(self, x):
            return self.base + x

        counted.func = m
        method = cache(**decorator_kwargs(case.get("decorate", {})))(counted.make())

        class Account:
            def __init__(self, base):
                self.base = base

            m = method

        targets = {"a": Account(10), "b": Account(20)}
        wrapper = None
    else:
        counted.func = FUNCTIONS[case["function"]]()
        wrapper = cache(**decorator_kwargs(case.get("decorate", {})))(counted.make())
        targets = {}

    log = []
    for step in case["steps"]:
        if "call" in step:
            args = decode(step["call"])
            kwargs = [(k, decode(v)) for k, v in step.get("kwargs", [])]
            if "on" in step:
                name = step["on"] + ".m"
                func = getattr(targets[step["on"]], "m")
            else:
                name, func = "f", wrapper
            before = counted.calls
            raised = False
            try:
                result = func(*args, **dict(kwargs))
                outcome = "-> %r" % (result,)
            except Exception as exc:
                raised = True
                outcome = "raised " + exception_text(exc)
            computed = marker(counted.calls - before, raised)
            log.append("%s %s %s" % (describe_call(name, args, kwargs), outcome, computed))
        elif "fill" in step:
            start, stop = step["fill"]
            before = counted.calls
            wrong = 0
            for i in range(start, stop):
                if wrapper(i) != counted.func(i):
                    wrong += 1
            computed = counted.calls - before
            line = "f(%d)..f(%d): %d computed, %d cached" % (start, stop - 1, computed, stop - start - computed)
            if wrong:
                line += ", %d wrong results" % wrong
            log.append(line)
        elif "advance" in step:
            CLOCK.now += step["advance"]
            log.append("clock +%g (t=%g)" % (step["advance"], CLOCK.elapsed()))
        elif "info" in step:
            fields = INFO_FIELDS if step["info"] is True else step["info"]
            log.append({"cache_info": info_snapshot(wrapper, fields)})
        elif "clear" in step:
            wrapper.cache_clear()
            log.append("cache_clear()")
        else:
            raise ValueError("unknown step %r" % (step,))
    return {"log": log}


def scenario_factory(cache, case):
    """cache(...) called with keyword arguments or none returns a working decorator."""
    observed = {}
    for options in case["configs"]:
        kwargs = decorator_kwargs(options)
        counted = Counted(add)
        label = "cache(%s)" % ", ".join("%s=%r" % kv for kv in sorted(kwargs.items()))
        decorator = cache(**kwargs)
        wrapper = decorator(counted.make())
        log = []
        for _ in range(2):
            before = counted.calls
            log.append("f(1, 2) -> %r %s" % (wrapper(1, 2), marker(counted.calls - before)))
        observed[label] = log
    return observed


def scenario_wraps(cache, case):
    def compute_total(a, b=0):
        """Add two amounts."""
        return a + b

    compute_total.__module__ = "orders.pricing"
    compute_total.__qualname__ = "PriceBook.compute_total"
    wrapper = cache()(compute_total)
    missing = "<missing>"
    wrapped = getattr(wrapper, "__wrapped__", missing)
    return {
        "__name__": getattr(wrapper, "__name__", missing),
        "__qualname__": getattr(wrapper, "__qualname__", missing),
        "__module__": getattr(wrapper, "__module__", missing),
        "__doc__": getattr(wrapper, "__doc__", missing),
        "__wrapped__": "the decorated function" if wrapped is compute_total else repr(wrapped),
        "call": "f(2, b=3) -> %r" % (wrapper(2, b=3),),
    }


def scenario_recursion(cache, case):
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(10000)
    try:
        calls = {}

        def fib(n):
            calls[n] = calls.get(n, 0) + 1
            return n if n < 2 else fib(n - 1) + fib(n - 2)

        fib = cache()(fib)
        result = fib(case["n"])
    finally:
        sys.setrecursionlimit(limit)
    return {
        "result": str(result),
        "function_calls": sum(calls.values()),
        "most_calls_for_one_n": max(calls.values()),
    }


def run_threads(count, target):
    threads = [threading.Thread(target=target, args=(i,), daemon=True) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return sum(t.is_alive() for t in threads)


def scenario_threads(cache, case):
    """8 threads hammer the cache with a tiny switch interval, once plain and once with a TTL
    whose entries all expire between the two halves."""
    threads, maxsize = case["threads"], case["maxsize"]
    calls_per_thread = case["calls_per_thread"]
    old_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)

    def func(x):
        return x * 3 + 1

    observed = {}
    CLOCK.yield_every = 8
    try:
        rounds = [("lru_round", cache(maxsize=maxsize)(func), False)]
        rounds.append(("ttl_round", cache(maxsize=maxsize, ttl=5)(func), True))
        for seed, (name, wrapper, expire_midway) in enumerate(rounds, start=case["seed"]):
            errors, wrong, over = {}, [], set()
            lock = threading.Lock()
            stop_monitor = threading.Event()
            halves = 2 if expire_midway else 1

            def worker(index, half):
                rng = random.Random(seed * 1000 + index * 10 + half)
                for _ in range(calls_per_thread // halves):
                    key = rng.randrange(case["keys"])
                    try:
                        result = wrapper(key)
                    except Exception as exc:
                        with lock:
                            name = type(exc).__name__
                            count, example = errors.get(name, (0, exception_text(exc)))
                            errors[name] = (count + 1, example)
                        continue
                    if result != key * 3 + 1:
                        with lock:
                            wrong.append("f(%d) returned %r" % (key, result))

            def monitor():
                while not stop_monitor.is_set():
                    try:
                        size = wrapper.cache_info().currsize
                        if size > maxsize:
                            over.add(size)
                    except Exception:
                        pass
                    _real_sleep(0.0002)

            watcher = threading.Thread(target=monitor, daemon=True)
            watcher.start()
            stuck = 0
            for half in range(halves):
                if half == 1:
                    CLOCK.now += 10  # every entry stored so far is now expired
                stuck += run_threads(threads, lambda i, h=half: worker(i, h))
            stop_monitor.set()
            watcher.join(5)
            info = wrapper.cache_info()
            calls = threads * (calls_per_thread // halves) * halves
            observed[name] = {
                "exceptions": sorted(
                    "%s raised by %d of %d calls, e.g. %s" % (name, count, calls, example)
                    for name, (count, example) in errors.items()
                ),
                "wrong_results": wrong[:5],
                "currsize_seen_above_maxsize": sorted(over)[:5],
                "threads_stuck": stuck,
                "hits_plus_misses": info.hits + info.misses,
                "calls": calls,
            }
            if info.currsize > maxsize:
                observed[name]["currsize_seen_above_maxsize"].append(info.currsize)
    finally:
        sys.setswitchinterval(old_interval)
        CLOCK.yield_every = 0
    return observed


def scenario_single_flight(cache, case):
    """While one thread computes f(x), others calling f(x) wait for it instead of computing."""
    threads = case["threads"]
    release = threading.Event()
    lock = threading.Lock()
    state = {"ran": 0, "callers": 0}

    def slow(x):
        with lock:
            state["ran"] += 1
        release.wait(10)
        return x * 2

    wrapper = cache()(slow)
    results = [None] * threads

    def caller(index):
        with lock:
            state["callers"] += 1
        results[index] = wrapper(21)

    def wait_until(condition, seconds):
        deadline = _real_monotonic() + seconds
        while not condition() and _real_monotonic() < deadline:
            _real_sleep(0.001)

    first = threading.Thread(target=caller, args=(0,), daemon=True)
    first.start()
    wait_until(lambda: state["ran"] >= 1, 5)
    others = [threading.Thread(target=caller, args=(i,), daemon=True) for i in range(1, threads)]
    for t in others:
        t.start()
    wait_until(lambda: state["callers"] == threads, 5)
    # The first computation is held open until every caller had half a second to reach the
    # cache; a cache without single flight starts computing again right away.
    wait_until(lambda: state["ran"] == threads, 0.5)
    release.set()
    for t in [first] + others:
        t.join(10)
    info = wrapper.cache_info()
    return {
        "times_the_function_ran": state["ran"],
        "results": results,
        "hits_plus_misses": info.hits + info.misses,
    }


SCENARIOS = {
    "script": scenario_script,
    "factory": scenario_factory,
    "wraps": scenario_wraps,
    "recursion": scenario_recursion,
    "threads": scenario_threads,
    "single-flight": scenario_single_flight,
}
