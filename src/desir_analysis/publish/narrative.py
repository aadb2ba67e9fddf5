"""Sentences of the reports computed from published numbers (French)."""

from __future__ import annotations

import math

import pandas as pd

from desir_analysis.publish.tables import format_number


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
