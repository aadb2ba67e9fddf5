"""The development plan: hand-computed scenarios, coverage, monitoring, and the input files' errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from desir_analysis.analysis import personal_services as ps
from desir_analysis.analysis import plan
from desir_analysis.sources import plan_files
from desir_analysis.sources.csvfile import RawFileError


def _assumptions(rows):
    return pd.DataFrame(rows, columns=["age_group", "setting", "dependency_rate", "setting_share", "relative_staffing"])


def _pop(values):
    """values: {(nuts3, year, age_group): population}."""
    return pd.DataFrame([{"nuts3": t, "year": y, "age_group": a, "value": v} for (t, y, a), v in values.items()])


def test_scenario_a_on_one_segment_is_plain_proportional_growth():
    a = _assumptions([("75-79", "domicile", 0.1, 1.0, 1.0)])
    pop = _pop({("T1", 2023, "75-79"): 1000.0, ("T1", 2030, "75-79"): 1300.0})
    w = plan.weighted_dependents(pop, a)
    s = plan.scenario_constant_staffing(pd.Series({"T1": 50.0}), w, 2023, [2023, 2030]).set_index("year")["needed"]
    assert s[2023] == pytest.approx(50.0)  # calibrated: today's jobs at the base year
    assert s[2030] == pytest.approx(50.0 * 1.3)  # the population grew by 30 %


def test_scenario_a_with_segments_growing_apart_has_a_rate_of_its_own():
    # 75-79: 10 % dependent, all at home; 90+: 50 % dependent, half at home, half in institution (weight 0)
    a = _assumptions(
        [
            ("75-79", "domicile", 0.1, 1.0, 1.0),
            ("90+", "domicile", 0.5, 0.5, 1.0),
            ("90+", "etablissement", 0.5, 0.5, 0.0),
        ]
    )
    pop = _pop(
        {
            ("T1", 2023, "75-79"): 1000.0,
            ("T1", 2023, "90+"): 200.0,
            ("T1", 2030, "75-79"): 1100.0,  # +10 %
            ("T1", 2030, "90+"): 400.0,  # +100 %
        }
    )
    w = plan.weighted_dependents(pop, a).set_index("year")
    # W(2023) = 1000 × 0.1 + 200 × 0.5 × 0.5 = 150 ; W(2030) = 110 + 100 = 210
    assert w.loc[2023, "weighted"] == pytest.approx(150.0) and w.loc[2030, "weighted"] == pytest.approx(210.0)
    assert w.loc[2023, "dependents"] == pytest.approx(100.0 + 100.0)  # both settings counted as dependents
    s = plan.scenario_constant_staffing(pd.Series({"T1": 60.0}), w.reset_index(), 2023, [2023, 2030])
    needed = s.set_index("year")["needed"]
    assert needed[2030] == pytest.approx(60.0 * 210 / 150)  # +40 %: neither +10 % (75-79) nor +100 % (90+)


def test_scenario_b_never_lowers_a_territory_and_lifts_the_low_ones_to_the_upper_quartile():
    observed = pd.Series({"T1": 10.0, "T2": 20.0, "T3": 30.0, "T4": 40.0, "T5": 50.0})
    pop75 = pd.DataFrame([{"nuts3": t, "year": y, "value": 1000.0} for t in observed.index for y in (2023, 2030)])
    s = plan.scenario_convergence(observed, pop75, 2023, 2030, [2023, 2030])
    h = s[s["year"] == 2030].set_index("nuts3")["coverage"]
    q3 = float(pd.Series([10.0, 20.0, 30.0, 40.0, 50.0]).quantile(0.75))  # coverage per 1 000 = jobs here
    assert h["T1"] == pytest.approx(q3) and h["T5"] == pytest.approx(50.0)
    base = s[s["year"] == 2023].set_index("nuts3")["needed"]
    assert np.allclose(base.to_numpy(), observed.to_numpy())


@settings(max_examples=50, deadline=None)
@given(
    hs.lists(hs.floats(1, 5000), min_size=2, max_size=8),
    hs.lists(hs.floats(100, 10000), min_size=2, max_size=8),
    hs.floats(0.5, 2.0),
)
def test_scenario_b_never_lowers_any_coverage(jobs, pops, growth):
    n = min(len(jobs), len(pops))
    names = [f"T{i}" for i in range(n)]
    observed = pd.Series(jobs[:n], index=names)
    rows = [{"nuts3": t, "year": 2023, "value": p} for t, p in zip(names, pops[:n], strict=True)]
    rows += [{"nuts3": t, "year": 2030, "value": p * growth} for t, p in zip(names, pops[:n], strict=True)]
    s = plan.scenario_convergence(observed, pd.DataFrame(rows), 2023, 2030, [2023, 2027, 2030])
    c0 = s[s["year"] == 2023].set_index("nuts3")["coverage"]
    for y in (2027, 2030):
        assert (s[s["year"] == y].set_index("nuts3")["coverage"] >= c0 - 1e-9).all()


def test_scenario_c_reaches_the_target_exactly_at_the_horizon():
    observed = pd.Series({"T1": 80.0, "T2": 200.0})
    pop75 = pd.DataFrame(
        [
            {"nuts3": t, "year": y, "value": v}
            for t, y, v in [("T1", 2023, 1000), ("T1", 2030, 1200), ("T2", 2023, 1000), ("T2", 2030, 900)]
        ]
    )
    s = plan.scenario_target(observed, pop75, 2023, 2030, [2023, 2030], target_ratio=150.0)
    h = s[s["year"] == 2030].set_index("nuts3")
    assert h["coverage"].tolist() == pytest.approx([150.0, 150.0])
    assert h.loc["T1", "needed"] == pytest.approx(150.0 * 1200 / 1000)
    assert h.loc["T2", "needed"] == pytest.approx(150.0 * 900 / 1000)  # a user target may lower one


def test_coverage_and_quartiles_by_hand():
    cov = ps.coverage(pd.Series({"A": 30.0, "B": 10.0}), pd.Series({"A": 1500.0, "B": 0.0}), 1000.0)
    assert cov["A"] == pytest.approx(20.0) and np.isnan(cov["B"])  # no population: undefined, not infinite
    q = ps.quartiles(pd.Series([1.0, 2.0, 3.0, 4.0, 5.0]))
    assert (q["Q1"], q["Médiane"], q["Q3"]) == (2.0, 3.0, 4.0)


def test_target_status_rules():
    tg = pd.Series({"base_year": 2019, "base_value": 100.0, "target_year": 2025, "target_value": 160.0})
    # the line is at 140 in 2023
    assert plan.target_status(tg, 165.0, 2023)[0] == "atteint"
    assert plan.target_status(tg, 141.0, 2023) == ("en bonne voie", pytest.approx(140.0))
    assert plan.target_status(tg, 139.0, 2023)[0] == "en retard"
    down = pd.Series({"base_year": 2019, "base_value": 100.0, "target_year": 2025, "target_value": 40.0})
    assert plan.target_status(down, 55.0, 2023)[0] == "en bonne voie"  # line at 60: below is better


def test_field_classification_by_committee_then_by_nace():
    est = pd.DataFrame(
        {
            "country": ["FR", "FR", "BE", "BE", "BE", "BE"],
            "national_activity": ["88.10A", "81.21Z", "81.210", "81.210", "88.911", "47.11"],
            "activity_nomenclature": ["NAFRev2", "NAFRev2", "NACEBEL2008", "NACEBEL2008", "NACEBEL2025", "NACEBEL2008"],
            "joint_committee": [None, None, "322.01", None, None, "318.02"],
        }
    )
    c = ps.classify_field(est)
    assert c["ps_field"].tolist() == ["core", "extended", "core", "outside", "core", "core"]
    assert c["ps_segment"].tolist()[:3] == ["elderly", "household", "household"]
    assert c["ps_by"].tolist()[2] == "commission paritaire" and c["ps_by"].tolist()[4] == "NACE"
    assert c["ps_segment"].iloc[5] == "elderly"  # CP 318 sub-committee, whatever the NACE code


def test_under_three_only_from_single_years():
    rows = []
    for src, groups in (("Statbel x", [(a, a, a) for a in range(0, 5)]), ("Eurostat y", [("0-4", 0, 4)])):
        for g in groups:
            for sex in ("M", "F"):
                rows.append(
                    {
                        "nuts3": "T1",
                        "year": 2023,
                        "kind": "observed",
                        "source": src,
                        "sex": sex,
                        "age_group": str(g[0]),
                        "age_min": g[1],
                        "age_max": g[2],
                        "population": 10.0,
                    }
                )
    d = ps.drivers(pd.DataFrame(rows))
    u3 = d[d["driver"] == "children_u3"]
    assert list(u3["source"]) == ["Statbel x"] and u3["value"].iloc[0] == 60.0  # ages 0-2, both sexes
    u5 = d[d["driver"] == "children_u5"].set_index("source")["value"]
    assert u5["Statbel x"] == 100.0 and u5["Eurostat y"] == 20.0


# ------------------------------------------------------------------------------------- input files
def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


HEAD_A = "age_group,setting,dependency_rate,setting_share,relative_staffing,source\n"
HEAD_T = "territory,indicator,base_year,base_value,target_year,target_value\n"


def test_the_shipped_assumptions_are_valid():
    a = plan_files.read_assumptions(plan_files.default_assumptions())
    assert set(a["setting"]) == {"domicile", "etablissement"} and a["source"].str.len().gt(0).all()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (HEAD_A + "75-79,domicile,0.1,1.5,1,x\n", ["line 2", "setting_share", "between 0 and 1"]),
        (HEAD_A + "75-79,domicile,dix,1,1,x\n", ["line 2", "dependency_rate", "expected a number"]),
        (HEAD_A + "70-80,domicile,0.1,1,1,x\n", ["line 2", "age_group"]),
        (HEAD_A + "75-79,maison,0.1,1,1,x\n", ["line 2", "setting"]),
        (HEAD_A + "75-79,domicile,0.1,0.6,1,x\n75-79,etablissement,0.1,0.6,0,x\n", ["75-79", "add up to 1.2"]),
        ("age_group,setting\n75-79,domicile\n", ["line 1", "missing column"]),
    ],
)
def test_bad_assumptions_are_one_clear_error(tmp_path, text, words):
    path = _write(tmp_path, "hyp.csv", text)
    with pytest.raises(RawFileError) as err:
        plan_files.read_assumptions(path)
    message = str(err.value)
    assert str(path) in message and "\n" not in message
    for w in words:
        assert w in message


@pytest.mark.parametrize(
    ("row", "words"),
    [
        ("FRE99,postes_coeur,2019,10,2025,20", ["line 2", "unknown territory 'FRE99'"]),
        ("FRE11,postes_magiques,2019,10,2025,20", ["line 2", "indicator"]),
        ("FRE11,postes_coeur,2019,beaucoup,2025,20", ["line 2", "base_value", "expected a number"]),
        ("FRE11,postes_coeur,2025,10,2019,20", ["line 2", "target_year"]),
    ],
)
def test_bad_targets_are_one_clear_error(tmp_path, row, words):
    path = _write(tmp_path, "obj.csv", HEAD_T + row + "\n")
    with pytest.raises(RawFileError) as err:
        plan_files.read_targets(path, {"FRE11", "zone"})
    for w in words:
        assert w in str(err.value)


def test_monitoring_a_masked_year_is_not_available():
    targets = pd.DataFrame(
        [
            {
                "territory": "T1",
                "indicator": "postes_coeur",
                "base_year": 2019,
                "base_value": 10.0,
                "target_year": 2025,
                "target_value": 16.0,
                "label": "",
            }
        ]
    )
    actuals = pd.DataFrame(
        {
            "territory": ["T1"] * 3,
            "indicator": ["postes_coeur"] * 3,
            "year": [2021, 2022, 2023],
            "value": pd.array([12.0, None, 13.0], dtype="Float64"),
        }
    )
    m = plan.monitor(targets, actuals).set_index("year")
    assert m.loc[2021, "status"] == "en bonne voie" and m.loc[2022, "status"] == "non disponible"
    assert m.loc[2023, "status"] == "en retard"  # line at 14 in 2023


def _jobs_cells(values, masked=()):
    """A protected ps_jobs-like table of the elderly segment: {nuts3: headcount}."""
    rows = [
        {
            "country": n[:2],
            "nuts3": n,
            "ps_segment": "elderly",
            "headcount": v,
            "fte": v * 0.8,
            "status": "secondary" if n in masked else "published",
        }
        for n, v in values.items()
    ]
    return pd.DataFrame(rows)


def test_the_needs_table_totals_by_country_and_zone_by_hand():
    from desir_analysis.publish import plan_report

    jobs = _jobs_cells({"FRE11": 100.0, "FRE12": 50.0, "BE323": 40.0})
    by_provider = pd.DataFrame(
        [
            {
                "country": "FR",
                "ps_segment": "elderly",
                "provider": "association",
                "headcount": 60.0,
                "status": "published",
            },
            {"country": "FR", "ps_segment": "elderly", "provider": "Total", "headcount": 150.0, "status": "published"},
            {
                "country": "BE",
                "ps_segment": "elderly",
                "provider": "association",
                "headcount": 30.0,
                "status": "published",
            },
            {"country": "BE", "ps_segment": "elderly", "provider": "Total", "headcount": 40.0, "status": "published"},
        ]
    )
    pop75 = pd.DataFrame(
        [
            {"nuts3": n, "year": y, "value": v}
            for n, v in {"FRE11": 1000.0, "FRE12": 1000.0, "BE323": 800.0}.items()
            for y in (2023, 2024, 2025)
        ]
    )
    t = plan_report.needs(jobs, jobs, by_provider, pd.DataFrame(), pop75, pd.DataFrame(), 2023, 2025, "C", 100.0)
    h = t[t["Année"].eq(2025)].set_index(["country", "nuts3"])
    # C: 100 jobs per 1 000 aged 75+ -> 100, 100, 80 at the horizon; FTE at 0.8 per job
    assert h.loc[("FR", "Total"), "Postes nécessaires"] == pytest.approx(200.0)
    assert h.loc[("FR", "Total"), "EQTP (FR) / ETP (BE) nécessaires"] == pytest.approx(160.0)
    assert h.loc[("BE", "Total"), "Postes nécessaires"] == pytest.approx(80.0)
    assert h.loc[("Total", "Total"), "Postes nécessaires"] == pytest.approx(280.0)
    assert np.isnan(h.loc[("Total", "Total"), "EQTP (FR) / ETP (BE) nécessaires"])  # never added across the border
    # ESS part: needed x ESS share (FR 60/150 = 0.4, BE 30/40 = 0.75), summed in the totals
    assert h.loc[("FR", "FRE12"), "dont postes de l'ESS (à sa part actuelle)"] == pytest.approx(40.0)
    assert h.loc[("FR", "Total"), "dont postes de l'ESS (à sa part actuelle)"] == pytest.approx(80.0)
    assert h.loc[("Total", "Total"), "dont postes de l'ESS (à sa part actuelle)"] == pytest.approx(80.0 + 60.0)
    assert h.loc[("Total", "Total"), "Écart aux postes de 2023"] == pytest.approx(280.0 - 190.0)


def test_the_needs_table_has_no_total_over_a_masked_territory():
    from desir_analysis.publish import plan_report

    jobs = _jobs_cells({"FRE11": 100.0, "FRE12": 50.0, "BE323": 40.0}, masked={"FRE12"})
    by_provider = pd.DataFrame(columns=["country", "ps_segment", "provider", "headcount", "status"])
    pop75 = pd.DataFrame(
        [{"nuts3": n, "year": y, "value": 1000.0} for n in ("FRE11", "FRE12", "BE323") for y in (2023, 2024)]
    )
    t = plan_report.needs(jobs, None, by_provider, pd.DataFrame(), pop75, pd.DataFrame(), 2023, 2024, "C", 100.0)
    h = t[t["Année"].eq(2024)].set_index(["country", "nuts3"])
    assert np.isnan(h.loc[("FR", "Total"), "Postes nécessaires"]) and np.isnan(
        h.loc[("FR", "FRE12"), "Postes nécessaires"]
    )
    assert np.isnan(h.loc[("Total", "Total"), "Postes nécessaires"])
    assert h.loc[("BE", "Total"), "Postes nécessaires"] == pytest.approx(100.0)


def test_a_personal_services_code_counts_in_its_own_nomenclature_only():
    """NACE-BEL 2003 97.000 (households producing goods) is not NACE-BEL 2008 97.000 (households as employers)."""
    est = pd.DataFrame(
        {
            "country": ["BE", "BE", "BE", "FR"],
            "national_activity": ["97.000", "97.000", "88.101", "88.10A"],
            "activity_nomenclature": ["NACEBEL2008", "NACEBEL2003", "NACEBEL2025", "NAFRev1"],
            "joint_committee": [None, None, None, None],
        }
    )
    assert ps.classify_field(est)["ps_field"].tolist() == ["core", "outside", "core", "outside"]
