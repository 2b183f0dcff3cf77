"""Symlinks planted in the run directory: the attack case links canary.txt to canary_file,
outside to outside_dir, root to /, judge to /sandbox/judge, parent to .., loop to itself and
nest/deep to outside_dir, then reads and writes through them and returns what happened.

Must happen: inside the sandbox the targets are absent or read-only: verdict `wrong` (it
returns a report), and the canary appears nowhere in livejudge's output. When the judge
removes the workspace it does not follow the links: canary_file still exists with its
contents, outside_dir still exists and is empty (the test checks)."""

import errno
import os


def code(e):
    return errno.errorcode.get(e.errno, str(e.errno))


def solve(probe):
    if "echo" in probe:
        return {"echo": probe["echo"]}
    links = {
        "canary.txt": probe["canary_file"],
        "outside": probe["outside_dir"],
        "root": "/",
        "judge": "/sandbox/judge",
        "parent": "..",
        "loop": "loop",
        os.path.join("nest", "deep"): probe["outside_dir"],
    }
    os.makedirs("nest", exist_ok=True)
    planted = []
    for name, target in links.items():
        try:
            os.symlink(target, name)
            planted.append(name)
        except OSError as e:
            planted.append("%s: %s" % (name, code(e)))
    seen = {}
    try:
        with open("canary.txt", errors="replace") as f:
            seen["read canary.txt"] = f.read(4000)
    except OSError as e:
        seen["read canary.txt"] = code(e)
    for folder in ("outside", os.path.join("nest", "deep"), "parent"):
        try:
            seen["list " + folder] = sorted(os.listdir(folder))[:50]
        except OSError as e:
            seen["list " + folder] = code(e)
    escape = os.path.join("outside", "livejudge-escape-%s" % probe["nonce"])
    try:
        with open(escape, "w") as f:
            f.write("escaped through a symlink\n")
        seen["write " + escape] = "written"
    except OSError as e:
        seen["write " + escape] = code(e)
    return {"planted": planted, "seen": seen}
