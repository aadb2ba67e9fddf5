"""Sentences of the reports computed from published numbers (French)."""

from __future__ import annotations

import math

import pandas as pd

from desir_analysis import reference
from desir_analysis.analysis.disclosure import TOTAL
from desir_analysis.analysis.evolution import Series, periods, yearly_growth
from desir_analysis.publish import labels
from desir_analysis.publish.tables import format_number
from desir_analysis.reference import membership

fmt = format_number


def growth_sentence(growth: pd.Series, what: str = "les postes de l'ESS") -> str:
    """The growth of a series in one sentence (« Entre 2015 et 2023, … passent de … à …, soit … % par an »).

    Args:
        growth: ``start``, ``end``, ``start_value``, ``end_value``, ``cagr_pct``
            (:func:`desir_analysis.analysis.derived.growth_between_ends`).
        what: the subject of the sentence.

    Returns:
        The sentence (Markdown, numbers in bold); without the yearly rate when it is
        undefined (zero start value); an empty string for fewer than two years.
    """
    if any(pd.isna(growth.get(k)) for k in ("start", "end", "start_value", "end_value")):
        return ""
    text = (
        f"Entre {int(growth['start'])} et {int(growth['end'])}, {what} passent de "
        f"**{format_number(growth['start_value'])}** à **{format_number(growth['end_value'])}**"
    )
    rate = growth.get("cagr_pct")
    if rate is None or (isinstance(rate, float) and math.isnan(rate)):
        return text + "."
    return text + f", soit **{format_number(float(rate), 1)} %** par an en moyenne."


def activity_versions(year: int, versions: dict[str, str] | None = None) -> str:
    """Which activity nomenclature an edition classifies with, per country (« NAF rév. 2 (NACE Rév. 2) … »).

    ``versions``: the processed year's ``series_versions`` (``provenance.json``); without them, the
    versions in force at 31 December of ``year`` (:func:`reference.versions_in_force`, the build's rule).
    """
    v = versions if versions is not None else reference.versions_in_force(year, ["FR", "BE"])
    keys = (("activity_fr", "FR"), ("activity_be", "BE"))
    parts = [f"**{v[key]}** ({labels.COUNTRY_FR[c]})" for key, c in keys if key in v]
    return f"Édition {year} : activités classées en " + " ; ".join(parts) + "." if parts else ""


def break_sentence(s: Series, country: str) -> str:
    """Why a territory's growth starts where it does, and the years its sources do not cover (``""``: nothing to say).

    « Évolution mesurée depuis 2017 : rupture de série en 2017 (CLAP → Flores, non comparable).
    Non disponible en 2016 (aucune source). »
    """
    mine = s.breaks[s.breaks["country"].eq(country) & ~s.breaks["comparable"] & s.breaks["affects"].eq("jobs")]
    why = mine[mine["first_year"].eq(s.start(country))]["label"]
    text = (
        f"Évolution mesurée depuis **{s.start(country)}** : rupture de série en {s.start(country)} "
        f"({', '.join(why)}, non comparable avec les années d'avant)."
        if len(why)
        else ""
    )
    gaps = [y for y in s.years if country not in s.coverage.get(y, {country})]
    if gaps:
        text += f" Non disponible en {', '.join(map(str, gaps))} (aucune source ne couvre ces années)."
    return text.strip()


def periods_words(spans: dict[str, tuple[int, int]]) -> str:
    """« France 2017-2023, Belgique 2019-2023 »: each country's period of comparable evolution."""
    return ", ".join(f"{labels.COUNTRY_FR.get(c, c)} {a}-{b}" for c, (a, b) in sorted(spans.items())) or "—"


def _finding(what: str, where: str, indicator: str) -> dict[str, str]:
    return {"Constat": what, "Où": where, "Indicateur": indicator}


def strengths_weaknesses(
    sectors: pd.DataFrame,
    territories: pd.DataFrame,
    s: Series,
    shift: pd.DataFrame | None,
    shift_years: tuple[int, int],
) -> pd.DataFrame:
    """Findings drawn from the published tables only: specialisation, ESS share, growth, local dynamics.

    - the 3 highest and 2 lowest location quotients by sector (:func:`derived.sector_specialisation`);
    - the 2 highest and 2 lowest ESS shares of salaried jobs by territory (:func:`derived.ess_share`);
    - the 2 fastest and 2 slowest yearly growth rates by territory over its country's comparable period
      (:func:`evolution.yearly_growth`);
    - the 2 strongest and 2 weakest local effects of the shift-share.
    """
    country, sector, terr = labels.COUNTRY_FR, labels.sector_fr(), labels.territory_fr()
    rows = []
    lq_col = "Quotient de localisation (zone / pays)"
    st = sectors.dropna(subset=[lq_col]).assign(_name=lambda d: d["sector_group"].map(sector))
    st = st.sort_values(["country", "_name"], ignore_index=True)  # ties ranked as in the published table
    for what, picked in (
        ("Secteur sur-représenté dans l'ESS de la zone", st.sort_values(lq_col, ascending=False).head(3)),
        ("Secteur sous-représenté dans l'ESS de la zone", st.sort_values(lq_col).head(2)),
    ):
        for _, r in picked.iterrows():
            where = f"{country[r['country']]} — {r['_name']}"
            rows.append(_finding(what, where, f"quotient de localisation {fmt(r[lq_col], 2)}"))
    share_col = "Part dans l'emploi total (%)"
    ts = territories[territories["nuts3"].ne(TOTAL)].dropna(subset=[share_col])
    ts = ts.assign(_name=ts["nuts3"].map(terr)).sort_values("_name", ignore_index=True)
    for what, asc in (("Part de l'ESS la plus forte", False), ("Part de l'ESS la plus faible", True)):
        for _, r in ts.sort_values(share_col, ascending=asc).head(2).iterrows():
            rows.append(_finding(what, r["_name"], f"{fmt(r[share_col], 1)} % de l'emploi salarié"))
    cagr = yearly_growth(s)
    if len(cagr):
        spans = {terr.get(t, t): "{}-{}".format(*periods(s)[t[:2]]) for t in cagr.index}
        cagr = cagr.rename(index=terr).sort_index()
        for what, picked in (
            ("Croissance la plus forte", cagr.nlargest(2)),
            ("Croissance la plus faible", cagr.nsmallest(2)),
        ):
            for t, v in picked.items():
                rows.append(_finding(what, t, f"{fmt(v, 1)} % par an ({spans[t]})"))
    if shift is not None:
        local = shift[shift["sector_group"].ne(TOTAL)].dropna(subset=["Effet local"])
        local = local.assign(_name=local["sector_group"].map(sector)).sort_values(["country", "_name"])
        start, end = shift_years
        for what, picked in (
            ("Dynamisme propre à la zone le plus fort", local.nlargest(2, "Effet local")),
            ("Dynamisme propre à la zone le plus faible", local.nsmallest(2, "Effet local")),
        ):
            for _, r in picked.iterrows():
                rows.append(
                    _finding(
                        what,
                        f"{country[r['country']]} — {r['_name']}",
                        f"effet local {fmt(r['Effet local'], 0)} postes ({start}-{end})",
                    )
                )
    return pd.DataFrame(rows)


def countries(provenance: dict, present: set[str]) -> str:
    """« France et Belgique »: the countries built (provenance order) that the study has rows of."""
    return " et ".join(labels.COUNTRY_FR[c] for c in provenance.get("countries", []) if c in present)


def coverage(perimeter: str) -> str:
    """What the perimeter compares: one definition for both countries, each country's own, or one country only."""
    names = labels.perimeter_fr()
    parts = reference.components(perimeter)
    if parts:
        each = " ; ".join(f"{labels.COUNTRY_FR[c]} : {names[p]}" for c, p in parts.items())
        return (
            f"Chaque pays est classé selon **sa propre définition** ({each}) : un écart entre pays mêle "
            "les différences d'économie et de définition (le socle transfrontalier commun les compare à "
            "définition égale)."
        )
    covered = membership.countries(perimeter)
    if len(covered) == 1:
        other = " et ".join(f"la {labels.COUNTRY_FR[c]}" for c in labels.COUNTRY_FR if c not in covered)
        return (
            f"Ce périmètre ne couvre que la **{labels.COUNTRY_FR[covered[0]]}** : {other} n'est pas étudiée "
            "et les comparaisons entre pays sont omises (périmètre `national` ou socle transfrontalier "
            "commun pour comparer)."
        )
    return "Les deux pays sont classés par la même définition commune (note « Définition commune de l'ESS »)."
