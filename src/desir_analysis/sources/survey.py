"""Questionnaire exports: the codebook and the responses, validated against each other.

Layout (``data/raw/README.md``, « Survey »): ``survey/codebook.csv`` — one row per question:
``question`` (column name in the responses), ``label_fr``, ``label_nl`` (optional), ``type``
(``single``, ``multiple``, ``likert``, ``number``), ``modalities`` (``code=label|code=label…``; empty for a
number), ``mandatory`` (``oui``/``non``), ``on_error`` (optional: ``error``, the default, or ``exclude``);
``survey/responses.csv`` — one row per responding establishment: ``id``, ``country`` (FR/BE),
``family``, ``size_band``, then one column per question (a multiple choice joins its codes with ``|``).

An unknown modality, a number that is not one, or a missing mandatory answer stops the reading with one
line naming the file, line and column and what was expected — or, when the question's ``on_error`` is
``exclude``, removes the respondent and counts it (file, line, column, reason), never silently.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from desir_analysis.reference import modalities
from desir_analysis.sources.csvfile import RawFileError, text_io

TYPES = ("single", "multiple", "likert", "number")
CODEBOOK_COLUMNS = ("question", "label_fr", "type", "modalities", "mandatory")
RESPONSE_KEYS = ("id", "country", "family", "size_band")
YES_NO = {"oui": True, "non": False}


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with text_io(path) as fh:
        reader = csv.DictReader(fh)
        rows = [{k: (v or "").strip() for k, v in r.items() if k is not None} for r in reader]
        return list(reader.fieldnames or []), rows


def read_codebook(path: Path) -> pd.DataFrame:
    """The codebook, checked: one row per question with ``modalities`` parsed (``codes``), booleans typed.

    Raises:
        RawFileError: a missing column, a duplicated question, an unknown type, a choice without
            modalities, ``mandatory`` or ``on_error`` not among their values (file, line, column).
    """
    header, rows = _rows(path)
    missing = [c for c in CODEBOOK_COLUMNS if c not in header]
    if missing:
        expected = ", ".join(CODEBOOK_COLUMNS)
        raise RawFileError(f"{path}: line 1: missing column(s) {', '.join(missing)}; expected {expected}")
    seen: set[str] = set()
    out = []
    for line, r in enumerate(rows, start=2):
        where = f"{path}: line {line}"
        if not r["question"] or r["question"] in seen or r["question"] in RESPONSE_KEYS:
            raise RawFileError(f"{where}, column question: {r['question']!r} empty, repeated or reserved")
        seen.add(r["question"])
        if r["type"] not in TYPES:
            raise RawFileError(f"{where}, column type: {r['type']!r}; expected one of {', '.join(TYPES)}")
        codes = modalities(r["modalities"])
        if r["type"] != "number" and not codes:
            raise RawFileError(f"{where}, column modalities: empty; expected code=label|code=label for a {r['type']}")
        if r["mandatory"] not in YES_NO:
            raise RawFileError(f"{where}, column mandatory: {r['mandatory']!r}; expected oui or non")
        on_error = r.get("on_error") or "error"
        if on_error not in ("error", "exclude"):
            raise RawFileError(f"{where}, column on_error: {on_error!r}; expected error or exclude")
        out.append(
            {
                "question": r["question"],
                "label_fr": r["label_fr"],
                "label_nl": r.get("label_nl", ""),
                "type": r["type"],
                "codes": codes,
                "mandatory": YES_NO[r["mandatory"]],
                "on_error": on_error,
            }
        )
    return pd.DataFrame(out)


def _problem(value: str, q: pd.Series) -> str | None:
    """Why an answer does not fit its question (``None`` when it does; an empty answer is checked elsewhere)."""
    if q["type"] == "number":
        try:
            float(value.replace(",", "."))
        except ValueError:
            return f"{value!r} n'est pas un nombre"
        return None
    given = value.split("|") if q["type"] == "multiple" else [value]
    unknown = [v for v in given if v not in q["codes"]]
    if unknown:
        return f"modalité inconnue {unknown[0]!r} ; attendu l'une de {', '.join(q['codes'])}"
    return None


def read_responses(path: Path, codebook: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The responses, each answer checked against the codebook.

    Returns:
        The responses (``line`` added; numbers as floats, an empty answer NaN) and the exclusions
        (``source_file``, ``line``, ``record_id``, ``column``, ``reason``) of the questions whose
        ``on_error`` is ``exclude``.

    Raises:
        RawFileError: a missing key or question column, a repeated id, a country other than FR/BE, or an
            answer that does not fit a question whose ``on_error`` is ``error`` (file, line, column).
    """
    header, rows = _rows(path)
    missing = [c for c in (*RESPONSE_KEYS, *codebook["question"]) if c not in header]
    if missing:
        raise RawFileError(f"{path}: line 1: missing column(s) {', '.join(missing)} (keys and codebook questions)")
    questions = codebook.set_index("question")
    kept, excluded, ids = [], [], set()
    for line, r in enumerate(rows, start=2):
        where = f"{path}: line {line}"
        if not r["id"] or r["id"] in ids:
            raise RawFileError(f"{where}, column id: {r['id']!r} empty or repeated")
        ids.add(r["id"])
        if r["country"] not in ("FR", "BE"):
            raise RawFileError(f"{where}, column country: {r['country']!r}; expected FR or BE")
        reason = None
        for name, q in questions.iterrows():
            value = r[name]
            why = ("réponse obligatoire manquante" if q["mandatory"] else None) if value == "" else _problem(value, q)
            if why is None:
                continue
            if q["on_error"] == "error":
                raise RawFileError(f"{where}, column {name}: {why}")
            reason = reason or (name, why)
        if reason:
            excluded.append(
                {"source_file": path.name, "line": line, "record_id": r["id"], "column": reason[0], "reason": reason[1]}
            )
            continue
        kept.append({**{k: r[k] for k in RESPONSE_KEYS}, "line": line, **{q: r[q] for q in questions.index}})
    out = pd.DataFrame(kept, columns=[*RESPONSE_KEYS, "line", *questions.index])
    for name, q in questions.iterrows():
        col = out[name].replace("", np.nan)
        out[name] = pd.to_numeric(col.str.replace(",", "."), errors="raise") if q["type"] == "number" else col
    exclusions = pd.DataFrame(excluded, columns=["source_file", "line", "record_id", "column", "reason"])
    return out, exclusions


__all__ = ["CODEBOOK_COLUMNS", "RESPONSE_KEYS", "TYPES", "modalities", "read_codebook", "read_responses"]
