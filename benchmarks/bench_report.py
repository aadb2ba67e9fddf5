"""Benchmark: the whole yearly job on the demo data, then a no-change rerun; optionally against another commit.

    .venv/bin/python benchmarks/bench_report.py [--year 2023] [--jobs 2] [--compare REV] [--rounds 1]

Runs ``desir report`` in a scratch project root (``DESIR_ROOT``; the notebooks are
copied there): demo generation + build of every year + every study and fact sheet +
HTML export, then the same command again (nothing changed). With ``--compare REV``
the same job runs on commit ``REV`` too (checked out with ``git worktree`` into a
temporary folder and imported from there with ``PYTHONPATH``, in the same virtual
environment), alternating the two contenders round by round, and the ratios are
printed. Budget (ARCHITECTURE §2): 50 s from scratch and 2 s with nothing changed on
2 cores; the figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_job(src: Path, notebooks: Path, year: int, jobs: int, verbose: bool) -> tuple[float, float, int]:
    """(from scratch, no change, HTML files) of the job of the package in ``src``."""
    scratch = Path(tempfile.mkdtemp(prefix="desir-bench-"))
    shutil.copytree(notebooks, scratch / "notebooks")
    env = {**os.environ, "DESIR_ROOT": str(scratch), "PYTHONPATH": str(src)}
    code = "import sys; from desir_analysis.cli import main; sys.exit(main())"
    cmd = [sys.executable, "-c", code, "report", "--year", str(year), "--jobs", str(jobs)]
    times = []
    for label in ("from scratch", "no change"):
        t0 = time.perf_counter()
        run = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=scratch)
        marks = [(time.perf_counter() - t0, line.rstrip()) for line in run.stdout]  # the CLI's progress lines
        stderr = run.stderr.read()
        status = run.wait()
        dt = time.perf_counter() - t0
        times.append(dt)
        if verbose:
            print(f"  {label:12s} {dt:7.1f} s  (exit {status})", flush=True)
            for t, line in marks:
                print(f"      {t:6.1f} s  {line[:110]}")
        if status:
            print(stderr[-2000:])
            raise SystemExit(f"{src}: desir report failed")
    n = len(list((scratch / "reports" / str(year)).rglob("*.html")))
    shutil.rmtree(scratch, ignore_errors=True)
    return times[0], times[1], n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--year", type=int, default=2023)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--compare", metavar="REV", help="another commit to time in the same run (e.g. origin/main)")
    ap.add_argument("--rounds", type=int, default=1, help="rounds per contender (medians are reported)")
    a = ap.parse_args()
    contenders = {"working tree": (ROOT / "src", ROOT / "notebooks")}
    worktree = None
    if a.compare:
        worktree = Path(tempfile.mkdtemp(prefix="desir-rev-"))
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(worktree), a.compare], check=True)
        contenders[a.compare] = (worktree / "src", worktree / "notebooks")
    results: dict[str, list[tuple[float, float, int]]] = {k: [] for k in contenders}
    try:
        for r in range(a.rounds):
            for name, (src, nbs) in contenders.items():
                print(f"round {r + 1}, {name}", flush=True)
                results[name].append(run_job(src, nbs, a.year, a.jobs, verbose=True))
    finally:
        if worktree is not None:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(worktree)], check=False)
    print(f"\n{'contender':20s} {'from scratch':>13s} {'no change':>10s} {'pages':>6s}")
    medians = {}
    for name, rows in results.items():
        medians[name] = (statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows))
        print(f"{name:20s} {medians[name][0]:11.1f} s {medians[name][1]:8.1f} s {rows[-1][2]:6d}")
    if a.compare:
        here, there = medians["working tree"], medians[a.compare]
        print(
            f"ratio working tree / {a.compare}: from scratch {here[0] / there[0]:.2f}, no change {here[1] / there[1]:.2f}"
        )


if __name__ == "__main__":
    main()
