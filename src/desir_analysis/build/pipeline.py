"""Raw files -> processed tables (``data/processed/<year>/``), atomically and deterministically.

``desir build --year 2023`` (or several ``--year``) reads the French sources
(Sirene stocks, historical periods, employment extract), the Belgian ones and the
population files, keeps the rows of the widest study zone, classifies them and
writes, per year: ``establishments``, ``national_aggregates``, ``rejects``,
``scope``, ``population`` (Parquet) and ``provenance.json``. A rebuild whose
inputs, reference tables and code are unchanged (content hashes) does nothing.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from desir_analysis import __version__, config, reference
from desir_analysis.build import schemas, survey
from desir_analysis.build.cache_keys import code_fingerprint, fingerprint, sha256_file
from desir_analysis.build.errors import BuildError
from desir_analysis.build.harmonise_be import BelgianInputs, belgian_year
from desir_analysis.build.harmonise_fr import (
    FrenchInputs,
    YearOutput,
    accounting,
    aggregate_national,
    french_year,
    national_aggregates_fr,
    validate_zone_rows,
)
from desir_analysis.build.inputs import (
    PROCESSED_ZONE,
    check_not_empty,
    check_not_empty_be,
    check_years_covered,
    discover_be,
    discover_fr,
    french_gaps,
    inputs_of_year,
    kept_territories,
    population_files,
    population_of_year,
    read_belgian,
    read_french,
    read_population,
    resolve_raw,
    source_meta,
)
from desir_analysis.build.store import key_of, write_year


@dataclass
class BuildResult:
    """What a build did."""

    years: list[int]
    skipped: bool
    demo: bool
    accounting: pd.DataFrame
    out_dir: Path


def build(
    years: list[int],
    raw_dir: Path | None = None,
    out_dir: Path | None = None,
    mode: str = "auto",
    force: bool = False,
    progress: bool = False,
    workers: int | None = None,
    allow_empty: bool = False,
) -> BuildResult:
    """Build the processed tables of ``years``.

    Args:
        years: reference years (31 December).
        raw_dir: folder holding ``fr/sirene`` and ``fr/employment`` (default ``data/raw``,
            falling back to the generated demo files).
        out_dir: processed folder (default ``data/processed``).
        mode: ``employment`` (measured jobs), ``public`` (jobs estimated from the Sirene
            size band, flagged ``headcount_estimated``) or ``auto`` (employment when files exist).
        force: rebuild even if nothing changed.
        progress: show progress bars on long reads.
        workers: processes building the years once the sources are read (default: the
            number of cores; the result does not depend on it).
        allow_empty: build even when a source yields no row or the employment extract matches
            no establishment (otherwise one line stops the build).

    Each year has its own key (:func:`year_key`: its raw files, the code, the mode): adding
    next year's extract builds that year only. The processed tables are not published: a
    published edition is guarded when it is rendered again (``desir report --force``).

    Raises:
        BuildError: missing inputs, a year the raw files do not cover, an unbalanced accounting.
    """
    raw, is_demo = resolve_raw(raw_dir)
    out = out_dir or config.PROCESSED_DATA_DIR
    src = discover_fr(raw)
    if src is None:
        raise BuildError(f"{raw}: no French Sirene files (fr/sirene/StockEtablissement*.csv)")
    be_src = discover_be(raw)
    if mode == "auto":
        mode = "employment" if src.employment else "public"
    if mode not in ("employment", "public"):
        raise BuildError(f"mode must be auto, employment or public, got {mode!r}")
    out.mkdir(parents=True, exist_ok=True)
    check_years_covered(src, years, mode)
    fr_gaps = french_gaps(src, years, mode)
    cache_path = out / ".hash-cache.json"
    cache = json.loads(cache_path.read_text()) if cache_path.exists() else {}
    if mode == "public":
        src = replace(src, employment=[])  # the size band gives the jobs: the extracts are not inputs
    files = [
        {"path": p.relative_to(raw).as_posix(), "sha256": sha256_file(p, cache), **source_meta(p, raw, is_demo)}
        for p in src.all() + (be_src.all() if be_src else []) + population_files(raw) + survey.files(raw)
    ]
    cache_path.write_text(json.dumps(cache, indent=0, sort_keys=True))
    code = code_fingerprint()
    year_files = {y: inputs_of_year(files, y) for y in years}
    keys = {y: year_key(year_files[y], code, mode) for y in years}
    todo = [y for y in years if force or key_of(out / str(y)) != keys[y]]
    if not todo:
        print(f"[desir] données traitées à jour pour {_span(years)} (aucune entrée ni code modifié)", flush=True)
        return BuildResult(years, True, is_demo, pd.DataFrame(), out)
    if len(todo) < len(years):
        print(f"[desir] à construire : {_span(todo)} (les autres années sont à jour)", flush=True)
    years = todo
    src = src.only_years(years)
    be_src = be_src.only_years(years) if be_src else None
    if be_src is not None and not be_src.employment:  # no Belgian extract covers these years
        print(f"[desir] aucun extrait d'emploi belge pour {_span(years)} : volet belge absent", flush=True)
        be_src = None
    start = time.perf_counter()
    inputs = read_french(src, years, mode, progress)
    if not allow_empty:
        check_not_empty(src, inputs)
    valid, stock_rejects = validate_zone_rows(inputs)
    be_inputs = read_belgian(be_src) if be_src is not None else None
    if be_inputs is not None and not allow_empty:
        check_not_empty_be(be_src, be_inputs)
    if be_inputs is None:
        print("[desir] pas de fichiers belges (be/kbo + be/employment) : volet belge absent", flush=True)
    for y in sorted(fr_gaps & set(years)):
        print(f"[desir] {y} : aucun extrait d'emploi français ne couvre l'année : volet français absent", flush=True)
    be_zone = kept_territories("BE")
    population, population_counts = read_population(raw, max(years))
    context = _YearContext(
        inputs,
        valid,
        stock_rejects,
        be_inputs,
        be_zone,
        population,
        population_counts,
        year_files,
        keys,
        mode,
        is_demo,
        out,
        raw,
        fr_gaps,
        {y: survey.read_year(raw, y) for y in years},  # a bad questionnaire stops here, before the long work
    )
    workers = max(1, min(workers or os.cpu_count() or 1, len(years)))
    schemas.establishments_schema()  # import pandera and build the contract once, before the workers fork
    print(
        f"[desir] sources lues en {time.perf_counter() - start:.1f} s ; {len(years)} année(s) sur {workers} processus",
        flush=True,
    )
    acc_all = []
    for acc, message in _map_years(context, years, workers):
        acc_all.append(acc)
        print(message, flush=True)
    return BuildResult(years, False, is_demo, pd.concat(acc_all, ignore_index=True), out)


def _register_of(f: dict, country: str) -> bool:
    """A register or employment file of ``country`` (not credited in a year that country is not built)."""
    return f.get("country") == country and f.get("topic") in ("register", "employment")


#: Why a year has no French side (``provenance.json``, ``gaps``).
GAP_FR = "aucun extrait d'emploi français ne couvre {year}"

#: The version of the French jobs series in public mode (an estimate, the same every year).
PUBLIC_JOBS_VERSION = "Sirene, tranche d'effectif salarié (estimation)"


def series_versions(year: int, countries: list[str], mode: str) -> dict[str, str]:
    """The version of each series of ``reference/breaks.csv`` a processed year is made with.

    By the reference date (:func:`reference.versions_in_force`), except the French jobs of public
    mode, which are the Sirene size band's estimate every year (no CLAP → Flores break then).
    """
    versions = reference.versions_in_force(year, countries)
    if mode == "public" and "employment_fr" in versions:
        versions["employment_fr"] = PUBLIC_JOBS_VERSION
    return versions


def _span(years: list[int]) -> str:
    """``2015–2023`` for consecutive years, else the list."""
    ys = sorted(years)
    if len(ys) > 2 and ys == list(range(ys[0], ys[-1] + 1)):
        return f"{ys[0]}–{ys[-1]}"
    return ", ".join(map(str, ys))


def year_key(files: list[dict], code: str, mode: str) -> str:
    """The build key of one year: the (path, SHA-256) of its raw files, the build code, the mode, the zone."""
    return fingerprint(
        {"files": [(f["path"], f["sha256"]) for f in files], "code": code, "mode": mode, "zone": PROCESSED_ZONE}
    )


@dataclass
class _YearContext:
    """Everything a year's build needs, read once (shared with forked workers, never pickled)."""

    inputs: FrenchInputs
    valid: pd.DataFrame
    stock_rejects: pd.DataFrame
    be_inputs: BelgianInputs | None
    be_zone: set[str]
    population: dict[str, pd.DataFrame]
    population_counts: dict
    files: dict[int, list[dict]]
    build_key: dict[int, str]
    mode: str
    is_demo: bool
    out: Path
    raw_dir: Path | None = None
    fr_gaps: set[int] = field(default_factory=set)
    survey: dict[int, dict[str, pd.DataFrame]] = field(default_factory=dict)


_CONTEXT: _YearContext | None = None


def _year_in_worker(year: int) -> tuple[pd.DataFrame, str]:
    assert _CONTEXT is not None
    return build_year(_CONTEXT, year)


def _map_years(context: _YearContext, years: list[int], workers: int):
    """Build the years, in ``workers`` forked processes when there are several (inputs shared, not copied)."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    global _CONTEXT
    workers = max(1, min(workers, len(years)))
    if workers == 1 or "fork" not in mp.get_all_start_methods():
        yield from (build_year(context, y) for y in years)
        return
    _CONTEXT = context
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("fork")) as pool:
            yield from pool.map(_year_in_worker, years)
    finally:
        _CONTEXT = None


def build_year(ctx: _YearContext, year: int) -> tuple[pd.DataFrame, str]:
    """Build and write one year (``data/processed/<year>/``); returns its row accounting and a summary line."""
    inputs, valid, stock_rejects, be_inputs = ctx.inputs, ctx.valid, ctx.stock_rejects, ctx.be_inputs
    parts: dict[str, YearOutput] = {}
    nationals = []
    if year not in ctx.fr_gaps:
        parts["FR"] = french_year(inputs, valid, stock_rejects, year)
        nationals.append(national_aggregates_fr(inputs.national[inputs.national["year"] == year]))  # type: ignore[attr-defined]
    if be_inputs is not None:
        be_out, be_national = belgian_year(be_inputs, year, ctx.be_zone)
        parts["BE"] = be_out
        be_units = be_national.assign(n_establishments=1, jobs=be_national["headcount"].astype("float64"))
        nationals.append(aggregate_national(be_units, False))
    if not parts:
        raise BuildError(f"{year}: ni extrait d'emploi français ni extrait belge ne couvre cette année")
    acc = pd.concat([accounting(p).assign(country=c) for c, p in parts.items()], ignore_index=True)
    acc.insert(0, "year", year)
    if not acc["balanced"].all():
        raise BuildError(f"accounting does not balance for {year}:\n{acc.to_string()}")
    national = pd.concat(nationals, ignore_index=True)
    est = pd.concat([p.establishments for p in parts.values()], ignore_index=True)
    # zone flags are read from the reference tables when a study asks (classify.in_zone), never stored
    est = est.drop(columns=[c for c in est.columns if c.startswith("zone_") or c == "in_any_zone"])
    est = schemas.check_establishments(est.sort_values(["country", "establishment_id"], ignore_index=True))
    rejects = pd.concat([p.rejects for p in parts.values()], ignore_index=True)
    scope = pd.concat([p.scope for p in parts.values()], ignore_index=True)
    tables = {
        "establishments": est,
        "national_aggregates": national,
        "rejects": rejects,
        "scope": scope,
        "population": population_of_year(ctx.population, ctx.files[year]),
    }
    questionnaire = ctx.survey.get(year, {})
    for name, contract in (
        ("national_aggregates", schemas.NATIONAL_AGGREGATES),
        ("rejects", schemas.REJECTS),
        ("scope", schemas.SCOPE),
        ("population", schemas.POPULATION),
    ):
        schemas.check(tables[name], contract, name)
    tables.update(questionnaire)
    prov = {
        "build_key": ctx.build_key[year],
        "year": year,
        "mode": ctx.mode,
        "demo": ctx.is_demo,
        "raw_dir": str(ctx.raw_dir) if ctx.raw_dir else "",
        "notice": config.DEMO_NOTICE if ctx.is_demo else "",
        "zone": PROCESSED_ZONE,
        "package_version": __version__,
        "files": [f for f in ctx.files[year] if not any(_register_of(f, c) for c in ("FR", "BE") if c not in parts)],
        "accounting": acc.drop(columns="year").to_dict(orient="records"),
        "countries": list(parts),
        "series_versions": series_versions(year, list(parts), ctx.mode),
        "gaps": {"FR": GAP_FR.format(year=year)} if "FR" not in parts else {},
        "population_files": {
            n: c for n, c in ctx.population_counts.items() if any(f["path"].endswith(n) for f in ctx.files[year])
        },
        "existence_rule": {
            "zone": "history" if inputs.history is not None and len(inputs.history) else "stock",
            "national": "stock",
            "gap_fr": parts["FR"].rule_gap if "FR" in parts else None,
        },
        "survey": survey.record(questionnaire, ctx.raw_dir, year) if questionnaire and ctx.raw_dir else {},
        "headcount_method": (
            "measured (employment extract)"
            if ctx.mode == "employment"
            else "estimated from the Sirene size band (mid-point), flagged headcount_estimated"
        ),
    }
    write_year(ctx.out, year, tables, prov)
    counts = est["country"].value_counts().to_dict()
    return acc, (
        f"[desir] {year}: établissements employeurs FR {counts.get('FR', 0)}, BE {counts.get('BE', 0)} ; "
        f"{len(rejects)} rejets"
    )
