"""Hour-of-day and weekday profiles of cases, with circular statistics (时段分布).

The clock time of a case is a point on a circle: 23:30 and 00:30 are an hour apart, not
23 hours. :func:`circular_summary` therefore works with the minute of day as an angle
``θ = 2π·m/1440`` — circular mean, mean resultant length, Rayleigh test — and finds the
peak window on the circle, so a night peak may run past midnight ("22:30–次日01:00").

Only cases whose time precision is ``"minute"`` or ``"hour"`` have a clock time. Cases of
``"day"`` precision carry 00:00 as a placeholder: they are left out of everything
hour-of-day but counted in the weekday profile and the 工作日 / 周末 share. When the
``time_precision`` column is absent every case with a date counts as timed. A case of
``"hour"`` precision sits at the full hour it gives (07:00 for "7时").

Groups (``by``): one or more columns, e.g. ``"unit_id"``, ``"credit_code"``,
``"direction"``. Missing values, empty strings and absent columns form the group 未知,
which sorts last; other groups sort by value.

Circular statistics
-------------------
Minute of day ``m`` is the angle ``θ = 2π·m/1440``. With ``C = Σ cos θ`` and
``S = Σ sin θ`` over the ``n`` timed cases, the mean direction is ``atan2(S, C)``
(reported as a clock time, rounded to the minute; undefined when ``R̄ < 1e-9``) and the
mean resultant length is ``R̄ = √(C² + S²)/n`` (0: spread evenly, 1: all at one time).

Rayleigh test of uniformity against a unimodal alternative, with ``R = n·R̄``:
``p ≈ exp(√(1 + 4n + 4(n² − R²)) − (1 + 2n))`` (Zar 1999, p. 617; §27.1 of the 5th
ed., 2010), which corrects the large-sample ``p ≈ exp(−R²/n)`` (``2nR̄²`` is
asymptotically χ²₂, Mardia & Jupp 2000, §6.3.1) for small ``n``; clipped to [0, 1].

Peak window: the circle is cut into ``B = 1440/step_minutes`` bins ``[k·step,
(k+1)·step)``, so a case at 08:30 belongs to ``[08:30, 09:00)``. Candidate windows are
runs of ``L`` consecutive bins around the circle (start and end on the grid). The peak
window is the shortest run holding at least ``⌈peak_share·n⌉`` timed cases; among runs
of that length the one with most cases wins, and among those the earliest start counted
from 00:00. Counts come from cumulative sums over the doubled circle (``2B`` bins) and
the shortest length is found by bisection (the best count grows with the length), so
the cost is ``O(groups · B · log B)`` after one pass over the cases.

Capped peak windows (``max_hours``)
-----------------------------------
A window wider than a few hours ("工作日 06:00–12:30") tells a police officer nothing, so
the width is capped at ``W = ⌊60·max_hours/step_minutes⌋`` bins (the setting
:attr:`~trafficprev.Settings.peak_max_hours`, 3 hours by default, rounded down to the grid).
When the shortest window above is at most ``W`` bins wide it is reported as before. When it
is wider:

1. **first window**: the window of at most ``W`` bins holding the most timed cases ``M₁``
   (the densest window of width ``W``, shrunk to the shortest run that still holds ``M₁``;
   among equals the shortest, then the earliest start from 00:00);
2. **second window**: the same search among the windows of at most ``W`` bins that share no
   bin with the first (they may touch it), holding ``M₂ ≤ M₁``; it is listed only when
   ``M₂ ≥ ⌈⅔·M₁⌉`` ("nearly as many": the morning and the evening commute) **and**
   ``M₂ ≥ min_n`` (no statement about a handful of cases);
3. the text gives each window with its share of the timed cases, the first (fuller) one
   first: ``"工作日 07:00–09:30（占38%）；17:00–19:00（占27%）"``. The share is what tells the
   reader that the windows do not hold ``peak_share`` of the cases.

A capped window never exceeds ``W`` bins; the two windows never overlap. This search
enumerates every start and every length up to ``W`` (``O(groups · B · W)``).

References
----------
Zar, J. H. (1999). *Biostatistical Analysis*, 4th ed. Prentice Hall, ch. 27.
Mardia, K. V. & Jupp, P. E. (2000). *Directional Statistics*. Wiley, §6.3.1.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._casetime import UNKNOWN, WEEKDAY_LABELS
from .._casetime import categories as _categories
from .._casetime import clock as _clock
from .._casetime import weekday as _weekday
from .._errors import ArgumentError, ArgumentTypeError, SchemaError

__all__ = [
    "SECOND_PEAK_RATIO",
    "UNKNOWN",
    "WEEKDAY_LABELS",
    "circular_summary",
    "hotspot_peaks",
    "hour_profile",
    "peak_window_text",
    "weekday_profile",
]

_DAY = 1440

#: A second peak window is listed when it holds at least this share of the first window's
#: cases (and at least ``min_n``); see the module docstring.
SECOND_PEAK_RATIO = 2 / 3


def _by_list(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    if isinstance(by, Sequence) and all(isinstance(b, str) for b in by):
        names = list(by)
        if len(set(names)) != len(names):
            raise ArgumentError(f"by has repeated columns: {names!r}")
        return names
    raise ArgumentTypeError(f"by must be None, a column name or a list of column names, got {by!r}")


def _groups(cases: pd.DataFrame, by: str | Sequence[str] | None) -> tuple[np.ndarray, pd.DataFrame]:
    """Group code of every case and the frame of group keys (one row per group, sorted).

    Groups are the combinations of `by` values present in `cases`; ``by=None`` is one
    group holding every case (also when `cases` is empty).
    """
    names = _by_list(by)
    if not names:
        return np.zeros(len(cases), dtype=np.int64), pd.DataFrame(index=pd.RangeIndex(1))
    parts = [_categories(cases, c) for c in names]
    if len(cases) == 0:
        keys = pd.DataFrame({c: pd.Series([], dtype=object) for c in names})
        return np.zeros(0, dtype=np.int64), keys
    if len(parts) == 1:  # every value is present: the codes are the groups
        codes, uniq = parts[0]
        return codes, pd.DataFrame({names[0]: uniq})
    sizes = [len(uniq) for _, uniq in parts]
    if math.prod(sizes) < 2**62:
        flat = np.ravel_multi_index(tuple(codes for codes, _ in parts), sizes)
        present, inverse = np.unique(flat, return_inverse=True)
        combos = np.column_stack(np.unravel_index(present, sizes))
    else:
        stacked = np.column_stack([codes for codes, _ in parts])
        combos, inverse = np.unique(stacked, axis=0, return_inverse=True)
    keys = pd.DataFrame(
        {c: uniq[combos[:, j]] for j, (c, (_, uniq)) in enumerate(zip(names, parts, strict=True))}
    )
    return inverse.reshape(-1).astype(np.int64), keys


def _tidy(keys: pd.DataFrame, counts: np.ndarray, slot: str, slots: np.ndarray) -> pd.DataFrame:
    """Tidy frame: group keys × slots with ``n`` and ``share`` (NaN for an empty group)."""
    n_groups, n_slots = counts.shape
    total = counts.sum(axis=1, keepdims=True)
    share = np.full(counts.shape, np.nan)
    np.divide(counts, total, out=share, where=total > 0)
    out = keys.loc[keys.index.repeat(n_slots)].reset_index(drop=True)
    out[slot] = np.tile(slots, n_groups)
    out["n"] = counts.reshape(-1).astype(np.int64)
    out["share"] = share.reshape(-1)
    return out


# ---------------------------------------------------------------------------------------
# profiles


def hour_profile(cases: pd.DataFrame, by: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Cases per hour of day (0..23), zero-filled, per group.

    Parameters
    ----------
    cases
        One row per case with ``injured_at`` (datetime64) and ideally ``time_precision``.
    by
        None, a column name or a list of column names; missing values → 未知.

    Returns
    -------
    profile
        Tidy frame, one row per group × hour: the `by` columns, ``hour`` (0..23), ``n``
        (timed cases in the hour) and ``share`` (``n`` over the group's timed cases; NaN
        for a group without a timed case). Groups are those present in `cases`, sorted.
        Only timed cases count (module docstring); ``attrs["n_untimed"]`` holds the
        number left out.

    Examples
    --------
    >>> df = pd.DataFrame({"injured_at": pd.to_datetime(["2024-03-04 07:40", "2024-03-05 00:00"]),
    ...                    "time_precision": ["minute", "day"]})
    >>> p = hour_profile(df)
    >>> len(p), int(p["n"].sum()), p.loc[7, "share"]
    (24, 1, np.float64(1.0))
    """
    codes, keys = _groups(cases, by)
    minute, timed, _ = _clock(cases)
    n_groups = len(keys)
    idx = codes[timed] * 24 + minute[timed] // 60
    counts = np.bincount(idx, minlength=n_groups * 24).reshape(n_groups, 24)
    out = _tidy(keys, counts, "hour", np.arange(24, dtype=np.int64))
    out.attrs["n_untimed"] = int((~timed).sum())
    return out


def weekday_profile(cases: pd.DataFrame, by: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Cases per weekday (周一 … 周日), zero-filled, per group.

    Parameters
    ----------
    cases
        One row per case with ``injured_at`` (datetime64). Every case with a date counts,
        also those of ``"day"`` time precision.
    by
        None, a column name or a list of column names; missing values → 未知.

    Returns
    -------
    profile
        Tidy frame, one row per group × weekday: the `by` columns, ``weekday`` (0 = Monday
        .. 6), ``weekday_label`` (周一 … 周日), ``n`` and ``share`` (within the group's
        dated cases; NaN for a group without one). ``attrs["n_undated"]`` holds the number
        of cases without a date.

    Examples
    --------
    >>> df = pd.DataFrame({"injured_at": pd.to_datetime(["2024-03-04", "2024-03-10", None])})
    >>> weekday_profile(df).query("n > 0")[["weekday_label", "n"]].to_numpy().tolist()
    [['周一', 1], ['周日', 1]]
    """
    codes, keys = _groups(cases, by)
    day = _weekday(cases)
    dated = day >= 0
    n_groups = len(keys)
    counts = np.bincount(codes[dated] * 7 + day[dated], minlength=n_groups * 7)
    out = _tidy(keys, counts.reshape(n_groups, 7), "weekday", np.arange(7, dtype=np.int64))
    out.insert(len(out.columns) - 2, "weekday_label", np.tile(WEEKDAY_LABELS, n_groups))
    out.attrs["n_undated"] = int((~dated).sum())
    return out


# ---------------------------------------------------------------------------------------
# circular statistics and the peak window


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def peak_window_text(start: float, end: float, days: str | None = None) -> str:
    """Text of a time-of-day window, e.g. ``"工作日 07:00–08:30"``.

    Parameters
    ----------
    start, end
        Minutes of day, ``start`` in 0..1439 and ``end`` (exclusive) in 0..1440. An ``end``
        before ``start`` wraps past midnight and is written ``次日HH:MM``; an ``end`` of 0
        (after a later start) or 1440 is written ``24:00``.
    days
        Prefix such as 工作日, 周末 or 每天; None or "" gives the window alone.

    Returns
    -------
    text
        ``"{days} HH:MM–HH:MM"`` with an en dash.

    Raises
    ------
    ValueError
        If a bound is missing, not a whole minute, out of range, or ``start == end``.

    Examples
    --------
    >>> peak_window_text(420, 510, "工作日")
    '工作日 07:00–08:30'
    >>> peak_window_text(1350, 60, "每天")
    '每天 22:30–次日01:00'
    >>> peak_window_text(1320, 0)
    '22:00–24:00'
    """
    bounds = []
    for name, value, top in (("start", start, _DAY - 1), ("end", end, _DAY)):
        v = float(value)
        if not (math.isfinite(v) and v == int(v) and 0 <= v <= top):
            raise ArgumentError(f"{name} must be a whole minute in 0..{top}, got {value!r}")
        bounds.append(int(v))
    a, b = bounds
    if a == b % _DAY and b != _DAY:
        raise ArgumentError(f"empty window: start == end == {a}")
    if b == _DAY or b == 0:
        tail = "24:00"
    elif b < a:
        tail = "次日" + _hhmm(b)
    else:
        tail = _hhmm(b)
    text = f"{_hhmm(a)}–{tail}"
    return f"{days} {text}" if days else text


def _rayleigh_p(n: np.ndarray, rbar: np.ndarray) -> np.ndarray:
    """Rayleigh test p-value with Zar's small-sample approximation (NaN for n < 2)."""
    n = n.astype(float)
    big_r = n * rbar
    with np.errstate(invalid="ignore"):
        p = np.exp(np.sqrt(1 + 4 * n + 4 * (n * n - big_r * big_r)) - (1 + 2 * n))
    return np.where(n >= 2, np.clip(p, 0.0, 1.0), np.nan)


def _peak_windows(
    counts: np.ndarray, need: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shortest circular window of grid bins holding at least `need` cases, per row.

    Parameters
    ----------
    counts
        ``(groups, bins)`` cases per grid bin around the circle.
    need
        Cases the window must hold (1 ≤ need ≤ row total).

    Returns
    -------
    start, length, held
        First bin, number of bins and cases of each row's window. Among windows of the
        shortest length the one holding most cases wins, then the earliest start bin.
    """
    n_groups, n_bins = counts.shape
    if n_groups == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    doubled = np.concatenate([counts, counts], axis=1)
    cum = np.zeros((n_groups, 2 * n_bins + 1), dtype=np.int64)
    np.cumsum(doubled, axis=1, out=cum[:, 1:])
    starts = np.arange(n_bins)
    rows = np.arange(n_groups)[:, None]

    def best(length: np.ndarray) -> np.ndarray:
        # cases in the window of `length` bins from every start: (groups, bins)
        return cum[rows, starts[None, :] + length[:, None]] - cum[:, :n_bins]

    # the largest window count is non-decreasing in the length: bisect the shortest length
    lo = np.ones(n_groups, dtype=np.int64)
    hi = np.full(n_groups, n_bins, dtype=np.int64)
    while (lo < hi).any():
        mid = (lo + hi) // 2
        ok = best(mid).max(axis=1) >= need
        hi = np.where(ok, mid, hi)
        lo = np.where(ok, lo, mid + 1)
    window = best(lo)
    start = window.argmax(axis=1)  # first maximum: most cases, then earliest start
    return start, lo, window[np.arange(n_groups), start]


def _densest_windows(
    counts: np.ndarray, max_bins: int, blocked: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Circular window of at most `max_bins` grid bins holding the most cases, per row.

    Parameters
    ----------
    counts
        ``(groups, bins)`` cases per grid bin around the circle.
    max_bins
        The widest window, in bins (1 ≤ max_bins ≤ bins).
    blocked
        ``(groups, bins)`` booleans: a window may not contain a blocked bin (None: none is).

    Returns
    -------
    start, length, held
        First bin, number of bins and cases of each row's window: the most cases, then the
        shortest, then the earliest start bin. ``length`` and ``held`` are 0 for a row where
        no window fits between the blocked bins.
    """
    n_groups, n_bins = counts.shape
    rows = np.arange(n_groups)
    cum = np.zeros((n_groups, 2 * n_bins + 1), dtype=np.int64)
    np.cumsum(np.concatenate([counts, counts], axis=1), axis=1, out=cum[:, 1:])
    bad = np.zeros((n_groups, n_bins), dtype=bool) if blocked is None else blocked
    bcum = np.zeros((n_groups, 2 * n_bins + 1), dtype=np.int64)
    np.cumsum(np.concatenate([bad, bad], axis=1), axis=1, out=bcum[:, 1:])
    best_start = np.zeros(n_groups, dtype=np.int64)
    best_len = np.zeros(n_groups, dtype=np.int64)
    best_held = np.full(n_groups, -1, dtype=np.int64)
    for length in range(1, max_bins + 1):
        # the window of `length` bins from every start: (groups, bins)
        held = cum[:, length : length + n_bins] - cum[:, :n_bins]
        free = bcum[:, length : length + n_bins] == bcum[:, :n_bins]
        held = np.where(free, held, -1)
        start = held.argmax(axis=1)  # earliest start among the fullest
        top = held[rows, start]
        better = top > best_held  # strictly more: a shorter window keeps its place
        best_start = np.where(better, start, best_start)
        best_len = np.where(better, length, best_len)
        best_held = np.where(better, top, best_held)
    none = best_held < 0
    best_len[none] = 0
    return best_start, best_len, np.maximum(best_held, 0)


def _window_bins(start: np.ndarray, length: np.ndarray, n_bins: int) -> np.ndarray:
    """``(groups, bins)`` mask of the bins each row's circular window covers."""
    offset = (np.arange(n_bins)[None, :] - start[:, None]) % n_bins
    return offset < length[:, None]


def _bounds(start: np.ndarray, length: np.ndarray, step: int, n_bins: int) -> np.ndarray:
    """Start and end minutes of windows (end exclusive, 1440 for a whole-day window)."""
    a = np.where(length == n_bins, 0, start * step)
    b = np.where(length == n_bins, _DAY, ((start + length) * step) % _DAY)
    return np.stack([a, b]).astype(float)


def _check_summary_args(
    step_minutes: int,
    peak_share: float,
    workday_share: float,
    weekend_share: float,
    min_n: int,
    max_hours: float | None = None,
) -> None:
    """Refuse the parameters of :func:`circular_summary` that are out of range."""
    if not (isinstance(step_minutes, int | np.integer) and 1 <= step_minutes <= _DAY):
        raise ArgumentError(f"step_minutes must be an int in 1..1440, got {step_minutes!r}")
    if _DAY % step_minutes:
        raise ArgumentError(f"step_minutes must divide 1440, got {step_minutes}")
    for name, value in (
        ("peak_share", peak_share),
        ("workday_share", workday_share),
        ("weekend_share", weekend_share),
    ):
        if not (isinstance(value, numbers.Real) and not isinstance(value, bool) and 0 < value <= 1):
            raise ArgumentError(f"{name} must lie in (0, 1], got {value!r}")
    if not (isinstance(min_n, int | np.integer) and min_n >= 1):
        raise ArgumentError(f"min_n must be an int >= 1, got {min_n!r}")
    if max_hours is None:
        return
    if not (
        isinstance(max_hours, numbers.Real)
        and not isinstance(max_hours, bool)
        and 0 < max_hours <= 24
    ):
        raise ArgumentError(f"max_hours must be None or lie in (0, 24], got {max_hours!r}")
    if max_hours * 60 < step_minutes - 1e-9:
        raise ArgumentError(
            f"max_hours ({max_hours:g} h) must be at least one step of {step_minutes} minutes"
        )


def _circular_mean(
    tcodes: np.ndarray, tmin: np.ndarray, n_timed: np.ndarray
) -> tuple[np.ndarray, list[str | None]]:
    """Per group (codes `tcodes` of the timed cases at minutes `tmin`): the mean resultant
    length R̄ and the circular mean time ("HH:MM", None when undefined)."""
    g = len(n_timed)
    theta = tmin * (2 * np.pi / _DAY)
    c = np.bincount(tcodes, weights=np.cos(theta), minlength=g)
    s = np.bincount(tcodes, weights=np.sin(theta), minlength=g)
    with np.errstate(invalid="ignore", divide="ignore"):
        rbar = np.where(n_timed > 0, np.hypot(c, s) / n_timed, np.nan)
    rbar = np.clip(rbar, 0.0, 1.0)
    mean_min = np.round(np.arctan2(s, c) * _DAY / (2 * np.pi)).astype(np.int64) % _DAY
    mean_time = [
        _hhmm(int(m)) if (k > 0 and r >= 1e-9) else None
        for m, k, r in zip(mean_min, n_timed, rbar, strict=True)
    ]
    return rbar, mean_time


def _day_kinds(
    codes: np.ndarray, day: np.ndarray, g: int, workday_share: float, weekend_share: float
) -> np.ndarray:
    """Per group: 工作日, 周末 or 每天 by the share of its dated cases on weekdays (day 0-4)
    and at weekends; None for a group without a dated case."""
    dated = day >= 0
    n_dated = np.bincount(codes[dated], minlength=g)
    n_week = np.bincount(codes[dated & (day < 5)], minlength=g)
    with np.errstate(invalid="ignore", divide="ignore"):
        work = n_week / n_dated
        weekend = (n_dated - n_week) / n_dated
    days = np.where(
        n_dated == 0,
        None,
        np.where(
            work >= workday_share, "工作日", np.where(weekend >= weekend_share, "周末", "每天")
        ),
    )
    return days


@dataclass(frozen=True)
class _Peaks:
    """Per group: the peak window(s) (minutes of day and cases; NaN where there is none)."""

    start: np.ndarray
    end: np.ndarray
    held: np.ndarray  # cases of the (first) peak window
    start2: np.ndarray
    end2: np.ndarray
    held2: np.ndarray  # cases of the second window
    capped: np.ndarray  # bool: the shortest window was wider than max_hours


def _group_peaks(
    tcodes: np.ndarray,
    tmin: np.ndarray,
    n_timed: np.ndarray,
    *,
    step_minutes: int,
    peak_share: float,
    min_n: int,
    max_hours: float | None,
) -> _Peaks:
    """Per group with at least `min_n` timed cases: the shortest window holding
    `peak_share` of them, or, when that is wider than `max_hours`, the densest window(s)
    (module docstring); NaN for the other groups."""
    g = len(n_timed)
    n_bins = _DAY // step_minutes
    eligible = np.flatnonzero(n_timed >= min_n)
    slot = np.full(g, -1, dtype=np.int64)
    slot[eligible] = np.arange(len(eligible))
    sel = slot[tcodes] >= 0
    counts = np.bincount(
        slot[tcodes[sel]] * n_bins + tmin[sel] // step_minutes,
        minlength=len(eligible) * n_bins,
    ).reshape(len(eligible), n_bins)
    need = np.maximum(np.ceil(peak_share * n_timed[eligible] - 1e-9), 1).astype(np.int64)
    start_bin, length, held = _peak_windows(counts, need)
    cap = n_bins if max_hours is None else math.floor(max_hours * 60 / step_minutes + 1e-9)
    cap = min(cap, n_bins)
    capped = length > cap
    start2 = np.zeros(len(eligible), dtype=np.int64)
    length2 = np.zeros(len(eligible), dtype=np.int64)
    held2 = np.zeros(len(eligible), dtype=np.int64)
    if capped.any():
        c = counts[capped]
        s1, l1, h1 = _densest_windows(c, cap)
        s2, l2, h2 = _densest_windows(c, cap, blocked=_window_bins(s1, l1, n_bins))
        enough = np.maximum(np.ceil(SECOND_PEAK_RATIO * h1 - 1e-9), min_n).astype(np.int64)
        listed = (l2 > 0) & (h2 >= enough)
        start_bin[capped], length[capped], held[capped] = s1, l1, h1
        start2[capped] = s2
        length2[capped] = np.where(listed, l2, 0)
        held2[capped] = np.where(listed, h2, 0)

    out = {name: np.full(g, np.nan) for name in ("a", "b", "n", "a2", "b2", "n2")}
    out["a"][eligible], out["b"][eligible] = _bounds(start_bin, length, step_minutes, n_bins)
    out["n"][eligible] = held
    second = length2 > 0
    a2, b2 = _bounds(start2, length2, step_minutes, n_bins)
    rows2 = eligible[second]
    out["a2"][rows2], out["b2"][rows2], out["n2"][rows2] = a2[second], b2[second], held2[second]
    is_capped = np.zeros(g, dtype=bool)
    is_capped[eligible] = capped
    return _Peaks(out["a"], out["b"], out["n"], out["a2"], out["b2"], out["n2"], is_capped)


def _pct(share: float) -> str:
    return f"{100 * share:.0f}%"


def _peak_texts(n_timed: np.ndarray, peaks: _Peaks, days: np.ndarray, min_n: int) -> list[str]:
    """Per group, its peak window in words (``"工作日 07:00–08:30"``; capped windows with
    their shares, ``"工作日 07:00–09:30（占38%）；17:00–19:00（占27%）"``), or
    ``"样本不足（n=2）"`` for fewer than `min_n` timed cases."""
    texts = []
    for i in range(len(n_timed)):
        if n_timed[i] < min_n:
            texts.append(f"样本不足（n={int(n_timed[i])}）")
            continue
        first = peak_window_text(peaks.start[i], peaks.end[i])
        if peaks.capped[i]:
            first += f"（占{_pct(peaks.held[i] / n_timed[i])}）"
            if np.isfinite(peaks.held2[i]):
                second = peak_window_text(peaks.start2[i], peaks.end2[i])
                first += f"；{second}（占{_pct(peaks.held2[i] / n_timed[i])}）"
        texts.append(f"{days[i]} {first}" if days[i] else first)
    return texts


def circular_summary(
    cases: pd.DataFrame,
    by: str | Sequence[str] | None = None,
    *,
    peak_share: float = 0.5,
    step_minutes: int = 30,
    workday_share: float = 0.8,
    weekend_share: float = 0.8,
    min_n: int = 3,
    max_hours: float | None = 3.0,
) -> pd.DataFrame:
    """Circular mean time, Rayleigh test and peak window(s) of the clock times per group.

    Parameters
    ----------
    cases
        One row per case with ``injured_at`` (datetime64) and ideally ``time_precision``.
    by
        None, a column name or a list of column names; missing values → 未知.
    peak_share
        The peak window holds at least this share of the group's timed cases, in (0, 1].
    step_minutes
        Grid of the window bounds in minutes; must divide 1440.
    workday_share, weekend_share
        ``days`` is 工作日 when at least `workday_share` of the group's dated cases fall on
        Monday–Friday, else 周末 when at least `weekend_share` fall on Saturday/Sunday, else
        每天.
    min_n
        Groups with fewer timed cases get no peak window; a second window (below) must hold
        at least this many cases.
    max_hours
        The widest peak window in hours, rounded down to the grid (as
        :attr:`~trafficprev.Settings.peak_max_hours`); None: no cap. A wider shortest window
        gives way to the densest window(s) of this width (module docstring).

    Returns
    -------
    summary
        One row per group (sorted as :func:`hour_profile`): the `by` columns, ``n`` (cases),
        ``n_timed``, ``mean_time`` ("HH:MM", missing when undefined), ``resultant_length``
        R̄, ``rayleigh_p`` (NaN for fewer than 2 timed cases), ``peak_start``,
        ``peak_end`` (minutes of day, end exclusive, ``peak_end < peak_start`` when the
        window wraps past midnight, 1440 for a whole-day window), ``peak_n`` (the cases of
        the peak window; with a second window the fewer of the two windows' counts, so that
        every window ``peak_text`` names holds at least ``peak_n`` cases: what a disclosure
        check needs), ``peak_share`` (the peak window's cases over ``n_timed``),
        ``peak_capped`` (True when the shortest window was wider than `max_hours` and the
        densest window is reported), ``peak2_start``, ``peak2_end``, ``peak2_n`` and
        ``peak2_share`` (the second window; NaN when there is none), ``days`` and
        ``peak_text`` (e.g. ``"工作日 07:00–08:30"``; capped:
        ``"工作日 07:00–09:30（占38%）；17:00–19:00（占27%）"``; or ``"样本不足（n=2）"`` with NaN
        peak fields when ``n_timed < min_n``). ``attrs`` holds the parameters.

    Raises
    ------
    ValueError
        If a parameter is out of range, or `max_hours` is shorter than one step.
    TypeError
        If ``injured_at`` is not datetime64 or `by` is not column names.

    Notes
    -----
    The circular mean, the Rayleigh test and the peak windows: module docstring.

    Examples
    --------
    >>> df = pd.DataFrame({"injured_at": pd.to_datetime(
    ...     ["2024-03-04 23:30", "2024-03-05 00:30", "2024-03-06 00:20"])})
    >>> s = circular_summary(df)
    >>> s.loc[0, "mean_time"], s.loc[0, "peak_text"]
    ('00:07', '工作日 00:00–01:00')

    Half of these cases spread over 10 hours: the densest 3-hour windows are reported.

    >>> times = ["07:10", "07:40", "08:20", "08:50", "12:00", "17:20", "17:50", "18:30"]
    >>> df = pd.DataFrame({"injured_at": pd.to_datetime([f"2024-03-04 {t}" for t in times])})
    >>> circular_summary(df, peak_share=0.75).loc[0, "peak_text"]
    '工作日 07:00–09:00（占50%）；17:00–19:00（占38%）'
    """
    _check_summary_args(step_minutes, peak_share, workday_share, weekend_share, min_n, max_hours)
    return _summary(
        cases,
        by,
        peak_share=peak_share,
        step_minutes=step_minutes,
        workday_share=workday_share,
        weekend_share=weekend_share,
        min_n=min_n,
        max_hours=max_hours,
    )


def _summary(
    cases: pd.DataFrame,
    by: str | Sequence[str] | None,
    *,
    peak_share: float,
    step_minutes: int,
    workday_share: float,
    weekend_share: float,
    min_n: int,
    max_hours: float | None,
) -> pd.DataFrame:
    """The frame of :func:`circular_summary` (parameters already checked)."""
    codes, keys = _groups(cases, by)
    minute, timed, _ = _clock(cases)
    day = _weekday(cases)
    g = len(keys)
    n = np.bincount(codes, minlength=g)
    tcodes, tmin = codes[timed], minute[timed]
    n_timed = np.bincount(tcodes, minlength=g)
    rbar, mean_time = _circular_mean(tcodes, tmin, n_timed)
    days = _day_kinds(codes, day, g, workday_share, weekend_share)
    peaks = _group_peaks(
        tcodes,
        tmin,
        n_timed,
        step_minutes=step_minutes,
        peak_share=peak_share,
        min_n=min_n,
        max_hours=max_hours,
    )
    out = keys.reset_index(drop=True).copy()
    out["n"] = n.astype(np.int64)
    out["n_timed"] = n_timed.astype(np.int64)
    out["mean_time"] = pd.Series(mean_time, dtype=object)
    out["resultant_length"] = rbar
    out["rayleigh_p"] = _rayleigh_p(n_timed, rbar)
    out = _with_peaks(out, peaks, n_timed, days, min_n)
    out.attrs.update(
        peak_share=peak_share,
        step_minutes=int(step_minutes),
        workday_share=workday_share,
        weekend_share=weekend_share,
        min_n=int(min_n),
        max_hours=None if max_hours is None else float(max_hours),
        second_ratio=SECOND_PEAK_RATIO,
    )
    return out


def _with_peaks(
    out: pd.DataFrame, peaks: _Peaks, n_timed: np.ndarray, days: np.ndarray, min_n: int
) -> pd.DataFrame:
    """`out` with the peak columns of :func:`circular_summary` (in place, returned)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        share = peaks.held / n_timed
        share2 = peaks.held2 / n_timed
    out["peak_start"] = peaks.start
    out["peak_end"] = peaks.end
    out["peak_n"] = np.fmin(peaks.held, peaks.held2)  # NaN second window: the first's
    out["peak_share"] = share
    out["peak_capped"] = peaks.capped
    out["peak2_start"] = peaks.start2
    out["peak2_end"] = peaks.end2
    out["peak2_n"] = peaks.held2
    out["peak2_share"] = share2
    out["days"] = pd.Series(days, dtype=object)
    out["peak_text"] = pd.Series(_peak_texts(n_timed, peaks, days, min_n), dtype=object)
    return out


def hotspot_peaks(
    cases: pd.DataFrame,
    units: pd.DataFrame,
    *,
    peak_share: float = 0.5,
    min_n: int = 3,
    max_hours: float | None = 3.0,
) -> pd.DataFrame:
    """When each hot unit's accidents happen: mean time, peak window in words, per hotspot.

    Parameters
    ----------
    cases
        Snapped cases (``unit_id``, ``injured_at``, ``time_precision``).
    units
        Hotspot units (``unit_id``, ``road``, ``cross_road``, ``hot`` or ``hotspot_class``).
    peak_share, min_n, max_hours
        As :func:`circular_summary` (the pipeline passes the settings' ``peak_share`` and
        ``peak_max_hours``).

    Returns
    -------
    pandas.DataFrame
        One row per hot unit with a case: ``unit_id``, ``place`` (the road or crossing in
        words), ``n``, ``n_timed``, ``mean_time``, ``peak_text`` (e.g. ``工作日 07:00–08:30``,
        or two windows with their shares when capped), ``peak_share``, ``days`` and the
        other columns of :func:`circular_summary`; most cases first.
    """
    if "hot" in units:
        hot = units[units["hot"].fillna(False).astype(bool)]
    elif "hotspot_class" in units:
        hot = units[units["hotspot_class"].fillna("").astype(str) != ""]
    else:
        raise SchemaError(
            "units need a hot or hotspot_class column / units 缺少列 hot 或 hotspot_class"
        )
    part = cases[cases["unit_id"].isin(hot["unit_id"])] if "unit_id" in cases else cases.iloc[:0]
    summary = circular_summary(
        part, "unit_id", peak_share=peak_share, min_n=min_n, max_hours=max_hours
    )
    if summary.empty:
        return summary.assign(place=pd.Series(dtype=object))
    info = hot.set_index("unit_id")
    road = summary["unit_id"].map(info["road"]).fillna("").astype(str)
    cross = (
        summary["unit_id"].map(info["cross_road"]).fillna("").astype(str)
        if "cross_road" in info
        else pd.Series("", index=summary.index)
    )
    summary.insert(1, "place", np.where(cross != "", road + "与" + cross + "交叉口", road))
    summary = summary.sort_values(["n", "unit_id"], ascending=[False, True], kind="stable")
    return summary.reset_index(drop=True)
