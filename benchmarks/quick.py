"""Every benchmark's ``--quick`` mode in one process: the smoke run of ``make bench-quick``.

    python benchmarks/quick.py              # every bench, in the order of RESULTS.md
    python benchmarks/quick.py hotspots run # only these (make bench-quick passes $(BENCHES))
    python benchmarks/quick.py -v           # also show what each bench prints
    python benchmarks/quick.py --jobs 2     # in two processes at once (make bench-quick)

Each bench module is imported and its ``main(["--quick"])`` called in this process, so the
interpreter, numpy/pandas/geopandas and trafficprev are imported once, the benches run their
measuring children in this process (``_shared.child``, ``_shared.call``) and the shipped demo
is built, geocoded and analysed once (``_shared.demo_area``, ``demo_geocoded``,
``demo_hotspots``, ``small_city``) for every bench that runs on it. A bench's own output is
captured (shown with ``-v``, or when it fails); one line per bench says OK, its wall time and
this process's CPU time in it (the fairer figure on a busy machine). Any exception or non-zero
exit stops the run with the bench's output and traceback, and the exit status is 1. Figures of
a quick run are not measurements.

With ``--jobs N`` the benches are dealt to N processes of this script that run at once (each
as above, in its own interpreter), longest first by :data:`QUICK_SECONDS`, each taking the
next bench when the one before it is dealt to the process with the least work: on a 2-core
machine two processes take about half the time. Their lines are printed when all have
finished, each process's in its order; any failure gives exit status 1.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import subprocess
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))

#: In the order RESULTS.md reports them (the Makefile's BENCHES).
BENCHES = (
    "intake", "timeparse", "narrative", "democity", "area", "phrases", "geocode",
    "gistar", "nkde", "hotspots", "clusters", "rates", "mannkendall", "trends", "sites", "maps",
    "run", "precision", "groups",
)  # fmt: skip


#: Seconds each quick bench took on the 2-core machine (a clean-clone `.ci/run` of
#: 2026-12-07, after issue 19; groups: its own --quick run, 8.0 s CPU), to deal them to
#: processes evenly; a bench not listed counts 1 s.
QUICK_SECONDS = {
    "run": 9.2, "groups": 8.0, "geocode": 7.6, "hotspots": 5.2, "maps": 4.6, "democity": 3.2,
    "trends": 2.3, "area": 2.2, "intake": 1.7, "sites": 1.7, "mannkendall": 1.5, "precision": 1.2,
    "clusters": 0.9, "nkde": 0.8, "gistar": 0.8, "phrases": 0.7, "timeparse": 0.5,
    "narrative": 0.5, "rates": 0.1,
}  # fmt: skip


def deal(names: list[str], jobs: int) -> list[list[str]]:
    """`names` dealt to `jobs` groups, longest first, each to the group with least work; each
    group keeps the order of `names`."""
    groups: list[list[str]] = [[] for _ in range(max(1, jobs))]
    work = [0.0] * len(groups)
    for name in sorted(names, key=lambda n: -QUICK_SECONDS.get(n, 1.0)):
        i = work.index(min(work))
        groups[i].append(name)
        work[i] += QUICK_SECONDS.get(name, 1.0)
    order = {n: k for k, n in enumerate(names)}
    return [sorted(g, key=order.__getitem__) for g in groups if g]


def run_parallel(names: list[str], jobs: int, verbose: bool) -> int:
    """Run the groups of :func:`deal` as processes of this script at once; exit status."""
    cmd = [sys.executable, str(Path(__file__).resolve())] + (["-v"] if verbose else [])
    procs = [
        subprocess.Popen(
            [*cmd, *group], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        for group in deal(names, jobs)
    ]
    status = 0
    for proc in procs:
        out, _ = proc.communicate()
        sys.stdout.write(out)
        status = status or (1 if proc.returncode else 0)
    return status


def run_one(name: str, verbose: bool) -> tuple[bool, float, float]:
    """Import bench_`name` and call its ``main(["--quick"])``: (ok, wall s, CPU s)."""
    buf = io.StringIO()
    t0, c0 = time.perf_counter(), time.process_time()
    ok = True
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
        try:
            module = importlib.import_module(f"bench_{name}")
            code = module.main(["--quick"])
            if code not in (None, 0):
                raise SystemExit(code)
        except SystemExit as exc:
            if exc.code not in (None, 0):
                ok = False
                buf.write(f"\nbench_{name}: exit status {exc.code}\n")
        except BaseException:
            ok = False
            buf.write(traceback.format_exc())
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    if verbose or not ok:
        sys.stdout.write(buf.getvalue())
    return ok, seconds, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("benches", nargs="*", metavar="BENCH", help=", ".join(BENCHES))
    parser.add_argument("-v", "--verbose", action="store_true", help="show each bench's output")
    parser.add_argument(
        "--quick", action="store_true", help="accepted for symmetry: quick is the only mode"
    )
    parser.add_argument("--jobs", type=int, default=1, help="processes at once (default 1)")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    names = list(args.benches or BENCHES)
    unknown = sorted(set(names) - set(BENCHES))
    if unknown:
        parser.error(f"no such bench: {', '.join(unknown)}")
    if args.jobs > 1:
        status = run_parallel(names, args.jobs, args.verbose)
        if status == 0:
            total = time.perf_counter() - t0
            print(
                f"all {len(names)} benches OK in {total:.1f} s in {args.jobs} processes "
                "(quick runs: not measurements)"
            )
        return status
    for name in names:
        ok, seconds, cpu = run_one(name, args.verbose)
        status = "OK" if ok else "FAILED"
        print(f"{status} bench_{name}.py --quick ({seconds:.1f} s, CPU {cpu:.1f} s)", flush=True)
        if not ok:
            return 1
    total = time.perf_counter() - t0
    print(f"all {len(names)} benches OK in {total:.1f} s (quick runs: not measurements)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
