"""Normalisation of national codes read from raw files (vectorised).

Raw files lose formatting: spreadsheets turn ``0220`` into ``220`` or
``9220.0``; some extracts drop the dot of ``88.10A``. Each ``normalise_*``
function returns the normalised codes and a boolean mask of values that could
not be normalised *unambiguously*. Callers either route the masked rows to
``rejects`` (the build) or call :func:`require_valid` to raise one clear error
naming the column and the values (interactive use).

Normalisation is purely about format; whether a well-formed code exists in a
nomenclature is the job of :mod:`desir_analysis.reference.classify` (unknown codes are
classified ``unknown`` and reported, never dropped).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


class CodeFormatError(ValueError):
    """A code cannot be normalised without guessing."""


@dataclass(frozen=True)
class Normalised:
    """Normalised codes (``<NA>`` where invalid), the mask of invalid non-missing values, the raw input."""

    values: pd.Series
    invalid: pd.Series
    raw: pd.Series


def _clean(series: pd.Series) -> pd.Series:
    s = series.astype("string").str.strip().str.upper()
    s = s.str.replace(r"\.0+$", "", regex=True)  # 9220.0 -> 9220 (float artefact)
    return s.mask(s.eq(""))


def _finish(raw: pd.Series, out: pd.Series, ok: pd.Series) -> Normalised:
    ok = ok.fillna(False).astype(bool)
    present = raw.notna()
    return Normalised(out.where(ok), present & ~ok, raw)


def normalise_legal_form(series: pd.Series, country: str) -> Normalised:
    """Normalise legal-form codes.

    FR INSEE catégories juridiques are 4 digits and only ``0000`` starts with 0,
    so a shorter code is ambiguous (``220`` could be ``0220`` or ``2200``) and
    is invalid, except all-zero values. BE KBO forms are 3 digits: ``17`` is
    padded to ``017``.
    """
    s = _clean(series)
    if country == "FR":
        s = s.mask(s.str.fullmatch(r"0{1,4}").fillna(False), "0000")
        ok = s.str.fullmatch(r"\d{4}")
    elif country == "BE":
        ok = s.str.fullmatch(r"\d{1,3}")
        s = s.str.zfill(3)
    else:
        raise ValueError(f"country must be FR or BE, got {country!r}")
    return _finish(series, s, ok)


def normalise_naf(series: pd.Series) -> Normalised:
    """Normalise NAF rév. 2 sous-classes to ``DD.DDL`` (``8810a`` -> ``88.10A``).

    A NAF code is 4 digits and a letter; ``111Z`` lost its leading zero and
    becomes ``01.11Z``. ``88.1A`` (a digit missing) is invalid.
    """
    s = _clean(series).str.replace(r"\s", "", regex=True)
    dotted = s.str.contains(".", regex=False).fillna(False)
    body = s.str.replace(".", "", regex=False)
    ok = (dotted & s.str.fullmatch(r"\d{2}\.\d{2}[A-Z]")) | (~dotted & body.str.fullmatch(r"\d{3,4}[A-Z]"))
    body = body.str.zfill(5)
    return _finish(series, body.str[:2] + "." + body.str[2:], ok)


def normalise_nacebel(series: pd.Series) -> Normalised:
    """Normalise NACE-BEL codes to their sub-class ``DD.DDD`` (``88101`` -> ``88.101``).

    The KBO writes 5-digit sub-classes and 7-digit KBO subdivisions of them (``9531901``: sub-class
    ``95.319``, class 95.31), in NACE-BEL 2003, 2008 and 2025 alike; a subdivision reaches its
    sub-class (its first five digits). A 4- or 6-digit value lost its leading zero (``1110`` ->
    ``01.110``; ``111001`` -> ``01.110``). Dotted input must be ``DD.DDD``.
    """
    s = _clean(series)
    dotted = s.str.contains(".", regex=False).fillna(False)
    body = s.str.replace(".", "", regex=False)
    ok = (dotted & s.str.fullmatch(r"\d{2}\.\d{3}")) | (~dotted & body.str.fullmatch(r"\d{4,7}"))
    long = body.str.len().ge(6).fillna(False)
    body = body.where(~long, body.str.zfill(7).str[:5]).str.zfill(5)
    return _finish(series, body.str[:2] + "." + body.str[2:], ok)


def normalise_commune(series: pd.Series, country: str) -> Normalised:
    """Normalise commune codes (FR INSEE code ``DDCCC``/``2ACCC``/``97DCC``; BE NIS ``DDDDD``).

    FR: a 4-digit numeric code lost its leading zero (``1001`` -> ``01001``).
    A code starting ``20`` is the pre-1976 Corsican form, ambiguous between
    2A and 2B: invalid. BE: NIS codes are 5 digits, none starts with 0.
    """
    s = _clean(series)
    if country == "FR":
        s = s.where(~s.str.fullmatch(r"\d{4}").fillna(False), "0" + s)
        ok = s.str.fullmatch(r"(\d{5}|2[AB]\d{3})") & ~s.str.startswith("20")
    elif country == "BE":
        ok = s.str.fullmatch(r"[1-9]\d{4}")
    else:
        raise ValueError(f"country must be FR or BE, got {country!r}")
    return _finish(series, s, ok)


def departement_of_commune(communes: pd.Series) -> pd.Series:
    """Département of normalised FR commune codes (``97411`` -> ``974``, ``2A004`` -> ``2A``)."""
    s = communes.astype("string")
    return s.str[:2].where(~s.str.startswith(("97", "98")).fillna(False), s.str[:3])


def require_valid(result: Normalised, column: str, source: str = "input") -> pd.Series:
    """Return the normalised values or raise one error naming the column and bad values."""
    if result.invalid.any():
        bad = result.raw[result.invalid]
        examples = ", ".join(repr(str(v)) for v in pd.unique(bad)[:5])
        raise CodeFormatError(
            f"{source}: column {column!r}: {len(bad)} value(s) cannot be normalised unambiguously, "
            f"e.g. {examples} (first at row index {bad.index[0]!r}); expected {EXPECTED.get(column, 'a valid code')}"
        )
    return result.values


EXPECTED = {
    "legal_form": "an INSEE catégorie juridique (4 digits) or a KBO juridical form (3 digits)",
    "national_activity": "a NAF rév. 2 code DD.DDL or a NACE-BEL code DD.DDD",
    "commune": "an INSEE commune code (5 characters, 2A/2B for Corsica) or a NIS code (5 digits)",
}


def isin(values: pd.Series, allowed: Iterable[object]) -> np.ndarray:
    """Membership of each value in ``allowed`` (missing values are never members).

    Same result as ``values.isin(allowed).fillna(False)``, but for pyarrow-backed text
    columns it hashes ``allowed`` once with ``pyarrow.compute.is_in``: pandas 3 builds
    one pyarrow scalar per allowed value, which cost 40 s of a 98 s build (sets of
    ~100 000 unit numbers, tested against pandas).

    Args:
        values: the column to test.
        allowed: the accepted values (any iterable; non-text values never match a text column).

    Returns:
        A boolean NumPy array aligned with ``values``.
    """
    dtype = values.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        column = values.array._pa_array  # noqa: SLF001 - pandas keeps the ChunkedArray here
        texts = [v for v in allowed if isinstance(v, str)]
        value_set = pa.array(texts, type=column.type)
        return np.asarray(pc.fill_null(pc.is_in(column, value_set=value_set, skip_nulls=True), False), dtype=bool)
    return np.asarray(values.isin(list(allowed)).fillna(False), dtype=bool)
