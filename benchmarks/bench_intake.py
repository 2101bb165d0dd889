"""Intake speed and peak memory on large synthetic exports.

    python benchmarks/bench_intake.py            # 1,000,000 CSV rows, 100,000 xlsx rows
    python benchmarks/bench_intake.py --quick    # 500 CSV / 150 xlsx rows in-process (smoke)

Files are generated once into a temporary folder (every narrative, time and decision
number differs, so caches do not flatter the figures). Each measurement runs in its own
process so that peak memory (VmHWM) belongs to that run alone. The peer is plain
``pandas.read_csv`` / ``pandas.read_excel(engine="calamine")`` of the same file with
``dtype=str``: what an analyst would do by hand, with no validation at all. The checks made
before a file is parsed (``trafficprev._limits``: sizes, the longest cell, a sheet's span) are
timed on their own too, best of 3, on the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import tempfile
import time
from pathlib import Path

from _shared import child

from trafficprev.schema import DETERMINATION_COLUMNS

_FIELDS = [
    "decision_no",
    "worker_name",
    "id_number",
    "sex",
    "phone",
    "employer",
    "credit_code",
    "industry",
    "injured_at",
    "place",
    "narrative",
    "responsibility",
    "injury_basis",
    "conclusion",
    "decided_on",
]
HEADER = [DETERMINATION_COLUMNS.label_of(f) for f in _FIELDS]
ROADS = [
    "常德大道",
    "桃花源路",
    "朝阳路",
    "月亮大道",
    "洞庭大道",
    "皂果路",
    "善卷路",
    "人民路",
    "建设东路",
    "武陵大道",
    "紫缘路",
    "德山大道",
    "柳叶大道",
    "滨湖路",
    "青年路",
    "芙蓉路",
]
MODES = ["驾驶电动自行车", "骑电动车", "驾驶二轮摩托车", "步行", "骑自行车", "驾驶小型轿车"]
CPS = ["小型轿车", "小型普通客车", "重型自卸货车", "电动自行车", "二轮摩托车", "半挂牵引车"]


def _row(rng: random.Random, i: int) -> list[str]:
    y, mo, d = 2024, 1 + rng.randrange(12), 1 + rng.randrange(28)
    h, mi = rng.randrange(5, 22), rng.randrange(60)
    r1, r2 = rng.sample(ROADS, 2)
    n = rng.randrange(10, 900)
    own = rng.choice(["无", "次要", "同等"])
    name = f"测试{i:07d}"
    direction = rng.choice(["上班途中", "下班回家途中", "下班途中"])
    text = (
        f"{y}年{mo}月{d}日{h}时{mi}分许，{name}{rng.choice(MODES)}{direction}，行驶至{r1}与{r2}"
        f"交叉路口往{r1}方向约{n}米处时，与示例人员驾驶的{rng.choice(CPS)}发生碰撞，致其受伤。"
        f"经交警大队认定，{name}负事故{own}责任。"
    )
    when = rng.choice(
        [
            f"{y}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}",
            f"{y}/{mo}/{d} {h}:{mi:02d}",
            f"{y}年{mo}月{d}日{h}时{mi}分许",
        ]
    )
    return [
        f"示人社工伤认字〔{y}〕{i:07d}号",
        name,
        f"43070219801301{i % 1000:03d}0",
        rng.choice("男女"),
        f"100{i:08d}",
        f"示范市测试{i % 5000:04d}有限公司",
        "",
        "制造业",
        when,
        f"{r1}与{r2}交叉路口",
        text,
        "",
        "第十四条第（六）项",
        "认定工伤",
        f"{y + 1}-01-{1 + i % 28:02d}",
    ]


def make_files(folder: Path, n_csv: int, n_xlsx: int) -> dict[str, Path]:
    rng = random.Random(7)
    rows = [_row(rng, i) for i in range(n_csv)]
    paths = {
        "csv_utf8": folder / "big_utf8.csv",
        "csv_gb18030": folder / "big_gb18030.csv",
        "xlsx": folder / "big.xlsx",
    }
    for key, enc in (("csv_utf8", "utf-8-sig"), ("csv_gb18030", "gb18030")):
        with paths[key].open("w", encoding=enc, newline="") as fh:
            w = csv.writer(fh)
            w.writerow(HEADER)
            w.writerows(rows)
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("台账")
    ws.append(HEADER)
    for r in rows[:n_xlsx]:
        ws.append(r)
    wb.save(paths["xlsx"])
    return paths


_CHILD = r"""
import json, sys, time
kind, path = sys.argv[1], sys.argv[2]
steps = {}
t0 = time.perf_counter()
if kind == "trafficprev":
    import datetime as dt
    from trafficprev import Settings, read_determinations
    res = read_determinations(path, settings=Settings(as_of=dt.date(2026, 1, 1)))
    n = res.accounting.read
    steps = res.timings
elif kind == "pandas_csv":
    import pandas as pd
    n = len(pd.read_csv(path, dtype=str, keep_default_na=False, encoding=sys.argv[3]))
else:
    import pandas as pd
    n = len(pd.read_excel(path, dtype=str, engine="calamine"))
dt_ = time.perf_counter() - t0
# VmHWM: this process's own peak (ru_maxrss would include the parent's at fork time)
hwm = next(l for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps({"rows": n, "seconds": dt_, "steps": steps,
                  "peak_mb": int(hwm.split()[1]) / 1024}))
"""


def _measure(
    kind: str, path: Path, encoding: str = "utf-8", *, in_process: bool = False
) -> dict[str, float]:
    """Run _CHILD in its own process (in this one for a quick run: not a measurement)."""
    out = child(_CHILD, [kind, path, encoding], in_process=in_process)
    return json.loads(out.strip().splitlines()[-1])


def _check_seconds(key: str, path: Path) -> float:
    """Best of 3 of the checks made before parsing (they are part of intake's read step)."""
    from trafficprev._limits import check_csv, check_workbook

    data = path.read_bytes()
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        if key == "xlsx":
            check_workbook(data, path.name, "xlsx")
        else:
            check_csv(data, path.name)
        best = min(best, time.perf_counter() - t0)
    return best


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="500 CSV / 150 xlsx rows, in this process: a smoke run",
    )
    args = parser.parse_args(argv)
    n_csv, n_xlsx = (500, 150) if args.quick else (1_000_000, 100_000)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        paths = make_files(Path(tmp), n_csv, n_xlsx)
        print(
            f"generated {n_csv:,} CSV rows and {n_xlsx:,} xlsx rows in "
            f"{time.perf_counter() - t0:.0f} s"
        )
        cases = [
            ("CSV UTF-8 (BOM)", "csv_utf8", "utf-8-sig"),
            ("CSV GB18030", "csv_gb18030", "gb18030"),
            ("xlsx", "xlsx", None),
        ]
        print()
        print(
            "| input | rows | trafficprev rows/s | peak MB | pandas rows/s (no checks) | "
            "peak MB | time ratio tp/pandas |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|")
        steps = {}
        for label, key, enc in cases:
            ours = _measure("trafficprev", paths[key], in_process=args.quick)
            peer = _measure(
                "pandas_csv" if enc else "pandas_xlsx", paths[key], enc or "", in_process=args.quick
            )
            steps[label] = ours["steps"]
            print(
                f"| {label} | {ours['rows']:,} | {ours['rows'] / ours['seconds']:,.0f} | "
                f"{ours['peak_mb']:,.0f} | {peer['rows'] / peer['seconds']:,.0f} | "
                f"{peer['peak_mb']:,.0f} | {ours['seconds'] / peer['seconds']:.1f} |"
            )
        names = list(next(iter(steps.values())))
        print()
        print("seconds per intake step:")
        print("| input | " + " | ".join(names) + " |")
        print("|---|" + "---:|" * len(names))
        for label, s in steps.items():
            print(f"| {label} | " + " | ".join(f"{s[n]:.1f}" for n in names) + " |")
        print()
        print("checks before parsing (limits; included in the read step above), best of 3:")
        print("| input | file MB | check s |")
        print("|---|---:|---:|")
        for label, key, _ in cases:
            size = paths[key].stat().st_size / 1e6
            print(f"| {label} | {size:,.0f} | {_check_seconds(key, paths[key]):.2f} |")


if __name__ == "__main__":
    main()
