# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% tags=["parameters"]
year = 2023
baseline_year = 2015
zone = "desir"
territory = "FRE11"
perimeter = "core_crossborder"
output_dir = ""
processed_dir = ""

# %% tags=["remove-cell"]
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from IPython.display import HTML, Markdown, display

from desir_analysis import build, classify, config, disclosure, figures, indicators, labels, zone_cells
from desir_analysis.tables import Caption, publish, write_audit
from desir_analysis.tables import format_number as fmt

out_dir = Path(output_dir) if output_dir else config.REPORTS_DIR / str(year)
proc = Path(processed_dir) if processed_dir else config.PROCESSED_DATA_DIR
TID = territory.lower()
STUDY = f"fiche_{TID}"
figures.setup()
prov = build.provenance(year, proc)
TERR = labels.territory_fr()
NAME = TERR.get(territory, territory)
SOURCE = "INSEE Sirene ; INSEE Flores ; BCE-KBO ; ONSS (sous convention)"
if prov["demo"]:
    SOURCE += " — " + prov["notice"]
REF = f"31 décembre {year}"
est = build.load(year, "establishments", proc)
est = indicators.flag_perimeter(est[classify.in_zone(est, zone)], perimeter)
here = est[est["nuts3"] == territory]
if here.empty:
    raise ValueError(f"territory {territory!r} has no establishment in zone {zone!r} for {year}")
COUNTRY = labels.COUNTRY_FR[here["country"].iloc[0]]
# the cells come from the protection shared with the diagnostic and the other sheets (same statuses everywhere)
CELLS = zone_cells.load(year, zone, perimeter, baseline_year, proc, out_dir / "_cells")


def cells(measure, by, y=None, **where):
    """Rows of a shared protected table, restricted to ``where`` (column = value)."""
    t = CELLS[zone_cells.table_name(measure, by, y)]
    for col, val in where.items():
        t = t[t[col].eq(val)]
    return t.drop(columns=list(where))


def cap(title, unit, territory_label=None, date=REF):
    return Caption(title, unit, SOURCE, date, territory_label or NAME)


# %% [markdown]
# # Fiche territoriale de l'économie sociale et solidaire

# %%
if prov["demo"]:
    display(HTML(f"<p class='desir-banner'>⚠ Fiche établie sur des <b>{prov['notice']}</b>.</p>"))
display(
    Markdown(
        f"## {NAME} ({COUNTRY}, NUTS 3 {territory}) — édition {year}\n\n"
        f"Périmètre : **{labels.perimeter_fr()[perimeter]}**. Établissements employeurs et postes salariés "
        f"au {REF}, comparés à l'ensemble de la {labels.ZONE_FR[zone]}."
    )
)

# %% [markdown]
# ## Chiffres clés

# %%
p = cells("all_jobs", ("Territoire", "champ"))
p = p[p["Territoire"].isin([NAME, disclosure.TOTAL])]
n = cells("ess_units", ("Territoire", "Famille"), Famille=disclosure.TOTAL)
n = n[n["Territoire"].isin([NAME, disclosure.TOTAL])]
write_audit({"postes": p, "etablissements": n}, f"fiche_{TID}_chiffres", out_dir)
# an absent cell (no establishment at all, e.g. no ESS in the territory) is a true zero
both = [NAME, disclosure.TOTAL]
wide = p.pivot(index="Territoire", columns="champ", values="headcount").reindex(index=both, columns=["ESS", "Total"])
wide = wide.fillna(0.0)
status = p.pivot(index="Territoire", columns="champ", values="status").reindex(index=both, columns=["ESS", "Total"])
n = n.set_index("Territoire").reindex(both)
n["one"] = n["one"].fillna(0)
status["etablissements"] = n["status"]
# the rest of the zone is the zone minus the territory: published when both are
wide.loc["Reste de la zone"] = wide.loc[disclosure.TOTAL] - wide.loc[NAME]
status.loc["Reste de la zone"] = [
    "published" if (status.loc[[NAME, disclosure.TOTAL], c] == "published").all() else "secondary"
    for c in status.columns
]
n.loc["Reste de la zone", "one"] = n.loc[disclosure.TOTAL, "one"] - n.loc[NAME, "one"]
row_status = disclosure.combine_status(status)
pop = indicators.population_by_territory(build.load(year, "population", proc), year)
popv = pop.set_index("nuts3")["population"]
zone_pop = popv.reindex(est["nuts3"].unique()).sum()
pops = {
    NAME: popv.get(territory, float("nan")),
    "Reste de la zone": zone_pop - popv.get(territory, 0),
    disclosure.TOTAL: zone_pop,
}
rows = []
for label in [NAME, "Reste de la zone", disclosure.TOTAL]:
    if label not in wide.index:
        continue
    e, t = wide.loc[label, "ESS"], wide.loc[label, "Total"]
    good = row_status.get(label) == "published"
    rows.append(
        {
            "": "Zone" if label == disclosure.TOTAL else label,
            "Établissements ESS": n.loc[label, "one"] if good else None,
            "Postes ESS": e if good else None,
            "Postes, total": t if good else None,
            "Part de l'ESS (%)": 100 * e / t if good and t else None,
            "Postes ESS pour 100 000 hab.": 100000 * e / pops[label] if good and pops[label] else None,
            "status": row_status[label],
        }
    )
key = pd.DataFrame(rows)
display(
    HTML(
        publish(
            key,
            f"fiche_{TID}_chiffres_cles",
            cap("Chiffres clés", "établissements ; postes ; %"),
            out_dir,
            STUDY,
            confidential=True,
            decimals={"Part de l'ESS (%)": 1, "Postes ESS pour 100 000 hab.": 0},
        )
    )
)

# %% [markdown]
# ## Familles et secteurs de l'ESS


# %%
def structure(here_cells, zone_rows, by):
    """The territory's cells with their weight in its ESS, next to the same weight in the whole zone.

    Both weights are ratios of published cells (a masked cell, here or in the zone, masks its row).
    """
    t = here_cells.merge(zone_rows[[by, "headcount", "status"]], on=by, how="left", suffixes=("", "_zone"))
    t["status"] = disclosure.combine_status(t[["status", "status_zone"]]).to_numpy()
    shown = t["status"].eq("published")
    total = t[t[by].eq(disclosure.TOTAL)].iloc[0]
    # a weight over a masked total would give the total away: no weights then
    here_ok, zone_ok = total["status"] == "published", total["status_zone"] == "published"
    t["part_here"] = (100 * t["headcount"] / total["headcount"]).where(shown & here_ok)
    t["part_zone"] = (100 * t["headcount_zone"] / total["headcount_zone"]).where(shown & zone_ok)
    t["headcount"] = t["headcount"].where(shown)
    t = t.sort_values(by, key=lambda s: s.eq(disclosure.TOTAL), ignore_index=True)
    return t[[by, "headcount", "part_here", "part_zone", "status"]].rename(
        columns={
            "headcount": "Postes au 31/12",
            "part_here": f"Part dans l'ESS de {NAME} (%)",
            "part_zone": "Part dans l'ESS de la zone (%)",
        }
    )


for by, name, title, here_cells, zone_rows in (
    (
        "Famille",
        "familles",
        "Postes de l'ESS par famille",
        cells("ess_jobs", ("Territoire", "Famille"), Territoire=NAME),
        cells("ess_jobs", ("Territoire", "Famille"), Territoire=disclosure.TOTAL),
    ),
    (
        "Secteur",
        "secteurs",
        "Postes de l'ESS par secteur regroupé",
        cells("ess_jobs", ("Pays", "Territoire", "Secteur"), Pays=COUNTRY, Territoire=NAME),
        cells("ess_jobs", ("Pays", "Territoire", "Secteur"), Pays=disclosure.TOTAL, Territoire=disclosure.TOTAL),
    ),
):
    if here_cells.empty:
        display(Markdown(f"{title} : aucun établissement employeur de l'ESS dans ce territoire."))
        continue
    write_audit({"postes": here_cells}, f"fiche_{TID}_{name}", out_dir)
    t = structure(here_cells, zone_rows, by)
    pct = {c: 1 for c in t.columns if c.endswith("(%)")}
    display(
        HTML(
            publish(
                t,
                f"fiche_{TID}_{name}",
                cap(title, "postes au 31/12 ; %"),
                out_dir,
                STUDY,
                confidential=True,
                decimals=pct,
            )
        )
    )

# %% [markdown]
# ## Évolution

# %%
series = []
for y in range(baseline_year, year + 1):
    name = zone_cells.table_name("ess_jobs", ("Pays", "Territoire"), y)
    if name in CELLS:
        series.append(
            cells("ess_jobs", ("Pays", "Territoire"), y, Pays=disclosure.TOTAL, Territoire=NAME).assign(year=y)
        )
evo = pd.concat(series, ignore_index=True)
evo = evo[evo["status"] == "published"]
if len(evo) >= 2:
    fig, ax = plt.subplots(figsize=(7, 3.2))
    sns.lineplot(data=evo, x="year", y="headcount", marker="o", ax=ax)
    ax.set(xlabel="", ylabel="postes", title=f"Postes de l'ESS — {NAME}")
    display(
        HTML(
            figures.to_html(
                fig,
                cap(f"Postes de l'ESS, {baseline_year}-{year}", "postes", date=f"31/12/{baseline_year} à 31/12/{year}"),
            )
        )
    )
    first, last = evo.iloc[0], evo.iloc[-1]
    span = int(last["year"] - first["year"])
    cagr = 100 * ((last["headcount"] / first["headcount"]) ** (1 / span) - 1) if span and first["headcount"] else None
    display(
        Markdown(
            f"Entre {int(first['year'])} et {int(last['year'])}, les postes de l'ESS passent de "
            f"**{fmt(first['headcount'])}** à **{fmt(last['headcount'])}**"
            + (f", soit **{fmt(cagr, 1)} %** par an en moyenne." if cagr is not None else ".")
        )
    )

# %% [markdown]
# ## Méthode
#
# Mêmes définitions que le diagnostic transfrontalier (note « Définition commune de l'ESS »).
# Cases marquées « s » : secret statistique (moins de 3 établissements ou un établissement
# au-delà de 85 % de la case, et secret secondaire). Les cases de cette fiche sont protégées en même
# temps que celles du diagnostic et des autres fiches : une case masquée ici l'est partout.
