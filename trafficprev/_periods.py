"""Calendar periods of an analysis: which quarters the cases cover, and how long a period is.

Rates need the length of the period they are counted over (person-years = insured × years),
and every trend needs the list of quarters, including the quarters with no case. The period
covered by the data is taken as whole calendar quarters, from the quarter of the first case to
the quarter of the last one, unless the caller gives the quarters explicitly.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import pandas as pd

from ._errors import SettingsError

__all__ = [
    "coverage",
    "parse_quarter",
    "period_years",
    "previous_quarter",
    "quarter_of",
    "quarter_range",
]

_QUARTER = re.compile(r"(\d{4})[Qq]([1-4])")
_QUARTER_ZH = re.compile(r"(\d{4})年第?([1-4一二三四])季度?")
_ZH_DIGITS = {"一": "1", "二": "2", "三": "3", "四": "4"}


def parse_quarter(text: object) -> str:
    """A quarter written by a person, as the label ``"2024Q4"``; anything else is refused.

    Accepted (after NFKC normalisation, so full-width digits and letters count, and with
    spaces removed): ``2024Q4``, ``2024q4``, ``2024年第4季度`` and ``2024年第四季度``
    (``第`` and ``度`` may be left out). Nothing is guessed: ``2024-4`` (read by pandas as
    April, i.e. 2024Q2), ``2024`` (2024Q1), ``24Q4``, ``Q4``, ``2024Q5`` and the empty string
    are refused.

    Parameters
    ----------
    text
        The quarter as given (``--quarter``, a notebook parameter).

    Returns
    -------
    str
        ``"YYYYQn"``.

    Raises
    ------
    SettingsError
        One line naming the value and the accepted forms.

    Examples
    --------
    >>> parse_quarter("２０２４ｑ４"), parse_quarter("2024年第四季度")
    ('2024Q4', '2024Q4')
    """
    value = "".join(unicodedata.normalize("NFKC", str(text)).split())
    for pattern in (_QUARTER, _QUARTER_ZH):
        match = pattern.fullmatch(value)
        if match and 1900 <= int(match.group(1)) <= 2199:
            return f"{match.group(1)}Q{_ZH_DIGITS.get(match.group(2), match.group(2))}"
    raise SettingsError(
        f"quarter must be written like 2024Q4 or 2024年第4季度, got {text!r} / "
        f"季度应写作 2024Q4 或 2024年第4季度"
    )


def previous_quarter(quarter: str) -> str:
    """The quarter before `quarter` (``"2024Q1"`` -> ``"2023Q4"``)."""
    return str(pd.Period(parse_quarter(quarter), freq="Q") - 1)


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
