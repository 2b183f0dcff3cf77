"""Locks its own files against cleanup: the attack case builds locked/inner/deeper with files,
removes every permission bit (chmod 000) from the files and folders bottom-up, adds a
setuid/setgid/sticky file and a 000 file, and finally chmods its own working directory to
000 (recording a refusal).

Must happen: verdict `wrong` (it returns what it locked); the judge still removes the whole
workspace: the TMPDIR livejudge ran with is empty afterwards (the test checks)."""

import os

TREE = os.path.join("locked", "inner", "deeper")


def solve(probe):
    if "echo" in probe:
        return {"echo": probe["echo"]}
    os.makedirs(TREE, exist_ok=True)
    folders = ["locked", os.path.join("locked", "inner"), TREE]
    for folder in folders:
        with open(os.path.join(folder, "file.txt"), "w") as f:
            f.write("locked\n")
    with open("setuid.sh", "w") as f:
        f.write("#!/bin/sh\nid\n")
    os.chmod("setuid.sh", 0o7777)
    with open("unreadable.txt", "w") as f:
        f.write("no permissions\n")
    os.chmod("unreadable.txt", 0)
    locked = []
    for folder in reversed(folders):
        path = os.path.join(folder, "file.txt")
        os.chmod(path, 0)
        os.chmod(folder, 0)
        locked += [path, folder]
    try:
        os.chmod(".", 0)
        locked.append(".")
    except OSError as e:
        locked.append(".: %s" % e.strerror)
    return {"locked": locked}
