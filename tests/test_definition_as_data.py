"""The common definition is data: perimeters and zones added in the reference tables, every perimeter renders."""

from __future__ import annotations

import csv
import shutil

import pandas as pd
import pytest

from conftest import edition_in
from desir_analysis import config, reference
from desir_analysis.analysis import indicators
from desir_analysis.publish import runner
from desir_analysis.reference import classify
from desir_analysis.reference import membership as perimeters

PACKAGE_REFERENCE = config.REFERENCE_DIR


@pytest.fixture
def reference_copy(tmp_path, monkeypatch):
    """A copy of the reference folder that the package (and the notebooks' kernels) read instead."""
    folder = tmp_path / "reference"
    shutil.copytree(PACKAGE_REFERENCE, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    monkeypatch.setenv("DESIR_REFERENCE_DIR", str(folder))
    monkeypatch.setattr(config, "REFERENCE_DIR", folder)
    reference._read.cache_clear()
    yield folder
    reference._read.cache_clear()


def _append(path, rows):
    with path.open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def _add_perimeter_and_zone(folder):
    """A perimeter « associations only » and a zone « Nord + Hainaut », by editing CSV files only."""
    _append(
        folder / "perimeters.csv",
        [["associations", "2026-11", "FR|BE", "true", "Associations seulement", "Test", "test", ""]],
    )
    lf = pd.read_csv(folder / "legal_forms.csv", dtype=str, keep_default_na=False)
    assoc = lf[lf["ess_family"] == "association"]
    _append(
        folder / "perimeter_membership.csv",
        [["associations", c, k, "yes"] for c, k in zip(assoc["country"], assoc["code"], strict=True)],
    )
    _append(folder / "zones.csv", [["nord_hainaut", "zone Nord-Hainaut", "zone Nord-Hainaut", "", "Test", "test"]])
    terr = pd.read_csv(folder / "territories.csv", dtype=str, keep_default_na=False)
    hainaut = terr["country"].eq("BE") & terr["nuts3"].str.startswith("BE32")
    nord = terr["country"].eq("FR") & terr["code"].eq("59")
    terr.loc[hainaut | nord, "zones"] += "|nord_hainaut"
    terr.to_csv(folder / "territories.csv", index=False, lineterminator="\n")
    return int(nord.sum() + hainaut.sum())


def test_a_perimeter_and_a_zone_added_as_data_render_without_a_rebuild(demo_processed, reference_copy, tmp_path):
    processed, _ = demo_processed
    before = {p: p.stat().st_mtime_ns for p in processed.rglob("*.parquet")}
    n_territories = _add_perimeter_and_zone(reference_copy)
    assert "associations" in reference.perimeter_names() and "nord_hainaut" in reference.zone_names()
    est = pd.read_parquet(processed / "2023" / "establishments.parquet")
    in_new_zone = classify.in_zone(est, "nord_hainaut")
    assert set(est.loc[in_new_zone, "nuts3"].str[:4]) == {"FRE1", "BE32"} and n_territories == 8
    members = perimeters.in_perimeter(est, "associations")
    assert set(est.loc[members, "ess_family"]) == {"association"}
    nat = pd.read_parquet(processed / "2023" / "national_aggregates.parquet")  # no rebuild: legal forms kept
    assert indicators.national_reference(nat, "FR", "associations")["jobs"].sum() > 0

    params = {"zone": "nord_hainaut", "perimeter": "associations", "first_year": 2015, "processed_dir": str(processed)}
    edition = edition_in(tmp_path, "nord_hainaut", "associations")
    html = runner.render_study(runner.STUDIES["diagnostic"], edition, params)
    page = html.read_text(encoding="utf-8")
    assert "zone Nord-Hainaut" in page and "Associations seulement" in page
    families = pd.read_csv(edition.dir / "tables" / "ess_famille.csv")
    assert set(families["Famille"]) == {"Associations", "Total"}
    terr = pd.read_csv(edition.dir / "tables" / "part_ess_territoire.csv")
    assert len(terr) == est.loc[in_new_zone, "nuts3"].nunique() + 1  # the zone's territories, and the zone
    assert {p: p.stat().st_mtime_ns for p in processed.rglob("*.parquet")} == before


@pytest.mark.parametrize("perimeter", reference.perimeter_names())
def test_every_perimeter_offered_renders_the_diagnostic(demo_processed, tmp_path, perimeter):
    processed, _ = demo_processed
    params = {"zone": "desir", "perimeter": perimeter, "first_year": 2015, "processed_dir": str(processed)}
    edition = edition_in(tmp_path, "desir", perimeter)
    html = runner.render_study(runner.STUDIES["diagnostic"], edition, params)
    page = html.read_text(encoding="utf-8")
    covered = perimeters.countries(perimeter)
    key = pd.read_csv(edition.dir / "tables" / "chiffres_cles_pays.csv")
    names = {"FR": "France", "BE": "Belgique"}
    assert set(key["Pays"]) == {names[c] for c in covered} | {"Total"}
    if len(covered) == 1:
        assert "ne couvre que" in page  # the study says which country it covers
    if reference.components(perimeter):
        assert "sa propre définition" in page


def test_the_cli_offers_every_perimeter_and_zone_of_the_reference_tables():
    from desir_analysis import cli

    with pytest.raises(SystemExit):
        cli.main(["report", "--perimeter", "no_such_perimeter"])
    parser_help = reference.perimeter_names() + reference.zone_names()
    assert {"national", "core_crossborder", "desir", "interreg_fwvl"} <= set(parser_help)


def test_a_bad_membership_value_is_refused(reference_copy):
    _append(reference_copy / "perimeter_membership.csv", [["insee", "FR", "9220", "maybe"]])
    with pytest.raises(ValueError, match="membership 'maybe' not allowed"):
        reference.perimeter_membership()


def test_a_territory_in_an_unknown_zone_is_refused(reference_copy):
    terr = pd.read_csv(reference_copy / "territories.csv", dtype=str, keep_default_na=False)
    terr.loc[0, "zones"] = "atlantide"
    terr.to_csv(reference_copy / "territories.csv", index=False, lineterminator="\n")
    with pytest.raises(ValueError, match="atlantide"):
        reference.territories()


def test_adding_a_perimeter_or_a_zone_inside_the_kept_territories_keeps_the_build_key(reference_copy):
    from desir_analysis.build import cache_keys

    before, cells_before = cache_keys.code_fingerprint("build"), cache_keys.code_fingerprint("cells")
    _add_perimeter_and_zone(reference_copy)
    reference._read.cache_clear()
    assert cache_keys.code_fingerprint("build") == before  # `desir report` does not rebuild the years
    assert cache_keys.code_fingerprint("cells") != cells_before  # the protected cells and the studies are redone
    # a zone that brings a new territory does change it: the build must keep that territory's rows
    terr = pd.read_csv(reference_copy / "territories.csv", dtype=str, keep_default_na=False)
    terr.loc[terr["code"].eq("01"), "zones"] = "nord_hainaut"
    terr.to_csv(reference_copy / "territories.csv", index=False, lineterminator="\n")
    reference._read.cache_clear()
    assert cache_keys.code_fingerprint("build") != before
