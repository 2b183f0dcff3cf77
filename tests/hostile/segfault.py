"""Segmentation fault: the attack case reads address 0 through ctypes.string_at(0).

Must happen: the process dies with SIGSEGV (the runtime's faulthandler prints a traceback to
stderr first): verdict `crashed`, with the tail of stderr in the details; `after` passes in a
fresh process."""

import ctypes


def solve(probe):
    if "echo" in probe:
        return {"echo": probe["echo"]}
    ctypes.string_at(0)
    return {"read": "address 0"}
