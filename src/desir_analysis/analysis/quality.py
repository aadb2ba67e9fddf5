"""The quality annex's tables: what happened to every raw line, where the data come from, what is unknown.

Raw lines = kept + rejected + out of scope, for each file (the build refuses a year
where they do not add up); rejected lines are listed row by row in ``rejects.parquet``
and counted here by reason; out-of-scope lines are counted by reason.
"""

from __future__ import annotations

import pandas as pd

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


def sources(provenance: dict) -> pd.DataFrame:
    """One row per raw file used: path, producer, vintage, licence, start of its SHA-256."""
    return pd.DataFrame(
        [
            {
                "Fichier": f["path"],
                "Producteur": f.get("publisher", ""),
                "Millésime": f.get("vintage", ""),
                "Licence": f.get("licence", ""),
                "SHA-256": f["sha256"][:16] + "…",
            }
            for f in provenance["files"]
        ]
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
