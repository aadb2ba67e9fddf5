"""The processed-table store: ``data/processed/<year>/``, written atomically, read with :func:`load`."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from desir_analysis import config

TABLES = ("establishments", "national_aggregates", "rejects", "scope", "population")
#: Tables a year has only when its sources give them (the questionnaire: ``build/survey.py``).
OPTIONAL_TABLES = ("survey_responses", "survey_codebook", "survey_exclusions")


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    frame.to_parquet(path, index=False, engine="pyarrow", compression="zstd")


def write_year(out_root: Path, year: int, tables: dict[str, pd.DataFrame], provenance: dict) -> Path:
    """Write one year's tables into a temporary folder, then swap it in place (atomic)."""
    out_root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out_root, prefix=f".{year}-"))
    os.chmod(
        tmp, config.readable_mode(directory=True)
    )  # mkdtemp creates 0700: others could not read the processed year
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


def key_of(year_dir: Path) -> str | None:
    """The build key recorded in a processed year folder (``None`` when absent or unreadable)."""
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
    columns: list[str] | None = None,
) -> pd.DataFrame:
    """Read one processed table of one year as a pandas DataFrame.

    Args:
        year: reference year.
        table: one of :data:`TABLES`.
        processed_dir: default ``data/processed``.
        filters: row filters applied while reading (pyarrow syntax, e.g.
            ``[("nuts3", "==", "BE323")]``), cheaper than reading every row.
        columns: read only these columns (default: all).
    """
    if table not in TABLES + OPTIONAL_TABLES:
        raise ValueError(f"unknown table {table!r}; expected one of {TABLES + OPTIONAL_TABLES}")
    path = (processed_dir or config.PROCESSED_DATA_DIR) / str(year) / f"{table}.parquet"
    if not path.exists():
        raise FileNotFoundError(f"{path} missing: run `desir build --year {year}` (or `make report`)")
    return pd.read_parquet(path, filters=filters, columns=columns)


def has(year: int, table: str, processed_dir: Path | None = None) -> bool:
    """Whether a processed year has ``table`` (an optional table, :data:`OPTIONAL_TABLES`)."""
    return ((processed_dir or config.PROCESSED_DATA_DIR) / str(year) / f"{table}.parquet").is_file()


def provenance(year: int, processed_dir: Path | None = None) -> dict:
    """The provenance record of one processed year."""
    return json.loads(((processed_dir or config.PROCESSED_DATA_DIR) / str(year) / "provenance.json").read_text())
