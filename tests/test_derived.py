"""Indicators derived from protected cells, on hand-computed cases: never a number over a masked cell."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from desir_analysis.analysis import cells, derived, evolution
from desir_analysis.publish import labels, narrative

T = derived.TOTAL
P = "published"


def _cells(rows, by, value="headcount"):
    return pd.DataFrame(rows, columns=[*by, value, "status"])


def test_women_share_is_hand_computed_and_hidden_where_either_cell_is_masked():
    by = ("country", "sector_group")
    jobs = _cells([("FR", "A", 200.0, P), ("FR", "B", 50.0, "primary"), ("FR", T, 250.0, P)], by)
    women = _cells([("FR", "A", 150.0, P), ("FR", "B", 10.0, P), ("FR", T, 160.0, "secondary")], by, "women")
    protected = {cells.table_name("ess_jobs", by): jobs, cells.table_name("ess_women", by): women}
    t = derived.women_share(protected).set_index("sector_group")
    assert t.loc["A", "Part des femmes (%)"] == pytest.approx(75.0)  # 100 × 150 / 200
    assert t.loc["A", "dont femmes"] == 150 and t.loc["A", "status"] == P
    # B: jobs primary -> nothing shown; Total: women secondary -> nothing shown (share × jobs = women)
    for sector in ("B", T):
        assert t.loc[sector, ["Postes au 31/12", "dont femmes", "Part des femmes (%)"]].isna().all()
        assert t.loc[sector, "status"] != P


def test_women_share_is_none_when_the_sources_lack_women():
    by = ("country", "sector_group")
    assert derived.women_share({cells.table_name("ess_jobs", by): _cells([], by)}) is None


def _territory_jobs(statuses):
    return pd.DataFrame(
        {
            "nuts3": ["FRE11", "FRE11", T, T],
            "field": ["ess", T, "ess", T],
            "headcount": [100.0, 1000.0, 300.0, 2000.0],
            "status": statuses,
        }
    )


def test_key_figures_rest_of_zone_and_density():
    units = pd.DataFrame({"nuts3": ["FRE11", T], "one": [10, 25], "status": [P, P]})
    pops = {"FRE11": 50_000.0, "Reste de la zone": 150_000.0, T: 200_000.0}
    k = derived.key_figures(_territory_jobs([P] * 4), units, "FRE11", "Nord", pops).set_index("Territoire")
    assert list(k.index) == ["Nord", "Reste de la zone", "Zone"]
    assert k.loc["Reste de la zone", "Postes ESS"] == 200  # 300 − 100
    assert k.loc["Reste de la zone", "Établissements ESS"] == 15
    assert k.loc["Reste de la zone", "Part de l'ESS (%)"] == pytest.approx(20.0)  # 200 / 1000
    assert k.loc["Nord", "Postes ESS pour 100 000 hab."] == pytest.approx(200.0)  # 1e5 × 100 / 50 000
    assert k.loc["Zone", "Part de l'ESS (%)"] == pytest.approx(15.0)


def test_key_figures_rest_of_zone_is_masked_when_the_territory_is():
    units = pd.DataFrame({"nuts3": ["FRE11", T], "one": [1, 25], "status": ["primary", P]})
    jobs = _territory_jobs(["primary", P, P, P])
    k = derived.key_figures(jobs, units, "FRE11", "Nord", {}).set_index("Territoire")
    # zone − territory would give the masked territory back
    assert k.loc[["Nord", "Reste de la zone"], "Postes ESS"].isna().all()
    assert k.loc["Zone", "Postes ESS"] == 300


def test_weights_are_withheld_over_a_masked_total():
    here = pd.DataFrame({"ess_family": ["a", "b", T], "headcount": [30.0, 70.0, 100.0], "status": [P, P, "secondary"]})
    zone = pd.DataFrame({"ess_family": ["a", "b", T], "headcount": [300.0, 700.0, 1000.0], "status": [P] * 3})
    w = derived.weights(here, zone, "ess_family", "Nord").set_index("ess_family")
    assert w["Part dans l'ESS de Nord (%)"].isna().all()  # 30 / masked total would reveal it
    assert w.loc["a", "Part dans l'ESS de la zone (%)"] == pytest.approx(30.0)


def test_breakdown_masks_a_row_masked_in_either_table_and_publishes_sizes_in_order():
    by = ["country", "size_band"]
    jobs = _cells([("FR", "10-49", 500.0, P), ("FR", "1-9", 40.0, P), ("FR", T, 540.0, P)], by)
    units = pd.DataFrame(
        {"country": ["FR"] * 3, "size_band": ["10-49", "1-9", T], "one": [20, 2, 22], "status": [P, "primary", P]}
    )
    t = labels.publishable(derived.breakdown(jobs, units, by, "Postes"))
    assert list(t.columns[:2]) == ["Pays", "Taille"] and set(t["Pays"]) == {"France"}
    assert list(t["Taille"]) == ["1 à 9 postes", "10 à 49", T]  # natural order, not alphabetical
    assert pd.isna(t.loc[0, "Postes"]) and t.loc[0, "status"] == "primary"
    assert t.loc[1, "Postes"] == 500


def test_sector_specialisation_location_quotient_by_hand():
    jobs = pd.DataFrame(
        {
            "sector_group": ["S1"] * 3 + ["S2"] * 3 + [T] * 3,
            "field": ["ess", "non_ess", T] * 3,
            "headcount": [60.0, 40.0, 100.0, 40.0, 160.0, 200.0, 100.0, 200.0, 300.0],
            "status": [P] * 9,
        }
    )
    national = pd.DataFrame({"sector_group": ["S1", "S2", "S3"], "jobs": [300.0, 500.0, 200.0]})
    t = derived.sector_specialisation(jobs, national, "FR").set_index("sector_group")
    # LQ(S1) = (60/100) / (300/1000) = 2 ; LQ(S2) = (40/100) / (500/1000) = 0.8
    assert t.loc["S1", "Quotient de localisation (zone / pays)"] == pytest.approx(2.0)
    assert t.loc["S2", "Quotient de localisation (zone / pays)"] == pytest.approx(0.8)
    assert t.loc["S1", "Part de l'ESS dans le secteur (%)"] == pytest.approx(60.0)
    assert T not in t.index


def test_series_table_and_change_by_territory():
    protected = {}
    for y, (a, b) in {2015: (100.0, 50.0), 2016: (110.0, 40.0)}.items():
        protected[cells.table_name("ess_jobs", ("country", "nuts3"), y)] = pd.DataFrame(
            {
                "country": [T, T, T, "FR"],
                "nuts3": ["FRA", "FRB", T, T],
                "headcount": [a, b, a + b, a + b],
                "status": [P, P if y == 2015 else "primary", P, P],
            }
        )
    s = evolution.series(protected, 2015, 2017)
    assert s.years == [2015, 2016]
    tab = evolution.series_table(s).set_index("nuts3")
    assert tab.loc["FRA", "2016"] == 110 and pd.isna(tab.loc["FRB", "2016"])
    ch = evolution.change_by_territory(s)
    assert list(ch["nuts3"]) == ["FRA"] and list(ch["country"]) == ["FR"]  # FRB is not published in 2016
    assert ch["Évolution (%)"].iloc[0] == pytest.approx(10.0)
    assert evolution.yearly_growth(s)["FRA"] == pytest.approx(10.0)


def test_growth_sentence_from_the_period_change():
    g = derived.growth_between_ends(pd.DataFrame({"year": [2015, 2017], "headcount": [100.0, 121.0]}))
    assert g["cagr_pct"] == pytest.approx(10.0)  # (121/100)^(1/2) − 1
    text = narrative.growth_sentence(g)
    assert text.startswith("Entre 2015 et 2017") and "10,0 %" in text
    one_year = derived.growth_between_ends(pd.DataFrame({"year": [2015], "headcount": [1.0]}))
    assert narrative.growth_sentence(one_year) == ""


def test_publishable_labels_codes_sorts_by_label_and_names_the_margin():
    t = pd.DataFrame({"country": ["FR", T, "BE"], "v": [1, 3, 2]})
    out = labels.publishable(t, total="Zone")
    assert list(out.columns) == ["Pays", "v"] and list(out["Pays"]) == ["Belgique", "France", "Zone"]
    assert list(out["v"]) == [2, 1, 3]


@settings(max_examples=60, deadline=None)
@given(
    hs.lists(hs.tuples(hs.integers(1, 500), hs.integers(0, 500), hs.booleans(), hs.booleans()), min_size=1, max_size=6)
)
def test_women_share_never_shows_a_number_of_a_masked_row(rows):
    by = ("country", "sector_group")
    jobs = _cells([("FR", f"S{i}", float(j), P if pj else "primary") for i, (j, _, pj, _) in enumerate(rows)], by)
    women = _cells(
        [("FR", f"S{i}", float(min(w, j)), P if pw else "secondary") for i, (j, w, _, pw) in enumerate(rows)],
        by,
        "women",
    )
    t = derived.women_share({cells.table_name("ess_jobs", by): jobs, cells.table_name("ess_women", by): women})
    masked = t["status"] != P
    assert t.loc[masked, ["Postes au 31/12", "dont femmes", "Part des femmes (%)"]].isna().all().all()
    shown = t[~masked]
    assert np.all((shown["Part des femmes (%)"] >= 0) & (shown["Part des femmes (%)"] <= 100))
