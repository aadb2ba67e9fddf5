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
from pathlib import Path

from IPython.display import HTML, Markdown, display

from desir_analysis import config, reference
from desir_analysis.publish import labels
from desir_analysis.publish.tables import Caption, publish
from desir_analysis.reference import membership as perimeters

out_dir = Path(output_dir) if output_dir else config.REPORTS_DIR / str(year)
STUDY = "referentiel"
SOURCE_REF = "référentiels desir-analysis (INSEE CJ 2022-09, KBO 2025-10, NACE-BEL, COG 2026, NUTS 2021)"
ZONE_LABEL = {"desir": "zone DESIR", "interreg_fwvl": "zone Interreg France-Wallonie-Vlaanderen"}[zone]
FAMILY_FR = labels.FAMILY_FR


def show(table, name, title, unit, territory="France, Belgique", decimals=None):
    caption = Caption(title, unit, SOURCE_REF, "référentiels en vigueur", territory)
    display(HTML(publish(table, name, caption, out_dir, STUDY, confidential=False, decimals=decimals)))


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
per = perimeters.list_perimeters()[
    ["perimeter", "version", "countries", "applies_activity_exclusions", "label_fr", "description"]
]
per = per.assign(applies_activity_exclusions=per["applies_activity_exclusions"].map({True: "oui", False: "non"}))
per.columns = ["Périmètre", "Version", "Pays", "Exclusions d'activité", "Intitulé", "Définition"]
show(per, "perimetres", "Périmètres nommés et leur définition", "sans objet")

# %% [markdown]
# ## Formes juridiques par famille et par périmètre
#
# Nombre de **codes officiels** (catégories juridiques INSEE de niveau III, formes juridiques
# de la BCE) retenus par chaque périmètre. « sous condition » : la forme n'entre que si l'unité
# porte la mention ESS au répertoire Sirene (France) ou si la coopérative est agréée / reconnue
# entreprise sociale (Belgique).

# %%
counts = perimeters.reference_membership_counts()
counts["famille"] = counts["ess_family"].map(FAMILY_FR)
counts["condition"] = counts["membership"].map(
    {"yes": "toujours", "if_ess_flag": "sous condition", "if_approved": "sous condition"}
)
pivot = counts.pivot_table(
    index=["country", "famille"], columns=["perimeter", "condition"], values="n_codes", aggfunc="sum", fill_value=0
)
pivot.columns = [f"{p} ({c})" for p, c in pivot.columns]
pivot = pivot.reset_index().rename(columns={"country": "Pays", "famille": "Famille"})
show(pivot, "formes_juridiques_par_perimetre", "Codes de forme juridique par famille et périmètre", "nombre de codes")

# %%
lf = reference.legal_forms()
totals = lf.groupby(["country", "ess_family"]).size().rename("Codes").reset_index()
totals["ess_family"] = totals["ess_family"].map(FAMILY_FR)
totals.columns = ["Pays", "Famille", "Codes"]
show(totals, "formes_juridiques_par_famille", "Toutes les formes juridiques officielles par famille", "nombre de codes")

# %% [markdown]
# ## Cas débattus et décisions
#
# Les décisions ci-dessous sont tranchées dans le référentiel ; la raison figure sur la ligne.

# %%
debated = [
    "9223",
    "9240",
    "5546",
    "5646",
    "5192",
    "6595",
    "9900",
    "9970",
    "5442",
    "8510",
    "9224",
    "706",
    "508",
    "514",
    "721",
    "999",
]
cases = lf[lf["code"].isin(debated)][
    ["country", "code", "label_fr", "ess_family", "insee", "ess_law_2014", "concertes", "core_crossborder", "rule"]
]
cases = cases.assign(ess_family=cases["ess_family"].map(FAMILY_FR))
cases.columns = ["Pays", "Code", "Forme juridique", "Famille", "insee", "ess_law_2014", "concertes", "socle", "Raison"]
show(cases, "cas_debattus", "Formes juridiques débattues : décision et raison", "sans objet")

# %% [markdown]
# ## Secteurs d'activité regroupés
#
# Chaque classe NACE (Rév. 2 pour la NAF rév. 2 et la NACE-BEL 2008 ; Rév. 2.1 pour la
# NACE-BEL 2025) est rattachée à un secteur regroupé de l'ESS.

# %%
sec = reference.sectors().groupby(["sector_group", "nomenclature"]).size().unstack(fill_value=0).reset_index()
groups = reference.sector_groups()[["sector_group", "order", "label_fr", "rule"]]
sec = groups.merge(sec, on="sector_group", how="left").fillna({"NACE2": 0, "NACE21": 0})
sec = sec.sort_values("order").drop(columns="order")
sec.columns = ["Code", "Secteur regroupé", "Règle", "Classes NACE Rév. 2", "Classes NACE Rév. 2.1"]
show(sec, "secteurs_regroupes", "Secteurs regroupés de l'ESS et classes NACE rattachées", "nombre de classes")

# %% [markdown]
# ## Territoires de la zone d'étude

# %%
terr = reference.territories()
zt = terr[terr[f"zone_{zone}"] & terr["level"].ne("commune")][
    ["country", "code", "label_fr", "nuts3", "nuts3_label", "nuts2"]
]
zt.columns = ["Pays", "Code", "Territoire", "NUTS 3", "Libellé NUTS 3", "NUTS 2"]
display(Markdown(f"La {ZONE_LABEL} compte **{zt['NUTS 3'].nunique()} territoires NUTS 3**."))
show(zt, f"territoires_{zone}", f"Territoires NUTS 3 de la {ZONE_LABEL}", "sans objet", territory=ZONE_LABEL)

# %% [markdown]
# ## Champ des services à la personne et de proximité

# %%
ps = reference.personal_services()[["country", "code_type", "code", "label_fr", "field", "rule"]]
ps = ps.assign(field=ps["field"].map({"core": "cœur", "extended": "élargi"}))
ps.columns = ["Pays", "Type de code", "Code", "Libellé", "Champ", "Règle"]
show(ps, "services_personne_codes", "Codes définissant les services à la personne", "sans objet")

# %% [markdown]
# ## Méthode
#
# - Un code absent des référentiels est classé `unknown` (famille ou secteur), compté et
#   signalé dans l'annexe qualité des études ; il n'est jamais rangé d'office hors ESS.
# - Les codes d'activité des anciennes nomenclatures encore présents dans Sirene (NAFRev1,
#   NAF1993, NAP) sont remplacés par le code NAF rév. 2 de l'unité légale quand il existe,
#   sinon classés `unknown`.
# - Les communes belges recodées en 2019 (Hainaut) et fusionnées en 2025 sont ramenées à
#   leur code actuel avant le rattachement à l'arrondissement ; les communes germanophones
#   forment le NUTS 3 BE336.
