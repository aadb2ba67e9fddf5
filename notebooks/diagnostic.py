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
zone = "desir"
perimeter = "core_crossborder"
output_dir = ""
processed_dir = ""
geometry_file = ""
min_respondents = 20  # an estimate of the questionnaire resting on fewer answers is not shown

# %% tags=["remove-cell"]
from desir_analysis.analysis import derived, evolution
from desir_analysis.analysis import zone as zone_data
from desir_analysis.analysis.cells import RECONCILIATIONS
from desir_analysis.build import store
from desir_analysis.publish import figures, labels, narrative
from desir_analysis.publish.study import WITH_POPULATION, Study

study = Study.open(
    "diagnostic",
    year,
    zone,
    perimeter,
    first_year,
    output_dir=output_dir,
    processed_dir=processed_dir,
)
est = zone_data.establishments(year, zone, perimeter, study.processed_dir)
ess = est[est["in_ess"]]
TOTAL, COUNTRY = derived.TOTAL, labels.COUNTRY_FR
PERIMETER = labels.perimeter_fr()[perimeter]
COUNTRIES = narrative.countries(study.provenance, set(est["country"]))

# %% [markdown]
# # Diagnostic transfrontalier de l'économie sociale et solidaire

# %%
study.banner()
study.text(
    f"Édition **{year}** — {study.territory} — périmètre : **{PERIMETER}** (`{perimeter}`). "
    f"Établissements employeurs (lieu de travail) et postes, {year} : {study.jobs_words()} ; "
    f"{COUNTRIES}. " + narrative.coverage(perimeter)
)

# %% [markdown]
# ## Chiffres clés
#
# Part de l'ESS dans l'emploi salarié **total** et **privé** (hors formes juridiques de droit
# public), numérateur et dénominateurs publiés ensemble.

# %%
by_country = study.ess_share(
    "country", "chiffres_cles_pays", "L'ESS dans l'emploi salarié, par pays"
)

# %%
jobs_c = study.select("ess_jobs", ("country", "ess_family"), ess_family=TOTAL)
fte_c = study.select("ess_fte", ("country",))
population = zone_data.population_of_year(store.load(year, "population", study.processed_dir), year)
pop_c = zone_data.population_by_country(population, set(est["nuts3"].dropna()))
study.table(
    derived.country_key_figures(jobs_c, fte_c, pop_c),
    "chiffres_cles_etp_densite",
    f"Postes, EQTP / ETP et densité de l'ESS : {COUNTRIES}, zone",
    "postes ; EQTP (FR) ou ETP (BE) ; habitants",
    protected={"postes": jobs_c, **({"etp": fte_c} if fte_c is not None else {})},
    plan=["ess_jobs|country|ess_family", "ess_fte|country"],
    decimals={"Postes ESS pour 100 000 hab.": 0, derived.FTE_LABEL: 0},
    annex=False,
    total="Zone",
    sources=WITH_POPULATION,
)

# %% [markdown]
# ## Définitions et comparabilité
#
# **Périmètre retenu** : voir l'en-tête ; les familles de l'ESS sont définies par la **forme
# juridique** dans les deux pays (note « Définition commune de l'ESS »), avec les mêmes exclusions
# d'activité.
#
# **Comparable** : établissements employeurs (lieu de travail) et postes salariés, par famille,
# secteur regroupé (NACE rév. 2, commune aux deux pays), territoire NUTS 3 et taille ; parts de
# l'ESS dans l'emploi salarié total et privé, calculées de la même façon dans les deux pays.
#
# **À lire avec prudence** : la date (31 décembre en France, fin du 4e trimestre en Belgique), la
# notion d'emploi (postes salariés au 31 décembre / postes de travail en fin de 4e trimestre), les
# EQTP français et les ETP belges (définitions nationales, glossaire du référentiel) et les
# coopératives belges (agrément CNC ou finalité sociale, sans équivalent exact en France). **Non
# comparable** : les périmètres nationaux entre eux (INSEE, loi de 2014, ConcertES), d'où les
# tableaux de passage ci-dessous.

# %%
study.text(narrative.activity_versions(year, study.provenance.get("series_versions")))

# %% [markdown]
# ### Ce que change le périmètre
#
# France : du périmètre statistique INSEE à l'ESS au sens de la loi de 2014 (sociétés commerciales
# portant la mention ESS au répertoire Sirene). Belgique : du périmètre ConcertES au socle
# transfrontalier (sans les sociétés à finalité sociale ni les associations de fait). Établissements
# employeurs par famille.


# %%
for country, (a, b) in RECONCILIATIONS.items():
    if country in set(est["country"]):
        names = labels.perimeter_fr()
        moves = study.select("perimeter_moves", derived.MOVES, country=country)
        study.table(
            derived.perimeter_moves(moves),
            f"reconciliation_perimetres_{country.lower()}",
            f"{COUNTRY[country]} — établissements employeurs : {names[a]} → {names[b]}",
            "nombre d'établissements",
            protected={"etablissements": moves},
            plan=["perimeter_moves|country|ess_family|in_first|in_second"],
            relabel={"ess_family": {"non_ess": "Autres formes juridiques"}},
            territory=f"{study.territory}, {COUNTRY[country]}",
        )

# %% [markdown]
# ## Part de l'ESS dans l'emploi salarié, par territoire

# %%
by_terr = study.ess_share(
    "nuts3",
    "part_ess_territoire",
    "Part de l'ESS dans l'emploi salarié total et privé, par territoire NUTS 3",
)
map_title = "Part de l'ESS dans l'emploi salarié total (%)"
fig, words = figures.territory_map(
    derived.values_by(by_terr, "nuts3", "Part dans l'emploi total (%)"),
    labels.territory_fr(),
    map_title,
    "%",
    geometry_file,
)
study.figure(fig, map_title + words, "%")

# %% [markdown]
# ## Établissements employeurs et postes par famille

# %%
study.ess_breakdown(
    ["country", "ess_family"],
    "ess_famille",
    "Établissements employeurs et postes de l'ESS par famille",
)

# %% [markdown]
# ## Par secteur d'activité regroupé

# %%
study.ess_breakdown(
    ["country", "sector_group"],
    "ess_secteur",
    "Établissements employeurs et postes de l'ESS par secteur regroupé",
)

# %% [markdown]
# ### Part des femmes dans l'emploi de l'ESS, par secteur

# %%
study.table(
    derived.women_share(study.cells),
    "ess_femmes_secteur",
    "Part des femmes dans les postes de l'ESS, par secteur regroupé",
    "postes au 31/12 ; %",
    protected={"postes_femmes": study.select("ess_women", ("country", "sector_group"))},
    plan=["ess_jobs|country|sector_group", "ess_women|country|sector_group"],
)

# %% [markdown]
# ### Poids de l'ESS dans chaque secteur et spécialisation
#
# Part de l'ESS dans l'emploi de chaque secteur de la zone, et quotient de localisation de l'emploi
# de l'ESS de la zone par rapport à celui de tout le pays (> 1 : secteur sur-représenté dans l'ESS
# de la zone ; source nationale : `national_aggregates`).

# %%
national = store.load(year, "national_aggregates", study.processed_dir)
parts = []
for country in sorted(est["country"].unique()):
    jobs_s = study.select("all_jobs", ("country", "sector_group", "field"), country=country)
    study.audit(f"secteurs_part_ess_{country.lower()}", {"postes": jobs_s})
    ref = zone_data.national_by_sector(national, country, perimeter)
    parts.append(derived.sector_specialisation(jobs_s, ref, country))
sectors_table = derived.stack(parts)
study.table(
    sectors_table,
    "secteurs_part_et_specialisation",
    "Part de l'ESS dans chaque secteur et spécialisation de la zone",
    "postes ; % ; indice",
    plan=["all_jobs|country|sector_group|field"],
    decimals={"Quotient de localisation (zone / pays)": 2},
)

# %% [markdown]
# ## Par territoire et par famille

# %%
study.ess_breakdown(
    ["nuts3", "ess_family"],
    "ess_territoire_famille",
    "Postes de l'ESS par territoire et par famille",
    wide="ess_family",
)

# %% [markdown]
# ## Par taille d'établissement

# %%
study.ess_breakdown(
    ["country", "size_band"], "ess_taille", "Établissements employeurs de l'ESS par taille"
)

# %% [markdown]
# ## Densité et qualité de l'emploi
#
# Postes de l'ESS pour 100 000 habitants (population au 1er janvier de l'année de référence :
# Statbel pour la Belgique, sinon INSEE, sinon Eurostat), part des femmes, part du temps partiel et
# rémunération brute par EQTP (France : équivalent temps plein sur l'année, Flores) ou par ETP
# (Belgique : équivalents temps plein du 4e trimestre, ONSS). Les deux volumes ne sont pas définis
# de la même façon : la rémunération par EQTP / ETP se compare d'une famille à l'autre dans un
# pays, pas d'un pays à l'autre (glossaire du référentiel).

# %%
terr_jobs = study.select("ess_jobs", ("nuts3", "ess_family"), ess_family=TOTAL)
study.table(
    derived.density_by_territory(terr_jobs[terr_jobs["nuts3"].ne(TOTAL)], population),
    "densite_territoire",
    "Postes de l'ESS pour 100 000 habitants",
    "postes ; habitants ; postes pour 100 000 hab.",
    plan=["ess_jobs|nuts3|ess_family"],
    decimals={"Postes ESS pour 100 000 habitants": 0},
    sources=WITH_POPULATION,
)
study.table(
    zone_data.job_quality_by_country(ess),
    "qualite_emploi",
    "Qualité de l'emploi dans l'ESS",
    "% ; euros par EQTP (FR) ou ETP (BE)",
    plan=["ess_job_quality|country"],
    decimals={"Rémunération brute par EQTP (FR) / ETP (BE) (€)": 0},
)

# %% [markdown]
# ## Évolution de l'emploi de l'ESS

# %%
series = study.series("ess_postes_evolution", "Postes de l'ESS au 31 décembre")
period = f"31/12/{first_year} à 31/12/{year}"
spans = narrative.periods_words(evolution.periods(series))
study.figure(
    figures.signed_bars(
        labels.publishable(evolution.change_by_territory(series), sort=False),
        "Territoire",
        "Évolution (%)",
        "Pays",
        "Évolution des postes de l'ESS par territoire",
        "évolution sur la période comparable (%)",
    ),
    f"Évolution des postes de l'ESS par territoire, {spans} "
    "(depuis la dernière rupture de série ; territoires publiés les deux années)",
    "%",
    date=period,
    series=True,
)

# %% [markdown]
# ### Tendance et projection à court terme
#
# Tendance linéaire des postes de l'ESS par pays (moindres carrés), avec l'intervalle de confiance
# de la tendance et l'intervalle de prévision à 95 %, prolongée de trois ans. Chaque pays est ajusté
# depuis sa dernière rupture de série non comparable (trait vertical pointillé).

# %%
points, trends = evolution.country_trends(series, horizon=3)
study.figure(
    figures.trend(
        points,
        "Postes de l'ESS : tendance et intervalle de prévision à 95 %",
        COUNTRY,
        breaks=series.breaks,
    ),
    "Tendance des postes de l'ESS et projection à trois ans",
    "postes",
    date=f"{period}, projection {year + 3}",
    series=True,
)
study.table(
    trends,
    "tendance_pays",
    "Tendance linéaire des postes de l'ESS (depuis la dernière rupture de série)",
    "postes ; postes par an",
    date=period,
    series=True,
)

# %% [markdown]
# ### Décomposition de l'évolution par secteur (analyse structurelle-résiduelle)
#
# Pour chaque pays, l'évolution des postes de l'ESS de la zone entre le début et la fin de la
# période est décomposée en trois effets dont la somme est exactement l'évolution observée : **effet
# national** (croissance qu'aurait eue la zone au rythme de l'ESS du pays entier), **effet de
# structure** (surcroît dû au poids, dans la zone, des secteurs qui croissent plus ou moins vite
# dans le pays) et **effet local** (écart propre à la zone, secteur par secteur). Référence : l'ESS
# du pays entier, même périmètre (agrégats nationaux). Un secteur sous secret statistique une des
# deux années n'est pas publié ; la ligne d'ensemble ne sépare alors pas structure et effet local
# (la répartition permettrait de recalculer les secteurs masqués) et donne leur somme.

# %%
start = evolution.decomposition_start(series)
shift = None
if start > min(series.years):
    study.text(
        f"La décomposition part de **{start}** : elle ne franchit ni une rupture de série des "
        "effectifs ni un changement de nomenclature d'activité (ruptures ci-dessus)."
    )
if start < year:
    by = ("country", "sector_group")
    start_cells = study.select("ess_jobs", by, start)
    statuses = evolution.cell_statuses(start_cells, study.select("ess_jobs", by), list(by))
    e0 = zone_data.establishments(start, zone, perimeter, study.processed_dir)
    shift = evolution.shift_share_by_country(
        e0[e0["in_ess"]],
        ess,
        (store.load(start, "national_aggregates", study.processed_dir), national),
        perimeter,
        statuses,
        (start, year),
    )
    both = f"31/12/{start} et 31/12/{year}"
    study.table(
        shift,
        "ess_shift_share",
        f"Décomposition de l'évolution des postes de l'ESS, {start}-{year}",
        "postes",
        protected={f"postes_{start}": start_cells},
        plan=["ess_jobs|country|sector_group"],
        annex=f"ess_shift_share (postes {start})",
        date=both,
        total="Ensemble",
        decimals={
            c: 0 for c in shift.columns if c.startswith(("Postes", "Évolution", "Effet", "Écart"))
        },
    )
    local = shift[shift["sector_group"].ne(TOTAL) & shift["Effet local"].notna()]
    if len(local):
        study.figure(
            figures.signed_bars(
                labels.publishable(local, sort=False),
                "Secteur",
                "Effet local",
                "Pays",
                "Effet local par secteur (écart propre à la zone)",
                "postes",
            ),
            f"Effet local de l'évolution des postes de l'ESS par secteur, {start}-{year} "
            "(secteurs publiés)",
            "postes",
            date=both,
        )
else:
    study.text("Une seule année comparable disponible : pas de décomposition de l'évolution.")

# %% [markdown]
# ## Forces et faiblesses
#
# Synthèse tirée des tableaux précédents (cases publiées seulement).

# %%
study.table(
    narrative.strengths_weaknesses(sectors_table, by_terr, series, shift, (start, year)),
    "forces_faiblesses",
    "Forces et faiblesses de l'ESS de la zone",
    "voir la colonne Indicateur",
)

# %% [markdown]
# ## Modes d'organisation et pratiques
#
# Questionnaire aux organisations (gouvernance, bénévolat, affectation des bénéfices, financement,
# réseaux, recrutement, coopération transfrontalière), pondéré pour représenter les établissements
# employeurs de la zone par pays, famille et taille.

# %%
survey = study.survey()
study.practices_section(survey, min_respondents)

# %% [markdown]
# ## Reconnaissance transfrontalière
#
# La grille commune vérifie, sur les réponses d'une organisation, les quatre principes de l'économie
# sociale (décret wallon du 20 novembre 2008, conditions proches de la loi française du 31 juillet
# 2014). Les entreprises peuvent s'évaluer elles-mêmes avec la page `grille_reconnaissance.html` de
# l'édition.

# %%
study.recognition_section(survey, min_respondents)

# %% [markdown]
# ## Annexe qualité
#
# Chaque ligne brute est retenue, rejetée (liste détaillée dans `rejects.parquet`) ou hors champ
# (comptée par motif) : lignes brutes = retenues + rejetées + hors champ, pour chaque fichier.

# %%
study.quality_annex(est)

# %% [markdown]
# ## Méthode et sources
#
# - **Établissement employeur** : au moins un poste salarié au 31 décembre (France, INSEE ; en
#   mode public, une tranche d'effectif Sirene de salariés) ou à la fin du 4e trimestre (Belgique,
#   ONSS, unités d'établissement). Lieu de travail : la commune de l'établissement. Les mots des
#   tableaux (postes, EQTP, ETP, établissements employeurs…) sont définis une fois, dans le
#   glossaire du référentiel ; les producteurs des fichiers lus sont dans l'annexe de provenance.
# - **Périmètre** : voir la note « Définition commune de l'ESS » (familles par forme juridique,
#   exclusions d'activité, périmètres nommés). Le socle transfrontalier retient associations,
#   coopératives (en Belgique : agréées CNC ou à finalité sociale), mutuelles et fondations.
# - **Secret statistique** : aucune case ne repose sur moins de 3 entreprises (plusieurs
#   établissements d'une même entreprise comptent pour une) ni sur une entreprise pesant plus de
#   85 % de la case (secret primaire) ; des cases supplémentaires sont masquées (secret secondaire)
#   pour qu'aucune case masquée ne puisse être retrouvée, ni exactement ni à ±15 % près, à partir de
#   tout ce qui est publié pour l'année : tous les tableaux de tous les documents (diagnostic,
#   fiches, plan de développement) et de toutes les éditions de l'année (zones DESIR et Interreg,
#   autres périmètres rendus), en tenant compte de toutes les sommes (un pays est la somme de ses
#   territoires, une zone celle de ses pays), des identités entre ventilations (une famille qui est
#   exactement un secteur dans un pays) et des nombres dérivés (parts, densités) ; l'intervalle
#   que ces relations laissent à chaque case masquée est calculé par programmation linéaire. Les
#   cases masquées portent la marque « s », dans les pages comme dans les fichiers CSV / XLSX
#   (colonne `secret`) ; les fichiers ne disent pas quel secret s'applique : l'annexe n'en donne
#   que les nombres.
# - **Arrondis des fichiers publiés** : les effectifs sont des entiers ; les parts et taux de
#   couverture ont 1 décimale, les montants en euros et les densités pour 100 000 habitants aucune,
#   les indices et quotients 2, les EQTP / ETP 1 : une part à 15 chiffres multipliée par son total
#   publié redonnerait une case masquée. Les composantes arrondies peuvent ne pas tomber juste
#   sur leur total (à une unité près).
# - **Anciennes nomenclatures** : un établissement encore codé en NAF rév. 1 reçoit le code NAF rév.
#   2 de son unité légale ; une unité belge sans activité principale reçoit celle de son entreprise.
