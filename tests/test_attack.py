"""The attacker of ``tests/attacker.py`` against the published tables: first the tables of 1251d21
(it must find the leaks the independent attack reported), then two editions of today's code."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import attacker as A

ROOT = Path(__file__).resolve().parents[1]
OLD = Path(__file__).parent / "fixtures" / "attack_1251d21"
ZONES = ("desir", "interreg_fwvl")


def _old_truth() -> dict:
    t = pd.read_csv(OLD / "truth.csv")
    return {(m, frozenset(json.loads(c).items())): v for m, c, v in t.itertuples(index=False)}


def _attack(folders: dict[str, Path]) -> tuple[A.Published, pd.DataFrame]:
    pub = A.Published()
    for zone, folder in folders.items():
        A.read_edition(folder, zone, 2023, pub)
    return pub, A.bounds(pub)


def _sound(found: pd.DataFrame, truth: dict) -> None:
    """The attacker's model never excludes the truth (else its relations would be wrong)."""
    for k, lo, hi in zip(found["key"], found["low"], found["high"], strict=True):
        assert lo - 1e-6 <= truth[k] <= hi + 1e-6, (k, lo, hi, truth[k])


def _names(frame: pd.DataFrame) -> set[tuple]:
    return {
        (c.get("nuts3"), c.get("family") or c.get("sector"), m)
        for m, c in zip(frame["measure"], frame["cell"], strict=True)
    }


def test_the_attacker_finds_again_the_leaks_reported_on_1251d21():
    truth = _old_truth()
    pub, found = _attack({"desir": OLD / "desir-core_crossborder-employment"})
    _sound(found, truth)
    got = A.recovered(found, truth)
    names = _names(got)
    # Neufchâteau × foundations: one establishment, its exact headcount (with the « secondary » status)
    assert ("BE344", "Fondations", "ess_units") in names and ("BE344", "Fondations", "ess_jobs") in names
    assert ("BE342", "Coopératives", "ess_jobs") in names  # Bastogne × cooperatives, within ±15 %
    assert ("BE351", "Santé humaine", "ess_jobs") in names  # Soignies × health: an interval disclosure
    pub, found = _attack({"interreg_fwvl": OLD / "interreg_fwvl-core_crossborder-employment"})
    _sound(found, truth)
    exact = A.recovered(found, truth).query("how == 'exact'")
    assert {("FRF21", "Coopératives", "ess_jobs"), ("FRF21", "Fondations", "ess_jobs")} <= _names(exact)  # Ardennes
    pub, found = _attack({z: OLD / f"{z}-core_crossborder-employment" for z in ZONES})
    _sound(found, truth)
    printed = {(dict(k[1]).get("nuts3"), dict(k[1]).get("family")) for k in pub.conflicts}
    assert ("BE345", "Coopératives") in printed and ("BE345", "Mutuelles") in printed  # Virton, in the other edition
    assert len(A.recovered(found, truth)) > len(
        A.recovered(_attack({"desir": OLD / "desir-core_crossborder-employment"})[1], truth)
    )


def run_report(root: Path, raw: Path, zone: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "desir_analysis.cli", "report", "--year", "2023", "--first-year", "2022"]
    cmd += ["--raw-dir", str(raw), "--jobs", "2", "--zone", zone]
    return subprocess.run(cmd, env={**os.environ, "DESIR_ROOT": str(root)}, capture_output=True, text=True)


@pytest.fixture(scope="module")
def both_zones(demo_raw, tmp_path_factory):
    """The 1 % demo rendered for both zones of the year, as `make report` and `make report ZONE=interreg_fwvl`."""
    root = tmp_path_factory.mktemp("attacked")
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    for zone in ZONES:
        run = run_report(root, demo_raw, zone)
        assert run.returncode == 0, run.stderr[-3000:]
    return root


def _folders(root: Path) -> dict[str, Path]:
    return {z: root / "reports" / "2023" / f"{z}-core_crossborder-employment" / "tables" for z in ZONES}


def _truth(root: Path, keys) -> dict:
    from desir_analysis.analysis import cells

    frames = {z: cells.zone_frames(2023, z, "core_crossborder", 2022, root / "data" / "processed") for z in ZONES}
    return A.truth(keys, frames)


@pytest.mark.parametrize("zones", [("desir",), ("interreg_fwvl",), ZONES])
def test_no_masked_cell_is_recovered_from_the_editions_of_the_year(both_zones, zones):
    folders = {z: f for z, f in _folders(both_zones).items() if z in zones}
    pub, found = _attack(folders)
    assert pub.conflicts == []  # no cell masked in one table and printed in another, in any edition
    assert len(found) > 20  # the 1 % demo masks cells: the attack has something to solve for
    truth = _truth(both_zones, found["key"])
    _sound(found, truth)
    got = A.recovered(found, truth)
    assert got.empty, got[["measure", "cell", "low", "high", "true", "how"]].to_string()


def _numbers(paths, decimal: str) -> set[float]:
    """The numbers a reader sees in files: a page's text without its scripts, styles, embedded images and
    digests; ``decimal`` is the files' decimal mark (« . » in CSV, « , » in the French pages)."""
    text = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in paths)
    text = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", text)
    text = re.sub(r"data:[^\"')\s]+", " ", text)
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"\b[0-9a-f]{16,}\b", " ", text)  # SHA-256 digests of the raw files
    group = "[\u202f\xa0]" if decimal == "," else "(?!)"
    before = r"[\w.,]" if decimal == "," else r"[\w.]"  # in a CSV, a comma separates the fields
    found = re.findall(rf"(?<!{before})\d+(?:{group}\d{{3}})*(?:{re.escape(decimal)}\d+)?(?![\w])", text)
    return {float(re.sub(group, "", n).replace(decimal, ".")) for n in found}


def test_the_published_tree_holds_no_value_of_a_masked_cell(both_zones):
    """The pages and descriptions print no masked cell's value that the tables do not print anyway.

    The tables are the attacker's input (every cell parsed above); the pages add sentences (synthesis,
    notes, captions): a masked value of 3 digits or more must appear in none of them, unless the same
    number is printed by a table for another reason (then it proves nothing).
    """
    pub, found = _attack(_folders(both_zones))
    truth = _truth(both_zones, found["key"])
    files = [p for p in (both_zones / "reports").rglob("*") if p.is_file()]
    in_tables = _numbers((p for p in files if p.suffix == ".csv"), ".")
    values = {truth[k] for k in found["key"] if truth[k] >= 100} - in_tables
    assert values  # something to look for
    leaked = values & (
        _numbers((p for p in files if p.suffix == ".html"), ",")
        | _numbers((p for p in files if p.suffix == ".json"), ".")
    )
    assert not leaked, sorted(leaked)
