"""Every table published for a year protected together: one status per cell, no recovery from all of them.

A cell is identified across tables, documents and editions by its *key*: its measure (the value
column) and what it is restricted to — its non-total breakdown values and the table's ``scope``
(year, ESS or all establishments, private sector, zone, perimeter…). The key is reduced to what
changes the cell:

- a territory's cells name their country (``nuts3=FRE11`` implies ``country=FR``, :data:`HIERARCHIES`);
- a territory's cells are the same in every zone that holds the whole territory: the zone leaves their
  key (``Layout.zones``); the zone's own aggregates keep it;
- a cell that names no breakdown depending on the perimeter (:data:`SCOPE_DEPENDENT`: the ESS field,
  the family, the provider) is the same under every perimeter (all jobs of a territory).

The relations an attacker can use are gathered once: every table's margins, every hierarchy
(a zone's country = the sum of its territories of that country, in every table, whether a table shows
the country or not), and every *identity* (two cells of one measure and year with the same
establishments are equal: the cover table's empty cells are known zeros). :func:`consistent` then
suppresses until no suppressed cell is recomputable exactly (linear algebra) nor within the protection
interval (linear programming, :mod:`desir_analysis.analysis.intervals`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from desir_analysis.analysis import intervals
from desir_analysis.analysis import suppression as sp

#: Hierarchies of the published breakdowns: a child column, its parent column and how a child value names
#: its parent. A territory (NUTS 3 code) belongs to its country (the code's first two letters).
HIERARCHIES: tuple[tuple[str, str, object], ...] = (("nuts3", "country", lambda code: str(code)[:2]),)

#: Scope entries that matter only for cells naming some breakdowns: the perimeter decides which
#: establishments are ESS (``field``), hence the families and the providers; a cell of all
#: establishments (all jobs of a territory) is the same under every perimeter.
#: The measure whose values choose the secondary cells of tied tables (:class:`Layout`).
LEAD = "headcount"

SCOPE_DEPENDENT: Mapping[str, frozenset[str]] = {"perimeter": frozenset({"field", "ess_family", "provider"})}


@dataclass(frozen=True)
class Layout:
    """What identifies cells across editions, and which measures are printed side by side.

    ``zones``: the NUTS 3 territories each zone holds whole. ``ties``: groups of value columns printed
    on one row (establishments, jobs, FTE of the same breakdown): the cells of one key in a group share
    their status, so that a row is treated alike in every document.
    """

    zones: Mapping[str, frozenset[str]] = field(default_factory=dict)
    ties: tuple[frozenset[str], ...] = ()


def cell_keys(t: pd.DataFrame, by: list[str], value: str, scope: dict | None, layout: Layout | None = None) -> list:
    """Each row's key: ``(value, frozenset of (dimension, value))``, reduced as the module docstring says."""
    layout = layout or Layout()
    fixed = dict(scope or {})
    out = []
    for row in t[by].to_numpy(dtype=object):
        cell = fixed | {c: v for c, v in zip(by, row, strict=True) if v != sp.TOTAL}
        for child, parent, of in HIERARCHIES:
            if child in cell and parent not in cell:
                cell[parent] = of(cell[child])
        for entry, dims in SCOPE_DEPENDENT.items():
            if entry in cell and not dims & cell.keys():
                del cell[entry]
        if "zone" in cell and cell.get("nuts3") in layout.zones.get(cell["zone"], ()):
            del cell["zone"]
        out.append((value, frozenset(cell.items())))
    return out


def hierarchy_relations(ids: dict[tuple, int], layout: Layout | None = None) -> list[dict[int, float]]:
    """``parent cell = Σ its children`` for every hierarchy, between cells that some table publishes or masks.

    E.g. a zone's French cooperatives (a country × family cell) equal the sum of the zone's French
    territories' cooperatives (territory × family cells), even when no single table holds both. A
    child absent from every table is a true zero (no establishment).
    """
    layout = layout or Layout()
    out = []
    for child, _parent, _ in HIERARCHIES:
        groups: dict[tuple, list[int]] = {}
        for (value, cell), g in ids.items():
            named = dict(cell)
            if child not in named:
                continue
            base = cell - {(child, named[child])}
            parents = [(value, base)]
            if "zone" not in named:  # a whole territory: a child of every zone that holds it
                parents += [(value, base | {("zone", z)}) for z, whole in layout.zones.items() if named[child] in whole]
            for p in parents:
                groups.setdefault(p, []).append(g)
        for key, children in groups.items():
            if key in ids:
                rel = {ids[key]: 1.0}
                for g in children:
                    rel[g] = rel.get(g, 0.0) - 1.0
                out.append(rel)
    return out


def identity_relations(ids: dict[tuple, int], supports: dict[int, str]) -> list[dict[int, float]]:
    """``a = b`` for two cells of one measure and year that hold the same establishments (same support)."""
    groups: dict[tuple, list[int]] = {}
    for (value, cell), g in ids.items():
        if isinstance(supports.get(g), str):
            groups.setdefault((value, dict(cell).get("year"), supports[g]), []).append(g)
    return [{first: 1.0, g: -1.0} for first, *rest in groups.values() for g in rest]


@dataclass
class _Table:
    by: list[str]
    value: str
    gid: np.ndarray
    lines: list
    eqs: list
    keep: np.ndarray | None = None
    rank: np.ndarray | None = None


@dataclass
class Structure:
    """The cells of several tables identified across tables, with every relation between them."""

    keys: list[tuple]
    values: np.ndarray
    relations: list[dict[int, float]]
    tables: list[_Table]
    #: for each cell, the indices of the relations that hold it
    by_cell: dict[int, list[int]] = field(default_factory=dict)
    #: component (frozenset of unknown cells) -> its cells recomputable exactly
    _exact: dict[frozenset, list[int]] = field(default_factory=dict)
    #: for each cell, the cells of the same key whose measure is printed on the same row (:class:`Layout`)
    partners: dict[int, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for k, rel in enumerate(self.relations):
            for g in rel:
                self.by_cell.setdefault(g, []).append(k)

    def touching(self, cells: list[int]) -> list[dict[int, float]]:
        """The relations that hold some of ``cells``."""
        return [self.relations[k] for k in sorted({k for g in cells for k in self.by_cell.get(g, [])})]


def structure(tables: list[pd.DataFrame], scopes: list[dict], layout: Layout | None = None) -> Structure:
    """Identify the cells of ``tables`` (see :func:`cell_keys`) and gather every relation between them."""
    ids: dict[tuple, int] = {}
    values: dict[int, float] = {}
    supports: dict[int, str] = {}
    rels: list[dict[int, float]] = []
    parts = []
    for t, scope in zip(tables, scopes, strict=True):
        t = t.reset_index(drop=True)
        by, value = sp.infer(t)
        gid = np.array([ids.setdefault(k, len(ids)) for k in cell_keys(t, by, value, scope, layout)], dtype=int)
        values |= dict(zip(gid.tolist(), t[value].to_numpy(dtype=float).tolist(), strict=True))
        if sp.SUPPORT in t.columns:
            supports |= dict(zip(gid.tolist(), t[sp.SUPPORT].tolist(), strict=True))
        table_lines = sp.lines(t, by)
        eqs = sp.equations(t, by, table_lines)
        rels += sp.relations(eqs, gid.tolist())
        parts.append(_Table(by, value, gid, table_lines, eqs))
    rels += hierarchy_relations(ids, layout) + identity_relations(ids, supports)
    keys = [k for k, _ in sorted(ids.items(), key=lambda kv: kv[1])]
    out = Structure(keys, np.array([values[g] for g in range(len(keys))]), rels, parts)
    out.partners = _partners(ids, (layout or Layout()).ties)
    return out


def _partners(ids: dict[tuple, int], ties: tuple[frozenset[str], ...]) -> dict[int, list[int]]:
    """Cells of one key whose measures belong to one tie group."""
    groups: dict[tuple, list[int]] = {}
    for (value, cell), g in ids.items():
        for k, group in enumerate(ties):
            if value in group:
                groups.setdefault((k, cell), []).append(g)
    return {g: [h for h in members if h != g] for members in groups.values() if len(members) > 1 for g in members}


def _masks(s: Structure, tables: list[pd.DataFrame]) -> tuple[set[int], set[int], set[int]]:
    """Cells masked somewhere, published somewhere, primary somewhere."""
    masked, published, prim = set(), set(), set()
    for part, t in zip(s.tables, tables, strict=True):
        st = t["status"].to_numpy()
        masked |= set(part.gid[st != "published"].tolist())
        published |= set(part.gid[st == "published"].tolist())
        prim |= set(part.gid[st == "primary"].tolist())
    return masked, published, prim


def exposed_exactly(s: Structure, tables: list[pd.DataFrame]) -> list[int]:
    """Masked cells published elsewhere, or recomputable exactly from every relation together."""
    return [g for group in exposed_groups(s, tables) for g in group]


def exposed_groups(s: Structure, tables: list[pd.DataFrame]) -> list[list[int]]:
    """:func:`exposed_exactly`, grouped by component of unknowns (cells linked through relations).

    Each component is solved once (cached on ``s``): a suppression elsewhere does not redo it.
    """
    masked, published, _ = _masks(s, tables)
    unknown = sorted(masked - published)
    out = [[g] for g in sorted(masked & published)]
    for comp in intervals.components(s.touching(unknown), unknown):
        key = frozenset(comp)
        if key not in s._exact:
            comp = sorted(comp)
            rows = sp.on_unknowns(s.touching(comp), comp)
            s._exact[key] = [comp[k] for k in np.flatnonzero(sp.determined(rows, len(comp)))]
        if s._exact[key]:
            out.append(s._exact[key])
    return out


def narrow(s: Structure, tables: list[pd.DataFrame], p: float, bounds: intervals.Bounds | None = None) -> list:
    """Masked cells whose feasible interval is too narrow (:func:`intervals.too_narrow`), with (lo, hi)."""
    masked, published, prim = _masks(s, tables)
    unknown = sorted(masked - published)
    bounds = bounds or intervals.Bounds(s.relations, s.values)
    found = bounds.of(unknown)
    return [
        (g, *found[g])
        for g in unknown
        if intervals.too_narrow(found[g][0], found[g][1], float(s.values[g]), g in prim, p)
    ]


def _rank(s: Structure, part: _Table) -> np.ndarray:
    """The values by which a table chooses its partners: a tied cell's lead measure (jobs), else its own."""
    out = s.values[part.gid].astype(float).copy()
    for i, g in enumerate(part.gid):
        jobs = [h for h in s.partners.get(int(g), []) if s.keys[h][0] == LEAD]
        if jobs:
            out[i] = s.values[jobs[0]]
    return out


def _apart(s: Structure, cells: list[int]) -> list[int]:
    """Those of ``cells`` that share no relation with an earlier one (each gets its own fix in one round)."""
    seen: set[int] = set()
    out = []
    for g in cells:
        rels = set(s.by_cell.get(g, []))
        if not rels & seen:
            out.append(g)
            seen |= rels
    return out


def _one_per_component(s: Structure, cells: list[int]) -> list[int]:
    """The first of ``cells`` in each component of the relations linking them (independent problems)."""
    return [comp[0] for comp in intervals.components(s.touching(cells), cells)]


def candidate(
    s: Structure, tables: list[pd.DataFrame], target: int, need: float = 0.0, keep: frozenset[int] = frozenset()
) -> int | None:
    """A published cell to suppress so that ``target`` gains protection.

    Among the published cells of the relations holding ``target`` (else of any relation holding a
    masked cell), never one of ``keep`` (cells an earlier edition published): the smallest worth at
    least ``need``, else the largest.
    """
    masked, _, _ = _masks(s, tables)
    near = s.touching([target])
    for pool in (near, [rel for rel in s.relations if any(g in masked for g in rel)]):
        free = {g for rel in pool for g in rel if g not in masked and g not in keep}
        cands = sorted(free, key=lambda g: (s.values[g], g))
        if cands:
            enough = [g for g in cands if s.values[g] >= need]
            return enough[0] if enough else cands[-1]
    return None


def suppress(s: Structure, tables: list[pd.DataFrame], gids: set[int], p: float) -> list[pd.DataFrame]:
    """Suppress the cells ``gids`` wherever a table holds them, then restore each table's own safety."""
    out = []
    for part, t in zip(s.tables, tables, strict=True):
        must = np.isin(part.gid, list(gids)) & t["status"].eq("published").to_numpy()
        if must.any():
            t = t.assign(status=np.where(must, "secondary", t["status"]))
            t = sp.secondary(t, part.by, part.value, part.lines, p, part.keep, part.rank)
            t = sp.fix_exposed(t, part.by, part.value, part.lines, part.eqs, part.keep, part.rank)
        out.append(t)
    return out


def consistent(
    tables: list[pd.DataFrame],
    scopes: list[dict] | None = None,
    layout: Layout | None = None,
    rules: sp.Rules | None = None,
    fixed: dict[tuple, str] | None = None,
) -> list[pd.DataFrame]:
    """Give every cell one status across the tables and protect them together.

    Tables with the same scope must come from the same microdata. A cell suppressed in one table is
    suppressed in all; then, all tables together, no suppressed cell may be recomputable exactly nor
    pinned within ± ``rules.interval`` of its value; more cells are suppressed (and each table's lines
    completed) until that holds.

    ``fixed`` (cell key -> status) carries the statuses an earlier edition published for cells of its
    year that this protection shows again (the series): a cell it masked stays masked; a cell it
    printed is never chosen to protect another (it is known). Only a cell that has become primary (the
    data were revised) changes status, and the edition's revision note says so.
    """
    p = (rules or sp.Rules()).interval
    out = [t.reset_index(drop=True) for t in tables]
    scopes = scopes or [{} for _ in out]
    if len(scopes) != len(out):
        raise ValueError("consistent: one scope per table")
    s = structure(out, scopes, layout)
    bounds = intervals.Bounds(s.relations, s.values)
    fixed = fixed or {}
    keep = frozenset(g for g, k in enumerate(s.keys) if fixed.get(k) == "published")
    was_masked = {g for g, k in enumerate(s.keys) if fixed.get(k, "published") != "published"}
    if fixed or s.partners:
        # start again from the primary cells: the secondary ones are chosen knowing what stays printed, and
        # tables printed side by side (establishments, jobs) choose by the same values, hence alike
        prim = {
            g for part, t in zip(s.tables, out, strict=True) for g in part.gid[t["status"].eq("primary").to_numpy()]
        }
        prim |= {h for g in prim for h in s.partners.get(g, [])}
        for i, part in enumerate(s.tables):
            part.keep = np.isin(part.gid, list(keep)) if keep else None
            part.rank = _rank(s, part) if s.partners else None
            st = np.where(np.isin(part.gid, list(prim)), "secondary", "published")
            st = np.where(out[i]["status"].eq("primary"), "primary", st)
            out[i] = sp.secondary(out[i].assign(status=st), part.by, part.value, part.lines, p, part.keep, part.rank)
        out = suppress(s, out, was_masked, p)
    for _ in range(10 * sum(len(t) for t in out) + 50):
        masked, published, _ = _masks(s, out)
        must = (masked | {h for g in masked for h in s.partners.get(g, [])}) & published
        if must:
            out = suppress(s, out, must, p)
            continue
        targets = [g for group in exposed_groups(s, out) for g in _apart(s, group)]
        need = [0.0] * len(targets)
        if not targets:
            loose = _one_per_component(s, [g for g, *_ in narrow(s, out, p, bounds)])
            if not loose:
                return out
            targets, need = loose, [p * float(s.values[g]) for g in loose]
        picks = set()
        for g, n in zip(targets, need, strict=True):
            pick = candidate(s, out, g, need=n, keep=keep)
            if pick is None:  # nothing else protects it: a cell an earlier edition printed is masked (revision)
                pick = candidate(s, out, g, need=n)
            if pick is None:
                raise RuntimeError(f"consistent: cell {s.keys[g]} stays recoverable")
            picks.add(pick)
        out = suppress(s, out, picks, p)
    raise RuntimeError("consistent: statuses did not converge")


def audit_joint(
    tables: list[pd.DataFrame], scopes: list[dict] | None = None, layout: Layout | None = None, p: float = 0.15
) -> pd.DataFrame:
    """Suppressed cells recoverable from the published cells of several tables together.

    Every relation of every table is used at once (:func:`structure`): a cell masked in one table
    but published in another, recomputable only by combining tables, or pinned within ± ``p`` by
    linear programming, is reported. Returns the measure, the cell's key, its value, the feasible
    interval and ``how`` (``exact`` or ``interval``); empty proves the set of tables safe.
    """
    out = [t.reset_index(drop=True) for t in tables]
    s = structure(out, scopes or [{} for _ in out], layout)
    exact = exposed_exactly(s, out)
    rows = [(g, s.values[g], s.values[g], "exact") for g in exact]
    if not exact:
        rows = [(g, lo, hi, "interval") for g, lo, hi in narrow(s, out, p)]
    return pd.DataFrame(
        {
            "measure": [s.keys[g][0] for g, *_ in rows],
            "cell": [dict(sorted(s.keys[g][1])) for g, *_ in rows],
            "value": [float(s.values[g]) for g, *_ in rows],
            "low": [float(lo) for _, lo, _, _ in rows],
            "high": [float(hi) for _, _, hi, _ in rows],
            "how": [h for *_, h in rows],
        }
    )
