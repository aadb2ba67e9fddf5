"""Attack the published tables of a year's editions with the test attacker; exit 1 on any recovery.

    .venv/bin/python tools/attack_editions.py [--year 2023] [--zones desir,interreg_fwvl] [--perimeter core_crossborder]

Reads only the published CSVs of ``reports/<year>/<zone>-<perimeter>-<mode>/tables`` (the attacker of
``tests/attacker.py``); the true values come from ``data/processed`` to score it. Prints, for each edition
and for all of them together, the blanks, the cells masked in one table and printed in another, and the
blanks pinned exactly or within ±15 %.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import attacker  # noqa: E402
from desir_analysis import build, config  # noqa: E402
from desir_analysis.analysis import cells  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, default=2023)
    parser.add_argument("--zones", default="desir,interreg_fwvl")
    parser.add_argument("--perimeter", default="core_crossborder")
    args = parser.parse_args()
    zones = args.zones.split(",")
    prov = build.provenance(args.year)
    first = min(int(p.name) for p in config.PROCESSED_DATA_DIR.iterdir() if p.name.isdigit())
    folders = {
        z: config.REPORTS_DIR / str(args.year) / f"{z}-{args.perimeter}-{prov['mode']}" / "tables" for z in zones
    }
    frames = {z: cells.zone_frames(args.year, z, args.perimeter, first) for z in zones}
    bad = 0
    for group in [[z] for z in zones] + ([zones] if len(zones) > 1 else []):
        pub = attacker.Published()
        for z in group:
            attacker.read_edition(folders[z], z, args.year, pub)
        found = attacker.bounds(pub)
        truth = attacker.truth(found["key"], frames)
        got = attacker.recovered(found, truth)
        wrong = sum(
            not (lo - 1e-6 <= truth[k] <= hi + 1e-6)
            for k, lo, hi in zip(found["key"], found["low"], found["high"], strict=True)
        )
        print(
            f"{'+'.join(group)}: {len(found)} blanks, {len(pub.conflicts)} masked here and printed there, "
            f"{len(got)} recovered (exactly or within ±15 %), attacker's model wrong on {wrong}"
        )
        if len(got):
            print(got[["measure", "cell", "low", "high", "true", "how"]].to_string())
        bad += len(got) + len(pub.conflicts)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
