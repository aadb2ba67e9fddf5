"""The one reject constructor: typed rows, scalars broadcast, unreadable lines worded once."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from desir_analysis.sources import rejects


@dataclass
class Bad:
    line: int
    reason: str


def test_reject_rows_broadcasts_scalars_and_types_columns():
    r = rejects.reject_rows("a.csv", [3, None], "code invalide", pd.Series(["x", None]))
    assert list(r.columns) == list(rejects.COLUMNS)
    assert r["source_file"].tolist() == ["a.csv", "a.csv"] and r["reason"].nunique() == 1
    assert str(r["line"].dtype) == "Int64" and pd.isna(r.loc[1, "line"])
    assert r["record_id"].tolist() == ["x", ""]  # an unreadable id is empty, never missing
    assert all(str(r[c].dtype) == "string" for c in ("source_file", "record_id", "reason"))


def test_unreadable_lines_keep_their_line_and_reason():
    r = rejects.unreadable("b.csv", [Bad(7, "3 champs au lieu de 5")])
    assert r.loc[0, "line"] == 7 and r.loc[0, "reason"] == "ligne illisible : 3 champs au lieu de 5"
    assert len(rejects.no_rejects()) == 0 and list(rejects.no_rejects().columns) == list(rejects.COLUMNS)
