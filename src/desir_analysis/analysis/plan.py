"""The personal-services development plan: jobs needed at a horizon under three scenarios, and its monitoring.

Scenarios work on the jobs of the elderly segment (help at home for elderly and
disabled people) by territory; full-time equivalents follow at each territory's
base-year ratio of FTE to jobs (French EQTP and Belgian Q4 FTE are national
definitions: never added across the border).

- **A — constant staffing** (INSEE's « taux d'encadrement constants »): the people
  served are segments age group × setting, ``dependents_s = population_age × dependency
  rate × share in the setting`` (assumptions file), weighted by the setting's relative
  staffing; the staffing per weighted dependent person is calibrated on the base year's
  observed jobs, so that ``needed(t, base) = observed(t)`` and
  ``needed(t, y) = observed(t) × W(t, y) / W(t, base)`` with ``W = Σ_s w_s × dependents_s``.
  With one segment this is plain proportional growth of its population; with several
  segments growing at different rates the total grows at a rate of its own.
- **B — convergence**: coverage (jobs per 1 000 people aged 75+) moves in a straight
  line from its base value to ``max(base value, the zone's upper quartile)`` at the
  horizon: no territory is lowered.
- **C — target**: coverage moves in a straight line to the user's ``target_ratio`` at the
  horizon (reached exactly).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from desir_analysis.analysis import cells
from desir_analysis.analysis.personal_services import best_source
from desir_analysis.reference import PLAN_AGE_GROUPS as AGE_GROUPS

PER = 1000.0  # coverage: jobs per 1 000 people aged 75+
ON_TRACK, REACHED, LATE = "en bonne voie", "atteint", "en retard"


def age_group_population(population: pd.DataFrame, groups: list[str]) -> pd.DataFrame:
    """Population of each assumptions age group by ``nuts3`` × ``year`` (both sexes).

    One source per territory-year (:func:`personal_services.best_source`: Eurostat observed,
    else Statbel, else the Eurostat projection). Returns ``nuts3``, ``year``, ``age_group``, ``value``.
    """
    has_t = population.groupby(["nuts3", "year", "source"])["sex"].transform(lambda s: s.eq("T").any())
    p = population[population["sex"].eq("T") | ~has_t]
    parts = []
    amin, amax = p["age_min"].astype("Int64"), p["age_max"].astype("Int64")
    for g in groups:
        lo, hi = AGE_GROUPS[g]
        inside = amin.ge(lo) & (amax.le(hi) if hi is not None else True)
        sel = p[inside.fillna(False).astype(bool)]
        v = sel.groupby(["nuts3", "year", "kind", "source"], as_index=False)["population"].sum()
        parts.append(v.rename(columns={"population": "value"}).assign(age_group=g))
    out = best_source(pd.concat(parts, ignore_index=True))
    return out[["nuts3", "year", "age_group", "value"]].reset_index(drop=True)


def weighted_dependents(pop_by_age: pd.DataFrame, assumptions: pd.DataFrame) -> pd.DataFrame:
    """``W(t, y) = Σ_s relative_staffing_s × population_age(s) × dependency_rate_s × setting_share_s``.

    Args:
        pop_by_age: ``nuts3``, ``year``, ``age_group``, ``value`` (:func:`age_group_population`).
        assumptions: the assumptions table (:func:`sources.plan_files.read_assumptions`).

    Returns:
        ``nuts3``, ``year``, ``weighted`` (people served, staffing-weighted) and ``dependents``
        (dependent people of every setting).
    """
    a = assumptions.assign(
        factor=assumptions["dependency_rate"] * assumptions["setting_share"] * assumptions["relative_staffing"],
        dep=assumptions["dependency_rate"] * assumptions["setting_share"],
    )
    per_age = a.groupby("age_group")[["factor", "dep"]].sum()
    m = pop_by_age.merge(per_age, left_on="age_group", right_index=True, how="inner", validate="m:1")
    m = m.assign(weighted=m["value"] * m["factor"], dependents=m["value"] * m["dep"])
    return m.groupby(["nuts3", "year"], as_index=False)[["weighted", "dependents"]].sum()


def scenario_constant_staffing(
    observed: pd.Series, weighted: pd.DataFrame, base: int, years: list[int]
) -> pd.DataFrame:
    """Scenario A: ``needed(t, y) = observed(t) × W(t, y) / W(t, base)`` (constant staffing per dependent person).

    Args:
        observed: base-year jobs by ``nuts3`` (published cells only).
        weighted: :func:`weighted_dependents`.
        base: the base year (calibration).
        years: the years to project (the base year included gives back ``observed``).
    """
    w = weighted.set_index(["nuts3", "year"])["weighted"].astype("float64")
    rows = []
    for t, obs in observed.astype("float64").items():
        w0 = w.get((t, base), np.nan)
        for y in years:
            rows.append({"nuts3": t, "year": y, "needed": obs * w.get((t, y), np.nan) / w0 if w0 else np.nan})
    return pd.DataFrame(rows, columns=["nuts3", "year", "needed"])


def _path(start: float, end: float, base: int, horizon: int, year: int) -> float:
    return start + (end - start) * (year - base) / (horizon - base)


def scenario_coverage_path(
    observed: pd.Series, pop75: pd.DataFrame, base: int, horizon: int, years: list[int], target: pd.Series
) -> pd.DataFrame:
    """Coverage moving in a straight line from the base year to ``target`` (jobs per 1 000 aged 75+) at the horizon.

    ``needed(t, y) = coverage(t, y) × pop75(t, y) / 1 000`` with
    ``coverage(t, y) = c0 + (target − c0) × (y − base) / (horizon − base)``, ``c0`` the base coverage.
    """
    p = pop75.set_index(["nuts3", "year"])["value"].astype("float64")
    target = target.astype("float64")
    rows = []
    for t, obs in observed.astype("float64").items():
        p0 = p.get((t, base), np.nan)
        c0 = PER * obs / p0 if p0 else np.nan
        for y in years:
            c = _path(c0, float(target.get(t, np.nan)), base, horizon, y)
            rows.append({"nuts3": t, "year": y, "coverage": c, "needed": c * p.get((t, y), np.nan) / PER})
    return pd.DataFrame(rows, columns=["nuts3", "year", "coverage", "needed"])


def scenario_convergence(
    observed: pd.Series, pop75: pd.DataFrame, base: int, horizon: int, years: list[int]
) -> pd.DataFrame:
    """Scenario B: every territory converges to ``max(its coverage, the zone's upper quartile)`` at the horizon."""
    observed = observed.astype("float64")
    p0 = pop75[pop75["year"] == base].set_index("nuts3")["value"].astype("float64").reindex(observed.index)
    c0 = PER * observed / p0
    q3 = float(c0.dropna().quantile(0.75)) if c0.notna().any() else np.nan
    return scenario_coverage_path(observed, pop75, base, horizon, years, np.maximum(c0, q3))


def scenario_target(
    observed: pd.Series, pop75: pd.DataFrame, base: int, horizon: int, years: list[int], target_ratio: float
) -> pd.DataFrame:
    """Scenario C: every territory reaches ``target_ratio`` jobs per 1 000 aged 75+ at the horizon."""
    return scenario_coverage_path(
        observed, pop75, base, horizon, years, pd.Series(target_ratio, index=observed.index, dtype="float64")
    )


def needs_table(
    scenarios: dict[str, pd.DataFrame],
    observed: pd.Series,
    fte_per_job: pd.Series,
    ess_share: pd.Series,
) -> pd.DataFrame:
    """Jobs and FTE needed per scenario, territory and year, the gap to today and the part the ESS would fill.

    ``FTE needed = jobs needed × (FTE / jobs at the base year)``; ``gap = needed − observed``;
    ``ESS part = needed × the ESS share of the segment's jobs at the base year``.
    """
    parts = []
    for name, s in scenarios.items():
        d = s.assign(scenario=name)
        d["observed"] = d["nuts3"].map(observed)
        d["needed_fte"] = d["needed"] * d["nuts3"].map(fte_per_job)
        d["gap"] = d["needed"] - d["observed"]
        d["ess_part"] = d["needed"] * d["nuts3"].map(ess_share)
        parts.append(d)
    out = pd.concat(parts, ignore_index=True)
    return out[["scenario", "nuts3", "year", "observed", "needed", "needed_fte", "gap", "ess_part"]]


def target_status(target: pd.Series, actual: float, year: int) -> tuple[str, float]:
    """Status of one target at ``year`` and the value on the straight line from base to target that year.

    « atteint » when the actual is at or beyond the target value; « en bonne voie » when it is at
    or beyond the straight line from (base year, base value) to (target year, target value);
    « en retard » otherwise. For a target that goes down, « beyond » means « below ».
    """
    line = _path(target["base_value"], target["target_value"], target["base_year"], target["target_year"], year)
    sign = 1.0 if target["target_value"] >= target["base_value"] else -1.0
    if np.isnan(actual):
        return "non disponible", line
    if sign * (actual - target["target_value"]) >= 0:
        return REACHED, line
    if sign * (actual - line) >= 0:
        return ON_TRACK, line
    return LATE, line


def monitor(targets: pd.DataFrame, actuals: pd.DataFrame) -> pd.DataFrame:
    """Every target against the actual values of every available year.

    Args:
        targets: :func:`sources.plan_files.read_targets`.
        actuals: ``territory``, ``indicator``, ``year``, ``value`` (published values; NaN when masked).

    Returns:
        One row per target and year from its base year: actual, value on the line, status.
    """
    rows = []
    for i, tg in targets.iterrows():
        a = actuals[(actuals["territory"] == tg["territory"]) & (actuals["indicator"] == tg["indicator"])]
        for _, r in a[a["year"] >= tg["base_year"]].sort_values("year").iterrows():
            actual = float(r["value"]) if pd.notna(r["value"]) else np.nan  # masked: « non disponible »
            status, line = target_status(tg, actual, int(r["year"]))
            rows.append(
                {
                    "target": i,
                    "territory": tg["territory"],
                    "indicator": tg["indicator"],
                    "year": int(r["year"]),
                    "actual": actual,
                    "on_line": line,
                    "target_year": tg["target_year"],
                    "target_value": tg["target_value"],
                    "status": status,
                }
            )
    return pd.DataFrame(rows)


def zone_total(table: pd.DataFrame, value: str, masked: pd.Series) -> float:
    """The zone's total of a derived value, only when no territory is masked (NaN otherwise).

    Each territory's needs grow at a rate of its own, so a zone total over masked territories
    would add an equation to those already published and could recover them: no total then.
    """
    return float(table[value].sum()) if not masked.any() else np.nan


def actuals(
    protected: dict[str, pd.DataFrame], years: list[int], pop75: pd.DataFrame, incomplete: set[int] | None = None
) -> pd.DataFrame:
    """The monitored indicators, year by year, from the protected series (masked cells: NaN).

    ``postes_coeur``: jobs of the core field; ``postes_personnes_agees``: jobs of the elderly
    segment; ``couverture_75``: the latter per 1 000 people aged 75+. Territories by NUTS3
    code; the whole zone as ``zone`` (the protected zone margin), NaN in the ``incomplete``
    years (a country's sources do not cover them: the margin would be one country's).
    """
    p = pop75.set_index(["nuts3", "year"])["value"]
    rows = []
    for y in years:
        t = protected[cells.table_name("ps_jobs", ("country", "nuts3", "ps_segment"), y)]
        t = t[t["country"].eq("Total")]
        value = t["headcount"].where(t["status"].eq("published"))
        for (terr, seg), v in zip(zip(t["nuts3"], t["ps_segment"], strict=True), value, strict=True):
            key = "zone" if terr == "Total" else terr
            v = np.nan if key == "zone" and y in (incomplete or set()) else v
            if seg == "Total":
                rows.append({"territory": key, "indicator": "postes_coeur", "year": y, "value": v})
            elif seg == "elderly":
                rows.append({"territory": key, "indicator": "postes_personnes_agees", "year": y, "value": v})
                if terr != "Total":
                    pop = p.get((terr, y), np.nan)
                    rows.append({"territory": key, "indicator": "couverture_75", "year": y, "value": PER * v / pop})
    return pd.DataFrame(rows)
