"""The study API on inline frames: plan refusals, registry and annex, cross-tables, true zeros."""

from __future__ import annotations

import pandas as pd
import pytest

from desir_analysis import reference
from desir_analysis.analysis import cells, disclosure
from desir_analysis.publish import study as st


def _study(tmp_path) -> st.Study:
    return st.Study("essai", 2023, tmp_path, "Source d'essai", "Zone d'essai", "31 décembre 2023")


def _micro() -> pd.DataFrame:
    # country × family: FR/association has 1 establishment (primary), FR/cooperative 4, BE/association 3,
    # BE/cooperative 5; no BE/foundation (a true zero), FR/foundation 3
    rows = []
    n = {
        ("FR", "association"): [50],
        ("FR", "cooperative"): [4, 5, 6, 7],
        ("BE", "association"): [3, 3, 4],
        ("BE", "cooperative"): [2, 2, 2, 2, 3],
        ("FR", "foundation"): [5, 5, 5],
    }
    k = 0
    for (c, f), sizes in n.items():
        for s in sizes:
            rows.append({"country": c, "ess_family": f, "headcount": s, "establishment_id": f"e{k}"})
            k += 1
    return pd.DataFrame(rows)


BY = ["country", "ess_family"]


def test_protected_cells_outside_the_plan_are_refused(tmp_path):
    s = _study(tmp_path)
    t = disclosure.protect(_micro(), BY, "headcount", "establishment_id")
    with pytest.raises(st.PlanError, match="not in the publication plan"):
        s.table(t, "essai_hors_plan", "Titre", "postes", plan=["ess_jobs|Pays|Couleur"])
    with pytest.raises(st.PlanError, match="must name their publication-plan entries"):
        s.table(t, "essai_sans_plan", "Titre", "postes")
    assert not (tmp_path / "tables" / "essai_hors_plan.csv").exists()
    assert not (tmp_path / "tables" / "essai_sans_plan.csv").exists()


def test_a_series_table_name_is_matched_to_its_plan_entry():
    assert cells.plan_entry("ess_jobs@2019|country|nuts3") == "ess_jobs|country|nuts3"
    assert "ess_jobs|country|nuts3" in st.plan_entries()


def test_a_plain_table_needs_no_plan_and_is_not_in_the_annex(tmp_path):
    s = _study(tmp_path)
    s.table(pd.DataFrame({"Fichier": ["a.csv"], "Lignes": [3]}), "essai_plain", "Titre", "lignes")
    assert (tmp_path / "tables" / "essai_plain.csv").exists()
    assert s.annexed() == {}


def test_a_registered_table_appears_in_the_secrecy_annex_with_its_counts(tmp_path):
    s = _study(tmp_path)
    t = disclosure.protect(_micro(), BY, "headcount", "establishment_id")
    shown = disclosure.blank_suppressed(t, ["headcount"])[[*BY, "headcount", "status"]]
    s.table(shown, "essai_famille", "Titre", "postes", protected={"postes": t}, plan=["ess_jobs|country|ess_family"])
    s.table(
        shown,
        "essai_sans_annexe",
        "Titre",
        "postes",
        protected={"postes": t},
        plan=["ess_jobs|country|ess_family"],
        annex=False,
    )
    annex = s.secrecy_table()
    assert list(annex["Tableau"]) == ["essai_famille"]
    row = annex.iloc[0]
    assert row["Cases"] == len(t)
    assert row["Secret primaire"] == (t["status"] == "primary").sum() == 1  # A/x: one establishment
    assert row["Secret secondaire"] == (t["status"] == "secondary").sum() >= 1
    assert row["Cases recalculables (audit)"] == 0
    audit = pd.read_csv(tmp_path / "_audit" / "essai_famille.csv")
    assert set(audit["measure"]) == {"postes"} and len(audit) == len(t)


def test_crosstab_keeps_true_zeros_apart_from_secrets(tmp_path):
    t = disclosure.protect(_micro(), BY, "headcount", "establishment_id")
    long = disclosure.blank_suppressed(t, ["headcount"])[[*BY, "headcount", "status"]]
    view = st.crosstab_view(long, ["country"], "ess_family", "headcount", order=["foundation", "cooperative"])
    assert list(view.columns) == ["country", "foundation", "cooperative", "association", "Total", "status"]
    assert list(view["country"]) == ["BE", "FR", "Total"]
    v = view.set_index("country")
    assert v.loc["BE", "foundation"] == 0  # no foundation in BE: a true zero, not a secret
    assert pd.isna(v.loc["FR", "association"])  # one establishment: secret, never shown
    for r in t[t["status"] != "published"].itertuples(index=False):  # no masked cell anywhere in the view
        assert pd.isna(v.loc[r.country, r.ess_family])
    assert v.loc["FR", "status"] != "published"


def test_crosstab_publishes_the_long_file_with_labels_and_shows_the_wide_view(tmp_path):
    s = _study(tmp_path)
    t = disclosure.protect(_micro(), BY, "headcount", "establishment_id")
    long = disclosure.blank_suppressed(t, ["headcount"])[[*BY, "headcount", "status"]]
    s.crosstab(
        long,
        "essai_croise",
        "Titre",
        "postes",
        rows=["country"],
        columns="ess_family",
        value="headcount",
        plan=["ess_jobs|nuts3|ess_family"],
        protected={"postes": t},
    )
    html = s.registry[-1].html
    csv = pd.read_csv(tmp_path / "tables" / "essai_croise.csv")
    assert len(csv) == len(long)  # one line per cell
    assert list(csv.columns[:2]) == ["Pays", "Famille"] and set(csv["Pays"]) == {"Belgique", "France", "Total"}
    assert list(csv["Pays"].drop_duplicates()) == ["Belgique", "France", "Total"]  # by label, margin last
    assert "<th class='num'>Associations</th>" in html and "<th class='num'>Total</th>" in html
    assert "<td class='txt'>s</td>" in html and "primaire" not in html and "secondaire" not in html


def test_the_plan_lists_every_shared_table_that_cells_protects():
    names = {cells.plan_entry(n) for n, *_ in cells.specs(2023, [2015, 2023])}
    plan = reference.publication_plan()
    shared = set((plan["table"] + "|" + plan["breakdown"])[plan["protection"].eq("shared")])
    assert names == shared


def test_a_bad_plan_value_is_an_error(monkeypatch):
    bad = reference.load_table("publication_plan.csv")
    bad.loc[0, "protection"] = "maybe"
    monkeypatch.setattr(reference, "_read", lambda name: bad)
    with pytest.raises(ValueError, match="protection must be one of"):
        reference.publication_plan()


def test_series_publishes_territories_by_year_with_masked_cells_blank(tmp_path):
    s = st.Study("essai", 2016, tmp_path, "Source", "Zone", "31 décembre 2016", first_year=2015)
    protected = {}
    for y, status_b in ((2015, "published"), (2016, "primary")):
        protected[cells.table_name("ess_jobs", ("country", "nuts3"), y)] = pd.DataFrame(
            {
                "country": ["Total", "Total", "Total", "FR"],
                "nuts3": ["FRE11", "FRE12", "Total", "Total"],
                "headcount": [100.0, 50.0, 150.0, 150.0],
                "status": ["published", status_b, "published", "published"],
            }
        )
    s.__dict__["cells"] = protected  # the edition's protected cells, as cells.load would give them
    series = s.series("essai_serie", "Postes")
    assert series.years == [2015, 2016]
    csv = pd.read_csv(tmp_path / "tables" / "essai_serie.csv")
    assert list(csv["Territoire"]) == ["Nord", "Pas-de-Calais", "Total"]
    assert list(csv.columns[1:3]) == ["2015", "2016"]
    assert pd.isna(csv.loc[1, "2016"]) and csv.loc[1, "2015"] == 50 and csv.loc[1, "secret"] == "s"
    assert set(csv["date_reference"]) == {"31/12/2015 à 31/12/2016"}
