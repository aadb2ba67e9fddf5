"""INSEE Sirene open-data stocks: StockUniteLegale, StockEtablissement, StockEtablissementHistorique.

Layouts are selected by column *name* (INSEE adds columns between vintages);
codes stay strings. The establishment stock (about 40 million rows nationally)
is streamed once: rows of the study zone are kept as a source-shaped frame, and
national aggregates are accumulated on the way (memory bounded by the batch size
and the number of distinct aggregation keys, not by the file size).

State at a past 31 December (the "stock rule", used when no historical file is
given and for the national aggregates): an establishment exists at ``ref`` when
``dateCreationEtablissement <= ref`` (or is missing) and it is not closed at
``ref``, i.e. not (``etatAdministratifEtablissement = F`` and the current
period began on or before ``ref``). The historical periods file, when given,
replaces this rule for the zone establishments: the period with
``dateDebut <= ref <= dateFin`` gives state, activity and employer character.
ISO dates compare as strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from tqdm.auto import tqdm

from desir_analysis.sources.csvfile import BadLine, Layout, locate, stream

UL_LAYOUT = Layout(
    "StockUniteLegale",
    required=[
        "siren",
        "categorieJuridiqueUniteLegale",
        "activitePrincipaleUniteLegale",
        "nomenclatureActivitePrincipaleUniteLegale",
    ],
    optional=["economieSocialeSolidaireUniteLegale", "etatAdministratifUniteLegale"],
)
ETAB_LAYOUT = Layout(
    "StockEtablissement",
    required=[
        "siren",
        "siret",
        "dateCreationEtablissement",
        "trancheEffectifsEtablissement",
        "codeCommuneEtablissement",
        "dateDebut",
        "etatAdministratifEtablissement",
        "activitePrincipaleEtablissement",
        "nomenclatureActivitePrincipaleEtablissement",
    ],
    optional=[
        "anneeEffectifsEtablissement",
        "codePaysEtrangerEtablissement",
        "caractereEmployeurEtablissement",
        "etablissementSiege",
    ],
)
HIST_LAYOUT = Layout(
    "StockEtablissementHistorique",
    required=[
        "siret",
        "dateFin",
        "dateDebut",
        "etatAdministratifEtablissement",
        "activitePrincipaleEtablissement",
        "nomenclatureActivitePrincipaleEtablissement",
    ],
    optional=["caractereEmployeurEtablissement"],
)

# Sirene "tranche d'effectif salarié" -> estimated jobs (arithmetic mid-point of the band;
# 53 = 10 000+ takes its lower bound). Source: INSEE, Sirene documentation of the variable.
TRANCHE_MIDPOINT = {
    "01": 1.5,
    "02": 4.0,
    "03": 7.5,
    "11": 14.5,
    "12": 34.5,
    "21": 74.5,
    "22": 149.5,
    "31": 224.5,
    "32": 374.5,
    "41": 749.5,
    "42": 1499.5,
    "51": 3499.5,
    "52": 7499.5,
    "53": 10000.0,
}
TRANCHE_LABEL = {
    "NN": "non employeur",
    "00": "0 salarié",
    "01": "1 ou 2",
    "02": "3 à 5",
    "03": "6 à 9",
    "11": "10 à 19",
    "12": "20 à 49",
    "21": "50 à 99",
    "22": "100 à 199",
    "31": "200 à 249",
    "32": "250 à 499",
    "41": "500 à 999",
    "42": "1 000 à 1 999",
    "51": "2 000 à 4 999",
    "52": "5 000 à 9 999",
    "53": "10 000 et plus",
}
NAFREV2 = "NAFRev2"


@dataclass
class LegalUnits:
    """Legal units indexed by SIREN (as int64, sorted) for vectorised look-ups."""

    siren: np.ndarray
    frame: pd.DataFrame  # columns: siren (str), legal_form, ess_register_flag, ul_activity, ul_nomenclature
    n_rows: int
    rejects: pd.DataFrame

    def lookup(self, siren: pd.Series | np.ndarray) -> np.ndarray:
        """Row positions in ``frame`` of the given SIRENs (-1 when absent or malformed)."""
        keys = _to_int(np.asarray(siren, dtype=object))
        pos = np.searchsorted(self.siren, keys)
        pos = np.clip(pos, 0, max(len(self.siren) - 1, 0))
        found = (len(self.siren) > 0) & (keys >= 0)
        if len(self.siren):
            found &= self.siren[pos] == keys
        return np.where(found, pos, -1)


def _to_int(values: np.ndarray) -> np.ndarray:
    """Digit strings -> int64 (-1 for anything else)."""
    s = pd.Series(values, dtype="string")
    ok = s.str.fullmatch(r"\d{1,18}").fillna(False)
    out = np.full(len(s), -1, dtype=np.int64)
    if ok.any():
        out[ok.to_numpy()] = s[ok].astype("int64").to_numpy()
    return out


def _reject_frame(source: str, lines: list[int | None], reasons: list[str], ids: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source_file": pd.Series([source] * len(lines), dtype="string"),
            "line": pd.array(lines, dtype="Int64"),
            "record_id": pd.Series(ids, dtype="string"),
            "reason": pd.Series(reasons, dtype="string"),
        }
    )


def read_legal_units(path: Path, progress: bool = False) -> LegalUnits:
    """Read StockUniteLegale into a look-up (SIREN -> legal form, ESS flag, unit activity).

    Rejected (listed with line and reason): malformed SIREN (not 9 digits),
    duplicate SIREN (second and later occurrences).
    """
    batches, bad = stream(path, UL_LAYOUT)
    parts, offset = [], 0
    for batch in tqdm(batches, desc=f"lecture {path.name}", unit="bloc", disable=not progress):
        df = batch.to_pandas()
        df["_pos"] = np.arange(offset, offset + len(df))
        offset += len(df)
        parts.append(df)
    cols = [c for c in UL_LAYOUT.wanted]
    df = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols + ["_pos"])
    for c in UL_LAYOUT.optional:
        if c not in df:
            df[c] = pd.Series(pd.NA, index=df.index, dtype="string")
    located = locate(path, bad)
    bad_lines = [b.line for b in located]
    siren = df["siren"].astype("string").str.strip()
    malformed = ~siren.str.fullmatch(r"\d{9}").fillna(False)
    dup = siren.duplicated(keep="first") & ~malformed
    from desir_analysis.sources.csvfile import valid_row_lines

    rej_idx = df.index[malformed | dup]
    lines = valid_row_lines(df.loc[rej_idx, "_pos"].tolist(), bad_lines)
    reasons = np.where(malformed[rej_idx], "SIREN mal formé (9 chiffres attendus)", "SIREN en double").tolist()
    rejects = pd.concat(
        [
            _reject_frame(path.name, lines, reasons, siren[rej_idx].fillna("").tolist()),
            _reject_frame(
                path.name, bad_lines, [f"ligne illisible : {b.reason}" for b in located], [""] * len(located)
            ),
        ],
        ignore_index=True,
    )
    keep = df[~(malformed | dup)]
    frame = pd.DataFrame(
        {
            "siren": keep["siren"].astype("string").to_numpy(),
            "legal_form": keep["categorieJuridiqueUniteLegale"].astype("string").str.strip().to_numpy(),
            "ess_register_flag": keep["economieSocialeSolidaireUniteLegale"]
            .astype("string")
            .str.strip()
            .replace("", pd.NA)
            .to_numpy(),
            "ul_activity": keep["activitePrincipaleUniteLegale"].astype("string").to_numpy(),
            "ul_nomenclature": keep["nomenclatureActivitePrincipaleUniteLegale"].astype("string").to_numpy(),
        }
    )
    frame["ess_register_flag"] = frame["ess_register_flag"].astype("string")
    keys = frame["siren"].astype("int64").to_numpy()
    order = np.argsort(keys, kind="stable")
    frame = frame.iloc[order].reset_index(drop=True)
    return LegalUnits(keys[order], frame, offset + len(located), rejects)


@dataclass
class EmploymentLookup:
    """Jobs at 31 December by SIRET for one year (sorted int64 keys).

    ``rows`` holds the position of each key in the employment frame; ``seen`` marks
    the keys met in the stock (the others are SIRETs absent from Sirene).
    """

    siret: np.ndarray
    headcount: np.ndarray
    rows: np.ndarray
    seen: np.ndarray

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> EmploymentLookup:
        """Build from rows with ``siret`` (14 digits) and ``headcount`` of one year."""
        keys = frame["siret"].astype("int64").to_numpy()
        order = np.argsort(keys, kind="stable")
        return cls(
            keys[order],
            frame["headcount"].astype("float64").to_numpy()[order],
            frame.index.to_numpy()[order],
            np.zeros(len(keys), dtype=bool),
        )

    def get(self, siret_int: np.ndarray) -> np.ndarray:
        """Headcount of each SIRET (0 when absent); marks the SIRETs found as seen."""
        if len(self.siret) == 0:
            return np.zeros(len(siret_int))
        pos = np.clip(np.searchsorted(self.siret, siret_int), 0, len(self.siret) - 1)
        hit = self.siret[pos] == siret_int
        self.seen[pos[hit]] = True
        return np.where(hit, self.headcount[pos], 0.0)

    def seen_rows(self) -> np.ndarray:
        """Positions (in the employment frame) of the rows whose SIRET was met in the stock."""
        return self.rows[self.seen]


@dataclass
class StockResult:
    """Outcome of one pass over StockEtablissement."""

    zone: pd.DataFrame  # source-shaped rows of the zone (any state), with _pos
    national: pd.DataFrame  # aggregated: year, departement, legal_form, flag, activity, nomenclature, n, jobs
    n_rows: int
    bad: list[BadLine] = field(default_factory=list)


def _dept(commune: pa.Array) -> pa.Array:
    """Département of commune codes in arrow (97x/98x: 3 characters), after padding 4-digit codes."""
    commune = pc.utf8_trim_whitespace(commune)
    four = pc.equal(pc.utf8_length(commune), 4)
    commune = pc.if_else(four, pc.binary_join_element_wise("0", commune, ""), commune)
    two = pc.utf8_slice_codeunits(commune, 0, 2)
    three = pc.utf8_slice_codeunits(commune, 0, 3)
    overseas = pc.is_in(two, pa.array(["97", "98"]))
    return pc.if_else(overseas, three, two), commune


def scan_stock(
    path: Path,
    zone_departements: set[str],
    years: list[int],
    units: LegalUnits,
    employment: dict[int, EmploymentLookup] | None = None,
    progress: bool = False,
    block_size: int = 1 << 24,
) -> StockResult:
    """Stream StockEtablissement: keep zone rows, aggregate the whole country per year.

    National aggregation keys: year, département, legal form, ESS flag, activity
    class and nomenclature (the legal unit's NAF rév. 2 code replaces an older
    nomenclature), with ``n_establishments`` (employer establishments existing at
    31 December) and ``jobs``: from the employment lookup when given (employer =
    jobs > 0 at 31 December), else estimated from the size band (employer = band
    01 to 53), ``jobs_estimated`` saying which.
    """
    batches, bad = stream(path, ETAB_LAYOUT, block_size=block_size)
    zone_list = pa.array(sorted(zone_departements))
    zone_parts, agg_parts, offset = [], [], 0
    ul_cj = pa.array(units.frame["legal_form"].to_numpy(dtype=object), type=pa.string())
    ul_flag = pa.array(units.frame["ess_register_flag"].fillna("").to_numpy(dtype=object), type=pa.string())
    ul_act = pa.array(units.frame["ul_activity"].fillna("").to_numpy(dtype=object), type=pa.string())
    ul_nom = pa.array(units.frame["ul_nomenclature"].fillna("").to_numpy(dtype=object), type=pa.string())
    mid = pa.array(list(TRANCHE_MIDPOINT)), pa.array(list(TRANCHE_MIDPOINT.values()), type=pa.float64())
    for batch in tqdm(batches, desc=f"lecture {path.name}", unit="bloc", disable=not progress):
        n = batch.num_rows
        dept, commune = _dept(batch.column("codeCommuneEtablissement"))
        in_zone = pc.fill_null(pc.is_in(dept, zone_list), False)
        if pc.any(in_zone).as_py():
            zb = batch.filter(in_zone).to_pandas()
            zb["_pos"] = np.arange(offset, offset + n)[np.asarray(in_zone)]
            zone_parts.append(zb)
        offset += n
        # national aggregates ------------------------------------------------------------
        pos = units.lookup(batch.column("siren").to_numpy(zero_copy_only=False))
        found = pos >= 0
        take = pa.array(np.where(found, pos, 0))
        mask_found = pa.array(found)
        cj = pc.if_else(mask_found, ul_cj.take(take), pa.scalar("?"))
        flag = pc.if_else(mask_found, ul_flag.take(take), pa.scalar(""))
        nom = batch.column("nomenclatureActivitePrincipaleEtablissement")
        act = batch.column("activitePrincipaleEtablissement")
        use_ul = pc.and_(pc.not_equal(nom, NAFREV2), pc.and_(mask_found, pc.equal(ul_nom.take(take), NAFREV2)))
        act = pc.if_else(use_ul, ul_act.take(take), act)
        nom = pc.if_else(use_ul, pa.scalar(NAFREV2), nom)
        created = batch.column("dateCreationEtablissement")
        closed_state = pc.equal(batch.column("etatAdministratifEtablissement"), "F")
        started = batch.column("dateDebut")
        tranche = batch.column("trancheEffectifsEtablissement")
        base = pa.table(
            {
                "departement": dept,
                "legal_form": cj,
                "ess_register_flag": flag,
                "activity": pc.utf8_slice_codeunits(act, 0, 6),
                "nomenclature": nom,
            }
        )
        if employment is None:
            est = pc.fill_null(pc.index_in(tranche, mid[0]), -1)
            jobs_all = pc.if_else(pc.greater_equal(est, 0), mid[1].take(pc.max_element_wise(est, 0)), 0.0)
            employer_all = pc.greater_equal(est, 0)
            siret_int = None
        else:
            siret_int = _to_int(batch.column("siret").to_numpy(zero_copy_only=False))
        for year in years:
            ref = f"{year}-12-31"
            if employment is None:
                exists = pc.and_(
                    pc.or_(pc.less_equal(created, ref), pc.equal(created, "")),
                    pc.invert(pc.and_(closed_state, pc.less_equal(started, ref))),
                )
                keep = pc.and_(exists, employer_all)
                jobs = jobs_all
            else:
                jobs = pa.array(employment[year].get(siret_int)) if year in employment else pa.array(np.zeros(n))
                keep = pc.greater(jobs, 0)
            keep = pc.and_(keep, pc.not_equal(dept, ""))
            t = base.append_column("jobs", jobs).filter(keep)
            if t.num_rows:
                g = t.group_by(
                    ["departement", "legal_form", "ess_register_flag", "activity", "nomenclature"]
                ).aggregate([("jobs", "sum"), ("jobs", "count")])
                g = g.append_column("year", pa.array(np.full(g.num_rows, year, dtype=np.int64)))
                agg_parts.append(g)
    zone_cols = [c for c in ETAB_LAYOUT.wanted]
    zone = pd.concat(zone_parts, ignore_index=True) if zone_parts else pd.DataFrame(columns=zone_cols + ["_pos"])
    for c in ETAB_LAYOUT.optional:
        if c not in zone:
            zone[c] = pd.Series("", index=zone.index, dtype="string")
    keys = ["year", "departement", "legal_form", "ess_register_flag", "activity", "nomenclature"]
    if agg_parts:
        national = pa.concat_tables(agg_parts).to_pandas()
        national = national.rename(columns={"jobs_sum": "jobs", "jobs_count": "n_establishments"})
        national = national.groupby(keys, as_index=False, sort=True)[["n_establishments", "jobs"]].sum()
    else:
        national = pd.DataFrame(columns=keys + ["n_establishments", "jobs"])
    national["jobs_estimated"] = employment is None
    return StockResult(zone, national, offset + len(bad), bad)


def read_history(path: Path, sirets: set[str], progress: bool = False) -> tuple[pd.DataFrame, int, list[BadLine]]:
    """Read the historical periods of the given SIRETs (streamed; other rows only counted)."""
    batches, bad = stream(path, HIST_LAYOUT)
    wanted = pa.array(sorted(sirets), type=pa.string())
    parts, offset = [], 0
    for batch in tqdm(batches, desc=f"lecture {path.name}", unit="bloc", disable=not progress):
        mask = pc.is_in(batch.column("siret"), wanted)
        if pc.any(mask).as_py():
            df = batch.filter(mask).to_pandas()
            df["_pos"] = np.arange(offset, offset + batch.num_rows)[np.asarray(mask)]
            parts.append(df)
        offset += batch.num_rows
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=HIST_LAYOUT.wanted + ["_pos"])
    if "caractereEmployeurEtablissement" not in frame:
        frame["caractereEmployeurEtablissement"] = ""
    return frame, offset + len(bad), locate(path, bad)


def period_at(history: pd.DataFrame, ref: str) -> pd.DataFrame:
    """The historical period covering ``ref`` (ISO date) for each SIRET (at most one).

    A period covers ``ref`` when ``dateDebut <= ref`` (or empty) and
    ``dateFin >= ref`` (or empty). Overlapping periods: the latest ``dateDebut`` wins.
    """
    h = history
    cover = (h["dateDebut"].eq("") | h["dateDebut"].le(ref)) & (h["dateFin"].eq("") | h["dateFin"].ge(ref))
    sel = h[cover].sort_values(["siret", "dateDebut"]).drop_duplicates("siret", keep="last")
    return sel
