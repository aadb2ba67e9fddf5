"""Statistical models (statsmodels), returning tidy tables rather than result objects.

- :func:`trend`: linear trend of a yearly series, ``value = a + b·(year − first)``, fitted
  by OLS; for every observed year and a short projection horizon it returns the fitted
  value, the confidence interval of the mean and the prediction interval of a new
  observation (level ``1 − alpha``).
- :func:`regression`: cross-territory OLS of an outcome (e.g. the ESS share of jobs)
  on territorial structure, with heteroskedasticity-robust standard errors (HC1 by
  default: White's estimator with the n / (n − k) small-sample correction).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm


class ModelError(ValueError):
    """Not enough data, or a badly shaped input."""


def _coef_table(res, cov_type: str, alpha: float) -> pd.DataFrame:
    ci = np.asarray(res.conf_int(alpha=alpha))
    return pd.DataFrame(
        {
            "term": list(res.model.exog_names),
            "coef": np.asarray(res.params),
            "std_err": np.asarray(res.bse),
            "statistic": np.asarray(res.tvalues),
            "p_value": np.asarray(res.pvalues),
            "ci_low": ci[:, 0],
            "ci_high": ci[:, 1],
            "n": int(res.nobs),
            "r2": float(res.rsquared),
            "cov_type": cov_type,
        }
    )


def _undefined(terms: list[str], n: int, cov_type: str, note: str) -> pd.DataFrame:
    """A coefficient table of NaN with the reason (too few observations for the model)."""
    nan = {c: np.nan for c in ("coef", "std_err", "statistic", "p_value", "ci_low", "ci_high", "r2")}
    return pd.DataFrame({"term": terms, **nan, "n": n, "cov_type": cov_type, "note": note})[
        ["term", "coef", "std_err", "statistic", "p_value", "ci_low", "ci_high", "n", "r2", "cov_type", "note"]
    ]


def trend(
    series: pd.DataFrame, value: str, time: str = "year", horizon: int = 3, alpha: float = 0.05
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Linear trend with confidence and prediction intervals and a short projection.

    Args:
        series: one row per year, columns ``time`` and ``value`` (no missing value).
        value: column of the series.
        time: column of the year.
        horizon: number of years projected after the last observed one.
        alpha: 1 − level of the intervals.

    Returns:
        (points, coefficients): ``points`` has ``year``, ``observed``, ``fitted``,
        ``mean_ci_low/high``, ``pi_low/high``, ``kind`` (observed | projected);
        ``coefficients`` the tidy OLS table (terms ``const`` and ``slope``).
    """
    s = series[[time, value]].dropna().sort_values(time)
    if len(s) < 3:  # a defined result, not a crash: NaN with the reason
        years = s[time].astype(int).tolist()
        points = pd.DataFrame({"year": years, "observed": s[value].to_numpy(dtype=float)})
        for c in ("fitted", "mean_ci_low", "mean_ci_high", "pi_low", "pi_high"):
            points[c] = np.nan
        points["kind"] = "observed"
        note = f"{len(s)} année(s) observée(s) : 3 au moins pour une tendance"
        coef = _undefined(["const", "slope"], len(s), "nonrobust", note)
        return points.assign(note=note), coef
    if s[time].duplicated().any():
        raise ModelError("trend: one row per year expected")
    t0 = int(s[time].min())
    x = sm.add_constant(pd.DataFrame({"slope": s[time].to_numpy() - t0}), has_constant="add")
    res = sm.OLS(s[value].to_numpy(dtype=float), x).fit()
    years = np.arange(t0, int(s[time].max()) + horizon + 1)
    xn = sm.add_constant(pd.DataFrame({"slope": years - t0}), has_constant="add")
    pred = res.get_prediction(xn).summary_frame(alpha=alpha)
    obs = s.set_index(time)[value]
    points = pd.DataFrame(
        {
            "year": years,
            "observed": obs.reindex(years).to_numpy(),
            "fitted": pred["mean"].to_numpy(),
            "mean_ci_low": pred["mean_ci_lower"].to_numpy(),
            "mean_ci_high": pred["mean_ci_upper"].to_numpy(),
            "pi_low": pred["obs_ci_lower"].to_numpy(),
            "pi_high": pred["obs_ci_upper"].to_numpy(),
            "kind": np.where(years > s[time].max(), "projected", "observed"),
        }
    )
    return points.assign(note=""), _coef_table(res, "nonrobust", alpha).assign(note="")


def regression(
    frame: pd.DataFrame, outcome: str, regressors: list[str], cov_type: str = "HC1", alpha: float = 0.05
) -> pd.DataFrame:
    """OLS of ``outcome`` on ``regressors`` (plus a constant) with robust standard errors.

    Rows with a missing value in any variable are dropped (their number is ``n``'s gap).
    Returns the tidy coefficient table: term, coef, std_err, statistic, p_value,
    ci_low, ci_high, n, r2, cov_type.
    """
    cols = [outcome, *regressors]
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise ModelError(f"regression: missing column(s) {missing}")
    d = frame[cols].apply(pd.to_numeric, errors="coerce").dropna()
    if len(d) <= len(regressors) + 1:  # e.g. a single territory: NaN with the reason
        note = f"{len(d)} territoire(s) complet(s) pour {len(regressors) + 1} paramètres"
        return _undefined(["const", *regressors], len(d), cov_type, note)
    x = sm.add_constant(d[regressors], has_constant="add")
    res = sm.OLS(d[outcome].astype(float), x).fit(cov_type=cov_type)
    return _coef_table(res, cov_type, alpha).assign(note="")
