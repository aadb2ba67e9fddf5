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
from desir_analysis.analysis import derived
from desir_analysis.analysis import zone as zone_data
from desir_analysis.publish import figures, labels, narrative
from desir_analysis.publish.study import WITH_POPULATION, Study, zone_caption

NAME = labels.territory_fr().get(territory, territory)
TID = territory.lower()
study = Study.open(
    f"fiche_{TID}",
    year,
    zone,
    perimeter,
    baseline_year,
    output_dir=output_dir,
    processed_dir=processed_dir,
    territory=NAME,
)
facts = zone_data.territory_context(year, zone, perimeter, territory, study.processed_dir)
TOTAL = derived.TOTAL
HERE = [territory, TOTAL]
FAMILY, SECTOR = ("nuts3", "ess_family"), ("country", "nuts3", "sector_group")

# %% [markdown]
# # Fiche territoriale de l'économie sociale et solidaire
#
# Les cases de cette fiche viennent de la protection commune à toutes les éditions de l'année
# (diagnostic, fiches, plan, autres zones) : une case masquée ici l'est partout.

# %%
study.banner(what="Fiche établie")
study.text(
    f"## {NAME} ({labels.COUNTRY_FR[facts.country]}, NUTS 3 {territory}) — édition {year}\n\n"
    f"Périmètre : **{labels.perimeter_fr()[perimeter]}**. Établissements employeurs et "
    f"{study.jobs_words([facts.country])} ({year}), comparés à l'ensemble de la "
    f"{zone_caption(zone, perimeter)}."
)

# %% [markdown]
# ## Chiffres clés

# %%
jobs = study.select("all_jobs", ("nuts3", "field"), nuts3=HERE)
units = study.select("ess_units", FAMILY, ess_family=TOTAL, nuts3=HERE)
study.table(
    derived.key_figures(jobs, units, territory, NAME, facts.populations(territory)),
    f"fiche_{TID}_chiffres_cles",
    "Chiffres clés",
    "établissements ; postes ; %",
    protected={"postes": jobs, "etablissements": units},
    plan=["all_jobs|nuts3|field", "ess_units|nuts3|ess_family"],
    decimals={"Postes ESS pour 100 000 hab.": 0},
    annex=False,
    sources=WITH_POPULATION,
)

# %% [markdown]
# ## Familles et secteurs de l'ESS
#
# Poids de chaque famille et de chaque secteur dans l'ESS du territoire, à côté du même poids
# dans toute la zone.

# %%
study.territory_weights(
    FAMILY,
    "ess_family",
    {"nuts3": territory},
    f"fiche_{TID}_familles",
    "Postes de l'ESS par famille",
    NAME,
)
study.territory_weights(
    SECTOR,
    "sector_group",
    {"country": facts.country, "nuts3": territory},
    f"fiche_{TID}_secteurs",
    "Postes de l'ESS par secteur regroupé",
    NAME,
)

# %% [markdown]
# ## Évolution

# %%
series = study.jobs_series()
evo = derived.published_series(study.cells, series.years, country=TOTAL, nuts3=territory)
if len(evo) >= 2:
    study.figure(
        figures.series_line(
            evo,
            series.years,
            f"Postes de l'ESS — {NAME}",
            "postes",
            series.breaks[series.breaks["country"].eq(facts.country)],
            labels.COUNTRY_FR,
        ),
        f"Postes de l'ESS, {baseline_year}-{year} (pointillés : rupture de série ; "
        "une année sans valeur publiée reste vide)",
        "postes",
        date=f"31/12/{baseline_year} à 31/12/{year}",
        series=True,
    )
    since = evo[evo["year"].ge(series.start(facts.country))]
    study.text(narrative.growth_sentence(derived.growth_between_ends(since)))
    study.text(narrative.break_sentence(series, facts.country))

# %% [markdown]
# ## Méthode
#
# Mêmes définitions que le diagnostic transfrontalier (note « Définition commune de l'ESS »).
# Cases marquées « s » : secret statistique (moins de 3 entreprises ou une entreprise au-delà de
# 85 % de la case, et secret secondaire). Les cases de cette fiche sont protégées en même
# temps que celles du diagnostic, des autres fiches et des autres éditions de l'année : une case
# masquée ici l'est partout, et ne se retrouve ni exactement ni à ±15 % près.
