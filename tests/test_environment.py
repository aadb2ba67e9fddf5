"""environment.yml (conda users) must list every dependency of pyproject.toml."""

import re
import tomllib

import yaml

from conftest import ROOT

CONDA_NAMES = {"duckdb": "python-duckdb"}


def _name(req: str) -> str:
    return re.split(r"[<>=!~\[ ;]", req, maxsplit=1)[0].strip().lower()


def test_environment_yml_lists_every_pyproject_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_entries = [d for d in env["dependencies"] if isinstance(d, dict)]
    conda = {_name(d) for d in env["dependencies"] if isinstance(d, str)}
    conda |= {_name(d) for d in pip_entries[0]["pip"] if not d.startswith("-e")}
    missing = sorted(n for n in wanted if CONDA_NAMES.get(n, n) not in conda)
    assert missing == [], f"add to environment.yml: {missing}"
    assert {"pip", "ipykernel"} <= conda
    assert pip_entries and "-e ." in pip_entries[0]["pip"]


def test_environment_yml_has_no_package_unknown_to_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {
        CONDA_NAMES.get(_name(r), _name(r)) for r in project["dependencies"] + project["optional-dependencies"]["dev"]
    }
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_entries = [d for d in env["dependencies"] if isinstance(d, dict)]
    conda = {_name(d) for d in env["dependencies"] if isinstance(d, str)} - {"python", "pip"}
    conda |= {_name(d) for d in pip_entries[0]["pip"] if not d.startswith("-e")}
    assert sorted(conda - wanted) == []
