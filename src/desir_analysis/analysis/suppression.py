"""Cell suppression within one table: the cells, the primary rules, the lines and their secondary suppression.

The building blocks of :mod:`desir_analysis.analysis.disclosure` (the contract's API) and of
:mod:`desir_analysis.analysis.joint` (every table of a year protected together). A table made by
:func:`table_cells` holds every combination of its ``by`` columns and, with margins, every margin
(rows with :data:`TOTAL` in the columns summed over). A *line* is the set of cells that differ in one
``by`` column only, with their margin: the margin is the sum of the line's other cells, an *equation*.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd
import scipy.linalg

TOTAL = "Total"
CONTRIB = "_contributor"
SUPPORT = "support"


@dataclass(frozen=True)
class Rules:
    """Primary suppression rules and the protection interval."""

    min_units: int = 3
    dominance: float = 0.85
    #: the column naming each unit's contributor (its enterprise); absent: each unit contributes alone
    contributor: str = "enterprise_id"
    #: a suppressed cell must not be recoverable within ± this share of its value (0.15: ±15 %)
    interval: float = 0.15


def contributors(micro: pd.DataFrame, unit: str, contributor: str) -> pd.Series:
    """Each row's contributor: its ``contributor`` column (the enterprise), else the unit itself."""
    own = micro[unit].astype("string")
    if contributor not in micro.columns or contributor == unit:
        return own
    c = micro[contributor].astype("string").str.strip()
    return c.where(c.notna() & c.ne(""), "unit:" + own)


def _unit_hashes(units: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Two independent 31-bit hashes of each unit identifier (their sums over a cell name its set of units)."""
    h = pd.util.hash_pandas_object(units.astype("string"), index=False).to_numpy(dtype=np.uint64)
    return (h & np.uint64(0x7FFFFFFF)).astype(np.int64), (h >> np.uint64(33)).astype(np.int64)


def table_cells(micro: pd.DataFrame, by: list[str], value: str, unit: str, margins: bool) -> pd.DataFrame:
    """Cells (and margins) with the value, the units, the contributors and the largest contributor's share.

    ``micro`` holds :data:`CONTRIB` (each row's contributor). ``support`` names the cell's set of
    units (two sums of unit hashes): two cells of one measure with the same support hold the same
    establishments, hence the same value, whatever their breakdowns (an identity an attacker can see,
    e.g. a family that is exactly one sector in one country). It is left empty when a unit has several
    rows (a unit split between cells: the same units no longer mean the same value).
    """
    unit_codes, unit_ids = pd.factorize(micro[unit])
    work = pd.DataFrame(
        {
            **{c: pd.Categorical(micro[c]) for c in by},
            unit: unit_codes,
            CONTRIB: pd.factorize(micro[CONTRIB])[0],
            value: micro[value].to_numpy(),
        }
    )
    per_unit = work.groupby(by + [unit, CONTRIB], dropna=False, observed=True)[value].sum().reset_index()
    h1, h2 = _unit_hashes(pd.Series(unit_ids))
    per_unit = per_unit.assign(_h1=h1[per_unit[unit].to_numpy()], _h2=h2[per_unit[unit].to_numpy()])
    levels = [by] if not margins else [list(c) for r in range(len(by), -1, -1) for c in combinations(by, r)]
    out = []
    for kept in levels:
        # contributions of each contributor within the cell (a unit may appear in several detailed cells)
        u = per_unit.groupby(kept + [CONTRIB], dropna=False, observed=True)[value].sum().reset_index()
        units = per_unit[kept + [unit, "_h1", "_h2"]].drop_duplicates(kept + [unit])
        g = u.groupby(kept, dropna=False, observed=True) if kept else u.assign(_all=1).groupby("_all")
        agg = g[value].agg(["sum", "max"]).reset_index()
        agg["n_contributors"] = g[CONTRIB].nunique().to_numpy()
        if kept:
            gu = units.groupby(kept, dropna=False, observed=True)
            nu = gu.agg(n_units=(unit, "nunique"), _h1=("_h1", "sum"), _h2=("_h2", "sum")).reset_index()
            agg = agg.merge(nu, on=kept, how="left")
        else:
            agg = agg.drop(columns="_all").assign(
                n_units=units[unit].nunique(), _h1=units["_h1"].sum(), _h2=units["_h2"].sum()
            )
        for c in by:
            if c not in kept:
                agg[c] = TOTAL
        out.append(agg)
    t = pd.concat(out, ignore_index=True)
    t[by] = t[by].astype("string")
    t = t.rename(columns={"sum": value})
    with np.errstate(divide="ignore", invalid="ignore"):
        t["top_share"] = np.where(t[value] > 0, t["max"] / t[value], np.nan)
    t[SUPPORT] = t["_h1"].astype("int64").map("{:x}".format) + "-" + t["_h2"].astype("int64").map("{:x}".format)
    if not micro[unit].is_unique:
        t[SUPPORT] = pd.NA
    return t[[*by, value, "n_units", "n_contributors", "top_share", SUPPORT]]


def primary(t: pd.DataFrame, rules: Rules) -> np.ndarray:
    """Primary cells: fewer than ``min_units`` contributors, or one contributor above ``dominance``."""
    return ((t["n_contributors"] < rules.min_units) | (t["top_share"] > rules.dominance)).to_numpy()


def infer(table: pd.DataFrame) -> tuple[list[str], str]:
    """The ``by`` columns and the value column of a table made by :func:`table_cells`."""
    cols = list(table.columns)
    if "n_units" not in cols:
        raise KeyError("expected a table made by protect() (columns: by…, value, n_units, top_share, status)")
    i = cols.index("n_units")
    return cols[: i - 1], cols[i - 1]


def lines(t: pd.DataFrame, by: list[str]) -> list[list[np.ndarray]]:
    """For each ``by`` column, the lines along it: row indices of cells equal on every other column."""
    keys = t[by].to_numpy(dtype=object)
    out = []
    for j in range(len(by)):
        others = [i for i in range(len(by)) if i != j]
        line = pd.Series([tuple(r[others]) for r in keys]) if others else pd.Series([()] * len(keys))
        out.append([np.asarray(idx) for idx in line.groupby(line, sort=False).groups.values() if len(idx) >= 2])
    return out


def equations(t: pd.DataFrame, by: list[str], table_lines: list[list[np.ndarray]] | None = None) -> list:
    """Additive relations of the table: (margin row, detail rows) for every line of every dimension."""
    keys = t[by].to_numpy(dtype=object)
    eqs = []
    for j, dim_lines in enumerate(table_lines if table_lines is not None else lines(t, by)):
        for idx in dim_lines:
            margin = idx[keys[idx, j] == TOTAL]
            details = idx[keys[idx, j] != TOTAL]
            if len(margin) == 1 and len(details):
                eqs.append((int(margin[0]), details))
    return eqs


def secondary(
    t: pd.DataFrame,
    by: list[str],
    value: str,
    table_lines: list | None = None,
    interval: float = 0.15,
    keep: np.ndarray | None = None,
    rank: np.ndarray | None = None,
) -> pd.DataFrame:
    """Hypercube-style secondary suppression: no line holds exactly one suppressed cell.

    The partner of a lone suppressed cell is a published detail of its line: the smallest one worth
    at least ``interval`` × the suppressed value (so that the partner alone leaves the suppressed cell
    an interval of ± ``interval``), else the largest detail; a margin only when the line has no detail.
    Rows flagged in ``keep`` (cells an earlier edition printed) are chosen only when nothing else is left.
    ``rank``: the values that choose the partners, when not the table's own (tables printed side by side —
    establishments and jobs — choose by the jobs, so that they choose alike).
    """
    status = t["status"].to_numpy().copy()
    vals = t[value].to_numpy(dtype=float) if rank is None else rank
    keys = t[by].to_numpy(dtype=object)
    table_lines = table_lines if table_lines is not None else lines(t, by)
    changed = True
    while changed:
        changed = False
        for j, dim_lines in enumerate(table_lines):
            for idx in dim_lines:
                supp = status[idx] != "published"
                if supp.sum() != 1:
                    continue
                cand = idx[~supp]
                is_margin = keys[cand, j] == TOTAL
                pool = cand[~is_margin] if (~is_margin).any() else cand
                if keep is not None and (~keep[pool]).any():
                    pool = pool[~keep[pool]]
                need = interval * vals[idx[supp][0]]
                enough = pool[vals[pool] >= need]
                pick = enough[np.argmin(vals[enough])] if len(enough) else pool[np.argmax(vals[pool])]
                status[pick] = "secondary"
                changed = True
    t = t.copy()
    t["status"] = status
    return t


def relations(eqs: list[tuple[int, np.ndarray]], ids: list[int] | None = None) -> list[dict[int, float]]:
    """Each additive relation as {cell: coefficient} (margin +1, details −1), cells renamed by ``ids``."""
    out = []
    for margin, details in eqs:
        rel: dict[int, float] = {}
        for r, c in [(margin, 1.0), *[(d, -1.0) for d in details]]:
            g = int(r) if ids is None else ids[r]
            rel[g] = rel.get(g, 0.0) + c
        out.append(rel)
    return out


def on_unknowns(rels: list[dict[int, float]], unknown: list[int]) -> list[np.ndarray]:
    """The relations' coefficients on the unknown cells (relations without an unknown are dropped)."""
    pos = {g: k for k, g in enumerate(unknown)}
    rows = []
    for rel in rels:
        coef = np.zeros(len(unknown))
        for g, c in rel.items():
            if g in pos:
                coef[pos[g]] += c
        if coef.any():
            rows.append(coef)
    return rows


def determined(rows: list[np.ndarray], n: int) -> np.ndarray:
    """Which of ``n`` unknowns are fixed by linear relations (coefficients on the unknowns only).

    An unknown is determined when its unit vector lies in the row space of the relations: its
    projection on that space (spanned by the leading right singular vectors, one economy SVD) has
    length 1.
    """
    if not rows:
        return np.zeros(n, dtype=bool)  # no relation involves a hidden cell: nothing to recompute it from
    a = np.vstack(rows)
    try:
        _, sing, vt = np.linalg.svd(a, full_matrices=False)
    except np.linalg.LinAlgError:  # LAPACK's divide-and-conquer can fail to converge: the slower QR iteration
        _, sing, vt = scipy.linalg.svd(a, full_matrices=False, lapack_driver="gesvd")
    tol = max(a.shape) * np.finfo(float).eps * (sing[0] if len(sing) else 0.0)
    rank = int((sing > tol).sum())
    return (vt[:rank] ** 2).sum(axis=0) > 1 - 1e-9


def exposed(t: pd.DataFrame, by: list[str], eqs: list | None = None) -> np.ndarray:
    """Rows of suppressed cells whose value follows exactly from the published ones (rank test)."""
    suppressed = np.flatnonzero(t["status"].to_numpy() != "published")
    if len(suppressed) == 0:
        return suppressed
    rows = on_unknowns(relations(eqs if eqs is not None else equations(t, by)), list(suppressed))
    return suppressed[determined(rows, len(suppressed))].astype(int)


def fix_exposed(
    t: pd.DataFrame,
    by: list[str],
    value: str,
    table_lines: list | None = None,
    eqs: list | None = None,
    keep: np.ndarray | None = None,
    rank: np.ndarray | None = None,
) -> pd.DataFrame:
    """Suppress more cells until no suppressed cell of the table is recomputable exactly."""
    table_lines = table_lines if table_lines is not None else lines(t, by)
    eqs = eqs if eqs is not None else equations(t, by, table_lines)
    for _ in range(len(t)):
        found = exposed(t, by, eqs)
        if len(found) == 0:
            return t
        status = t["status"].to_numpy().copy()
        vals = t[value].to_numpy(dtype=float) if rank is None else rank
        target = int(found[0])
        best = None
        for margin, details in eqs:
            cells = np.append(details, margin)
            if target not in cells:
                continue
            free = [c for c in details if status[c] == "published"] or [c for c in cells if status[c] == "published"]
            if keep is not None and any(not keep[c] for c in free):
                free = [c for c in free if not keep[c]]
            if free:
                pick = min(free, key=lambda c: vals[c])
                if best is None or vals[pick] < vals[best]:
                    best = pick
        if best is None:  # every cell of the target's own lines is hidden: it is exposed through other lines
            best = _widen(t, by, value, target, table_lines, eqs)
        if best is None:
            raise RuntimeError(f"protect: cell {t.iloc[target][by].tolist()} stays recomputable")
        status[best] = "secondary"
        t = secondary(t.assign(status=status), by, value, table_lines, keep=keep, rank=rank)
    if len(exposed(t, by, eqs)):
        raise RuntimeError("protect: secondary suppression did not converge")
    return t


def _widen(t: pd.DataFrame, by: list[str], value: str, target: int, table_lines: list, eqs: list) -> int | None:
    """A published cell to suppress so that ``target`` is no longer recomputable.

    Candidates are the published cells of every line that holds a hidden cell, tried
    from the smallest value; the first one that protects ``target`` is returned, else
    the smallest (the caller loops until the audit passes).
    """
    status = t["status"].to_numpy()
    vals = t[value].to_numpy(dtype=float)
    cands: set[int] = set()
    for margin, details in eqs:
        cells = np.append(details, margin)
        if (status[cells] != "published").any():
            cands |= {int(c) for c in cells if status[c] == "published"}
    ordered = sorted(cands, key=lambda c: (vals[c], c))
    for c in ordered:
        trial = secondary(
            t.assign(status=np.where(np.arange(len(t)) == c, "secondary", status)), by, value, table_lines
        )
        if target not in set(exposed(trial, by, eqs)):
            return c
    return ordered[0] if ordered else None
