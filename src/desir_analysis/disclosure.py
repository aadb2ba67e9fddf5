"""Statistical disclosure control of published tables (contract, ARCHITECTURE §5).

``protect(microdata, by, value, unit, margins=True, rules=None)`` aggregates unit-level
rows into a table with every combination of the ``by`` columns and, with
``margins``, every margin: a margin row holds :data:`TOTAL` in the columns summed
over. Each cell gets ``n_units`` (distinct contributing units), ``top_share``
(largest unit's share of the cell value) and ``status``:

- ``primary``: fewer than ``min_units`` units (default 3), or one unit above
  ``dominance`` (default 85 %) of the cell value (INSEE rules for tables by
  place of work; Belgian providers may set others through ``rules``);
- ``secondary``: suppressed so that no primary cell can be recomputed from a
  published margin: in every line (the cells of one ``by`` column plus their
  margin, the other columns fixed), a suppressed cell never stands alone;
  the smallest published cell of the line is suppressed with it;
- ``published`` otherwise.

The unit is the establishment for tables by place of work, the enterprise for
enterprise tables. A later issue adds the linear-algebra audit, cross-table
consistency and complement exposure; until then every study table passes here.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

TOTAL = "Total"


@dataclass(frozen=True)
class Rules:
    """Primary suppression rules."""

    min_units: int = 3
    dominance: float = 0.85


def _cells(micro: pd.DataFrame, by: list[str], value: str, unit: str, margins: bool) -> pd.DataFrame:
    per_unit = micro.groupby(by + [unit], dropna=False, observed=True)[value].sum().reset_index()
    levels = [by] if not margins else [list(c) for r in range(len(by), -1, -1) for c in combinations(by, r)]
    out = []
    for kept in levels:
        # contributions of each unit within the cell (a unit may appear in several detailed cells)
        u = (
            per_unit.groupby(kept + [unit], dropna=False, observed=True)[value].sum().reset_index()
            if kept
            else per_unit.groupby([unit])[value].sum().reset_index()
        )
        g = u.groupby(kept, dropna=False, observed=True) if kept else u.assign(_all=1).groupby("_all")
        agg = g[value].agg(["sum", "max"]).reset_index()
        agg["n_units"] = g[unit].nunique().to_numpy()
        if not kept:
            agg = agg.drop(columns="_all")
        for c in by:
            if c not in kept:
                agg[c] = TOTAL
        out.append(agg)
    t = pd.concat(out, ignore_index=True)
    t[by] = t[by].astype("string")
    t = t.rename(columns={"sum": value})
    with np.errstate(divide="ignore", invalid="ignore"):
        t["top_share"] = np.where(t[value] > 0, t["max"] / t[value], np.nan)
    return t.drop(columns="max")


def protect(
    microdata: pd.DataFrame,
    by: list[str],
    value: str,
    unit: str,
    margins: bool = True,
    rules: Rules | None = None,
) -> pd.DataFrame:
    """Aggregate and protect a table; see the module docstring for the rules.

    Args:
        microdata: one row per unit (or unit × detail) with ``by``, ``value``, ``unit``.
        by: breakdown columns.
        value: measure to sum (must be >= 0 and not missing).
        unit: identifier of the contributing unit (establishment or enterprise).
        margins: add every margin (rows with ``TOTAL`` in summed columns).
        rules: primary rules (default INSEE: 3 units, 85 % dominance).

    Returns:
        The ``by`` columns, ``value``, ``n_units``, ``top_share``, ``status``.
    """
    rules = rules or Rules()
    missing = [c for c in [*by, value, unit] if c not in microdata.columns]
    if missing:
        raise KeyError(f"protect: missing column(s) {missing}")
    v = microdata[value]
    if v.isna().any():
        raise ValueError(f"protect: {int(v.isna().sum())} missing value(s) in {value!r}")
    if (v < 0).any():
        raise ValueError(f"protect: negative value(s) in {value!r}")
    t = _cells(microdata, list(by), value, unit, margins)
    primary = (t["n_units"] < rules.min_units) | (t["top_share"] > rules.dominance)
    t["status"] = np.where(primary, "primary", "published")
    if margins:
        t = _secondary(t, list(by), value)
    return t.sort_values(list(by), ignore_index=True)


def _secondary(t: pd.DataFrame, by: list[str], value: str) -> pd.DataFrame:
    """Hypercube-style secondary suppression: no line holds exactly one suppressed cell."""
    status = t["status"].to_numpy().copy()
    vals = t[value].to_numpy(dtype=float)
    keys = t[by].to_numpy(dtype=object)
    changed = True
    while changed:
        changed = False
        for j, _ in enumerate(by):
            others = [i for i in range(len(by)) if i != j]
            line_key = pd.Series([tuple(r[others]) for r in keys]) if others else pd.Series([()] * len(keys))
            for _, idx in line_key.groupby(line_key).groups.items():
                idx = np.asarray(idx)
                if len(idx) < 2:
                    continue
                supp = status[idx] != "published"
                if supp.sum() == 1:
                    cand = idx[~supp]
                    is_margin = keys[cand, j] == TOTAL
                    pool = cand[~is_margin] if (~is_margin).any() else cand
                    pick = pool[np.argmin(vals[pool])]
                    status[pick] = "secondary"
                    changed = True
    t = t.copy()
    t["status"] = status
    return t


def blank_suppressed(table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Empty the given value columns where ``status`` is not ``published`` (for publication)."""
    out = table.copy()
    mask = out["status"].ne("published")
    for c in columns:
        out[c] = out[c].astype("Float64").mask(mask)
    return out
