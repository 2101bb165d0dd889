"""Exact site selection: maximal covering with spacing and fixed sites, and the p-median.

Two classic location models are solved to proven optimality with ``scipy.optimize.milp``
(HiGHS), followed by a lexicographic tie-break so that reruns on the same data return the same
sites:

* :func:`max_cover` — the maximal covering location problem (MCLP, Church & ReVelle 1974) with
  existing (fixed) sites and pairwise spacing conflicts: warning-sign sites that cover the most
  severity-weighted accidents;
* :func:`p_median` — the p-median problem (ReVelle & Swain 1970) with fixed sites and an optional
  maximum assignment cost: campaign sites that minimise the weighted distance to demand.

:func:`trafficprev.testing.brute_force_cover` and :func:`trafficprev.testing.brute_force_median`
enumerate every combination and apply the same rules; they are the references for small
instances (in the tests).

Tie-break rule (both models)
----------------------------
Only the **order** of ``rank`` matters: candidates are renumbered ``0 … n_cand − 1`` by
increasing ``rank`` (equal ranks by candidate index); ``rank=None`` is the index order. Among
all optimal solutions the one whose chosen (new) sites have the **lowest sum of ranks** wins;
if several share that sum, the one whose sorted list of ranks is lexicographically smallest
wins (it contains the best-ranked site possible, then the next best, …). The rule selects
exactly one set, so a permutation of demand rows or candidate columns (with ``rank`` permuted
alongside) returns the same sites in original ids.

The sequence of solves, in the terms of :func:`max_cover` (:func:`p_median` runs the same
sequence on its cost): after the best coverage ``z*`` is proven, a second MILP finds the best
set other than the first optimum (a no-good cut ``Σ_{j∈S} x_j ≤ q − 1``); if it covers less
than ``z* − tol`` (``tol = 1e-9·max(1, |z*|)``) the optimum is unique and is returned.
Otherwise a MILP minimises ``Σ rank_j x_j`` subject to coverage ``≥ z* − tol`` (rank sum
``R*``), a fourth MILP finds the best-ranked other optimal set (no-good cut again), and only if
it also has rank sum ``R*`` the sites are fixed one by one in rank order (each to 1 if an
optimal set with rank sum ``R*`` still exists; one feasibility MILP per test). Nothing beyond
the coverage solve runs when the answer is provably unique (no choice left, or the ``q``
best-ranked eligible candidates). Integer weights often have several optima (4 solves);
real-valued weights usually one (2 solves).

Optimal means: within ``tol = 1e-9 · max(1, |z*|)`` of the best objective ``z*``, where
``z*`` is proven by HiGHS with ``mip_rel_gap = 0`` (HiGHS keeps its absolute gap of 1e-6 and
a primary feasibility tolerance of 1e-7, so solutions whose objectives differ by less than
about 1e-7 may be treated as tied; with integer weights and costs the results are exact).

References
----------
Church, R. & ReVelle, C. (1974). The maximal covering location problem. *Papers of the
Regional Science Association* 32, 101–118.
ReVelle, C. & Swain, R. (1970). Central facilities location. *Geographical Analysis* 2, 30–42.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from .._errors import ArgumentError, ArgumentTypeError, SolverError

__all__ = [
    "CoverResult",
    "MedianResult",
    "SetCoverResult",
    "max_cover",
    "min_cover",
    "p_median",
]

_REL_TOL = 1e-9


# ----------------------------------------------------------------------------------------------
# results
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class CoverResult:
    """Result of :func:`max_cover` (arrays are read-only).

    Attributes
    ----------
    chosen : numpy.ndarray
        Sorted int64 indices of the NEW sites (``fixed`` not included).
    fixed : numpy.ndarray
        Sorted int64 indices of the fixed (existing) sites, duplicates removed.
    covered : numpy.ndarray
        Bool per demand row: covered by at least one chosen or fixed site.
    objective : float
        Covered weight ``Σ_i a_i [covered_i]``, including demand covered by fixed sites.
    status : str
        ``"optimal"`` (coverage proven optimal and the tie-break rule applied),
        ``"time_limit"`` (best solution found within ``time_limit``; neither the coverage nor
        the tie-break is guaranteed) or ``"infeasible"`` (reported by the solver; not expected,
        since the number of sites adapts to what the spacing allows).
    optimal : bool
        ``status == "optimal"``.
    mip_gap : float
        Relative MIP gap of the coverage solve reported by HiGHS (0.0 when proven or when no
        solve was needed; ``inf`` when no solution was found in time).
    seconds : float
        Wall time of the call.
    shortfall : int
        ``p − len(chosen)``: how many of the requested new sites could not be placed because
        of spacing conflicts (0 in the usual case).
    """

    chosen: np.ndarray
    fixed: np.ndarray
    covered: np.ndarray
    objective: float
    status: str
    optimal: bool
    mip_gap: float
    seconds: float
    shortfall: int = 0


@dataclass(frozen=True, eq=False)
class MedianResult:
    """Result of :func:`p_median` (arrays are read-only).

    Attributes
    ----------
    chosen : numpy.ndarray
        Sorted int64 indices of the NEW sites (``fixed`` not included).
    fixed : numpy.ndarray
        Sorted int64 indices of the fixed sites.
    assignment : numpy.ndarray
        Int64 per demand: the open site (chosen or fixed) it is assigned to — the cheapest
        allowed one, equal costs broken by rank — or −1 when no open site is allowed for it.
    objective : float
        ``Σ_i a_i c_{i, assignment_i}`` over assigned demands (NaN when infeasible).
    status : str
        ``"optimal"``, ``"time_limit"`` (best found) or ``"infeasible"`` (the ``p`` new and
        the fixed sites cannot serve every positive-weight demand within ``max_cost``).
    optimal : bool
        ``status == "optimal"``.
    seconds : float
        Wall time of the call.
    unassigned : numpy.ndarray
        Bool per demand, ``assignment == −1``.
    mip_gap : float
        Relative MIP gap of the cost solve reported by HiGHS.
    """

    chosen: np.ndarray
    fixed: np.ndarray
    assignment: np.ndarray
    objective: float
    status: str
    optimal: bool
    seconds: float
    unassigned: np.ndarray
    mip_gap: float = 0.0


def _frozen(arr: np.ndarray) -> np.ndarray:
    arr = np.array(arr, copy=True)
    arr.setflags(write=False)
    return arr


# ----------------------------------------------------------------------------------------------
# validation
# ----------------------------------------------------------------------------------------------


def _check_weights(weights: Any) -> np.ndarray:
    try:
        w = np.array(weights, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ArgumentTypeError("weights must be a 1-D array of numbers") from exc
    if w.ndim != 1:
        raise ArgumentError(f"weights must be 1-D, got shape {w.shape}")
    if not np.isfinite(w).all():
        raise ArgumentError("weights must be finite (no NaN or inf)")
    if (w < 0).any():
        raise ArgumentError(f"weights must be >= 0, found {w.min()!r}")
    return w


def _check_p(p: Any) -> int:
    if isinstance(p, bool) or not isinstance(p, int | np.integer):
        raise ArgumentTypeError(f"p must be an integer, got {type(p).__name__}")
    if p < 0:
        raise ArgumentError(f"p must be >= 0, got {p}")
    return int(p)


def _check_indices(values: Any, m: int, name: str) -> np.ndarray:
    arr = np.asarray(values if values is not None else [])
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        raise ArgumentTypeError(
            f"{name} must be integer candidate indices (not a mask), got {arr.dtype}"
        )
    if arr.ndim != 1:
        raise ArgumentError(f"{name} must be 1-D, got shape {arr.shape}")
    if arr.min() < 0 or arr.max() >= m:
        raise ArgumentError(
            f"{name} must be candidate indices in [0, {m}), got {arr.min()}…{arr.max()}"
        )
    return np.unique(arr.astype(np.int64))


def _check_conflicts(conflicts: Any, m: int) -> np.ndarray:
    if conflicts is None:
        return np.zeros((0, 2), dtype=np.int64)
    arr = np.asarray(conflicts)
    if arr.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        raise ArgumentTypeError(f"conflicts must be integer candidate pairs, got {arr.dtype}")
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ArgumentError(f"conflicts must have shape (m, 2), got {arr.shape}")
    if arr.min() < 0 or arr.max() >= m:
        raise ArgumentError(f"conflicts must hold candidate indices in [0, {m})")
    if (arr[:, 0] == arr[:, 1]).any():
        raise ArgumentError("conflicts must not pair a candidate with itself")
    return np.unique(np.sort(arr.astype(np.int64), axis=1), axis=0)


def _ordinal_rank(rank: Any, m: int) -> np.ndarray:
    """Ranks ``0 … m − 1`` by increasing ``rank``, equal ranks by index (int64)."""
    if rank is None:
        return np.arange(m, dtype=np.int64)
    try:
        r = np.asarray(rank, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ArgumentTypeError("rank must be a 1-D array of numbers") from exc
    if r.shape != (m,):
        raise ArgumentError(f"rank must have shape ({m},) (one per candidate), got {r.shape}")
    if not np.isfinite(r).all():
        raise ArgumentError("rank must be finite (no NaN or inf)")
    order = np.lexsort((np.arange(m), r))
    out = np.empty(m, dtype=np.int64)
    out[order] = np.arange(m, dtype=np.int64)
    return out


def _check_cover(cover: Any, n: int) -> sparse.csr_array:
    if sparse.issparse(cover):
        mat = sparse.csr_array(cover, copy=True)
        if mat.dtype != bool and not np.isfinite(mat.data).all():
            raise ArgumentError("cover must be finite (no NaN or inf)")
        mat.data = mat.data != 0
        mat = sparse.csr_array(mat, dtype=bool)
        mat.eliminate_zeros()
        mat.sum_duplicates()
    else:
        arr = np.asarray(cover)
        if arr.dtype != bool:
            if not np.issubdtype(arr.dtype, np.number):
                raise ArgumentTypeError(f"cover must be a boolean matrix, got dtype {arr.dtype}")
            if not np.isfinite(arr).all():
                raise ArgumentError("cover must be finite (no NaN or inf)")
        if arr.ndim != 2:
            raise ArgumentError(f"cover must be 2-D (n_demand × n_cand), got shape {arr.shape}")
        mat = sparse.csr_array(arr != 0)
    if mat.ndim != 2 or mat.shape[0] != n:
        raise ArgumentError(f"cover must have one row per demand: shape {mat.shape}, {n} weights")
    mat.sort_indices()
    return mat


def _check_time_limit(time_limit: Any) -> float:
    t = float(time_limit)
    if not t > 0:
        raise ArgumentError(f"time_limit must be > 0 seconds, got {time_limit!r}")
    return t


@dataclass(frozen=True)
class _CoverInput:
    w: np.ndarray  # (n,) weights
    cov: sparse.csr_array  # (n, m) bool
    p: int
    fixed: np.ndarray  # global ids
    eligible: np.ndarray  # global ids that may be chosen
    pairs: np.ndarray  # (k, 2) global ids, both eligible, a < b
    rank: np.ndarray  # (m,) ordinal


def _cover_input(
    weights: Any, cover: Any, p: Any, fixed: Any, conflicts: Any, rank: Any
) -> _CoverInput:
    w = _check_weights(weights)
    cov = _check_cover(cover, w.size)
    m = cov.shape[1]
    p = _check_p(p)
    fix = _check_indices(fixed, m, "fixed")
    pairs = _check_conflicts(conflicts, m)
    r = _ordinal_rank(rank, m)
    if p > m - fix.size:
        raise ArgumentError(
            f"p = {p} exceeds the {m - fix.size} candidates that are not fixed "
            f"({m} candidates, {fix.size} fixed)"
        )
    is_fixed = np.zeros(m, dtype=bool)
    is_fixed[fix] = True
    fa, fb = is_fixed[pairs[:, 0]], is_fixed[pairs[:, 1]]
    forbidden = np.zeros(m, dtype=bool)
    forbidden[pairs[fa & ~fb, 1]] = True  # a fixed site forbids its conflicting candidates
    forbidden[pairs[fb & ~fa, 0]] = True
    ok = ~is_fixed & ~forbidden
    keep = ok[pairs[:, 0]] & ok[pairs[:, 1]]
    return _CoverInput(w, cov, p, fix, np.flatnonzero(ok), pairs[keep], r)


# ----------------------------------------------------------------------------------------------
# MILP plumbing
# ----------------------------------------------------------------------------------------------


@dataclass
class _Model:
    """``min c·v`` s.t. ``bl ≤ mat·v ≤ bu``, ``lb ≤ v ≤ ub``, integrality per variable."""

    c: np.ndarray
    integrality: np.ndarray
    lb: np.ndarray
    ub: np.ndarray
    mat: sparse.csr_array
    bl: np.ndarray
    bu: np.ndarray


@dataclass
class _Solve:
    status: str  # optimal / time_limit / infeasible
    x: np.ndarray | None
    gap: float


def _run(
    model: _Model,
    deadline: float,
    *,
    c: np.ndarray | None = None,
    lb: np.ndarray | None = None,
    ub: np.ndarray | None = None,
    rows: Sequence[tuple[sparse.csr_array, np.ndarray, np.ndarray]] = (),
) -> _Solve:
    """Solve ``model`` with an optional other objective, bounds and extra rows."""
    remaining = deadline - time.perf_counter()
    if remaining <= 0:
        return _Solve("time_limit", None, math.inf)
    mat, bl, bu = model.mat, model.bl, model.bu
    if rows:
        mat = sparse.vstack([mat, *(r[0] for r in rows)], format="csr")
        bl = np.concatenate([bl, *(r[1] for r in rows)])
        bu = np.concatenate([bu, *(r[2] for r in rows)])
    res = milp(
        model.c if c is None else c,
        integrality=model.integrality,
        bounds=Bounds(model.lb if lb is None else lb, model.ub if ub is None else ub),
        constraints=LinearConstraint(mat, bl, bu),
        options={"time_limit": remaining, "mip_rel_gap": 0.0, "presolve": True, "disp": False},
    )
    gap = getattr(res, "mip_gap", None)
    gap = math.inf if gap is None else float(gap)
    if res.status == 0:
        return _Solve("optimal", res.x, gap)
    if res.status == 1:
        return _Solve("time_limit", res.x, gap)
    if res.status == 2:
        return _Solve("infeasible", None, math.inf)
    raise SolverError(f"HiGHS failed (status {res.status}): {res.message}")


def _row(n_var: int, cols: np.ndarray, vals: np.ndarray) -> sparse.csr_array:
    cols = np.asarray(cols, dtype=np.int64)
    return sparse.csr_array(
        (np.asarray(vals, dtype=np.float64), cols, np.array([0, cols.size])), shape=(1, n_var)
    )


def _tie_break(
    model: _Model,
    xcols: np.ndarray,
    xrank: np.ndarray,
    q: int,
    first: np.ndarray,
    primary: Callable[[np.ndarray], float],
    tol: float,
    deadline: float,
) -> tuple[np.ndarray, str]:
    """Lexicographic tie-break among the optimal solutions of ``model``.

    ``first`` (bool over ``xcols``, ``q`` ones) is an optimal solution with primary value
    ``primary(first)``. Returns the chosen set (bool over ``xcols``) and a status.

    0. the best solution other than ``first`` (a no-good cut ``Σ_{j ∈ first} x_j ≤ q − 1``):
       if it is worse than ``primary(first) + tol``, ``first`` is the unique optimum;
    1. otherwise minimise ``Σ rank_j x_j`` subject to ``c·v ≤ primary(first) + tol`` → ``R*``;
    2. the best-ranked optimal set other than that one: if its rank sum exceeds ``R*``, done;
    3. otherwise fix the candidates in rank order, each to 1 if a solution still exists.
    """
    n_x = xcols.size
    if q == 0 or q == n_x:
        return first, "optimal"
    order = np.argsort(xrank, kind="stable")
    min_sum = int(xrank[order[:q]].sum())
    if int(xrank[first].sum()) == min_sum:  # the q best-ranked sites: the unique minimum
        return first, "optimal"
    n_var = model.c.size
    bound = primary(first) + tol
    nz = np.flatnonzero(model.c)
    prim_row = (_row(n_var, nz, model.c[nz]), np.array([-np.inf]), np.array([bound]))
    c_rank = np.zeros(n_var)
    c_rank[xcols] = xrank

    def pick(sol: _Solve) -> np.ndarray:
        assert sol.x is not None
        return sol.x[xcols] > 0.5

    def exact_ok(x: np.ndarray) -> bool:
        return int(x.sum()) == q and primary(x) <= bound

    zero = np.zeros(n_var)
    # is ``first`` the only optimum? (then it is also the tie-break winner)
    nogood = (_row(n_var, xcols[first], np.ones(q)), np.array([-np.inf]), np.array([q - 0.5]))
    # (minimising the objective proves this faster than a feasibility model with c·v ≤ bound)
    sol = _run(model, deadline, rows=[nogood])
    if sol.status == "infeasible" or (sol.status == "optimal" and not exact_ok(pick(sol))):
        return first, "optimal"
    if sol.status != "optimal":
        return first, "time_limit"

    sol = _run(model, deadline, c=c_rank, rows=[prim_row])
    if sol.x is None or not exact_ok(pick(sol)):
        # no better-ranked set found in time (or solver tolerance let a worse one through)
        return first, ("time_limit" if sol.status == "time_limit" else "optimal")
    best = pick(sol)
    if sol.status != "optimal":
        return best, "time_limit"
    r_star = int(xrank[best].sum())
    if r_star == min_sum:
        return best, "optimal"
    rank_row = (_row(n_var, xcols, xrank), np.array([-np.inf]), np.array([r_star + 0.5]))
    rows = [prim_row, rank_row]
    nogood = (_row(n_var, xcols[best], np.ones(q)), np.array([-np.inf]), np.array([q - 0.5]))
    sol = _run(model, deadline, c=c_rank, rows=[prim_row, nogood])
    if sol.status == "infeasible" or (
        sol.status == "optimal" and (not exact_ok(pick(sol)) or xrank[pick(sol)].sum() > r_star)
    ):
        return best, "optimal"
    if sol.status != "optimal":
        return best, "time_limit"
    # a tie on the rank sum: walk the candidates in rank order (incumbent = a feasible witness)
    incumbent = pick(sol)
    lb, ub = model.lb.copy(), model.ub.copy()
    n_one = 0
    for jl in order:
        if n_one == q:
            break
        col = xcols[jl]
        if not incumbent[jl]:
            lb[col] = 1.0
            sol = _run(model, deadline, c=zero, lb=lb, ub=ub, rows=rows)
            if sol.status == "infeasible" or (sol.x is not None and not exact_ok(pick(sol))):
                lb[col], ub[col] = 0.0, 0.0
                continue
            if sol.x is None:
                return best, "time_limit"
            incumbent = pick(sol)
        lb[col] = 1.0
        n_one += 1
    return incumbent, "optimal"


def _max_independent(
    n: int, pairs: np.ndarray, cap: int, deadline: float
) -> tuple[int, np.ndarray, str]:
    """Largest number ``q ≤ cap`` of pairwise non-conflicting items and a witness (bool)."""
    witness = np.zeros(n, dtype=bool)
    cap = min(cap, n)
    if cap == 0:
        return 0, witness, "optimal"
    deg = np.bincount(pairs.ravel(), minlength=n) if pairs.size else np.zeros(n, dtype=np.int64)
    # greedy by increasing degree: a lower bound and usually already enough
    neighbours: list[list[int]] = [[] for _ in range(n)]
    for a, b in pairs.tolist():
        neighbours[a].append(b)
        neighbours[b].append(a)
    blocked = np.zeros(n, dtype=bool)
    count = 0
    for j in np.lexsort((np.arange(n), deg)).tolist():
        if count == cap:
            break
        if not blocked[j]:
            witness[j] = True
            count += 1
            blocked[j] = True
            blocked[neighbours[j]] = True
    if count == cap:
        return cap, witness, "optimal"
    k = pairs.shape[0]
    mat = sparse.vstack(
        [
            sparse.csr_array(
                (np.ones(2 * k), pairs.ravel(), np.arange(0, 2 * k + 1, 2)), shape=(k, n)
            ),
            sparse.csr_array(np.ones((1, n))),
        ],
        format="csr",
    )
    model = _Model(
        -np.ones(n),
        np.ones(n, dtype=np.uint8),
        np.zeros(n),
        np.ones(n),
        mat,
        np.full(k + 1, -np.inf),
        np.append(np.ones(k), cap),
    )
    sol = _run(model, deadline)
    if sol.x is not None:
        x = sol.x > 0.5
        if x.sum() > count:
            witness = x
    return int(witness.sum()), witness, sol.status if sol.status != "infeasible" else "optimal"


# ----------------------------------------------------------------------------------------------
# maximal covering
# ----------------------------------------------------------------------------------------------


def _coverage(inp: _CoverInput, new: np.ndarray) -> tuple[np.ndarray, float]:
    """Covered flags and covered weight of ``fixed ∪ new`` (global ids)."""
    x = np.zeros(inp.cov.shape[1])
    x[inp.fixed] = 1.0
    x[new] = 1.0
    covered = (inp.cov @ x) > 0
    return covered, float(inp.w[covered].sum())


def _cover_result(
    inp: _CoverInput, new: np.ndarray, status: str, gap: float, t0: float
) -> CoverResult:
    new = np.sort(np.asarray(new, dtype=np.int64))
    covered, objective = _coverage(inp, new)
    return CoverResult(
        chosen=_frozen(new),
        fixed=_frozen(inp.fixed),
        covered=_frozen(covered),
        objective=objective,
        status=status,
        optimal=status == "optimal",
        mip_gap=gap,
        seconds=time.perf_counter() - t0,
        shortfall=inp.p - int(new.size),
    )


def _merge_rows(mat: sparse.csr_array, w: np.ndarray) -> tuple[sparse.csr_array, np.ndarray]:
    """Merge identical rows of a canonical CSR matrix, summing their weights (first-seen order)."""
    ip, ind = mat.indptr, mat.indices
    groups: dict[bytes, int] = {}
    inverse = np.fromiter(
        (groups.setdefault(ind[ip[i] : ip[i + 1]].tobytes(), len(groups)) for i in range(len(w))),
        dtype=np.int64,
        count=len(w),
    )
    first = np.unique(inverse, return_index=True)[1]
    return mat[first], np.bincount(inverse, weights=w, minlength=len(groups))


def max_cover(
    weights: Any,
    cover: Any,
    p: int,
    *,
    fixed: Any = (),
    conflicts: Any = None,
    rank: Any = None,
    time_limit: float = 60.0,
) -> CoverResult:
    """Maximal covering location with fixed sites and spacing conflicts, solved exactly.

    Parameters
    ----------
    weights : array-like, shape (n_demand,)
        Demand weights ``a_i ≥ 0`` (e.g. severity-weighted accident counts).
    cover : scipy sparse matrix/array or dense bool array, shape (n_demand, n_cand)
        True (non-zero) when candidate ``j`` covers demand ``i`` (e.g. network distance
        upstream ``≤ S``).
    p : int
        Number of NEW sites to choose, in addition to ``fixed``.
    fixed : sequence of int, optional
        Candidate indices already in place (existing signs): always open, not counted in ``p``.
        Duplicates are ignored.
    conflicts : array-like of int, shape (m, 2), optional
        Candidate pairs that cannot both be open (minimum spacing). A pair of two fixed sites
        is ignored; a pair of a fixed site and a candidate forbids the candidate.
    rank : array-like, shape (n_cand,), optional
        Tie-break preference, lower preferred; only its order matters (default: index order).
    time_limit : float, default 60
        Seconds for all solves together.

    Returns
    -------
    CoverResult
        ``chosen`` (new sites), ``fixed``, ``covered``, ``objective``, ``status``,
        ``optimal``, ``mip_gap``, ``seconds``, ``shortfall``.

    Raises
    ------
    ArgumentError
        (a ``ValueError``) wrong shapes, negative or non-finite weights, ``p < 0``, indices
        out of range, a candidate paired with itself, or ``p`` larger than the number of
        non-fixed candidates.
    ArgumentTypeError
        (a ``TypeError``) non-numeric inputs, a non-integer ``p``, a boolean mask instead of
        indices.

    Notes
    -----
    Model (MCLP, Church & ReVelle 1974), with ``N_i`` the candidates covering ``i`` and
    ``F`` the fixed sites::

        max  Σ_i a_i y_i
        s.t. y_i ≤ Σ_{j ∈ N_i} x_j          for every demand i
             Σ_j x_j = q + |F|,  x_j = 1 for j ∈ F
             x_j + x_k ≤ 1                  for every conflict (j, k)
             x_j ∈ {0, 1},  0 ≤ y_i ≤ 1     (y is integral at an optimum)

    ``q = p`` whenever ``p`` pairwise non-conflicting candidates exist (after removing those
    in conflict with a fixed site); otherwise ``q`` is the largest possible number of new
    sites (a maximum independent set of the conflict graph) and ``shortfall = p − q`` reports
    the difference — the status stays ``"optimal"``. The number of sites comes first:
    exactly ``q`` new sites are always returned, even if fewer sites could cover more.

    Deterministic tie-break (lexicographic), in words: *among optimal solutions, the one whose
    chosen ranks sum lowest* (then the lexicographically smallest sorted ranks). The sequence
    of solves that proves it is described in the module docstring
    (:mod:`trafficprev.sites._cover`, "Tie-break rule").

    Candidates that cover nothing are kept as plain filler variables: when everything
    coverable is covered, the remaining new sites are the lowest-ranked non-conflicting
    candidates, so exactly ``q`` new sites are returned.

    Under ``status == "time_limit"`` the best solution found is returned; it need not be
    optimal or tie-broken and may differ between runs.

    Examples
    --------
    >>> import numpy as np
    >>> cover = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 1], [0, 0, 1]], dtype=bool)
    >>> res = max_cover([5.0, 1.0, 1.0, 5.0], cover, 2)
    >>> res.chosen.tolist(), res.objective, res.status
    ([0, 2], 12.0, 'optimal')
    >>> max_cover([5.0, 1.0, 1.0, 5.0], cover, 1, fixed=[2]).chosen.tolist()
    [0]
    """
    t0 = time.perf_counter()
    deadline = t0 + _check_time_limit(time_limit)
    inp = _cover_input(weights, cover, p, fixed, conflicts, rank)
    pairs = _local_pairs(inp)
    q, witness, mis_status = _max_independent(inp.eligible.size, pairs, inp.p, deadline)
    if q == 0 or q == inp.eligible.size:
        return _cover_result(inp, inp.eligible[witness], mis_status, 0.0, t0)
    return _solve_cover(inp, pairs, q, witness, mis_status, deadline, t0)


def _local_pairs(inp: _CoverInput) -> np.ndarray:
    """The conflicts between eligible candidates in local ids (positions in ``inp.eligible``).

    Parameters
    ----------
    inp
        The checked input.

    Returns
    -------
    numpy.ndarray, shape (k, 2)
    """
    local = np.full(inp.cov.shape[1], -1, dtype=np.int64)
    local[inp.eligible] = np.arange(inp.eligible.size)
    return local[inp.pairs]


def _reduce_cover_demand(
    inp: _CoverInput,
) -> tuple[np.ndarray, np.ndarray, sparse.csr_array, np.ndarray]:
    """The demand rows of :func:`max_cover` that the model needs (exact reductions).

    Demand rows with weight 0, covered by a fixed site or by no eligible candidate are
    dropped; identical rows are merged (weights summed); rows covered by a single candidate
    become objective coefficients of that ``x_j``.

    Parameters
    ----------
    inp
        The checked input.

    Returns
    -------
    fixed_cov : numpy.ndarray
        Bool per demand row: covered by a fixed site.
    b : numpy.ndarray
        Per eligible candidate (local ids), the weight only it covers.
    cy : scipy.sparse.csr_array
        The remaining rows (covered by two or more eligible candidates) over the eligible
        candidates.
    ay : numpy.ndarray
        Their weights.
    """
    elig = inp.eligible
    fixed_cov = np.zeros(inp.cov.shape[0], dtype=bool)
    if inp.fixed.size:
        fixed_cov = inp.cov[:, inp.fixed].sum(axis=1) > 0
    rows = np.flatnonzero((inp.w > 0) & ~fixed_cov)
    sub = inp.cov[rows][:, elig]
    nnz = np.diff(sub.indptr)
    sub, a = sub[nnz > 0], inp.w[rows[nnz > 0]]
    sub.sort_indices()
    sub, a = _merge_rows(sub, a)
    nnz = np.diff(sub.indptr)
    single = nnz == 1
    b = np.bincount(sub.indices[sub.indptr[:-1][single]], weights=a[single], minlength=elig.size)
    return fixed_cov, b, sub[~single], a[~single]


def _cover_model(
    b: np.ndarray, cy: sparse.csr_array, ay: np.ndarray, pairs: np.ndarray, q: int
) -> _Model:
    """The MCLP of :func:`max_cover` over the eligible candidates (the module docstring).

    Parameters
    ----------
    b, cy, ay
        The reduced demand (:func:`_reduce_cover_demand`).
    pairs : numpy.ndarray, shape (k, 2)
        The conflicts in local ids.
    q
        The number of new sites.

    Returns
    -------
    _Model
        Variables ``x`` (one per eligible candidate, binary) then ``y`` (one per row of `cy`).
    """
    ne = b.size
    ny, k = cy.shape[0], pairs.shape[0]
    n_var = ne + ny
    blocks = [
        sparse.hstack([-cy.astype(np.float64), sparse.eye_array(ny)], format="csr"),
        sparse.csr_array(np.concatenate([np.ones(ne), np.zeros(ny)])[None, :]),
    ]
    if k:
        conf = sparse.csr_array(
            (np.ones(2 * k), pairs.ravel(), np.arange(0, 2 * k + 1, 2)), shape=(k, n_var)
        )
        blocks.append(conf)
    return _Model(
        c=-np.concatenate([b, ay]),
        integrality=np.concatenate([np.ones(ne), np.zeros(ny)]).astype(np.uint8),
        lb=np.zeros(n_var),
        ub=np.ones(n_var),
        mat=sparse.vstack(blocks, format="csr"),
        bl=np.concatenate([np.full(ny, -np.inf), [q], np.full(k, -np.inf)]),
        bu=np.concatenate([np.zeros(ny), [q], np.ones(k)]),
    )


def _solve_cover(
    inp: _CoverInput,
    pairs: np.ndarray,
    q: int,
    witness: np.ndarray,
    mis_status: str,
    deadline: float,
    t0: float,
) -> CoverResult:
    """Solve :func:`max_cover` when there is a choice: best coverage, then the tie-break.

    Parameters
    ----------
    inp
        The checked input.
    pairs : numpy.ndarray, shape (k, 2)
        The conflicts in local ids (positions in ``inp.eligible``).
    q
        The number of new sites (``0 < q <`` the number of eligible candidates).
    witness : numpy.ndarray
        Bool per eligible candidate: ``q`` pairwise non-conflicting ones.
    mis_status
        The status of the search for ``q`` (:func:`_max_independent`).
    deadline, t0
        ``time.perf_counter()`` values: the end of the time limit and the start.

    Returns
    -------
    CoverResult
    """
    elig = inp.eligible
    ne = elig.size
    fixed_cov, b, cy, ay = _reduce_cover_demand(inp)
    model = _cover_model(b, cy, ay, pairs, q)

    def primary(x: np.ndarray) -> float:
        xf = x.astype(np.float64)
        return -(float(b @ xf) + float(ay[(cy @ xf) > 0].sum()))

    gap = 0.0
    status = "optimal" if mis_status == "optimal" else "time_limit"
    if not model.c.any():  # nothing to cover: every feasible set ties
        first = witness
    else:
        sol = _run(model, deadline)
        gap = sol.gap
        if sol.x is None:
            if sol.status == "infeasible":
                return _cover_result(inp, elig[witness], "infeasible", math.inf, t0)
            return _cover_result(inp, elig[witness], "time_limit", gap, t0)
        first = sol.x[:ne] > 0.5
        if sol.status != "optimal" or int(first.sum()) != q:
            return _cover_result(inp, elig[first], "time_limit", gap, t0)
    z = primary(first)
    total = abs(z) + float(inp.w[fixed_cov].sum())
    chosen, status2 = _tie_break(
        model,
        np.arange(ne),
        inp.rank[elig],
        q,
        first,
        primary,
        _REL_TOL * max(1.0, total),
        deadline,
    )
    final = status if status2 == "optimal" else status2
    return _cover_result(inp, elig[chosen], final, gap, t0)


# ----------------------------------------------------------------------------------------------
# p-median
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _MedianInput:
    w: np.ndarray  # (n,)
    cost: np.ndarray  # (n, m) float, +inf where not allowed
    p: int
    fixed: np.ndarray
    rank: np.ndarray


def _median_input(
    weights: Any, cost: Any, p: Any, fixed: Any, max_cost: Any, rank: Any
) -> _MedianInput:
    w = _check_weights(weights)
    if sparse.issparse(cost):
        raise ArgumentTypeError("cost must be a dense array (n_demand × n_cand)")
    try:
        c = np.array(cost, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ArgumentTypeError("cost must be a 2-D array of numbers") from exc
    if c.ndim != 2 or c.shape[0] != w.size:
        raise ArgumentError(f"cost must have shape ({w.size}, n_cand), got {c.shape}")
    if np.isnan(c).any():
        raise ArgumentError("cost must not contain NaN (use +inf for a forbidden pair)")
    if (c < 0).any():
        raise ArgumentError("cost must be >= 0 (distances)")
    if max_cost is not None:
        mc = float(max_cost)
        if not mc >= 0:
            raise ArgumentError(f"max_cost must be >= 0, got {max_cost!r}")
        c[c > mc] = np.inf
    m = c.shape[1]
    p = _check_p(p)
    fix = _check_indices(fixed, m, "fixed")
    if p > m - fix.size:
        raise ArgumentError(
            f"p = {p} exceeds the {m - fix.size} candidates that are not fixed "
            f"({m} candidates, {fix.size} fixed)"
        )
    return _MedianInput(w, c, p, fix, _ordinal_rank(rank, m))


def _assign(inp: _MedianInput, open_: np.ndarray) -> tuple[np.ndarray, float, bool]:
    """Assignment to the cheapest open site (equal costs: lowest rank), objective, feasible."""
    n = inp.w.size
    assignment = np.full(n, -1, dtype=np.int64)
    if open_.size == 0 or n == 0:
        feasible = not (inp.w > 0).any() or not np.isfinite(inp.cost).any(axis=1)[inp.w > 0].any()
        return assignment, 0.0, feasible
    cols = open_[np.argsort(inp.rank[open_], kind="stable")]
    sub = inp.cost[:, cols]
    best = np.argmin(sub, axis=1)
    val = sub[np.arange(n), best]
    ok = np.isfinite(val)
    assignment[ok] = cols[best[ok]]
    reachable = np.isfinite(inp.cost).any(axis=1)
    feasible = not (reachable & ~ok & (inp.w > 0)).any()
    return assignment, float(np.sum(inp.w[ok] * val[ok])), feasible


def _median_result(
    inp: _MedianInput, new: np.ndarray | None, status: str, gap: float, t0: float
) -> MedianResult:
    n = inp.w.size
    if new is None:
        assignment, objective, chosen = np.full(n, -1, dtype=np.int64), math.nan, np.zeros(0)
    else:
        chosen = np.sort(np.asarray(new, dtype=np.int64))
        assignment, objective, _ = _assign(inp, np.concatenate([inp.fixed, chosen]))
    return MedianResult(
        chosen=_frozen(np.asarray(chosen, dtype=np.int64)),
        fixed=_frozen(inp.fixed),
        assignment=_frozen(assignment),
        objective=objective,
        status=status,
        optimal=status == "optimal",
        seconds=time.perf_counter() - t0,
        unassigned=_frozen(assignment < 0),
        mip_gap=gap,
    )


def p_median(
    weights: Any,
    cost: Any,
    p: int,
    *,
    fixed: Any = (),
    max_cost: float | None = None,
    rank: Any = None,
    time_limit: float = 60.0,
) -> MedianResult:
    """The p-median problem with fixed sites and an optional maximum cost, solved exactly.

    Parameters
    ----------
    weights : array-like, shape (n_demand,)
        Demand weights ``a_i ≥ 0``.
    cost : array-like, shape (n_demand, n_cand)
        Dense costs ``c_ij ≥ 0`` (distances); ``+inf`` forbids a pair.
    p : int
        Number of NEW sites, in addition to ``fixed``.
    fixed : sequence of int, optional
        Candidate indices that are always open (not counted in ``p``).
    max_cost : float, optional
        Pairs with ``c_ij > max_cost`` are not allowed (a sparse model).
    rank : array-like, shape (n_cand,), optional
        Tie-break preference, lower preferred; only its order matters (default: index order).
    time_limit : float, default 60
        Seconds for all solves together.

    Returns
    -------
    MedianResult
        ``chosen``, ``fixed``, ``assignment``, ``objective``, ``status``, ``optimal``,
        ``seconds``, ``unassigned``, ``mip_gap``.

    Raises
    ------
    ArgumentError
        (a ``ValueError``) wrong shapes, negative or NaN costs, negative weights, ``p < 0``,
        indices out of range, ``p`` larger than the number of non-fixed candidates.
    ArgumentTypeError
        (a ``TypeError``) non-numeric inputs, a sparse ``cost``, a non-integer ``p``.

    Notes
    -----
    Model (ReVelle & Swain 1970), over the allowed pairs ``(i, j)`` only::

        min  Σ_i Σ_j a_i c_ij z_ij
        s.t. Σ_j z_ij = 1                for every positive-weight demand with an allowed pair
             z_ij ≤ x_j                  for every allowed pair
             Σ_j x_j = p + |F|,  x_j = 1 for j ∈ F
             x_j ∈ {0, 1},  z_ij ≥ 0

    A demand with no allowed candidate at all is left out and reported ``unassigned``. If the
    ``p`` new and the fixed sites cannot serve every other positive-weight demand, the status
    is ``"infeasible"`` (no sites, objective NaN). Zero-weight demands do not constrain the
    model; they are assigned afterwards to their cheapest open allowed site (−1 if none).

    Reductions (exact): pairs costlier than the demand's nearest fixed site are dropped;
    demands whose nearest allowed site is fixed are constants; identical demand rows are
    merged. The constraint matrices are built as sparse arrays from the allowed pairs.

    The tie-break is the lexicographic rule of :func:`max_cover`, with the same sequence of
    solves (module docstring, "Tie-break rule"): among solutions with cost
    ``≤ f* + 1e-9·max(1, |f*|)``, the lowest rank sum of the new sites, then the
    lexicographically smallest sorted ranks. With real-valued distances the optimum is
    usually unique and is proven so by one second-best solve.

    Size: one ``z`` variable and one linking row per allowed pair, so a dense 1,000 × 200
    instance is a 200,000-row MILP (tens of seconds); ``max_cost`` shrinks it.

    Examples
    --------
    >>> cost = [[0.0, 4.0, 9.0], [4.0, 0.0, 5.0], [9.0, 5.0, 0.0]]
    >>> res = p_median([1.0, 1.0, 1.0], cost, 1)
    >>> res.chosen.tolist(), res.assignment.tolist(), res.objective
    ([1], [1, 1, 1], 9.0)
    """
    t0 = time.perf_counter()
    deadline = t0 + _check_time_limit(time_limit)
    inp = _median_input(weights, cost, p, fixed, max_cost, rank)
    if inp.p == 0:
        _, _, feasible = _assign(inp, inp.fixed)
        if not feasible:
            return _median_result(inp, None, "infeasible", math.inf, t0)
        return _median_result(inp, np.zeros(0, dtype=np.int64), "optimal", 0.0, t0)
    return _solve_median(inp, deadline, t0)


def _reduce_median_demand(inp: _MedianInput) -> tuple[np.ndarray, np.ndarray]:
    """The demand rows of :func:`p_median` that the model needs (exact reductions).

    Zero-weight demands and demands with no allowed candidate are left out; pairs costlier
    than the demand's nearest fixed site are dropped; demands whose nearest allowed site is
    fixed are constants (left out); identical rows are merged (weights summed).

    Parameters
    ----------
    inp
        The checked input.

    Returns
    -------
    cmat : numpy.ndarray, shape (n_rows, n_cand)
        The costs of the remaining rows (``+inf`` where not allowed).
    a : numpy.ndarray, shape (n_rows,)
        Their weights.
    """
    allowed = np.isfinite(inp.cost)
    rows = (inp.w > 0) & allowed.any(axis=1)
    cmat = inp.cost[rows]
    a = inp.w[rows]
    if inp.fixed.size:
        fmin = cmat[:, inp.fixed].min(axis=1)
        constant = cmat.min(axis=1) >= fmin
        cmat, a, fmin = cmat[~constant], a[~constant], fmin[~constant]
        cmat = np.where(cmat <= fmin[:, None], cmat, np.inf)
    if cmat.shape[0]:
        cmat, inverse = np.unique(cmat, axis=0, return_inverse=True)
        a = np.bincount(inverse.ravel(), weights=a, minlength=cmat.shape[0])
    return cmat, a


def _median_model(inp: _MedianInput, cmat: np.ndarray, a: np.ndarray) -> _Model:
    """The p-median MILP of :func:`p_median` over the allowed pairs of the reduced demand.

    Parameters
    ----------
    inp
        The checked input (``p``, the fixed sites, the number of candidates).
    cmat, a
        The reduced demand (:func:`_reduce_median_demand`).

    Returns
    -------
    _Model
        Variables ``x`` (one per candidate, binary, fixed sites at 1) then ``z`` (one per
        allowed pair, in the order of ``np.nonzero(np.isfinite(cmat))``).
    """
    m = inp.cost.shape[1]
    nr = cmat.shape[0]
    pi, pj = np.nonzero(np.isfinite(cmat))
    npair = pi.size
    n_var = m + npair
    zc = m + np.arange(npair)
    assign_rows = sparse.csr_array((np.ones(npair), (pi, zc)), shape=(nr, n_var))
    link_rows = sparse.csr_array(
        (
            np.concatenate([np.ones(npair), -np.ones(npair)]),
            (np.tile(np.arange(npair), 2), np.concatenate([zc, pj])),
        ),
        shape=(npair, n_var),
    )
    count_row = sparse.csr_array(np.concatenate([np.ones(m), np.zeros(npair)])[None, :])
    lb = np.zeros(n_var)
    lb[inp.fixed] = 1.0
    total = inp.p + inp.fixed.size
    return _Model(
        c=np.concatenate([np.zeros(m), a[pi] * cmat[pi, pj]]),
        integrality=np.concatenate([np.ones(m), np.zeros(npair)]).astype(np.uint8),
        lb=lb,
        ub=np.ones(n_var),
        mat=sparse.vstack([assign_rows, link_rows, count_row], format="csr"),
        bl=np.concatenate([np.ones(nr), np.full(npair, -np.inf), [total]]),
        bu=np.concatenate([np.ones(nr), np.zeros(npair), [total]]),
    )


def _solve_median(inp: _MedianInput, deadline: float, t0: float) -> MedianResult:
    """Solve :func:`p_median` for ``p > 0``: least cost, then the tie-break.

    Parameters
    ----------
    inp
        The checked input (``inp.p > 0``).
    deadline, t0
        ``time.perf_counter()`` values: the end of the time limit and the start.

    Returns
    -------
    MedianResult
    """
    cmat, a = _reduce_median_demand(inp)
    nr = cmat.shape[0]
    model = _median_model(inp, cmat, a)
    is_fixed = np.zeros(inp.cost.shape[1], dtype=bool)
    is_fixed[inp.fixed] = True
    xcols = np.flatnonzero(~is_fixed)

    def primary(x: np.ndarray) -> float:
        open_ = np.concatenate([inp.fixed, xcols[x]])
        if nr == 0:
            return 0.0
        return float(np.sum(a * cmat[:, open_].min(axis=1)))

    sol = _run(model, deadline)
    if sol.x is None:
        status = "infeasible" if sol.status == "infeasible" else "time_limit"
        return _median_result(inp, None, status, sol.gap, t0)
    first = sol.x[xcols] > 0.5
    if sol.status != "optimal" or int(first.sum()) != inp.p:
        return _median_result(inp, xcols[first], "time_limit", sol.gap, t0)
    f = _assign(inp, np.concatenate([inp.fixed, xcols[first]]))[1]
    chosen, status = _tie_break(
        model,
        xcols,
        inp.rank[xcols],
        inp.p,
        first,
        primary,
        _REL_TOL * max(1.0, abs(f)),
        deadline,
    )
    return _median_result(inp, xcols[chosen], status, sol.gap, t0)


# ----------------------------------------------------------------------------------------------
# location set covering
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SetCoverResult:
    """Result of :func:`min_cover` (arrays are read-only).

    Attributes
    ----------
    chosen : numpy.ndarray
        Sorted int64 indices of the NEW sites of a smallest covering set.
    fixed : numpy.ndarray
        Sorted int64 indices of the fixed sites.
    uncoverable : numpy.ndarray
        Int64 indices of the demand rows no candidate covers (left out of the problem).
    status : str
        ``"optimal"``, ``"time_limit"`` (a covering set, its size not proven smallest) or
        ``"infeasible"`` (the conflicts leave some coverable demand uncovered).
    optimal : bool
        ``status == "optimal"``.
    seconds : float
        Wall time of the call.
    """

    chosen: np.ndarray
    fixed: np.ndarray
    uncoverable: np.ndarray
    status: str
    optimal: bool
    seconds: float


def _lscp_model(need: sparse.csr_array, free: np.ndarray, pairs: np.ndarray) -> _Model:
    """The set-covering model of :func:`min_cover`: one row per demand `need` (demand ×
    candidate) to cover, one per conflict between open candidates (`free`: not fixed); a
    candidate in conflict with a fixed site stays closed."""
    m = len(free)
    allowed = free.copy()
    if len(pairs):
        with_fixed = ~free[pairs]
        allowed[pairs[with_fixed[:, 0], 1]] = False
        allowed[pairs[with_fixed[:, 1], 0]] = False
        pairs = pairs[free[pairs].all(axis=1)]
    rows = [sparse.csr_array(need.astype(np.float64))]
    bl, bu = [np.ones(need.shape[0])], [np.full(need.shape[0], np.inf)]
    if len(pairs):
        k = len(pairs)
        rows.append(
            sparse.csr_array(
                (np.ones(2 * k), (np.repeat(np.arange(k), 2), pairs.ravel())), shape=(k, m)
            )
        )
        bl.append(np.full(k, -np.inf))
        bu.append(np.ones(k))
    return _Model(
        c=np.ones(m),
        integrality=np.ones(m),
        lb=np.zeros(m),
        ub=allowed.astype(np.float64),
        mat=sparse.vstack(rows, format="csr"),
        bl=np.concatenate(bl),
        bu=np.concatenate(bu),
    )


def min_cover(
    cover: Any,
    *,
    fixed: Any = (),
    conflicts: Any = None,
    rank: Any = None,
    time_limit: float = 60.0,
) -> SetCoverResult:
    """Location set covering (LSCP): the fewest new sites that cover every coverable demand.

    Parameters
    ----------
    cover : scipy sparse matrix/array or dense bool array, shape (n_demand, n_cand)
        True when candidate ``j`` covers demand ``i``.
    fixed : sequence of int, optional
        Candidates already in place: what they cover needs no new site; they are not counted.
    conflicts : array-like of int, shape (m, 2), optional
        Candidate pairs that cannot both be open; a candidate paired with a fixed site stays
        closed.
    rank : array-like, shape (n_cand,), optional
        Tie-break among smallest sets: the set with the least total rank (lower preferred).
    time_limit : float, default 60
        Seconds for both solves together.

    Returns
    -------
    SetCoverResult

    Notes
    -----
    Model (Toregas et al. 1971), with ``N_i`` the candidates covering ``i``::

        min  Σ_j x_j
        s.t. Σ_{j ∈ N_i} x_j ≥ 1     for every demand i not covered by a fixed site, N_i ≠ ∅
             x_j + x_k ≤ 1           for every conflict (j, k)
             x_j ∈ {0, 1},  x_j = 0 for fixed j and for j in conflict with a fixed site

    then, with ``Σ_j x_j`` held at its minimum, ``min Σ_j rank_j x_j``.
    """
    t0 = time.perf_counter()
    deadline = t0 + _check_time_limit(time_limit)
    n = cover.shape[0] if hasattr(cover, "shape") else len(cover)
    mat = _check_cover(cover, n)
    m = mat.shape[1]
    fixed_idx = _check_indices(fixed, m, "fixed")
    pairs = _check_conflicts(conflicts, m)
    order = _ordinal_rank(rank, m).astype(np.float64)
    done = np.zeros(mat.shape[0], dtype=bool)
    if len(fixed_idx):
        done = np.asarray(mat[:, fixed_idx].sum(axis=1)).ravel() > 0
    reach = np.asarray(mat.sum(axis=1)).ravel() > 0
    uncoverable = np.flatnonzero(~reach).astype(np.int64)
    need = np.flatnonzero(reach & ~done)
    free = np.ones(m, dtype=bool)
    free[fixed_idx] = False

    def result(chosen: np.ndarray, status: str) -> SetCoverResult:
        return SetCoverResult(
            chosen=_frozen(np.sort(chosen).astype(np.int64)),
            fixed=_frozen(np.sort(fixed_idx).astype(np.int64)),
            uncoverable=_frozen(uncoverable),
            status=status,
            optimal=status == "optimal",
            seconds=time.perf_counter() - t0,
        )

    if not len(need):
        return result(np.zeros(0, dtype=np.int64), "optimal")
    model = _lscp_model(mat[need], free, pairs)
    first = _run(model, deadline)
    if first.x is None:
        return result(np.zeros(0, dtype=np.int64), first.status)
    x = np.round(first.x)
    if first.status != "optimal":
        return result(np.flatnonzero(x > 0.5), first.status)
    size = float(x.sum())
    tie = _run(model, deadline, c=order, rows=[(_row(m, np.arange(m), np.ones(m)),
                                                np.array([size]), np.array([size]))])  # fmt: skip
    if tie.x is not None and tie.status == "optimal":
        x = np.round(tie.x)
    return result(np.flatnonzero(x > 0.5), "optimal")
