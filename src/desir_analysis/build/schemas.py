"""Column contracts of the processed tables (ARCHITECTURE §3) and their checks.

Checked with pandera: every contract column present with the expected kind of
dtype (codes as strings, nullable measures), vocabularies respected, ids unique,
measures non-negative. Errors name the table, the column and what was expected,
on one line.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    import pandera.pandas as pa

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
    "legal_form": "str",
    "ess_register_flag": "str",
    "social_enterprise_approved": "bool",
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
    "date": pd.api.types.is_datetime64_any_dtype,
}
MEASURES = ("headcount", "fte", "payroll_eur", "women", "part_time")


class SchemaError(ValueError):
    """A table does not follow its contract (one line: table, column, what was expected)."""


def _pa():
    """pandera, imported on first validation (it costs ~0.2 s at every start of the command otherwise)."""
    import pandera.pandas as pa

    return pa


def _kind(kind: str) -> pa.Check:
    pa = _pa()
    return pa.Check(lambda s: bool(_KIND_CHECK[kind](s)), element_wise=False, error=f"dtype kind {kind}")


def schema(contract: dict[str, str], table: str, **extra: list[pa.Check]) -> pa.DataFrameSchema:
    """A pandera schema of a contract: every column present, of its kind of dtype (nullable), plus ``extra`` checks."""
    pa = _pa()
    return pa.DataFrameSchema(
        {col: pa.Column(checks=[_kind(kind), *extra.get(col, [])], nullable=True) for col, kind in contract.items()},
        name=table,
        strict=False,
    )


@cache
def establishments_schema() -> pa.DataFrameSchema:
    """The ``establishments`` contract: columns and kinds, families, size bands, measures ≥ 0, unique ids."""
    pa = _pa()
    return pa.DataFrameSchema(
        schema(
            ESTABLISHMENTS,
            "establishments",
            ess_family=[pa.Check.isin(ESS_FAMILIES)],
            size_band=[pa.Check.isin(SIZE_BANDS)],
            **{m: [pa.Check.ge(0)] for m in MEASURES},
        ).columns,
        name="establishments",
        unique=["country", "year", "establishment_id"],
    )


def _one_line(exc: Exception, table: str) -> SchemaError:
    """Pandera's error as the project's one line: table, column, the check that failed and an example."""
    column = getattr(exc, "column_name", None) or ""
    check = str(getattr(exc, "check", "") or "").strip("<>") or str(exc).splitlines()[0]
    cases = getattr(exc, "failure_cases", None)
    example = ""
    if isinstance(cases, pd.DataFrame) and "failure_case" in cases and len(cases):
        example = f", e.g. {cases['failure_case'].iloc[0]!r}"
    if "uniqueness" in check and isinstance(cases, pd.DataFrame) and "column" in cases:
        keys = ", ".join(dict.fromkeys(cases["column"].astype(str)))
        return SchemaError(f"{table}: duplicate ({keys}), expected unique")
    where = f" column {column!r}" if column else ""
    return SchemaError(f"{table}:{where} fails {check}{example}")


def validate(frame: pd.DataFrame, contract: pa.DataFrameSchema) -> pd.DataFrame:
    """Validate ``frame`` against a pandera schema; return it unchanged or raise :class:`SchemaError`."""
    pa = _pa()
    try:
        return contract.validate(frame, lazy=False)
    except pa.errors.SchemaError as exc:
        raise _one_line(exc, contract.name) from None


def check(frame: pd.DataFrame, contract: dict[str, str], table: str) -> pd.DataFrame:
    """Check columns and dtypes of ``frame`` against ``contract``; return it unchanged."""
    missing = [c for c in contract if c not in frame.columns]
    if missing:
        raise SchemaError(f"{table}: missing column(s) {missing}")
    return validate(frame, schema(contract, table))


def check_establishments(frame: pd.DataFrame) -> pd.DataFrame:
    """Contract and vocabulary checks of ``establishments`` (families, size bands, unique ids, measures ≥ 0)."""
    missing = [c for c in ESTABLISHMENTS if c not in frame.columns]
    if missing:
        raise SchemaError(f"establishments: missing column(s) {missing}")
    return validate(frame, establishments_schema())


def size_band(headcount: pd.Series) -> pd.Series:
    """Size band from jobs at the reference date: 1-9, 10-49, 50-249, 250+; unknown if missing or 0."""
    h = headcount.astype("Float64")
    out = pd.Series("unknown", index=h.index, dtype="string")
    out = out.mask(h.ge(1) & h.lt(10), "1-9").mask(h.ge(10) & h.lt(50), "10-49")
    out = out.mask(h.ge(50) & h.lt(250), "50-249").mask(h.ge(250), "250+")
    return out.fillna("unknown")
