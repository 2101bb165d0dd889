"""environment.yml mirrors pyproject.toml: a dependency missing from either side fails."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# PyPI name -> conda-forge name where they differ
CONDA_NAMES: dict[str, str] = {}


def _name(req: str) -> str:
    return re.split(r"[<>=!~\[; ]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_mirrors_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = list(project["dependencies"])
    for extra in ("test", "notebook"):
        reqs += project["optional-dependencies"][extra]
    wanted = {CONDA_NAMES.get(_name(r), _name(r)) for r in reqs}
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert env["channels"] == ["conda-forge"]
    conda = {_name(d) for d in env["dependencies"] if isinstance(d, str)} - {"python", "pip"}
    assert wanted - conda == set(), f"missing from environment.yml: {wanted - conda}"
    assert conda - wanted == set(), f"not in pyproject.toml: {conda - wanted}"
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert pip == ["-e . --no-deps"]


def test_environment_pins_match_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = list(project["dependencies"]) + [
        r for extra in project["optional-dependencies"].values() for r in extra
    ]
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = {_name(d): d.replace(" ", "") for d in env["dependencies"] if isinstance(d, str)}
    for r in reqs:
        name = CONDA_NAMES.get(_name(r), _name(r))
        spec = r.replace(" ", "")[len(_name(r)) :]
        assert conda[name].endswith(spec), f"{name}: pyproject {r!r} vs conda {conda[name]!r}"
