"""Indicators: pure functions, tidy DataFrame in -> tidy DataFrame out.

This first set covers what the diagnostic needs now (counts, jobs, ESS shares of
total and private employment); the indicators issue extends it (density, job
quality, growth, location quotients, shift-share).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from desir_analysis import perimeters


def flag_perimeter(establishments: pd.DataFrame, perimeter: str) -> pd.DataFrame:
    """Add ``in_ess`` (bool) for a named perimeter."""
    return establishments.assign(in_ess=perimeters.in_perimeter(establishments, perimeter))


def ess_share(establishments: pd.DataFrame, perimeter: str, by: list[str], measure: str = "headcount") -> pd.DataFrame:
    """ESS share of total and of private salaried employment.

    Formulas: ``share_total = ess / total``; ``share_private = ess / private`` with
    ``private = total − jobs of public-sector legal forms`` (``public_sector``).
    Both denominators are returned with the numerator. A zero denominator gives
    NaN (never 0).
    """
    e = flag_perimeter(establishments, perimeter)
    m = e[measure].astype("float64").fillna(0.0)
    parts = pd.DataFrame(
        {
            **{c: e[c] for c in by},
            "ess": m.where(e["in_ess"], 0.0),
            "total": m,
            "private": m.where(~e["public_sector"].fillna(False).astype(bool), 0.0),
        }
    )
    out = (
        parts.groupby(by, dropna=False, observed=True).sum().reset_index()
        if by
        else parts.sum(numeric_only=True).to_frame().T
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        out["share_total"] = np.where(out["total"] > 0, out["ess"] / out["total"], np.nan)
        out["share_private"] = np.where(out["private"] > 0, out["ess"] / out["private"], np.nan)
    return out
