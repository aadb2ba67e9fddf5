"""Weighted survey estimates: post-stratification or raking to the known population, design-based intervals.

A questionnaire's respondents over-represent some families and sizes; their answers are weighted back
to the population of employer establishments of the processed tables (country × family × size band).

Weights (:func:`poststratify`, :func:`rake`, :func:`trim`): the weight of a respondent of cell ``h`` is
``N_h / n_h`` (post-stratification: the weighted counts reproduce every cell's population exactly);
when cells are too thin, iterative proportional fitting on margins (raking) reproduces each margin
within a tolerance. Trimming caps the weights at a multiple of their median and calibrates again.

Estimates (:func:`estimate`): a weighted mean (a proportion is the mean of a 0/1 variable) in a domain,
``ȳ_d = Σ w_i d_i y_i / Σ w_i d_i``, with its variance by **linearisation** of the calibrated estimator
(Deville & Särndal 1992; Särndal, Swensson & Wretman 1992, §6.6 and §7.12): the linearised variable
``u_i = d_i (y_i − ȳ_d) / N̂_d`` is replaced by its residual ``e_i`` from the weighted least-squares fit on
the calibration variables (the cells' or margins' indicators), and

``V̂(ȳ_d) = (1 − n/N) · Σ_h n_h/(n_h − 1) · Σ_{i∈h} (w_i e_i − mean_h(w e))²``

over variance strata ``h`` (the post-strata when the weights post-stratify: the variance conditional on
the cells' sample sizes; one stratum otherwise), with the finite-population correction. For post-strata
the residual is ``y_i`` minus its cell's mean and the formula is exactly the textbook
``Σ_h (N_h/N)² s_h² / n_h``. The interval is ``ȳ_d ± 1.96 √V̂``, bounded to [0, 1] for a proportion; the naive weighted
formula (treating the weights as frequencies) is never used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

Z95 = 1.959963984540054


def poststratify(sample: pd.DataFrame, population: pd.DataFrame, cells: list[str], count: str = "N") -> pd.Series:
    """Post-stratification weights ``N_h / n_h`` of the respondents.

    Args:
        sample: one row per respondent, with the ``cells`` columns.
        population: one row per cell, the ``cells`` columns and ``count`` (its population ``N_h``).
        cells: the columns that define a cell.
        count: the population column.

    Raises:
        ValueError: a respondent in a cell the population lacks, or a population cell without respondent
            (post-stratification cannot reproduce it: collapse or rake, :func:`rake`).
    """
    n = sample.groupby(cells).size().rename("n")
    pop = population.set_index(cells)[count]
    missing = n.index.difference(pop.index)
    if len(missing):
        raise ValueError(f"poststratify: respondents in cells absent from the population: {list(missing)[:3]}")
    empty = pop[pop > 0].index.difference(n.index)
    if len(empty):
        raise ValueError(f"poststratify: population cells without respondent: {list(empty)[:3]}")
    w = (pop / n).reindex(pd.MultiIndex.from_frame(sample[cells]) if len(cells) > 1 else sample[cells[0]])
    return pd.Series(w.to_numpy(dtype="float64"), index=sample.index, name="weight")


def rake(
    sample: pd.DataFrame,
    margins: dict[tuple[str, ...], pd.Series],
    start: pd.Series | None = None,
    tolerance: float = 1e-6,
    max_iter: int = 200,
) -> pd.Series:
    """Raking (iterative proportional fitting) of the weights to population margins.

    Args:
        sample: one row per respondent.
        margins: the columns of a margin -> its population totals (indexed by those columns' values).
        start: initial weights (default 1).
        tolerance: stop when every margin is reproduced within this relative gap.
        max_iter: at most this many passes over the margins.

    Raises:
        ValueError: a margin category with population but no respondent, or no convergence.
    """
    w = pd.Series(1.0, index=sample.index) if start is None else start.astype("float64").copy()
    keys = {cols: _key(sample, cols) for cols in margins}
    for cols, totals in margins.items():
        absent = totals[totals > 0].index.difference(pd.Index(keys[cols].unique()))
        if len(absent):
            raise ValueError(f"rake: margin {cols} category without respondent: {list(absent)[:3]}")
    for _ in range(max_iter):
        for cols, totals in margins.items():
            current = w.groupby(keys[cols]).sum()
            w = w * keys[cols].map(totals / current).to_numpy()
        gap = max(
            float((w.groupby(keys[c]).sum() / t.reindex(w.groupby(keys[c]).sum().index) - 1).abs().max())
            for c, t in margins.items()
        )
        if gap < tolerance:
            return w.rename("weight")
    raise ValueError(f"rake: no convergence in {max_iter} passes (largest gap {gap:.2e})")


def _key(sample: pd.DataFrame, cols: tuple[str, ...]) -> pd.Series:
    """One label per respondent for a margin of several columns (the index of its totals)."""
    if len(cols) == 1:
        return sample[cols[0]]
    return pd.Series(list(zip(*(sample[c] for c in cols), strict=True)), index=sample.index)


def trim(
    sample: pd.DataFrame,
    weights: pd.Series,
    margins: dict[tuple[str, ...], pd.Series],
    cap: float = 5.0,
    by: tuple[str, ...] = (),
) -> pd.Series:
    """Cap the weights at ``cap`` × their median, then rake again to the margins (repeated until stable).

    With ``by``, the median is that of the respondent's group (e.g. country × family: groups whose
    populations differ by design keep their own level of weights; only the outliers inside a group are cut).
    """
    w = weights.copy()
    for _ in range(50):
        median = w.groupby(_key(sample, by)).transform("median") if by else pd.Series(float(w.median()), w.index)
        limit = cap * median
        if (w <= limit * (1 + 1e-9)).all():
            return w
        w = rake(sample, margins, start=w.clip(upper=limit))
    return w


def kish_deff(weights: pd.Series) -> float:
    """Kish's design effect of unequal weights: ``n Σ w² / (Σ w)²`` (1 for equal weights)."""
    w = weights.to_numpy(dtype="float64")
    return float(len(w) * np.sum(w**2) / np.sum(w) ** 2)


def effective_n(weights: pd.Series) -> float:
    """The effective sample size ``n / deff = (Σ w)² / Σ w²``."""
    w = weights.to_numpy(dtype="float64")
    return float(np.sum(w) ** 2 / np.sum(w**2))


def calibration_matrix(sample: pd.DataFrame, groups: list[tuple[str, ...]]) -> np.ndarray:
    """Indicators of every category of every calibration margin (or cell), one column each."""
    parts = [pd.get_dummies(_key(sample, cols).astype(str)).to_numpy(dtype="float64") for cols in groups]
    return np.hstack(parts) if parts else np.ones((len(sample), 1))


def residuals(u: np.ndarray, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Residuals of ``u`` from its weighted least-squares fit on the calibration variables ``x``."""
    xw = x * w[:, None]
    beta, *_ = np.linalg.lstsq(xw.T @ x, xw.T @ u, rcond=None)
    return u - x @ beta


@dataclass(frozen=True)
class Estimate:
    """A weighted mean with its linearised standard error and 95 % interval."""

    value: float
    se: float
    low: float
    high: float
    n: int
    linearised: np.ndarray  # the residual variable (for differences between domains)
    strata: np.ndarray | None = None


def _variance(z: np.ndarray, strata: np.ndarray | None, fpc: float) -> float:
    """``fpc · Σ_h n_h/(n_h − 1) Σ_{i∈h} (z_i − z̄_h)²`` (one stratum when ``strata`` is None)."""
    groups = np.zeros(len(z), dtype=np.int64) if strata is None else pd.factorize(strata)[0]
    total = 0.0
    for g in np.unique(groups):
        zg = z[groups == g]
        if len(zg) > 1:
            total += len(zg) / (len(zg) - 1) * float(np.sum((zg - zg.mean()) ** 2))
    return fpc * total


def estimate(
    y: pd.Series,
    weights: pd.Series,
    x: np.ndarray,
    domain: pd.Series | None = None,
    population: float | None = None,
    proportion: bool = False,
    strata: pd.Series | None = None,
) -> Estimate:
    """The weighted mean of ``y`` in a domain with its linearised variance (module docstring).

    Args:
        y: the variable (0/1 for a proportion); respondents without an answer are NaN and left out of the
            domain (item non-response, not imputed).
        weights: the calibrated weights.
        x: the calibration variables (:func:`calibration_matrix`).
        domain: respondents of the domain (default all).
        population: the population size ``N`` for the finite-population correction (none: no correction).
        proportion: bound the interval to [0, 1].
        strata: the variance strata (the post-strata for post-stratified weights; default one stratum).
    """
    d = np.ones(len(y), dtype=bool) if domain is None else domain.to_numpy(dtype=bool)
    yv = y.to_numpy(dtype="float64")
    d = d & ~np.isnan(yv)
    yv = np.where(d, yv, 0.0)
    w = weights.to_numpy(dtype="float64")
    n_d = int(d.sum())
    nd_hat = float(np.sum(w * d))
    if n_d == 0 or nd_hat == 0:
        return Estimate(float("nan"), float("nan"), float("nan"), float("nan"), 0, np.zeros(len(y)))  # no answer
    mean = float(np.sum(w * d * yv) / nd_hat)
    u = d * (yv - mean) / nd_hat
    e = residuals(u, x, w)
    z = w * e
    n = len(z)
    fpc = 1.0 - n / population if population else 1.0
    groups = None if strata is None else strata.to_numpy()
    se = float(np.sqrt(_variance(z, groups, fpc))) if n > 1 else float("nan")
    low, high = mean - Z95 * se, mean + Z95 * se
    if proportion:
        low, high = max(0.0, low), min(1.0, high)
    return Estimate(mean, se, low, high, n_d, z, groups)


def difference(a: Estimate, b: Estimate, population: float | None = None) -> tuple[float, float, float]:
    """``a − b`` for two domains of the same sample: the difference, its standard error and the two-sided p-value.

    The variance is that of the difference of the linearised variables (their covariance included).
    """
    from scipy.stats import norm

    z = a.linearised - b.linearised
    fpc = 1.0 - len(z) / population if population else 1.0
    se = float(np.sqrt(_variance(z, a.strata, fpc)))
    diff = a.value - b.value
    p = float(2 * norm.sf(abs(diff) / se)) if se > 0 else float("nan")
    return diff, se, p


__all__ = [
    "MIN_CELL",
    "SIZE_GROUP",
    "Estimate",
    "Weighting",
    "calibrate",
    "population_cells",
    "calibration_matrix",
    "difference",
    "effective_n",
    "estimate",
    "kish_deff",
    "poststratify",
    "rake",
    "residuals",
    "trim",
]


#: The fewest respondents a weighting cell may have before it is collapsed (``calibrate``).
MIN_CELL = 5
#: Size bands merged when a cell is too thin: small (fewer than 50 jobs) and large establishments.
SIZE_GROUP = {"1-9": "small", "10-49": "small", "50-249": "large", "250+": "large"}


#: The post-stratification rules of :func:`calibrate`, in order, with the method note's words.
RULES = (
    (["country", "family", "size_band"], "post-stratification par pays × famille × tranche de taille"),
    (["country", "family", "size_group"], "post-stratification par pays × famille × taille (moins de 50 / 50 et plus)"),
)
RAKING_WORDS = "calage (raking) sur les marges pays × famille et pays × tranche de taille"


@dataclass(frozen=True)
class Weighting:
    """The weights of a sample and how they were obtained."""

    weights: pd.Series
    method: str  # in French, for the method note
    groups: list[tuple[str, ...]]  # the calibration cells or margins (:func:`calibration_matrix`)
    strata: pd.Series | None  # the variance strata (the post-strata), None after raking


def population_cells(est: pd.DataFrame, families: set[str]) -> pd.DataFrame:
    """The survey's population: employer establishments by ``country`` × ``family`` × ``size_band`` (``N``).

    ``est``: the processed establishments of the zone (``country``, ``ess_family``, ``size_band``); only the
    families the survey covers (``families``) are kept.
    """
    pop = est[est["ess_family"].isin(families)].rename(columns={"ess_family": "family"})
    return pop.groupby(["country", "family", "size_band"]).size().rename("N").reset_index()


def calibrate(sample: pd.DataFrame, population: pd.DataFrame, min_cell: int = MIN_CELL, cap: float = 5.0) -> Weighting:
    """Weights to the population by the first rule that holds (the collapse rules, in order).

    1. post-stratification on country × family × size band when every populated cell has at least
       ``min_cell`` respondents;
    2. else post-stratification on country × family × size group (:data:`SIZE_GROUP`: fewer than 50 jobs,
       50 or more) under the same condition;
    3. else raking on the margins country × family and country × size band, the weights then trimmed at
       ``cap`` × the median of their country × family and raked again (:func:`trim`; post-stratified
       weights are never trimmed: they reproduce every cell exactly).

    Args:
        sample: respondents with ``country``, ``family``, ``size_band``.
        population: :func:`population_cells`.
        min_cell: the fewest respondents of a post-stratification cell.
        cap: the trimming cap of raked weights, as a multiple of their median.
    """
    s = sample.assign(size_group=sample["size_band"].map(SIZE_GROUP))
    pop = population.assign(size_group=population["size_band"].map(SIZE_GROUP))
    for cells, words in RULES:
        n = s.groupby(cells).size()
        counts = pop.groupby(cells)["N"].sum()
        populated = counts[counts > 0].index
        if n.reindex(populated).fillna(0).ge(min_cell).all():
            w = poststratify(s, counts.reset_index(), cells)
            strata = s[cells].astype(str).agg("|".join, axis=1)
            return Weighting(w, words, [tuple(cells)], strata)
    margins = {
        ("country", "family"): pop.groupby(["country", "family"])["N"].sum(),
        ("country", "size_band"): pop.groupby(["country", "size_band"])["N"].sum(),
    }
    margins = {k: v.set_axis(list(v.index)) for k, v in margins.items()}  # tuples, as rake's keys
    w = rake(s, margins)
    trimmed = trim(s, w, margins, cap, by=("country", "family"))
    cut = f", poids écrêtés à {cap:g} fois la médiane de leur pays × famille puis recalés"
    words = RAKING_WORDS + (cut if not trimmed.equals(w) else "")
    return Weighting(trimmed, words, list(margins), None)
