"""No function of trafficprev is longer than 100 lines (issue 17, item 6).

A function's length is counted with :mod:`ast` from its ``def`` line to its last line,
docstring included (``end_lineno - lineno + 1``). A longer one is split into named steps,
each a helper with one job and a docstring. :data:`ALLOWED_LONG_FUNCTIONS` lists the ones
still too long, each with its reason (``TODO owner``: the file's owner splits it).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "trafficprev"

#: The most lines a function may have.
MAX_LINES = 100

_TODO = "TODO owner: split into named steps"

#: ``(file under trafficprev/, qualified function name) -> reason``.
ALLOWED_LONG_FUNCTIONS: dict[tuple[str, str], str] = {}


def long_functions(tree: ast.AST, limit: int = MAX_LINES) -> Iterator[tuple[str, int]]:
    """``(qualified name, lines)`` of every function in `tree` longer than `limit` lines;
    methods are ``Class.method``, nested functions ``outer.inner``."""

    def visit(node: ast.AST, scope: tuple[str, ...]) -> Iterator[tuple[str, int]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = (*scope, child.name)
                if not isinstance(child, ast.ClassDef):
                    lines = child.end_lineno - child.lineno + 1  # type: ignore[operator]
                    if lines > limit:
                        yield ".".join(name), lines
                yield from visit(child, name)
            else:
                yield from visit(child, scope)

    yield from visit(tree, ())


def _scan() -> dict[tuple[str, str], int]:
    found = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        rel = path.relative_to(PACKAGE_DIR).as_posix()
        for name, lines in long_functions(ast.parse(path.read_text(encoding="utf-8"))):
            found[rel, name] = lines
    return found


def test_no_function_is_longer_than_100_lines():
    too_long = [
        f"trafficprev/{f}: {name} has {n} lines (at most {MAX_LINES})"
        for (f, name), n in sorted(_scan().items())
        if (f, name) not in ALLOWED_LONG_FUNCTIONS
    ]
    assert not too_long, "split these into named steps:\n" + "\n".join(too_long)


def test_the_allow_list_holds_no_function_that_was_split():
    found = _scan()
    stale = [f"{key}" for key in sorted(ALLOWED_LONG_FUNCTIONS) if key not in found]
    assert not stale, "remove these entries of ALLOWED_LONG_FUNCTIONS:\n" + "\n".join(stale)
    assert all(reason.strip() for reason in ALLOWED_LONG_FUNCTIONS.values())


def _function(name: str, n_lines: int, indent: str = "") -> str:
    """Source of a function of exactly `n_lines` lines: def, docstring, assignments."""
    body = [f'{indent}    """Doc."""', *(f"{indent}    x{i} = {i}" for i in range(n_lines - 2))]
    return "\n".join([f"{indent}def {name}():", *body]) + "\n"


def test_the_scan_counts_docstrings_and_names_methods_and_nested_functions():
    source = (
        _function("exactly_100", 100)
        + _function("over_100", 101)
        + "class C:\n"
        + _function("method", 101, "    ")
        + "def outer():\n    x = 0\n"
        + _function("inner", 101, "    ")
    )
    found = dict(long_functions(ast.parse(source)))
    assert found == {"over_100": 101, "C.method": 101, "outer": 103, "outer.inner": 101}
