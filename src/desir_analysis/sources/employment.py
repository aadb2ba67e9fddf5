"""Employment extracts received under data-sharing agreements (one documented layout per country).

France (INSEE Flores / CLAP establishment file as a CRESS receives it), CSV
(UTF-8, comma) or Parquet, one row per establishment and year, **all**
employer establishments of the covered territory (ESS or not: it is also the
denominator of ESS shares):

=====================  ========  ==================================================
column                 type      meaning
=====================  ========  ==================================================
siret                  text(14)  establishment (place of work)
annee                  integer   reference year (jobs at 31 December of that year)
effectif_31_12         integer   salaried jobs (postes) at 31 December, >= 0
etp                    decimal   full-time equivalents over the year, >= 0 (optional)
remuneration_brute     decimal   gross pay of the year in euros, >= 0 (optional)
femmes                 integer   jobs held by women at 31 December (optional)
temps_partiel          integer   part-time jobs at 31 December (optional)
=====================  ========  ==================================================

Rejected rows (listed with file, line and reason): malformed SIRET, year not an
integer, a measure that is not a number or is negative, women or part-time above
the headcount, a repeated (siret, annee).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from desir_analysis.sources.csvfile import Layout, RawFileError, read_small, valid_row_lines

FR_LAYOUT = Layout(
    "emploi FR (Flores/CLAP, desir-analysis)",
    required=["siret", "annee", "effectif_31_12"],
    optional=["etp", "remuneration_brute", "femmes", "temps_partiel"],
)
MEASURES = {
    "effectif_31_12": "headcount",
    "etp": "fte",
    "remuneration_brute": "payroll_eur",
    "femmes": "women",
    "temps_partiel": "part_time",
}


def _read_any(path: Path) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    if path.suffix == ".parquet":
        table = pq.read_table(path)
        missing = [c for c in FR_LAYOUT.required if c not in table.column_names]
        if missing:
            raise RawFileError(f"{path}: missing column(s) {missing}; expected the {FR_LAYOUT.name} layout")
        cols = [c for c in FR_LAYOUT.wanted if c in table.column_names]
        df = table.select(cols).to_pandas().astype("string")
        df["_line"] = np.arange(len(df)) + 1  # parquet: row number (1-based)
        return df, None
    table, bad = read_small(path, FR_LAYOUT)
    df = table.to_pandas()
    df["_line"] = valid_row_lines(range(len(df)), [b.line for b in bad])
    bad_rows = pd.DataFrame({"_line": [b.line for b in bad], "_reason": [f"ligne illisible : {b.reason}" for b in bad]})
    return df, bad_rows


def read_fr_employment(paths: list[Path]) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    """Read and validate French employment files.

    Returns:
        (valid rows with ``siret``, ``year``, measures and ``source_file``/``line``,
        rejects table, raw row count per file).
    """
    frames, rejects, counts = [], [], {}
    for path in paths:
        df, bad_rows = _read_any(path)
        df["source_file"] = path.name
        counts[path.name] = len(df) + (0 if bad_rows is None else len(bad_rows))
        if bad_rows is not None and len(bad_rows):
            rejects.append(
                pd.DataFrame(
                    {
                        "source_file": path.name,
                        "line": bad_rows["_line"],
                        "record_id": "",
                        "reason": bad_rows["_reason"],
                    }
                )
            )
        for c in FR_LAYOUT.optional:
            if c not in df:
                df[c] = pd.Series(pd.NA, index=df.index, dtype="string")
        frames.append(df)
    if not frames:
        return pd.DataFrame(), pd.DataFrame(columns=["source_file", "line", "record_id", "reason"]), counts
    df = pd.concat(frames, ignore_index=True)
    reason = pd.Series(pd.NA, index=df.index, dtype="string")

    def flag(mask: pd.Series, why: str) -> None:
        nonlocal reason
        reason = reason.mask(mask.fillna(False).astype(bool) & reason.isna(), why)

    siret = df["siret"].astype("string").str.strip()
    flag(~siret.str.fullmatch(r"\d{14}").fillna(False), "SIRET mal formé (14 chiffres attendus)")
    year = pd.to_numeric(df["annee"].astype("string").str.strip(), errors="coerce")
    flag(year.isna() | (year % 1 != 0), "annee : entier attendu")
    values = {}
    for col, name in MEASURES.items():
        raw = df[col].astype("string").str.strip().replace("", pd.NA)
        num = pd.to_numeric(raw.str.replace(",", ".", regex=False), errors="coerce")
        required = col == "effectif_31_12"
        flag((raw.notna() & num.isna()) | (required & raw.isna()), f"{col} : nombre attendu")
        flag(num < 0, f"{col} : valeur négative")
        values[name] = num
    flag(values["women"] > values["headcount"], "femmes supérieur à effectif_31_12")
    flag(values["part_time"] > values["headcount"], "temps_partiel supérieur à effectif_31_12")
    key = siret + "|" + year.astype("string")
    flag(key.duplicated(keep="first") & reason.isna(), "couple (siret, annee) en double")
    bad = reason.notna()
    rejects.append(
        pd.DataFrame(
            {
                "source_file": df.loc[bad, "source_file"],
                "line": df.loc[bad, "_line"],
                "record_id": siret[bad].fillna(""),
                "reason": reason[bad],
            }
        )
    )
    good = pd.DataFrame(
        {
            "siret": siret[~bad],
            "year": year[~bad].astype("int64"),
            "headcount": values["headcount"][~bad].astype("Float64"),
            "fte": values["fte"][~bad].astype("Float64"),
            "payroll_eur": values["payroll_eur"][~bad].astype("Float64"),
            "women": values["women"][~bad].astype("Float64"),
            "part_time": values["part_time"][~bad].astype("Float64"),
            "source_file": df.loc[~bad, "source_file"],
            "line": df.loc[~bad, "_line"],
        }
    ).reset_index(drop=True)
    rej = pd.concat(rejects, ignore_index=True)
    rej["line"] = rej["line"].astype("Int64")
    return good, rej.astype({"source_file": "string", "record_id": "string", "reason": "string"}), counts
