"""Statistical disclosure control of published tables (contract, ARCHITECTURE §5).

``protect(microdata, by, value, unit, margins=True, rules=None)`` aggregates unit-level
rows into a table with every combination of the ``by`` columns and, with
``margins``, every margin: a margin row holds :data:`TOTAL` in the columns summed
over. Each cell gets ``n_units`` (distinct units: establishments), ``n_contributors``
(distinct contributors: the enterprises those units belong to, ``rules.contributor``,
``enterprise_id``; a unit without one is its own contributor), ``top_share`` (the largest
*contributor's* share of the cell value) and ``status``:

- ``primary``: fewer than ``min_units`` contributors (default 3), or one contributor
  above ``dominance`` (default 85 %) of the cell value (INSEE rules for tables by place
  of work; Belgian providers may set others through ``rules``). Three establishments of
  one enterprise are one contributor: the enterprise would recognise itself;
- ``secondary``: suppressed so that no primary cell can be recomputed from a
  published margin: in every line (the cells of one ``by`` column plus their
  margin, the other columns fixed), a suppressed cell never stands alone;
  the smallest published cell of the line is suppressed with it;
- ``published`` otherwise.

The unit is the establishment for tables by place of work, the enterprise for
enterprise tables. :func:`audit` proves that no suppressed cell can be recomputed
exactly (linear algebra on the table's additive relations; :func:`protect` runs it
and suppresses more cells until it passes). :func:`consistent` gives a cell the
same status in every table of a study; :func:`protect_share` makes the complement
of a published share (e.g. the non-ESS part) a protected cell; :func:`over_suppression`
compares the result with the naive rule (suppress every row or column holding a
primary cell).
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
    #: the column naming each unit's contributor (its enterprise); absent: each unit contributes alone
    contributor: str = "enterprise_id"


CONTRIB = "_contributor"


def _cells(micro: pd.DataFrame, by: list[str], value: str, unit: str, margins: bool) -> pd.DataFrame:
    """Cells (and margins) with the value, the units, the contributors and the largest contributor's share.

    ``micro`` holds :data:`CONTRIB` (each row's contributor).
    """
    per_unit = micro.groupby(by + [unit, CONTRIB], dropna=False, observed=True)[value].sum().reset_index()
    levels = [by] if not margins else [list(c) for r in range(len(by), -1, -1) for c in combinations(by, r)]
    out = []
    for kept in levels:
        # contributions of each contributor within the cell (a unit may appear in several detailed cells)
        u = per_unit.groupby(kept + [CONTRIB], dropna=False, observed=True)[value].sum().reset_index()
        units = per_unit[kept + [unit]].drop_duplicates() if kept else per_unit[[unit]].drop_duplicates()
        g = u.groupby(kept, dropna=False, observed=True) if kept else u.assign(_all=1).groupby("_all")
        agg = g[value].agg(["sum", "max"]).reset_index()
        agg["n_contributors"] = g[CONTRIB].nunique().to_numpy()
        if kept:
            nu = units.groupby(kept, dropna=False, observed=True)[unit].nunique().reset_index(name="n_units")
            agg = agg.merge(nu, on=kept, how="left")
        else:
            agg["n_units"] = units[unit].nunique()
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
    return t[[*by, value, "n_units", "n_contributors", "top_share"]]


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
        The ``by`` columns, ``value``, ``n_units``, ``n_contributors``, ``top_share``, ``status``.
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
    micro = microdata.assign(**{CONTRIB: _contributors(microdata, unit, rules.contributor)})
    t = _cells(micro, list(by), value, unit, margins)
    primary = (t["n_contributors"] < rules.min_units) | (t["top_share"] > rules.dominance)
    t["status"] = np.where(primary, "primary", "published")
    if margins:
        t = _fix_exposed(_secondary(t.reset_index(drop=True), list(by), value), list(by), value)
    return t.sort_values(list(by), ignore_index=True)


def _contributors(micro: pd.DataFrame, unit: str, contributor: str) -> pd.Series:
    """Each row's contributor: its ``contributor`` column (the enterprise), else the unit itself."""
    own = micro[unit].astype("string")
    if contributor not in micro.columns or contributor == unit:
        return own
    c = micro[contributor].astype("string").str.strip()
    return c.where(c.notna() & c.ne(""), "unit:" + own)


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


def _infer(table: pd.DataFrame) -> tuple[list[str], str]:
    cols = list(table.columns)
    if "n_units" not in cols:
        raise KeyError("expected a table made by protect() (columns: by…, value, n_units, top_share, status)")
    i = cols.index("n_units")
    return cols[: i - 1], cols[i - 1]


def _equations(t: pd.DataFrame, by: list[str]) -> list[tuple[int, np.ndarray]]:
    """Additive relations of the table: (margin row, detail rows) for every line of every dimension."""
    keys = t[by].to_numpy(dtype=object)
    eqs = []
    for j in range(len(by)):
        others = [i for i in range(len(by)) if i != j]
        line = pd.Series([tuple(r[others]) for r in keys]) if others else pd.Series([()] * len(keys))
        for _, idx in line.groupby(line).groups.items():
            idx = np.asarray(idx)
            margin = idx[keys[idx, j] == TOTAL]
            details = idx[keys[idx, j] != TOTAL]
            if len(margin) == 1 and len(details):
                eqs.append((int(margin[0]), details))
    return eqs


def _exposed(t: pd.DataFrame, by: list[str]) -> np.ndarray:
    """Rows of suppressed cells whose value follows exactly from the published ones (rank test)."""
    suppressed = np.flatnonzero(t["status"].to_numpy() != "published")
    if len(suppressed) == 0:
        return suppressed
    rows = _on_unknowns(_relations(_equations(t, by)), list(suppressed))
    return suppressed[_determined(rows, len(suppressed))].astype(int)


def _relations(equations: list[tuple[int, np.ndarray]], ids: list[int] | None = None) -> list[dict[int, float]]:
    """Each additive relation as {cell: coefficient} (margin +1, details −1), cells renamed by ``ids``."""
    out = []
    for margin, details in equations:
        rel: dict[int, float] = {}
        for r, c in [(margin, 1.0), *[(d, -1.0) for d in details]]:
            g = int(r) if ids is None else ids[r]
            rel[g] = rel.get(g, 0.0) + c
        out.append(rel)
    return out


def _on_unknowns(relations: list[dict[int, float]], unknown: list[int]) -> list[np.ndarray]:
    """The relations' coefficients on the unknown cells (relations without an unknown are dropped)."""
    pos = {g: k for k, g in enumerate(unknown)}
    rows = []
    for rel in relations:
        coef = np.zeros(len(unknown))
        for g, c in rel.items():
            if g in pos:
                coef[pos[g]] += c
        if coef.any():
            rows.append(coef)
    return rows


def _determined(rows: list[np.ndarray], n: int) -> np.ndarray:
    """Which of ``n`` unknowns are fixed by linear relations (coefficients on the unknowns only).

    An unknown is determined when its unit vector lies in the row space of the
    relations, i.e. when every vector of their null space is 0 on it (one SVD).
    """
    if not rows:
        return np.zeros(n, dtype=bool)  # no relation involves a hidden cell: nothing to recompute it from
    a = np.vstack(rows)
    _, sing, vt = np.linalg.svd(a, full_matrices=True)
    tol = max(a.shape) * np.finfo(float).eps * (sing[0] if len(sing) else 0.0)
    rank = int((sing > tol).sum())
    null = vt[rank:]  # rows span the null space
    if len(null) == 0:
        return np.ones(n, dtype=bool)
    return np.sqrt((null**2).sum(axis=0)) < 1e-9


@dataclass
class _Joint:
    """Cells of several tables identified across tables, their relations and what is exposed."""

    keys: list[tuple]
    values: np.ndarray
    relations: list[dict[int, float]]
    masked: set[int]
    exposed: list[int]


def _joint(tables: list[pd.DataFrame], scopes: list[dict]) -> _Joint:
    ids: dict[tuple, int] = {}
    values: dict[int, float] = {}
    masked: set[int] = set()
    published: set[int] = set()
    relations: list[dict[int, float]] = []
    for t, scope in zip(tables, scopes, strict=True):
        t = t.reset_index(drop=True)
        by, value = _infer(t)
        gid = [ids.setdefault(k, len(ids)) for k in _cell_keys(t, by, value, scope)]
        for g, s, v in zip(gid, t["status"], t[value].to_numpy(dtype=float), strict=True):
            (published if s == "published" else masked).add(g)
            values[g] = v
        relations += _relations(_equations(t, by), gid)
    relations += _hierarchy_relations(ids)
    unknown = sorted(masked - published)
    rows = _on_unknowns(relations, unknown)
    # a cell masked in one table but published in another is exposed outright
    exposed = sorted(masked & published) + [unknown[k] for k in np.flatnonzero(_determined(rows, len(unknown)))]
    keys = [k for k, _ in sorted(ids.items(), key=lambda kv: kv[1])]
    return _Joint(keys, np.array([values[g] for g in range(len(keys))]), relations, masked, exposed)


def audit(table: pd.DataFrame) -> pd.DataFrame:
    """Which suppressed cells can be recomputed exactly from the published cells and margins.

    Linear-algebra check: with the additive relations of the table (each margin equals
    the sum of its detail cells, along every dimension) and the published values
    known, a suppressed cell is exposed when its unit vector lies in the row space of
    the relations restricted to the suppressed cells. Returns the exposed cells (by
    columns, value, status); an empty frame proves the table safe against exact
    recovery (interval disclosure is not assessed).
    """
    by, value = _infer(table)
    t = table.reset_index(drop=True)
    hidden = t["status"].to_numpy() != "published"
    exposed = _exposed(t, by) if hidden.any() else np.array([], dtype=int)
    return t.iloc[exposed][[*by, value, "status"]].reset_index(drop=True)


def audit_joint(tables: list[pd.DataFrame], scopes: list[dict] | None = None) -> pd.DataFrame:
    """Suppressed cells recomputable from the published cells of several tables together.

    The cells of all the tables are identified as in :func:`consistent` (value column,
    non-total breakdown values, table scope) and every additive relation of every table
    is used at once: a cell masked in one table but published in another, or recoverable
    only by combining two tables' relations, is exposed. Returns the exposed cells
    (measure and key); empty proves the set of tables safe against exact recovery.
    """
    j = _joint(tables, scopes or [{} for _ in tables])
    return pd.DataFrame(
        {"measure": [j.keys[g][0] for g in j.exposed], "cell": [dict(sorted(j.keys[g][1])) for g in j.exposed]}
    )


def _joint_candidate(j: _Joint) -> int | None:
    """A published cell whose suppression works against the first exposed cell (smallest value first)."""
    target = j.exposed[0]
    near = [rel for rel in j.relations if target in rel]
    for pool in (near, [rel for rel in j.relations if any(g in j.masked for g in rel)]):
        cands = sorted({g for rel in pool for g in rel if g not in j.masked}, key=lambda g: (j.values[g], g))
        if cands:
            return cands[0]
    return None


def _fix_exposed(t: pd.DataFrame, by: list[str], value: str) -> pd.DataFrame:
    """Suppress more cells until the audit finds no exposed cell."""
    for _ in range(len(t)):
        exposed = _exposed(t, by)
        if len(exposed) == 0:
            return t
        status = t["status"].to_numpy().copy()
        vals = t[value].to_numpy(dtype=float)
        target = int(exposed[0])
        best = None
        for margin, details in _equations(t, by):
            cells = np.append(details, margin)
            if target not in cells:
                continue
            free = [c for c in details if status[c] == "published"] or [c for c in cells if status[c] == "published"]
            if free:
                pick = min(free, key=lambda c: vals[c])
                if best is None or vals[pick] < vals[best]:
                    best = pick
        if best is None:  # every cell of the target's own lines is hidden: it is exposed through other lines
            best = _widen(t, by, value, target)
        if best is None:
            raise RuntimeError(f"protect: cell {t.iloc[target][by].tolist()} stays recomputable")
        status[best] = "secondary"
        t = _secondary(t.assign(status=status), by, value)
    if len(_exposed(t, by)):
        raise RuntimeError("protect: secondary suppression did not converge")
    return t


def _widen(t: pd.DataFrame, by: list[str], value: str, target: int) -> int | None:
    """A published cell to suppress so that ``target`` is no longer recomputable.

    Candidates are the published cells of every line that holds a hidden cell, tried
    from the smallest value; the first one that protects ``target`` is returned, else
    the smallest (the caller loops until the audit passes).
    """
    status = t["status"].to_numpy()
    vals = t[value].to_numpy(dtype=float)
    cands: set[int] = set()
    for margin, details in _equations(t, by):
        cells = np.append(details, margin)
        if (status[cells] != "published").any():
            cands |= {int(c) for c in cells if status[c] == "published"}
    ordered = sorted(cands, key=lambda c: (vals[c], c))
    for c in ordered:
        trial = _secondary(t.assign(status=np.where(np.arange(len(t)) == c, "secondary", status)), by, value)
        if target not in set(_exposed(trial, by)):
            return c
    return ordered[0] if ordered else None


def naive_suppression(table: pd.DataFrame) -> pd.DataFrame:
    """The naive rule: every cell of any line (row, column…) holding a primary cell is suppressed."""
    by, _ = _infer(table)
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
    by, value = _infer(table)
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


#: Hierarchies of the published breakdowns: a child column, its parent column and how a child value names
#: its parent. A territory (NUTS 3 code) belongs to its country (the code's first two letters): the zone's
#: French cells are the sum of its French territories, in every table, whether the table shows the country
#: or not.
HIERARCHIES: tuple[tuple[str, str, object], ...] = (("nuts3", "country", lambda code: str(code)[:2]),)


def _with_parents(cell: frozenset) -> frozenset:
    """A cell's key with the parents its children name (``nuts3=FRE11`` implies ``country=FR``)."""
    named = dict(cell)
    extra = {parent: of(named[child]) for child, parent, of in HIERARCHIES if child in named and parent not in named}
    return cell | frozenset(extra.items()) if extra else cell


def _cell_keys(t: pd.DataFrame, by: list[str], value: str, scope: dict | None = None) -> list[tuple]:
    keys = t[by].to_numpy(dtype=object)
    fixed = frozenset((scope or {}).items())
    return [
        (value, _with_parents(fixed | frozenset((c, v) for c, v in zip(by, row, strict=True) if v != TOTAL)))
        for row in keys
    ]


def _hierarchy_relations(ids: dict[tuple, int]) -> list[dict[int, float]]:
    """``parent cell = Σ its children`` for every hierarchy, between cells that some table publishes or masks.

    E.g. the zone's French cooperatives (a country × family cell) equal the sum of the French territories'
    cooperatives (territory × family cells), even when no single table holds both: without this relation an
    audit table by table, or one that only matches identical cells, misses the difference that recovers a
    masked territory. A child absent from every table is a true zero (no establishment).
    """
    out = []
    for child, _parent, _ in HIERARCHIES:
        groups: dict[tuple, list[int]] = {}
        for (value, cell), g in ids.items():
            named = dict(cell)
            if child in named:
                groups.setdefault((value, cell - {(child, named[child])}), []).append(g)
        for key, children in groups.items():
            if key in ids and len(children):
                rel = {ids[key]: 1.0}
                for g in children:
                    rel[g] = rel.get(g, 0.0) - 1.0
                out.append(rel)
    return out


def consistent(tables: list[pd.DataFrame], scopes: list[dict] | None = None) -> list[pd.DataFrame]:
    """Give every cell one status across the tables of a study.

    A cell is identified by its value column, its non-total breakdown values and the
    table's ``scope``: what the whole table is restricted to (e.g. ``{"champ": "ESS",
    "year": 2023}`` for a table of ESS establishments in 2023; a table of every
    establishment then shares its ``champ = ESS`` cells with it). Tables with the same
    scope must come from the same microdata. A cell suppressed in one table is
    suppressed in all; secondary suppression and the audit are re-run until no table
    changes.
    """
    out = [t.reset_index(drop=True) for t in tables]
    scopes = scopes or [{} for _ in out]
    if len(scopes) != len(out):
        raise ValueError("consistent: one scope per table")
    for _ in range(10 * sum(len(t) for t in out) + 50):
        hidden = set()
        for t, scope in zip(out, scopes, strict=True):
            by, value = _infer(t)
            keys = _cell_keys(t, by, value, scope)
            hidden |= {k for k, s in zip(keys, t["status"], strict=True) if s != "published"}
        changed = False
        for i, t in enumerate(out):
            by, value = _infer(t)
            keys = _cell_keys(t, by, value, scopes[i])
            must = np.array([k in hidden for k in keys]) & t["status"].eq("published").to_numpy()
            if must.any():
                t = t.assign(status=np.where(must, "secondary", t["status"]))
                out[i] = _fix_exposed(_secondary(t, by, value), by, value)
                changed = True
        if changed:
            continue
        # each table is safe and the statuses agree: check the tables together
        j = _joint(out, scopes)
        if not j.exposed:
            return out
        pick = _joint_candidate(j)
        if pick is None:
            raise RuntimeError(f"consistent: cell {j.keys[j.exposed[0]]} stays recomputable")
        key = j.keys[pick]
        for i, t in enumerate(out):
            by, value = _infer(t)
            hit = np.array([k == key for k in _cell_keys(t, by, value, scopes[i])])
            if hit.any():
                out[i] = _fix_exposed(
                    _secondary(t.assign(status=np.where(hit, "secondary", t["status"])), by, value), by, value
                )
    raise RuntimeError("consistent: statuses did not converge")


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
