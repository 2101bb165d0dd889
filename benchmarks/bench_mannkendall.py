"""Mann–Kendall on many short count series: trafficprev ``mann_kendall_many`` vs pymannkendall.

    python benchmarks/bench_mannkendall.py            # 1,000 / 10,000 / 100,000 series
    python benchmarks/bench_mannkendall.py --quick    # 200 series only (smoke run)

Series are quarterly accident counts per road segment, 8 and 20 quarters long: Poisson with a
per-segment rate drawn from Gamma(shape 0.5, scale 0.8) (mean 0.4, so most quarters are 0 and
ties are everywhere), and a quarter of the segments get a rate that rises or falls by up to
×3 over the period. One set of 100,000 series per length; the smaller sizes are its first
1,000 / 10,000 rows.

Timed in one process:

* ours — ``mann_kendall_many(matrix)`` on the whole matrix (best of 3);
* pymannkendall 1.4.3 — a Python loop of ``original_test(row)`` (one run). For 100,000 series
  the loop is run on the first 10,000 and its time multiplied by 10 (the row says so).

Agreement: largest ``|z_ours − z_pmk|`` and ``|p_ours − p_pmk|`` and the number of rows whose
trend label differs, over the rows pymannkendall actually ran on.
"""

from __future__ import annotations

import argparse
import math
import platform
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pymannkendall

from trafficprev.trends._mannkendall import mann_kendall_many

LOOP_CAP = 10_000  # beyond this the pymannkendall loop is extrapolated


def quarterly_counts(n_series: int, n_quarters: int, seed: int) -> np.ndarray:
    """Sparse Poisson counts, units × quarters, a quarter of the units trending."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(0.5, 0.8, (n_series, 1))
    change = np.ones((n_series, 1))
    trending = rng.random(n_series) < 0.25
    change[trending, 0] = rng.choice([1 / 3, 3.0], trending.sum()) ** rng.random(trending.sum())
    ramp = change ** np.linspace(-0.5, 0.5, n_quarters)[None, :]
    return rng.poisson(rate * ramp).astype(np.float64)


def best_of(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """Best wall time of ``repeat`` calls, and the last result."""
    best, out = math.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def pmk_loop(matrix: np.ndarray) -> tuple[float, pd.DataFrame]:
    """One timed run of pymannkendall over the rows; z, p and trend of each."""
    t0 = time.perf_counter()
    results = [pymannkendall.original_test(row) for row in matrix]
    elapsed = time.perf_counter() - t0
    frame = pd.DataFrame(
        {
            "z": [float(r.z) for r in results],
            "p": [float(r.p) for r in results],
            "trend": [r.trend for r in results],
        }
    )
    return elapsed, frame


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    """A GitHub markdown table with right-aligned numeric-looking columns."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    numeric = [all(r[i][:1].isdigit() or r[i][:1] == "−" for r in rows) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        padded = [
            c.rjust(w) if num else c.ljust(w)
            for c, w, num in zip(cells, widths, numeric, strict=True)
        ]
        return "| " + " | ".join(padded) + " |"

    rule = (
        "|"
        + "|".join(
            ("-" * (w + 1) + ":") if n else ("-" * (w + 2))
            for w, n in zip(widths, numeric, strict=True)
        )
        + "|"
    )
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 series only (smoke run)")
    args = parser.parse_args(argv)
    sizes = [200] if args.quick else [1_000, 10_000, 100_000]

    print(
        f"Python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
        f"pymannkendall {getattr(pymannkendall, '__version__', '?')}, {platform.machine()}"
    )
    header = [
        "quarters",
        "series",
        "zeros",
        "ours (s)",
        "pymannkendall loop (s)",
        "speed-up",
        "max abs Δz",
        "max abs Δp",
        "labels differing",
        "note",
    ]
    rows: list[list[str]] = []
    for n_quarters in (8, 20):
        full = quarterly_counts(max(sizes), n_quarters, seed=n_quarters)
        pmk_cache: dict[int, tuple[float, pd.DataFrame]] = {}
        for size in sizes:
            matrix = full[:size]
            t_ours, ours = best_of(lambda m=matrix: mann_kendall_many(m))
            n_loop = min(size, LOOP_CAP)
            if n_loop not in pmk_cache:
                pmk_cache[n_loop] = pmk_loop(matrix[:n_loop])
            t_loop, theirs = pmk_cache[n_loop]
            note = ""
            if n_loop < size:
                t_loop *= size / n_loop
                note = f"pymannkendall timed on the first {n_loop:,} rows ×{size // n_loop}; "
                note += f"agreement over those {n_loop:,}"
            head = ours.iloc[:n_loop]
            dz = np.abs(head["z"].to_numpy() - theirs["z"].to_numpy()).max()
            dp = np.abs(head["p"].to_numpy() - theirs["p"].to_numpy()).max()
            n_diff = int((head["trend"].to_numpy() != theirs["trend"].to_numpy()).sum())
            rows.append(
                [
                    str(n_quarters),
                    f"{size:,}",
                    f"{(matrix == 0).mean():.0%}",
                    f"{t_ours:.3f}",
                    f"{t_loop:.2f}" + (" (extrap.)" if n_loop < size else ""),
                    f"{t_loop / t_ours:,.0f}×",
                    f"{dz:.1e}",
                    f"{dp:.1e}",
                    str(n_diff),
                    note,
                ]
            )
    print()
    print(markdown_table(header, rows))


if __name__ == "__main__":
    main()
