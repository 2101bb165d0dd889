"""Injury incidence per enterprise over the precision window (工伤发生率), with the uncertainty a
small enterprise deserves.

:func:`incidence` pools an enterprise's years of :func:`~trafficprev.precision._table.
enterprise_years`: recognised injuries over insured person-years, per 1,000 insured per year,
with the exact Poisson interval, Marshall's global empirical-Bayes rate, the count expected at
the city's rate, the one-sided funnel limit on the count and the exact Poisson tail. The
statistics are those of the traffic project's enterprise rates
(:mod:`trafficprev.groups._rates`), reused, not re-derived.

**Exposure.** The rate's numerator is the injuries of the years with a known headcount
(``n_rated``), its denominator the headcounts of those years summed (insured person-years): an
injury in a year without a headcount has nothing to set against. An enterprise with no
exposure (no headcount in any year, or 0) has NaN rates, expected count and limit, ``high``
False and its reason in ``note``; it is left out of the city rate θ and of the EB pooling.

**High.** The funnel limit is :func:`~trafficprev.groups.funnel_limits` at the two-sided level
``2 × level − 1``, whose upper limit is the one-sided `level` limit; ``high`` is ``n_rated >
funnel_upper``, what the funnel plot shows. For a whole count *n* at expected μ that is
P(N ≥ n + 1) < 1 − level; the exact test ``p_high < 1 − level`` is stricter
by one count (its size is at most 1 − level, the limit's a little above) and is reported for
whoever wants it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from .._errors import SettingsError
from ..groups import funnel_limits, global_eb, poisson_ci, poisson_tails
from ..schema import require_columns

__all__ = ["NO_EXPOSURE", "ZERO_EXPOSURE", "incidence", "one_sided_z"]

#: Note of an enterprise with no headcount in any year of the window (no rate).
NO_EXPOSURE = "无参保人数（缴费台账与企业名录均无），不计发生率"
#: Note of an enterprise whose headcount is 0 in every year with one (no rate).
ZERO_EXPOSURE = "参保人数为0，不计发生率"

_EY_COLUMNS = ["credit_code", "year", "insured", "n_injuries", "n_occupational", "n_deaths"]


def one_sided_z(level: float) -> float:
    """The standard-normal quantile of a one-sided `level` (0.95 → 1.645).

    Parameters
    ----------
    level
        One-sided level in [0.5, 1).

    Returns
    -------
    float
        :math:`\\Phi^{-1}(\\text{level})`.

    Raises
    ------
    SettingsError
        If `level` is not a number in [0.5, 1).

    Examples
    --------
    >>> round(one_sided_z(0.95), 4)
    1.6449
    """
    try:
        lv = float(level)
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"level must be a number in [0.5, 1), got {level!r}") from exc
    if not 0.5 <= lv < 1.0:
        raise SettingsError(f"level must be in [0.5, 1) (a one-sided level), got {level!r}")
    return float(special.ndtri(lv))


def _funnel_level(level: float) -> float:
    """`level` as a float in (0.5, 1), or SettingsError (the two-sided ``2 level − 1`` of the
    one-sided funnel limit must be a level)."""
    try:
        lv = float(level)
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"level must be a number in (0.5, 1), got {level!r}") from exc
    if not 0.5 < lv < 1.0:
        raise SettingsError(f"level must be in (0.5, 1) (a one-sided level), got {level!r}")
    return lv


def incidence(ey: pd.DataFrame, *, level: float = 0.95) -> pd.DataFrame:
    """Injury incidence per enterprise over the years of `ey`, pooled, with its uncertainty.

    Parameters
    ----------
    ey
        :func:`~trafficprev.precision._table.enterprise_years` (or any frame with its
        ``credit_code``, ``year``, ``insured``, ``n_injuries``, ``n_occupational``,
        ``n_deaths`` columns; ``name``, ``industry``, ``district`` are carried when present).
    level
        Two-sided level of the exact interval, and one-sided level of the funnel limit and
        of ``high`` (0.95: an enterprise is high when its count lies above the one-sided
        95 % limit). In (0.5, 1).

    Returns
    -------
    pandas.DataFrame
        One row per enterprise, sorted by ``eb_excess`` (most first; no rate last), then
        credit code:

        ``credit_code``, ``name``, ``industry``, ``district``
            As in `ey`.
        ``n_injuries``, ``n_occupational``, ``n_deaths``
            Recognised injuries, occupational diseases and deaths over the window.
        ``n_rated``
            Injuries in the years with a known headcount: the numerator of the rate (an
            injury in a year without a headcount has no exposure to set against).
        ``insured_years``
            Σ insured over the years with a known headcount (insured person-years).
        ``years_exposed``
            Years with a known headcount.
        ``rate_per_1000``, ``rate_lower``, ``rate_upper``
            ``n_rated / insured_years × 1000`` (per 1,000 insured per year) and its exact
            (Garwood) interval at `level` (:func:`~trafficprev.groups.poisson_ci`).
        ``eb_rate_per_1000``, ``eb_weight``
            Marshall's global empirical-Bayes rate (:func:`~trafficprev.groups.global_eb`,
            across the enterprises with exposure) and the weight of the crude rate in it.
        ``expected``
            ``θ × insured_years``, θ the city rate (Σ n_rated / Σ insured_years over the
            enterprises with exposure, ``attrs["theta"]``).
        ``eb_excess``
            ``(EB rate − θ) × insured_years``: the injuries above the city's rate that the
            smoothed rate still attributes to the enterprise (the sort key).
        ``funnel_upper``
            The one-sided `level` upper funnel limit on the count at the enterprise's
            exposure (exact Poisson, Spiegelhalter's interpolation).
        ``p_high``
            :math:`P(N \\ge n_{rated} \\mid \\text{expected})`, exact Poisson.
        ``high``
            ``n_rated > funnel_upper``.
        ``note``
            Why there is no rate (:data:`NO_EXPOSURE`, :data:`ZERO_EXPOSURE`), else ``""``.
        ``injuries_<y>``, ``insured_<y>``, ``rate_<y>`` for each year *y* of `ey`
            The year's injuries, headcount (NaN when unknown) and crude rate per 1,000
            (NaN without exposure): a wide table, one row per enterprise, so the list and
            its sheet read a row across the years.

        ``attrs``: ``theta`` (per insured person-year), ``phi`` (EB prior variance),
        ``level``, ``years``.

    Raises
    ------
    SchemaError
        If `ey` lacks a column.
    SettingsError
        If `level` is not in (0.5, 1).

    Notes
    -----
    Exposure and the rule for ``high``: the module docstring.
    """
    lv = _funnel_level(level)
    require_columns(ey, _EY_COLUMNS, what="enterprise_years")
    years = sorted(int(y) for y in pd.unique(ey["year"]))
    pooled, per_year = _pooled(ey)
    out, eb = _rate_columns(pooled, lv)
    out = pd.concat([out, per_year], axis=1)
    out = out.sort_values(
        ["eb_excess", "credit_code"], ascending=[False, True], na_position="last"
    ).reset_index(drop=True)
    out.attrs.update(
        theta=float(eb.attrs["theta"]), phi=float(eb.attrs["phi"]), level=lv, years=years
    )
    return out


def _rate_columns(out: pd.DataFrame, lv: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Add the rate, interval, EB, expected, funnel and flag columns to `out` (the pooled
    table, modified in place); return it and the :func:`global_eb` frame."""
    n = out["n_rated"].to_numpy(float)
    py = out["insured_years"].to_numpy(float)
    ok = py > 0
    base = np.where(ok, py, np.nan)
    lower, upper = poisson_ci(n, base, lv)
    eb = global_eb(np.where(ok, n, np.nan), base)
    theta = float(eb.attrs["theta"])
    expected = theta * base
    rate = np.where(ok, n / np.where(ok, py, 1.0), np.nan)
    out["rate_per_1000"] = 1000 * rate
    out["rate_lower"] = 1000 * np.asarray(lower, float)
    out["rate_upper"] = 1000 * np.asarray(upper, float)
    out["eb_rate_per_1000"] = 1000 * eb["eb"].to_numpy(float)
    out["eb_weight"] = eb["weight"].to_numpy(float)
    out["expected"] = expected
    out["eb_excess"] = (eb["eb"].to_numpy(float) - theta) * base
    limit = np.full(len(out), np.nan)
    if ok.any() and np.isfinite(theta):
        limits = funnel_limits(theta, base, levels=(2 * lv - 1,))
        limit = limits.iloc[:, 1].to_numpy(float) * base
    out["funnel_upper"] = limit
    out["p_high"] = poisson_tails(n, expected)["p_high"].to_numpy(float)
    out["high"] = ok & (n > np.nan_to_num(limit, nan=np.inf))
    out["note"] = np.where(ok, "", np.where(out["years_exposed"] > 0, ZERO_EXPOSURE, NO_EXPOSURE))
    return out, eb


def _pooled(ey: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per enterprise (credit-code order): labels, counts, rated counts and exposure; and the
    wide per-year columns (:func:`_per_year`)."""
    codes, uniques = pd.factorize(ey["credit_code"].to_numpy(dtype=object), sort=True)
    size = len(uniques)
    ins = pd.to_numeric(ey["insured"], errors="coerce").to_numpy(float)
    known = np.isfinite(ins) & (ins >= 0)
    n = ey["n_injuries"].to_numpy(float)

    def total(values: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        if mask is None:
            return np.bincount(codes, weights=values, minlength=size)
        return np.bincount(codes[mask], weights=values[mask], minlength=size)

    _, first = np.unique(codes, return_index=True)
    out = pd.DataFrame({"credit_code": np.asarray(uniques, dtype=object)})
    for col in ("name", "industry", "district"):
        out[col] = ey[col].to_numpy(dtype=object)[first] if col in ey else ""
    out["n_injuries"] = total(n).astype(np.int64)
    out["n_occupational"] = total(ey["n_occupational"].to_numpy(float)).astype(np.int64)
    out["n_deaths"] = total(ey["n_deaths"].to_numpy(float)).astype(np.int64)
    out["n_rated"] = total(n, known).astype(np.int64)
    out["insured_years"] = total(ins, known)
    out["years_exposed"] = np.bincount(codes[known], minlength=size).astype(np.int64)
    return out, _per_year(ey, codes, size, n, np.where(known, ins, np.nan))


def _per_year(
    ey: pd.DataFrame, codes: np.ndarray, size: int, n: np.ndarray, ins: np.ndarray
) -> pd.DataFrame:
    """Wide per-year columns (credit-code order): injuries_<y>, insured_<y>, rate_<y>."""
    year = ey["year"].astype(int).to_numpy()
    cols: dict[str, np.ndarray] = {}
    for y in sorted(int(v) for v in pd.unique(year)):
        in_y = year == y
        has = in_y & np.isfinite(ins)
        n_y = np.bincount(codes[in_y], weights=n[in_y], minlength=size)
        ins_y = np.bincount(codes[has], weights=ins[has], minlength=size)
        ins_y[np.bincount(codes[has], minlength=size) == 0] = np.nan
        cols[f"injuries_{y}"] = n_y.astype(np.int64)
        cols[f"insured_{y}"] = ins_y
        with np.errstate(divide="ignore", invalid="ignore"):
            cols[f"rate_{y}"] = np.where(ins_y > 0, 1000 * n_y / ins_y, np.nan)
    return pd.DataFrame(cols)
