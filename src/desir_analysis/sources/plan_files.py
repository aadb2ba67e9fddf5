"""Readers of the development plan's two input files: the assumptions and the targets.

Both are small CSV files (UTF-8, comma-separated, header on line 1) that the user edits;
a bad value is one clear error naming the file, the line and what was expected
(:class:`RawFileError`). Layouts are documented in ``data/raw/README.md``.

Assumptions (``plan_hypotheses.csv``): one row per segment of the « emplois
nécessaires » method — ``age_group`` (``75-79``, ``80-84``, ``85-89``, ``90+``),
``setting`` (``domicile`` | ``etablissement``), ``dependency_rate`` (share of the age
group that is dependent, 0–1), ``setting_share`` (share of the dependent people living
in that setting, 0–1), ``relative_staffing`` (staffing per dependent person in that
setting, relative to the others; 0 for a setting the field does not serve), ``source``.

Targets (``objectifs.csv``): ``territory`` (NUTS3 code, or ``zone``), ``indicator``
(see :data:`INDICATORS`), ``base_year``, ``base_value``, ``target_year``,
``target_value``, and an optional ``label``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from desir_analysis import reference
from desir_analysis.sources.csvfile import RawFileError

ASSUMPTION_COLUMNS = ("age_group", "setting", "dependency_rate", "setting_share", "relative_staffing", "source")
SETTINGS = ("domicile", "etablissement")
AGE_GROUPS = reference.PLAN_AGE_GROUPS
TARGET_COLUMNS = ("territory", "indicator", "base_year", "base_value", "target_year", "target_value")
#: Indicators a target may follow: the published cells of the plan study.
INDICATORS = reference.PLAN_INDICATORS


def _rows(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) of a small CSV file; the header must hold ``columns``."""
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                raise RawFileError(f"{path}: line 1: missing column(s) {missing}; expected {list(columns)}")
            return [(i, row) for i, row in enumerate(reader, start=2)]
    except UnicodeDecodeError as exc:
        raise RawFileError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from None


def _number(
    path: Path, line: int, column: str, text: str, low: float | None = None, high: float | None = None
) -> float:
    try:
        value = float(str(text).replace(",", "."))
    except ValueError:
        raise RawFileError(f"{path}: line {line}, column {column}: expected a number, got {text!r}") from None
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise RawFileError(f"{path}: line {line}, column {column}: expected a number {bounds}, got {text!r}")
    return value


def read_assumptions(path: Path) -> pd.DataFrame:
    """The assumptions file as a typed table (one row per age group × setting).

    Raises:
        RawFileError: a missing column, an unknown age group or setting, a value that is not
            a number, a share outside [0, 1], a negative staffing, a segment given twice, or
            shares of settings of an age group that do not add up to 1.
    """
    out = []
    for line, row in _rows(path, ASSUMPTION_COLUMNS):
        age, setting = row["age_group"].strip(), row["setting"].strip()
        if age not in AGE_GROUPS:
            raise RawFileError(
                f"{path}: line {line}, column age_group: expected one of {list(AGE_GROUPS)}, got {age!r}"
            )
        if setting not in SETTINGS:
            raise RawFileError(
                f"{path}: line {line}, column setting: expected one of {list(SETTINGS)}, got {setting!r}"
            )
        out.append(
            {
                "age_group": age,
                "setting": setting,
                "dependency_rate": _number(path, line, "dependency_rate", row["dependency_rate"], 0, 1),
                "setting_share": _number(path, line, "setting_share", row["setting_share"], 0, 1),
                "relative_staffing": _number(path, line, "relative_staffing", row["relative_staffing"], 0),
                "source": row["source"].strip(),
                "line": line,
            }
        )
    t = pd.DataFrame(out)
    if t.empty:
        raise RawFileError(f"{path}: no assumption")
    dup = t.duplicated(["age_group", "setting"])
    if dup.any():
        r = t[dup].iloc[0]
        raise RawFileError(f"{path}: line {r['line']}: segment {r['age_group']} × {r['setting']} given twice")
    shares = t.groupby("age_group")["setting_share"].sum()
    bad = shares[(shares - 1).abs() > 1e-6]
    if len(bad):
        raise RawFileError(f"{path}: age group {bad.index[0]}: setting shares add up to {bad.iloc[0]:g}, expected 1")
    if not (t["relative_staffing"] > 0).any():
        raise RawFileError(f"{path}: every relative_staffing is 0: no segment is served")
    return t.drop(columns="line")


def read_targets(path: Path, territories: set[str]) -> pd.DataFrame:
    """The targets file as a typed table.

    Raises:
        RawFileError: a missing column, an unknown territory or indicator, a value or year
            that is not a number, a target year not after the base year.
    """
    out = []
    for line, row in _rows(path, TARGET_COLUMNS):
        terr, ind = row["territory"].strip(), row["indicator"].strip()
        if terr not in territories:
            raise RawFileError(f"{path}: line {line}, column territory: unknown territory {terr!r} for this zone")
        if ind not in INDICATORS:
            raise RawFileError(
                f"{path}: line {line}, column indicator: expected one of {list(INDICATORS)}, got {ind!r}"
            )
        base_year = int(_number(path, line, "base_year", row["base_year"], 1990, 2100))
        target_year = int(_number(path, line, "target_year", row["target_year"], 1990, 2100))
        if target_year <= base_year:
            raise RawFileError(f"{path}: line {line}, column target_year: expected a year after {base_year}")
        out.append(
            {
                "territory": terr,
                "indicator": ind,
                "base_year": base_year,
                "base_value": _number(path, line, "base_value", row["base_value"], 0),
                "target_year": target_year,
                "target_value": _number(path, line, "target_value", row["target_value"], 0),
                "label": (row.get("label") or "").strip(),
            }
        )
    return pd.DataFrame(out, columns=[*TARGET_COLUMNS, "label"])


def read_targets_if_any(path: Path, territories: set[str]) -> pd.DataFrame | None:
    """:func:`read_targets`, or ``None`` when there is no targets file (the study says « non disponible »)."""
    return read_targets(path, territories) if path.exists() else None


def default_assumptions() -> Path:
    """The assumptions shipped with the project (``reference/plan_hypotheses.csv``)."""
    from desir_analysis import config

    return config.REFERENCE_DIR / "plan_hypotheses.csv"


def default_targets(provenance: dict) -> Path:
    """Where the targets file is looked for: ``plan/objectifs.csv`` in the raw folder the edition was built from."""
    from desir_analysis import config

    raw = provenance.get("raw_dir") or str(config.RAW_DATA_DIR / ("demo" if provenance.get("demo") else ""))
    return Path(raw) / "plan" / "objectifs.csv"
