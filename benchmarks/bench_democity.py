"""Demo-city generation time and peak memory by size.

    python benchmarks/bench_democity.py                       # 3,000 30,000 100,000
    python benchmarks/bench_democity.py --sizes 1000000       # about 11 minutes, 5.7 GB
    python benchmarks/bench_democity.py --quick               # 800 (smoke run, not a measurement)

Each size runs in its own process (peak memory is that process's VmHWM) and writes into a
temporary folder that is removed afterwards.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile

_CHILD = r"""
import json, sys, time
from trafficprev.datasets.democity import DemoConfig, make_demo_city
n, out = int(sys.argv[1]), sys.argv[2]
t0 = time.perf_counter()
make_demo_city(out, DemoConfig(n_determinations=n))
seconds = time.perf_counter() - t0
hwm = next(l for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps({"n": n, "seconds": seconds, "peak_mb": int(hwm.split()[1]) / 1024}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=None)
    parser.add_argument("--quick", action="store_true", help="800 determinations (smoke run)")
    args = parser.parse_args()
    args.sizes = args.sizes or ([800] if args.quick else [3_000, 30_000, 100_000])
    print("| determinations | seconds | peak MB |")
    print("|---:|---:|---:|")
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            out = subprocess.run(
                [sys.executable, "-c", _CHILD, str(n), tmp],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        r = json.loads(out.strip().splitlines()[-1])
        print(f"| {r['n']:,} | {r['seconds']:.1f} | {r['peak_mb']:,.0f} |")


if __name__ == "__main__":
    main()
