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
ISO dates compare as strings, so every date is validated first (:func:`bad_dates`): a
malformed one is a reject with its line, never a text comparison.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from tqdm import tqdm

from desir_analysis import reference
from desir_analysis.sources.csvfile import BadLine, Layout, locate, stream, valid_row_lines
from desir_analysis.sources.rejects import reject_rows

UL_LAYOUT = Layout(
    "StockUniteLegale",
    required=[
        "siren",
        "categorieJuridiqueUniteLegale",
        "activitePrincipaleUniteLegale",
        "nomenclatureActivitePrincipaleUniteLegale",
    ],
    optional=[
        "economieSocialeSolidaireUniteLegale",
        "etatAdministratifUniteLegale",
        "activitePrincipaleNAF25UniteLegale",
    ],
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
        "activitePrincipaleNAF25Etablissement",
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
NAF2025 = "NAF2025"
#: The column of the NAF 2025 code that INSEE's stocks carry beside the NAF rév. 2 one (the history has none).
NAF25_COLUMN = "activitePrincipaleNAF25Etablissement"
#: First reference year classified in NAF 2025 when the stock gives the code: the first year of the
#: ``activity_fr`` break of ``reference/breaks.csv`` (APE codes in NAF 2025 from 1 January 2027, décret
#: n° 2025-736; Sirene shows the future code beside the current one before); earlier years stay in NAF
#: rév. 2, the nomenclature of their series.
NAF25_FROM = reference.break_year("activity_fr") or 9999


def naf25_activity(activity: pa.Array, nomenclature: pa.Array, naf25: pa.Array | None) -> tuple[pa.Array, pa.Array]:
    """The activity and nomenclature of a year classified in NAF 2025: the NAF 2025 code where the stock gives one."""
    if naf25 is None:
        return activity, nomenclature
    has = pc.fill_null(pc.not_equal(pc.utf8_trim_whitespace(naf25), ""), False)
    return pc.if_else(has, naf25, activity), pc.if_else(has, pa.scalar(NAF2025), nomenclature)


class _Encoder:
    """Incremental dictionary encoding of a string column (global integer codes)."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.values: list[str] = []

    def encode(self, arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
        enc = pc.dictionary_encode(arr)
        if isinstance(enc, pa.ChunkedArray):
            enc = enc.combine_chunks()
        local = np.array([self._code(v) for v in enc.dictionary.to_pylist()], dtype=np.int32)
        idx = np.asarray(enc.indices.to_numpy(zero_copy_only=False))
        return local[idx] if len(local) else np.zeros(len(idx), dtype=np.int32)

    def _code(self, value: str) -> int:
        code = self.index.get(value)
        if code is None:
            code = self.index[value] = len(self.values)
            self.values.append(value)
        return code


@dataclass
class LegalUnits:
    """Legal units indexed by SIREN (int32, sorted), their codes stored compactly.

    ``codes[c]`` holds, aligned with ``siren`` (int32: 9 digits), integer codes into ``values[c]``
    for c in legal_form, ess_register_flag, ul_activity, ul_nomenclature,
    ul_activity_naf25, each in the narrowest integer type: about 12 bytes per legal unit, so the
    national file (≈ 28 million units) takes about 340 MB.
    """

    siren: np.ndarray
    codes: dict[str, np.ndarray]
    values: dict[str, np.ndarray]
    n_rows: int
    rejects: pd.DataFrame

    def decode(self, column: str, codes: np.ndarray, missing: str | None = None) -> np.ndarray:
        """Values of integer codes (``-1`` -> ``missing``)."""
        vals = np.append(self.values[column], missing).astype(object)
        return vals[np.where(codes >= 0, codes, len(vals) - 1)]

    def rows(self, positions: np.ndarray) -> pd.DataFrame:
        """Legal units at ``positions`` (-1 -> missing values), as a pandas frame aligned with them."""
        positions = np.asarray(positions)
        out = {}
        for col in ("siren", *self.codes):
            if col == "siren":
                vals = np.where(positions >= 0, self.siren[np.maximum(positions, 0)] if len(self.siren) else 0, -1)
                text = pd.Series(vals).astype("string").str.zfill(9)
                out[col] = text.mask(vals < 0)
            else:
                codes = self.codes[col][np.maximum(positions, 0)] if len(self.siren) else np.zeros(len(positions), int)
                out[col] = pd.Series(self.decode(col, np.where(positions >= 0, codes, -1)), dtype="string")
        df = pd.DataFrame(out)
        df["ess_register_flag"] = df["ess_register_flag"].replace("", pd.NA)
        return df

    def lookup(self, siren: pd.Series | np.ndarray | pa.Array) -> np.ndarray:
        """Row positions of the given SIRENs (-1 when absent or malformed)."""
        keys = siren_int(siren)
        if len(self.siren) == 0:
            return np.full(len(keys), -1)
        return sorted_lookup(self.siren, keys.astype(self.siren.dtype))  # 9 digits fit in int32


def _code_type(n_values: int) -> type:
    """The narrowest signed integer holding codes ``-1 .. n_values - 1`` (a legal form: int16, a flag: int8)."""
    return np.int8 if n_values < 2**7 else np.int16 if n_values < 2**15 else np.int32


def release_memory() -> None:
    """Give the memory freed so far back to the system (arrow's pool, then the C heap on glibc).

    Blocks read and dropped leave the allocators holding their pages: after reading the legal units
    (≈ 260 MB at 12 million units) and after the stock scan, the process would otherwise keep them
    and the next phase would start from a higher floor.
    """
    pa.default_memory_pool().release_unused()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim
        pass


def sorted_lookup(table: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Positions of ``keys`` in the sorted array ``table`` (-1 when absent).

    Queries are sorted first: binary searches in key order stay in cache (5x faster
    on a national table than random-order queries).
    """
    order = np.argsort(keys)
    pos = np.empty(len(keys), dtype=np.int64)
    pos[order] = np.searchsorted(table, keys[order])
    pos = np.clip(pos, 0, len(table) - 1)
    return np.where((table[pos] == keys) & (keys >= 0), pos, -1)


def siren_int(values: pd.Series | np.ndarray | pa.Array, digits: int = 9) -> np.ndarray:
    """Identifiers of exactly ``digits`` digits -> int64 (-1 for anything else), in arrow."""
    arr = (
        values
        if isinstance(values, (pa.Array, pa.ChunkedArray))
        else pa.array(np.asarray(values, dtype=object), type=pa.string(), from_pandas=True)
    )
    ok = pc.fill_null(pc.and_(pc.equal(pc.utf8_length(arr), digits), pc.utf8_is_digit(arr)), False)
    if not pc.all(ok).as_py():
        arr = pc.utf8_trim_whitespace(arr)
        ok = pc.fill_null(pc.and_(pc.equal(pc.utf8_length(arr), digits), pc.utf8_is_digit(arr)), False)
        arr = pc.if_else(ok, arr, pa.scalar("-1"))
    return np.asarray(pc.cast(arr, pa.int64()).to_numpy(zero_copy_only=False))


def _reject_frame(source: str, lines: list[int | None], reasons: list[str], ids: list[str]) -> pd.DataFrame:
    return reject_rows(source, lines, reasons, ids)


UL_FIELDS = {
    "siren": "siren",
    "categorieJuridiqueUniteLegale": "legal_form",
    "economieSocialeSolidaireUniteLegale": "ess_register_flag",
    "activitePrincipaleUniteLegale": "ul_activity",
    "nomenclatureActivitePrincipaleUniteLegale": "ul_nomenclature",
    "activitePrincipaleNAF25UniteLegale": "ul_activity_naf25",  # current stocks only (empty otherwise)
}


def read_legal_units(path: Path, progress: bool = False) -> LegalUnits:
    """Read StockUniteLegale into a compact look-up (SIREN -> legal form, ESS flag, unit activity).

    Streamed: each block is encoded to integers and released. Rejected (listed
    with line and reason): malformed SIREN (not 9 digits), duplicate SIREN (second
    and later occurrences), unparseable lines.
    """
    batches, bad = stream(path, UL_LAYOUT)
    enc = {dst: _Encoder() for dst in list(UL_FIELDS.values())[1:]}
    keys_parts, code_parts, bad_ids = [], {c: [] for c in enc}, {}
    offset = 0
    for batch in tqdm(batches, desc=f"lecture {path.name}", unit="bloc", disable=not progress):
        n = batch.num_rows
        sir = pc.utf8_trim_whitespace(batch.column("siren"))
        k = siren_int(sir)
        keys_parts.append(k)
        for i in np.flatnonzero(k < 0):
            bad_ids[offset + int(i)] = sir[int(i)].as_py()
        for src, dst in UL_FIELDS.items():
            if dst == "siren":
                continue
            col = batch.column(src) if src in batch.schema.names else pa.array([""] * n, type=pa.string())
            if dst in ("legal_form", "ess_register_flag"):
                col = pc.utf8_trim_whitespace(col)
            code_parts[dst].append(enc[dst].encode(col))
        offset += n
    keys = np.concatenate(keys_parts) if keys_parts else np.zeros(0, dtype=np.int64)
    del keys_parts
    # INSEE publishes the stock sorted by SIREN: then no sort and no reordered copy; another order is
    # sorted (stable: the first occurrence of a repeated SIREN is the one kept)
    order = None if bool(np.all(keys[1:] >= keys[:-1])) else np.argsort(keys, kind="stable")
    sk = keys if order is None else keys[order]
    dup_sorted = np.zeros(len(sk), dtype=bool)
    dup_sorted[1:] = (sk[1:] == sk[:-1]) & (sk[1:] >= 0)
    if order is None:
        dup = dup_sorted
    else:
        dup = np.zeros(len(keys), dtype=bool)
        dup[order] = dup_sorted
    del sk, dup_sorted
    malformed = keys < 0
    located = locate(path, bad)
    bad_lines = [b.line for b in located]
    rej_pos = np.flatnonzero(malformed | dup)
    lines = valid_row_lines(rej_pos.tolist(), bad_lines)
    reasons = np.where(malformed[rej_pos], "SIREN mal formé (9 chiffres attendus)", "SIREN en double").tolist()
    ids = [bad_ids.get(int(p), f"{keys[p]:09d}") for p in rej_pos]
    rejects = pd.concat(
        [
            _reject_frame(path.name, lines, reasons, ids),
            _reject_frame(
                path.name, bad_lines, [f"ligne illisible : {b.reason}" for b in located], [""] * len(located)
            ),
        ],
        ignore_index=True,
    )
    drop = malformed | dup
    keep = None if order is None and not drop.any() else (order if order is not None else np.arange(len(keys)))
    if keep is not None:
        keep = keep[~drop[keep]]
    codes = {}
    for c in list(code_parts):  # one column at a time, its parts released as it is built
        parts = code_parts.pop(c)
        col = (np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)).astype(_code_type(len(enc[c].values)))
        codes[c] = col if keep is None else col[keep]
    values = {c: np.array(e.values, dtype=object) for c, e in enc.items()}
    release_memory()
    kept = (keys if keep is None else keys[keep]).astype(np.int32)  # a SIREN (9 digits) < 2**31: 4 bytes, not 8
    return LegalUnits(kept, codes, values, len(keys) + len(located), rejects)


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
        pos = sorted_lookup(self.siret, siret_int)
        hit = pos >= 0
        self.seen[pos[hit]] = True
        return np.where(hit, self.headcount[np.maximum(pos, 0)], 0.0)

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
    """Département of commune codes in arrow (97x/98x: 3 characters), after padding 4-digit codes.

    The repairs (trimming, padding a lost leading zero, overseas codes) run only on
    blocks that need them.
    """
    length = pc.utf8_length(commune)
    if not pc.all(pc.or_(pc.equal(length, 5), pc.equal(length, 0))).as_py():
        commune = pc.utf8_trim_whitespace(commune)
        four = pc.equal(pc.utf8_length(commune), 4)
        commune = pc.if_else(four, pc.binary_join_element_wise("0", commune, ""), commune)
    two = pc.utf8_slice_codeunits(commune, 0, 2)
    overseas = pc.is_in(two, pa.array(["97", "98"]))
    if pc.any(overseas).as_py():
        two = pc.if_else(overseas, pc.utf8_slice_codeunits(commune, 0, 3), two)
    return two, commune


def scan_stock(
    path: Path,
    zone_departements: set[str],
    years: list[int],
    units: LegalUnits,
    employment: dict[int, EmploymentLookup] | None = None,
    progress: bool = False,
    block_size: int = 1 << 20,
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
    ul_cj, ul_flag = units.codes["legal_form"], units.codes["ess_register_flag"]
    ul_act, ul_nom = units.codes["ul_activity"], units.codes["ul_nomenclature"]
    nafrev2_code = (
        units.values["ul_nomenclature"].tolist().index(NAFREV2)
        if NAFREV2 in units.values["ul_nomenclature"].tolist()
        else -2
    )
    mid = pa.array(list(TRANCHE_MIDPOINT)), pa.array(list(TRANCHE_MIDPOINT.values()), type=pa.float64())
    for batch in tqdm(batches, desc=f"lecture {path.name}", unit="bloc", disable=not progress):
        n = batch.num_rows
        dept, commune = _dept(batch.column("codeCommuneEtablissement"))
        in_zone = pc.fill_null(pc.is_in(dept, zone_list), False)
        if pc.any(in_zone).as_py():
            zb = batch.filter(in_zone)  # kept in arrow (compact strings) until the end
            zone_parts.append(zb.append_column("_pos", pa.array(np.arange(offset, offset + n)[np.asarray(in_zone)])))
        offset += n
        # national aggregates: candidates first (employer somewhere in the years, in France) -----
        dept_ok = pc.not_equal(dept, "")
        if employment is None:
            est_idx = pc.fill_null(pc.index_in(batch.column("trancheEffectifsEtablissement"), mid[0]), -1)
            cand = pc.and_(pc.greater_equal(est_idx, 0), dept_ok)
            year_jobs = None
        else:
            siret_int = siren_int(batch.column("siret"), digits=14)
            year_jobs = {y: (employment[y].get(siret_int) if y in employment else np.zeros(n)) for y in years}
            any_jobs = np.zeros(n, dtype=bool)
            for v in year_jobs.values():
                any_jobs |= v > 0
            cand = pc.and_(pa.array(any_jobs), dept_ok)
        needed = ["siren", "activitePrincipaleEtablissement", "nomenclatureActivitePrincipaleEtablissement"]
        needed += [NAF25_COLUMN] if NAF25_COLUMN in batch.schema.names and max(years) >= NAF25_FROM else []
        if employment is None:
            needed += ["dateCreationEtablissement", "etatAdministratifEtablissement", "dateDebut"]
        sub = pa.table({c: batch.column(c) for c in needed}).filter(cand)
        if sub.num_rows == 0:
            continue
        sub_dept = dept.filter(cand)
        pos = units.lookup(sub.column("siren"))
        found = pos >= 0
        p0 = np.maximum(pos, 0)
        cj = np.where(found, ul_cj[p0], -1) if len(ul_cj) else np.full(len(pos), -1)
        flag = np.where(found, ul_flag[p0], -1) if len(ul_flag) else np.full(len(pos), -1)
        nom = sub.column("nomenclatureActivitePrincipaleEtablissement")
        act = sub.column("activitePrincipaleEtablissement")
        old = pc.not_equal(nom, NAFREV2)
        if len(ul_nom) and pc.any(old).as_py():  # older nomenclature: the unit's NAF rév. 2 code when it has one
            use_ul = np.asarray(old) & found & (ul_nom[p0] == nafrev2_code)
            ul_text = pa.array(units.decode("ul_activity", np.where(use_ul, ul_act[p0], -1), ""), type=pa.string())
            act = pc.if_else(pa.array(use_ul), ul_text, act)
            nom = pc.if_else(pa.array(use_ul), pa.scalar(NAFREV2), nom)
        base = pa.table(
            {
                "departement": sub_dept,
                "legal_form": pa.array(cj, pa.int32()),
                "ess_register_flag": pa.array(flag, pa.int32()),
                "activity": pc.utf8_slice_codeunits(act, 0, 6),
                "nomenclature": nom,
            }
        )
        base25 = base
        if NAF25_COLUMN in sub.column_names:  # years from NAF25_FROM: the NAF 2025 code where the stock gives one
            own = sub.column("nomenclatureActivitePrincipaleEtablissement")
            codes25 = units.codes["ul_activity_naf25"]
            ul25 = (
                units.decode("ul_activity_naf25", np.where(found, codes25[p0], -1), "")
                if len(codes25)
                else np.full(len(pos), "", dtype=object)
            )
            older = np.asarray(pc.fill_null(pc.not_equal(own, NAFREV2), True))
            unit25 = pa.array(np.where(older, ul25, ""), type=pa.string())  # an older code: the unit's NAF 2025
            establishment25 = sub.column(NAF25_COLUMN)
            has_own = pc.fill_null(pc.not_equal(pc.utf8_trim_whitespace(establishment25), ""), False)
            act25, nom25 = naf25_activity(act, nom, pc.if_else(has_own, establishment25, unit25))
            base25 = base.set_column(3, "activity", pc.utf8_slice_codeunits(act25, 0, 6)).set_column(
                4, "nomenclature", nom25
            )
        if employment is None:
            sub_idx = est_idx.filter(cand)
            jobs_all = mid[1].take(sub_idx)
            created = sub.column("dateCreationEtablissement")
            closed_state = pc.equal(sub.column("etatAdministratifEtablissement"), "F")
            started = sub.column("dateDebut")
        cand_np = np.asarray(cand)
        for year in years:
            ref = f"{year}-12-31"
            if employment is None:
                keep = pc.and_(
                    pc.or_(pc.less_equal(created, ref), pc.equal(created, "")),
                    pc.invert(pc.and_(closed_state, pc.less_equal(started, ref))),
                )
                jobs = jobs_all
            else:
                jobs = pa.array(year_jobs[year][cand_np])
                keep = pc.greater(jobs, 0)
            t = (base25 if year >= NAF25_FROM else base).append_column("jobs", jobs).filter(keep)
            if t.num_rows:
                g = t.group_by(
                    ["departement", "legal_form", "ess_register_flag", "activity", "nomenclature"]
                ).aggregate([("jobs", "sum"), ("jobs", "count")])
                g = g.append_column("year", pa.array(np.full(g.num_rows, year, dtype=np.int64)))
                agg_parts.append(g)
        agg_parts = _compact(agg_parts, COMPACT_ROWS)
    zone_cols = [c for c in ETAB_LAYOUT.wanted]
    release_memory()
    if zone_parts:
        table = pa.concat_tables(zone_parts)
        zone_parts.clear()
        zone = table.to_pandas(self_destruct=True, split_blocks=True)  # arrow buffers freed as converted
        del table
    else:
        zone = pd.DataFrame(columns=zone_cols + ["_pos"])
    for c in ETAB_LAYOUT.optional:
        if c not in zone:
            zone[c] = pd.Series("", index=zone.index, dtype="string")
    keys = AGG_KEYS
    if agg_parts:
        national = pa.concat_tables(agg_parts).to_pandas()
        national["legal_form"] = units.decode("legal_form", national["legal_form"].to_numpy(), "?")
        national["ess_register_flag"] = units.decode("ess_register_flag", national["ess_register_flag"].to_numpy(), "")
        national = national.rename(columns={"jobs_sum": "jobs", "jobs_count": "n_establishments"})
        national = national.groupby(keys, as_index=False, sort=True)[["n_establishments", "jobs"]].sum()
    else:
        national = pd.DataFrame(columns=keys + ["n_establishments", "jobs"])
    national["jobs_estimated"] = employment is None
    return StockResult(zone, national, offset + len(bad), bad)


#: Partial national aggregates kept before they are summed together (rows): memory bounded by the groups.
COMPACT_ROWS = 500_000
AGG_KEYS = ["year", "departement", "legal_form", "ess_register_flag", "activity", "nomenclature"]


def _compact(parts: list[pa.Table], limit: int = COMPACT_ROWS) -> list[pa.Table]:
    """Sum the partial aggregates of the blocks read so far into one table once they pass ``limit`` rows.

    Without it, each block's groups pile up and memory grows with the file; with it, it is bounded by
    the number of distinct groups (département × legal form × flag × activity × nomenclature × year).
    """
    if len(parts) < 2 or sum(p.num_rows for p in parts) < limit:
        return parts
    summed = pa.concat_tables(parts).group_by(AGG_KEYS).aggregate([("jobs_sum", "sum"), ("jobs_count", "sum")])
    summed = summed.rename_columns(
        [{"jobs_sum_sum": "jobs_sum", "jobs_count_sum": "jobs_count"}.get(c, c) for c in summed.column_names]
    )
    return [summed.select(parts[0].column_names)]
