"""Shared fixtures. ``shared`` gives ../shared/data (the official lists) or skips with a reason."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip(
            f"official lists not available: {SHARED} does not exist (tests of reference tables against them skipped)"
        )
    return SHARED


def read_shared(shared: Path, rel: str) -> pd.DataFrame:
    return pd.read_csv(shared / rel, dtype=str, keep_default_na=False)


@pytest.fixture(scope="session")
def demo_raw(tmp_path_factory):
    """Small demo raw folder (1 % scale), generated once per session."""
    from desir_analysis import demo

    root = tmp_path_factory.mktemp("raw")
    demo.generate(root / "demo", scale=0.01, rest_fraction=1 / 500)
    return root / "demo"


@pytest.fixture(scope="session")
def demo_processed(demo_raw, tmp_path_factory):
    """Processed tables (2015, 2020 and 2023, employment mode) built from the small demo.

    2015 is CLAP's, 2020 and 2023 Flores' and after the Belgian companies code: the evolutions of
    the studies run from 2020 (reference/breaks.csv).
    """
    from desir_analysis import build

    out = tmp_path_factory.mktemp("processed")
    result = build.build([2015, 2020, 2023], raw_dir=demo_raw, out_dir=out)
    return out, result


def edition_in(root: Path, zone: str = "desir", perimeter: str = "core_crossborder", year: int = 2023):
    """An edition whose published and working folders are under ``root`` (``root/r``, ``root/w``)."""
    from desir_analysis.publish.edition import Edition

    return Edition(year, zone, perimeter, "employment", reports_root=root / "r", work_root=root / "w")


def digests(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder``, by relative path (byte-identity and never-modified checks)."""
    import hashlib

    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file()
    }


def chromium() -> str:
    """The headless browser's path; a missing one skips the test, or fails it when ``CI`` is set.

    Browser tests run in CI (``.ci/run`` installs the Debian package and sets ``CI``): there a missing
    Chromium must turn the suite red, not skip silently.
    """
    import os
    import shutil

    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if found is None:
        why = "headless Chromium not installed (Debian: `apt-get install chromium`; .ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(f"{why}; CI is set: the browser tests must run")
        pytest.skip(why)
    return found
