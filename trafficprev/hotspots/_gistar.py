"""Getis–Ord Gi* on network-adjacency weights, with two-sided p, BH-FDR and ArcGIS-style bins.

Units are road segments (or any network units); two units are neighbours when they share a
network node. :func:`network_weights` turns that unit × unit adjacency into binary Gi* weights
(optionally *k* steps deep), and :func:`gi_star` computes the Ord & Getis (1995) z-score

.. math::

    z_i = \\frac{\\sum_j w_{ij} x_j - \\bar X \\sum_j w_{ij}}
               {S \\sqrt{\\left(n \\sum_j w_{ij}^2 - (\\sum_j w_{ij})^2\\right) / (n - 1)}},
    \\qquad \\bar X = \\frac{1}{n}\\sum_j x_j,
    \\qquad S = \\sqrt{\\frac{1}{n}\\sum_j x_j^2 - \\bar X^2},

where every sum runs over all *n* units **including i** (``w_ii = 1`` for Gi*). For binary
weights this is exactly esda's ``G_Local(y, w, transform="B", star=True).Zs`` and the z that
ArcGIS's *Hot Spot Analysis (Getis-Ord Gi*)* reports. Unlike esda's ``p_norm`` (one-sided),
``gi_p`` is two-sided, as ArcGIS reports it: ``p = 2 (1 - Φ(|z|))``.

Everything is a sparse matrix–vector product or a sort: no loop over units, so 100,000
segments take a few tens of milliseconds. Only numpy and scipy are used at run time.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.special import ndtr

from trafficprev._errors import SchemaError, SettingsError

__all__ = ["BIN_LEVELS", "bh_qvalues", "fdr_threshold", "gi_star", "network_weights"]

#: Significance levels of the ±3 / ±2 / ±1 bins (99 %, 95 %, 90 % confidence), as ArcGIS ``Gi_Bin``.
BIN_LEVELS: tuple[float, float, float] = (0.01, 0.05, 0.10)


def _as_csr(matrix: Any, name: str) -> sparse.csr_matrix:
    """Return ``matrix`` (sparse or array-like) as a square float64 CSR matrix, or raise."""
    if sparse.issparse(matrix):
        m = sparse.csr_matrix(matrix, dtype=np.float64)
    else:
        arr = np.asarray(matrix)
        if arr.ndim != 2:
            raise SchemaError(f"{name} must be a 2-D matrix, got {arr.ndim} dimension(s)")
        m = sparse.csr_matrix(arr.astype(np.float64, copy=False))
    if m.shape[0] != m.shape[1]:
        raise SchemaError(f"{name} must be square (unit × unit), got shape {m.shape}")
    if not np.isfinite(m.data).all():
        raise SchemaError(f"{name} contains NaN or infinite entries")
    if (m.data < 0).any():
        raise SchemaError(f"{name} contains negative entries; weights must be ≥ 0")
    return m


def network_weights(adjacency: Any, *, k: int = 1, star: bool = True) -> sparse.csr_matrix:
    """Binary Gi/Gi* weights from a unit × unit network adjacency.

    ``w_ij = 1`` when unit *j* is reachable from unit *i* in at most ``k`` adjacency steps
    (``k = 1``: the direct neighbours, e.g. segments sharing a node), else 0. With
    ``star=True`` the diagonal is 1 (Gi*: each unit is its own neighbour); with ``star=False``
    it is 0 (Gi). Built with sparse boolean matrix products, no loop over units.

    Parameters
    ----------
    adjacency
        Symmetric ``n × n`` adjacency (scipy sparse matrix/array or dense array-like). Any
        non-zero entry counts as an edge; diagonal entries (self-loops) are ignored.
    k
        Number of steps (≥ 1).
    star
        Put 1 on the diagonal (Gi*) instead of 0 (Gi).

    Returns
    -------
    scipy.sparse.csr_matrix
        Symmetric binary float64 weights with sorted indices and no explicit zeros.

    Raises
    ------
    SchemaError
        If ``adjacency`` is not square, not symmetric, or has negative / non-finite entries.
    SettingsError
        If ``k`` is not an integer ≥ 1.

    Examples
    --------
    >>> path = sparse.diags([1.0, 1.0], [-1, 1], shape=(4, 4))
    >>> network_weights(path).toarray().astype(int).tolist()
    [[1, 1, 0, 0], [1, 1, 1, 0], [0, 1, 1, 1], [0, 0, 1, 1]]
    >>> network_weights(path, k=2, star=False).toarray().astype(int).tolist()
    [[0, 1, 1, 0], [1, 0, 1, 1], [1, 1, 0, 1], [0, 1, 1, 0]]
    """
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise SettingsError(f"k must be an integer ≥ 1, got {k!r}")
    a = _as_csr(adjacency, "adjacency")
    a.eliminate_zeros()
    a.data[:] = 1.0
    if (a != a.T).nnz:
        raise SchemaError("adjacency must be symmetric (an undirected network)")
    n = a.shape[0]
    eye = sparse.identity(n, dtype=np.float64, format="csr")
    # Off-diagonal part only: the diagonal is set by `star`, never by self-loops in the input.
    reach = sparse.csr_matrix(a - sparse.diags(a.diagonal()), dtype=np.float64)
    reach.eliminate_zeros()
    step = reach + eye  # one step, or stay
    reach = step.copy()
    for _ in range(int(k) - 1):  # k − 1 sparse products, not a loop over units
        reach = reach @ step
        reach.data[:] = 1.0  # binarise so path counts never grow
    reach = sparse.csr_matrix(reach - sparse.diags(reach.diagonal()))  # drop diagonal
    if star:
        reach = reach + eye
    reach = sparse.csr_matrix(reach, dtype=np.float64)
    reach.eliminate_zeros()
    reach.sum_duplicates()
    reach.sort_indices()
    return reach


def bh_qvalues(p: Any) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values).

    ``q_(k) = min_{j ≥ k} min(1, m · p_(j) / j)`` over the ascending-sorted p-values, returned
    in the input order. A test is rejected by BH at level ``alpha`` exactly when its
    ``q ≤ alpha``. The q-values are monotone in p (equal p give equal q) and ≤ 1.

    Parameters
    ----------
    p
        P-values in ``[0, 1]`` (1-D array-like).

    Returns
    -------
    numpy.ndarray
        Float64 q-values, same length and order as ``p``.

    Raises
    ------
    SchemaError
        If ``p`` is not 1-D or has values outside ``[0, 1]`` (NaN included).

    Examples
    --------
    >>> bh_qvalues([0.01, 0.03, 0.02, 0.5]).tolist()
    [0.04, 0.04, 0.04, 0.5]
    """
    p = _pvalues(p)
    m = p.size
    if m == 0:
        return p.copy()
    order = np.argsort(p, kind="stable")
    scaled = p[order] * m / np.arange(1, m + 1)
    q_sorted = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    q = np.empty(m, dtype=np.float64)
    q[order] = q_sorted
    return q


def fdr_threshold(p: Any, alpha: float = 0.05) -> float:
    """Benjamini–Hochberg critical p-value: the largest ``p_(k)`` with ``p_(k) ≤ k/m · alpha``.

    Reject every test with ``p ≤`` the returned value (the same set as ``bh_qvalues(p) ≤
    alpha``). When no p-value passes, the result is ``0.0``; only exact zeros are then
    rejected, which BH would reject anyway.

    Note the differences from ``esda.fdr(p, alpha)`` (esda 2.9.0): esda returns the *bound*
    ``k · alpha / m`` rather than ``p_(k)`` (the same rejections, since no p-value lies strictly
    between them), compares with a strict ``<``, and returns the Bonferroni bound
    ``alpha / m`` when nothing passes instead of 0.

    Parameters
    ----------
    p
        P-values in ``[0, 1]`` (1-D array-like).
    alpha
        False discovery rate, in ``(0, 1)``.

    Returns
    -------
    float
        The critical p-value, or 0.0 when no test is rejected (also for empty ``p``).

    Raises
    ------
    SchemaError
        If ``p`` is not 1-D or has values outside ``[0, 1]``.
    SettingsError
        If ``alpha`` is not in ``(0, 1)``.

    Examples
    --------
    >>> fdr_threshold([0.01, 0.03, 0.02, 0.5], 0.05)
    0.03
    >>> fdr_threshold([0.2, 0.5], 0.05)
    0.0
    """
    _check_alpha(alpha)
    p = np.sort(_pvalues(p))
    m = p.size
    passes = np.flatnonzero(p <= np.arange(1, m + 1) / m * alpha)
    return float(p[passes[-1]]) if passes.size else 0.0


def gi_star(y: Any, w: Any, *, alpha: float = 0.05, fdr: bool = True) -> pd.DataFrame:
    """Getis–Ord Gi* z, two-sided p, BH q-value, significance bin and hot/cold flags per unit.

    The z-score is the Ord & Getis (1995) formula in the module docstring, with every sum
    over all units including *i*; for binary weights it equals esda's
    ``G_Local(y, w, transform="B", star=True).Zs``.

    **Bins** (``gi_bin``, as ArcGIS ``Gi_Bin``): ±3, ±2, ±1 for 99 %, 95 %, 90 % confidence,
    signed by z, 0 when not significant. With ``fdr=False`` a unit's level is the smallest of
    0.01 / 0.05 / 0.10 with ``gi_p ≤ level``. With ``fdr=True`` it is the smallest level with
    ``gi_q ≤ level``, i.e. the unit is rejected by a Benjamini–Hochberg procedure run *at that
    level* over all units; each confidence level thus gets its own, lower, critical p-value
    (``fdr_threshold(gi_p, level)``). This follows ArcGIS's description of its FDR option —
    FDR lowers the critical p-value of each confidence level of the ``Gi_Bin`` scale, and
    Optimized Hot Spot Analysis always applies it (``docs/methods.md`` §2.1); ArcGIS's own
    tie and boundary handling is not documented there, so parity is claimed only up to
    p-values falling exactly on a threshold.

    **Hot / cold**: ``hot`` is ``gi_q ≤ alpha and z > 0`` (``gi_p ≤ alpha`` when ``fdr=False``);
    ``cold`` likewise with ``z < 0``.

    Parameters
    ----------
    y
        Non-negative values per unit: counts or weighted counts (1-D array-like or Series).
        A Series' index becomes the output index.
    w
        ``n × n`` non-negative Gi* weights with a positive diagonal, typically
        ``network_weights(adjacency)`` (binary, ``w_ii = 1``). Scipy sparse or dense.
    alpha
        Significance level of ``hot`` / ``cold``, in ``(0, 1)``.
    fdr
        Apply the Benjamini–Hochberg correction to bins and hot/cold flags.

    Returns
    -------
    pandas.DataFrame
        One row per unit, in input order, with columns ``gi_z`` (float), ``gi_p`` (two-sided),
        ``gi_q`` (BH-adjusted ``gi_p``, always computed), ``gi_bin`` (int8 in −3..3),
        ``hot`` and ``cold`` (bool).

    Raises
    ------
    SchemaError
        If ``y`` is not 1-D, has fewer than 3 units, has negative or non-finite values; or if
        ``w`` is not ``n × n``, has negative or non-finite weights, or has a zero on its
        diagonal (that is Gi, not Gi*; build ``w`` with ``network_weights(..., star=True)``).
    SettingsError
        If ``alpha`` is not in ``(0, 1)``.

    Notes
    -----
    Degenerate cases give ``z = 0``, ``p = 1`` without division warnings: all ``y`` equal
    (``S = 0``) and a unit whose weights make the denominator vanish (e.g. a unit that is a
    neighbour of every unit). A unit with no neighbours still has ``w_ii = 1``, so its z is
    ``(x_i − X̄) / S``.

    Examples
    --------
    >>> path = sparse.diags([1.0, 1.0], [-1, 1], shape=(5, 5))
    >>> out = gi_star(pd.Series([0, 0, 1, 5, 6], index=list("abcde")), network_weights(path))
    >>> out["gi_z"].round(3).tolist()
    [-1.521, -1.965, -0.38, 1.521, 1.965]
    >>> out["gi_bin"].tolist()
    [0, 0, 0, 0, 0]
    """
    _check_alpha(alpha)
    index = y.index if isinstance(y, pd.Series) else None
    x, wm = _gi_inputs(y, w)
    n = x.size
    z = _gi_z(x, wm)
    p = 2.0 * ndtr(-np.abs(z))
    q = bh_qvalues(p)
    test = q if fdr else p
    level = np.zeros(n, dtype=np.int8)
    for rank, cut in zip((3, 2, 1), BIN_LEVELS, strict=True):  # 3 levels, not units
        level[(level == 0) & (test <= cut)] = rank
    sign = np.sign(z).astype(np.int8)
    significant = test <= alpha
    return pd.DataFrame(
        {
            "gi_z": z,
            "gi_p": p,
            "gi_q": q,
            "gi_bin": (level * sign).astype(np.int8),
            "hot": significant & (z > 0),
            "cold": significant & (z < 0),
        },
        index=index,
    )


def _gi_inputs(y: Any, w: Any) -> tuple[np.ndarray, sparse.csr_matrix]:
    """The values `y` as float64 and the weights `w` as CSR, checked for Gi*.

    Raises
    ------
    SchemaError
        If `y` is not 1-D, has fewer than 3 units, a missing, infinite or negative value, or
        `w` does not match it or has a zero on its diagonal.
    """
    x = np.asarray(y, dtype=np.float64)
    if x.ndim != 1:
        raise SchemaError(f"y must be 1-D (one value per unit), got {x.ndim} dimension(s)")
    n = x.size
    if n < 3:
        raise SchemaError(f"Gi* needs at least 3 units, got {n}")
    if not np.isfinite(x).all():
        raise SchemaError("y contains NaN or infinite values")
    if (x < 0).any():
        raise SchemaError("y must be ≥ 0 (counts or weighted counts)")
    wm = _as_csr(w, "w")
    if wm.shape[0] != n:
        raise SchemaError(f"w is {wm.shape[0]} × {wm.shape[1]} but y has {n} units")
    if (wm.diagonal() <= 0).any():
        raise SchemaError(
            "w has a zero on its diagonal: Gi* needs w_ii > 0; "
            "build it with network_weights(adjacency, star=True)"
        )
    return x, wm


def _gi_z(x: np.ndarray, wm: sparse.csr_matrix) -> np.ndarray:
    """The Gi* z-score of every unit (0 where all values are equal or the spread is 0)."""
    n = x.size
    row_sum = np.asarray(wm.sum(axis=1)).ravel()  # Σ_j w_ij
    w_sq = wm.copy()
    w_sq.data **= 2
    row_sq = np.asarray(w_sq.sum(axis=1)).ravel()  # Σ_j w_ij²
    lag = wm @ x  # Σ_j w_ij x_j

    z = np.zeros(n)
    if np.ptp(x) > 0:  # all-equal y: S = 0, every z is 0
        mean = x.mean()
        s = np.sqrt(np.mean((x - mean) ** 2))  # population s.d. (= sqrt(mean(x²) − X̄²))
        spread = np.maximum(n * row_sq - row_sum**2, 0.0) / (n - 1)
        ok = spread > 0
        z[ok] = (lag[ok] - mean * row_sum[ok]) / (s * np.sqrt(spread[ok]))
    return z


def _pvalues(p: Any) -> np.ndarray:
    arr = np.asarray(p, dtype=np.float64)
    if arr.ndim != 1:
        raise SchemaError(f"p-values must be 1-D, got {arr.ndim} dimension(s)")
    if not ((arr >= 0) & (arr <= 1)).all():
        raise SchemaError("p-values must lie in [0, 1] (no NaN)")
    return arr


def _check_alpha(alpha: float) -> None:
    if not 0 < alpha < 1:
        raise SettingsError(f"alpha must be in (0, 1), got {alpha!r}")
