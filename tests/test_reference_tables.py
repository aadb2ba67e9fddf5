"""Internal consistency of the reference tables and hand-checked legal cases."""

from __future__ import annotations

import pytest

from desir_analysis import reference


def test_every_line_has_a_rule_and_a_source():
    for name in [
        "legal_forms.csv",
        "sectors.csv",
        "sector_groups.csv",
        "activity_exclusions.csv",
        "territories.csv",
        "commune_changes.csv",
        "personal_services.csv",
        "perimeters.csv",
    ]:
        t = reference.load_table(name)
        cols = [c for c in ("rule", "source") if c in t.columns]
        assert cols, name
        for c in cols:
            assert t[c].str.strip().ne("").all(), f"{name}: empty {c}"


def test_legal_form_values_are_in_the_vocabularies():
    lf = reference.legal_forms()
    assert set(lf["ess_family"]) <= set(reference.ESS_FAMILIES)
    names = reference.base_perimeters()
    for n in names:
        assert set(lf[n]) <= set(reference.PERIMETER_VALUES), n
    assert not lf.duplicated(["country", "code"]).any()
    # country-specific perimeters never admit the other country's forms
    assert set(lf.loc[lf["country"] == "FR", "concertes"]) == {"no"}
    assert set(lf.loc[lf["country"] == "BE", ["insee", "ess_law_2014"]].stack()) == {"no"}


def test_public_sector_forms_are_never_in_a_perimeter():
    lf = reference.legal_forms()
    pub = lf[lf["public_sector"]]
    assert len(pub) > 50
    for n in reference.base_perimeters():
        assert pub[n].eq("no").all(), n


def test_sector_groups_used_are_declared():
    declared = set(reference.sector_groups()["sector_group"])
    assert set(reference.sectors()["sector_group"]) <= declared
    assert 10 <= len(declared - {"unknown"}) <= 15


@pytest.mark.parametrize(
    "country,code,family,insee,law,concertes,core",
    [
        ("FR", "9220", "association", "yes", "yes", "no", "yes"),  # association déclarée
        ("FR", "9223", "association", "yes", "yes", "no", "yes"),  # groupement d'employeurs
        ("FR", "9240", "other_nonprofit", "no", "no", "no", "no"),  # congrégation: religious
        ("FR", "5546", "non_ess", "no", "if_ess_flag", "no", "no"),  # SA d'HLM
        ("FR", "5192", "cooperative", "yes", "yes", "no", "no"),  # banque populaire: FR-only layer
        ("FR", "5458", "cooperative", "yes", "yes", "no", "yes"),  # SCOP SARL
        ("FR", "5710", "non_ess", "no", "if_ess_flag", "no", "no"),  # SAS: ESS only with the flag
        ("FR", "6411", "mutual", "yes", "yes", "no", "yes"),
        ("FR", "9300", "foundation", "yes", "yes", "no", "yes"),
        ("FR", "7210", "non_ess", "no", "no", "no", "no"),  # commune
        ("BE", "017", "association", "no", "no", "yes", "yes"),  # ASBL
        ("BE", "706", "cooperative", "no", "no", "if_approved", "if_approved"),
        ("BE", "508", "cooperative", "no", "no", "yes", "yes"),  # SCRL à finalité sociale
        ("BE", "514", "ess_company", "no", "no", "yes", "no"),  # SA à finalité sociale
        ("BE", "029", "foundation", "no", "no", "yes", "yes"),
        ("BE", "019", "mutual", "no", "no", "yes", "yes"),
        ("BE", "014", "non_ess", "no", "no", "no", "no"),  # SA
        ("BE", "999", "unknown", "no", "no", "no", "no"),  # forme inconnue ONSS
    ],
)
def test_hand_checked_legal_forms(country, code, family, insee, law, concertes, core):
    row = reference.legal_forms().set_index(["country", "code"]).loc[(country, code)]
    assert (row["ess_family"], row["insee"], row["ess_law_2014"], row["concertes"], row["core_crossborder"]) == (
        family,
        insee,
        law,
        concertes,
        core,
    )


def test_public_sector_flags_hand_checked():
    lf = reference.legal_forms().set_index(["country", "code"])["public_sector"]
    assert lf[("FR", "7361")] and lf[("FR", "4110")] and lf[("BE", "126")] and lf[("BE", "411")]
    assert not lf[("FR", "9220")] and not lf[("FR", "5415")] and not lf[("BE", "017")]


def test_series_breaks_are_data():
    b = reference.breaks()
    assert b["first_year"].dtype == "int64" and b["comparable"].dtype == bool
    fr = b[b["series"] == "employment_fr"].iloc[0]
    assert fr["first_year"] == 2017 and not fr["comparable"] and "Flores" in fr["after"]
    # the recodings are comparable (every year is recoded), the nomenclature changes are not
    assert b.loc[b["series"] == "territory_be", "comparable"].all()
    assert not b.loc[b["series"].str.startswith("activity_"), "comparable"].any()
    assert set(b["country"]) <= {"FR", "BE"}
