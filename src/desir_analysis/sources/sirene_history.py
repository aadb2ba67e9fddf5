"""Sirene's historical periods (``StockEtablissementHistorique``): read for the zone's SIRETs, dated, looked up.

The period of an establishment at a reference date tells whether it existed and was an employer then
(the zone's existence rule, ``provenance.json`` → ``existence_rule``). Split from :mod:`sirene` (the stocks).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from tqdm import tqdm

from desir_analysis.sources.csvfile import BadLine, locate, stream, valid_row_lines
from desir_analysis.sources.rejects import reject_rows
from desir_analysis.sources.sirene import HIST_LAYOUT


def read_history(path: Path, sirets: set[str], progress: bool = False) -> tuple[pd.DataFrame, int, list[BadLine]]:
    """Read the historical periods of the given SIRETs (streamed; other rows only counted)."""
    batches, bad = stream(path, HIST_LAYOUT)
    wanted = pa.array(sorted(sirets), type=pa.string())
    parts, offset = [], 0
    for batch in tqdm(batches, desc=f"lecture {path.name}", unit="bloc", disable=not progress):
        mask = pc.is_in(batch.column("siret"), wanted)
        if pc.any(mask).as_py():
            df = batch.filter(mask).to_pandas()
            df["_pos"] = np.arange(offset, offset + batch.num_rows)[np.asarray(mask)]
            parts.append(df)
        offset += batch.num_rows
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=HIST_LAYOUT.wanted + ["_pos"])
    if "caractereEmployeurEtablissement" not in frame:
        frame["caractereEmployeurEtablissement"] = ""
    return frame, offset + len(bad), locate(path, bad)


def history_date_rejects(
    history: pd.DataFrame, path_name: str, bad_lines: list[int]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split the history periods into (well-dated periods, rejects of the others with line and column)."""
    which = bad_dates(history, ["dateDebut", "dateFin"])
    bad = which.notna()
    if not bad.any():
        return history, reject_rows(path_name, [], [])
    lines = valid_row_lines(history.loc[bad, "_pos"].tolist(), bad_lines)
    reasons = "date mal formée (AAAA-MM-JJ attendu) : " + which[bad]
    rej = reject_rows(path_name, lines, reasons.reset_index(drop=True), history.loc[bad, "siret"].astype("string"))
    return history[~bad].reset_index(drop=True), rej


ISO_DATE = r"\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"


def bad_dates(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Per row, the first date column that is neither empty nor a real ISO date (``AAAA-MM-JJ``), else NA.

    Sirene writes dates as ISO text; they are compared as text afterwards, which is only right
    for well-formed ISO dates: ``21/02/1989`` or ``2015-13-45`` must be rejected, never compared.
    """
    out = pd.Series(pd.NA, index=frame.index, dtype="string")
    for c in columns:
        if c not in frame:
            continue
        v = frame[c].astype("string").fillna("").str.strip()
        shaped = v.str.fullmatch(ISO_DATE).fillna(False)
        real = pd.to_datetime(v.where(shaped), format="%Y-%m-%d", errors="coerce").notna()
        wrong = v.ne("") & ~(shaped & real)
        out = out.mask(wrong & out.isna(), c)
    return out


def period_at(history: pd.DataFrame, ref: str) -> pd.DataFrame:
    """The historical period covering ``ref`` (ISO date) for each SIRET (at most one).

    A period covers ``ref`` when ``dateDebut <= ref`` (or empty) and
    ``dateFin >= ref`` (or empty). Overlapping periods: the latest ``dateDebut`` wins.
    """
    h = history
    cover = (h["dateDebut"].eq("") | h["dateDebut"].le(ref)) & (h["dateFin"].eq("") | h["dateFin"].ge(ref))
    sel = h[cover].sort_values(["siret", "dateDebut"]).drop_duplicates("siret", keep="last")
    return sel
