"""Evolution of ESS jobs from the protected series: tables, changes, trends, shift-share, synthesis.

Every number here comes from cells of the edition's shared protection (one status
per cell in every document): a country total is the protected country cell, never
a sum of published territories (which would silently leave the masked ones out).

Series breaks (:mod:`desir_analysis.analysis.breaks`): a country's changes, growth rates and
trend start with the first year after its latest non-comparable break (``Series.starts``);
a year a country's sources do not cover is a gap (« non disponible »), never interpolated.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from desir_analysis.analysis import breaks as series_breaks
from desir_analysis.analysis import cells as shared_cells
from desir_analysis.analysis import disclosure, indicators, models

TOTAL = disclosure.TOTAL
PUBLISHED = "published"
SERIES_BY = ("country", "nuts3")
#: A year a country's sources do not cover (« non disponible », never a zero nor an interpolation).
UNAVAILABLE = disclosure.NOT_AVAILABLE
#: The break column of the tables of evolution.
BREAK_COLUMN = "Rupture de série"


@dataclass
class Series:
    """The protected ESS jobs by territory and by country, year by year (long tables with ``year``).

    ``coverage``: the countries each year's sources cover; ``breaks``: the breaks the years
    straddle (:func:`breaks.taken`); ``starts``: by country, the first year of its comparable
    series (after its latest non-comparable break of the job counts).
    """

    territories: pd.DataFrame  # nuts3 (margin: the zone), headcount, status, year, ess (published value)
    countries: pd.DataFrame  # country (margin: the zone), headcount, status, year
    years: list[int]
    coverage: dict[int, set[str]] = field(default_factory=dict)
    breaks: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=series_breaks.TAKEN_COLUMNS))
    starts: dict[str, int] = field(default_factory=dict)

    def start(self, country: str) -> int:
        """The first year of ``country``'s comparable series (the series' first year without a break)."""
        return self.starts.get(country, self.years[0] if self.years else 0)


def series(
    protected: dict[str, pd.DataFrame], first: int, last: int, provenances: dict[int, dict] | None = None
) -> Series:
    """The protected series of ESS jobs from ``first`` to ``last`` (years protected with the edition).

    ``provenances`` (year -> the processed year's ``provenance.json``) give each year's countries
    and series versions; without them every year covers the countries of its cells and no break
    is known.
    """
    years = [y for y in range(first, last + 1) if shared_cells.table_name("ess_jobs", SERIES_BY, y) in protected]
    terr, countries = [], []
    for y in years:
        t = protected[shared_cells.table_name("ess_jobs", SERIES_BY, y)]
        terr.append(t[t["country"].eq(TOTAL)].drop(columns="country").assign(year=y))
        countries.append(t[t["nuts3"].eq(TOTAL)].drop(columns="nuts3").assign(year=y))
    evo = pd.concat(terr, ignore_index=True)
    evo["ess"] = evo["headcount"].where(evo["status"].eq(PUBLISHED))
    by_country = pd.concat(countries, ignore_index=True)
    seen = set(by_country.loc[by_country["country"].ne(TOTAL), "country"])
    provs = provenances or {}
    coverage = {y: set(provs[y].get("countries", seen)) & seen if y in provs else set(seen) for y in years}
    taken = series_breaks.taken({y: provs[y].get("series_versions", {}) for y in years if y in provs})
    taken = taken[taken["country"].isin(seen) & taken["first_year"].gt(first)].reset_index(drop=True)
    starts = {c: series_breaks.comparable_from(taken, c, years[0] if years else first) for c in sorted(seen)}
    return Series(evo, by_country, years, coverage, taken, starts)


def series_table(s: Series) -> pd.DataFrame:
    """ESS jobs by territory (rows, ``nuts3``) and year (columns), with a break column and the row status.

    Masked cells blank; a territory without any ESS cell a year: 0 (no ESS establishment, a true
    zero); a year its country's sources do not cover, and the zone that year: « non disponible ».
    « Rupture de série »: the non-comparable breaks of the row's country (all countries' for the zone).
    """
    tab = s.territories.pivot(index="nuts3", columns="year", values="ess")
    tab_status = s.territories.pivot(index="nuts3", columns="year", values="status")
    tab = tab.where(tab_status.notna(), 0.0).astype(object)  # no cell that year: a true zero
    everyone = set().union(*s.coverage.values()) if s.coverage else set()
    for y in tab.columns:
        missing = everyone - s.coverage.get(y, everyone)
        gone = tab.index.to_series().str[:2].isin(missing) | (tab.index.to_series().eq(TOTAL) & bool(missing))
        tab.loc[gone.to_numpy(), y] = UNAVAILABLE
    tab.columns = [str(c) for c in tab.columns]
    tab = tab.reset_index()
    countries = tab["nuts3"].map(lambda n: sorted(everyone) if n == TOTAL else [n[:2]])
    hard = s.breaks[~s.breaks["comparable"]]  # the recodings apply to every year: no break for a reader
    tab[BREAK_COLUMN] = [series_breaks.row_label(hard, c) for c in countries]
    tab["status"] = disclosure.combine_status(tab_status).to_numpy()
    return tab


def _published_territories(s: Series) -> pd.DataFrame:
    """The published territory cells from their country's comparable start (:meth:`Series.start`)."""
    t = s.territories[s.territories["nuts3"].ne(TOTAL) & s.territories["ess"].notna()]
    return t[t["year"].to_numpy() >= _starts(s, t["nuts3"].str[:2])]


def _starts(s: Series, countries: pd.Series) -> np.ndarray:
    """The comparable start year of each row's country (:meth:`Series.start`), as integers."""
    return np.array([s.start(str(c)) for c in countries], dtype="int64")


def _ends(s: Series) -> pd.DataFrame:
    """Each territory's published values at its country's first and last year with a published territory.

    Columns ``country``, ``nuts3``, ``start``, ``end``, ``v_start``, ``v_end`` (only territories
    published at both ends; the ends are the country's, from its comparable start).
    """
    evo = _published_territories(s).assign(country=lambda d: d["nuts3"].str[:2])
    if evo.empty:
        return pd.DataFrame(columns=["nuts3", "country", "start", "end", "v_start", "v_end"])
    ends = evo.groupby("country")["year"].agg(start="min", end="max")
    evo = evo.join(ends, on="country")
    first = evo[evo["year"].eq(evo["start"])].set_index("nuts3")["ess"]
    last = evo[evo["year"].eq(evo["end"]) & evo["end"].gt(evo["start"])].set_index("nuts3")
    out = last[["country", "start", "end"]].assign(v_start=first.reindex(last.index), v_end=last["ess"])
    return out.dropna(subset=["v_start"]).reset_index()


def change_by_territory(s: Series) -> pd.DataFrame:
    """Change (%) of each territory's ESS jobs over its country's comparable period, largest first.

    ``Évolution (%) = 100 × v_end / v_start − 100``: from the first to the last year with a
    published territory of the country, from its comparable start (never across a
    non-comparable break), for the territories published both years; « Période » says which.
    """
    e = _ends(s)
    e["Période"] = e["start"].astype(str) + "-" + e["end"].astype(str)
    e["Évolution (%)"] = 100 * e["v_end"] / e["v_start"] - 100
    return e.sort_values("Évolution (%)", ascending=False)[["country", "nuts3", "Période", "Évolution (%)"]]


def periods(s: Series) -> dict[str, tuple[int, int]]:
    """By country, the period of its changes (:func:`change_by_territory`): first and last published year."""
    e = _ends(s)
    return {c: (int(g["start"].iloc[0]), int(g["end"].iloc[0])) for c, g in e.groupby("country")}


def yearly_growth(s: Series) -> pd.Series:
    """Compound yearly growth (%) of each published territory over its country's comparable period.

    ``100 × ((v_end / v_start) ** (1 / (end − start)) − 1)`` (:func:`change_by_territory`'s ends).
    """
    e = _ends(s).set_index("nuts3")
    return 100 * ((e["v_end"] / e["v_start"]) ** (1 / (e["end"] - e["start"])) - 1)


def country_trends(s: Series, horizon: int = 3) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Linear trend of each country's ESS jobs (:func:`models.trend`), from the protected country cells.

    The fit starts with the country's comparable start (:meth:`Series.start`); a country with
    fewer than 3 published years since then has no trend (a line through two points has no interval).

    Returns:
        The points by country code (observed, fitted, intervals, projection) and one row
        per country: the years fitted (« Période »), slope and its 95 % interval, projection at
        ``horizon`` and its prediction interval.
    """
    c = s.countries[s.countries["country"].ne(TOTAL) & s.countries["status"].eq(PUBLISHED)]
    c = c[c["year"].to_numpy() >= _starts(s, c["country"])]  # from the country's comparable start
    c = c.rename(columns={"headcount": "ess"})[["country", "year", "ess"]]
    points, rows = {}, []
    last_year = max(s.years)
    for country, grp in c.groupby("country"):
        if len(grp) < 3:
            continue
        pts, coef = models.trend(grp, "ess", horizon=horizon)
        points[country] = pts
        slope = coef.set_index("term").loc["slope"]
        rows.append(
            {
                "country": country,
                "Période": f"{int(grp['year'].min())}-{int(grp['year'].max())}",
                "Pente (postes par an)": slope["coef"],
                "IC 95 % bas": slope["ci_low"],
                "IC 95 % haut": slope["ci_high"],
                f"Projection {last_year + horizon}": pts["fitted"].iloc[-1],
                "Prévision basse": pts["pi_low"].iloc[-1],
                "Prévision haute": pts["pi_high"].iloc[-1],
            }
        )
    return points, pd.DataFrame(rows)


def decomposition_start(s: Series) -> int:
    """The first year of a decomposition by sector (shift-share) of the series' countries.

    The latest of the countries' comparable starts for the job counts and the sector
    nomenclatures (:func:`breaks.common_start`), then the first year every country is covered.
    The edition year when none is (no decomposition then).
    """
    start = series_breaks.common_start(s.breaks, sorted(s.starts), s.years[0], series_breaks.BY_SECTOR)
    everyone = set().union(*s.coverage.values()) if s.coverage else set()
    return next((y for y in s.years if y >= start and s.coverage.get(y, everyone) >= everyone), s.years[-1])


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
    "BREAK_COLUMN",
    "UNAVAILABLE",
    "Series",
    "cell_statuses",
    "decomposition_start",
    "periods",
    "change_by_territory",
    "country_trends",
    "yearly_growth",
    "series",
    "series_table",
    "shift_share_by_country",
]
