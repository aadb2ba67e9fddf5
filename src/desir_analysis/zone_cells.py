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

import hashlib
import os
import pickle
import tempfile
from importlib import resources
from pathlib import Path

import pandas as pd

from desir_analysis import build, classify, disclosure, indicators, labels

UNIT = "establishment_id"
JOBS, UNITS = "headcount", "one"
#: ESS breakdowns (jobs and establishments) shared by the documents.
ESS_BREAKDOWNS: tuple[tuple[str, ...], ...] = (
    ("Pays", "Famille"),
    ("Pays", "Secteur"),
    ("Territoire", "Famille"),
    ("Pays", "Taille"),
    ("Pays", "Territoire", "Secteur"),
)


def labelled(est: pd.DataFrame) -> pd.DataFrame:
    """Add the French breakdown columns used by the documents.

    ``Pays``, ``Territoire`` (NUTS3 name), ``Famille``, ``Secteur``, ``Taille``, ``champ``
    (ESS / Hors ESS, from ``in_ess``), ``prive`` (not public sector) and ``one`` (1 per row).
    """
    return est.assign(
        Pays=est["country"].map(labels.COUNTRY_FR),
        Territoire=est["nuts3"].map(labels.territory_fr()),
        Famille=est["ess_family"].map(labels.FAMILY_FR),
        Secteur=est["sector_group"].map(labels.sector_fr()),
        Taille=est["size_band"].map(labels.SIZE_FR),
        champ=est["in_ess"].map({True: "ESS", False: "Hors ESS"}),
        prive=~est["public_sector"].fillna(False).astype(bool),
        one=1,
    )


def table_name(measure: str, by: tuple[str, ...], year: int | None = None) -> str:
    """Name of a protected table: ``ess_jobs|Pays|Famille``, ``ess_jobs@2015|Pays|Territoire``."""
    return f"{measure}{'' if year is None else f'@{year}'}|" + "|".join(by)


def specs(year: int, series_years: list[int]) -> list[tuple[str, str, tuple[str, ...], str, dict]]:
    """Every protected table: (name, population, breakdown, value, scope).

    Populations: ``ess`` (ESS establishments of the edition year), ``all`` (every
    establishment), ``private`` (not public sector), ``ess@<y>`` (ESS establishments of
    year ``y``, for the evolution and the shift-share).
    """
    out = []
    ess_scope = {"year": year, "champ": "ESS"}
    for by in ESS_BREAKDOWNS:
        out.append((table_name("ess_jobs", by), "ess", by, JOBS, ess_scope))
        out.append((table_name("ess_units", by), "ess", by, UNITS, ess_scope))
    for index in ("Pays", "Territoire"):
        out.append((table_name("all_jobs", (index, "champ")), "all", (index, "champ"), JOBS, {"year": year}))
        out.append(
            (
                table_name("private_jobs", (index, "champ")),
                "private",
                (index, "champ"),
                JOBS,
                {"year": year, "secteur": "privé"},
            )
        )
    out.append(
        (
            table_name("all_jobs", ("Pays", "Secteur", "champ")),
            "all",
            ("Pays", "Secteur", "champ"),
            JOBS,
            {"year": year},
        )
    )
    for y in series_years:
        scope = {"year": y, "champ": "ESS"}
        out.append((table_name("ess_jobs", ("Pays", "Territoire"), y), f"ess@{y}", ("Pays", "Territoire"), JOBS, scope))
        out.append((table_name("ess_jobs", ("Pays", "Secteur"), y), f"ess@{y}", ("Pays", "Secteur"), JOBS, scope))
    return out


def protect_all(est: pd.DataFrame, series: dict[int, pd.DataFrame], year: int) -> dict[str, pd.DataFrame]:
    """Protect every shared table together.

    Args:
        est: the zone's establishments of ``year``, :func:`labelled`, with ``in_ess``.
        series: ESS establishments of each year of the evolution (labelled), ``year`` included.
        year: the edition year.

    Returns:
        Table name (see :func:`specs`) -> :func:`disclosure.protect` output with one
        status per cell across all the tables.
    """
    pops = {"ess": est[est["in_ess"]], "all": est, "private": est[est["prive"]]}
    pops |= {f"ess@{y}": e for y, e in series.items()}
    todo = specs(year, sorted(series))
    tables = [disclosure.protect(pops[pop], list(by), value, UNIT) for _, pop, by, value, _ in todo]
    scopes = [scope for *_, scope in todo]
    tables = disclosure.consistent(tables, scopes)
    return {name: t for (name, *_), t in zip(todo, tables, strict=True)}


def scopes_of(year: int, series_years: list[int]) -> dict[str, dict]:
    """The scope of each table (for :func:`disclosure.audit_joint`)."""
    return {name: scope for name, *_, scope in specs(year, series_years)}


def zone_frames(
    year: int, zone: str, perimeter: str, first_year: int, processed_dir: Path | None = None
) -> tuple[pd.DataFrame, dict[int, pd.DataFrame]]:
    """The labelled zone establishments of ``year`` and the ESS rows of every year since ``first_year``."""
    series = {}
    est = None
    for y in range(first_year, year + 1):
        try:
            e = build.load(y, "establishments", processed_dir)
        except FileNotFoundError:
            continue
        e = labelled(indicators.flag_perimeter(e[classify.in_zone(e, zone)], perimeter))
        series[y] = e[e["in_ess"]]
        if y == year:
            est = e
    if est is None:
        raise FileNotFoundError(f"no processed establishments for {year}")
    return est, series


def _key(year: int, zone: str, perimeter: str, first_year: int, processed_dir: Path | None) -> str:
    h = hashlib.sha256(f"{year}|{zone}|{perimeter}|{first_year}".encode())
    for y in range(first_year, year + 1):
        p = (processed_dir or build.config.PROCESSED_DATA_DIR) / str(y) / "provenance.json"
        if p.exists():
            h.update(p.read_bytes())
    root = resources.files("desir_analysis")
    for rel in ("zone_cells.py", "disclosure.py", "labels.py", "indicators.py", "perimeters.py", "classify.py"):
        h.update(root.joinpath(rel).read_bytes())
    return h.hexdigest()[:20]


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
