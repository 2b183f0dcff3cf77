"""Deaf sleeper: the attack case ignores (and blocks) SIGTERM, SIGINT, SIGHUP, SIGQUIT,
SIGUSR1, SIGUSR2 and SIGXCPU, then sleeps (at most 60 s).

Must happen: the judge does not wait for a polite exit: SIGKILL ends it after its wall time,
verdict `timeout`, and the whole run stays well within its time bound; `after` passes."""

import signal
import time

MAX_SECONDS = 60
DEAF_TO = [signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1,
           signal.SIGUSR2, signal.SIGXCPU]


def solve(probe):
    if "echo" in probe:
        return {"echo": probe["echo"]}
    for sig in DEAF_TO:
        signal.signal(sig, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_BLOCK, DEAF_TO)
    deadline = time.monotonic() + MAX_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.5)
    return {"slept": MAX_SECONDS}
