"""The processed-table contracts (pandera) refuse what they should, with one line naming table and column."""

from __future__ import annotations

import pandas as pd
import pytest

from desir_analysis.build import schemas


def _est(n=2) -> pd.DataFrame:
    kinds = {"str": "string", "int": "int64", "float": "Float64", "bool": "boolean"}
    data = {}
    for col, kind in schemas.ESTABLISHMENTS.items():
        if kind == "date":
            data[col] = pd.Series(pd.to_datetime(["2023-12-31"] * n))
        else:
            data[col] = pd.Series([{"str": "x", "int": 2023, "float": 1.0, "bool": False}[kind]] * n, dtype=kinds[kind])
    f = pd.DataFrame(data)
    f["establishment_id"] = [f"e{i}" for i in range(n)]
    f["ess_family"], f["size_band"] = "association", "1-9"
    return f.astype({"establishment_id": "string", "ess_family": "string", "size_band": "string"})


def test_a_valid_frame_passes_unchanged():
    f = _est()
    pd.testing.assert_frame_equal(schemas.check_establishments(f), f)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda f: f.assign(ess_family=pd.Series(["association", "banque"], dtype="string")), ["ess_family", "banque"]),
        (lambda f: f.assign(size_band=pd.Series(["1-9", "5-9"], dtype="string")), ["size_band", "5-9"]),
        (lambda f: f.assign(headcount=pd.array([1.0, -2.0], dtype="Float64")), ["headcount", "-2"]),
        (lambda f: f.assign(establishment_id=pd.Series(["e0", "e0"], dtype="string")), ["establishment_id"]),
        (lambda f: f.assign(year=["2023", "2023"]), ["year", "int"]),
        (lambda f: f.drop(columns="nuts3"), ["missing", "nuts3"]),
    ],
)
def test_contract_violations_are_one_line_errors(change, words):
    with pytest.raises(schemas.SchemaError) as err:
        schemas.check_establishments(change(_est()))
    message = str(err.value)
    assert "\n" not in message and message.startswith("establishments")
    for w in words:
        assert w in message


def test_other_contracts_check_kinds():
    scope = pd.DataFrame(
        {"country": ["FR"], "year": [2023], "source_file": ["a"], "reason": ["closed"], "n_records": [1.5]}
    )
    with pytest.raises(schemas.SchemaError, match="scope: column 'n_records'"):
        schemas.check(scope, schemas.SCOPE, "scope")
