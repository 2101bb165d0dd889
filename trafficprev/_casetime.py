"""Clock time, weekday and categories of cases, shared by the profiles and the group tables.

Only cases whose ``time_precision`` is ``"minute"`` or ``"hour"`` have a clock time (all
dated cases when the column is absent); missing, blank and absent categories are 未知, which
sorts last.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._errors import ArgumentTypeError

__all__ = [
    "TIMED_PRECISIONS",
    "UNKNOWN",
    "WEEKDAY_LABELS",
    "categories",
    "clock",
    "injured_at",
    "sort_key",
    "weekday",
]

#: Category of missing values.
UNKNOWN = "未知"
#: Labels of weekdays 0..6 (Monday = 0, as :attr:`pandas.Series.dt.dayofweek`).
WEEKDAY_LABELS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
#: Time precisions that give a clock time.
TIMED_PRECISIONS = ("minute", "hour")


def injured_at(cases: pd.DataFrame) -> pd.Series:
    """The ``injured_at`` column (all NaT when absent); TypeError if not datetime64."""
    if "injured_at" not in cases.columns:
        return pd.Series(pd.NaT, index=cases.index, dtype="datetime64[ns]")
    t = cases["injured_at"]
    if not pd.api.types.is_datetime64_any_dtype(t):
        raise ArgumentTypeError(f"column 'injured_at' must be datetime64, got {t.dtype}")
    return t


def clock(cases: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Minute of day, timed mask and dated mask of every case.

    Returns
    -------
    minute
        ``hour·60 + minute`` (int64) for timed cases, -1 for the others.
    timed
        Cases with a clock time: a date and, when the column exists, a ``time_precision``
        of ``"minute"`` or ``"hour"``.
    dated
        Cases with a date (``injured_at`` not NaT).
    """
    t = injured_at(cases)
    dated = t.notna().to_numpy(dtype=bool)
    timed = dated.copy()
    if "time_precision" in cases.columns:
        timed &= cases["time_precision"].isin(TIMED_PRECISIONS).to_numpy(dtype=bool)
    hour = t.dt.hour.to_numpy(dtype=float, na_value=np.nan)
    minute = t.dt.minute.to_numpy(dtype=float, na_value=np.nan)
    value = np.where(timed, np.nan_to_num(hour) * 60 + np.nan_to_num(minute), -1)
    return value.astype(np.int64), timed, dated


def weekday(cases: pd.DataFrame) -> np.ndarray:
    """Weekday 0 (Monday) .. 6 of every case, -1 without a date."""
    t = injured_at(cases)
    day = t.dt.day_of_week.to_numpy(dtype=float, na_value=np.nan)
    return np.where(np.isnan(day), -1, day).astype(np.int64)


def sort_key(values: list) -> list:
    """Sort order of distinct category values: by value (by text when types mix), 未知 last."""
    known = [v for v in values if v != UNKNOWN]
    try:
        known.sort()
    except TypeError:
        known.sort(key=lambda v: (type(v).__name__, str(v)))
    return known + ([UNKNOWN] if len(known) < len(values) else [])


def categories(cases: pd.DataFrame, col: str) -> tuple[np.ndarray, np.ndarray]:
    """Codes and sorted distinct values of a column; missing, blank or absent → 未知.

    Missing means NA or a string that is empty after stripping spaces.
    """
    if col not in cases.columns:
        return np.zeros(len(cases), dtype=np.int64), np.array([UNKNOWN], dtype=object)
    values = cases[col].to_numpy(dtype=object, na_value=None)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    unknown = np.array(
        [u == UNKNOWN or (isinstance(u, str) and not u.strip()) for u in uniques], dtype=bool
    )
    labels = [u for u, unk in zip(uniques, unknown, strict=True) if not unk]
    if (codes < 0).any() or unknown.any():
        labels.append(UNKNOWN)
    order = sort_key(labels)
    # position of every distinct value (and of NA, last slot) in the sorted order
    target = np.where(unknown, UNKNOWN, np.asarray(uniques, dtype=object))
    lookup = pd.Index(order, dtype=object).get_indexer(pd.Index(target, dtype=object))
    lookup = np.append(lookup, order.index(UNKNOWN) if UNKNOWN in order else -1)
    return lookup[codes].astype(np.int64), np.array(order, dtype=object)
