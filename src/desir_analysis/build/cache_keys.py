"""One fingerprint function for every cache: processed years, protected cells, rendered studies.

A cache key is the SHA-256 of named parts (parameters, file contents, the code of
the stages it depends on). :func:`fingerprint` is the one way to build it, so the
build, the edition's protected cells and the report runner agree on what a change
of code means: :data:`STAGES` lists the package folders each cache depends on.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path

from desir_analysis import __version__, config

#: Package folders, modules and reference tables each cache depends on. The build does not depend on
#: the perimeters, the zones' names or the publication plan (a perimeter or a zone added to the
#: reference tables needs no rebuild): it reads the tables below, and of ``territories.csv`` only
#: which territories belong to some zone (:data:`KEPT_TERRITORIES`).
BUILD_TABLES = ("legal_forms.csv", "sectors.csv", "sector_groups.csv", "activity_exclusions.csv", "commune_changes.csv")
KEPT_TERRITORIES = "territories kept"
STAGES: dict[str, tuple[str, ...]] = {
    "build": (
        *(f"reference/{m}" for m in ("__init__.py", "codes.py", "classify.py", "territory.py", "membership.py")),
        *(f"reference/{t}" for t in BUILD_TABLES),
        KEPT_TERRITORIES,
        "sources",
        "build",
        "config.py",
    ),
    "cells": ("reference", "analysis", "build/store.py", "config.py"),
    "report": ("reference", "sources", "build", "analysis", "publish", "config.py"),
}
SUFFIXES = {".py", ".csv", ".j2", ".json", ".css"}


def sha256_file(path: Path, cache: dict | None = None) -> str:
    """SHA-256 of a file, cached by (path, size, mtime)."""
    st = path.stat()
    key = f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"
    if cache is not None and key in cache:
        return cache[key]
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            h.update(chunk)
    digest = h.hexdigest()
    if cache is not None:
        cache[key] = digest
    return digest


def _path(part: str) -> Path:
    """A stage part in the package, the reference tables read from :data:`config.REFERENCE_DIR`."""
    root = Path(str(resources.files("desir_analysis")))
    if part == "reference" or (part.startswith("reference/") and part.endswith(".csv")):
        return config.REFERENCE_DIR / part.removeprefix("reference").lstrip("/")
    return root / part


def code_files(stage: str) -> list[Path]:
    """Every source file and reference table a cache of ``stage`` depends on, sorted."""
    out = []
    for part in STAGES[stage]:
        if part == KEPT_TERRITORIES:
            continue
        p = _path(part)
        files = [p] if p.is_file() else [f for f in p.rglob("*") if f.is_file()]
        out += [f for f in files if f.suffix in SUFFIXES and "__pycache__" not in f.parts]
    return sorted(out, key=lambda f: (f.parent.name, f.name))


def code_fingerprint(stage: str = "build") -> str:
    """Hash of the package version and of the code and reference tables a ``stage`` depends on."""
    h = hashlib.sha256(__version__.encode())
    for f in code_files(stage):
        h.update(f"{f.parent.name}/{f.name}".encode())
        h.update(f.read_bytes())
    if KEPT_TERRITORIES in STAGES[stage]:
        from desir_analysis import reference

        t = reference.territories()
        kept = t.loc[t["in_any_zone"], ["country", "level", "code", "nuts3"]]
        h.update(kept.to_csv(index=False).encode())
    return h.hexdigest()


def fingerprint(*parts: object, files: list[Path] = (), stage: str | None = None) -> str:
    """SHA-256 of ``parts`` (JSON), the bytes of ``files`` and the code of ``stage``.

    Args:
        parts: parameters (anything JSON can write, ``default=str``).
        files: data files whose content the result depends on (absent files count as absent).
        stage: a key of :data:`STAGES`, or ``None`` when the code does not matter.
    """
    h = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode())
    for f in files:
        h.update(str(f).encode())
        h.update(f.read_bytes() if f.exists() else b"<absent>")
    if stage is not None:
        h.update(code_fingerprint(stage).encode())
    return h.hexdigest()
