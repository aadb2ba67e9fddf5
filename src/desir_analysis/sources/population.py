r"""Population by territory, sex and age: Statbel, INSEE, Eurostat -> ``population`` table.

Output columns (contract): ``country``, ``year``, ``nuts3`` (NUTS 2021), ``sex``
(M, F, T), ``age_group`` (``"0"``, ``"0-4"``, ``"75+"``…), ``population``, ``kind``
(observed | projected), ``scenario``, ``source``; plus ``age_min`` / ``age_max``
(``age_max`` empty for open-ended groups) and ``flag`` (Eurostat flags: p, e, b…).
Single years are kept where the source has them (Statbel), so "under 3" exists
for Belgium; five-year groups stay as published ("0-4" is labelled as such).

- Statbel ``TF_SOC_POP_STRUCT`` (1 January; pipe-separated, UTF-8 with BOM, CRLF;
  commune × sex × nationality × civil status × single year of age): summed over
  nationality and civil status, communes -> NUTS3 through their arrondissement
  (2019/2025 recodings followed; German-speaking communes -> BE336).
- INSEE population estimates by département, sex and broad age group (the
  ``estim-pop-dep-sexe-gca`` workbook, one sheet per year).
- Eurostat TSV (``demo_r_pjangrp3`` observed, regional projections): the classic
  layout (``…,geo\\time``, years descending) and the newer one (``freq,…,geo\\TIME_PERIOD``,
  years ascending, CRLF); ``:`` is missing, letters after a value are its flags.
  Codes of an older NUTS version that are not NUTS 2021 codes (Hainaut before 2019)
  are left out and counted (``excluded``), never guessed.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from desir_analysis import reference
from desir_analysis.reference import territory
from desir_analysis.sources.csvfile import Layout, RawFileError, read_small

STATBEL = Layout(
    "Statbel TF_SOC_POP_STRUCT", required=["CD_REFNIS", "CD_SEX", "CD_AGE", "MS_POPULATION"], delimiter="|"
)
COLUMNS = [
    "country",
    "year",
    "nuts3",
    "sex",
    "age_group",
    "age_min",
    "age_max",
    "population",
    "kind",
    "scenario",
    "source",
    "flag",
]
EUROSTAT_DIMENSIONS = {"freq", "unit", "sex", "age", "geo", "projection"}


def _nuts3_of_communes(country: str, communes: pd.Series) -> pd.Series:
    t = territory.add_territory(pd.DataFrame({"country": country, "commune": communes.astype("string").to_numpy()}))
    return pd.Series(t["nuts3"].to_numpy(), index=communes.index, dtype="string")


def _frame(**cols: object) -> pd.DataFrame:
    out = pd.DataFrame(cols)
    for c in COLUMNS:
        if c not in out:
            out[c] = pd.NA
    out = out[COLUMNS]
    out = out.astype(
        {
            "country": "string",
            "nuts3": "string",
            "sex": "string",
            "age_group": "string",
            "kind": "string",
            "scenario": "string",
            "source": "string",
            "flag": "string",
        }
    )
    out["year"] = out["year"].astype("int64")
    out["age_min"] = out["age_min"].astype("Int64")
    out["age_max"] = out["age_max"].astype("Int64")
    out["population"] = out["population"].astype("float64")
    return out


def read_statbel(path: Path, year: int | None = None) -> tuple[pd.DataFrame, dict[str, int]]:
    """Statbel population structure -> population by NUTS3 × sex × single year of age.

    The reference year is taken from the file name (``…_2021…``) unless given.
    Returns the table and counts: raw rows, rows of communes without NUTS3 (excluded).
    """
    if year is None:
        m = re.search(r"(19|20)\d{2}", path.name)
        if not m:
            raise RawFileError(
                f"{path}: cannot tell the year from the file name; expected e.g. TF_SOC_POP_STRUCT_2021.txt"
            )
        year = int(m.group(0))
    head = path.read_bytes()[:3]
    if head != b"\xef\xbb\xbf":
        pass  # a file without BOM reads the same; the separator is checked by the layout
    table, bad = read_small(path, STATBEL)
    if bad:
        raise RawFileError(f"{path}: line {bad[0].line}: {bad[0].reason}; expected the {STATBEL.name} layout")
    df = table.to_pandas()
    pop = pd.to_numeric(df["MS_POPULATION"], errors="coerce")
    age = pd.to_numeric(df["CD_AGE"], errors="coerce")
    if pop.isna().any() or age.isna().any():
        i = int((pop.isna() | age.isna()).to_numpy().nonzero()[0][0])
        raise RawFileError(f"{path}: line {i + 2}: MS_POPULATION and CD_AGE must be integers")
    df["nuts3"] = _nuts3_of_communes("BE", df["CD_REFNIS"].str.strip())
    excluded = int(df["nuts3"].isna().sum())
    df = df[df["nuts3"].notna()].assign(pop=pop, age=age.astype(int))
    g = df.groupby(["nuts3", "CD_SEX", "age"], as_index=False)["pop"].sum()
    out = _frame(
        country="BE",
        year=year,
        nuts3=g["nuts3"],
        sex=g["CD_SEX"].str.strip(),
        age_group=g["age"].astype(str),
        age_min=g["age"],
        age_max=g["age"],
        population=g["pop"],
        kind="observed",
        scenario="",
        source=f"Statbel TF_SOC_POP_STRUCT {year} (1er janvier)",
        flag="",
    )
    return out, {"raw_rows": len(table), "excluded": excluded}


INSEE_AGES = {
    "0 à 19 ans": (0, 19),
    "20 à 39 ans": (20, 39),
    "40 à 59 ans": (40, 59),
    "60 à 74 ans": (60, 74),
    "75 ans et plus": (75, None),
}


def read_insee_estimates(path: Path, years: list[int] | None = None) -> tuple[pd.DataFrame, dict[str, int]]:
    """INSEE ``estim-pop-dep-sexe-gca`` workbook -> population by NUTS3 (département) × sex × age group."""
    import xlrd

    book = xlrd.open_workbook(path)
    parts = []
    for name in book.sheet_names():
        if not name.isdigit() or (years and int(name) not in years):
            continue
        sh = book.sheet_by_name(name)
        header_row = next((r for r in range(min(10, sh.nrows)) if "0 à 19 ans" in sh.row_values(r)), None)
        if header_row is None:
            raise RawFileError(f"{path}: sheet {name!r}: no header row with '0 à 19 ans'; expected INSEE's layout")
        ages = sh.row_values(header_row)
        sexes = sh.row_values(header_row - 1)
        current = None
        col_sex = []
        for v in sexes:
            current = {"Ensemble": "T", "Hommes": "M", "Femmes": "F"}.get(str(v).strip(), current)
            col_sex.append(current)
        for r in range(header_row + 1, sh.nrows):
            row = sh.row_values(r)
            code = row[0]
            code = f"{int(code):02d}" if isinstance(code, float) else str(code).strip()
            if not re.fullmatch(r"\d{2,3}|2[AB]", code):
                continue
            for c, (age_label, sex) in enumerate(zip(ages, col_sex, strict=False)):
                if age_label in INSEE_AGES and sex and isinstance(row[c], float):
                    lo, hi = INSEE_AGES[age_label]
                    parts.append((int(name), code, sex, lo, hi, row[c]))
    df = pd.DataFrame(parts, columns=["year", "dep", "sex", "lo", "hi", "pop"])
    terr = reference.territories().query("country == 'FR' and level == 'departement'").set_index("code")["nuts3"]
    df["nuts3"] = df["dep"].map(terr).replace("", pd.NA)
    excluded = int(df["nuts3"].isna().sum())
    df = df[df["nuts3"].notna()]
    label = np.where(
        df["hi"].isna(), df["lo"].astype(str) + "+", df["lo"].astype(str) + "-" + df["hi"].astype("Int64").astype(str)
    )
    out = _frame(
        country="FR",
        year=df["year"],
        nuts3=df["nuts3"],
        sex=df["sex"],
        age_group=label,
        age_min=df["lo"],
        age_max=df["hi"],
        population=df["pop"],
        kind="observed",
        scenario="",
        source="INSEE, estimations de population au 1er janvier",
        flag="",
    )
    return out, {"raw_rows": len(parts) + excluded, "excluded": excluded}


def _eurostat_age(code: str) -> tuple[str, int | None, int | None]:
    if code == "Y_LT5":
        return "0-4", 0, 4
    m = re.fullmatch(r"Y(\d+)-(\d+)", code)
    if m:
        return f"{m.group(1)}-{m.group(2)}", int(m.group(1)), int(m.group(2))
    m = re.fullmatch(r"Y_GE(\d+)", code)
    if m:
        return f"{m.group(1)}+", int(m.group(1)), None
    m = re.fullmatch(r"Y(\d+)", code)
    if m:
        return m.group(1), int(m.group(1)), int(m.group(1))
    if code == "Y_LT1":
        return "0", 0, 0
    return code, None, None


def read_eurostat(path: Path, kind: str = "observed") -> tuple[pd.DataFrame, dict[str, int]]:
    r"""A Eurostat TSV (classic ``geo\\time`` or newer ``geo\\TIME_PERIOD`` layout) -> population rows.

    Keeps NUTS3 codes of Belgium and France valid in NUTS 2021; drops totals and unknown ages
    (``TOTAL``, ``UNK``) and counts them; other NUTS versions' changed codes are counted as excluded.
    """
    text = path.read_text(encoding="utf-8-sig")
    lines = text.replace("\r\n", "\n").rstrip("\n").split("\n")
    if not lines or "\t" not in lines[0]:
        raise RawFileError(f"{path}: line 1: expected a tab-separated Eurostat TSV with a 'dims\\\\time' first column")
    head = lines[0].split("\t")
    dims_part = head[0]
    if "\\" not in dims_part:
        raise RawFileError(
            f"{path}: line 1: first column {dims_part!r} should end with '\\\\time' or '\\\\TIME_PERIOD'"
        )
    dims = dims_part.split("\\")[0].split(",")
    unexpected = [d for d in dims if d not in EUROSTAT_DIMENSIONS]
    if unexpected:
        raise RawFileError(
            f"{path}: line 1: unexpected dimension column(s) {unexpected}; expected some of "
            f"{sorted(EUROSTAT_DIMENSIONS)}"
        )
    if "geo" not in dims or "age" not in dims:
        raise RawFileError(f"{path}: line 1: dimensions {dims} lack 'geo' or 'age'")
    periods = [p.strip() for p in head[1:]]
    records = []
    for i, line in enumerate(lines[1:], start=2):
        fields = line.split("\t")
        keys = fields[0].split(",")
        if len(keys) != len(dims) or len(fields) != len(head):
            raise RawFileError(
                f"{path}: line {i}: {len(fields)} fields and {len(keys)} keys; expected "
                f"{len(head)} fields and {len(dims)} keys"
            )
        key = dict(zip(dims, keys, strict=True))
        for period, raw in zip(periods, fields[1:], strict=True):
            records.append((key, period, raw.strip()))
    df = pd.DataFrame([{**k, "period": p, "raw": v} for k, p, v in records])
    n_raw = len(df)
    val = df["raw"].str.extract(r"^([0-9.]+)?\s*([a-z]*)$")
    df["value"] = pd.to_numeric(val[0], errors="coerce")
    df["flag"] = (
        val[1].fillna("").where(~df["raw"].str.startswith(":"), df["raw"].str.replace(":", "", regex=False).str.strip())
    )
    df = df[df["geo"].str.len().eq(5) & df["geo"].str[:2].isin(["BE", "FR"])]
    not_nuts3 = n_raw - len(df)
    valid = set(reference.territories()["nuts3"]) - {""}
    changed = ~df["geo"].isin(valid)
    excluded = int(changed.sum())
    df = df[~changed & ~df["age"].isin(["TOTAL", "UNK"]) & df["value"].notna()]
    ages = df["age"].map(_eurostat_age)
    sex = df["sex"] if "sex" in df else pd.Series("T", index=df.index)
    scenario = df["projection"] if "projection" in df else pd.Series("", index=df.index)
    out = _frame(
        country=df["geo"].str[:2],
        year=df["period"].str[:4].astype(int),
        nuts3=df["geo"],
        sex=sex,
        age_group=[a[0] for a in ages],
        age_min=[a[1] for a in ages],
        age_max=[a[2] for a in ages],
        population=df["value"],
        kind=kind,
        scenario=scenario,
        source=f"Eurostat {path.stem}",
        flag=df["flag"],
    )
    return out, {"raw_rows": n_raw, "excluded": excluded, "not_nuts3": not_nuts3}
