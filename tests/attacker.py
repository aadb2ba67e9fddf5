"""An attacker that holds every published CSV of a year and solves for the blanks.

It sees only the published tables (and public geography: which country a territory is in). From
every table of every edition given, it gathers:

- the cells: a measure (ESS establishments, ESS jobs, all jobs, private jobs, women, personal-services
  units / jobs / FTE, the extended field) and a key (zone, country, territory, family, sector, size,
  segment, provider, year); a blank is an unknown;
- the relations anyone can write: a total is the sum of its categories (families, sectors, sizes,
  segments, providers), a zone's country the sum of its territories, a zone the sum of its countries,
  the fact sheet's « rest of the zone » the zone minus the territory; a cell printed in two tables
  (or two editions) is one number;
- the derived numbers as the intervals they are: a share printed with d decimals bounds
  ``numerator / denominator`` to ± half a unit of its last digit; a density with its population; the
  personal-services coverage with the population aged 75 or over published by the plan study;
- what the files reveal: a listed row has at least one establishment; a row marked « secondary »
  (tables before issue 14) at least three; a family and a sector equal in every place where both are
  printed (Belgian mutuals and financial services) are taken as the same establishments everywhere.

Then, for every blank, linear programming gives the lowest and highest value consistent with all of
that (HiGHS). A blank is *recovered* when that interval is a point, or lies within ±15 % of the truth.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from desir_analysis.publish import labels

COUNTRY = {v: k for k, v in labels.COUNTRY_FR.items()}
TERRITORY = {v: k for k, v in labels.territory_fr().items()}
CATEGORIES = ("family", "sector", "size", "segment", "provider")
UNITS = ("ess_units", "ps_units")
ESS_MEASURES = {
    "Établissements employeurs": "ess_units",
    "Établissements ESS": "ess_units",
    "Postes au 31/12": "ess_jobs",
    "Postes ESS": "ess_jobs",
    "Postes, total": "all_jobs",
    "Postes privés, total": "private_jobs",
    "dont femmes": "ess_women",
    "Postes du secteur": "all_jobs",
}
PS_MEASURES = {
    "Établissements employeurs": "ps_units",
    "Postes au 31/12": "ps_jobs",
    "headcount": "ps_jobs",
    "EQTP (FR) / ETP T4 (BE)": "ps_fte",
    "Postes, champ élargi": "ps_ext_jobs",
    "Postes, champ cœur": "ps_jobs",
}
DIMS = {
    "Pays": "country",
    "Territoire": "nuts3",
    "Famille": "family",
    "Secteur": "sector",
    "Taille": "size",
    "Segment": "segment",
    "Prestataire": "provider",
}
#: the tables read, and the measures of their columns
TABLES = {
    "ess_famille": ESS_MEASURES,
    "ess_secteur": ESS_MEASURES,
    "ess_taille": ESS_MEASURES,
    "ess_territoire_famille": ESS_MEASURES,
    "chiffres_cles_pays": ESS_MEASURES,
    "part_ess_territoire": ESS_MEASURES,
    "densite_territoire": ESS_MEASURES,
    "ess_femmes_secteur": ESS_MEASURES,
    "secteurs_part_et_specialisation": ESS_MEASURES,
    "ess_shift_share": {},
    "ess_postes_evolution": {},
    "plan_offre": PS_MEASURES,
    "plan_offre_champ_elargi": PS_MEASURES,
    "plan_offre_prestataires": PS_MEASURES,
}
STATUS = ("status", "secret")
MASKED = ("s", "primary", "secondary")
Key = tuple[str, frozenset]


def key(measure: str, zone: str, year: int, **dims: str) -> Key:
    """A cell's key: a territory's cells are the same in every zone; the rest belong to their zone."""
    d = {k: v for k, v in dims.items() if v is not None}
    if "nuts3" in d:
        d["country"] = d["nuts3"][:2]
    else:
        d["zone"] = zone
    d["year"] = year
    return measure, frozenset(d.items())


def _number(text: str) -> float | None:
    text = str(text).strip()
    return None if text in ("", "nan", "<NA>") else float(text)


def _decimals(text: str) -> int:
    text = str(text).strip()
    return len(text.split(".")[1]) if "." in text else 0


@dataclass
class Ratio:
    """``low ≤ scale · num / den ≤ high`` (den a cell or a known constant)."""

    num: Key
    den: Key | float
    low: float
    high: float
    scale: float


@dataclass
class Published:
    """Everything the attacker read."""

    values: dict[Key, float | None] = field(default_factory=dict)
    floor: dict[Key, float] = field(default_factory=dict)
    ratios: list[Ratio] = field(default_factory=list)
    rests: list[tuple[Key, Key, Key]] = field(default_factory=list)  # zone = territory + rest
    members: dict[str, set[str]] = field(default_factory=dict)  # zone -> its territories
    conflicts: list[Key] = field(default_factory=list)  # masked here, printed there
    population: dict[tuple[str, str], float] = field(default_factory=dict)  # (nuts3, what) -> people

    def put(self, k: Key, value: float | None, floor: float = 0.0) -> None:
        old = self.values.get(k, None)
        if k in self.values and (old is None) != (value is None):
            self.conflicts.append(k)
        if value is not None or k not in self.values:
            self.values[k] = value if value is not None else old
        self.floor[k] = max(self.floor.get(k, 0.0), floor)

    def ratio(self, num: Key, den: Key | float, text: str, scale: float) -> None:
        r = _number(text)
        if r is None:
            return
        d = _decimals(text)
        half = 0.5 * 10.0**-d if d < 9 else 1e-7 * max(abs(r), 1.0)
        self.ratios.append(Ratio(num, den, r - half, r + half, scale))


def _label(dim: str, text: str) -> str | None:
    text = str(text).strip()
    if text in ("Total", "Ensemble", "Zone", ""):
        return None
    if dim == "country":
        return COUNTRY[text]
    if dim == "nuts3":
        return TERRITORY[text]
    return text


def _status(row: pd.Series) -> str:
    for c in STATUS:
        if c in row.index:
            return str(row[c])
    return ""


def read_edition(folder: Path, zone: str, year: int, into: Published | None = None) -> Published:
    """Read the tables of one edition (``folder`` holds its CSVs) into ``into``."""
    pub = into or Published()
    members = pub.members.setdefault(zone, set())
    for path in sorted(folder.glob("*.csv")):
        t = pd.read_csv(path, dtype=str, keep_default_na=False)
        stem = path.stem
        fiche = re.match(r"fiche_(\w{5})_(chiffres_cles|familles|secteurs)$", stem)
        if fiche:
            _fiche(pub, t, fiche.group(1).upper(), fiche.group(2), zone, year)
            members.add(fiche.group(1).upper())
        elif stem in TABLES:
            _table(pub, t, stem, zone, year)
        elif stem == "plan_demande":
            for _, r in t.iterrows():
                if r["Indicateur"] == "Personnes de 75 ans ou plus" and _label("nuts3", r["Territoire"]):
                    pub.population[(TERRITORY[r["Territoire"]], "75+")] = float(r["Niveau 2023"])
    if (folder / "plan_couverture.csv").exists():
        _coverage(pub, pd.read_csv(folder / "plan_couverture.csv", dtype=str, keep_default_na=False), zone, year)
    for _, k in pub.values:
        d = dict(k)
        if "nuts3" in d and d.get("year") == year:
            members.add(d["nuts3"])
    return pub


def _dims(row: pd.Series, columns: Iterable[str]) -> dict[str, str | None]:
    return {DIMS[c]: _label(DIMS[c], row[c]) for c in columns if c in DIMS}


def _table(pub: Published, t: pd.DataFrame, stem: str, zone: str, year: int) -> None:
    dims_cols = [c for c in t.columns if c in DIMS]
    for _, row in t.iterrows():
        dims = _dims(row, dims_cols)
        secondary = _status(row) == "secondary"
        masked_row = _status(row) in MASKED
        cols = TABLES[stem]
        if stem == "ess_postes_evolution":
            cols = {c: ("ess_jobs", int(c)) for c in t.columns if c.isdigit()}
        if stem == "ess_shift_share":
            cols = {c: ("ess_jobs", int(c.split()[-1])) for c in t.columns if re.fullmatch(r"Postes \d{4}", c)}
        keys = {}
        for col, measure in cols.items():
            if col not in t.columns:
                continue
            m, y = measure if isinstance(measure, tuple) else (measure, year)
            if _number(row[col]) is None and not masked_row:
                continue  # left empty by design (e.g. FTE never added across the border), not a secret
            k = key(m, zone, y, **dims)
            keys[m if y == year else f"{m}@{y}"] = k
            # a listed cell of a breakdown holds an establishment (three if « secondary »); a territory's
            # key figures are listed even when it has none
            floor = (3.0 if secondary else 1.0) if m in UNITS and set(dims) & set(CATEGORIES) else 0.0
            pub.put(k, _number(row[col]), floor)
        _row_ratios(pub, row, keys, dims, zone, year)


def _row_ratios(pub: Published, row: pd.Series, keys: dict[str, Key], dims: dict, zone: str, year: int) -> None:
    ess, allj = keys.get("ess_jobs"), keys.get("all_jobs")
    for col in ("Part dans l'emploi total (%)", "Part de l'ESS dans le secteur (%)", "Part de l'ESS (%)"):
        if col in row.index and ess and allj:
            pub.ratio(ess, allj, row[col], 100.0)
    if "Part des femmes (%)" in row.index and ess and "ess_women" in keys:
        pub.ratio(keys["ess_women"], ess, row["Part des femmes (%)"], 100.0)
    if "Postes ESS pour 100 000 habitants" in row.index and ess and _number(row.get("Population", "")):
        pub.ratio(ess, float(row["Population"]), row["Postes ESS pour 100 000 habitants"], 1e5)
        if dims.get("nuts3"):
            pub.population[(dims["nuts3"], "all")] = float(row["Population"])


def _fiche(pub: Published, t: pd.DataFrame, nuts3: str, part: str, zone: str, year: int) -> None:
    first = t.columns[0]
    for _, row in t.iterrows():
        if part == "chiffres_cles":
            label = str(row[first])
            where = {"rest": None, "zone": None}
            keys = {}
            for col, m in ESS_MEASURES.items():
                if col not in t.columns or (_number(row[col]) is None and _status(row) not in MASKED):
                    continue
                if label == "Reste de la zone":
                    k = (m, frozenset({("rest_of", nuts3), ("zone", zone), ("year", year)}))
                elif label == "Zone":
                    k = key(m, zone, year)
                else:
                    k = key(m, zone, year, nuts3=nuts3)
                keys[m] = k
                pub.put(k, _number(row[col]))
                where["rest" if label == "Reste de la zone" else "zone" if label == "Zone" else "t"] = True
            if label == "Reste de la zone":
                for m in keys:
                    pub.rests.append((key(m, zone, year), key(m, zone, year, nuts3=nuts3), keys[m]))
            _row_ratios(
                pub, row, keys, {"nuts3": nuts3} if label not in ("Zone", "Reste de la zone") else {}, zone, year
            )
            pop = pub.population.get((nuts3, "all"))
            dens = "Postes ESS pour 100 000 hab."
            if pop and dens in row.index and label not in ("Zone", "Reste de la zone"):
                pub.ratio(keys["ess_jobs"], pop, row[dens], 1e5)
        else:
            dim = "family" if part == "familles" else "sector"
            cat = _label(dim, row[t.columns[0]])
            k = key("ess_jobs", zone, year, nuts3=nuts3, **{dim: cat})
            if _number(row["Postes au 31/12"]) is None and _status(row) not in MASKED:
                continue
            pub.put(k, _number(row["Postes au 31/12"]))
            share_here = [c for c in t.columns if c.startswith("Part dans l'ESS de") and not c.endswith("la zone (%)")]
            if share_here and cat:
                pub.ratio(k, key("ess_jobs", zone, year, nuts3=nuts3), row[share_here[0]], 100.0)
            zone_col = "Part dans l'ESS de la zone (%)"
            if zone_col in t.columns and cat:
                pub.ratio(key("ess_jobs", zone, year, **{dim: cat}), key("ess_jobs", zone, year), row[zone_col], 100.0)


def _coverage(pub: Published, t: pd.DataFrame, zone: str, year: int) -> None:
    col = "Postes d'aide à domicile pour 1 000 personnes de 75 ans ou plus"
    for _, row in t.iterrows():
        n = _label("nuts3", row["Territoire"])
        pop = pub.population.get((n, "75+")) if n else None
        if n and pop and col in t.columns:
            seg = labels.SEGMENT_FR["elderly"]
            pub.ratio(key("ps_jobs", zone, year, nuts3=n, segment=seg), pop, row[col], 1000.0)


# ---------------------------------------------------------------------------------------------- relations
def relations(pub: Published) -> list[dict[Key, float]]:
    """Every additive relation between the cells read (see the module docstring)."""
    out = []
    cells = set(pub.values)
    by_base: dict[tuple, list[Key]] = {}
    for m, k in cells:
        d = dict(k)
        for dim in CATEGORIES:
            if dim in d:
                by_base.setdefault((m, k - {(dim, d[dim])}, dim), []).append((m, k))
    for (m, base, _dim), children in by_base.items():
        if (m, base) in cells:
            out.append({(m, base): 1.0} | {c: -1.0 for c in children})
    for m, k in cells:  # a zone's country = its territories; a zone = its countries
        d = dict(k)
        if "zone" not in d or "nuts3" in d or "rest_of" in d:
            continue
        members = pub.members.get(d["zone"], set())
        rest = {a: b for a, b in d.items() if a not in ("zone", "country")}
        if "country" in d:
            kids = [
                key(m, d["zone"], d["year"], nuts3=n, **{a: b for a, b in rest.items() if a != "year"})
                for n in members
                if n[:2] == d["country"]
            ]
        else:
            kids = [
                key(m, d["zone"], d["year"], country=c, **{a: b for a, b in rest.items() if a != "year"})
                for c in ("FR", "BE")
            ]
        kids = [c for c in kids if c in cells]
        if kids:
            out.append({(m, k): 1.0} | {c: -1.0 for c in kids})
    for zone_key, terr, rest in pub.rests:
        if zone_key in cells and terr in cells:
            out.append({zone_key: 1.0, terr: -1.0, rest: -1.0})
    return out + identities(pub)


def identities(pub: Published) -> list[dict[Key, float]]:
    """A family and a sector equal (establishments and jobs) wherever both are printed: one set of establishments.

    Taken as an identity in every place of that country (e.g. Belgian mutuals = financial services).
    """
    out = []
    val = pub.values
    for (m, k), v in list(val.items()):
        d = dict(k)
        if m != "ess_units" or "family" not in d or "nuts3" in d or "country" not in d or v is None:
            continue
        fam = d["family"]
        base = k - {("family", fam)}
        for (m2, k2), v2 in list(val.items()):
            d2 = dict(k2)
            if m2 != m or "sector" not in d2 or k2 - {("sector", d2["sector"])} != base or v2 != v:
                continue
            sec = d2["sector"]
            same = val.get(("ess_jobs", k)) is not None and val.get(("ess_jobs", k)) == val.get(("ess_jobs", k2))
            places = [n for n in pub.members.get(d["zone"], set()) if n[:2] == d["country"]]
            pairs = [
                (
                    key("ess_jobs", d["zone"], d["year"], nuts3=n, family=fam),
                    key("ess_jobs", d["zone"], d["year"], nuts3=n, sector=sec),
                )
                for n in places
            ]
            against = [a for a, b in pairs if val.get(a) is not None and val.get(b) is not None and val[a] != val[b]]
            if same and not against:
                out += [{a: 1.0, b: -1.0} for a, b in pairs if a in val and b in val]
                out.append({("ess_jobs", k): 1.0, ("ess_jobs", k2): -1.0})
    return out


# ---------------------------------------------------------------------------------------------- bounds
def bounds(pub: Published) -> pd.DataFrame:
    """The feasible interval of every blank: measure, key, low, high."""
    rels = relations(pub)
    unknown = sorted((k for k, v in pub.values.items() if v is None), key=str)
    pos = {k: i for i, k in enumerate(unknown)}
    eq_rows, eq_rhs, ub_rows, ub_rhs = [], [], [], []
    for rel in rels:
        coef = {pos[k]: c for k, c in rel.items() if k in pos}
        if not coef:
            continue
        eq_rows.append(coef)
        eq_rhs.append(-sum(c * pub.values[k] for k, c in rel.items() if k not in pos))
    for r in pub.ratios:  # low·den ≤ scale·num ≤ high·den
        for sign, bound in ((1.0, r.high), (-1.0, r.low)):
            coef: dict[int, float] = {}
            const = 0.0
            for k, c in ((r.num, sign * r.scale), (r.den, -sign * bound)):
                if isinstance(k, float):
                    const += c * k
                elif k in pos:
                    coef[pos[k]] = coef.get(pos[k], 0.0) + c
                elif pub.values.get(k) is not None:
                    const += c * pub.values[k]
                else:
                    coef = {}
                    break
            if coef:
                ub_rows.append(coef)
                ub_rhs.append(-const)
    n = len(unknown)
    rows = []
    comps = _components(n, eq_rows + ub_rows)
    where = {g: c for c, comp in enumerate(comps) for g in comp}
    eq_of: dict[int, list[int]] = {}
    ub_of: dict[int, list[int]] = {}
    for i, r in enumerate(eq_rows):
        eq_of.setdefault(where[next(iter(r))], []).append(i)
    for i, r in enumerate(ub_rows):
        ub_of.setdefault(where[next(iter(r))], []).append(i)
    for c_id, comp in enumerate(comps):
        idx = {g: i for i, g in enumerate(comp)}
        a_eq = _sparse([eq_rows[i] for i in eq_of.get(c_id, [])], idx)
        b_eq = [eq_rhs[i] for i in eq_of.get(c_id, [])] or None
        a_ub = _sparse([ub_rows[i] for i in ub_of.get(c_id, [])], idx)
        b_ub = [ub_rhs[i] for i in ub_of.get(c_id, [])] or None
        lb = [pub.floor.get(unknown[g], 0.0) for g in comp]
        args = dict(A_eq=a_eq, b_eq=b_eq, A_ub=a_ub, b_ub=b_ub, bounds=[(x, None) for x in lb], method="highs")
        for i, g in enumerate(comp):
            c = np.zeros(len(comp))
            c[i] = 1.0
            low, high = linprog(c, **args), linprog(-c, **args)
            if low.status == 2:
                raise AssertionError(f"the attacker's model is infeasible around {unknown[g]}")
            rows.append(
                {
                    "measure": unknown[g][0],
                    "cell": dict(unknown[g][1]),
                    "key": unknown[g],
                    "low": low.fun if low.status == 0 else lb[i],
                    "high": -high.fun if high.status == 0 else np.inf,
                }
            )
    return pd.DataFrame(rows, columns=["measure", "cell", "key", "low", "high"])


def _sparse(coefs: list[dict[int, float]], idx: dict[int, int]):
    from scipy.sparse import csr_array

    if not coefs:
        return None
    r, c, v = [], [], []
    for i, coef in enumerate(coefs):
        for g, x in coef.items():
            r.append(i)
            c.append(idx[g])
            v.append(x)
    return csr_array((v, (r, c)), shape=(len(coefs), len(idx)))


def _components(n: int, rows: list[dict[int, float]]) -> list[list[int]]:
    parent = list(range(n))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for r in rows:
        ks = list(r)
        for b in ks[1:]:
            ra, rb = find(ks[0]), find(b)
            if ra != rb:
                parent[rb] = ra
    groups: dict[int, list[int]] = {}
    for g in range(n):
        groups.setdefault(find(g), []).append(g)
    return list(groups.values())


def recovered(found: pd.DataFrame, truth: dict[Key, float], p: float = 0.15) -> pd.DataFrame:
    """The blanks pinned exactly or within ± ``p`` of their true value (``truth``: key -> value).

    A true zero is left out: it holds no establishment's figure, and ±p of 0 is 0.
    """
    f = found.assign(true=[truth.get(k, np.nan) for k in found["key"]])
    f = f[f["true"].ne(0)]
    exact = (f["high"] - f["low"]) < 0.5
    close = (f["low"] >= f["true"] * (1 - p) - 1e-6) & (f["high"] <= f["true"] * (1 + p) + 1e-6) & f["true"].gt(0)
    return f[exact | close].assign(how=np.where(exact[exact | close], "exact", "±15 %"))


# ---------------------------------------------------------------------------------------------- truth
MEASURES = {  # measure -> (population, value column)
    "ess_units": ("ess", "one"),
    "ess_jobs": ("ess", "headcount"),
    "all_jobs": ("all", "headcount"),
    "private_jobs": ("private", "headcount"),
    "ess_women": ("ess", "women"),
    "ps_units": ("ps_core", "one"),
    "ps_jobs": ("ps_core", "headcount"),
    "ps_fte": ("ps_core", "fte"),
    "ps_ext_jobs": ("ps_ext", "headcount"),
}
CODES = {
    "family": ("ess_family", {v: k for k, v in labels.FAMILY_FR.items()}),
    "sector": ("sector_group", {v: k for k, v in labels.sector_fr().items()}),
    "size": ("size_band", {v: k for k, v in labels.SIZE_FR.items()}),
    "segment": ("ps_segment", {v: k for k, v in labels.SEGMENT_FR.items()}),
    "provider": ("provider", {v: k for k, v in labels.PROVIDER_FR.items()}),
}


def truth(keys: Iterable[Key], frames: dict[str, tuple[pd.DataFrame, dict[int, pd.DataFrame]]]) -> dict[Key, float]:
    """The true value of each cell, from the establishments (``zone -> cells.zone_frames(...)``)."""
    from desir_analysis.analysis import personal_services as ps

    out = {}
    for k in keys:
        measure, cell = k
        d = dict(cell)
        zone = d.get("zone") or next(z for z, (e, _) in frames.items() if d["nuts3"] in set(e["nuts3"]))
        est, series = frames[zone]
        year = d["year"]
        e = est if year == max(series) else series[year]
        pop, col = MEASURES[measure]
        e = {
            "ess": e[e["in_ess"]],
            "all": e,
            "private": e[e["private"]],
            "ps_core": e[e["ps_field"].eq(ps.CORE)],
            "ps_ext": e[e["ps_field"].ne(ps.OUTSIDE)],
        }[pop]
        keep = pd.Series(True, index=e.index)
        if "nuts3" in d:
            keep &= e["nuts3"].eq(d["nuts3"])
        if "country" in d:
            keep &= e["country"].eq(d["country"])
        if "rest_of" in d:
            keep &= e["nuts3"].ne(d["rest_of"])
        for dim, (column, code) in CODES.items():
            if dim in d:
                keep &= e[column].eq(code[d[dim]])
        out[k] = float(e.loc[keep, col].sum())
    return out
