"""The zone's establishments and populations as the studies use them, and indicators protected by one study.

Loading helpers (the zone's establishments flagged for a perimeter, populations by
territory and country, a fact sheet's territory) and the indicators that are not
cells of the edition's shared protection yet — FTE by country, job quality, the
perimeter reconciliation — each protected on its own and declared ``local`` in the
publication plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from desir_analysis.analysis import cells as shared_cells
from desir_analysis.analysis import disclosure, indicators
from desir_analysis.build import store
from desir_analysis.reference import classify, membership

TOTAL = disclosure.TOTAL
PUBLISHED = "published"


def establishments(year: int, zone: str, perimeter: str, processed_dir: Path | None = None) -> pd.DataFrame:
    """The zone's employer establishments of ``year`` in the perimeter's countries, flagged ``in_ess``.

    With the breakdown columns of the publication plan (:func:`cells.with_breakdowns`).
    """
    est = store.load(year, "establishments", processed_dir)
    est = est[classify.in_zone(est, zone) & est["country"].isin(membership.countries(perimeter))]
    return shared_cells.with_breakdowns(indicators.flag_perimeter(est, perimeter))


def population_of_year(population: pd.DataFrame, year: int) -> pd.DataFrame:
    """Observed population by NUTS3 on 1 January of ``year`` (:func:`indicators.population_by_territory`)."""
    return indicators.population_by_territory(population, year)


def population_by_country(population: pd.DataFrame, nuts3: set[str]) -> dict[str, float]:
    """Population of the zone's territories (``nuts3``) by country code, and of the whole zone (:data:`TOTAL`)."""
    p = population[population["nuts3"].isin(nuts3)]
    out = p.groupby(p["nuts3"].str[:2])["population"].sum()
    out[TOTAL] = out.sum()
    return out.to_dict()


@dataclass(frozen=True)
class TerritoryContext:
    """What a fact sheet needs to know of its territory besides the protected cells."""

    country: str  # FR | BE
    population: float
    rest_population: float
    zone_population: float

    def populations(self, territory: str) -> dict[str, float]:
        """Populations keyed as :func:`derived.key_figures` expects (territory code, rest of the zone, zone)."""
        return {territory: self.population, "Reste de la zone": self.rest_population, TOTAL: self.zone_population}


def territory_context(
    year: int, zone: str, perimeter: str, territory: str, processed_dir: Path | None = None
) -> TerritoryContext:
    """Country and populations (territory, rest of the zone, zone) of a territory of the zone.

    Population on 1 January of ``year`` (Statbel, else INSEE, else Eurostat); the zone is
    its territories, in the countries the perimeter covers, with at least one employer
    establishment in the processed year.

    Raises:
        ValueError: the territory has no employer establishment in the zone that year.
    """
    est = store.load(year, "establishments", processed_dir, columns=["country", "territory", "nuts3"])
    est = est[classify.in_zone(est, zone) & est["country"].isin(membership.countries(perimeter))]
    here = est[est["nuts3"] == territory]
    if here.empty:
        raise ValueError(f"territory {territory!r} has no establishment in zone {zone!r} for {year}")
    pop = population_of_year(store.load(year, "population", processed_dir), year)
    popv = pop.set_index("nuts3")["population"]
    zone_pop = popv.reindex(est["nuts3"].unique()).sum()
    return TerritoryContext(
        str(here["country"].iloc[0]),
        popv.get(territory, float("nan")),
        zone_pop - popv.get(territory, 0),
        zone_pop,
    )


#: The job-quality ratios: column -> (numerator, denominator, scale).
JOB_QUALITY = {
    "Part des femmes (%)": ("women", "headcount", 100.0),
    "Part du temps partiel (%)": ("part_time", "headcount", 100.0),
    "Rémunération brute par EQTP (FR) / ETP (BE) (€)": ("payroll_eur", "fte", 1.0),
}
NOT_AVAILABLE = disclosure.NOT_AVAILABLE


def job_quality_by_country(ess: pd.DataFrame) -> pd.DataFrame | None:
    """Share of women, of part-time jobs and gross pay per FTE of the ESS by country.

    ``ratio = scale × Σ numerator / Σ denominator`` over the country's establishments. A
    country is shown only when its jobs (and, for the pay, its payroll) pass the primary rules
    (no margins: these are ratios, not additive cells). A ratio whose measures the country's
    source lacks (a missing column, or missing values) is « non disponible »; ``None`` when no
    ratio is available at all.
    """
    countries = sorted(ess["country"].dropna().unique())
    out = pd.DataFrame({"country": countries})
    st_h = disclosure.protect(ess, ["country"], "headcount", "establishment_id", margins=False)
    ok = np.array(st_h.set_index("country")["status"].eq(PUBLISHED).reindex(countries).fillna(False), dtype=bool)
    ratios: dict[str, list] = {}
    for i, c in enumerate(countries):
        rows = ess[ess["country"].eq(c)]
        for column, (num, den, scale) in JOB_QUALITY.items():
            complete = num in rows and den in rows and not rows[[num, den]].isna().any().any()
            if complete and num == "payroll_eur":  # the pay is shown only when the payroll passes the rules too
                st_p = disclosure.protect(rows, ["country"], "payroll_eur", "establishment_id", margins=False)
                ok[i] = ok[i] and bool(st_p["status"].eq(PUBLISHED).all())
            total = float(rows[den].sum()) if complete else 0.0
            value = scale * float(rows[num].sum()) / total if complete and total > 0 else np.nan
            ratios.setdefault(column, []).append(value if complete else NOT_AVAILABLE)
    if all(v == NOT_AVAILABLE for values in ratios.values() for v in values):
        return None
    for column, values in ratios.items():  # a masked country: every number of its row empty (« s »)
        out[column] = pd.Series(
            [v if v == NOT_AVAILABLE or ok[i] else np.nan for i, v in enumerate(values)], dtype="object"
        )
    out["status"] = np.where(ok, PUBLISHED, "primary")
    return out


def national_by_sector(national: pd.DataFrame, country: str, perimeter: str) -> pd.DataFrame:
    """The whole country's jobs of the perimeter by sector group (national aggregates)."""
    return indicators.national_reference(national, country, perimeter)
