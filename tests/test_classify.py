"""Classification and perimeter resolution on inline frames (hand-computed)."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desir_analysis.reference import classify
from desir_analysis.reference import membership as perimeters


def frame(rows):
    cols = [
        "country",
        "legal_form",
        "national_activity",
        "activity_nomenclature",
        "commune",
        "ess_register_flag",
        "social_enterprise_approved",
    ]
    return pd.DataFrame(rows, columns=cols)


ROWS = [
    ("FR", "9220", "88.10A", "NAFRev2", "59350", None, None),  # association, aide à domicile, Lille
    ("FR", "9220", "94.20Z", "NAFRev2", "62041", None, None),  # association-syndicat: excluded
    ("FR", "5710", "88.10A", "NAFRev2", "59350", "O", None),  # SAS with ESS flag
    ("FR", "5710", "47.11F", "NAFRev2", "59350", "N", None),  # SAS without
    ("FR", "9999", "88.10A", "NAFRev2", "59350", None, None),  # unknown CJ
    ("FR", "9220", "85.3K", "NAFRev1", "80021", None, None),  # old nomenclature: unknown sector
    ("BE", "017", "88.101", "NACEBEL2008", "54007", None, None),  # ASBL in old Mouscron code
    ("BE", "706", "88.101", "NACEBEL2025", "63023", None, True),  # approved cooperative in Eupen
    ("BE", "706", "47.110", "NACEBEL2025", "92094", None, False),  # non-approved coop in Namur
    ("BE", "017", "94.200", "NACEBEL2008", "92094", None, None),  # ASBL union
]


@pytest.fixture
def classified():
    return classify.classify(frame(ROWS))


def test_families_sectors_exclusions(classified):
    assert classified["ess_family"].tolist() == [
        "association",
        "association",
        "non_ess",
        "non_ess",
        "unknown",
        "association",
        "association",
        "cooperative",
        "cooperative",
        "association",
    ]
    assert classified["sector_group"].tolist() == [
        "AS_SHEB",
        "AUTRES_SERV",
        "AS_SHEB",
        "COMMERCE",
        "AS_SHEB",
        "unknown",
        "AS_SHEB",
        "AS_SHEB",
        "COMMERCE",
        "AUTRES_SERV",
    ]
    assert classified["activity_excluded"].tolist() == [False, True] + [False] * 7 + [True]
    assert classified["exclusion_reason"].iloc[1] == "trade_unions"


def test_territories(classified):
    assert classified["nuts3"].tolist() == [
        "FRE11",
        "FRE12",
        "FRE11",
        "FRE11",
        "FRE11",
        "FRE23",
        "BE328",
        "BE336",
        "BE352",
        "BE352",
    ]
    assert classified["zone_desir"].tolist() == [True, True, True, True, True, False, True, False, True, True]
    assert classified["zone_interreg_fwvl"].iloc[5]  # Somme


def test_perimeters_hand_computed(classified):
    got = {
        name: perimeters.in_perimeter(classified, name).tolist()
        for name in ["insee", "ess_law_2014", "concertes", "core_crossborder"]
    }
    assert got["insee"] == [True, False, False, False, False, True, False, False, False, False]
    assert got["ess_law_2014"] == [True, False, True, False, False, True, False, False, False, False]
    # ConcertES applies no activity exclusion: the ASBL-union stays in
    assert got["concertes"] == [False] * 6 + [True, True, False, True]
    assert got["core_crossborder"] == [True, False, False, False, False, True, True, True, False, False]


def test_unknown_codes_are_reported(classified):
    issues = classify.classification_issues(classified).set_index(["field", "country"])
    assert issues.loc[("legal_form", "FR"), "n_rows"] == 1
    assert issues.loc[("legal_form", "FR"), "examples"] == "9999"
    assert issues.loc[("activity", "FR"), "examples"] == "85.3K"


def test_reconciliation_insee_vs_law(classified):
    rec = perimeters.reconcile_perimeters(classified, "insee", "ess_law_2014").set_index("ess_family")
    assert rec.loc["non_ess", "added"] == 1 and rec.loc["non_ess", "in_a"] == 0
    assert rec.loc["Total", "in_a"] == 2 and rec.loc["Total", "in_b"] == 3


def test_unknown_perimeter_is_an_error(classified):
    with pytest.raises(ValueError, match="unknown perimeter 'insse'"):
        perimeters.in_perimeter(classified, "insse")


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["FR", "BE"]),
            st.sampled_from(["9220", "5710", "5192", "017", "706", "514", "9240", "0000", "123"]),
            st.sampled_from(["88.10A", "94.20Z", "84.11Z", "88.101", "47.110"]),
            st.sampled_from(["O", "N", None]),
            st.sampled_from([True, False, None]),
            st.integers(0, 500),
        ),
        min_size=1,
        max_size=40,
    ),
    st.sampled_from(["insee", "ess_law_2014", "concertes", "core_crossborder"]),
    st.sampled_from(["insee", "ess_law_2014", "concertes", "core_crossborder"]),
)
def test_reconciliation_identity(rows, a, b):
    f = pd.DataFrame(
        rows,
        columns=[
            "country",
            "legal_form",
            "national_activity",
            "ess_register_flag",
            "social_enterprise_approved",
            "headcount",
        ],
    )
    f["activity_nomenclature"] = [
        "NAFRev2" if c.endswith(tuple("AZ")) else "NACEBEL2008" for c in f["national_activity"]
    ]
    f["commune"] = "59350"
    f = classify.classify(f)
    for value in (None, "headcount"):
        rec = perimeters.reconcile_perimeters(f, a, b, value=value)
        assert (rec["in_b"] == rec["in_a"] - rec["removed"] + rec["added"]).all()
        body = rec[rec["ess_family"] != "Total"]
        total = rec[rec["ess_family"] == "Total"].iloc[0]
        w = f[value] if value else pd.Series(1, index=f.index)
        assert body["in_a"].sum() == total["in_a"] == w[perimeters.in_perimeter(f, a)].sum()


def test_activity_exclusions_read_each_code_in_its_own_nomenclature():
    rows = [
        ("BE", "017", "91.310", "NACEBEL2003", "92094", None, None),  # Rév. 1.1: religious organisation
        ("BE", "017", "91.011", "NACEBEL2008", "92094", None, None),  # Rév. 2: library, not excluded
        ("BE", "017", "75.111", "NACEBEL2003", "92094", None, None),  # Rév. 1.1: public administration
        ("BE", "017", "75.000", "NACEBEL2008", "92094", None, None),  # Rév. 2: veterinary, not excluded
        ("BE", "017", "91.200", "NACEBEL2003", "92094", None, None),  # Rév. 1.1: trade union
        ("BE", "017", "94.200", "NACEBEL2025", "92094", None, None),  # Rév. 2.1: trade union
        ("BE", "017", "84.110", "NACEBEL2003", "92094", None, None),  # no class 84 in Rév. 1.1
    ]
    out = classify.classify(frame(rows))
    assert list(out["exclusion_reason"].fillna("")) == [
        "religious",
        "",
        "public_administration",
        "",
        "trade_unions",
        "trade_unions",
        "",
    ]
