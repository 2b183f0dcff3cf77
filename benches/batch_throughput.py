#!/usr/bin/env python3
"""Benchmark: batch grading throughput and memory.

Grades a batch of caching-decorator submissions (the task's accepted and rejected solutions,
copied round-robin into N distinct files) with `livejudge grade --jobs 1` and `--jobs 2`, each
under --isolation strict with --results, and prints for each: wall time, submissions per
second, the speed-up of --jobs 2 over --jobs 1 (the target is 1.8 or more on two cores), and
livejudge's own peak resident memory (VmHWM of the judge process, not of the submissions it
runs; the target is 50 MiB or less).

Usage: benches/batch_throughput.py [-n SUBMISSIONS]   (default 200)
It builds livejudge in release mode. This is a benchmark, not a test: nothing fails on speed.
"""

import argparse
import itertools
import os
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
TASK = "caching-decorator"


def make_batch(folder, count):
    solutions = ROOT / "tasks" / TASK / "solutions"
    sources = sorted((solutions / "accepted").glob("*.py")) + sorted((solutions / "rejected").glob("*.py"))
    files = []
    for i, source in zip(range(count), itertools.cycle(sources)):
        path = folder / f"candidate_{i:04d}.py"
        # A distinct file per candidate, as a real batch has.
        path.write_text(f"# candidate {i} ({source.name})\n" + source.read_text())
        files.append(path)
    return files


def peak_rss_kib(pid):
    try:
        for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def grade(judge, files, jobs, results):
    command = [str(judge), "--isolation", "strict", "grade", TASK, *map(str, files),
               "--jobs", str(jobs), "--results", str(results), "--format", "json"]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while process.poll() is None:
        peak = max(peak, peak_rss_kib(process.pid) or 0)
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    if process.returncode not in (0, 1):
        sys.exit(f"livejudge exited {process.returncode}: {' '.join(command[:6])} ...")
    rows = results.read_text().count("\n")
    if rows != len(files):
        sys.exit(f"{rows} results for {len(files)} submissions")
    return elapsed, peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--submissions", type=int, default=200)
    args = parser.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    judge = ROOT / "target" / "release" / "livejudge"
    subprocess.run([str(judge), "setup", TASK], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory() as folder:
        folder = pathlib.Path(folder)
        files = make_batch(folder, args.submissions)
        measured = {}
        for jobs in (1, 2):
            results = folder / f"results-{jobs}.jsonl"
            elapsed, peak = grade(judge, files, jobs, results)
            measured[jobs] = elapsed
            print(f"--jobs {jobs}: {len(files)} submissions in {elapsed:.1f} s "
                  f"({len(files) / elapsed:.2f} submissions/s), livejudge peak RSS {peak / 1024:.1f} MiB")
        print(f"speed-up of --jobs 2 over --jobs 1: {measured[1] / measured[2]:.2f}x "
              f"(target >= 1.8; {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
