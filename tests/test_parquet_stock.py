"""The Sirene stocks kept as Parquet (same column names) build exactly what the CSV builds."""

from __future__ import annotations

import datetime
import shutil

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from desir_analysis import build
from desir_analysis.sources.csvfile import RawFileError
from desir_analysis.sources.parquetfile import as_text, stream_parquet
from desir_analysis.sources.sirene import ETAB_LAYOUT


def test_columns_read_as_the_csv_gives_them():
    assert as_text(pa.array([5420021, None, 123456789]), "siren").to_pylist() == ["005420021", "", "123456789"]
    assert as_text(pa.array([2001, 59350]), "codeCommuneEtablissement").to_pylist() == ["02001", "59350"]
    assert as_text(pa.array([3, 11]), "trancheEffectifsEtablissement").to_pylist() == ["03", "11"]
    dates = pa.array([datetime.date(2019, 3, 1), None], type=pa.date32())
    assert as_text(dates, "dateDebut").to_pylist() == ["2019-03-01", ""]
    cats = pa.array(["A", "F", None]).dictionary_encode()
    assert as_text(cats, "etatAdministratifEtablissement").to_pylist() == ["A", "F", ""]


def test_a_parquet_file_without_a_required_column_is_one_clear_error(tmp_path):
    path = tmp_path / "StockEtablissement.parquet"
    pq.write_table(pa.table({"siren": ["123456789"]}), path)
    with pytest.raises(RawFileError, match=r"StockEtablissement.parquet: missing column\(s\) siret"):
        stream_parquet(path, ETAB_LAYOUT)
    (tmp_path / "x.parquet").write_text("not parquet")
    with pytest.raises(RawFileError, match="not a readable Parquet file"):
        stream_parquet(tmp_path / "x.parquet", ETAB_LAYOUT)


def _to_parquet(csv_path, typed: dict[str, pa.DataType]) -> None:
    """Write the CSV's table as Parquet beside it (some columns typed as a user's conversion would), drop the CSV."""
    table = pacsv.read_csv(
        csv_path, convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in _header(csv_path)})
    )
    for name, kind in typed.items():
        col = table.column(name)
        empty = pc.equal(col, "")
        table = table.set_column(table.column_names.index(name), name, pc.if_else(empty, None, col).cast(kind))
    pq.write_table(table, csv_path.with_suffix(".parquet"), row_group_size=2_000)
    csv_path.unlink()


def _header(path) -> list[str]:
    return [c.strip('"') for c in path.read_text(encoding="utf-8").split("\n", 1)[0].lstrip("\ufeff").split(",")]


def test_the_demo_stocks_as_parquet_build_the_same_year(demo_raw, tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(demo_raw, raw)
    sirene = raw / "fr" / "sirene"
    _to_parquet(
        sirene / "StockEtablissement_utf8.csv",
        {"siren": pa.int64(), "siret": pa.int64(), "dateCreationEtablissement": pa.date32()},
    )
    _to_parquet(sirene / "StockUniteLegale_utf8.csv", {"siren": pa.int64()})
    csv_out, pq_out = tmp_path / "csv", tmp_path / "parquet"
    build.build([2023], raw_dir=demo_raw, out_dir=csv_out)
    build.build([2023], raw_dir=raw, out_dir=pq_out)
    for table in ("establishments", "national_aggregates", "scope"):
        a, b = (build.load(2023, table, d) for d in (csv_out, pq_out))
        cols = [c for c in a.columns if c != "source_file"]
        pd.testing.assert_frame_equal(a[cols], b[cols], check_dtype=False)
    files = {f["path"] for f in build.provenance(2023, pq_out)["files"]}
    assert "fr/sirene/StockEtablissement_utf8.parquet" in files and "fr/sirene/StockUniteLegale_utf8.parquet" in files
