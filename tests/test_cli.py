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

from conftest import digests
from desir_analysis import reference

ROOT = Path(__file__).resolve().parents[1]
EDITION = "desir-core_crossborder-employment"


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
    assert "IPKernelApp" not in run.stderr  # the kernels' start-up noise stays out of the terminal
    out = root / "reports" / "2023" / EDITION
    work = root / "data" / "private" / "2023" / EDITION
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
    assert 'href="grille_reconnaissance.html"' in index and (out / "grille_reconnaissance.html").exists()
    diagnostic = (out / "diagnostic.html").read_text(encoding="utf-8")
    assert "organisation et pratiques" in diagnostic and "Reconnaissance transfrontalière" in diagnostic
    root_index = (root / "reports" / "index.html").read_text(encoding="utf-8")
    edition = json.loads((out / "edition.json").read_text(encoding="utf-8"))
    assert f"2023/{EDITION}/index.html" in root_index and edition["perimeter_label"] in root_index
    assert edition["code_version"] in root_index and edition["vintage"] in root_index
    logs = sorted(p.stem for p in (work / "_logs").glob("*.log"))
    assert len(logs) == 20 and all("terminé" in (work / "_logs" / f"{s}.log").read_text() for s in logs)
    assert not [p for p in out.rglob("*") if p.name.startswith("_")]  # working files are never published
    assert (out / "tables" / "diagnostic.xlsx").exists()


def test_every_page_is_self_contained(project):
    root, run, _ = project
    assert run.returncode == 0
    pages = list((root / "reports" / "2023" / EDITION).rglob("*.html")) + [root / "reports" / "index.html"]
    # root index, year index, diagnostic + plan + référentiel, sheets, the recognition grid's page
    assert len(pages) == 1 + 1 + 3 + 17 + 1
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


def test_a_render_from_scratch_is_byte_identical_workbooks_included(project):
    root, first, raw = project
    assert first.returncode == 0
    out = root / "reports" / "2023" / EDITION
    before = digests(out)
    assert any(name.endswith(".xlsx") for name in before)
    shutil.rmtree(
        root / "data" / "private" / "2023" / EDITION / "_keys"
    )  # forget the cache: every page is rendered again
    again = run_report(root, raw)
    assert again.returncode == 0, again.stderr[-3000:]
    assert digests(out) == before


def test_a_year_the_raw_files_do_not_cover_is_refused_before_any_work(project, tmp_path):
    root, _, raw = project
    cmd = [sys.executable, "-m", "desir_analysis.cli", "report", "--year", "2030", "--raw-dir", str(raw)]
    run = subprocess.run(cmd, env={**os.environ, "DESIR_ROOT": str(tmp_path)}, capture_output=True, text=True)
    assert run.returncode == 2
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "2015–2023" in lines[0] and "2024" in lines[0] and "Traceback" not in run.stderr
    assert not (tmp_path / "data" / "processed").exists() or not any((tmp_path / "data" / "processed").iterdir())


def test_report_renders_the_mode_of_the_build_made_and_editions_stay_apart(project):
    root, first, raw = project
    assert first.returncode == 0
    env = {**os.environ, "DESIR_ROOT": str(root)}
    base = [sys.executable, "-m", "desir_analysis.cli"]
    years = ["--year", "2023", "--first-year", "2022", "--raw-dir", str(raw)]
    built = subprocess.run([*base, "build", *years, "--mode", "public"], env=env, capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-2000:]
    rep = [*base, "report", *years, "--study", "referentiel", "--zone", "interreg_fwvl"]
    run = subprocess.run(rep, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "données traitées à jour" in run.stdout  # no silent rebuild in the other mode
    editions = sorted(p.name for p in (root / "reports" / "2023").iterdir() if p.is_dir())
    assert editions == [EDITION, "interreg_fwvl-core_crossborder-public"]
    assert (root / "reports" / "2023" / EDITION / "diagnostic.html").exists()  # the first edition untouched
    meta = json.loads((root / "reports" / "2023" / editions[1] / "edition.json").read_text(encoding="utf-8"))
    assert meta["mode"] == "public" and meta["zone"] == "interreg_fwvl"
    # back to the employment build for the other tests of the module
    back = subprocess.run([*base, "build", *years, "--mode", "employment"], env=env, capture_output=True, text=True)
    assert back.returncode == 0


def test_publish_copies_only_publishable_files(project, tmp_path):
    root, first, _ = project
    assert first.returncode == 0
    (root / "reports" / "2023" / EDITION / "_audit").mkdir(exist_ok=True)  # even if one were left there
    (root / "reports" / "2023" / EDITION / "_audit" / "ess_famille.csv").write_text("true values\n")
    dest = tmp_path / "site"
    cmd = [sys.executable, "-m", "desir_analysis.cli", "publish", str(dest)]
    run = subprocess.run(cmd, env={**os.environ, "DESIR_ROOT": str(root)}, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    files = sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file())
    assert "index.html" in files and f"2023/{EDITION}/diagnostic.html" in files
    assert f"2023/{EDITION}/tables/diagnostic.xlsx" in files
    assert not [f for f in files if "/_" in f or f.startswith("_")]
    assert {Path(f).suffix for f in files} <= {".html", ".csv", ".xlsx", ".json"}
    shutil.rmtree(root / "reports" / "2023" / EDITION / "_audit")
