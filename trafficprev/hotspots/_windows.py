"""Sliding road windows, 多发点段 rules and period / time-of-day window counts.

Two kinds of window live here.

*Along the road* (linear referencing): each case has a road key and a position in metres
from the road's start. :func:`sliding_windows` counts cases in windows of ``window_m``
stepped by ``step_m``; :func:`flag_windows` applies a :class:`WindowRule` (the presets in
:data:`PRESETS` follow domain.md §4.2) and merges flagged windows into stretches.

*In time*: :func:`window_counts` counts cases per unit (segment, cluster, employer …) and
per quarter, year, rolling four quarters or time-of-day band, zero-filled, with
severity-weighted counts from :func:`severity_weights`.

Every flagged stretch is a 工伤数据视角的多发点段: a hotspot seen in work-injury data, not
the police designation (the official thresholds are not published, domain.md §4.1).
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from .._errors import ArgumentError, SchemaError
from ..schema import require_columns

__all__ = [
    "HOTSPOT_LABEL",
    "HOUR_BANDS",
    "OTHER_BAND",
    "PRESETS",
    "SEVERITY_WEIGHTS",
    "UNKNOWN_TIME_BAND",
    "WindowRule",
    "flag_windows",
    "hour_band",
    "severity_weights",
    "sliding_windows",
    "window_counts",
]

#: Label of every output of this module (never the official 事故多发点段 designation).
HOTSPOT_LABEL = (
    "工伤数据视角的多发点段 (hotspot seen in work-injury data, not the police designation)"
)

#: Default severity weights (domain.md §4.2: 死亡 3, 重伤 1.5, 伤 1).
SEVERITY_WEIGHTS: Mapping[str, float] = MappingProxyType({"死亡": 3.0, "重伤": 1.5, "轻伤": 1.0})

#: Default time-of-day bands, ``name -> (start, end)`` as ``"HH:MM"``; each band is the
#: half-open interval ``[start, end)`` of local clock time, and a band whose end is not
#: after its start wraps past midnight (夜间 is 21:00–24:00 plus 00:00–05:00). Times in no
#: band fall in :data:`OTHER_BAND`.
HOUR_BANDS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "早高峰": ("06:30", "09:00"),
        "午间": ("11:00", "14:00"),
        "晚高峰": ("16:30", "19:30"),
        "夜间": ("21:00", "05:00"),
    }
)
OTHER_BAND = "其他"
UNKNOWN_TIME_BAND = "时间不详"

_KINDS = ("quarter", "year", "rolling4q", "hour_band")


@dataclass(frozen=True)
class WindowRule:
    """A 多发点段 rule: at least `min_cases` cases in `window_m` of road within `period_years`.

    Parameters
    ----------
    name
        Short identifier, copied to the ``rule`` column of :func:`flag_windows`.
    window_m
        Length of the sliding window along the road, in metres.
    period_years
        Length of the period ending on the analysis date, in whole years.
    min_cases
        A window is flagged when its count (or weighted count) is at least this.
    label
        Text copied to the ``label`` column.
    """

    name: str
    window_m: float
    period_years: int
    min_cases: float
    label: str = HOTSPOT_LABEL

    def __post_init__(self) -> None:
        if not (math.isfinite(self.window_m) and self.window_m > 0):
            raise ArgumentError(f"window_m must be positive, got {self.window_m!r}")
        if not (isinstance(self.period_years, int) and self.period_years >= 1):
            raise ArgumentError(f"period_years must be an int >= 1, got {self.period_years!r}")
        if not (math.isfinite(self.min_cases) and self.min_cases > 0):
            raise ArgumentError(f"min_cases must be positive, got {self.min_cases!r}")


#: trafficprev defaults (domain.md §4.2 [D]): a 500 m "point" window with ≥3 cases in
#: 1 year or ≥5 in 3 years. For the 2 km "segment" window the thresholds are doubled
#: (≥6 in 1 year, ≥10 in 3 years): half the point rule's density sustained over four
#: times the length, so a segment flag marks a spread-out stretch and is not implied by a
#: single point flag. These are trafficprev's choices, not an official rule.
PRESETS: Mapping[str, WindowRule] = MappingProxyType(
    {
        r.name: r
        for r in (
            WindowRule("point_1y", 500.0, 1, 3),
            WindowRule("point_3y", 500.0, 3, 5),
            WindowRule("segment_1y", 2000.0, 1, 6),
            WindowRule("segment_3y", 2000.0, 3, 10),
        )
    }
)


# ---------------------------------------------------------------------------------------
# helpers


def _grouped_searchsorted(
    values: np.ndarray, lo: np.ndarray, hi: np.ndarray, queries: np.ndarray, side: str = "left"
) -> np.ndarray:
    """Vectorised :func:`numpy.searchsorted` of ``queries[i]`` in ``values[lo[i]:hi[i]]``.

    Each slice must be sorted. Returns absolute indices into `values`.

    Examples
    --------
    >>> v = np.array([1.0, 2.0, 2.0, 0.0, 5.0])
    >>> _grouped_searchsorted(v, np.array([0, 0, 3]), np.array([3, 3, 5]),
    ...                       np.array([2.0, 2.0, 4.0]), "right").tolist()
    [3, 3, 4]
    """
    lo = np.array(lo, dtype=np.int64)
    hi = np.array(hi, dtype=np.int64)
    q = np.asarray(queries, dtype=float)
    if len(values) == 0:
        return lo
    last = len(values) - 1
    while True:
        active = lo < hi
        if not active.any():
            return lo
        mid = (lo + hi) // 2
        vm = values[np.minimum(mid, last)]
        right = vm < q if side == "left" else vm <= q
        go_right = active & right
        go_left = active & ~right
        lo = np.where(go_right, mid + 1, lo)
        hi = np.where(go_left, mid, hi)


def _range_sums(sorted_values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Sum ``sorted_values[lo[i]:hi[i]]`` for every ``i`` (0 for an empty range)."""
    if len(lo) == 0:
        return np.zeros(0)
    padded = np.append(np.asarray(sorted_values, float), 0.0)
    idx = np.empty(2 * len(lo), dtype=np.int64)
    idx[0::2], idx[1::2] = lo, hi
    sums = np.add.reduceat(padded, idx)[0::2]
    return np.where(hi > lo, sums, 0.0)


def _road_lengths(
    road_codes: np.ndarray, uniques: pd.Index, road_length_m: Any, n: int
) -> np.ndarray:
    """Length of each road in `uniques` from a mapping, a scalar or a per-case array."""
    if isinstance(road_length_m, Mapping | pd.Series):
        lengths = (
            pd.Series(road_length_m, dtype=float)
            if isinstance(road_length_m, Mapping)
            else road_length_m.astype(float)
        )
        out = lengths.reindex(uniques).to_numpy(dtype=float)
        missing = uniques[np.isnan(out)]
        if len(missing):
            raise SchemaError(f"no road length for roads {list(missing[:5])!r}")
        return out
    arr = np.asarray(road_length_m, dtype=float)
    if arr.ndim == 0:
        return np.full(len(uniques), float(arr))
    if arr.shape != (n,):
        raise ArgumentError(
            "road_length_m must be a scalar, a mapping road -> length or one per case"
        )
    lo = np.full(len(uniques), np.inf)
    hi = np.full(len(uniques), -np.inf)
    np.minimum.at(lo, road_codes, arr)
    np.maximum.at(hi, road_codes, arr)
    if (lo != hi).any():
        bad = uniques[lo != hi]
        raise ArgumentError(f"road_length_m differs between cases of roads {list(bad[:5])!r}")
    return hi


# ---------------------------------------------------------------------------------------
# sliding windows along roads


def _checked_cases(
    road: Any, position_m: Any, road_length_m: Any, weights: Any
) -> tuple[np.ndarray, pd.Index, np.ndarray, np.ndarray, np.ndarray]:
    """The cases of :func:`sliding_windows` with a road, checked, as arrays.

    Returns
    -------
    codes : numpy.ndarray
        Each case's road, as an index into `uniques`.
    uniques : pandas.Index
        The roads.
    pos, w : numpy.ndarray
        Each case's position (clipped to its road) and weight.
    lengths : numpy.ndarray
        The length of each road of `uniques`.

    Raises
    ------
    ArgumentError
        If the arrays differ in length, a value is not finite, a road length is not
        positive, or a position lies off its road.
    """
    road_s = pd.Series(np.asarray(road, dtype=object) if not isinstance(road, pd.Series) else road)
    pos = np.asarray(position_m, dtype=float).reshape(-1)
    n = len(road_s)
    if len(pos) != n:
        raise ArgumentError("road and position_m must have the same length")
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float).reshape(-1)
    if len(w) != n:
        raise ArgumentError("weights must have one value per case")
    if not np.isfinite(w).all():
        raise ArgumentError("weights must be finite")
    codes, uniques = pd.factorize(road_s.reset_index(drop=True), use_na_sentinel=True)
    keep = codes >= 0
    lengths_in = road_length_m
    if not isinstance(road_length_m, Mapping | pd.Series) and np.ndim(road_length_m) == 1:
        lengths_in = np.asarray(road_length_m, dtype=float)
        if len(lengths_in) != n:
            raise ArgumentError("road_length_m given per case must have one value per case")
        lengths_in = lengths_in[keep]
    codes, pos, w = codes[keep], pos[keep], w[keep]
    lengths = _road_lengths(codes, pd.Index(uniques), lengths_in, len(codes))
    if not (np.isfinite(lengths) & (lengths > 0)).all():
        raise ArgumentError("road lengths must be positive and finite")
    if not np.isfinite(pos).all():
        raise ArgumentError("position_m must be finite")
    case_len = lengths[codes]
    outside = (pos < -0.01) | (pos > case_len + 0.01)
    if outside.any():
        raise ArgumentError(f"{int(outside.sum())} positions lie outside their road [0, length]")
    pos = np.clip(pos, 0.0, case_len)
    return codes, pd.Index(uniques), pos, w, lengths


def _candidate_windows(
    codes: np.ndarray, pos: np.ndarray, lengths: np.ndarray, window_m: float, step_m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every window that may hold a case: the regular ones a case falls in (widened by one,
    counted exactly later) and each road's final window.

    Returns
    -------
    win_road, start, end, is_final : numpy.ndarray
        The road (index) of each window, its start and end in metres, and whether it is
        its road's final window (closed at the end of the road).
    """
    # number of regular windows per road (starts below L - window_m); index k_last = final
    n_regular = np.where(
        lengths > window_m, np.ceil((lengths - window_m) / step_m).astype(np.int64), 0
    )
    # candidate window indices of each case (a superset, widened by one; counted exactly below)
    k_lo = np.floor((pos - window_m) / step_m).astype(np.int64)
    k_hi = np.floor(pos / step_m).astype(np.int64) + 1
    k_lo = np.clip(k_lo, 0, None)
    k_hi = np.minimum(k_hi, n_regular[codes] - 1)
    span = np.clip(k_hi - k_lo + 1, 0, None)
    rep = np.repeat(np.arange(len(pos)), span)
    offs = np.arange(len(rep)) - np.repeat(np.cumsum(span) - span, span)
    cand_road = np.concatenate([codes[rep], codes])
    cand_k = np.concatenate([k_lo[rep] + offs, n_regular[codes]])  # every case: the final window
    key = np.unique(cand_road.astype(np.int64) * (int(n_regular.max()) + 1) + cand_k)
    win_road = key // (int(n_regular.max()) + 1)
    win_k = key % (int(n_regular.max()) + 1)
    is_final = win_k == n_regular[win_road]
    start = np.where(is_final, np.maximum(lengths[win_road] - window_m, 0.0), win_k * step_m)
    end = np.where(is_final, lengths[win_road], win_k * step_m + window_m)
    return win_road, start, end, is_final


def sliding_windows(
    road: Any,
    position_m: Any,
    road_length_m: Any,
    *,
    window_m: float = 500.0,
    step_m: float = 100.0,
    weights: Any = None,
) -> pd.DataFrame:
    """Count cases in sliding windows along each road.

    The windows of a road of length ``L`` start at ``0, step_m, 2·step_m, …`` while the
    start is below ``L - window_m``, and one last window ``[L - window_m, L]`` ends at the
    road's end (a road no longer than `window_m` has the single window ``[0, L]``). Windows
    are half-open ``[start, end)`` except the last, which includes the road's end.

    Only windows holding at least one case are returned: windows without a case cannot be
    flagged, and there may be millions of them on a city network.

    Parameters
    ----------
    road
        Road key of each case (any hashable values; missing keys are dropped).
    position_m
        Position of each case along its road in metres from the road's start.
    road_length_m
        Length of each road: a mapping (dict or Series) road -> metres, a scalar, or one
        value per case (equal for cases of one road).
    window_m, step_m
        Window length and step in metres.
    weights
        Optional weight of each case (e.g. :func:`severity_weights`); default 1.

    Returns
    -------
    windows
        Columns ``road``, ``start_m``, ``end_m``, ``n_cases`` (int) and ``n_weighted``,
        sorted by road (in order of first appearance) and start.

    Raises
    ------
    ValueError
        If a position lies outside ``[0, L]`` (beyond a 1 cm tolerance, which is clipped),
        or a parameter is out of range.
    SchemaError
        If a road has no length.

    Examples
    --------
    >>> sliding_windows(["a", "a", "a"], [50, 120, 640], 800, window_m=500, step_m=200)
      road  start_m  end_m  n_cases  n_weighted
    0    a      0.0  500.0        2         2.0
    1    a    200.0  700.0        1         1.0
    2    a    300.0  800.0        1         1.0
    """
    if not (math.isfinite(window_m) and window_m > 0 and math.isfinite(step_m) and step_m > 0):
        raise ArgumentError(f"window_m and step_m must be positive, got {window_m!r}, {step_m!r}")
    codes, uniques, pos, w, lengths = _checked_cases(road, position_m, road_length_m, weights)

    columns = ["road", "start_m", "end_m", "n_cases", "n_weighted"]
    if len(pos) == 0:
        out = pd.DataFrame({c: [] for c in columns})
        return out.astype(
            {"start_m": float, "end_m": float, "n_cases": np.int64, "n_weighted": float}
        )

    win_road, start, end, is_final = _candidate_windows(codes, pos, lengths, window_m, step_m)

    order = np.lexsort((pos, codes))
    pos_s, w_s, codes_s = pos[order], w[order], codes[order]
    bounds = np.searchsorted(codes_s, np.arange(len(uniques) + 1))
    g_lo, g_hi = bounds[win_road], bounds[win_road + 1]
    lo = _grouped_searchsorted(pos_s, g_lo, g_hi, start, "left")
    hi_open = _grouped_searchsorted(pos_s, g_lo, g_hi, end, "left")
    hi_closed = _grouped_searchsorted(pos_s, g_lo, g_hi, end, "right")
    hi = np.where(is_final, hi_closed, hi_open)
    count = hi - lo
    weighted = _range_sums(w_s, lo, hi)
    has = count > 0
    return pd.DataFrame(
        {
            "road": pd.Index(uniques).take(win_road[has]),
            "start_m": start[has].astype(float),
            "end_m": end[has].astype(float),
            "n_cases": count[has].astype(np.int64),
            "n_weighted": weighted[has],
        }
    ).reset_index(drop=True)


def _period_bounds(as_of: datetime.date, years: int) -> tuple[datetime.date, datetime.date]:
    """First and last day (inclusive) of the `years` years ending on `as_of`."""
    y = as_of.year - years
    try:
        before = as_of.replace(year=y)
    except ValueError:  # 29 February
        before = as_of.replace(year=y, day=28)
    return before + datetime.timedelta(days=1), as_of


def _empty_stretches(columns: list[str]) -> pd.DataFrame:
    """The stretches table of :func:`flag_windows` with no row, its columns typed."""
    out = pd.DataFrame({c: [] for c in columns})
    return out.astype(
        {
            "start_m": float,
            "end_m": float,
            "n_cases": np.int64,
            "n_weighted": float,
            "n_windows": np.int64,
            "cases_in_stretch": np.int64,
            "rule": object,
            "label": object,
            "period_start": object,
            "period_end": object,
        }
    )


def _merge_windows(flagged: pd.DataFrame) -> pd.DataFrame:
    """Merge flagged windows (sorted by road then start) that overlap or touch into
    stretches: ``road``, ``start_m``, ``end_m``, the largest ``n_cases`` and ``n_weighted``
    of their windows, and ``n_windows``."""
    # windows are sorted by road then start; a stretch ends where the next window of its
    # road starts after the largest end so far (touching windows are merged)
    road_codes = pd.factorize(flagged["road"])[0]
    end_so_far = flagged["end_m"].groupby(road_codes).cummax()
    prev_end = end_so_far.groupby(road_codes).shift(1)
    new = prev_end.isna().to_numpy() | (flagged["start_m"] > prev_end).to_numpy()
    stretch = np.cumsum(new) - 1
    grouped = flagged.groupby(stretch, sort=True)
    return pd.DataFrame(
        {
            "road": grouped["road"].first(),
            "start_m": grouped["start_m"].min(),
            "end_m": grouped["end_m"].max(),
            "n_cases": grouped["n_cases"].max().astype(np.int64),
            "n_weighted": grouped["n_weighted"].max(),
            "n_windows": grouped.size().astype(np.int64),
        }
    ).reset_index(drop=True)


def _cases_in(stretches: pd.DataFrame, road: pd.Series, position_m: np.ndarray) -> np.ndarray:
    """The number of cases (`road`, `position_m`) inside each stretch, ends included (as
    positions were clipped)."""
    codes, uniques = pd.factorize(road.reset_index(drop=True))
    pos = np.clip(position_m, 0.0, None)
    order = np.lexsort((pos, codes))
    pos_s, codes_s = pos[order], codes[order]
    bounds = np.searchsorted(codes_s, np.arange(len(uniques) + 1))
    rc = pd.Index(uniques).get_indexer(stretches["road"])
    lo = _grouped_searchsorted(pos_s, bounds[rc], bounds[rc + 1], stretches["start_m"].to_numpy())
    hi = _grouped_searchsorted(
        pos_s, bounds[rc], bounds[rc + 1], stretches["end_m"].to_numpy(), "right"
    )
    return (hi - lo).astype(np.int64)


def flag_windows(
    cases: pd.DataFrame,
    rule: WindowRule | str,
    *,
    as_of: datetime.date,
    road_length_m: Any = None,
    step_m: float = 100.0,
    use_weights: bool = False,
    road_col: str = "road",
    position_col: str = "position_m",
    time_col: str = "injured_at",
    weight_col: str = "weight",
) -> pd.DataFrame:
    """Flag road windows that meet `rule` and merge them into stretches.

    Cases are kept when the calendar date of `time_col` lies in the ``rule.period_years``
    years ending on `as_of`, both ends included (as_of 2025-06-30, 1 year: 2024-07-01 to
    2025-06-30). Windows of ``rule.window_m`` stepped by `step_m` (see
    :func:`sliding_windows`) are flagged when their count — or their weighted count with
    `use_weights` — is at least ``rule.min_cases``. Flagged windows of one road that
    overlap or touch are merged into one stretch.

    Parameters
    ----------
    cases
        One row per case with `road_col`, `position_col` (metres along the road),
        `time_col` (datetime64) and optionally `weight_col` (default weight 1).
    rule
        A :class:`WindowRule` or the name of one of :data:`PRESETS`.
    as_of
        Last day of the period.
    road_length_m
        Road lengths: a mapping road -> metres, or None to read a ``road_length_m`` column.
    step_m
        Step of the sliding windows in metres.
    use_weights
        Compare the weighted count (当量事故次数) instead of the plain count.
    road_col, position_col, time_col, weight_col
        Column names.

    Returns
    -------
    stretches
        One row per stretch: ``road``, ``start_m``, ``end_m``, ``n_cases`` and
        ``n_weighted`` (the largest count of any flagged window in the stretch),
        ``n_windows`` (flagged windows merged), ``cases_in_stretch`` (cases of the period
        between start and end), ``rule``, ``label``, ``period_start`` and ``period_end``.

    Raises
    ------
    SchemaError
        If a column is missing or `time_col` is not datetime64.
    """
    if isinstance(rule, str):
        if rule not in PRESETS:
            raise ArgumentError(f"unknown rule {rule!r}; presets are {sorted(PRESETS)}")
        rule = PRESETS[rule]
    need = [road_col, position_col, time_col]
    if road_length_m is None:
        need.append("road_length_m")
    require_columns(cases, need, what="cases", dtypes={time_col: "datetime"})
    first, last = _period_bounds(as_of, rule.period_years)
    day = cases[time_col].dt.normalize()
    in_period = (day >= pd.Timestamp(first)) & (day <= pd.Timestamp(last))
    sub = cases.loc[in_period.to_numpy()]
    lengths = sub["road_length_m"].to_numpy() if road_length_m is None else road_length_m
    weights = sub[weight_col].to_numpy(dtype=float) if weight_col in sub.columns else None
    win = sliding_windows(
        sub[road_col],
        sub[position_col].to_numpy(dtype=float),
        lengths,
        window_m=rule.window_m,
        step_m=step_m,
        weights=weights,
    )
    score = win["n_weighted"] if use_weights else win["n_cases"]
    flagged = win.loc[(score >= rule.min_cases).to_numpy()].reset_index(drop=True)
    columns = [
        "road",
        "start_m",
        "end_m",
        "n_cases",
        "n_weighted",
        "n_windows",
        "cases_in_stretch",
        "rule",
        "label",
        "period_start",
        "period_end",
    ]
    if flagged.empty:
        return _empty_stretches(columns)
    out = _merge_windows(flagged)
    # cases of the period inside each stretch (closed interval, as positions were clipped)
    out["cases_in_stretch"] = _cases_in(out, sub[road_col], sub[position_col].to_numpy(dtype=float))
    out["rule"] = rule.name
    out["label"] = rule.label
    out["period_start"] = first
    out["period_end"] = last
    return out[columns]


# ---------------------------------------------------------------------------------------
# period and time-of-day windows


def severity_weights(
    severity: pd.Series, weights: Mapping[str, float] | None = None, default: float = 1.0
) -> pd.Series:
    """Weight of each case by its 伤情 (equivalent accident number, 当量事故次数).

    Parameters
    ----------
    severity
        Severity text per case (surrounding spaces are ignored).
    weights
        Severity -> weight; default :data:`SEVERITY_WEIGHTS` (死亡 3, 重伤 1.5, 轻伤 1).
    default
        Weight of missing or unlisted severities.

    Returns
    -------
    weight
        Float Series aligned to `severity`, named ``weight``.

    Examples
    --------
    >>> severity_weights(pd.Series(["死亡", " 重伤", "轻伤", None, "其他"])).tolist()
    [3.0, 1.5, 1.0, 1.0, 1.0]
    """
    table = dict(SEVERITY_WEIGHTS if weights is None else weights)
    text = severity.astype("string").str.strip()
    out = text.map(table).astype("Float64").fillna(default).astype(float)
    return pd.Series(out.to_numpy(), index=severity.index, name="weight")


def _minutes(text: str) -> int:
    try:
        hh, mm = text.split(":")
        value = int(hh) * 60 + int(mm)
    except ValueError:
        raise ArgumentError(f"band bound {text!r} is not HH:MM") from None
    if not (0 <= int(hh) <= 24 and 0 <= int(mm) < 60 and value <= 1440):
        raise ArgumentError(f"band bound {text!r} is not a clock time")
    return value


def _band_table(bands: Mapping[str, tuple[str, str]]) -> list[tuple[str, int, int]]:
    """Validate bands: names, bounds, no overlap (checked on the minute grid)."""
    table = []
    owner = np.full(1440, -1)
    for i, (name, (a, b)) in enumerate(bands.items()):
        if name in (OTHER_BAND, UNKNOWN_TIME_BAND):
            raise ArgumentError(f"band name {name!r} is reserved")
        start, end = _minutes(a) % 1440, _minutes(b) % 1440
        if start == end:
            raise ArgumentError(f"band {name!r} is empty or covers the whole day")
        minutes = (
            np.arange(start, end) if start < end else np.r_[np.arange(start, 1440), np.arange(end)]
        )
        clash = owner[minutes]
        if (clash >= 0).any():
            other = list(bands)[int(clash[clash >= 0][0])]
            raise ArgumentError(f"bands {other!r} and {name!r} overlap")
        owner[minutes] = i
        table.append((name, start, end))
    return table


def hour_band(times: pd.Series, bands: Mapping[str, tuple[str, str]]) -> pd.Series:
    """The hour band of every time (:data:`OTHER_BAND` when in none of `bands`).

    Parameters
    ----------
    times : pandas.Series
        datetime64 values.
    bands : Mapping
        Band name → ``("HH:MM", "HH:MM")`` start (inclusive) and end (exclusive); a band
        whose end is before its start runs past midnight (see :data:`HOUR_BANDS`).

    Returns
    -------
    pandas.Series
        Band names, on the index of `times`.
    """
    seconds = (
        times.dt.hour.to_numpy() * 3600
        + times.dt.minute.to_numpy() * 60
        + times.dt.second.to_numpy()
    )
    label = np.full(len(times), OTHER_BAND, dtype=object)
    for name, start, end in _band_table(bands):
        a, b = start * 60, end * 60
        inside = (seconds >= a) & (seconds < b) if a < b else (seconds >= a) | (seconds < b)
        label[inside] = name
    return pd.Series(label, index=times.index)


def window_counts(
    cases: pd.DataFrame,
    unit_col: str = "unit_id",
    time_col: str = "injured_at",
    *,
    kind: str,
    weight_col: str = "weight",
    severity_col: str = "severity",
    hour_bands: Mapping[str, tuple[str, str]] | None = None,
    precision_col: str = "time_precision",
) -> pd.DataFrame:
    """Count cases per unit and time window, zero-filled.

    Parameters
    ----------
    cases
        One row per case. Rows with a missing unit or time are dropped (their number is in
        ``attrs["n_dropped"]``).
    unit_col, time_col
        The unit (segment, cluster, employer …) and the datetime64 time column.
    kind
        ``"quarter"``, ``"year"``, ``"rolling4q"`` (four consecutive quarters, labelled
        ``2024Q1–2024Q4``; only windows whose four quarters lie within the quarters of the
        data, so fewer than four quarters of data give no rows) or ``"hour_band"``.
    weight_col, severity_col
        Case weights come from `weight_col` when present, else from :func:`severity_weights`
        of `severity_col` when present, else 1.
    hour_bands
        For ``"hour_band"``: ``name -> ("HH:MM", "HH:MM")``, each band half-open
        ``[start, end)`` and wrapping past midnight when end ≤ start; default
        :data:`HOUR_BANDS` (早高峰 06:30–09:00, 午间 11:00–14:00, 晚高峰 16:30–19:30,
        夜间 21:00–05:00). Other times fall in 其他. Bands must not overlap.
    precision_col
        For ``"hour_band"``: when this column exists, cases whose precision is ``"day"``
        (the time of day is unknown; see :mod:`trafficprev.timeparse`) are counted in the
        band 时间不详 rather than at midnight.

    Returns
    -------
    counts
        Tidy frame: `unit_col`, ``window`` (label), for period kinds ``start`` and ``end``
        (Timestamps, end exclusive), ``n_cases`` (int) and ``n_weighted``. Every unit has
        every window of the data's range (period kinds) or every band (``"hour_band"``),
        in time or band order, with zeros where it has no case.

    Raises
    ------
    SchemaError
        If a column is missing or `time_col` is not datetime64.

    Examples
    --------
    >>> df = pd.DataFrame({"unit_id": ["a", "a", "b"],
    ...                    "injured_at": pd.to_datetime(["2024-01-05", "2024-07-01", "2024-02-01"]),
    ...                    "severity": ["死亡", "轻伤", "重伤"]})
    >>> window_counts(df, kind="quarter")[["unit_id", "window", "n_cases", "n_weighted"]]
      unit_id  window  n_cases  n_weighted
    0       a  2024Q1        1         3.0
    1       a  2024Q2        0         0.0
    2       a  2024Q3        1         1.0
    3       b  2024Q1        1         1.5
    4       b  2024Q2        0         0.0
    5       b  2024Q3        0         0.0
    """
    if kind not in _KINDS:
        raise ArgumentError(f"kind must be one of {_KINDS}, got {kind!r}")
    require_columns(cases, [unit_col], what="cases", dtypes={time_col: "datetime"})
    if weight_col in cases.columns:
        weight = cases[weight_col].astype(float)
    elif severity_col in cases.columns:
        weight = severity_weights(cases[severity_col])
    else:
        weight = pd.Series(1.0, index=cases.index)
    ok = cases[unit_col].notna() & cases[time_col].notna()
    n_dropped = int((~ok).sum())
    data = pd.DataFrame(
        {"unit": cases.loc[ok, unit_col], "time": cases.loc[ok, time_col], "w": weight[ok]}
    )
    units = pd.Index(pd.unique(data["unit"])).sort_values() if len(data) else pd.Index([])

    if kind == "hour_band":
        bands = HOUR_BANDS if hour_bands is None else hour_bands
        band = hour_band(data["time"], bands)
        names = [*bands, OTHER_BAND]
        if precision_col in cases.columns:
            unknown = (cases.loc[ok, precision_col] == "day").fillna(False).to_numpy(dtype=bool)
            band[unknown] = UNKNOWN_TIME_BAND
            names.append(UNKNOWN_TIME_BAND)
        data["window"] = band.to_numpy()
        out = _tidy(data, units, pd.Index(names), unit_col)
    else:
        out = _period_counts(data, units, kind, unit_col)
    out.attrs["n_dropped"] = n_dropped
    return out


def _period_counts(data: pd.DataFrame, units: pd.Index, kind: str, unit_col: str) -> pd.DataFrame:
    """The counts of :func:`window_counts` by year, quarter or rolling four quarters.

    Parameters
    ----------
    data
        ``unit``, ``time`` and weight ``w`` of the usable cases; a ``window`` column is added.
    units
        The units, sorted.
    kind
        ``"year"``, ``"quarter"`` or ``"rolling4q"``.
    unit_col
        The name of the unit column of the result.
    """
    freq = "Y" if kind == "year" else "Q"
    if len(data):
        period = data["time"].dt.to_period(freq)
        windows = pd.period_range(period.min(), period.max(), freq=freq)
    else:
        period = pd.Series([], dtype=f"period[{'Y-DEC' if freq == 'Y' else 'Q-DEC'}]")
        windows = pd.PeriodIndex([], freq=freq)
    data["window"] = period.to_numpy()
    out = _tidy(data, units, windows, unit_col)
    if kind == "rolling4q":
        out = _rolling4q(out, units, windows, unit_col)
    else:
        # rows are units × windows in product order
        out.insert(2, "start", np.tile(windows.start_time.to_numpy(), len(units)))
        out.insert(3, "end", np.tile((windows + 1).start_time.to_numpy(), len(units)))
        out["window"] = np.tile(windows.astype(str).to_numpy(dtype=object), len(units))
    for col in ("start", "end"):
        out[col] = pd.to_datetime(out[col]).astype("datetime64[ns]")
    return out


def _tidy(data: pd.DataFrame, units: pd.Index, windows: pd.Index, unit_col: str) -> pd.DataFrame:
    full = pd.MultiIndex.from_product([units, windows], names=[unit_col, "window"])
    grouped = data.groupby(["unit", "window"], sort=False)["w"]
    counts = grouped.size()
    weighted = grouped.sum()
    counts.index.names = weighted.index.names = [unit_col, "window"]
    out = pd.DataFrame(
        {
            "n_cases": counts.reindex(full, fill_value=0).astype(np.int64),
            "n_weighted": weighted.reindex(full, fill_value=0.0).astype(float),
        },
        index=full,
    )
    return out.reset_index()


def _rolling4q(
    quarterly: pd.DataFrame, units: pd.Index, quarters: pd.Index, unit_col: str
) -> pd.DataFrame:
    nq = len(quarters)
    cols = [unit_col, "window", "start", "end", "n_cases", "n_weighted"]
    if nq < 4 or len(units) == 0:
        out = pd.DataFrame({c: [] for c in cols})
        return out.astype(
            {"n_cases": np.int64, "n_weighted": float, unit_col: object, "window": object}
        )
    shape = (len(units), nq)
    c = quarterly["n_cases"].to_numpy().reshape(shape)
    w = quarterly["n_weighted"].to_numpy().reshape(shape)
    rc = sum(c[:, k : k + nq - 3] for k in range(4))
    rw = sum(w[:, k : k + nq - 3] for k in range(4)).astype(float)
    ends = quarters[3:]
    starts = quarters[: nq - 3]
    labels = [f"{a}–{b}" for a, b in zip(starts, ends, strict=True)]
    out = pd.DataFrame(
        {
            unit_col: np.repeat(units.to_numpy(dtype=object), nq - 3),
            "window": np.tile(labels, len(units)),
            "start": np.tile([p.start_time for p in starts], len(units)),
            "end": np.tile([(p + 1).start_time for p in ends], len(units)),
            "n_cases": rc.reshape(-1).astype(np.int64),
            "n_weighted": rw.reshape(-1),
        }
    )
    return out
