"""The whole quarterly run at scale: wall time per step, peak memory, growth per 10×.

Run from the repository root::

    python benchmarks/bench_run.py                        # 3,000 (the shipped demo) and 100,000
    python benchmarks/bench_run.py --sizes 3000 100000 1000000
    python benchmarks/bench_run.py --quick                # 3,000 only (smoke; not a measurement)

Each size runs in a child process: the demo world of that many determinations is generated
(the shipped ``data/demo`` for 3,000), its area is built, and ``trafficprev.pipeline.run`` is
timed for its last quarter (``2024Q4``) with the world's register, campaign list and measures,
first with an empty geocode cache and then again (the quarterly rerun). The table gives the
manifest's seconds per step, the total, peak resident memory, and the time ratio per 10× more
determinations (aim: no worse than linear-log, i.e. ≤ ~11× per 10×).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

STEPS = ("intake", "geocode", "hotspots", "history", "trends", "enterprises", "groups", "sites",
         "evaluate", "write", "report")  # fmt: skip


def child(n: int) -> None:
    from trafficprev.area import build_area, save_area
    from trafficprev.datasets import demo_dir
    from trafficprev.datasets.democity import DemoConfig, make_demo_city
    from trafficprev.pipeline import run

    tmp = Path(tempfile.mkdtemp(prefix="bench-run-"))
    t = time.perf_counter()
    if n == 3000:
        folder = demo_dir()
    else:
        folder = tmp / "world"
        make_demo_city(folder, DemoConfig(n_determinations=n))
    generate = time.perf_counter() - t
    area = build_area(
        "bench", osm=folder / "demo_city.osm", pois=[folder / "pois.csv"],
        admin=folder / "admin_divisions.csv",
    )  # fmt: skip
    save_area(area, tmp / "area")
    inputs = sorted(folder.glob("determinations_*.xlsx")) + sorted(
        folder.glob("determinations_*.csv")
    )
    kw = {
        "area": tmp / "area", "inputs": inputs, "quarter": "2024Q4",
        "enterprises": folder / "enterprises.csv", "campaign_sites": folder / "campaign_sites.csv",
        "measures": folder / "measures.csv", "previous": None, "quiet": True,
    }  # fmt: skip
    first = run(out=tmp / "run1", **kw).manifest
    again = run(out=tmp / "run2", **kw).manifest
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "determinations": n,
                "commuting": first["accounting"]["commuting_traffic"],
                "generate_s": round(generate, 1),
                "first": first["timings"],
                "rerun": again["timings"],
                "cache_hits": again["geocode"].get("cache_hits"),
                "peak_mb": round(peak),
            }
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sizes", type=int, nargs="+", default=None)
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child)
        return 0
    sizes = args.sizes or ([3000] if args.quick else [3000, 100_000])
    rows = []
    for n in sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(n)],
            check=True,
            capture_output=True,
            text=True,
        )
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print("## The whole quarterly run (`python benchmarks/bench_run.py`)\n")
    head = ["determinations", "commuting", *STEPS, "total s", "rerun total s", "peak MB"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---:|" * len(head))
    for r in rows:
        cells = [f"{r['determinations']:,}", f"{r['commuting']:,}"]
        cells += [f"{r['first'].get(s, 0):.1f}" for s in STEPS]
        cells += [f"{r['first']['total']:.1f}", f"{r['rerun']['total']:.1f}", f"{r['peak_mb']:,}"]
        print("| " + " | ".join(cells) + " |")
    for a, b in itertools.pairwise(rows):
        factor = b["determinations"] / a["determinations"]
        ratio = b["first"]["total"] / a["first"]["total"]
        per10 = ratio ** (1 / max(math.log10(factor), 1e-9))
        print(
            f"\n{a['determinations']:,} → {b['determinations']:,} determinations ({factor:.0f}×): "
            f"time {ratio:.1f}× (≈ {per10:.1f}× per 10×); rerun with the cache "
            f"{b['rerun']['total']:.1f} s ({b['cache_hits']} cached texts)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
