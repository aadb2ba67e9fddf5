"""Finding and reading the raw files of a build: French, Belgian and population sources.

``data/raw/`` is the users' folder (names as the producers publish them,
``data/raw/README.md``). The build reads whatever folder it is given; it never
generates data (the CLI generates the demo files, :mod:`desir_analysis.demo`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from desir_analysis import config, reference
from desir_analysis.build.errors import BuildError
from desir_analysis.build.harmonise_be import BelgianInputs, read_approvals
from desir_analysis.build.harmonise_fr import FrenchInputs
from desir_analysis.sources import employment as employment_src
from desir_analysis.sources import kbo as kbo_src
from desir_analysis.sources import population as population_src
from desir_analysis.sources import sirene, sirene_history
from desir_analysis.sources.csvfile import COMPRESSED_SUFFIXES, locate, refuse_compressed, valid_row_lines
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

    def only_years(self, years: list[int]) -> FrenchSources:
        """The same sources with only the employment files of ``years`` (:func:`serves_years`)."""
        return replace(self, employment=[p for p in self.employment if serves_years(p, years)])


def refuse_archives(*folders: Path) -> None:
    """Compressed files in a raw folder are refused by name (never skipped silently): one line says what to do.

    Raises:
        RawFileError: the first compressed file found.
    """
    for folder in folders:
        if folder.is_dir():
            for p in sorted(folder.iterdir()):
                if p.is_file() and p.name.lower().endswith(COMPRESSED_SUFFIXES):
                    refuse_compressed(p)


def discover_fr(raw_dir: Path) -> FrenchSources | None:
    """Find the French files under ``raw_dir/fr`` (names as INSEE publishes them)."""
    s = raw_dir / "fr" / "sirene"
    refuse_archives(s, raw_dir / "fr" / "employment")

    def found(pattern: str) -> list[Path]:  # the CSV as INSEE publishes it, or the same table as Parquet
        return sorted(p for ext in ("csv", "parquet") for p in s.glob(f"{pattern}.{ext}"))

    stock = [p for p in found("StockEtablissement*") if "Historique" not in p.name and "Liens" not in p.name]
    units = [p for p in found("StockUniteLegale*") if "Historique" not in p.name]
    hist = found("StockEtablissementHistorique*")
    if not stock and not units:
        return None
    if len(stock) != 1 or len(units) != 1:
        raise BuildError(
            f"{s}: expected exactly one StockEtablissement*.csv (or .parquet) and one StockUniteLegale*.csv "
            "(or .parquet), "
            f"found {[p.name for p in stock]} and {[p.name for p in units]}"
        )
    emp_dir = raw_dir / "fr" / "employment"
    emp = sorted([*emp_dir.glob("*.csv"), *emp_dir.glob("*.parquet")]) if emp_dir.is_dir() else []
    return FrenchSources(stock[0], units[0], hist[0] if hist else None, emp)


@dataclass
class BelgianSources:
    """Paths of the Belgian raw files."""

    kbo: list[Path]
    employment: list[Path]
    approvals: Path | None

    def all(self) -> list[Path]:
        """Every input file."""
        kbo = sorted(f for folder in self.kbo for f in folder.glob("*.csv"))
        return kbo + self.employment + ([self.approvals] if self.approvals else [])

    def only_years(self, years: list[int]) -> BelgianSources:
        """The same sources with only the employment files of ``years`` (:func:`serves_years`)."""
        return replace(self, employment=[p for p in self.employment if serves_years(p, years)])


def discover_be(raw_dir: Path) -> BelgianSources | None:
    """Find the Belgian files under ``raw_dir/be`` (KBO export folder, ONSS extract, approvals)."""
    k = raw_dir / "be" / "kbo"
    emp_dir = raw_dir / "be" / "employment"
    refuse_archives(k, emp_dir, raw_dir / "be" / "approvals")
    emp = sorted([*emp_dir.glob("*.csv"), *emp_dir.glob("*.parquet")]) if emp_dir.is_dir() else []
    if not k.is_dir() or not emp:
        return None
    # one export in be/kbo/, or several (be/kbo/<AAAA-MM-JJ>/…): each year then takes the register of its time
    snapshots = sorted(d for d in k.iterdir() if d.is_dir() and any(d.glob("enterprise*.csv")))
    if snapshots:
        refuse_archives(*snapshots)
    appr_dir = raw_dir / "be" / "approvals"
    appr = sorted(appr_dir.glob("*.csv")) if appr_dir.is_dir() else []
    return BelgianSources(snapshots or [k], emp, appr[0] if appr else None)


def read_belgian(src: BelgianSources) -> BelgianInputs:
    """Read every Belgian source."""
    registers = {
        kbo_src.snapshot_date(folder) if len(src.kbo) > 1 else "": kbo_src.read_kbo(folder) for folder in src.kbo
    }
    k = registers[max(registers)]
    emp, emp_rej, emp_rows = employment_src.read_be_employment(src.employment)
    appr, n_appr, appr_rej = None, 0, pd.DataFrame()
    if src.approvals is not None:
        appr, n_appr, appr_rej = read_approvals(src.approvals)
    name = src.approvals.name if src.approvals else None
    return BelgianInputs(k, emp, emp_rej, emp_rows, appr, name, n_appr, appr_rej, registers)


def population_files(raw_dir: Path) -> list[Path]:
    """Population inputs: ``population/statbel/*.txt``, ``population/insee/*.xls``, ``population/eurostat/*.tsv``."""
    p = raw_dir / "population"
    refuse_archives(*(p / d for d in ("statbel", "insee", "eurostat")))
    return sorted([*p.glob("statbel/*.txt"), *p.glob("insee/*.xls"), *p.glob("eurostat/*.tsv")])


YEAR_IN_NAME = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


def name_years(path: Path | str) -> list[int]:
    """The years a file's name carries (``flores_etablissements_2023.csv`` -> [2023]; none -> [])."""
    return [int(y) for y in YEAR_IN_NAME.findall(Path(path).name)]


def _kind(path: Path | str) -> str:
    parts = Path(path).parts
    for kind in ("employment", "population", "survey"):
        if kind in parts:
            return kind
    return "other"


def is_input_of(path: Path | str, year: int) -> bool:
    """Whether a raw file is an input of ``year``'s processed tables.

    An employment extract whose name carries years serves the years from the first to the
    last of them; a population file whose name carries a year serves that year and the later
    ones (the series up to the edition); a questionnaire's responses file whose name carries a
    year serves that year only; every other file (Sirene, KBO, approvals, Eurostat
    files, extracts without a year in the name) serves every year. So adding next year's
    extract changes no past year's inputs.
    """
    ys = name_years(path)
    if not ys or _kind(path) == "other":
        return True
    if _kind(path) == "employment":
        return min(ys) <= year <= max(ys)
    if _kind(path) == "survey":
        return year in ys
    return min(ys) <= year


def serves_years(path: Path, years: list[int]) -> bool:
    """Whether a file is an input of at least one of ``years``."""
    return any(is_input_of(path, y) for y in years)


def inputs_of_year(files: list[dict], year: int) -> list[dict]:
    """The provenance records (``path``, ``sha256``…) of the raw files that are inputs of ``year``."""
    return [f for f in files if is_input_of(f["path"], year)]


def _extract_years(path: Path) -> set[int]:
    """Years of an employment extract: from its name, else its ``annee`` column (empty when unreadable)."""
    ys = name_years(path)
    if ys:
        return set(range(min(ys), max(ys) + 1))
    try:
        if path.suffix == ".parquet":
            import pyarrow.parquet as pq

            col = pq.read_table(path, columns=["annee"]).column("annee")
        else:
            import pyarrow.csv as pa_csv

            col = pa_csv.read_csv(path, convert_options=pa_csv.ConvertOptions(include_columns=["annee"])).column(
                "annee"
            )
        return {int(v) for v in pd.to_numeric(pd.Series(col.to_pylist()), errors="coerce").dropna().unique()}
    except Exception:  # noqa: BLE001 - an unreadable file is reported by its reader, with its line
        return set()


def _snapshot_year(src: FrenchSources) -> int:
    """Year of the Sirene stock's snapshot: its ``source.json`` vintage, else the file's date."""
    side = src.stock.parent / "source.json"
    try:
        return int(json.loads(side.read_text(encoding="utf-8"))["vintage"][:4])
    except (OSError, KeyError, ValueError, TypeError):
        return dt.date.fromtimestamp(src.stock.stat().st_mtime).year


def french_gaps(src: FrenchSources, years: list[int], mode: str) -> set[int]:
    """The years of ``years`` inside the French extracts' span that no extract covers (employment mode).

    INSEE's establishment employment has a hole: CLAP ends with 2015, Flores starts with 2017
    (``reference/breaks.csv``). Such a year is built without its French side (the series shows a
    gap there, never an interpolation); a year before the first extract or after the last is refused
    by :func:`check_years_covered`.
    """
    if mode != "employment" or not src.employment:
        return set()
    covered = set().union(*(_extract_years(p) for p in src.employment))
    if not covered:
        return set()
    return {y for y in years if min(covered) < y < max(covered) and y not in covered}


def check_years_covered(src: FrenchSources, years: list[int], mode: str) -> None:
    """Refuse, before any work, years the raw files do not cover, naming those they cover.

    Employment mode: the years of the French employment extracts. Public mode: the years
    ended before the Sirene stock's snapshot (31 December of a year before its vintage).

    Raises:
        BuildError: one line naming the uncovered years, the covered ones and what to do.
    """
    if mode == "employment":
        covered = set().union(*(_extract_years(p) for p in src.employment)) if src.employment else set()
        if not covered:
            return  # unreadable extracts: their reader says why, with the line
        covered |= french_gaps(src, years, mode)  # built without France, the series shows a gap
        where, what = src.employment[0].parent, "les extraits d'emploi couvrent"
        add = "l'extrait de l'année"
    else:
        snapshot = _snapshot_year(src)
        covered = set(range(min(years), snapshot))
        where, what = src.stock, f"le stock Sirene (instantané de {snapshot}) couvre"
        add = "un stock plus récent"
    missing = sorted(set(years) - covered)
    if missing:
        span = f"{min(covered)}–{max(covered)}" if len(covered) > 1 else str(min(covered, default="aucune année"))
        raise BuildError(
            f"{where}: {what} {span} ; {', '.join(map(str, missing))} n'y est pas : choisissez --year dans {span} "
            f"(et --first-year), ou ajoutez {add} (data/raw/README.md)"
        )


def read_population(raw_dir: Path, last_year: int | None = None) -> tuple[dict[str, pd.DataFrame], dict]:
    """Every population file needed up to ``last_year``, read once: {relative path: rows}, and counts by file."""
    parts, counts = {}, {}
    for path in population_files(raw_dir):
        if last_year is not None and not is_input_of(path.relative_to(raw_dir), last_year):
            continue
        if path.suffix == ".txt":
            t, n = population_src.read_statbel(path)
        elif path.suffix == ".xls":
            t, n = population_src.read_insee_estimates(path)
        else:
            t, n = population_src.read_eurostat(path, kind="projected" if "proj" in path.name else "observed")
        n["kept_rows"] = len(t)
        parts[str(path.relative_to(raw_dir))] = t
        counts[path.name] = n
    return parts, counts


def population_of_year(parts: dict[str, pd.DataFrame], files: list[dict]) -> pd.DataFrame:
    """The ``population`` table of one year: the rows of the population files that are its inputs."""
    mine = [parts[f["path"]] for f in files if f["path"] in parts]
    if not mine:
        return population_src._frame(country=[], year=[])
    out = pd.concat(mine, ignore_index=True)
    return out.sort_values(["source", "country", "nuts3", "year", "sex", "age_min", "age_group"], ignore_index=True)


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


#: The fields of a raw file's provenance record taken from its source kind (``reference/sources.csv``).
SOURCE_FIELDS = (
    "kind",
    "country",
    "topic",
    "publisher",
    "title",
    "credit",
    "licence",
    "access",
    "reference",
    "measure",
)


def file_vintage(path: Path, kind: str) -> str:
    """The vintage of a raw file when its folder's ``source.json`` does not give one.

    KBO export: the ``SnapshotDate`` of its ``meta.csv`` (else its folder's date); employment
    extracts and Statbel files: the years in the name; anything else: ``""`` (« non précisé »).
    """
    if kind == "kbo":
        try:
            return kbo_src.snapshot_date(path.parent)
        except Exception:  # noqa: BLE001 - an undated export is reported by the KBO reader itself
            return ""
    years = name_years(path)
    if kind in ("employment_fr", "employment_fr_clap", "employment_be", "statbel_population") and years:
        return str(min(years)) if min(years) == max(years) else f"{min(years)}-{max(years)}"
    return ""


def source_meta(path: Path, raw_dir: Path, demo: bool) -> dict:
    """Provenance of one raw file: its source kind's producer record (``reference/sources.csv``).

    The folder's ``source.json`` may override ``publisher``, ``title``, ``licence`` and give the
    ``vintage`` (e.g. ``{"vintage": "2024-01-01"}`` for a Sirene stock); the vintage otherwise comes
    from the file (:func:`file_vintage`). ``demo`` (the raw folder holds ``DEMO.txt``) marks every
    file of the folder as synthetic.

    Raises:
        BuildError: a file that no source kind covers (its path says where it should go).
    """
    rel = path.relative_to(raw_dir).as_posix()
    kind = reference.source_kind(rel)
    if not kind:
        raise BuildError(f"{path}: fichier d'aucune source connue (reference/sources.csv) ; voir data/raw/README.md")
    row = reference.sources().set_index("kind").loc[kind]
    meta = {"kind": kind, **{f: str(row[f]) for f in SOURCE_FIELDS if f != "kind"}}
    side = path.parent / "source.json"
    extra = json.loads(side.read_text(encoding="utf-8")) if side.exists() else {}
    meta |= {k: str(extra[k]) for k in ("publisher", "title", "licence") if extra.get(k)}
    meta["vintage"] = str(extra.get("vintage") or file_vintage(path, kind))
    meta["demo"] = demo
    return meta | ({"notice": config.DEMO_NOTICE} if demo else {})


#: What to do when a source yields no row (the end of :func:`check_not_empty`'s lines).
EMPTY_HINT = "vérifiez le fichier (ou relancez avec --allow-empty pour construire quand même)"


def check_not_empty(src: FrenchSources, inputs: FrenchInputs) -> None:
    """A source that yields no row, or an employment extract that matches no establishment, stops the build.

    Raises:
        BuildError: one line naming the file (``--allow-empty`` builds anyway).
    """
    if inputs.stock_rows == 0:
        raise BuildError(f"{src.stock}: aucune ligne de données (en-tête seul) ; {EMPTY_HINT}")
    if inputs.employment is None:
        return
    for name, n in inputs.employment_rows.items():
        if n == 0:
            raise BuildError(
                f"{src.stock.parents[2] / 'fr' / 'employment' / name}: aucune ligne de données ; {EMPTY_HINT}"
            )
    seen = inputs.employment_seen
    if seen is not None and len(seen) and not seen.any():
        files = ", ".join(sorted(inputs.employment_rows))
        raise BuildError(
            f"{src.employment[0].parent / files}: aucun établissement du stock Sirene ne correspond aux SIRET de "
            f"l'extrait d'emploi ({len(seen)} lignes) ; l'extrait et le stock couvrent-ils le même territoire ? "
            f"{EMPTY_HINT}"
        )


def check_not_empty_be(src: BelgianSources, inputs: BelgianInputs) -> None:
    """The Belgian counterpart of :func:`check_not_empty`: an empty extract or register stops the build.

    Raises:
        BuildError: one line naming the file (``--allow-empty`` builds anyway).
    """
    for name, n in inputs.employment_rows.items():
        if n == 0:
            raise BuildError(f"{src.employment[0].parent / name}: aucune ligne de données ; {EMPTY_HINT}")
    for date, register in (inputs.registers or {"": inputs.kbo}).items():
        for name, n in register.rows.items():
            if n == 0:
                raise BuildError(
                    f"{src.kbo[0].parent if date else src.kbo[0]}/{name}: aucune ligne de données ; {EMPTY_HINT}"
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
        history, h_rows, hb = sirene_history.read_history(
            src.history, set(zone["siret"].astype(str)), progress=progress
        )
        history, dated = sirene_history.history_date_rejects(history, src.history.name, [b.line for b in hb])
        h_bad = pd.concat([unreadable(src.history.name, hb), dated], ignore_index=True)
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
