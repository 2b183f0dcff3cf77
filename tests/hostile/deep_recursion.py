"""Deep recursion: the attack case lifts the recursion limit to 10**6 and recurses through C
(each level calls the next through map(), so every level uses C stack, not only Python
frames).

Must happen: the C stack overflows and the process dies with SIGSEGV: verdict `crashed`; or,
on a Python that guards C recursion itself (3.12+), RecursionError propagates: `error`; or,
with an unlimited stack, the memory limit ends it: `memory-limit`. `after` passes."""

import sys


def dive(depth):
    return list(map(dive, [depth + 1]))


def solve(probe):
    if "echo" in probe:
        return {"echo": probe["echo"]}
    sys.setrecursionlimit(10**6)
    dive(0)
    return {"dived": "and came back"}
