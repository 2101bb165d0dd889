"""Global empirical Bayes and excess risk: trafficprev ``global_eb`` against esda.

    python benchmarks/bench_rates.py            # 1,000 / 100,000 / 1,000,000 units
    python benchmarks/bench_rates.py --quick    # 1,000 units only

Units are enterprises with lognormal insured person-years (median 300, clipped to 20–5,000)
and Poisson accident counts around gamma-distributed rates (mean 2 per 1,000 person-years,
shape 2), so the between-enterprise variance is positive and esda's unclamped estimator is
the same estimator as ours (φ > 0; the clamp never triggers).

Timed in the same process, median of 5 runs each (after one untimed warm-up call):

* ``global_eb(e, b)`` — crude rate, EB rate, weight and excess risk in one DataFrame, with
  input validation and the exclusion of non-positive / missing bases;
* esda 2.9.0 ``Empirical_Bayes(e, b).r`` and ``Excess_Risk(e, b).r`` on ``(n, 1)`` column
  arrays (prepared outside the timing), timed separately and summed (the same two outputs).

Reported: the ratio esda (EB + excess risk) / ours, and the largest absolute differences of the
EB rates and of the excess risks.
"""

from __future__ import annotations

import argparse
import math
import platform
import statistics
import time
from collections.abc import Callable
from typing import Any

import esda
import numpy as np
import pandas as pd
from esda.smoothing import Empirical_Bayes, Excess_Risk

from trafficprev.groups._rates import global_eb


def enterprises(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Lognormal person-years (20–5,000) and Poisson counts around gamma(2) rates."""
    rng = np.random.default_rng(seed)
    base = np.clip(np.exp(rng.normal(math.log(300.0), 1.1, n)), 20.0, 5000.0)
    rate = rng.gamma(2.0, 0.002 / 2.0, n)
    events = rng.poisson(rate * base).astype(np.float64)
    return events, base


def median_of(fn: Callable[[], Any], repeat: int = 5) -> tuple[float, Any]:
    """Median wall time of ``repeat`` calls after one untimed warm-up call, and the result."""
    times, out = [], fn()
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def run(n: int) -> dict[str, Any]:
    e, b = enterprises(n, seed=n)
    ec, bc = e.reshape(-1, 1), b.reshape(-1, 1)
    t_ours, ours = median_of(lambda: global_eb(e, b))
    t_eb, ref_eb = median_of(lambda: Empirical_Bayes(ec, bc).r)
    t_er, ref_er = median_of(lambda: Excess_Risk(ec, bc).r)
    return {
        "n": n,
        "phi_raw": ours.attrs["phi_raw"],
        "ours": t_ours,
        "esda_eb": t_eb,
        "esda_er": t_er,
        "ratio": (t_eb + t_er) / t_ours,
        "d_eb": float(np.abs(ours["eb"].to_numpy() - ref_eb.ravel()).max()),
        "d_er": float(np.abs(ours["excess_risk"].to_numpy() - ref_er.ravel()).max()),
    }


def markdown_table(headers: list[str], rows: list[list[str]], align: str) -> str:
    """A GitHub markdown table; ``align`` has one ``l`` / ``r`` per column."""
    sep = ["---:" if a == "r" else ":---" for a in align]
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(sep) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 units only")
    args = parser.parse_args(argv)
    sizes = [1_000] if args.quick else [1_000, 100_000, 1_000_000]
    results = [run(n) for n in sizes]
    print(
        f"Python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
        f"esda {esda.__version__}; median of 5\n"
    )
    headers = [
        "units",
        "φ_raw",
        "global_eb s",
        "esda EB s",
        "esda excess risk s",
        "esda / ours",
        "max abs diff EB",
        "max abs diff excess risk",
    ]
    rows = [
        [
            f"{r['n']:,}",
            f"{r['phi_raw']:.2e}",
            f"{r['ours']:.5f}",
            f"{r['esda_eb']:.5f}",
            f"{r['esda_er']:.5f}",
            f"{r['ratio']:.2f}",
            f"{r['d_eb']:.1e}",
            f"{r['d_er']:.1e}",
        ]
        for r in results
    ]
    print(markdown_table(headers, rows, "rrrrrrrr"))


if __name__ == "__main__":
    main()
