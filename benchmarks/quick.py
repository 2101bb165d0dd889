"""Every benchmark's ``--quick`` mode in one process: the smoke run of ``make bench-quick``.

    python benchmarks/quick.py              # every bench, in the order of RESULTS.md
    python benchmarks/quick.py hotspots run # only these (make bench-quick passes $(BENCHES))
    python benchmarks/quick.py -v           # also show what each bench prints

Each bench module is imported and its ``main(["--quick"])`` called in this process, so the
interpreter, numpy/pandas/geopandas and trafficprev are imported once, the benches run their
measuring children in this process (``_shared.child``, ``_shared.call``) and the shipped demo
is built, geocoded and analysed once (``_shared.demo_area``, ``demo_geocoded``,
``demo_hotspots``, ``small_city``) for every bench that runs on it. A bench's own output is
captured (shown with ``-v``, or when it fails); one line per bench says OK, its wall time and
this process's CPU time in it (the fairer figure on a busy machine). Any exception or non-zero
exit stops the run with the bench's output and traceback, and the exit status is 1. Figures of
a quick run are not measurements.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
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
    "run",
)  # fmt: skip


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
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    names = args.benches or BENCHES
    unknown = sorted(set(names) - set(BENCHES))
    if unknown:
        parser.error(f"no such bench: {', '.join(unknown)}")
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
