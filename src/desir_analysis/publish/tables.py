"""Published tables: French formatting, captions, and the CSV/XLSX outputs of the contract.

Every table a report shows goes through :func:`publish`, which writes
``reports/<year>/tables/<name>.csv`` (suppressed cells empty, a ``status``
column) and adds a sheet to the study's workbook, then returns the HTML shown in
the notebook, captioned with title, unit, source, reference date and territory.
Tables built from confidential microdata must carry the ``status`` column set
by :mod:`desir_analysis.analysis.disclosure`; :func:`publish` refuses them otherwise.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from desir_analysis.analysis.disclosure import NOT_AVAILABLE, TOTAL, combine_status

STATUSES = ("published", "primary", "secondary")
SECRET_MARK = "s"
STATUS_HEADER = "Secret"
#: The page's « Secret » column: « s » on a row holding a suppressed cell; never which secret (primary or
#: secondary tells an attacker a bound: a secondary cell comes from at least 3 enterprises).
STATUS_FR = {"published": "", "primary": SECRET_MARK, "secondary": SECRET_MARK}
NBSP = "\u202f"  # narrow no-break space, the French thousands separator


def format_number(value: object, decimals: int = 0) -> str:
    """Format a number the French way: ``12 345,6``; missing -> empty string."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        text = f"{value:,.{decimals}f}"
        return text.replace(",", "\x00").replace(".", ",").replace("\x00", NBSP)
    return str(value)


@dataclass(frozen=True)
class Caption:
    """What every published table or figure states."""

    title: str
    unit: str
    source: str
    reference_date: str
    territory: str

    def html(self) -> tuple[str, str]:
        """Caption as two HTML fragments: the title (above) and unit, source, date, territory (below)."""
        meta = (
            f"Unité : {self.unit} — Source : {self.source} — Date de référence : "
            f"{self.reference_date} — Territoire : {self.territory}"
        )
        return f"<p><b>{html.escape(self.title)}</b></p>", f"<p class='desir-source'>{html.escape(meta)}</p>"


def _default_decimals(col: pd.Series) -> int:
    """0 for integer columns and float columns holding only whole numbers, else 1."""
    if pd.api.types.is_integer_dtype(col):
        return 0
    v = pd.to_numeric(col, errors="coerce").astype("float64").dropna()
    return 0 if len(v) == 0 or (v == v.round()).all() else 1


def _numeric(col: pd.Series) -> bool:
    """A column of numbers: numeric dtype, or numbers beside « non disponible » (a series with a gap)."""
    if pd.api.types.is_bool_dtype(col):
        return False
    if pd.api.types.is_numeric_dtype(col):
        return True
    values = col.dropna()
    return (
        col.dtype == object
        and len(values) > 0
        and all(v == NOT_AVAILABLE or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in values)
        and any(not isinstance(v, str) for v in values)
    )


def to_html(table: pd.DataFrame, caption: Caption, decimals: dict[str, int] | None = None) -> str:
    """Render a table with French number formatting and its caption (no index).

    Numeric columns are right-aligned, text columns left-aligned; a missing value is
    empty, except in a row whose ``status`` is not ``published``, where it shows the
    mark :data:`SECRET_MARK` (explained under the table and in the annex). The
    ``status`` column, when shown, is headed « Secret » and reads « s » or nothing:
    never which secret (the private audit files keep the statuses).
    """
    decimals = decimals or {}
    secret_rows = table["status"].ne("published").to_numpy() if "status" in table.columns else None
    numeric = {c: _numeric(table[c]) for c in table.columns}
    default_decimals = {
        c: 0 if is_count(str(c).lower()) else _default_decimals(table[c]) for c in table.columns if numeric[c]
    }
    head = "".join(
        f"<th class='{'num' if numeric[c] else 'txt'}'>{html.escape(STATUS_HEADER if c == 'status' else str(c))}</th>"
        for c in table.columns
    )
    body = []
    marked = False
    for i, row in enumerate(table.itertuples(index=False)):
        cells = []
        for c, v in zip(table.columns, row, strict=True):
            if numeric[c]:
                d = decimals.get(c, default_decimals[c])
                text = format_number(v, d)
                if text == "" and secret_rows is not None and secret_rows[i]:
                    text, marked = SECRET_MARK, True
                cells.append(f"<td class='num'>{text}</td>")
            else:
                text = "" if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else str(v)
                text = STATUS_FR.get(text, text) if c == "status" else text
                cells.append(f"<td class='txt'>{html.escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    top, foot = caption.html()
    legend = f"<p class='desir-source'>{SECRET_MARK} : secret statistique (voir l'annexe)</p>" if marked else ""
    return (
        f"{top}<table class='desir-table'><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        f"{foot}{legend}"
    )


def write_audit(tables: dict[str, pd.DataFrame], name: str, out_dir: Path) -> Path:
    """Write the disclosure working tables (unit counts, dominance shares, statuses) of a published table.

    They go to ``reports/<year>/_audit/<name>.csv`` (one file, a ``measure`` column per
    protected value), never into the HTML.
    """
    folder = out_dir / "_audit"
    folder.mkdir(parents=True, exist_ok=True)
    parts = [t.assign(measure=m) for m, t in tables.items()]
    path = folder / f"{name}.csv"
    pd.concat(parts, ignore_index=True).to_csv(path, index=False, lineterminator="\n")
    return path


#: The public files' companion column: « s » on a row holding a suppressed cell, empty otherwise.
SECRET_COLUMN = "secret"


def rounding(column: str, decimals: dict[str, int] | None = None) -> int:
    """Decimals a public file keeps for a measure column (the rounding policy, also in the méthode sections).

    The page's own choice when it makes one (``decimals``); else: shares and coverage ratios
    (« % », « pour 1 000 », « pour 100 ») 1 decimal, amounts in euros, densities per
    100 000 inhabitants and counts (« postes », « établissements », projected ones too) 0,
    indices and quotients 2, FTE 1, anything else 2. Full precision helps an attacker: a share
    with 15 digits times its published total gives a masked count back. A column kept with 0
    decimals is written as integers (:func:`public_values`).
    """
    if decimals and column in decimals:
        return decimals[column]
    name = column.lower()
    if "€" in name or "100 000" in name or is_count(name):
        return 0
    if "%" in name or "pour 1 000" in name or "pour 100 " in name:
        return 1
    if "indice" in name or "quotient" in name:
        return 2
    if "eqtp" in name or "etp" in name:
        return 1
    return 2


#: Words of a column that counts (postes, établissements) unless it is a ratio.
COUNT_WORDS = ("postes", "établissements", "etablissements")
RATIO_WORDS = ("%", "pour ", "par ", "quotient", "indice", "part de", "part des", "part dans")


def is_count(name: str) -> bool:
    """Whether a column (lower-case heading) holds counts: « Postes nécessaires », not « Postes pour 1 000 »."""
    return any(w in name for w in COUNT_WORDS) and not any(w in name for w in RATIO_WORDS)


def _is_number(value: object) -> bool:
    """A number that is not missing (nor a boolean)."""
    numeric = isinstance(value, (float, int, np.floating, np.integer)) and not isinstance(value, bool)
    return numeric and not pd.isna(value)


def _rounded(value: object, places: int) -> object:
    """One cell of a mixed column as the public files carry it: a number rounded (an integer at 0 places)."""
    if not _is_number(value):
        return value
    return int(round(float(value))) if places == 0 else round(float(value), places)


def public_values(table: pd.DataFrame, decimals: dict[str, int] | None = None) -> pd.DataFrame:
    """The numbers as the public files carry them: counts as integers, other measures rounded (:func:`rounding`).

    A column of whole numbers, or one rounded to 0 decimals (counts, euros, densities), is written
    as integers (« 172 », never « 172.0 ») in the CSV and the workbook.
    """
    out = table.copy()
    for c in out.columns:
        col = out[c]
        places = rounding(str(c), decimals)
        if col.dtype == object:  # numbers beside words (« non disponible »): each number rounded alike
            nums = [float(v) for v in col if _is_number(v)]
            whole = bool(nums) and all(v.is_integer() for v in nums)  # a count series with a gap
            out[c] = col.map(lambda v, p=0 if whole else places: _rounded(v, p))
            continue
        if not pd.api.types.is_float_dtype(col):
            continue
        v = col.dropna()
        if (len(v) and (v == v.round()).all() or places == 0) and (v.abs() < 2**53).all():
            out[c] = col.round().astype("Int64")
        else:
            out[c] = col.round(places)
    return out


def public_status(table: pd.DataFrame) -> pd.DataFrame:
    """The ``status`` column as the public files show it: ``secret`` = « s » or empty, in its place.

    Public files never say *primary* or *secondary*: that label tells an attacker a bound
    (a secondary cell comes from at least 3 units). The statuses stay in the private audit files.
    """
    if "status" not in table.columns:
        return table
    secret = table["status"].map(STATUS_FR).to_numpy()
    out = table.copy()
    out.insert(out.columns.get_loc("status"), SECRET_COLUMN, secret)
    return out.drop(columns="status")


def publish(
    table: pd.DataFrame,
    name: str,
    caption: Caption,
    out_dir: Path,
    study: str,
    *,
    confidential: bool,
    decimals: dict[str, int] | None = None,
    view: pd.DataFrame | None = None,
) -> str:
    """Write a published table (CSV + workbook sheet) and return its HTML.

    Args:
        table: the table as shown; for confidential data it must hold a ``status``
            column (published | primary | secondary) and suppressed values already empty.
            The files carry it as :data:`SECRET_COLUMN` (« s » or empty, :func:`public_status`).
        name: file stem, ``[a-z0-9_]+``.
        caption: title, unit, source, reference date, territory.
        out_dir: ``reports/<year>``; CSV in ``tables/``, workbook ``tables/<study>.xlsx``.
        study: study name (workbook name).
        confidential: True when cells come from confidential microdata.
        decimals: decimals per numeric column in the HTML.
        view: another arrangement of the same published cells shown in the page instead
            of ``table`` (e.g. a cross-table of a long file), with its own ``status`` column.
    """
    if not name.replace("_", "").isalnum() or name.lower() != name:
        raise ValueError(f"table name must be lower-case [a-z0-9_], got {name!r}")
    unnamed = [i for i, c in enumerate(table.columns) if not str(c).strip()]
    if unnamed:
        raise ValueError(f"table {name!r}: column {unnamed[0] + 1} has no name (every published column is named)")
    out = table.copy()
    if "status" not in out.columns:
        if confidential:
            raise ValueError(f"table {name!r}: confidential data must pass through disclosure.protect first")
        out["status"] = "published"
    bad = ~out["status"].isin(STATUSES)
    if bad.any():
        raise ValueError(f"table {name!r}: status must be one of {STATUSES}, got {out.loc[bad, 'status'].iloc[0]!r}")
    tables_dir = out_dir / "tables"
    tables_dir.mkdir(parents=True, exist_ok=True)
    shown = out if view is None else view
    if "status" not in shown.columns or shown["status"].eq("published").all():
        shown = shown.drop(columns="status", errors="ignore")
    # the files carry their caption: unit, source (with the demo notice when synthetic), date, territory
    out = out.assign(
        unite=caption.unit, source=caption.source, date_reference=caption.reference_date, territoire=caption.territory
    )
    out = public_values(public_status(out), decimals)
    out.to_csv(tables_dir / f"{name}.csv", index=False, lineterminator="\n")
    book = tables_dir / f"{study}.xlsx"
    mode = "a" if book.exists() else "w"
    kwargs = {"if_sheet_exists": "replace"} if mode == "a" else {}
    with pd.ExcelWriter(book, engine="openpyxl", mode=mode, **kwargs) as xw:
        out.to_excel(xw, sheet_name=name[:31], index=False)
    return to_html(shown, caption, decimals)


def crosstab_view(
    cells: pd.DataFrame, rows: list[str], columns: str, value: str, order: list[str] | None = None
) -> pd.DataFrame:
    """Wide view of a long table of published cells: ``rows`` × ``columns`` of ``value``, with a row status.

    Cells absent from the long table (no establishment at all) are true zeros (0);
    present but suppressed cells stay missing. Columns follow ``order`` (others after,
    sorted), the margin :data:`TOTAL` last; the margin row comes last.
    The ``status`` column combines the row's statuses (:func:`combine_status`).
    """
    rank = {v: i for i, v in enumerate(order or [])}
    wide = cells.pivot(index=rows, columns=columns, values=value)
    absent = cells.assign(_x=1).pivot(index=rows, columns=columns, values="_x").isna()
    wide = wide.mask(absent, 0)
    wide = wide[sorted(wide.columns, key=lambda v: (v == TOTAL, rank.get(v, len(rank)), v))]
    view = wide.reset_index()
    view.columns.name = None
    view["status"] = combine_status(cells.pivot(index=rows, columns=columns, values="status")).to_numpy()
    return view.sort_values(rows, key=lambda s: s.eq(TOTAL), ignore_index=True)
