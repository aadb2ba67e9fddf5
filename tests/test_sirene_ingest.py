"""The Sirene ingest's memory-saving paths give the same answers as the plain ones."""

from __future__ import annotations

import numpy as np
import pandas as pd

from desir_analysis.sources import sirene

UL_HEADER = "siren,categorieJuridiqueUniteLegale,activitePrincipaleUniteLegale,nomenclatureActivitePrincipaleUniteLegale,economieSocialeSolidaireUniteLegale\n"


def _units(tmp_path, rows: list[str]):
    path = tmp_path / "StockUniteLegale.csv"
    path.write_text(UL_HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return sirene.read_legal_units(path)


def test_sorted_and_unsorted_files_give_the_same_look_up_and_the_same_rejects(tmp_path):
    rows = [
        "100000003,9220,88.10A,NAFRev2,O",
        "100000006,5710,47.11F,NAFRev2,N",
        "100000006,9300,94.99Z,NAFRev2,O",  # repeated: the first occurrence is kept
        "100000009,5499,62.01Z,NAFRev2,",
    ]
    in_order = _units(tmp_path, rows)
    shuffled = _units(tmp_path, [rows[3], rows[1], rows[0], rows[2]])
    for units in (in_order, shuffled):
        assert units.siren.dtype == np.int32 and units.siren.tolist() == [100000003, 100000006, 100000009]
        got = units.rows(units.lookup(pd.Series(["100000006", "100000009", "999999999"])))
        assert got["legal_form"].tolist()[:2] == ["5710", "5499"] and pd.isna(got["legal_form"].iloc[2])
        assert units.rejects["reason"].tolist() == ["SIREN en double"]
    assert in_order.rejects["line"].tolist() == [4]  # the physical line of the second occurrence
    assert shuffled.rejects["line"].tolist() == [5]
    assert all(c.dtype == np.int8 for c in in_order.codes.values())  # a handful of values: one byte a code


def test_narrow_codes_widen_when_the_values_need_it(tmp_path):
    rows = [f"{100000000 + i:09d},{1000 + i},88.10A,NAFRev2,O" for i in range(300)]  # 300 legal forms
    units = _units(tmp_path, rows)
    assert units.codes["legal_form"].dtype == np.int16
    assert units.rows(units.lookup(pd.Series(["100000299"])))["legal_form"].tolist() == ["1299"]


def test_folding_the_partial_aggregates_changes_no_figure(demo_raw, monkeypatch):
    stock = next((demo_raw / "fr" / "sirene").glob("StockEtablissement_*.csv"))
    units = sirene.read_legal_units(next((demo_raw / "fr" / "sirene").glob("StockUniteLegale_*.csv")))
    plain = sirene.scan_stock(stock, {"59", "62"}, [2019, 2023], units, block_size=1 << 12)
    monkeypatch.setattr(sirene, "COMPACT_ROWS", 1)  # fold after every block (32 KiB blocks: about 16 of them)
    folded = sirene.scan_stock(stock, {"59", "62"}, [2019, 2023], units, block_size=1 << 12)
    assert len(plain.national) > 100
    pd.testing.assert_frame_equal(plain.national, folded.national)
    pd.testing.assert_frame_equal(plain.zone, folded.zone)
