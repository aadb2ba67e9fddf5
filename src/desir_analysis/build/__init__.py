"""The build stage: source-shaped frames -> the common processed tables.

Modules: ``inputs`` (finding and reading the raw files), ``harmonise_fr`` and
``harmonise_be`` (each country's rows through the common definition),
``schemas`` (the processed-table contracts), ``cache_keys`` (the one cache-key
function), ``store`` (atomic writes, :func:`load`, :func:`provenance`),
``pipeline`` (:func:`build`, years in forked workers).
"""

from desir_analysis.build.cache_keys import code_fingerprint, fingerprint, sha256_file
from desir_analysis.build.errors import BuildError
from desir_analysis.build.inputs import PROCESSED_ZONE, discover_be, discover_fr, resolve_raw
from desir_analysis.build.pipeline import BuildResult, build, build_year
from desir_analysis.build.store import TABLES, load, provenance, write_year

__all__ = [
    "PROCESSED_ZONE",
    "TABLES",
    "BuildError",
    "BuildResult",
    "build",
    "build_year",
    "code_fingerprint",
    "discover_be",
    "discover_fr",
    "fingerprint",
    "load",
    "provenance",
    "resolve_raw",
    "sha256_file",
    "write_year",
]
