"""environment.yml mirrors pyproject.toml: a dependency missing from either side fails."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# PyPI name -> conda-forge name where they differ
CONDA_NAMES: dict[str, str] = {"osmium": "pyosmium"}
# extras that environment.yml mirrors (``bench`` holds peers for make bench only)
MIRRORED = ("test", "notebook")


def _env():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    return env, conda, [p for p in pip if not p.startswith("-e")], pip


def _name(req: str) -> str:
    return re.split(r"[<>=!~\[; ]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_mirrors_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = list(project["dependencies"])
    for extra in MIRRORED:
        reqs += project["optional-dependencies"][extra]
    wanted = {CONDA_NAMES.get(_name(r), _name(r)) for r in reqs}
    env, conda_deps, pip_only, pip = _env()
    assert env["channels"] == ["conda-forge"]
    have = {_name(d) for d in conda_deps} - {"python", "pip"} | {_name(p) for p in pip_only}
    assert wanted - have == set(), f"missing from environment.yml: {wanted - have}"
    assert have - wanted == set(), f"not in pyproject.toml: {have - wanted}"
    assert pip[-1] == "-e . --no-deps"


def test_environment_pins_match_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = list(project["dependencies"]) + [
        r for extra in MIRRORED for r in project["optional-dependencies"][extra]
    ]
    _, conda_deps, pip_only, _ = _env()
    conda = {_name(d): d.replace(" ", "") for d in conda_deps + pip_only}
    for r in reqs:
        name = CONDA_NAMES.get(_name(r), _name(r))
        spec = r.replace(" ", "")[len(_name(r)) :]
        assert conda[name].endswith(spec), f"{name}: pyproject {r!r} vs conda {conda[name]!r}"
