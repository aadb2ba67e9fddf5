"""Survey weights and design-based estimates: hand computations, exact margins, coverage on a known population."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from desir_analysis.analysis import survey


def _tiny():
    sample = pd.DataFrame({"cell": ["A", "A", "A", "B", "B", "B"], "y": [1, 0, 1, 0, 0, 1]})
    population = pd.DataFrame({"cell": ["A", "B"], "N": [100, 300]})
    return sample, population


def test_post_stratified_proportion_and_interval_by_hand():
    sample, population = _tiny()
    w = survey.poststratify(sample, population, ["cell"])
    assert list(w) == pytest.approx([100 / 3] * 3 + [100] * 3)
    x = survey.calibration_matrix(sample, [("cell",)])
    est = survey.estimate(sample["y"], w, x, proportion=True, strata=sample["cell"])
    # p = (100 × 2/3 + 300 × 1/3) / 400 = 0.41667
    assert est.value == pytest.approx((100 * 2 / 3 + 300 / 3) / 400)
    # V = Σ (N_h/N)² s_h² / n_h = (1/4)² (1/3)/3 + (3/4)² (1/3)/3 = 0.069444 (s_h² = 1/3 in both cells)
    assert est.se**2 == pytest.approx((1 / 16) / 9 + (9 / 16) / 9)
    assert est.low == pytest.approx(max(0.0, est.value - 1.959964 * est.se))
    assert est.high == pytest.approx(est.value + 1.959964 * est.se)
    # with the finite-population correction (1 − 6/400)
    fpc = survey.estimate(sample["y"], w, x, population=400, strata=sample["cell"])
    assert fpc.se**2 == pytest.approx(est.se**2 * (1 - 6 / 400))


def test_post_stratification_reproduces_every_cell_and_refuses_an_empty_one():
    sample, population = _tiny()
    w = survey.poststratify(sample, population, ["cell"])
    assert w.groupby(sample["cell"]).sum().to_dict() == pytest.approx({"A": 100, "B": 300})
    with pytest.raises(ValueError, match="without respondent"):
        survey.poststratify(sample, pd.concat([population, pd.DataFrame({"cell": ["C"], "N": [5]})]), ["cell"])
    with pytest.raises(ValueError, match="absent from the population"):
        survey.poststratify(sample, population.iloc[:1], ["cell"])


def test_raking_reproduces_both_margins_and_trimming_caps_the_weights():
    rng = np.random.default_rng(1)
    sample = pd.DataFrame(
        {"country": rng.choice(["FR", "BE"], 300, p=[0.7, 0.3]), "size": rng.choice(["s", "m", "l"], 300)}
    )
    margins = {
        ("country",): pd.Series({"FR": 6000.0, "BE": 4000.0}),
        ("size",): pd.Series({"s": 7000.0, "m": 2000.0, "l": 1000.0}),
    }
    w = survey.rake(sample, margins)
    for (col,), totals in margins.items():
        assert w.groupby(sample[col]).sum().to_dict() == pytest.approx(totals.to_dict(), rel=1e-5)
    t = survey.trim(sample, w * np.where(np.arange(300) == 0, 40, 1), margins, cap=3.0)
    assert t.max() <= 3.0 * t.median() * (1 + 1e-6) < (w * np.where(np.arange(300) == 0, 40, 1)).max()
    assert t.groupby(sample["country"]).sum().to_dict() == pytest.approx({"FR": 6000.0, "BE": 4000.0}, rel=1e-5)


def test_kish_design_effect_and_effective_size_by_hand():
    w = pd.Series([1.0, 1.0, 2.0, 4.0])
    assert survey.kish_deff(w) == pytest.approx(4 * 22 / 64)  # n Σw² / (Σw)²
    assert survey.effective_n(w) == pytest.approx(64 / 22)
    assert survey.kish_deff(pd.Series([3.0] * 5)) == pytest.approx(1.0)


def _population(rng):
    """20 000 establishments in 3 families × 2 sizes; the answer's probability differs by cell."""
    cells = [(f, s) for f in ("asso", "coop", "mut") for s in ("small", "large")]
    sizes = [8000, 2000, 4000, 1500, 3000, 1500]
    probs = [0.2, 0.5, 0.6, 0.8, 0.3, 0.7]
    rows = [(f, s, p) for (f, s), n, p in zip(cells, sizes, probs, strict=True) for _ in range(n)]
    pop = pd.DataFrame(rows, columns=["family", "size", "p"])
    pop["y"] = (rng.random(len(pop)) < pop["p"]).astype(int)
    return pop


def test_an_unbalanced_sample_is_unbiased_after_weighting_and_its_intervals_cover_the_truth():
    rng = np.random.default_rng(20261130)
    pop = _population(rng)
    truth = pop["y"].mean()
    truth_coop = pop.loc[pop["family"].eq("coop"), "y"].mean()
    counts = pop.groupby(["family", "size"]).size().rename("N").reset_index()
    take = {
        ("asso", "small"): 20,
        ("asso", "large"): 60,
        ("coop", "small"): 30,
        ("coop", "large"): 60,
        ("mut", "small"): 15,
        ("mut", "large"): 60,
    }  # large establishments over-represented
    groups = {k: g.index.to_numpy() for k, g in pop.groupby(["family", "size"])}
    hits, hits_coop, est_all, raw_all = 0, 0, [], []
    reps = 400
    for _ in range(reps):
        idx = np.concatenate([rng.choice(groups[k], n, replace=False) for k, n in take.items()])
        s = pop.loc[idx].reset_index(drop=True)
        w = survey.poststratify(s, counts, ["family", "size"])
        x = survey.calibration_matrix(s, [("family", "size")])
        cell = s["family"] + "|" + s["size"]
        e = survey.estimate(s["y"], w, x, population=len(pop), proportion=True, strata=cell)
        c = survey.estimate(s["y"], w, x, domain=s["family"].eq("coop"), population=len(pop), strata=cell)
        hits += e.low <= truth <= e.high
        hits_coop += c.low <= truth_coop <= c.high
        est_all.append(e.value)
        raw_all.append(s["y"].mean())
    assert abs(np.mean(est_all) - truth) < 0.005  # unbiased after weighting
    assert abs(np.mean(raw_all) - truth) > 0.05  # the raw mean is not
    assert 0.92 <= hits / reps <= 0.98 and 0.92 <= hits_coop / reps <= 0.98


def test_a_difference_between_two_domains_and_its_test():
    rng = np.random.default_rng(7)
    s = pd.DataFrame({"country": ["FR"] * 200 + ["BE"] * 200})
    s["y"] = np.r_[(rng.random(200) < 0.3), (rng.random(200) < 0.6)].astype(int)
    w = pd.Series(np.r_[np.full(200, 30.0), np.full(200, 20.0)])
    x = survey.calibration_matrix(s, [("country",)])
    fr = survey.estimate(s["y"], w, x, domain=s["country"].eq("FR"), strata=s["country"])
    be = survey.estimate(s["y"], w, x, domain=s["country"].eq("BE"), strata=s["country"])
    diff, se, p = survey.difference(fr, be)
    assert diff == pytest.approx(fr.value - be.value)
    assert se == pytest.approx(np.sqrt(fr.se**2 + be.se**2))  # independent strata: the variances add
    assert p < 0.001
    same = survey.difference(fr, fr)
    assert same[0] == 0 and same[1] == 0


def _cells_sample(counts: dict[tuple[str, str, str], int]) -> pd.DataFrame:
    rows = [k for k, n in counts.items() for _ in range(n)]
    return pd.DataFrame(rows, columns=["country", "family", "size_band"])


POP = pd.DataFrame(
    [
        ("FR", "association", "1-9", 700),
        ("FR", "association", "10-49", 200),
        ("FR", "association", "50-249", 60),
        ("FR", "association", "250+", 10),
        ("BE", "cooperative", "1-9", 50),
        ("BE", "cooperative", "10-49", 30),
    ],
    columns=["country", "family", "size_band", "N"],
)


def test_the_population_cells_count_employer_establishments_of_the_surveyed_families():
    est = pd.DataFrame(
        {
            "country": ["FR", "FR", "FR", "BE"],
            "ess_family": ["association", "association", "other_nonprofit", "cooperative"],
            "size_band": ["1-9", "1-9", "1-9", "10-49"],
        }
    )
    pop = survey.population_cells(est, {"association", "cooperative"})
    assert sorted(map(tuple, pop.to_numpy().tolist())) == [
        ("BE", "cooperative", "10-49", 1),
        ("FR", "association", "1-9", 2),
    ]


def test_calibration_follows_the_collapse_rules_in_order():
    full = {tuple(r[:3]): 6 for r in POP.itertuples(index=False)}
    w = survey.calibrate(_cells_sample(full), POP)
    assert "tranche de taille" in w.method and w.strata is not None
    assert w.weights.sum() == pytest.approx(POP["N"].sum())
    thin = full | {("FR", "association", "250+"): 2}  # 6 + 2 large FR associations: the size groups hold
    w = survey.calibrate(_cells_sample(thin), POP)
    assert "moins de 50" in w.method
    s = _cells_sample(thin)
    large = s["country"].eq("FR") & s["size_band"].isin(["50-249", "250+"])
    assert w.weights[large].sum() == pytest.approx(70) and w.weights[large].nunique() == 1
    thinner = full | {("FR", "association", "250+"): 1, ("FR", "association", "50-249"): 2}  # 3 large: rake
    s = _cells_sample(thinner)
    w = survey.calibrate(s, POP)
    assert w.method.startswith("calage") and w.strata is None
    by_size = w.weights.groupby([s["country"], s["size_band"]]).sum()
    assert by_size[("FR", "250+")] == pytest.approx(10, rel=1e-5) and by_size[("BE", "1-9")] == pytest.approx(
        50, rel=1e-5
    )
