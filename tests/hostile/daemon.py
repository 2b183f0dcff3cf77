"""Daemon that outlives the run: the attack case double-forks with setsid, and the grandchild
re-executes Python with `-c <code> <nonce> <port> <port6>` (so its command line carries the
nonce), keeping every descriptor it inherited (stdout, stderr, the harness channel). The daemon
sleeps 1 s, then for 15 s keeps trying to connect to the test's listeners on 127.0.0.1 and ::1
and send the nonce. The case itself returns at once.

Must happen: verdict `wrong` (it returns that it started the daemon); the judge does not wait
for the daemon's descriptors to close (the run stays within its time bound); the daemon dies
with the sandbox: 2 s after livejudge exits, no process has the nonce in its command line and
no listener recorded a connection (the test checks)."""

import os
import sys

DAEMON = r"""
import socket, sys, time
nonce, port, port6 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
time.sleep(1.0)
end = time.monotonic() + 15
while time.monotonic() < end:
    for family, host, p in ((socket.AF_INET, "127.0.0.1", port), (socket.AF_INET6, "::1", port6)):
        try:
            with socket.socket(family, socket.SOCK_STREAM) as s:
                s.settimeout(0.5)
                s.connect((host, p))
                s.sendall(nonce.encode())
        except OSError:
            pass
    time.sleep(0.2)
"""


def solve(probe):
    if "echo" in probe:
        return {"echo": probe["echo"]}
    argv = [sys.executable, "-I", "-c", DAEMON, probe["nonce"], str(probe["host_port"]),
            str(probe["host_port6"])]
    child = os.fork()
    if child == 0:
        try:
            os.setsid()
            if os.fork() == 0:
                for fd in range(3, 256):
                    try:
                        os.set_inheritable(fd, True)
                    except OSError:
                        pass
                os.execv(sys.executable, argv)
        finally:
            os._exit(0)
    os.waitpid(child, 0)
    return {"daemon": "started"}
