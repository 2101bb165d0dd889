"""Density clusters of cases: DBSCAN / HDBSCAN on the sphere and DBSCAN along the network.

* :func:`dbscan_haversine` and :func:`hdbscan_haversine` cluster WGS-84 points with
  scikit-learn's haversine metric (``X = radians([lat, lon])``, lat first; a distance in
  metres is divided by the Earth radius 6,371,008.8 m, methods.md §2.5).
* :func:`network_distances` builds the sparse matrix of shortest network distances (up to
  a cutoff) between places on an :class:`~trafficprev._graph.EdgeGraph`, and
  :func:`dbscan_network` runs DBSCAN on it, so two cases on parallel dead-end roads are
  not neighbours however close they are in the plane.
* :func:`cluster_outlines` draws each cluster as its buffered convex hull.

Labels are deterministic: the same points in any order get the same partition and the same
ids. Clusters are numbered ``0, 1, …`` by their *westmost core point* — smallest longitude,
then smallest latitude (for network clusters: smallest edge index, then offset) — and
noise is ``-1``. DBSCAN's border points (in reach of more than one cluster) join the
cluster of their nearest core point, ties going to the lower id; scikit-learn would give
them to whichever cluster reached them first, which depends on the input order.

Identical coordinates (many cases geocoded to one address) are neighbours at distance 0
in every function here; pass ``weights`` instead of repeating rows if you have counts.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra, reverse_cuthill_mckee

from .._errors import ArgumentError
from .._graph import EdgeGraph
from ..coords import EARTH_RADIUS_M, metric_crs
from ._windows import _grouped_searchsorted

# scikit-learn is imported inside the functions that use it: importing it takes about 1 s,
# which every process that only loads a finished run (a notebook, the command line's help)
# would pay for nothing
__all__ = [
    "cluster_outlines",
    "dbscan_haversine",
    "dbscan_network",
    "hdbscan_haversine",
    "network_distances",
]

#: Default cap on the points given to :func:`hdbscan_haversine` (methods.md §5: sklearn's
#: HDBSCAN with haversine took 143 s at 5·10⁴ points).
HDBSCAN_MAX_POINTS = 50_000

# Work arrays (Dijkstra rows, candidate pairs) are cut into pieces of about this many cells.
_CHUNK = 4_000_000
# Dijkstra sources per block in :func:`_node_pairs`.
_BLOCK = 256


# ---------------------------------------------------------------------------------------
# input checks and deterministic labels


def _lonlat(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(lon, dtype=float).reshape(-1)
    y = np.asarray(lat, dtype=float).reshape(-1)
    if x.shape != y.shape:
        raise ArgumentError(f"lon and lat differ in length ({len(x)} vs {len(y)})")
    bad = ~(np.isfinite(x) & np.isfinite(y)) | (np.abs(y) > 90) | (np.abs(x) > 180)
    if bad.any():
        raise ArgumentError(
            f"{int(bad.sum())} coordinates are missing or out of range "
            f"(first at position {int(np.flatnonzero(bad)[0])}); drop ungeocoded cases first"
        )
    return x, y


def _weights(weights: Any, n: int) -> np.ndarray | None:
    if weights is None:
        return None
    w = np.asarray(weights, dtype=float).reshape(-1)
    if len(w) != n:
        raise ArgumentError(f"weights must have one value per point ({len(w)} vs {n})")
    if not (np.isfinite(w).all() and (w >= 0).all()):
        raise ArgumentError("weights must be finite and non-negative")
    return w


def _check_dbscan(eps_m: float, min_samples: float) -> None:
    if not (np.isfinite(eps_m) and eps_m > 0):
        raise ArgumentError(f"eps_m must be positive, got {eps_m!r}")
    if not min_samples >= 1:
        raise ArgumentError(f"min_samples must be at least 1, got {min_samples!r}")


def _renumber(
    labels: np.ndarray, core: np.ndarray, key1: np.ndarray, key2: np.ndarray
) -> np.ndarray:
    """Number clusters 0, 1, … in the (key1, key2) order of their smallest core member."""
    labels = np.asarray(labels, dtype=np.int64)
    out = np.full(len(labels), -1, dtype=np.int64)
    cand = np.flatnonzero((labels >= 0) & core)
    if len(cand) == 0:
        return out
    order = cand[np.lexsort((key2[cand], key1[cand]))]
    ids, first = np.unique(labels[order], return_index=True)
    mapping = np.full(int(labels.max()) + 1, -1, dtype=np.int64)
    mapping[ids[np.argsort(first)]] = np.arange(len(ids))
    member = labels >= 0
    out[member] = mapping[labels[member]]
    return out


def _assign_borders(
    labels: np.ndarray, core: np.ndarray, rows: np.ndarray, cols: np.ndarray, dist: np.ndarray
) -> np.ndarray:
    """Give each labelled non-core point the label of its nearest core neighbour.

    ``rows, cols, dist`` list neighbour pairs (border row, core col); ties go to the lower
    label.
    """
    out = labels.copy()
    if len(rows) == 0:
        return out
    order = np.lexsort((labels[cols], dist, rows))
    rows, cols = rows[order], cols[order]
    first = np.r_[True, rows[1:] != rows[:-1]]
    out[rows[first]] = labels[cols[first]]
    return out


# ---------------------------------------------------------------------------------------
# haversine


def dbscan_haversine(
    lon: Any,
    lat: Any,
    *,
    eps_m: float = 200.0,
    min_samples: int = 3,
    weights: Any = None,
) -> np.ndarray:
    """DBSCAN of WGS-84 points with great-circle distances.

    scikit-learn keeps every point's neighbourhood in memory, so memory grows with the
    number of neighbour pairs (methods.md §3: a dense 10⁵-point input with a large eps can
    need gigabytes). Merge duplicate coordinates into `weights` and keep `eps_m` small.

    Parameters
    ----------
    lon, lat
        Coordinates in degrees (WGS-84).
    eps_m
        Neighbourhood radius in metres (a pair exactly `eps_m` apart are neighbours).
    min_samples
        Neighbours (weighted, counting the point itself) that make a core point.
    weights
        Optional count or weight per point (scikit-learn ``sample_weight``).

    Returns
    -------
    labels
        int64 array: cluster id ``0, 1, …`` numbered by westmost core point, ``-1`` noise.

    Raises
    ------
    ValueError
        If coordinates are missing or out of range, or a parameter is invalid.

    Examples
    --------
    >>> dbscan_haversine([111.7, 111.7, 111.7001, 111.72], [29.0, 29.0, 29.0, 29.0],
    ...                  eps_m=50, min_samples=3).tolist()
    [0, 0, 0, -1]
    """
    x, y = _lonlat(lon, lat)
    w = _weights(weights, len(x))
    _check_dbscan(eps_m, min_samples)
    if len(x) == 0:
        return np.zeros(0, dtype=np.int64)
    from sklearn.cluster import DBSCAN  # imported when used (note above __all__)
    from sklearn.neighbors import BallTree

    eps = eps_m / EARTH_RADIUS_M
    xy = np.radians(np.column_stack([y, x]))
    model = DBSCAN(eps=eps, min_samples=min_samples, metric="haversine", algorithm="ball_tree")
    labels = model.fit(xy, sample_weight=w).labels_
    core = np.zeros(len(x), dtype=bool)
    core[model.core_sample_indices_] = True
    labels = _renumber(labels, core, x, y)
    border = np.flatnonzero((labels >= 0) & ~core)
    if len(border):
        core_idx = np.flatnonzero(core)
        tree = BallTree(xy[core_idx], metric="haversine")
        ind, dist = tree.query_radius(xy[border], r=eps, return_distance=True)
        counts = np.array([len(i) for i in ind])
        rows = np.repeat(border, counts)
        cols = core_idx[np.concatenate(ind)] if len(rows) else np.zeros(0, np.int64)
        d = np.concatenate(dist) if len(rows) else np.zeros(0)
        labels = _assign_borders(labels, core, rows, cols, d)
    return labels


def hdbscan_haversine(
    lon: Any,
    lat: Any,
    *,
    min_cluster_size: int = 5,
    min_samples: int | None = None,
    cluster_selection_epsilon_m: float = 0.0,
    max_points: int = HDBSCAN_MAX_POINTS,
) -> np.ndarray:
    """HDBSCAN of WGS-84 points with great-circle distances (scikit-learn's HDBSCAN).

    Cost: scikit-learn's HDBSCAN builds a minimum spanning tree with Prim's algorithm
    over a ball tree; methods.md §5 measured 4.5 s at 10⁴ and 143 s at 5·10⁴ points.
    Larger inputs are refused unless `max_points` is raised; aggregate duplicate
    coordinates, cluster a sample, or use :func:`dbscan_haversine` instead.

    Parameters
    ----------
    lon, lat
        Coordinates in degrees (WGS-84).
    min_cluster_size
        Smallest cluster.
    min_samples
        Neighbours for the core distance (default: `min_cluster_size`).
    cluster_selection_epsilon_m
        Clusters closer than this many metres are merged (0: off).
    max_points
        Refuse inputs with more points than this.

    Returns
    -------
    labels
        int64 array: cluster id ``0, 1, …`` numbered by westmost member, ``-1`` noise.

    Raises
    ------
    ValueError
        If there are more than `max_points` points, coordinates are missing or out of
        range, or a parameter is invalid.
    """
    x, y = _lonlat(lon, lat)
    if len(x) > max_points:
        raise ArgumentError(
            f"hdbscan_haversine got {len(x):,} points, more than max_points={max_points:,}: "
            "scikit-learn's HDBSCAN takes minutes at this size (methods.md §5). Aggregate "
            "duplicates, sample, use dbscan_haversine, or pass a larger max_points."
        )
    if min_cluster_size < 2:
        raise ArgumentError(f"min_cluster_size must be at least 2, got {min_cluster_size!r}")
    if not (np.isfinite(cluster_selection_epsilon_m) and cluster_selection_epsilon_m >= 0):
        raise ArgumentError("cluster_selection_epsilon_m must be finite and non-negative")
    if len(x) < max(min_cluster_size, min_samples or 0, 2):
        return np.full(len(x), -1, dtype=np.int64)
    from sklearn.cluster import HDBSCAN  # imported when used (note above __all__)

    xy = np.radians(np.column_stack([y, x]))
    model = HDBSCAN(
        min_cluster_size=min_cluster_size,
        min_samples=min_samples,
        cluster_selection_epsilon=cluster_selection_epsilon_m / EARTH_RADIUS_M,
        metric="haversine",
        copy=True,
    )
    labels = model.fit(xy).labels_
    labels = np.where(labels >= 0, labels, -1)
    labels = _renumber(labels, np.ones(len(x), dtype=bool), x, y)
    return labels


# ---------------------------------------------------------------------------------------
# network


def _places(graph: EdgeGraph, edge: Any, offset: Any) -> tuple[np.ndarray, np.ndarray]:
    e = np.asarray(edge).reshape(-1)
    t = np.asarray(offset, dtype=float).reshape(-1)
    if e.shape != t.shape:
        raise ArgumentError(f"edge and offset differ in length ({len(e)} vs {len(t)})")
    if len(e) and not np.issubdtype(e.dtype, np.integer):
        raise ArgumentError(f"edge must hold integer edge indices, got dtype {e.dtype}")
    e = e.astype(np.int64)
    if len(e) and (e.min() < 0 or e.max() >= graph.n_edges):
        raise ArgumentError(f"edge indices must lie in 0 .. {graph.n_edges - 1}")
    if not np.isfinite(t).all():
        raise ArgumentError("offsets must be finite")
    if len(e):
        length = graph.length[e]
        tol = 1e-6 * np.maximum(length, 1.0)
        if ((t < -tol) | (t > length + tol)).any():
            raise ArgumentError("offsets must lie in [0, length of their edge]")
        t = np.clip(t, 0.0, length)
    return e, t


def _expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For groups of the given sizes: (group of each item, index of the item in its group)."""
    group = np.repeat(np.arange(len(counts)), counts)
    within = np.arange(len(group)) - np.repeat(np.cumsum(counts) - counts, counts)
    return group, within


def _chunks(sizes: np.ndarray, budget: int) -> list[tuple[int, int]]:
    """Split ``range(len(sizes))`` into consecutive runs whose sizes sum to about `budget`."""
    if len(sizes) == 0:
        return []
    cum = np.cumsum(sizes)
    out, start = [], 0
    while start < len(sizes):
        base = cum[start - 1] if start else 0
        stop = int(np.searchsorted(cum, base + budget, side="right"))
        stop = max(stop, start + 1)
        out.append((start, stop))
        start = stop
    return out


def _node_pairs(
    graph: EdgeGraph, sources: np.ndarray, cutoff: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (i, j, d) of `sources` indices with i <= j and network distance d <= cutoff.

    Sources are taken in reverse Cuthill–McKee order (neighbours in the graph are close in
    that order) a block at a time; each block runs Dijkstra only on the part of the
    network within `cutoff` of it, so the dense Dijkstra output stays block × neighbourhood
    instead of block × whole network.
    """
    csr = graph.csr
    local = np.full(graph.n_nodes, -1, dtype=np.int64)
    src_of_node = np.full(graph.n_nodes, -1, dtype=np.int64)
    src_of_node[sources] = np.arange(len(sources))
    rank = np.empty(graph.n_nodes, dtype=np.int64)
    rank[reverse_cuthill_mckee(csr, symmetric_mode=True)] = np.arange(graph.n_nodes)
    by_rank = np.argsort(rank[sources], kind="stable")
    ii, jj, dd = [], [], []
    for a in range(0, len(sources), _BLOCK):
        block = by_rank[a : a + _BLOCK]
        near = dijkstra(csr, directed=False, indices=sources[block], limit=cutoff, min_only=True)
        keep = np.flatnonzero(np.isfinite(near))  # nodes on any path <= cutoff from the block
        sub = csr[keep][:, keep]
        local[keep] = np.arange(len(keep))
        cols = np.flatnonzero(src_of_node[keep] >= 0)  # local ids of sources in reach
        d = dijkstra(sub, directed=False, indices=local[sources[block]], limit=cutoff)[:, cols]
        local[keep] = -1
        r, c = np.nonzero(np.isfinite(d))
        i, j = block[r], src_of_node[keep[cols[c]]]
        upper = i <= j
        ii.append(i[upper])
        jj.append(j[upper])
        dd.append(d[r[upper], c[upper]])
    return np.concatenate(ii), np.concatenate(jj), np.concatenate(dd)


def _pairs_via_nodes(
    graph: EdgeGraph, pe: np.ndarray, pt: np.ndarray, cutoff: float
) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """Pairs of distinct positions (edge `pe`, offset `pt`) joined through the end nodes of
    their edges within `cutoff` metres: lists of chunks of first positions, second positions
    (first < second) and distances, not yet reduced to the shortest per pair."""
    m = len(pe)
    pairs_i: list[np.ndarray] = []
    pairs_j: list[np.ndarray] = []
    pairs_d: list[np.ndarray] = []
    # incidences (position, node, distance to node) within cutoff
    inc_pos = np.r_[np.arange(m), np.arange(m)]
    inc_node = np.r_[graph.u[pe], graph.v[pe]]
    inc_d = np.r_[pt, graph.length[pe] - pt]
    ok = inc_d <= cutoff
    inc_pos, inc_node, inc_d = inc_pos[ok], inc_node[ok], inc_d[ok]
    if len(inc_pos):
        sources, inc_src = np.unique(inc_node, return_inverse=True)
        o = np.lexsort((inc_d, inc_src))  # per source, nearest positions first
        inc_pos, inc_src, inc_d = inc_pos[o], inc_src[o], inc_d[o]
        s_bounds = np.searchsorted(inc_src, np.arange(len(sources) + 1))
        s_lo, s_hi = s_bounds[:-1], s_bounds[1:]
        na, nb, nd = _node_pairs(graph, sources, cutoff)
        # positions at a within cutoff - D of a (a prefix, incidences being sorted by d)
        a_hi = _grouped_searchsorted(inc_d, s_lo[na], s_hi[na], cutoff - nd, "right")
        for c0, c1 in _chunks(a_hi - s_lo[na], _CHUNK):
            pa, ka = _expand(a_hi[c0:c1] - s_lo[na[c0:c1]])
            pa += c0
            ia = s_lo[na[pa]] + ka
            rest = cutoff - nd[pa] - inc_d[ia]
            b_hi = _grouped_searchsorted(inc_d, s_lo[nb[pa]], s_hi[nb[pa]], rest, "right")
            for d0, d1 in _chunks(b_hi - s_lo[nb[pa]], _CHUNK):
                q, kb = _expand(b_hi[d0:d1] - s_lo[nb[pa[d0:d1]]])
                q += d0
                ib = s_lo[nb[pa[q]]] + kb
                d = inc_d[ia[q]] + nd[pa[q]] + inc_d[ib]
                x, y = inc_pos[ia[q]], inc_pos[ib]
                keep = (x != y) & (d <= cutoff)
                lo_, hi_ = np.minimum(x, y)[keep], np.maximum(x, y)[keep]
                pairs_i.append(lo_)
                pairs_j.append(hi_)
                pairs_d.append(d[keep])
    return pairs_i, pairs_j, pairs_d


def _place_matrix(
    order: np.ndarray,
    pos_start: np.ndarray,
    pos_count: np.ndarray,
    pi: np.ndarray,
    pj: np.ndarray,
    pd_: np.ndarray,
    n: int,
) -> csr_matrix:
    """The `n` × `n` distances between places from those between their positions (pairs
    `pi` < `pj` at `pd_`): both directions between positions, 0 between the places at one
    position. Places are ``order[pos_start[p] : pos_start[p] + pos_count[p]]``."""
    ci, cj = pos_count[pi], pos_count[pj]
    pair, k = _expand(ci * cj)
    a = order[pos_start[pi[pair]] + k // cj[pair]]
    b = order[pos_start[pj[pair]] + k % cj[pair]]
    dab = pd_[pair]
    same, k2 = _expand(pos_count * pos_count)
    sa = order[pos_start[same] + k2 // pos_count[same]]
    sb = order[pos_start[same] + k2 % pos_count[same]]
    rows = np.concatenate([a, b, sa])
    cols = np.concatenate([b, a, sb])
    data = np.concatenate([dab, dab, np.zeros(len(sa))])
    o = np.lexsort((cols, data, rows))
    rows, cols, data = rows[o], cols[o], data[o]
    indptr = np.r_[0, np.cumsum(np.bincount(rows, minlength=n))]
    return csr_matrix((data, cols, indptr), shape=(n, n))


def network_distances(graph: EdgeGraph, edge: Any, offset: Any, *, cutoff_m: float) -> csr_matrix:
    """Shortest network distances up to `cutoff_m` between places on `graph`.

    A place is ``(edge[i], offset[i])``: `offset` metres from the edge's ``u`` end. The
    distance between two places is the shortest walk along the network, including along
    their shared edge. Pairs farther apart than `cutoff_m` are not stored.

    Each row is sorted by distance (what scikit-learn expects of a precomputed sparse
    neighbourhood graph) and the diagonal and every pair of identical places are stored
    as explicit zeros: scikit-learn treats a stored 0 as distance 0 and an absent entry as
    "not a neighbour", so never call ``eliminate_zeros()`` on the result (the st_dbscan
    bug of methods.md §2.5).

    Memory is proportional to the number of pairs within `cutoff_m`: Dijkstra runs with a
    limit from the end nodes of the edges that carry places, in blocks of nearby nodes,
    each on the part of the network within `cutoff_m` of its block, and only node pairs
    within the cutoff are kept.

    Parameters
    ----------
    graph
        The road network in metres.
    edge, offset
        Edge index and offset in metres of each place.
    cutoff_m
        Largest distance stored.

    Returns
    -------
    distances
        ``n × n`` symmetric CSR matrix of float64 metres.

    Raises
    ------
    ValueError
        If an edge index or offset is out of range or `cutoff_m` is negative.

    Examples
    --------
    >>> g = EdgeGraph(np.array([0, 1]), np.array([1, 2]), np.array([100.0, 100.0]), 3)
    >>> network_distances(g, [0, 1, 1], [10.0, 50.0, 90.0], cutoff_m=150).toarray().tolist()
    [[0.0, 140.0, 0.0], [140.0, 0.0, 40.0], [0.0, 40.0, 0.0]]
    """
    e, t = _places(graph, edge, offset)
    if not (np.isfinite(cutoff_m) and cutoff_m >= 0):
        raise ArgumentError(f"cutoff_m must be finite and non-negative, got {cutoff_m!r}")
    n = len(e)
    if n == 0:
        return csr_matrix((0, 0))
    cutoff = float(cutoff_m)

    # distinct positions (p) and the places at each
    order = np.lexsort((t, e))
    es, ts = e[order], t[order]
    new = np.r_[True, (es[1:] != es[:-1]) | (ts[1:] != ts[:-1])]
    pe, pt = es[new], ts[new]
    m = len(pe)
    pos_start = np.flatnonzero(new)
    pos_count = np.diff(np.r_[pos_start, n])

    pairs_i, pairs_j, pairs_d = [], [], []
    # 1. along a shared edge: positions sorted by (edge, offset) within each edge
    bounds = np.flatnonzero(np.r_[True, pe[1:] != pe[:-1], True])
    group = np.repeat(np.arange(len(bounds) - 1), np.diff(bounds))
    g_end = bounds[1:][group]
    hi = _grouped_searchsorted(pt, np.arange(m) + 1, g_end, pt + cutoff, "right")
    gi, k = _expand(hi - np.arange(m) - 1)
    j = gi + 1 + k
    pairs_i.append(gi)
    pairs_j.append(j)
    pairs_d.append(pt[j] - pt[gi])

    # 2. through the end nodes
    via_i, via_j, via_d = _pairs_via_nodes(graph, pe, pt, cutoff)
    pairs_i += via_i
    pairs_j += via_j
    pairs_d += via_d

    # shortest distance per position pair (i < j)
    pi, pj, pd_ = np.concatenate(pairs_i), np.concatenate(pairs_j), np.concatenate(pairs_d)
    key = pi.astype(np.int64) * m + pj
    o = np.lexsort((pd_, key))
    key, pd_ = key[o], pd_[o]
    first = np.r_[True, key[1:] != key[:-1]] if len(key) else np.zeros(0, bool)
    pi, pj, pd_ = key[first] // m, key[first] % m, pd_[first]

    return _place_matrix(order, pos_start, pos_count, pi, pj, pd_, n)


def dbscan_network(
    graph: EdgeGraph,
    edge: Any,
    offset: Any,
    *,
    eps_m: float = 200.0,
    min_samples: int = 3,
    weights: Any = None,
) -> np.ndarray:
    """DBSCAN of places on the network with shortest-path distances.

    Runs ``DBSCAN(metric="precomputed")`` on :func:`network_distances` with cutoff
    `eps_m`, so identical places are neighbours and places on roads that only meet far
    away are not.

    Parameters
    ----------
    graph
        The road network in metres.
    edge, offset
        Edge index and offset in metres of each place (e.g. from snapping).
    eps_m
        Neighbourhood radius along the network in metres.
    min_samples
        Neighbours (weighted, counting the place itself) that make a core point.
    weights
        Optional count or weight per place.

    Returns
    -------
    labels
        int64 array: cluster id ``0, 1, …`` numbered by the core place with the smallest
        (edge, offset), ``-1`` noise.

    Raises
    ------
    ValueError
        If an edge index or offset is out of range or a parameter is invalid.

    Examples
    --------
    >>> g = EdgeGraph(np.array([0]), np.array([1]), np.array([1000.0]), 2)
    >>> dbscan_network(g, [0, 0, 0, 0], [10.0, 20.0, 30.0, 900.0], eps_m=15,
    ...                min_samples=2).tolist()
    [0, 0, 0, -1]
    """
    e, t = _places(graph, edge, offset)
    w = _weights(weights, len(e))
    _check_dbscan(eps_m, min_samples)
    if len(e) == 0:
        return np.zeros(0, dtype=np.int64)
    from sklearn.cluster import DBSCAN  # imported when used (note above __all__)

    dist = network_distances(graph, e, t, cutoff_m=eps_m)
    model = DBSCAN(eps=eps_m, min_samples=min_samples, metric="precomputed")
    labels = model.fit(dist, sample_weight=w).labels_
    core = np.zeros(len(e), dtype=bool)
    core[model.core_sample_indices_] = True
    labels = _renumber(labels, core, e.astype(float), t)
    border = (labels >= 0) & ~core
    if border.any():
        coo = dist.tocoo()
        sel = border[coo.row] & core[coo.col] & (coo.data <= eps_m)
        labels = _assign_borders(labels, core, coo.row[sel], coo.col[sel], coo.data[sel])
    return labels


# ---------------------------------------------------------------------------------------
# outlines


def cluster_outlines(
    lon: Any, lat: Any, labels: Any, *, buffer_m: float = 30.0, weights: Any = None
) -> gpd.GeoDataFrame:
    """One polygon per cluster: the convex hull of its members buffered by `buffer_m`.

    Hulls and buffers are built in the UTM zone of the points
    (:func:`~trafficprev.coords.metric_crs`), so one or two members give a disc or a
    capsule, and returned in WGS-84.

    Parameters
    ----------
    lon, lat
        Coordinates of every point in degrees (WGS-84).
    labels
        Cluster label per point; negative labels (noise) are left out.
    buffer_m
        Buffer around the hull in metres (> 0).
    weights
        Optional weight per point; ``n_cases`` is then the sum of weights.

    Returns
    -------
    outlines
        GeoDataFrame in EPSG:4326 with ``cluster_id``, ``n_cases``, ``centre_lon`` and
        ``centre_lat`` (weighted mean of the members, computed in metres) and
        ``geometry``, sorted by ``cluster_id``.

    Raises
    ------
    ValueError
        If the inputs differ in length, coordinates are invalid or `buffer_m` <= 0.
    """
    x, y = _lonlat(lon, lat)
    lab = np.asarray(labels).reshape(-1)
    if len(lab) != len(x):
        raise ArgumentError(f"labels must have one value per point ({len(lab)} vs {len(x)})")
    w = _weights(weights, len(x))
    w = np.ones(len(x)) if w is None else w
    if not (np.isfinite(buffer_m) and buffer_m > 0):
        raise ArgumentError(f"buffer_m must be positive, got {buffer_m!r}")
    member = lab >= 0
    columns = ["cluster_id", "n_cases", "centre_lon", "centre_lat"]
    if not member.any():
        empty = pd.DataFrame({c: pd.Series(dtype=float) for c in columns})
        empty["cluster_id"] = empty["cluster_id"].astype(np.int64)
        return gpd.GeoDataFrame(empty, geometry=gpd.GeoSeries([], crs="EPSG:4326"))
    x, y, lab, w = x[member], y[member], lab[member].astype(np.int64), w[member]
    crs = metric_crs(x, y)
    fwd = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    back = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    mx, my = fwd.transform(x, y)
    ids, inv = np.unique(lab, return_inverse=True)
    order = np.argsort(inv, kind="stable")
    pts = shapely.multipoints(np.column_stack([mx, my])[order], indices=inv[order])
    shapes = shapely.buffer(shapely.convex_hull(pts), buffer_m)
    total = np.bincount(inv, weights=w)
    # weighted mean in metres (plain mean for a cluster whose weights sum to 0)
    cw = np.where(total[inv] > 0, w, 1.0)
    cx = np.bincount(inv, weights=cw * mx) / np.bincount(inv, weights=cw)
    cy = np.bincount(inv, weights=cw * my) / np.bincount(inv, weights=cw)
    clon, clat = back.transform(cx, cy)
    out = gpd.GeoDataFrame(
        {
            "cluster_id": ids,
            "n_cases": total,
            "centre_lon": np.asarray(clon, float),
            "centre_lat": np.asarray(clat, float),
        },
        geometry=gpd.GeoSeries(shapes, crs=crs).to_crs("EPSG:4326").to_numpy(),
        crs="EPSG:4326",
    )
    return out
