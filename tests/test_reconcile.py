"""Reconciliation: tables add up, match the processed total, trace to rows."""

from __future__ import annotations

import pandas as pd
import pytest

from desir_analysis.analysis import disclosure, reconcile


@pytest.fixture
def rows():
    return pd.DataFrame(
        {
            "pays": ["FR"] * 6 + ["BE"] * 5,
            "famille": list("aaabbb") + list("aabbb"),
            "v": [3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5],
            "u": range(11),
        }
    )


def test_protected_table_adds_up_and_matches_total(rows):
    t = disclosure.protect(rows, ["pays", "famille"], "v", "u")
    assert reconcile.parts_add_up(t, ["pays", "famille"], "v").empty
    assert reconcile.total_matches(t, ["pays", "famille"], "v", rows)
    broken = t.copy()
    broken.loc[(broken["pays"] == "FR") & (broken["famille"] == "a"), "v"] += 1
    gaps = reconcile.parts_add_up(broken, ["pays", "famille"], "v")
    assert set(gaps["dimension"]) == {"pays", "famille"} and (gaps["gap"].abs() == 1).all()


def test_trace_returns_the_rows_of_a_cell(rows):
    t = disclosure.protect(rows, ["pays", "famille"], "v", "u").set_index(["pays", "famille"])
    cell = reconcile.trace(rows, {"pays": "BE", "famille": disclosure.TOTAL})
    assert cell["v"].sum() == t.loc[("BE", disclosure.TOTAL), "v"] == 15
    assert len(cell) == t.loc[("BE", disclosure.TOTAL), "n_units"]
