r"""Population side of the demo raw files: Eurostat observed and projected tables, Statbel structures.

Calibration: Eurostat ``demo_r_pjangrp3`` population by NUTS3 and five-year age
group on 1 January 2019 (shipped in ``demo/constants/population_nuts3_2019.csv``),
moved along yearly growth rates by age [inf: ageing orders of magnitude of the
INSEE Omphale and Federal Planning Bureau projections] — 85+ +3 %/year, 75–84
+1.5 %, 60–74 +1 %, 20–59 −0.2 %, under 5 −0.5 % — and split by sex (share of women
49 % under 60, 52 % at 60–74, 57 % at 75–84, 67 % at 85+).

Files written (producers' layouts):
- ``population/eurostat/demo_r_pjangrp3.tsv``: classic layout (``sex,unit,age,geo\\time``,
  years 2023…2015 descending, 2023 flagged ``p``), NUTS 2016 codes as in that vintage
  (so Hainaut's old arrondissements appear and are set aside by the reader);
- ``population/eurostat/proj_19rp3.tsv``: newer layout (``freq,projection,sex,age,unit,geo\\TIME_PERIOD``,
  years 2024…2040 ascending, CRLF), NUTS 2021 codes of the extended zone, scenario ``BSL``;
- ``population/statbel/TF_SOC_POP_STRUCT_<year>.txt`` for 2015, 2019 and 2023: communes of the
  Belgian part of the extended zone × sex × single year of age (pipe, UTF-8 BOM, CRLF).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from desir_analysis.demo.be import HAINAUT_NUTS2016, ZONE_PROVINCES, arrondissement_nuts3
from desir_analysis.demo.common import YEARS, constants

GROWTH = {
    "Y_LT5": -0.005,
    "Y5-9": 0.0,
    "Y10-14": 0.0,
    "Y15-19": 0.0,
    "Y60-64": 0.01,
    "Y65-69": 0.01,
    "Y70-74": 0.01,
    "Y75-79": 0.015,
    "Y80-84": 0.015,
    "Y85-89": 0.03,
    "Y_GE90": 0.03,
}
FEMALE = {
    "Y60-64": 0.52,
    "Y65-69": 0.52,
    "Y70-74": 0.52,
    "Y75-79": 0.57,
    "Y80-84": 0.57,
    "Y85-89": 0.67,
    "Y_GE90": 0.67,
}
ZONE_FR_NUTS = {"FRE11", "FRE12", "FRE21", "FRE23", "FRF21"}


def _grow(pop: pd.DataFrame, year: int) -> pd.Series:
    g = pop["age"].map(GROWTH).fillna(-0.002)
    return pop["population"] * (1 + g) ** (year - 2019)


def _sex(pop: pd.Series, age: pd.Series) -> dict[str, pd.Series]:
    f = age.map(FEMALE).fillna(0.49)
    women = (pop * f).round()
    return {"T": pop.round(), "M": pop.round() - women, "F": women}


def _hainaut_2021(base: pd.DataFrame) -> pd.DataFrame:
    """Hainaut by 2019 arrondissements: province total split by Statbel establishment weights."""
    com = constants("communes_be.csv")
    hain = com[com["arrondissement"].str[0] == "5"]
    w = hain.groupby("arrondissement")["units_q4_2023"].sum()
    w = w / w.sum()
    tot = base[base["nuts3"].isin(HAINAUT_NUTS2016)].groupby("age", as_index=False)["population"].sum()
    nuts = arrondissement_nuts3()
    parts = [tot.assign(nuts3=nuts[a], population=tot["population"] * share) for a, share in w.items()]
    return pd.concat(parts, ignore_index=True)


def generate(root: Path, seed: int = 20260303) -> Path:
    """Write the demo population files under ``root/population/``."""
    rng = np.random.default_rng(seed)
    base = constants("population_nuts3_2019.csv")[["nuts3", "age", "population"]]
    out = root / "population"
    (out / "eurostat").mkdir(parents=True, exist_ok=True)
    (out / "statbel").mkdir(parents=True, exist_ok=True)
    # observed, classic layout, NUTS 2016
    lines = ["sex,unit,age,geo\\time\t" + "\t".join(f"{y} " for y in sorted(YEARS, reverse=True))]
    lines += _tsv_rows(
        base, sorted(YEARS, reverse=True), lambda sex, age, nuts3: f"{sex},NR,{age},{nuts3}", flag_year=max(YEARS)
    )
    (out / "eurostat" / "demo_r_pjangrp3.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    # projections, new layout, NUTS 2021 (zone only)
    zone = base[base["nuts3"].str[:3].isin(["BE2", "BE3"]) | base["nuts3"].isin(ZONE_FR_NUTS)]
    zone = zone[~zone["nuts3"].isin(HAINAUT_NUTS2016)]
    zone = pd.concat([zone, _hainaut_2021(base)], ignore_index=True)
    zone = zone[zone["nuts3"].str[:3].ne("BE2") | zone["nuts3"].str[:4].isin(["BE23", "BE25"])]
    proj_years = list(range(2024, 2041))
    lines = ["freq,projection,sex,age,unit,geo\\TIME_PERIOD\t" + "\t".join(str(y) for y in proj_years)]
    lines += _tsv_rows(
        zone.groupby(["nuts3", "age"], as_index=False)["population"].sum(),
        proj_years,
        lambda sex, age, nuts3: f"A,BSL,{sex},{age},PER,{nuts3}",
    )
    (out / "eurostat" / "proj_19rp3.tsv").write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    # Statbel structures for the Belgian part of the zone
    com = constants("communes_be.csv")
    com = com[com["refnis"].str[0].isin(ZONE_PROVINCES)].copy()
    com["w"] = com["units_q4_2023"].fillna(100).astype(float)
    com["share"] = com["w"] / com.groupby("arrondissement")["w"].transform("sum")
    arr_pop = pd.concat(
        [
            zone[zone["nuts3"].str.startswith("BE")],
        ],
        ignore_index=True,
    )
    nuts_of_arr = arrondissement_nuts3()
    header = (
        "CD_REFNIS|TX_DESCR_NL|TX_DESCR_FR|CD_DSTR_REFNIS|TX_ADM_DSTR_DESCR_NL|TX_ADM_DSTR_DESCR_FR|"
        "CD_PROV_REFNIS|TX_PROV_DESCR_NL|TX_PROV_DESCR_FR|CD_RGN_REFNIS|TX_RGN_DESCR_NL|TX_RGN_DESCR_FR|"
        "CD_SEX|CD_NATLTY|TX_NATLTY_NL|TX_NATLTY_FR|CD_CIV_STS|TX_CIV_STS_NL|TX_CIV_STS_FR|CD_AGE|MS_POPULATION"
    )
    com["nuts3"] = com["arrondissement"].map(nuts_of_arr)
    ages = pd.DataFrame(
        [(code, a) for code in arr_pop["age"].unique() for a in range(*_span(code))], columns=["age_code", "age"]
    )
    ages["width"] = ages.groupby("age_code")["age"].transform("size")
    for year in (2015, 2019, 2023):
        g = arr_pop.assign(pop=_grow(arr_pop, year))[["nuts3", "age", "pop"]].rename(columns={"age": "age_code"})
        t = com[["refnis", "name_nl", "name_fr", "arrondissement", "nuts3", "share"]].merge(g, on="nuts3")
        t = t.merge(ages, on="age_code")
        f = t["age_code"].map(FEMALE).fillna(0.49)
        rows = []
        for sex, share in (("F", f), ("M", 1 - f)):
            n = rng.poisson(np.maximum(t["pop"] * t["share"] / t["width"] * share, 0))
            rows.append(t.assign(sex=sex, n=n)[n > 0])
        t = pd.concat(rows).sort_values(["refnis", "sex", "age"])
        prov = t["refnis"].str[0] + "0000"
        region = np.where(t["refnis"].str[0].isin(list("589")), "03000", "02000")
        body = (
            t["refnis"]
            + "|"
            + t["name_nl"]
            + "|"
            + t["name_fr"]
            + "|"
            + t["arrondissement"]
            + "|||"
            + prov
            + "|||"
            + region
            + "|||"
            + t["sex"]
            + "|BEL|Belgen|Belges|1|Ongehuwd|Célibataire|"
            + t["age"].astype(str)
            + "|"
            + t["n"].astype(str)
        )
        path = out / "statbel" / f"TF_SOC_POP_STRUCT_{year}.txt"
        path.write_bytes(b"\xef\xbb\xbf" + ("\r\n".join([header, *body.tolist()]) + "\r\n").encode("utf-8"))
    return out


def _tsv_rows(base: pd.DataFrame, years: list[int], key, flag_year: int | None = None) -> list[str]:
    """Eurostat TSV data lines (F, M, T) for every NUTS3 × age of ``base``, vectorised over years."""
    base = base.sort_values(["nuts3", "age"]).reset_index(drop=True)
    g = base["age"].map(GROWTH).fillna(-0.002).to_numpy()
    f = base["age"].map(FEMALE).fillna(0.49).to_numpy()
    tot = np.round(base["population"].to_numpy()[:, None] * (1 + g[:, None]) ** (np.array(years) - 2019)[None, :])
    women = np.round(tot * f[:, None])
    by_sex = {"F": women, "M": tot - women, "T": tot}
    out = []
    for i, (nuts3, age) in enumerate(zip(base["nuts3"], base["age"], strict=True)):
        for sex in ("F", "M", "T"):
            vals = [
                f"{int(v)} p" if y == flag_year else (f"{int(v)} " if flag_year else str(int(v)))
                for v, y in zip(by_sex[sex][i], years, strict=True)
            ]
            out.append(key(sex, age, nuts3) + "\t" + "\t".join(vals))
    return out


def _span(code: str) -> tuple[int, int]:
    lo, hi = _bounds(code)
    return lo, hi + 1


def _bounds(code: str) -> tuple[int, int]:
    if code == "Y_LT5":
        return 0, 4
    if code == "Y_GE90":
        return 90, 99
    lo, hi = code[1:].split("-")
    return int(lo), int(hi)
