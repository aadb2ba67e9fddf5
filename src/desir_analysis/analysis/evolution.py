"""Evolution of ESS jobs from the protected series: tables, changes, trends, shift-share, synthesis.

Every number here comes from cells of the edition's shared protection (one status
per cell in every document): a country total is the protected country cell, never
a sum of published territories (which would silently leave the masked ones out).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from desir_analysis.analysis import cells as shared_cells
from desir_analysis.analysis import disclosure, indicators, models

TOTAL = disclosure.TOTAL
PUBLISHED = "published"
SERIES_BY = ("Pays", "Territoire")


@dataclass
class Series:
    """The protected ESS jobs by territory and by country, year by year (long tables with ``year``)."""

    territories: pd.DataFrame  # Territoire (margin: the zone), headcount, status, year, ess (published value)
    countries: pd.DataFrame  # Pays (margin: the zone), headcount, status, year
    years: list[int]


def series(protected: dict[str, pd.DataFrame], first: int, last: int) -> Series:
    """The protected series of ESS jobs from ``first`` to ``last`` (years protected with the edition)."""
    years = [y for y in range(first, last + 1) if shared_cells.table_name("ess_jobs", SERIES_BY, y) in protected]
    terr, countries = [], []
    for y in years:
        t = protected[shared_cells.table_name("ess_jobs", SERIES_BY, y)]
        terr.append(t[t["Pays"].eq(TOTAL)].drop(columns="Pays").assign(year=y))
        countries.append(t[t["Territoire"].eq(TOTAL)].drop(columns="Territoire").assign(year=y))
    evo = pd.concat(terr, ignore_index=True)
    evo["ess"] = evo["headcount"].where(evo["status"].eq(PUBLISHED))
    return Series(evo, pd.concat(countries, ignore_index=True), years)


def series_table(s: Series) -> pd.DataFrame:
    """ESS jobs by territory (rows) and year (columns), masked cells blank, the zone last; row status."""
    tab = s.territories.pivot(index="Territoire", columns="year", values="ess")
    tab_status = s.territories.pivot(index="Territoire", columns="year", values="status")
    tab.columns = [str(c) for c in tab.columns]
    tab = tab.reset_index()
    tab["status"] = disclosure.combine_status(tab_status).to_numpy()
    return tab.sort_values("Territoire", key=lambda x: x.eq(TOTAL)).reset_index(drop=True)


def change_by_territory(s: Series, country_of: dict[str, str]) -> pd.DataFrame:
    """Change (%) of each territory's ESS jobs from its first to its last published year, largest first.

    ``Évolution (%) = 100 × v_last / v_first − 100`` over the years where the territory
    is published (the first year of the whole series as base, the last as end).
    """
    evo = s.territories[s.territories["Territoire"].ne(TOTAL) & s.territories["ess"].notna()].copy()
    base = evo[evo["year"] == evo["year"].min()].set_index("Territoire")["ess"]
    evo["indice"] = 100 * evo["ess"] / evo["Territoire"].map(base)
    last = evo[evo["year"] == evo["year"].max()].dropna(subset=["indice"]).copy()
    last["Évolution (%)"] = last["indice"] - 100
    last["Pays"] = last["Territoire"].map(country_of)
    return last.sort_values("Évolution (%)", ascending=False)


def published_years(s: Series) -> tuple[int, int]:
    """First and last year with a published territory cell."""
    evo = s.territories[s.territories["Territoire"].ne(TOTAL) & s.territories["ess"].notna()]
    return int(evo["year"].min()), int(evo["year"].max())


def country_trends(s: Series, horizon: int = 3) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Linear trend of each country's ESS jobs (:func:`models.trend`), from the protected country cells.

    Returns:
        The points by country (observed, fitted, intervals, projection) and one row per
        country: slope and its 95 % interval, projection at ``horizon`` and its
        prediction interval.
    """
    c = s.countries[s.countries["Pays"].ne(TOTAL) & s.countries["status"].eq(PUBLISHED)]
    c = c.rename(columns={"headcount": "ess"})[["Pays", "year", "ess"]]
    points, rows = {}, []
    last_year = max(s.years)
    for pays, grp in c.groupby("Pays"):
        pts, coef = models.trend(grp, "ess", horizon=horizon)
        points[pays] = pts
        slope = coef.set_index("term").loc["slope"]
        rows.append(
            {
                "Pays": pays,
                "Pente (postes par an)": slope["coef"],
                "IC 95 % bas": slope["ci_low"],
                "IC 95 % haut": slope["ci_high"],
                f"Projection {last_year + horizon}": pts["fitted"].iloc[-1],
                "Prévision basse": pts["pi_low"].iloc[-1],
                "Prévision haute": pts["pi_high"].iloc[-1],
            }
        )
    return points, pd.DataFrame(rows)


SHIFT_SHARE_COLUMNS = {
    "start_value": "Postes {start}",
    "end_value": "Postes {end}",
    "change": "Évolution",
    "reference_growth": "Effet national",
    "sector_mix": "Effet de structure",
    "local_effect": "Effet local",
    "structure_plus_local": "Écart au rythme national (structure + local)",
    "note": "Note",
}


def cell_statuses(start: pd.DataFrame, end: pd.DataFrame, by: list[str]) -> pd.Series:
    """One status per cell over two protected tables (masked in either -> masked), indexed by ``by``."""
    s = start.merge(end, on=by, how="outer", suffixes=("_0", "_1"))
    s["status"] = disclosure.combine_status(s[["status_0", "status_1"]]).to_numpy()
    return s.set_index(by)["status"]


def shift_share_by_country(
    start_est: pd.DataFrame,
    end_est: pd.DataFrame,
    national: tuple[pd.DataFrame, pd.DataFrame],
    perimeter: str,
    statuses: pd.Series,
    country_names: dict[str, str],
    sector_names: dict[str, str],
    years: tuple[int, int],
) -> pd.DataFrame:
    """Publishable shift-share of the zone's ESS jobs by sector, for each country (:func:`indicators.shift_share`).

    National effect + sector-mix effect + local effect = the observed change, exactly.
    Reference: the whole country's ESS jobs by sector (national aggregates) at both dates.
    Sectors masked at either date are blanked and the total row withholds the split
    (:func:`indicators.shift_share_publishable`).

    Args:
        start_est: the zone's ESS establishments at the start year; ``end_est`` at the end.
        end_est: see ``start_est``.
        national: the national aggregates at the start and at the end year.
        perimeter: the perimeter whose national jobs are the reference.
        statuses: cell status by (``Pays``, ``Secteur``) over both years (:func:`cell_statuses`).
        country_names: country code -> ``Pays`` value; ``sector_names`` sector code -> ``Secteur``.
        sector_names: see ``country_names``.
        years: (start, end) for the column headings.
    """
    parts = []
    for c in sorted(set(end_est["country"])):
        pays = country_names[c]
        ref0, ref1 = (
            indicators.national_reference(n, c, perimeter).rename(columns={"jobs": "headcount"}) for n in national
        )
        ss = indicators.shift_share(
            start_est[start_est["country"] == c],
            end_est[end_est["country"] == c],
            "country",
            "sector_group",
            "headcount",
            ref0,
            ref1,
        )
        ss["Secteur"] = ss["sector_group"].map(sector_names)
        table = indicators.shift_share_publishable(
            ss, "Secteur", statuses.xs(pays), statuses.get((pays, TOTAL), "primary")
        )
        parts.append(table.assign(Pays=pays))
    shift = pd.concat(parts, ignore_index=True)
    shift = shift.sort_values(
        ["Pays", "Secteur"], key=lambda x: x.map(lambda v: (v == "Ensemble", v)), ignore_index=True
    )
    names = {k: v.format(start=years[0], end=years[1]) for k, v in SHIFT_SHARE_COLUMNS.items()}
    shift = shift.rename(columns=names)
    return shift[["Pays", "Secteur", *names.values(), "status"]]


__all__ = [
    "Series",
    "cell_statuses",
    "change_by_territory",
    "country_trends",
    "published_years",
    "series",
    "series_table",
    "shift_share_by_country",
]
