"""The référentiel's tables: the common definition read from the reference tables, in French.

Each function returns one published table of the note « Définition commune de l'ESS »;
nothing here is confidential (reference data only).
"""

from __future__ import annotations

import pandas as pd

from desir_analysis import reference
from desir_analysis.publish import labels
from desir_analysis.publish.tables import format_number
from desir_analysis.reference import main_activity, membership

#: Legal forms whose classification was debated (the decision and its reason are on their line
#: of ``legal_forms.csv``): FR CJ 9223, 9240, 5546, 5646, 5192, 6595, 9900, 9970, 5442, 8510, 9224;
#: BE forms 706, 508, 514, 721, 999.
DEBATED = ("9223", "9240", "5546", "5646", "5192", "6595", "9900", "9970", "5442", "8510", "9224")
DEBATED += ("706", "508", "514", "721", "999")
YES_NO = {True: "oui", False: "non"}


def named_perimeters() -> pd.DataFrame:
    """The named perimeters: version, countries, activity exclusions, label, definition."""
    per = membership.list_perimeters()[
        ["perimeter", "version", "countries", "applies_activity_exclusions", "label_fr", "description"]
    ]
    composite = per["perimeter"].map(lambda p: bool(reference.components(p)))
    per = per.assign(
        applies_activity_exclusions=per["applies_activity_exclusions"].map(YES_NO).where(~composite, "selon le pays")
    )
    per.columns = ["Périmètre", "Version", "Pays", "Exclusions d'activité", "Intitulé", "Définition"]
    return per


def codes_by_family_and_perimeter() -> pd.DataFrame:
    """Number of official legal-form codes of each family in each perimeter, always or under a condition."""
    counts = membership.reference_membership_counts()
    counts["famille"] = counts["ess_family"].map(labels.FAMILY_FR)
    counts["condition"] = counts["membership"].map(
        {"yes": "toujours", "if_ess_flag": "sous condition", "if_approved": "sous condition"}
    )
    pivot = counts.pivot_table(
        index=["country", "famille"],
        columns=["perimeter", "condition"],
        values="n_codes",
        aggfunc="sum",
        fill_value=0,
    )
    pivot.columns = [f"{p} ({c})" for p, c in pivot.columns]
    return pivot.reset_index().rename(columns={"country": "Pays", "famille": "Famille"})


def codes_by_family() -> pd.DataFrame:
    """Every official legal-form code counted by country and family."""
    totals = reference.legal_forms().groupby(["country", "ess_family"]).size().rename("Codes").reset_index()
    totals["ess_family"] = totals["ess_family"].map(labels.FAMILY_FR)
    totals.columns = ["Pays", "Famille", "Codes"]
    return totals


def debated_cases() -> pd.DataFrame:
    """The debated legal forms (:data:`DEBATED`): family, membership of each perimeter, reason."""
    lf = reference.legal_forms()
    cols = ["country", "code", "label_fr", "ess_family", "insee", "ess_law_2014", "concertes", "core_crossborder"]
    cases = lf[lf["code"].isin(DEBATED)][[*cols, "rule"]]
    cases = cases.assign(ess_family=cases["ess_family"].map(labels.FAMILY_FR))
    cases.columns = [
        "Pays",
        "Code",
        "Forme juridique",
        "Famille",
        "insee",
        "ess_law_2014",
        "concertes",
        "socle",
        "Raison",
    ]
    return cases


def sector_groups() -> pd.DataFrame:
    """The sector groups with their rule and the number of classes of each NACE version placed in each.

    NACE Rév. 2 (NAF rév. 2, NACE-BEL 2008), Rév. 2.1 (NAF 2025, NACE-BEL 2025) and Rév. 1.1
    (NACE-BEL 2003, still carried by old KBO entities).
    """
    versions = {"NACE2": "Classes NACE Rév. 2", "NACE21": "Classes NACE Rév. 2.1", "NACE11": "Classes NACE Rév. 1.1"}
    sec = reference.sectors().groupby(["sector_group", "nomenclature"]).size().unstack(fill_value=0)
    sec = sec.reindex(columns=list(versions), fill_value=0).reset_index()
    groups = reference.sector_groups()[["sector_group", "order", "label_fr", "rule"]]
    sec = groups.merge(sec, on="sector_group", how="left").fillna(dict.fromkeys(versions, 0))
    sec = sec.sort_values("order").drop(columns="order")
    sec.columns = ["Code", "Secteur regroupé", "Règle", *versions.values()]
    return sec


def zone_territories(zone: str) -> pd.DataFrame:
    """The territories (FR départements, BE arrondissements) of a study zone with their NUTS codes."""
    terr = reference.territories()
    zt = terr[terr[f"zone_{zone}"] & terr["level"].ne("commune")][
        ["country", "code", "label_fr", "nuts3", "nuts3_label", "nuts2"]
    ]
    zt.columns = ["Pays", "Code", "Territoire", "NUTS 3", "Libellé NUTS 3", "NUTS 2"]
    return zt


def personal_services_codes() -> pd.DataFrame:
    """The activity codes and joint committees of the personal-services field (core and extended)."""
    ps = reference.personal_services()[["country", "code_type", "code", "label_fr", "field", "rule"]]
    ps = ps.assign(field=ps["field"].map({"core": "cœur", "extended": "élargi"}))
    ps.columns = ["Pays", "Type de code", "Code", "Libellé", "Champ", "Règle"]
    return ps


def reconciliation_with_core(core: str = "core_crossborder") -> pd.DataFrame:
    """Per perimeter and country: the legal-form codes it shares with the common core, adds, or leaves out.

    Counted on the official code lists (``legal_forms.csv``); a conditional membership
    (``if_ess_flag``, ``if_approved``) counts as member. A composite perimeter counts each
    country by its component. Columns: Périmètre, Pays, Famille, codes in both, only in the
    perimeter, only in the core.
    """
    lf = reference.legal_forms()
    rows = []
    for name in reference.perimeter_names():
        if name == core:
            continue
        parts = reference.components(name) or {c: name for c in membership.countries(name)}
        for country, base in parts.items():
            sub = lf[lf["country"] == country]
            a, b = sub[base].ne("no"), sub[core].ne("no")
            per_family = (
                pd.DataFrame({"fam": sub["ess_family"], "both": a & b, "only_p": a & ~b, "only_core": ~a & b})
                .groupby("fam")[["both", "only_p", "only_core"]]
                .sum()
            )
            per_family = per_family[per_family.sum(axis=1) > 0]
            for fam, r in per_family.iterrows():
                rows.append(
                    {
                        "Périmètre": labels.perimeter_fr()[name],
                        "Pays": labels.COUNTRY_FR[country],
                        "Famille": labels.FAMILY_FR.get(fam, fam),
                        "Codes dans les deux": int(r["both"]),
                        "Seulement dans le périmètre": int(r["only_p"]),
                        "Seulement dans le socle commun": int(r["only_core"]),
                    }
                )
    return pd.DataFrame(rows)


def study_zones() -> pd.DataFrame:
    """The study zones of ``zones.csv``: name, label, description and number of NUTS 3 territories."""
    z = reference.zones()
    terr = reference.territories()
    terr = terr[terr["level"].ne("commune")]
    counts = {name: int(terr.loc[terr[f"zone_{name}"], "nuts3"].nunique()) for name in z["zone"]}
    out = z[["zone", "label_fr", "description"]].assign(n=z["zone"].map(counts))
    out.columns = ["Zone", "Intitulé", "Définition", "Territoires NUTS 3"]
    return out


def glossary() -> pd.DataFrame:
    """The words of the trade (``glossary.csv``): one term per concept, by country where they differ.

    Columns: Terme (the pages' words), Pays (« France », « Belgique » or « les deux »), Nederlands,
    Définition, Source.
    """
    g = reference.glossary()
    country = g["country"].map(labels.COUNTRY_FR).fillna("les deux")
    out = pd.DataFrame(
        {
            "Terme": g["label_fr"],
            "Pays": country,
            "Nederlands": g["label_nl"],
            "Définition": g["definition"],
            "Source": g["source"],
        }
    )
    return out


def source_kinds() -> pd.DataFrame:
    """The kinds of raw source (``sources.csv``): producer, files, what each gives, reference date, licence."""
    s = reference.sources()
    out = pd.DataFrame(
        {
            "Source": s["title"],
            "Pays": s["country"].map(labels.COUNTRY_FR).fillna("les deux"),
            "Producteur": s["publisher"],
            "Fichiers (data/raw/)": s["pattern"],
            "Ce qu'elle donne": s["measure"],
            "Date de référence": s["reference"],
            "Licence": s["licence"],
            "Accès": s["access"],
        }
    )
    return out


def kbo_main_activity_rule(year: int) -> pd.DataFrame:
    """How one main activity is chosen among a KBO entity's activity rows (:mod:`reference.main_activity`)."""
    return main_activity.main_activity_rule(year)


#: What a break affects, in words (``breaks.csv``, column ``affects``).
AFFECTS_FR = {
    "jobs": "les effectifs eux-mêmes (évolutions recommencées)",
    "sector": "la ventilation par secteur (décompositions recommencées)",
    "territory": "la ventilation par commune (recodée)",
}


def series_breaks() -> pd.DataFrame:
    """The series breaks (``breaks.csv``) as the référentiel shows them."""
    b = reference.breaks()
    return pd.DataFrame(
        {
            "Pays": b["country"].map(labels.COUNTRY_FR),
            "À partir de": b["first_year"].astype(str),
            "Rupture": b["label"],
            "Porte sur": b["affects"].map(AFFECTS_FR),
            "Avant": b["before"],
            "Après": b["after"],
            "Ce qui change": b["what_changes"],
            "Comparable": b["comparable"].map({True: "oui (recodé)", False: "non"}),
            "Documentation": b["documentation"],
        }
    )


#: The NACE versions of ``sectors.csv`` and the national nomenclatures that use them.
NACE_VERSIONS = {
    "NACE11": "NACE Rév. 1.1 (NACE-BEL 2003)",
    "NACE2": "NACE Rév. 2 (NAF rév. 2, NACE-BEL 2008)",
    "NACE21": "NACE Rév. 2.1 (NAF 2025, NACE-BEL 2025)",
}


def activity_exclusions() -> pd.DataFrame:
    """The activities excluded from the ESS, each prefix in the NACE versions it applies to."""
    ex = reference.activity_exclusions()
    versions = ex["nomenclature"].map(lambda v: " ; ".join(NACE_VERSIONS[n] for n in v.split("|")))
    return pd.DataFrame(
        {
            "Nomenclature": versions,
            "Préfixe NACE": ex["nace_prefix"],
            "Activité": ex["label_fr"],
            "Règle": ex["rule"],
            "Source": ex["source"],
        }
    )


def sector_groups_by_version() -> pd.DataFrame:
    """How many classes of each NACE version reach each sector group, and the codes new or gone in Rév. 2.1.

    The correspondence the studies rely on is at the level of the sector group: each class of every
    version is placed directly (``sectors.csv``), never translated from another version. « Codes
    nouveaux » / « codes disparus »: class codes of the group present in NACE Rév. 2.1 and not in
    Rév. 2, and conversely (a sector series across the 2025 break gains or loses them).
    """
    s = reference.sectors()
    counts = s.pivot_table(index="sector_group", columns="nomenclature", values="nace_class", aggfunc="count")
    counts = counts.reindex(columns=list(NACE_VERSIONS)).fillna(0).astype(int)
    rev2 = set(s.loc[s["nomenclature"].eq("NACE2"), "nace_class"])
    rev21 = s[s["nomenclature"].eq("NACE21")]
    old = s[s["nomenclature"].eq("NACE2")]
    new_codes = rev21[~rev21["nace_class"].isin(rev2)].groupby("sector_group").size()
    gone = old[~old["nace_class"].isin(set(rev21["nace_class"]))].groupby("sector_group").size()
    out = counts.rename(columns={k: f"Classes {v.split(' (')[0]}" for k, v in NACE_VERSIONS.items()})
    out["Codes nouveaux en Rév. 2.1"] = new_codes.reindex(out.index).fillna(0).astype(int)
    out["Codes de Rév. 2 disparus en Rév. 2.1"] = gone.reindex(out.index).fillna(0).astype(int)
    names = labels.sector_fr()
    out.index = out.index.map(lambda g: names.get(g, g))
    out.columns.name = None
    return out.rename_axis("Secteur regroupé").reset_index()


def recognition_grid() -> pd.DataFrame:
    """The common recognition grid: principle, question, condition, legal source (``recognition_grid.csv``)."""
    items = reference.recognition_items().set_index("item")
    rows = []
    for c in reference.recognition_grid().itertuples(index=False):
        if c.test == "in":
            names = reference.modalities(items.loc[c.item, "modalities"])
            condition = "réponse : " + " ou ".join(f"« {names[v]} »" for v in c.value.split("|"))
        else:
            condition = f"au moins {format_number(float(c.value), 0)}"
        rows.append(
            {
                "Principe": c.label_fr,
                "Question": items.loc[c.item, "label_fr"],
                "Condition": condition,
                "Source": c.source,
            }
        )
    return pd.DataFrame(rows)
