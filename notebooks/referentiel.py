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
zone = "desir"
perimeter_a = "insee"
perimeter_b = "ess_law_2014"
output_dir = ""

# %% tags=["remove-cell"]
from desir_analysis.publish import definition, labels, narrative
from desir_analysis.publish.study import Study

study = Study.of_reference("referentiel", year, output_dir=output_dir)
ZONE = labels.zone_short_fr()[zone]
NONE = "sans objet"
CODES = "nombre de codes"

# %% [markdown]
# # Définition commune de l'économie sociale et solidaire
#
# Cette note présente la définition commune utilisée par l'observatoire transfrontalier
# (CRESS Hauts-de-France, ConcertES) : formes juridiques → familles de l'ESS, activités →
# secteurs regroupés, communes → NUTS 3 → zones d'étude, et les **périmètres nommés**
# entre lesquels les chercheurs choisissent. Chaque ligne des référentiels porte sa source
# ou sa règle ; ils sont livrés avec le logiciel (`src/desir_analysis/reference/`).

# %% [markdown]
# ## Périmètres nommés

# %%
study.table(
    definition.named_perimeters(), "perimetres", "Périmètres nommés et leur définition", NONE
)

# %% [markdown]
# ## Formes juridiques par famille et par périmètre
#
# Nombre de **codes officiels** (catégories juridiques INSEE de niveau III, formes juridiques
# de la BCE) retenus par chaque périmètre. « sous condition » : la forme n'entre que si l'unité
# porte la mention ESS au répertoire Sirene (France) ou si la coopérative est agréée / reconnue
# entreprise sociale (Belgique).

# %%
study.table(
    definition.codes_by_family_and_perimeter(),
    "formes_juridiques_par_perimetre",
    "Codes de forme juridique par famille et périmètre",
    CODES,
)
study.table(
    definition.codes_by_family(),
    "formes_juridiques_par_famille",
    "Toutes les formes juridiques officielles par famille",
    CODES,
)

# %% [markdown]
# ### Chaque périmètre et le socle transfrontalier commun
#
# Pour chaque périmètre et chaque pays : les codes de forme juridique qu'il partage avec le socle
# commun, ceux qu'il ajoute et ceux qu'il laisse de côté (un périmètre composé, comme `national`,
# compte chaque pays selon sa propre définition).

# %%
study.table(
    definition.reconciliation_with_core(),
    "perimetres_et_socle_commun",
    "Codes de forme juridique : chaque périmètre rapproché du socle transfrontalier commun",
    CODES,
)

# %% [markdown]
# ## Cas débattus et décisions
#
# Les décisions ci-dessous sont tranchées dans le référentiel ; la raison figure sur la ligne.

# %%
study.table(
    definition.debated_cases(),
    "cas_debattus",
    "Formes juridiques débattues : décision et raison",
    NONE,
)

# %% [markdown]
# ## Secteurs d'activité regroupés
#
# Chaque classe NACE (Rév. 2 pour la NAF rév. 2 et la NACE-BEL 2008 ; Rév. 2.1 pour la NAF 2025
# et la NACE-BEL 2025 ; Rév. 1.1 pour la NACE-BEL 2003 que portent encore d'anciennes entités de la
# BCE) est rattachée à un secteur regroupé de l'ESS. Les codes de la BCE à 5 chiffres (sous-classe)
# et à 7 chiffres (subdivision propre à la BCE, `9531901`) atteignent leur sous-classe, leur classe
# et leur secteur.

# %%
study.table(
    definition.sector_groups(),
    "secteurs_regroupes",
    "Secteurs regroupés de l'ESS et classes NACE rattachées",
    "nombre de classes",
)

# %% [markdown]
# ### D'une version de la nomenclature à l'autre
#
# Chaque version de la NACE a sa propre liste de classes, chacune rattachée directement à un
# secteur regroupé : un code NAF 2025 ou NACE-BEL 2025 n'est jamais traduit depuis la NAF rév. 2,
# il est classé pour lui-même. La table de passage officielle de l'INSEE (NAF rév. 2 → NAF 2025)
# n'est pas nécessaire à ce classement ; les évolutions par secteur recommencent aux ruptures de
# 2025 (NACE-BEL) et 2027 (NAF) (« Ruptures de séries »). Le tableau compte les classes de chaque
# version par secteur, et les codes de classe apparus ou disparus entre la Rév. 2 et la Rév. 2.1.

# %%
study.text(narrative.activity_versions(year))
study.table(
    definition.sector_groups_by_version(),
    "secteurs_versions_nace",
    "Classes NACE de chaque version par secteur regroupé",
    "nombre de classes",
    sort=False,
)

# %% [markdown]
# ### Activités exclues de l'ESS
#
# Les mêmes activités sont exclues dans chaque version de la nomenclature, sous leur propre code :
# les organisations religieuses sont la classe 91.31 en NACE Rév. 1.1 et 94.91 en Rév. 2, où la
# division 91 regroupe bibliothèques, archives et musées (non exclus).

# %%
study.table(
    definition.activity_exclusions(), "exclusions_activite", "Activités exclues de l'ESS", NONE
)

# %% [markdown]
# ### L'activité principale d'une entité de la BCE
#
# Une entité de la BCE peut porter plusieurs activités principales (plusieurs groupes, plusieurs
# versions de la nomenclature) : une seule est retenue, par la règle suivante.

# %%
study.table(
    definition.kbo_main_activity_rule(year),
    "bce_activite_principale",
    f"Choix de l'activité principale d'une entité de la BCE ({year})",
    NONE,
    sort=False,
)

# %% [markdown]
# ## Territoires de la zone d'étude

# %%
study.table(definition.study_zones(), "zones_etude", "Zones d'étude", "sans objet")
territories = definition.zone_territories(zone)
study.text(f"La {ZONE} compte **{territories['NUTS 3'].nunique()} territoires NUTS 3**.")
study.table(
    territories, f"territoires_{zone}", f"Territoires NUTS 3 de la {ZONE}", NONE, territory=ZONE
)

# %% [markdown]
# ## Champ des services à la personne et de proximité

# %%
study.table(
    definition.personal_services_codes(),
    "services_personne_codes",
    "Codes définissant les services à la personne",
    NONE,
)

# %% [markdown]
# ## Les mots du métier
#
# Un seul mot par notion, dans toutes les publications. Quand les deux pays ne mesurent pas la
# même chose, chacun a sa ligne : les postes salariés au 31 décembre (France) et les postes de
# travail en fin de 4e trimestre (Belgique) sont publiés sous le même mot « postes » avec leur
# date ; les EQTP (France) et les ETP (Belgique) ne sont jamais additionnés ni comparés comme
# une seule mesure.

# %%
study.table(definition.glossary(), "glossaire", "Glossaire", NONE)

# %% [markdown]
# ## Les sources
#
# Chaque fichier brut est rattaché à sa source d'après son dossier et son nom ; les légendes des
# tableaux, les fiches et l'annexe de provenance citent le producteur des fichiers réellement lus.

# %%
study.table(definition.source_kinds(), "sources", "Sources des données et leurs producteurs", NONE)

# %% [markdown]
# ## Ruptures de séries
#
# Les sources, les nomenclatures et les définitions changent : une évolution ne doit pas enjamber
# une rupture non comparable. Les ruptures recodées (communes belges) sont ramenées aux codes
# actuels pour toutes les années.

# %%
study.table(definition.series_breaks(), "ruptures_series", "Ruptures de séries", NONE, sort=False)

# %% [markdown]
# ## La grille commune de reconnaissance
#
# Les quatre principes de l'économie sociale (décret wallon du 20 novembre 2008 ; conditions
# proches de la loi française du 31 juillet 2014), chacun vérifié sur les réponses d'une
# organisation : un principe est respecté quand toutes ses conditions le sont, non respecté dès
# qu'une condition répondue échoue, non établi quand une réponse manque. Les entreprises
# s'évaluent avec la page `grille_reconnaissance.html` de chaque édition ; le diagnostic confronte
# la grille aux formes juridiques sur les réponses au questionnaire.

# %%
study.table(
    definition.recognition_grid(),
    "grille_reconnaissance_criteres",
    "La grille commune de reconnaissance : principes, questions et conditions",
    NONE,
    sort=False,
)

# %% [markdown]
# ## Méthode
#
# - Un code absent des référentiels est classé `unknown` (famille ou secteur), compté et
#   signalé dans l'annexe qualité des études ; il n'est jamais rangé d'office hors ESS.
# - Les codes d'activité des anciennes nomenclatures encore présents dans Sirene (NAFRev1,
#   NAF1993, NAP) sont remplacés par le code NAF rév. 2 de l'unité légale quand il existe,
#   sinon classés `unknown`.
# - Formes juridiques belges : à partir de 2020 (le Code des sociétés et des associations
#   s'applique aux sociétés existantes le 1er janvier 2020), une société dont les statuts ne sont
#   pas encore adaptés est classée selon la forme que la BCE lui donne sous le nouveau code
#   (`JuridicalFormCAC`) ; avant, selon sa forme (`JuridicalForm`). Les données ouvertes de la
#   BCE ne gardent pas l'historique des formes : une société convertie depuis est classée partout
#   selon sa forme actuelle.
# - Les communes belges recodées en 2019 (Hainaut) et fusionnées en 2025 sont ramenées à
#   leur code actuel avant le rattachement à l'arrondissement ; les communes germanophones
#   forment le NUTS 3 BE336.
