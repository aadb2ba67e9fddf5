"""Maintenance script: derive the demo generator's calibration constants from official lists.

    .venv/bin/python tools/derive_demo_constants.py --shared ../shared/data

Writes ``src/desir_analysis/demo_constants/``: communes of the extended zone with
their legal population (INSEE COG 2026, populations légales), and département
populations with their chef-lieu. ``make report`` reads these constants, never
../shared.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

OUT = Path(__file__).resolve().parents[1] / "src" / "desir_analysis" / "demo_constants"
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
