"""Benchmark: the whole yearly job on the demo data, then a no-change rerun.

    .venv/bin/python benchmarks/bench_report.py [--year 2023] [--jobs 2]

Runs ``desir report`` in a scratch project root (``DESIR_ROOT``; the notebooks are
copied there): demo generation + build of every year + every study and fact sheet +
HTML export, then the same command again (nothing changed). Targets (issue): ≤ 90 s
and ≤ 5 s on 2 cores; the figures are printed, not asserted, with the time at which
each progress line of the command appeared (the phases).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--year", type=int, default=2023)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    a = ap.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="desir-bench-"))
    shutil.copytree(ROOT / "notebooks", scratch / "notebooks")
    env = {**os.environ, "DESIR_ROOT": str(scratch)}
    cmd = [str(Path(sys.executable).parent / "desir"), "report", "--year", str(a.year), "--jobs", str(a.jobs)]
    for label in ("from scratch", "no change"):
        t0 = time.perf_counter()
        run = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        marks = [(time.perf_counter() - t0, line.rstrip()) for line in run.stdout]  # the CLI's progress lines
        stderr = run.stderr.read()
        code = run.wait()
        dt = time.perf_counter() - t0
        print(f"{label:12s} {dt:7.1f} s  (exit {code})", flush=True)
        for t, line in marks:
            print(f"    {t:6.1f} s  {line[:110]}")
        if code:
            print(stderr[-2000:])
            break
    n = len(list((scratch / "reports" / str(a.year)).rglob("*.html")))
    print(f"{n} HTML files in {scratch / 'reports' / str(a.year)}")


if __name__ == "__main__":
    main()
