"""Geography: communes -> territories (FR département, BE arrondissement) -> NUTS 3 -> study zones.

A lookup in the reference tables (``territories.csv``, ``commune_changes.csv``),
independent of the ESS definition: readers of population files use it too.
"""

from __future__ import annotations

import pandas as pd

from desir_analysis import reference
from desir_analysis.reference.codes import departement_of_commune, isin


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


def _zone_columns() -> list[str]:
    return [f"zone_{z}" for z in reference.zone_names()] + ["in_any_zone"]


def add_territory(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``territory``, ``nuts3``, one flag ``zone_<name>`` per zone of ``zones.csv`` and ``in_any_zone``.

    FR communes reach their département by prefix (``2A``/``2B``, ``97x``); BE
    communes reach their arrondissement after the 2019/2025 re-codings
    (``reference/commune_changes.csv``), with the German-speaking communes
    placed in NUTS3 BE336. Unknown territories get ``nuts3`` <NA> and zone flags False.
    """
    _require(frame, ["country", "commune"], "add_territory")
    zone_cols = _zone_columns()
    old = [c for c in frame.columns if c.startswith("zone_") or c in ("territory", "nuts3", "in_any_zone")]
    out = frame.drop(columns=old).copy()
    out["territory"] = territory_of_commune(out["country"], out["commune"].astype("string"))
    ref = reference.territories()[["country", "code", "nuts3", *zone_cols]]
    ref = ref.rename(columns={"code": "territory"})
    ref["nuts3"] = ref["nuts3"].mask(ref["nuts3"].eq(""))
    out = out.merge(ref, on=["country", "territory"], how="left", validate="m:1")
    for col in zone_cols:
        out[col] = out[col].fillna(False).astype(bool)
    return out


def zone_territories(zone: str) -> pd.DataFrame:
    """The (country, territory code) pairs of a study zone.

    Raises:
        ValueError: a zone that ``zones.csv`` does not name.
    """
    if zone not in reference.zone_names():
        raise ValueError(f"unknown zone {zone!r}; expected one of {reference.zone_names()}")
    t = reference.territories()
    return t.loc[t[f"zone_{zone}"], ["country", "code"]].rename(columns={"code": "territory"})


def in_zone(frame: pd.DataFrame, zone: str) -> pd.Series:
    """Boolean mask of the rows of ``frame`` in a study zone of ``zones.csv``.

    Read from the reference tables at every call (from the rows' ``country`` and
    ``territory``; from their commune when there is no ``territory`` column), never from
    flags stored in a processed table: a zone added to the reference tables works on the
    processed years as they are (its territories must be among those the build kept).
    """
    members = zone_territories(zone)
    if "territory" not in frame.columns:
        frame = add_territory(frame)
    key = frame["country"].astype("string") + "|" + frame["territory"].astype("string")
    allowed = (members["country"] + "|" + members["territory"]).tolist()
    return pd.Series(isin(key, allowed), index=frame.index, dtype=bool)


def whole_nuts3(zone: str) -> frozenset[str]:
    """The NUTS 3 codes of which a zone holds every territory (a territory's cells are then the same in every zone).

    A NUTS 3 split between a zone and its outside (e.g. the German-speaking communes BE336 apart from the
    rest of the Verviers arrondissement) is not whole: its cells in that zone are the zone's own.
    """
    t = reference.territories()
    t = t[t["nuts3"].ne("") & t["nuts3"].notna()]
    inside = t.groupby("nuts3")[f"zone_{zone}"].all()
    return frozenset(inside[inside].index)
