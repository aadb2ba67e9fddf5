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

import numpy as np
import pandas as pd

from desir_analysis import build, config, reference
from desir_analysis.analysis import disclosure, indicators, joint, personal_services
from desir_analysis.build.cache_keys import fingerprint
from desir_analysis.reference import classify, membership, territory

UNIT = "establishment_id"
JOBS, UNITS = "headcount", "one"


FIELD_ESS, FIELD_OTHER = "ess", "non_ess"
#: The perimeters compared by the reconciliation of each country (first -> second): which establishments
#: each keeps, by family (``perimeter_moves``).
RECONCILIATIONS = {"FR": ("insee", "ess_law_2014"), "BE": ("concertes", "core_crossborder")}
IN, OUT = "oui", "non"
#: measures printed on one row (establishments, jobs and FTE of a breakdown): one status for the row
TIES = (frozenset({UNITS, JOBS, "fte"}),)


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
        "moves": {"moves": "|".join(f"{c}:{a}>{b}" for c, (a, b) in RECONCILIATIONS.items())},
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


def _populations(est: pd.DataFrame, series: dict[int, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The populations of :func:`specs` for one edition."""
    core = est["ps_field"].eq(personal_services.CORE)
    pops = {"ess": est[est["in_ess"]], "all": est, "private": est[est["private"]], "ps_core": est[core]}
    pops["ps_ext"] = est[est["ps_field"].ne(personal_services.OUTSIDE)]
    pops |= {f"ess@{y}": e[e["in_ess"]] for y, e in series.items()}
    pops |= {f"ps_core@{y}": e[e["ps_field"].eq(personal_services.CORE)] for y, e in series.items()}
    pops["moves"] = moves(est)
    return pops


def moves(est: pd.DataFrame) -> pd.DataFrame:
    """The establishments of either perimeter of each country's reconciliation, flagged ``in_first`` / ``in_second``.

    ``oui`` / ``non``: in the first (second) perimeter of :data:`RECONCILIATIONS`. The margin over
    ``in_first`` of the ``in_second = oui`` cells is the second perimeter's own count (and so on): the
    joint protection sees them as the same establishments as its other tables (same support).
    """
    parts = []
    for country, (a, b) in RECONCILIATIONS.items():
        e = est[est["country"].eq(country)]
        first, second = membership.in_perimeter(e, a), membership.in_perimeter(e, b)
        keep = first | second
        parts.append(e[keep].assign(in_first=np.where(first[keep], IN, OUT), in_second=np.where(second[keep], IN, OUT)))
    return pd.concat(parts, ignore_index=True) if parts else est.iloc[:0].assign(in_first=IN, in_second=IN)


def protect_all(est: pd.DataFrame, series: dict[int, pd.DataFrame], year: int) -> dict[str, pd.DataFrame]:
    """Protect every shared table of one edition together (see :func:`protect_year` for a year's editions).

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
    return protect_year({("", ""): (est, series)}, year)[("", "")]


def protect_year(
    editions: dict[tuple[str, str], tuple[pd.DataFrame, dict[int, pd.DataFrame]]],
    year: int,
    previous: dict[tuple, str] | None = None,
) -> dict[tuple[str, str], dict[str, pd.DataFrame]]:
    """Protect every shared table of every edition of a year together: one status per cell in all of them.

    Args:
        editions: ``(zone, perimeter) -> (est, series)`` as :func:`zone_frames` gives them.
        year: the edition year.
        previous: the statuses the editions of earlier years published for their own year's cells
            (:func:`statuses`): a cell of year Y keeps its status in the series of the later editions.

    Returns:
        ``(zone, perimeter) -> table name -> protected table``. A territory's cells are one cell in
        every zone that holds the whole territory, a cell of all establishments one cell under every
        perimeter, and a zone's country the sum of its territories (:mod:`desir_analysis.analysis.joint`):
        two editions of the year never print a cell that the other masks, nor give it back by
        difference or within ±15 %.
    """
    todo, tables, scopes = [], [], []
    for (zone, perimeter), (est, series) in editions.items():
        pops = _populations(est, series)
        for name, pop, by, value, scope in specs(year, sorted(series)):
            if measured(pops[pop], value):
                todo.append(((zone, perimeter), name))
                tables.append(disclosure.protect(pops[pop], list(by), value, UNIT, final=False))
                scopes.append(scope | ({"zone": zone, "perimeter": perimeter} if zone else {}))
    layout = _layout(editions)
    fixed = {k: s for k, s in (previous or {}).items() if dict(k[1]).get("year", year) < year}
    tables = disclosure.consistent(tables, scopes, layout, fixed=fixed)
    out: dict[tuple[str, str], dict[str, pd.DataFrame]] = {e: {} for e in editions}
    for (edition, name), t in zip(todo, tables, strict=True):
        out[edition][name] = t
    return out


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


def _key(
    year: int, editions: list[tuple[str, str]], first_year: int, processed_dir: Path | None, previous: list
) -> str:
    root = processed_dir or config.PROCESSED_DATA_DIR
    files = [root / str(y) / "provenance.json" for y in range(first_year, year + 1)]
    return fingerprint(year, sorted(editions), first_year, previous, files=files, stage="cells")[:20]


def load(
    year: int,
    zone: str,
    perimeter: str,
    first_year: int,
    processed_dir: Path | None = None,
    cache_dir: Path | None = None,
    editions: list[tuple[str, str]] | None = None,
) -> dict[str, pd.DataFrame]:
    """The protected tables of an edition, protected with every edition of its year (:func:`protect_year`).

    Args:
        year: the edition year.
        zone: the edition's zone.
        perimeter: the edition's perimeter.
        first_year: the first year of the series.
        processed_dir: the processed tables (default ``data/processed``).
        cache_dir: where the year's protection is cached (``data/private/<year>/_cells``); none: no cache.
        editions: the ``(zone, perimeter)`` of every edition of the year (this one is added).

    The year's protection is cached once for all its editions (pickle keyed by the processed data,
    the editions and the code) so that the pages and the 17 fact sheets of every edition reuse it.
    """
    todo = sorted(set(editions or []) | {(zone, perimeter)})
    previous = _previous_statuses(year, first_year, cache_dir)
    path = None
    if cache_dir is not None:
        key = _key(year, todo, first_year, processed_dir, sorted(previous.items(), key=str))
        path = cache_dir / f"year_cells_{first_year}_{key}.pkl"
        if path.exists():
            with path.open("rb") as fh:
                return pickle.load(fh)["editions"][(zone, perimeter)]  # noqa: S301 - written by this function
    frames = {e: zone_frames(year, *e, first_year, processed_dir) for e in todo}
    cells = protect_year(frames, year, previous)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".cells-")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump({"editions": cells, "statuses": statuses(cells, year)}, fh)
        os.replace(tmp, path)
    return cells[(zone, perimeter)]


def _layout(editions) -> disclosure.Layout:
    """The zones' whole territories and the tied measures of the editions ``(zone, perimeter)`` of a year."""
    return disclosure.Layout({z: territory.whole_nuts3(z) for z, _ in editions if z}, TIES)


def statuses(cells: dict[tuple[str, str], dict[str, pd.DataFrame]], year: int) -> dict[tuple, str]:
    """Every cell of the edition year's tables -> ``published`` or ``masked`` (keys of :mod:`joint`)."""
    layout = _layout(cells)
    out = {}
    for (zone, perimeter), tables in cells.items():
        series = sorted({int(n.split("|")[0].split("@")[1]) for n in tables if "@" in n.split("|")[0]})
        scopes = scopes_of(year, series)
        for name, t in tables.items():
            by, value = disclosure.table_columns(t)
            scope = scopes[name] | ({"zone": zone, "perimeter": perimeter} if zone else {})
            if scope.get("year") != year:
                continue
            for k, s in zip(joint.cell_keys(t, list(by), value, scope, layout), t["status"], strict=True):
                out[k] = "published" if s == "published" else "masked"
    return out


def _previous_statuses(year: int, first_year: int, cache_dir: Path | None) -> dict[tuple, str]:
    """The statuses the latest protection of each earlier year gave its own cells (none without a cache)."""
    out: dict[tuple, str] = {}
    if cache_dir is None:
        return out
    for y in range(first_year, year):
        found = sorted(
            (cache_dir.parent.parent / str(y) / cache_dir.name).glob("year_cells_*.pkl"), key=os.path.getmtime
        )
        if found:
            with found[-1].open("rb") as fh:
                out |= pickle.load(fh).get("statuses", {})  # noqa: S301 - written by load()
    return out
