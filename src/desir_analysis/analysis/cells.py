"""One protection for every document of an edition: the diagnostic and its fact sheets.

The diagnostic and the fact sheets publish overlapping cells: a territory's ESS jobs
appear in the diagnostic's territory tables, in its evolution table and in the
territory's own sheet; the sheets' territory × sector cells add up to the diagnostic's
country × sector cells. Protecting each document on its own would let one publish a
cell that another masks (secondary suppressions differ), so both take their cells
from the tables built here, protected together: :func:`disclosure.consistent` gives
each cell one status across the tables (cells are matched by measure, breakdown and
the table's scope: year, ESS or all establishments, private sector) and checks the
tables jointly with :func:`disclosure.audit_joint`.

The result is deterministic; :func:`load` caches it (pickle keyed by the processed
data, the parameters and the code) so that the 17 fact sheets do not redo the work.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path

import pandas as pd

from desir_analysis import build, config, reference
from desir_analysis.analysis import disclosure, indicators, personal_services
from desir_analysis.build.cache_keys import fingerprint
from desir_analysis.reference import classify, membership

UNIT = "establishment_id"
JOBS, UNITS = "headcount", "one"


FIELD_ESS, FIELD_OTHER = "ess", "non_ess"


def with_breakdowns(est: pd.DataFrame) -> pd.DataFrame:
    """Add the breakdown columns of the publication plan that the processed table lacks (codes, never labels).

    ``field`` (``ess`` / ``non_ess``, from ``in_ess``), ``private`` (not a public-law
    legal form) and ``one`` (1 per establishment, the count of establishments). The
    other breakdowns are the processed table's own code columns: ``country``,
    ``nuts3``, ``ess_family``, ``sector_group``, ``size_band``; for the personal-services
    study, ``ps_field``, ``ps_segment`` (:func:`personal_services.classify_field`) and
    ``provider`` (ESS family, public body or company).
    """
    out = personal_services.classify_field(est)
    return out.assign(
        field=est["in_ess"].map({True: FIELD_ESS, False: FIELD_OTHER}),
        private=~est["public_sector"].fillna(False).astype(bool),
        provider=personal_services.provider(est),
        one=1,
    )


def table_name(measure: str, by: tuple[str, ...], year: int | None = None) -> str:
    """Name of a protected table: ``ess_jobs|country|ess_family``, ``ess_jobs@2015|country|nuts3``."""
    return f"{measure}{'' if year is None else f'@{year}'}|" + "|".join(by)


def specs(year: int, series_years: list[int]) -> list[tuple[str, str, tuple[str, ...], str, dict]]:
    """Every shared protected table of the publication plan: (name, population, breakdown, value, scope).

    Read from ``reference/publication_plan.csv`` (rows with ``protection = shared``), in
    its order: the edition-year tables, then, year by year, the tables of the series.
    Populations: ``ess`` (ESS establishments of the edition year), ``all`` (every
    establishment), ``private`` (not public sector), ``ess@<y>`` (ESS establishments of
    year ``y``). Scopes say what a whole table is restricted to (year, ESS, private).
    """
    plan = reference.publication_plan()
    plan = plan[plan["protection"].eq("shared")]
    scope_of = {
        "ess": {"field": FIELD_ESS},
        "all": {},
        "private": {"private": True},
        "ps_core": {"ps": "core"},
        "ps_ext": {"ps": "extended"},
    }
    out = []
    for row in plan[plan["years"].eq("edition")].itertuples(index=False):
        by = tuple(row.breakdown.split("|"))
        out.append(
            (table_name(row.table, by), row.population, by, row.value, {"year": year} | scope_of[row.population])
        )
    series = plan[plan["years"].eq("series")]
    for y in series_years:
        for row in series.itertuples(index=False):
            by = tuple(row.breakdown.split("|"))
            scope = {"year": y} | scope_of[row.population]
            out.append((table_name(row.table, by, y), f"{row.population}@{y}", by, row.value, scope))
    return out


def plan_entry(name: str) -> str:
    """The plan entry of a protected table name: ``ess_jobs@2019|country|nuts3`` -> ``ess_jobs|country|nuts3``."""
    measure, _, by = name.partition("|")
    return f"{measure.partition('@')[0]}|{by}"


def protect_all(est: pd.DataFrame, series: dict[int, pd.DataFrame], year: int) -> dict[str, pd.DataFrame]:
    """Protect every shared table together.

    Args:
        est: the zone's establishments of ``year``, :func:`with_breakdowns`, with ``in_ess``.
        series: ESS establishments of each year of the evolution (:func:`with_breakdowns`), ``year`` included.
        year: the edition year.

    Returns:
        Table name (see :func:`specs`) -> :func:`disclosure.protect` output with one
        status per cell across all the tables. A table whose measure the sources lack
        for some establishment (e.g. no count of women in the public mode) is left out:
        the studies say « non disponible ».
    """
    core = est["ps_field"].eq(personal_services.CORE)
    pops = {"ess": est[est["in_ess"]], "all": est, "private": est[est["private"]], "ps_core": est[core]}
    pops["ps_ext"] = est[est["ps_field"].ne(personal_services.OUTSIDE)]
    pops |= {f"ess@{y}": e[e["in_ess"]] for y, e in series.items()}
    pops |= {f"ps_core@{y}": e[e["ps_field"].eq(personal_services.CORE)] for y, e in series.items()}
    todo = [s for s in specs(year, sorted(series)) if measured(pops[s[1]], s[3])]
    tables = [disclosure.protect(pops[pop], list(by), value, UNIT) for _, pop, by, value, _ in todo]
    scopes = [scope for *_, scope in todo]
    tables = disclosure.consistent(tables, scopes)
    return {name: t for (name, *_), t in zip(todo, tables, strict=True)}


def measured(population: pd.DataFrame, value: str) -> bool:
    """Whether every establishment of ``population`` has the measure ``value``."""
    return value in population.columns and bool(population[value].notna().all())


def scopes_of(year: int, series_years: list[int]) -> dict[str, dict]:
    """The scope of each table (for :func:`disclosure.audit_joint`)."""
    return {name: scope for name, *_, scope in specs(year, series_years)}


def zone_frames(
    year: int, zone: str, perimeter: str, first_year: int, processed_dir: Path | None = None
) -> tuple[pd.DataFrame, dict[int, pd.DataFrame]]:
    """The zone's establishments of ``year`` and the ESS rows of every year since ``first_year`` (breakdowns added).

    Only the countries the perimeter covers: a perimeter of one country (``insee``,
    ``concertes``) makes every table of the edition a table of that country.
    """
    series = {}
    est = None
    for y in range(first_year, year + 1):
        try:
            e = build.load(y, "establishments", processed_dir)
        except FileNotFoundError:
            continue
        e = e[classify.in_zone(e, zone) & e["country"].isin(membership.countries(perimeter))]
        e = with_breakdowns(indicators.flag_perimeter(e, perimeter))
        series[y] = e[e["in_ess"] | e["ps_field"].eq(personal_services.CORE)]
        if y == year:
            est = e
    if est is None:
        raise FileNotFoundError(f"no processed establishments for {year}")
    return est, series


def _key(year: int, zone: str, perimeter: str, first_year: int, processed_dir: Path | None) -> str:
    root = processed_dir or config.PROCESSED_DATA_DIR
    files = [root / str(y) / "provenance.json" for y in range(first_year, year + 1)]
    return fingerprint(year, zone, perimeter, first_year, files=files, stage="cells")[:20]


def load(
    year: int,
    zone: str,
    perimeter: str,
    first_year: int,
    processed_dir: Path | None = None,
    cache_dir: Path | None = None,
) -> dict[str, pd.DataFrame]:
    """The protected tables of an edition, from the cache when the data, parameters and code are unchanged."""
    path = None
    if cache_dir is not None:
        path = (
            cache_dir
            / f"zone_cells_{zone}_{perimeter}_{first_year}_{_key(year, zone, perimeter, first_year, processed_dir)}.pkl"
        )
        if path.exists():
            with path.open("rb") as fh:
                return pickle.load(fh)  # noqa: S301 - written by this function
    est, series = zone_frames(year, zone, perimeter, first_year, processed_dir)
    cells = protect_all(est, series, year)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".cells-")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(cells, fh)
        os.replace(tmp, path)
    return cells
