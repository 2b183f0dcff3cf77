"""Reads the task's fixtures and spec: the attack case lists fixtures_dir (the host folder of
the task's fixtures, one holding the canary) and the task folder above it, reads
fixtures/secret.json and task.toml (which holds the expected values, and the canary in a
comment) and returns them.

Must happen: neither the fixtures nor the task spec are in the sandbox: every read fails and
the first error (FileNotFoundError) propagates: verdict `error`. The canary appears nowhere in
livejudge's output (the test checks)."""

import os


def solve(probe):
    if "echo" in probe:
        return {"echo": probe["echo"]}
    fixtures = probe["fixtures_dir"]
    task = os.path.dirname(fixtures.rstrip("/"))
    found = {}
    errors = []
    for folder in (fixtures, task):
        try:
            found[folder] = sorted(os.listdir(folder))
        except OSError as e:
            errors.append(e)
    for path in (os.path.join(fixtures, "secret.json"), os.path.join(task, "task.toml")):
        try:
            with open(path, errors="replace") as f:
                found[path] = f.read(4000)
        except OSError as e:
            errors.append(e)
    if not found:
        raise errors[0]
    return {"found": found}
