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


def _validate(answers: Mapping[str, object]) -> None:
    """Refuse a code that is not one of its question's modalities (naming the question)."""
    items = reference.recognition_items().set_index("item")
    for item, answer in answers.items():
        if item not in items.index or _missing(answer) or items.loc[item, "type"] != "choice":
            continue
        codes = [m.split("=", 1)[0] for m in items.loc[item, "modalities"].split("|")]
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
    grid = reference.recognition_grid()
    labels = reference.recognition_items().set_index("item")["label_fr"]
    rows = []
    for principle, crit in grid.groupby("principle", sort=False):
        results = [check(answers.get(c.item), c.test, c.value, c.item) for c in crit.itertuples(index=False)]
        failed = [c.failed_fr for c, r in zip(crit.itertuples(index=False), results, strict=True) if r is False]
        unanswered = [labels[c.item] for c, r in zip(crit.itertuples(index=False), results, strict=True) if r is None]
        if failed:
            status, reasons = NOT_MET, failed
        elif unanswered:
            status, reasons = NOT_EVIDENCED, [f"sans réponse : « {q} »" for q in unanswered]
        else:
            status, reasons = MET, list(crit["met_fr"])
        first = crit.iloc[0]
        sources = " ; ".join(dict.fromkeys(s for part in crit["source"] for s in part.split(" ; ")))
        rows.append(
            {
                "principle": principle,
                "label_fr": first["label_fr"],
                "status": status,
                "status_fr": STATUS_FR[status],
                "reasons": " ; ".join(reasons),
                "source": sources,
            }
        )
    return pd.DataFrame(rows)


def recognised(result: pd.DataFrame) -> bool:
    """Whether an organisation meets the common definition: every principle met (:func:`evaluate`)."""
    return bool(result["status"].eq(MET).all())


__all__ = ["MET", "NOT_EVIDENCED", "NOT_MET", "STATUS_FR", "check", "evaluate", "recognised"]
