"""Statistical disclosure control of published tables (contract, ARCHITECTURE §5).

``protect(microdata, by, value, unit, margins=True, rules=None)`` aggregates unit-level
rows into a table with every combination of the ``by`` columns and, with
``margins``, every margin: a margin row holds :data:`TOTAL` in the columns summed
over. Each cell gets ``n_units`` (distinct units: establishments), ``n_contributors``
(distinct contributors: the enterprises those units belong to, ``rules.contributor``,
``enterprise_id``; a unit without one is its own contributor), ``top_share`` (the largest
*contributor's* share of the cell value), ``support`` (which units the cell holds, as a hash:
two cells holding the same units are equal) and ``status``:

- ``primary``: fewer than ``min_units`` contributors (default 3), or one contributor
  above ``dominance`` (default 85 %) of the cell value (INSEE rules for tables by place
  of work; Belgian providers may set others through ``rules``). Three establishments of
  one enterprise are one contributor: the enterprise would recognise itself;
- ``secondary``: suppressed so that no suppressed cell can be recovered from the published
  ones, exactly or within ± ``rules.interval`` (15 %): in every line (the cells of one ``by``
  column plus their margin, the other columns fixed) a suppressed cell never stands alone, and
  the feasible interval of each suppressed cell (linear programming over the table's relations,
  :mod:`desir_analysis.analysis.intervals`) is wide enough;
- ``published`` otherwise.

The unit is the establishment for tables by place of work, the enterprise for
enterprise tables. :func:`audit` proves a table safe (exact recovery by linear algebra,
intervals by linear programming); :func:`consistent` and :func:`audit_joint`
(:mod:`desir_analysis.analysis.joint`) do the same for every table of a year together;
:func:`protect_share` makes the complement of a published share (e.g. the non-ESS part) a
protected cell; :func:`over_suppression` compares the result with the naive rule (suppress
every row or column holding a primary cell).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from desir_analysis.analysis import joint
from desir_analysis.analysis import suppression as sp
from desir_analysis.analysis.joint import HIERARCHIES, Layout, audit_joint, consistent
from desir_analysis.analysis.suppression import CONTRIB, TOTAL, Rules

#: A measure the sources lack, or a year they do not cover (never a zero nor a secret).
NOT_AVAILABLE = "non disponible"

__all__ = [
    "HIERARCHIES",
    "TOTAL",
    "Layout",
    "Rules",
    "audit",
    "audit_joint",
    "blank_suppressed",
    "combine_status",
    "consistent",
    "naive_suppression",
    "over_suppression",
    "table_columns",
    "protect",
    "protect_share",
]


def protect(
    microdata: pd.DataFrame,
    by: list[str],
    value: str,
    unit: str,
    margins: bool = True,
    rules: Rules | None = None,
    final: bool = True,
) -> pd.DataFrame:
    """Aggregate and protect a table; see the module docstring for the rules.

    Args:
        microdata: one row per unit (or unit × detail) with ``by``, ``value``, ``unit``.
        by: breakdown columns.
        value: measure to sum (must be >= 0 and not missing).
        unit: identifier of the contributing unit (establishment or enterprise).
        margins: add every margin (rows with ``TOTAL`` in summed columns).
        rules: primary rules and protection interval (default INSEE: 3 contributors, 85 %; ±15 %).
        final: check the feasible intervals of the table alone; ``False`` when the caller protects the
            table with others (:func:`consistent` checks them all together).

    Returns:
        The ``by`` columns, ``value``, ``n_units``, ``n_contributors``, ``top_share``, ``support``, ``status``.
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
    micro = microdata.assign(**{CONTRIB: sp.contributors(microdata, unit, rules.contributor)})
    t = sp.table_cells(micro, list(by), value, unit, margins)
    t["status"] = np.where(sp.primary(t, rules), "primary", "published")
    if margins:
        t = sp.secondary(t.reset_index(drop=True), list(by), value, interval=rules.interval)
        t = sp.fix_exposed(t, list(by), value)
        if final:
            t = consistent([t], rules=rules)[0]
    return t.sort_values(list(by), ignore_index=True)


def table_columns(table: pd.DataFrame) -> tuple[list[str], str]:
    """The ``by`` columns and the value column of a table made by :func:`protect`."""
    return sp.infer(table)


def audit(table: pd.DataFrame, p: float = 0.15) -> pd.DataFrame:
    """Which suppressed cells of one table can be recovered exactly or within ± ``p``.

    With the additive relations of the table (each margin equals the sum of its detail
    cells, along every dimension) and the published values known, a suppressed cell is
    exposed when its unit vector lies in the row space of the relations restricted to
    the suppressed cells; when none is, the feasible interval of each suppressed cell is
    computed by linear programming (:func:`joint.narrow`). Returns the recoverable cells
    (by columns, value, status); an empty frame proves the table safe.
    """
    by, value = sp.infer(table)
    t = table.reset_index(drop=True)
    if not (t["status"].to_numpy() != "published").any():
        return t.iloc[[]][[*by, value, "status"]]
    s = joint.structure([t], [{}])
    rows = joint.exposed_exactly(s, [t]) or [g for g, *_ in joint.narrow(s, [t], p)]
    return t.iloc[sorted(rows)][[*by, value, "status"]].reset_index(drop=True)


def naive_suppression(table: pd.DataFrame) -> pd.DataFrame:
    """The naive rule: every cell of any line (row, column…) holding a primary cell is suppressed."""
    by, _ = sp.infer(table)
    t = table.reset_index(drop=True)
    status = np.where(t["status"].eq("primary"), "primary", "published").astype(object)
    keys = t[by].to_numpy(dtype=object)
    prim = t["status"].eq("primary").to_numpy()
    for j in range(len(by)):
        others = [i for i in range(len(by)) if i != j]
        line = pd.Series([tuple(r[others]) for r in keys]) if others else pd.Series([()] * len(keys))
        for _, idx in line.groupby(line).groups.items():
            idx = np.asarray(idx)
            if prim[idx].any():
                status[idx[~prim[idx]]] = "secondary"
    return t.assign(status=status)


def over_suppression(table: pd.DataFrame) -> pd.DataFrame:
    """Suppressed cells and value of this table against the naive rule (rows: method = protect | naive)."""
    by, value = sp.infer(table)
    rows = []
    for method, t in (("protect", table), ("naive", naive_suppression(table))):
        detail = ~(t[by] == TOTAL).any(axis=1)
        hid = t["status"].ne("published")
        rows.append(
            {
                "method": method,
                "cells": len(t),
                "suppressed": int(hid.sum()),
                "secondary": int(t["status"].eq("secondary").sum()),
                "share_suppressed": float(hid.mean()) if len(t) else np.nan,
                "value_suppressed_share": float(t.loc[hid & detail, value].sum() / t.loc[detail, value].sum())
                if t.loc[detail, value].sum() > 0
                else np.nan,
            }
        )
    return pd.DataFrame(rows)


def protect_share(
    microdata: pd.DataFrame,
    by: list[str],
    in_numerator: str,
    value: str,
    unit: str,
    rules: Rules | None = None,
    labels: tuple[str, str] = ("ESS", "Hors ESS"),
) -> pd.DataFrame:
    """Protect a share published with its numerator and total: the complement is a cell too.

    Adds the dimension ``champ`` (numerator / complement) so that the complement
    (total − numerator, e.g. the non-ESS part) is subject to the primary rules and the
    secondary suppression like any published cell.
    """
    m = microdata.assign(champ=np.where(microdata[in_numerator].astype(bool), labels[0], labels[1]))
    return protect(m, [*by, "champ"], value, unit, margins=True, rules=rules)


def combine_status(statuses: pd.DataFrame) -> pd.Series:
    """One status per row from several cells' statuses (e.g. a published row built from many cells).

    ``primary`` if any cell is primary, else ``secondary`` if any is suppressed, else
    ``published``; a missing cell (no data) counts as published.
    """
    s = statuses.fillna("published")
    out = np.where(
        s.eq("primary").any(axis=1), "primary", np.where(s.ne("published").any(axis=1), "secondary", "published")
    )
    return pd.Series(out, index=statuses.index)


def blank_suppressed(table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Empty the given value columns where ``status`` is not ``published`` (for publication)."""
    out = table.copy()
    mask = out["status"].ne("published")
    for c in columns:
        out[c] = out[c].astype("Float64").mask(mask)
    return out
