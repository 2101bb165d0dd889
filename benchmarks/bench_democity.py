"""Demo-city generation time and peak memory by size; its xlsx writer against openpyxl.

    python benchmarks/bench_democity.py                       # both parts (defaults below)
    python benchmarks/bench_democity.py --part generate       # 3,000 30,000 100,000
    python benchmarks/bench_democity.py --part generate --sizes 1000000  # ~11 min, 5.7 GB
    python benchmarks/bench_democity.py --part xlsx           # the writers, 100,000 rows
    python benchmarks/bench_democity.py --part xlsx --xlsx-rows 100000 1000000
    python benchmarks/bench_democity.py --quick               # 300, 500 rows (smoke run)

``generate``: each size runs in its own process (peak memory is that process's VmHWM) and
writes into a temporary folder that is removed afterwards.

``xlsx``: the same determination rows (``bench_intake.py``'s synthetic rows, 17 columns, a
title row) written as one sheet by the generator's own SpreadsheetML writer
(``trafficprev.datasets._xlsx.write_xlsx``, what ``make_demo_city`` uses) and by openpyxl
with its cell objects (``Workbook()``, ``ws.append`` per row, the merged bold title), and by
openpyxl's ``write_only`` mode; wall time of one write each, in this process.

``--quick`` runs both parts small, in this process: the tiny city the other quick benches
share (``_shared.small_city``: ``small_config`` with 300 determinations, a world of scale 0.1;
in a ``quick.py`` run it is generated once for all its processes, by the first that needs it,
and its generation time is reported wherever it ran) and 500 rows. A smoke run, not a
measurement.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

import _shared
from _shared import child

_CHILD = r"""
import json, sys, time
from trafficprev.datasets.democity import DemoConfig, make_demo_city
n, out, scale = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
t0 = time.perf_counter()
make_demo_city(out, DemoConfig(n_determinations=n, scale=scale))
seconds = time.perf_counter() - t0
hwm = next(l for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps({"n": n, "seconds": seconds, "peak_mb": int(hwm.split()[1]) / 1024}))
"""

_TITLE = "示范市2024年工伤认定台账（合成演示数据，非真实数据）"


def generate(sizes: list[int], *, in_process: bool, scale: float = 1.0) -> None:
    print("| determinations | seconds | peak MB |")
    print("|---:|---:|---:|")
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            out = child(_CHILD, [n, tmp, scale], in_process=in_process)
        r = json.loads(out.strip().splitlines()[-1])
        print(f"| {r['n']:,} | {r['seconds']:.1f} | {r['peak_mb']:,.0f} |")


def _ours(path: Path, header: list[str], rows: list[list[str]]) -> None:
    from trafficprev.datasets._xlsx import Sheet, write_xlsx

    write_xlsx(path, [Sheet("认定台账", [header, *rows], title=_TITLE)], creator="bench")


def _openpyxl(path: Path, header: list[str], rows: list[list[str]]) -> None:
    import openpyxl
    from openpyxl.styles import Alignment, Font

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "认定台账"
    ws.append([_TITLE])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.cell(1, 1).font = Font(bold=True)
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)


def _openpyxl_write_only(path: Path, header: list[str], rows: list[list[str]]) -> None:
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("认定台账")
    ws.append([_TITLE])
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)


def xlsx_writers(sizes: list[int]) -> None:
    from bench_intake import HEADER, _row

    print("| rows | write_xlsx s (ours) | openpyxl s (cell objects) | openpyxl write_only s |")
    print("|---:|---:|---:|---:|")
    for n in sizes:
        rng = random.Random(7)
        rows = [_row(rng, i) for i in range(n)]
        seconds = []
        with tempfile.TemporaryDirectory() as tmp:
            for k, writer in enumerate((_ours, _openpyxl, _openpyxl_write_only)):
                t0 = time.perf_counter()
                writer(Path(tmp) / f"{k}.xlsx", HEADER, rows)
                seconds.append(time.perf_counter() - t0)
        print(f"| {n:,} | " + " | ".join(f"{s:.1f}" for s in seconds) + " |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["generate", "xlsx", "all"], default="all")
    parser.add_argument("--sizes", type=int, nargs="+", default=None)
    parser.add_argument("--xlsx-rows", type=int, nargs="+", default=None)
    parser.add_argument(
        "--quick", action="store_true", help="300 determinations, 500 rows (smoke run)"
    )
    args = parser.parse_args(argv)
    part = args.part
    if part in ("generate", "all") and args.quick and not args.sizes:
        # the tiny city the other quick benches share (_shared.small_city): generated here, or
        # by the quick run's process that needed it first; its generation time either way
        _shared.small_city()
        print("| determinations | seconds | peak MB |\n|---:|---:|---:|")
        n = _shared.SMALL_CONFIG["n_determinations"]
        print(f"| {n:,} (small_config, scale 0.1) | {_shared.small_city_seconds():.1f} | – |")
    elif part in ("generate", "all"):
        generate(
            args.sizes or ([800] if args.quick else [3_000, 30_000, 100_000]),
            in_process=args.quick,
            scale=0.4 if args.quick else 1.0,
        )
    if part in ("xlsx", "all"):
        if part == "all":
            print()
        xlsx_writers(args.xlsx_rows or ([500] if args.quick else [100_000]))


if __name__ == "__main__":
    main()
