"""Errors for people: a bad input is one line and exit status 2, no traceback; published files are readable."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

from desir_analysis.build import store
from desir_analysis.publish import runner


def test_a_bad_sirene_file_is_one_line_and_exit_2(tmp_path):
    sirene = tmp_path / "raw" / "fr" / "sirene"
    sirene.mkdir(parents=True)
    (sirene / "StockEtablissement_utf8.csv").write_bytes("siren;siret\n123;456\n".encode("latin-1"))
    (sirene / "StockUniteLegale_utf8.csv").write_bytes(
        "siren;catégorieJuridiqueUniteLegale\n123;9220\n".encode("latin-1")
    )
    cmd = [sys.executable, "-m", "desir_analysis.cli", "build", "--year", "2023", "--raw-dir", str(tmp_path / "raw")]
    run = subprocess.run(cmd, env={**os.environ, "DESIR_ROOT": str(tmp_path)}, capture_output=True, text=True)
    assert run.returncode == 2, run.stderr[-2000:]
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("[desir] erreur :"), run.stderr
    assert "Traceback" not in run.stderr and "StockUniteLegale_utf8.csv" in lines[0]


def test_pages_and_processed_folders_are_readable_by_others(tmp_path):
    mask = os.umask(0o022)
    try:
        page = tmp_path / "index.html"
        runner.atomic_write_text(page, "<p>x</p>")
        assert stat.S_IMODE(page.stat().st_mode) == 0o644
        import pandas as pd

        folder = store.write_year(tmp_path / "processed", 2023, {"scope": pd.DataFrame({"a": [1]})}, {})
        assert stat.S_IMODE(folder.stat().st_mode) == 0o755
    finally:
        os.umask(mask)
