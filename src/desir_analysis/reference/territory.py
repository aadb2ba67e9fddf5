"""Geography: communes -> territories (FR département, BE arrondissement) -> NUTS 3 -> study zones.

A lookup in the reference tables (``territories.csv``, ``commune_changes.csv``),
independent of the ESS definition: readers of population files use it too.
"""

from __future__ import annotations

import pandas as pd

from desir_analysis import reference
from desir_analysis.reference.codes import departement_of_commune


def _require(frame: pd.DataFrame, columns: list[str], func: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"{func}: missing column(s) {missing}; got {list(frame.columns)}")


def current_nis(communes: pd.Series) -> pd.Series:
    """Map Belgian NIS codes changed in 2019 / 2025 to the current code (chains followed)."""
    changes = reference.commune_changes()
    mapping = dict(zip(changes["old_code"], changes["new_code"], strict=True))
    out = communes.astype("string")
    for _ in range(3):  # at most 2019 then 2025
        hit = out.isin(list(mapping)).fillna(False)
        if not hit.any():
            break
        out = out.mask(hit, out[hit].map(mapping))
    return out


def territory_of_commune(country: pd.Series, commune: pd.Series) -> pd.Series:
    """Territory code (FR département, BE arrondissement or commune exception) of communes."""
    terr = reference.territories()
    exceptions = set(terr.loc[terr["level"] == "commune", "code"])
    is_be = country.eq("BE").fillna(False).to_numpy()
    out = departement_of_commune(commune).where(country.eq("FR"))
    if is_be.any():
        be_cur = current_nis(commune[is_be])
        out[is_be] = be_cur.where(be_cur.isin(exceptions), be_cur.str[:2] + "000")
    return out


def add_territory(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``territory``, ``nuts3`` and zone flags ``zone_desir``, ``zone_interreg_fwvl``.

    FR communes reach their département by prefix (``2A``/``2B``, ``97x``); BE
    communes reach their arrondissement after the 2019/2025 re-codings
    (``reference/commune_changes.csv``), with the German-speaking communes
    placed in NUTS3 BE336. Unknown territories get ``nuts3`` <NA> and zone flags False.
    """
    _require(frame, ["country", "commune"], "add_territory")
    out = frame.drop(columns=["territory", "nuts3", "zone_desir", "zone_interreg_fwvl"], errors="ignore").copy()
    out["territory"] = territory_of_commune(out["country"], out["commune"].astype("string"))
    ref = reference.territories()[["country", "code", "nuts3", "zone_desir", "zone_interreg_fwvl"]]
    ref = ref.rename(columns={"code": "territory"})
    ref["nuts3"] = ref["nuts3"].mask(ref["nuts3"].eq(""))
    out = out.merge(ref, on=["country", "territory"], how="left", validate="m:1")
    for col in ("zone_desir", "zone_interreg_fwvl"):
        out[col] = out[col].fillna(False).astype(bool)
    return out


def in_zone(frame: pd.DataFrame, zone: str) -> pd.Series:
    """Boolean mask of rows in a named study zone (``desir`` or ``interreg_fwvl``)."""
    if zone not in reference.ZONES:
        raise ValueError(f"unknown zone {zone!r}; expected one of {reference.ZONES}")
    if f"zone_{zone}" not in frame.columns:
        frame = add_territory(frame)
    return frame[f"zone_{zone}"].astype(bool)
