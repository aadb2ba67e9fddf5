"""Personal and proximity services (services à la personne / de proximité): field, supply, demand, coverage.

The field is data (``reference/personal_services.csv``): activity codes (NAF rév. 2
sub-classes, NACE-BEL 2008/2025) and Belgian joint committees (CP 318 aides familiales
et seniors, SCP 322.01 titres-services), each ``core`` or ``extended`` and in a
segment: ``elderly`` (help at home for elderly and disabled people), ``childcare``,
``household`` (household services, titres-services). A Belgian unit under CP 318 or
SCP 322.01 is in the core field by its joint committee whatever its NACE code; NACE
codes that need the committee (81.210) count only with it. The extended field adds
codes that only partly belong to it (an upper bound: e.g. all of NAF 81.21Z, not only
the units approved for personal services).

Demand drivers come from ``population.parquet``: people aged 75+ and 85+, and young
children: under 3 where the source has single years (Statbel), under 5 where it has
five-year groups (Eurostat observed and projected), each labelled so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from desir_analysis import reference
from desir_analysis.analysis import disclosure

SEGMENTS = ("elderly", "childcare", "household")
CORE, EXTENDED, OUTSIDE = "core", "extended", "outside"
PROVIDER_PUBLIC, PROVIDER_COMPANY = "public", "company"
#: The drivers of demand: (name, ages in years [min, max]; None = open-ended).
DRIVERS = {"pop_75": (75, None), "pop_85": (85, None), "children_u3": (0, 2), "children_u5": (0, 4)}


def _committee(joint_committee: pd.Series) -> pd.Series:
    """Joint committee without dots (``322.01`` -> ``32201``; ``318.02`` -> ``31802``)."""
    return joint_committee.astype("string").str.replace(".", "", regex=False).fillna("")


#: ``personal_services.csv`` code types -> the ``activity_nomenclature`` of the codes they list: a code
#: counts only in its own nomenclature (NACE-BEL 2003 ``97.000`` is not the households-as-employers class).
CODE_TYPE_NOMENCLATURE = {"NAF2": "NAFRev2", "NACEBEL2008": "NACEBEL2008", "NACEBEL2025": "NACEBEL2025"}


def classify_field(est: pd.DataFrame) -> pd.DataFrame:
    """Add ``ps_field`` (core | extended | outside), ``ps_segment`` and ``ps_by`` (how the unit was placed).

    France by the NAF sub-class (``national_activity`` in its ``activity_nomenclature``: the codes of
    ``personal_services.csv`` count in their own nomenclature only); Belgium by the joint committee
    first (CP 318 and its sub-committees, SCP 322.01 titres-services: ``ps_by`` =
    ``commission paritaire``), else by the NACE-BEL code (``ps_by`` = ``NACE``), except
    the codes that count only with SCP 322.01.
    """
    ref = reference.personal_services()
    out = est.copy()
    # activity codes: one look-up of "country|code" (NACE 81.210 in Belgium counts only with SCP 322.01, below)
    acts = ref[ref["code_type"].ne("joint_committee") & ~(ref["country"].eq("BE") & ref["rule"].str.contains("322.01"))]
    acts = acts.assign(nomenclature=acts["code_type"].map(CODE_TYPE_NOMENCLATURE))
    lookup = acts.assign(key=acts["country"] + "|" + acts["nomenclature"] + "|" + acts["code"])
    lookup = lookup.drop_duplicates("key").set_index("key")
    nomenclature = out["activity_nomenclature"].astype("string")
    key = out["country"].astype("string") + "|" + nomenclature + "|" + out["national_activity"].astype("string")
    field = key.map(lookup["field"]).fillna(OUTSIDE).astype("string")
    segment = key.map(lookup["segment"]).astype("string")
    by = np.where(out["country"].eq("BE").fillna(False).to_numpy(dtype=bool), "NACE", "NAF")
    placed_by = pd.Series(by, index=out.index, dtype="string").where(field.ne(OUTSIDE))
    if "joint_committee" in out:
        jc = _committee(out["joint_committee"])
        for row in ref[ref["code_type"].eq("joint_committee")].itertuples(index=False):
            hit = out["country"].eq(row.country).fillna(False) & jc.str.startswith(row.code).fillna(False)
            field, segment = field.mask(hit, row.field), segment.mask(hit, row.segment)
            placed_by = placed_by.mask(hit, "commission paritaire")
    return out.assign(ps_field=field, ps_segment=segment, ps_by=placed_by)


def provider(est: pd.DataFrame) -> pd.Series:
    """Provider type: the ESS family when ``in_ess``, ``public`` for public-law forms, else ``company``."""
    fam = est["ess_family"].astype("string")
    public = est["public_sector"].fillna(False).astype(bool)
    out = np.where(est["in_ess"].to_numpy(dtype=bool), fam, np.where(public, PROVIDER_PUBLIC, PROVIDER_COMPANY))
    return pd.Series(out, index=est.index, dtype="string")


def titres_services_identification(est: pd.DataFrame) -> str:
    """How the Belgian titres-services units are identified: by joint committee when the input has it."""
    be = est[est["country"].eq("BE")]
    if be.empty:
        return "sans objet (pas de données belges)"
    has_jc = "joint_committee" in be and _committee(be["joint_committee"]).ne("").any()
    return (
        "par la sous-commission paritaire 322.01 (l'extrait ONSS la donne)"
        if has_jc
        else "par le code NACE-BEL (l'extrait ne donne pas la commission paritaire)"
    )


# ------------------------------------------------------------------------------------- demand
def _both_sexes(population: pd.DataFrame) -> pd.DataFrame:
    """Rows for both sexes: ``T`` where the source gives it, else ``M`` + ``F`` summed."""
    keys = ["nuts3", "year", "kind", "source", "age_group", "age_min", "age_max"]
    has_t = population.groupby(["nuts3", "year", "source"])["sex"].transform(lambda s: s.eq("T").any())
    p = population[population["sex"].eq("T") | ~has_t]
    return p.groupby(keys, dropna=False, as_index=False)["population"].sum()


def driver(population: pd.DataFrame, name: str) -> pd.DataFrame:
    """One demand driver by ``nuts3`` × ``year`` × ``kind`` × ``source`` (both sexes): ``value``.

    Sums the age groups lying wholly inside the driver's ages, and keeps a (territory, year,
    source) only when those groups cover the ages exactly: « under 3 » never comes from a
    five-year group, « 75+ » needs the open-ended last group.
    """
    lo, hi = DRIVERS[name]
    p = _both_sexes(population)
    amin, amax = p["age_min"].astype("Int64"), p["age_max"].astype("Int64")
    inside = amin.ge(lo) & (amax.le(hi) if hi is not None else True)
    inside = inside.fillna(False) & (amax.notna() if hi is not None else True)
    sel = p[inside.astype(bool)].assign(width=(amax - amin + 1), open_end=amax.isna())
    keys = ["nuts3", "year", "kind", "source"]
    g = sel.groupby(keys, as_index=False).agg(
        value=("population", "sum"),
        lo=("age_min", "min"),
        width=("width", "sum"),
        open_end=("open_end", "any"),
        open_from=("age_min", "max"),
    )
    if hi is None:  # contiguous groups from lo up to the open-ended one, or to the last age published (>= 95)
        last = sel.groupby(keys)["age_max"].max().reindex(pd.MultiIndex.from_frame(g[keys])).to_numpy()
        closed = ~g["open_end"] & (pd.Series(last, index=g.index).astype("Float64") >= 95)
        ok = g["lo"].eq(lo) & (
            (g["open_end"] & g["width"].eq(g["open_from"] - lo))
            | (closed & g["width"].eq(pd.Series(last, index=g.index).astype("Float64") - lo + 1))
        )
    else:
        ok = g["lo"].eq(lo) & ~g["open_end"] & g["width"].eq(hi - lo + 1)
    return g.loc[ok.fillna(False).astype(bool), [*keys, "value"]].assign(driver=name).reset_index(drop=True)


def drivers(population: pd.DataFrame) -> pd.DataFrame:
    """Every demand driver (:data:`DRIVERS`) by ``nuts3`` × ``year`` × ``kind`` × ``source``."""
    return pd.concat([driver(population, n) for n in DRIVERS], ignore_index=True)


def source_rank(source: pd.Series, kind: pd.Series) -> pd.Series:
    """Preference among population sources for a territory-year: Eurostat observed, Statbel, Eurostat projected.

    Eurostat first, so that observed years and projections come from one producer where it
    can; Statbel where Eurostat has no observed value (e.g. the Hainaut arrondissements
    recoded in 2019); projections only for years without an observation.
    """
    observed = kind.eq("observed")
    return pd.Series(
        np.where(source.str.startswith("Eurostat") & observed, 0, np.where(source.str.startswith("Statbel"), 1, 2)),
        index=source.index,
    )


def best_source(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per ``nuts3`` × ``year`` (× ``age_group`` when present): the preferred source (:func:`source_rank`)."""
    keys = ["nuts3", "year"] + (["age_group"] if "age_group" in frame else [])
    f = frame.assign(_rank=source_rank(frame["source"], frame["kind"]))
    f = f.sort_values([*keys, "_rank"], kind="stable")
    best = f.groupby(["nuts3", "year"])["_rank"].transform("min")
    return f[f["_rank"].eq(best)].drop_duplicates(keys).drop(columns="_rank")


def driver_series(drv: pd.DataFrame, name: str, source_prefix: str = "") -> pd.DataFrame:
    """One driver by ``nuts3`` × ``year`` (``value``, ``kind``, ``source``), from the preferred source of each.

    ``source_prefix`` keeps only one family of sources (e.g. ``Statbel`` for the under-3s).
    """
    d = drv[drv["driver"].eq(name) & drv["source"].str.startswith(source_prefix)]
    return best_source(d)[["nuts3", "year", "kind", "source", "value"]].reset_index(drop=True)


def at_year(series: pd.DataFrame, year: int) -> pd.Series:
    """A driver series (:func:`driver_series`) at one year, by ``nuts3``."""
    return series[series["year"] == year].set_index("nuts3")["value"]


def demand_table(drv: pd.DataFrame, nuts3: list[str], base: int, first: int, horizon: int) -> pd.DataFrame:
    """Demand drivers by territory: level at ``base``, change since ``first`` (%), projection at ``horizon``.

    75+, 85+ and under-5s from the preferred source of each territory-year (:func:`best_source`:
    Eurostat observed, else Statbel, projections after the base year); under-3s from Statbel
    where it has single years (Belgium), else « non disponible ».
    """
    rows = []
    for name, src, label in (
        ("pop_75", "", "Personnes de 75 ans ou plus"),
        ("pop_85", "", "Personnes de 85 ans ou plus"),
        ("children_u5", "", "Enfants de moins de 5 ans"),
        ("children_u3", "Statbel", "Enfants de moins de 3 ans (âges détaillés, Statbel)"),
    ):
        s = driver_series(drv, name, src).set_index(["nuts3", "year"])["value"]
        for t in nuts3:
            v_base, v_first, v_h = (s.get((t, y), np.nan) for y in (base, first, horizon))
            rows.append(
                {
                    "nuts3": t,
                    "Indicateur": label,
                    f"Niveau {base}": v_base,
                    f"Évolution depuis {first} (%)": 100 * (v_base / v_first - 1) if v_first else np.nan,
                    f"Projection {horizon}": v_h,
                    f"Évolution {base}-{horizon} (%)": 100 * (v_h / v_base - 1) if v_base else np.nan,
                }
            )
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------- coverage
def coverage(supply: pd.DataFrame, drv: pd.Series, per: float) -> pd.Series:
    """``per × supply / driver`` by territory (NaN where the driver is missing or 0)."""
    d = drv.reindex(supply.index)
    return (per * supply / d.where(d > 0)).astype("float64")


def quartiles(values: pd.Series) -> dict[str, float]:
    """First quartile, median and third quartile of the territories' values (NaN left out)."""
    v = values.dropna()
    if v.empty:
        return {"Q1": np.nan, "Médiane": np.nan, "Q3": np.nan}
    q = v.quantile([0.25, 0.5, 0.75])
    return {"Q1": float(q.loc[0.25]), "Médiane": float(q.loc[0.5]), "Q3": float(q.loc[0.75])}


__all__ = [
    "classify_field",
    "coverage",
    "demand_table",
    "driver",
    "driver_series",
    "drivers",
    "provider",
    "quartiles",
    "titres_services_identification",
]


def supply_by_territory(jobs: pd.DataFrame, fte: pd.DataFrame | None, units: pd.DataFrame) -> pd.DataFrame:
    """Establishments, jobs and FTE of the core field by territory and segment (protected cells, one row each).

    A row shows its numbers only when its jobs, FTE and establishments cells are all published.
    The zone margin over both countries is left out for FTE (EQTP and Belgian FTE are not
    defined alike): its FTE cell is empty with the note « non additionnés ».
    """
    by = ["country", "nuts3", "ps_segment"]
    t = jobs[[*by, "headcount", "status"]].merge(units[[*by, "one", "status"]], on=by, suffixes=("", "_n"))
    cols = ["status", "status_n"]
    if fte is not None:
        t = t.merge(fte[[*by, "fte", "status"]].rename(columns={"status": "status_f"}), on=by)
        cols.append("status_f")
    t["status"] = disclosure.combine_status(t[cols]).to_numpy()
    shown = t["status"].eq("published")
    out = t[by].copy()
    out["Établissements employeurs"] = t["one"].where(shown)
    out["Postes au 31/12"] = t["headcount"].where(shown)
    if fte is not None:
        cross_border = t["country"].eq("Total")
        out["EQTP (FR) / ETP T4 (BE)"] = t["fte"].where(shown & ~cross_border)
    out["status"] = t["status"]
    # a territory lies in one country: its « both countries » rows repeat its country rows
    return out[~(out["country"].eq("Total") & out["nuts3"].ne("Total"))].reset_index(drop=True)


def ess_share_of_field(jobs_by_provider: pd.DataFrame) -> pd.DataFrame:
    """The ESS share of each segment's jobs by country: ``100 × Σ ESS families / all providers``.

    From the protected ``country × ps_segment × provider`` table; a share over a masked cell is empty.
    """
    t = jobs_by_provider
    rows = []
    for (country, segment), g in t.groupby(["country", "ps_segment"]):
        total = g[g["provider"].eq("Total")]
        ess = g[~g["provider"].isin(["Total", PROVIDER_PUBLIC, PROVIDER_COMPANY])]
        ok = total["status"].eq("published").all() and ess["status"].eq("published").all()
        value = 100 * ess["headcount"].sum() / float(total["headcount"].iloc[0]) if ok and len(total) else np.nan
        rows.append({"country": country, "ps_segment": segment, "Part de l'ESS (%)": value})
    return pd.DataFrame(rows, columns=["country", "ps_segment", "Part de l'ESS (%)"])


COVERAGE_ELDERLY = "Postes d'aide à domicile pour 1 000 personnes de 75 ans ou plus"
COVERAGE_ELDERLY_FTE = "EQTP (FR) / ETP (BE) d'aide à domicile pour 1 000 personnes de 75 ans ou plus"
COVERAGE_CHILDREN = "Postes de garde d'enfants pour 100 enfants de moins de 5 ans"


def coverage_table(jobs: pd.DataFrame, fte: pd.DataFrame | None, pop75: pd.Series, children: pd.Series) -> pd.DataFrame:
    """Coverage by territory: elderly-care jobs and FTE per 1 000 people aged 75+, childcare jobs per 100 under-5s.

    ``per × cell / population``, only where the cell is published (a ratio over a masked cell
    would give it away, since the populations are published).

    Args:
        jobs: protected ``ps_jobs`` by country × nuts3 × ps_segment (territory rows).
        fte: the same for FTE (``None`` when the sources lack it).
        pop75: people aged 75+ by nuts3 (base year); ``children`` under-5s by nuts3.
        children: see ``pop75``.
    """

    def cells(table, segment, value):
        t = table[table["ps_segment"].eq(segment) & table["nuts3"].ne("Total") & table["country"].ne("Total")]
        return t.set_index("nuts3")[value].where(t.set_index("nuts3")["status"].eq("published"))

    elderly, child = cells(jobs, "elderly", "headcount"), cells(jobs, "childcare", "headcount")
    nuts3 = sorted(set(jobs.loc[jobs["nuts3"].ne("Total") & jobs["country"].ne("Total"), "nuts3"]))
    out = pd.DataFrame({"nuts3": nuts3})
    out["country"] = out["nuts3"].str[:2]
    out[COVERAGE_ELDERLY] = out["nuts3"].map(coverage(elderly, pop75, 1000.0))
    if fte is not None:
        out[COVERAGE_ELDERLY_FTE] = out["nuts3"].map(coverage(cells(fte, "elderly", "fte"), pop75, 1000.0))
    out[COVERAGE_CHILDREN] = out["nuts3"].map(coverage(child, children, 100.0))
    return out[["country", "nuts3", *[c for c in out.columns if c not in ("country", "nuts3")]]]
