"""Reconciliation helpers: published tables add up, match the processed tables, and trace to rows.

- :func:`parts_add_up`: in a table with margins, every margin equals the sum of its
  detail cells (e.g. families add up to the total), checked on the published values;
- :func:`total_matches`: a table's grand total equals the processed table's total;
- :func:`trace`: the processed rows summed into one cell of a table (to check any
  published figure by hand).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from desir_analysis.analysis.disclosure import TOTAL


def parts_add_up(table: pd.DataFrame, by: list[str], value: str, tolerance: float = 1e-6) -> pd.DataFrame:
    """Lines whose margin differs from the sum of its details (empty frame = everything adds up).

    Only lines where every cell is known are checked (suppressed cells are NaN).
    Returns: the dimension, the fixed values of the other dimensions, margin, sum, gap.
    """
    rows = []
    keys = table[by].astype("string")
    for dim in by:
        others = [c for c in by if c != dim]
        line = pd.Series(
            list(keys[others].itertuples(index=False, name=None)) if others else [()] * len(table), index=table.index
        )
        for fixed, grp in table.groupby(line, sort=False):
            g = grp
            margin = g.loc[g[dim].astype("string") == TOTAL, value]
            details = g.loc[g[dim].astype("string") != TOTAL, value]
            if len(margin) != 1 or details.isna().any() or margin.isna().any() or details.empty:
                continue
            gap = float(margin.iloc[0]) - float(details.sum())
            if abs(gap) > tolerance * max(1.0, abs(float(margin.iloc[0]))):
                rows.append(
                    {
                        "dimension": dim,
                        "fixed": fixed,
                        "margin": float(margin.iloc[0]),
                        "sum_of_details": float(details.sum()),
                        "gap": gap,
                    }
                )
    return pd.DataFrame(rows, columns=["dimension", "fixed", "margin", "sum_of_details", "gap"])


def total_matches(
    table: pd.DataFrame, by: list[str], value: str, processed: pd.DataFrame, processed_value: str | None = None
) -> bool:
    """Whether the grand-total cell (all ``by`` at TOTAL) equals the sum of the processed rows."""
    grand = table[(table[by].astype("string") == TOTAL).all(axis=1)][value]
    if len(grand) != 1:
        raise ValueError("total_matches: the table has no single grand-total row")
    expected = float(processed[processed_value or value].sum())
    return bool(np.isclose(float(grand.iloc[0]), expected, rtol=1e-9, atol=1e-6))


def trace(rows: pd.DataFrame, cell: dict[str, object]) -> pd.DataFrame:
    """The rows of ``rows`` that make up one table cell (``{column: value}``; TOTAL = any value)."""
    mask = pd.Series(True, index=rows.index)
    for col, val in cell.items():
        if val != TOTAL:
            mask &= rows[col].eq(val)
    return rows[mask]
