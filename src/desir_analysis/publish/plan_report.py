"""The development-plan study's sections: needs per scenario, synthesis, coverage distribution, monitoring.

Each function turns protected cells and the analysis of :mod:`desir_analysis.analysis.plan`
into one published table, chart or sentence; nothing is computed over a masked cell.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from desir_analysis import reference
from desir_analysis.analysis import derived, plan
from desir_analysis.analysis import personal_services as ps
from desir_analysis.publish import labels
from desir_analysis.publish.tables import format_number as fmt
from desir_analysis.reference import membership

TOTAL = "Total"
SCENARIO_FR = {
    "A": "A — taux d'encadrement constants",
    "B": "B — rattrapage du quartile supérieur",
    "C": "C — cible de couverture",
}
STATUS_FR = {plan.REACHED: "atteint", plan.ON_TRACK: "en bonne voie", plan.LATE: "en retard"}


#: The needs table's column of the ESS part (at its current share of help at home).
ESS_PART = "dont postes de l'ESS (à sa part actuelle)"


def _territory_cells(table: pd.DataFrame, segment: str, value: str) -> tuple[pd.Series, pd.Series]:
    """(published values, masked flags) of one segment's territory cells, by nuts3."""
    t = table[table["ps_segment"].eq(segment) & table["nuts3"].ne(TOTAL) & table["country"].ne(TOTAL)]
    t = t.set_index("nuts3")
    return t[value].astype("float64").where(t["status"].eq("published")), t["status"].ne("published")


def needs(
    jobs: pd.DataFrame,
    fte: pd.DataFrame | None,
    by_provider: pd.DataFrame,
    population: pd.DataFrame,
    pop75: pd.DataFrame,
    assumptions: pd.DataFrame,
    base: int,
    horizon: int,
    scenarios: str | list[str],
    target_ratio: float,
) -> pd.DataFrame:
    """Jobs and FTE needed in the elderly segment per scenario, territory and year, and the zone's jobs.

    Territories whose base-year cell is masked get empty rows (status ``secondary``), and the
    zone total is given only when no territory is masked (:func:`plan.zone_total`). The ESS
    part uses each country's ESS share of the segment's jobs.
    """
    if isinstance(scenarios, str):  # the notebook parameter: "A,B,C"
        scenarios = [s.strip() for s in scenarios.split(",")]
    observed, masked = _territory_cells(jobs, "elderly", "headcount")
    obs = observed.dropna().astype("float64")
    fte_obs = _territory_cells(fte, "elderly", "fte")[0] if fte is not None else pd.Series(np.nan, index=obs.index)
    share = ps.ess_share_of_field(by_provider)
    share = share[share["ps_segment"].eq("elderly")].set_index("country")["Part de l'ESS (%)"] / 100
    years = list(range(base, horizon + 1))
    runs = {}
    if "A" in scenarios:
        groups = list(assumptions["age_group"].unique())
        weighted = plan.weighted_dependents(plan.age_group_population(population, groups), assumptions)
        runs["A"] = plan.scenario_constant_staffing(obs, weighted, base, years)
    if "B" in scenarios:
        runs["B"] = plan.scenario_convergence(obs, pop75, base, horizon, years)
    if "C" in scenarios:
        runs["C"] = plan.scenario_target(obs, pop75, base, horizon, years, target_ratio)
    t = plan.needs_table(
        {k: v.drop(columns="coverage", errors="ignore") for k, v in runs.items()},
        obs,
        fte_obs.reindex(obs.index) / obs,
        pd.Series(obs.index.str[:2].map(share), index=obs.index),
    )
    t["status"] = "published"
    hidden = [
        {"scenario": s, "nuts3": n, "year": y, "status": "secondary"}
        for s in runs
        for n in masked[masked].index
        for y in years
    ]
    zone = [
        {
            "scenario": s,
            "nuts3": TOTAL,
            "year": y,
            "observed": plan.zone_total(obs.to_frame("v"), "v", masked),
            "needed": plan.zone_total(t[(t["scenario"] == s) & (t["year"] == y)], "needed", masked),
            "ess_part": plan.zone_total(t[(t["scenario"] == s) & (t["year"] == y)], "ess_part", masked),
            "status": "secondary" if masked.any() else "published",
        }
        for s in runs
        for y in years
    ]
    countries = []  # each country's totals: its FTE are added within its own definition only
    for c in sorted(set(obs.index.str[:2])):
        masked_c = masked[masked.index.str[:2] == c]
        for s in runs:
            for y in years:
                rows = t[(t["scenario"] == s) & (t["year"] == y) & t["nuts3"].str.startswith(c)]
                countries.append(
                    {
                        "scenario": s,
                        "nuts3": TOTAL,
                        "country": c,
                        "year": y,
                        "observed": plan.zone_total(obs[obs.index.str[:2] == c].to_frame("v"), "v", masked_c),
                        "needed": plan.zone_total(rows, "needed", masked_c),
                        "needed_fte": plan.zone_total(rows, "needed_fte", masked_c),
                        "ess_part": plan.zone_total(rows, "ess_part", masked_c),
                        "status": "secondary" if masked_c.any() else "published",
                    }
                )
    out = pd.concat([t, pd.DataFrame(hidden), pd.DataFrame(countries), pd.DataFrame(zone)], ignore_index=True)
    out["gap"] = out["needed"] - out["observed"]
    territory_country = out["nuts3"].where(out["nuts3"].eq(TOTAL), out["nuts3"].str[:2])
    out["country"] = out["country"].fillna(territory_country) if "country" in out else territory_country
    out = out.sort_values(["scenario", "country", "nuts3", "year"], key=lambda s: s.map(lambda v: (v == TOTAL, v)))
    out["scenario"] = out["scenario"].map(SCENARIO_FR)
    out = out.rename(
        columns={
            "scenario": "Scénario",
            "year": "Année",
            "observed": f"Postes {base}",
            "needed": "Postes nécessaires",
            "needed_fte": "EQTP (FR) / ETP (BE) nécessaires",
            "gap": f"Écart aux postes de {base}",
            "ess_part": ESS_PART,
        }
    )
    cols = ["Scénario", "country", "nuts3", "Année", f"Postes {base}", "Postes nécessaires"]
    cols += ["EQTP (FR) / ETP (BE) nécessaires", f"Écart aux postes de {base}", ESS_PART]
    return out[[*cols, "status"]].reset_index(drop=True)


def synthesis(needs_table: pd.DataFrame, jobs: pd.DataFrame, pop75: pd.DataFrame, base: int, horizon: int) -> str:
    """The study's first lines: the zone's jobs needed at the horizon per scenario, the least covered territories."""
    is_zone = needs_table["nuts3"].eq(TOTAL) & needs_table["country"].eq(TOTAL)
    zone = needs_table[is_zone & needs_table["Année"].eq(horizon)]
    observed = needs_table.loc[is_zone, f"Postes {base}"].dropna()
    lines = []
    if len(zone) and zone["Postes nécessaires"].notna().all():
        each = " ; ".join(f"{r['Scénario']} : **{fmt(r['Postes nécessaires'])}**" for _, r in zone.iterrows())
        start = f" (contre {fmt(observed.iloc[0])} en {base})" if len(observed) else ""
        lines.append(f"Postes d'aide à domicile nécessaires dans la zone en {horizon}{start} — {each}.")
    else:
        lines.append("Total de la zone non publié (secret statistique d'un territoire) : voir les territoires.")
    cov = ps.coverage(
        _territory_cells(jobs, "elderly", "headcount")[0].dropna(),
        pop75[pop75["year"] == base].set_index("nuts3")["value"],
        plan.PER,
    ).dropna()
    low = cov.nsmallest(3)
    names = labels.territory_fr()
    if len(low):
        listed = ", ".join(f"{names.get(t, t)} ({fmt(v, 0)})" for t, v in low.items())
        lines.append(f"Territoires les moins couverts (postes pour 1 000 personnes de 75 ans ou plus) : {listed}.")
    return "\n\n".join(lines)


def extended_field(ext: pd.DataFrame, jobs: pd.DataFrame) -> pd.DataFrame:
    """Jobs of the extended field (an upper bound) next to the core field's, by territory."""
    core = jobs[jobs["ps_segment"].eq(TOTAL)][["country", "nuts3", "headcount", "status"]]
    t = ext[["country", "nuts3", "headcount", "status"]].merge(
        core, on=["country", "nuts3"], how="left", suffixes=("_ext", "_core")
    )
    t["status"] = np.where(
        t["status_ext"].eq("published") & t["status_core"].fillna("published").eq("published"), "published", "secondary"
    )
    shown = t["status"].eq("published")
    return pd.DataFrame(
        {
            "country": t["country"],
            "nuts3": t["nuts3"],
            "Postes, champ élargi": t["headcount_ext"].where(shown),
            "Postes, champ cœur": t["headcount_core"].where(shown),
            "status": t["status"],
        }
    )


def coverage_quartiles(cov: pd.DataFrame) -> pd.DataFrame:
    """Q1, median and Q3 of each coverage column over the zone's published territories."""
    rows = []
    for col in [c for c in cov.columns if c not in ("country", "nuts3")]:
        rows.append({"Indicateur": col, **ps.quartiles(cov[col])})
    return pd.DataFrame(rows)


def needs_chart(needs_table: pd.DataFrame) -> plt.Figure:
    """The zone's jobs needed per scenario, year by year (sum of the published territories when no total)."""
    fig, ax = plt.subplots(figsize=(8, 3.6))
    for scenario, g in needs_table.groupby("Scénario"):
        zone = g[g["nuts3"].eq(TOTAL) & g["country"].eq(TOTAL)].set_index("Année")["Postes nécessaires"]
        if zone.isna().all():
            zone = g[g["nuts3"].ne(TOTAL)].groupby("Année")["Postes nécessaires"].sum()
        ax.plot(zone.index, zone.to_numpy(), marker="o", label=scenario)
    ax.set(xlabel="", ylabel="postes", title="Postes d'aide à domicile nécessaires")
    ax.legend(fontsize=7)
    return fig


def monitoring(targets: pd.DataFrame | None, study, pop75: pd.DataFrame, first: int) -> pd.DataFrame | None:
    """Every target (:func:`sources.plan_files.read_targets`) against the published actuals (``None``: no targets)."""
    if targets is None:
        return None
    years = derived.series_years(study.cells, "ps_jobs", ("country", "nuts3", "ps_segment"), first, study.year)
    everyone = set(membership.countries(study.perimeter))
    built = {y: set(study.provenances[y].get("countries", [])) for y in years if y in study.provenances}
    incomplete = {y for y, countries in built.items() if not everyone <= countries}
    m = plan.monitor(targets, plan.actuals(study.cells, years, pop75, incomplete))
    if m.empty:
        return m
    names = labels.territory_fr() | {"zone": "Zone"}
    return pd.DataFrame(
        {
            "Territoire": m["territory"].map(lambda t: names.get(t, t)),
            "Objectif": m["indicator"].map(reference.PLAN_INDICATORS),
            "Année": m["year"],
            "Valeur observée": m["actual"],
            "Trajectoire (droite base-cible)": m["on_line"],
            "Cible": m["target_value"],
            "Année cible": m["target_year"],
            "Statut": m["status"],
        }
    )


def monitoring_chart(m: pd.DataFrame) -> plt.Figure:
    """One panel per target: observed values and the straight line from base to target."""
    keys = list(dict.fromkeys(zip(m["Territoire"], m["Objectif"], strict=True)))
    fig, axes = plt.subplots(1, len(keys), figsize=(3.4 * len(keys), 3.0), squeeze=False)
    for ax, (terr, ind) in zip(axes[0], keys, strict=True):
        g = m[(m["Territoire"] == terr) & (m["Objectif"] == ind)]
        ax.plot(g["Année"], g["Valeur observée"], "o-", label="observé")
        ax.plot(g["Année"], g["Trajectoire (droite base-cible)"], "--", label="trajectoire")
        ax.set_title(f"{terr}", fontsize=9)
        ax.tick_params(labelsize=7)
    axes[0][0].legend(fontsize=7)
    return fig
