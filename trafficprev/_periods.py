"""Calendar periods of an analysis: which quarters the cases cover, and how long a period is.

Rates need the length of the period they are counted over (person-years = insured × years),
and every trend needs the list of quarters, including the quarters with no case. The period
covered by the data is taken as whole calendar quarters, from the quarter of the first case to
the quarter of the last one, unless the caller gives the quarters explicitly.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

__all__ = ["coverage", "period_years", "quarter_of", "quarter_range"]


def quarter_of(times: pd.Series) -> pd.Series:
    """The calendar quarter of each time as a label such as ``"2024Q3"`` (``None`` for NaT)."""
    when = pd.to_datetime(times, errors="coerce")
    out = pd.Series(None, index=times.index, dtype=object)
    ok = when.notna()
    if ok.any():
        out[ok] = (when[ok].dt.year.astype(str) + "Q" + when[ok].dt.quarter.astype(str)).to_numpy()
    return out


def quarter_range(first: str, last: str) -> list[str]:
    """Every quarter label from `first` to `last` inclusive (``[]`` when last < first)."""
    start, end = pd.Period(first, freq="Q"), pd.Period(last, freq="Q")
    if end < start:
        return []
    return [str(p) for p in pd.period_range(start, end, freq="Q")]


def coverage(times: pd.Series, quarters: Sequence[str] | None = None) -> list[str]:
    """The quarters an analysis covers.

    Parameters
    ----------
    times
        Injury times (datetime-like; NaT ignored).
    quarters
        Explicit quarter labels (returned sorted and de-duplicated); ``None`` means every
        quarter from the first to the last case's quarter.

    Returns
    -------
    list of str
        Quarter labels in time order (empty when there is no time and no `quarters`).
    """
    if quarters is not None:
        return sorted({str(pd.Period(q, freq="Q")) for q in quarters})
    labels = quarter_of(times).dropna()
    if labels.empty:
        return []
    return quarter_range(labels.min(), labels.max())


def period_years(quarters: Sequence[str]) -> float:
    """Length of a set of quarters in years (a quarter is 0.25 year)."""
    return 0.25 * len(quarters)
