"""The common recognition grid: the principles of the social economy checked on one organisation's answers.

The grid is data (``reference/recognition_grid.csv``, ``recognition_items.csv``): four principles —
the Walloon decree of 20 November 2008 names them (service to members or the community rather than
profit, autonomous management, democratic decision-making, primacy of people and labour over capital in
the distribution of income), the French law of 31 July 2014 has close conditions (a purpose other than
sharing profits, democratic governance, profits mostly kept for the activity, non-distributable
reserves) — each checked by one or more criteria on the questionnaire's items. A principle is:

- **met** when every criterion holds;
- **not met** as soon as one answered criterion fails (the others cannot save it);
- **not evidenced** when none fails but an answer is missing.

The same data generate the enterprises' self-assessment page, so the page and :func:`evaluate` agree.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache

import pandas as pd

from desir_analysis import reference

MET, NOT_MET, NOT_EVIDENCED = "met", "not_met", "not_evidenced"
#: The statuses in French, as the pages print them.
STATUS_FR = {MET: "respecté", NOT_MET: "non respecté", NOT_EVIDENCED: "non établi"}


def _missing(answer: object) -> bool:
    return answer is None or (isinstance(answer, float) and math.isnan(answer)) or str(answer).strip() == ""


def check(answer: object, test: str, value: str, item: str = "") -> bool | None:
    """One criterion on one answer: ``True`` / ``False``, ``None`` when the answer is missing.

    ``in``: the answer's code is one of ``value``'s codes (joined by ``|``); ``ge``: the number is at least
    ``value``.

    Raises:
        ValueError: a number expected and something else given (names the item).
    """
    if _missing(answer):
        return None
    if test == "in":
        return str(answer).strip() in value.split("|")
    try:
        return float(str(answer).replace(",", ".")) >= float(value)
    except ValueError:
        raise ValueError(f"{item}: nombre attendu, reçu {answer!r}") from None


@lru_cache(maxsize=1)
def _items() -> dict[str, dict]:
    """The grid's questions by id: ``type``, ``label_fr``, ``codes`` (read once)."""
    return {
        r["item"]: {
            "type": r["type"],
            "label_fr": r["label_fr"],
            "codes": list(reference.modalities(r["modalities"])) if r["type"] == "choice" else [],
        }
        for r in reference.recognition_items().to_dict(orient="records")
    }


@lru_cache(maxsize=1)
def principles() -> tuple[tuple[str, str, str, tuple[dict, ...]], ...]:
    """The principles in order: (code, French label, legal sources, criteria as records) (read once).

    The one reading of ``recognition_grid.csv`` shared by :func:`evaluate` and the self-assessment page.
    """
    grid = reference.recognition_grid()
    out = []
    for principle, crit in grid.groupby("principle", sort=False):
        sources = " ; ".join(dict.fromkeys(s for part in crit["source"] for s in part.split(" ; ")))
        out.append((principle, crit["label_fr"].iloc[0], sources, tuple(crit.to_dict(orient="records"))))
    return tuple(out)


def _validate(answers: Mapping[str, object]) -> None:
    """Refuse a code that is not one of its question's modalities (naming the question)."""
    items = _items()
    for item, answer in answers.items():
        if item not in items or _missing(answer) or items[item]["type"] != "choice":
            continue
        codes = items[item]["codes"]
        if str(answer).strip() not in codes:
            raise ValueError(f"{item}: réponse {answer!r} inconnue ; attendu l'un de {', '.join(codes)}")


def evaluate(answers: Mapping[str, object]) -> pd.DataFrame:
    """Each principle of the grid on one organisation's answers: status and why.

    Args:
        answers: question id (``recognition_items.csv``) -> the organisation's answer (a modality code,
            a number, or missing: ``None``, ``""``, NaN, or absent).

    Returns:
        One row per principle, in order: ``principle``, ``label_fr``, ``status`` (:data:`MET`,
        :data:`NOT_MET`, :data:`NOT_EVIDENCED`), ``status_fr``, ``reasons`` (the failed criteria for a
        principle not met, the unanswered questions for one not evidenced, the criteria met otherwise),
        ``source``.

    Raises:
        ValueError: an answer outside its question's modalities, or not a number where one is expected.
    """
    _validate(answers)
    items = _items()
    rows = []
    for principle, label, sources, criteria in principles():
        results = [check(answers.get(c["item"]), c["test"], c["value"], c["item"]) for c in criteria]
        failed = [c["failed_fr"] for c, r in zip(criteria, results, strict=True) if r is False]
        unanswered = [items[c["item"]]["label_fr"] for c, r in zip(criteria, results, strict=True) if r is None]
        if failed:
            status, reasons = NOT_MET, failed
        elif unanswered:
            status, reasons = NOT_EVIDENCED, [f"sans réponse : « {q} »" for q in unanswered]
        else:
            status, reasons = MET, [c["met_fr"] for c in criteria]
        rows.append(
            {
                "principle": principle,
                "label_fr": label,
                "status": status,
                "status_fr": STATUS_FR[status],
                "reasons": " ; ".join(reasons),
                "source": sources,
            }
        )
    return pd.DataFrame(rows)


def _check_column(answers: pd.Series, test: str, value: str) -> pd.Series:
    """:func:`check` on a column: 1.0 (holds), 0.0 (fails), NaN (missing)."""
    missing = answers.map(_missing)
    if test == "in":
        holds = answers.astype(object).map(lambda a: str(a).strip() in value.split("|"))
    else:
        numbers = pd.to_numeric(
            answers.astype(object).where(~missing).map(lambda a: str(a).replace(",", ".")), errors="coerce"
        )
        holds = numbers >= float(value)
    return holds.astype(float).mask(missing)


def statuses(answers: pd.DataFrame) -> pd.DataFrame:
    """:func:`evaluate` on many organisations at once (one row each): the status of every principle.

    Args:
        answers: one row per organisation, one column per question of the grid (a column may be absent:
            its answers are missing). Answers are not validated here (the questionnaire reader has).

    Returns:
        One column per principle (:data:`MET`, :data:`NOT_MET`, :data:`NOT_EVIDENCED`), same index, plus
        ``overall``: met when every principle is met, not met when one is not met, else not evidenced.
    """
    grid = reference.recognition_grid()
    out = pd.DataFrame(index=answers.index)
    for principle, crit in grid.groupby("principle", sort=False):
        checks = pd.concat(
            [
                _check_column(answers.get(c.item, pd.Series(None, index=answers.index, dtype=object)), c.test, c.value)
                for c in crit.itertuples(index=False)
            ],
            axis=1,
        )
        failed, unanswered = checks.eq(0).any(axis=1), checks.isna().any(axis=1)
        out[principle] = [
            NOT_MET if f else NOT_EVIDENCED if u else MET for f, u in zip(failed, unanswered, strict=True)
        ]
    principles = out.copy()
    out["overall"] = [
        MET if (r == MET).all() else NOT_MET if (r == NOT_MET).any() else NOT_EVIDENCED for r in principles.to_numpy()
    ]
    return out


def recognised(result: pd.DataFrame) -> bool:
    """Whether an organisation meets the common definition: every principle met (:func:`evaluate`)."""
    return bool(result["status"].eq(MET).all())


__all__ = ["MET", "NOT_EVIDENCED", "NOT_MET", "STATUS_FR", "check", "evaluate", "principles", "recognised", "statuses"]
