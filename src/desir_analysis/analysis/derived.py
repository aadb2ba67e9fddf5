"""Indicators derived from protected cells: never computed over a masked cell.

The studies publish cells of the edition's shared protection
(:mod:`desir_analysis.analysis.cells`) and numbers derived from them: shares,
weights, densities, the "rest of the zone", growth rates. A derived number is a
relation between cells: computed from a masked cell, it would give that cell away.
Each function here therefore returns a value only where every cell it uses is
published, and a ``status`` column that says which rows hold a secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from desir_analysis.analysis import cells as shared_cells
from desir_analysis.analysis import disclosure, indicators
from desir_analysis.build import store
from desir_analysis.reference import classify, membership

TOTAL = disclosure.TOTAL
PUBLISHED = "published"


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
        by: the breakdown, e.g. ``("Pays", "Famille")``.
        year: a year of the series (``None``: the edition year).
        where: restrictions, e.g. ``Famille="Total"``.
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


def key_figures(jobs: pd.DataFrame, units: pd.DataFrame, name: str, populations: dict[str, float]) -> pd.DataFrame:
    """A territory against the rest of the zone and the zone: establishments, jobs, ESS share, density.

    Formulas: rest of the zone = zone − territory (published when both are);
    ``Part de l'ESS (%) = 100 × ESS jobs / all jobs``;
    ``pour 100 000 hab. = 100 000 × ESS jobs / population``. A row with any masked cell
    shows no number (its status says why).

    Args:
        jobs: protected ``all_jobs`` by ``Territoire`` × ``champ`` (ESS / Hors ESS / Total).
        units: protected ``ess_units`` by ``Territoire`` (family total).
        name: the territory's name (its ``Territoire`` value).
        populations: population of ``name``, ``"Reste de la zone"`` and the zone (:data:`TOTAL`).
    """
    both = [name, TOTAL]
    p = jobs[jobs["Territoire"].isin(both)]
    n = units[units["Territoire"].isin(both)]
    # an absent cell (no establishment at all, e.g. no ESS in the territory) is a true zero
    wide = p.pivot(index="Territoire", columns="champ", values="headcount").reindex(
        index=both, columns=["ESS", "Total"]
    )
    wide = wide.fillna(0.0)
    status = p.pivot(index="Territoire", columns="champ", values="status").reindex(index=both, columns=["ESS", "Total"])
    n = n.set_index("Territoire").reindex(both)
    n["one"] = n["one"].fillna(0)
    status["etablissements"] = n["status"]
    wide.loc["Reste de la zone"] = wide.loc[TOTAL] - wide.loc[name]
    status.loc["Reste de la zone"] = [rest_status(status.loc[name, c], status.loc[TOTAL, c]) for c in status.columns]
    n.loc["Reste de la zone", "one"] = n.loc[TOTAL, "one"] - n.loc[name, "one"]
    row_status = disclosure.combine_status(status)
    rows = []
    for label in [name, "Reste de la zone", TOTAL]:
        e, t = wide.loc[label, "ESS"], wide.loc[label, "Total"]
        good = row_status.get(label) == PUBLISHED
        pop = populations.get(label, float("nan"))
        rows.append(
            {
                "": "Zone" if label == TOTAL else label,
                "Établissements ESS": n.loc[label, "one"] if good else None,
                "Postes ESS": e if good else None,
                "Postes, total": t if good else None,
                "Part de l'ESS (%)": 100 * e / t if good and t else None,
                "Postes ESS pour 100 000 hab.": 100000 * e / pop if good and pop else None,
                "status": row_status[label],
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
        by: the breakdown column (``Famille``, ``Secteur``).
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
    t = t.sort_values(by, key=lambda s: s.eq(TOTAL), ignore_index=True)
    return t[[by, "headcount", "part_here", "part_zone", "status"]].rename(
        columns={
            "headcount": "Postes au 31/12",
            "part_here": f"Part dans l'ESS de {here_label} (%)",
            "part_zone": "Part dans l'ESS de la zone (%)",
        }
    )


def published_series(protected: dict[str, pd.DataFrame], years: list[int], **where: str) -> pd.DataFrame:
    """The published ESS jobs of one cell of ``ess_jobs`` by ``Pays`` × ``Territoire``, year by year.

    Returns ``year`` and ``headcount`` for the years where the cell is published.
    """
    parts = [select(protected, "ess_jobs", ("Pays", "Territoire"), y, **where).assign(year=y) for y in years]
    out = pd.concat(parts, ignore_index=True)
    return out[out["status"].eq(PUBLISHED)][["year", "headcount"]].reset_index(drop=True)


def growth_between_ends(series: pd.DataFrame, value: str = "headcount") -> pd.Series:
    """Change from the first to the last year of a series and its compound annual growth rate.

    ``cagr = (v_last / v_first) ** (1 / (last − first)) − 1`` (%, :func:`indicators.period_change`);
    NaN when the series has fewer than two years or starts at zero.
    """
    if len(series) < 2:
        return pd.Series(
            {"start": np.nan, "end": np.nan, "start_value": np.nan, "end_value": np.nan, "cagr_pct": np.nan}
        )
    first, last = int(series["year"].min()), int(series["year"].max())
    out = indicators.period_change(series, value, [], first, last).iloc[0]
    return out[["start", "end", "start_value", "end_value", "cagr_pct"]]


@dataclass(frozen=True)
class TerritoryContext:
    """What a fact sheet needs to know of its territory besides the protected cells."""

    country: str  # FR | BE
    population: float
    rest_population: float
    zone_population: float

    def populations(self, name: str) -> dict[str, float]:
        """Populations keyed as :func:`key_figures` expects (territory name, rest of the zone, zone)."""
        return {name: self.population, "Reste de la zone": self.rest_population, TOTAL: self.zone_population}


def territory_context(
    year: int, zone: str, perimeter: str, territory: str, processed_dir: Path | None = None
) -> TerritoryContext:
    """Country and populations (territory, rest of the zone, zone) of a territory of the zone.

    Population on 1 January of ``year`` (:func:`indicators.population_by_territory`:
    Statbel, else INSEE, else Eurostat); the zone is the territories with at least one
    employer establishment in the processed year.

    Raises:
        ValueError: the territory has no employer establishment in the zone that year.
    """
    est = store.load(year, "establishments", processed_dir)
    est = indicators.flag_perimeter(est[classify.in_zone(est, zone)], perimeter)
    here = est[est["nuts3"] == territory]
    if here.empty:
        raise ValueError(f"territory {territory!r} has no establishment in zone {zone!r} for {year}")
    pop = indicators.population_by_territory(store.load(year, "population", processed_dir), year)
    popv = pop.set_index("nuts3")["population"]
    zone_pop = popv.reindex(est["nuts3"].unique()).sum()
    return TerritoryContext(
        str(here["country"].iloc[0]),
        popv.get(territory, float("nan")),
        zone_pop - popv.get(territory, 0),
        zone_pop,
    )


def ess_share(protected: dict[str, pd.DataFrame], index: str) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """ESS establishments and jobs with the total and private denominators, by ``index`` (``Pays``, ``Territoire``).

    ``Part dans l'emploi total (%) = 100 × ESS jobs / all jobs``; ``… privé (%)`` uses the
    jobs of private-law establishments. Cells from the edition's shared protection; a
    masked numerator or denominator leaves its share empty (the row status says why).

    Returns:
        The table (margin row last) and the protected tables behind it (for the audit file).
    """
    p = protected[shared_cells.table_name("all_jobs", (index, "champ"))].copy()
    priv = protected[shared_cells.table_name("private_jobs", (index, "champ"))].copy()
    n = protected[shared_cells.table_name("ess_units", (index, "Famille"))]
    n = n[n["Famille"].eq(TOTAL)].drop(columns="Famille")
    for t in (p, priv):
        t["headcount"] = t["headcount"].where(t["status"].eq(PUBLISHED))
    audit = {"postes": p, "postes_prives": priv, "etablissements": n}
    wide = p.pivot(index=index, columns="champ", values="headcount")
    wpriv = priv.pivot(index=index, columns="champ", values="headcount").reindex(wide.index)
    status = pd.concat(
        [
            p.pivot(index=index, columns="champ", values="status"),
            priv.pivot(index=index, columns="champ", values="status").reindex(wide.index),
        ],
        axis=1,
    )
    n = n.set_index(index).reindex(wide.index)
    out = pd.DataFrame(
        {
            index: wide.index,
            "Établissements ESS": n["one"].where(n["status"].eq(PUBLISHED)).to_numpy(),
            "Postes ESS": wide["ESS"].to_numpy(),
            "Postes, total": wide["Total"].to_numpy(),
            "Part dans l'emploi total (%)": (100 * wide["ESS"] / wide["Total"]).to_numpy(),
            "Postes privés, total": wpriv["Total"].to_numpy(),
            "Part dans l'emploi privé (%)": (100 * wide["ESS"] / wpriv["Total"]).to_numpy(),
            "status": disclosure.combine_status(status).to_numpy(),
        }
    )
    return out.sort_values(index, key=lambda s: s.eq(TOTAL)).reset_index(drop=True), audit


def breakdown(
    jobs: pd.DataFrame, units: pd.DataFrame, by: list[str], jobs_label: str, order: list[str] | None = None
) -> pd.DataFrame:
    """Establishments and jobs of a protected breakdown, one line per cell, suppressed cells blank.

    The row status combines the jobs and establishments cells (a cell masked in either
    is masked in both). Rows sorted by ``by``, values in ``order`` first (e.g. size bands
    in their natural order), margins last.
    """
    rank = {v: i for i, v in enumerate(order or [])}
    t = jobs.merge(units[by + ["one", "status"]], on=by, suffixes=("", "_n"))
    t["status"] = disclosure.combine_status(t[["status", "status_n"]]).to_numpy()
    t = disclosure.blank_suppressed(t, ["headcount", "one"])
    t = t.sort_values(by, key=lambda s: s.map(lambda v: (v == TOTAL, rank.get(v, 0), v)), ignore_index=True)
    return t[by + ["one", "headcount", "status"]].rename(
        columns={"one": "Établissements employeurs", "headcount": jobs_label}
    )


def country_key_figures(jobs: pd.DataFrame, fte: pd.DataFrame | None, population: dict[str, float]) -> pd.DataFrame:
    """ESS jobs, FTE and jobs per 100 000 inhabitants by country and for the zone (the margin, « Zone »).

    ``pour 100 000 hab. = 100 000 × ESS jobs / population``. A row where the jobs or
    the FTE cell is masked shows none of its numbers.
    """
    kf = jobs[["Pays", "headcount", "status"]].rename(columns={"headcount": "Postes ESS"})
    if fte is not None:
        kf = kf.merge(fte[["Pays", "fte", "status"]].rename(columns={"fte": "ETP ESS", "status": "st2"}), on="Pays")
        kf["status"] = kf["status"].where(kf["st2"].eq(PUBLISHED), kf["st2"])
        kf = kf.drop(columns="st2")
    kf["Population"] = kf["Pays"].map(population)
    kf["Postes ESS pour 100 000 hab."] = 100000 * kf["Postes ESS"] / kf["Population"]
    hidden = kf["status"].ne(PUBLISHED)
    for c in ["Postes ESS", "ETP ESS", "Postes ESS pour 100 000 hab."]:
        if c in kf:
            kf[c] = kf[c].where(~hidden)
    kf["Pays"] = kf["Pays"].replace({TOTAL: "Zone"})
    kf = kf.sort_values("Pays", key=lambda s: s.eq("Zone")).reset_index(drop=True)
    return kf[[c for c in kf.columns if c != "status"] + ["status"]]


def density_by_territory(jobs: pd.DataFrame, population: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """ESS jobs per 100 000 inhabitants by territory: ``100 000 × jobs / population`` (published cells only).

    Args:
        jobs: protected ESS jobs by ``Territoire`` (family total, no zone margin).
        population: ``nuts3``, ``population``, ``source`` (:func:`indicators.population_by_territory`).
        names: NUTS3 code -> territory name.
    """
    code_of = {v: k for k, v in names.items()}
    d = jobs.assign(nuts3=jobs["Territoire"].map(code_of)).merge(population, on="nuts3", how="left", validate="1:1")
    d["postes"] = d["headcount"].where(d["status"].eq(PUBLISHED))
    out = pd.DataFrame(
        {
            "Territoire": d["nuts3"].map(names),
            "Postes ESS": d["postes"],
            "Population": d["population"],
            "Postes ESS pour 100 000 habitants": 100000 * d["postes"] / d["population"],
            "Source de la population": d["source"],
            "status": d["status"],
        }
    )
    return out.sort_values("Territoire", ignore_index=True)


def sector_specialisation(jobs: pd.DataFrame, national: pd.DataFrame, country: str) -> pd.DataFrame:
    """ESS share of each sector's jobs and location quotient of the zone's ESS against the whole country.

    ``Part de l'ESS dans le secteur (%) = 100 × ESS jobs / all jobs of the sector`` (zone);
    ``LQ = (zone ESS jobs of s / zone ESS jobs) / (country ESS jobs of s / country ESS jobs)``
    (:func:`indicators.location_quotient` with the national aggregates as reference). A
    row with a masked cell (ESS or total) shows none of its numbers.

    Args:
        jobs: protected ``all_jobs`` by ``Secteur`` × ``champ`` for one country (ESS / Hors ESS / Total).
        national: national reference by ``Secteur`` with ``jobs`` (:func:`indicators.national_reference`).
        country: the country's name (``Pays`` column).
    """
    w = jobs.pivot(index="Secteur", columns="champ", values="headcount")
    row_status = disclosure.combine_status(jobs.pivot(index="Secteur", columns="champ", values="status"))
    zone = w["ESS"].drop(index=TOTAL, errors="ignore").dropna().rename("jobs").reset_index()
    lq = indicators.location_quotient(
        zone.assign(territory="zone"), "territory", "Secteur", "jobs", national[["Secteur", "jobs"]]
    ).set_index("Secteur")["lq"]
    rows = []
    for sect in w.index:
        if sect == TOTAL:
            continue
        good = row_status[sect] == PUBLISHED
        ess, total = w.loc[sect, "ESS"], w.loc[sect, "Total"]
        rows.append(
            {
                "Pays": country,
                "Secteur": sect,
                "Postes ESS": ess if good else None,
                "Postes du secteur": total if good else None,
                "Part de l'ESS dans le secteur (%)": 100 * ess / total if good and total else None,
                "Quotient de localisation (zone / pays)": lq.get(sect) if good else None,
                "status": row_status[sect],
            }
        )
    return pd.DataFrame(rows)


def job_quality_by_country(ess: pd.DataFrame) -> pd.DataFrame | None:
    """Share of women, of part-time jobs and gross pay per FTE of the ESS by country (:func:`indicators.job_quality`).

    A country is shown only when its jobs and its payroll pass the primary rules
    (no margins: these are ratios, not additive cells). ``None`` when a measure is
    missing from the source (« non disponible » in the study).
    """
    needed = {"women", "part_time", "fte", "payroll_eur"}
    if not needed <= set(ess.columns) or not ess[["fte", "payroll_eur"]].notna().all().all():
        return None
    q = indicators.job_quality(ess, ["Pays"])
    st_h = disclosure.protect(ess, ["Pays"], "headcount", "establishment_id", margins=False).set_index("Pays")
    st_p = disclosure.protect(ess, ["Pays"], "payroll_eur", "establishment_id", margins=False).set_index("Pays")
    ok = (st_h["status"].eq(PUBLISHED) & st_p["status"].eq(PUBLISHED)).reindex(q["Pays"]).to_numpy()
    return pd.DataFrame(
        {
            "Pays": q["Pays"],
            "Part des femmes (%)": 100 * q["share_women"].where(ok),
            "Part du temps partiel (%)": 100 * q["share_part_time"].where(ok),
            "Rémunération brute par ETP (€)": q["pay_per_fte"].where(ok),
            "status": pd.Series(ok).map({True: PUBLISHED, False: "primary"}).to_numpy(),
        }
    )


def perimeter_moves(est: pd.DataFrame, a: str, b: str, family_names: dict[str, str]) -> pd.DataFrame:
    """Establishments kept, removed and added from perimeter ``a`` to perimeter ``b``, by legal family.

    Protected on its own (establishments of the union of both perimeters, by family ×
    movement, with margins); a family without any move of a kind is a true zero (0).
    Columns: Famille, dans les deux, retirés, ajoutés, Total (union), status.
    """
    a_in, b_in = membership.in_perimeter(est, a), membership.in_perimeter(est, b)
    both = a_in | b_in
    family = est["ess_family"].map(family_names).where(est["ess_family"].ne("non_ess"), "Autres formes juridiques")
    mv = est[both].assign(famille=family[both], mouvement="dans les deux")
    mv.loc[(a_in & ~b_in)[both].to_numpy(), "mouvement"] = "retirés"
    mv.loc[(~a_in & b_in)[both].to_numpy(), "mouvement"] = "ajoutés"
    pr = disclosure.protect(mv.assign(one=1), ["famille", "mouvement"], "one", "establishment_id")
    pr["one"] = pr["one"].where(pr["status"].eq(PUBLISHED))
    rec = pr.pivot(index="famille", columns="mouvement", values="one")
    rst = pr.pivot(index="famille", columns="mouvement", values="status")
    cols = ["dans les deux", "retirés", "ajoutés", TOTAL]
    absent = pr.assign(x=1).pivot(index="famille", columns="mouvement", values="x").reindex(columns=cols).isna()
    rec = rec.reindex(columns=cols).mask(absent, 0).reset_index()  # no establishment moved: a true zero
    rec.columns.name = None
    rec["status"] = disclosure.combine_status(rst).to_numpy()
    rec = rec.sort_values("famille", key=lambda s: s.eq(TOTAL)).reset_index(drop=True)
    return rec.rename(columns={"famille": "Famille", TOTAL: "Total (union)"})


def national_by_sector(
    national: pd.DataFrame, country: str, perimeter: str, sector_names: dict[str, str]
) -> pd.DataFrame:
    """The whole country's jobs of the perimeter by sector (national aggregates), with the ``Secteur`` name."""
    ref = indicators.national_reference(national, country, perimeter)
    return ref.assign(Secteur=ref["sector_group"].map(sector_names))


def population_by_country(population: pd.DataFrame, nuts3: set[str], country_names: dict[str, str]) -> dict[str, float]:
    """Population of the zone's territories (``nuts3``) summed by country, and of the whole zone (:data:`TOTAL`)."""
    p = population[population["nuts3"].isin(nuts3)]
    out = p.groupby(p["nuts3"].str[:2].map(country_names))["population"].sum()
    out[TOTAL] = out.sum()
    return out.to_dict()


def zone_establishments(year: int, zone: str, perimeter: str, processed_dir: Path | None = None) -> pd.DataFrame:
    """The zone's employer establishments of ``year``, flagged ``in_ess`` for the perimeter, with breakdown columns."""
    est = store.load(year, "establishments", processed_dir)
    return shared_cells.labelled(indicators.flag_perimeter(est[classify.in_zone(est, zone)], perimeter))


def protect_if_measured(est: pd.DataFrame, by: list[str], value: str) -> pd.DataFrame | None:
    """:func:`disclosure.protect` of ``value`` by ``by``, or ``None`` when the source lacks the measure for a row."""
    if value not in est.columns or not est[value].notna().all():
        return None
    return disclosure.protect(est, by, value, "establishment_id")


def population_of_year(population: pd.DataFrame, year: int) -> pd.DataFrame:
    """Observed population by NUTS3 on 1 January of ``year`` (:func:`indicators.population_by_territory`)."""
    return indicators.population_by_territory(population, year)


def values_by_code(
    table: pd.DataFrame, name_column: str, value_column: str, names: dict[str, str], present: pd.Series
) -> dict[str, float]:
    """A published column keyed by NUTS3 code (for maps), for the territories ``present`` in the data."""
    codes = set(present.dropna())
    code_of = {v: k for k, v in names.items() if k in codes}
    return {code_of[t]: v for t, v in zip(table[name_column], table[value_column], strict=True) if t in code_of}


def stack(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Tables of the same columns one under the other (e.g. one per country)."""
    return pd.concat(parts, ignore_index=True)


def women_share(protected: dict[str, pd.DataFrame], by: tuple[str, ...] = ("Pays", "Secteur")) -> pd.DataFrame | None:
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
    return out.sort_values(list(by), key=lambda s: s.map(lambda v: (v == TOTAL, v)), ignore_index=True)
