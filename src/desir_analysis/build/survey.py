"""The questionnaire through the build: ``survey/`` read and checked, written as processed tables of its year.

Layout (``data/raw/README.md``, « Survey »): ``survey/codebook.csv`` and ``survey/responses_<year>.csv`` (the
year the organisations answered, the edition it serves; a responses file without a year in its name serves
every year built). The responses are checked against the codebook (:mod:`desir_analysis.sources.survey`):
a bad answer stops the build with one line, or excludes the respondent and is counted
(``survey_exclusions``), never silently. The processed tables:

- ``survey_responses``: one row per kept respondent (``id``, ``country``, ``family``, ``size_band``,
  ``line``, one column per question: text codes, a multiple choice joined with ``|``, numbers as floats);
- ``survey_codebook``: ``question``, ``label_fr``, ``label_nl``, ``type``, ``modalities`` (``code=label|…``),
  ``mandatory``;
- ``survey_exclusions``: ``source_file``, ``line``, ``record_id``, ``column``, ``reason``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from desir_analysis.build.errors import BuildError
from desir_analysis.build.inputs import name_years
from desir_analysis.sources import survey as survey_files

FOLDER = "survey"
CODEBOOK = "codebook.csv"
TABLES = ("survey_responses", "survey_codebook", "survey_exclusions")


def files(raw_dir: Path) -> list[Path]:
    """The questionnaire's raw files: the codebook and the responses files (none without a codebook)."""
    folder = raw_dir / FOLDER
    if not (folder / CODEBOOK).is_file():
        return []
    return [folder / CODEBOOK, *sorted(p for p in folder.glob("responses*.csv") if p.is_file())]


def responses_of_year(raw_dir: Path, year: int) -> Path | None:
    """The responses file of ``year``: the one whose name carries the year, else one without a year in its name."""
    found = [p for p in files(raw_dir)[1:] if year in name_years(p)]
    found = found or [p for p in files(raw_dir)[1:] if not name_years(p)]
    if len(found) > 1:
        raise BuildError(f"{raw_dir / FOLDER}: several responses files for {year}: {[p.name for p in found]}")
    return found[0] if found else None


def codebook_table(codebook: pd.DataFrame) -> pd.DataFrame:
    """The checked codebook as a flat table (``modalities`` written back as ``code=label|…``)."""
    flat = codebook.assign(modalities=codebook["codes"].map(lambda c: "|".join(f"{k}={v}" for k, v in c.items())))
    return flat[["question", "label_fr", "label_nl", "type", "modalities", "mandatory"]].reset_index(drop=True)


def read_year(raw_dir: Path, year: int) -> dict[str, pd.DataFrame]:
    """The processed survey tables of ``year`` (empty when no responses file serves it).

    Raises:
        RawFileError: a bad codebook or responses file (one line: file, line, column, what was expected).
    """
    path = responses_of_year(raw_dir, year)
    if path is None:
        return {}
    codebook = survey_files.read_codebook(raw_dir / FOLDER / CODEBOOK)
    responses, exclusions = survey_files.read_responses(path, codebook)
    return {
        "survey_responses": responses,
        "survey_codebook": codebook_table(codebook),
        "survey_exclusions": exclusions,
    }


def record(tables: dict[str, pd.DataFrame], raw_dir: Path, year: int) -> dict:
    """The survey's line of the year's provenance: its file, rows read, kept and excluded (by reason)."""
    if not tables:
        return {}
    path = responses_of_year(raw_dir, year)
    excl = tables["survey_exclusions"]
    kept = len(tables["survey_responses"])
    return {
        "file": path.relative_to(raw_dir).as_posix() if path else "",
        "rows": kept + len(excl),
        "kept": kept,
        "excluded": {str(k): int(v) for k, v in excl.groupby("reason").size().items()} if len(excl) else {},
    }


__all__ = ["CODEBOOK", "FOLDER", "TABLES", "codebook_table", "files", "read_year", "record", "responses_of_year"]
