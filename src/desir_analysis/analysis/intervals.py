"""What an attacker can learn about suppressed cells: the feasible interval of each (linear programming).

The published cells are known numbers; the suppressed ones are unknowns tied to them by linear
relations (a margin is the sum of its cells, a country the sum of its territories, two cells of
the same establishments are equal…). The feasible values of a suppressed cell ``x`` form the interval

    [min x, max x]  subject to  Σ coef·cell = 0 for every relation, published cells fixed, every cell ≥ its floor

(HiGHS, each cell's two problems solved from the basis of the previous one). A cell is *protected*
when that interval is wide enough around its true value ``v``: for a primary cell, it must reach ``v·(1 − p)`` below and
``v·(1 + p)`` above (``p`` = 0.15 by default, ARCHITECTURE §5); for any suppressed cell, it must not
lie within ``[v·(1 − p), v·(1 + p)]`` (the attacker must not pin it to ±p). Unknowns are solved by
connected component (cells linked through relations), so a change to one part of a publication
re-solves that part only (:class:`Bounds` caches components).
"""

from __future__ import annotations

import os
import sys

import highspy
import numpy as np
from scipy.sparse import csc_array

TOL = 1e-6


def components(relations: list[dict[int, float]], unknown: list[int]) -> list[list[int]]:
    """The unknowns grouped by the relations that link them (union–find)."""
    parent = {g: g for g in unknown}

    def find(g: int) -> int:
        while parent[g] != g:
            parent[g] = parent[parent[g]]
            g = parent[g]
        return g

    for rel in relations:
        hit = [g for g in rel if g in parent]
        for g in hit[1:]:
            a, b = find(hit[0]), find(g)
            if a != b:
                parent[b] = a
    groups: dict[int, list[int]] = {}
    for g in unknown:
        groups.setdefault(find(g), []).append(g)
    return list(groups.values())


def component_bounds(
    relations: list[dict[int, float]], values: np.ndarray, unknown: list[int], floor: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Lowest and highest feasible value of each unknown of one component.

    Args:
        relations: relations touching the component (``{cell: coefficient}``, each summing to 0).
        values: every cell's value (those of the unknowns are not used).
        unknown: the component's suppressed cells.
        floor: each cell's lowest possible value (default 0).

    Returns:
        ``(lo, hi)`` in the order of ``unknown`` (``hi`` is ``inf`` when nothing bounds the cell above).
    """
    pos = {g: k for k, g in enumerate(unknown)}
    rows, cols, data, rhs = [], [], [], []
    for rel in relations:
        if not any(g in pos for g in rel):
            continue
        r = len(rhs)
        known = 0.0
        for g, c in rel.items():
            if g in pos:
                rows.append(r)
                cols.append(pos[g])
                data.append(c)
            else:
                known += c * values[g]
        rhs.append(-known)
    n = len(unknown)
    lb = np.zeros(n) if floor is None else np.asarray([floor[g] for g in unknown], dtype=float)
    if not rhs:
        return lb, np.full(n, np.inf)
    a = csc_array((data, (rows, cols)), shape=(len(rhs), n))
    b = np.asarray(rhs, dtype=float)
    h = _model(a, b, lb)
    lo, hi = np.empty(n), np.empty(n)
    for k in range(n):
        h.changeColCost(k, 1.0)
        lo[k] = _solve(h, highspy.ObjSense.kMinimize, lb[k])
        hi[k] = _solve(h, highspy.ObjSense.kMaximize, np.inf)
        h.changeColCost(k, 0.0)
    return lo, hi


def _model(a: csc_array, b: np.ndarray, lb: np.ndarray) -> highspy.Highs:
    """A HiGHS model ``a·x = b, x ≥ lb`` with a zero objective (set cell by cell, re-solved from the last basis)."""
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = a.shape[1], a.shape[0]
    lp.col_cost_ = np.zeros(a.shape[1])
    lp.col_lower_ = lb
    lp.col_upper_ = np.full(a.shape[1], highspy.kHighsInf)
    lp.row_lower_ = b
    lp.row_upper_ = b
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr
    lp.a_matrix_.index_ = a.indices
    lp.a_matrix_.value_ = a.data
    h = _solver()
    h.passModel(lp)
    return h


_SOLVER: list[highspy.Highs] = []


def _solver() -> highspy.Highs:
    """The process's HiGHS instance, made once without its banner (HiGHS prints it on the C standard output)."""
    if not _SOLVER:
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "w") as null:
                os.dup2(null.fileno(), 1)
                h = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        h.setOptionValue("output_flag", False)
        _SOLVER.append(h)
    return _SOLVER[0]


def _solve(h: highspy.Highs, sense: highspy.ObjSense, fallback: float) -> float:
    """The optimum of the current objective (``fallback`` when unbounded or not solved)."""
    h.changeObjectiveSense(sense)
    h.run()
    if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
        return float(h.getInfo().objective_function_value)
    return fallback


class Bounds:
    """Feasible intervals of suppressed cells, solved by component and cached between calls.

    The relations and the values never change; only which cells are suppressed does. A component
    (its set of unknowns) met again is not solved again.
    """

    def __init__(self, relations: list[dict[int, float]], values: np.ndarray, floor: np.ndarray | None = None):
        self.relations = relations
        self.values = np.asarray(values, dtype=float)
        self.floor = floor
        self.by_cell: dict[int, list[int]] = {}
        for k, rel in enumerate(relations):
            for g in rel:
                self.by_cell.setdefault(g, []).append(k)
        self._cache: dict[frozenset, dict[int, tuple[float, float]]] = {}

    def of(self, unknown: list[int]) -> dict[int, tuple[float, float]]:
        """``cell -> (lo, hi)`` for every unknown."""
        out: dict[int, tuple[float, float]] = {}
        touching = sorted({k for g in unknown for k in self.by_cell.get(g, [])})
        rels = [self.relations[k] for k in touching]
        for comp in components(rels, unknown):
            key = frozenset(comp)
            if key not in self._cache:
                mine = sorted({k for g in comp for k in self.by_cell.get(g, [])})
                lo, hi = component_bounds([self.relations[k] for k in mine], self.values, comp, self.floor)
                self._cache[key] = {g: (lo[i], hi[i]) for i, g in enumerate(comp)}
            out |= self._cache[key]
        return out


def too_narrow(lo: float, hi: float, value: float, is_primary: bool, p: float) -> bool:
    """Whether a suppressed cell's feasible interval discloses it (see the module docstring).

    A primary cell needs ``lo ≤ v(1 − p)`` and ``hi ≥ v(1 + p)``; any suppressed cell fails when
    ``v(1 − p) ≤ lo`` and ``hi ≤ v(1 + p)`` (recovered within ±p). A zero cell has no interval around
    it (±p of 0 is 0): only its exact recovery counts, which the rank test finds.
    """
    if value == 0:
        return False
    slack = TOL * max(1.0, abs(value))
    low_ok, high_ok = lo <= value * (1 - p) + slack, hi >= value * (1 + p) - slack
    if is_primary:
        return not (low_ok and high_ok)
    return not (low_ok or high_ok)
