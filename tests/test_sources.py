"""True sources and words of the trade: every file credited to its producer, one vocabulary, one rule.

Hand-made provenance records for the source line, the demo build for the provenance of every raw
file, a fact sheet rendered in public mode for its source line and banner, hand-computed cases
for the existence-rule gap and the public files' integers.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from tests.conftest import edition_in

from desir_analysis import build, reference
from desir_analysis.analysis import quality
from desir_analysis.build import harmonise_fr
from desir_analysis.publish import runner as reporting
from desir_analysis.publish.study import ESTIMATED_CREDIT, POPULATION, WITH_POPULATION, source_line
from desir_analysis.publish.tables import Caption, is_count, public_values, publish

#: The producer each folder of data/raw/ must be credited to (the issue's wrong defaults are gone).
EXPECTED_PUBLISHER = {
    "fr/sirene/": "INSEE",
    "fr/employment/": "INSEE",
    "be/kbo/": "SPF Économie",
    "be/employment/": "ONSS",
    "be/approvals/": "SPF Économie",
    "population/statbel/": "Statbel",
    "population/insee/": "INSEE",
    "population/eurostat/": "Eurostat",
    "survey/": "partenaires du projet",
}


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("fr/sirene/StockEtablissement_utf8.csv", "sirene_stock"),
        ("fr/sirene/StockEtablissementHistorique_utf8.csv", "sirene_history"),
        ("fr/sirene/StockUniteLegale_utf8.csv", "sirene_units"),
        ("fr/employment/flores_2023.parquet", "employment_fr"),
        ("be/kbo/2016-01-01/enterprise.csv", "kbo"),
        ("be/kbo/activity_insert.csv", "kbo"),
        ("be/employment/onss_unites_2023.csv", "employment_be"),
        ("be/approvals/agrements.csv", "approvals_be"),
        ("population/statbel/TF_SOC_POP_STRUCT_2023.txt", "statbel_population"),
        ("population/insee/estim-pop-dep-sexe-gca-1975-2023.xls", "insee_population"),
        ("population/eurostat/demo_r_pjangrp3.tsv", "eurostat_population"),
        ("population/eurostat/proj_19rp3.tsv", "eurostat_projections"),
        ("notes/readme.csv", ""),
    ],
)
def test_each_raw_path_reaches_its_source_kind(path, kind):
    assert reference.source_kind(path) == kind


def test_the_source_table_is_complete():
    s = reference.sources()
    assert not s["kind"].duplicated().any()
    for col in ("publisher", "title", "credit", "licence", "reference", "measure"):
        assert s.loc[s["topic"].ne("plan"), col].str.strip().ne("").all(), col
    # the words of the trade: each country's job concept is its producer's own
    assert "31 décembre" in s.set_index("kind").loc["employment_fr", "reference"]
    assert "4e trimestre" in s.set_index("kind").loc["employment_be", "reference"]


def test_every_file_of_the_demo_build_is_credited_to_its_producer(demo_processed):
    processed, _ = demo_processed
    files = build.provenance(2023, processed)["files"]
    kinds = {f["kind"] for f in files}
    assert {"sirene_stock", "employment_fr", "kbo", "employment_be", "statbel_population", "survey"} <= kinds
    for f in files:
        folder = next(k for k in EXPECTED_PUBLISHER if f["path"].startswith(k))
        assert f["publisher"].startswith(EXPECTED_PUBLISHER[folder]), f
        assert f["demo"] is True and f["notice"]
        if not f["path"].startswith("fr/"):
            assert "Flores" not in f["publisher"] + f["credit"] + f["title"], f
    kbo = [f for f in files if f["kind"] == "kbo"]
    assert {f["vintage"] for f in kbo} == {"2024-01-01"}  # the export's SnapshotDate (meta.csv)


def test_public_mode_does_not_list_the_employment_extracts(demo_raw, tmp_path):
    build.build([2023], raw_dir=demo_raw, out_dir=tmp_path / "pub", mode="public")
    prov = build.provenance(2023, tmp_path / "pub")
    assert not [f for f in prov["files"] if f["kind"] == "employment_fr"]
    assert ESTIMATED_CREDIT in source_line(prov)
    assert "Flores" not in source_line(prov)


def _file(kind: str) -> dict:
    row = reference.sources().set_index("kind").loc[kind]
    return {"path": kind, "kind": kind, "credit": row["credit"]}


def test_source_line_credits_the_files_used_once_each_in_table_order():
    prov = {
        "mode": "employment",
        "files": [_file("employment_be"), _file("sirene_units"), _file("sirene_stock"), _file("statbel_population")],
    }
    assert source_line(prov) == ("INSEE, répertoire Sirene ; ONSS, statistique décentralisée (extrait sous convention)")
    assert source_line(prov, WITH_POPULATION).endswith("; Statbel, structure de la population")
    assert source_line(prov, POPULATION) == "Statbel, structure de la population"
    projected = {**prov, "files": [*prov["files"], _file("eurostat_projections")]}
    assert "proj_19rp3" not in source_line(projected, WITH_POPULATION)  # a density uses no projection
    assert source_line(projected, POPULATION).endswith("Eurostat, projections régionales de population (proj_19rp3)")
    demo = {**prov, "demo": True, "notice": "données de démonstration (synthétiques)"}
    assert source_line(demo).endswith(" — données de démonstration (synthétiques)")


def test_public_source_line_says_estimated_instead_of_flores():
    prov = {"mode": "public", "files": [_file("sirene_stock"), _file("kbo")]}
    line = source_line(prov)
    assert (
        line == f"INSEE, répertoire Sirene ; SPF Économie, Banque-Carrefour des Entreprises (BCE) ; {ESTIMATED_CREDIT}"
    )
    assert source_line(prov, POPULATION) == ""  # no population file: nothing credited


def test_a_fact_sheet_in_public_mode_says_estimated_and_credits_no_extract(demo_raw, tmp_path):
    out = tmp_path / "pub"
    build.build([2015, 2023], raw_dir=demo_raw, out_dir=out, mode="public")
    job = reporting.Job(
        reporting.STUDIES["fiches"],
        "fiches/fiche_FRE11",
        "Fiche — Nord",
        (("zone", "desir"), ("territory", "FRE11"), ("baseline_year", 2015), ("processed_dir", str(out))),
    )
    edition = edition_in(tmp_path)
    produced, failed = reporting.run_jobs([job], edition, progress=False)
    assert failed == []
    page = produced[0][1].read_text(encoding="utf-8")
    assert "Emploi français <b>estimé</b>" in page  # the banner
    assert "postes estimés (tranche d'effectif Sirene)" in page  # the opening's words
    key = pd.read_csv(edition.dir / "tables" / "fiche_fre11_chiffres_cles.csv")
    sources = set(key["source"])
    assert len(sources) == 1
    (line,) = sources
    assert ESTIMATED_CREDIT in line and "INSEE, répertoire Sirene" in line
    assert "Flores" not in line  # public mode: the French extract is not read
    assert "ONSS" in line and "Statbel" in line  # the zone row holds Belgium; the density uses the population
    assert key.columns[0] == "Territoire"  # every column named


def test_glossary_terms_by_country():
    assert reference.term("postes", "FR") == "postes salariés au 31 décembre"
    assert reference.term("postes", "BE") == "postes de travail, fin du 4e trimestre"
    assert reference.term("eqtp", "FR") == "EQTP" and reference.term("eqtp", "BE") == "ETP"
    assert reference.term("etablissements_employeurs") == "établissements employeurs"
    assert reference.term("part_ess", "BE") == reference.term("part_ess")  # one term for both: the common row
    with pytest.raises(KeyError):
        reference.term("salariés")
    g = reference.glossary()
    assert g["label_fr"].str.strip().ne("").all() and g["definition"].str.strip().ne("").all()
    assert not g.duplicated(["term", "country"]).any()


def test_counts_and_zero_decimal_columns_are_written_as_integers():
    t = pd.DataFrame(
        {
            "Postes nécessaires": [12.4, 7.6],
            "Postes ESS pour 100 000 hab.": [3952.3, 4600.0],
            "Part de l'ESS (%)": [10.74, 13.0],
            "Établissements": [6230.0, np.nan],
        }
    )
    out = public_values(t)
    assert out["Postes nécessaires"].tolist() == [12, 8]
    assert str(out["Postes nécessaires"].dtype) == "Int64"
    assert out["Postes ESS pour 100 000 hab."].tolist() == [3952, 4600]
    assert out["Part de l'ESS (%)"].tolist() == [10.7, 13.0]
    assert str(out["Établissements"].dtype) == "Int64"
    assert is_count("postes nécessaires") and not is_count("postes pour 1 000 personnes")
    assert is_count("dont postes de l'ess (à sa part actuelle)") and not is_count("part des postes (%)")


def test_a_table_with_an_unnamed_column_is_refused(tmp_path):
    cap = Caption("t", "u", "s", "d", "z")
    with pytest.raises(ValueError, match="column 1 has no name"):
        publish(pd.DataFrame({"": ["Nord"], "Postes": [3]}), "t", cap, tmp_path, "s", confidential=False)
    publish(pd.DataFrame({"Territoire": ["Nord"], "Postes": [3.0]}), "t", cap, tmp_path, "s", confidential=False)
    assert (tmp_path / "tables" / "t.csv").read_text().splitlines()[1].startswith("Nord,3,")


def test_existence_rule_gap_by_hand():
    idx = pd.RangeIndex(6)
    zone = pd.Series([True, True, True, True, False, False], index=idx)
    national = pd.Series([True, True, True, False, True, False], index=idx)
    nom = pd.Series(["NAFRev2"] * 6, index=idx)
    hist = pd.DataFrame({"national_activity": ["88.10A", "88.10A", "85.59A", "88.10A", "88.10A", "88.10A"]})
    now = pd.DataFrame({"national_activity": ["88.10A", "64.19Z", "85.59A", "88.10A", "88.10A", "88.10A"]})
    hist["activity_nomenclature"] = nom
    now["activity_nomenclature"] = nom
    jobs = pd.Series([10.0, 20.0, 30.0, 40.0, 50.0, 60.0], index=idx)
    ent = pd.Series(["a", "b", "c", "d", "e", "f"], index=idx)
    gap = harmonise_fr.existence_rule_gap(zone, national, hist, now, jobs, ent)
    assert gap["kept"] == {"establishments": 4, "enterprises": 4, "jobs": 100.0, "top_share": 0.4}
    assert gap["only_zone_rule"]["establishments"] == 1 and gap["only_zone_rule"]["jobs"] == 40.0
    assert gap["only_national_rule"]["jobs"] == 50.0
    assert gap["sector_differs"]["establishments"] == 1 and gap["sector_differs"]["jobs"] == 20.0  # 88.10 -> 64.19
    table = quality.existence_rule_gap({"existence_rule": {"gap_fr": gap}}).set_index("Écart")
    # one enterprise per row: the jobs share is secret, the establishments are counted
    assert table["Part des postes de la zone (%)"].isna().all()
    assert (table["status"] == "primary").all()
    assert table["Établissements employeurs"].tolist() == [1, 1, 1]
    assert table["Part des établissements de la zone (%)"].tolist() == [25.0, 25.0, 25.0]


def test_existence_rule_gap_publishes_a_share_of_three_enterprises():
    g = {"establishments": 3, "enterprises": 3, "jobs": 30.0, "top_share": 0.5}
    zero = {"establishments": 0, "enterprises": 0, "jobs": 0.0, "top_share": 0.0}
    gap = {
        "kept": {"establishments": 300, "enterprises": 250, "jobs": 1200.0, "top_share": 0.01},
        "only_zone_rule": g,
        "only_national_rule": zero,
        "sector_differs": {**g, "top_share": 0.9},
    }
    t = quality.existence_rule_gap({"existence_rule": {"gap_fr": gap}})
    assert t["Part des postes de la zone (%)"].tolist()[:2] == [2.5, 0.0]
    assert pd.isna(t["Part des postes de la zone (%)"].iloc[2])  # one enterprise above 85 %
    assert quality.existence_rule_gap({"existence_rule": {"gap_fr": None}}) is None


def test_the_demo_build_measures_the_gap_of_the_history_rule(demo_processed):
    processed, _ = demo_processed
    rule = json.loads((processed / "2015" / "provenance.json").read_text())["existence_rule"]
    assert rule["zone"] == "history" and rule["national"] == "stock"
    gap = rule["gap_fr"]
    # the demo history changes some activities between 2017 and 2024: in 2015 the stock rule's sector differs
    assert gap["sector_differs"]["establishments"] > 0
    assert gap["only_zone_rule"]["establishments"] == gap["only_national_rule"]["establishments"] == 0


def test_numbers_beside_words_are_rounded_too():
    """A ratio column holding « non disponible » (object dtype) kept full precision: 15 digits help an attacker."""
    t = pd.DataFrame(
        {
            "Part des femmes (%)": pd.Series([71.9494557357083, "non disponible", np.nan], dtype="object"),
            "Rémunération brute par EQTP (FR) / ETP (BE) (€)": pd.Series(
                [37491.61132825015, np.nan, 1.5], dtype=object
            ),
        }
    )
    out = public_values(t)
    assert out["Part des femmes (%)"].tolist()[:2] == [71.9, "non disponible"]
    assert out["Rémunération brute par EQTP (FR) / ETP (BE) (€)"].tolist()[0] == 37492
    assert out["Rémunération brute par EQTP (FR) / ETP (BE) (€)"].tolist()[2] == 2
