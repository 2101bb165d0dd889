"""The layers of trafficprev run one way (issue 17, Build 4).

Every module of ``trafficprev/`` is read with :mod:`ast` (imports inside functions and under
``TYPE_CHECKING`` included) and each import is checked against the order of the layers,
lowest first::

    intake → area → geocode → network → hotspots → groups, trends → sites, precision, targets
           → maps, report, publish, datasets → pipeline, cli, __main__ → the package itself

plus the shared base modules at the package root (:data:`BASE`), which any layer may import
and which import no layer. An import fails the test when it

* goes up: a layer imports a higher layer, or a base module imports a layer;
* reaches into another package's private parts: ``from ..area._build import x`` (a private
  module) or ``from ..groups import _frame`` (a private name) from outside that package;
* closes a cycle between the top-level units (same-level siblings such as groups and
  trends may import each other one way, never both);
* comes from or goes to a unit that is in no layer and not in :data:`BASE` (place it).

The second half of the file builds tiny module trees in ``tmp_path`` and shows that the
checker catches each kind.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "trafficprev"

#: The layers, lowest first; a layer may import the layers below it.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"intake", "_ledgers"}),
    frozenset({"area"}),
    frozenset({"geocode"}),
    frozenset({"network"}),
    frozenset({"hotspots"}),
    frozenset({"groups", "trends"}),
    frozenset({"sites", "precision", "targets"}),
    # the demo-data generators sit with the outputs: only the pipeline and the CLI use them
    frozenset({"maps", "report", "publish", "datasets"}),
    frozenset({"pipeline", "cli", "__main__"}),
    # helpers for tests and benchmarks: nothing of the analysis may import them
    frozenset({"testing"}),
    frozenset({""}),  # the package's own __init__: the public facade
)

#: Shared base modules at the package root: any layer may import them; they import no layer.
BASE: frozenset[str] = frozenset(
    {
        "_errors",
        "settings",
        "schema",
        "_names",
        "_io",
        "_outdir",
        "coords",
        "privacy",
        "release",
        "disclosure",
        "_display",
        "_limits",
        "_tables",
        "_accounting",
        "utils",
        "_vector",
        "_periods",
        "_rows",
        "_graph",
        "_plotting",
        "timeparse",
        "narrative",
        "_narrative_rules",
        "_scan",
        "_store",
        "_casetime",
        "_version",
    }
)


# ---------------------------------------------------------------------------------------
# the checker


@dataclass(frozen=True)
class Import:
    """One import edge: `source` module imports `target` module (with `names` from it)."""

    source: str
    line: int
    target: str
    names: tuple[str, ...]


def _module_name(path: Path, root: Path, package: str) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([package, *parts])


def _modules(root: Path, package: str) -> dict[str, Path]:
    """Every module of the tree at `root` (the folder of `package`) by dotted name."""
    return {_module_name(p, root, package): p for p in sorted(root.rglob("*.py"))}


def _imports(module: str, path: Path, known: Iterable[str], package: str) -> Iterator[Import]:
    """The imports of `module` that stay inside `package`, resolved to modules of the tree."""
    known = set(known)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == package or alias.name.startswith(package + "."):
                    yield Import(module, node.lineno, alias.name, ())
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target != package and not target.startswith(package + "."):
                continue
            plain = []
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if sub in known:  # `from . import disclosure`: the submodule itself
                    yield Import(module, node.lineno, sub, ())
                else:
                    plain.append(alias.name)
            if plain:
                yield Import(module, node.lineno, target, tuple(plain))


def _unit(module: str, package: str) -> str:
    """The top-level unit of a module: ``trafficprev.area._build`` → ``area``; root → ``""``."""
    rest = module[len(package) + 1 :] if module != package else ""
    return rest.split(".")[0]


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one unit (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def check_layers(
    root: Path, package: str, layers: Sequence[frozenset[str]], base: frozenset[str]
) -> list[str]:
    """Every breach of the layer rules in the tree at `root`, as readable lines (none: ``[]``).

    Parameters
    ----------
    root
        The package folder (holding ``__init__.py``).
    package
        Its import name.
    layers
        Top-level units per layer, lowest first (``""`` is the package's ``__init__``).
    base
        Top-level base modules, importable by every layer, importing no layer.
    """
    level = {unit: i for i, units in enumerate(layers) for unit in units}
    modules = _modules(root, package)
    problems: list[str] = []
    graph: dict[str, set[str]] = {}
    for unit in sorted({_unit(m, package) for m in modules} - set(level) - base):
        problems.append(f"unplaced: {package}.{unit} is in no layer and not a base module")
    for module, path in modules.items():
        src = _unit(module, package)
        for imp in _imports(module, path, modules, package):
            dst = _unit(imp.target, package)
            if dst == src:
                continue
            where = f"{module}:{imp.line} imports {imp.target}"
            graph.setdefault(src, set()).add(dst)
            if src in base and dst not in base:
                problems.append(f"base imports a layer: {where}")
            elif src in level and dst in level and level[dst] > level[src]:
                problems.append(f"upward: {where} (layer {level[src]} → {level[dst]})")
            inner = imp.target.split(".")[2:] if dst else []
            if any(_private(part) for part in inner):
                problems.append(f"private module of another package: {where}")
            hidden = [n for n in imp.names if _private(n)]
            if hidden:
                problems.append(f"private name(s) {hidden} of another package: {where}")
    for cycle in _cycles(graph):
        problems.append("cycle: " + " ↔ ".join(u or package for u in cycle))
    return problems


# ---------------------------------------------------------------------------------------
# the rule on trafficprev itself


def test_trafficprev_layers_run_one_way():
    problems = check_layers(PACKAGE_DIR, "trafficprev", LAYERS, BASE)
    assert problems == [], "\n".join(problems)


def test_every_base_module_and_layer_exists():
    units = {_unit(m, "trafficprev") for m in _modules(PACKAGE_DIR, "trafficprev")}
    placed = BASE | {u for layer in LAYERS for u in layer}
    assert placed <= units, sorted(placed - units)


# ---------------------------------------------------------------------------------------
# the checker on synthetic trees

TOY_LAYERS = (
    frozenset({"low"}),
    frozenset({"left", "right"}),
    frozenset({"high"}),
    frozenset({""}),
)
TOY_BASE = frozenset({"_base", "util"})


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    """A package ``toy`` in `tmp_path` with a clean base and the given extra `files`."""
    root = tmp_path / "toy"
    default = {
        "__init__.py": "",
        "_base.py": "from . import util\n",
        "util.py": "VALUE = 1\n",
        "low/__init__.py": "from ._impl import f\nfrom .._base import util\n",
        "low/_impl.py": "def f():\n    return 1\n\n\ndef _helper():\n    return 2\n",
        "left/__init__.py": "from ..low import f\n",
        "right/__init__.py": "from ..left import f\n",
        "high/__init__.py": "import toy.low\nfrom toy.right import f\n",
    }
    for rel, text in {**default, **files}.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return root


def _check(tmp_path: Path, files: dict[str, str]) -> list[str]:
    return check_layers(_tree(tmp_path, files), "toy", TOY_LAYERS, TOY_BASE)


def test_checker_passes_a_clean_tree(tmp_path):
    assert _check(tmp_path, {}) == []


def test_checker_catches_an_upward_import(tmp_path):
    problems = _check(tmp_path, {"low/up.py": "from ..high import x\n"})
    assert any(p.startswith("upward: toy.low.up:1 imports toy.high") for p in problems)


def test_checker_catches_an_upward_import_inside_a_function(tmp_path):
    lazy = "def g():\n    from toy.left import f\n\n    return f()\n"
    problems = _check(tmp_path, {"low/lazy.py": lazy})
    assert any(p.startswith("upward: toy.low.lazy:2 imports toy.left") for p in problems)


def test_checker_catches_a_base_module_importing_a_layer(tmp_path):
    problems = _check(tmp_path, {"util.py": "def g():\n    from .low import f\n"})
    assert any(p.startswith("base imports a layer: toy.util:2") for p in problems)


def test_checker_catches_a_private_module_of_another_package(tmp_path):
    problems = _check(tmp_path, {"left/x.py": "from ..low._impl import f\n"})
    assert problems == ["private module of another package: toy.left.x:1 imports toy.low._impl"]


def test_checker_catches_a_private_name_of_another_package(tmp_path):
    problems = _check(tmp_path, {"left/x.py": "from toy.low import _helper, f\n"})
    assert problems == [
        "private name(s) ['_helper'] of another package: toy.left.x:1 imports toy.low"
    ]


def test_checker_allows_private_parts_inside_a_package(tmp_path):
    assert _check(tmp_path, {"low/y.py": "from ._impl import _helper\nfrom . import _impl\n"}) == []


def test_checker_catches_a_sibling_cycle(tmp_path):
    problems = _check(tmp_path, {"left/back.py": "def g():\n    from ..right import f\n"})
    assert problems == ["cycle: left ↔ right"]


def test_checker_catches_a_cycle_through_base_modules(tmp_path):
    problems = _check(tmp_path, {"util.py": "from . import _base\n"})
    assert problems == ["cycle: _base ↔ util"]


def test_checker_catches_an_unplaced_unit(tmp_path):
    problems = _check(tmp_path, {"stray.py": "from .low import f\n"})
    assert problems == ["unplaced: toy.stray is in no layer and not a base module"]


def test_checker_reads_from_package_import_submodule_as_the_submodule(tmp_path):
    # `from . import high` in a low module is an import of toy.high, not of the root package
    problems = _check(tmp_path, {"low/z.py": "from .. import high\n"})
    assert any(p.startswith("upward: toy.low.z:1 imports toy.high") for p in problems)


@pytest.mark.parametrize("text", ["import os\n", "from collections import abc\n"])
def test_checker_ignores_imports_from_outside_the_package(tmp_path, text):
    assert _check(tmp_path, {"low/ext.py": text}) == []
