"""Tests for trafficprev.sites._cover: exact MCLP with spacing and fixed sites, and p-median.

References: the exhaustive ``brute_force_cover`` / ``brute_force_median`` (same tie-break rule,
so the chosen SETS must agree, not only the objectives), and spopt 0.7 ``MCLP`` / ``PMedian``
solved by PuLP's CBC (objectives only; alternative optima may differ).
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
from scipy import sparse
from scipy.spatial import cKDTree
from scipy.spatial.distance import cdist

from trafficprev.sites._cover import CoverResult, MedianResult, max_cover, min_cover, p_median
from trafficprev.testing import brute_force_cover, brute_force_median

# ----------------------------------------------------------------------------------------------
# instance generators
# ----------------------------------------------------------------------------------------------


def small_cover_instance(rng: np.random.Generator) -> dict:
    """≤ 14 demand × ≤ 12 candidates, integer weights 0–3 (many ties), random extras."""
    n, m = int(rng.integers(1, 15)), int(rng.integers(1, 13))
    if rng.random() < 0.5:  # planar: radius cover, spacing conflicts
        dem, cand = rng.uniform(0, 1000, (n, 2)), rng.uniform(0, 1000, (m, 2))
        cover = cdist(dem, cand) <= rng.uniform(150, 450)
        conflicts = cKDTree(cand).query_pairs(rng.uniform(0, 300), output_type="ndarray")
    else:  # random coverage and random conflict pairs
        cover = rng.random((n, m)) < rng.uniform(0.05, 0.5)
        conflicts = rng.integers(0, m, (int(rng.integers(0, 10)), 2))
        conflicts = conflicts[conflicts[:, 0] != conflicts[:, 1]]
    n_fixed = int(rng.integers(0, min(3, m) + 1)) if rng.random() < 0.4 else 0
    fixed = rng.choice(m, n_fixed, replace=False)
    return {
        "weights": rng.integers(0, 4, n).astype(float),
        "cover": cover,
        "p": int(rng.integers(0, min(4, m - n_fixed) + 1)),
        "fixed": fixed,
        "conflicts": conflicts,
        "rank": rng.permutation(m) if rng.random() < 0.5 else None,
    }


def city(n_demand: int, n_cand: int, seed: int, radius: float = 300.0, spacing: float = 200.0):
    """Clustered accidents (60 % in blobs) and uniform candidate sites in a square."""
    rng = np.random.default_rng(seed)
    side = 10_000.0 * np.sqrt(n_cand / 2000.0)
    centres = rng.uniform(0, side, (max(1, n_demand // 250), 2))
    n_in = int(0.6 * n_demand)
    blob = centres[rng.integers(0, len(centres), n_in)] + rng.normal(0, 250, (n_in, 2))
    dem = np.vstack([blob, rng.uniform(0, side, (n_demand - n_in, 2))])
    cand = rng.uniform(0, side, (n_cand, 2))
    near = cKDTree(dem).sparse_distance_matrix(cKDTree(cand), radius, output_type="coo_matrix")
    cover = sparse.csr_array(
        (np.ones(near.nnz, dtype=bool), (near.row, near.col)), shape=(n_demand, n_cand)
    )
    conflicts = cKDTree(cand).query_pairs(spacing, output_type="ndarray")
    weights = rng.integers(1, 4, n_demand).astype(float)
    return weights, cover, conflicts, dem, cand


def assert_spacing(chosen: np.ndarray, fixed: np.ndarray, conflicts: np.ndarray) -> None:
    """No conflict pair among the chosen, none between a chosen and a fixed site."""
    open_ = set(chosen.tolist())
    fixed_set = set(fixed.tolist())
    for a, b in conflicts.tolist():
        assert not (a in open_ and b in open_), (a, b)
        assert not (a in open_ and b in fixed_set), (a, b)
        assert not (b in open_ and a in fixed_set), (a, b)


# ----------------------------------------------------------------------------------------------
# max_cover against the brute force (same sets)
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_max_cover_equals_brute_force(seed):
    rng = np.random.default_rng(seed)
    for _ in range(50):
        kw = small_cover_instance(rng)
        ours = max_cover(**kw)
        ref = brute_force_cover(**kw)
        assert ours.status == ref.status == "optimal"
        assert ours.chosen.tolist() == ref.chosen.tolist(), kw
        assert ours.objective == ref.objective
        assert np.array_equal(ours.covered, ref.covered)
        assert ours.shortfall == ref.shortfall
        assert_spacing(ours.chosen, ours.fixed, np.asarray(kw["conflicts"]).reshape(-1, 2))


def test_tie_on_rank_sum_is_broken_lexicographically():
    # demand 0 is covered by {0, 1}, demand 1 by {2, 3}; conflicts (0,2) and (1,3) leave the
    # optimal pairs {0,3} and {1,2}, both with rank sum 3: the sorted ranks (0,3) < (1,2) win.
    cover = np.array([[1, 1, 0, 0], [0, 0, 1, 1]], dtype=bool)
    conflicts = [[0, 2], [1, 3]]
    res = max_cover([1.0, 1.0], cover, 2, conflicts=conflicts)
    assert res.chosen.tolist() == [0, 3]
    assert (
        res.chosen.tolist()
        == brute_force_cover([1.0, 1.0], cover, 2, conflicts=conflicts).chosen.tolist()
    )
    # reversed preference: candidate 3 best, then 2, 1, 0 → ranks of {1,2} are (1,2), of
    # {0,3} are (0,3): {0,3} again; with ranks 0 ↔ 1 swapped, {1,2} has ranks (0,2) and wins.
    assert max_cover(
        [1.0, 1.0], cover, 2, conflicts=conflicts, rank=[3, 2, 1, 0]
    ).chosen.tolist() == [0, 3]
    assert max_cover(
        [1.0, 1.0], cover, 2, conflicts=conflicts, rank=[1, 0, 2, 3]
    ).chosen.tolist() == [1, 2]


def test_rank_prefers_lower_rank_among_equal_coverage():
    cover = np.array([[1, 1, 1]], dtype=bool)  # any one candidate covers everything
    assert max_cover([2.0], cover, 1).chosen.tolist() == [0]
    assert max_cover([2.0], cover, 1, rank=[5.0, 0.5, 3.0]).chosen.tolist() == [1]
    # only the order of rank matters; equal ranks fall back to the index
    assert max_cover([2.0], cover, 1, rank=[1.0, 0.0, 0.0]).chosen.tolist() == [1]


# ----------------------------------------------------------------------------------------------
# max_cover: spacing, fixed sites, shortfall, zero weights, permutations
# ----------------------------------------------------------------------------------------------


def test_spacing_respected_and_costs_coverage():
    w, cover, conflicts, _, _ = city(1_500, 200, seed=3, spacing=700.0)  # > 2 × radius
    free = max_cover(w, cover, 12)
    spaced = max_cover(w, cover, 12, conflicts=conflicts)
    assert len(conflicts) > 50
    assert free.optimal and spaced.optimal
    assert free.chosen.size == spaced.chosen.size == 12
    assert_spacing(spaced.chosen, spaced.fixed, conflicts)
    assert spaced.objective < free.objective
    # the unconstrained optimum breaks the spacing here, so the constraint did something
    with pytest.raises(AssertionError):
        assert_spacing(free.chosen, free.fixed, conflicts)


def test_fixed_sites_are_kept_counted_and_forbid_neighbours():
    w, cover, conflicts, _, _ = city(1_000, 150, seed=5)
    fixed = [7, 42, 99]
    res = max_cover(w, cover, 5, fixed=fixed, conflicts=conflicts)
    assert res.fixed.tolist() == fixed
    assert res.chosen.size == 5 and not set(res.chosen.tolist()) & set(fixed)
    assert_spacing(res.chosen, res.fixed, conflicts)
    dense = cover.toarray()
    covered = dense[:, np.concatenate([res.chosen, fixed])].any(axis=1)
    assert np.array_equal(res.covered, covered)
    assert res.objective == pytest.approx(w[covered].sum(), abs=1e-9)
    # demand covered only by the fixed sites counts in the objective
    fixed_only = dense[:, fixed].any(axis=1)
    assert fixed_only.any() and res.covered[fixed_only].all()


def test_conflict_between_two_fixed_sites_is_ignored():
    cover = np.eye(4, dtype=bool)
    res = max_cover([1.0, 2.0, 3.0, 4.0], cover, 1, fixed=[0, 1], conflicts=[[0, 1], [1, 3]])
    assert res.fixed.tolist() == [0, 1]
    assert res.chosen.tolist() == [2]  # 3 is forbidden by fixed site 1
    assert res.objective == 6.0


def test_more_sites_than_spacing_allows_gives_as_many_as_possible():
    # a path 0-1-2-3-4 of conflicts: at most 3 sites ({0, 2, 4}); p = 4 is asked
    cover = np.eye(5, dtype=bool)
    conflicts = [[0, 1], [1, 2], [2, 3], [3, 4]]
    w = [1.0, 5.0, 1.0, 5.0, 1.0]
    res = max_cover(w, cover, 4, conflicts=conflicts)
    assert res.status == "optimal" and res.optimal
    assert res.chosen.tolist() == [0, 2, 4]  # the count comes first: 3 sites, not {1, 3}
    assert res.shortfall == 1
    assert res.objective == 3.0
    ref = brute_force_cover(w, cover, 4, conflicts=conflicts)
    assert ref.chosen.tolist() == [0, 2, 4] and ref.shortfall == 1


def test_every_candidate_forbidden_by_a_fixed_site():
    cover = np.ones((3, 3), dtype=bool)
    res = max_cover([1.0, 1.0, 1.0], cover, 2, fixed=[0], conflicts=[[0, 1], [2, 0]])
    assert res.chosen.size == 0 and res.shortfall == 2 and res.objective == 3.0


def test_zero_weights_and_fillers():
    w = np.zeros(30)
    cover = np.random.default_rng(0).random((30, 8)) < 0.3
    res = max_cover(w, cover, 3, rank=[7, 6, 5, 4, 3, 2, 1, 0])
    assert res.objective == 0.0 and res.optimal
    assert res.chosen.tolist() == [5, 6, 7]  # the three best-ranked
    # everything coverable covered by one site: the rest are the best-ranked fillers
    cover = np.zeros((4, 6), dtype=bool)
    cover[:, 4] = True
    res = max_cover([1.0, 2.0, 0.0, 3.0], cover, 3, conflicts=[[0, 4]])
    assert res.chosen.tolist() == [1, 2, 4] and res.objective == 6.0
    # a demand nobody covers, and an empty demand set
    assert max_cover([5.0], np.zeros((1, 3), dtype=bool), 2).chosen.tolist() == [0, 1]
    empty = max_cover(np.zeros(0), np.zeros((0, 4), dtype=bool), 2)
    assert empty.chosen.tolist() == [0, 1] and empty.objective == 0.0


@pytest.mark.parametrize("seed", [11, 12])
def test_determinism_under_row_and_column_permutation(seed):
    rng = np.random.default_rng(seed)
    w, cover, conflicts, _, _ = city(600, 80, seed=seed, radius=400.0, spacing=250.0)
    w = rng.integers(1, 3, w.size).astype(float)  # weights 1–2: many tied optima
    rank = rng.permutation(80)
    fixed = [3, 17]
    base = max_cover(w, cover, 6, fixed=fixed, conflicts=conflicts, rank=rank)
    assert base.optimal
    for _ in range(2):
        rows, cols = rng.permutation(w.size), rng.permutation(80)
        inv = np.argsort(cols)  # new column id of an original candidate
        res = max_cover(
            w[rows],
            cover[rows][:, cols],
            6,
            fixed=inv[fixed],
            conflicts=inv[conflicts],
            rank=rank[cols],
        )
        assert np.sort(cols[res.chosen]).tolist() == base.chosen.tolist()
        assert res.objective == pytest.approx(base.objective, abs=1e-9)
        assert np.array_equal(res.covered, base.covered[rows])
    again = max_cover(w, cover, 6, fixed=fixed, conflicts=conflicts, rank=rank)
    assert again.chosen.tolist() == base.chosen.tolist()


def test_sparse_and_dense_cover_agree_and_duplicate_rows_merge():
    w, cover, conflicts, _, _ = city(800, 100, seed=8)
    a = max_cover(w, cover, 7, conflicts=conflicts)
    b = max_cover(w, cover.toarray().astype(np.int8), 7, conflicts=conflicts)
    c = max_cover(w, sparse.coo_matrix(cover.toarray()), 7, conflicts=conflicts)
    assert a.chosen.tolist() == b.chosen.tolist() == c.chosen.tolist()
    # doubling every demand row doubles the objective and changes nothing else
    d = max_cover(np.concatenate([w, w]), sparse.vstack([cover, cover]), 7, conflicts=conflicts)
    assert d.chosen.tolist() == a.chosen.tolist() and d.objective == 2 * a.objective


def test_realistic_instance_solves_to_optimal():
    w, cover, conflicts, _, _ = city(2_000, 300, seed=21)
    res = max_cover(w, cover, 20, fixed=[0, 1], conflicts=conflicts)
    assert res.status == "optimal" and res.optimal and res.mip_gap == pytest.approx(0.0, abs=1e-9)
    assert res.chosen.size == 20 and res.shortfall == 0
    assert_spacing(res.chosen, res.fixed, conflicts)
    # at least as good as a greedy with the same constraints
    dense = cover.toarray()
    bad = {tuple(x) for x in conflicts.tolist()} | {tuple(x[::-1]) for x in conflicts.tolist()}
    open_, covered = [0, 1], dense[:, [0, 1]].any(axis=1)
    for _ in range(20):
        gain = (dense & ~covered[:, None]).T.astype(float) @ w
        for j in np.argsort(-gain, kind="stable"):
            if j not in open_ and not any((j, k) in bad for k in open_):
                open_.append(int(j))
                covered |= dense[:, j]
                break
    assert res.objective >= w[covered].sum()


def test_exhausted_time_limit_returns_a_feasible_set_flagged():
    w, cover, conflicts, _, _ = city(1_000, 150, seed=9)
    res = max_cover(w, cover, 8, conflicts=conflicts, time_limit=1e-9)
    assert res.status == "time_limit" and not res.optimal
    assert res.chosen.size == 8
    assert_spacing(res.chosen, res.fixed, conflicts)
    pm = p_median(w[:50], np.ones((50, 6)), 2, time_limit=1e-9)
    assert pm.status == "time_limit" and not pm.optimal


def test_p_zero_keeps_only_fixed():
    cover = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=bool)
    res = max_cover([1.0, 2.0, 4.0], cover, 0, fixed=[1])
    assert res.chosen.size == 0 and res.objective == 2.0 and res.optimal
    assert res.covered.tolist() == [False, True, False]


def test_result_is_frozen_and_readonly():
    res = max_cover([1.0, 1.0], np.eye(2, dtype=bool), 1)
    assert isinstance(res, CoverResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.status = "x"  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        res.chosen[0] = 1


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"weights": [1.0, -1.0]}, ValueError, "weights must be >= 0"),
        ({"weights": [1.0, np.nan]}, ValueError, "finite"),
        ({"weights": [[1.0, 1.0]]}, ValueError, "1-D"),
        ({"weights": [1.0, 1.0, 1.0]}, ValueError, "one row per demand"),
        ({"p": -1}, ValueError, "p must be >= 0"),
        ({"p": 1.0}, TypeError, "p must be an integer"),
        ({"p": 4}, ValueError, "exceeds the 3 candidates"),
        ({"p": 3, "fixed": [0]}, ValueError, "exceeds the 2 candidates"),
        ({"fixed": [3]}, ValueError, "fixed must be candidate indices"),
        ({"fixed": [True, False, False]}, TypeError, "not a mask"),
        ({"conflicts": [[0, 5]]}, ValueError, "conflicts must hold"),
        ({"conflicts": [[1, 1]]}, ValueError, "with itself"),
        ({"conflicts": [0, 1]}, ValueError, "shape"),
        ({"rank": [0, 1]}, ValueError, "rank must have shape"),
        ({"cover": np.ones(2, dtype=bool)}, ValueError, "2-D"),
        ({"cover": np.array([["a", "b", "c"]] * 2)}, TypeError, "boolean"),
        ({"time_limit": 0}, ValueError, "time_limit"),
    ],
)
def test_max_cover_validation(kwargs, error, message):
    args = {"weights": [1.0, 2.0], "cover": np.ones((2, 3), dtype=bool), "p": 1} | kwargs
    with pytest.raises(error, match=message):
        max_cover(**args)


# ----------------------------------------------------------------------------------------------
# p-median
# ----------------------------------------------------------------------------------------------


def small_median_instance(rng: np.random.Generator) -> dict:
    n, m = int(rng.integers(1, 12)), int(rng.integers(1, 10))
    if rng.random() < 0.5:
        cost = np.round(cdist(rng.uniform(0, 10, (n, 2)), rng.uniform(0, 10, (m, 2))))
    else:
        cost = rng.integers(0, 5, (n, m)).astype(float)  # many equal costs
    n_fixed = int(rng.integers(0, min(2, m) + 1)) if rng.random() < 0.4 else 0
    return {
        "weights": rng.integers(0, 3, n).astype(float),
        "cost": cost,
        "p": int(rng.integers(0, min(4, m - n_fixed) + 1)),
        "fixed": rng.choice(m, n_fixed, replace=False),
        "max_cost": float(rng.uniform(2, 6)) if rng.random() < 0.4 else None,
        "rank": rng.permutation(m) if rng.random() < 0.5 else None,
    }


@pytest.mark.parametrize("seed", range(4))
def test_p_median_equals_brute_force(seed):
    rng = np.random.default_rng(100 + seed)
    statuses = set()
    for _ in range(50):
        kw = small_median_instance(rng)
        ours = p_median(**kw)
        ref = brute_force_median(**kw)
        statuses.add(ref.status)
        assert ours.status == ref.status, kw
        assert ours.chosen.tolist() == ref.chosen.tolist(), kw
        assert np.array_equal(ours.assignment, ref.assignment)
        if ref.status == "optimal":
            assert ours.objective == ref.objective
    assert "optimal" in statuses


def test_p_median_max_cost_unassigned_and_infeasible():
    cost = np.array([[0.0, 9.0, 9.0], [1.0, 9.0, 9.0], [9.0, 9.0, 0.5], [50.0, 50.0, 50.0]])
    w = [1.0, 2.0, 3.0, 1.0]
    res = p_median(w, cost, 2, max_cost=5.0)
    assert res.chosen.tolist() == [0, 2]
    assert res.assignment.tolist() == [0, 0, 2, -1]
    assert res.unassigned.tolist() == [False, False, False, True]
    assert res.objective == pytest.approx(2.0 + 1.5)
    # one site cannot serve both groups within 5: infeasible, reported, not raised
    bad = p_median(w, cost, 1, max_cost=5.0)
    assert bad.status == "infeasible" and not bad.optimal and bad.chosen.size == 0
    assert np.isnan(bad.objective) and bad.unassigned.all()
    assert brute_force_median(w, cost, 1, max_cost=5.0).status == "infeasible"
    # a fixed site counts and is used
    fx = p_median(w, cost, 1, fixed=[2], max_cost=5.0)
    assert fx.chosen.tolist() == [0] and fx.fixed.tolist() == [2]
    assert isinstance(fx, MedianResult)


def test_p_median_planar_instance_with_fixed_and_ties():
    rng = np.random.default_rng(7)
    dem, cand = rng.integers(0, 20, (120, 2)), rng.integers(0, 20, (25, 2))
    cost = np.abs(dem[:, None, :] - cand[None, :, :]).sum(axis=2).astype(float)  # Manhattan
    w = rng.integers(1, 4, 120).astype(float)
    res = p_median(w, cost, 3, fixed=[4], rank=rng.permutation(25))
    assert res.optimal and res.chosen.size == 3 and 4 not in res.chosen
    open_ = np.concatenate([res.chosen, [4]])
    assert res.objective == pytest.approx(float(w @ cost[:, open_].min(axis=1)))
    assert (cost[np.arange(120), res.assignment] == cost[:, open_].min(axis=1)).all()
    # exhaustive check of the objective over all 3-subsets (2,024 sets)
    best = min(
        float(w @ cost[:, [*c, 4]].min(axis=1))
        for c in itertools.combinations([j for j in range(25) if j != 4], 3)
    )
    assert res.objective == pytest.approx(best)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"cost": [[1.0, np.nan], [1.0, 1.0]]}, ValueError, "NaN"),
        ({"cost": [[1.0, -1.0], [1.0, 1.0]]}, ValueError, ">= 0"),
        ({"cost": [[1.0, 1.0]]}, ValueError, "shape"),
        ({"cost": sparse.csr_array(np.ones((2, 2)))}, TypeError, "dense"),
        ({"p": 3}, ValueError, "exceeds"),
        ({"max_cost": -1.0}, ValueError, "max_cost"),
        ({"fixed": [2]}, ValueError, "fixed must be"),
    ],
)
def test_p_median_validation(kwargs, error, message):
    args = {"weights": [1.0, 2.0], "cost": np.ones((2, 2)), "p": 1} | kwargs
    with pytest.raises(error, match=message):
        p_median(**args)


# ----------------------------------------------------------------------------------------------
# spopt (PuLP CBC) as an independent exact solver
# ----------------------------------------------------------------------------------------------


PULP_V4 = "ignore:.*PuLP 4\\.0:DeprecationWarning"  # PuLP 3.3 warns about spopt's API use


@pytest.mark.filterwarnings(PULP_V4)
def test_objective_equals_spopt_mclp():
    pytest.importorskip("spopt")
    pulp = pytest.importorskip("pulp")
    from spopt.locate import MCLP

    rng = np.random.default_rng(31)
    for k in range(12):
        n, m = int(rng.integers(20, 80)), int(rng.integers(8, 25))
        dist = cdist(rng.uniform(0, 2000, (n, 2)), rng.uniform(0, 2000, (m, 2)))
        radius = float(rng.uniform(200, 600))
        w = rng.integers(1, 6, n).astype(float)
        p = int(rng.integers(1, 6))
        ref = MCLP.from_cost_matrix(dist, w, service_radius=radius, p_facilities=p)
        ref.solve(pulp.PULP_CBC_CMD(msg=False), results=False)
        ours = max_cover(w, dist <= radius, p)
        assert ours.objective == pytest.approx(pulp.value(ref.problem.objective), abs=1e-9), k
        if k < 4:  # brute force agrees too (p ≤ 5, m ≤ 24 is still small enough)
            bf = brute_force_cover(w, dist <= radius, min(p, 3))
            assert max_cover(w, dist <= radius, min(p, 3)).chosen.tolist() == bf.chosen.tolist()


@pytest.mark.filterwarnings(PULP_V4)
def test_objective_equals_spopt_pmedian():
    pytest.importorskip("spopt")
    pulp = pytest.importorskip("pulp")
    from spopt.locate import PMedian

    rng = np.random.default_rng(41)
    dist = cdist(rng.uniform(0, 5000, (40, 2)), rng.uniform(0, 5000, (12, 2)))
    w = rng.integers(1, 10, 40).astype(float)
    ref = PMedian.from_cost_matrix(dist, w, p_facilities=3)
    ref.solve(pulp.PULP_CBC_CMD(msg=False), results=False)
    ours = p_median(w, dist, 3)
    assert ours.optimal
    assert ours.objective == pytest.approx(pulp.value(ref.problem.objective), rel=1e-9)


# ----------------------------------------------------------------------------------------------
# min_cover (location set covering)
# ----------------------------------------------------------------------------------------------


def _smallest_cover(cover: np.ndarray, fixed=(), conflicts=()) -> int | None:
    """The size of a smallest set of non-fixed candidates covering every coverable demand not
    covered by `fixed`, by enumeration (None: the conflicts allow none)."""
    m = cover.shape[1]
    need = cover.any(axis=1) & ~cover[:, list(fixed)].any(axis=1) if len(fixed) else cover.any(1)
    bad = {frozenset(map(int, p)) for p in conflicts}
    near_fixed = {j for p in bad for j in p if p & set(fixed)}
    free = [j for j in range(m) if j not in set(fixed) and j not in near_fixed]
    for size in range(len(free) + 1):
        for combo in itertools.combinations(free, size):
            if any(frozenset(p) in bad for p in itertools.combinations(combo, 2)):
                continue
            if cover[np.ix_(need, list(combo))].any(axis=1).all() if size else not need.any():
                return size
    return None


def test_min_cover_is_smallest_by_enumeration():
    """Over 30 random instances (with fixed sites, conflicts and uncoverable demand) the set is
    as small as enumeration finds, covers every coverable demand, avoids conflicts and fixed
    sites, and lists the uncoverable demand."""
    rng = np.random.default_rng(7)
    checked_conflicts = 0
    for k in range(30):
        n, m = int(rng.integers(5, 25)), int(rng.integers(3, 11))
        cover = rng.random((n, m)) < rng.uniform(0.1, 0.4)
        fixed = sorted(set(rng.integers(0, m, int(rng.integers(0, 2))).tolist()))
        pairs = rng.integers(0, m, (int(rng.integers(0, 4)), 2))
        pairs = pairs[pairs[:, 0] != pairs[:, 1]]
        res = min_cover(cover, fixed=fixed, conflicts=pairs)
        expect = _smallest_cover(cover, fixed, pairs)
        assert res.uncoverable.tolist() == np.flatnonzero(~cover.any(axis=1)).tolist(), k
        if expect is None:
            assert res.status == "infeasible", k
            continue
        assert res.status == "optimal" and len(res.chosen) == expect, k
        assert not set(res.chosen.tolist()) & set(fixed)
        open_ = [*res.chosen.tolist(), *fixed]
        coverable = cover.any(axis=1)
        assert cover[np.ix_(coverable, open_)].any(axis=1).all(), k
        for a, b in pairs:
            assert not (a in open_ and b in open_)  # no two open, a fixed one included
        checked_conflicts += len(pairs) > 0
    assert checked_conflicts >= 10  # the conflicts were exercised


def test_min_cover_tie_break_prefers_better_rank():
    """Of two equally small covers, the one of better (lower) rank is chosen."""
    cover = np.array([[1, 1, 0], [0, 0, 1]], dtype=bool)
    assert min_cover(cover).chosen.tolist() in ([0, 2], [1, 2])
    assert min_cover(cover, rank=[5, 1, 0]).chosen.tolist() == [1, 2]
    assert min_cover(cover, rank=[1, 5, 0]).chosen.tolist() == [0, 2]


@pytest.mark.filterwarnings(PULP_V4)
def test_min_cover_size_equals_spopt_lscp():
    """spopt's LSCP (PuLP CBC) finds sets of the same size on 10 random instances."""
    pytest.importorskip("spopt")
    pulp = pytest.importorskip("pulp")
    from spopt.locate import LSCP

    rng = np.random.default_rng(53)
    for k in range(10):
        n, m = int(rng.integers(20, 80)), int(rng.integers(8, 30))
        dist = cdist(rng.uniform(0, 2000, (n, 2)), rng.uniform(0, 2000, (m, 2)))
        radius = float(rng.uniform(300, 800))
        coverable = (dist <= radius).any(axis=1)
        ref = LSCP.from_cost_matrix(dist[coverable], service_radius=radius)
        ref.solve(pulp.PULP_CBC_CMD(msg=False))
        ours = min_cover(dist <= radius)
        assert len(ours.chosen) == round(pulp.value(ref.problem.objective)), k
