"""Vectorised classification of national codes through the reference tables.

Each ``add_*`` function takes a DataFrame with the processed-table columns it
needs and returns a new DataFrame with classification columns added (no
per-row Python loop: joins on the reference tables with ``validate="m:1"``).
Codes absent from a reference table are classified ``unknown`` (never silently
``non_ess``) and listed by :func:`classification_issues`.
"""

from __future__ import annotations

import pandas as pd

from desir_analysis import reference
from desir_analysis.reference.territory import add_territory, current_nis, in_zone, territory_of_commune

__all__ = [
    "add_activity_exclusion",
    "add_legal_family",
    "add_sector",
    "add_territory",
    "classification_issues",
    "classify",
    "current_nis",
    "in_zone",
    "nace_class",
    "territory_of_commune",
]

# activity_nomenclature value -> sectors.csv nomenclature (NACE class system)
NOMENCLATURE_TO_NACE = {
    "NAFRev2": "NACE2",
    "NACEBEL2008": "NACE2",
    "NACEBEL2025": "NACE21",
    "NAF2025": "NACE21",
    "NACEBEL2003": "NACE11",
}
UNKNOWN = "unknown"


def _require(frame: pd.DataFrame, columns: list[str], func: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"{func}: missing column(s) {missing}; got {list(frame.columns)}")


def add_legal_family(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``ess_family`` and ``public_sector`` from ``country`` and ``legal_form``.

    Source: ``reference/legal_forms.csv`` (INSEE CJ niveau III 2022-09, KBO 2025-10).
    A code absent from the table gets family ``unknown`` and ``public_sector`` <NA>.
    """
    _require(frame, ["country", "legal_form"], "add_legal_family")
    ref = reference.legal_forms()[["country", "code", "ess_family", "public_sector"]]
    out = frame.drop(columns=["ess_family", "public_sector"], errors="ignore").merge(
        ref.rename(columns={"code": "legal_form"}),
        on=["country", "legal_form"],
        how="left",
        validate="m:1",
    )
    out["ess_family"] = out["ess_family"].fillna(UNKNOWN).astype("string")
    out["public_sector"] = out["public_sector"].astype("boolean")
    return out


def nace_class(codes: pd.Series, nomenclature: pd.Series) -> pd.Series:
    """NACE class (``DD.DD``) of normalised national activity codes.

    NAF ``88.10A`` and NACE-BEL ``88.101`` both reach class ``88.10`` (first five
    characters); other nomenclatures (NAFRev1, NAF1993, NAP) have no NACE class here.
    """
    known = nomenclature.isin(list(NOMENCLATURE_TO_NACE)).fillna(False)
    return codes.astype("string").str[:5].where(known)


def add_sector(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``nace`` (class) and ``sector_group`` from ``national_activity`` and ``activity_nomenclature``.

    Source: ``reference/sectors.csv``. Classes absent from the nomenclature's list and
    codes of older nomenclatures get ``sector_group = "unknown"``.
    """
    _require(frame, ["national_activity", "activity_nomenclature"], "add_sector")
    out = frame.drop(columns=["nace", "sector_group"], errors="ignore").copy()
    out["nace"] = nace_class(out["national_activity"], out["activity_nomenclature"])
    out["_nace_system"] = out["activity_nomenclature"].map(NOMENCLATURE_TO_NACE).astype("string")
    ref = reference.sectors()[["nomenclature", "nace_class", "sector_group"]].rename(
        columns={"nomenclature": "_nace_system", "nace_class": "nace"}
    )
    out = out.merge(ref, on=["_nace_system", "nace"], how="left", validate="m:1")
    out["sector_group"] = out["sector_group"].fillna(UNKNOWN).astype("string")
    return out.drop(columns="_nace_system")


def add_activity_exclusion(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``activity_excluded`` (bool) and ``exclusion_reason`` from ``nace`` in its nomenclature.

    Rule (``reference/activity_exclusions.csv``, prefixes by NACE version): NACE Rév. 2 and 2.1
    classes starting with 84, 94.11, 94.20, 94.91 or 94.92; NACE Rév. 1.1 (NACE-BEL 2003) classes
    starting with 75, 91.11, 91.20, 91.31 or 91.32, the same activities before 2008 (INSEE: public
    administration, employer and consular bodies, trade unions, religious and political
    organisations). A prefix applies only to codes of its nomenclature: religious organisations are
    91.31 in NACE Rév. 1.1 and 94.91 in Rév. 2, whose division 91 is libraries, archives and museums
    (not excluded). Unknown classes are not excluded
    (they are reported as ``sector_group = unknown``).
    """
    _require(frame, ["nace", "activity_nomenclature"], "add_activity_exclusion")
    out = frame.copy()
    nace = out["nace"].astype("string")
    system = out["activity_nomenclature"].map(NOMENCLATURE_TO_NACE).astype("string")
    reason = pd.Series(pd.NA, index=out.index, dtype="string")
    rules = reference.activity_exclusions()[["nomenclature", "nace_prefix", "reason"]]
    for systems, prefix, why in rules.itertuples(index=False):
        mine = system.isin(systems.split("|")).fillna(False)
        hit = mine & nace.str.startswith(prefix).fillna(False) & reason.isna()
        reason = reason.mask(hit, why)
    out["activity_excluded"] = reason.notna().astype(bool)
    out["exclusion_reason"] = reason
    return out


def classify(frame: pd.DataFrame) -> pd.DataFrame:
    """Apply every classification: legal family, sector, activity exclusion, territory."""
    out = add_legal_family(frame)
    out = add_sector(out)
    out = add_activity_exclusion(out)
    return add_territory(out)


def classification_issues(frame: pd.DataFrame, max_examples: int = 5) -> pd.DataFrame:
    """Count codes that could not be classified, with examples, by field and country.

    Returns a tidy table: ``field`` (legal_form | activity | territory),
    ``country``, ``n_rows``, ``n_codes``, ``examples`` (most frequent first).
    """
    checks = []
    if "ess_family" in frame:
        checks.append(("legal_form", frame["ess_family"].eq(UNKNOWN), "legal_form"))
    if "sector_group" in frame:
        checks.append(("activity", frame["sector_group"].eq(UNKNOWN), "national_activity"))
    if "nuts3" in frame:
        checks.append(("territory", frame["nuts3"].isna(), "commune"))
    rows = []
    for field, mask, col in checks:
        sub = frame.loc[mask.fillna(True).astype(bool), ["country", col]]
        for country, grp in sub.groupby("country", sort=True):
            counts = grp[col].astype("string").fillna("<manquant>").value_counts()
            rows.append(
                dict(
                    field=field,
                    country=country,
                    n_rows=int(len(grp)),
                    n_codes=int(len(counts)),
                    examples=", ".join(counts.index[:max_examples]),
                )
            )
    return pd.DataFrame(rows, columns=["field", "country", "n_rows", "n_codes", "examples"])
