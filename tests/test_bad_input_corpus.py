"""A corpus of bad raw inputs, every source kind: each ends in one clear line (exit status 2, no traceback)
or builds with its rows accounted under the right reason; raw files are never modified.

Each case copies the small demo raw folder, breaks one thing and runs ``desir build --year 2023``
in-process. ``FATAL`` cases: exit 2, one line on stderr naming the file (and the line or column when
there is one), no traceback. ``ACCOUNTED`` cases: exit 0, the row accounting balances, and the
rejects (or the scope counts) hold the expected reason.
"""

from __future__ import annotations

import gzip
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from conftest import digests
from desir_analysis import cli, config

STOCK = "fr/sirene/StockEtablissement_utf8.csv"
UNITS = "fr/sirene/StockUniteLegale_utf8.csv"
HISTORY = "fr/sirene/StockEtablissementHistorique_utf8.csv"
EMP_FR = "fr/employment/flores_etablissements_2023.csv"
EMP_BE = "be/employment/onss_unites_2023.csv"
KBO = "be/kbo"
APPROVALS = "be/approvals/agrements.csv"
STATBEL = "population/statbel/TF_SOC_POP_STRUCT_2023.txt"
EUROSTAT = "population/eurostat/demo_r_pjangrp3.tsv"


# ----------------------------------------------------------------------------------- mutations
def _lines(p: Path) -> list[str]:
    return p.read_text(encoding="utf-8").splitlines(keepends=True)


def _write(p: Path, lines: list[str]) -> None:
    p.write_text("".join(lines), encoding="utf-8")


def _edit_row(p: Path, row: int, column: str, value: str) -> str:
    """Set ``column`` of data row ``row`` (1 = first row after the header); returns the row's id (1st field)."""
    lines = _lines(p)
    header = lines[0].lstrip("\ufeff").rstrip("\r\n").split(",")
    fields = lines[row].rstrip("\r\n").split(",")
    fields[header.index(column)] = value
    lines[row] = ",".join(fields) + "\n"
    _write(p, lines)
    return fields[0]


def _employer_row(raw: Path) -> int:
    """A data row of the stock whose SIRET is in the 2023 employment extract and active."""
    emp = pd.read_csv(raw / EMP_FR, dtype=str)
    cols = ["siret", "etatAdministratifEtablissement", "codeCommuneEtablissement"]
    stock = pd.read_csv(raw / STOCK, dtype=str, usecols=cols)
    ok = stock["siret"].isin(set(emp["siret"])) & stock["etatAdministratifEtablissement"].eq("A")
    ok &= stock["codeCommuneEtablissement"].str[:2].isin(["59", "62"])  # in the zone: validated row by row
    return int(ok.to_numpy().nonzero()[0][0]) + 1


def semicolons(rel):
    def f(raw):
        p = raw / rel
        p.write_text(p.read_text(encoding="utf-8").replace(",", ";"), encoding="utf-8")

    return f


def latin1_at(rel, row):
    """One Latin-1 byte in data row ``row`` (second field), the rest of the file left in UTF-8."""

    def f(raw):
        p = raw / rel
        lines = _lines(p)
        fields = lines[row].split(",")
        fields[1] = fields[1] + "é"
        data = [line.encode("utf-8") for line in lines]
        data[row] = ",".join(fields).encode("latin-1", errors="replace")
        p.write_bytes(b"".join(data))

    return f


def gzipped(rel):
    def f(raw):
        p = raw / rel
        p.write_bytes(gzip.compress(p.read_bytes()))

    return f


def renamed(rel, new_name):
    def f(raw):
        p = raw / rel
        p.rename(p.with_name(new_name))

    return f


def zero_bytes(rel):
    def f(raw):
        (raw / rel).write_bytes(b"")

    return f


def header_only(rel):
    def f(raw):
        p = raw / rel
        p.write_text(_lines(p)[0], encoding="utf-8")

    return f


def drop_column(rel, column):
    def f(raw):
        p = raw / rel
        df = pd.read_csv(p, dtype=str, keep_default_na=False)
        df.drop(columns=column).to_csv(p, index=False)

    return f


def removed(rel):
    def f(raw):
        (raw / rel).unlink()

    return f


def garbage(rel):
    def f(raw):
        (raw / rel).write_text("ceci n'est pas un fichier de population\n<html>oops</html>\n", encoding="utf-8")

    return f


def truncated_last_line(rel):
    def f(raw):
        p = raw / rel
        lines = _lines(p)
        lines[-1] = ",".join(lines[-1].split(",")[:3]) + "\n"
        _write(p, lines)

    return f


def crlf(rel):
    def f(raw):
        p = raw / rel
        p.write_bytes(p.read_bytes().replace(b"\n", b"\r\n"))

    return f


def bom(rel):
    def f(raw):
        p = raw / rel
        p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes())

    return f


def extra_column(rel):
    def f(raw):
        p = raw / rel
        lines = _lines(p)
        _write(p, [line.rstrip("\n") + (",colonneEnPlus\n" if i == 0 else ",x\n") for i, line in enumerate(lines)])

    return f


def duplicate_row(rel, row=1):
    def f(raw):
        p = raw / rel
        lines = _lines(p)
        lines.insert(row + 1, lines[row])
        _write(p, lines)

    return f


def stock_value(column, value):
    def f(raw):
        _edit_row(raw / STOCK, _employer_row(raw), column, value)

    return f


def employment_value(column, value, row=1):
    def f(raw):
        _edit_row(raw / EMP_FR, row, column, value)

    return f


def history_value(column, value):
    """Set ``column`` of the first history period of an establishment of the zone."""

    def f(raw):
        stock = pd.read_csv(raw / STOCK, dtype=str, usecols=["siret", "codeCommuneEtablissement"])
        zone = set(stock.loc[stock["codeCommuneEtablissement"].str[:2].isin(["59", "62"]), "siret"])
        hist = pd.read_csv(raw / HISTORY, dtype=str, usecols=["siret"])
        _edit_row(raw / HISTORY, int(hist["siret"].isin(zone).to_numpy().nonzero()[0][0]) + 1, column, value)

    return f


def employment_unknown_sirets(raw):
    p = raw / EMP_FR
    df = pd.read_csv(p, dtype=str, keep_default_na=False)
    df["siret"] = [f"999{i:011d}" for i in range(len(df))]
    df.to_csv(p, index=False)


def be_employment_value(column, value):
    def f(raw):
        _edit_row(raw / EMP_BE, 1, column, value)

    return f


def kbo_duplicate_enterprise(raw):
    duplicate_row(f"{KBO}/enterprise.csv")(raw)


# ----------------------------------------------------------------------------------- the corpus
FATAL = {
    # id: (mutation, regex the one line must match)
    "stock_semicolons": (semicolons(STOCK), r"StockEtablissement_utf8\.csv: line 1: separator ';'"),
    "stock_latin1_line_2": (latin1_at(STOCK, 1), r"StockEtablissement_utf8\.csv: line 2, column .*UTF-8"),
    "stock_latin1_far": (latin1_at(STOCK, 1500), r"StockEtablissement_utf8\.csv: line 1501, column .*UTF-8"),
    "stock_gzip_named_csv": (gzipped(STOCK), r"StockEtablissement_utf8\.csv: .*gzip"),
    "stock_zero_bytes": (zero_bytes(STOCK), r"StockEtablissement_utf8\.csv: empty file"),
    "stock_header_only": (header_only(STOCK), r"StockEtablissement_utf8\.csv: .*aucune ligne"),
    "stock_missing_column": (
        drop_column(STOCK, "codeCommuneEtablissement"),
        r"StockEtablissement_utf8\.csv: line 1: missing column.*codeCommuneEtablissement",
    ),
    "stock_compressed_by_name": (
        renamed(STOCK, "StockEtablissement_utf8.csv.gz"),
        r"StockEtablissement_utf8\.csv\.gz: .*compress",
    ),
    "units_missing_column": (
        drop_column(UNITS, "categorieJuridiqueUniteLegale"),
        r"StockUniteLegale_utf8\.csv: line 1: missing column",
    ),
    "units_zero_bytes": (zero_bytes(UNITS), r"StockUniteLegale_utf8\.csv: empty file"),
    "history_semicolons": (semicolons(HISTORY), r"StockEtablissementHistorique_utf8\.csv: line 1: separator"),
    "employment_fr_missing_column": (
        drop_column(EMP_FR, "effectif_31_12"),
        r"flores_etablissements_2023\.csv: line 1: missing column.*effectif_31_12",
    ),
    "employment_fr_header_only": (header_only(EMP_FR), r"flores_etablissements_2023\.csv: .*aucune ligne"),
    "employment_fr_gzip": (gzipped(EMP_FR), r"flores_etablissements_2023\.csv: .*gzip"),
    "employment_fr_matches_nothing": (
        employment_unknown_sirets,
        r"flores_etablissements_2023\.csv: .*aucun établissement",
    ),
    "kbo_file_missing": (removed(f"{KBO}/activity.csv"), r"activity\.csv"),
    "kbo_enterprise_missing_column": (
        drop_column(f"{KBO}/enterprise.csv", "JuridicalForm"),
        r"enterprise\.csv: line 1: missing column",
    ),
    "employment_be_header_only": (header_only(EMP_BE), r"onss_unites_2023\.csv: .*aucune ligne"),
    "kbo_establishments_header_only": (header_only(f"{KBO}/establishment.csv"), r"establishment\.csv: .*aucune ligne"),
    "employment_be_semicolons": (semicolons(EMP_BE), r"onss_unites_2023\.csv: line 1: separator"),
    "employment_be_latin1": (latin1_at(EMP_BE, 3), r"onss_unites_2023\.csv: line 4, column .*UTF-8"),
    "statbel_garbage": (garbage(STATBEL), r"TF_SOC_POP_STRUCT_2023\.txt"),
    "eurostat_garbage": (garbage(EUROSTAT), r"demo_r_pjangrp3\.tsv"),
    "approvals_missing_column": (drop_column(APPROVALS, "type"), r"agrements\.csv: line 1: missing column"),
}

ACCOUNTED = {
    # id: (mutation, where the reason is: "rejects" or "scope", regex of the reason, file name)
    "stock_truncated_last_line": (truncated_last_line(STOCK), "rejects", r"ligne illisible", "StockEtablissement"),
    "stock_duplicate_siret": (duplicate_row(STOCK, 5), "rejects", r"double", "StockEtablissement"),
    "stock_malformed_siret": (stock_value("siret", "1234567890123"), "rejects", r"SIRET", "StockEtablissement"),
    "stock_date_dd_mm_yyyy": (
        stock_value("dateCreationEtablissement", "21/02/1989"),
        "rejects",
        r"date",
        "StockEtablissement",
    ),
    "stock_crlf": (crlf(STOCK), None, None, None),
    "stock_bom": (bom(STOCK), None, None, None),
    "stock_extra_column": (extra_column(STOCK), None, None, None),
    "history_date_malformed": (history_value("dateDebut", "2015-13-45"), "rejects", r"date", "Historique"),
    "employment_fr_negative": (employment_value("effectif_31_12", "-3"), "rejects", r"négati", "flores"),
    "employment_fr_not_a_number": (employment_value("effectif_31_12", "douze"), "rejects", r"nombre", "flores"),
    "employment_fr_duplicate": (duplicate_row(EMP_FR, 2), "rejects", r"double", "flores"),
    "employment_fr_women_above_headcount": (employment_value("femmes", "99999"), "rejects", r"femmes", "flores"),
    "employment_fr_bad_siret": (employment_value("siret", "12AB"), "rejects", r"SIRET", "flores"),
    "employment_be_bad_unit": (be_employment_value("numero_unite", "12"), "rejects", r"mal form", "onss"),
    "kbo_duplicate_enterprise": (kbo_duplicate_enterprise, "rejects", r"double", "enterprise"),
}


@pytest.fixture
def corpus_raw(demo_raw, tmp_path):
    root = tmp_path / "raw"
    shutil.copytree(demo_raw, root)
    (root / "DEMO.txt").unlink()  # read as a user's real folder
    return root


def _build(raw: Path, tmp_path: Path, monkeypatch, capsys) -> tuple[int, str, str]:
    monkeypatch.setattr(config, "PROCESSED_DATA_DIR", tmp_path / "processed")
    capsys.readouterr()
    rc = cli.main(["build", "--year", "2023", "--raw-dir", str(raw), "--jobs", "1"])
    out = capsys.readouterr()
    return rc, out.out, out.err


@pytest.mark.parametrize("case", sorted(FATAL))
def test_a_fatal_bad_input_is_one_clear_line(case, corpus_raw, tmp_path, monkeypatch, capsys):
    mutate, expected = FATAL[case]
    mutate(corpus_raw)
    before = digests(corpus_raw)
    rc, _, err = _build(corpus_raw, tmp_path, monkeypatch, capsys)
    lines = [line for line in err.splitlines() if line.strip()]
    assert rc == 2, err[-2000:]
    assert len(lines) == 1 and "Traceback" not in err, err[-2000:]
    assert re.search(expected, lines[0]), lines[0]
    assert digests(corpus_raw) == before  # raw files never modified


@pytest.mark.parametrize("case", sorted(ACCOUNTED))
def test_a_bad_row_is_accounted_under_its_reason(case, corpus_raw, tmp_path, monkeypatch, capsys):
    mutate, where, reason, source = ACCOUNTED[case]
    mutate(corpus_raw)
    before = digests(corpus_raw)
    rc, _, err = _build(corpus_raw, tmp_path, monkeypatch, capsys)
    assert rc == 0, err[-2000:]
    assert digests(corpus_raw) == before
    year = tmp_path / "processed" / "2023"
    import json

    acc = json.loads((year / "provenance.json").read_text())["accounting"]
    assert all(a["balanced"] for a in acc)
    if where is None:
        assert pd.read_parquet(year / "establishments.parquet").shape[0] > 0
        return
    table = pd.read_parquet(year / f"{where}.parquet")
    mine = table[table["source_file"].str.contains(source, regex=False)]
    assert mine["reason"].str.contains(reason, regex=True).any(), mine["reason"].unique()[:10]


def test_a_rejected_jobs_row_leaves_its_establishment_counted_as_such(corpus_raw, tmp_path, monkeypatch, capsys):
    row = _employer_row(corpus_raw)
    siret = pd.read_csv(corpus_raw / STOCK, dtype=str, usecols=["siret"])["siret"].iloc[row - 1]
    emp = pd.read_csv(corpus_raw / EMP_FR, dtype=str, keep_default_na=False)
    at = int(emp.index[emp["siret"].eq(siret)][0])
    emp.loc[at, "effectif_31_12"] = "douze"
    emp.to_csv(corpus_raw / EMP_FR, index=False)
    rc, _, err = _build(corpus_raw, tmp_path, monkeypatch, capsys)
    assert rc == 0, err
    year = tmp_path / "processed" / "2023"
    rej = pd.read_parquet(year / "rejects.parquet")
    mine = rej[rej["record_id"].eq(siret)]
    assert mine["line"].tolist() == [at + 2] and mine["reason"].str.contains("nombre").all()
    scope = pd.read_parquet(year / "scope.parquet")
    stock_scope = scope[scope["source_file"].eq("StockEtablissement_utf8.csv")].set_index("reason")["n_records"]
    assert stock_scope.get("ligne_emploi_rejetee") == 1
    assert siret not in set(pd.read_parquet(year / "establishments.parquet")["establishment_id"])


def test_a_malformed_creation_date_is_a_reject_at_its_line_not_a_text_comparison(
    corpus_raw, tmp_path, monkeypatch, capsys
):
    row = _employer_row(corpus_raw)
    siret = _edit_row(corpus_raw / STOCK, row, "dateCreationEtablissement", "21/02/1989")
    rc, _, err = _build(corpus_raw, tmp_path, monkeypatch, capsys)
    assert rc == 0, err
    rej = pd.read_parquet(tmp_path / "processed" / "2023" / "rejects.parquet")
    line = rej.loc[rej["reason"].str.contains("dateCreationEtablissement"), "line"].tolist()
    assert line == [row + 1], (siret, line)
