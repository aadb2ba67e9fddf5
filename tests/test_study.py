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
    # Pays × Famille: A/x has 1 establishment (primary), A/y 4, B/x 3, B/y 5; no B/z, A/z has 3
    rows = []
    n = {
        ("A", "x"): [50],
        ("A", "y"): [4, 5, 6, 7],
        ("B", "x"): [3, 3, 4],
        ("B", "y"): [2, 2, 2, 2, 3],
        ("A", "z"): [5, 5, 5],
    }
    k = 0
    for (p, f), sizes in n.items():
        for s in sizes:
            rows.append({"Pays": p, "Famille": f, "headcount": s, "establishment_id": f"e{k}"})
            k += 1
    return pd.DataFrame(rows)


def test_protected_cells_outside_the_plan_are_refused(tmp_path):
    s = _study(tmp_path)
    t = disclosure.protect(_micro(), ["Pays", "Famille"], "headcount", "establishment_id")
    with pytest.raises(st.PlanError, match="not in the publication plan"):
        s.table(t, "essai_hors_plan", "Titre", "postes", plan=["ess_jobs|Pays|Couleur"])
    with pytest.raises(st.PlanError, match="must name their publication-plan entries"):
        s.table(t, "essai_sans_plan", "Titre", "postes")
    assert not (tmp_path / "tables" / "essai_hors_plan.csv").exists()
    assert not (tmp_path / "tables" / "essai_sans_plan.csv").exists()


def test_a_series_table_name_is_matched_to_its_plan_entry():
    assert cells.plan_entry("ess_jobs@2019|Pays|Territoire") == "ess_jobs|Pays|Territoire"
    assert "ess_jobs|Pays|Territoire" in st.plan_entries()


def test_a_plain_table_needs_no_plan_and_is_not_in_the_annex(tmp_path):
    s = _study(tmp_path)
    s.table(pd.DataFrame({"Fichier": ["a.csv"], "Lignes": [3]}), "essai_plain", "Titre", "lignes")
    assert (tmp_path / "tables" / "essai_plain.csv").exists()
    assert s.annexed() == {}


def test_a_registered_table_appears_in_the_secrecy_annex_with_its_counts(tmp_path):
    s = _study(tmp_path)
    t = disclosure.protect(_micro(), ["Pays", "Famille"], "headcount", "establishment_id")
    shown = disclosure.blank_suppressed(t, ["headcount"])[["Pays", "Famille", "headcount", "status"]]
    s.table(shown, "essai_famille", "Titre", "postes", protected={"postes": t}, plan=["ess_jobs|Pays|Famille"])
    s.table(
        shown,
        "essai_sans_annexe",
        "Titre",
        "postes",
        protected={"postes": t},
        plan=["ess_jobs|Pays|Famille"],
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
    t = disclosure.protect(_micro(), ["Pays", "Famille"], "headcount", "establishment_id")
    long = disclosure.blank_suppressed(t, ["headcount"])[["Pays", "Famille", "headcount", "status"]]
    view = st.crosstab_view(long, ["Pays"], "Famille", "headcount", order=["y", "x", "z"])
    assert list(view.columns) == ["Pays", "y", "x", "z", "Total", "status"]
    assert list(view["Pays"]) == ["A", "B", "Total"]
    b = view.set_index("Pays").loc["B"]
    assert b["z"] == 0  # no establishment of family z in B: a true zero
    a = view.set_index("Pays").loc["A"]
    assert pd.isna(a["x"])  # one establishment: secret, never shown
    # no masked cell appears anywhere in the wide view
    masked = t[t["status"] != "published"]
    for r in masked.itertuples(index=False):
        assert pd.isna(view.set_index("Pays").loc[r.Pays, r.Famille])
    assert view.set_index("Pays").loc["A", "status"] != "published"


def test_crosstab_publishes_the_long_file_and_shows_the_wide_view(tmp_path):
    s = _study(tmp_path)
    t = disclosure.protect(_micro(), ["Pays", "Famille"], "headcount", "establishment_id")
    long = disclosure.blank_suppressed(t, ["headcount"])[["Pays", "Famille", "headcount", "status"]]
    s.crosstab(
        long,
        "essai_croise",
        "Titre",
        "postes",
        rows=["Pays"],
        columns="Famille",
        value="headcount",
        plan=["ess_jobs|Territoire|Famille"],
        protected={"postes": t},
    )
    html = s.registry[-1].html
    csv = pd.read_csv(tmp_path / "tables" / "essai_croise.csv")
    assert len(csv) == len(long)  # one line per cell
    assert "<th class='num'>Total</th>" in html and ("primaire" in html or "secondaire" in html)


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


def test_source_line_follows_the_provenance():
    assert (
        st.source_line({"mode": "employment", "countries": ["FR"]}) == "INSEE Sirene ; INSEE Flores (sous convention)"
    )
    line = st.source_line({"mode": "public", "countries": ["FR", "BE"], "demo": True, "notice": "démo"})
    assert "estimé" in line and "Flores" not in line and "BCE-KBO" in line and line.endswith("— démo")
