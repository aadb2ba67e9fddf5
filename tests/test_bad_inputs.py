"""Broken raw files: one clear error (file, line or column, what was expected) or a listed reject."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from desir_analysis import build
from desir_analysis.sources import employment, sirene
from desir_analysis.sources.csvfile import RawFileError


@pytest.fixture
def raw(demo_raw, tmp_path):
    """A copy of the small demo raw folder (2023 employment file only), to corrupt."""
    root = tmp_path / "raw"
    shutil.copytree(demo_raw / "fr", root / "fr")
    for p in (root / "fr" / "employment").glob("*.csv"):
        if "2023" not in p.name:
            p.unlink()
    return root


def stock_of(raw):
    return raw / "fr" / "sirene" / "StockEtablissement_utf8.csv"


def run(raw, tmp_path, mode="auto"):
    return build.build([2023], raw_dir=raw, out_dir=tmp_path / "out", mode=mode, force=True)


def rejects(tmp_path):
    return pd.read_parquet(tmp_path / "out" / "2023" / "rejects.parquet")


def test_latin1_file_is_a_clear_error(raw, tmp_path):
    p = stock_of(raw)
    lines = p.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    first = next(i for i, line in enumerate(lines) if not line.isascii())
    field = next(j for j, v in enumerate(lines[first].split(",")) if not v.isascii())
    p.write_bytes("".join(lines).encode("latin-1", errors="replace"))
    with pytest.raises(
        RawFileError, match=rf"StockEtablissement_utf8.csv: line {first + 1}, column '{header[field]}'.*UTF-8"
    ):
        run(raw, tmp_path)


def test_semicolon_separator_is_a_clear_error(raw, tmp_path):
    p = stock_of(raw)
    p.write_text(p.read_text(encoding="utf-8").replace(",", ";"), encoding="utf-8")
    with pytest.raises(RawFileError, match=r"line 1: separator ';' found; expected ','"):
        run(raw, tmp_path)


def test_missing_needed_column_is_a_clear_error(raw, tmp_path):
    p = stock_of(raw)
    df = pd.read_csv(p, dtype=str, keep_default_na=False).drop(columns="codeCommuneEtablissement")
    df.to_csv(p, index=False)
    with pytest.raises(RawFileError, match=r"missing column\(s\) \['codeCommuneEtablissement'\]"):
        run(raw, tmp_path)


def test_extra_unknown_column_is_ignored(raw, tmp_path):
    run(raw, tmp_path)
    before = pd.read_parquet(tmp_path / "out" / "2023" / "establishments.parquet")
    p = stock_of(raw)
    df = pd.read_csv(p, dtype=str, keep_default_na=False)
    df.insert(5, "nouvelleVariable2025", "x")
    df.to_csv(p, index=False)
    run(raw, tmp_path)
    after = pd.read_parquet(tmp_path / "out" / "2023" / "establishments.parquet")
    pd.testing.assert_frame_equal(before, after)


def test_empty_file_is_a_clear_error(raw, tmp_path):
    stock_of(raw).write_bytes(b"")
    with pytest.raises(RawFileError, match="empty file"):
        run(raw, tmp_path)


def test_bom_is_accepted(raw, tmp_path):
    run(raw, tmp_path)
    before = pd.read_parquet(tmp_path / "out" / "2023" / "establishments.parquet")
    p = stock_of(raw)
    p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes())
    run(raw, tmp_path)
    pd.testing.assert_frame_equal(before, pd.read_parquet(tmp_path / "out" / "2023" / "establishments.parquet"))


def test_truncated_last_line_is_a_listed_reject_with_its_line(raw, tmp_path):
    p = stock_of(raw)
    text = p.read_text(encoding="utf-8")
    p.write_text(text + "123456789,00012,12345678900012,O,2001-01-01\n", encoding="utf-8")
    result = run(raw, tmp_path)
    assert result.accounting["balanced"].all()
    r = rejects(tmp_path)
    hit = r[r["reason"].str.startswith("ligne illisible")]
    assert hit["line"].tolist() == [text.count("\n") + 1]
    assert hit["source_file"].tolist() == [p.name]


def test_duplicate_siret_is_rejected_at_its_line(raw, tmp_path):
    p = stock_of(raw)
    lines = p.read_text(encoding="utf-8").splitlines(keepends=True)
    zone_line = next(i for i, line in enumerate(lines[1:], start=1) if ",59" in line and ",A," in line)
    lines.append(lines[zone_line])
    p.write_text("".join(lines), encoding="utf-8")
    run(raw, tmp_path)
    r = rejects(tmp_path)
    dup = r[r["reason"] == "SIRET en double dans le stock"]
    assert dup["line"].tolist() == [len(lines)]
    assert dup["record_id"].tolist() == [lines[zone_line].split(",")[2]]


def test_unknown_legal_form_and_activity_are_kept_as_unknown(raw, tmp_path):
    ul = raw / "fr" / "sirene" / "StockUniteLegale_utf8.csv"
    df = pd.read_csv(ul, dtype=str, keep_default_na=False)
    df.loc[df["categorieJuridiqueUniteLegale"] == "9220", "categorieJuridiqueUniteLegale"] = "9299"
    df.to_csv(ul, index=False)
    p = stock_of(raw)
    st = pd.read_csv(p, dtype=str, keep_default_na=False)
    st.loc[st["activitePrincipaleEtablissement"] == "94.99Z", "activitePrincipaleEtablissement"] = "99.98Z"
    st.to_csv(p, index=False)
    run(raw, tmp_path)
    est = pd.read_parquet(tmp_path / "out" / "2023" / "establishments.parquet")
    assert (est.loc[est["legal_form"] == "9299", "ess_family"] == "unknown").all()
    assert (est.loc[est["legal_form"] == "9299"].shape[0]) > 0
    assert (est.loc[est["national_activity"] == "99.98Z", "sector_group"] == "unknown").all()


def test_negative_or_non_numeric_headcount_is_rejected_with_line(raw, tmp_path):
    p = raw / "fr" / "employment" / "flores_etablissements_2023.csv"
    lines = p.read_text(encoding="utf-8").splitlines(keepends=True)
    f = lines[5].split(",")
    f[2] = "-3"
    lines[5] = ",".join(f)
    g = lines[9].split(",")
    g[2] = "douze"
    lines[9] = ",".join(g)
    p.write_text("".join(lines), encoding="utf-8")
    good, rej, counts = employment.read_fr_employment([p])
    got = dict(zip(rej["line"], rej["reason"], strict=True))
    assert got == {6: "effectif_31_12 : valeur négative", 10: "effectif_31_12 : nombre attendu"}
    assert counts[p.name] == len(lines) - 1 == len(good) + len(rej)
    result = run(raw, tmp_path)
    assert result.accounting["balanced"].all()


def test_employment_siret_absent_from_sirene_is_rejected(raw, tmp_path):
    p = raw / "fr" / "employment" / "flores_etablissements_2023.csv"
    with open(p, "a", encoding="utf-8") as fh:
        fh.write("99999999900011,2023,5,4.0,100000,3,1\n")
    n = sum(1 for _ in open(p, encoding="utf-8"))
    run(raw, tmp_path)
    r = rejects(tmp_path)
    hit = r[r["reason"] == "SIRET absent du stock Sirene"]
    assert hit["line"].tolist() == [n] and hit["record_id"].tolist() == ["99999999900011"]


def test_unknown_siren_is_rejected(raw, tmp_path):
    ul = raw / "fr" / "sirene" / "StockUniteLegale_utf8.csv"
    units = sirene.read_legal_units(ul)
    st = pd.read_csv(stock_of(raw), dtype=str, keep_default_na=False)
    zone_siren = st.loc[st["codeCommuneEtablissement"].str[:2].isin(["59", "62"]), "siren"].iloc[0]
    df = pd.read_csv(ul, dtype=str, keep_default_na=False)
    df[df["siren"] != zone_siren].to_csv(ul, index=False)
    assert len(units.siren) == len(df)
    run(raw, tmp_path)
    r = rejects(tmp_path)
    assert (r["reason"] == "unité légale (SIREN) absente du stock des unités légales").sum() == (
        (st["siren"] == zone_siren) & st["codeCommuneEtablissement"].str[:2].isin(["59", "62"])
    ).sum()
