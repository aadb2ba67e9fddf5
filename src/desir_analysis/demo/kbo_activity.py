"""The demo KBO ``activity.csv``, as varied as the genuine export.

The genuine daily update (``kbo_KboOpenData_0147_2025_10_12_Update``) shows: 7-digit KBO
subdivisions of NACE-BEL sub-classes (``9531901``), NACE-BEL 2008 and 2025 rows side by side,
entities with several MAIN rows in different activity groups (006 ONSS, 001 TVA, 003), and
NACE-BEL 2003 codes on old entities. The demo reproduces each, so that ``make report`` goes
through every path of :func:`desir_analysis.sources.kbo.main_activity`, without changing what a
unit is (the added rows never win over the unit's own 2008 code at a 2015–2023 reference date,
or reach the same sector group):

- :data:`SUBDIVIDED` of the units write their 2008 code as a 7-digit subdivision (``+ "01"``);
- :data:`WITH_2025` also carry a NACE-BEL 2025 MAIN row (the same sub-class, where NACE Rév. 2.1
  keeps the class in the same sector group): not in force before 2025;
- :data:`SECOND_MAIN` carry a second MAIN row, in group 001 (TVA), with another code, written first;
- :data:`ONLY_2003` of the units started before 2008, outside personal services and the
  exclusions, carry only a NACE-BEL 2003 MAIN row, of a NACE Rév. 1.1 class of the same sector group.

Drawn from their own seed: the other demo files do not depend on it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from desir_analysis import reference

SUBDIVIDED, WITH_2025, SECOND_MAIN, ONLY_2003 = 0.05, 0.30, 0.10, 0.02
SEED = 20261130


def _groups(nomenclature: str) -> pd.Series:
    s = reference.sectors()
    s = s[s["nomenclature"].eq(nomenclature)]
    return s.set_index("nace_class")["sector_group"]


def _old_classes() -> pd.DataFrame:
    """NACE Rév. 1.1 classes outside the activity exclusions, with their sector group."""
    s = reference.sectors()
    s = s[s["nomenclature"].eq("NACE11")][["nace_class", "sector_group"]]
    ex = reference.activity_exclusions()
    prefixes = tuple(ex.loc[ex["nomenclature"].eq("NACE11"), "nace_prefix"])
    return s[~s["nace_class"].str.startswith(prefixes)].reset_index(drop=True)


def _row(entity, group: str, version: str, code) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "EntityNumber": entity,
            "ActivityGroup": group,
            "NaceVersion": version,
            "NaceCode": code,
            "Classification": "MAIN",
        }
    )


def activities(units: pd.DataFrame, enterprises: pd.DataFrame, personal: set[str], seed: int = SEED) -> pd.DataFrame:
    """The rows of ``activity.csv`` for the demo units and enterprises (columns of the KBO export).

    Args:
        units: one row per unit: ``unit``, ``naf`` (NACE-BEL 2008 sub-class ``DD.DDD``), ``start``.
        enterprises: one row per enterprise: ``enterprise``, ``naf``.
        personal: NACE-BEL 2008 sub-classes of personal services (never given another code).
        seed: the draws' seed.
    """
    rng = np.random.default_rng(seed)
    n = len(units)
    code = units["naf"].str.replace(".", "", regex=False).to_numpy()
    klass = units["naf"].str[:5]
    group08 = klass.map(_groups("NACE2"))
    same25 = (klass.map(_groups("NACE21")) == group08).fillna(False).to_numpy(dtype=bool)
    sub = rng.random(n) < SUBDIVIDED
    v25 = (rng.random(n) < WITH_2025) & same25
    second = rng.random(n) < SECOND_MAIN
    old = (units["start"] < pd.Timestamp("2008-01-01")).to_numpy(dtype=bool) & ~units["naf"].isin(personal).to_numpy(
        dtype=bool
    )
    only03 = old & (rng.random(n) < ONLY_2003)
    old_classes = _old_classes()
    pick = rng.random(n)
    code03 = np.empty(n, dtype=object)
    for i in np.flatnonzero(only03):
        same = old_classes[old_classes["sector_group"].eq(group08.iloc[i])]
        if len(same) == 0:
            only03[i] = False
            continue
        code03[i] = same["nace_class"].iloc[int(pick[i] * len(same))].replace(".", "") + "0"
    others = np.array(sorted(set(code)), dtype=object)
    other = others[rng.integers(0, len(others), n)]
    second &= ~only03  # a 2008 TVA row would win over the 2003-only unit's own row (version in force first)
    unit_ids = units["unit"].to_numpy()
    parts = [
        _row(unit_ids[second], "001", "2008", other[second]),  # written first: the group rank decides, not the line
        _row(unit_ids[~only03], "006", "2008", np.where(sub, code + "01", code)[~only03]),
        _row(unit_ids[v25 & ~only03], "006", "2025", code[v25 & ~only03]),
        _row(unit_ids[only03], "006", "2003", code03[only03]),
        _row(enterprises["enterprise"].to_numpy(), "003", "2008", enterprises["naf"].str.replace(".", "").to_numpy()),
    ]
    return pd.concat(parts, ignore_index=True).sort_values("EntityNumber", kind="stable", ignore_index=True)
