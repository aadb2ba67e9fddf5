"""NAF 2025: the Sirene stock's second activity column, read from the year NAF 2025 is in force."""

from __future__ import annotations

import json
import shutil

import pandas as pd

from desir_analysis import build
from desir_analysis.sources import sirene


def _stock(raw):
    return raw / "fr" / "sirene" / "StockEtablissement_utf8.csv"


def _fin(out, year: int) -> int:
    nat = pd.read_parquet(out / str(year) / "national_aggregates.parquet").query("country == 'FR'")
    return int(nat.loc[nat["sector_group"] == "FIN_ASSUR", "n_establishments"].sum())


def test_the_naf2025_column_classifies_2025_and_leaves_2023_in_naf_rev2(demo_raw, tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(demo_raw, raw)
    side = raw / "fr" / "sirene" / "source.json"
    side.write_text(json.dumps({"vintage": "2026-01-01"}), encoding="utf-8")  # a stock taken after 2025
    build.build([2025], raw_dir=raw, out_dir=tmp_path / "before", mode="public")
    est = pd.read_parquet(tmp_path / "before" / "2025" / "establishments.parquet").query("country == 'FR'")
    moved = est[est["sector_group"].ne("FIN_ASSUR") & est["activity_nomenclature"].eq("NAFRev2")]
    moved = moved["establishment_id"].head(5).tolist()
    assert len(moved) == 5
    stock = pd.read_csv(_stock(raw), dtype=str, keep_default_na=False)
    stock[sirene.NAF25_COLUMN] = stock["siret"].map(lambda s: "64.91Y" if s in moved else "")
    stock.to_csv(_stock(raw), index=False)
    build.build([2023, 2025], raw_dir=raw, out_dir=tmp_path / "after", mode="public")
    after = pd.read_parquet(tmp_path / "after" / "2025" / "establishments.parquet").set_index("establishment_id")
    rows = after.loc[moved]
    assert (rows["activity_nomenclature"] == "NAF2025").all()
    assert (rows["national_activity"] == "64.91Y").all() and (rows["nace"] == "64.91").all()
    assert (rows["sector_group"] == "FIN_ASSUR").all()
    y2023 = pd.read_parquet(tmp_path / "after" / "2023" / "establishments.parquet").set_index("establishment_id")
    kept = y2023.loc[y2023.index.intersection(moved)]
    assert len(kept) and (kept["activity_nomenclature"] == "NAFRev2").all()  # the series' nomenclature before 2025
    # the national aggregates follow the same rule: five more financial establishments in 2025, none in 2023
    assert _fin(tmp_path / "after", 2025) - _fin(tmp_path / "before", 2025) == 5
    rule = json.loads((tmp_path / "after" / "2025" / "provenance.json").read_text())["existence_rule"]["gap_fr"]
    assert rule["sector_differs"]["establishments"] == 0 or rule["sector_differs"]["establishments"] < len(after)


def test_a_year_without_belgian_extract_builds_france_and_credits_no_belgian_register(demo_raw, tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(demo_raw, raw)
    (raw / "fr" / "sirene" / "source.json").write_text(json.dumps({"vintage": "2026-01-01"}), encoding="utf-8")
    build.build([2025], raw_dir=raw, out_dir=tmp_path / "out", mode="public")  # the extracts stop at 2023
    prov = build.provenance(2025, tmp_path / "out")
    assert prov["countries"] == ["FR"]
    kinds = {f["kind"] for f in prov["files"]}
    assert not kinds & {"kbo", "employment_be", "approvals_be"}
    assert "statbel_population" in kinds  # the population is read all the same
