"""Network kernel density estimation (NKDE) on an :class:`~trafficprev._graph.EdgeGraph`.

Events and samples are places on the network, ``(edge index, offset from u in metres)``.
Three estimators follow the definitions of spNetwork (Gelb & Apparicio; methods.md §2.2):

``"simple"`` (Xie & Yan 2008)
    ``K`` at the shortest network distance from each event to each sample. Mass is not
    conserved at intersections (it over-estimates near them).
``"discontinuous"`` (Okabe, Satoh & Sugihara 2009)
    A walk away from the event; at a node of degree ``n`` each of the ``n - 1`` outgoing
    edges gets the incoming value divided by ``n - 1``. All paths up to the bandwidth are
    followed, so on cycles overlapping paths add up. A dead end (degree 1) stops the walk.
``"continuous"`` (Okabe & Sugihara 2012, equal-split continuous kernel)
    As above, but a node of degree ``n`` gives each forward edge ``2/n`` of the incoming
    value and sends ``(2 - n)/n`` back along the edge the walk came from.

The walks are run for many events at once: a frontier of arrivals at nodes (event, node,
edge end arrived through, distance, factor, depth) is expanded with numpy over a CSR of edge
ends per node, level by level, and blocks of it are kept on an explicit stack so memory stays
bounded. Each edge visit adds ``factor * K(distance at entry + distance along the edge)`` to
every sample on that edge (samples are grouped by edge and sorted by offset once).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy.sparse.csgraph import dijkstra

from trafficprev._graph import EdgeGraph

from .._errors import ArgumentError

__all__ = [
    "KERNELS",
    "cosine",
    "epanechnikov",
    "gaussian",
    "gaussian_scaled",
    "lixel_samples",
    "lixelize",
    "nkde",
    "quartic",
    "triangle",
    "tricube",
    "triweight",
    "uniform",
]

Kernel = Callable[[np.ndarray, np.ndarray], np.ndarray]

# events per batch of walks, and the largest block of arrivals expanded at once
_EVENT_CHUNK = 2048
_BLOCK = 150_000


# --------------------------------------------------------------------------------------
# kernels: K(d, bw), each already divided by bw, 0 beyond bw (spNetwork's definitions)
# --------------------------------------------------------------------------------------


def _scaled(
    d: np.ndarray | float, bw: np.ndarray | float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ad = np.abs(np.asarray(d, dtype=float))
    b = np.asarray(bw, dtype=float)
    return ad / b, b, ad > b


def quartic(d: np.ndarray | float, bw: np.ndarray | float) -> np.ndarray:
    """Quartic (biweight) kernel ``(15/16)(1 - u²)² / bw``, ``u = d / bw``, 0 for ``|d| > bw``.

    Parameters
    ----------
    d
        Distances in metres (any sign; the kernel is symmetric).
    bw
        Bandwidth in metres (scalar or broadcastable to ``d``).

    Returns
    -------
    numpy.ndarray
        Kernel values (a 0-d array for scalar input).

    Examples
    --------
    >>> round(float(quartic(6.0, 10.0)), 6)
    0.0384
    """
    u, b, out = _scaled(d, bw)
    return np.where(out, 0.0, (15.0 / 16.0) * (1.0 - u * u) ** 2 / b)


def triangle(d: np.ndarray | float, bw: np.ndarray | float) -> np.ndarray:
    """Triangle kernel ``(1 - |u|) / bw``, 0 for ``|d| > bw`` (parameters as :func:`quartic`).

    Parameters
    ----------
    d
        Distances in metres.
    bw
        Bandwidth in metres.

    Returns
    -------
    numpy.ndarray
        Kernel values.
    """
    u, b, out = _scaled(d, bw)
    return np.where(out, 0.0, (1.0 - u) / b)


def uniform(d: np.ndarray | float, bw: np.ndarray | float) -> np.ndarray:
    """Uniform kernel ``1 / (2 bw)``, 0 for ``|d| > bw`` (parameters as :func:`quartic`).

    Parameters
    ----------
    d
        Distances in metres.
    bw
        Bandwidth in metres.

    Returns
    -------
    numpy.ndarray
        Kernel values.
    """
    _, b, out = _scaled(d, bw)
    return np.where(out, 0.0, 1.0 / (2.0 * b))


def epanechnikov(d: np.ndarray | float, bw: np.ndarray | float) -> np.ndarray:
    """Epanechnikov kernel ``(3/4)(1 - u²) / bw``, 0 for ``|d| > bw``.

    Parameters
    ----------
    d
        Distances in metres.
    bw
        Bandwidth in metres.

    Returns
    -------
    numpy.ndarray
        Kernel values.
    """
    u, b, out = _scaled(d, bw)
    return np.where(out, 0.0, 0.75 * (1.0 - u * u) / b)


def triweight(d: np.ndarray | float, bw: np.ndarray | float) -> np.ndarray:
    """Triweight kernel ``(35/32)(1 - u²)³ / bw``, 0 for ``|d| > bw``.

    Parameters
    ----------
    d
        Distances in metres.
    bw
        Bandwidth in metres.

    Returns
    -------
    numpy.ndarray
        Kernel values.
    """
    u, b, out = _scaled(d, bw)
    return np.where(out, 0.0, (35.0 / 32.0) * (1.0 - u * u) ** 3 / b)


def tricube(d: np.ndarray | float, bw: np.ndarray | float) -> np.ndarray:
    """Tricube kernel ``(70/81)(1 - |u|³)³ / bw``, 0 for ``|d| > bw``.

    Parameters
    ----------
    d
        Distances in metres.
    bw
        Bandwidth in metres.

    Returns
    -------
    numpy.ndarray
        Kernel values.
    """
    u, b, out = _scaled(d, bw)
    return np.where(out, 0.0, (70.0 / 81.0) * (1.0 - u**3) ** 3 / b)


def cosine(d: np.ndarray | float, bw: np.ndarray | float) -> np.ndarray:
    """Cosine kernel ``(π/4) cos(π u / 2) / bw``, 0 for ``|d| > bw``.

    Parameters
    ----------
    d
        Distances in metres.
    bw
        Bandwidth in metres.

    Returns
    -------
    numpy.ndarray
        Kernel values.
    """
    u, b, out = _scaled(d, bw)
    return np.where(out, 0.0, (np.pi / 4.0) * np.cos((np.pi / 2.0) * u) / b)


def gaussian(d: np.ndarray | float, bw: np.ndarray | float) -> np.ndarray:
    """Gaussian kernel ``φ(u) / bw`` (σ = bw) truncated at bw: it keeps only ≈ 68 % of the mass.

    spNetwork's vignette advises against it (lost mass; negative continuous values).

    Parameters
    ----------
    d
        Distances in metres.
    bw
        Bandwidth in metres.

    Returns
    -------
    numpy.ndarray
        Kernel values.
    """
    u, b, out = _scaled(d, bw)
    return np.where(out, 0.0, np.exp(-0.5 * u * u) / (np.sqrt(2.0 * np.pi) * b))


def gaussian_scaled(d: np.ndarray | float, bw: np.ndarray | float) -> np.ndarray:
    """spNetwork's "scaled gaussian": a normal density with σ = bw/3, truncated at bw.

    Parameters
    ----------
    d
        Distances in metres.
    bw
        Bandwidth in metres.

    Returns
    -------
    numpy.ndarray
        Kernel values.
    """
    u, b, out = _scaled(d, bw)
    s = b / 3.0
    z = 3.0 * u
    return np.where(out, 0.0, np.exp(-0.5 * z * z) / (np.sqrt(2.0 * np.pi) * s))


KERNELS: dict[str, Kernel] = {
    "quartic": quartic,
    "triangle": triangle,
    "uniform": uniform,
    "epanechnikov": epanechnikov,
    "triweight": triweight,
    "tricube": tricube,
    "cosine": cosine,
    "gaussian": gaussian,
    "gaussian_scaled": gaussian_scaled,
    "scaled gaussian": gaussian_scaled,
}


# --------------------------------------------------------------------------------------
# lixels
# --------------------------------------------------------------------------------------


def _pieces(
    length: np.ndarray, lixel_m: float, min_m: float | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not (np.isfinite(lixel_m) and lixel_m > 0):
        raise ArgumentError(f"lixel_m must be a positive number of metres, got {lixel_m!r}")
    min_m = lixel_m / 10.0 if min_m is None else float(min_m)
    if not (np.isfinite(min_m) and min_m >= 0):
        raise ArgumentError(f"min_m must be a non-negative number of metres, got {min_m!r}")
    n_full = np.floor(length / lixel_m).astype(np.int64)
    rem = length - n_full * lixel_m
    tol = 1e-9 * np.maximum(length, 1.0)
    own = (rem >= min_m) & (rem > tol)  # a remainder keeps its own lixel
    n_pieces = np.maximum(n_full + own, 1)
    parent = np.repeat(np.arange(len(length)), n_pieces)
    first = np.cumsum(n_pieces) - n_pieces
    k = np.arange(len(parent)) - first[parent]
    start = k * lixel_m
    last = k == n_pieces[parent] - 1
    end = np.where(last, length[parent], (k + 1) * lixel_m)
    return parent, start, end


def lixelize(
    graph: EdgeGraph, lixel_m: float = 50.0, min_m: float | None = None
) -> tuple[EdgeGraph, np.ndarray, np.ndarray]:
    """Cut every edge into lixels of ``lixel_m`` metres (spNetwork ``lixelize_lines``).

    Each edge is cut every ``lixel_m`` metres from ``u``. A final remainder shorter than
    ``min_m`` is merged into the previous lixel; an edge shorter than ``lixel_m`` stays whole.

    Parameters
    ----------
    graph
        The road graph (metres).
    lixel_m
        Lixel length in metres.
    min_m
        Shortest remainder kept as its own lixel; default ``lixel_m / 10``.

    Returns
    -------
    lixels : EdgeGraph
        The lixel graph: the original nodes keep their ids, cut points are new nodes
        ``n_nodes, n_nodes + 1, ...``; lixel ``i`` runs in the direction of its parent edge.
    parent : numpy.ndarray
        Index of the original edge of each lixel.
    start : numpy.ndarray
        Offset (metres from the parent's ``u``) where each lixel starts.

    Raises
    ------
    ValueError
        If ``lixel_m`` is not positive or ``min_m`` is negative.

    Examples
    --------
    >>> g = EdgeGraph(np.array([0]), np.array([1]), np.array([104.0]), 2)
    >>> lx, parent, start = lixelize(g, 50.0)
    >>> lx.length.tolist(), start.tolist(), lx.n_nodes
    ([50.0, 54.0], [0.0, 50.0], 3)
    """
    parent, start, end = _pieces(graph.length, lixel_m, min_m)
    n_pieces = np.bincount(parent, minlength=graph.n_edges)
    base = graph.n_nodes + np.cumsum(n_pieces - 1) - (n_pieces - 1)  # first cut node per edge
    first = np.cumsum(n_pieces) - n_pieces
    k = np.arange(len(parent)) - first[parent]
    a = np.where(k == 0, graph.u[parent], base[parent] + k - 1)
    b = np.where(k == n_pieces[parent] - 1, graph.v[parent], base[parent] + k)
    n_nodes = graph.n_nodes + int((n_pieces - 1).sum())
    return EdgeGraph(a, b, end - start, n_nodes), parent, start


def lixel_samples(
    graph: EdgeGraph, lixel_m: float = 50.0, min_m: float | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centres of the lixels of every edge, as places on the original graph.

    Parameters
    ----------
    graph
        The road graph (metres).
    lixel_m
        Lixel length in metres.
    min_m
        Shortest remainder kept as its own lixel; default ``lixel_m / 10`` (see :func:`lixelize`).

    Returns
    -------
    edge : numpy.ndarray
        Edge index of each lixel (edges in order, lixels from ``u`` to ``v``).
    offset : numpy.ndarray
        Offset of the lixel centre from the edge's ``u``, in metres.
    length : numpy.ndarray
        Lixel length in metres (to integrate a density: ``(density * length).sum()``).

    Raises
    ------
    ValueError
        If ``lixel_m`` is not positive or ``min_m`` is negative.

    Examples
    --------
    >>> g = EdgeGraph(np.array([0, 1]), np.array([1, 2]), np.array([104.0, 30.0]), 3)
    >>> e, o, ln = lixel_samples(g, 50.0)
    >>> e.tolist(), o.tolist(), ln.tolist()
    ([0, 0, 1], [25.0, 77.0, 15.0], [50.0, 54.0, 30.0])
    """
    parent, start, end = _pieces(graph.length, lixel_m, min_m)
    return parent, (start + end) / 2.0, end - start


# --------------------------------------------------------------------------------------
# prepared network and samples
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Net:
    """Edge ends ("half-edges" ``h = 2e + s``; ``s = 0`` the ``u`` end, 1 the ``v`` end)."""

    length: np.ndarray
    half_node: np.ndarray  # node of each half-edge
    ptr: np.ndarray  # CSR over nodes into `halves`
    halves: np.ndarray  # half-edges grouped by node
    degree: np.ndarray


def _prepare_net(graph: EdgeGraph) -> _Net:
    half_node = np.empty(2 * graph.n_edges, dtype=np.int64)
    half_node[0::2] = graph.u
    half_node[1::2] = graph.v
    halves = np.argsort(half_node, kind="stable")
    counts = np.bincount(half_node, minlength=graph.n_nodes)
    ptr = np.concatenate([[0], np.cumsum(counts)])
    return _Net(graph.length, half_node, ptr, halves, counts)


@dataclass(frozen=True)
class _Samples:
    order: np.ndarray  # sorted position -> original index
    edge: np.ndarray  # sorted
    offset: np.ndarray  # sorted
    ptr: np.ndarray  # per edge, into the sorted arrays


def _prepare_samples(n_edges: int, edge: np.ndarray, offset: np.ndarray) -> _Samples:
    order = np.lexsort((offset, edge))
    e, o = edge[order], offset[order]
    ptr = np.searchsorted(e, np.arange(n_edges + 1))
    return _Samples(order, e, o, ptr)


class _Acc:
    """Sums of contributions per (sorted) sample, and optional per-(event, sample) pairs."""

    def __init__(self, n_samples: int, keep_pairs: bool) -> None:
        self.n = n_samples
        self.total = np.zeros(n_samples)
        self.coef = np.ones(0)  # per (local) event: weight, or weight / bw
        self.keep_pairs = keep_pairs
        self.keys: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []

    def add(self, ev: np.ndarray, idx: np.ndarray, val: np.ndarray) -> None:
        if len(idx):
            self.total += np.bincount(idx, val * self.coef[ev], minlength=self.n)
            if self.keep_pairs:
                nz = val != 0
                self.keys.append(ev[nz] * self.n + idx[nz])
                self.vals.append(val[nz])

    def positive_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """(event, sorted sample) of every pair whose summed contribution is > 0; then reset."""
        if not self.keys:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        keys, inv = np.unique(np.concatenate(self.keys), return_inverse=True)
        sums = np.bincount(inv, np.concatenate(self.vals))
        self.keys, self.vals = [], []
        keys = keys[sums > 0]
        return keys // self.n, keys % self.n


def _visit(
    acc: _Acc,
    smp: _Samples,
    kern: Kernel,
    ev: np.ndarray,
    a: np.ndarray,
    sgn: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    factor: np.ndarray,
    bw: np.ndarray,
) -> None:
    """Add ``factor * K(a + sgn * offset)`` to the samples ``lo:hi`` (sorted) of each visit."""
    n = hi - lo
    keep = n > 0
    if not keep.all():
        ev, a, sgn, lo, n, factor, bw = (x[keep] for x in (ev, a, sgn, lo, n, factor, bw))
    if not len(n):
        return
    rep, idx = _ranges(lo, lo + n)
    dist = a[rep] + sgn[rep] * smp.offset[idx]
    acc.add(ev[rep], idx, kern(dist, bw[rep]) * factor[rep])


def _visit_edges(
    acc: _Acc,
    net: _Net,
    smp: _Samples,
    kern: Kernel,
    ev: np.ndarray,
    half: np.ndarray,
    d: np.ndarray,
    factor: np.ndarray,
    bw: np.ndarray,
) -> None:
    """Visits of whole edges, entered through half-edge ``half`` at distance ``d``."""
    e, s = half >> 1, half & 1
    a = d + s * net.length[e]
    sgn = 1.0 - 2.0 * s
    _visit(acc, smp, kern, ev, a, sgn, smp.ptr[e], smp.ptr[e + 1], factor, bw)


# --------------------------------------------------------------------------------------
# the walks
# --------------------------------------------------------------------------------------

# an arrival block: (event, node, half-edge arrived through or -1, distance, factor, depth)
_Block = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _expand(net: _Net, node: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each arrival, every half-edge at its node: (arrival index, half-edge)."""
    rep, pos = _ranges(net.ptr[node], net.ptr[node + 1])
    return rep, net.halves[pos]


def _step_discontinuous(
    blk: _Block, net: _Net, smp: _Samples, acc: _Acc, kern: Kernel, bw: np.ndarray, max_depth: int
) -> _Block:
    ev, node, h_in, d, alpha, depth = blk
    n = net.degree[node]
    start = h_in < 0
    go = start | (n > 1)  # a dead end stops the walk (unless the event sits on it)
    ev, node, h_in, d, alpha, depth, n, start = (
        x[go] for x in (ev, node, h_in, d, alpha, depth, n, start)
    )
    # spNetwork: 2/n at the event's vertex, alpha/(n - 1) further on
    new_alpha = np.where(start, 2.0 / n, alpha / np.maximum(n - 1, 1))
    new_depth = depth + (n > 2)
    rep, half = _expand(net, node)
    fwd = half != h_in[rep]
    rep, half = rep[fwd], half[fwd]
    e_ev, e_d, e_a = ev[rep], d[rep], new_alpha[rep]
    _visit_edges(acc, net, smp, kern, e_ev, half, e_d, e_a, bw[e_ev])
    d2 = e_d + net.length[half >> 1]
    nd = new_depth[rep]
    ok = (d2 < bw[e_ev]) & (nd < max_depth)
    far = half[ok] ^ 1
    return e_ev[ok], net.half_node[far], far, d2[ok], e_a[ok], nd[ok]


def _step_continuous(
    blk: _Block, net: _Net, smp: _Samples, acc: _Acc, kern: Kernel, bw: np.ndarray, max_depth: int
) -> _Block:
    ev, node, h_in, d, alpha, depth = blk
    n = net.degree[node]
    new_depth = depth + (n > 2)
    go = (n > 1) & (new_depth <= max_depth)
    ev, node, h_in, d, alpha, n, new_depth = (
        x[go] for x in (ev, node, h_in, d, alpha, n, new_depth)
    )
    rep, half = _expand(net, node)
    nr = n[rep]
    back = half == h_in[rep]
    keep = ~back | (nr > 2)  # reflect only at a true intersection
    rep, half, back, nr = rep[keep], half[keep], back[keep], nr[keep]
    factor = alpha[rep] * np.where(back, (2.0 - nr) / nr, 2.0 / nr)
    e_ev, e_d = ev[rep], d[rep]
    _visit_edges(acc, net, smp, kern, e_ev, half, e_d, factor, bw[e_ev])
    d2 = e_d + net.length[half >> 1]
    ok = d2 < bw[e_ev]
    far = half[ok] ^ 1
    return e_ev[ok], net.half_node[far], far, d2[ok], factor[ok], new_depth[rep][ok]


def _walk(
    method: str,
    net: _Net,
    smp: _Samples,
    acc: _Acc,
    kern: Kernel,
    ev_edge: np.ndarray,
    ev_off: np.ndarray,
    bw: np.ndarray,
    max_depth: int,
) -> None:
    """Run the walks of a batch of events (local ids ``0..len(ev_edge)-1``)."""
    length = net.length[ev_edge]
    at_u, at_v = ev_off <= 0.0, ev_off >= length
    inside = ~(at_u | at_v)
    ids = np.arange(len(ev_edge))
    blocks: list[_Block] = []

    # events inside an edge: spread both ways from the event with factor 1 (= 2/deg 2)
    i = ids[inside]
    e, o = ev_edge[i], ev_off[i]
    lo, hi = smp.ptr[e], smp.ptr[e + 1]
    split = lo + np.array(
        [
            np.searchsorted(smp.offset[a:b], x, side="right")
            for a, b, x in zip(lo, hi, o, strict=True)
        ],
        dtype=np.int64,
    )
    one = np.ones(len(i))
    _visit(acc, smp, kern, i, o, -one, lo, split, one, bw[i])  # towards u
    _visit(acc, smp, kern, i, -o, one, split, hi, one, bw[i])  # towards v
    zero = np.zeros(len(i), np.int64)
    for reach, half, dist in ((o, 2 * e, o), (length[i] - o, 2 * e + 1, length[i] - o)):
        ok = dist < bw[i]
        if method == "discontinuous":
            ok &= max_depth > 0
        blocks.append((i[ok], net.half_node[half[ok]], half[ok], reach[ok], one[ok], zero[ok]))

    # events on a node
    j = ids[~inside]
    node = np.where(at_u[j], net.half_node[2 * ev_edge[j]], net.half_node[2 * ev_edge[j] + 1])
    if method == "discontinuous":
        blocks.append(
            (
                j,
                node,
                np.full(len(j), -1),
                np.zeros(len(j)),
                np.ones(len(j)),
                np.zeros(len(j), np.int64),
            )
        )
    elif len(j):
        rep, half = _expand(net, node)
        e_ev = j[rep]
        alpha = 2.0 / net.degree[node][rep]
        _visit_edges(acc, net, smp, kern, e_ev, half, np.zeros(len(rep)), alpha, bw[e_ev])
        d2 = net.length[half >> 1]
        ok = d2 < bw[e_ev]
        far = half[ok] ^ 1
        blocks.append(
            (
                e_ev[ok],
                net.half_node[far],
                far,
                d2[ok],
                alpha[ok],
                np.zeros(int(ok.sum()), np.int64),
            )
        )

    step = _step_discontinuous if method == "discontinuous" else _step_continuous
    while blocks:
        blk = blocks.pop()
        size = len(blk[0])
        if size == 0:
            continue
        if size > _BLOCK:  # split and come back (depth-first keeps memory bounded)
            mid = size // 2
            blocks.append(tuple(x[mid:] for x in blk))  # type: ignore[arg-type]
            blocks.append(tuple(x[:mid] for x in blk))  # type: ignore[arg-type]
            continue
        blocks.append(step(blk, net, smp, acc, kern, bw, max_depth))


def _ranges(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All positions ``lo[i] .. hi[i] - 1``: (range index, position)."""
    cnt = hi - lo
    rep = np.repeat(np.arange(len(cnt)), cnt)
    return rep, np.arange(int(cnt.sum())) - np.repeat(np.cumsum(cnt) - cnt - lo, cnt)


def _simple(
    graph: EdgeGraph,
    net: _Net,
    smp: _Samples,
    acc: _Acc,
    kern: Kernel,
    ev_edge: np.ndarray,
    ev_off: np.ndarray,
    bw: np.ndarray,
) -> None:
    """Kernel at the shortest network distance (Dijkstra with cutoff from both edge ends)."""
    csr = graph.csr
    chunk = max(1, 4_000_000 // max(2 * graph.n_nodes, 1))  # bounds the dense distance block
    for c0 in range(0, len(ev_edge), chunk):
        e, o, b = ev_edge[c0 : c0 + chunk], ev_off[c0 : c0 + chunk], bw[c0 : c0 + chunk]
        length = graph.length[e]
        src, inv = np.unique(np.concatenate([graph.u[e], graph.v[e]]), return_inverse=True)
        dm = dijkstra(csr, directed=False, indices=src, limit=float(b.max()))
        # distance from each event to each node, leaving its edge by either end
        dn = np.minimum(o[:, None] + dm[inv[: len(e)]], (length - o)[:, None] + dm[inv[len(e) :]])
        k, x = np.nonzero(dn <= b[:, None])
        dx = dn[k, x]
        # through each node: every sample on every edge at that node
        rep, half = _expand(net, x)
        he, hs = half >> 1, half & 1
        r2, idx2 = _ranges(smp.ptr[he], smp.ptr[he + 1])
        d2 = dx[rep][r2] + hs[r2] * net.length[he[r2]] + (1.0 - 2.0 * hs[r2]) * smp.offset[idx2]
        ev2 = k[rep][r2]
        # along the event's own edge
        r3, idx3 = _ranges(smp.ptr[e], smp.ptr[e + 1])
        d3 = np.abs(smp.offset[idx3] - o[r3])
        cev = np.concatenate([ev2, r3])
        cidx = np.concatenate([idx2, idx3])
        cd = np.concatenate([d2, d3])
        # keep the shortest distance of each (event, sample) pair
        order = np.lexsort((cd, cidx, cev))
        cev, cidx, cd = cev[order], cidx[order], cd[order]
        first = np.ones(len(cev), dtype=bool)
        first[1:] = (cev[1:] != cev[:-1]) | (cidx[1:] != cidx[:-1])
        cev, cidx, cd = cev[first] + c0, cidx[first], cd[first]
        acc.add(cev, cidx, kern(cd, bw[cev]))


# --------------------------------------------------------------------------------------
# the estimator
# --------------------------------------------------------------------------------------


def _as_places(
    graph: EdgeGraph, edge: np.ndarray, offset: np.ndarray, what: str
) -> tuple[np.ndarray, np.ndarray]:
    e = np.asarray(edge)
    o = np.asarray(offset, dtype=float)
    if e.ndim != 1 or o.shape != e.shape:
        raise ArgumentError(f"{what}_edge and {what}_offset must be 1-d arrays of the same length")
    if len(e) and not np.issubdtype(e.dtype, np.integer):
        raise ArgumentError(f"{what}_edge must hold integer edge indices, got dtype {e.dtype}")
    e = e.astype(np.int64)
    if len(e) and (e.min() < 0 or e.max() >= graph.n_edges):
        raise ArgumentError(f"{what}_edge must lie in 0 .. {graph.n_edges - 1}")
    if not np.isfinite(o).all():
        raise ArgumentError(f"{what}_offset must be finite")
    length = graph.length[e]
    tol = 1e-9 * np.maximum(length, 1.0)
    if ((o < -tol) | (o > length + tol)).any():
        raise ArgumentError(f"{what}_offset must lie in 0 .. length of its edge (metres)")
    return e, np.clip(o, 0.0, length)


def nkde(
    graph: EdgeGraph,
    events_edge: np.ndarray,
    events_offset: np.ndarray,
    samples_edge: np.ndarray,
    samples_offset: np.ndarray,
    *,
    bw: float | np.ndarray,
    method: Literal["simple", "discontinuous", "continuous"] = "discontinuous",
    kernel: str = "quartic",
    weights: np.ndarray | None = None,
    div: Literal["none", "bw", "n"] = "bw",
    max_depth: int = 8,
) -> np.ndarray:
    """Network kernel density at each sample (spNetwork ``nkde`` semantics).

    Parameters
    ----------
    graph
        The road graph (metres).
    events_edge, events_offset
        Events as places: edge index and offset in metres from the edge's ``u``. An event at
        offset 0 or at the edge's length sits on that node.
    samples_edge, samples_offset
        Places where the density is wanted (e.g. :func:`lixel_samples`).
    bw
        Bandwidth in metres: one value, or one per event (adaptive bandwidth).
    method
        ``"simple"``, ``"discontinuous"`` or ``"continuous"`` (see the module docstring).
    kernel
        A name in :data:`KERNELS` (``"quartic"`` is recommended).
    weights
        Weight of each event (default 1).
    div
        ``"bw"``: ``Σ w K(d) / bw`` (with each event's own bandwidth); ``"none"``:
        ``Σ w K(d)``; ``"n"``: ``Σ w K(d)`` divided by the summed weight of the events with
        a positive contribution at the sample (0 where there is none).
    max_depth
        Most intersections (nodes of degree > 2) a walk passes, as spNetwork counts them:
        discontinuous walks continue while the count is ``< max_depth``, continuous ones
        while it is ``<= max_depth``. Not used by ``"simple"``.

    Returns
    -------
    numpy.ndarray
        Density at each sample, in sample order.

    Raises
    ------
    ValueError
        On an unknown method, kernel or divisor, a bandwidth that is not positive and
        finite, a weight or place array of the wrong shape, or a place off its edge.

    Examples
    --------
    >>> g = EdgeGraph(np.array([0]), np.array([1]), np.array([100.0]), 2)
    >>> d = nkde(g, np.array([0]), np.array([50.0]), np.array([0, 0]), np.array([50.0, 60.0]),
    ...          bw=20.0)
    >>> np.allclose(d, quartic(np.array([0.0, 10.0]), 20.0) / 20.0)
    True
    """
    if method not in ("simple", "discontinuous", "continuous"):
        raise ArgumentError(
            f"method must be 'simple', 'discontinuous' or 'continuous', got {method!r}"
        )
    if kernel not in KERNELS:
        raise ArgumentError(f"kernel must be one of {sorted(KERNELS)}, got {kernel!r}")
    if div not in ("none", "bw", "n"):
        raise ArgumentError(f"div must be 'none', 'bw' or 'n', got {div!r}")
    if isinstance(max_depth, bool) or not isinstance(max_depth, int | np.integer) or max_depth < 0:
        raise ArgumentError(f"max_depth must be a non-negative int, got {max_depth!r}")
    ev_e, ev_o = _as_places(graph, events_edge, events_offset, "events")
    s_e, s_o = _as_places(graph, samples_edge, samples_offset, "samples")
    bws, w = _bandwidths_and_weights(bw, weights, len(ev_e))

    kern = KERNELS[kernel]
    net = _prepare_net(graph)
    smp = _prepare_samples(graph.n_edges, s_e, s_o)
    n_s = len(s_e)
    acc = _Acc(n_s, keep_pairs=div == "n")
    count = np.zeros(n_s)
    keep = np.flatnonzero(w != 0)
    for c0 in range(0, len(keep), _EVENT_CHUNK):
        sel = keep[c0 : c0 + _EVENT_CHUNK]
        acc.coef = w[sel] / bws[sel] if div == "bw" else w[sel]
        if method == "simple":
            _simple(graph, net, smp, acc, kern, ev_e[sel], ev_o[sel], bws[sel])
        else:
            _walk(method, net, smp, acc, kern, ev_e[sel], ev_o[sel], bws[sel], max_depth)
        if div == "n":
            ev, idx = acc.positive_pairs()
            count += np.bincount(idx, w[sel][ev], minlength=n_s)
    total = acc.total
    if div == "n":
        total = np.divide(total, count, out=np.zeros(n_s), where=count != 0)
    out = np.empty(n_s)
    out[smp.order] = total
    return out


def _bandwidths_and_weights(bw: Any, weights: Any, n_ev: int) -> tuple[np.ndarray, np.ndarray]:
    """The bandwidth and weight of each of `n_ev` events, checked positive and finite.

    Parameters
    ----------
    bw
        One bandwidth in metres or one per event.
    weights
        None (each event 1) or one finite weight per event.

    Raises
    ------
    ArgumentError
        If a bandwidth is not positive and finite, or an array has the wrong shape.
    """
    bws = (
        np.broadcast_to(np.asarray(bw, dtype=float), (n_ev,))
        if np.ndim(bw) == 0
        else np.asarray(bw, float)
    )
    if bws.shape != (n_ev,):
        raise ArgumentError(
            f"bw must be a scalar or one value per event ({n_ev}), got shape {bws.shape}"
        )
    if np.ndim(bw) == 0 and not (np.isfinite(bw) and float(bw) > 0):
        raise ArgumentError(f"bw must be a positive number of metres, got {bw!r}")
    if n_ev and not (np.isfinite(bws).all() and (bws > 0).all()):
        raise ArgumentError("bw must be positive and finite for every event")
    w = np.ones(n_ev) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (n_ev,) or not np.isfinite(w).all():
        raise ArgumentError(f"weights must be {n_ev} finite values, got shape {w.shape}")
    return np.ascontiguousarray(bws, dtype=float), w
