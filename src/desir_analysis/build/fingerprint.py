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

from desir_analysis import __version__

#: Package folders (and top-level modules) each cache depends on.
STAGES: dict[str, tuple[str, ...]] = {
    "build": ("reference", "sources", "build", "config.py"),
    "cells": ("reference", "analysis", "build/store.py", "publish/labels.py", "config.py"),
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


def code_files(stage: str) -> list[Path]:
    """Every source file of the package folders a cache of ``stage`` depends on, sorted."""
    root = Path(str(resources.files("desir_analysis")))
    out = []
    for part in STAGES[stage]:
        p = root / part
        files = [p] if p.is_file() else [f for f in p.rglob("*") if f.is_file()]
        out += [f for f in files if f.suffix in SUFFIXES and "__pycache__" not in f.parts]
    return sorted(out, key=lambda f: f.relative_to(root).as_posix())


def code_fingerprint(stage: str = "build") -> str:
    """Hash of the package version and of the code and reference tables a ``stage`` depends on."""
    root = Path(str(resources.files("desir_analysis")))
    h = hashlib.sha256(__version__.encode())
    for f in code_files(stage):
        h.update(f.relative_to(root).as_posix().encode())
        h.update(f.read_bytes())
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
