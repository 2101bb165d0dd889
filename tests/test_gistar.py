"""Tests for trafficprev.hotspots._gistar: Gi* z / p / BH-FDR / bins on network weights.

Reference values are computed by hand from the Ord–Getis formula (docs/methods.md §2.1) and
compared with esda 2.9.0 ``G_Local(transform="B", star=True)`` on the same weights.
"""

from __future__ import annotations

import math
import time
import warnings

import esda
import libpysal
import numpy as np
import pandas as pd
import pytest
from esda.getisord import G_Local
from scipy import sparse
from scipy.sparse.csgraph import shortest_path

from trafficprev._errors import SchemaError, SettingsError
from trafficprev.hotspots._gistar import (
    BIN_LEVELS,
    bh_qvalues,
    fdr_threshold,
    gi_star,
    network_weights,
)

COLUMNS = ["gi_z", "gi_p", "gi_q", "gi_bin", "hot", "cold"]


def path_adjacency(n: int) -> sparse.csr_matrix:
    """Adjacency of a path graph 0 - 1 - ... - (n-1)."""
    i = np.arange(n - 1)
    a = sparse.coo_matrix((np.ones(n - 1), (i, i + 1)), shape=(n, n))
    return sparse.csr_matrix(a + a.T)


def road_like_adjacency(n_units: int, seed: int) -> sparse.csr_matrix:
    """Segment adjacency of a random street grid: ``n_units`` grid edges, shuffled.

    Units are edges of a grid graph (a random subset, so some nodes have degree 1-3 and a
    few units may be islands); two units are adjacent when they share a grid node.
    """
    rng = np.random.default_rng(seed)
    side = math.ceil(math.sqrt(n_units / 1.4)) + 2
    node = np.arange(side * side).reshape(side, side)
    u = np.concatenate([node[:, :-1].ravel(), node[:-1, :].ravel()])
    v = np.concatenate([node[:, 1:].ravel(), node[1:, :].ravel()])
    keep = rng.choice(u.size, size=n_units, replace=False)  # random order = shuffled units
    u, v = u[keep], v[keep]
    rows = np.repeat(np.arange(n_units), 2)
    incidence = sparse.csr_matrix(
        (np.ones(2 * n_units), (rows, np.column_stack([u, v]).ravel())),
        shape=(n_units, side * side),
    )
    a = sparse.csr_matrix(incidence @ incidence.T)
    a.setdiag(0)
    a.eliminate_zeros()
    a.data[:] = 1.0
    return a


def to_libpysal_w(matrix: sparse.spmatrix) -> libpysal.weights.W:
    """A libpysal W with ids 0..n-1 from a sparse matrix (islands warn; that is expected)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "The weights matrix is not fully connected", UserWarning)
        return libpysal.weights.WSP(sparse.csr_matrix(matrix)).to_W()


def esda_zs(y: np.ndarray, w: libpysal.weights.W) -> G_Local:
    with warnings.catch_warnings():
        # fill_diagonal copies the W, which repeats libpysal's connectivity warning
        warnings.filterwarnings("ignore", "The weights matrix is not fully connected", UserWarning)
        return G_Local(y, w, transform="B", star=True, permutations=0)


def naive_z(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The Ord–Getis z written out with Python loops over a dense matrix."""
    n = len(x)
    mean = sum(x) / n
    s = math.sqrt(sum(v * v for v in x) / n - mean * mean)
    out = []
    for i in range(n):
        sw = sum(w[i])
        sw2 = sum(v * v for v in w[i])
        num = sum(w[i][j] * x[j] for j in range(n)) - mean * sw
        out.append(num / (s * math.sqrt((n * sw2 - sw * sw) / (n - 1))))
    return np.array(out)


# --------------------------------------------------------------------------------------------
# Hand-computed examples
# --------------------------------------------------------------------------------------------


def test_five_unit_line_by_hand():
    # Path a-b-c-d-e, y = 0 0 1 5 6, Gi* binary weights (self + direct neighbours).
    # n = 5, X̄ = 12/5 = 2.4, Σx² = 62, S² = 62/5 − 2.4² = 6.64.
    # End units (a, e): Σw = Σw² = 2 → sqrt((5·2 − 4)/4) = sqrt(1.5).
    # Inner units (b, c, d): Σw = Σw² = 3 → sqrt((5·3 − 9)/4) = sqrt(1.5).
    # Lags Σ w_ij x_j: a: 0+0 = 0, b: 0+0+1 = 1, c: 0+1+5 = 6, d: 1+5+6 = 12, e: 5+6 = 11.
    s = math.sqrt(6.64)
    den = s * math.sqrt(1.5)
    expected = np.array(
        [
            (0 - 2.4 * 2) / den,  # a
            (1 - 2.4 * 3) / den,  # b
            (6 - 2.4 * 3) / den,  # c
            (12 - 2.4 * 3) / den,  # d
            (11 - 2.4 * 2) / den,  # e
        ]
    )
    # the same numbers rounded, as a check on the arithmetic above
    np.testing.assert_allclose(expected, [-1.5210, -1.9646, -0.3803, 1.5210, 1.9646], atol=1e-4)

    y = pd.Series([0, 0, 1, 5, 6], index=list("abcde"), name="crashes")
    out = gi_star(y, network_weights(path_adjacency(5)), fdr=False)
    assert list(out.columns) == COLUMNS
    assert list(out.index) == list("abcde")
    np.testing.assert_allclose(out["gi_z"], expected, rtol=0, atol=1e-12)
    two_sided = [math.erfc(abs(z) / math.sqrt(2)) for z in expected]  # 2·(1 − Φ(|z|))
    np.testing.assert_allclose(out["gi_p"], two_sided, rtol=1e-12)
    # |z| = 1.9646 → p = 0.0495 ≤ 0.05: the 95 % bin for e (hot) and b (cold) without FDR;
    # |z| = 1.5210 → p = 0.128: not significant at 90 %.
    assert out["gi_bin"].tolist() == [0, -2, 0, 0, 2]
    assert out["hot"].tolist() == [False, False, False, False, True]
    assert out["cold"].tolist() == [False, True, False, False, False]
    # With FDR (m = 5): sorted p = .0495, .0495, .128, .128, .704 → q = .124, .124, .160, .160,
    # .704: nothing is significant even at 90 %.
    fdr = gi_star(y, network_weights(path_adjacency(5)))
    np.testing.assert_allclose(fdr["gi_q"].iloc[[1, 4]], 2.5 * out["gi_p"].iloc[[1, 4]])
    np.testing.assert_allclose(fdr["gi_q"].iloc[[0, 3]], 5 / 4 * out["gi_p"].iloc[[0, 3]])
    assert fdr["gi_bin"].tolist() == [0, 0, 0, 0, 0]
    assert not fdr["hot"].any() and not fdr["cold"].any()


def test_general_weights_match_the_formula_written_out():
    rng = np.random.default_rng(7)
    n = 12
    w = rng.uniform(0, 1, (n, n)) * (rng.uniform(size=(n, n)) < 0.3)
    np.fill_diagonal(w, 1.0)
    x = rng.poisson(3, n).astype(float)
    out = gi_star(x, w)  # dense input, non-binary weights
    np.testing.assert_allclose(out["gi_z"], naive_z(x, w), rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------------------------
# Parity with esda
# --------------------------------------------------------------------------------------------


def test_random_network_matches_esda():
    adj = road_like_adjacency(2000, seed=1)
    n = adj.shape[0]
    degree = np.diff(adj.indptr)
    assert (degree == 0).any()  # the random grid has islands: that case is covered too
    rng = np.random.default_rng(2)
    y = rng.poisson(1.5, n).astype(float)
    y[rng.choice(n, 20, replace=False)] += 10  # some hot units
    ours = gi_star(y, network_weights(adj))

    # esda 2.9.0 with star=True and a W *without* self-weights fills the diagonal with 1 itself
    # (_infer_star_and_structure_w -> fill_diagonal(w, 1) for transform "B"). So the like-for-like
    # comparison is: our network_weights(star=True) vs esda given the plain adjacency ...
    plain = esda_zs(y, to_libpysal_w(network_weights(adj, star=False)))
    # ... and, equally, esda given our Gi* matrix, whose diagonal it keeps as it is.
    starred = esda_zs(y, to_libpysal_w(network_weights(adj, star=True)))

    np.testing.assert_allclose(ours["gi_z"], plain.Zs, rtol=0, atol=1e-9)
    np.testing.assert_allclose(ours["gi_z"], starred.Zs, rtol=0, atol=1e-9)
    # esda's p_norm is one-sided (norm.sf(|z|)); ours is two-sided.
    np.testing.assert_allclose(ours["gi_p"], 2 * plain.p_norm, rtol=1e-9, atol=1e-15)
    assert ours["hot"].sum() > 0  # the planted units are found, so the comparison is not trivial


@pytest.mark.parametrize("rook", [True, False])
def test_libpysal_lattice_matches_esda(rook):
    lattice = libpysal.weights.lat2W(25, 30, rook=rook)  # no self-weights
    rng = np.random.default_rng(3)
    y = rng.poisson(2.0, lattice.n).astype(float)
    y[:40] += 6  # a hot corner
    ours = gi_star(y, network_weights(lattice.sparse))
    ref = esda_zs(y, lattice)  # esda adds w_ii = 1 itself (star=True, zero diagonal)
    np.testing.assert_allclose(ours["gi_z"], ref.Zs, rtol=0, atol=1e-9)
    np.testing.assert_allclose(ours["gi_p"], 2 * ref.p_norm, rtol=1e-9, atol=1e-15)


# --------------------------------------------------------------------------------------------
# Benjamini–Hochberg
# --------------------------------------------------------------------------------------------


def direct_bh(p: np.ndarray) -> np.ndarray:
    """q_i = min over p_j ≥ p_i of min(1, m·p_j / #{l : p_l ≤ p_j}), by brute force."""
    m = len(p)
    rank = [np.sum(p <= pj) for pj in p]  # ties share their largest rank
    pairs = list(zip(p, rank, strict=True))
    return np.array([min(min(1.0, m * pj / r) for pj, r in pairs if pj >= pi) for pi in p])


def test_bh_qvalues_hand_values():
    # Sorted p and m·p/k: .001→.008, .008→.032, .039→.104, .041→.082, .042→.0672, .06→.08,
    # .074→.0845714, .205→.205; then the running minimum from the top.
    p = np.array([0.042, 0.001, 0.205, 0.039, 0.074, 0.008, 0.06, 0.041])
    expected = [0.0672, 0.008, 0.205, 0.0672, 0.074 * 8 / 7, 0.032, 0.08, 0.0672]
    np.testing.assert_allclose(bh_qvalues(p), expected, rtol=1e-12)
    # ties get equal q; q is capped at 1
    np.testing.assert_allclose(bh_qvalues([0.01, 0.04, 0.03, 0.5]), [0.04, 0.16 / 3, 0.16 / 3, 0.5])
    np.testing.assert_allclose(bh_qvalues([0.9, 0.9, 1.0]), [1.0, 1.0, 1.0])
    np.testing.assert_allclose(bh_qvalues([0.2, 0.2]), [0.2, 0.2])
    assert bh_qvalues([]).shape == (0,)


def test_bh_qvalues_against_direct_implementation():
    rng = np.random.default_rng(11)
    for m in (1, 2, 7, 50, 200):
        p = rng.uniform(size=m) ** 3
        p[: m // 5] = p[m - m // 5 :]  # some ties
        q = bh_qvalues(p)
        np.testing.assert_allclose(q, direct_bh(p), rtol=1e-13)
        order = np.argsort(p)
        assert np.all(np.diff(q[order]) >= 0)  # monotone in p
        assert np.all(q >= p) and np.all(q <= 1)


def test_fdr_threshold_hand_values_and_esda_difference():
    p = [0.01, 0.04, 0.03, 0.5]
    # k/m·alpha = .0125, .025, .0375, .05: only p(1) = .01 passes
    assert fdr_threshold(p, 0.05) == 0.01
    # at alpha = .1: .025, .05, .075, .1 → p(3) = .04 ≤ .075 passes (and so do p(1), p(2))
    assert fdr_threshold(p, 0.1) == 0.04
    assert esda.fdr(np.array(p), 0.1) == pytest.approx(0.075)  # esda: the bound k·alpha/m
    # nothing passes: ours is 0, esda falls back to Bonferroni alpha/m
    assert fdr_threshold([0.2, 0.5, 0.9], 0.05) == 0.0
    assert esda.fdr(np.array([0.2, 0.5, 0.9]), 0.05) == pytest.approx(0.05 / 3)
    assert fdr_threshold([], 0.05) == 0.0


def test_fdr_threshold_agrees_with_qvalues_and_esda():
    rng = np.random.default_rng(5)
    p = np.concatenate([rng.uniform(size=300), rng.uniform(0, 0.002, 30)])
    for alpha in (0.01, 0.05, 0.1):
        t = fdr_threshold(p, alpha)
        assert t > 0
        np.testing.assert_array_equal(p <= t, bh_qvalues(p) <= alpha)
        np.testing.assert_array_equal(p <= t, p < esda.fdr(p, alpha))


# --------------------------------------------------------------------------------------------
# Bins, hot / cold
# --------------------------------------------------------------------------------------------


@pytest.fixture
def planted() -> tuple[np.ndarray, sparse.csr_matrix]:
    adj = road_like_adjacency(3000, seed=4)
    rng = np.random.default_rng(6)
    y = rng.poisson(1.0, adj.shape[0]).astype(float)
    hot_seed = rng.choice(adj.shape[0], 8, replace=False)
    y[hot_seed] += 6
    y[adj[hot_seed].indices] += 3  # clusters: the seed units and their neighbours
    return y, network_weights(adj)


def test_bins_follow_p_without_fdr_and_q_with_fdr(planted):
    y, w = planted
    raw = gi_star(y, w, fdr=False)
    adj = gi_star(y, w, fdr=True)
    np.testing.assert_array_equal(raw["gi_z"], adj["gi_z"])
    for out, test in ((raw, raw["gi_p"]), (adj, adj["gi_q"])):
        b = out["gi_bin"].to_numpy()
        assert out["gi_bin"].dtype == np.int8
        assert set(np.unique(b)) <= {-3, -2, -1, 0, 1, 2, 3}
        level = np.select([test <= 0.01, test <= 0.05, test <= 0.10], [3, 2, 1], 0)
        expected = level * np.sign(out["gi_z"])
        np.testing.assert_array_equal(b, expected)
    # the per-level BH rule: |bin| ≥ r  ⇔  p ≤ fdr_threshold(p, level of r)
    p = adj["gi_p"].to_numpy()
    for r, level in zip((3, 2, 1), BIN_LEVELS, strict=True):
        np.testing.assert_array_equal(np.abs(adj["gi_bin"]) >= r, p <= fdr_threshold(p, level))
    # FDR only removes or lowers bins, and here it does change some
    assert np.all(np.abs(adj["gi_bin"]) <= np.abs(raw["gi_bin"]))
    assert (adj["gi_bin"] != raw["gi_bin"]).any()
    assert (adj["gi_bin"] == 3).sum() > 0  # the planted clusters survive FDR at 99 %


def test_hot_and_cold_flags(planted):
    y, w = planted
    for alpha in (0.01, 0.05, 0.1):
        out = gi_star(y, w, alpha=alpha)
        np.testing.assert_array_equal(out["hot"], (out["gi_q"] <= alpha) & (out["gi_z"] > 0))
        np.testing.assert_array_equal(out["cold"], (out["gi_q"] <= alpha) & (out["gi_z"] < 0))
        raw = gi_star(y, w, alpha=alpha, fdr=False)
        np.testing.assert_array_equal(raw["hot"], (raw["gi_p"] <= alpha) & (raw["gi_z"] > 0))
        assert out["hot"].dtype == bool
        assert out["hot"].sum() <= raw["hot"].sum()
    assert gi_star(y, w)["hot"].sum() > 0


# --------------------------------------------------------------------------------------------
# Weights
# --------------------------------------------------------------------------------------------


def test_k_step_weights_on_a_path():
    a = path_adjacency(6)
    w1 = network_weights(a)
    assert isinstance(w1, sparse.csr_matrix)
    expected1 = np.eye(6) + np.eye(6, k=1) + np.eye(6, k=-1)
    np.testing.assert_array_equal(w1.toarray(), expected1)
    w2 = network_weights(a, k=2, star=False).toarray()
    expected2 = np.eye(6, k=1) + np.eye(6, k=-1) + np.eye(6, k=2) + np.eye(6, k=-2)
    np.testing.assert_array_equal(w2, expected2)
    w3 = network_weights(a, k=3).toarray()
    np.testing.assert_array_equal(w3, (np.abs(np.subtract.outer(range(6), range(6))) <= 3) * 1.0)
    np.testing.assert_array_equal(network_weights(a, k=10).toarray(), np.ones((6, 6)))
    np.testing.assert_array_equal(network_weights(a.toarray(), k=1).toarray(), expected1)


def test_k_step_weights_match_shortest_paths():
    adj = road_like_adjacency(400, seed=9)
    hops = shortest_path(adj, unweighted=True, directed=False)
    for k in (1, 2, 3):
        for star in (True, False):
            w = network_weights(adj, k=k, star=star)
            expected = (hops <= k) & ((hops > 0) | star)
            np.testing.assert_array_equal(w.toarray(), expected.astype(float))
            assert (w != w.T).nnz == 0
            assert w.has_sorted_indices
            assert np.all(w.data == 1.0)


def test_network_weights_ignores_self_loops_in_input():
    a = path_adjacency(4).tolil()
    a[2, 2] = 1
    np.testing.assert_array_equal(
        network_weights(a.tocsr(), star=False).toarray(),
        network_weights(path_adjacency(4), star=False).toarray(),
    )


# --------------------------------------------------------------------------------------------
# Determinism
# --------------------------------------------------------------------------------------------


def test_permuted_units_give_permuted_outputs():
    adj = road_like_adjacency(1500, seed=12)
    rng = np.random.default_rng(13)
    y = rng.poisson(2.0, adj.shape[0]).astype(float)
    y[rng.choice(adj.shape[0], 30, replace=False)] += 8
    w = network_weights(adj, k=2)
    out = gi_star(y, w)
    again = gi_star(y, network_weights(adj, k=2))
    pd.testing.assert_frame_equal(out, again)  # bit-identical reruns

    perm = rng.permutation(adj.shape[0])
    padj = adj[perm][:, perm]
    pout = gi_star(y[perm], network_weights(padj, k=2))
    expected = out.iloc[perm].reset_index(drop=True)
    np.testing.assert_allclose(pout["gi_z"], expected["gi_z"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(pout["gi_q"], expected["gi_q"], rtol=1e-12, atol=1e-15)
    for col in ("gi_bin", "hot", "cold"):
        np.testing.assert_array_equal(pout[col], expected[col])


# --------------------------------------------------------------------------------------------
# Edge cases and errors
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [0.0, 3.0, 0.1])
def test_all_equal_values_give_zero_z(value):
    out = gi_star(np.full(50, value), network_weights(road_like_adjacency(50, seed=0)))
    assert (out["gi_z"] == 0).all()
    assert (out["gi_p"] == 1).all() and (out["gi_q"] == 1).all()
    assert (out["gi_bin"] == 0).all() and not out["hot"].any() and not out["cold"].any()


def test_units_without_neighbours():
    a = path_adjacency(5).tolil()
    a[3, 4] = a[4, 3] = 0  # unit 4 becomes an island; so is the new unit 5
    a.resize(6, 6)
    x = np.array([0.0, 1.0, 2.0, 1.0, 9.0, 0.0])
    out = gi_star(x, network_weights(a.tocsr()))
    s = x.std()
    # island: Σw = Σw² = 1, so z = (x_i − X̄) / S
    np.testing.assert_allclose(out["gi_z"].iloc[[4, 5]], (x[[4, 5]] - x.mean()) / s)
    np.testing.assert_allclose(out["gi_z"], naive_z(x, network_weights(a.tocsr()).toarray()))


def test_unit_adjacent_to_every_unit_has_zero_z():
    # a star graph: the hub's Gi* row is all ones, so n Σw² − (Σw)² = 0 and z = 0 (p = 1)
    n = 7
    a = sparse.lil_matrix((n, n))
    a[0, 1:] = 1
    a[1:, 0] = 1
    x = 2.0 ** np.arange(n)
    out = gi_star(x, network_weights(a.tocsr()))
    assert out["gi_z"].iloc[0] == 0 and out["gi_p"].iloc[0] == 1
    # leaves: Σw = Σw² = 2, lag = x_0 + x_i
    leaves = (1 + x[1:] - 2 * x.mean()) / (x.std() * math.sqrt((2 * n - 4) / (n - 1)))
    np.testing.assert_allclose(out["gi_z"].iloc[1:], leaves, rtol=1e-12)


def test_array_input_gets_a_range_index():
    out = gi_star([1, 2, 3, 10], network_weights(path_adjacency(4)))
    pd.testing.assert_index_equal(out.index, pd.RangeIndex(4))
    assert out["gi_z"].dtype == np.float64


@pytest.mark.parametrize(
    ("y", "w", "match"),
    [
        ([1.0, 2.0], np.eye(2), "at least 3 units"),
        ([1.0, -2.0, 3.0], np.eye(3), "≥ 0"),
        ([1.0, np.nan, 3.0], np.eye(3), "NaN"),
        ([[1.0, 2.0, 3.0]], np.eye(3), "1-D"),
        ([1.0, 2.0, 3.0], np.eye(4), "3 units"),
        ([1.0, 2.0, 3.0], np.ones((3, 2)), "square"),
        ([1.0, 2.0, 3.0], np.ones((3, 3)) - np.eye(3), "diagonal"),
        ([1.0, 2.0, 3.0], -np.eye(3), "negative"),
    ],
)
def test_gi_star_rejects_bad_input(y, w, match):
    with pytest.raises(SchemaError, match=match) as info:
        gi_star(y, w)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("alpha", [0.0, 1.0, -0.1, 5])
def test_bad_alpha(alpha):
    with pytest.raises(SettingsError, match="alpha"):
        gi_star([1.0, 2.0, 3.0], np.eye(3), alpha=alpha)
    with pytest.raises(ValueError, match="alpha"):
        fdr_threshold([0.5], alpha)


def test_network_weights_rejects_bad_input():
    with pytest.raises(SchemaError, match="symmetric"):
        network_weights(sparse.csr_matrix(np.triu(np.ones((3, 3)), 1)))
    with pytest.raises(SchemaError, match="square"):
        network_weights(np.zeros((2, 3)))
    for k in (0, -1, 1.5, True):
        with pytest.raises(SettingsError, match="k must"):
            network_weights(path_adjacency(3), k=k)


@pytest.mark.parametrize("p", [[0.1, 1.2], [np.nan, 0.2], [[0.1]]])
def test_pvalue_checks(p):
    with pytest.raises(SchemaError):
        bh_qvalues(p)


# --------------------------------------------------------------------------------------------
# Speed
# --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_hundred_thousand_units_well_under_a_second():
    adj = road_like_adjacency(100_000, seed=21)
    y = np.random.default_rng(22).poisson(1.0, 100_000).astype(float)
    w = network_weights(adj)
    best = math.inf
    for _ in range(3):
        t0 = time.perf_counter()
        out = gi_star(y, w)
        best = min(best, time.perf_counter() - t0)
    assert len(out) == 100_000
    assert best < 0.5, f"gi_star took {best:.3f} s on 100,000 units"
