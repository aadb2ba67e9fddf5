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

# %% tags=["remove-cell"]
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import HTML, Markdown, display

from desir_analysis import build, config
from desir_analysis.analysis import cells as zone_cells
from desir_analysis.analysis import disclosure, indicators, models
from desir_analysis.publish import figures, labels
from desir_analysis.publish.tables import Caption, publish, write_audit
from desir_analysis.publish.tables import format_number as fmt
from desir_analysis.reference import classify
from desir_analysis.reference import membership as perimeters

out_dir = Path(output_dir) if output_dir else config.REPORTS_DIR / str(year)
proc = Path(processed_dir) if processed_dir else config.PROCESSED_DATA_DIR
STUDY = "diagnostic"
figures.setup()
prov = build.provenance(year, proc)
DEMO = prov["demo"]
ESTIMATED = prov["mode"] == "public"
SOURCE = "INSEE Sirene" + (
    " ; emploi estimé d'après la tranche d'effectif" if ESTIMATED else " ; INSEE Flores (sous convention)"
)
if "BE" in prov.get("countries", []):
    SOURCE += " ; BCE-KBO ; ONSS (sous convention)"
if DEMO:
    SOURCE += " — " + prov["notice"]
ZONE = labels.ZONE_FR[zone]
REF = f"31 décembre {year}"
PLABEL = labels.perimeter_fr()[perimeter]
SECTOR = labels.sector_fr()
TERR = labels.territory_fr()

est = build.load(year, "establishments", proc)
est = est[classify.in_zone(est, zone)].copy()
est = indicators.flag_perimeter(est, perimeter)
ess = est[est["in_ess"]].copy()
ess["Famille"] = ess["ess_family"].map(labels.FAMILY_FR)
ess["Secteur"] = ess["sector_group"].map(SECTOR)
ess["Territoire"] = ess["nuts3"].map(TERR)
ess["Taille"] = ess["size_band"].map(labels.SIZE_FR)
ess["Pays"] = ess["country"].map(labels.COUNTRY_FR)
ess["one"] = 1


def cap(title, unit, territory=ZONE, date=REF):
    return Caption(title, unit, SOURCE, date, territory)


BREAKDOWNS = [("Pays", "Famille"), ("Pays", "Secteur"), ("Territoire", "Famille"), ("Pays", "Taille")]


def show(table, name, caption, decimals=None, view=None):
    """Publish a table of protected cells (status column) and display it."""
    display(HTML(publish(table, name, caption, out_dir, STUDY, confidential=True, decimals=decimals, view=view)))


def show_plain(table, name, caption):
    """Publish a table that holds no confidential cell (counts of raw lines, metadata…)."""
    display(HTML(publish(table, name, caption, out_dir, STUDY, confidential=False)))


def show_protected(micro, by, title, unit_label, name, value="headcount", unit="establishment_id", wide=None):
    """Publish a protected breakdown (establishments and jobs), suppressed cells blank.

    With ``wide`` (one of ``by``), the page shows the jobs as a cross-table with that
    column spread (the file keeps one line per cell, with its status).
    """
    jobs, counts = PROTECTED[tuple(by)]
    write_audit({"postes": jobs, "etablissements": counts}, name, out_dir)
    AUDITED[name] = jobs
    t = jobs.merge(counts[by + ["one", "status"]], on=by, suffixes=("", "_n"))
    t["status"] = disclosure.combine_status(t[["status", "status_n"]]).to_numpy()
    t = disclosure.blank_suppressed(t, [value, "one"])
    order = {v: i for i, v in enumerate(labels.SIZE_FR.values())}
    t = t.sort_values(by, key=lambda s: s.map(lambda v: (v == "Total", order.get(v, 0), v)), ignore_index=True)
    t = t[by + ["one", value, "status"]].rename(columns={"one": "Établissements employeurs", value: unit_label})
    view = None
    if wide:
        rows = [c for c in by if c != wide]
        cells = t.pivot(index=rows, columns=wide, values=unit_label)
        absent = t.assign(x=1).pivot(index=rows, columns=wide, values="x").isna()
        cells = cells.mask(absent, 0)  # no establishment at all: a true zero, not a secret
        cells = cells[sorted(cells.columns, key=lambda v: (v == "Total", order.get(v, 0), v))]
        view = cells.reset_index()
        view.columns.name = None
        view["status"] = disclosure.combine_status(t.pivot(index=rows, columns=wide, values="status")).to_numpy()
        view = view.sort_values(rows, key=lambda s: s.eq("Total"), ignore_index=True)
        title += f" (postes au 31/12 ; établissements dans le fichier {name}.csv)"
    show(
        t,
        name,
        cap(title, "nombre d'établissements ; nombre de postes au 31/12"),
        view=view,
    )


# every cell shared with the fact sheets comes from one protection of the whole edition (zone_cells)
CELLS = zone_cells.load(year, zone, perimeter, first_year, proc, out_dir / "_cells")
PROTECTED = {
    b: (CELLS[zone_cells.table_name("ess_jobs", b)], CELLS[zone_cells.table_name("ess_units", b)]) for b in BREAKDOWNS
}
AUDITED = {}


# %% [markdown]
# # Diagnostic transfrontalier de l'économie sociale et solidaire

# %%
banner = []
if DEMO:
    banner.append(f"⚠ Ce rapport est établi sur des <b>{prov['notice']}</b> : aucun chiffre ne décrit la réalité.")
if ESTIMATED:
    banner.append(
        "⚠ Emploi français <b>estimé</b> d'après la tranche d'effectif Sirene (centre de tranche) : "
        "ordres de grandeur seulement."
    )
display(HTML("".join(f"<p class='desir-banner'>{b}</p>" for b in banner)))
countries = " et ".join(labels.COUNTRY_FR[c] for c in prov.get("countries", ["FR"]))
display(
    Markdown(
        f"Édition **{year}** — {ZONE} — périmètre : **{PLABEL}** (`{perimeter}`). "
        f"Établissements employeurs (lieu de travail) et postes salariés au {REF} ; {countries}. "
        "Les deux pays sont classés par la même définition commune (note « Définition commune de l'ESS »)."
    )
)


# %%
def share_table(index, name, title):
    """ESS jobs with total and private denominators by ``index``, cells from the edition's protected tables."""
    p = CELLS[zone_cells.table_name("all_jobs", (index, "champ"))].copy()
    priv = CELLS[zone_cells.table_name("private_jobs", (index, "champ"))].copy()
    n = CELLS[zone_cells.table_name("ess_units", (index, "Famille"))]
    n = n[n["Famille"].eq(disclosure.TOTAL)].drop(columns="Famille")
    for t in (p, priv):
        t["headcount"] = t["headcount"].where(t["status"].eq("published"))
    wide = p.pivot(index=index, columns="champ", values="headcount")
    wpriv = priv.pivot(index=index, columns="champ", values="headcount").reindex(wide.index)
    status = pd.concat(
        [
            p.pivot(index=index, columns="champ", values="status"),
            priv.pivot(index=index, columns="champ", values="status").reindex(wide.index),
        ],
        axis=1,
    )
    write_audit({"postes": p, "postes_prives": priv, "etablissements": n}, name, out_dir)
    AUDITED[name] = p
    n = n.set_index(index).reindex(wide.index)
    out = pd.DataFrame(
        {
            index: wide.index,
            "Établissements ESS": n["one"].where(n["status"].eq("published")).to_numpy(),
            "Postes ESS": wide["ESS"].to_numpy(),
            "Postes, total": wide["Total"].to_numpy(),
            "Part dans l'emploi total (%)": (100 * wide["ESS"] / wide["Total"]).to_numpy(),
            "Postes privés, total": wpriv["Total"].to_numpy(),
            "Part dans l'emploi privé (%)": (100 * wide["ESS"] / wpriv["Total"]).to_numpy(),
            "status": disclosure.combine_status(status).to_numpy(),
        }
    )
    out = out.sort_values(index, key=lambda s: s.eq("Total")).reset_index(drop=True)
    pct = {"Part dans l'emploi total (%)": 1, "Part dans l'emploi privé (%)": 1}
    show(
        out,
        name,
        cap(title, "établissements ; postes au 31/12 ; %"),
        decimals=pct,
    )
    return out


# %% [markdown]
# ## Chiffres clés
#
# Part de l'ESS dans l'emploi salarié **total** et **privé** (hors formes juridiques de droit
# public), numérateur et dénominateurs publiés ensemble.

# %%
_ = share_table(
    "Pays",
    "chiffres_cles_pays",
    "L'ESS dans l'emploi salarié, par pays",
)

# %%
fte_t = disclosure.protect(ess, ["Pays"], "fte", "establishment_id") if ess["fte"].notna().all() else None
jobs_t = CELLS[zone_cells.table_name("ess_jobs", ("Pays", "Famille"))]
jobs_t = jobs_t[jobs_t["Famille"].eq(disclosure.TOTAL)].drop(columns="Famille")
pop_y = indicators.population_by_territory(build.load(year, "population", proc), year)
pop_c = pop_y.assign(Pays=pop_y["nuts3"].str[:2].map(labels.COUNTRY_FR))
pop_c = pop_c[pop_y["nuts3"].isin(est["nuts3"].unique())].groupby("Pays")["population"].sum()
pop_c[disclosure.TOTAL] = pop_c.sum()
kf = jobs_t[["Pays", "headcount", "status"]].rename(columns={"headcount": "Postes ESS"})
if fte_t is not None:
    kf = kf.merge(fte_t[["Pays", "fte", "status"]].rename(columns={"fte": "ETP ESS", "status": "st2"}), on="Pays")
    kf["status"] = kf["status"].where(kf["st2"].eq("published"), kf["st2"])
    kf = kf.drop(columns="st2")
kf["Population"] = kf["Pays"].map(pop_c)
kf["Postes ESS pour 100 000 hab."] = 100000 * kf["Postes ESS"] / kf["Population"]
hidden = kf["status"].ne("published")
for c in ["Postes ESS", "ETP ESS", "Postes ESS pour 100 000 hab."]:
    if c in kf:
        kf[c] = kf[c].where(~hidden)
kf["Pays"] = kf["Pays"].replace({disclosure.TOTAL: "Zone"})
kf = kf.sort_values("Pays", key=lambda s: s.eq("Zone")).reset_index(drop=True)
write_audit({"postes": jobs_t, **({"etp": fte_t} if fte_t is not None else {})}, "chiffres_cles_etp_densite", out_dir)
show(
    kf[[c for c in kf.columns if c != "status"] + ["status"]],
    "chiffres_cles_etp_densite",
    cap("Postes, ETP et densité de l'ESS : France, Belgique, zone", "postes ; ETP ; habitants"),
    decimals={"Postes ESS pour 100 000 hab.": 0, "ETP ESS": 0},
)

# %% [markdown]
# ## Définitions et comparabilité
#
# **Périmètre retenu** : voir l'en-tête ; les familles de l'ESS sont définies par la **forme juridique**
# dans les deux pays (note « Définition commune de l'ESS »), avec les mêmes exclusions d'activité.
#
# **Comparable** : établissements employeurs (lieu de travail) et postes salariés, par famille, secteur
# regroupé (NACE rév. 2, commune aux deux pays), territoire NUTS 3 et taille ; parts de l'ESS dans
# l'emploi salarié total et privé, calculées de la même façon dans les deux pays.
#
# **À lire avec prudence** : la date (31 décembre en France, fin du 4e trimestre en Belgique), la notion
# d'emploi (postes Flores / postes de travail ONSS), l'ETP (définitions nationales) et les coopératives
# belges (agrément CNC ou finalité sociale, sans équivalent exact en France). **Non comparable** : les
# périmètres nationaux entre eux (INSEE, loi de 2014, ConcertES), d'où les tableaux de passage ci-dessous.
#
# ### Ce que change le périmètre
#
# France : du périmètre statistique INSEE à l'ESS au sens de la loi de 2014 (sociétés commerciales
# portant la mention ESS au répertoire Sirene). Belgique : du périmètre ConcertES au socle
# transfrontalier (sans les sociétés à finalité sociale ni les associations de fait).
# Établissements employeurs par famille.


# %%
def reconciliation(country, a, b, name):
    sub = est[est["country"] == country]
    a_in, b_in = perimeters.in_perimeter(sub, a), perimeters.in_perimeter(sub, b)
    both = a_in | b_in
    family = sub["ess_family"].map(labels.FAMILY_FR).where(sub["ess_family"].ne("non_ess"), "Autres formes juridiques")
    mv = sub[both].assign(famille=family[both], mouvement="dans les deux")
    mv.loc[(a_in & ~b_in)[both].to_numpy(), "mouvement"] = "retirés"
    mv.loc[(~a_in & b_in)[both].to_numpy(), "mouvement"] = "ajoutés"
    pr = disclosure.protect(mv.assign(one=1), ["famille", "mouvement"], "one", "establishment_id")
    pr["one"] = pr["one"].where(pr["status"].eq("published"))
    rec = pr.pivot(index="famille", columns="mouvement", values="one")
    rst = pr.pivot(index="famille", columns="mouvement", values="status")
    absent = pr.assign(x=1).pivot(index="famille", columns="mouvement", values="x")
    cols = ["dans les deux", "retirés", "ajoutés", "Total"]
    absent = absent.reindex(columns=cols).isna()
    rec = rec.reindex(columns=cols).mask(absent, 0).reset_index()  # no establishment moved: a true zero
    rec.columns.name = None
    rec["status"] = disclosure.combine_status(rst).to_numpy()
    rec = rec.sort_values("famille", key=lambda s: s.eq("Total")).reset_index(drop=True)
    rec = rec.rename(columns={"famille": "Famille", "Total": "Total (union)"})
    names = labels.perimeter_fr()
    title = f"{labels.COUNTRY_FR[country]} — établissements employeurs : {names[a]} → {names[b]}"
    show(
        rec,
        name,
        cap(title, "nombre d'établissements", territory=f"{ZONE}, {labels.COUNTRY_FR[country]}"),
    )


reconciliation("FR", "insee", "ess_law_2014", "reconciliation_perimetres_fr")
if "BE" in set(est["country"]):
    reconciliation("BE", "concertes", "core_crossborder", "reconciliation_perimetres_be")

# %% [markdown]
# ## Part de l'ESS dans l'emploi salarié, par territoire

# %%
by_terr = share_table(
    "Territoire",
    "part_ess_territoire",
    "Part de l'ESS dans l'emploi salarié total et privé, par territoire NUTS 3",
)
present = set(est["nuts3"].dropna())
code_of = {v: k for k, v in TERR.items() if k in present}
shares = {
    code_of[t]: v
    for t, v in zip(by_terr["Territoire"], by_terr["Part dans l'emploi total (%)"], strict=True)
    if t in code_of
}
map_title = "Part de l'ESS dans l'emploi salarié total (%)"
if geometry_file:
    fig = figures.choropleth(geometry_file, shares, map_title, "%")
else:
    fig = figures.tile_map(shares, TERR, map_title, "%")
display(
    HTML(
        figures.to_html(
            fig,
            cap(
                map_title
                + (
                    " — carte"
                    if geometry_file
                    else " — carte en tuiles, une case par territoire NUTS 3 ; s : secret statistique"
                ),
                "%",
            ),
        )
    )
)

# %% [markdown]
# ## Établissements et emplois par famille

# %%
show_protected(
    ess,
    ["Pays", "Famille"],
    "Établissements employeurs et postes de l'ESS par famille",
    "Postes au 31/12",
    "ess_famille",
)

# %% [markdown]
# ## Par secteur d'activité regroupé

# %%
show_protected(
    ess,
    ["Pays", "Secteur"],
    "Établissements employeurs et postes de l'ESS par secteur regroupé",
    "Postes au 31/12",
    "ess_secteur",
)

# %% [markdown]
# ### Poids de l'ESS dans chaque secteur et spécialisation
#
# Part de l'ESS dans l'emploi de chaque secteur de la zone, et quotient de localisation de l'emploi
# de l'ESS de la zone par rapport à celui de tout le pays (> 1 : secteur sur-représenté dans l'ESS de
# la zone ; source nationale : `national_aggregates`).

# %%
nat = build.load(year, "national_aggregates", proc)
sec_rows = []
for country in sorted(est["country"].unique()):
    ps = CELLS[zone_cells.table_name("all_jobs", ("Pays", "Secteur", "champ"))]
    ps = ps[ps["Pays"].eq(labels.COUNTRY_FR[country])].drop(columns="Pays")
    write_audit({"postes": ps}, f"secteurs_part_ess_{country.lower()}", out_dir)
    AUDITED[f"secteurs_part_ess_{country.lower()}"] = ps
    w = ps.pivot(index="Secteur", columns="champ", values="headcount")
    stt = ps.pivot(index="Secteur", columns="champ", values="status")
    row_status = disclosure.combine_status(stt)
    ok = row_status.eq("published")
    ref = indicators.national_reference(nat, country, perimeter)
    ref["Secteur"] = ref["sector_group"].map(SECTOR)
    zone_ess = w["ESS"].drop(index="Total", errors="ignore")
    lq_zone = (zone_ess / zone_ess.sum()) / (ref.set_index("Secteur")["jobs"] / ref["jobs"].sum())
    for sect in w.index:
        if sect == "Total":
            continue
        good = bool(ok.get(sect, False))
        sec_rows.append(
            {
                "Pays": labels.COUNTRY_FR[country],
                "Secteur": sect,
                "Postes ESS": w.loc[sect, "ESS"] if good else None,
                "Postes du secteur": w.loc[sect, "Total"] if good else None,
                "Part de l'ESS dans le secteur (%)": 100 * w.loc[sect, "ESS"] / w.loc[sect, "Total"]
                if good and w.loc[sect, "Total"]
                else None,
                "Quotient de localisation (zone / pays)": lq_zone.get(sect) if good else None,
                "status": row_status[sect],
            }
        )
sectors_table = pd.DataFrame(sec_rows)
show(
    sectors_table,
    "secteurs_part_et_specialisation",
    cap("Part de l'ESS dans chaque secteur et spécialisation de la zone", "postes ; % ; indice"),
    decimals={"Part de l'ESS dans le secteur (%)": 1, "Quotient de localisation (zone / pays)": 2},
)

# %% [markdown]
# ## Par territoire et par famille

# %%
show_protected(
    ess,
    ["Territoire", "Famille"],
    "Postes de l'ESS par territoire et par famille",
    "Postes au 31/12",
    "ess_territoire_famille",
    wide="Famille",
)

# %% [markdown]
# ## Par taille d'établissement

# %%
show_protected(
    ess, ["Pays", "Taille"], "Établissements employeurs de l'ESS par taille", "Postes au 31/12", "ess_taille"
)

# %% [markdown]
# ## Densité et qualité de l'emploi
#
# Postes de l'ESS pour 100 000 habitants (population au 1er janvier de l'année de référence :
# Statbel pour la Belgique, sinon INSEE, sinon Eurostat), part des femmes, part du temps partiel
# et rémunération brute par ETP.

# %%
pop = indicators.population_by_territory(build.load(year, "population", proc), year)
terr_jobs = CELLS[zone_cells.table_name("ess_jobs", ("Territoire", "Famille"))]
terr_jobs = terr_jobs[terr_jobs["Famille"].eq(disclosure.TOTAL) & terr_jobs["Territoire"].ne(disclosure.TOTAL)]
terr_jobs = terr_jobs.assign(nuts3=terr_jobs["Territoire"].map({v: k for k, v in TERR.items()}))
dens = terr_jobs.merge(pop, on="nuts3", how="left", validate="1:1")
dens["postes"] = dens["headcount"].where(dens["status"].eq("published"))
dens["pour_100000"] = 100000 * dens["postes"] / dens["population"]
dens = pd.DataFrame(
    {
        "Territoire": dens["nuts3"].map(TERR),
        "Postes ESS": dens["postes"],
        "Population": dens["population"],
        "Postes ESS pour 100 000 habitants": dens["pour_100000"],
        "Source de la population": dens["source"],
        "status": dens["status"],
    }
)
show(
    dens.sort_values("Territoire", ignore_index=True),
    "densite_territoire",
    cap("Emplois de l'ESS pour 100 000 habitants", "postes ; habitants ; postes pour 100 000 hab."),
    decimals={"Postes ESS pour 100 000 habitants": 0},
)
if {"women", "part_time", "fte", "payroll_eur"} <= set(ess.columns) and ess[["fte", "payroll_eur"]].notna().all().all():
    q = indicators.job_quality(ess, ["Pays"])
    st_h = disclosure.protect(ess, ["Pays"], "headcount", "establishment_id", margins=False).set_index("Pays")
    st_p = disclosure.protect(ess, ["Pays"], "payroll_eur", "establishment_id", margins=False).set_index("Pays")
    ok = (st_h["status"].eq("published") & st_p["status"].eq("published")).reindex(q["Pays"]).to_numpy()
    qual = pd.DataFrame(
        {
            "Pays": q["Pays"],
            "Part des femmes (%)": 100 * q["share_women"].where(ok),
            "Part du temps partiel (%)": 100 * q["share_part_time"].where(ok),
            "Rémunération brute par ETP (€)": q["pay_per_fte"].where(ok),
            "status": pd.Series(ok).map({True: "published", False: "primary"}).to_numpy(),
        }
    )
    show(
        qual,
        "qualite_emploi",
        cap("Qualité de l'emploi dans l'ESS", "% ; euros par ETP"),
        decimals={"Rémunération brute par ETP (€)": 0},
    )

# %% [markdown]
# ## Évolution de l'emploi de l'ESS

# %%
# the years of the series are those protected with the edition (zone_cells read every processed year once)
series_years = [
    y for y in range(first_year, year + 1) if zone_cells.table_name("ess_jobs", ("Pays", "Territoire"), y) in CELLS
]
series, series_countries = [], []
for y in series_years:
    cells_y = CELLS[zone_cells.table_name("ess_jobs", ("Pays", "Territoire"), y)]
    terr_y = cells_y[cells_y["Pays"].eq(disclosure.TOTAL)].drop(columns="Pays")
    series.append(terr_y.rename(columns={"Territoire": "territoire"}).assign(year=y))
    series_countries.append(
        cells_y[cells_y["Territoire"].eq(disclosure.TOTAL)].drop(columns="Territoire").assign(year=y)
    )
evo = pd.concat(series, ignore_index=True)
evo["ess"] = evo["headcount"].where(evo["status"].eq("published"))
tab = evo.pivot(index="territoire", columns="year", values="ess")
tab_status = evo.pivot(index="territoire", columns="year", values="status")
tab.columns = [str(c) for c in tab.columns]
tab = tab.reset_index().rename(columns={"territoire": "Territoire"})
tab["status"] = disclosure.combine_status(tab_status).to_numpy()
tab = tab.sort_values("Territoire", key=lambda s: s.eq("Total")).reset_index(drop=True)
period = f"31/12/{first_year} à 31/12/{year}"
show(
    tab,
    "ess_postes_evolution",
    cap(f"Postes de l'ESS au 31 décembre, {first_year}-{year}", "postes", date=period),
)
evo = evo[evo["territoire"].ne("Total") & evo["ess"].notna()].copy()
base = evo[evo["year"] == evo["year"].min()].set_index("territoire")["ess"]
evo["indice"] = 100 * evo["ess"] / evo["territoire"].map(base)
# one bar per territory (17 lines on one chart cannot be read on a screen): change over the period
last = evo[evo["year"] == evo["year"].max()].dropna(subset=["indice"]).copy()
last["Évolution (%)"] = last["indice"] - 100
last["Pays"] = last["territoire"].map(
    {v: labels.COUNTRY_FR[k[:2]] for k, v in TERR.items() if k[:2] in labels.COUNTRY_FR}
)
last = last.sort_values("Évolution (%)", ascending=False)
first_obs, last_obs = int(evo["year"].min()), int(evo["year"].max())
fig = figures.signed_bars(
    last,
    "territoire",
    "Évolution (%)",
    "Pays",
    "Évolution des postes de l'ESS par territoire",
    f"évolution {first_obs}-{last_obs} (%)",
)
display(
    HTML(
        figures.to_html(
            fig,
            cap(
                f"Évolution des postes de l'ESS par territoire, {first_obs}-{last_obs} "
                "(territoires publiés les deux années)",
                "%",
                date=period,
            ),
        )
    )
)

# %% [markdown]
# ### Tendance et projection à court terme
#
# Tendance linéaire des postes de l'ESS par pays (moindres carrés), avec l'intervalle de confiance
# de la tendance et l'intervalle de prévision à 95 %, prolongée de trois ans.

# %%
# country totals protected as such (a sum of published territories would silently miss the masked ones)
series_c = pd.concat(series_countries, ignore_index=True)
series_c = series_c[series_c["Pays"].ne("Total") & series_c["status"].eq("published")]
series_c = series_c.rename(columns={"headcount": "ess"})[["Pays", "year", "ess"]]
fig, ax = plt.subplots(figsize=(9, 4.2))
trend_rows = []
for i, (pays, grp) in enumerate(series_c.groupby("Pays")):
    pts, coef = models.trend(grp, "ess", horizon=3)
    colour = f"C{i}"
    ax.plot(pts["year"], pts["observed"], "o", color=colour, label=f"{pays} (observé)")
    ax.plot(pts["year"], pts["fitted"], "-", color=colour, label=f"{pays} (tendance)")
    ax.fill_between(pts["year"], pts["pi_low"], pts["pi_high"], color=colour, alpha=0.15)
    slope = coef.set_index("term").loc["slope"]
    trend_rows.append(
        {
            "Pays": pays,
            "Pente (postes par an)": slope["coef"],
            "IC 95 % bas": slope["ci_low"],
            "IC 95 % haut": slope["ci_high"],
            f"Projection {year + 3}": pts["fitted"].iloc[-1],
            "Prévision basse": pts["pi_low"].iloc[-1],
            "Prévision haute": pts["pi_high"].iloc[-1],
        }
    )
ax.set(xlabel="", ylabel="postes", title="Postes de l'ESS : tendance et intervalle de prévision à 95 %")
ax.legend(fontsize=7)
display(
    HTML(
        figures.to_html(
            fig,
            cap(
                "Tendance des postes de l'ESS et projection à trois ans",
                "postes",
                date=f"31/12/{first_year} à 31/12/{year}, projection {year + 3}",
            ),
        )
    )
)
show_plain(
    pd.DataFrame(trend_rows),
    "tendance_pays",
    cap(
        "Tendance linéaire des postes de l'ESS",
        "postes ; postes par an",
        date=f"31/12/{first_year} à 31/12/{year}",
    ),
)

# %% [markdown]
# ### Décomposition de l'évolution par secteur (analyse structurelle-résiduelle)
#
# Pour chaque pays, l'évolution des postes de l'ESS de la zone entre le début et la fin de la période
# est décomposée en trois effets dont la somme est exactement l'évolution observée :
# **effet national** (croissance qu'aurait eue la zone au rythme de l'ESS du pays entier),
# **effet de structure** (surcroît dû au poids, dans la zone, des secteurs qui croissent plus ou moins vite
# dans le pays) et **effet local** (écart propre à la zone, secteur par secteur). Référence : l'ESS du pays
# entier, même périmètre (agrégats nationaux). Un secteur sous secret statistique une des deux années n'est
# pas publié ; la ligne d'ensemble ne sépare alors pas structure et effet local (la répartition
# permettrait de recalculer les secteurs masqués) et donne leur somme.

# %%
ss_start_year = min(series_years)
shift_rows = []
if ss_start_year < year:
    e0 = build.load(ss_start_year, "establishments", proc)
    e0 = indicators.flag_perimeter(e0[classify.in_zone(e0, zone)], perimeter)
    e0, e1 = e0[e0["in_ess"]], ess
    nat0 = build.load(ss_start_year, "national_aggregates", proc)
    nat1 = build.load(year, "national_aggregates", proc)
    prot0 = CELLS[zone_cells.table_name("ess_jobs", ("Pays", "Secteur"), ss_start_year)]
    prot1 = PROTECTED[("Pays", "Secteur")][0]  # the statuses of the sector table published above
    write_audit({f"postes_{ss_start_year}": prot0}, "ess_shift_share", out_dir)
    AUDITED[f"ess_shift_share (postes {ss_start_year})"] = prot0
    cell_status = prot0.merge(prot1, on=["Pays", "Secteur"], how="outer", suffixes=("_0", "_1"))
    cell_status["status"] = disclosure.combine_status(cell_status[["status_0", "status_1"]]).to_numpy()
    cell_status = cell_status.set_index(["Pays", "Secteur"])["status"]
    for c in sorted(set(e1["country"])):
        pays = labels.COUNTRY_FR[c]
        ref0 = indicators.national_reference(nat0, c, perimeter).rename(columns={"jobs": "headcount"})
        ref1 = indicators.national_reference(nat1, c, perimeter).rename(columns={"jobs": "headcount"})
        ss = indicators.shift_share(
            e0[e0["country"] == c], e1[e1["country"] == c], "country", "sector_group", "headcount", ref0, ref1
        )
        ss["Secteur"] = ss["sector_group"].map(SECTOR)
        table = indicators.shift_share_publishable(
            ss, "Secteur", cell_status.xs(pays), cell_status.get((pays, disclosure.TOTAL), "primary")
        )
        shift_rows.append(table.assign(Pays=pays))
if shift_rows:
    shift = pd.concat(shift_rows, ignore_index=True)
    shift = shift.sort_values(
        ["Pays", "Secteur"], key=lambda s: s.map(lambda v: (v == "Ensemble", v)), ignore_index=True
    )
    shift = shift.rename(
        columns={
            "start_value": f"Postes {ss_start_year}",
            "end_value": f"Postes {year}",
            "change": "Évolution",
            "reference_growth": "Effet national",
            "sector_mix": "Effet de structure",
            "local_effect": "Effet local",
            "structure_plus_local": "Écart au rythme national (structure + local)",
            "note": "Note",
        }
    )
    shift = shift[
        [
            "Pays",
            "Secteur",
            f"Postes {ss_start_year}",
            f"Postes {year}",
            "Évolution",
            "Effet national",
            "Effet de structure",
            "Effet local",
            "Écart au rythme national (structure + local)",
            "Note",
            "status",
        ]
    ]
    show(
        shift,
        "ess_shift_share",
        cap(
            f"Décomposition de l'évolution des postes de l'ESS, {ss_start_year}-{year}",
            "postes",
            date=f"31/12/{ss_start_year} et 31/12/{year}",
        ),
        decimals={c: 0 for c in shift.columns if c not in ("Pays", "Secteur", "Note", "status")},
    )
    local = shift[shift["Secteur"].ne("Ensemble") & shift["Effet local"].notna()]
    if len(local):
        fig = figures.signed_bars(
            local, "Secteur", "Effet local", "Pays", "Effet local par secteur (écart propre à la zone)", "postes"
        )
        display(
            HTML(
                figures.to_html(
                    fig,
                    cap(
                        f"Effet local de l'évolution des postes de l'ESS par secteur, {ss_start_year}-{year} "
                        "(secteurs publiés)",
                        "postes",
                        date=f"31/12/{ss_start_year} et 31/12/{year}",
                    ),
                )
            )
        )
else:
    display(Markdown("Une seule année disponible : pas de décomposition de l'évolution."))

# %% [markdown]
# ## Forces et faiblesses
#
# Synthèse tirée des tableaux précédents (cases publiées seulement).

# %%
syn = []
st_sec = sectors_table.dropna(subset=["Quotient de localisation (zone / pays)"])
for _, r in st_sec.sort_values("Quotient de localisation (zone / pays)", ascending=False).head(3).iterrows():
    syn.append(
        {
            "Constat": "Secteur sur-représenté dans l'ESS de la zone",
            "Où": f"{r['Pays']} — {r['Secteur']}",
            "Indicateur": f"quotient de localisation {fmt(r['Quotient de localisation (zone / pays)'], 2)}",
        }
    )
for _, r in st_sec.sort_values("Quotient de localisation (zone / pays)").head(2).iterrows():
    syn.append(
        {
            "Constat": "Secteur sous-représenté dans l'ESS de la zone",
            "Où": f"{r['Pays']} — {r['Secteur']}",
            "Indicateur": f"quotient de localisation {fmt(r['Quotient de localisation (zone / pays)'], 2)}",
        }
    )
terr_share = by_terr[by_terr["Territoire"].ne("Total")].dropna(subset=["Part dans l'emploi total (%)"])
for label, asc in (("Part de l'ESS la plus forte", False), ("Part de l'ESS la plus faible", True)):
    for _, r in terr_share.sort_values("Part dans l'emploi total (%)", ascending=asc).head(2).iterrows():
        pct = fmt(r["Part dans l'emploi total (%)"], 1)
        syn.append({"Constat": label, "Où": r["Territoire"], "Indicateur": f"{pct} % de l'emploi salarié"})
growth = evo.pivot(index="territoire", columns="year", values="ess")
if growth.shape[1] >= 2:
    span = growth.columns.max() - growth.columns.min()
    cagr = 100 * ((growth[growth.columns.max()] / growth[growth.columns.min()]) ** (1 / span) - 1)
    for label, series_ in (
        ("Croissance la plus forte", cagr.nlargest(2)),
        ("Croissance la plus faible", cagr.nsmallest(2)),
    ):
        for t, v in series_.items():
            syn.append(
                {
                    "Constat": label,
                    "Où": t,
                    "Indicateur": f"{fmt(v, 1)} % par an ({growth.columns.min()}-{growth.columns.max()})",
                }
            )
if shift_rows:
    local = shift[shift["Secteur"].ne("Ensemble")].dropna(subset=["Effet local"])
    for label, picked in (
        ("Dynamisme propre à la zone le plus fort", local.nlargest(2, "Effet local")),
        ("Dynamisme propre à la zone le plus faible", local.nsmallest(2, "Effet local")),
    ):
        for _, r in picked.iterrows():
            syn.append(
                {
                    "Constat": label,
                    "Où": f"{r['Pays']} — {r['Secteur']}",
                    "Indicateur": f"effet local {fmt(r['Effet local'], 0)} postes ({ss_start_year}-{year})",
                }
            )
show_plain(
    pd.DataFrame(syn),
    "forces_faiblesses",
    cap("Forces et faiblesses de l'ESS de la zone", "voir la colonne Indicateur"),
)

# %% [markdown]
# ## Annexe qualité
#
# Chaque ligne brute est retenue, rejetée (liste détaillée dans `rejects.parquet`) ou hors champ
# (comptée par motif) : lignes brutes = retenues + rejetées + hors champ, pour chaque fichier.

# %%
acc = pd.DataFrame(prov["accounting"])
acc = acc[["country", "source_file", "raw_rows", "kept", "rejected", "out_of_scope", "balanced"]]
acc["balanced"] = acc["balanced"].map({True: "oui", False: "NON"})
acc.columns = ["Pays", "Fichier", "Lignes brutes", "Retenues", "Rejetées", "Hors champ", "Équilibre"]
show_plain(
    acc, "qualite_comptabilite_lignes", cap("Comptabilité des lignes brutes", "lignes", territory="fichiers sources")
)
rej = build.load(year, "rejects", proc)
rr = rej.groupby(["country", "source_file", "reason"]).size().rename("Lignes").reset_index()
rr.columns = ["Pays", "Fichier", "Motif de rejet", "Lignes"]
if rr.empty:
    display(Markdown(f"**Aucune ligne rejetée** pour {year} (aucune ligne illisible, aucun code invalide)."))
else:
    show_plain(rr, "qualite_rejets", cap("Lignes rejetées par motif", "lignes", territory="fichiers sources"))
sc = build.load(year, "scope", proc)
sc = sc[["country", "source_file", "reason", "n_records"]].assign(
    reason=lambda d: labels.relabel(d, "reason", labels.SCOPE_FR)
)
sc.columns = ["Pays", "Fichier", "Motif hors champ", "Lignes"]
show_plain(sc, "qualite_hors_champ", cap("Lignes hors champ par motif", "lignes", territory="fichiers sources"))
sdc = []
for name, t in AUDITED.items():
    o = disclosure.over_suppression(t).set_index("method")
    sdc.append(
        {
            "Tableau": name,
            "Cases": int(o.loc["protect", "cells"]),
            "Secret primaire": int((t["status"] == "primary").sum()),
            "Secret secondaire": int(o.loc["protect", "secondary"]),
            "Masquées, règle naïve": int(o.loc["naive", "suppressed"]),
            "Cases recalculables (audit)": len(disclosure.audit(t)),
        }
    )
sdc = pd.DataFrame(sdc)
show_plain(
    sdc,
    "qualite_secret_statistique",
    cap("Secret statistique : cases masquées et contrôle", "cases (postes)", territory=ZONE),
)
scopes = zone_cells.scopes_of(year, series_years)
joint = disclosure.audit_joint(list(CELLS.values()), [scopes[n] for n in CELLS])
display(
    Markdown(
        f"Les {len(CELLS)} tableaux dont les cases se recoupent (ce diagnostic et les fiches territoriales de la "
        "zone) sont protégés ensemble : une case a le même statut partout, et le contrôle conjoint de toutes leurs "
        f"relations d'addition trouve **{len(joint)}** case masquée recalculable."
    )
)
src_rows = [
    {
        "Fichier": f["path"],
        "Producteur": f.get("publisher", ""),
        "Millésime": f.get("vintage", ""),
        "Licence": f.get("licence", ""),
        "SHA-256": f["sha256"][:16] + "…",
    }
    for f in prov["files"]
]
show_plain(
    pd.DataFrame(src_rows),
    "provenance_sources",
    cap("Provenance des fichiers sources", "fichiers", territory="fichiers sources"),
)
est_counts = est.groupby("country")["headcount_estimated"].agg(["sum", "size"]).reset_index()
est_counts.columns = ["Pays", "Établissements à effectif estimé", "Établissements"]
est_counts["Pays"] = est_counts["Pays"].map(labels.COUNTRY_FR)
show_plain(
    est_counts,
    "qualite_effectifs_estimes",
    cap("Effectifs estimés d'après la tranche Sirene (mode public)", "établissements"),
)
issues = classify.classification_issues(est)
issues.columns = ["Champ", "Pays", "Lignes", "Codes distincts", "Exemples"]
show_plain(
    issues,
    "qualite_codes_inconnus",
    cap("Codes non classés (famille, secteur ou territoire inconnus)", "établissements"),
)

# %% [markdown]
# ## Méthode et sources
#
# - **Établissement employeur** : au moins un poste salarié au 31 décembre (France, INSEE) ou à la
#   fin du 4e trimestre (Belgique, ONSS, unités d'établissement). Lieu de travail : la commune
#   de l'établissement.
# - **Périmètre** : voir la note « Définition commune de l'ESS » (familles par forme juridique,
#   exclusions d'activité, périmètres nommés). Le socle transfrontalier retient associations,
#   coopératives (en Belgique : agréées CNC ou à finalité sociale), mutuelles et fondations.
# - **Secret statistique** : aucune case ne repose sur moins de 3 établissements ni sur un
#   établissement pesant plus de 85 % de la case (secret primaire) ; des cases supplémentaires
#   sont masquées pour qu'aucune case masquée ne puisse être recalculée à partir des totaux
#   (secret secondaire). Les cases masquées portent la marque « s » ; la colonne « Secret » des
#   tableaux (`status` dans les fichiers CSV / XLSX : `primary`, `secondary`, `published`) dit
#   pourquoi une ligne a des cases masquées.
# - **Anciennes nomenclatures** : un établissement encore codé en NAF rév. 1 reçoit le code
#   NAF rév. 2 de son unité légale ; une unité belge sans activité principale reçoit celle de
#   son entreprise.
