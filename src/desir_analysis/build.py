"""Raw files -> processed tables (``data/processed/<year>/``), atomically and deterministically.

``desir build --year 2023`` (or several ``--year``) reads the French sources
(Sirene stocks, historical periods, employment extract), keeps the rows of the
widest study zone (Interreg France-Wallonie-Vlaanderen, which contains the DESIR
zone), classifies them and writes, per year: ``establishments``,
``national_aggregates``, ``rejects``, ``scope`` (Parquet) and
``provenance.json``. A rebuild whose inputs, reference tables and code are
unchanged (content hashes) does nothing. Without real files in ``data/raw/fr/``
the demo files are generated (``data/raw/demo/``) and used, and every output
says so.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from desir_analysis import __version__, config, demo, reference, schemas
from desir_analysis.harmonise import (
    FrenchInputs,
    YearOutput,
    accounting,
    aggregate_national,
    french_year,
    national_aggregates_fr,
    validate_zone_rows,
)
from desir_analysis.harmonise_be import BelgianInputs, belgian_year, read_approvals
from desir_analysis.sources import employment as employment_src
from desir_analysis.sources import kbo as kbo_src
from desir_analysis.sources import population as population_src
from desir_analysis.sources import sirene
from desir_analysis.sources.csvfile import valid_row_lines

TABLES = ("establishments", "national_aggregates", "rejects", "scope", "population")
PROCESSED_ZONE = "interreg_fwvl"


class BuildError(RuntimeError):
    """The build cannot proceed (missing inputs, unbalanced accounting)."""


@dataclass
class FrenchSources:
    """Paths of the French raw files."""

    stock: Path
    units: Path
    history: Path | None
    employment: list[Path] = field(default_factory=list)

    def all(self) -> list[Path]:
        """Every input file."""
        return [p for p in [self.stock, self.units, self.history, *self.employment] if p is not None]


def discover_fr(raw_dir: Path) -> FrenchSources | None:
    """Find the French files under ``raw_dir/fr`` (names as INSEE publishes them)."""
    s = raw_dir / "fr" / "sirene"
    stock = sorted(p for p in s.glob("StockEtablissement*.csv") if "Historique" not in p.name and "Liens" not in p.name)
    units = sorted(p for p in s.glob("StockUniteLegale*.csv") if "Historique" not in p.name)
    hist = sorted(s.glob("StockEtablissementHistorique*.csv"))
    if not stock and not units:
        return None
    if len(stock) != 1 or len(units) != 1:
        raise BuildError(
            f"{s}: expected exactly one StockEtablissement*.csv and one StockUniteLegale*.csv, "
            f"found {[p.name for p in stock]} and {[p.name for p in units]}"
        )
    emp_dir = raw_dir / "fr" / "employment"
    emp = sorted([*emp_dir.glob("*.csv"), *emp_dir.glob("*.parquet")]) if emp_dir.is_dir() else []
    return FrenchSources(stock[0], units[0], hist[0] if hist else None, emp)


@dataclass
class BelgianSources:
    """Paths of the Belgian raw files."""

    kbo: Path
    employment: list[Path]
    approvals: Path | None

    def all(self) -> list[Path]:
        """Every input file."""
        return sorted(self.kbo.glob("*.csv")) + self.employment + ([self.approvals] if self.approvals else [])


def discover_be(raw_dir: Path) -> BelgianSources | None:
    """Find the Belgian files under ``raw_dir/be`` (KBO export folder, ONSS extract, approvals)."""
    k = raw_dir / "be" / "kbo"
    emp_dir = raw_dir / "be" / "employment"
    emp = sorted([*emp_dir.glob("*.csv"), *emp_dir.glob("*.parquet")]) if emp_dir.is_dir() else []
    if not k.is_dir() or not emp:
        return None
    appr_dir = raw_dir / "be" / "approvals"
    appr = sorted(appr_dir.glob("*.csv")) if appr_dir.is_dir() else []
    return BelgianSources(k, emp, appr[0] if appr else None)


def read_belgian(src: BelgianSources) -> BelgianInputs:
    """Read every Belgian source."""
    k = kbo_src.read_kbo(src.kbo)
    emp, emp_rej, emp_rows = employment_src.read_be_employment(src.employment)
    appr, n_appr, appr_rej = None, 0, pd.DataFrame()
    if src.approvals is not None:
        appr, n_appr, appr_rej = read_approvals(src.approvals)
    name = src.approvals.name if src.approvals else None
    return BelgianInputs(k, emp, emp_rej, emp_rows, appr, name, n_appr, appr_rej)


def population_files(raw_dir: Path) -> list[Path]:
    """Population inputs: ``population/statbel/*.txt``, ``population/insee/*.xls``, ``population/eurostat/*.tsv``."""
    p = raw_dir / "population"
    return sorted([*p.glob("statbel/*.txt"), *p.glob("insee/*.xls"), *p.glob("eurostat/*.tsv")])


def read_population(raw_dir: Path) -> tuple[pd.DataFrame, dict[str, dict[str, int]]]:
    """Every population file into the ``population`` table (all years, observed and projected)."""
    parts, counts = [], {}
    for path in population_files(raw_dir):
        if path.suffix == ".txt":
            t, n = population_src.read_statbel(path)
        elif path.suffix == ".xls":
            t, n = population_src.read_insee_estimates(path)
        else:
            t, n = population_src.read_eurostat(path, kind="projected" if "proj" in path.name else "observed")
        n["kept_rows"] = len(t)
        parts.append(t)
        counts[path.name] = n
    if not parts:
        return population_src._frame(country=[], year=[]), counts
    out = pd.concat(parts, ignore_index=True)
    out = out.sort_values(["source", "country", "nuts3", "year", "sex", "age_min", "age_group"], ignore_index=True)
    return out, counts


def resolve_raw(raw_dir: Path | None = None) -> tuple[Path, bool]:
    """The raw folder to use and whether it is the demo one (generated when missing)."""
    raw_dir = raw_dir or config.RAW_DATA_DIR
    if discover_fr(raw_dir) is not None:
        return raw_dir, (raw_dir / "DEMO.txt").exists()
    demo_dir = raw_dir / "demo"
    if not demo.is_current(demo_dir):  # missing, or made by older generators
        print(
            f"[desir] aucune donnée réelle dans {raw_dir}/fr : génération des {demo.DEMO_NOTICE} dans {demo_dir}",
            flush=True,
        )
        raw_dir.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=raw_dir, prefix=".demo-"))
        start = time.perf_counter()
        demo.generate(tmp)
        print(f"[desir] données de démonstration générées en {time.perf_counter() - start:.1f} s", flush=True)
        if demo_dir.exists():
            shutil.rmtree(demo_dir)
        os.replace(tmp, demo_dir)
    return demo_dir, True


# ------------------------------------------------------------------------------- hashing


def sha256_file(path: Path, cache: dict | None = None) -> str:
    """SHA-256 of a file, cached by (path, size, mtime)."""
    st = path.stat()
    key = f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"
    if cache is not None and key in cache:
        return cache[key]
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            h.update(chunk)
    digest = h.hexdigest()
    if cache is not None:
        cache[key] = digest
    return digest


def code_fingerprint() -> str:
    """Hash of the package's code and reference tables (a change forces a rebuild)."""
    h = hashlib.sha256(__version__.encode())
    root = resources.files("desir_analysis")
    for rel in sorted(
        [
            "build.py",
            "harmonise.py",
            "classify.py",
            "codes.py",
            "perimeters.py",
            "schemas.py",
            "sources/sirene.py",
            "sources/kbo.py",
            "sources/population.py",
            "harmonise_be.py",
            "sources/employment.py",
            "sources/csvfile.py",
        ]
    ):
        h.update(root.joinpath(rel).read_bytes())
    for name in sorted(p.name for p in root.joinpath("reference").iterdir() if p.name.endswith(".csv")):
        h.update(root.joinpath("reference", name).read_bytes())
    return h.hexdigest()


def _source_meta(path: Path) -> dict:
    side = path.parent / "source.json"
    meta = json.loads(side.read_text(encoding="utf-8")) if side.exists() else {}
    default = demo.SOURCES["sirene" if "Stock" in path.name else "employment"]
    return {k: meta.get(k, v) for k, v in {**default, "demo": False}.items()} | (
        {"notice": meta["notice"]} if "notice" in meta else {}
    )


# ------------------------------------------------------------------------------- writing


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    frame.to_parquet(path, index=False, engine="pyarrow", compression="zstd")


def write_year(out_root: Path, year: int, tables: dict[str, pd.DataFrame], provenance: dict) -> Path:
    """Write one year's tables into a temporary folder, then swap it in place (atomic)."""
    out_root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out_root, prefix=f".{year}-"))
    for name, frame in tables.items():
        _write_parquet(frame, tmp / f"{name}.parquet")
    (tmp / "provenance.json").write_text(
        json.dumps(provenance, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    final = out_root / str(year)
    old = None
    if final.exists():
        old = out_root / f".{year}-old-{os.getpid()}"
        os.replace(final, old)
    os.replace(tmp, final)
    if old is not None:
        shutil.rmtree(old)
    return final


# ------------------------------------------------------------------------------- the build


@dataclass
class BuildResult:
    """What a build did."""

    years: list[int]
    skipped: bool
    demo: bool
    accounting: pd.DataFrame
    out_dir: Path


def read_french(src: FrenchSources, years: list[int], mode: str, progress: bool) -> FrenchInputs:
    """Read every French source once (the stock streamed)."""
    zone_deps = set(reference.territories().query(f"country == 'FR' and zone_{PROCESSED_ZONE}")["code"])
    units = sirene.read_legal_units(src.units, progress=progress)
    emp, emp_rej, emp_rows, lookups = None, pd.DataFrame(), {}, None
    if mode == "employment":
        if not src.employment:
            raise BuildError("mode 'employment' but no file in data/raw/fr/employment/")
        emp, emp_rej, emp_rows = employment_src.read_fr_employment(src.employment)
        lookups = {y: sirene.EmploymentLookup.from_frame(emp[emp["year"] == y]) for y in years}
    stock = sirene.scan_stock(src.stock, zone_deps, years, units, employment=lookups, progress=progress)
    from desir_analysis.sources.csvfile import locate

    bad = locate(src.stock, stock.bad)
    zone = stock.zone
    zone["line"] = valid_row_lines(zone["_pos"].tolist(), [b.line for b in bad])
    stock_bad = pd.DataFrame(
        {
            "source_file": src.stock.name,
            "line": pd.array([b.line for b in bad], dtype="Int64"),
            "record_id": "",
            "reason": [f"ligne illisible : {b.reason}" for b in bad],
        }
    )
    history, h_rows, h_bad = None, 0, pd.DataFrame(columns=["source_file", "line", "record_id", "reason"])
    if src.history is not None:
        history, h_rows, hb = sirene.read_history(src.history, set(zone["siret"].astype(str)), progress=progress)
        h_bad = pd.DataFrame(
            {
                "source_file": src.history.name,
                "line": pd.array([b.line for b in hb], dtype="Int64"),
                "record_id": "",
                "reason": [f"ligne illisible : {b.reason}" for b in hb],
            }
        )
    seen = None
    if lookups is not None:
        seen = np.zeros(len(emp), dtype=bool)
        for lk in lookups.values():
            seen[lk.seen_rows()] = True
    inputs = FrenchInputs(
        stock_file=src.stock.name,
        zone=zone,
        stock_rows=stock.n_rows,
        stock_bad=stock_bad,
        units=units,
        ul_file=src.units.name,
        history=history,
        history_file=src.history.name if src.history else None,
        history_rows=h_rows,
        history_bad=h_bad,
        employment=emp,
        employment_rejects=emp_rej,
        employment_rows=emp_rows,
        employment_seen=seen,
    )
    inputs.national = stock.national  # type: ignore[attr-defined]
    return inputs


def build(
    years: list[int],
    raw_dir: Path | None = None,
    out_dir: Path | None = None,
    mode: str = "auto",
    force: bool = False,
    progress: bool = False,
    workers: int | None = None,
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
    cache_path = out / ".hash-cache.json"
    cache = json.loads(cache_path.read_text()) if cache_path.exists() else {}
    files = [
        {"path": str(p.relative_to(raw)), "sha256": sha256_file(p, cache), **_source_meta(p)}
        for p in src.all() + (be_src.all() if be_src else []) + population_files(raw)
    ]
    cache_path.write_text(json.dumps(cache, indent=0, sort_keys=True))
    key_payload = {
        "files": [(f["path"], f["sha256"]) for f in files],
        "code": code_fingerprint(),
        "mode": mode,
        "zone": PROCESSED_ZONE,
    }
    build_key = hashlib.sha256(json.dumps(key_payload, sort_keys=True).encode()).hexdigest()
    done = [y for y in years if _key_of(out / str(y)) == build_key]
    if not force and len(done) == len(years):
        print(f"[desir] données traitées à jour pour {years} (aucune entrée ni code modifié)", flush=True)
        return BuildResult(years, True, is_demo, pd.DataFrame(), out)
    start = time.perf_counter()
    inputs = read_french(src, years, mode, progress)
    valid, stock_rejects = validate_zone_rows(inputs)
    be_inputs = read_belgian(be_src) if be_src is not None else None
    if be_inputs is None:
        print("[desir] pas de fichiers belges (be/kbo + be/employment) : volet belge absent", flush=True)
    be_zone = set(reference.territories().query(f"country == 'BE' and zone_{PROCESSED_ZONE}")["code"])
    population, population_counts = read_population(raw)
    context = _YearContext(
        inputs,
        valid,
        stock_rejects,
        be_inputs,
        be_zone,
        population,
        population_counts,
        files,
        build_key,
        mode,
        is_demo,
        out,
    )
    workers = max(1, min(workers or os.cpu_count() or 1, len(years)))
    print(
        f"[desir] sources lues en {time.perf_counter() - start:.1f} s ; {len(years)} année(s) sur {workers} processus",
        flush=True,
    )
    acc_all = []
    for acc, message in _map_years(context, years, workers):
        acc_all.append(acc)
        print(message, flush=True)
    return BuildResult(years, False, is_demo, pd.concat(acc_all, ignore_index=True), out)


@dataclass
class _YearContext:
    """Everything a year's build needs, read once (shared with forked workers, never pickled)."""

    inputs: FrenchInputs
    valid: pd.DataFrame
    stock_rejects: pd.DataFrame
    be_inputs: BelgianInputs | None
    be_zone: set[str]
    population: pd.DataFrame
    population_counts: dict
    files: list[dict]
    build_key: str
    mode: str
    is_demo: bool
    out: Path


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
    parts: list[YearOutput] = [french_year(inputs, valid, stock_rejects, year)]
    nat = inputs.national[inputs.national["year"] == year]  # type: ignore[attr-defined]
    nationals = [national_aggregates_fr(nat)]
    if be_inputs is not None:
        be_out, be_national = belgian_year(be_inputs, year, ctx.be_zone)
        parts.append(be_out)
        be_units = be_national.assign(n_establishments=1, jobs=be_national["headcount"].astype("float64"))
        nationals.append(aggregate_national(be_units, False))
    acc = pd.concat(
        [accounting(p).assign(country=c) for p, c in zip(parts, ["FR", "BE"], strict=False)], ignore_index=True
    )
    acc.insert(0, "year", year)
    if not acc["balanced"].all():
        raise BuildError(f"accounting does not balance for {year}:\n{acc.to_string()}")
    national = pd.concat(nationals, ignore_index=True)
    est = pd.concat([p.establishments for p in parts], ignore_index=True)
    est = schemas.check_establishments(est.sort_values(["country", "establishment_id"], ignore_index=True))
    rejects = pd.concat([p.rejects for p in parts], ignore_index=True)
    scope = pd.concat([p.scope for p in parts], ignore_index=True)
    tables = {
        "establishments": est,
        "national_aggregates": national,
        "rejects": rejects,
        "scope": scope,
        "population": ctx.population,
    }
    for name, contract in (
        ("national_aggregates", schemas.NATIONAL_AGGREGATES),
        ("rejects", schemas.REJECTS),
        ("scope", schemas.SCOPE),
        ("population", schemas.POPULATION),
    ):
        schemas.check(tables[name], contract, name)
    prov = {
        "build_key": ctx.build_key,
        "year": year,
        "mode": ctx.mode,
        "demo": ctx.is_demo,
        "notice": demo.DEMO_NOTICE if ctx.is_demo else "",
        "zone": PROCESSED_ZONE,
        "package_version": __version__,
        "files": ctx.files,
        "accounting": acc.drop(columns="year").to_dict(orient="records"),
        "countries": ["FR"] + (["BE"] if be_inputs is not None else []),
        "population_files": ctx.population_counts,
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


def _key_of(year_dir: Path) -> str | None:
    p = year_dir / "provenance.json"
    if not p.exists():
        return None
    try:
        return json.loads(p.read_text(encoding="utf-8")).get("build_key")
    except json.JSONDecodeError:
        return None


def load(
    year: int,
    table: str,
    processed_dir: Path | None = None,
    filters: list[tuple[str, str, object]] | None = None,
) -> pd.DataFrame:
    """Read one processed table of one year as a pandas DataFrame.

    Args:
        year: reference year.
        table: one of :data:`TABLES`.
        processed_dir: default ``data/processed``.
        filters: row filters applied while reading (pyarrow syntax, e.g.
            ``[("nuts3", "==", "BE323")]``), cheaper than reading every row.
    """
    if table not in TABLES:
        raise ValueError(f"unknown table {table!r}; expected one of {TABLES}")
    path = (processed_dir or config.PROCESSED_DATA_DIR) / str(year) / f"{table}.parquet"
    if not path.exists():
        raise FileNotFoundError(f"{path} missing: run `desir build --year {year}` (or `make report`)")
    return pd.read_parquet(path, filters=filters)


def provenance(year: int, processed_dir: Path | None = None) -> dict:
    """The provenance record of one processed year."""
    return json.loads(((processed_dir or config.PROCESSED_DATA_DIR) / str(year) / "provenance.json").read_text())
