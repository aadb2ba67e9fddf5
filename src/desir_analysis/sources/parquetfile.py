"""A producer's table kept as Parquet (same column names as its CSV), streamed like the CSV.

Users who keep the national Sirene stock as Parquet (it is 4 to 5 times smaller than the CSV and
reads faster) put ``StockEtablissement*.parquet`` / ``StockUniteLegale*.parquet`` where the CSV
would go. Every column is read as text, as from the CSV: a missing value is an empty string; an
identifier or code stored as an integer gets its leading zeros back (SIREN 9 digits, NIC 5, SIRET 14,
commune 5), a date stored as a date becomes ``AAAA-MM-JJ``. A row's « line » in a reject is its
position + 1 (the line it would have in the CSV with its header), so rejects read the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from desir_analysis.sources.csvfile import BadLine, Layout, RawFileError

#: Widths of the identifiers and codes that an integer column would lose the leading zeros of.
ZERO_PADDED = {
    "siren": 9,
    "nic": 5,
    "siret": 14,
    "codeCommuneEtablissement": 5,
    "trancheEffectifsEtablissement": 2,
}


def as_text(column: pa.ChunkedArray | pa.Array, name: str) -> pa.ChunkedArray | pa.Array:
    """One column as the CSV reader gives it: text, empty for a missing value, leading zeros kept."""
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    integer = pa.types.is_integer(column.type)
    text = column if pa.types.is_string(column.type) else pc.cast(column, pa.string())
    if integer and name in ZERO_PADDED:
        text = pc.utf8_lpad(text, ZERO_PADDED[name], padding="0")
    return pc.fill_null(text, "")


def stream_parquet(path: Path, layout: Layout, batch_rows: int = 1 << 17) -> tuple[Iterator[pa.Table], list[BadLine]]:
    """Stream the wanted columns of a Parquet file as text tables (:func:`csvfile.stream`'s contract).

    Raises:
        RawFileError: not a Parquet file, or a required column missing (file, expected columns).
    """
    try:
        pf = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise RawFileError(f"{path}: not a readable Parquet file ({exc}); expected the {layout.name} layout") from exc
    names = pf.schema_arrow.names
    missing = [c for c in layout.required if c not in names]
    if missing:
        raise RawFileError(f"{path}: missing column(s) {', '.join(missing)}; expected the {layout.name} layout")
    present = [c for c in layout.wanted if c in names]

    def batches() -> Iterator[pa.Table]:
        for batch in pf.iter_batches(batch_size=batch_rows, columns=present):
            yield pa.table({c: as_text(batch.column(c), c) for c in present})

    return batches(), []


__all__ = ["ZERO_PADDED", "as_text", "stream_parquet"]
