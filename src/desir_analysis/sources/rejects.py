"""The one constructor of reject rows: every raw line that cannot be read as a valid record.

Readers (a line that does not parse, a malformed code) and the build (a code the
common definition cannot use, a duplicate) both reject lines; they all build the
rows here, so ``rejects.parquet`` has one shape: ``source_file``, ``line`` (1-based
line of the raw file, header = line 1), ``record_id`` (the record's identifier when
it could be read, else empty) and ``reason`` (French, said to the user).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

COLUMNS = ("source_file", "line", "record_id", "reason")
UNREADABLE = "ligne illisible : {}"


def _column(value: object, n: int) -> pd.Series:
    if isinstance(value, str):
        return pd.Series([value] * n, dtype="string")
    values = value.to_numpy() if isinstance(value, pd.Series) else list(value)
    return pd.Series(values, dtype="string")


def reject_rows(
    source_file: str | Sequence[str] | pd.Series,
    lines: Iterable[int | None] | pd.Series,
    reasons: str | Sequence[str] | pd.Series,
    record_ids: str | Sequence[str] | pd.Series = "",
) -> pd.DataFrame:
    """Reject rows, typed: ``source_file``, ``record_id``, ``reason`` as text, ``line`` as nullable integer.

    Args:
        source_file: the raw file's name (one for all rows, or one per row).
        lines: line numbers in the raw file (missing when unknown).
        reasons: why each line is rejected (one for all rows, or one per row).
        record_ids: the records' identifiers (one for all rows, or one per row).
    """
    line = pd.array(lines.to_numpy() if isinstance(lines, pd.Series) else list(lines), dtype="Int64")
    n = len(line)
    missing_ids = _column(record_ids, n)
    return pd.DataFrame(
        {
            "source_file": _column(source_file, n),
            "line": line,
            "record_id": missing_ids.fillna(""),
            "reason": _column(reasons, n),
        }
    )


def unreadable(source_file: str, bad: Iterable) -> pd.DataFrame:
    """Reject rows of lines that do not parse (``BadLine`` objects with ``line`` and ``reason``)."""
    bad = list(bad)
    return reject_rows(source_file, [b.line for b in bad], [UNREADABLE.format(b.reason) for b in bad])


def no_rejects() -> pd.DataFrame:
    """An empty reject table of the right shape."""
    return reject_rows("", [], [])
