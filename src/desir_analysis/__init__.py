"""desir-analysis: cross-border (France / Belgium) observatory of the social and solidarity economy.

The folders are the stages of the data's path::

    reference/  curated tables, code normalisation, the common definition applied
                (classify, perimeters) and geography (territory)
    sources/    one reader per raw layout (knows nothing of the common definition)
    build/      source-shaped frames -> the processed tables (store: load, provenance)
    analysis/   indicators, models, disclosure, the edition's shared protected cells
    publish/    the study API, publication plan, labels, tables, figures, runner
    demo/       synthetic raw files in the producers' layouts (called by the CLI only)

The names the README documented before the stages existed keep working:
``desir_analysis.classify``, ``.perimeters``, ``.disclosure``, ``.indicators``…
are the staged modules themselves (same objects), imported on first use.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

__version__ = "0.1.0"

#: Former flat module names -> the staged modules (kept as aliases for users' code).
ALIASES: dict[str, str] = {
    "codes": "reference.codes",
    "classify": "reference.classify",
    "perimeters": "reference.membership",
    "harmonise": "build.harmonise_fr",
    "harmonise_be": "build.harmonise_be",
    "schemas": "build.schemas",
    "indicators": "analysis.indicators",
    "models": "analysis.models",
    "disclosure": "analysis.disclosure",
    "reconcile": "analysis.reconcile",
    "zone_cells": "analysis.cells",
    "tables": "publish.tables",
    "figures": "publish.figures",
    "labels": "publish.labels",
    "reporting": "publish.runner",
}


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec):  # noqa: D102 - the staged module itself, not a copy
        return importlib.import_module(self.target)

    def exec_module(self, module) -> None:  # noqa: D102 - already executed
        return None


class _AliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):  # noqa: D102
        prefix, _, leaf = fullname.rpartition(".")
        if prefix != __name__ or leaf not in ALIASES:
            return None
        return importlib.util.spec_from_loader(fullname, _AliasLoader(f"{__name__}.{ALIASES[leaf]}"))


if not any(isinstance(f, _AliasFinder) for f in sys.meta_path):
    sys.meta_path.insert(0, _AliasFinder())


def __getattr__(name: str):
    """``desir_analysis.disclosure`` and the other former names, on first use."""
    if name in ALIASES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
