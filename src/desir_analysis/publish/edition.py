"""An edition's folders, and how a study's render is put in place only when it succeeded.

An edition is a year × zone × perimeter × mode (the raw vintage is in its ``edition.json``).
Everything published lives in ``reports/<year>/<zone>-<perimeter>-<mode>/`` — pages,
``fiches/``, ``tables/`` (CSV, XLSX), ``index.html``, ``edition.json``, ``revisions.json`` —
and nothing else does: the working files (executed notebooks, logs, failed notebooks,
disclosure audit files, cache keys, the staging folders) go to
``data/private/<year>/<zone>-<perimeter>-<mode>/``, and the protected cells of a year to
``data/private/<year>/_cells/``.

A study renders into its own staging folder; :func:`promote` moves its page and tables into
the edition only once the notebook and its export succeeded, records which files the study
published (its manifest), and clears a failed notebook of an earlier try. A failure never
touches the last good render. A file a study published and no longer produces, or the
files of a job dropped from the edition (:func:`forget`), are deleted; after a run of every
study, :func:`remove_stale` deletes the published files no study claims.
:func:`normalise_workbook` makes a workbook byte-identical between two runs (fixed document
dates, fixed zip timestamps).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

from desir_analysis import config

#: Fixed date of the workbooks' document properties and zip entries (the first date a zip can hold).
FIXED_STAMP = (1980, 1, 1, 0, 0, 0)
FIXED_W3CDTF = "1980-01-01T00:00:00Z"
#: Files of the edition folder that belong to the edition, not to one study.
EDITION_FILES = ("index.html", "edition.json", "revisions.json", "grille_reconnaissance.html")


def edition_name(zone: str, perimeter: str, mode: str) -> str:
    """The folder name of an edition: ``<zone>-<perimeter>-<mode>`` (e.g. ``desir-core_crossborder-employment``)."""
    return f"{zone}-{perimeter}-{mode}"


def cells_dir(year: int, work_root: Path | None = None) -> Path:
    """Where the protected cells of a year are cached (shared by the editions of that year)."""
    return (work_root or config.WORK_DIR) / str(year) / "_cells"


@dataclass(frozen=True)
class Edition:
    """The folders of one edition.

    Args:
        year: reference year.
        zone: study zone code.
        perimeter: perimeter code.
        mode: ``employment`` or ``public`` (the build's mode).
        reports_root: the published root (default ``reports/``).
        work_root: the working root (default ``data/private/``).
    """

    year: int
    zone: str
    perimeter: str
    mode: str
    reports_root: Path | None = None
    work_root: Path | None = None

    @property
    def name(self) -> str:
        """``<zone>-<perimeter>-<mode>``."""
        return edition_name(self.zone, self.perimeter, self.mode)

    @property
    def dir(self) -> Path:
        """The published folder: ``reports/<year>/<name>/``."""
        return (self.reports_root or config.REPORTS_DIR) / str(self.year) / self.name

    @property
    def work(self) -> Path:
        """The working folder: ``data/private/<year>/<name>/``."""
        return (self.work_root or config.WORK_DIR) / str(self.year) / self.name

    @property
    def cells(self) -> Path:
        """The year's protected-cells cache."""
        return cells_dir(self.year, self.work_root)

    def staging(self, stem: str) -> Path:
        """A study's staging folder (its ``output_dir`` while it renders)."""
        return self.work / "_staging" / stem

    def failed(self, stem: str) -> Path:
        """Where a failed notebook is kept."""
        return self.work / "_failed" / f"{stem}.ipynb"

    def manifest(self, stem: str) -> Path:
        """A study's manifest: its cache key and the files it published."""
        return self.work / "_keys" / f"{stem}.json"


def read_manifest(path: Path) -> dict:
    """``{"key": ..., "files": [...]}`` of a study's last successful render (empty when none)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _move(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(src, config.readable_mode())
    os.replace(src, dst)


#: Columns of a published CSV that describe it rather than hold a figure.
CAPTION_COLUMNS = ("status", "secret", "unite", "source", "date_reference", "territoire")


def table_changes(old: Path, new: Path) -> dict | None:
    """What differs between two versions of a published CSV table (``None`` when identical).

    Rows are matched on the table's text columns (captions excluded); for the numbers:
    how many cells changed, appeared or disappeared (a cell newly suppressed counts as
    changed), and the largest relative change ``|new − old| / |old|`` among cells present in both.
    """
    import numpy as np
    import pandas as pd

    if old.read_bytes() == new.read_bytes():
        return None
    a, b = pd.read_csv(old), pd.read_csv(new)
    base = {"table": new.name, "rows_before": len(a), "rows_after": len(b)}
    if list(a.columns) != list(b.columns):
        return {**base, "note": "colonnes modifiées", "changed_cells": None, "max_relative_change": None}
    numeric = [c for c in a.columns if c not in CAPTION_COLUMNS and pd.api.types.is_numeric_dtype(b[c])]
    numeric = [c for c in numeric if pd.api.types.is_numeric_dtype(a[c])]
    keys = [c for c in a.columns if c not in CAPTION_COLUMNS and c not in numeric]
    for t in (a, b):  # a text column empty in one version is read as numbers there: compare as text
        t[keys] = t[keys].astype("string").fillna("")
    if not keys or a.duplicated(keys).any() or b.duplicated(keys).any():
        keys = None  # no row key: compare row by row
    if keys:
        m = a.merge(b, on=keys, how="outer", suffixes=("_old", "_new"))
    else:
        n = max(len(a), len(b))
        m = a.reindex(range(n)).add_suffix("_old").join(b.reindex(range(n)).add_suffix("_new"))
    changed, rel = 0, 0.0
    for c in numeric:
        x, y = m[f"{c}_old"].to_numpy(dtype="float64"), m[f"{c}_new"].to_numpy(dtype="float64")
        differ = ~((x == y) | (np.isnan(x) & np.isnan(y)))
        changed += int(differ.sum())
        both = differ & ~np.isnan(x) & ~np.isnan(y) & (x != 0)
        if both.any():
            rel = max(rel, float(np.max(np.abs(y[both] - x[both]) / np.abs(x[both]))))
    note = "" if changed else "libellés ou statuts modifiés"
    return {**base, "note": note, "changed_cells": changed, "max_relative_change": round(rel, 6)}


def pending_changes(edition: Edition, staging: Path) -> list[dict]:
    """The published tables a staged render would change (:func:`table_changes`), before it is promoted."""
    out = []
    for path in sorted(staging.glob("tables/*.csv")):
        target = edition.dir / path.relative_to(staging)
        diff = table_changes(target, path) if target.exists() else None
        if diff is not None:
            out.append(diff)
    return out


def promote(edition: Edition, stem: str, staging: Path, key: str = "", study: str = "", title: str = "") -> list[str]:
    """Move a successful render from its staging folder into the edition; returns the published files.

    Pages and ``tables/`` go to the edition folder, ``_audit/`` to the working folder; the
    workbooks are normalised (:func:`normalise_workbook`); the study's manifest records the
    published files (relative paths), ``key``, the ``study`` it belongs to and its page's
    ``title``; a failed notebook of an earlier try is removed.
    """
    before = set(read_manifest(edition.manifest(stem)).get("files", []))
    published = []
    for path in sorted(p for p in staging.rglob("*") if p.is_file()):
        rel = path.relative_to(staging)
        if rel.parts[0] == "_audit":
            _move(path, edition.work / rel)
            continue
        if rel.parts[0].startswith("_") or rel.name.startswith("."):
            continue  # caches a notebook may leave (none expected): never published
        if path.suffix == ".xlsx":
            normalise_workbook(path)
        _move(path, edition.dir / rel)
        published.append(rel.as_posix())
    shutil.rmtree(staging, ignore_errors=True)
    edition.failed(stem).unlink(missing_ok=True)
    manifest = edition.manifest(stem)
    manifest.parent.mkdir(parents=True, exist_ok=True)
    record = {"key": key, "study": study, "title": title, "files": published}
    manifest.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    _unlink_unclaimed(edition, before - set(published))  # what this study published last time and no more
    return published


def _unlink_unclaimed(edition: Edition, files: set[str]) -> list[str]:
    """Delete those of ``files`` (relative paths) that no manifest claims; returns them."""
    gone = sorted(files - claimed_files(edition))
    for f in gone:
        (edition.dir / f).unlink(missing_ok=True)
    return gone


def claimed_files(edition: Edition) -> set[str]:
    """Every file some study's manifest says it published, and the edition's own files."""
    out = set(EDITION_FILES)
    for m in (edition.work / "_keys").glob("*.json"):
        out.update(read_manifest(m).get("files", []))
    return out


def pages(edition: Edition) -> list[tuple[str, str]]:
    """Every page of the edition (relative path, title), whichever run of ``desir report`` made it."""
    out = []
    for m in sorted((edition.work / "_keys").glob("*.json")):
        meta = read_manifest(m)
        out += [(f, meta.get("title", "")) for f in meta.get("files", []) if f.endswith(".html")]
    return sorted(out)


def forget(edition: Edition, current: set[str], studies: set[str]) -> list[str]:
    """Drop the jobs of ``studies`` not in ``current`` (a territory left the zone): their manifests and files.

    A run of some studies (``desir report --study fiches``) never forgets the others'. Returns
    the files removed.
    """
    dropped: set[str] = set()
    for m in (edition.work / "_keys").glob("*.json"):
        meta = read_manifest(m)
        if m.stem not in current and meta.get("study") in studies:
            dropped.update(meta.get("files", []))
            m.unlink()
    return _unlink_unclaimed(edition, dropped)


def remove_stale(edition: Edition) -> list[str]:
    """Delete the edition's files that no study claims (leftovers of an older layout); returns them.

    Only after a run of every study (the manifests then describe the whole edition).
    """
    if not edition.dir.exists():
        return []
    keep = claimed_files(edition)
    stale = [p for p in edition.dir.rglob("*") if p.is_file() and p.relative_to(edition.dir).as_posix() not in keep]
    for p in stale:
        p.unlink()
    for d in sorted((p for p in edition.dir.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
        if not any(d.iterdir()):
            d.rmdir()
    return sorted(p.relative_to(edition.dir).as_posix() for p in stale)


def normalise_workbook(path: Path) -> None:
    """Make an ``.xlsx`` byte-identical between runs: fixed creation/modification dates and zip timestamps.

    openpyxl stamps ``docProps/core.xml`` with the current time and the zip entries with the
    time of writing; both are set to :data:`FIXED_STAMP`, entries kept in their order.
    """
    import re

    with zipfile.ZipFile(path) as zin:
        entries = [(info, zin.read(info.filename)) for info in zin.infolist()]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                text = data.decode("utf-8")
                text = re.sub(
                    r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:(?:created|modified)>)",
                    rf"\g<1>{FIXED_W3CDTF}\g<2>",
                    text,
                )
                data = text.encode("utf-8")
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_STAMP)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            zout.writestr(fixed, data)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(buf.getvalue())
    os.replace(tmp, path)


def editions(reports_root: Path | None = None) -> list[tuple[int, str, dict]]:
    """Every published edition: (year, folder name, its ``edition.json``), newest year first."""
    root = reports_root or config.REPORTS_DIR
    out = []
    if not root.exists():
        return out
    for year_dir in (p for p in root.iterdir() if p.is_dir() and p.name.isdigit()):
        for ed in sorted(p for p in year_dir.iterdir() if p.is_dir()):
            meta = ed / "edition.json"
            if meta.exists():
                out.append((int(year_dir.name), ed.name, json.loads(meta.read_text(encoding="utf-8"))))
    return sorted(out, key=lambda t: (-t[0], t[1]))


def year_editions(year: int, mode: str, reports_root: Path | None = None) -> list[tuple[str, str]]:
    """The (zone, perimeter) of every edition of a year in ``mode``, protected together.

    The editions offered every year (``reference/editions.csv``) and every edition already rendered
    for that year and mode: adding a zone or a perimeter re-protects the year (ARCHITECTURE §5).
    """
    from desir_analysis import reference

    offered = reference.editions_offered()
    out = set(zip(offered["zone"], offered["perimeter"], strict=True))
    for y, _, meta in editions(reports_root):
        if y == year and meta.get("mode") == mode and meta.get("zone") and meta.get("perimeter"):
            out.add((meta["zone"], meta["perimeter"]))
    return sorted(out)


#: What a website may serve: pages, tables, workbooks, the editions' descriptions.
PUBLISHABLE = (".html", ".csv", ".xlsx", ".json")


def publish_tree(dest: Path, reports_root: Path | None = None) -> list[str]:
    """Copy the publishable files of every edition (and the root index) to ``dest``; returns them.

    Only :data:`PUBLISHABLE` files, never a file or folder whose name starts with ``_`` or ``.``
    (working files live in ``data/private/`` anyway: this is a second lock). Files are written
    readable by others (0644), folders 0755; ``dest`` may be a web server's folder.
    """
    root = reports_root or config.REPORTS_DIR
    copied = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if not path.is_file() or path.suffix not in PUBLISHABLE:
            continue
        if any(part.startswith(("_", ".")) for part in rel.parts):
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        os.chmod(target, config.readable_mode())
        copied.append(rel.as_posix())
    return copied
