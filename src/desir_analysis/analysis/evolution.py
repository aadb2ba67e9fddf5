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
SERIES_BY = ("country", "nuts3")


@dataclass
class Series:
    """The protected ESS jobs by territory and by country, year by year (long tables with ``year``)."""

    territories: pd.DataFrame  # nuts3 (margin: the zone), headcount, status, year, ess (published value)
    countries: pd.DataFrame  # country (margin: the zone), headcount, status, year
    years: list[int]


def series(protected: dict[str, pd.DataFrame], first: int, last: int) -> Series:
    """The protected series of ESS jobs from ``first`` to ``last`` (years protected with the edition)."""
    years = [y for y in range(first, last + 1) if shared_cells.table_name("ess_jobs", SERIES_BY, y) in protected]
    terr, countries = [], []
    for y in years:
        t = protected[shared_cells.table_name("ess_jobs", SERIES_BY, y)]
        terr.append(t[t["country"].eq(TOTAL)].drop(columns="country").assign(year=y))
        countries.append(t[t["nuts3"].eq(TOTAL)].drop(columns="nuts3").assign(year=y))
    evo = pd.concat(terr, ignore_index=True)
    evo["ess"] = evo["headcount"].where(evo["status"].eq(PUBLISHED))
    return Series(evo, pd.concat(countries, ignore_index=True), years)


def series_table(s: Series) -> pd.DataFrame:
    """ESS jobs by territory (rows, ``nuts3``) and year (columns), masked cells blank, absent cells 0; row status."""
    tab = s.territories.pivot(index="nuts3", columns="year", values="ess")
    tab_status = s.territories.pivot(index="nuts3", columns="year", values="status")
    tab = tab.where(tab_status.notna(), 0.0)  # no cell that year: no ESS establishment, a true zero
    tab.columns = [str(c) for c in tab.columns]
    tab = tab.reset_index()
    tab["status"] = disclosure.combine_status(tab_status).to_numpy()
    return tab


def _published_territories(s: Series) -> pd.DataFrame:
    return s.territories[s.territories["nuts3"].ne(TOTAL) & s.territories["ess"].notna()]


def change_by_territory(s: Series) -> pd.DataFrame:
    """Change (%) of each territory's ESS jobs from the first to the last year, largest first.

    ``Évolution (%) = 100 × v_last / v_first − 100``, for the territories published both
    years (first and last year with a published territory); ``country`` from the NUTS code.
    """
    evo = _published_territories(s).copy()
    base = evo[evo["year"] == evo["year"].min()].set_index("nuts3")["ess"]
    evo["indice"] = 100 * evo["ess"] / evo["nuts3"].map(base)
    last = evo[evo["year"] == evo["year"].max()].dropna(subset=["indice"]).copy()
    last["Évolution (%)"] = last["indice"] - 100
    last["country"] = last["nuts3"].str[:2]
    return last.sort_values("Évolution (%)", ascending=False)[["country", "nuts3", "Évolution (%)"]]


def published_years(s: Series) -> tuple[int, int]:
    """First and last year with a published territory cell (the series' own years when none is published)."""
    evo = _published_territories(s)
    if evo.empty:
        return s.years[0], s.years[-1]
    return int(evo["year"].min()), int(evo["year"].max())


def yearly_growth(s: Series) -> pd.Series:
    """Compound yearly growth (%) of each published territory: ``(v_last / v_first) ** (1 / span) − 1``."""
    growth = _published_territories(s).pivot(index="nuts3", columns="year", values="ess")
    if growth.shape[1] < 2:
        return pd.Series(dtype="float64")
    first, last = growth.columns.min(), growth.columns.max()
    return 100 * ((growth[last] / growth[first]) ** (1 / (last - first)) - 1)


def country_trends(s: Series, horizon: int = 3) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Linear trend of each country's ESS jobs (:func:`models.trend`), from the protected country cells.

    Returns:
        The points by country code (observed, fitted, intervals, projection) and one row
        per country: slope and its 95 % interval, projection at ``horizon`` and its
        prediction interval.
    """
    c = s.countries[s.countries["country"].ne(TOTAL) & s.countries["status"].eq(PUBLISHED)]
    c = c.rename(columns={"headcount": "ess"})[["country", "year", "ess"]]
    points, rows = {}, []
    last_year = max(s.years)
    for country, grp in c.groupby("country"):
        pts, coef = models.trend(grp, "ess", horizon=horizon)
        points[country] = pts
        slope = coef.set_index("term").loc["slope"]
        rows.append(
            {
                "country": country,
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


def cell_statuses(start: pd.DataFrame, end: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Each cell's status at the start (``status_0``), at the end (``status_1``) and over both.

    ``status``: masked in either year -> masked. Indexed by ``by``.
    """
    s = start.merge(end, on=by, how="outer", suffixes=("_0", "_1"))
    s["status"] = disclosure.combine_status(s[["status_0", "status_1"]]).to_numpy()
    return s.set_index(by)[["status", "status_0", "status_1"]]


def shift_share_by_country(
    start_est: pd.DataFrame,
    end_est: pd.DataFrame,
    national: tuple[pd.DataFrame, pd.DataFrame],
    perimeter: str,
    statuses: pd.Series,
    years: tuple[int, int],
) -> pd.DataFrame:
    """Publishable shift-share of the zone's ESS jobs by sector, for each country (:func:`indicators.shift_share`).

    National effect + sector-mix effect + local effect = the observed change, exactly.
    Reference: the whole country's ESS jobs by sector (national aggregates) at both dates.
    Sectors masked at either date are blanked and the total row (sector :data:`TOTAL`)
    withholds the split (:func:`indicators.shift_share_publishable`).

    Args:
        start_est: the zone's ESS establishments at the start year.
        end_est: the zone's ESS establishments at the end year.
        national: the national aggregates at the start and at the end year.
        perimeter: the perimeter whose national jobs are the reference.
        statuses: cell status by (``country``, ``sector_group``) over both years (:func:`cell_statuses`).
        years: (start, end) for the column headings.
    """
    parts = []
    for c in sorted(set(end_est["country"])):
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
        ss = ss.drop(columns="country", errors="ignore")
        total = statuses.loc[(c, TOTAL)] if (c, TOTAL) in statuses.index else None
        table = indicators.shift_share_publishable(
            ss,
            "sector_group",
            statuses["status"].xs(c),
            "primary" if total is None else total["status"],
            total_label=TOTAL,
            total_years=("primary", "primary") if total is None else (total["status_0"], total["status_1"]),
        )
        parts.append(table.assign(country=c))
    shift = pd.concat(parts, ignore_index=True)
    names = {k: v.format(start=years[0], end=years[1]) for k, v in SHIFT_SHARE_COLUMNS.items()}
    return shift.rename(columns=names)[["country", "sector_group", *names.values(), "status"]]


__all__ = [
    "Series",
    "cell_statuses",
    "change_by_territory",
    "country_trends",
    "published_years",
    "yearly_growth",
    "series",
    "series_table",
    "shift_share_by_country",
]
