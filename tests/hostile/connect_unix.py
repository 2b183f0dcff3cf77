"""Reaches host services over Unix sockets: the attack case connects to the abstract socket
"\\0livejudge-test-<nonce>" (a listener the test opened on the host; abstract sockets belong to
the network namespace) and to well-known host sockets: Docker, containerd, D-Bus, systemd,
the X server, snapd.

Must happen: none is reachable (a network namespace of its own, no /run or /var/run of the
host), so every connect fails and the first error propagates: verdict `error`; the test's
abstract listener records no connection."""

import socket

PATHS = ["/var/run/docker.sock", "/run/docker.sock", "/run/containerd/containerd.sock",
         "/run/dbus/system_bus_socket", "/var/run/dbus/system_bus_socket",
         "/run/systemd/private", "/run/systemd/notify", "/tmp/.X11-unix/X0", "/run/snapd.socket"]


def solve(probe):
    if "echo" in probe:
        return {"echo": probe["echo"]}
    targets = ["\0livejudge-test-%s" % probe["nonce"]] + PATHS
    connected = {}
    errors = []
    for address in targets:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(1.0)
                s.connect(address)
                s.sendall(probe["nonce"].encode())
                connected[address.replace("\0", "@")] = "connected"
        except OSError as e:
            errors.append(e)
    if not connected:
        raise errors[0]
    return {"connected": connected}
