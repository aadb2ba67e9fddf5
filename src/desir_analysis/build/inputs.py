"""Finding and reading the raw files of a build: French, Belgian and population sources.

``data/raw/`` is the users' folder (names as the producers publish them,
``data/raw/README.md``). The build reads whatever folder it is given; it never
generates data (the CLI generates the demo files, :mod:`desir_analysis.demo`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from desir_analysis import config, reference
from desir_analysis.build.errors import BuildError
from desir_analysis.build.harmonise_be import BelgianInputs, read_approvals
from desir_analysis.build.harmonise_fr import FrenchInputs
from desir_analysis.sources import KNOWN_SOURCES, sirene
from desir_analysis.sources import employment as employment_src
from desir_analysis.sources import kbo as kbo_src
from desir_analysis.sources import population as population_src
from desir_analysis.sources.csvfile import locate, valid_row_lines
from desir_analysis.sources.rejects import no_rejects, unreadable

#: What the build keeps: the territories of every study zone of ``zones.csv`` (their union).
PROCESSED_ZONE = "every zone of zones.csv"


def kept_territories(country: str) -> set[str]:
    """Territory codes (FR départements, BE arrondissements or communes) of a country in at least one zone."""
    t = reference.territories()
    return set(t.loc[(t["country"] == country) & t["in_any_zone"], "code"])


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
    """The raw folder to build from and whether it holds the demo files.

    ``raw_dir`` when it holds French Sirene files, else ``raw_dir/demo`` when the demo
    files are there (the CLI generates them, :func:`desir_analysis.demo.ensure`).

    Raises:
        BuildError: neither real nor demo files.
    """
    raw_dir = raw_dir or config.RAW_DATA_DIR
    if discover_fr(raw_dir) is not None:
        return raw_dir, (raw_dir / "DEMO.txt").exists()
    demo_dir = raw_dir / "demo"
    if (demo_dir / "DEMO.txt").exists() and discover_fr(demo_dir) is not None:
        return demo_dir, True
    raise BuildError(
        f"{raw_dir / 'fr' / 'sirene'}: no Sirene stock (StockEtablissement*.csv); put the real files there "
        "(data/raw/README.md) or run `desir report`, which generates the demo files"
    )


def source_meta(path: Path) -> dict:
    """Producer, title, licence and vintage of a raw file: its folder's ``source.json``, else the defaults."""
    side = path.parent / "source.json"
    meta = json.loads(side.read_text(encoding="utf-8")) if side.exists() else {}
    default = KNOWN_SOURCES["sirene" if "Stock" in path.name else "employment"]
    return {k: meta.get(k, v) for k, v in {**default, "demo": False}.items()} | (
        {"notice": meta["notice"]} if "notice" in meta else {}
    )


def read_french(src: FrenchSources, years: list[int], mode: str, progress: bool) -> FrenchInputs:
    """Read every French source once (the stock streamed)."""
    zone_deps = kept_territories("FR")
    units = sirene.read_legal_units(src.units, progress=progress)
    emp, emp_rej, emp_rows, lookups = None, pd.DataFrame(), {}, None
    if mode == "employment":
        if not src.employment:
            raise BuildError("mode 'employment' but no file in data/raw/fr/employment/")
        emp, emp_rej, emp_rows = employment_src.read_fr_employment(src.employment)
        lookups = {y: sirene.EmploymentLookup.from_frame(emp[emp["year"] == y]) for y in years}
    stock = sirene.scan_stock(src.stock, zone_deps, years, units, employment=lookups, progress=progress)
    bad = locate(src.stock, stock.bad)
    zone = stock.zone
    zone["line"] = valid_row_lines(zone["_pos"].tolist(), [b.line for b in bad])
    stock_bad = unreadable(src.stock.name, bad)
    history, h_rows, h_bad = None, 0, no_rejects()
    if src.history is not None:
        history, h_rows, hb = sirene.read_history(src.history, set(zone["siret"].astype(str)), progress=progress)
        h_bad = unreadable(src.history.name, hb)
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
