"""Curated reference tables shipped as package data, and their loaders.

Every table is a CSV file in this folder with a ``source`` or ``rule`` column
saying where each line comes from. Loaders return fresh copies (callers may
modify them) with codes as strings and flags as booleans.

Tables:
    legal_forms.csv: national legal-form code -> ESS family, public-sector flag,
        membership of each named perimeter (yes | no | if_ess_flag | if_approved).
    sectors.csv: NACE Rév. 2 / Rév. 2.1 class -> common ESS sector group.
    sector_groups.csv: sector group codes, order and labels (FR, NL).
    activity_exclusions.csv: NACE prefixes excluded from the ESS field.
    perimeters.csv: named, versioned perimeters and whether they apply the
        activity exclusions.
    territories.csv: FR départements / BE arrondissements (and commune
        exceptions) -> NUTS 2021 -> study zones.
    commune_changes.csv: Belgian NIS codes changed in 2019 and 2025.
    personal_services.csv: codes and joint committees of the personal-services field.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import pandas as pd

PERIMETER_VALUES = ("yes", "no", "if_ess_flag", "if_approved")
ESS_FAMILIES = (
    "association",
    "cooperative",
    "mutual",
    "foundation",
    "other_nonprofit",
    "ess_company",
    "non_ess",
    "unknown",
)


@cache
def _read(name: str) -> pd.DataFrame:
    with resources.files(__name__).joinpath(name).open("r", encoding="utf-8") as fh:
        frame = pd.read_csv(fh, dtype="string", keep_default_na=False)
    return frame


def _bools(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    for col in columns:
        values = frame[col].str.lower()
        bad = ~values.isin(["true", "false"])
        if bad.any():
            raise ValueError(f"reference column {col!r}: expected true/false, got {values[bad].iloc[0]!r}")
        frame[col] = values.eq("true").astype("boolean")
    return frame


def load_table(name: str) -> pd.DataFrame:
    """Return a copy of a reference table by file name (e.g. ``"sectors.csv"``)."""
    return _read(name).copy()


def legal_forms() -> pd.DataFrame:
    """Legal forms of both countries with family, public-sector flag and perimeters."""
    return _bools(load_table("legal_forms.csv"), ["public_sector"])


def sectors() -> pd.DataFrame:
    """NACE classes (``NACE2`` and ``NACE21`` nomenclatures) -> sector group."""
    return load_table("sectors.csv")


def sector_groups() -> pd.DataFrame:
    """Sector groups in publication order, with French and Dutch labels."""
    t = load_table("sector_groups.csv")
    t["order"] = t["order"].astype("Int64")
    return t.sort_values("order", ignore_index=True)


def activity_exclusions() -> pd.DataFrame:
    """NACE prefixes (division or class) excluded from the ESS field, with the reason."""
    return load_table("activity_exclusions.csv")


def perimeters() -> pd.DataFrame:
    """Named perimeters, their version, countries and exclusion rule."""
    return _bools(load_table("perimeters.csv"), ["applies_activity_exclusions"])


def territories() -> pd.DataFrame:
    """Territories (FR départements, BE arrondissements, commune exceptions) -> NUTS -> zones."""
    return _bools(load_table("territories.csv"), ["zone_desir", "zone_interreg_fwvl"])


def commune_changes() -> pd.DataFrame:
    """Belgian commune code changes (old NIS code -> current NIS code)."""
    return load_table("commune_changes.csv")


def personal_services() -> pd.DataFrame:
    """Activity codes and joint committees defining the personal-services field."""
    return load_table("personal_services.csv")


ZONES = ("desir", "interreg_fwvl")


PLAN_PROTECTIONS = ("shared", "local")
PLAN_YEARS = ("edition", "series")


def publication_plan() -> pd.DataFrame:
    """The publication plan: every breakdown of protected cells that an edition may publish.

    One row per table: ``table`` (measure, e.g. ``ess_jobs``), ``population`` (``ess``,
    ``all``, ``private``…), ``breakdown`` (columns joined by ``|``), ``value``,
    ``years`` (``edition`` = the edition year; ``series`` = every year of the evolution),
    ``protection`` (``shared``: protected together for every document of the edition,
    :mod:`desir_analysis.analysis.cells`; ``local``: protected by its study alone),
    ``documents`` and ``rule``. The study API refuses a protected table outside it.
    """
    plan = _read("publication_plan.csv").copy()
    for col, allowed in (("protection", PLAN_PROTECTIONS), ("years", PLAN_YEARS)):
        bad = ~plan[col].isin(allowed)
        if bad.any():
            raise ValueError(
                f"publication_plan.csv: {col} must be one of {allowed}, got {plan.loc[bad, col].iloc[0]!r}"
            )
    key = plan["table"] + "|" + plan["breakdown"] + "|" + plan["years"]
    if key.duplicated().any():
        raise ValueError(f"publication_plan.csv: duplicated entry {key[key.duplicated()].iloc[0]!r}")
    return plan
