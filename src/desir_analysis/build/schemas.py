"""Column contracts of the processed tables (ARCHITECTURE §3) and their checks.

A light, dependency-free schema check: every contract column present with the
expected kind of dtype, codes as strings, vocabularies respected. Errors name
the table, the column and what was expected.
"""

from __future__ import annotations

import pandas as pd

from desir_analysis.reference import ESS_FAMILIES

# column -> kind: str | int | float | bool | date
ESTABLISHMENTS = {
    "country": "str",
    "year": "int",
    "establishment_id": "str",
    "enterprise_id": "str",
    "reference_date": "date",
    "legal_form": "str",
    "ess_family": "str",
    "ess_register_flag": "str",
    "activity_excluded": "bool",
    "public_sector": "bool",
    "social_enterprise_approved": "bool",
    "joint_committee": "str",
    "national_activity": "str",
    "activity_nomenclature": "str",
    "nace": "str",
    "sector_group": "str",
    "commune": "str",
    "nuts3": "str",
    "headcount": "float",
    "fte": "float",
    "payroll_eur": "float",
    "women": "float",
    "part_time": "float",
    "headcount_estimated": "bool",
    "size_band": "str",
}
NATIONAL_AGGREGATES = {
    "country": "str",
    "year": "int",
    "ess_family": "str",
    "sector_group": "str",
    "public_sector": "bool",
    "nuts3": "str",
    "activity_excluded": "bool",
    "n_establishments": "int",
    "jobs": "float",
    "jobs_estimated": "bool",
    "in_insee": "bool",
    "in_ess_law_2014": "bool",
    "in_concertes": "bool",
    "in_core_crossborder": "bool",
}
REJECTS = {"country": "str", "year": "int", "source_file": "str", "line": "int", "record_id": "str", "reason": "str"}
SCOPE = {"country": "str", "year": "int", "source_file": "str", "reason": "str", "n_records": "int"}
POPULATION = {
    "country": "str",
    "year": "int",
    "nuts3": "str",
    "sex": "str",
    "age_group": "str",
    "population": "float",
    "kind": "str",
    "scenario": "str",
    "source": "str",
}
SIZE_BANDS = ("1-9", "10-49", "50-249", "250+", "unknown")

_KIND_CHECK = {
    "str": pd.api.types.is_string_dtype,
    "int": pd.api.types.is_integer_dtype,
    "float": pd.api.types.is_float_dtype,
    "bool": pd.api.types.is_bool_dtype,
    "date": lambda s: pd.api.types.is_datetime64_any_dtype(s),
}


class SchemaError(ValueError):
    """A table does not follow its contract."""


def check(frame: pd.DataFrame, contract: dict[str, str], table: str) -> pd.DataFrame:
    """Check columns and dtypes of ``frame`` against ``contract``; return it unchanged."""
    missing = [c for c in contract if c not in frame.columns]
    if missing:
        raise SchemaError(f"{table}: missing column(s) {missing}")
    for col, kind in contract.items():
        if not _KIND_CHECK[kind](frame[col]):
            raise SchemaError(f"{table}: column {col!r} has dtype {frame[col].dtype}, expected {kind}")
    return frame


def check_establishments(frame: pd.DataFrame) -> pd.DataFrame:
    """Contract and vocabulary checks of ``establishments``."""
    check(frame, ESTABLISHMENTS, "establishments")
    bad = ~frame["ess_family"].isin(ESS_FAMILIES)
    if bad.any():
        raise SchemaError(f"establishments: ess_family {frame.loc[bad, 'ess_family'].iloc[0]!r} not in {ESS_FAMILIES}")
    bad = ~frame["size_band"].isin(SIZE_BANDS)
    if bad.any():
        raise SchemaError(f"establishments: size_band {frame.loc[bad, 'size_band'].iloc[0]!r} not in {SIZE_BANDS}")
    dup = frame.duplicated(["country", "year", "establishment_id"])
    if dup.any():
        raise SchemaError(f"establishments: duplicate establishment_id {frame.loc[dup, 'establishment_id'].iloc[0]!r}")
    for col in ("headcount", "fte", "payroll_eur", "women", "part_time"):
        if (frame[col] < 0).any():
            raise SchemaError(f"establishments: negative {col}")
    return frame


def size_band(headcount: pd.Series) -> pd.Series:
    """Size band from jobs at the reference date: 1-9, 10-49, 50-249, 250+; unknown if missing or 0."""
    h = headcount.astype("Float64")
    out = pd.Series("unknown", index=h.index, dtype="string")
    out = out.mask(h.ge(1) & h.lt(10), "1-9").mask(h.ge(10) & h.lt(50), "10-49")
    out = out.mask(h.ge(50) & h.lt(250), "50-249").mask(h.ge(250), "250+")
    return out.fillna("unknown")
