"""What the demo generators share: the notice every output carries, the years, the constants."""

from __future__ import annotations

from importlib import resources

import pandas as pd

from desir_analysis.config import DEMO_NOTICE

__all__ = ["DEMO_NOTICE", "SNAPSHOT", "YEARS", "constants"]

YEARS = list(range(2015, 2024))
SNAPSHOT = "2024-01-01"  # the Sirene stocks are a snapshot of 1 January 2024
#: Columns of the constants read as text (codes keep their leading zeros).
CODE_COLUMNS = (
    "code",
    "departement",
    "chef_lieu",
    "refnis",
    "arrondissement",
    "nuts3",
)


def constants(name: str) -> pd.DataFrame:
    """A calibration table shipped in ``demo/constants/`` (codes read as strings)."""
    with resources.files("desir_analysis.demo").joinpath("constants", name).open(encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype={c: str for c in CODE_COLUMNS})
