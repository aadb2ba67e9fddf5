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

from desir_analysis import build, classify, config, disclosure, figures, indicators, labels
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
micro = est.assign(
    Territoire=est["nuts3"].map(TERR).where(est["nuts3"] == territory, "Reste de la zone"),
    champ=est["in_ess"].map({True: "ESS", False: "Hors ESS"}),
)
p = disclosure.protect(micro, ["Territoire", "champ"], "headcount", "establishment_id")
n = disclosure.protect(micro[micro["in_ess"]].assign(one=1), ["Territoire"], "one", "establishment_id")
write_audit({"postes": p, "etablissements": n}, f"fiche_{TID}_chiffres", out_dir)
wide = p.pivot(index="Territoire", columns="champ", values="headcount")
status = p.pivot(index="Territoire", columns="champ", values="status")
ok = status.eq("published").all(axis=1)
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
    good = bool(ok.get(label, False))
    rows.append(
        {
            "": "Zone" if label == disclosure.TOTAL else label,
            "Établissements ESS": n.set_index("Territoire").loc[label, "one"] if good else None,
            "Postes ESS": e if good else None,
            "Postes, total": t if good else None,
            "Part de l'ESS (%)": 100 * e / t if good and t else None,
            "Postes ESS pour 100 000 hab.": 100000 * e / pops[label] if good and pops[label] else None,
            "status": "published" if good else "primary",
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
ess_here = here[here["in_ess"]].assign(
    Famille=lambda d: d["ess_family"].map(labels.FAMILY_FR), Secteur=lambda d: d["sector_group"].map(labels.sector_fr())
)
for by, name, title in (
    (["Famille"], "familles", "Postes de l'ESS par famille"),
    (["Secteur"], "secteurs", "Postes de l'ESS par secteur regroupé"),
):
    t = disclosure.protect(ess_here, by, "headcount", "establishment_id")
    write_audit({"postes": t}, f"fiche_{TID}_{name}", out_dir)
    t = disclosure.blank_suppressed(t, ["headcount"])[[*by, "headcount", "status"]]
    t = t.sort_values(by, key=lambda s: s.eq(disclosure.TOTAL)).rename(columns={"headcount": "Postes au 31/12"})
    display(HTML(publish(t, f"fiche_{TID}_{name}", cap(title, "postes au 31/12"), out_dir, STUDY, confidential=True)))

# %% [markdown]
# ## Évolution

# %%
series = []
for y in range(baseline_year, year + 1):
    try:
        e = build.load(y, "establishments", proc, filters=[("nuts3", "==", territory)])
    except FileNotFoundError:
        continue
    e = indicators.flag_perimeter(e, perimeter)
    pr = disclosure.protect(e[e["in_ess"]], ["nuts3"], "headcount", "establishment_id", margins=False)
    series.append(pr.assign(year=y))
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
# Cases masquées (vides) : secret statistique (moins de 3 établissements ou un établissement
# au-delà de 85 % de la case, et secret secondaire).
