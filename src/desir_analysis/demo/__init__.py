"""Demo raw files, written in the producers' exact layouts (synthetic, calibrated on published figures).

Called by the CLI when ``data/raw/`` holds no real French files; the build never
imports this package (it reads whatever raw folder it is given). Modules:
``common`` (notice, years, constants), ``fr`` (Sirene stocks and history, employment
extracts; ``sirene_variety``: old and empty codes), ``be`` (KBO export, ONSS extract, approvals;
``kbo_activity``: activity rows of every version), ``population`` (Statbel, INSEE, Eurostat),
``survey`` (questionnaire on organisation modes and practices). No module imports this one: no
import cycle.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from importlib import resources
from pathlib import Path

from desir_analysis.demo import be, fr, population, survey
from desir_analysis.demo.common import DEMO_NOTICE, YEARS
from desir_analysis.demo.fr import DemoFiles

__all__ = ["DEMO_NOTICE", "YEARS", "DemoFiles", "demo_version", "ensure", "generate", "is_current"]


def demo_version() -> str:
    """Hash of the generators and their constants: a change regenerates the demo files."""
    h = hashlib.sha256()
    root = resources.files("desir_analysis.demo")
    for p in sorted(root.iterdir(), key=lambda p: p.name):  # every generator module (a new one counts too)
        if p.name.endswith(".py"):
            h.update(p.read_bytes())
    for p in sorted(root.joinpath("constants").iterdir(), key=lambda p: p.name):
        if p.name.endswith(".csv"):
            h.update(p.read_bytes())
    return h.hexdigest()[:16]


def is_current(root: Path) -> bool:
    """Whether ``root`` holds demo files made by the current generators at full scale."""
    marker = root / "DEMO.txt"
    return marker.exists() and f"version {demo_version()} scale 1.0 " in marker.read_text(encoding="utf-8")


def _generate_others(root: Path, scale: float, rest_fraction: float, seed: int) -> None:
    """The Belgian files and the population files (independent of the French draws)."""
    be.generate(root, scale=scale, rest_fraction=min(1.0, rest_fraction * 5), seed=seed + 1)
    population.generate(root, seed=seed + 2)


def generate(root: Path, scale: float = 1.0, rest_fraction: float = 1 / 50, seed: int = 20260101) -> DemoFiles:
    """Write the demo raw files under ``root/fr/`` and ``root/be/`` (deterministic for a seed).

    The Belgian and population files are written by a forked process while this one
    writes the French files (each generator has its own seed: the files do not
    depend on the order).
    """
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    pool = None
    if "fork" in mp.get_all_start_methods() and (os.cpu_count() or 1) > 1:
        pool = ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("fork"))
        others = pool.submit(_generate_others, root, scale, rest_fraction, seed)
    try:
        files = fr.generate_fr(root, scale, rest_fraction, seed)
        if pool is None:
            _generate_others(root, scale, rest_fraction, seed)
        else:
            others.result()
    finally:
        if pool is not None:
            pool.shutdown()
    survey.generate(root)  # the questionnaire on organisation modes and practices
    plan = root / "plan"  # the development plan's targets (layout: data/raw/README.md)
    plan.mkdir(parents=True, exist_ok=True)
    (plan / "objectifs.csv").write_bytes(
        resources.files("desir_analysis.demo").joinpath("constants", "plan_objectifs.csv").read_bytes()
    )
    (root / "DEMO.txt").write_text(
        f"{DEMO_NOTICE}\nGénéré par desir_analysis.demo ; ne pas utiliser comme données réelles.\n"
        f"version {demo_version()} scale {float(scale)} rest_fraction {rest_fraction} seed {seed}\n",
        encoding="utf-8",
    )
    return files


def has_real_data(raw_dir: Path) -> bool:
    """Whether ``raw_dir/fr/sirene`` holds real Sirene stocks."""
    sirene = raw_dir / "fr" / "sirene"
    return any(sirene.glob("StockEtablissement*.csv")) or any(sirene.glob("StockEtablissement*.parquet"))


def ensure(raw_dir: Path) -> Path:
    """The raw folder to build from: ``raw_dir`` with real files, else ``raw_dir/demo`` (generated when stale)."""
    if has_real_data(raw_dir):
        return raw_dir
    demo_dir = raw_dir / "demo"
    if not is_current(demo_dir):  # missing, or made by older generators
        print(
            f"[desir] aucune donnée réelle dans {raw_dir}/fr : génération des {DEMO_NOTICE} dans {demo_dir}",
            flush=True,
        )
        raw_dir.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=raw_dir, prefix=".demo-"))
        start = time.perf_counter()
        generate(tmp)
        print(f"[desir] données de démonstration générées en {time.perf_counter() - start:.1f} s", flush=True)
        if demo_dir.exists():
            shutil.rmtree(demo_dir)
        os.replace(tmp, demo_dir)
    return demo_dir
