"""The readers read INSEE's genuine Sirene files (../shared/data/samples/real_layouts)."""

from __future__ import annotations

import csv
import shutil

import numpy as np
import pandas as pd
import pytest

from desir_analysis import build
from desir_analysis.sources import sirene, sirene_history

REAL = "samples/real_layouts"


@pytest.fixture(scope="module")
def real(shared):
    return shared / REAL


def _rows(path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_legal_units_sample(real):
    path = real / "sirene_StockUniteLegale_utf8_2022-04_sample.csv"
    units = sirene.read_legal_units(path)
    raw = _rows(path)
    assert units.n_rows == len(raw) == 3999
    assert len(units.siren) + len(units.rejects) == len(raw)
    by_siren = {r["siren"]: r for r in raw}
    frame = units.rows(np.arange(len(units.siren)))
    for _, u in frame.sample(100, random_state=0).iterrows():
        r = by_siren[u["siren"]]
        assert u["legal_form"] == r["categorieJuridiqueUniteLegale"]  # codes stay strings ("1000", "5710")
        assert (u["ess_register_flag"] if pd.notna(u["ess_register_flag"]) else "") == r[
            "economieSocialeSolidaireUniteLegale"
        ]
    assert frame["siren"].str.fullmatch(r"\d{9}").all()
    assert sorted(frame["siren"]) == sorted(r["siren"] for r in raw)


def test_stock_sample_zone_rows_and_national_counts(real):
    ul_path = real / "sirene_StockUniteLegale_utf8_2022-04_sample.csv"
    path = real / "sirene_StockEtablissement_utf8_2022-04_sample.csv"
    units = sirene.read_legal_units(ul_path)
    raw = _rows(path)

    def dep(code):  # overseas départements and collectivities have 3-character codes
        return code[:3] if code[:2] in ("97", "98") else code[:2]

    deps = {dep(r["codeCommuneEtablissement"]) for r in raw if r["codeCommuneEtablissement"]}
    zone = {d for d in deps if len(d) == 2 and d.isdigit()}
    assert "987" in deps and "98" not in zone | deps  # the sample holds a Polynesian establishment
    res = sirene.scan_stock(path, zone, [2021], units)
    assert res.n_rows == len(raw) == 297
    assert len(res.zone) == sum(1 for r in raw if dep(r["codeCommuneEtablissement"]) in zone)
    assert res.zone["siret"].str.len().eq(14).all()
    # national count for 2021, recomputed independently with the stock rule
    ref = "2021-12-31"
    expected = sum(
        1
        for r in raw
        if r["trancheEffectifsEtablissement"] in sirene.TRANCHE_MIDPOINT
        and (r["dateCreationEtablissement"] == "" or r["dateCreationEtablissement"] <= ref)
        and not (r["etatAdministratifEtablissement"] == "F" and r["dateDebut"] <= ref)
        and r["codeCommuneEtablissement"] != ""
    )
    assert int(res.national["n_establishments"].sum()) == expected


def test_history_sample_periods(real):
    path = real / "sirene_StockEtablissementHistorique_utf8_sample.csv"
    raw = _rows(path)
    sirets = {r["siret"] for r in raw}
    hist, n, bad = sirene_history.read_history(path, sirets)
    assert n == len(raw) and not bad and len(hist) == len(raw)
    s = raw[0]["siret"]
    at_2008 = sirene_history.period_at(hist, "2008-12-31").set_index("siret")
    at_2010 = sirene_history.period_at(hist, "2010-12-31").set_index("siret")
    # 00032517500016: active 2008-01-01..2009-05-26, closed from 2009-05-27
    assert at_2008.loc[s, "etatAdministratifEtablissement"] == "A"
    assert at_2010.loc[s, "etatAdministratifEtablissement"] == "F"


def test_full_build_on_the_genuine_samples(real, tmp_path):
    raw = tmp_path / "raw" / "fr" / "sirene"
    raw.mkdir(parents=True)
    for name in [
        "StockEtablissement_utf8_2022-04_sample",
        "StockUniteLegale_utf8_2022-04_sample",
        "StockEtablissementHistorique_utf8_sample",
    ]:
        shutil.copy(real / f"sirene_{name}.csv", raw / f"{name}.csv")
    result = build.build([2021], raw_dir=tmp_path / "raw", out_dir=tmp_path / "out", mode="public")
    assert result.accounting["balanced"].all()
    assert not result.demo
    est = pd.read_parquet(tmp_path / "out" / "2021" / "establishments.parquet")
    assert est["headcount_estimated"].all()
    assert set(est["nuts3"].dropna()) <= {"FRE11", "FRE12", "FRE21", "FRF21", "FRE23"}
