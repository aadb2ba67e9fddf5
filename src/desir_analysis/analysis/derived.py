"""Indicators derived from protected cells: never computed over a masked cell.

The studies publish cells of the edition's shared protection
(:mod:`desir_analysis.analysis.cells`) and numbers derived from them: shares,
weights, densities, the "rest of the zone", growth rates. A derived number is a
relation between cells: computed from a masked cell, it would give that cell away.
Each function here therefore returns a value only where every cell it uses is
published, and a ``status`` column that says which rows hold a secret.

Breakdown columns hold codes (``country``, ``nuts3``, ``ess_family``,
``sector_group``, ``size_band``; margins :data:`TOTAL`); labels, French headings of
the breakdowns and the order of the rows are applied when publishing
(:func:`desir_analysis.publish.labels.publishable`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from desir_analysis.analysis import cells as shared_cells
from desir_analysis.analysis import disclosure, indicators

TOTAL = disclosure.TOTAL
PUBLISHED = "published"
ESS = shared_cells.FIELD_ESS
REST = "Reste de la zone"


#: The heading of the ESS full-time equivalents: French EQTP and Belgian Q4 FTE are not defined alike.
FTE_LABEL = "EQTP (FR) / ETP (BE) de l'ESS"


def select(
    protected: dict[str, pd.DataFrame],
    measure: str,
    by: tuple[str, ...],
    year: int | None = None,
    **where: str | list[str],
) -> pd.DataFrame:
    """Rows of a shared protected table where ``column == value`` for each ``where``.

    A single value selects and drops its column; a list of values keeps the column.

    Args:
        protected: the edition's protected tables (:func:`cells.load`).
        measure: ``ess_jobs``, ``ess_units``, ``all_jobs``…
        by: the breakdown, e.g. ``("country", "ess_family")``.
        year: a year of the series (``None``: the edition year).
        where: restrictions, e.g. ``ess_family="Total"``.
    """
    t = protected[shared_cells.table_name(measure, by, year)]
    for col, val in where.items():
        t = t[t[col].isin(val)] if isinstance(val, list) else t[t[col].eq(val)]
    return t.drop(columns=[c for c, v in where.items() if not isinstance(v, list)])


def series_years(
    protected: dict[str, pd.DataFrame], measure: str, by: tuple[str, ...], first: int, last: int
) -> list[int]:
    """The years from ``first`` to ``last`` for which the protected series table exists."""
    return [y for y in range(first, last + 1) if shared_cells.table_name(measure, by, y) in protected]


def rest_status(a: str, b: str) -> str:
    """Status of a difference ``b − a`` of two cells: published only when both are."""
    return PUBLISHED if a == PUBLISHED and b == PUBLISHED else "secondary"


def key_figures(
    jobs: pd.DataFrame, units: pd.DataFrame, territory: str, name: str, populations: dict[str, float]
) -> pd.DataFrame:
    """A territory against the rest of the zone and the zone: establishments, jobs, ESS share, density.

    Formulas: rest of the zone = zone − territory (published when both are);
    ``Part de l'ESS (%) = 100 × ESS jobs / all jobs``;
    ``pour 100 000 hab. = 100 000 × ESS jobs / population``. Each number is blanked by its own
    cells' statuses (all jobs stay printed when the ESS cells are masked: they are published in
    the diagnostic too); the row's status says whether any is masked.

    Args:
        jobs: protected ``all_jobs`` by ``nuts3`` × ``field`` (ess / non_ess / Total).
        units: protected ``ess_units`` by ``nuts3`` (family total).
        territory: the territory's NUTS3 code.
        name: the territory's name (first column of its row).
        populations: population of ``territory``, :data:`REST` and the zone (:data:`TOTAL`).
    """
    both, cols = [territory, TOTAL], [ESS, TOTAL]
    p, n = jobs[jobs["nuts3"].isin(both)], units[units["nuts3"].isin(both)]
    # an absent cell (no establishment at all, e.g. no ESS in the territory) is a true zero
    wide = p.pivot(index="nuts3", columns="field", values="headcount").reindex(index=both, columns=cols).fillna(0.0)
    status = p.pivot(index="nuts3", columns="field", values="status").reindex(index=both, columns=cols)
    n = n.set_index("nuts3").reindex(both)
    n["one"] = n["one"].fillna(0)
    status["etablissements"] = n["status"]
    status = status.fillna(PUBLISHED)  # an absent cell (no establishment) is a published zero
    wide.loc[REST] = wide.loc[TOTAL] - wide.loc[territory]
    status.loc[REST] = [rest_status(status.loc[territory, c], status.loc[TOTAL, c]) for c in status.columns]
    n.loc[REST, "one"] = n.loc[TOTAL, "one"] - n.loc[territory, "one"]
    row_status = disclosure.combine_status(status)
    ok = status.fillna(PUBLISHED).eq(PUBLISHED)
    rows = []
    for key, label in ((territory, name), (REST, REST), (TOTAL, "Zone")):
        e, t = wide.loc[key, ESS], wide.loc[key, TOTAL]
        ess_ok, all_ok = bool(ok.loc[key, ESS]), bool(ok.loc[key, TOTAL])
        pop = populations.get(key, float("nan"))
        rows.append(
            {
                "Territoire": label,
                "Établissements ESS": n.loc[key, "one"] if ok.loc[key, "etablissements"] else None,
                "Postes ESS": e if ess_ok else None,
                "Postes, total": t if all_ok else None,
                "Part de l'ESS (%)": 100 * e / t if ess_ok and all_ok and t else None,
                "Postes ESS pour 100 000 hab.": 100000 * e / pop if ess_ok and pop else None,
                "status": row_status[key],
            }
        )
    return pd.DataFrame(rows)


def weights(here: pd.DataFrame, zone: pd.DataFrame, by: str, here_label: str) -> pd.DataFrame:
    """A territory's cells with their weight in its ESS, next to the same weight in the whole zone.

    ``Part (%) = 100 × cell / total`` on each side. Both weights are ratios of published
    cells: a masked cell, here or in the zone, masks its row; a weight over a masked
    total would give the total away, so there is none then.

    Args:
        here: the territory's protected jobs by ``by`` (with the :data:`TOTAL` row).
        zone: the zone's protected jobs by ``by``.
        by: the breakdown column (``ess_family``, ``sector_group``).
        here_label: the territory's name, for the column heading.
    """
    t = here.merge(zone[[by, "headcount", "status"]], on=by, how="left", suffixes=("", "_zone"))
    t["status"] = disclosure.combine_status(t[["status", "status_zone"]]).to_numpy()
    shown = t["status"].eq(PUBLISHED)
    total = t[t[by].eq(TOTAL)].iloc[0]
    here_ok, zone_ok = total["status"] == PUBLISHED, total["status_zone"] == PUBLISHED
    t["part_here"] = (100 * t["headcount"] / total["headcount"]).where(shown & here_ok)
    t["part_zone"] = (100 * t["headcount_zone"] / total["headcount_zone"]).where(shown & zone_ok)
    t["headcount"] = t["headcount"].where(shown)
    return t[[by, "headcount", "part_here", "part_zone", "status"]].rename(
        columns={
            "headcount": "Postes au 31/12",
            "part_here": f"Part dans l'ESS de {here_label} (%)",
            "part_zone": "Part dans l'ESS de la zone (%)",
        }
    )


def published_series(protected: dict[str, pd.DataFrame], years: list[int], **where: str) -> pd.DataFrame:
    """The published ESS jobs of one cell of ``ess_jobs`` by ``country`` × ``nuts3``, year by year.

    Returns ``year`` and ``headcount`` for the years where the cell is published.
    """
    parts = [select(protected, "ess_jobs", ("country", "nuts3"), y, **where).assign(year=y) for y in years]
    out = pd.concat(parts, ignore_index=True)
    return out[out["status"].eq(PUBLISHED)][["year", "headcount"]].reset_index(drop=True)


def growth_between_ends(series: pd.DataFrame, value: str = "headcount") -> pd.Series:
    """Change from the first to the last year of a series and its compound annual growth rate.

    ``cagr = (v_last / v_first) ** (1 / (last − first)) − 1`` (%, :func:`indicators.period_change`);
    NaN when the series has fewer than two years or starts at zero.
    """
    if len(series) < 2:
        return pd.Series({k: np.nan for k in ("start", "end", "start_value", "end_value", "cagr_pct")})
    first, last = int(series["year"].min()), int(series["year"].max())
    out = indicators.period_change(series, value, [], first, last).iloc[0]
    return out[["start", "end", "start_value", "end_value", "cagr_pct"]]


def ess_share(protected: dict[str, pd.DataFrame], index: str) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """ESS establishments and jobs with the total and private denominators, by ``index`` (``country``, ``nuts3``).

    ``Part dans l'emploi total (%) = 100 × ESS jobs / all jobs``; ``… privé (%)`` uses the
    jobs of private-law establishments. Cells from the edition's shared protection; a
    masked numerator or denominator leaves its share empty (the row status says why).

    Returns:
        The table and the protected tables behind it (for the audit file).
    """
    p = protected[shared_cells.table_name("all_jobs", (index, "field"))].copy()
    priv = protected[shared_cells.table_name("private_jobs", (index, "field"))].copy()
    n = protected[shared_cells.table_name("ess_units", (index, "ess_family"))]
    n = n[n["ess_family"].eq(TOTAL)].drop(columns="ess_family")
    audit = {"postes": p.copy(), "postes_prives": priv.copy(), "etablissements": n}  # true values: private files
    for t in (p, priv):
        t["headcount"] = t["headcount"].where(t["status"].eq(PUBLISHED))
    # a cell absent from the protected table holds no establishment: a true zero (0), never a blank
    wide = _zeros(p.pivot(index=index, columns="field", values="headcount"), p, index)
    wpriv = _zeros(priv.pivot(index=index, columns="field", values="headcount"), priv, index).reindex(wide.index)
    status = pd.concat(
        [
            p.pivot(index=index, columns="field", values="status"),
            priv.pivot(index=index, columns="field", values="status").reindex(wide.index),
        ],
        axis=1,
    )
    n = n.set_index(index).reindex(wide.index)
    n["one"] = n["one"].where(n["status"].eq(PUBLISHED), np.nan).where(n["status"].notna(), 0)
    out = pd.DataFrame(
        {
            index: wide.index,
            "Établissements ESS": n["one"].to_numpy(),
            "Postes ESS": wide[ESS].to_numpy(),
            "Postes, total": wide[TOTAL].to_numpy(),
            "Part dans l'emploi total (%)": (100 * wide[ESS] / wide[TOTAL]).to_numpy(),
            "Postes privés, total": wpriv[TOTAL].to_numpy(),
            "Part dans l'emploi privé (%)": (100 * wide[ESS] / wpriv[TOTAL]).to_numpy(),
            "status": disclosure.combine_status(status).to_numpy(),
        }
    )
    return out, audit


#: The breakdown of the reconciliation cells (:func:`cells.moves`).
MOVES = ("country", "ess_family", "in_first", "in_second")
MOVEMENTS = {("oui", "oui"): "dans les deux", ("oui", "non"): "retirés", ("non", "oui"): "ajoutés"}


def perimeter_moves(moves: pd.DataFrame) -> pd.DataFrame:
    """Establishments kept, removed and added from a country's first perimeter to its second, by family.

    From the shared protected cells (:data:`MOVES`, one country selected): « dans les deux » =
    (in first, in second), « retirés » = (in first, not in second), « ajoutés » = (not in first, in
    second), « Total (union) » = both margins. A masked cell is blank; a family without any move of
    a kind is a true zero (0). Columns: ``ess_family``, the four counts, ``status`` (the row's).
    """
    cols = {**MOVEMENTS, (TOTAL, TOTAL): "Total (union)"}
    t = moves.assign(movement=[cols.get(k) for k in zip(moves["in_first"], moves["in_second"], strict=True)])
    t = t[t["movement"].notna()]
    value = t["one"].where(t["status"].eq(PUBLISHED))
    rec = t.assign(one=value).pivot(index="ess_family", columns="movement", values="one")
    status = t.pivot(index="ess_family", columns="movement", values="status").reindex(columns=list(cols.values()))
    rec = rec.reindex(columns=list(cols.values())).where(status.notna(), 0.0)
    out = rec.reset_index()
    out.columns.name = None
    out["status"] = disclosure.combine_status(status).to_numpy()
    return out


def _zeros(wide: pd.DataFrame, cells: pd.DataFrame, index: str) -> pd.DataFrame:
    """``wide`` with its absent cells (no row in ``cells``: no establishment) set to 0; masked cells stay blank."""
    present = cells.pivot(index=index, columns="field", values="status").reindex_like(wide).notna()
    return wide.where(present, 0.0)


def breakdown(jobs: pd.DataFrame, units: pd.DataFrame, by: list[str], jobs_label: str) -> pd.DataFrame:
    """Establishments and jobs of a protected breakdown, one line per cell, suppressed cells blank.

    The row status combines the jobs and establishments cells (a cell masked in either
    is masked in both).
    """
    t = jobs.merge(units[by + ["one", "status"]], on=by, suffixes=("", "_n"))
    t["status"] = disclosure.combine_status(t[["status", "status_n"]]).to_numpy()
    t = disclosure.blank_suppressed(t, ["headcount", "one"])
    return t[by + ["one", "headcount", "status"]].rename(
        columns={"one": "Établissements employeurs", "headcount": jobs_label}
    )


def country_key_figures(jobs: pd.DataFrame, fte: pd.DataFrame | None, population: dict[str, float]) -> pd.DataFrame:
    """ESS jobs, FTE and jobs per 100 000 inhabitants by country and for the zone (the margin).

    ``pour 100 000 hab. = 100 000 × ESS jobs / population``. A row where the jobs or
    the FTE cell is masked shows none of its numbers.
    """
    kf = jobs[["country", "headcount", "status"]].rename(columns={"headcount": "Postes ESS"})
    if fte is not None:
        fte = fte[["country", "fte", "status"]].rename(columns={"fte": FTE_LABEL, "status": "st2"})
        kf = kf.merge(fte, on="country")
        kf["status"] = kf["status"].where(kf["st2"].eq(PUBLISHED), kf["st2"])
        kf = kf.drop(columns="st2")
    kf["Population"] = kf["country"].map(population)
    kf["Postes ESS pour 100 000 hab."] = 100000 * kf["Postes ESS"] / kf["Population"]
    hidden = kf["status"].ne(PUBLISHED)
    for c in ["Postes ESS", FTE_LABEL, "Postes ESS pour 100 000 hab."]:
        if c in kf:
            kf[c] = kf[c].where(~hidden)
    return kf[[c for c in kf.columns if c != "status"] + ["status"]]


def density_by_territory(jobs: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """ESS jobs per 100 000 inhabitants by territory: ``100 000 × jobs / population`` (published cells only).

    Args:
        jobs: protected ESS jobs by ``nuts3`` (family total, no zone margin).
        population: ``nuts3``, ``population``, ``source`` (:func:`indicators.population_by_territory`).
    """
    d = jobs.merge(population, on="nuts3", how="left", validate="1:1")
    d["postes"] = d["headcount"].where(d["status"].eq(PUBLISHED))
    return pd.DataFrame(
        {
            "nuts3": d["nuts3"],
            "Postes ESS": d["postes"],
            "Population": d["population"],
            "Postes ESS pour 100 000 habitants": 100000 * d["postes"] / d["population"],
            "Source de la population": d["source"],
            "status": d["status"],
        }
    )


def sector_specialisation(jobs: pd.DataFrame, national: pd.DataFrame, country: str) -> pd.DataFrame:
    """ESS share of each sector's jobs and location quotient of the zone's ESS against the whole country.

    ``Part de l'ESS dans le secteur (%) = 100 × ESS jobs / all jobs of the sector`` (zone);
    ``LQ = (zone ESS jobs of s / zone ESS jobs) / (country ESS jobs of s / country ESS jobs)``
    (:func:`indicators.location_quotient` with the national aggregates as reference). A
    row with a masked cell (ESS or total) shows none of its numbers.

    Args:
        jobs: protected ``all_jobs`` by ``sector_group`` × ``field`` for one country (ess / non_ess / Total).
        national: national reference by ``sector_group`` with ``jobs`` (:func:`indicators.national_reference`).
        country: the country's code.
    """
    w = jobs.pivot(index="sector_group", columns="field", values="headcount")
    if ESS not in w.columns:  # no ESS establishment of the perimeter in this country
        return pd.DataFrame()
    row_status = disclosure.combine_status(jobs.pivot(index="sector_group", columns="field", values="status"))
    zone = w[ESS].drop(index=TOTAL, errors="ignore").dropna().rename("jobs").reset_index()
    lq = indicators.location_quotient(
        zone.assign(territory="zone"), "territory", "sector_group", "jobs", national[["sector_group", "jobs"]]
    ).set_index("sector_group")["lq"]
    rows = []
    for sect in w.index:
        if sect == TOTAL:
            continue
        good = row_status[sect] == PUBLISHED
        ess, total = w.loc[sect, ESS], w.loc[sect, TOTAL]
        rows.append(
            {
                "country": country,
                "sector_group": sect,
                "Postes ESS": ess if good else None,
                "Postes du secteur": total if good else None,
                "Part de l'ESS dans le secteur (%)": 100 * ess / total if good and total else None,
                "Quotient de localisation (zone / pays)": lq.get(sect) if good else None,
                "status": row_status[sect],
            }
        )
    return pd.DataFrame(rows)


def women_share(
    protected: dict[str, pd.DataFrame], by: tuple[str, ...] = ("country", "sector_group")
) -> pd.DataFrame | None:
    """ESS jobs, jobs held by women and the share of women, by ``by`` (cells of the shared protection).

    ``Part des femmes (%) = 100 × women / jobs``. The count of women is a protected cell
    of its own (the share times the published jobs would give it away): a row shows its
    numbers only when both its jobs and its women cells are published. ``None`` when the
    sources lack the count of women (the table is then not protected nor published).
    """
    name = shared_cells.table_name("ess_women", by)
    if name not in protected:
        return None
    women = protected[name]
    jobs = protected[shared_cells.table_name("ess_jobs", by)]
    t = jobs[[*by, "headcount", "status"]].merge(
        women[[*by, "women", "status"]], on=list(by), how="left", suffixes=("", "_women"), validate="1:1"
    )
    t["status"] = disclosure.combine_status(t[["status", "status_women"]]).to_numpy()
    shown = t["status"].eq(PUBLISHED)
    out = pd.DataFrame({c: t[c] for c in by})
    out["Postes au 31/12"] = t["headcount"].where(shown)
    out["dont femmes"] = t["women"].where(shown)
    out["Part des femmes (%)"] = (100 * t["women"] / t["headcount"]).where(shown)
    out["status"] = t["status"]
    return out


def values_by(table: pd.DataFrame, key: str, value: str) -> dict[str, float]:
    """A published column keyed by ``key`` (e.g. NUTS3 code -> share, for maps), margins left out."""
    rows = table[table[key].ne(TOTAL)]
    return dict(zip(rows[key], rows[value], strict=True))


def stack(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Tables of the same columns one under the other (e.g. one per country)."""
    return pd.concat(parts, ignore_index=True)
