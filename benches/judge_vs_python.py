#!/usr/bin/env python3
"""Benchmark: livejudge against bare Python and against pytest, side by side.

Grades one accepted caching-decorator solution N times each way, interleaved, and prints
wall-time statistics and the ratios judge / bare and judge / pytest:

  bare    the harness runtime livejudge uses, started by hand on the same cases with the
          same interpreter (no judge: no comparison, no limits, no report)
  judge   `livejudge grade caching-decorator SOLUTION` (release build, warm cache), under
          --isolation strict (the bubblewrap box, cgroups, seccomp) and, for the cost of the
          box itself, --isolation none
  pytest  the same harness and cases as a pytest suite (benches/pytest_caching)

Usage: benches/judge_vs_python.py [-n RUNS] [SOLUTION]
It builds livejudge in release mode and creates target/bench-venv with pytest if missing.
This is a benchmark, not a test: nothing here fails on speed.
"""

import argparse
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[1]
TASK = ROOT / "tasks" / "caching-decorator"
DEFAULT_SOLUTION = TASK / "solutions" / "accepted" / "rlock_ordereddict.py"


def sh(*args, **kwargs):
    return subprocess.run(args, check=True, **kwargs)


def prepare(solution):
    sh("cargo", "build", "--release", "--quiet", cwd=ROOT)
    judge = ROOT / "target" / "release" / "livejudge"
    venv = ROOT / "target" / "bench-venv"
    if not (venv / "bin" / "pytest").exists():
        sh(sys.executable, "-m", "venv", str(venv))
        sh(str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", "pytest")
    python = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import sys; print(sys.executable)"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    cache = ROOT / "target" / "bench-cache"
    env = dict(os.environ, LIVEJUDGE_CACHE_DIR=str(cache), LIVEJUDGE_PYTHON=python, NO_COLOR="1")
    # Warm the judge's interpreter description and task environment.
    sh(str(judge), "setup", "caching-decorator", cwd=ROOT, env=env, stdout=subprocess.DEVNULL)

    spec = tomllib.loads((TASK / "task.toml").read_text())
    request = {
        "protocol": 1,
        "entry": "solution.py",
        "module": "solution",
        "names": ["cache"],
        "harness": str(TASK / "harness.py"),
        "cases": [{"id": c["id"], "input": c["input"]} for c in spec["cases"]],
    }
    work = pathlib.Path(tempfile.mkdtemp(prefix="livejudge-bench-"))
    run_dir = work / "run"
    run_dir.mkdir()
    shutil.copy(solution, run_dir / "solution.py")
    cases_file = work / "cases.json"
    cases_file.write_text(json.dumps(request))

    def bare():
        with open(cases_file, "rb") as cases, open(os.devnull, "wb") as events:
            subprocess.run(
                [python, "-I", "-B", "-X", "utf8", str(ROOT / "src" / "harness" / "runtime.py")],
                cwd=run_dir, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                env={
                    "PATH": "/usr/bin:/bin",
                    "LIVEJUDGE_CASES_FD": str(cases.fileno()),
                    "LIVEJUDGE_EVENTS_FD": str(events.fileno()),
                },
                pass_fds=(cases.fileno(), events.fileno()),
            )

    def judge_with(isolation):
        def judge_run():
            result = subprocess.run(
                [str(judge), "--isolation", isolation, "grade", "caching-decorator", str(solution)],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            )
            if result.returncode != 0:
                sys.exit("livejudge did not pass the solution:\n" + result.stderr.decode())
        return judge_run

    def pytest_run():
        result = subprocess.run(
            [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(ROOT / "benches" / "pytest_caching")],
            cwd=ROOT, env=dict(os.environ, BENCH_SOLUTION=str(solution)),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        if result.returncode != 0:
            sys.exit("pytest did not pass the solution:\n" + result.stdout.decode())

    return [
        ("bare python harness", bare),
        ("livejudge grade", judge_with("strict")),
        ("livejudge (no box)", judge_with("none")),
        ("pytest", pytest_run),
    ], work


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=10)
    parser.add_argument("solution", nargs="?", default=str(DEFAULT_SOLUTION))
    args = parser.parse_args()
    solution = pathlib.Path(args.solution).resolve()
    commands, work = prepare(solution)
    try:
        times = {name: [] for name, _ in commands}
        for _, run in commands:  # one warm-up each
            run()
        for _ in range(args.runs):
            for name, run in commands:  # interleaved, so drift hits all three alike
                started = time.perf_counter()
                run()
                times[name].append(time.perf_counter() - started)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    base = statistics.median(times["bare python harness"])
    judge = statistics.median(times["livejudge grade"])
    print(f"caching-decorator, {solution.relative_to(ROOT) if solution.is_relative_to(ROOT) else solution}, "
          f"{args.runs} runs each, interleaved")
    print(f"{'':22}{'median':>10}{'mean':>10}{'min':>10}{'max':>10}  median vs bare")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:22}{median:>9.3f}s{statistics.mean(values):>9.3f}s{min(values):>9.3f}s"
              f"{max(values):>9.3f}s  {median / base:.3f}x")
    unboxed = statistics.median(times["livejudge (no box)"])
    print(f"judge / bare python: {judge / base:.3f} (target <= 1.15); "
          f"judge - bare: {(judge - base) * 1000:.1f} ms per run")
    print(f"the box's cost:      {(judge - unboxed) * 1000:.1f} ms per run "
          f"(judge without a box / bare: {unboxed / base:.3f})")
    print(f"judge / pytest:      {judge / statistics.median(times['pytest']):.3f}")


if __name__ == "__main__":
    main()
