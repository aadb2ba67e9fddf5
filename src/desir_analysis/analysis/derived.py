"""Indicators derived from protected cells: never computed over a masked cell.

The studies publish cells of the edition's shared protection
(:mod:`desir_analysis.analysis.cells`) and numbers derived from them: shares,
weights, densities, the "rest of the zone", growth rates. A derived number is a
relation between cells: computed from a masked cell, it would give that cell away.
Each function here therefore returns a value only where every cell it uses is
published, and a ``status`` column that says which rows hold a secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from desir_analysis.analysis import cells as shared_cells
from desir_analysis.analysis import disclosure, indicators
from desir_analysis.build import store
from desir_analysis.reference import classify

TOTAL = disclosure.TOTAL
PUBLISHED = "published"


def select(
    protected: dict[str, pd.DataFrame],
    measure: str,
    by: tuple[str, ...],
    year: int | None = None,
    **where: str | list[str],
) -> pd.DataFrame:
    """Rows of a shared protected table where ``column == value`` for each ``where``.

    A single value selects and drops its column; a list of values keeps the column.

    Args:
        protected: the edition's protected tables (:func:`cells.load`).
        measure: ``ess_jobs``, ``ess_units``, ``all_jobs``…
        by: the breakdown, e.g. ``("Pays", "Famille")``.
        year: a year of the series (``None``: the edition year).
        where: restrictions, e.g. ``Famille="Total"``.
    """
    t = protected[shared_cells.table_name(measure, by, year)]
    for col, val in where.items():
        t = t[t[col].isin(val)] if isinstance(val, list) else t[t[col].eq(val)]
    return t.drop(columns=[c for c, v in where.items() if not isinstance(v, list)])


def series_years(
    protected: dict[str, pd.DataFrame], measure: str, by: tuple[str, ...], first: int, last: int
) -> list[int]:
    """The years from ``first`` to ``last`` for which the protected series table exists."""
    return [y for y in range(first, last + 1) if shared_cells.table_name(measure, by, y) in protected]


def rest_status(a: str, b: str) -> str:
    """Status of a difference ``b − a`` of two cells: published only when both are."""
    return PUBLISHED if a == PUBLISHED and b == PUBLISHED else "secondary"


def key_figures(jobs: pd.DataFrame, units: pd.DataFrame, name: str, populations: dict[str, float]) -> pd.DataFrame:
    """A territory against the rest of the zone and the zone: establishments, jobs, ESS share, density.

    Formulas: rest of the zone = zone − territory (published when both are);
    ``Part de l'ESS (%) = 100 × ESS jobs / all jobs``;
    ``pour 100 000 hab. = 100 000 × ESS jobs / population``. A row with any masked cell
    shows no number (its status says why).

    Args:
        jobs: protected ``all_jobs`` by ``Territoire`` × ``champ`` (ESS / Hors ESS / Total).
        units: protected ``ess_units`` by ``Territoire`` (family total).
        name: the territory's name (its ``Territoire`` value).
        populations: population of ``name``, ``"Reste de la zone"`` and the zone (:data:`TOTAL`).
    """
    both = [name, TOTAL]
    p = jobs[jobs["Territoire"].isin(both)]
    n = units[units["Territoire"].isin(both)]
    # an absent cell (no establishment at all, e.g. no ESS in the territory) is a true zero
    wide = p.pivot(index="Territoire", columns="champ", values="headcount").reindex(
        index=both, columns=["ESS", "Total"]
    )
    wide = wide.fillna(0.0)
    status = p.pivot(index="Territoire", columns="champ", values="status").reindex(index=both, columns=["ESS", "Total"])
    n = n.set_index("Territoire").reindex(both)
    n["one"] = n["one"].fillna(0)
    status["etablissements"] = n["status"]
    wide.loc["Reste de la zone"] = wide.loc[TOTAL] - wide.loc[name]
    status.loc["Reste de la zone"] = [rest_status(status.loc[name, c], status.loc[TOTAL, c]) for c in status.columns]
    n.loc["Reste de la zone", "one"] = n.loc[TOTAL, "one"] - n.loc[name, "one"]
    row_status = disclosure.combine_status(status)
    rows = []
    for label in [name, "Reste de la zone", TOTAL]:
        e, t = wide.loc[label, "ESS"], wide.loc[label, "Total"]
        good = row_status.get(label) == PUBLISHED
        pop = populations.get(label, float("nan"))
        rows.append(
            {
                "": "Zone" if label == TOTAL else label,
                "Établissements ESS": n.loc[label, "one"] if good else None,
                "Postes ESS": e if good else None,
                "Postes, total": t if good else None,
                "Part de l'ESS (%)": 100 * e / t if good and t else None,
                "Postes ESS pour 100 000 hab.": 100000 * e / pop if good and pop else None,
                "status": row_status[label],
            }
        )
    return pd.DataFrame(rows)


def weights(here: pd.DataFrame, zone: pd.DataFrame, by: str, here_label: str) -> pd.DataFrame:
    """A territory's cells with their weight in its ESS, next to the same weight in the whole zone.

    ``Part (%) = 100 × cell / total`` on each side. Both weights are ratios of published
    cells: a masked cell, here or in the zone, masks its row; a weight over a masked
    total would give the total away, so there is none then.

    Args:
        here: the territory's protected jobs by ``by`` (with the :data:`TOTAL` row).
        zone: the zone's protected jobs by ``by``.
        by: the breakdown column (``Famille``, ``Secteur``).
        here_label: the territory's name, for the column heading.
    """
    t = here.merge(zone[[by, "headcount", "status"]], on=by, how="left", suffixes=("", "_zone"))
    t["status"] = disclosure.combine_status(t[["status", "status_zone"]]).to_numpy()
    shown = t["status"].eq(PUBLISHED)
    total = t[t[by].eq(TOTAL)].iloc[0]
    here_ok, zone_ok = total["status"] == PUBLISHED, total["status_zone"] == PUBLISHED
    t["part_here"] = (100 * t["headcount"] / total["headcount"]).where(shown & here_ok)
    t["part_zone"] = (100 * t["headcount_zone"] / total["headcount_zone"]).where(shown & zone_ok)
    t["headcount"] = t["headcount"].where(shown)
    t = t.sort_values(by, key=lambda s: s.eq(TOTAL), ignore_index=True)
    return t[[by, "headcount", "part_here", "part_zone", "status"]].rename(
        columns={
            "headcount": "Postes au 31/12",
            "part_here": f"Part dans l'ESS de {here_label} (%)",
            "part_zone": "Part dans l'ESS de la zone (%)",
        }
    )


def published_series(protected: dict[str, pd.DataFrame], years: list[int], **where: str) -> pd.DataFrame:
    """The published ESS jobs of one cell of ``ess_jobs`` by ``Pays`` × ``Territoire``, year by year.

    Returns ``year`` and ``headcount`` for the years where the cell is published.
    """
    parts = [select(protected, "ess_jobs", ("Pays", "Territoire"), y, **where).assign(year=y) for y in years]
    out = pd.concat(parts, ignore_index=True)
    return out[out["status"].eq(PUBLISHED)][["year", "headcount"]].reset_index(drop=True)


def growth_between_ends(series: pd.DataFrame, value: str = "headcount") -> pd.Series:
    """Change from the first to the last year of a series and its compound annual growth rate.

    ``cagr = (v_last / v_first) ** (1 / (last − first)) − 1`` (%, :func:`indicators.period_change`);
    NaN when the series has fewer than two years or starts at zero.
    """
    if len(series) < 2:
        return pd.Series(
            {"start": np.nan, "end": np.nan, "start_value": np.nan, "end_value": np.nan, "cagr_pct": np.nan}
        )
    first, last = int(series["year"].min()), int(series["year"].max())
    out = indicators.period_change(series, value, [], first, last).iloc[0]
    return out[["start", "end", "start_value", "end_value", "cagr_pct"]]


@dataclass(frozen=True)
class TerritoryContext:
    """What a fact sheet needs to know of its territory besides the protected cells."""

    country: str  # FR | BE
    population: float
    rest_population: float
    zone_population: float

    def populations(self, name: str) -> dict[str, float]:
        """Populations keyed as :func:`key_figures` expects (territory name, rest of the zone, zone)."""
        return {name: self.population, "Reste de la zone": self.rest_population, TOTAL: self.zone_population}


def territory_context(
    year: int, zone: str, perimeter: str, territory: str, processed_dir: Path | None = None
) -> TerritoryContext:
    """Country and populations (territory, rest of the zone, zone) of a territory of the zone.

    Population on 1 January of ``year`` (:func:`indicators.population_by_territory`:
    Statbel, else INSEE, else Eurostat); the zone is the territories with at least one
    employer establishment in the processed year.

    Raises:
        ValueError: the territory has no employer establishment in the zone that year.
    """
    est = store.load(year, "establishments", processed_dir)
    est = indicators.flag_perimeter(est[classify.in_zone(est, zone)], perimeter)
    here = est[est["nuts3"] == territory]
    if here.empty:
        raise ValueError(f"territory {territory!r} has no establishment in zone {zone!r} for {year}")
    pop = indicators.population_by_territory(store.load(year, "population", processed_dir), year)
    popv = pop.set_index("nuts3")["population"]
    zone_pop = popv.reindex(est["nuts3"].unique()).sum()
    return TerritoryContext(
        str(here["country"].iloc[0]),
        popv.get(territory, float("nan")),
        zone_pop - popv.get(territory, 0),
        zone_pop,
    )
