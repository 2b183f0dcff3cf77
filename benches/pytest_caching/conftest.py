"""The caching-decorator cases as a pytest suite: the baseline a pytest-based grader would be.

Same harness, same cases, same solution as `livejudge grade`; the comparison with the
expected observations happens in the test, in-process.
"""

import importlib.util
import os
import pathlib
import sys

import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[2]
TASK = ROOT / "tasks" / "caching-decorator"


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


harness = _load("_livejudge_harness", TASK / "harness.py")
harness.prepare()  # the fake clock goes in before the solution is imported
solution = _load("solution", os.environ["BENCH_SOLUTION"])
CASES = tomllib.loads((TASK / "task.toml").read_text())["cases"]
