"""French labels of codes for reports (families, sector groups, territories, perimeters)."""

from __future__ import annotations

import pandas as pd

from desir_analysis import reference

FAMILY_FR = {
    "association": "Associations",
    "cooperative": "Coopératives",
    "mutual": "Mutuelles",
    "foundation": "Fondations",
    "other_nonprofit": "Autres organismes privés non lucratifs",
    "ess_company": "Sociétés commerciales de l'ESS",
    "non_ess": "Hors ESS",
    "unknown": "Inconnue",
}
FAMILY_ORDER = list(FAMILY_FR)
SIZE_FR = {
    "1-9": "1 à 9 postes",
    "10-49": "10 à 49",
    "50-249": "50 à 249",
    "250+": "250 et plus",
    "unknown": "Inconnue",
}
COUNTRY_FR = {"FR": "France", "BE": "Belgique"}


def sector_fr() -> dict[str, str]:
    """Sector group code -> French label."""
    g = reference.sector_groups()
    return dict(zip(g["sector_group"], g["label_fr"], strict=True))


def territory_fr() -> dict[str, str]:
    """NUTS3 code -> French territory label (département or arrondissement)."""
    t = reference.territories()
    t = t[t["level"] != "commune"]
    return dict(zip(t["nuts3"], t["label_fr"].str.replace("Arrondissement d(e |')", "", regex=True), strict=False))


def zone_fr() -> dict[str, str]:
    """Zone name -> French name (``zones.csv``: the captions' territory)."""
    z = reference.zones()
    return dict(zip(z["zone"], z["label_fr"], strict=True))


def zone_short_fr() -> dict[str, str]:
    """Zone name -> short French name (the référentiel's captions)."""
    z = reference.zones()
    return dict(zip(z["zone"], z["label_short_fr"], strict=True))


#: How an edition's jobs were obtained (the build's mode).
MODE_FR = {
    "employment": "mesurés (extraits d'emploi)",
    "public": "estimés (tranche d'effectif Sirene)",
}


def perimeter_fr() -> dict[str, str]:
    """Perimeter name -> French label."""
    p = reference.perimeters()
    return dict(zip(p["perimeter"], p["label_fr"], strict=True))


def relabel(frame: pd.DataFrame, column: str, mapping: dict[str, str]) -> pd.Series:
    """Map codes to labels, keeping the total marker and unknown codes as they are."""
    return frame[column].map(lambda v: mapping.get(v, v))


#: Reasons of the ``scope`` table (build) -> French wording for the quality annex.
SCOPE_FR = {
    "autre_annee": "autre année",
    "autre_etablissement_ou_autre_periode": "période d'un établissement hors champ ou d'une autre date",
    "entreprise_non_retenue": "entreprise non retenue",
    "ferme_au_31_12": "établissement fermé au 31 décembre",
    "hors_zone": "hors de la zone d'étude",
    "non_employeur": "établissement non employeur",
    "export_bce_d_une_autre_date": "export BCE d'une autre date (chaque année prend celui de son temps)",
    "ligne_emploi_rejetee": "établissement dont la ligne d'emploi est rejetée (voir les rejets)",
    "non_employeur_ou_hors_zone_ou_non_retenu": "unité non employeuse, hors zone ou non retenue",
    "non_rattachee_a_un_etablissement_retenu": "unité légale sans établissement retenu",
    "sans_emploi_au_31_12_ou_etablissement_exclu": "sans emploi au 31 décembre ou établissement exclu",
    "sans_emploi_fin_t4": "sans emploi à la fin du 4e trimestre",
}


#: Code columns of the analysis -> French headings of the published tables.
COLUMNS_FR = {
    "country": "Pays",
    "nuts3": "Territoire",
    "ess_family": "Famille",
    "sector_group": "Secteur",
    "size_band": "Taille",
    "field": "Champ",
    "ps_segment": "Segment",
    "provider": "Prestataire",
}
FIELD_FR = {"ess": "ESS", "non_ess": "Hors ESS"}
SEGMENT_FR = {
    "elderly": "Aide à domicile aux personnes âgées et handicapées",
    "childcare": "Garde d'enfants",
    "household": "Services aux ménages (entretien, titres-services)",
}
PROVIDER_FR = {**FAMILY_FR, "public": "Organismes publics", "company": "Entreprises privées hors ESS"}
TOTAL = "Total"


def value_labels(column: str) -> dict[str, str]:
    """Code -> French label of the values of a code column (:data:`COLUMNS_FR`)."""
    return {
        "country": lambda: COUNTRY_FR,
        "nuts3": territory_fr,
        "ess_family": lambda: FAMILY_FR,
        "sector_group": sector_fr,
        "size_band": lambda: SIZE_FR,
        "field": lambda: FIELD_FR,
        "ps_segment": lambda: SEGMENT_FR,
        "provider": lambda: PROVIDER_FR,
    }[column]()


def _sort_key(rank: dict[str, int], names: dict[str, str]):
    """Sort key of a code column: margins last, then the natural rank (size bands), then the label."""
    return lambda s: s.map(lambda v: (v == TOTAL, rank.get(v, 0), names.get(v, v)))


def _rank(column: str) -> dict[str, int]:
    return {code: i for i, code in enumerate(SIZE_FR)} if column == "size_band" else {}


def publishable(
    frame: pd.DataFrame,
    *,
    total: str = TOTAL,
    overrides: dict[str, dict[str, str]] | None = None,
    sort: bool = True,
) -> pd.DataFrame:
    """A table of the analysis (code columns) as published: French headings and labels, margins last.

    Rows are sorted by the code columns in their order (margins last, size bands in
    their natural order, other values by label); then codes become labels (a code
    without label stays as it is), the margin marker becomes ``total`` and the code
    columns get their French headings. ``overrides`` replaces some labels of a column.
    """
    cols = [c for c in frame.columns if c in COLUMNS_FR]
    if not cols:
        return frame
    names = {c: {**value_labels(c), **(overrides or {}).get(c, {})} for c in cols}
    out = frame
    if sort:
        for c in reversed(cols):
            out = out.sort_values(c, key=_sort_key(_rank(c), names[c]), kind="stable")
        out = out.reset_index(drop=True)
    out = out.assign(**{c: out[c].map(lambda v, lab=names[c]: total if v == TOTAL else lab.get(v, v)) for c in cols})
    return out.rename(columns={c: COLUMNS_FR[c] for c in cols})
