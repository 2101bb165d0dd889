"""Density clusters: trafficprev DBSCAN / HDBSCAN against the recipes an analyst would run.

    python benchmarks/bench_clusters.py            # the three tables below at full size
    python benchmarks/bench_clusters.py --quick    # one small size per table (smoke run)

Every row runs ours and the peer on the same input in one process and reports the time ratio
peer / ours and how far the partitions agree.

Inputs (fixed seeds, shuffled so that the input order carries no structure):

* **points** (tables 1 and 3), shaped like geocoded commuting accidents in a Changde-sized box
  (111.6–111.8 E, 28.95–29.1 N, about 19 × 17 km): 30 % at ``n / 20`` "addresses" (many cases
  at identical coordinates, as a geocoder returns them), 30 % Gaussian (σ 250 m) around 50
  hotspot centres (the addresses lie around the same centres, σ 400 m), 40 % uniform
  background; coordinates rounded to 1e-6 degree. At 100,000 points the background alone puts
  ~15 points in every 200 m disc, so the box percolates into a few giant clusters: that row
  measures speed and memory, not a meaningful partition (``find_hotspots`` first merges cases
  within eps / 8 into weighted cells; that step is not timed here).
* **places on the network** (table 2): the demo city's road graph (``demo_files()`` →
  ``build_area``, 5,780 edges, as in ``bench_hotspots.py``); 40 % of the places uniform along
  the network (edge drawn by length), 30 % around 40 hotspot places on the same edge
  (σ 150 m, clipped to the edge, so some sit exactly on a node), 30 % at ``n / 20`` identical
  "address" places drawn like the hotspot ones. (``--quick``: the road graph of the tiny
  generated city the quick runs share, ``_shared.small_city``.)

Timed (wall clock, ``time.perf_counter``): best of 3 for table 1 and for ours in table 2; once
for the networkx peer and for both sides of table 3 (the slow ones):

1. ``dbscan_haversine(lon, lat, eps_m=200, min_samples=3)`` (the project's ``cluster_eps_m``
   and ``cluster_min_cases``) against raw scikit-learn ``DBSCAN(eps=200 / 6371008.8,
   min_samples=3, metric="haversine", algorithm="ball_tree").fit(radians([lat, lon]))``; the
   ``radians`` conversion is inside the peer's timing.
2. ``dbscan_network(graph, edge, offset, eps_m=200, min_samples=3)`` against networkx: each
   edge split at its places (a node per place, consecutive places joined by their offset
   difference, 0 for identical places), ``single_source_dijkstra_path_length(cutoff=200)`` from
   every place, the place-to-place distances put in a CSR matrix (explicit zeros kept) and
   ``DBSCAN(eps=200, min_samples=3, metric="precomputed")``. The peer's time includes building
   its graph; ours gets the ``EdgeGraph`` with its cached node CSR built before the timing (it
   does not depend on the places). Ours is also timed for ``network_distances`` alone.
3. ``hdbscan_haversine(lon, lat, min_cluster_size=5)`` (scikit-learn's ``HDBSCAN``, haversine,
   ``min_samples`` = 5 counting the point itself) against the ``hdbscan`` package's
   ``HDBSCAN(metric="haversine", algorithm=..., min_cluster_size=5, min_samples=4,
   core_dist_n_jobs=1)`` with ``algorithm="boruvka_balltree"`` (the fast one; its
   ``approx_min_span_tree`` left at the default True) and ``"prims_balltree"`` (the same
   algorithm as scikit-learn's). The package's ``min_samples`` does not count the point itself
   (scikit-learn's HDBSCAN docstring), so 4 there is 5 here. Ours only wraps scikit-learn's
   ``HDBSCAN`` (input checks, then cluster ids renumbered by the westmost member), so raw
   scikit-learn is not timed again. The Borůvka ball tree of the package is known not to
   return a minimum spanning tree on some inputs (scikit-learn-contrib/hdbscan#404 with
   duplicate points, #729 without), which is why its ARI stays below 1 while Prim's matches.

Agreement:

* ``ARI``: ``sklearn.metrics.adjusted_rand_score`` of the two label vectors, noise (-1) counted
  as one more label.
* ``core same``: share of DBSCAN core points (the peer's ``core_sample_indices_``) whose cluster
  holds exactly the same core points on both sides. Ours renumbers clusters (by westmost core
  point, or smallest (edge, offset)) and gives each border point to the cluster of its nearest
  core point (ties to the lower id), where scikit-learn gives it to the first cluster that
  reaches it in input order. So ARI may fall short of 1 through border points only; ``borders
  moved`` counts the border points whose cluster differs from the peer's once the clusters
  are matched through their core points.
* table 2 also compares the distance matrices: stored entries on each side, entries stored on
  one side only, and the largest absolute difference of the entries both store.
"""

from __future__ import annotations

import argparse
import math
import platform
import time
from collections.abc import Callable
from importlib.metadata import version
from typing import Any

import numpy as np
import scipy
import sklearn
from _shared import markdown_table
from scipy.sparse import csr_matrix
from sklearn.cluster import DBSCAN
from sklearn.metrics import adjusted_rand_score

from trafficprev._graph import EdgeGraph
from trafficprev.hotspots._clusters import (
    dbscan_haversine,
    dbscan_network,
    hdbscan_haversine,
    network_distances,
)
from trafficprev.settings import Settings

EARTH_R = 6_371_008.8
LON0, LON1, LAT0, LAT1 = 111.6, 111.8, 28.95, 29.1
M_PER_DEG_LAT = EARTH_R * math.pi / 180.0
MIN_CLUSTER_SIZE = 5
HDBSCAN_PKG_MIN_SAMPLES = MIN_CLUSTER_SIZE - 1  # the hdbscan package does not count the point
HDBSCAN_PKG_ALGORITHMS = ("boruvka_balltree", "prims_balltree")


# ---------------------------------------------------------------------------------------
# inputs


def accident_points(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Lon, lat of ``n`` accident-like points: addresses, hotspot blobs and background."""
    rng = np.random.default_rng(seed)
    m_per_deg_lon = M_PER_DEG_LAT * math.cos(math.radians((LAT0 + LAT1) / 2))
    centres = np.column_stack(
        [rng.uniform(LON0 + 0.01, LON1 - 0.01, 50), rng.uniform(LAT0 + 0.01, LAT1 - 0.01, 50)]
    )
    scale = np.array([m_per_deg_lon, M_PER_DEG_LAT])
    n_addr_pts, n_blob = int(0.3 * n), int(0.3 * n)
    n_bg = n - n_addr_pts - n_blob
    n_addr = max(1, n // 20)
    addr = centres[rng.integers(0, 50, n_addr)] + rng.normal(0, 400.0, (n_addr, 2)) / scale
    pts = np.vstack(
        [
            addr[rng.integers(0, n_addr, n_addr_pts)],
            centres[rng.integers(0, 50, n_blob)] + rng.normal(0, 250.0, (n_blob, 2)) / scale,
            np.column_stack([rng.uniform(LON0, LON1, n_bg), rng.uniform(LAT0, LAT1, n_bg)]),
        ]
    )
    pts = np.round(pts[rng.permutation(n)], 6)
    return pts[:, 0].copy(), pts[:, 1].copy()


def demo_graph(small: bool = False) -> EdgeGraph:
    """The demo city's road graph (as ``trafficprev.network`` builds it from an area;
    `small`: the quick runs' shared tiny city's)."""
    import _shared

    e = (_shared.small_area() if small else _shared.demo_area()).edges
    ends = np.concatenate([e["u"].to_numpy(), e["v"].to_numpy()])
    inv = np.unique(ends, return_inverse=True)[1]
    uv = inv.reshape(2, -1)
    length = np.maximum(e["length_m"].to_numpy(float), 0.01)
    return EdgeGraph(uv[0], uv[1], length, int(inv.max()) + 1)


def network_places(graph: EdgeGraph, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(edge, offset) of ``n`` places: uniform, around hotspot places, at identical places."""
    rng = np.random.default_rng(seed)
    p = graph.length / graph.length.sum()

    def uniform(k: int) -> tuple[np.ndarray, np.ndarray]:
        e = rng.choice(graph.n_edges, k, p=p)
        return e, rng.uniform(0, graph.length[e])

    hot_e, hot_t = uniform(40)

    def around(k: int) -> tuple[np.ndarray, np.ndarray]:
        h = rng.integers(0, 40, k)
        e = hot_e[h]
        return e, np.clip(hot_t[h] + rng.normal(0, 150.0, k), 0.0, graph.length[e])

    n_addr_pts, n_blob = int(0.3 * n), int(0.3 * n)
    ae, at = around(max(1, n // 20))
    pick = rng.integers(0, len(ae), n_addr_pts)
    be, bt = around(n_blob)
    ue, ut = uniform(n - n_addr_pts - n_blob)
    e = np.concatenate([ae[pick], be, ue])
    t = np.concatenate([at[pick], bt, ut])
    order = rng.permutation(n)
    return e[order], t[order]


# ---------------------------------------------------------------------------------------
# peers


def sklearn_dbscan(lon: np.ndarray, lat: np.ndarray, eps_m: float, k: int) -> DBSCAN:
    x = np.radians(np.column_stack([lat, lon]))
    model = DBSCAN(eps=eps_m / EARTH_R, min_samples=k, metric="haversine", algorithm="ball_tree")
    return model.fit(x)


def networkx_matrix(graph: EdgeGraph, e: np.ndarray, t: np.ndarray, eps_m: float) -> csr_matrix:
    """Place × place network distances up to ``eps_m`` with networkx Dijkstra (the recipe)."""
    import networkx as nx

    n, base = len(e), graph.n_nodes
    g = nx.Graph()
    g.add_nodes_from(range(base + n))
    has = np.zeros(graph.n_edges, dtype=bool)
    has[e] = True
    # edges without places; parallel edges: the shortest is added last and wins
    bare = np.flatnonzero(~has & (graph.u != graph.v))
    bare = bare[np.argsort(-graph.length[bare], kind="stable")]
    g.add_weighted_edges_from(
        zip(
            graph.u[bare].tolist(),
            graph.v[bare].tolist(),
            graph.length[bare].tolist(),
            strict=True,
        )
    )
    # edges with places: u - p1 - p2 - ... - v
    order = np.lexsort((t, e))
    es, ts = e[order], t[order]
    starts = np.flatnonzero(np.r_[True, es[1:] != es[:-1]])
    stops = np.r_[starts[1:], n]
    chain: list[tuple[int, int, float]] = []
    for a, b in zip(starts.tolist(), stops.tolist(), strict=True):
        k = int(es[a])
        nodes = [int(graph.u[k]), *(base + order[a:b]).tolist(), int(graph.v[k])]
        pos = [0.0, *ts[a:b].tolist(), float(graph.length[k])]
        chain += [(nodes[i], nodes[i + 1], pos[i + 1] - pos[i]) for i in range(len(nodes) - 1)]
    g.add_weighted_edges_from(chain)
    rows: list[int] = []
    cols: list[int] = []
    data: list[float] = []
    for i in range(n):
        reach = nx.single_source_dijkstra_path_length(g, base + i, cutoff=eps_m)
        for node, d in reach.items():
            if node >= base:
                rows.append(i)
                cols.append(node - base)
                data.append(d)
    m = csr_matrix((data, (rows, cols)), shape=(n, n))
    if m.nnz != len(data):  # a dropped zero would make identical places non-neighbours
        raise RuntimeError("the peer's matrix lost entries")
    return m


def networkx_dbscan(
    graph: EdgeGraph, e: np.ndarray, t: np.ndarray, eps_m: float, k: int
) -> tuple[DBSCAN, csr_matrix]:
    m = networkx_matrix(graph, e, t, eps_m)
    return DBSCAN(eps=eps_m, min_samples=k, metric="precomputed").fit(m), m


# ---------------------------------------------------------------------------------------
# agreement


def core_agreement(ours: np.ndarray, peer: np.ndarray, core: np.ndarray) -> tuple[float, int]:
    """Share of core points whose cluster has the same core points on both sides, and the
    number of border points (non-core, clustered by the peer) in another matched cluster."""
    ci = np.flatnonzero(core)
    if len(ci) == 0:
        return math.nan, 0
    a, b = ours[ci], peer[ci]
    pair = a * (int(peer.max()) + 2) + b
    _, pair_inv, pair_n = np.unique(pair, return_inverse=True, return_counts=True)
    _, a_inv, a_n = np.unique(a, return_inverse=True, return_counts=True)
    _, b_inv, b_n = np.unique(b, return_inverse=True, return_counts=True)
    same = (pair_n[pair_inv] == a_n[a_inv]) & (pair_n[pair_inv] == b_n[b_inv]) & (a >= 0)
    # peer cluster -> ours, through core points
    mapping = np.full(int(peer.max()) + 1, -2, dtype=np.int64)
    mapping[b] = a
    border = np.flatnonzero(~core & (peer >= 0))
    moved = int((mapping[peer[border]] != ours[border]).sum())
    return float(same.mean()), moved


def matrix_diff(ours: csr_matrix, peer: csr_matrix) -> tuple[int, float]:
    """Entries stored on one side only, and the largest |difference| of shared entries."""

    def keyed(m: csr_matrix) -> tuple[np.ndarray, np.ndarray]:
        c = m.tocoo()
        key = c.row.astype(np.int64) * m.shape[1] + c.col
        o = np.argsort(key)
        return key[o], c.data[o]

    ka, da = keyed(ours)
    kb, db = keyed(peer)
    shared, ia, ib = np.intersect1d(ka, kb, assume_unique=True, return_indices=True)
    only = len(ka) + len(kb) - 2 * len(shared)
    diff = float(np.abs(da[ia] - db[ib]).max()) if len(shared) else math.nan
    return only, diff


# ---------------------------------------------------------------------------------------
# runs


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Best wall time of ``repeat`` calls, and the last result."""
    best, out = math.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def n_clusters(labels: np.ndarray) -> int:
    return len(np.unique(labels[labels >= 0]))


def largest(labels: np.ndarray) -> float:
    """Share of all points in the largest cluster."""
    member = labels[labels >= 0]
    return float(np.bincount(member).max() / len(labels)) if len(member) else 0.0


def run_haversine(n: int, eps_m: float, k: int, repeat: int) -> dict[str, Any]:
    lon, lat = accident_points(n, seed=n)
    t_ours, ours = best_of(lambda: dbscan_haversine(lon, lat, eps_m=eps_m, min_samples=k), repeat)
    t_peer, model = best_of(lambda: sklearn_dbscan(lon, lat, eps_m, k), repeat)
    core = np.zeros(n, dtype=bool)
    core[model.core_sample_indices_] = True
    same, moved = core_agreement(ours, model.labels_, core)
    return {
        "n": n,
        "distinct": len(np.unique(np.column_stack([lon, lat]), axis=0)),
        "clusters": n_clusters(ours),
        "largest": largest(ours),
        "noise": float((ours < 0).mean()),
        "border": int((~core & (model.labels_ >= 0)).sum()),
        "ours": t_ours,
        "peer": t_peer,
        "ari": adjusted_rand_score(model.labels_, ours),
        "same": same,
        "moved": moved,
    }


def run_network(graph: EdgeGraph, n: int, eps_m: float, k: int) -> dict[str, Any]:
    e, t = network_places(graph, n, seed=n + 7)
    t_mat, ours_m = best_of(lambda: network_distances(graph, e, t, cutoff_m=eps_m), 3)
    t_ours, ours = best_of(lambda: dbscan_network(graph, e, t, eps_m=eps_m, min_samples=k), 3)
    t_peer, (model, peer_m) = best_of(lambda: networkx_dbscan(graph, e, t, eps_m, k), 1)
    core = np.zeros(n, dtype=bool)
    core[model.core_sample_indices_] = True
    same, moved = core_agreement(ours, model.labels_, core)
    only, diff = matrix_diff(ours_m, peer_m)
    return {
        "n": n,
        "distinct": len(np.unique(np.column_stack([e, t]), axis=0)),
        "clusters": n_clusters(ours),
        "noise": float((ours < 0).mean()),
        "border": int((~core & (model.labels_ >= 0)).sum()),
        "matrix": t_mat,
        "ours": t_ours,
        "peer": t_peer,
        "ari": adjusted_rand_score(model.labels_, ours),
        "same": same,
        "moved": moved,
        "nnz": (ours_m.nnz, peer_m.nnz),
        "only": only,
        "diff": diff,
    }


def run_hdbscan(n: int, hdbscan: Any) -> list[dict[str, Any]]:
    """Ours once, then the hdbscan package with each of its two ball-tree algorithms."""
    lon, lat = accident_points(n, seed=n + 3)
    t_ours, ours = best_of(
        lambda: hdbscan_haversine(lon, lat, min_cluster_size=MIN_CLUSTER_SIZE), 1
    )
    x = np.radians(np.column_stack([lat, lon]))
    out = []
    for algorithm in HDBSCAN_PKG_ALGORITHMS:
        model = hdbscan.HDBSCAN(
            min_cluster_size=MIN_CLUSTER_SIZE,
            min_samples=HDBSCAN_PKG_MIN_SAMPLES,
            metric="haversine",
            algorithm=algorithm,
            core_dist_n_jobs=1,
        )
        t_peer, peer = best_of(lambda m=model: m.fit(x).labels_, 1)
        out.append(
            {
                "n": n,
                "algorithm": algorithm,
                "ours": t_ours,
                "peer": t_peer,
                "clusters": (n_clusters(ours), n_clusters(peer)),
                "noise": (float((ours < 0).mean()), float((peer < 0).mean())),
                "ari": adjusted_rand_score(peer, ours),
            }
        )
    return out


# ---------------------------------------------------------------------------------------
# output


def pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one small size per table")
    args = parser.parse_args(argv)
    hav_sizes = [2_000] if args.quick else [10_000, 100_000]
    net_sizes = [500] if args.quick else [2_000, 10_000]
    hdb_sizes = [1_000] if args.quick else [5_000, 20_000]
    settings = Settings()
    eps, k = float(settings.cluster_eps_m), int(settings.cluster_min_cases)

    try:
        import networkx
    except ImportError:
        networkx = None
    try:
        import hdbscan

        hdbscan_version = version("hdbscan")
    except ImportError:
        hdbscan, hdbscan_version = None, "missing"

    print(
        f"python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
        f"scikit-learn {sklearn.__version__}, "
        f"networkx {networkx.__version__ if networkx else 'missing'}, hdbscan {hdbscan_version}; "
        f"{platform.machine()}\n"
    )
    print(
        f"DBSCAN settings (Settings(): cluster_eps_m, cluster_min_cases): eps = {eps:g} m "
        f"(haversine: eps = {eps:g} / {EARTH_R} rad = {eps / EARTH_R:.4e}), min_samples = {k} "
        "(counting the point itself), haversine: algorithm='ball_tree' on radians([lat, lon]); "
        "network: metric='precomputed'.\n"
        f"HDBSCAN settings: ours min_cluster_size = {MIN_CLUSTER_SIZE}, min_samples = None "
        f"(= {MIN_CLUSTER_SIZE}, counting the point itself), scikit-learn HDBSCAN "
        "metric='haversine', algorithm='auto'; hdbscan package "
        f"min_cluster_size = {MIN_CLUSTER_SIZE}, min_samples = {HDBSCAN_PKG_MIN_SAMPLES} "
        "(not counting the point), metric='haversine', algorithm='boruvka_balltree' and "
        "'prims_balltree', approx_min_span_tree=True (default; Borůvka only), "
        "core_dist_n_jobs=1.\n"
    )

    print("## 1. dbscan_haversine vs scikit-learn DBSCAN (haversine, ball_tree), best of 3\n")
    rows = [run_haversine(n, eps, k, repeat=3) for n in hav_sizes]
    print(
        markdown_table(
            [
                "points",
                "distinct coords",
                "clusters",
                "largest cluster",
                "noise",
                "border pts",
                "ours s",
                "sklearn s",
                "sklearn / ours",
                "ARI",
                "core same",
                "borders moved",
            ],
            [
                [
                    f"{r['n']:,}",
                    f"{r['distinct']:,}",
                    f"{r['clusters']:,}",
                    pct(r["largest"]),
                    pct(r["noise"]),
                    f"{r['border']:,}",
                    f"{r['ours']:.3f}",
                    f"{r['peer']:.3f}",
                    f"{r['peer'] / r['ours']:.2f}",
                    f"{r['ari']:.6f}",
                    pct(r["same"]),
                    f"{r['moved']:,}",
                ]
                for r in rows
            ],
            "rrrrrrrrrrrr",
        )
    )

    print("\n## 2. dbscan_network vs networkx Dijkstra (cutoff) + DBSCAN(precomputed)\n")
    if networkx is None:
        print("networkx is not installed: table 2 skipped.")
    else:
        graph = demo_graph(small=args.quick)
        graph.csr  # noqa: B018 - cached on the graph: built once, outside the timing
        print(
            f"{'tiny' if args.quick else 'demo'} city network: {graph.n_nodes:,} nodes, "
            f"{graph.n_edges:,} edges, "
            f"{graph.length.sum() / 1000:,.0f} km\n"
        )
        rows = [run_network(graph, n, eps, k) for n in net_sizes]
        print(
            markdown_table(
                [
                    "places",
                    "distinct places",
                    "clusters",
                    "noise",
                    "border pts",
                    "ours matrix s",
                    "ours total s",
                    "networkx total s",
                    "networkx / ours",
                    "ARI",
                    "core same",
                    "borders moved",
                    "stored entries ours / nx",
                    "one side only",
                    "max abs diff m",
                ],
                [
                    [
                        f"{r['n']:,}",
                        f"{r['distinct']:,}",
                        f"{r['clusters']:,}",
                        pct(r["noise"]),
                        f"{r['border']:,}",
                        f"{r['matrix']:.3f}",
                        f"{r['ours']:.3f}",
                        f"{r['peer']:.3f}",
                        f"{r['peer'] / r['ours']:.1f}",
                        f"{r['ari']:.6f}",
                        pct(r["same"]),
                        f"{r['moved']:,}",
                        f"{r['nnz'][0]:,} / {r['nnz'][1]:,}",
                        f"{r['only']:,}",
                        f"{r['diff']:.1e}",
                    ]
                    for r in rows
                ],
                "rrrrrrrrrrrrrrr",
            )
        )

    print("\n## 3. hdbscan_haversine (scikit-learn HDBSCAN) vs the hdbscan package, once each\n")
    if hdbscan is None:
        print("the hdbscan package is not installed: table 3 skipped.")
    else:
        rows = [r for n in hdb_sizes for r in run_hdbscan(n, hdbscan)]
        print(
            markdown_table(
                [
                    "points",
                    "hdbscan algorithm",
                    "ours s",
                    "hdbscan pkg s",
                    "hdbscan / ours",
                    "clusters ours / pkg",
                    "noise ours / pkg",
                    "ARI",
                ],
                [
                    [
                        f"{r['n']:,}",
                        r["algorithm"],
                        f"{r['ours']:.2f}",
                        f"{r['peer']:.2f}",
                        f"{r['peer'] / r['ours']:.2f}",
                        f"{r['clusters'][0]:,} / {r['clusters'][1]:,}",
                        f"{pct(r['noise'][0])} / {pct(r['noise'][1])}",
                        f"{r['ari']:.4f}",
                    ]
                    for r in rows
                ],
                "rlrrrrrr",
            )
        )


if __name__ == "__main__":
    main()
