"""Indicators on inline frames: hand-computed values, invariants, undefined cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desir_analysis import reference
from desir_analysis.analysis import indicators as ind


def est(rows):
    cols = [
        "country",
        "establishment_id",
        "enterprise_id",
        "legal_form",
        "activity_excluded",
        "public_sector",
        "nuts3",
        "sector_group",
        "size_band",
        "headcount",
        "fte",
        "payroll_eur",
        "women",
        "part_time",
    ]
    f = pd.DataFrame(rows, columns=cols)
    f["ess_register_flag"] = pd.NA
    f["social_enterprise_approved"] = pd.NA
    return f


E = est(
    [
        ("FR", "a", "A", "9220", False, False, "FRE11", "AS_SHEB", "10-49", 20, 15.0, 450000.0, 15, 8),
        ("FR", "b", "A", "9220", False, False, "FRE11", "AS_SHEB", "1-9", 5, 4.0, 120000.0, 4, 2),
        ("FR", "c", "C", "5710", False, False, "FRE11", "COMMERCE", "10-49", 30, 29.0, 1000000.0, 10, 3),
        ("FR", "d", "D", "7210", False, True, "FRE11", "AUTRES_SERV", "50-249", 50, 45.0, 1800000.0, 25, 10),
        ("FR", "e", "E", "9300", False, False, "FRE12", "AS_HEB", "10-49", 10, 8.0, 250000.0, 8, 5),
        ("FR", "f", "F", "9220", True, False, "FRE12", "AUTRES_SERV", "1-9", 2, 1.0, 30000.0, 1, 1),
    ]
)


def test_totals_hand_computed():
    t = ind.totals(E, ["nuts3"]).set_index("nuts3")
    assert t.loc["FRE11", "n_establishments"] == 4 and t.loc["FRE11", "n_enterprises"] == 3
    assert t.loc["FRE11", "headcount"] == 105 and t.loc["FRE11", "mean_size"] == pytest.approx(105 / 4)
    assert t.loc["FRE12", "payroll_eur"] == 280000


def test_ess_share_total_and_private():
    s = ind.ess_share(E, "insee", ["nuts3"]).set_index("nuts3")
    # FRE11: ESS = a + b = 25 ; total 105 ; private = 105 - 50 (commune) = 55
    assert (s.loc["FRE11", "ess"], s.loc["FRE11", "total"], s.loc["FRE11", "private"]) == (25, 105, 55)
    assert s.loc["FRE11", "share_total"] == pytest.approx(25 / 105)
    assert s.loc["FRE11", "share_private"] == pytest.approx(25 / 55)
    # FRE12: the association f is in 94.xx excluded activity -> activity_excluded True -> out
    assert s.loc["FRE12", "ess"] == 10 and s.loc["FRE12", "total"] == 12


def test_zero_denominator_is_nan_with_reason():
    e = E.assign(headcount=0)
    s = ind.ess_share(e, "insee", ["nuts3"])
    assert s["share_total"].isna().all() and set(s["note"]) == {ind.ZERO_DENOMINATOR}
    assert ind.ess_share(E.iloc[:0], "insee", ["nuts3"]).empty  # empty groups: empty table, no crash


def test_negative_or_missing_measure_is_rejected():
    with pytest.raises(ind.IndicatorError, match="column 'headcount': 1 negative"):
        ind.totals(E.assign(headcount=[1, 2, 3, -4, 5, 6]), ["nuts3"])
    with pytest.raises(ind.IndicatorError, match="column 'fte': 1 missing"):
        ind.job_quality(E.assign(fte=[1.0, np.nan, 1, 1, 1, 1]), ["nuts3"])


def test_job_quality_and_density():
    q = ind.job_quality(E, ["nuts3"]).set_index("nuts3")
    assert q.loc["FRE12", "share_women"] == pytest.approx(9 / 12)
    assert q.loc["FRE12", "share_part_time"] == pytest.approx(6 / 12)
    assert q.loc["FRE12", "pay_per_fte"] == pytest.approx(280000 / 9)
    t = ind.totals(E, ["nuts3"])
    pop = pd.DataFrame(
        {"nuts3": ["FRE11", "FRE11", "FRE12"], "age_group": ["0-19", "20+", "all"], "population": [50_000, 150_000, 0]}
    )
    d = ind.density(t, pop[["nuts3", "population"]], "headcount").set_index("nuts3")
    assert d.loc["FRE11", "headcount_per_100000"] == pytest.approx(105 / 200_000 * 100_000)
    assert np.isnan(d.loc["FRE12", "headcount_per_100000"]) and d.loc["FRE12", "note"] == ind.ZERO_DENOMINATOR


def test_size_distribution_shares_sum_to_one():
    s = ind.size_distribution(E, ["nuts3"])
    assert s.groupby("nuts3")["share_jobs"].sum().to_numpy() == pytest.approx([1.0, 1.0])
    assert s.groupby("nuts3")["share_establishments"].sum().to_numpy() == pytest.approx([1.0, 1.0])


def test_change_and_cagr():
    t = pd.DataFrame(
        {
            "nuts3": ["X"] * 4 + ["Y"] * 2,
            "year": [2015, 2016, 2017, 2019, 2015, 2019],
            "jobs": [100.0, 110.0, 121.0, 133.1, 0.0, 10.0],
        }
    )
    c = ind.change(t, "jobs", ["nuts3"]).set_index(["nuts3", "year"])
    assert c.loc[("X", 2016), "change_pct"] == pytest.approx(10.0)
    assert np.isnan(c.loc[("X", 2019), "change"]) and c.loc[("X", 2019), "note"] == "année précédente absente"
    p = ind.period_change(t, "jobs", ["nuts3"], 2015, 2019).set_index("nuts3")
    assert p.loc["X", "cagr_pct"] == pytest.approx(100 * ((133.1 / 100) ** 0.25 - 1))
    assert np.isnan(p.loc["Y", "cagr_pct"]) and p.loc["Y", "note"] == ind.ZERO_DENOMINATOR


def test_location_quotient_hand_computed():
    t = pd.DataFrame({"t": ["A", "A", "B", "B"], "s": ["x", "y", "x", "y"], "v": [30.0, 70.0, 10.0, 90.0]})
    lq = ind.location_quotient(t, "t", "s", "v").set_index(["t", "s"])["lq"]
    assert lq[("A", "x")] == pytest.approx((30 / 100) / (40 / 200))
    nat = pd.DataFrame({"s": ["x", "y"], "v": [100.0, 900.0]})
    lq2 = ind.location_quotient(t, "t", "s", "v", reference=nat).set_index(["t", "s"])["lq"]
    assert lq2[("A", "x")] == pytest.approx(0.3 / 0.1)


def test_shift_share_worked_example():
    start = pd.DataFrame({"t": ["A", "A", "B"], "s": ["x", "y", "x"], "v": [100.0, 50.0, 50.0]})
    end = pd.DataFrame({"t": ["A", "A", "B", "B"], "s": ["x", "y", "x", "y"], "v": [120.0, 50.0, 40.0, 5.0]})
    r = ind.shift_share(start, end, "t", "s", "v").set_index(["t", "s"])
    # reference = zone: E0 = 200, E1 = 215 (g = 1.075); x: 150 -> 160, y: 50 -> 55
    ax = r.loc[("A", "x")]
    assert ax["reference_growth"] == pytest.approx(100 * 0.075)
    assert ax["sector_mix"] == pytest.approx(100 * (160 / 150 - 1.075))
    assert ax["local_effect"] == pytest.approx(100 * (1.2 - 160 / 150))
    assert r.loc[("B", "y"), "local_effect"] == 5.0 and r.loc[("B", "y"), "reference_growth"] == 0


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from("ABC"), st.sampled_from("xyz"), st.floats(0, 1e5), st.floats(0, 1e5)),
        min_size=1,
        max_size=20,
    )
)
def test_shift_share_components_add_up_exactly(cells):
    start = pd.DataFrame([(t, s, a) for t, s, a, _ in cells], columns=["t", "s", "v"])
    end = pd.DataFrame([(t, s, b) for t, s, _, b in cells], columns=["t", "s", "v"])
    if start["v"].sum() <= 0:
        with pytest.raises(ind.IndicatorError):
            ind.shift_share(start, end, "t", "s", "v")
        return
    r = ind.shift_share(start, end, "t", "s", "v")
    total = r["reference_growth"] + r["sector_mix"] + r["local_effect"]
    assert np.allclose(total, r["change"], rtol=0, atol=1e-6 * (1 + r["change"].abs().max()))
    assert r["change"].sum() == pytest.approx(end["v"].sum() - start["v"].sum(), abs=1e-6 * (1 + end["v"].sum()))


def test_location_quotient_against_the_country(demo_processed):
    out, _ = demo_processed
    est = pd.read_parquet(out / "2023" / "establishments.parquet")
    nat = pd.read_parquet(out / "2023" / "national_aggregates.parquet")
    fr = est[est["country"] == "FR"]
    ref = ind.national_reference(nat, "FR", "insee")
    lf = reference.legal_forms()
    insee_codes = set(lf.loc[(lf["country"] == "FR") & lf["insee"].eq("yes"), "code"])  # INSEE: no conditional form
    fr_nat = nat[nat["country"] == "FR"]
    by_hand = fr_nat[fr_nat["legal_form"].isin(insee_codes) & ~fr_nat["activity_excluded"]]["jobs"].sum()
    assert by_hand > 0 and ref["jobs"].sum() == pytest.approx(by_hand)
    ess = ind.flag_perimeter(fr, "insee")
    ess = ess[ess["in_ess"]].assign(jobs=lambda d: d["headcount"].astype(float))
    lq = ind.location_quotient(ess, "nuts3", "sector_group", "jobs", reference=ref)
    row = lq.iloc[0]
    expected = (row["jobs"] / row["territory_total"]) / (
        ref.set_index("sector_group").loc[row["sector_group"], "jobs"] / ref["jobs"].sum()
    )
    assert row["lq"] == pytest.approx(expected)
    # weighted mean of LQs over sectors, by the reference shares, is 1 when the zone = the reference
    self_lq = ind.location_quotient(ess, "nuts3", "sector_group", "jobs")
    w = self_lq["reference_sector"] / self_lq["reference_total"]
    zone_total = self_lq.groupby("sector_group")["jobs"].sum()
    assert (zone_total / zone_total.sum()).sum() == pytest.approx(1.0)
    assert (self_lq["lq"] * w).groupby(self_lq["nuts3"]).sum().between(0, 10).all()


def test_population_by_territory_prefers_statbel_and_sums_sexes(demo_processed):
    out, _ = demo_processed
    pop = pd.read_parquet(out / "2023" / "population.parquet")
    p = ind.population_by_territory(pop, 2023).set_index("nuts3")
    assert p.loc["BE323", "source"].startswith("Statbel") and p.loc["FRE11", "source"].startswith("Eurostat")
    sb = pop[(pop["year"] == 2023) & pop["source"].str.startswith("Statbel") & (pop["nuts3"] == "BE323")]
    assert p.loc["BE323", "population"] == sb["population"].sum()
    eu = pop[
        (pop["year"] == 2023)
        & pop["source"].str.startswith("Eurostat")
        & (pop["nuts3"] == "FRE11")
        & (pop["sex"] == "T")
        & (pop["kind"] == "observed")
    ]
    assert p.loc["FRE11", "population"] == eu["population"].sum()
    assert ind.population_by_territory(pop, 1990).empty


def test_publishable_shift_share_blanks_masked_sectors_and_withholds_the_split():
    start = pd.DataFrame({"t": "Z", "s": ["a", "b", "c"], "v": [100.0, 10.0, 50.0]})
    end = pd.DataFrame({"t": "Z", "s": ["a", "b", "c"], "v": [120.0, 30.0, 40.0]})
    ref0 = pd.DataFrame({"s": ["a", "b", "c"], "v": [1000.0, 200.0, 800.0]})
    ref1 = pd.DataFrame({"s": ["a", "b", "c"], "v": [1100.0, 200.0, 900.0]})
    ss = ind.shift_share(start, end, "t", "s", "v", ref0, ref1)
    status = pd.Series({"a": "published", "b": "primary", "c": "published"})
    t = ind.shift_share_publishable(ss, "s", status, "published").set_index("s")
    assert t.loc["b", ["start_value", "end_value", "change", "local_effect"]].isna().all()
    assert t.loc["b", "note"] == "" and t.loc["b", "status"] == "primary"
    total = t.loc["Ensemble"]
    assert total["start_value"] == 160 and total["end_value"] == 190 and total["change"] == 30
    # national growth 2000 -> 2200 = 10 %: reference effect 16; structure + local = 30 - 16 = 14
    assert total["reference_growth"] == pytest.approx(16.0)
    assert total["structure_plus_local"] == pytest.approx(14.0)
    assert np.isnan(total["sector_mix"]) and np.isnan(total["local_effect"]) and total["note"] != ""
    a = t.loc["a"]
    assert a["reference_growth"] + a["sector_mix"] + a["local_effect"] == pytest.approx(a["change"])
    everything = ind.shift_share_publishable(ss, "s", status.replace("primary", "published"), "published")
    full = everything.set_index("s").loc["Ensemble"]
    assert full["sector_mix"] + full["local_effect"] == pytest.approx(full["structure_plus_local"])
    assert full["note"] == ""
