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

Belgium (ONSS/RSZ decentralised establishment file, as an observatory receives it), same
formats, one row per establishment unit and year, all employer units of the territory
covered:

=======================  ========  ================================================
column                   type      meaning
=======================  ========  ================================================
numero_unite             text      establishment unit number (``2.190.171.611``)
numero_entreprise        text      enterprise number (``0411.104.014``)
annee                    integer   reference year (jobs at the end of Q4)
postes_fin_t4            integer   jobs (postes de travail) at the end of Q4, >= 0
etp                      decimal   full-time equivalents (optional)
remuneration_brute       decimal   gross pay of the year in euros (optional)
femmes                   integer   jobs held by women at the end of Q4 (optional)
temps_partiel            integer   part-time jobs at the end of Q4 (optional)
commission_paritaire     text      main joint committee, e.g. ``318``, ``322.01`` (optional)
=======================  ========  ================================================

Rejected rows (listed with file, line and reason): malformed SIRET, year not an
integer, a measure that is not a number or is negative, women or part-time above
the headcount, a repeated (siret, annee).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from desir_analysis.sources.csvfile import Layout, RawFileError, read_small, valid_row_lines
from desir_analysis.sources.rejects import no_rejects, reject_rows

FR_LAYOUT = Layout(
    "emploi FR (Flores/CLAP, desir-analysis)",
    required=["siret", "annee", "effectif_31_12"],
    optional=["etp", "remuneration_brute", "femmes", "temps_partiel"],
)


@dataclass(frozen=True)
class Spec:
    """One country's employment layout."""

    layout: Layout
    id_column: str
    id_out: str
    id_pattern: str
    id_label: str
    headcount: str
    extra: tuple[tuple[str, str], ...] = ()


FR = Spec(FR_LAYOUT, "siret", "siret", r"\d{14}", "SIRET mal formé (14 chiffres attendus)", "effectif_31_12")
BE_LAYOUT = Layout(
    "emploi BE (ONSS, desir-analysis)",
    required=["numero_unite", "numero_entreprise", "annee", "postes_fin_t4"],
    optional=["etp", "remuneration_brute", "femmes", "temps_partiel", "commission_paritaire"],
)
BE = Spec(
    BE_LAYOUT,
    "numero_unite",
    "unit",
    r"\d\.\d{3}\.\d{3}\.\d{3}",
    "numéro d'unité d'établissement mal formé (N.NNN.NNN.NNN attendu)",
    "postes_fin_t4",
    extra=(("numero_entreprise", "enterprise"), ("commission_paritaire", "joint_committee")),
)


def _measures(spec: Spec) -> dict[str, str]:
    return {
        spec.headcount: "headcount",
        "etp": "fte",
        "remuneration_brute": "payroll_eur",
        "femmes": "women",
        "temps_partiel": "part_time",
    }


def _read_any(path: Path, layout: Layout) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    if path.suffix == ".parquet":
        table = pq.read_table(path)
        missing = [c for c in layout.required if c not in table.column_names]
        if missing:
            raise RawFileError(f"{path}: missing column(s) {missing}; expected the {layout.name} layout")
        cols = [c for c in layout.wanted if c in table.column_names]
        df = table.select(cols).to_pandas().astype("string")
        df["_line"] = np.arange(len(df)) + 1  # parquet: row number (1-based)
        return df, None
    table, bad = read_small(path, layout)
    df = table.to_pandas()
    df["_line"] = valid_row_lines(range(len(df)), [b.line for b in bad])
    bad_rows = pd.DataFrame({"_line": [b.line for b in bad], "_reason": [f"ligne illisible : {b.reason}" for b in bad]})
    return df, bad_rows


def read_employment(paths: list[Path], spec: Spec) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    """Read and validate employment files of one country layout.

    Returns:
        (valid rows with the id column, ``year``, measures, extra columns and
        ``source_file``/``line``; rejects table; raw row count per file).
    """
    frames, rejects, counts = [], [], {}
    for path in paths:
        df, bad_rows = _read_any(path, spec.layout)
        df["source_file"] = path.name
        counts[path.name] = len(df) + (0 if bad_rows is None else len(bad_rows))
        if bad_rows is not None and len(bad_rows):
            rejects.append(reject_rows(path.name, bad_rows["_line"], bad_rows["_reason"]))
        for c in spec.layout.optional:
            if c not in df:
                df[c] = pd.Series(pd.NA, index=df.index, dtype="string")
        frames.append(df)
    if not frames:
        return pd.DataFrame(), no_rejects(), counts
    df = pd.concat(frames, ignore_index=True)
    reason = pd.Series(pd.NA, index=df.index, dtype="string")

    def flag(mask: pd.Series, why: str) -> None:
        nonlocal reason
        reason = reason.mask(mask.fillna(False).astype(bool) & reason.isna(), why)

    ident = df[spec.id_column].astype("string").str.strip()
    flag(~ident.str.fullmatch(spec.id_pattern).fillna(False), spec.id_label)
    year = pd.to_numeric(df["annee"].astype("string").str.strip(), errors="coerce")
    flag(year.isna() | (year % 1 != 0), "annee : entier attendu")
    values = {}
    for col, name in _measures(spec).items():
        raw = df[col].astype("string").str.strip().replace("", pd.NA)
        num = pd.to_numeric(raw.str.replace(",", ".", regex=False), errors="coerce")
        required = col == spec.headcount
        flag((raw.notna() & num.isna()) | (required & raw.isna()), f"{col} : nombre attendu")
        flag(num < 0, f"{col} : valeur négative")
        values[name] = num
    flag(values["women"] > values["headcount"], f"femmes supérieur à {spec.headcount}")
    flag(values["part_time"] > values["headcount"], f"temps_partiel supérieur à {spec.headcount}")
    key = ident + "|" + year.astype("string")
    flag(key.duplicated(keep="first") & reason.isna(), f"couple ({spec.id_column}, annee) en double")
    bad = reason.notna()
    rejects.append(reject_rows(df.loc[bad, "source_file"], df.loc[bad, "_line"], reason[bad], ident[bad]))
    good = pd.DataFrame(
        {
            spec.id_out: ident[~bad],
            "year": year[~bad].astype("int64"),
            **{n: values[n][~bad].astype("Float64") for n in ("headcount", "fte", "payroll_eur", "women", "part_time")},
            **{out: df.loc[~bad, col].astype("string").str.strip() for col, out in spec.extra},
            "source_file": df.loc[~bad, "source_file"],
            "line": df.loc[~bad, "_line"],
        }
    ).reset_index(drop=True)
    return good, pd.concat(rejects, ignore_index=True), counts


def read_fr_employment(paths: list[Path]) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    """French employment files (layout above)."""
    return read_employment(paths, FR)


def read_be_employment(paths: list[Path]) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    """Belgian employment files (layout above); joint committees normalised to ``322.01`` style."""
    good, rej, counts = read_employment(paths, BE)
    jc = good["joint_committee"].str.replace(".", "", regex=False)
    good["joint_committee"] = jc.where(jc.str.len() <= 3, jc.str[:3] + "." + jc.str[3:])
    return good, rej, counts
