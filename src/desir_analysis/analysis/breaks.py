"""Series breaks met by a series: which ones its years straddle, and where a comparable evolution starts.

Each processed year records the version of every series it is made with (``provenance.json``,
``series_versions``: the employment source, the activity nomenclature, the legal forms, the
communes; see ``reference/breaks.csv``) and the countries it covers (``countries``; a year no
French extract covers has no French side, ``gaps``). A break is *taken* between two years of a
series whose versions differ; an evolution (growth rate, trend, shift-share) never straddles a
non-comparable break: it starts with the break's first year, and the page says why.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from desir_analysis import reference

#: Columns of :func:`taken`.
TAKEN_COLUMNS = ["country", "series", "first_year", "label", "affects", "before", "after", "what_changes", "comparable"]

#: What an evolution of job counts must not straddle; a decomposition by sector, in addition, the sector breaks.
JOBS = ("jobs",)
BY_SECTOR = ("jobs", "sector")


def taken(versions: dict[int, dict[str, str]]) -> pd.DataFrame:
    """The breaks a series of years straddles: where a series' version changes between two of its years.

    For each series (``employment_fr``, ``activity_be``…), the years that record it are taken in
    order; where the version of a year differs from the previous one, the row of
    ``reference/breaks.csv`` whose ``after`` is the new version (the latest of them when several
    breaks fall between the two years) is the break taken. A change no row describes is reported
    as a non-comparable break of the job counts in the later year (never ignored).

    Args:
        versions: year -> ``series_versions`` of its provenance (a year without French side has no
            ``employment_fr``: the series skips it and the break is found between its neighbours).

    Returns:
        One row per break taken, columns :data:`TAKEN_COLUMNS`, by country and year.
    """
    table = reference.breaks()
    rows = []
    names = sorted({s for v in versions.values() for s in v})
    for series in names:
        years = sorted(y for y, v in versions.items() if series in v)
        for before, after in zip(years, years[1:], strict=False):
            old, new = versions[before][series], versions[after][series]
            if old == new:
                continue
            match = table[table["series"].eq(series) & table["after"].eq(new) & table["first_year"].le(after)]
            if len(match):
                rows.append(match.iloc[-1][TAKEN_COLUMNS].to_dict())
            else:
                country = "FR" if series.endswith("_fr") else "BE" if series.endswith("_be") else ""
                values = [country, series, after, f"{old} → {new}", "jobs", old, new, "", False]
                rows.append(dict(zip(TAKEN_COLUMNS, values, strict=True)))
    out = pd.DataFrame(rows, columns=TAKEN_COLUMNS)
    out["first_year"] = out["first_year"].astype("int64")
    out["comparable"] = out["comparable"].astype(bool)
    return out.sort_values(["country", "first_year", "series"], ignore_index=True)


def comparable_from(breaks: pd.DataFrame, country: str, first: int, affects: Iterable[str] = JOBS) -> int:
    """The first year of ``country``'s series from which an evolution is comparable.

    ``max(first, first_year of the latest non-comparable break of the country affecting affects)``;
    ``first`` when no such break falls after it. ``breaks``: :func:`taken`.
    """
    b = breaks[
        breaks["country"].eq(country)
        & ~breaks["comparable"]
        & breaks["affects"].isin(list(affects))
        & breaks["first_year"].gt(first)
    ]
    return int(max(first, b["first_year"].max())) if len(b) else int(first)


def common_start(breaks: pd.DataFrame, countries: Iterable[str], first: int, affects: Iterable[str] = JOBS) -> int:
    """The first year from which every country's series is comparable (the latest of :func:`comparable_from`)."""
    affects = list(affects)
    return max([comparable_from(breaks, c, first, affects) for c in countries], default=int(first))


def row_label(breaks: pd.DataFrame, countries: Iterable[str]) -> str:
    """The breaks of ``countries`` in words, for a table's break column (``""`` when none).

    « 2017 : CLAP → Flores (non comparable) ; 2019 : communes recodées (2019) (recodé) ».
    """
    b = breaks[breaks["country"].isin(list(countries))].sort_values(["first_year", "series"])
    return " ; ".join(
        f"{y} : {label} ({'recodé' if ok else 'non comparable'})"
        for y, label, ok in zip(b["first_year"], b["label"], b["comparable"], strict=True)
    )


def table(breaks: pd.DataFrame, starts: dict[str, int]) -> pd.DataFrame:
    """The breaks of a series as a page shows them, with what the evolutions do about them.

    Columns: ``country``, « À partir de », « Rupture », « Avant », « Après », « Ce qui change »,
    « Comparable », « Conséquence » (the evolution of the country's jobs starts with the year of
    ``starts``; a sector break restarts the decompositions by sector; a recoding changes nothing).
    """

    def consequence(row: pd.Series) -> str:
        if row["comparable"]:
            return "aucune : toutes les années sont recodées de la même façon"
        if row["affects"] == "sector":
            return f"décompositions par secteur à partir de {row['first_year']}"
        return f"évolutions à partir de {starts.get(row['country'], row['first_year'])}"

    return pd.DataFrame(
        {
            "country": breaks["country"],
            "À partir de": breaks["first_year"].astype(str),
            "Rupture": breaks["label"],
            "Avant": breaks["before"],
            "Après": breaks["after"],
            "Ce qui change": breaks["what_changes"],
            "Comparable": breaks["comparable"].map({True: "oui (recodé)", False: "non"}),
            "Conséquence": breaks.apply(consequence, axis=1) if len(breaks) else pd.Series(dtype="string"),
        }
    )


__all__ = ["BY_SECTOR", "JOBS", "TAKEN_COLUMNS", "common_start", "comparable_from", "row_label", "table", "taken"]
