"""Belgian side of the demo raw files: KBO/BCE export, ONSS-type employment extract, approvals.

Calibration constants (shipped in ``demo/constants/``, never read from ../shared):

- commune weights: Statbel establishment units by commune, Q4 2023 (West- and
  Oost-Vlaanderen, Hainaut, Namur, Luxembourg, Liège, Brabant wallon); other
  communes weigh the same;
- arrondissement populations: Eurostat ``demo_r_pjangrp3`` (1 January 2019);
  Hainaut's 2019 arrondissements are given the province total split by the
  Statbel weights (the Eurostat vintage uses NUTS 2016);
- salaried jobs ≈ 0.34 per inhabitant [inf, ONSS order of magnitude]; social
  economy ≈ 14 % of salaried jobs in Wallonia (ConcertES, EDL 2023: 14.6 %) and
  12 % elsewhere (W + BXL 2016: 12 %); health and social action about half of its
  jobs (ConcertES 2016: 52.8 %); titres-services ≈ 6 % (5.7 %).

The five provinces of the extended zone are generated in full, the others at
``rest_fraction``. The KBO files list every unit of the demo world (as the export
of each reference year would), fields quoted as in the real export.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from desir_analysis import reference
from desir_analysis.demo.common import DEMO_NOTICE, YEARS, constants
from desir_analysis.demo.kbo_activity import activities
from desir_analysis.sources.kbo import postal_to_nis

JOBS_PER_INHABITANT = 0.34
PUBLIC_SHARE = 0.22
ESS_SHARE = {"wallonia": 0.14, "other": 0.12}
MEAN_SIZE = {"ess": 12.0, "public": 30.0, "private": 11.0}
ZONE_PROVINCES = {"3", "4", "5", "8", "9"}  # first digit of NIS: West-, Oost-Vl., Hainaut, Luxembourg, Namur
WALLOON_ARR = {
    "25",
    "51",
    "52",
    "53",
    "55",
    "56",
    "57",
    "58",
    "61",
    "62",
    "63",
    "64",
    "81",
    "82",
    "83",
    "84",
    "85",
    "91",
    "92",
    "93",
}
HAINAUT_NUTS2016 = ["BE321", "BE322", "BE323", "BE324", "BE325", "BE326", "BE327"]


def arrondissement_nuts3() -> dict[str, str]:
    """Belgian arrondissement (NIS) -> NUTS 2021 code, from ``reference/territories.csv``."""
    from desir_analysis import reference

    t = reference.territories()
    t = t[(t["country"] == "BE") & (t["level"] == "arrondissement")]
    return dict(zip(t["code"], t["nuts3"], strict=True))


# (segment, family label, probability, {legal form: weight}, size factor, extra units per enterprise,
#  [(NACE-BEL 2008 code, weight, size factor)], approval probability)
SOC = [
    ("88.101", 6, 2.5),
    ("88.109", 2, 1.0),
    ("88.911", 4, 1.0),
    ("87.101", 3, 4.0),
    ("87.301", 2, 3.0),
    ("86.101", 0.6, 10.0),
    ("88.991", 3, 1.5),
    ("85.311", 2, 2.5),
    ("85.591", 2, 1.0),
    ("93.191", 6, 0.3),
    ("90.011", 3, 0.4),
    ("91.020", 1, 1.0),
    ("94.991", 10, 0.4),
    ("81.210", 0.9, 2.5),  # titres-services: ~5.7 % of social-economy jobs (ConcertES 2016)
    ("55.201", 1, 0.8),
    ("94.200", 0.5, 0.5),
    ("94.910", 0.5, 0.4),
]
#: The KBO's ``JuridicalFormCAC`` of companies whose statutes are not adapted to the 2019 companies code:
#: the form they are read in (SCRL and cooperative SFS -> SC, SPRL-FS -> SRL, SA-FS -> SA).
CSA_FORM_OF = {"008": "706", "016": "706", "508": "706", "515": "610", "514": "014", "015": "610"}
CSA_EXISTING_FROM = "2020-01-01"  # the code applies to existing companies (loi du 23 mars 2019)

SEGMENTS = [
    ("ess", "association", 0.86, {"017": 95, "125": 2, "023": 1, "721": 2}, 1.0, 0.2, SOC, 0.0),
    (
        "ess",
        "cooperative",
        0.05,
        {"706": 1},
        1.2,
        0.3,
        [
            ("81.210", 1.5, 2.5),
            ("47.111", 1, 1.0),
            ("01.610", 1, 0.5),
            ("62.020", 1, 0.6),
            ("68.201", 1, 0.5),
            ("43.221", 1, 1.0),
        ],
        1.0,
    ),
    (
        "ess",
        "ess_company",
        0.03,
        {"515": 3, "514": 1, "508": 2},
        1.5,
        0.1,
        [("81.210", 3, 2.0), ("88.991", 2, 3.0), ("43.221", 1, 1.0), ("56.101", 1, 0.8)],
        0.0,
    ),
    ("ess", "mutual", 0.03, {"019": 3, "021": 1}, 1.5, 1.5, [("65.121", 1, 1.0), ("66.191", 1, 0.8)], 0.0),
    (
        "ess",
        "foundation",
        0.03,
        {"029": 2, "026": 1},
        2.0,
        0.3,
        [("87.101", 2, 2.0), ("86.101", 1, 4.0), ("72.190", 1, 1.0), ("85.311", 1, 1.0)],
        0.0,
    ),
    (
        "private",
        "non_ess",
        1.0,
        {"610": 40, "014": 10, "015": 15, "PP": 25, "706": 5, "012": 2},
        1.0,
        0.15,
        [
            ("47.111", 3, 2.0),
            ("47.730", 2, 0.6),
            ("45.201", 2, 0.8),
            ("46.900", 2, 1.0),
            ("43.221", 4, 0.7),
            ("41.201", 2, 1.0),
            ("25.620", 2, 2.0),
            ("10.711", 2, 0.7),
            ("56.101", 4, 0.7),
            ("55.201", 1, 1.5),
            ("56.301", 2, 0.4),
            ("69.201", 2, 0.8),
            ("70.220", 2, 0.6),
            ("78.200", 1, 3.0),
            ("81.210", 3, 3.0),
            ("71.121", 2, 1.0),
            ("86.210", 2, 0.4),
            ("86.901", 1, 0.6),
            ("49.410", 3, 1.5),
            ("68.201", 2, 0.4),
            ("62.010", 2, 1.5),
            ("96.021", 3, 0.4),
            ("88.911", 1, 0.8),
            ("87.101", 0.5, 3.0),
        ],
        0.0,
    ),
    (
        "public",
        "non_ess",
        0.45,
        {"411": 4, "110": 1, "124": 1},
        1.0,
        0.8,
        [("84.111", 6, 1.0), ("84.130", 1, 1.0), ("91.020", 1, 0.5), ("93.191", 1, 0.4)],
        0.0,
    ),
    ("public", "non_ess", 0.25, {"124": 1}, 1.0, 0.0, [("85.311", 2, 1.5), ("85.201", 1, 0.8)], 0.0),
    (
        "public",
        "non_ess",
        0.15,
        {"412": 3, "414": 1},
        1.0,
        0.3,
        [("87.101", 2, 2.0), ("88.991", 1, 0.8), ("86.101", 1, 6.0)],
        0.0,
    ),
    ("public", "non_ess", 0.15, {"414": 1, "418": 1}, 1.0, 0.2, [("38.110", 1, 1.5), ("35.130", 1, 2.0)], 0.0),
]


def arrondissement_population() -> pd.Series:
    """Population 2019 by 2019-2025 arrondissement (NIS code), Hainaut split by Statbel weights."""
    pop = constants("population_nuts3_2019.csv").groupby("nuts3")["population"].sum()
    com = constants("communes_be.csv")
    out = {arr: float(pop.get(n3, 0)) for arr, n3 in arrondissement_nuts3().items()}  # Hainaut: overwritten below
    hain = com[com["arrondissement"].str[0] == "5"]
    w = hain.groupby("arrondissement")["units_q4_2023"].sum()
    total = float(sum(pop.get(c, 0) for c in HAINAUT_NUTS2016))
    for arr, v in w.items():
        out[arr] = total * float(v) / float(w.sum())
    return pd.Series(out)


def _joint_committee(naf: np.ndarray, arr: np.ndarray, segment: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    walloon = np.isin(np.array([a[:2] for a in arr]), list(WALLOON_ARR))
    jc = np.full(len(naf), "200", dtype=object)
    div = np.array([c[:2] for c in naf])
    jc[np.isin(div, ["86", "87"])] = "330"
    jc[np.isin(div, ["88"])] = "319"
    jc[np.isin(div, ["90", "91", "93", "94"])] = "329.02"
    jc[naf == "88.101"] = np.where(walloon[naf == "88.101"], "318.01", "318.02")
    ts = (naf == "81.210") & ((segment == "ess") | (rng.random(len(naf)) < 0.4))
    jc[ts] = "322.01"
    jc[segment == "public"] = ""
    return jc


def _calibrate(u: pd.DataFrame) -> pd.DataFrame:
    """Rescale social-economy sizes so each arrondissement's share of jobs hits its target (see demo._calibrate)."""
    ess = u["segment"].eq("ess")
    jobs = u.groupby(["arr", ess])["size"].sum().unstack(fill_value=0)
    target = pd.Series({a: ESS_SHARE["wallonia" if a[:2] in WALLOON_ARR else "other"] for a in jobs.index})
    factor = (target * jobs[False] / ((1 - target) * jobs[True])).replace([np.inf], 1.0).fillna(1.0)
    f = u["arr"].map(factor).to_numpy()
    u = u.copy()
    u.loc[ess, "size"] = np.maximum(np.round(u.loc[ess, "size"].to_numpy() * f[ess.to_numpy()]), 1).astype(int)
    return u


def generate(root: Path, scale: float = 1.0, rest_fraction: float = 1 / 10, seed: int = 20260202) -> Path:
    """Write the Belgian demo raw files under ``root/be/``."""
    rng = np.random.default_rng(seed)
    com = constants("communes_be.csv")
    pop = arrondissement_population()
    inv_postal: dict[str, str] = {}
    for pc, nis in sorted(postal_to_nis().items()):
        inv_postal.setdefault(nis, pc)
    rows = []
    for arr, p in pop.items():
        f = scale * (1.0 if arr[0] in ZONE_PROVINCES else rest_fraction)
        jobs = JOBS_PER_INHABITANT * p * f
        ess = ESS_SHARE["wallonia" if arr[:2] in WALLOON_ARR else "other"]
        seg_jobs = {"ess": jobs * ess, "public": jobs * PUBLIC_SHARE}
        seg_jobs["private"] = jobs - seg_jobs["ess"] - seg_jobs["public"]
        cz = com[(com["arrondissement"] == arr) & com["refnis"].isin(list(inv_postal))]
        if arr == "63000":
            cz = com[com["refnis"].str.startswith("63") & com["refnis"].isin(list(inv_postal))]
        cw = cz["units_q4_2023"].fillna(100).to_numpy(dtype=float) + 10
        for seg, family, prob, forms, size_f, extra, acts, p_appr in SEGMENTS:
            n_est = seg_jobs[seg] * prob / (MEAN_SIZE[seg] * size_f)
            n_ent = rng.poisson(max(n_est / (1 + extra), 0))
            if n_ent == 0 or len(cz) == 0:
                continue
            per = 1 + rng.poisson(extra, n_ent)
            ent = np.repeat(np.arange(n_ent), per)
            naf = np.array([a[0] for a in acts], dtype=object)
            w = np.array([a[1] for a in acts], dtype=float)
            ai = rng.choice(len(acts), n_ent, p=w / w.sum())[ent]
            sf = np.array([a[2] for a in acts])[ai] * size_f
            lf = np.array(list(forms), dtype=object)
            lw = np.array(list(forms.values()), dtype=float)
            lf_e = rng.choice(lf, n_ent, p=lw / lw.sum())[ent]
            size = np.ceil(rng.lognormal(np.log(MEAN_SIZE[seg] * sf) - 0.82, 1.2)).astype(int)
            ci = rng.choice(len(cz), len(ent), p=cw / cw.sum())
            approved = (rng.random(n_ent) < p_appr)[ent]
            rows.append(
                pd.DataFrame(
                    {
                        "arr": arr,
                        "segment": seg,
                        "family": family,
                        "ent_local": ent,
                        "legal_form": lf_e,
                        "naf": naf[ai],
                        "size": np.maximum(size, 1),
                        "commune": cz["refnis"].to_numpy()[ci],
                        "approved": approved,
                        "group": f"{arr}-{seg}-{family}-{len(rows)}",
                    }
                )
            )
    u = _calibrate(pd.concat(rows, ignore_index=True))
    u["ent"] = u.groupby(["group", "ent_local"], sort=False).ngroup()
    n_ent, n = int(u["ent"].max()) + 1, len(u)
    ent_digits = (np.arange(n_ent) * 7907 + 200_000_003) % 800_000_000 + 200_000_000
    ent_no = pd.Series(ent_digits[u["ent"]]).map(lambda d: f"0{d:09d}")
    u["enterprise"] = ent_no.str[0:4] + "." + ent_no.str[4:7] + "." + ent_no.str[7:10]
    unit_digits = (np.arange(n) * 104729 + 100_000_019) % 899_999_999 + 100_000_000
    un = pd.Series(unit_digits).map(lambda d: f"2{d:09d}")
    u["unit"] = un.str[0:1] + "." + un.str[1:4] + "." + un.str[4:7] + "." + un.str[7:10]
    new = rng.random(n) < 0.14
    lo, hi = np.datetime64("1975-01-01"), np.datetime64("2014-12-31")
    old_d = lo + rng.integers(0, int((hi - lo).astype(int)), n).astype("timedelta64[D]")
    new_d = np.datetime64("2015-01-01") + rng.integers(0, 3287, n).astype("timedelta64[D]")
    start = np.where(new, new_d, old_d)
    closes = rng.random(n) < 0.10
    close = np.datetime64("2015-06-01") + rng.integers(0, 3100, n).astype("timedelta64[D]")
    u["start"] = pd.to_datetime(start)
    u["close"] = pd.to_datetime(np.where(closes & (close > start), close, np.datetime64("NaT")))
    growth = np.where(u["segment"] == "ess", 0.012, np.where(u["segment"] == "public", 0.003, 0.004))
    noise = rng.normal(0, 0.04, (len(YEARS), n)).cumsum(axis=0)
    emp_rows = []
    jc = _joint_committee(u["naf"].to_numpy(), u["arr"].to_numpy(), u["segment"].to_numpy(), rng)
    ess = (u["segment"] == "ess").to_numpy()
    pay = np.where(ess, 33000.0, 41000.0) * np.exp(rng.normal(0, 0.12, n))
    ftef = np.clip(np.where(ess, 0.74, 0.86) + rng.normal(0, 0.05, n), 0.3, 1.0)
    for i, y in enumerate(YEARS):
        ref = pd.Timestamp(f"{y}-12-31")
        alive = (u["start"] <= ref) & (u["close"].isna() | (u["close"] > ref))
        h = np.maximum(np.round(u["size"].to_numpy() * (1 + growth) ** i * np.exp(noise[i])), 1).astype(int)
        h = np.where(rng.random(n) < 0.02, 0, h)
        k = alive.to_numpy()
        hh = h[k]
        fte = np.round(hh * ftef[k], 1)
        emp_rows.append(
            pd.DataFrame(
                {
                    "numero_unite": u["unit"].to_numpy()[k],
                    "numero_entreprise": u["enterprise"].to_numpy()[k],
                    "annee": y,
                    "postes_fin_t4": hh,
                    "etp": fte,
                    "remuneration_brute": np.round(fte * pay[k] * 1.015**i).astype(np.int64),
                    "femmes": rng.binomial(hh, np.where(ess[k], 0.72, 0.44)),
                    "temps_partiel": rng.binomial(hh, np.where(ess[k], 0.45, 0.22)),
                    "commission_paritaire": jc[k],
                }
            )
        )
    be = root / "be"
    for d in ("kbo", "employment", "approvals"):
        (be / d).mkdir(parents=True, exist_ok=True)
    for i, y in enumerate(YEARS):
        emp_rows[i].sort_values("numero_unite").to_csv(
            be / "employment" / f"onss_unites_{y}.csv", index=False, lineterminator="\n"
        )
    _write_kbo(be / "kbo", u, inv_postal, rng)
    ents = u.drop_duplicates("ent")
    appr = ents[ents["approved"]]
    social = ents[ents["legal_form"].eq("508")]  # a cooperative SFS, read as an SC approved « entreprise sociale »
    a = pd.concat(
        [
            pd.DataFrame(
                {
                    "numero_entreprise": appr["enterprise"],
                    "type": "cnc",
                    "date_debut": appr["start"].dt.strftime("%Y-%m-%d"),
                    "date_fin": "",
                }
            ),
            pd.DataFrame(
                {
                    "numero_entreprise": social["enterprise"],
                    "type": "entreprise_sociale",
                    "date_debut": CSA_EXISTING_FROM,
                    "date_fin": "",
                }
            ),
        ],
        ignore_index=True,
    )
    a.to_csv(be / "approvals" / "agrements.csv", index=False, lineterminator="\n")
    (be / "README.txt").write_text(f"{DEMO_NOTICE}\n", encoding="utf-8")
    return be


def _q(frame: pd.DataFrame, path: Path, unquoted: tuple[str, ...] = ()) -> None:
    """Write like the KBO export: every non-empty field quoted except dates."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(f'"{c}"' for c in frame.columns) + "\n")
        cols = [frame[c].astype(str).to_numpy() for c in frame.columns]
        quote = [c not in unquoted for c in frame.columns]
        for row in zip(*cols, strict=True):
            fh.write(
                ",".join((f'"{v}"' if q else v) if v != "" else "" for v, q in zip(row, quote, strict=True)) + "\n"
            )


def _write_kbo(folder: Path, u: pd.DataFrame, inv_postal: dict[str, str], rng: np.random.Generator) -> None:
    ents = u.sort_values("start").drop_duplicates("ent").sort_values("enterprise")
    person = ents["legal_form"].eq("PP")
    ent = pd.DataFrame(
        {
            "EnterpriseNumber": ents["enterprise"],
            "Status": "AC",
            "JuridicalSituation": "000",
            "TypeOfEnterprise": np.where(person, "1", "2"),
            "JuridicalForm": np.where(person, "", ents["legal_form"]),
            "JuridicalFormCAC": ents["legal_form"].map(CSA_FORM_OF).fillna(""),
            "StartDate": ents["start"].dt.strftime("%d-%m-%Y"),
        }
    )
    _q(ent, folder / "enterprise.csv", unquoted=("StartDate",))
    est = pd.DataFrame(
        {
            "EstablishmentNumber": u["unit"],
            "StartDate": u["start"].dt.strftime("%d-%m-%Y"),
            "EnterpriseNumber": u["enterprise"],
        }
    ).sort_values("EstablishmentNumber")
    _q(est, folder / "establishment.csv", unquoted=("StartDate",))
    ps = reference.personal_services()
    personal = set(ps.loc[ps["country"].eq("BE") & ps["code_type"].eq("NACEBEL2008"), "code"])
    _q(activities(u, ents, personal), folder / "activity.csv")
    postal = u["commune"].map(inv_postal)
    adr_u = pd.DataFrame(
        {
            "EntityNumber": u["unit"],
            "TypeOfAddress": "BAET",
            "CountryNL": "",
            "CountryFR": "",
            "Zipcode": postal,
            "MunicipalityNL": "",
            "MunicipalityFR": "",
            "StreetNL": "Demostraat",
            "StreetFR": "Rue de la démonstration",
            "HouseNumber": rng.integers(1, 200, len(u)).astype(str),
            "Box": "",
            "ExtraAddressInfo": "",
            "DateStrikingOff": "",
        }
    )
    _q(adr_u.sort_values("EntityNumber"), folder / "address.csv")
    with open(folder / "meta.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n")
        w.writerows(
            [
                ["Variable", "Value"],
                ["SnapshotDate", "01-01-2024"],
                ["ExtractTimestamp", "01-01-2024 06:00:00"],
                ["ExtractType", "full"],
                ["Version", "demo"],
            ]
        )
