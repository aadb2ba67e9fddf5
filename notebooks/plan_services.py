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
first_year = 2015
horizon = 2030
scenarios = "A,B,C"
target_ratio = 150.0
zone = "desir"
perimeter = "core_crossborder"
assumptions_file = ""
targets_file = ""
output_dir = ""
processed_dir = ""

# %% tags=["remove-cell"]
from pathlib import Path

from desir_analysis.analysis import personal_services as ps
from desir_analysis.analysis import zone as zone_data
from desir_analysis.build import store
from desir_analysis.publish import plan_report
from desir_analysis.publish.study import POPULATION, WITH_POPULATION, WITH_PROJECTIONS, Study
from desir_analysis.sources import plan_files

study = Study.open(
    "plan_services",
    year,
    zone,
    perimeter,
    first_year,
    output_dir=output_dir,
    processed_dir=processed_dir,
)
BY = ("country", "nuts3", "ps_segment")
jobs, units = study.select("ps_jobs", BY), study.select("ps_units", BY)
fte = study.select("ps_fte", BY)  # None when the sources lack FTE
by_provider = study.select("ps_jobs", ("country", "ps_segment", "provider"))
population = store.load(year, "population", study.processed_dir)
drivers = ps.drivers(population)
pop75 = ps.driver_series(drivers, "pop_75")
under5 = ps.driver_series(drivers, "children_u5")
assumptions = plan_files.read_assumptions(
    Path(assumptions_file) if assumptions_file else plan_files.default_assumptions()
)
est = zone_data.establishments(year, zone, perimeter, study.processed_dir)
needs = plan_report.needs(
    jobs,
    fte,
    by_provider,
    population,
    pop75,
    assumptions,
    year,
    horizon,
    scenarios,
    target_ratio,
)

# %% [markdown]
# # Plan de développement des services à la personne et de proximité

# %%
study.banner()
study.text(plan_report.synthesis(needs, jobs, pop75, year, horizon))

# %% [markdown]
# ## L'offre : établissements employeurs, postes et prestataires
#
# Champ **cœur** : aide à domicile aux personnes âgées et handicapées, garde d'enfants, services
# aux ménages (emploi direct, titres-services en Belgique). Le champ **élargi** y ajoute des codes
# qui n'en relèvent qu'en partie (nettoyage, jardinage, soutien scolaire…) : c'est un majorant.
# Les EQTP français et les ETP belges du 4e trimestre ne sont pas définis de la même façon : ils
# sont montrés côte à côte, jamais additionnés d'un pays à l'autre.

# %%
study.text(f"Titres-services identifiés {ps.titres_services_identification(est)}.")
study.table(
    ps.supply_by_territory(jobs, fte, units),
    "plan_offre",
    "Offre du champ cœur des services à la personne par territoire et segment",
    "établissements ; postes au 31/12 ; EQTP (FR) ou ETP T4 (BE)",
    protected={
        "postes": jobs,
        "etablissements": units,
        **({"etp": fte} if fte is not None else {}),
    },
    plan=[
        "ps_jobs|country|nuts3|ps_segment",
        "ps_units|country|nuts3|ps_segment",
        "ps_fte|country|nuts3|ps_segment",
    ],
)

# %%
study.crosstab(
    by_provider.drop(columns=["n_units", "top_share"]),
    "plan_offre_prestataires",
    "Postes du champ cœur par type de prestataire",
    "postes au 31/12",
    rows=["country", "ps_segment"],
    columns="provider",
    value="headcount",
    plan=["ps_jobs|country|ps_segment|provider"],
    protected={"postes": by_provider},
)
study.table(
    ps.ess_share_of_field(by_provider),
    "plan_part_ess",
    "Part de l'ESS dans les postes du champ cœur",
    "%",
    plan=["ps_jobs|country|ps_segment|provider"],
    protected={"postes": by_provider},
    annex=False,
)
study.table(
    plan_report.extended_field(study.select("ps_ext_jobs", ("country", "nuts3")), jobs),
    "plan_offre_champ_elargi",
    "Postes du champ élargi (majorant) et du champ cœur, par territoire",
    "postes au 31/12",
    plan=["ps_ext_jobs|country|nuts3", "ps_jobs|country|nuts3|ps_segment"],
)

# %% [markdown]
# ## La demande : personnes âgées et jeunes enfants
#
# Population au 1er janvier (Eurostat, observée puis projetée, scénario de base). Les moins de
# 3 ans ne sont connus que là où la source donne l'âge détaillé (Statbel) ; partout, les moins de
# 5 ans (groupes quinquennaux).

# %%
study.table(
    ps.demand_table(drivers, sorted(set(est["nuts3"].dropna())), year, first_year, horizon),
    "plan_demande",
    "Moteurs de la demande par territoire",
    "personnes ; %",
    date=f"1er janvier {first_year}, {year} et {horizon} (projection)",
    sources=POPULATION,
)

# %% [markdown]
# ## La couverture
#
# Postes pour 1 000 personnes de 75 ans ou plus (aide à domicile) et pour 100 enfants de moins
# de 5 ans (garde d'enfants), avec la distribution des territoires de la zone (quartiles).

# %%
cov = ps.coverage_table(
    jobs,
    fte,
    ps.at_year(pop75, year),
    ps.at_year(under5, year),
)
study.table(
    cov,
    "plan_couverture",
    "Couverture des besoins par territoire",
    "postes pour 1 000 ; pour 100",
    plan=["ps_jobs|country|nuts3|ps_segment", "ps_fte|country|nuts3|ps_segment"],
    sources=WITH_POPULATION,
)
study.table(
    plan_report.coverage_quartiles(cov),
    "plan_couverture_quartiles",
    "Distribution de la couverture entre les territoires de la zone",
    "postes pour 1 000 ; pour 100",
    sources=WITH_POPULATION,
)

# %% [markdown]
# ## Les besoins à l'horizon : trois scénarios
#
# **A — taux d'encadrement constants** (méthode INSEE) : les personnes dépendantes de 75 ans ou
# plus, par âge et lieu de vie, selon le fichier d'hypothèses ci-dessous ; l'encadrement par
# personne aidée est calé sur les postes observés l'année de base (le scénario A redonne les
# postes de l'année de base). **B — rattrapage** : chaque territoire rejoint à l'horizon le
# quartile supérieur de couverture de la zone (aucun n'est abaissé). **C — cible** : la
# couverture atteint la cible choisie à l'horizon. Les EQTP suivent le rapport EQTP / postes de
# l'année de base de chaque territoire ; la part de l'ESS est sa part actuelle de l'aide à domicile.

# %%
study.table(
    needs,
    "plan_besoins",
    f"Postes nécessaires dans l'aide à domicile, {year}-{horizon}",
    "postes ; EQTP (FR) ou ETP (BE)",
    plan=["ps_jobs|country|nuts3|ps_segment", "ps_fte|country|nuts3|ps_segment"],
    date=f"31/12/{year} et projections {year + 1}-{horizon}",
    sort=False,
    sources=WITH_PROJECTIONS,
)
study.figure(
    plan_report.needs_chart(needs),
    f"Postes d'aide à domicile nécessaires, zone, {year}-{horizon}",
    "postes",
    date=f"31/12/{year} et projections",
    sources=WITH_PROJECTIONS,
)
study.table(
    assumptions,
    "plan_hypotheses",
    "Hypothèses du scénario A (fichier d'hypothèses)",
    "parts ; pondérations",
    date="hypothèses en vigueur",
)

# %% [markdown]
# ## Suivi du plan
#
# Chaque objectif va d'une valeur de base à une valeur cible. Règle : **atteint** quand la valeur
# observée atteint la cible ; **en bonne voie** quand elle est au moins sur la droite qui va de la
# base à la cible ; **en retard** sinon.

# %%
targets_path = Path(targets_file) if targets_file else plan_files.default_targets(study.provenance)
targets = plan_files.read_targets_if_any(targets_path, set(est["nuts3"].dropna()) | {"zone"})
monitoring = plan_report.monitoring(targets, study, pop75, first_year)
study.table(
    monitoring,
    "plan_suivi",
    "Suivi des objectifs du plan",
    "postes ; postes pour 1 000",
    plan=["ps_jobs|country|nuts3|ps_segment"],
    sort=False,
    sources=WITH_POPULATION,
)
if monitoring is not None and len(monitoring):
    study.figure(
        plan_report.monitoring_chart(monitoring),
        "Objectifs du plan : valeurs observées et trajectoire",
        "postes ; postes pour 1 000",
        date=f"31/12/{first_year} à 31/12/{year}",
    )

# %% [markdown]
# ## Méthode
#
# - **Champ** : codes d'activité (NAF rév. 2, NACE-BEL) et commissions paritaires belges du
#   référentiel `personal_services.csv` ; une unité belge relevant de la CP 318 ou de la SCP 322.01
#   est dans le champ par sa commission paritaire.
# - **Secret statistique** : les postes, EQTP et établissements sont protégés avec les autres
#   documents de l'édition et les autres éditions de l'année (aucune case masquée ne se retrouve,
#   ni exactement ni à ±15 % près) ; un ratio, une projection ou un total de zone n'est publié que
#   si les cases dont il dépend le sont.
