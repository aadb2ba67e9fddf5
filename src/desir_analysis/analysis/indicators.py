"""Indicators: pure functions, tidy DataFrame in -> tidy DataFrame out.

Every function takes establishment-level rows (the ``establishments`` contract) or
an aggregated table, a breakdown ``by`` (any of country, zone flags, nuts3,
ess_family, sector_group, size_band, year…) and returns one row per group with the
numerators and denominators used, so that every published ratio can be checked.
Undefined results (zero or missing denominator, missing year) are NaN with the
reason in a ``note`` column — never a silent 0. Negative or missing measures are
rejected with an error naming the column.

Sources of the definitions: INSEE / ESS France (counts of employer establishments
and enterprises, postes at 31 December, shares of total and private employment),
CRESS (density per inhabitants), DESIR Panorama transfrontalier (jobs per
100 000 inhabitants); location quotient and shift-share as in regional economics
(Dunn 1960; Esteban-Marquillas notation), cf. ``docs`` in each function.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from desir_analysis.reference import membership as perimeters

MEASURES = ("headcount", "fte", "payroll_eur", "women", "part_time")
ZERO_DENOMINATOR = "dénominateur nul"
MISSING = "valeur manquante"


class IndicatorError(ValueError):
    """Input that would make an indicator wrong (negative or missing measure, missing column)."""


def check_measures(frame: pd.DataFrame, columns: list[str] | tuple[str, ...], allow_missing: bool = False) -> None:
    """Reject negative (and, unless allowed, missing) values of measure columns, naming the column."""
    for c in columns:
        if c not in frame.columns:
            raise IndicatorError(f"missing column {c!r}; got {list(frame.columns)}")
        v = pd.to_numeric(frame[c], errors="coerce")
        if not allow_missing and v.isna().any():
            raise IndicatorError(f"column {c!r}: {int(v.isna().sum())} missing value(s); expected numbers >= 0")
        if (v < 0).any():
            raise IndicatorError(f"column {c!r}: {int((v < 0).sum())} negative value(s); expected numbers >= 0")


def _ratio(num: pd.Series, den: pd.Series, scale: float = 1.0) -> tuple[pd.Series, pd.Series]:
    num, den = num.astype("float64"), den.astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(den > 0, scale * num / den, np.nan)
    note = np.where(den.isna() | num.isna(), MISSING, np.where(den > 0, "", ZERO_DENOMINATOR))
    return pd.Series(r, index=num.index), pd.Series(note, index=num.index, dtype="string")


def _group(frame: pd.DataFrame, by: list[str]):
    if by:
        return frame.groupby(by, dropna=False, observed=True, sort=True)
    return frame.assign(_all=0).groupby("_all")


def _finish(out: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    out = out.reset_index()
    return out.drop(columns="_all") if "_all" in out.columns and not by else out


def flag_perimeter(establishments: pd.DataFrame, perimeter: str) -> pd.DataFrame:
    """Add ``in_ess`` (bool) for a named perimeter."""
    return establishments.assign(in_ess=perimeters.in_perimeter(establishments, perimeter))


def totals(
    est: pd.DataFrame,
    by: list[str],
    measures: tuple[str, ...] = ("headcount", "fte", "payroll_eur"),
    allow_missing: bool = False,
) -> pd.DataFrame:
    """Employer establishments, enterprises, jobs, FTE, payroll and mean size by ``by``.

    ``n_establishments`` = distinct ``establishment_id``; ``n_enterprises`` = distinct
    ``enterprise_id``; ``mean_size`` = headcount / n_establishments.
    """
    check_measures(est, measures, allow_missing=allow_missing)
    g = _group(est, by)
    out = pd.DataFrame(
        {"n_establishments": g["establishment_id"].nunique(), "n_enterprises": g["enterprise_id"].nunique()}
    )
    for m in measures:
        out[m] = g[m].sum(min_count=1).astype("float64")
    out = _finish(out, by)
    out["mean_size"], out["note"] = _ratio(out["headcount"], out["n_establishments"])
    return out


def ess_share(establishments: pd.DataFrame, perimeter: str, by: list[str], measure: str = "headcount") -> pd.DataFrame:
    """ESS share of total and of private salaried employment.

    Formulas: ``share_total = ess / total``; ``share_private = ess / private`` with
    ``private = total − jobs of public-sector legal forms`` (``public_sector``).
    Both denominators are returned with the numerator. A zero denominator gives
    NaN and ``note = "dénominateur nul"`` (never 0).
    """
    check_measures(establishments, [measure])
    e = flag_perimeter(establishments, perimeter)
    m = e[measure].astype("float64")
    parts = pd.DataFrame(
        {
            **{c: e[c] for c in by},
            "ess": m.where(e["in_ess"], 0.0),
            "total": m,
            "private": m.where(~e["public_sector"].fillna(False).astype(bool), 0.0),
        }
    )
    out = _finish(_group(parts, by)[["ess", "total", "private"]].sum(), by)
    out["share_total"], note_t = _ratio(out["ess"], out["total"])
    out["share_private"], note_p = _ratio(out["ess"], out["private"])
    out["note"] = note_t.where(note_t != "", note_p)
    return out


def sector_share(
    establishments: pd.DataFrame, perimeter: str, by: list[str], measure: str = "headcount"
) -> pd.DataFrame:
    """ESS share within each sector group: ESS jobs of the sector / all jobs of the sector."""
    return ess_share(establishments, perimeter, [*by, "sector_group"], measure)


def density(table: pd.DataFrame, population: pd.DataFrame, value: str, per: float = 100_000.0) -> pd.DataFrame:
    """``value`` per ``per`` inhabitants, joining a population on the table's shared keys.

    ``table`` holds ``value`` and territorial/year keys (e.g. ``nuts3``, ``year``);
    ``population`` the same keys and ``population``. Formula: per × value / population.
    A territory without population gets NaN with the reason.
    """
    keys = [c for c in table.columns if c in population.columns and c != "population"]
    if not keys:
        raise IndicatorError("density: no common key between the table and the population (e.g. nuts3, year)")
    pop = population.groupby(keys, as_index=False)["population"].sum()
    out = table.merge(pop, on=keys, how="left", validate="m:1")
    out[f"{value}_per_{int(per)}"], out["note"] = _ratio(out[value], out["population"], per)
    return out


def job_quality(est: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Share of women, share of part-time jobs (of jobs at the reference date), gross pay per FTE."""
    check_measures(est, ["headcount", "women", "part_time", "fte", "payroll_eur"])
    g = _group(est, by)
    out = _finish(g[["headcount", "women", "part_time", "fte", "payroll_eur"]].sum(), by)
    out["share_women"], n1 = _ratio(out["women"], out["headcount"])
    out["share_part_time"], _ = _ratio(out["part_time"], out["headcount"])
    out["pay_per_fte"], n3 = _ratio(out["payroll_eur"], out["fte"])
    out["note"] = n1.where(n1 != "", n3)
    return out


def size_distribution(est: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Establishments and jobs by size band, with their shares within each ``by`` group."""
    check_measures(est, ["headcount"])
    t = totals(est, [*by, "size_band"], measures=("headcount",))
    grp = (
        t.groupby(by)[["n_establishments", "headcount"]].transform("sum")
        if by
        else t[["n_establishments", "headcount"]].sum()
    )
    t["share_establishments"], _ = _ratio(
        t["n_establishments"], grp["n_establishments"] if by else pd.Series(grp["n_establishments"], index=t.index)
    )
    t["share_jobs"], t["note"] = _ratio(
        t["headcount"], grp["headcount"] if by else pd.Series(grp["headcount"], index=t.index)
    )
    return t.drop(columns=["mean_size"])


def change(table: pd.DataFrame, value: str, by: list[str], time: str = "year") -> pd.DataFrame:
    """Year-on-year change: absolute and relative, against the previous available year of the group.

    A gap (missing previous year) gives NaN with ``note = "année précédente absente"``.
    """
    t = table.sort_values([*by, time]).copy()
    prev = t.groupby(by)[[time, value]].shift(1) if by else t[[time, value]].shift(1)
    consecutive = prev[time].eq(t[time] - 1)
    t[f"{value}_previous"] = prev[value].where(consecutive)
    t["change"] = t[value] - t[f"{value}_previous"]
    t["change_pct"], note = _ratio(t["change"], t[f"{value}_previous"], 100.0)
    t["note"] = np.where(~consecutive, "année précédente absente", note)
    return t


def period_change(
    table: pd.DataFrame, value: str, by: list[str], start: int, end: int, time: str = "year"
) -> pd.DataFrame:
    """Change between two years and compound annual growth rate.

    ``cagr = (v_end / v_start) ** (1 / (end − start)) − 1`` (in %). A group without
    one of the years, or with a zero start value, gets NaN and a reason.
    """
    if end <= start:
        raise IndicatorError(f"period_change: end ({end}) must be after start ({start})")
    a = table[table[time] == start].set_index(by)[value] if by else table.loc[table[time] == start, value].sum()
    b = table[table[time] == end].set_index(by)[value] if by else table.loc[table[time] == end, value].sum()
    if by:
        out = pd.concat([a.rename("start_value"), b.rename("end_value")], axis=1).reset_index()
    else:
        out = pd.DataFrame({"start_value": [a], "end_value": [b]})
    out["start"], out["end"] = start, end
    out["change"] = out["end_value"] - out["start_value"]
    out["change_pct"], note = _ratio(out["change"], out["start_value"], 100.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = out["end_value"] / out["start_value"]
        out["cagr_pct"] = np.where(out["start_value"] > 0, 100 * (np.power(ratio, 1 / (end - start)) - 1), np.nan)
    missing = out["start_value"].isna() | out["end_value"].isna()
    out["note"] = np.where(missing, "année absente", note)
    return out


def location_quotient(
    table: pd.DataFrame, territory: str, sector: str, value: str, reference: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Location quotient of each territory in each sector.

    ``LQ = (x_ts / x_t.) / (X_s / X)`` where the reference totals ``X_s`` (by sector)
    and ``X`` come from ``reference`` (e.g. the whole country from ``national_aggregates``,
    with ``sector`` and ``value`` columns) or, when None, from the table itself (the zone).
    LQ > 1: the territory is specialised in the sector relative to the reference.
    """
    t = table.groupby([territory, sector], as_index=False)[value].sum()
    t["territory_total"] = t.groupby(territory)[value].transform("sum")
    ref = table if reference is None else reference
    rs = ref.groupby(sector)[value].sum()
    t["reference_sector"] = t[sector].map(rs).astype("float64")
    t["reference_total"] = float(ref[value].sum())
    share_t, n1 = _ratio(t[value], t["territory_total"])
    share_r, n2 = _ratio(t["reference_sector"], t["reference_total"])
    t["lq"], n3 = _ratio(share_t, share_r)
    t["note"] = n1.where(n1 != "", n2.where(n2 != "", n3))
    return t


def shift_share(
    start: pd.DataFrame,
    end: pd.DataFrame,
    territory: str,
    sector: str,
    value: str,
    reference_start: pd.DataFrame | None = None,
    reference_end: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Shift-share decomposition of the change of ``value`` between two dates, by territory × sector.

    With e0, e1 the territory-sector values, E0_s, E1_s the reference sector values and
    E0, E1 the reference totals (the zone itself by default):
    ``reference growth NS = e0·(E1/E0 − 1)``, ``sector mix IM = e0·(E1_s/E0_s − E1/E0)``,
    ``local effect RS = e0·(e1/e0 − E1_s/E0_s)``; NS + IM + RS = e1 − e0 exactly.
    A cell absent at the start (e0 = 0) is all local effect: RS = e1.
    """
    keys = [territory, sector]
    a = start.groupby(keys)[value].sum().rename("start_value")
    b = end.groupby(keys)[value].sum().rename("end_value")
    t = pd.concat([a, b], axis=1).fillna(0.0).reset_index()
    r0 = reference_start if reference_start is not None else start
    r1 = reference_end if reference_end is not None else end
    s0, s1 = r0.groupby(sector)[value].sum(), r1.groupby(sector)[value].sum()
    big_e0, big_e1 = float(r0[value].sum()), float(r1[value].sum())
    if big_e0 <= 0:
        raise IndicatorError("shift_share: the reference total at the start is 0")
    e0, e1 = t["start_value"].astype("float64"), t["end_value"].astype("float64")
    s0_t = t[sector].map(s0).astype("float64")
    s1_t = t[sector].map(s1).astype("float64")
    known = e0 > 0
    has_sector = known & (s0_t > 0)
    # telescoping form (numerically stable): NS = E1·e0/E0 − e0 ; IM = E1_s·e0/E0_s − E1·e0/E0 ;
    # RS = e1 − E1_s·e0/E0_s, so NS + IM + RS = e1 − e0 exactly
    at_ref = big_e1 * (e0 / big_e0)
    at_sector = np.where(has_sector, s1_t * (e0 / s0_t.where(s0_t > 0, 1.0)), at_ref)
    t["reference_growth"] = np.where(known, at_ref - e0, 0.0)
    t["sector_mix"] = np.where(known, at_sector - at_ref, 0.0)
    t["local_effect"] = np.where(known, e1 - at_sector, e1)
    t["change"] = e1 - e0
    t["note"] = np.where(
        ~known,
        "absent au départ : tout l'écart est local",
        np.where(known & ~has_sector, "secteur absent de la référence", ""),
    )
    return t


def national_reference(
    national: pd.DataFrame, country: str, perimeter: str | None = None, by: tuple[str, ...] = ("sector_group",)
) -> pd.DataFrame:
    """Country totals from ``national_aggregates`` (whole country, not only the zone).

    ``perimeter`` keeps the rows of that named perimeter (:func:`membership.in_perimeter` on the
    aggregates' legal forms and flags); the
    result (``by`` + ``jobs`` + ``n_establishments``) serves as the reference of
    :func:`location_quotient` or :func:`shift_share`.
    """
    n = national[national["country"] == country]
    if perimeter is not None:
        n = n[perimeters.in_perimeter(n, perimeter)]
    return n.groupby(list(by), as_index=False)[["jobs", "n_establishments"]].sum()


SOURCE_PRIORITY = ("Statbel", "INSEE", "Eurostat")


def population_by_territory(population: pd.DataFrame, year: int, kind: str = "observed") -> pd.DataFrame:
    """Total population by NUTS3 for one year, one source per territory.

    Preference: Statbel (single years, communes) > INSEE > Eurostat; both sexes (``T``)
    when published, else the sum of ``M`` and ``F``. Returns ``nuts3``, ``population``, ``source``.
    """
    p = population[(population["year"] == year) & (population["kind"] == kind)].copy()
    if p.empty:
        return pd.DataFrame(columns=["nuts3", "population", "source"])
    p["rank"] = p["source"].map(lambda s: next((i for i, k in enumerate(SOURCE_PRIORITY) if s.startswith(k)), 9))
    best = p.groupby("nuts3")["rank"].transform("min")
    p = p[p["rank"] == best]
    has_t = p.groupby("nuts3")["sex"].transform(lambda s: (s == "T").any())
    p = p[(p["sex"] == "T") | ~has_t]
    return p.groupby(["nuts3", "source"], as_index=False)["population"].sum()


SHIFT_SHARE_PARTS = ("start_value", "end_value", "change", "reference_growth", "sector_mix", "local_effect")
SPLIT_WITHHELD = "structure et effet local non séparés (secteurs sous secret)"


def shift_share_publishable(
    ss: pd.DataFrame,
    sector: str,
    status: pd.Series,
    total_status: str,
    total_label: str = "Ensemble",
    total_years: tuple[str, str] | None = None,
) -> pd.DataFrame:
    """A shift-share table (:func:`shift_share`, one territory) ready to publish, with its total row.

    Rows whose start or end cell is masked (``status`` by sector value, from the
    protected tables; a sector absent from ``status`` counts as masked) are blanked,
    notes included (« absent au départ » would give the masked value). The total row
    (``sector`` = ``total_label``) sums every sector; when a sector is masked its sector
    mix and local effect are withheld and only their sum ``structure_plus_local`` is
    given: the split is a weighted sum of the sectors' start values, different from
    their plain sum, so with the published rows it would recover masked cells.

    When the total itself is masked (``total_status``), its row gives only the start or end value
    whose own cell is published (``total_years``: the statuses at the start and at the end).

    Returns:
        The sector rows and the total row, with ``structure_plus_local`` (= sector mix +
        local effect), ``note`` and ``status``.
    """
    parts = list(SHIFT_SHARE_PARTS)
    rows = ss.copy()
    rows["status"] = rows[sector].map(status).fillna("primary").to_numpy()
    total = rows[parts].sum()
    total_row = {sector: total_label, **total.to_dict(), "note": "", "status": total_status}
    total_row["structure_plus_local"] = total["sector_mix"] + total["local_effect"]
    if total_status != "published":  # the country's total is masked at one date at least
        start_ok, end_ok = (s == "published" for s in (total_years or ("primary", "primary")))
        hidden = [p for p in (*parts, "structure_plus_local") if p not in ("start_value", "end_value")]
        hidden += [p for p, ok in (("start_value", start_ok), ("end_value", end_ok)) if not ok]
        total_row |= dict.fromkeys(hidden, np.nan)
    masked = rows["status"].ne("published")
    if masked.any():
        total_row["sector_mix"] = total_row["local_effect"] = np.nan
        total_row["note"] = SPLIT_WITHHELD
    rows["structure_plus_local"] = rows["sector_mix"] + rows["local_effect"]
    rows.loc[masked, [*parts, "structure_plus_local"]] = np.nan
    rows.loc[masked, "note"] = ""
    return pd.concat([rows, pd.DataFrame([total_row])], ignore_index=True)
