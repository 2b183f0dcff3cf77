#!/usr/bin/env python3
"""Flakiness of a task's verdicts: every accepted and rejected solution graded N times, under
two gradings running at once, and the outcome (which cases failed) compared across runs.

Usage: benches/flakiness.py TASK [-n RUNS]   (default 20 runs per solution, --isolation strict)
Prints one line per solution: the runs, the distinct outcomes seen, and FLAKY when there is
more than one, or when an accepted solution failed or a rejected one passed. It builds
livejudge in release mode. This measures the task's cases; nothing here fails a test.
"""

import argparse
import collections
import concurrent.futures
import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def outcome(judge, task, solution):
    result = subprocess.run(
        [str(judge), "--isolation", "strict", "grade", task, str(solution), "--format", "json"],
        cwd=ROOT, capture_output=True, text=True,
    )
    report = json.loads(result.stdout)
    assert report["isolation"] == "strict", report["isolation"]
    failed = [c["id"] for c in report["submissions"][0]["cases"] if not c["passed"]]
    return tuple(failed)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("task")
    parser.add_argument("-n", "--runs", type=int, default=20)
    args = parser.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    judge = ROOT / "target" / "release" / "livejudge"
    solutions = ROOT / "tasks" / args.task / "solutions"
    files = sorted((solutions / "accepted").glob("*.py")) + sorted((solutions / "rejected").glob("*.py"))
    jobs = [(f, i) for f in files for i in range(args.runs)]
    outcomes = collections.defaultdict(collections.Counter)
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for (solution, _), failed in zip(jobs, pool.map(lambda job: outcome(judge, args.task, job[0]), jobs)):
            outcomes[solution][failed] += 1
    flaky = 0
    for solution in files:
        seen = outcomes[solution]
        accepted = solution.parent.name == "accepted"
        wrong = (accepted and any(seen_failed for seen_failed in seen)) or (not accepted and () in seen)
        bad = len(seen) > 1 or wrong
        flaky += bad
        shown = "; ".join(f"{n}x {', '.join(failed) or 'all pass'}" for failed, n in seen.most_common())
        print(f"{'FLAKY' if bad else 'ok   '} {solution.parent.name}/{solution.name}: {shown}")
    print(f"{len(files)} solutions x {args.runs} runs, two gradings at once: {flaky} flaky")
    sys.exit(0)


if __name__ == "__main__":
    main()
