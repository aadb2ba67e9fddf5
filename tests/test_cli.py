"""End to end: ``desir report`` from raw files to every HTML page, as ``make report`` runs it."""

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

from desir_analysis import reference

ROOT = Path(__file__).resolve().parents[1]


def run_report(root: Path, raw: Path) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "desir_analysis.cli", "report", "--year", "2023", "--first-year", "2022"]
    cmd += ["--raw-dir", str(raw), "--jobs", "2"]
    return subprocess.run(cmd, env={**os.environ, "DESIR_ROOT": str(root)}, capture_output=True, text=True)


@pytest.fixture(scope="module")
def project(demo_raw, tmp_path_factory):
    root = tmp_path_factory.mktemp("project")
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    first = run_report(root, demo_raw)
    return root, first, demo_raw


def test_report_produces_the_index_the_diagnostic_and_one_sheet_per_territory(project):
    root, run, _ = project
    assert run.returncode == 0, run.stderr[-3000:]
    out = root / "reports" / "2023"
    est = pd.read_parquet(root / "data" / "processed" / "2023" / "establishments.parquet")
    terr = reference.territories()
    zone = set(terr.loc[terr["zone_desir"] & terr["level"].ne("commune"), "nuts3"])
    expected = sorted(zone & set(est["nuts3"].dropna()))
    assert len(expected) == 17  # the 1 % demo still has establishments in every territory of the zone
    sheets = sorted(p.stem.removeprefix("fiche_") for p in (out / "fiches").glob("*.html"))
    assert sheets == expected
    assert (out / "diagnostic.html").exists() and (out / "referentiel.html").exists()
    assert (out / "plan_services.html").exists()  # the development plan next to the diagnostic
    for name in ("plan_offre", "plan_demande", "plan_couverture", "plan_besoins", "plan_suivi"):
        assert (out / "tables" / f"{name}.csv").exists(), name
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count("fiches/fiche_") == 17 and "diagnostic.html" in index and "plan_services.html" in index
    root_index = (root / "reports" / "index.html").read_text(encoding="utf-8")
    edition = json.loads((out / "edition.json").read_text(encoding="utf-8"))
    assert "2023/index.html" in root_index and edition["perimeter_label"] in root_index
    assert edition["code_version"] in root_index and edition["vintage"] in root_index
    logs = sorted(p.stem for p in (out / "_logs").glob("*.log"))
    assert len(logs) == 20 and all("terminé" in (out / "_logs" / f"{s}.log").read_text() for s in logs)
    assert (out / "tables" / "diagnostic.xlsx").exists()


def test_every_page_is_self_contained(project):
    root, run, _ = project
    assert run.returncode == 0
    pages = list((root / "reports").rglob("*.html"))
    assert len(pages) == 1 + 1 + 3 + 17  # root index, year index, diagnostic + plan + référentiel, sheets
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert not re.search(r'<(?:script|link|img)[^>]+(?:src|href)="(?:https?:)?//', text), page.name
        for src in re.findall(r'<img[^>]+src="([^"]+)"', text):
            assert src.startswith("data:image/"), (page.name, src[:60])
        body = text.split("</style>")[-1]
        assert "hl-ipython3" not in body and "jp-InputArea-editor" not in body, page.name  # no code shown


def test_a_second_run_with_nothing_changed_skips_everything(project):
    root, first, raw = project
    assert first.returncode == 0
    pages = {p: p.stat().st_mtime_ns for p in (root / "reports" / "2023").rglob("*.html") if p.name != "index.html"}
    again = run_report(root, raw)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "à jour" in again.stdout
    assert {p: p.stat().st_mtime_ns for p in pages} == pages
