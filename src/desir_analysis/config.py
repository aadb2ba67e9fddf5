"""Paths of the project, independent of the working directory.

Notebooks, the CLI and the tests import these constants instead of relying on
relative paths (papermill, nbconvert and pytest do not agree on the working
directory). ``DESIR_ROOT`` overrides the project root, e.g. to build into a
scratch folder.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJ_ROOT: Path = Path(os.environ.get("DESIR_ROOT") or Path(__file__).resolve().parents[2])
DATA_DIR: Path = PROJ_ROOT / "data"
RAW_DATA_DIR: Path = DATA_DIR / "raw"
PROCESSED_DATA_DIR: Path = DATA_DIR / "processed"
REPORTS_DIR: Path = PROJ_ROOT / "reports"
#: The private side of the editions, next to the processed tables: executed notebooks, logs, failed
#: notebooks, the disclosure audit files, the protection caches. Never under ``reports/``, which may be
#: put on a website as it is.
WORK_DIR: Path = DATA_DIR / "private"
NOTEBOOKS_DIR: Path = PROJ_ROOT / "notebooks"
#: The reference tables (package data). ``DESIR_REFERENCE_DIR`` points to another copy, e.g. to try a
#: perimeter or a zone before adding it to the package (the tests do).
REFERENCE_DIR: Path = Path(os.environ.get("DESIR_REFERENCE_DIR") or Path(__file__).resolve().parent / "reference")


def readable_mode(directory: bool = False) -> int:
    """The mode a plain ``open()`` / ``mkdir()`` would give: 0666 or 0777 masked by the process umask.

    ``tempfile.mkstemp`` and ``mkdtemp`` create 0600 / 0700: atomic writes restore this mode, so that a
    web server (or a colleague) can read what was written.
    """
    mask = os.umask(0)
    os.umask(mask)
    return (0o777 if directory else 0o666) & ~mask


#: What every output made from the generated demo files says.
DEMO_NOTICE = "données de démonstration (synthétiques)"
