"""Belgian sources -> the common processed tables (same contract as the French side).

The population of a year is the set of establishment units with jobs at the end
of Q4 in the ONSS extract (employer units, by place of work). Each unit takes from
the KBO/BCE register its enterprise, legal form, address (postal code -> NIS
commune -> arrondissement -> NUTS3) and main activity (the unit's, else its
enterprise's); CNC approval / social-enterprise recognition comes from the
approvals file when one is given. Every raw row is kept, rejected (listed) or
counted out of scope, file by file.

KBO open data lists the entities active at the export date; units closed since then
are missing for past years (their ONSS rows are rejected as « absente de la BCE (export
du …) », so the loss is visible and counted in the quality annex). Several exports may be
given (``be/kbo/<AAAA-MM-JJ>/…``): each year then takes the register of its own time, the
first export taken after its 31 December (:meth:`BelgianInputs.register_for`); the other
exports are counted « export BCE d'une autre date » in that year's accounting.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from desir_analysis import reference
from desir_analysis.build.harmonise_fr import YearOutput, finish_establishments, year_rejects_scope
from desir_analysis.reference import codes
from desir_analysis.sources import kbo as kbo_src
from desir_analysis.sources.csvfile import Layout, read_small, valid_row_lines
from desir_analysis.sources.rejects import reject_rows, unreadable

APPROVALS = Layout(
    "agréments BE (desir-analysis)", required=["numero_entreprise", "type", "date_debut"], optional=["date_fin"]
)


@dataclass
class BelgianInputs:
    """Everything read from the Belgian raw files, year-independent."""

    kbo: kbo_src.KboData
    employment: pd.DataFrame
    employment_rejects: pd.DataFrame
    employment_rows: dict[str, int]
    approvals: pd.DataFrame | None
    approvals_file: str | None
    approvals_rows: int
    approvals_rejects: pd.DataFrame
    #: every KBO export read, by snapshot date (ISO; "" when there is only one)
    registers: dict[str, kbo_src.KboData] = field(default_factory=dict)

    def register_for(self, year: int) -> tuple[str, kbo_src.KboData]:
        """The KBO export of ``year``'s time: the first one taken after 31 December, else the latest.

        KBO open data lists the entities active at its date: a later export loses the units
        closed since (their ONSS rows are rejected « absente de la BCE », counted in the annex).
        """
        if len(self.registers) <= 1:
            return next(iter(self.registers), ""), self.kbo
        after = [d for d in sorted(self.registers) if d > f"{year}-12-31"]
        date = after[0] if after else max(self.registers)
        return date, self.registers[date]


def read_approvals(path: Path) -> tuple[pd.DataFrame, int, pd.DataFrame]:
    """CNC approvals / social-enterprise recognitions: enterprise number, type, start, end dates."""
    table, bad = read_small(path, APPROVALS)
    df = table.to_pandas()
    if "date_fin" not in df:
        df["date_fin"] = ""
    df["line"] = valid_row_lines(range(len(df)), [b.line for b in bad])
    ent, bad_num = kbo_src._number(df["numero_entreprise"], "enterprise")

    def to_iso(s: pd.Series) -> tuple[pd.Series, pd.Series]:
        s = s.astype("string").str.strip().fillna("")
        dmy = s.str.fullmatch(r"\d{2}-\d{2}-\d{4}").fillna(False)
        iso = s.where(~dmy, s.str[6:10] + "-" + s.str[3:5] + "-" + s.str[0:2])
        ok = pd.to_datetime(iso.replace("", pd.NA), format="%Y-%m-%d", errors="coerce").notna()
        return iso.where(ok, ""), s.ne("") & ~ok

    start, bad_start = to_iso(df["date_debut"])
    end, bad_end = to_iso(df["date_fin"])
    bad_start |= start.eq("")
    reason = pd.Series(pd.NA, index=df.index, dtype="string")
    reason = reason.mask(bad_num, "numéro d'entreprise mal formé").mask(
        reason.isna() & (bad_start | bad_end), "date invalide (AAAA-MM-JJ ou JJ-MM-AAAA attendu)"
    )
    hit = reason.notna()
    rej = pd.concat(
        [
            reject_rows(path.name, df.loc[hit, "line"], reason[hit], df.loc[hit, "numero_entreprise"]),
            unreadable(path.name, bad),
        ],
        ignore_index=True,
    )
    ok = reason.isna()
    good = pd.DataFrame(
        {
            "enterprise": ent[ok],
            "type": df.loc[ok, "type"].astype("string").str.strip(),
            "start": start[ok],
            "end": end[ok],
            "line": df.loc[ok, "line"],
        }
    )
    return good, len(df) + len(bad), rej


def _approved(inp: BelgianInputs, enterprises: pd.Series, ref: str) -> pd.Series:
    if inp.approvals is None:
        return pd.Series(pd.NA, index=enterprises.index, dtype="boolean")
    a = inp.approvals
    active = a[(a["start"] <= ref) & (a["end"].eq("") | a["end"].ge(ref))]
    return pd.Series(codes.isin(enterprises, set(active["enterprise"])), index=enterprises.index, dtype="boolean")


def legal_form_at(form: pd.Series, cac: pd.Series, year: int) -> pd.Series:
    """The juridical form a unit is classified by at 31 December of ``year``.

    From the year the Code des sociétés et des associations is in force for existing companies
    (the ``legal_forms_be`` break of ``reference/breaks.csv``), a company whose statutes are not
    yet adapted is read in its CSA form, which the KBO gives (``JuridicalFormCAC``: « la forme
    juridique telle qu'elle doit être lue en attendant l'adaptation des statuts »); before it, and
    for a company without one, its ``JuridicalForm``. The KBO open data keep no history of forms:
    a company converted since is classified by its present form in every year (a limit the
    référentiel states).
    """
    if not reference.csa_forms_in_force(year):
        return form
    cac = cac.astype("string").fillna("")
    return form.where(cac.eq(""), cac)


def units_frame(inp: BelgianInputs, year: int) -> pd.DataFrame:
    """Every KBO unit with enterprise, legal form, commune and main activity (year's NACE preference)."""
    k = inp.kbo
    est = k.establishments[["EstablishmentNumber", "EnterpriseNumber", "start", "line"]].rename(
        columns={"EstablishmentNumber": "unit", "EnterpriseNumber": "enterprise", "line": "kbo_line"}
    )
    ent = k.enterprises[["EnterpriseNumber", "legal_form", "legal_form_cac"]].rename(
        columns={"EnterpriseNumber": "enterprise"}
    )
    est = est.merge(ent, on="enterprise", how="left", validate="m:1", indicator=True)
    est["legal_form"] = legal_form_at(est["legal_form"], est.pop("legal_form_cac"), year)
    est["enterprise_found"] = est.pop("_merge").eq("both")
    u_digits = est["unit"].str.replace(".", "", regex=False)
    e_digits = est["enterprise"].str.replace(".", "", regex=False)
    adr = kbo_src.unit_addresses(k.addresses).set_index("entity")
    own = adr.reindex(u_digits.to_numpy())
    reg = adr.reindex(e_digits.to_numpy())
    use_reg = own["postal_code"].isna().to_numpy()
    for col in ("postal_code", "commune", "commune_ambiguous"):
        est[col] = np.where(use_reg, reg[col].to_numpy(), own[col].to_numpy())
    act = kbo_src.main_activity(k.activities, year).set_index("entity")
    a_own = act.reindex(u_digits.to_numpy())
    a_ent = act.reindex(e_digits.to_numpy())
    use_ent = a_own["national_activity"].isna().to_numpy()
    est["national_activity"] = np.where(
        use_ent, a_ent["national_activity"].to_numpy(), a_own["national_activity"].to_numpy()
    )
    est["activity_nomenclature"] = np.where(
        use_ent, a_ent["activity_nomenclature"].to_numpy(), a_own["activity_nomenclature"].to_numpy()
    )
    est["activity_source"] = np.where(use_ent, "enterprise", "establishment")
    norm = codes.normalise_nacebel(pd.Series(est["national_activity"], dtype="string"))
    est["national_activity"] = norm.values.fillna(pd.Series(est["national_activity"], dtype="string"))
    return est


def belgian_year(inp: BelgianInputs, year: int, zone_arrondissements: set[str]) -> tuple[YearOutput, pd.DataFrame]:
    """Establishments of one year (zone) and the national frame (all employer units) for aggregates."""
    ref = f"{year}-12-31"
    snapshot, register = inp.register_for(year)
    others = {d: r for d, r in inp.registers.items() if r is not register}
    inp = replace(inp, kbo=register)
    units = units_frame(inp, year)
    e = inp.employment
    this = e["year"].eq(year).to_numpy()
    ey = e[this]
    m = ey.merge(units, on="unit", how="left", validate="m:1", indicator=True, suffixes=("", "_kbo"))
    m.index = ey.index
    found = m["_merge"].eq("both")
    reason = pd.Series(pd.NA, index=m.index, dtype="string")
    at = f" (export du {snapshot})" if snapshot else ""
    reason = reason.mask(~found, f"unité d'établissement absente de la BCE{at}")
    reason = reason.mask(
        reason.isna() & ~m["enterprise_found"].fillna(False).astype(bool), "entreprise absente de la BCE"
    )
    reason = reason.mask(reason.isna() & m["postal_code"].isna(), "adresse absente de la BCE")
    reason = reason.mask(reason.isna() & m["commune"].isna(), "code postal absent de la table de correspondance")
    valid = reason.isna()
    rows = m[valid].copy()
    rows["country"] = "BE"
    rows["year"] = year
    nat = rows[rows["headcount"].gt(0)]
    nat = pd.DataFrame(
        {
            "country": "BE",
            "year": year,
            "establishment_id": nat["unit"],
            "enterprise_id": nat["enterprise"],
            "reference_date": pd.Timestamp(dt.date(year, 12, 31)),
            "legal_form": nat["legal_form"].fillna(""),
            "ess_register_flag": pd.NA,
            "social_enterprise_approved": _approved(inp, nat["enterprise"], ref),
            "joint_committee": nat["joint_committee"],
            "commune": nat["commune"],
            "national_activity": nat["national_activity"],
            "activity_nomenclature": nat["activity_nomenclature"],
            "activity_source": nat["activity_source"],
            "commune_ambiguous": nat["commune_ambiguous"].astype(bool),
            **{c: nat[c] for c in ("headcount", "fte", "payroll_eur", "women", "part_time")},
            "headcount_estimated": False,
        }
    )
    national = finish_establishments(nat)
    arr = national["territory"]
    in_zone = codes.isin(arr, zone_arrondissements) | national["in_any_zone"].fillna(False).to_numpy(dtype=bool)
    est = national[in_zone].reset_index(drop=True)
    # --- accounting --------------------------------------------------------------------------
    rejects, scope, kept, raw = [inp.kbo.rejects, inp.employment_rejects], [], {}, dict(inp.kbo.rows)
    bad = m[~valid]
    rejects.append(reject_rows(bad["source_file"], bad["line"], reason[~valid], bad["unit"]))
    kept_units = set(est["establishment_id"])
    files = e["source_file"].to_numpy()
    used = this & codes.isin(e["unit"], kept_units)
    valid_this = np.zeros(len(e), dtype=bool)
    valid_this[np.flatnonzero(this)[valid.to_numpy()]] = True
    zero = valid_this & ~(e["headcount"].fillna(0).gt(0).to_numpy())
    out_zone = valid_this & ~used & ~zero
    for f, n_raw in inp.employment_rows.items():
        in_f = files == f
        raw[f] = n_raw
        kept[f] = int((used & in_f).sum())
        scope += [
            (f, "autre_annee", int((~this & in_f).sum())),
            (f, "hors_zone", int((out_zone & in_f).sum())),
            (f, "sans_emploi_fin_t4", int((zero & in_f).sum())),
        ]
    k = inp.kbo
    ent_kept = set(est["enterprise_id"])
    ids_kept = {x.replace(".", "") for x in kept_units | ent_kept}
    for stem, frame, col in (
        ("establishment", k.establishments, "EstablishmentNumber"),
        ("enterprise", k.enterprises, "EnterpriseNumber"),
        ("activity", k.activities, "entity"),
        ("address", k.addresses, "entity"),
    ):
        name = kbo_src.label(k.files[stem])
        ids = frame[col].astype("string").str.replace(".", "", regex=False)
        n_kept = int(codes.isin(ids, ids_kept).sum())
        n_rej = int((k.rejects["source_file"] == name).sum())
        kept[name] = n_kept
        scope.append((name, "non_employeur_ou_hors_zone_ou_non_retenu", raw[name] - n_kept - n_rej))
    for other in others.values():  # the exports of other dates: read, not used this year
        for name, n in other.rows.items():
            raw[name], kept[name] = n, 0
            scope.append((name, "export_bce_d_une_autre_date", n))
    if inp.approvals_file:
        a = inp.approvals
        n_kept = int(codes.isin(a["enterprise"], ent_kept).sum())
        raw[inp.approvals_file] = inp.approvals_rows
        kept[inp.approvals_file] = n_kept
        rejects.append(inp.approvals_rejects)
        scope.append(
            (inp.approvals_file, "entreprise_non_retenue", inp.approvals_rows - n_kept - len(inp.approvals_rejects))
        )
    rej, sc = year_rejects_scope(rejects, scope, "BE", year)
    return YearOutput(est, rej, sc, kept, raw), national
