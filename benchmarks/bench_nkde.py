"""Network kernel density (``trafficprev.hotspots._nkde.nkde``) on a synthetic grid city.

    python benchmarks/bench_nkde.py            # ~100,000 lixels; 1,000 / 3,000 / 10,000 events
    python benchmarks/bench_nkde.py --quick    # a small grid: a smoke run, not a measurement

The network is a square grid of 100 m blocks, ``side`` × ``side`` nodes (158 × 158 gives
49,612 edges and 99,224 lixels of 50 m). Events are snapped to the nearest street: 60 % in
25 Gaussian clusters (σ 250 m), 40 % uniform background, fixed seed. Samples are the lixel
centres (``lixel_samples``). Each configuration is timed once (wall clock, single process),
including the per-call preparation (CSR of edge ends, sample grouping). The aim (methods.md
§5): discontinuous NKDE, 10,000 events on ~100,000 lixels at bw 500 m, in minutes.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from trafficprev._graph import EdgeGraph
from trafficprev.hotspots._nkde import lixel_samples, nkde

BLOCK_M = 100.0


def grid(side: int) -> EdgeGraph:
    """A ``side`` × ``side`` grid of ``BLOCK_M`` blocks: horizontal edges first, then vertical."""
    i, j = np.meshgrid(np.arange(side - 1), np.arange(side), indexing="xy")
    hu = (j * side + i).ravel()
    i, j = np.meshgrid(np.arange(side), np.arange(side - 1), indexing="xy")
    vu = (j * side + i).ravel()
    u = np.concatenate([hu, vu])
    v = np.concatenate([hu + 1, vu + side])
    return EdgeGraph(u, v, np.full(len(u), BLOCK_M), side * side)


def snap(x: np.ndarray, y: np.ndarray, side: int) -> tuple[np.ndarray, np.ndarray]:
    """Nearest street of the grid for planar points (metres): (edge index, offset)."""
    top = (side - 1) * BLOCK_M
    x, y = np.clip(x, 0, top), np.clip(y, 0, top)
    gx, gy = x / BLOCK_M, y / BLOCK_M
    dx, dy = np.abs(gx - np.round(gx)), np.abs(gy - np.round(gy))
    horizontal = dy <= dx  # closer to a horizontal street
    n_h = (side - 1) * side
    # horizontal street at row round(gy), block floor(gx)
    row = np.round(gy).astype(np.int64)
    bx = np.minimum(np.floor(gx).astype(np.int64), side - 2)
    eh = row * (side - 1) + bx
    oh = x - bx * BLOCK_M
    col = np.round(gx).astype(np.int64)
    by = np.minimum(np.floor(gy).astype(np.int64), side - 2)
    ev = n_h + by * side + col
    ov = y - by * BLOCK_M
    return np.where(horizontal, eh, ev), np.where(horizontal, oh, ov)


def events(n: int, side: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """60 % clustered (25 clusters, σ 250 m), 40 % uniform; snapped to the grid."""
    rng = np.random.default_rng(seed)
    top = (side - 1) * BLOCK_M
    n_c = int(0.6 * n)
    centres = rng.uniform(0.1 * top, 0.9 * top, size=(25, 2))
    which = rng.integers(0, 25, n_c)
    pts_c = centres[which] + rng.normal(0, 250.0, size=(n_c, 2))
    pts_b = rng.uniform(0, top, size=(n - n_c, 2))
    pts = np.vstack([pts_c, pts_b])
    return snap(pts[:, 0], pts[:, 1], side)


def run(side: int, sizes: list[int], configs: list[tuple[str, float, list[int]]]) -> None:
    g = grid(side)
    s_e, s_o, s_len = lixel_samples(g, 50.0)
    print(
        f"grid {side}×{side} nodes, {g.n_edges:,} edges of {BLOCK_M:.0f} m, {len(s_e):,} lixels\n"
    )
    print("| events | lixels | method | bw (m) | max_depth | seconds | events/s | mass |")
    print("|---:|---:|---|---:|---:|---:|---:|---:|")
    times: dict[tuple[str, float, int], float] = {}
    for method, bw, ns in configs:
        for n in ns:
            e, o = events(n, side)
            t0 = time.perf_counter()
            d = nkde(g, e, o, s_e, s_o, bw=bw, method=method, div="none", max_depth=8)
            dt = time.perf_counter() - t0
            times[(method, bw, n)] = dt
            mass = float((d * s_len).sum()) / n  # ≈ 1 minus what leaves the grid's border
            depth = "8" if method != "simple" else "–"
            print(
                f"| {n:,} | {len(s_e):,} | {method} | {bw:.0f} | {depth} | {dt:.2f} "
                f"| {n / dt:,.0f} | {mass:.3f} |"
            )
    print()
    lo, hi = min(sizes), max(sizes)
    for (method, bw, n), dt in times.items():
        if n == hi and (method, bw, lo) in times:
            r = dt / times[(method, bw, lo)]
            print(f"scaling {method} bw {bw:.0f}: {lo:,} → {hi:,} events takes {r:.1f}× the time")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small grid, small event counts")
    args = ap.parse_args(argv)
    if args.quick:
        side, sizes = 40, [100, 300, 1000]
        configs = [
            ("discontinuous", 500.0, sizes),
            ("continuous", 300.0, sizes[:2]),
            ("simple", 500.0, sizes[:2]),
        ]
    else:
        side, sizes = 158, [1000, 3000, 10000]
        configs = [
            ("discontinuous", 500.0, sizes),
            ("continuous", 300.0, sizes[:2]),
            ("continuous", 500.0, sizes[:2]),
            ("simple", 500.0, sizes),
        ]
    run(side, sizes, configs)


if __name__ == "__main__":
    main()
