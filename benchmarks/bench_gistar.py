"""Gi* on network-adjacency weights: trafficprev ``gi_star`` against esda ``G_Local``.

    python benchmarks/bench_gistar.py            # n = 1,000 / 10,000 / 100,000 units
    python benchmarks/bench_gistar.py --sizes 1000 10000
    python benchmarks/bench_gistar.py --quick      # 1,000 units only (smoke run, not a measurement)

Units are the edges of a street grid with about a third of its edges removed at random, so a
unit (segment) touches on average ~4 others at its two end nodes (some become islands). Values
are Poisson(1) counts plus a few planted hot clusters (Poisson(4) extra on every unit within
two steps of 10 seed units).

Timed, best of 3 each:

* ``network_weights(adjacency)`` — the Gi* weights build (adjacency → binary, w_ii = 1);
* ``gi_star(y, w)`` — z, two-sided p, BH q-values, bins, hot/cold;
* esda 2.9.0 ``G_Local(y, W, transform="B", star=True, permutations=0)`` — analytic z and
  one-sided p only. ``W`` is a ``libpysal.weights.W`` built *outside* the timing from the same
  Gi* matrix (self-weights included, which esda keeps as they are), so both sides start from
  ready weights: like for like.

Reported: the largest ``|z_ours − z_esda|`` and the time ratio esda / ours (gi_star alone).
"""

from __future__ import annotations

import argparse
import math
import platform
import time
import warnings
from collections.abc import Callable
from typing import Any

import esda
import libpysal
import numpy as np
from esda.getisord import G_Local
from scipy import sparse

from trafficprev.hotspots._gistar import gi_star, network_weights


def road_like_adjacency(n_units: int, seed: int) -> sparse.csr_matrix:
    """Segment × segment adjacency (sharing a node) of ``n_units`` random grid edges."""
    rng = np.random.default_rng(seed)
    side = math.ceil(math.sqrt(n_units * 0.75)) + 1  # 2·side·(side − 1) ≈ 1.5 n: keep ~2/3
    node = np.arange(side * side).reshape(side, side)
    u = np.concatenate([node[:, :-1].ravel(), node[:-1, :].ravel()])
    v = np.concatenate([node[:, 1:].ravel(), node[1:, :].ravel()])
    keep = rng.choice(u.size, size=n_units, replace=False)
    rows = np.repeat(np.arange(n_units), 2)
    cols = np.column_stack([u[keep], v[keep]]).ravel()
    incidence = sparse.csr_matrix((np.ones(2 * n_units), (rows, cols)), (n_units, side * side))
    a = sparse.csr_matrix(incidence @ incidence.T)
    a.setdiag(0)
    a.eliminate_zeros()
    a.data[:] = 1.0
    return a


def planted_counts(adjacency: sparse.csr_matrix, seed: int) -> np.ndarray:
    """Poisson(1) background plus Poisson(4) on the 2-step neighbourhoods of 10 seed units."""
    rng = np.random.default_rng(seed)
    n = adjacency.shape[0]
    y = rng.poisson(1.0, n).astype(float)
    seeds = rng.choice(n, 10, replace=False)
    cluster = np.unique(network_weights(adjacency, k=2)[seeds].indices)
    y[cluster] += rng.poisson(4.0, cluster.size)
    return y


def best_of(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """Best wall time of ``repeat`` calls, and the last result."""
    best, out = math.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def run(n: int) -> dict[str, float]:
    adj = road_like_adjacency(n, seed=n)
    y = planted_counts(adj, seed=n + 1)
    t_build, w = best_of(lambda: network_weights(adj))
    t_ours, ours = best_of(lambda: gi_star(y, w))
    with warnings.catch_warnings():
        # islands in the random grid: libpysal warns that W is not fully connected
        warnings.filterwarnings("ignore", "The weights matrix is not fully connected", UserWarning)
        lib_w = libpysal.weights.WSP(w).to_W()  # outside the timing
        t_esda, ref = best_of(lambda: G_Local(y, lib_w, transform="B", star=True, permutations=0))
    return {
        "n": n,
        "degree": adj.nnz / n,
        "islands": int((np.diff(adj.indptr) == 0).sum()),
        "hot": int(ours["hot"].sum()),
        "build": t_build,
        "ours": t_ours,
        "esda": t_esda,
        "dz": float(np.abs(ours["gi_z"].to_numpy() - ref.Zs).max()),
        "dp": float(np.abs(ours["gi_p"].to_numpy() - 2 * ref.p_norm).max()),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=None)
    parser.add_argument("--quick", action="store_true", help="1,000 units only (smoke run)")
    args = parser.parse_args(argv)
    sizes = args.sizes or ([1_000] if args.quick else [1_000, 10_000, 100_000])
    rows = [run(n) for n in sizes]
    print(
        f"Python {platform.python_version()}, numpy {np.__version__}, esda {esda.__version__}, "
        f"libpysal {libpysal.__version__}; best of 3\n"
    )
    print(
        "| units | mean degree | islands | hot (FDR 5 %) | weights build s | gi_star s "
        "| esda G_Local s | esda / ours | max abs z diff | max abs p diff (2·p_norm) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['n']:,} | {r['degree']:.2f} | {r['islands']:,} | {r['hot']:,} "
            f"| {r['build']:.4f} | {r['ours']:.4f} | {r['esda']:.4f} "
            f"| {r['esda'] / r['ours']:.1f} | {r['dz']:.1e} | {r['dp']:.1e} |"
        )


if __name__ == "__main__":
    main()
