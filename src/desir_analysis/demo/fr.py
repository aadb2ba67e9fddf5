"""Deterministic generator of the demo raw files, in the producers' exact layouts.

``make report`` uses these synthetic files when no real data is in ``data/raw/``,
so a fresh clone produces real-looking studies. Everything made from them says
:data:`DEMO_NOTICE`. Magnitudes are calibrated on published facts shipped as
constants (``demo/constants/`` and below), never on ../shared:

- commune and département populations: INSEE COG 2026, populations légales;
- ESS share of *total* salaried jobs by département, 2014: INSEE ITDD (Nord 11.1 %,
  Pas-de-Calais 12.3 %, Aisne 10.9 %, Ardennes 11.3 %, Somme 10.3 %; France de
  province 11.5 %);
- home help (88.10A) by provider: associations ≈ 53 %, companies ≈ 33 %, CCAS ≈ 14 % of the
  jobs [inf: DARES (Dares Analyses 2012-2013) describes associations as the first prestataire
  providers, losing ground to companies whose hours grow (+13 % in 2012), with a small public part;
  it gives no share we could copy, so these are orders of magnitude, not a calibration];
- family split of ESS establishments (85 % associations, 8 % coops, 4 % mutuals,
  1 % foundations: CRESS Hauts-de-France, bilan 2024) and mean size 13.5 jobs
  (CRESS HdF Panorama 2020-21); action sociale ≈ 60 % of ESS jobs (CRESS NPdC);
- salaried jobs ≈ 0.36 per inhabitant, public sector ≈ 21 % of them [inf, orders
  of magnitude of INSEE Flores]; women 67 % of ESS jobs (ESS France).

Scale: the five départements of the extended zone (02, 08, 59, 62, 80) are
generated in full; every other département at ``rest_fraction`` (1/50 by
default), so national *counts* in demo mode are not to scale while national
*shares* are. Years 2015–2023; the Sirene stocks are a snapshot of 1 January 2024.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from desir_analysis import reference
from desir_analysis.demo.common import DEMO_NOTICE, SNAPSHOT, YEARS, constants
from desir_analysis.demo.history import history as sirene_history
from desir_analysis.demo.sirene_variety import vary

ZONE_FR = ["02", "08", "59", "62", "80"]
ESS_SHARE_2014 = {"02": 0.1095, "08": 0.1132, "59": 0.1111, "62": 0.1234, "80": 0.1030}
ESS_SHARE_PROVINCE = 0.115
JOBS_PER_INHABITANT = 0.36
PUBLIC_SHARE = 0.21
MEAN_SIZE = {"ess": 13.5, "public": 25.0, "private": 9.0}
GROWTH = {"ess": 0.010, "public": 0.002, "private": 0.004}  # yearly job growth; 2020: private -3 %

ETAB_COLUMNS = (
    "siren,nic,siret,statutDiffusionEtablissement,dateCreationEtablissement,trancheEffectifsEtablissement,"
    "anneeEffectifsEtablissement,activitePrincipaleRegistreMetiersEtablissement,dateDernierTraitementEtablissement,"
    "etablissementSiege,nombrePeriodesEtablissement,complementAdresseEtablissement,numeroVoieEtablissement,"
    "indiceRepetitionEtablissement,typeVoieEtablissement,libelleVoieEtablissement,codePostalEtablissement,"
    "libelleCommuneEtablissement,libelleCommuneEtrangerEtablissement,distributionSpecialeEtablissement,"
    "codeCommuneEtablissement,codeCedexEtablissement,libelleCedexEtablissement,codePaysEtrangerEtablissement,"
    "libellePaysEtrangerEtablissement,complementAdresse2Etablissement,numeroVoie2Etablissement,"
    "indiceRepetition2Etablissement,typeVoie2Etablissement,libelleVoie2Etablissement,codePostal2Etablissement,"
    "libelleCommune2Etablissement,libelleCommuneEtranger2Etablissement,distributionSpeciale2Etablissement,"
    "codeCommune2Etablissement,codeCedex2Etablissement,libelleCedex2Etablissement,codePaysEtranger2Etablissement,"
    "libellePaysEtranger2Etablissement,dateDebut,etatAdministratifEtablissement,enseigne1Etablissement,"
    "enseigne2Etablissement,enseigne3Etablissement,denominationUsuelleEtablissement,activitePrincipaleEtablissement,"
    "nomenclatureActivitePrincipaleEtablissement,caractereEmployeurEtablissement"
).split(",")
UL_COLUMNS = (
    "siren,statutDiffusionUniteLegale,unitePurgeeUniteLegale,dateCreationUniteLegale,sigleUniteLegale,"
    "sexeUniteLegale,prenom1UniteLegale,prenom2UniteLegale,prenom3UniteLegale,prenom4UniteLegale,"
    "prenomUsuelUniteLegale,pseudonymeUniteLegale,identifiantAssociationUniteLegale,trancheEffectifsUniteLegale,"
    "anneeEffectifsUniteLegale,dateDernierTraitementUniteLegale,nombrePeriodesUniteLegale,categorieEntreprise,"
    "anneeCategorieEntreprise,dateDebut,etatAdministratifUniteLegale,nomUniteLegale,nomUsageUniteLegale,"
    "denominationUniteLegale,denominationUsuelle1UniteLegale,denominationUsuelle2UniteLegale,"
    "denominationUsuelle3UniteLegale,categorieJuridiqueUniteLegale,activitePrincipaleUniteLegale,"
    "nomenclatureActivitePrincipaleUniteLegale,nicSiegeUniteLegale,economieSocialeSolidaireUniteLegale,"
    "caractereEmployeurUniteLegale"
).split(",")
# (segment, family, probability among the segment's enterprises, legal forms, size factor,
#  establishments per enterprise: mean extra, activities [(naf, weight, size factor)])
A = [
    ("88.10A", 6, 2.0),
    ("88.91A", 4, 1.0),
    ("88.99B", 5, 1.0),
    ("88.99A", 2, 1.0),
    ("88.10C", 2, 3.0),
    ("87.10A", 3, 4.0),
    ("87.30A", 1, 3.0),
    ("87.20A", 2, 3.0),
    ("87.90B", 2, 2.5),
    ("86.10Z", 1, 8.0),
    ("86.90D", 1, 1.0),
    ("85.59A", 3, 1.0),
    ("85.59B", 2, 0.6),
    ("85.31Z", 2, 2.0),
    ("85.20Z", 1, 1.5),
    ("93.12Z", 10, 0.25),
    ("93.29Z", 4, 0.3),
    ("90.01Z", 3, 0.4),
    ("90.04Z", 2, 0.6),
    ("91.02Z", 1, 1.0),
    ("94.99Z", 18, 0.35),
    ("55.20Z", 1, 0.8),
    ("81.21Z", 1, 1.5),
    ("70.22Z", 1, 0.6),
    ("94.20Z", 1, 0.5),
    ("94.91Z", 1, 0.4),
    ("94.11Z", 0.5, 0.6),
]
SEGMENTS = [
    ("ess", "association", 0.85, {"9220": 88, "9230": 4, "9221": 3, "9222": 2, "9223": 3}, 1.0, 0.25, A),
    ("ess", "cooperative", 0.08, {"5192": 1, "6596": 1, "6595": 1}, 0.9, 6.0, [("64.19Z", 1, 1.0)]),
    (
        "ess",
        "cooperative",
        0.045,
        {"5458": 4, "5558": 1, "6317": 3, "6316": 2, "5460": 2, "5547": 1},
        1.0,
        0.2,
        [
            ("43.21A", 2, 1.0),
            ("41.20A", 1, 1.0),
            ("01.61Z", 2, 0.4),
            ("46.21Z", 2, 1.5),
            ("71.12B", 1, 1.0),
            ("62.02A", 1, 1.0),
            ("68.20A", 1, 1.0),
            ("49.41A", 1, 1.0),
        ],
    ),
    (
        "ess",
        "mutual",
        0.04,
        {"8210": 3, "6411": 1, "8290": 1},
        0.9,
        1.5,
        [("65.12Z", 6, 1.0), ("86.23Z", 1, 0.8), ("47.78A", 1, 0.4), ("87.10A", 1, 4.0)],
    ),
    (
        "ess",
        "foundation",
        0.012,
        {"9300": 1},
        3.0,
        0.8,
        [("87.10A", 3, 1.5), ("86.10Z", 2, 3.0), ("85.31Z", 1, 1.0), ("72.19Z", 1, 1.0), ("88.10C", 1, 1.0)],
    ),
    (
        "ess",
        "other_nonprofit",
        0.013,
        {"9900": 2, "9970": 1},
        1.0,
        0.2,
        [("86.10Z", 1, 3.0), ("70.22Z", 1, 0.5), ("94.99Z", 1, 0.5)],
    ),
    (
        "private",
        "non_ess",
        1.0,
        {"5710": 35, "5499": 35, "5599": 8, "1000": 17, "5202": 2, "5546": 1, "5415": 2},
        1.0,
        0.15,
        [
            ("47.11F", 3, 2.0),
            ("47.73Z", 2, 0.6),
            ("45.20A", 2, 0.8),
            ("46.90Z", 2, 1.0),
            ("47.71Z", 2, 0.5),
            ("43.22A", 4, 0.7),
            ("41.20A", 2, 1.0),
            ("25.62B", 2, 2.0),
            ("10.71C", 2, 0.7),
            ("43.31Z", 2, 0.5),
            ("56.10A", 4, 0.7),
            ("55.10Z", 1, 1.5),
            ("56.30Z", 2, 0.4),
            ("69.20Z", 2, 0.8),
            ("70.22Z", 2, 0.6),
            ("78.20Z", 1, 3.0),
            ("81.21Z", 2, 2.5),
            ("71.12B", 2, 1.0),
            ("86.21Z", 2, 0.4),
            ("86.90E", 1, 0.6),
            ("86.10Z", 0.5, 6.0),
            ("88.10A", 0.45, 2.0),  # companies: DARES, the growing minority of prestataire jobs
            ("88.91A", 0.5, 1.0),
            ("87.10A", 0.5, 4.0),
            ("85.53Z", 1, 0.5),
            ("64.19Z", 1, 1.0),
            ("66.22Z", 2, 0.5),
            ("49.41A", 3, 1.5),
            ("68.20B", 2, 0.4),
            ("62.01Z", 2, 1.5),
            ("96.02A", 3, 0.4),
            ("93.13Z", 1, 0.8),
            ("97.00Z", 0.5, 0.3),
        ],
    ),
    (
        "public",
        "non_ess",
        0.5,
        {"7210": 6, "7220": 1, "7172": 1, "7348": 1, "4110": 1},
        1.0,
        0.6,
        [
            ("84.11Z", 6, 1.0),
            ("84.13Z", 1, 1.0),
            ("84.24Z", 1, 2.0),
            ("84.25Z", 1, 1.0),
            ("91.01Z", 1, 0.5),
            ("93.11Z", 1, 0.4),
        ],
    ),
    ("public", "non_ess", 0.25, {"7331": 1}, 1.0, 0.0, [("85.31Z", 1, 1.5), ("85.20Z", 1, 0.8)]),
    ("public", "non_ess", 0.1, {"7364": 1}, 1.0, 0.3, [("86.10Z", 1, 8.0)]),
    (
        "public",
        "non_ess",
        0.15,
        {"7361": 2, "7366": 1},
        1.0,
        0.1,
        [("88.99B", 2, 0.6), ("87.10A", 1, 2.0), ("88.10A", 0.3, 1.5)],
    ),
]
NAF_REV1_OF = {"88": "85.3K", "87": "85.3A", "93": "92.6A", "94": "91.3E", "85": "80.4D", "86": "85.1A"}


@dataclass
class DemoFiles:
    """Paths of the generated raw files."""

    root: Path
    stock: Path
    units: Path
    history: Path
    employment: list[Path]


def _dates(rng: np.random.Generator, start: str, end: str, n: int) -> np.ndarray:
    lo, hi = np.datetime64(start), np.datetime64(end)
    days = rng.integers(0, int((hi - lo).astype(int)) + 1, n)
    return (lo + days.astype("timedelta64[D]")).astype(str)


def _tranche(headcount: np.ndarray) -> np.ndarray:
    edges = [0, 1, 3, 6, 10, 20, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000]
    codes = ["00", "01", "02", "03", "11", "12", "21", "22", "31", "32", "41", "42", "51", "52", "53"]
    idx = np.searchsorted(edges, headcount, side="right") - 1
    return np.array(codes, dtype=object)[np.clip(idx, 0, len(codes) - 1)]


def _enterprises(
    rng: np.random.Generator, dep: pd.DataFrame, communes: pd.DataFrame, scale: float, rest_fraction: float
) -> pd.DataFrame:
    """Draw employer establishments (with their enterprise) for every département."""
    rows = []
    for d, pop, chef in dep[["code", "population", "chef_lieu"]].itertuples(index=False):
        f = scale * (1.0 if d in ZONE_FR else rest_fraction)
        jobs = JOBS_PER_INHABITANT * pop * f
        ess_share = ESS_SHARE_2014.get(d, ESS_SHARE_PROVINCE)
        seg_jobs = {"ess": jobs * ess_share, "public": jobs * PUBLIC_SHARE}
        seg_jobs["private"] = jobs - seg_jobs["ess"] - seg_jobs["public"]
        if d in ZONE_FR:
            cz = communes[communes["departement"] == d]
            cw = cz["population"].to_numpy(dtype=float) + 50.0
            cz_codes, cz_names = cz["code"].to_numpy(), cz["name"].to_numpy()
        else:
            cz_codes, cz_names, cw = np.array([chef]), np.array(["Chef-lieu " + d]), np.array([1.0])
        for seg, family, prob, cjs, size_f, extra, acts in SEGMENTS:
            n_est = seg_jobs[seg] * prob / (MEAN_SIZE[seg] * size_f)
            n_ent = rng.poisson(max(n_est / (1 + extra), 0))
            if n_ent == 0:
                continue
            per = 1 + rng.poisson(extra, n_ent)
            ent = np.repeat(np.arange(n_ent), per)
            naf_codes = np.array([a[0] for a in acts], dtype=object)
            w = np.array([a[1] for a in acts], dtype=float)
            act_idx = rng.choice(len(acts), n_ent, p=w / w.sum())[ent]
            sf = np.array([a[2] for a in acts])[act_idx] * size_f
            cj = np.array(list(cjs), dtype=object)
            cjw = np.array(list(cjs.values()), dtype=float)
            cj_e = rng.choice(cj, n_ent, p=cjw / cjw.sum())[ent]
            mean = MEAN_SIZE[seg] * sf
            size = np.ceil(rng.lognormal(np.log(mean) - 0.72 - 0.1, 1.2)).astype(int)
            com = rng.choice(len(cz_codes), len(ent), p=cw / cw.sum())
            rows.append(
                pd.DataFrame(
                    {
                        "dep": d,
                        "segment": seg,
                        "family": family,
                        "ent_local": ent,
                        "cj": cj_e,
                        "naf": naf_codes[act_idx],
                        "size": np.maximum(size, 1),
                        "commune": cz_codes[com],
                        "commune_name": cz_names[com],
                        "group": f"{d}-{seg}-{family}-{len(rows)}",
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)


def _calibrate(est: pd.DataFrame) -> pd.DataFrame:
    """Rescale ESS sizes so that each département's ESS share of jobs hits its published value.

    With ESS jobs E and other jobs O, the factor f = t·O / ((1 − t)·E) gives
    f·E / (f·E + O) = t (INSEE 2014 share t); sizes stay integers >= 1.
    """
    est = est.copy()
    ess = est["segment"].eq("ess")
    jobs = est.groupby(["dep", ess])["size"].sum().unstack(fill_value=0)
    target = pd.Series({d: ESS_SHARE_2014.get(d, ESS_SHARE_PROVINCE) for d in jobs.index})
    factor = (target * jobs[False] / ((1 - target) * jobs[True])).replace([np.inf], 1.0).fillna(1.0)
    f = est["dep"].map(factor).to_numpy()
    est.loc[ess, "size"] = np.maximum(np.round(est.loc[ess, "size"].to_numpy() * f[ess.to_numpy()]), 1).astype(int)
    return est


def generate_fr(root: Path, scale: float, rest_fraction: float, seed: int) -> DemoFiles:
    """The French files (Sirene stocks and history, employment extracts)."""
    rng = np.random.default_rng(seed)
    dep = constants("departements_fr.csv")
    communes = constants("communes_fr.csv")
    est = _enterprises(rng, dep, communes, scale, rest_fraction)
    est = _calibrate(est)
    est["ent"] = est.groupby(["group", "ent_local"], sort=False).ngroup()
    n_ent, n = int(est["ent"].max()) + 1, len(est)
    siren = (np.arange(n_ent) * 7919 + 100_000_007) % 900_000_000 + 100_000_000
    est["siren"] = pd.Series(siren[est["ent"]]).map("{:09d}".format).to_numpy()
    est["nic"] = (est.groupby("ent").cumcount() * 17 + 12).map("{:05d}".format).to_numpy()
    est["siret"] = est["siren"] + est["nic"]
    # --- life cycle -------------------------------------------------------------------------
    new = rng.random(n) < 0.15
    est["created"] = np.where(
        new, _dates(rng, "2015-01-01", "2023-12-31", n), _dates(rng, "1960-01-01", "2014-12-31", n)
    )
    closes = rng.random(n) < 0.12
    close_date = _dates(rng, "2015-06-01", "2023-12-31", n)
    close_ok = closes & (close_date > est["created"].to_numpy())
    est["closed"] = np.where(close_ok, close_date, "")
    # jobs at 31 December of each year
    growth = np.array([GROWTH[s] for s in est["segment"]])
    noise = rng.normal(0, 0.04, (len(YEARS), n)).cumsum(axis=0)
    for i, y in enumerate(YEARS):
        trend = (1 + growth) ** i * np.where((est["segment"] == "private") & (y >= 2020), 0.97, 1.0)
        h = np.maximum(np.round(est["size"].to_numpy() * trend * np.exp(noise[i])), 1).astype(int)
        ref = f"{y}-12-31"
        alive = (est["created"].to_numpy() <= ref) & (
            (est["closed"].to_numpy() == "") | (est["closed"].to_numpy() > ref)
        )
        zero = rng.random(n) < 0.02
        est[f"h{y}"] = np.where(alive, np.where(zero, 0, h), -1)
    # old nomenclature on some records (NAFRev1 codes, legal unit in NAFRev2)
    old = rng.random(n) < 0.01
    est["nom"] = np.where(old, "NAFRev1", "NAFRev2")
    est["act"] = np.where(old, [NAF_REV1_OF.get(a[:2], "74.1A") for a in est["naf"]], est["naf"])
    # ESS flag of commercial companies (loi 2014): a few SAS / SARL declared
    ent_first = est.drop_duplicates("ent").set_index("ent")
    flag = np.where(ent_first["segment"] == "ess", "O", "N").astype(object)
    commercial = ent_first["cj"].isin(["5710", "5499"]).to_numpy()
    flag[commercial & (rng.random(n_ent) < 0.0005)] = "O"  # ~500 commercial ESS companies nationally (ESS France 2022)
    flag[rng.random(n_ent) < 0.03] = ""
    ent_first["flag"] = flag
    # non-employer and long-closed establishments (present in the stock, no jobs)
    extra = vary(_extra_rows(rng, est, n))  # with the old and empty codes of the genuine stock
    return _write(root, est, ent_first, extra, rng)


def _extra_rows(rng: np.random.Generator, est: pd.DataFrame, n: int) -> pd.DataFrame:
    k = int(n * 0.6)
    src = est.iloc[rng.integers(0, n, k)].reset_index(drop=True)
    ne = pd.DataFrame(
        {
            "siren": src["siren"],
            "commune": src["commune"],
            "commune_name": src["commune_name"],
            "cj": src["cj"],
        }
    )
    ne["nic"] = (50000 + ne.groupby("siren").cumcount()).map("{:05d}".format)
    ne["siret"] = ne["siren"] + ne["nic"]
    ne["naf"] = np.where(rng.random(k) < 0.5, "94.99Z", src["naf"])
    ne["created"] = _dates(rng, "1970-01-01", "2023-12-31", k)
    old = rng.random(k) < 0.3
    ne["closed"] = np.where(old, _dates(rng, "2000-01-01", "2014-12-31", k), "")
    ne["closed"] = np.where(ne["closed"] > ne["created"], ne["closed"], "")
    return ne


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write a demo file as INSEE does (comma, no quotes, Unix line ends) with pyarrow's writer (≈10× pandas).

    No value may contain a comma, a quote or a line break: the writer raises rather
    than quote (the demo never produces one).
    """
    table = pa.Table.from_pandas(frame, preserve_index=False)
    with pa.OSFile(str(path), "wb") as fh:
        fh.write((",".join(map(str, frame.columns)) + "\n").encode())
        pa_csv.write_csv(table, fh, pa_csv.WriteOptions(include_header=False, quoting_style="none"))


def _write(root: Path, est: pd.DataFrame, ent: pd.DataFrame, extra: pd.DataFrame, rng) -> DemoFiles:
    fr = root / "fr"
    (fr / "sirene").mkdir(parents=True, exist_ok=True)
    (fr / "employment").mkdir(parents=True, exist_ok=True)
    n = len(est)
    # --- StockEtablissement ------------------------------------------------------------------
    h2021 = est["h2021"].to_numpy()
    tranche = np.where(h2021 > 0, _tranche(np.maximum(h2021, 0)), "NN")
    closed = est["closed"].to_numpy() != ""
    s = pd.DataFrame({c: "" for c in ETAB_COLUMNS}, index=range(n))
    s["siren"], s["nic"], s["siret"] = est["siren"], est["nic"], est["siret"]
    s["statutDiffusionEtablissement"] = "O"
    s["dateCreationEtablissement"] = est["created"]
    s["trancheEffectifsEtablissement"] = tranche
    s["anneeEffectifsEtablissement"] = np.where(tranche != "NN", "2021", "")
    s["dateDernierTraitementEtablissement"] = "2023-11-20T08:15:00"
    s["etablissementSiege"] = np.where(est["nic"] == "00012", "true", "false")
    s["nombrePeriodesEtablissement"] = np.where(closed, "2", "1")
    s["numeroVoieEtablissement"] = (rng.integers(1, 200, n)).astype(str)
    s["typeVoieEtablissement"] = "RUE"
    s["libelleVoieEtablissement"] = "DE LA DEMONSTRATION"
    s["codePostalEtablissement"] = est["commune"].str[:2] + "100"
    s["libelleCommuneEtablissement"] = est["commune_name"].str.upper()
    s["codeCommuneEtablissement"] = est["commune"]
    s["dateDebut"] = np.where(closed, est["closed"], est["created"])
    s["etatAdministratifEtablissement"] = np.where(closed, "F", "A")
    s["activitePrincipaleEtablissement"] = est["act"]
    s["nomenclatureActivitePrincipaleEtablissement"] = est["nom"]
    s["caractereEmployeurEtablissement"] = np.where(tranche != "NN", "O", "N")
    x = pd.DataFrame({c: "" for c in ETAB_COLUMNS}, index=range(len(extra)))
    xc = extra["closed"].to_numpy() != ""
    x["siren"], x["nic"], x["siret"] = extra["siren"], extra["nic"], extra["siret"]
    x["statutDiffusionEtablissement"] = "O"
    x["dateCreationEtablissement"] = extra["created"]
    x["trancheEffectifsEtablissement"] = extra["band"].to_numpy()
    x["dateDernierTraitementEtablissement"] = "2022-03-02T10:00:00"
    x["etablissementSiege"] = "false"
    x["nombrePeriodesEtablissement"] = np.where(xc, "2", "1")
    x["codePostalEtablissement"] = extra["commune"].str[:2] + "100"
    x["libelleCommuneEtablissement"] = extra["commune_name"].str.upper()
    x["codeCommuneEtablissement"] = extra["commune"]
    x["dateDebut"] = np.where(xc, extra["closed"], extra["created"])
    x["etatAdministratifEtablissement"] = np.where(xc, "F", "A")
    x["activitePrincipaleEtablissement"] = extra["act"].to_numpy()
    x["nomenclatureActivitePrincipaleEtablissement"] = extra["nom"].to_numpy()
    x["caractereEmployeurEtablissement"] = extra["employer"].to_numpy()
    stock = pd.concat([s, x], ignore_index=True).sort_values("siret", kind="stable")
    stock_path = fr / "sirene" / "StockEtablissement_utf8.csv"
    write_csv(stock, stock_path)
    # --- StockEtablissementHistorique ----------------------------------------------------------
    hist = sirene_history(est, extra)
    hist_path = fr / "sirene" / "StockEtablissementHistorique_utf8.csv"
    write_csv(hist, hist_path)
    # --- StockUniteLegale -------------------------------------------------------------------
    u = pd.DataFrame({c: "" for c in UL_COLUMNS}, index=range(len(ent)))
    u["siren"] = ent["siren"].to_numpy()
    u["statutDiffusionUniteLegale"] = "O"
    created = est.groupby("ent")["created"].min().reindex(ent.index).to_numpy()
    u["dateCreationUniteLegale"] = created
    is_ei = ent["cj"].to_numpy() == "1000"
    u["sexeUniteLegale"] = np.where(is_ei, np.where(rng.random(len(ent)) < 0.4, "F", "M"), "")
    u["nomUniteLegale"] = np.where(is_ei, "DEMO", "")
    u["prenom1UniteLegale"] = np.where(is_ei, "CAMILLE", "")
    is_assoc = ent["family"].to_numpy() == "association"
    u["identifiantAssociationUniteLegale"] = np.where(
        is_assoc, [f"W{c[:2]}{i:07d}" for i, c in enumerate(ent["commune"])], ""
    )
    u["dateDernierTraitementUniteLegale"] = "2023-11-20T08:15:00"
    u["nombrePeriodesUniteLegale"] = "1"
    u["categorieEntreprise"] = "PME"
    u["anneeCategorieEntreprise"] = "2021"
    u["dateDebut"] = created
    u["etatAdministratifUniteLegale"] = "A"
    u["denominationUniteLegale"] = np.where(is_ei, "", [f"{f.upper()} DEMO {i}" for i, f in enumerate(ent["family"])])
    u["categorieJuridiqueUniteLegale"] = ent["cj"].to_numpy()
    u["activitePrincipaleUniteLegale"] = ent["naf"].to_numpy()
    u["nomenclatureActivitePrincipaleUniteLegale"] = "NAFRev2"
    u["nicSiegeUniteLegale"] = "00012"
    u["economieSocialeSolidaireUniteLegale"] = ent["flag"].to_numpy()
    u["caractereEmployeurUniteLegale"] = "O"
    ul_path = fr / "sirene" / "StockUniteLegale_utf8.csv"
    write_csv(u.sort_values("siren"), ul_path)
    # --- employment extracts -------------------------------------------------------------------
    emp_paths = []
    ess = (est["segment"] == "ess").to_numpy()
    public = (est["segment"] == "public").to_numpy()
    pay = np.where(ess, 30500.0, np.where(public, 34800.0, 36900.0)) * np.exp(rng.normal(0, 0.12, n))
    ftef = np.clip(np.where(ess, 0.80, np.where(public, 0.88, 0.90)) + rng.normal(0, 0.05, n), 0.3, 1.0)
    wom = np.where(ess, 0.67, np.where(public, 0.62, 0.42))
    pt = np.where(ess, 0.36, np.where(public, 0.22, 0.16))
    for y in YEARS:
        h = est[f"h{y}"].to_numpy()
        keep = h >= 0
        hh = h[keep]
        women = rng.binomial(hh, wom[keep])
        part = rng.binomial(hh, pt[keep])
        fte = np.round(hh * ftef[keep], 1)
        e = pd.DataFrame(
            {
                "siret": est["siret"].to_numpy()[keep],
                "annee": y,
                "effectif_31_12": hh,
                "etp": fte,
                "remuneration_brute": np.round(fte * pay[keep] * (1.012 ** (y - 2015)), 0).astype(np.int64),
                "femmes": women,
                "temps_partiel": part,
            }
        ).sort_values("siret")
        name = employment_file(y)
        if name:  # drawn every year (the later years do not depend on it), written where a source covers it
            write_csv(e, fr / "employment" / name)
            emp_paths.append(fr / "employment" / name)
    _sidecars(fr)
    return DemoFiles(root, stock_path, ul_path, hist_path, emp_paths)


#: The last year of INSEE's CLAP; Flores starts with the CLAP → Flores break (``reference/breaks.csv``).
CLAP_LAST = 2015


def employment_file(year: int) -> str:
    """The demo extract's name for ``year``, as a CRESS receives them: ``clap_…`` to 2015, ``flores_…`` after.

    ``""`` for a year no INSEE source covers (2016: after CLAP's last vintage, before Flores' first),
    so that the demo series has the real gap.
    """
    flores_first = reference.break_year("employment_fr") or CLAP_LAST + 1
    if year <= CLAP_LAST:
        return f"clap_etablissements_{year}.csv"
    return f"flores_etablissements_{year}.csv" if year >= flores_first else ""


def _sidecars(fr: Path) -> None:
    """The stock's ``source.json``: its vintage (snapshot date); the producer is in ``reference/sources.csv``."""
    info = {"vintage": SNAPSHOT, "notice": DEMO_NOTICE}
    (fr / "sirene" / "source.json").write_text(json.dumps(info, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
