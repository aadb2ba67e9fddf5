"""The build: contract columns, accounting, determinism, skip, immutability, measures traced to raw rows."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil

import pandas as pd
import pytest

from desir_analysis import build
from desir_analysis.build import schemas
from desir_analysis.sources import sirene, sirene_history

CONTRACT = [
    "country",
    "year",
    "establishment_id",
    "enterprise_id",
    "reference_date",
    "legal_form",
    "ess_family",
    "ess_register_flag",
    "activity_excluded",
    "public_sector",
    "social_enterprise_approved",
    "joint_committee",
    "national_activity",
    "activity_nomenclature",
    "nace",
    "sector_group",
    "commune",
    "nuts3",
    "headcount",
    "fte",
    "payroll_eur",
    "women",
    "part_time",
    "headcount_estimated",
    "size_band",
]


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_csv_rows(path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_contract_columns_and_files(demo_processed):
    out, _ = demo_processed
    for year in (2015, 2023):
        d = out / str(year)
        assert {p.name for p in d.iterdir()} >= {f"{t}.parquet" for t in build.TABLES} | {"provenance.json"}
        est = pd.read_parquet(d / "establishments.parquet")
        assert [c for c in CONTRACT if c not in est.columns] == []
        schemas.check_establishments(est)
        assert (est["reference_date"] == pd.Timestamp(f"{year}-12-31")).all()
        assert set(est["year"]) == {year} and set(est["country"]) == {"FR", "BE"}
        fr, be = est[est["country"] == "FR"], est[est["country"] == "BE"]
        assert fr["establishment_id"].str.fullmatch(r"\d{14}").all()
        assert be["establishment_id"].str.fullmatch(r"\d\.\d{3}\.\d{3}\.\d{3}").all()
        assert be["enterprise_id"].str.fullmatch(r"\d{4}\.\d{3}\.\d{3}").all()
        assert be["nuts3"].str.startswith("BE").all() and fr["nuts3"].str.startswith("FR").all()
        prov = json.loads((d / "provenance.json").read_text())
        assert prov["demo"] is True and prov["notice"] == "données de démonstration (synthétiques)"
        assert all(len(f["sha256"]) == 64 and f["publisher"] for f in prov["files"])


def test_every_raw_row_is_kept_rejected_or_out_of_scope(demo_processed, demo_raw):
    out, result = demo_processed
    acc = result.accounting
    assert acc["balanced"].all()
    for year in (2015, 2023):
        est = pd.read_parquet(out / str(year) / "establishments.parquet").query("country == 'FR'")
        rej = pd.read_parquet(out / str(year) / "rejects.parquet")
        scope = pd.read_parquet(out / str(year) / "scope.parquet")
        stock = demo_raw / "fr" / "sirene" / "StockEtablissement_utf8.csv"
        n_raw = sum(1 for _ in open(stock, encoding="utf-8")) - 1
        n_rej = int((rej["source_file"] == stock.name).sum())
        n_scope = int(scope.loc[scope["source_file"] == stock.name, "n_records"].sum())
        assert n_raw == len(est) + n_rej + n_scope


def test_headcount_and_measures_equal_the_raw_employment_rows(demo_processed, demo_raw):
    out, _ = demo_processed
    est = (
        pd.read_parquet(out / "2023" / "establishments.parquet").query("country == 'FR'").set_index("establishment_id")
    )
    rows = {r["siret"]: r for r in read_csv_rows(demo_raw / "fr" / "employment" / "flores_etablissements_2023.csv")}
    for siret, e in est.sample(200, random_state=1).iterrows():
        raw = rows[siret]
        assert e["headcount"] == float(raw["effectif_31_12"]) > 0
        assert e["fte"] == pytest.approx(float(raw["etp"]))
        assert e["payroll_eur"] == float(raw["remuneration_brute"])
        assert e["women"] == float(raw["femmes"]) and e["part_time"] == float(raw["temps_partiel"])
    assert not est["headcount_estimated"].any()


def test_national_aggregates_match_the_zone_rows(demo_processed):
    out, _ = demo_processed
    est = pd.read_parquet(out / "2023" / "establishments.parquet")
    nat = pd.read_parquet(out / "2023" / "national_aggregates.parquet")
    schemas.check(nat, schemas.NATIONAL_AGGREGATES, "national_aggregates")
    for nuts3 in ("FRE11", "FRE12", "FRE21"):
        n = nat[nat["nuts3"] == nuts3]
        e = est[est["nuts3"] == nuts3]
        assert int(n["n_establishments"].sum()) == len(e)
        assert float(n["jobs"].sum()) == pytest.approx(float(e["headcount"].sum()))
        by_fam = n.groupby("ess_family")["jobs"].sum()
        assert by_fam.to_dict() == pytest.approx(e.groupby("ess_family")["headcount"].sum().astype(float).to_dict())
    assert set(nat["country"]) == {"FR", "BE"}
    assert nat.loc[nat["country"] == "FR", "nuts3"].str.startswith("FR").all()
    assert (
        nat.loc[nat["country"] == "FR", "nuts3"].nunique() > 20
    )  # the whole country, not only the five départements of the zone


def test_build_is_deterministic_and_skips_when_nothing_changed(demo_raw, demo_processed, tmp_path):
    out, _ = demo_processed  # built with one process per core (forked workers)
    years = [2015, 2020, 2023]  # the fixture's years (the accounting lists every file the build read)
    again = build.build(years, raw_dir=demo_raw, out_dir=tmp_path / "p2", workers=1)  # in this process
    assert not again.skipped
    for year in ("2015", "2020", "2023"):
        for f in (out / year).iterdir():
            assert sha(f) == sha(tmp_path / "p2" / year / f.name), f.name
    skipped = build.build(years, raw_dir=demo_raw, out_dir=tmp_path / "p2")
    assert skipped.skipped


def test_raw_files_are_never_modified(demo_raw, tmp_path):
    before = {p: sha(p) for p in demo_raw.rglob("*") if p.is_file()}
    build.build([2019], raw_dir=demo_raw, out_dir=tmp_path / "p", force=True)
    after = {p: sha(p) for p in demo_raw.rglob("*") if p.is_file()}
    assert before == after


def test_public_mode_estimates_headcount_from_the_size_band(demo_raw, tmp_path):
    build.build([2023], raw_dir=demo_raw, out_dir=tmp_path / "pub", mode="public")
    est = pd.read_parquet(tmp_path / "pub" / "2023" / "establishments.parquet").query("country == 'FR'")
    assert est["headcount_estimated"].all()
    expected = est["sirene_size_band"].map(sirene.TRANCHE_MIDPOINT)
    assert (est["headcount"].astype(float) == expected.astype(float)).all()
    assert est["fte"].isna().all()
    nat = pd.read_parquet(tmp_path / "pub" / "2023" / "national_aggregates.parquet")
    assert nat.loc[nat["country"] == "FR", "jobs_estimated"].all()
    assert not nat.loc[nat["country"] == "BE", "jobs_estimated"].any()  # ONSS jobs are measured
    prov = json.loads((tmp_path / "pub" / "2023" / "provenance.json").read_text())
    assert prov["mode"] == "public" and "estimated" in prov["headcount_method"]


def test_existence_at_31_december_follows_the_history(demo_processed, demo_raw):
    """Every kept establishment has an active period covering 31/12 of the year in the history file."""
    out, _ = demo_processed
    hist = pd.read_csv(
        demo_raw / "fr" / "sirene" / "StockEtablissementHistorique_utf8.csv", dtype=str, keep_default_na=False
    )
    for year in (2015, 2023):
        est = pd.read_parquet(out / str(year) / "establishments.parquet").query("country == 'FR'")
        per = sirene_history.period_at(hist[hist["siret"].isin(est["establishment_id"])], f"{year}-12-31")
        assert set(per["siret"]) == set(est["establishment_id"])
        assert (per["etatAdministratifEtablissement"] == "A").all()


def test_a_real_data_folder_takes_precedence_over_the_demo(tmp_path, demo_raw):
    raw = tmp_path / "raw"
    shutil.copytree(demo_raw / "fr", raw / "fr")
    used, is_demo = build.resolve_raw(raw)
    assert used == raw and not is_demo
    assert not (raw / "demo").exists()


def test_load_with_a_filter_returns_exactly_the_matching_rows(demo_processed):
    out, _ = demo_processed
    full = build.load(2023, "establishments", out)
    code = full["nuts3"].value_counts().index[1]
    part = build.load(2023, "establishments", out, filters=[("nuts3", "==", code)])
    expected = full[full["nuts3"] == code].reset_index(drop=True)
    pd.testing.assert_frame_equal(part.reset_index(drop=True), expected)


def test_every_scope_reason_has_a_french_label(demo_processed):
    from desir_analysis.publish import labels

    out, _ = demo_processed
    reasons = set(pd.read_parquet(out / "2023" / "scope.parquet")["reason"])
    assert reasons and reasons <= set(labels.SCOPE_FR)
