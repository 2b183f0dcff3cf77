"""Special files in the run directory: the attack case makes a FIFO (with a thread blocked
opening it for writing, waiting for a reader), a bound and listening Unix socket (kept open),
and tries mknod for a character device (a copy of /dev/null); it returns what it made.

Must happen: verdict `wrong`; the judge never opens them (a FIFO would block it) and removes
them with the workspace: the run stays within its time bound and the TMPDIR livejudge ran
with is empty afterwards (the test checks)."""

import errno
import os
import socket
import stat
import threading

KEEP = []


def solve(probe):
    if "echo" in probe:
        return {"echo": probe["echo"]}
    made = {}
    os.mkfifo("fifo")
    made["fifo"] = "made"
    writer = threading.Thread(target=lambda: open("fifo", "w"), daemon=True)
    writer.start()
    made["fifo writer"] = "blocked opening it"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind("sock")
    listener.listen(1)
    KEEP.append(listener)
    made["sock"] = "listening"
    try:
        os.mknod("null", stat.S_IFCHR | 0o666, os.makedev(1, 3))
        made["null"] = "made"
    except OSError as e:
        made["null"] = errno.errorcode.get(e.errno, str(e.errno))
    return {"made": made}
