"""The rule that chooses one main activity among a KBO entity's activity rows (shown in the référentiel).

A KBO entity may carry several ``MAIN`` rows: several activity groups (ONSS, VAT, …) and several
NACE-BEL versions (2003, 2008, 2025). :func:`desir_analysis.sources.kbo.main_activity` applies
this rule; :func:`main_activity_rule` writes it in words.
"""

from __future__ import annotations

import pandas as pd

#: The NACE-BEL version in force from a year on (Statbel: NACE-BEL 2003 to 2007, 2008 to 2024, 2025 on).
NACE_IN_FORCE = ((2025, "NACEBEL2025"), (2008, "NACEBEL2008"), (0, "NACEBEL2003"))
#: KBO activity groups in the order a main activity is taken from them (others after), with their
#: names (KBO code.csv, category ActivityGroup).
GROUP_NAMES = {"006": "activités ONSS", "003": "activités", "001": "activités TVA"}
#: Activity group -> its rank (the order of :data:`GROUP_NAMES`).
GROUP_RANK = {group: rank for rank, group in enumerate(GROUP_NAMES)}


def version_order(year: int) -> list[str]:
    """The NACE-BEL versions in the order a main activity is chosen for a reference year.

    The version in force at 31 December of ``year`` first, then the newer ones (nearest first),
    then the older ones (nearest first): 2023 -> 2008, 2025, 2003; 2025 -> 2025, 2008, 2003.
    """
    in_force = next(n for start, n in NACE_IN_FORCE if year >= start)
    by_age = [n for _, n in sorted(NACE_IN_FORCE)]  # 2003, 2008, 2025
    i = by_age.index(in_force)
    return [in_force, *by_age[i + 1 :], *reversed(by_age[:i])]


def main_activity_rule(year: int) -> pd.DataFrame:
    """The documented rule that picks one main activity per KBO entity (shown in the référentiel)."""
    versions = ", puis ".join(v.replace("NACEBEL", "NACE-BEL ") for v in version_order(year))
    groups = ", puis ".join(f"{g} ({name})" for g, name in GROUP_NAMES.items())
    return pd.DataFrame(
        {
            "Étape": [1, 2, 3, 4, 5],
            "Règle": [
                "seules les lignes de classification MAIN (activité principale) de activity.csv comptent",
                f"version de la nomenclature : celle en vigueur au 31 décembre {year}, puis les autres ({versions})",
                f"groupe d'activité : {groups}, puis les autres groupes",
                "à égalité, la première ligne du fichier",
                "une unité d'établissement sans activité principale prend celle de son entreprise",
            ],
        }
    )
