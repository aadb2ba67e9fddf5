"""Source-shaped frames -> the common processed tables (France here; Belgium plugs in alike).

For each reference year the French zone rows of the Sirene stock become
``establishments`` rows (one per employer establishment existing at 31 December),
and every other row is accounted for: listed in ``rejects`` (with line and
reason) or counted in ``scope`` (outside the zone, not yet created, closed,
non-employer). ``accounting`` checks, per raw file, that
raw rows = kept + rejected + out of scope.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from desir_analysis.build.schemas import size_band
from desir_analysis.reference import classify, codes
from desir_analysis.sources import sirene, sirene_history
from desir_analysis.sources.rejects import reject_rows

REJECT_COLUMNS = ["source_file", "line", "record_id", "reason"]


@dataclass
class FrenchInputs:
    """Everything read from the French raw files, year-independent."""

    stock_file: str
    zone: pd.DataFrame  # source-shaped zone rows, with ``line``
    stock_rows: int
    stock_bad: pd.DataFrame  # unparseable lines (rejects)
    units: sirene.LegalUnits
    ul_file: str
    history: pd.DataFrame | None
    history_file: str | None
    history_rows: int
    history_bad: pd.DataFrame
    employment: pd.DataFrame | None  # valid rows: siret, year, measures, source_file, line
    employment_rejects: pd.DataFrame
    employment_rows: dict[str, int]
    employment_seen: np.ndarray | None  # per employment row: SIRET met in the national stock


@dataclass
class YearOutput:
    """Processed rows and accounting of one country and year."""

    establishments: pd.DataFrame
    rejects: pd.DataFrame
    scope: pd.DataFrame
    kept: dict[str, int]
    raw: dict[str, int]
    rule_gap: dict | None = None  # zone rule against the national aggregates' rule (:func:`existence_rule_gap`)


def _rejects(source: str, lines: pd.Series, ids: pd.Series, reasons: pd.Series | str) -> pd.DataFrame:
    return reject_rows(source, lines, reasons, ids)


def _rejects_multi(rows: pd.DataFrame, reason: str) -> pd.DataFrame:
    """Rejects of rows that carry their own ``source_file`` and ``line``."""
    return reject_rows(rows["source_file"], rows["line"], reason, rows["siret"])


def validate_zone_rows(inp: FrenchInputs) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Year-independent checks of the zone rows: returns (valid rows with codes normalised, rejects)."""
    z = inp.zone.copy()
    reason = pd.Series(pd.NA, index=z.index, dtype="string")

    def flag(mask: pd.Series, why: str) -> None:
        nonlocal reason
        reason = reason.mask(mask.fillna(False).astype(bool) & reason.isna(), why)

    siret = z["siret"].astype("string").str.strip()
    flag(~siret.str.fullmatch(r"\d{14}").fillna(False), "SIRET mal formé (14 chiffres attendus)")
    flag(siret.duplicated(keep="first"), "SIRET en double dans le stock")
    which = sirene_history.bad_dates(z, ["dateCreationEtablissement", "dateDebut"])
    reason = reason.mask(which.notna() & reason.isna(), "date mal formée (AAAA-MM-JJ attendu) : " + which)
    commune = codes.normalise_commune(z["codeCommuneEtablissement"], "FR")
    flag(commune.invalid, "code commune invalide (5 caractères attendus, 2A/2B pour la Corse)")
    pos = inp.units.lookup(z["siren"].astype("string").str.strip().to_numpy(dtype=object))
    flag(pd.Series(pos < 0, index=z.index), "unité légale (SIREN) absente du stock des unités légales")
    ul = inp.units.rows(pos)
    ul.index = z.index
    nom = z["nomenclatureActivitePrincipaleEtablissement"].astype("string").str.strip()
    act = z["activitePrincipaleEtablissement"].astype("string").str.strip()
    naf = codes.normalise_naf(act)
    flag(nom.eq("NAFRev2") & naf.invalid, "code NAF rév. 2 mal formé")
    z["siret"] = siret
    z["commune"] = commune.values
    z["legal_form"] = codes.normalise_legal_form(ul["legal_form"], "FR").values.fillna(ul["legal_form"])
    z["ess_register_flag"] = ul["ess_register_flag"].astype("string")
    z["ul_activity"] = ul["ul_activity"]
    z["ul_nomenclature"] = ul["ul_nomenclature"]
    z["ul_activity_naf25"] = ul["ul_activity_naf25"]
    bad = reason.notna()
    rej = _rejects(inp.stock_file, z.loc[bad, "line"], siret[bad].fillna(""), reason[bad])
    return z[~bad].copy(), pd.concat([rej, inp.stock_bad], ignore_index=True)


def _activity(z: pd.DataFrame, act: pd.Series, nom: pd.Series, naf25: bool = False) -> pd.DataFrame:
    """Normalised activity with the fallback policy for older nomenclatures.

    NAFRev1, NAF1993, NAP (or empty) on the establishment: the legal unit's code is used
    when it has one (``activity_source = legal_unit``) — in a year classified in NAF 2025
    (``naf25``), its NAF 2025 code (``activitePrincipaleNAF25UniteLegale``) when the stock
    gives one, else its NAF rév. 2 code —, otherwise the code is kept as given and its sector
    is ``unknown`` (counted). NAF rév. 2 and NAF 2025 codes (same ``DD.DDL`` shape) are normalised.
    """
    current = nom.isin([sirene.NAFREV2, sirene.NAF2025])
    ul25 = z["ul_activity_naf25"].astype("string").fillna("").str.strip()
    use_ul25 = ~current & ul25.ne("") if naf25 else pd.Series(False, index=z.index)
    use_ul = ~current & ~use_ul25 & z["ul_nomenclature"].eq(sirene.NAFREV2)
    act = act.where(~use_ul, z["ul_activity"]).where(~use_ul25, ul25)
    nom = nom.where(~use_ul, sirene.NAFREV2).where(~use_ul25, sirene.NAF2025)
    use_ul = use_ul | use_ul25
    naf = codes.normalise_naf(act)
    national = naf.values.where(nom.isin([sirene.NAFREV2, sirene.NAF2025]), act)
    return pd.DataFrame(
        {
            "national_activity": national.astype("string"),
            "activity_nomenclature": nom.astype("string"),
            "activity_source": pd.Series(
                np.where(use_ul, "legal_unit", "establishment"), index=z.index, dtype="string"
            ),
        }
    )


def french_year(inp: FrenchInputs, valid: pd.DataFrame, stock_rejects: pd.DataFrame, year: int) -> YearOutput:
    """Establishments of one reference year, with rejects and scope counts for every raw file."""
    ref = f"{year}-12-31"
    z = valid
    created = z["dateCreationEtablissement"].astype("string").fillna("")
    etat = z["etatAdministratifEtablissement"].astype("string")
    start = z["dateDebut"].astype("string").fillna("")
    act = z["activitePrincipaleEtablissement"].astype("string").str.strip()
    nom = z["nomenclatureActivitePrincipaleEtablissement"].astype("string").str.strip()
    not_created = created.ne("") & created.gt(ref)
    closed = etat.eq("F") & start.le(ref)
    closed_now, act_now, nom_now = closed, act, nom  # the stock rule, as the national aggregates apply it
    employer_char = z.get("caractereEmployeurEtablissement", pd.Series("", index=z.index)).astype("string")
    hist_used = 0
    if inp.history is not None and len(inp.history):
        per = sirene_history.period_at(inp.history, ref).set_index("siret")
        p = per.reindex(z["siret"])
        p.index = z.index
        has = p["dateDebut"].notna()
        hist_used = int(has.sum())
        closed = closed.where(~has, p["etatAdministratifEtablissement"].eq("F"))
        act = act.where(~has, p["activitePrincipaleEtablissement"].astype("string"))
        nom = nom.where(~has, p["nomenclatureActivitePrincipaleEtablissement"].astype("string"))
        employer_char = employer_char.where(~has, p["caractereEmployeurEtablissement"].astype("string"))
    if year >= sirene.NAF25_FROM:  # the NAF 2025 code of the stock, for the current period only
        current = p["dateFin"].isna() | p["dateFin"].eq("") if inp.history is not None and hist_used else True
        naf25 = z[sirene.NAF25_COLUMN].astype("string").fillna("").str.strip()
        take = naf25.ne("") & current
        act, nom = act.where(~take, naf25), nom.where(~take, sirene.NAF2025)
        act_now, nom_now = act_now.where(naf25.eq(""), naf25), nom_now.where(naf25.eq(""), sirene.NAF2025)
    activity = _activity(z, act, nom, year >= sirene.NAF25_FROM)
    out = pd.DataFrame(index=z.index)
    if inp.employment is not None:
        emp = inp.employment[inp.employment["year"] == year].set_index("siret")
        m = emp.reindex(z["siret"])
        m.index = z.index
        for col in ("headcount", "fte", "payroll_eur", "women", "part_time"):
            out[col] = m[col].astype("Float64")
        keep = out["headcount"].fillna(0).gt(0)
        out["headcount_estimated"] = False
    else:
        tranche = z["trancheEffectifsEtablissement"].astype("string").str.strip()
        est = tranche.map(sirene.TRANCHE_MIDPOINT).astype("Float64")
        keep = est.notna() & ~not_created & ~closed
        keep_now = est.notna() & ~not_created & ~closed_now
        out["headcount"] = est
        for col in ("fte", "payroll_eur", "women", "part_time"):
            out[col] = pd.Series(pd.NA, index=z.index, dtype="Float64")
        out["headcount_estimated"] = True
    reason = pd.Series("non_employeur", index=z.index, dtype="string")
    if inp.employment is not None and len(inp.employment_rejects):  # its jobs row was rejected: say so
        rejected_ids = set(inp.employment_rejects["record_id"].dropna().astype(str))
        reason = reason.mask(z["siret"].astype(str).isin(rejected_ids), "ligne_emploi_rejetee")
    reason = reason.mask(closed, "ferme_au_31_12").mask(not_created, "pas_encore_cree").mask(keep, pd.NA)
    k = keep.to_numpy()
    gap = None
    if hist_used:
        national_rule = keep_now if inp.employment is None else keep
        gap = existence_rule_gap(
            keep,
            national_rule,
            activity,
            _activity(z, act_now, nom_now, year >= sirene.NAF25_FROM),
            out["headcount"],
            z["siren"],
        )
    est = pd.DataFrame(
        {
            "country": "FR",
            "year": year,
            "establishment_id": z["siret"],
            "enterprise_id": z["siren"].astype("string"),
            "reference_date": pd.Timestamp(dt.date(year, 12, 31)),
            "legal_form": z["legal_form"],
            "ess_register_flag": z["ess_register_flag"],
            "social_enterprise_approved": pd.NA,
            "joint_committee": pd.NA,
            "commune": z["commune"],
            "sirene_size_band": z["trancheEffectifsEtablissement"].astype("string"),
            "sirene_employer": employer_char,
        },
        index=z.index,
    )
    est = pd.concat([est, activity, out], axis=1)[k].reset_index(drop=True)
    est = finish_establishments(est)
    # --- accounting --------------------------------------------------------------------------
    scope = []
    outside = inp.stock_rows - len(inp.zone) - len(inp.stock_bad)
    scope.append((inp.stock_file, "hors_zone", outside))
    for why, n in reason.value_counts().items():
        scope.append((inp.stock_file, why, int(n)))
    kept = {inp.stock_file: int(k.sum())}
    raw = {inp.stock_file: inp.stock_rows}
    rejects = [stock_rejects]
    # legal units: kept = distinct SIREN of kept establishments
    n_ul_kept = int(est["enterprise_id"].nunique())
    ul_rej = inp.units.rejects
    raw[inp.ul_file] = inp.units.n_rows
    kept[inp.ul_file] = n_ul_kept
    scope.append((inp.ul_file, "non_rattachee_a_un_etablissement_retenu", inp.units.n_rows - n_ul_kept - len(ul_rej)))
    rejects.append(ul_rej)
    if inp.history_file:
        raw[inp.history_file] = inp.history_rows
        kept[inp.history_file] = hist_used
        rejects.append(inp.history_bad)
        scope.append(
            (
                inp.history_file,
                "autre_etablissement_ou_autre_periode",
                inp.history_rows - hist_used - len(inp.history_bad),
            )
        )
    if inp.employment is not None:
        e = inp.employment
        e_int = e["siret"].astype("int64").to_numpy()
        this = (e["year"] == year).to_numpy()
        used = this & np.isin(e_int, est["establishment_id"].astype("int64").to_numpy())
        in_zone = np.isin(e_int, z["siret"].astype("int64").to_numpy())
        zone_not_used = this & in_zone & ~used
        absent = this & ~in_zone
        seen = inp.employment_seen if inp.employment_seen is not None else np.ones(len(e), dtype=bool)
        absent_stock = absent & ~seen
        files = e["source_file"].to_numpy()
        rejects.append(_rejects_multi(e[absent_stock], "SIRET absent du stock Sirene"))
        for f, n_raw in inp.employment_rows.items():
            in_f = files == f
            raw[f] = n_raw
            kept[f] = int((used & in_f).sum())
            rejects.append(inp.employment_rejects[inp.employment_rejects["source_file"] == f])
            scope += [
                (f, "autre_annee", int((~this & in_f).sum())),
                (f, "hors_zone", int((absent & ~absent_stock & in_f).sum())),
                (f, "sans_emploi_au_31_12_ou_etablissement_exclu", int((zone_not_used & in_f).sum())),
            ]
    rej, sc = year_rejects_scope(rejects, scope, "FR", year)
    return YearOutput(est, rej, sc, kept, raw, gap)


def _sector_groups(activity: pd.DataFrame) -> pd.Series:
    """Sector group of each row of an activity frame (:func:`_activity`), index kept."""
    return classify.add_sector(activity.reset_index(drop=True))["sector_group"].set_axis(activity.index)


def _group(mask: pd.Series, jobs: pd.Series, enterprise: pd.Series) -> dict:
    """Establishments, distinct enterprises, jobs and the largest enterprise's share of the jobs of a set."""
    j = jobs[mask].fillna(0).astype("float64")
    by_ent = j.groupby(enterprise[mask].astype("string")).sum()
    total = float(j.sum())
    top = float(by_ent.max() / total) if total > 0 else 0.0
    return {"establishments": int(mask.sum()), "enterprises": int(len(by_ent)), "jobs": total, "top_share": top}


def existence_rule_gap(
    zone_rule: pd.Series,
    national_rule: pd.Series,
    zone_activity: pd.DataFrame,
    stock_activity: pd.DataFrame,
    jobs: pd.Series,
    enterprise: pd.Series,
) -> dict:
    """How far the zone rows' rule of « exists at 31 December » departs from the national aggregates'.

    The zone rows take state and activity from the history file's period that covers 31 December;
    the national aggregates, streamed over the whole country, apply the stock rule (creation and
    closure dates, current activity). Measured on the zone, where both can be applied: the
    employer establishments kept by one rule only, and those kept by both whose sector group
    differs (history activity against current activity), each with its jobs.

    Returns:
        ``kept`` (zone rule), ``only_zone_rule``, ``only_national_rule``, ``sector_differs``: each a
        dict of establishments, enterprises, jobs and the largest enterprise's share of the jobs.
    """
    both = zone_rule & national_rule
    moved = both & _sector_groups(zone_activity).ne(_sector_groups(stock_activity))
    return {
        "kept": _group(zone_rule, jobs, enterprise),
        "only_zone_rule": _group(zone_rule & ~national_rule, jobs, enterprise),
        "only_national_rule": _group(national_rule & ~zone_rule, jobs, enterprise),
        "sector_differs": _group(moved, jobs, enterprise),
    }


def year_rejects_scope(
    rejects: list[pd.DataFrame], scope: list[tuple[str, str, int]], country: str, year: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Typed ``rejects`` and ``scope`` tables of one country and year from their parts."""
    parts = [r for r in rejects if len(r)]
    rej = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame({c: pd.Series(dtype="string") for c in REJECT_COLUMNS})
    )
    rej.insert(0, "year", year)
    rej.insert(0, "country", country)
    sc = pd.DataFrame(scope, columns=["source_file", "reason", "n_records"])
    sc = sc[sc["n_records"] > 0]
    sc.insert(0, "year", year)
    sc.insert(0, "country", country)
    return tidy_rejects(rej), tidy_scope(sc)


def finish_establishments(est: pd.DataFrame) -> pd.DataFrame:
    """Classify and type an establishments frame (any country) to the contract."""
    est = classify.classify(est)
    est["ess_register_flag"] = est["ess_register_flag"].astype("string")
    est["social_enterprise_approved"] = est["social_enterprise_approved"].astype("boolean")
    est["joint_committee"] = est["joint_committee"].astype("string")
    est["year"] = est["year"].astype("int64")
    est["headcount_estimated"] = est["headcount_estimated"].astype(bool)
    est["size_band"] = size_band(est["headcount"])
    est["nuts3"] = est["nuts3"].astype("string")
    for c in (
        "country",
        "establishment_id",
        "enterprise_id",
        "legal_form",
        "commune",
        "nace",
        "sector_group",
        "ess_family",
        "national_activity",
        "activity_nomenclature",
    ):
        est[c] = est[c].astype("string")
    return est.sort_values(["country", "establishment_id"], ignore_index=True)


def tidy_rejects(rej: pd.DataFrame) -> pd.DataFrame:
    """Typed, sorted rejects table."""
    rej = rej.astype({"country": "string", "source_file": "string", "record_id": "string", "reason": "string"})
    rej["year"] = rej["year"].astype("int64")
    rej["line"] = rej["line"].astype("Int64")
    return rej.sort_values(["country", "source_file", "line", "reason"], ignore_index=True, na_position="last")


def tidy_scope(sc: pd.DataFrame) -> pd.DataFrame:
    """Typed, sorted scope table."""
    sc = sc.astype({"country": "string", "source_file": "string", "reason": "string"})
    sc["year"] = sc["year"].astype("int64")
    sc["n_records"] = sc["n_records"].astype("int64")
    return sc.groupby(["country", "year", "source_file", "reason"], as_index=False)["n_records"].sum()


def accounting(out: YearOutput) -> pd.DataFrame:
    """Per raw file: raw rows, kept, rejected, out of scope, and whether they add up."""
    rows = []
    for f, n in out.raw.items():
        rej = int((out.rejects["source_file"] == f).sum())
        sc = int(out.scope.loc[out.scope["source_file"] == f, "n_records"].sum())
        k = out.kept.get(f, 0)
        rows.append(dict(source_file=f, raw_rows=n, kept=k, rejected=rej, out_of_scope=sc, balanced=n == k + rej + sc))
    return pd.DataFrame(rows)


def national_aggregates_fr(national: pd.DataFrame) -> pd.DataFrame:
    """Classify the national aggregation keys and sum to the contract's breakdown.

    Output: country × year × ess_family × sector_group × public_sector × nuts3,
    ``n_establishments``, ``jobs``, ``jobs_estimated``. Rows whose legal unit is
    missing keep family ``unknown``.
    """
    n = national.copy()
    n["country"] = "FR"
    n["commune"] = n["departement"] + "000"  # any commune of the département
    n["national_activity"] = codes.normalise_naf(n["activity"]).values.where(
        n["nomenclature"].isin([sirene.NAFREV2, sirene.NAF2025]), n["activity"]
    )
    n["activity_nomenclature"] = n["nomenclature"]
    n["ess_register_flag"] = n["ess_register_flag"].replace("", pd.NA)
    c = classify.classify(n)
    estimated = bool(national["jobs_estimated"].any()) if len(national) else False
    return aggregate_national(c, estimated)


def aggregate_national(c: pd.DataFrame, estimated: bool) -> pd.DataFrame:
    """Sum classified rows (``n_establishments``, ``jobs``) to the national-aggregates contract.

    Keys: country × year × legal_form × ess_family × ess_register_flag ×
    social_enterprise_approved × sector_group × public_sector × nuts3 × activity_excluded:
    what any perimeter needs (:func:`membership.in_perimeter` works on these rows), so a
    perimeter added to the reference tables needs no rebuild.
    """
    keys = [
        "country",
        "year",
        "legal_form",
        "ess_family",
        "ess_register_flag",
        "social_enterprise_approved",
        "sector_group",
        "public_sector",
        "nuts3",
        "activity_excluded",
    ]
    c = c.assign(
        legal_form=c["legal_form"].astype("string").fillna(""),
        ess_register_flag=c["ess_register_flag"].astype("string").fillna("") if "ess_register_flag" in c else "",
        social_enterprise_approved=c["social_enterprise_approved"].fillna(False).astype(bool)
        if "social_enterprise_approved" in c
        else False,
    )
    c["public_sector"] = c["public_sector"].fillna(False)
    c["nuts3"] = c["nuts3"].fillna("")
    out = c.groupby(keys, as_index=False, sort=True).agg(
        n_establishments=("n_establishments", "sum"), jobs=("jobs", "sum")
    )
    out["nuts3"] = out["nuts3"].replace("", pd.NA).astype("string")
    out["jobs_estimated"] = estimated
    out = out.astype(
        {
            "country": "string",
            "legal_form": "string",
            "ess_family": "string",
            "ess_register_flag": "string",
            "sector_group": "string",
        }
    )
    out["social_enterprise_approved"] = out["social_enterprise_approved"].astype(bool)
    out["public_sector"] = out["public_sector"].astype(bool)
    out["year"] = out["year"].astype("int64")
    out["n_establishments"] = out["n_establishments"].astype("int64")
    out["jobs"] = out["jobs"].astype("float64")
    return out
