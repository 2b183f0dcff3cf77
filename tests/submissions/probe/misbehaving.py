"""Correct on the echo cases, and misbehaves on purpose everywhere else."""

import os
import sys
import time

import _livejudge_harness

SEEN_PREPARED = bool(_livejudge_harness.PREPARED)


def solve(case):
    action = case["action"]
    if action == "echo" and "sleep" in case:
        time.sleep(case["sleep"])
    if action == "echo":
        if case["value"] == "hidden-input-7f3a":
            print("stderr mentions hidden-input-7f3a", file=sys.stderr)
            return {"value": "wrong-" + case["value"]}
        return {"value": case["value"]}
    if action == "hang":
        print("about to hang", file=sys.stderr, flush=True)
        while True:
            time.sleep(1)
    if action == "crash":
        print("about to crash", file=sys.stderr, flush=True)
        os._exit(9)
    if action == "flood":
        while True:
            sys.stdout.write("y" * 4096)
    if action == "spin":
        while True:
            pass
    if action == "allocate":
        hoard = []
        while True:
            hoard.append(bytearray(16 << 20))
    if action == "segfault":
        import ctypes

        ctypes.string_at(0)
    if action == "loud":
        print("x" * 70000)
        return {"value": "loud"}
    if action == "burn":
        until = time.process_time() + case["seconds"]
        while time.process_time() < until:
            pass
        return {"value": "burnt"}
    if action == "huge":
        return {"value": "z" * (20 << 20)}
    if action == "daemon":
        read_end, write_end = os.pipe()
        if os.fork() == 0:
            os.setsid()
            daemon = os.fork()
            if daemon == 0:
                time.sleep(300)
                os._exit(0)
            os.write(write_end, str(daemon).encode())
            os._exit(0)
        os.close(write_end)
        os.wait()
        return {"daemon_pid": int(os.read(read_end, 32) or b"0")}
    if action == "raise":
        print("debug: looking for the thing")
        raise KeyError("no such thing")
    if action == "environment":
        # PWD is the run directory, set by the sandbox's chdir: nothing of the judge's.
        allowed = {"PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "MALLOC_ARENA_MAX", "LC_CTYPE", "PWD"}
        return {
            "leaked": sorted(k for k in os.environ if k not in allowed),
            "cwd_is_run_dir": os.path.isfile(os.path.join(os.getcwd(), "solution.py")),
            "stdin": sys.stdin.read(),
        }
    raise ValueError(action)
