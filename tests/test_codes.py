"""Normalisation of raw codes: unambiguous repairs, clear errors otherwise."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from desir_analysis.reference import codes


def s(*values):
    return pd.Series(list(values), dtype="object")


def test_legal_form_fr():
    r = codes.normalise_legal_form(s("9220", "9220.0", " 5710 ", "220", "0", None, "92A0"), "FR")
    assert r.values.tolist()[:3] == ["9220", "9220", "5710"]
    assert r.values.tolist()[4] == "0000"
    assert r.invalid.tolist() == [False, False, False, True, False, False, True]


def test_legal_form_be_pads_lost_zeros():
    r = codes.normalise_legal_form(s("17", "017", "17.0", "1234"), "BE")
    assert r.values.tolist()[:3] == ["017", "017", "017"]
    assert r.invalid.tolist() == [False, False, False, True]


def test_naf():
    r = codes.normalise_naf(s("88.10A", "8810a", " 88.10A", "111Z", "88.1A", "8810", "01.11Z"))
    assert r.values.tolist()[:4] == ["88.10A", "88.10A", "88.10A", "01.11Z"]
    assert r.invalid.tolist() == [False, False, False, False, True, True, False]


def test_nacebel():
    r = codes.normalise_nacebel(s("88101", "88.101", "1110", "8810", "88.10", "881011", "9531901", "12345678"))
    assert r.values.tolist()[:3] == ["88.101", "88.101", "01.110"]
    # 4 digits: KBO codes are 5 digits, so the leading zero was lost (8810 -> 08.810)
    assert r.values.tolist()[3] == "08.810"
    # 7 digits: a KBO subdivision reaches its sub-class; 6 digits lost the leading zero (0881011)
    assert r.values.tolist()[5:7] == ["08.810", "95.319"]
    assert r.invalid.tolist() == [False, False, False, False, True, False, False, True]


def test_commune():
    fr = codes.normalise_commune(s("59350", "1001", "2A004", "20004", "97411", "1001.0"), "FR")
    assert fr.values.tolist()[:3] == ["59350", "01001", "2A004"]
    assert fr.invalid.tolist() == [False, False, False, True, False, False]
    assert codes.departement_of_commune(fr.values.dropna()).tolist() == ["59", "01", "2A", "974", "01"]
    be = codes.normalise_commune(s("57096", "5709", "01000"), "BE")
    assert be.invalid.tolist() == [False, True, True]


def test_require_valid_names_column_and_value():
    r = codes.normalise_naf(s("88.10A", "88.1A"))
    with pytest.raises(codes.CodeFormatError, match=r"national_activity.*'88.1A'"):
        codes.require_valid(r, "national_activity", "StockEtablissement.csv")


@given(st.integers(0, 99), st.integers(0, 99), st.sampled_from("ABCDEFGHJKLMNPZ"))
def test_naf_variants_normalise_to_the_same_code(div, cls, letter):
    canonical = f"{div:02d}.{cls:02d}{letter}"
    variants = [canonical, canonical.replace(".", ""), canonical.lower(), f" {canonical} "]
    if div < 10:
        variants.append(canonical.replace(".", "").lstrip("0") if div else canonical)
    r = codes.normalise_naf(pd.Series(variants))
    assert not r.invalid.any()
    assert set(r.values) == {canonical}


@given(st.integers(1, 99999))
def test_nacebel_numeric_roundtrip(n):
    canonical = f"{n:05d}"
    r = codes.normalise_nacebel(pd.Series([canonical, str(n) if n >= 1000 else canonical, canonical + ".0"]))
    assert not r.invalid.any()
    assert set(r.values) == {canonical[:2] + "." + canonical[2:]}
