"""Reaches the host's network: the attack case connects to host_port on 127.0.0.1 and to
host_port6 on ::1 (TCP listeners the test opened on the host) and sends the nonce.

Must happen: the sandbox has its own network namespace with only a loopback of its own, so
both connections are refused and the first error (ConnectionRefusedError) propagates: verdict
`error`; neither listener records a connection (the test checks)."""

import socket

TARGETS = ((socket.AF_INET, "127.0.0.1", "host_port"), (socket.AF_INET6, "::1", "host_port6"))


def solve(probe):
    if "echo" in probe:
        return {"echo": probe["echo"]}
    connected = {}
    errors = []
    for family, host, key in TARGETS:
        try:
            with socket.socket(family, socket.SOCK_STREAM) as s:
                s.settimeout(1.0)
                s.connect((host, int(probe[key])))
                s.sendall(probe["nonce"].encode())
                connected[host] = "connected and sent the nonce"
        except OSError as e:
            errors.append(e)
    if not connected:
        raise errors[0]
    return {"connected": connected}
