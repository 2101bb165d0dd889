"""Network kernel density (trafficprev.hotspots._nkde): closed forms, mass, a literal reference."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.sparse.csgraph import dijkstra

from trafficprev._graph import EdgeGraph
from trafficprev.hotspots._nkde import (
    KERNELS,
    lixel_samples,
    lixelize,
    nkde,
    quartic,
    triangle,
    uniform,
)

RTOL = 1e-9
METHODS = ["simple", "discontinuous", "continuous"]

# ------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------


def graph_from_lines(lines: list[tuple[tuple[float, float], tuple[float, float]]]) -> EdgeGraph:
    """An EdgeGraph from straight 2-point lines; ends that coincide become one node."""
    ids: dict[tuple[float, float], int] = {}
    u, v, length = [], [], []
    for a, b in lines:
        ka = (round(a[0], 9), round(a[1], 9))
        kb = (round(b[0], 9), round(b[1], 9))
        u.append(ids.setdefault(ka, len(ids)))
        v.append(ids.setdefault(kb, len(ids)))
        length.append(math.dist(a, b))
    return EdgeGraph(np.array(u), np.array(v), np.array(length), len(ids))


def place(lines, point: tuple[float, float]) -> tuple[int, float]:
    """Snap a point to the nearest line: (edge index, offset from the line's first end)."""
    best = (math.inf, -1, 0.0)
    p = np.asarray(point, float)
    for i, (a, b) in enumerate(lines):
        a, b = np.asarray(a, float), np.asarray(b, float)
        t = float(np.clip(np.dot(p - a, b - a) / np.dot(b - a, b - a), 0, 1))
        d = float(np.linalg.norm(a + t * (b - a) - p))
        if d < best[0]:
            best = (d, i, t * float(np.linalg.norm(b - a)))
    return best[1], best[2]


def star_lines(arm: float):
    c = (0.1, 0.1)
    return [
        (c, (0.1, 0.1 + arm)),
        (c, (0.1 - arm, 0.1)),
        (c, (0.1, 0.1 - arm)),
        (c, (0.1 + arm, 0.1)),
    ]


def run(lines, events, samples, **kw) -> np.ndarray:
    g = graph_from_lines(lines)
    ev = [place(lines, p) for p in events]
    sm = [place(lines, p) for p in samples]
    return nkde(
        g,
        np.array([e for e, _ in ev]),
        np.array([o for _, o in ev]),
        np.array([e for e, _ in sm]),
        np.array([o for _, o in sm]),
        **kw,
    )


def one(edge: int, offset: float) -> tuple[np.ndarray, np.ndarray]:
    return np.array([edge]), np.array([offset])


# ------------------------------------------------------------------------------------------
# kernels
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(set(KERNELS) - {"gaussian", "scaled gaussian"}))
@pytest.mark.parametrize("bw", [1.0, 37.5, 500.0])
def test_kernels_integrate_to_one(name, bw):
    k = KERNELS[name]
    mass = quad(lambda x: float(k(x, bw)), -bw, bw, points=[0.0], limit=200)[0]
    expected = math.erf(3 / math.sqrt(2)) if name == "gaussian_scaled" else 1.0
    assert mass == pytest.approx(expected, rel=1e-8)


def test_truncated_gaussian_loses_mass():
    mass = quad(lambda x: float(KERNELS["gaussian"](x, 10.0)), -10.0, 10.0)[0]
    assert mass == pytest.approx(math.erf(1 / math.sqrt(2)), rel=1e-10)  # ≈ 0.683


@pytest.mark.parametrize("name", sorted(KERNELS))
def test_kernels_vectorised_symmetric_zero_beyond_bw(name):
    k = KERNELS[name]
    d = np.array([-12.0, -3.0, 0.0, 3.0, 10.0 + 1e-9, 50.0])
    vals = k(d, 10.0)
    assert vals.shape == d.shape
    assert vals[1] == vals[3] > 0
    assert vals[0] == vals[4] == vals[5] == 0.0
    # the 1/bw is inside: scaling d and bw by 2 halves the value
    assert float(k(6.0, 20.0)) == pytest.approx(float(k(3.0, 10.0)) / 2, rel=1e-12)


def test_kernel_values():
    assert float(quartic(6.0, 10.0)) == pytest.approx((15 / 16) * (1 - 0.36) ** 2 / 10, rel=1e-15)
    assert float(triangle(2.5, 10.0)) == pytest.approx(0.075, rel=1e-15)
    assert float(uniform(9.9, 10.0)) == 0.05
    assert float(KERNELS["tricube"](-5.0, 10.0)) == pytest.approx(
        (70 / 81) * (1 - 0.125) ** 3 / 10, rel=1e-15
    )
    assert np.allclose(
        quartic(np.array([1.0, 2.0]), np.array([4.0, 8.0])),
        [0.823974609375 / 4, 0.823974609375 / 8],
    )


# ------------------------------------------------------------------------------------------
# spNetwork's closed forms (methods.md §4.1)
# ------------------------------------------------------------------------------------------


def test_star_simple():
    d = run(star_lines(5), [(0.1, 3.1)], [(3.1, 0.1)], bw=10.0, method="simple")
    assert d[0] == pytest.approx(0.00384, rel=RTOL)
    assert d[0] == pytest.approx(float(quartic(6.0, 10.0)) / 10, rel=RTOL)


def test_star_discontinuous():
    d = run(star_lines(5), [(0.1, 3.1)], [(3.1, 0.1)], bw=10.0, method="discontinuous")
    assert d[0] == pytest.approx(0.00128, rel=RTOL)


def test_star_continuous_back_propagation():
    d = run(star_lines(10), [(0.1, 3.1)], [(0.1, 1.1)], bw=5.0, method="continuous", div="none")
    assert d[0] == pytest.approx(0.12015, rel=RTOL)
    assert d[0] == pytest.approx(float(quartic(2.0, 5.0) - 0.5 * quartic(4.0, 5.0)), rel=RTOL)


def test_star_continuous_max_depth_zero_has_no_reflection():
    d = run(
        star_lines(10),
        [(0.1, 3.1)],
        [(0.1, 1.1)],
        bw=5.0,
        method="continuous",
        div="none",
        max_depth=0,
    )
    assert d[0] == pytest.approx(float(quartic(2.0, 5.0)), rel=RTOL)


def test_star_per_event_bandwidths_discontinuous():
    d = run(
        star_lines(5),
        [(0.1, 3.1), (-3.1, 0.1)],
        [(3.1, 0.1)],
        bw=np.array([10.0, 12.0]),
        method="discontinuous",
    )
    assert d[0] == pytest.approx(0.002446168505926355, rel=RTOL)


# ------------------------------------------------------------------------------------------
# simple geometries
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kernel", ["quartic", "triangle", "epanechnikov", "cosine", "tricube"])
def test_single_edge_all_methods_agree(kernel):
    g = EdgeGraph(np.array([0]), np.array([1]), np.array([1000.0]), 2)
    s_o = np.linspace(0, 1000, 201)
    s_e = np.zeros_like(s_o, dtype=np.int64)
    bw = 120.0
    want = KERNELS[kernel](s_o - 431.0, bw) / bw
    for method in METHODS:
        d = nkde(g, *one(0, 431.0), s_e, s_o, bw=bw, method=method, kernel=kernel)
        np.testing.assert_allclose(d, want, rtol=RTOL, atol=0)


def tree() -> EdgeGraph:
    """A tree: a degree-4 node 0 and a degree-3 node 1 (joined by 30 m), long arms (2 km)."""
    u = np.array([0, 0, 0, 0, 1, 1])
    v = np.array([1, 2, 3, 4, 5, 6])
    length = np.array([30.0, 2000.0, 2000.0, 2000.0, 2000.0, 2000.0])
    return EdgeGraph(u, v, length, 7)


@pytest.mark.parametrize(
    ("method", "kernel"),
    [("discontinuous", "quartic"), ("continuous", "quartic"), ("discontinuous", "triangle")],
)
def test_mass_conserved_on_a_tree(method, kernel):
    g = tree()
    s_e, s_o, s_len = lixel_samples(g, 0.25)
    # inside the short link, inside an arm, and on the degree-4 node itself
    for place_ in [(0, 12.0), (1, 40.0), (0, 0.0)]:
        d = nkde(g, *one(*place_), s_e, s_o, bw=100.0, method=method, kernel=kernel, div="none")
        assert (d * s_len).sum() == pytest.approx(1.0, abs=2e-4)


def test_simple_overestimates_at_intersections():
    g = tree()
    s_e, s_o, s_len = lixel_samples(g, 0.25)
    d = nkde(g, *one(0, 12.0), s_e, s_o, bw=100.0, method="simple", div="none")
    mass = (d * s_len).sum()
    assert mass > 1.5
    # far from any intersection the simple kernel keeps mass 1
    d = nkde(g, *one(1, 1000.0), s_e, s_o, bw=100.0, method="simple", div="none")
    assert (d * s_len).sum() == pytest.approx(1.0, abs=2e-4)


def test_continuous_is_continuous_across_the_intersection():
    g = tree()
    eps = 1e-6
    s_e = np.array([0, 0, 1, 2, 3])
    s_o = np.array([eps, 20.0, eps, eps, eps])
    d = nkde(g, *one(0, 20.0), s_e, s_o, bw=100.0, method="continuous", div="none")
    # at node 0 (degree 4): the three other arms and the incoming edge show the same value
    assert d[0] == pytest.approx(d[2], rel=1e-4)
    assert d[2] == pytest.approx(d[3], rel=1e-12)
    assert d[3] == pytest.approx(d[4], rel=1e-12)
    # and the discontinuous one jumps (1 on the incoming side, 1/3 beyond)
    dd = nkde(g, *one(0, 20.0), s_e, s_o, bw=100.0, method="discontinuous", div="none")
    assert dd[2] == pytest.approx(dd[0] / 3, rel=1e-4)


@pytest.mark.parametrize("method", ["discontinuous", "continuous"])
def test_dead_end_stops_the_walk(method):
    g = EdgeGraph(np.array([0]), np.array([1]), np.array([10.0]), 2)  # both ends degree 1
    s_e, s_o, s_len = lixel_samples(g, 0.01)
    d = nkde(g, *one(0, 2.0), s_e, s_o, bw=5.0, method=method, div="none")
    np.testing.assert_allclose(d, quartic(s_o - 2.0, 5.0), rtol=RTOL, atol=0)  # no reflection
    lost = quad(lambda x: float(quartic(x, 5.0)), 2.0, 5.0)[0]
    assert (d * s_len).sum() == pytest.approx(1.0 - lost, abs=1e-6)


@pytest.mark.parametrize("method", ["discontinuous", "continuous"])
def test_event_on_a_dead_end_node_keeps_its_mass(method):
    g = EdgeGraph(np.array([0]), np.array([1]), np.array([10.0]), 2)
    s_e, s_o, s_len = lixel_samples(g, 0.01)
    d = nkde(g, *one(0, 0.0), s_e, s_o, bw=5.0, method=method, div="none")
    np.testing.assert_allclose(d, 2 * quartic(s_o, 5.0), rtol=RTOL, atol=0)  # 2 / degree
    assert (d * s_len).sum() == pytest.approx(1.0, abs=1e-6)


def test_discontinuous_cycles_add_overlapping_paths():
    # a ring of four 10 m edges (all nodes degree 2): the sample opposite the event is
    # reached both ways round at 20 m
    g = EdgeGraph(np.array([0, 1, 2, 3]), np.array([1, 2, 3, 0]), np.full(4, 10.0), 4)
    s_e, s_o = one(2, 5.0)
    k = float(quartic(20.0, 25.0)) / 25.0
    d = nkde(g, *one(0, 5.0), s_e, s_o, bw=25.0, method="discontinuous")
    assert d[0] == pytest.approx(2 * k, rel=RTOL)
    d = nkde(g, *one(0, 5.0), s_e, s_o, bw=25.0, method="continuous")
    assert d[0] == pytest.approx(2 * k, rel=RTOL)
    d = nkde(g, *one(0, 5.0), s_e, s_o, bw=25.0, method="simple")
    assert d[0] == pytest.approx(k, rel=RTOL)
    # the event's own edge is reached again both ways round (5 + 30 + 2 and 5 + 30 + 8 m)
    d = nkde(g, *one(0, 5.0), *one(0, 8.0), bw=45.0, method="discontinuous", div="none")
    want = quartic(3.0, 45.0) + quartic(37.0, 45.0) + quartic(43.0, 45.0)
    assert d[0] == pytest.approx(float(want), rel=RTOL)


def test_loop_edge():
    # node 0 -- 1 (10 m), and a 20 m loop at node 1
    g = EdgeGraph(np.array([0, 1]), np.array([1, 1]), np.array([10.0, 20.0]), 2)
    s_e, s_o = np.array([1, 1]), np.array([5.0, 15.0])
    d = nkde(g, *one(0, 8.0), s_e, s_o, bw=30.0, method="simple", div="none")
    np.testing.assert_allclose(d, quartic(np.array([7.0, 7.0]), 30.0), rtol=RTOL)
    # discontinuous: node 1 has degree 3 (a loop counts twice), each loop end gets 1/2 and
    # each way round reaches both samples; back at node 1 after 22 m, a second lap gets 1/4
    d = nkde(g, *one(0, 8.0), s_e, s_o, bw=30.0, method="discontinuous", div="none")
    k = quartic(np.array([7.0, 17.0, 27.0]), 30.0)
    want = np.full(2, 0.5 * k[0] + 0.5 * k[1] + 0.25 * k[2])
    np.testing.assert_allclose(d, want, rtol=RTOL)


# ------------------------------------------------------------------------------------------
# weights, divisors, adaptive bandwidths
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_weights_are_linear(method):
    g = graph_from_lines(star_lines(5))
    ev_e, ev_o = np.array([0, 1, 3]), np.array([3.0, 1.5, 4.0])
    s_e, s_o, _ = lixel_samples(g, 0.5)
    bw = np.array([6.0, 9.0, 4.0])
    w = np.array([2.0, 0.0, 0.5])
    d = nkde(g, ev_e, ev_o, s_e, s_o, bw=bw, method=method, weights=w)
    parts = [nkde(g, ev_e[[i]], ev_o[[i]], s_e, s_o, bw=bw[[i]], method=method) for i in range(3)]
    np.testing.assert_allclose(d, 2.0 * parts[0] + 0.5 * parts[2], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("method", METHODS)
def test_divisors(method):
    g = graph_from_lines(star_lines(5))
    ev_e, ev_o = np.array([0, 1]), np.array([3.0, 3.2])
    s_e, s_o = np.array([3, 3, 0]), np.array([3.0, 4.9, 3.5])
    bw = np.array([10.0, 4.0])
    w = np.array([1.0, 3.0])
    none = nkde(g, ev_e, ev_o, s_e, s_o, bw=bw, method=method, div="none", weights=w)
    per = [
        nkde(g, ev_e[[i]], ev_o[[i]], s_e, s_o, bw=bw[[i]], method=method, div="none")
        for i in range(2)
    ]
    np.testing.assert_allclose(none, per[0] + 3 * per[1], rtol=1e-12)
    by_bw = nkde(g, ev_e, ev_o, s_e, s_o, bw=bw, method=method, div="bw", weights=w)
    np.testing.assert_allclose(by_bw, per[0] / 10 + 3 * per[1] / 4, rtol=1e-12)
    by_n = nkde(g, ev_e, ev_o, s_e, s_o, bw=bw, method=method, div="n", weights=w)
    # sample 0 (arm 3 at 3 m) is within bw of event 0 only (6.2 m > 4 m from event 1)
    n = (per[0] > 0) * 1.0 + (per[1] > 0) * 3.0
    np.testing.assert_allclose(by_n, np.where(n > 0, none / np.where(n > 0, n, 1), 0), rtol=1e-12)
    assert by_n[0] == pytest.approx(per[0][0], rel=1e-12)


def test_div_n_is_zero_where_no_event_reaches():
    g = EdgeGraph(np.array([0]), np.array([1]), np.array([100.0]), 2)
    d = nkde(g, *one(0, 10.0), np.array([0, 0]), np.array([12.0, 90.0]), bw=5.0, div="n")
    assert d[0] == pytest.approx(float(quartic(2.0, 5.0)), rel=RTOL)
    assert d[1] == 0.0


# ------------------------------------------------------------------------------------------
# against a literal port of spNetwork's walks on a graph split at the event
# ------------------------------------------------------------------------------------------


def random_network(seed: int) -> EdgeGraph:
    """A 5 × 5 grid with random lengths, a few edges removed and three dead-end spurs."""
    rng = np.random.default_rng(seed)
    side = 5
    u, v = [], []
    for j in range(side):
        for i in range(side):
            n = j * side + i
            if i + 1 < side:
                u.append(n), v.append(n + 1)
            if j + 1 < side:
                u.append(n), v.append(n + side)
    u, v = np.array(u), np.array(v)
    keep = rng.random(len(u)) > 0.15
    u, v = u[keep], v[keep]
    spurs = rng.choice(side * side, 3, replace=False)
    u = np.concatenate([u, spurs])
    v = np.concatenate([v, side * side + np.arange(3)])
    length = rng.uniform(25.0, 90.0, len(u))
    return EdgeGraph(u, v, length, side * side + 3)


def split_at(g: EdgeGraph, e: int, o: float, s_e: np.ndarray, s_o: np.ndarray):
    """Insert the event as a vertex (spNetwork does); returns graph lists, start vertex, samples."""
    ends = [(int(a), int(b), float(ln)) for a, b, ln in zip(g.u, g.v, g.length, strict=True)]
    s_e, s_o = s_e.copy(), s_o.copy()
    length = float(g.length[e])
    if o <= 0:
        return ends, int(g.u[e]), s_e, s_o
    if o >= length:
        return ends, int(g.v[e]), s_e, s_o
    x = g.n_nodes
    a, b, _ = ends[e]
    ends[e] = (a, x, o)
    ends.append((x, b, length - o))
    far = (s_e == e) & (s_o > o)
    s_o[far] -= o
    s_e[far] = len(ends) - 1
    return ends, x, s_e, s_o


def reference(g, ev_e, ev_o, s_e, s_o, bw, method, max_depth=8):
    """One event, quartic, div="none": spNetwork's algorithms written out literally."""
    ends, start, s_e, s_o = split_at(g, ev_e, ev_o, s_e, s_o)
    nbrs: dict[int, list[int]] = {}
    edge_of: dict[tuple[int, int], int] = {}
    for k, (a, b, _) in enumerate(ends):
        nbrs.setdefault(a, []).append(b)
        nbrs.setdefault(b, []).append(a)
        edge_of[(a, b)] = edge_of[(b, a)] = k
    out = np.zeros(len(s_e))

    def add(k: int, frm: int, d: float, alpha: float) -> None:
        on = s_e == k
        along = s_o[on] if ends[k][0] == frm else ends[k][2] - s_o[on]
        out[on] += alpha * quartic(d + along, bw)

    if method == "simple":
        n = 1 + max(max(a, b) for a, b, _ in ends)
        rows = [a for a, _, _ in ends] + [b for _, b, _ in ends]
        cols = [b for _, b, _ in ends] + [a for a, _, _ in ends]
        w = [ln for *_, ln in ends] * 2
        m = np.full((n, n), np.inf)
        for r, c, x in zip(rows, cols, w, strict=True):
            m[r, c] = min(m[r, c], x)
        m[np.isinf(m)] = 0
        dist = dijkstra(m, directed=False, indices=start)
        for i in range(len(s_e)):
            a, b, ln = ends[s_e[i]]
            out[i] = quartic(min(dist[a] + s_o[i], dist[b] + ln - s_o[i]), bw)
        return out
    if method == "discontinuous":
        stack = [(start, -1, 0, 0.0, 1.0)]
        while stack:
            v, prev, depth, d, alpha = stack.pop()
            nb = nbrs[v]
            n = len(nb)
            new_depth = depth + (n > 2)
            new_alpha = 2.0 / n if prev < 0 else alpha / max(n - 1, 1)
            if n > 1 or prev < 0:
                for v2 in nb:
                    if v2 != prev:
                        k = edge_of[(v, v2)]
                        add(k, v, d, new_alpha)
                        d2 = d + ends[k][2]
                        if d2 < bw and new_depth < max_depth:
                            stack.append((v2, v, new_depth, d2, new_alpha))
        return out
    alpha0 = 2.0 / len(nbrs[start])
    stack2 = [(start, v2, edge_of[(start, v2)], 0, 0.0, alpha0) for v2 in nbrs[start]]
    while stack2:
        v1, v2, k, depth, d, alpha = stack2.pop()
        add(k, v1, d, alpha)
        if bw > d:
            nb = nbrs[v2]
            n = len(nb)
            new_depth = depth + (n > 2)
            if n > 1 and new_depth <= max_depth:
                for v3 in nb:
                    k2 = edge_of[(v2, v3)]
                    d2 = d + ends[k][2]
                    if v3 == v1:
                        if n > 2:
                            stack2.append((v2, v3, k2, new_depth, d2, alpha * (2.0 - n) / n))
                    else:
                        stack2.append((v2, v3, k2, new_depth, d2, alpha * 2.0 / n))
    return out


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_matches_literal_reference(method, seed):
    g = random_network(seed)
    rng = np.random.default_rng(100 + seed)
    s_e, s_o, _ = lixel_samples(g, 7.0)
    n_ev = 6
    ev_e = rng.integers(0, g.n_edges, n_ev)
    ev_o = rng.uniform(0, 1, n_ev) * g.length[ev_e]
    ev_o[0] = 0.0  # one event on a node
    ev_o[1] = g.length[ev_e[1]]  # and one on the other end
    bw = rng.uniform(120.0, 220.0, n_ev)
    max_depth = 3 if seed == 3 else 8
    kw = {"method": method, "div": "none", "max_depth": max_depth}
    want = np.zeros(len(s_e))
    for i in range(n_ev):
        ref = reference(g, int(ev_e[i]), float(ev_o[i]), s_e, s_o, bw[i], method, max_depth)
        got = nkde(g, ev_e[[i]], ev_o[[i]], s_e, s_o, bw=bw[[i]], **kw)
        np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-15)
        want += ref
    got = nkde(g, ev_e, ev_o, s_e, s_o, bw=bw, **kw)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-15)
    assert np.abs(got).max() > 0


# ------------------------------------------------------------------------------------------
# determinism, order, edge cases
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_deterministic_and_order_free(method):
    g = random_network(7)
    rng = np.random.default_rng(0)
    s_e, s_o, _ = lixel_samples(g, 10.0)
    ev_e = rng.integers(0, g.n_edges, 40)
    ev_o = rng.uniform(0, 1, 40) * g.length[ev_e]
    a = nkde(g, ev_e, ev_o, s_e, s_o, bw=150.0, method=method)
    b = nkde(g, ev_e, ev_o, s_e, s_o, bw=150.0, method=method)
    np.testing.assert_array_equal(a, b)
    ps, pe = rng.permutation(len(s_e)), rng.permutation(40)
    c = nkde(g, ev_e[pe], ev_o[pe], s_e[ps], s_o[ps], bw=150.0, method=method)
    np.testing.assert_allclose(c, a[ps], rtol=1e-12, atol=1e-18)


def test_empty_inputs():
    g = EdgeGraph(np.array([0]), np.array([1]), np.array([10.0]), 2)
    e0, o0 = np.array([], dtype=np.int64), np.array([])
    for method in METHODS:
        assert nkde(g, e0, o0, *one(0, 5.0), bw=5.0, method=method).tolist() == [0.0]
        assert nkde(g, *one(0, 5.0), e0, o0, bw=5.0, method=method).shape == (0,)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"method": "planar"}, "method"),
        ({"kernel": "box"}, "kernel"),
        ({"div": "area"}, "div"),
        ({"bw": 0.0}, "bw"),
        ({"bw": -1.0}, "bw"),
        ({"bw": np.array([1.0, 2.0])}, "bw"),
        ({"bw": np.array([np.nan])}, "bw"),
        ({"weights": np.array([1.0, 1.0])}, "weights"),
        ({"max_depth": -1}, "max_depth"),
        ({"max_depth": 2.5}, "max_depth"),
    ],
)
def test_bad_arguments(kwargs, match):
    g = EdgeGraph(np.array([0]), np.array([1]), np.array([10.0]), 2)
    args = {"bw": 5.0} | kwargs
    with pytest.raises(ValueError, match=match):
        nkde(g, *one(0, 5.0), *one(0, 5.0), **args)


def test_bad_places():
    g = EdgeGraph(np.array([0]), np.array([1]), np.array([10.0]), 2)
    with pytest.raises(ValueError, match="events_edge"):
        nkde(g, *one(1, 5.0), *one(0, 5.0), bw=5.0)
    with pytest.raises(ValueError, match="samples_offset"):
        nkde(g, *one(0, 5.0), *one(0, 10.5), bw=5.0)
    with pytest.raises(ValueError, match="integer"):
        nkde(g, np.array([0.0]), np.array([5.0]), *one(0, 5.0), bw=5.0)
    with pytest.raises(ValueError, match="same length"):
        nkde(g, np.array([0, 0]), np.array([5.0]), *one(0, 5.0), bw=5.0)


# ------------------------------------------------------------------------------------------
# lixels
# ------------------------------------------------------------------------------------------


def test_lixel_rules():
    g = EdgeGraph(
        np.array([0, 1, 2, 3]), np.array([1, 2, 3, 4]), np.array([104.0, 106.0, 30.0, 100.0]), 5
    )
    e, o, ln = lixel_samples(g, 50.0)  # min_m = 5
    assert e.tolist() == [0, 0, 1, 1, 1, 2, 3, 3]
    # 104: remainder 4 < 5 merged; 106: remainder 6 kept; 30: whole; 100: exactly two
    np.testing.assert_allclose(ln, [50, 54, 50, 50, 6, 30, 50, 50])
    np.testing.assert_allclose(o, [25, 77, 25, 75, 103, 15, 25, 75])
    e, _, ln = lixel_samples(g, 50.0, min_m=10.0)
    np.testing.assert_allclose(ln, [50, 54, 50, 56, 30, 50, 50])
    assert e.tolist() == [0, 0, 1, 1, 2, 3, 3]


def test_lixelize_graph():
    g = random_network(4)
    lx, parent, start = lixelize(g, 20.0)
    np.testing.assert_allclose(np.bincount(parent, lx.length, g.n_edges), g.length)
    assert lx.n_nodes == g.n_nodes + (lx.n_edges - g.n_edges)
    # the original nodes keep their degree; every cut point has degree 2
    np.testing.assert_array_equal(lx.degree[: g.n_nodes], g.degree)
    assert (lx.degree[g.n_nodes :] == 2).all()
    # consecutive lixels of an edge share a node
    same = parent[1:] == parent[:-1]
    np.testing.assert_array_equal(lx.v[:-1][same], lx.u[1:][same])
    np.testing.assert_allclose(start[1:][same], start[:-1][same] + lx.length[:-1][same])
    # the density is the same computed on the lixel graph
    s_e, s_o, _ = lixel_samples(g, 20.0)
    lx_e = np.arange(lx.n_edges)
    d1 = nkde(g, *one(3, 10.0), s_e, s_o, bw=150.0)
    k = int(np.flatnonzero((parent == 3) & (start <= 10.0))[-1])
    d2 = nkde(lx, *one(k, 10.0 - start[k]), lx_e, lx.length / 2, bw=150.0)
    np.testing.assert_allclose(d1, d2, rtol=1e-9)


def test_lixel_bad_length():
    g = EdgeGraph(np.array([0]), np.array([1]), np.array([10.0]), 2)
    with pytest.raises(ValueError, match="lixel_m"):
        lixel_samples(g, 0.0)
    with pytest.raises(ValueError, match="min_m"):
        lixelize(g, 5.0, min_m=-1.0)
