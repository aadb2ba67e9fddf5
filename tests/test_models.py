"""Models recover known parameters from simulated data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from desir_analysis.analysis import models


def test_trend_recovers_slope_and_intervals_cover():
    rng = np.random.default_rng(3)
    years = np.arange(2005, 2024)
    y = 1000 + 25 * (years - 2005) + rng.normal(0, 10, len(years))
    pts, coef = models.trend(pd.DataFrame({"year": years, "jobs": y}), "jobs", horizon=4)
    slope = coef.set_index("term").loc["slope"]
    assert slope["ci_low"] < 25 < slope["ci_high"] and slope["coef"] == pytest.approx(25, abs=2)
    assert list(pts["kind"]).count("projected") == 4 and pts["year"].max() == 2027
    proj = pts[pts["kind"] == "projected"]
    assert (proj["pi_high"] - proj["pi_low"] > proj["mean_ci_high"] - proj["mean_ci_low"]).all()
    obs = pts[pts["kind"] == "observed"]
    inside = ((obs["observed"] >= obs["pi_low"]) & (obs["observed"] <= obs["pi_high"])).mean()
    assert inside >= 0.85


def test_too_few_years_or_territories_give_nan_with_a_reason():
    pts, coef = models.trend(pd.DataFrame({"year": [2020, 2021], "v": [1.0, 2.0]}), "v")
    assert coef["coef"].isna().all() and "3 au moins" in coef["note"].iloc[0]
    assert pts["fitted"].isna().all() and len(pts) == 2
    one = models.regression(pd.DataFrame({"share": [0.1], "x": [1.0]}), "share", ["x"])
    assert one["coef"].isna().all() and "1 territoire" in one["note"].iloc[0]
    with pytest.raises(models.ModelError, match="missing column"):
        models.regression(pd.DataFrame({"share": [0.1]}), "share", ["x"])


def test_regression_hc1_recovers_parameters_under_heteroskedasticity():
    rng = np.random.default_rng(11)
    n = 4000
    x1, x2 = rng.normal(0, 1, n), rng.uniform(0, 2, n)
    e = rng.normal(0, 0.5 + x2, n)  # variance grows with x2
    y = 0.12 + 0.03 * x1 - 0.02 * x2 + 0.01 * e
    out = models.regression(pd.DataFrame({"share": y, "x1": x1, "x2": x2}), "share", ["x1", "x2"]).set_index("term")
    assert out.loc["x1", "coef"] == pytest.approx(0.03, abs=0.002)
    assert out.loc["x2", "coef"] == pytest.approx(-0.02, abs=0.003)
    assert (out["cov_type"] == "HC1").all() and out["n"].iloc[0] == n
    # HC1 = HC0 * n / (n - k)
    hc0 = models.regression(
        pd.DataFrame({"share": y, "x1": x1, "x2": x2}), "share", ["x1", "x2"], cov_type="HC0"
    ).set_index("term")
    assert out.loc["x2", "std_err"] == pytest.approx(hc0.loc["x2", "std_err"] * np.sqrt(n / (n - 3)))
