"""Named ESS perimeters, resolved from the families and flags of the processed tables.

A perimeter is data, not code: its row in ``reference/perimeters.csv`` and its legal
forms in ``reference/perimeter_membership.csv``, where each form is ``yes``,
``if_ess_flag`` (member when the Sirene unit carries
``economieSocialeSolidaireUniteLegale = O``) or ``if_approved`` (member when the
Belgian cooperative is CNC-approved / recognised as a social enterprise); a form
not listed is not a member. Rows of a country outside the perimeter's countries are
never members. Perimeters that apply the activity exclusions drop rows with
``activity_excluded``. A composite perimeter (``components = FR=insee|BE=concertes``)
takes each country's rows by that country's own perimeter.
"""

from __future__ import annotations

import pandas as pd

from desir_analysis import reference

FLAG_TRUE = {"O", "o", "true", "True", "1", "Y", "y", "yes"}


def list_perimeters() -> pd.DataFrame:
    """The named perimeters with version, countries, exclusion rule and description."""
    return reference.perimeters()


def _perimeter_row(name: str) -> pd.Series:
    table = reference.perimeters().set_index("perimeter")
    if name not in table.index:
        raise ValueError(f"unknown perimeter {name!r}; expected one of {sorted(table.index)}")
    return table.loc[name]


def countries(name: str) -> list[str]:
    """The countries a perimeter covers (``perimeters.csv``: ``FR``, ``BE`` or ``FR|BE``)."""
    return str(_perimeter_row(name)["countries"]).split("|")


def _flag(series: pd.Series) -> pd.Series:
    """True where a nullable flag column (``O``/``N``, bool) says yes; missing -> False."""
    if pd.api.types.is_bool_dtype(series):
        return series.fillna(False).astype(bool)
    return series.astype("string").isin(FLAG_TRUE).fillna(False).astype(bool)


def membership_rule(frame: pd.DataFrame, name: str) -> pd.Series:
    """Perimeter value of each row's legal form (yes|no|if_ess_flag|if_approved; not listed -> no)."""
    m = reference.perimeter_membership()
    ref = m.loc[m["perimeter"] == name, ["country", "legal_form", "membership"]].rename(columns={"membership": "_rule"})
    keys = frame[["country", "legal_form"]].astype("string")
    rule = keys.merge(ref, on=["country", "legal_form"], how="left", validate="m:1")
    return pd.Series(rule["_rule"].fillna("no").to_numpy(), index=frame.index, dtype="string")


def in_perimeter(frame: pd.DataFrame, name: str) -> pd.Series:
    """Boolean mask of the rows of ``frame`` that belong to perimeter ``name``.

    Needs ``country``, ``legal_form`` and, where the perimeter uses them,
    ``ess_register_flag``, ``social_enterprise_approved`` and ``activity_excluded``
    (processed-table contract). Formula: member = rule(legal form) satisfied
    ∧ country ∈ countries(perimeter) ∧ ¬(applies exclusions ∧ activity_excluded).
    """
    meta = _perimeter_row(name)
    parts = reference.components(name)
    if parts:  # composite: each country by its own perimeter
        member = pd.Series(False, index=frame.index)
        for country, base in parts.items():
            member |= frame["country"].eq(country).fillna(False) & in_perimeter(frame, base)
        return member.astype(bool)
    rule = membership_rule(frame, name)
    ess_flag = _flag(frame["ess_register_flag"]) if "ess_register_flag" in frame else False
    approved = _flag(frame["social_enterprise_approved"]) if "social_enterprise_approved" in frame else False
    member = rule.eq("yes") | (rule.eq("if_ess_flag") & ess_flag) | (rule.eq("if_approved") & approved)
    member &= frame["country"].isin(str(meta["countries"]).split("|"))
    if bool(meta["applies_activity_exclusions"]):
        if "activity_excluded" not in frame:
            raise KeyError(f"perimeter {name!r} applies activity exclusions: column 'activity_excluded' is needed")
        member &= ~frame["activity_excluded"].fillna(False).astype(bool)
    return member.fillna(False).astype(bool)


def reconcile_perimeters(
    frame: pd.DataFrame, a: str, b: str, by: str = "ess_family", value: str | None = None
) -> pd.DataFrame:
    """What perimeter ``b`` adds to or removes from perimeter ``a``, by ``by`` (default family).

    Returns one row per group with ``in_a``, ``in_b``, ``both``, ``removed`` (in a,
    not b), ``added`` (in b, not a); counts of rows, or sums of ``value`` when
    given (e.g. ``headcount``). Identity: ``in_b = in_a - removed + added``.
    """
    ma, mb = in_perimeter(frame, a), in_perimeter(frame, b)
    w = frame[value].astype("float64") if value else pd.Series(1, index=frame.index, dtype="int64")
    parts = pd.DataFrame(
        {
            by: frame[by].astype("string").fillna("unknown"),
            "in_a": w.where(ma, 0),
            "in_b": w.where(mb, 0),
            "both": w.where(ma & mb, 0),
            "removed": w.where(ma & ~mb, 0),
            "added": w.where(~ma & mb, 0),
        }
    )
    out = parts.groupby(by, sort=True).sum().reset_index()
    out = out[(out[["in_a", "in_b"]] != 0).any(axis=1)].reset_index(drop=True)
    total = out.drop(columns=by).sum().to_frame().T
    total.insert(0, by, "Total")
    out = pd.concat([out, total], ignore_index=True)
    out.insert(0, "perimeter_b", b)
    out.insert(0, "perimeter_a", a)
    return out


def reference_membership_counts() -> pd.DataFrame:
    """Number of official legal-form codes per country, family and perimeter value.

    Counts the codes (not establishments) of ``legal_forms.csv`` for which each
    perimeter says ``yes`` or a conditional value; the base line of the
    perimeter decisions.
    """
    lf = reference.legal_forms()
    names = reference.base_perimeters()
    long = lf.melt(id_vars=["country", "ess_family"], value_vars=names, var_name="perimeter", value_name="membership")
    long = long[long["membership"] != "no"]
    for name in reference.perimeter_names():  # a composite counts each country's forms by its component
        for country, base in reference.components(name).items():
            part = long[(long["perimeter"] == base) & (long["country"] == country)]
            long = pd.concat([long, part.assign(perimeter=name)], ignore_index=True)
    out = long.groupby(["perimeter", "country", "ess_family", "membership"]).size().rename("n_codes").reset_index()
    return out.sort_values(["perimeter", "country", "ess_family", "membership"], ignore_index=True)
