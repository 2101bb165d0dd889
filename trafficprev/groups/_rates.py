"""Rate statistics for enterprises: exact Poisson and Wilson intervals, Marshall's global empirical
Bayes, funnel-plot control limits, exact Poisson tails and the exact rate-ratio test.

An enterprise *i* has ``e_i`` commuting accidents (events, a count) over ``b_i`` insured
person-years (exposure, base). Everything here is a pure function over numpy arrays: inputs are
scalars or 1-D array-likes (lists, numpy arrays, pandas Series) broadcast against each other;
outputs keep the input order (a DataFrame takes the index of the first pandas Series argument
whose length matches). Only numpy, pandas and scipy are used.

Conventions shared by every function:

* a missing value (NaN, ``None``, ``pd.NA``) or ``+inf`` gives NaN for that element, never an
  exception;
* a negative count (−inf included) is a data error and raises ``ValueError`` (so does a
  non-whole count where an exact discrete test needs one);
* a non-positive exposure (base) gives NaN for that element (no rate is defined);
* arrays of different lengths raise ``ValueError`` (a scalar broadcasts);
* an invalid ``level`` / ``levels`` raises :class:`~trafficprev._errors.SettingsError`
  (a ``ValueError``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from trafficprev._errors import ArgumentError, ArgumentTypeError, SettingsError

__all__ = [
    "funnel_limits",
    "global_eb",
    "level_name",
    "poisson_ci",
    "poisson_tails",
    "rate_ratio_test",
    "wilson_ci",
]


# ----------------------------------------------------------------------------------------------
# input handling
# ----------------------------------------------------------------------------------------------


def _as_float(value: Any, name: str) -> np.ndarray:
    """``value`` as a float64 array of at most one dimension (missing values → NaN)."""
    if isinstance(value, pd.Series | pd.Index):
        try:
            arr = value.to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError) as exc:
            raise ArgumentTypeError(f"{name} must be numeric, got dtype {value.dtype}") from exc
    else:
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ArgumentTypeError(f"{name} must be numeric (a number or 1-D array-like)") from exc
    if arr.ndim > 1:
        raise ArgumentError(f"{name} must be a scalar or 1-D, got {arr.ndim} dimensions")
    return arr


def _broadcast(named: dict[str, Any]) -> tuple[list[np.ndarray], pd.Index | None]:
    """Convert and broadcast the named inputs; return the arrays and an index to align to.

    The index is that of the first pandas Series among the inputs whose length is the common
    length (positional alignment: indexes are never joined).
    """
    arrays = [_as_float(v, k) for k, v in named.items()]
    try:
        shape = np.broadcast_shapes(*(a.shape for a in arrays))
    except ValueError:
        lengths = ", ".join(f"{k} has {a.size}" for k, a in zip(named, arrays, strict=True))
        raise ArgumentError(
            f"inputs must have the same length (or be scalars): {lengths}"
        ) from None
    # read-only views, never copies: callers do not write into their inputs
    out = [a if a.shape == shape else np.broadcast_to(a, shape) for a in arrays]
    index = None
    for value in named.values():
        if isinstance(value, pd.Series) and shape and len(value) == shape[0]:
            index = value.index
            break
    return out, index


def _check_counts(x: np.ndarray, name: str, *, whole: bool = False) -> None:
    """Raise on negative (or, with ``whole``, fractional) finite counts; NaN passes."""
    if x.size == 0:
        return
    if np.fmin.reduce(x, axis=None) < 0:  # NaN-skipping minimum; −inf counts as negative
        raise ArgumentError(f"{name} must be ≥ 0 (counts); found negative values")
    if whole:
        finite = x[np.isfinite(x)]
        if (finite != np.floor(finite)).any():
            raise ArgumentError(f"{name} must be whole numbers (counts); found fractional values")


def _check_level(level: float, name: str = "level") -> float:
    """Return ``level`` as a float strictly between 0 and 1, or raise SettingsError."""
    try:
        lv = float(level)
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"{name} must be a number in (0, 1), got {level!r}") from exc
    if not 0.0 < lv < 1.0:
        raise SettingsError(f"{name} must be in (0, 1), got {level!r}")
    return lv


def _frame(columns: dict[str, np.ndarray], index: pd.Index | None) -> pd.DataFrame:
    """DataFrame of 1-D columns (0-d inputs become one row) with ``index`` when given."""
    cols = {k: np.atleast_1d(v) for k, v in columns.items()}
    return pd.DataFrame(cols, index=index)


# ----------------------------------------------------------------------------------------------
# intervals
# ----------------------------------------------------------------------------------------------


def poisson_ci(
    count: Any, exposure: Any = 1.0, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) confidence interval of a Poisson rate ``count / exposure``.

    Parameters
    ----------
    count
        Observed events *k* (≥ 0), scalar or 1-D. Fractional counts are accepted (the gamma
        generalisation of the same formula).
    exposure
        Exposure (e.g. person-years), scalar or 1-D; ``exposure ≤ 0`` gives NaN.
    level
        Confidence level in (0, 1).

    Returns
    -------
    lower, upper : numpy.ndarray
        Interval bounds of the rate, shape of the broadcast inputs (0-d for scalar inputs).
        NaN where ``count`` or ``exposure`` is missing/non-finite or ``exposure ≤ 0``.

    Notes
    -----
    With :math:`a = 1 - \\text{level}` (Garwood 1936):

    .. math::

        L = \\frac{\\chi^2_{a/2}(2k)}{2E}\\;(L = 0 \\text{ if } k = 0), \\qquad
        U = \\frac{\\chi^2_{1-a/2}(2k + 2)}{2E},

    computed as the inverse regularised incomplete gamma function
    (:math:`\\chi^2_p(2k)/2 = \\Gamma^{-1}_p(k)`). The interval is conservative: its coverage is
    at least ``level`` for every true rate.

    References
    ----------
    Garwood F (1936). Fiducial limits for the Poisson distribution. *Biometrika* 28:437-442.

    Examples
    --------
    >>> lo, hi = poisson_ci([0, 10])
    >>> np.round(lo, 4).tolist(), np.round(hi, 4).tolist()
    ([0.0, 4.7954], [3.6889, 18.3904])
    """
    lv = _check_level(level)
    (k, exp_), _ = _broadcast({"count": count, "exposure": exposure})
    _check_counts(k, "count")
    a = 1.0 - lv
    ok = np.isfinite(k) & np.isfinite(exp_) & (exp_ > 0)
    lower = np.full(k.shape, np.nan)
    upper = np.full(k.shape, np.nan)
    kk, ee = k[ok], exp_[ok]
    with np.errstate(invalid="ignore", divide="ignore"):
        lo = np.where(kk > 0, special.gammaincinv(np.where(kk > 0, kk, 1.0), a / 2), 0.0)
        hi = special.gammaincinv(kk + 1.0, 1.0 - a / 2)
    lower[ok] = lo / ee
    upper[ok] = hi / ee
    return lower, upper


def wilson_ci(k: Any, n: Any, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a share ``k / n``.

    Parameters
    ----------
    k
        Successes (≥ 0), scalar or 1-D.
    n
        Trials (≥ ``k``); ``n = 0`` gives NaN.
    level
        Confidence level in (0, 1).

    Returns
    -------
    lower, upper : numpy.ndarray
        Bounds in [0, 1] (exactly 0 when ``k = 0``, exactly 1 when ``k = n``), shape of the
        broadcast inputs; NaN where an input is missing or ``n = 0``.

    Raises
    ------
    ValueError
        If a ``k`` or ``n`` is negative, or ``k > n``.

    Notes
    -----
    With :math:`\\hat p = k/n` and :math:`z = \\Phi^{-1}((1 + \\text{level})/2)` (Wilson 1927):

    .. math::

        \\frac{\\hat p + z^2/(2n) \\pm z\\sqrt{\\hat p(1-\\hat p)/n + z^2/(4n^2)}}{1 + z^2/n}.

    References
    ----------
    Wilson EB (1927). Probable inference, the law of succession, and statistical inference.
    *JASA* 22:209-212.

    Examples
    --------
    >>> lo, hi = wilson_ci(3, 10)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.1078, 0.6032)
    """
    lv = _check_level(level)
    (kk, nn), _ = _broadcast({"k": k, "n": n})
    _check_counts(kk, "k")
    _check_counts(nn, "n")
    both = np.isfinite(kk) & np.isfinite(nn)
    if (kk[both] > nn[both]).any():
        raise ArgumentError("k must not exceed n")
    ok = both & (nn > 0)
    z = special.ndtri(0.5 + lv / 2)
    lower = np.full(kk.shape, np.nan)
    upper = np.full(kk.shape, np.nan)
    p, m = kk[ok] / nn[ok], nn[ok]
    denom = 1.0 + z * z / m
    centre = (p + z * z / (2 * m)) / denom
    half = z * np.sqrt(p * (1 - p) / m + z * z / (4 * m * m)) / denom
    # exact 0 at k = 0 and 1 at k = n (the formula gives them up to rounding)
    lower[ok] = np.where(kk[ok] == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    upper[ok] = np.where(kk[ok] == m, 1.0, np.clip(centre + half, 0.0, 1.0))
    return lower, upper


# ----------------------------------------------------------------------------------------------
# empirical Bayes
# ----------------------------------------------------------------------------------------------


def global_eb(events: Any, base: Any) -> pd.DataFrame:
    """Marshall's global empirical Bayes rates (with the variance clamped at 0) and excess risk.

    Parameters
    ----------
    events
        Event counts ``e_i`` (≥ 0), 1-D.
    base
        Population at risk ``b_i`` (e.g. insured person-years), 1-D, same length. Units with
        ``b_i ≤ 0`` or a missing ``e_i`` / ``b_i`` are left out of every pooled quantity and get
        NaN in every column.

    Returns
    -------
    pandas.DataFrame
        One row per unit in input order (index of ``events`` or ``base`` if a Series):

        ``crude``
            :math:`p_i = e_i / b_i`.
        ``eb``
            The smoothed rate :math:`r_i = w_i p_i + (1 - w_i)\\theta`.
        ``weight``
            The shrinkage weight :math:`w_i` of the crude rate (0: all prior, 1: all data).
        ``excess_risk``
            :math:`e_i / (b_i \\theta)`, the standardised ratio observed / expected (NaN when
            θ = 0).

        ``frame.attrs`` holds ``theta`` (θ), ``phi`` (the clamped prior variance φ) and
        ``phi_raw`` (before clamping), as floats (NaN when no unit is usable).

    Notes
    -----
    Over the usable units (Marshall 1991, as coded in esda's ``Empirical_Bayes``):

    .. math::

        \\theta = \\frac{\\sum e_i}{\\sum b_i}, \\quad
        s^2 = \\frac{\\sum b_i (p_i - \\theta)^2}{\\sum b_i}, \\quad
        \\varphi = \\max\\left(s^2 - \\frac{\\theta}{\\bar b},\\, 0\\right), \\quad
        w_i = \\frac{\\varphi}{\\varphi + \\theta / b_i}.

    esda uses the unclamped :math:`\\varphi_{raw} = s^2 - \\theta/\\bar b`; when it is positive
    the two agree exactly. When the crude rates vary no more than Poisson noise explains,
    :math:`\\varphi_{raw} \\le 0` and esda's weights become negative or exceed 1 (rates pushed
    *away* from θ or even negative); Marshall sets the between-unit variance to 0, so every
    :math:`w_i = 0` and :math:`r_i = \\theta`. ``excess_risk`` is esda's ``Excess_Risk``.

    References
    ----------
    Marshall RJ (1991). Mapping disease and mortality rates using empirical Bayes estimators.
    *Applied Statistics* 40(2):283-294.

    Examples
    --------
    >>> out = global_eb([2, 10, 30], [1000, 2000, 3000])
    >>> round(out.attrs["theta"], 6), out["eb"].round(5).tolist()
    (0.007, [0.00459, 0.0057, 0.00921])
    """
    (e, b), index = _broadcast({"events": events, "base": base})
    _check_counts(e, "events")
    if e.ndim == 0:
        e, b = e.reshape(1), b.reshape(1)
    ok = np.isfinite(e) & np.isfinite(b) & (b > 0)
    n_ok = int(np.count_nonzero(ok))
    every = n_ok == e.size
    # one (4, n) block (rows: crude, eb, weight, excess_risk) computed in place, wrapped by the
    # DataFrame without a copy; with excluded units the rows are computed on the usable units
    # and scattered into a NaN block
    block = np.empty((4, e.size)) if every else np.full((4, e.size), np.nan)
    theta = phi_raw = phi = np.nan
    if n_ok:
        ee, bb = (e, b) if every else (e[ok], b[ok])
        sub = block if every else np.empty((4, n_ok))
        theta, phi_raw, phi = _fill_eb(ee, bb, sub)
        if not every:
            block[:, ok] = sub
    out = pd.DataFrame(
        block.T, columns=["crude", "eb", "weight", "excess_risk"], index=index, copy=False
    )
    out.attrs.update(theta=float(theta), phi=float(phi), phi_raw=float(phi_raw))
    return out


def _fill_eb(ee: np.ndarray, bb: np.ndarray, sub: np.ndarray) -> tuple[float, float, float]:
    """Fill the rows of `sub` (crude, eb, weight, excess_risk) for usable units in place.

    Parameters
    ----------
    ee, bb
        Events and population at risk of the usable units (finite, ``bb > 0``).
    sub
        A ``(4, len(ee))`` block, overwritten.

    Returns
    -------
    tuple of float
        θ, the unclamped prior variance φ_raw and the clamped φ.
    """
    rate, smooth, w, scratch = sub
    # the operations of esda's Empirical_Bayes, in the same order (bitwise equal results)
    b_sum = bb.sum()
    theta = ee.sum() / b_sum
    np.divide(ee, bb, out=rate)
    np.subtract(rate, theta, out=smooth)
    np.multiply(bb, smooth, out=w)
    w *= smooth
    phi_raw = w.sum() / b_sum - theta / bb.mean()
    phi = max(phi_raw, 0.0)
    if phi > 0:
        np.divide(theta, bb, out=w)
        w += phi  # φ + θ/b
        np.divide(phi, w, out=w)
    else:  # φ = 0: no between-unit variance, every unit gets the prior θ
        w.fill(0.0)
    np.multiply(w, rate, out=smooth)
    np.subtract(1.0, w, out=scratch)
    scratch *= theta
    smooth += scratch
    if theta > 0:  # excess risk e / (b θ), esda's Excess_Risk
        np.multiply(bb, theta, out=scratch)
        np.divide(ee, scratch, out=scratch)
    else:
        scratch.fill(np.nan)
    return float(theta), float(phi_raw), float(phi)


# ----------------------------------------------------------------------------------------------
# funnel limits and exact tails
# ----------------------------------------------------------------------------------------------


def level_name(level: float) -> str:
    """Column suffix of a confidence level: 0.95 → ``"95"``, 0.998 → ``"998"``, 0.99 → ``"99"``.

    Examples
    --------
    >>> [level_name(x) for x in (0.95, 0.998, 0.99, 0.9)]
    ['95', '998', '99', '90']
    """
    lv = _check_level(level)
    return f"{lv * 100:.6g}".replace(".", "")


def funnel_limits(theta: Any, base: Any, levels: Sequence[float] = (0.95, 0.998)) -> pd.DataFrame:
    """Exact Poisson funnel-plot control limits of a rate around a target rate θ.

    Parameters
    ----------
    theta
        Target rate per unit of exposure (e.g. the city-wide accidents per person-year), ≥ 0;
        scalar or 1-D broadcast against ``base``.
    base
        Exposures ``b`` (person-years), scalar or 1-D; ``b ≤ 0`` or missing gives NaN.
    levels
        Two-sided control levels, each in (0, 1), distinct.

    Returns
    -------
    pandas.DataFrame
        One row per exposure (index of ``base`` if a Series), columns ``lower_<L>`` and
        ``upper_<L>`` per level in the given order, ``<L>`` from :func:`level_name`
        (0.95 → ``lower_95``, ``upper_95``; 0.998 → ``lower_998``, ``upper_998``). Values are
        rates (same unit as ``theta``): multiply by 1000 for per-1000 rates.

    Raises
    ------
    ValueError
        If ``theta`` is negative; :class:`~trafficprev._errors.SettingsError` (a ``ValueError``)
        if ``levels`` is empty, holds duplicates or values outside (0, 1).

    Notes
    -----
    Spiegelhalter (2005), exact Poisson limits with the interpolation that smooths the
    discreteness. With :math:`\\mu = \\theta b` and :math:`F` the Poisson(μ) CDF, for each
    :math:`p \\in \\{(1-L)/2, (1+L)/2\\}`:

    .. math::

        r_p = F^{-1}(p), \\qquad
        \\alpha = \\frac{F(r_p) - p}{F(r_p) - F(r_p - 1)}, \\qquad
        \\text{limit} = \\frac{\\max(r_p - \\alpha, 0)}{b}.

    :math:`r_p - \\alpha` is the p-quantile of the distribution that spreads the Poisson mass
    at each integer *r* uniformly over :math:`(r - 1, r]`. Consequently, for a whole count *y*
    with expected μ (see :func:`poisson_tails`):

    * below the lower limit ⇔ :math:`P(X \\le y) < (1 - L)/2` (``p_low``);
    * above the upper limit ⇔ :math:`P(X > y) = P(X \\ge y + 1) < (1 - L)/2`.

    The conventional exact one-sided test :math:`P(X \\ge y) < (1 - L)/2` (``p_high``) is
    stricter than the drawn upper limit by one count: every count it flags is above the
    limit, but a count just above the limit can have ``p_high`` up to a few times
    (1 − L)/2.

    References
    ----------
    Spiegelhalter DJ (2005). Funnel plots for comparing institutional performance.
    *Statistics in Medicine* 24:1185-1202.

    Examples
    --------
    Per 1,000 person-years around 2 accidents per 1,000 person-years:

    >>> (funnel_limits(0.002, [1000, 10000]) * 1000).round(3)
       lower_95  upper_95  lower_998  upper_998
    0     0.000     4.766      0.000      7.113
    1     1.121     2.875      0.717      3.471
    """
    if isinstance(levels, str | bytes) or not isinstance(levels, Sequence | np.ndarray):
        raise SettingsError(f"levels must be a sequence of numbers in (0, 1), got {levels!r}")
    lvs = [_check_level(x, "levels") for x in levels]
    if not lvs:
        raise SettingsError("levels must not be empty")
    names = [level_name(x) for x in lvs]
    if len(set(names)) != len(names):
        raise SettingsError(f"levels must be distinct, got {list(levels)!r}")
    (th, b), index = _broadcast({"theta": theta, "base": base})
    if (th[np.isfinite(th)] < 0).any():
        raise ArgumentError("theta must be ≥ 0 (a rate)")
    if b.ndim == 0:
        th, b = th.reshape(1), b.reshape(1)
    ok = np.isfinite(th) & np.isfinite(b) & (b > 0)
    mu = th[ok] * b[ok]
    columns: dict[str, np.ndarray] = {}
    for lv, name in zip(lvs, names, strict=True):
        for side, p in (("lower", (1.0 - lv) / 2), ("upper", (1.0 + lv) / 2)):
            col = np.full(b.shape, np.nan)
            r = stats.poisson.ppf(p, mu)
            f_r = stats.poisson.cdf(r, mu)
            f_prev = stats.poisson.cdf(r - 1, mu)
            alpha = (f_r - p) / (f_r - f_prev)
            col[ok] = np.maximum(r - alpha, 0.0) / b[ok]
            columns[f"{side}_{name}"] = col
    return _frame(columns, index)


def poisson_tails(count: Any, expected: Any) -> pd.DataFrame:
    """Exact Poisson tail probabilities of an observed count given its expected value.

    Parameters
    ----------
    count
        Observed whole counts *y* (≥ 0), scalar or 1-D.
    expected
        Expected counts μ (e.g. θ × person-years), ≥ 0; a negative or missing value gives NaN.

    Returns
    -------
    pandas.DataFrame
        One row per element (index of the first Series argument), columns ``p_high`` =
        :math:`P(X \\ge y \\mid \\mu)` and ``p_low`` = :math:`P(X \\le y \\mid \\mu)`,
        :math:`X \\sim \\text{Poisson}(\\mu)`. With μ = 0: ``p_high`` is 1 for y = 0 else 0,
        ``p_low`` is 1.

    Raises
    ------
    ValueError
        If a count is negative or fractional.

    Notes
    -----
    ``p_high`` and ``p_low`` are the exact one-sided p-values of "more" / "fewer" events than
    expected; both include the observed count, so ``p_high + p_low = 1 + P(X = y)``. Computed
    with the regularised incomplete gamma functions: :math:`P(X \\ge y) = P(y, \\mu)`
    (lower, y ≥ 1) and :math:`P(X \\le y) = Q(y + 1, \\mu)` (upper).

    Relation to the funnel plot (:func:`funnel_limits`, same level L, here 99.8 %): an
    enterprise is below the lower limit exactly when ``p_low < 0.001``; it is above the
    (interpolated) upper limit exactly when :math:`P(X \\ge y + 1) < 0.001`, i.e. when
    ``poisson_tails(y + 1, mu).p_high < 0.001``. ``p_high < 0.001`` itself is the exact
    one-sided test: it implies "above the limit" but is stricter by one count. Use the limit
    (or ``p_high`` of ``y + 1``) to flag consistently with the drawn funnel, ``p_high`` for a
    test at a guaranteed 0.1 % one-sided size.

    Examples
    --------
    >>> poisson_tails([0, 3, 9], 3.0).round(4).to_dict("list")
    {'p_high': [1.0, 0.5768, 0.0038], 'p_low': [0.0498, 0.6472, 0.9989]}
    """
    (y, mu), index = _broadcast({"count": count, "expected": expected})
    _check_counts(y, "count", whole=True)
    if y.ndim == 0:
        y, mu = y.reshape(1), mu.reshape(1)
    ok = np.isfinite(y) & np.isfinite(mu) & (mu >= 0)
    p_high = np.full(y.shape, np.nan)
    p_low = np.full(y.shape, np.nan)
    yy, mm = y[ok], mu[ok]
    p_high[ok] = np.where(yy > 0, special.gammainc(np.maximum(yy, 1.0), mm), 1.0)
    p_low[ok] = special.gammaincc(yy + 1.0, mm)
    return _frame({"p_high": p_high, "p_low": p_low}, index)


# ----------------------------------------------------------------------------------------------
# two rates
# ----------------------------------------------------------------------------------------------


def rate_ratio_test(n1: Any, e1: Any, n0: Any, e0: Any, level: float = 0.95) -> pd.DataFrame:
    """Exact conditional comparison of two Poisson rates ``n1/e1`` against ``n0/e0``.

    Parameters
    ----------
    n1, e1
        Events and exposure of the period (or group) of interest, e.g. this year.
    n0, e0
        Events and exposure of the reference, e.g. last year at the same enterprise.
        Counts are whole numbers ≥ 0; exposures ≤ 0 or missing give NaN in every column.
        Scalars or 1-D, broadcast against each other.
    level
        Confidence level of the ratio interval, in (0, 1).

    Returns
    -------
    pandas.DataFrame
        One row per comparison (index of the first Series argument), columns:

        ``ratio``
            :math:`(n_1/e_1)/(n_0/e_0)` (``inf`` when ``n0 = 0 < n1``).
        ``ratio_lower``, ``ratio_upper``
            Exact (Clopper–Pearson based) confidence interval of the ratio.
        ``p_value``
            Two-sided exact p (``scipy.stats.binomtest``, "minlike" two-sided rule).
        ``p_increase``
            One-sided exact p of "rate 1 > rate 0": :math:`P(N_1 \\ge n_1)`.

        With ``n1 + n0 = 0``: ``ratio`` NaN, interval [0, inf], both p-values 1.

    Raises
    ------
    ValueError
        If a count is negative or fractional.

    Notes
    -----
    Conditionally on the total :math:`n = n_1 + n_0`, under
    :math:`H_0: \\lambda_1 = \\lambda_0`,
    :math:`N_1 \\sim \\text{Binomial}(n, \\pi_0)` with :math:`\\pi_0 = e_1/(e_1 + e_0)`.
    The Clopper–Pearson interval :math:`[\\pi_L, \\pi_U]` of the binomial proportion
    (:math:`\\pi_L = B^{-1}_{a/2}(n_1, n_0 + 1)`, :math:`\\pi_U = B^{-1}_{1-a/2}(n_1 + 1, n_0)`,
    with the usual 0/1 at the boundaries) maps to the rate ratio by the monotone
    :math:`\\rho = \\frac{\\pi}{1 - \\pi} \\cdot \\frac{e_0}{e_1}`.

    References
    ----------
    Clopper CJ, Pearson ES (1934). *Biometrika* 26:404-413. Breslow NE, Day NE (1987).
    *Statistical Methods in Cancer Research II*, IARC, §2.3.

    Examples
    --------
    >>> out = rate_ratio_test(20, 1000.0, 5, 1000.0)
    >>> float(out["ratio"].iloc[0]), round(float(out["p_increase"].iloc[0]), 6)
    (4.0, 0.002039)
    """
    lv = _check_level(level)
    (a1, x1, a0, x0), index = _broadcast({"n1": n1, "e1": e1, "n0": n0, "e0": e0})
    _check_counts(a1, "n1", whole=True)
    _check_counts(a0, "n0", whole=True)
    if a1.ndim == 0:
        a1, x1, a0, x0 = (v.reshape(1) for v in (a1, x1, a0, x0))
    shape = a1.shape
    ratio, lower, upper, p_two, p_inc = (np.full(shape, np.nan) for _ in range(5))
    ok = np.isfinite(a1) & np.isfinite(a0) & np.isfinite(x1) & np.isfinite(x0) & (x1 > 0) & (x0 > 0)
    k, m, t1, t0 = a1[ok], a0[ok], x1[ok], x0[ok]
    n = k + m
    pi0 = t1 / (t1 + t0)
    scale = t0 / t1
    a = 1.0 - lv
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(n > 0, (k / t1) / (m / t0), np.nan)
        pi_lo = np.where(k > 0, special.betaincinv(np.maximum(k, 1.0), m + 1.0, a / 2), 0.0)
        pi_hi = np.where(m > 0, special.betaincinv(k + 1.0, np.maximum(m, 1.0), 1 - a / 2), 1.0)
        r_lo = pi_lo / (1.0 - pi_lo) * scale
        r_hi = np.where(pi_hi < 1.0, pi_hi / (1.0 - pi_hi) * scale, np.inf)
    # one-sided P(N1 ≥ k) = I_{π0}(k, n − k + 1) (regularised incomplete beta), 1 at k = 0
    inc = np.where(k > 0, special.betainc(np.maximum(k, 1.0), m + 1.0, pi0), 1.0)
    two = np.ones_like(k)
    has = n > 0
    if has.any():
        keys = np.column_stack([k[has], n[has], pi0[has]])
        uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
        vals = np.array(
            [stats.binomtest(int(kk), int(nn), float(pp)).pvalue for kk, nn, pp in uniq]
        )
        two[has] = vals[inverse.ravel()]
    ratio[ok], lower[ok], upper[ok], p_two[ok], p_inc[ok] = r, r_lo, r_hi, two, inc
    return _frame(
        {
            "ratio": ratio,
            "ratio_lower": lower,
            "ratio_upper": upper,
            "p_value": p_two,
            "p_increase": p_inc,
        },
        index,
    )
