"""The quality annex's tables: what happened to every raw line, where the data come from, what is unknown.

Raw lines = kept + rejected + out of scope, for each file (the build refuses a year
where they do not add up); rejected lines are listed row by row in ``rejects.parquet``
and counted here by reason; out-of-scope lines are counted by reason.
"""

from __future__ import annotations

import pandas as pd

from desir_analysis.analysis.suppression import Rules
from desir_analysis.reference import classify


def line_accounting(provenance: dict) -> pd.DataFrame:
    """Per raw file: raw lines, kept, rejected, out of scope, and whether they add up (« oui » / « NON »)."""
    acc = pd.DataFrame(provenance["accounting"])
    acc = acc[["country", "source_file", "raw_rows", "kept", "rejected", "out_of_scope", "balanced"]]
    acc["balanced"] = acc["balanced"].map({True: "oui", False: "NON"})
    acc.columns = ["Pays", "Fichier", "Lignes brutes", "Retenues", "Rejetées", "Hors champ", "Équilibre"]
    return acc


def rejects_by_reason(rejects: pd.DataFrame) -> pd.DataFrame:
    """Rejected lines counted by country, file and reason."""
    rr = rejects.groupby(["country", "source_file", "reason"]).size().rename("Lignes").reset_index()
    rr.columns = ["Pays", "Fichier", "Motif de rejet", "Lignes"]
    return rr


def scope_by_reason(scope: pd.DataFrame, reason_labels: dict[str, str]) -> pd.DataFrame:
    """Out-of-scope lines by country, file and reason (reasons in words: ``reason_labels``, code when absent)."""
    sc = scope[["country", "source_file", "reason", "n_records"]].copy()
    sc["reason"] = sc["reason"].map(lambda r: reason_labels.get(r, r))
    sc.columns = ["Pays", "Fichier", "Motif hors champ", "Lignes"]
    return sc


#: A vintage the raw file and its ``source.json`` do not give.
UNSTATED = "non précisé"


def sources(provenance: dict) -> pd.DataFrame:
    """One row per raw file used: path, its source and producer, what it measures and when, licence, SHA-256.

    From the provenance of the processed year (each file's source kind, ``reference/sources.csv``,
    :func:`desir_analysis.build.inputs.source_meta`): the files actually read for that year only.
    """
    return pd.DataFrame(
        [
            {
                "Fichier": f["path"],
                "Source": f.get("title", ""),
                "Producteur": f.get("publisher", ""),
                "Ce qu'il donne": f.get("measure", ""),
                "Date de référence": f.get("reference", ""),
                "Millésime": f.get("vintage") or UNSTATED,
                "Licence": f.get("licence", ""),
                "SHA-256": f["sha256"][:16] + "…",
            }
            for f in provenance["files"]
        ],
        columns=[
            "Fichier",
            "Source",
            "Producteur",
            "Ce qu'il donne",
            "Date de référence",
            "Millésime",
            "Licence",
            "SHA-256",
        ],
    )


def estimated_headcounts(establishments: pd.DataFrame) -> pd.DataFrame:
    """Establishments whose headcount is estimated from the size band, by country, and all establishments."""
    t = establishments.groupby("country")["headcount_estimated"].agg(["sum", "size"]).reset_index()
    t.columns = ["country", "Établissements à effectif estimé", "Établissements"]
    return t


def unclassified_codes(establishments: pd.DataFrame) -> pd.DataFrame:
    """Codes that could not be classified (family, sector or territory unknown): counts and examples."""
    issues = classify.classification_issues(establishments)
    issues.columns = ["Champ", "Pays", "Lignes", "Codes distincts", "Exemples"]
    return issues


#: The rows of :func:`existence_rule_gap`, in words.
RULE_GAP_ROWS = {
    "only_zone_rule": "Retenus par la seule règle de la zone (historique)",
    "only_national_rule": "Retenus par la seule règle des agrégats nationaux (stock)",
    "sector_differs": "Retenus par les deux, secteur regroupé différent",
}


def existence_rule_gap(provenance: dict, rules: Rules | None = None) -> pd.DataFrame | None:
    """The zone rows' rule of « exists at 31 December » against the national aggregates', measured on the zone.

    French side only (Belgium: one rule, the ONSS extract and the register, for both). Per row: the
    establishments and their share of the zone's employer establishments, and the share of the zone's
    jobs, ``100 × jobs of the row / jobs of the zone``, left blank (secret) when the row holds fewer
    than ``rules.min_units`` enterprises or one enterprise above ``rules.dominance`` of its jobs.
    ``None`` when the zone rows use the stock rule too (no history file): the rules are then one.
    """
    gap = (provenance.get("existence_rule") or {}).get("gap_fr")
    if not gap:
        return None
    rules = rules or Rules()
    kept = gap["kept"]
    rows = []
    for key, label in RULE_GAP_ROWS.items():
        g = gap[key]
        hidden = g["jobs"] > 0 and (g["enterprises"] < rules.min_units or g["top_share"] > rules.dominance)
        rows.append(
            {
                "Écart": label,
                "Établissements employeurs": g["establishments"],
                "Part des établissements de la zone (%)": 100 * g["establishments"] / max(kept["establishments"], 1),
                "Part des postes de la zone (%)": None if hidden else 100 * g["jobs"] / max(kept["jobs"], 1.0),
                "status": "primary" if hidden else "published",
            }
        )
    return pd.DataFrame(rows)
