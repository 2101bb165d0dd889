"""The benchmarks and the documents that quote them stay in step.

Every figure in the README and ``benchmarks/RESULTS.md`` must come from a command in the
repository: these checks keep the named commands real. Every benchmark script is run by
``make bench`` and ``make bench-quick``, has a ``--quick`` smoke mode, and has a section in
RESULTS.md; every ``benchmarks/bench_*.py`` the documents name exists.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
SCRIPTS = sorted(p.stem.removeprefix("bench_") for p in BENCH.glob("bench_*.py"))


def _make_benches() -> list[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    match = re.search(r"^BENCHES\s*:=\s*((?:.*\\\n)*.*)$", text, flags=re.M)
    assert match, "Makefile has no BENCHES list"
    return match.group(1).replace("\\\n", " ").split()


def test_make_bench_runs_every_script_once():
    benches = _make_benches()
    assert sorted(benches) == SCRIPTS
    assert len(benches) == len(set(benches))
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("bench:", "bench-quick:"):
        body = text.split(f"\n{target}", 1)[1].split("\n\n", 1)[0]
        assert "$(BENCHES)" in body, target
    assert "--quick" in text.split("\nbench-quick:", 1)[1].split("\n\n", 1)[0]


def test_every_script_has_a_quick_mode_and_says_so():
    for name in SCRIPTS:
        source = (BENCH / f"bench_{name}.py").read_text(encoding="utf-8")
        assert '"--quick"' in source, name
        docstring = source.split('"""', 2)[1]
        assert "--quick" in docstring, f"bench_{name}.py: the docstring does not show --quick"


def test_every_script_has_results_and_every_named_script_exists():
    results = (BENCH / "RESULTS.md").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in SCRIPTS:
        assert f"bench_{name}.py" in results, f"RESULTS.md has no section for bench_{name}.py"
    named = set(re.findall(r"bench_([a-z_]+)\.py", results + readme))
    assert named <= set(SCRIPTS), named - set(SCRIPTS)


def test_ci_smoke_runs_the_benchmarks():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci and "make bench-quick" in ci
    assert ci.index("make test") < ci.index("make bench-quick")


def test_quick_benches_are_dealt_evenly_to_processes():
    """``quick.py --jobs N`` runs every bench once, in the given order within a process, and
    no process has more than the longest bench's seconds more work than another."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    try:
        from quick import BENCHES, QUICK_SECONDS, deal
    finally:
        sys.path.pop(0)
    assert set(QUICK_SECONDS) == set(BENCHES)
    for jobs in (1, 2, 3, 5):
        groups = deal(list(BENCHES), jobs)
        assert sorted(n for g in groups for n in g) == sorted(BENCHES)
        for g in groups:
            assert g == [n for n in BENCHES if n in g]
        work = [sum(QUICK_SECONDS[n] for n in g) for g in groups]
        assert max(work) - min(work) <= max(QUICK_SECONDS.values())
        assert len(groups) == min(jobs, len(BENCHES))
