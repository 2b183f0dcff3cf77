"""Terminal escapes and invalid UTF-8: the attack case prints, to stdout and stderr, an OSC
window title (ESC]0;...BEL), a screen clear (ESC[2J), cursor home, a carriage return, a fake
green "all cases passed", an OSC 8 hyperlink, a right-to-left override, backspaces and DEL;
writes raw invalid UTF-8 and a NUL through sys.stdout.buffer / sys.stderr.buffer; and returns
an observation carrying the same escapes.

Must happen: verdict `wrong`; livejudge's output carries none of it raw: the JSON report is
valid UTF-8 with every control character escaped, and the human report (also checked, run a
second time with --format human) shows the escapes neutralised: no ESC, BEL, CR, backspace,
DEL, NUL or bidi override reaches the reader's terminal."""

import sys

ESCAPES = ("\x1b]0;livejudge: pwned\x07\x1b[2J\x1b[H\r\x1b[1;32mALL CASES PASSED\x1b[0m "
           "\x1b]8;;http://127.0.0.1/\x1b\\link\x1b]8;;\x1b\\ \u202etxt.exe\u202c \x08\x08\x7f")
RAW = b"\xff\xfe raw \xc3\x28 \xed\xa0\x80 \x00 \x1b[31mred\x1b[0m\r\n"


def solve(probe):
    if "echo" in probe:
        return {"echo": probe["echo"]}
    for stream in (sys.stdout, sys.stderr):
        stream.write(ESCAPES + "\n")
        stream.flush()
        stream.buffer.write(RAW)
        stream.buffer.flush()
    return {"text": ESCAPES}
