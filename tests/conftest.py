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
