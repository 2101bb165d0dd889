"""Every benchmark's ``--quick`` mode in one process: the smoke run of ``make bench-quick``.

    python benchmarks/quick.py              # every bench, in the order of RESULTS.md
    python benchmarks/quick.py hotspots run # only these (make bench-quick passes $(BENCHES))
    python benchmarks/quick.py -v           # also show what each bench prints
    python benchmarks/quick.py --jobs 2     # in two processes at once (make bench-quick)

Each bench module is imported and its ``main(["--quick"])`` called in this process, so the
interpreter, numpy/pandas/geopandas and trafficprev are imported once and the benches run their
measuring children in this process (``_shared.child``, ``_shared.call``). The world the quick
runs share, a tiny generated city (``_shared.small_city``), is generated once per run, in a
temporary folder that every process of the run shares (the first process that needs it
generates it; the folder, which also holds every temporary file of the run, is removed at the
end), and its area, geocoded cases, units and hotspots are built once per process
(``_shared.small_area``, ``small_geocoded``, ``small_network``, ``small_hotspots``) for every
bench that runs on them. A bench's own output is captured (shown with ``-v``, or when it
fails); one line per bench says OK, its wall time and this process's CPU time in it (the fairer
figure on a busy machine). Any exception or non-zero exit stops the run with the bench's output
and traceback, and the exit status is 1. Figures of a quick run are not measurements.

With ``--jobs N`` the benches are dealt to N processes of this script that run at once (each
as above, in its own interpreter), longest first by :data:`QUICK_SECONDS`, each taking the
next bench when the one before it is dealt to the process with the least work (the benches
of a :data:`TOGETHER` tuple, which share what a process builds, go as one): on a 2-core
machine two processes take about half the time. Their lines are printed when all have
finished, each process's in its order; any failure gives exit status 1.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
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


#: CPU seconds each quick bench took on the 2-core machine on 2026-12-08: the median of three
#: runs of ``python benchmarks/quick.py --quick --jobs 2`` with the 19 benches (each line's CPU
#: figure; 22.5-23.2 s in all, 13.6-14.0 s wall), to deal them to processes evenly; a bench not
#: listed counts 1 s. The first bench of a process to import a library or to build the tiny
#: city's area, cases or hotspots carries that cost, so a figure shifts a little with the deal.
QUICK_SECONDS = {
    "run": 4.3, "geocode": 4.0, "groups": 3.5, "hotspots": 1.9, "democity": 1.8, "maps": 1.1,
    "area": 1.0, "gistar": 0.8, "intake": 0.7, "trends": 0.7, "nkde": 0.6, "timeparse": 0.5,
    "clusters": 0.5, "rates": 0.4, "sites": 0.4, "precision": 0.4, "narrative": 0.2,
    "mannkendall": 0.2, "phrases": 0.1,
}  # fmt: skip


#: Benches dealt to the same process as one, as they share what a process builds or imports
#: once: the tiny city's geocoded cases, units and hotspots (``_shared.small_geocoded``,
#: ``small_network``, ``small_hotspots``); the peer library the second three compare against
#: (esda, with libpysal).
TOGETHER = (("hotspots", "trends", "maps"), ("gistar", "rates", "precision"))


def deal(names: list[str], jobs: int) -> list[list[str]]:
    """`names` dealt to `jobs` groups, longest first (the benches of a :data:`TOGETHER` tuple
    as one, their seconds summed), each to the group with least work; each group keeps the
    order of `names`."""
    units = [u for u in (tuple(n for n in t if n in names) for t in TOGETHER) if u]
    taken = {n for u in units for n in u}
    units += [(n,) for n in names if n not in taken]

    def seconds(unit: tuple[str, ...]) -> float:
        return sum(QUICK_SECONDS.get(n, 1.0) for n in unit)

    groups: list[list[str]] = [[] for _ in range(max(1, jobs))]
    work = [0.0] * len(groups)
    for unit in sorted(units, key=lambda u: -seconds(u)):
        i = work.index(min(work))
        groups[i].extend(unit)
        work[i] += seconds(unit)
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
    names = list(args.benches or BENCHES)
    unknown = sorted(set(names) - set(BENCHES))
    if unknown:
        parser.error(f"no such bench: {', '.join(unknown)}")
    from _shared import SHARED_ENV

    if SHARED_ENV in os.environ:  # a process of a run with --jobs: the run's folder
        return run(names, args.jobs, args.verbose)
    # the run's folder, which its processes share; every temporary file of the run goes in it
    # (TMPDIR for the processes of --jobs, tempfile.tempdir for this one) and goes with it
    shared = tempfile.mkdtemp(prefix="bench-quick-")
    saved = os.environ.get("TMPDIR"), tempfile.tempdir
    os.environ[SHARED_ENV] = os.environ["TMPDIR"] = tempfile.tempdir = shared
    try:
        return run(names, args.jobs, args.verbose)
    finally:
        del os.environ[SHARED_ENV]
        if saved[0] is None:
            del os.environ["TMPDIR"]
        else:
            os.environ["TMPDIR"] = saved[0]
        tempfile.tempdir = saved[1]
        shutil.rmtree(shared, ignore_errors=True)


def run(names: list[str], jobs: int, verbose: bool) -> int:
    """Run `names` here, or with `jobs` > 1 in processes of this script; exit status."""
    t0 = time.perf_counter()
    if jobs > 1:
        status = run_parallel(names, jobs, verbose)
        if status == 0:
            total = time.perf_counter() - t0
            print(
                f"all {len(names)} benches OK in {total:.1f} s in {jobs} processes "
                "(quick runs: not measurements)"
            )
        return status
    for name in names:
        ok, seconds, cpu = run_one(name, verbose)
        status = "OK" if ok else "FAILED"
        print(f"{status} bench_{name}.py --quick ({seconds:.1f} s, CPU {cpu:.1f} s)", flush=True)
        if not ok:
            return 1
    total = time.perf_counter() - t0
    print(f"all {len(names)} benches OK in {total:.1f} s (quick runs: not measurements)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
