"""NAF 2025: the Sirene stock's second activity column, read from the year NAF 2025 is in force."""

from __future__ import annotations

import json
import shutil

import pandas as pd

from desir_analysis import build
from desir_analysis.sources import sirene

#: The first year classified in NAF 2025 (APE codes in NAF 2025 from 1 January 2027).
Y = sirene.NAF25_FROM


def _stock(raw):
    return raw / "fr" / "sirene" / "StockEtablissement_utf8.csv"


def _fin(out, year: int) -> int:
    nat = pd.read_parquet(out / str(year) / "national_aggregates.parquet").query("country == 'FR'")
    return int(nat.loc[nat["sector_group"] == "FIN_ASSUR", "n_establishments"].sum())


def test_the_naf2025_column_classifies_2027_and_leaves_2026_in_naf_rev2(demo_raw, tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(demo_raw, raw)
    side = raw / "fr" / "sirene" / "source.json"
    side.write_text(json.dumps({"vintage": f"{Y + 1}-01-01"}), encoding="utf-8")  # a stock taken after the break
    build.build([Y], raw_dir=raw, out_dir=tmp_path / "before", mode="public")
    est = pd.read_parquet(tmp_path / "before" / str(Y) / "establishments.parquet").query("country == 'FR'")
    moved = est[est["sector_group"].ne("FIN_ASSUR") & est["activity_nomenclature"].eq("NAFRev2")]
    moved = moved["establishment_id"].head(5).tolist()
    assert len(moved) == 5
    stock = pd.read_csv(_stock(raw), dtype=str, keep_default_na=False)
    stock[sirene.NAF25_COLUMN] = stock["siret"].map(lambda s: "64.91Y" if s in moved else "")
    stock.to_csv(_stock(raw), index=False)
    build.build([2026, Y], raw_dir=raw, out_dir=tmp_path / "after", mode="public")
    after = pd.read_parquet(tmp_path / "after" / str(Y) / "establishments.parquet").set_index("establishment_id")
    rows = after.loc[moved]
    assert (rows["activity_nomenclature"] == "NAF2025").all()
    assert (rows["national_activity"] == "64.91Y").all() and (rows["nace"] == "64.91").all()
    assert (rows["sector_group"] == "FIN_ASSUR").all()
    y2026 = pd.read_parquet(tmp_path / "after" / "2026" / "establishments.parquet").set_index("establishment_id")
    kept = y2026.loc[y2026.index.intersection(moved)]
    assert (
        len(kept) and (kept["activity_nomenclature"] == "NAFRev2").all()
    )  # the series' nomenclature before 2027, column or not
    # the national aggregates follow the same rule: five more financial establishments from 2027, none in 2026
    assert _fin(tmp_path / "after", Y) - _fin(tmp_path / "before", Y) == 5
    rule = json.loads((tmp_path / "after" / str(Y) / "provenance.json").read_text())["existence_rule"]["gap_fr"]
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


def test_an_old_code_takes_the_legal_units_naf2025_code_from_2027(demo_raw, tmp_path):
    """NAF rév. 1 on the establishment: the unit's NAF 2025 code from 2027, its NAF rév. 2 code before."""
    raw = tmp_path / "raw"
    shutil.copytree(demo_raw, raw)
    (raw / "fr" / "sirene" / "source.json").write_text(json.dumps({"vintage": f"{Y + 1}-01-01"}), encoding="utf-8")
    stock = pd.read_csv(_stock(raw), dtype=str, keep_default_na=False)
    stock[sirene.NAF25_COLUMN] = ""
    stock.to_csv(_stock(raw), index=False)
    build.build([2026, Y], raw_dir=raw, out_dir=tmp_path / "before", mode="public")
    est = pd.read_parquet(tmp_path / "before" / str(Y) / "establishments.parquet").query("country == 'FR'")
    old = est[est["activity_source"].eq("legal_unit") & est["sector_group"].ne("FIN_ASSUR")]
    assert len(old) >= 3 and (old["activity_nomenclature"] == "NAFRev2").all()  # no NAF 2025 code yet
    sirens = set(old["establishment_id"].str[:9].head(3))
    units_path = raw / "fr" / "sirene" / "StockUniteLegale_utf8.csv"
    units = pd.read_csv(units_path, dtype=str, keep_default_na=False)
    units["activitePrincipaleNAF25UniteLegale"] = units["siren"].map(lambda s: "64.91Y" if s in sirens else "")
    units.to_csv(units_path, index=False)
    build.build([2026, Y], raw_dir=raw, out_dir=tmp_path / "after", mode="public")
    after = pd.read_parquet(tmp_path / "after" / str(Y) / "establishments.parquet").query("country == 'FR'")
    mine = after[after["establishment_id"].str[:9].isin(sirens) & after["activity_source"].eq("legal_unit")]
    assert len(mine) >= 3
    assert (mine["activity_nomenclature"] == "NAF2025").all() and (mine["national_activity"] == "64.91Y").all()
    assert (mine["sector_group"] == "FIN_ASSUR").all()
    y2026 = pd.read_parquet(tmp_path / "after" / "2026" / "establishments.parquet")
    before_y = y2026[y2026["establishment_id"].str[:9].isin(sirens) & y2026["activity_source"].eq("legal_unit")]
    assert len(before_y) and (before_y["activity_nomenclature"] == "NAFRev2").all()
    # the national aggregates alike: the three units' establishments counted in finance from 2027 only
    gained = _fin(tmp_path / "after", Y) - _fin(tmp_path / "before", Y)
    assert gained >= len(mine) and _fin(tmp_path / "after", 2026) == _fin(tmp_path / "before", 2026)
