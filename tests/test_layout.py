"""The package is laid out by stage, and the data flows one way: reference -> sources -> build -> analysis -> publish."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "src" / "desir_analysis"

#: stage -> the stages its modules may import (besides themselves and config).
ALLOWED = {
    "reference": set(),
    "sources": {"reference"},
    "build": {"reference", "sources"},
    "analysis": {"reference", "build"},
    "publish": {"reference", "build", "analysis"},
    "demo": {"reference", "sources"},
    "cli": {"reference", "sources", "build", "analysis", "publish", "demo"},
}


#: Known violations still to remove (each one named, so a new one fails).
KNOWN_EXCEPTIONS: dict[str, set[str]] = {}


def _stage(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "desir_analysis" or len(parts) < 2:
        return None
    return "cli" if parts[1] == "cli" else parts[1] if parts[1] in ALLOWED else None


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out += [node.module] + [f"{node.module}.{a.name}" for a in node.names]
    return [m for m in out if m.startswith("desir_analysis")]


def _module_of(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    return ".".join(p for p in rel.parts if p != "__init__")


MODULES = sorted(p for p in PKG.rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PKG)))
def test_every_module_imports_only_earlier_stages(path):
    own = _stage(_module_of(path))
    if own is None:
        return  # package root, config
    bad = []
    for target in _imports(path):
        stage = _stage(target)
        if stage is not None and stage != own and stage not in ALLOWED[own]:
            bad.append(target)
    bad = sorted(set(bad) - KNOWN_EXCEPTIONS.get(str(path.relative_to(PKG)), set()))
    assert not bad, f"{path.relative_to(PKG)} ({own}) imports {bad}"


def test_sources_know_nothing_of_the_common_definition():
    for path in (PKG / "sources").glob("*.py"):
        names = set(_imports(path))
        assert not names & {"desir_analysis.reference.classify", "desir_analysis.reference.membership"}, path.name


def test_the_build_never_imports_the_demo():
    for path in (PKG / "build").glob("*.py"):
        assert not [m for m in _imports(path) if m.startswith("desir_analysis.demo")], path.name


def test_the_demo_modules_do_not_import_their_package():
    for path in (PKG / "demo").glob("*.py"):
        if path.name == "__init__.py":
            continue
        assert "desir_analysis.demo" not in [m for m in _imports(path) if m.count(".") == 1], path.name


def test_no_module_over_600_lines():
    long = {str(p.relative_to(PKG)): n for p in MODULES if (n := len(p.read_text().splitlines())) > 600}
    assert not long, long


@pytest.mark.parametrize(
    ("former", "staged"),
    [
        ("classify", "reference.classify"),
        ("perimeters", "reference.membership"),
        ("disclosure", "analysis.disclosure"),
        ("indicators", "analysis.indicators"),
        ("zone_cells", "analysis.cells"),
        ("labels", "publish.labels"),
    ],
)
def test_documented_former_names_are_the_staged_modules(former, staged):
    old = importlib.import_module(f"desir_analysis.{former}")
    assert old is importlib.import_module(f"desir_analysis.{staged}")
    import desir_analysis

    assert getattr(desir_analysis, former) is old


def test_readme_example_names_resolve():
    from desir_analysis.disclosure import protect

    from desir_analysis import classify, perimeters

    assert callable(classify.classify) and callable(perimeters.in_perimeter) and callable(protect)


NOTEBOOKS = sorted((PKG.parents[1] / "notebooks").glob("*.py"))


def _code_lines(path: Path) -> int:
    return sum(
        1
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_are_thin(path):
    """A study reads like a report outline: few code lines, no function or class of its own, lines ≤ 100."""
    assert _code_lines(path) <= 250, f"{path.name}: {_code_lines(path)} code lines"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    defs = [n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef)]
    assert not defs, f"{path.name} defines {defs}: put them in the package, with a test"
    long = [i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if len(line) > 100]
    assert not long, f"{path.name}: lines over 100 characters: {long[:5]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_publish_through_the_study_api(path):
    """No notebook calls the low-level publish/write_audit/display helpers or keeps a registry dict."""
    text = path.read_text(encoding="utf-8")
    for forbidden in ("publish(", "write_audit(", "display(HTML", "AUDITED", "zone_cells"):
        assert forbidden not in text, f"{path.name} uses {forbidden!r}"
