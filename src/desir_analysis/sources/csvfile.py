"""Streaming CSV access shared by the readers: layout checks, batches, rejected lines.

Errors name the file, the line or column and what was expected. Rows that
cannot be parsed (wrong number of fields, e.g. a truncated last line) do not
stop the read: they are returned as rejects with their line number.
"""

from __future__ import annotations

import codecs
import csv
import io
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

BOM = b"\xef\xbb\xbf"


class RawFileError(ValueError):
    """A raw file does not have the expected layout or encoding."""


@dataclass
class Layout:
    """What a reader expects of a delimited file."""

    name: str
    required: list[str]
    optional: list[str] = field(default_factory=list)
    delimiter: str = ","
    encoding: str = "utf-8"

    @property
    def wanted(self) -> list[str]:
        """Required then optional columns."""
        return self.required + self.optional


def sniff_header(path: Path, layout: Layout) -> list[str]:
    """Read and check the header line; return the column names present.

    Raises:
        RawFileError: empty file, undecodable bytes, wrong delimiter, missing columns.
    """
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    refuse_compressed(path, head)
    if not head.strip():
        raise RawFileError(f"{path}: empty file; expected a header line with {layout.required[:3]}…")
    text = head[len(BOM) :] if head.startswith(BOM) else head
    try:
        first = text.split(b"\n", 1)[0].decode(layout.encoding).rstrip("\r")
    except UnicodeDecodeError as exc:
        raise RawFileError(
            f"{path}: line 1: not {layout.encoding} ({exc.reason} at byte {exc.start}); "
            f"expected the {layout.name} layout in {layout.encoding}"
        ) from exc
    names = next(csv.reader([first], delimiter=layout.delimiter))
    if len(names) == 1 and layout.delimiter not in first:
        other = next((d for d in [";", "\t", "|", ","] if d != layout.delimiter and d in first), None)
        if other:
            raise RawFileError(
                f"{path}: line 1: separator {other!r} found; expected {layout.delimiter!r} ({layout.name} layout)"
            )
    names = [n.strip().strip('"') for n in names]
    missing = [c for c in layout.required if c not in names]
    if missing:
        raise RawFileError(f"{path}: line 1: missing column(s) {missing}; expected the {layout.name} layout")
    try:  # the whole first block must be valid text, not only the columns read (cheap encoding check)
        codecs.getincrementaldecoder(layout.encoding)().decode(text, final=False)
    except UnicodeDecodeError as exc:
        raise RawFileError(_explain(path, layout, names, exc)) from exc
    return names


#: Leading bytes of compressed files, and their formats.
MAGIC = {b"\x1f\x8b": "gzip", b"PK\x03\x04": "zip", b"BZh": "bzip2", b"\xfd7zXZ\x00": "xz", b"(\xb5/\xfd": "zstd"}
#: File-name endings of compressed files.
COMPRESSED_SUFFIXES = (".gz", ".zip", ".bz2", ".xz", ".zst", ".7z")


def refuse_compressed(path: Path, head: bytes | None = None) -> None:
    """A compressed file (by its name or by its first bytes) is refused with what to do.

    Raises:
        RawFileError: the file is compressed.
    """
    if head is None:
        with open(path, "rb") as fh:
            head = fh.read(8)
    kind = next((k for magic, k in MAGIC.items() if head.startswith(magic)), None)
    if kind is None and path.name.lower().endswith(COMPRESSED_SUFFIXES):
        kind = path.suffix.lstrip(".")
    if kind is not None:
        plain = path.name
        for suffix in COMPRESSED_SUFFIXES:
            plain = plain.removesuffix(suffix)
        raise RawFileError(
            f"{path}: fichier compressé ({kind}) ; décompressez-le dans le même dossier sous le nom {plain!r} "
            "(texte CSV), puis retirez l'archive — les fichiers bruts ne sont jamais modifiés par le projet"
        )


def check_encoding(path: Path, layout: Layout, names: list[str], chunk: int = 1 << 22) -> None:
    """Decode the whole file (streamed, 4 MiB at a time): a byte that is not valid text stops the read.

    Raises:
        RawFileError: the first invalid byte, with its line and column (:func:`_explain`).
    """
    decoder = codecs.getincrementaldecoder(layout.encoding)()
    with open(path, "rb") as fh:
        while True:
            block = fh.read(chunk)
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                raise RawFileError(_explain(path, layout, names, exc)) from exc
            if not block:
                return


@dataclass
class BadLine:
    """A line the parser could not split into the expected number of fields."""

    text: str
    reason: str
    line: int | None = None


def stream(
    path: Path, layout: Layout, block_size: int = 1 << 20, use_threads: bool = True, combine: int = 8
) -> tuple[Iterator[pa.Table], list[BadLine]]:
    """Stream chunks of the wanted columns (all as strings), as arrow tables.

    The parser reads ahead a number of blocks: small blocks (1 MiB) keep memory
    low and flat; ``combine`` consecutive blocks are handed over together (no
    copy) so that the caller's per-chunk work stays amortised. Returns the chunk
    iterator and a list that fills with unparseable lines as the iterator is
    consumed (their line numbers are resolved by :func:`locate`). A ``.parquet`` file is read by
    :func:`parquetfile.stream_parquet` (same columns, as text; no unparseable line).
    """
    if path.suffix == ".parquet":
        from desir_analysis.sources.parquetfile import stream_parquet

        return stream_parquet(path, layout, block_size // 8)
    names = sniff_header(path, layout)
    check_encoding(path, layout, names)
    present = [c for c in layout.wanted if c in names]
    bad: list[BadLine] = []

    def handler(row: pacsv.InvalidRow) -> str:
        bad.append(BadLine(row.text, f"{row.actual_columns} champs au lieu de {row.expected_columns}"))
        return "skip"

    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(block_size=block_size, encoding="utf8", use_threads=use_threads),
            parse_options=pacsv.ParseOptions(delimiter=layout.delimiter, invalid_row_handler=handler),
            convert_options=pacsv.ConvertOptions(
                include_columns=present,
                column_types={c: pa.string() for c in present},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, OSError) as exc:
        raise RawFileError(_explain(path, layout, names, exc)) from exc

    def batches() -> Iterator[pa.Table]:
        group: list[pa.RecordBatch] = []
        while True:
            try:
                group.append(reader.read_next_batch())
            except StopIteration:
                break
            except pa.ArrowInvalid as exc:
                raise RawFileError(_explain(path, layout, names, exc)) from exc
            if len(group) == combine:
                yield pa.Table.from_batches(group)
                group = []
        if group:
            yield pa.Table.from_batches(group)

    return prefetch(batches()), bad


def prefetch(iterator: Iterator, depth: int = 2) -> Iterator:
    """Run an iterator in a background thread, ``depth`` items ahead.

    The CSV parser releases the GIL, so parsing the next block overlaps with the
    caller's work on the current one (two cores busy instead of one).
    """
    q: queue.Queue = queue.Queue(maxsize=depth)
    done = object()

    def work() -> None:
        try:
            for item in iterator:
                q.put(item)
        except BaseException as exc:  # handed to the consumer
            q.put(exc)
        q.put(done)

    threading.Thread(target=work, daemon=True).start()
    while True:
        item = q.get()
        if item is done:
            return
        if isinstance(item, BaseException):
            raise item
        yield item


def _explain(path: Path, layout: Layout, names: list[str], exc: Exception) -> str:
    """A read error in words: for encoding errors, the first bad line and column (second pass)."""
    if not isinstance(exc, UnicodeDecodeError) and "utf8" not in str(exc).lower():
        return f"{path}: cannot read as {layout.name} ({exc})"
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as err:
                fields = raw[: err.start].decode("utf-8", errors="replace").split(layout.delimiter)
                col = names[len(fields) - 1] if len(fields) - 1 < len(names) else f"#{len(fields)}"
                return (
                    f"{path}: line {number}, column {col!r}: byte 0x{raw[err.start]:02x} is not valid UTF-8; "
                    f"expected UTF-8 text (the file looks Latin-1/Windows-1252: convert it, e.g. "
                    f"`iconv -f latin1 -t utf-8`, into a new file — raw files are never modified)"
                )
    return f"{path}: cannot read as {layout.name} ({exc})"


def locate(path: Path, bad: list[BadLine]) -> list[BadLine]:
    """Give unparseable lines their physical line number (second pass, only when there are some)."""
    if not bad:
        return bad
    wanted: dict[str, list[BadLine]] = {}
    for b in bad:
        wanted.setdefault(b.text, []).append(b)
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            text = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            if number == 1:
                text = text.lstrip("\ufeff")
            todo = wanted.get(text)
            if todo:
                nxt = next((b for b in todo if b.line is None), None)
                if nxt:
                    nxt.line = number
    return bad


def valid_row_lines(positions: list[int] | range, bad_lines: list[int]) -> list[int]:
    """Physical line numbers of parsed rows given their 0-based position among parsed rows.

    Line of the k-th parsed row = k + 2 (header is line 1), shifted by every
    unparseable line that comes before it.
    """
    bad_sorted = sorted(b for b in bad_lines if b is not None)
    out = []
    for k in positions:
        line = k + 2
        for b in bad_sorted:
            if b <= line:
                line += 1
            else:
                break
        out.append(line)
    return out


def read_small(path: Path, layout: Layout) -> tuple[pa.Table, list[BadLine]]:
    """Read a whole (small) file as strings; returns the table and located bad lines."""
    batches, bad = stream(path, layout)
    parts = list(batches)
    names = [c for c in layout.wanted if c in sniff_header(path, layout)]
    schema = pa.schema([(c, pa.string()) for c in names])
    table = pa.concat_tables(parts) if parts else schema.empty_table()
    return table, locate(path, bad)


def text_io(path: Path) -> io.TextIOWrapper:
    """Open a raw file read-only as UTF-8 text (BOM removed)."""
    return open(path, encoding="utf-8-sig", newline="")
