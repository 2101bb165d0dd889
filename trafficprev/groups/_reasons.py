"""Why an enterprise is on the key list (列入原因), in words an official reads without a
statistics course.

A reason says, in this order: the window's commuting cases and the insured headcount, the
rate as a multiple of the city's average (and whether that is beyond the funnel plot's
range of ordinary variation), the rising trend, and the enterprise's place by cases, e.g.
``近8个季度通勤事故12起，参保职工300人，发生率为全市平均的3.1倍，远超正常波动范围（99.8%控制限）；
近四季度上升（9起，前四季度3起）；起数居全市企业第4位``. An employer outside the register has no
headcount and so no rate: the reason says so.

Counts obey the release level's *k* (:mod:`trafficprev.disclosure`): a total of 1 … k−1 is
written ``少于k起`` and then nothing that would give it back is said (no rate, no multiple,
no statement about the control limits, no place by cases); the recent and earlier cases
of the trend are parts of the total (relation (d)).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from .. import disclosure

__all__ = ["UNMATCHED", "count_words", "key_reasons", "reason_text"]

#: The mark of an employer the register does not hold (``register_note``).
UNMATCHED = "未匹配参保登记"


def count_words(value: int, k: int) -> str:
    """A count in words, ``少于k起`` when it is 1 … k−1.

    Examples
    --------
    >>> count_words(12, 3), count_words(2, 3), count_words(0, 3)
    ('12起', '少于3起', '0起')
    """
    return f"少于{k}起" if 0 < value < k else f"{value}起"


def _number(row: Any, name: str) -> float:
    """``row.name`` as a float (NaN when missing or not a number)."""
    value = getattr(row, name, np.nan)
    try:
        out = float(value)
    except (TypeError, ValueError):
        return math.nan
    return out


def _flag(row: Any, name: str) -> bool:
    """``row.name`` as a bool (False when missing or NA)."""
    value = getattr(row, name, False)
    return False if value is None or pd.isna(value) else bool(value)


def _period(quarters: int) -> str:
    """The window in words: ``近8个季度`` (``统计期内`` when unknown)."""
    return f"近{quarters}个季度" if quarters > 0 else "统计期内"


def _rate_words(row: Any, theta: float) -> str:
    """The rate as a multiple of the city's average, and whether it lies beyond the funnel
    plot's limits (its range of ordinary variation); ``""`` without a rate."""
    rate = _number(row, "rate_per_1000")
    if not math.isfinite(rate):
        return ""
    city = 1000 * theta
    if not (math.isfinite(city) and city > 0):
        text = f"发生率为每千名职工每年{rate:.1f}"
    elif 0.95 <= rate / city < 1.05:
        text = "发生率与全市平均相当"
    else:
        text = f"发生率为全市平均的{rate / city:.1f}倍"
    if _flag(row, "above_998"):
        return text + "，远超正常波动范围（99.8%控制限）"
    if _flag(row, "above_95"):
        return text + "，超出正常波动范围（95%控制限）"
    return text


def _rising(row: Any, k: int) -> str:
    """The trend part of a reason: recent and earlier cases are parts of the total.

    Both counts show only where :func:`~trafficprev.disclosure.parts_shown` allows it with
    ``n_cases`` as the total (11 cases with "recent 9" would give away 2 earlier ones); a
    count it hides is written ``少于k起`` (1 … k−1) or ``k起及以上``.
    """
    recent, before, total = int(row.n_recent), int(row.n_before), int(row.n_cases)
    # counts that are not parts of this total (another window) cannot be checked: hidden
    fits = recent + before <= total
    show = disclosure.parts_shown(total, [recent, before], k) if fits else [k <= 1, k <= 1]

    def count(value: int, shown: bool) -> str:
        return f"{value}起" if shown else disclosure.count_text(value, k, hidden=True)

    return f"近四季度上升（{count(recent, show[0])}，前四季度{count(before, show[1])}）"


def _first_part(row: Any, theta: float, k: int, quarters: int) -> str:
    """Cases, headcount and rate: the first part of a reason."""
    total = int(row.n_cases)
    small = disclosure.is_small(total, k)
    head = f"{_period(quarters)}通勤事故{count_words(total, k)}"
    if not _flag(row, "in_register") and hasattr(row, "in_register"):
        return f"{head}；{UNMATCHED}，无参保人数，无法计算发生率，按起数排序"
    insured = _number(row, "insured")
    if not math.isfinite(insured) or insured <= 0:
        if hasattr(row, "insured"):
            return f"{head}；参保人数缺失，无法计算发生率"
        insured = math.nan
    staff = f"，参保职工{insured:.0f}人" if math.isfinite(insured) else ""
    if small:  # its rate (with the headcount) or a limit exceeded would give the count away
        return f"{head}{staff}（起数少，不显示发生率）"
    rate = _rate_words(row, theta)
    return f"{head}{staff}" + (f"，{rate}" if rate else "")


def reason_text(row: Any, theta: float, n: int, k: int = 1, quarters: int = 0) -> str:
    """The 列入原因 of one enterprise (a row of :func:`~trafficprev.groups.key_enterprises`).

    Parameters
    ----------
    row
        A named tuple or object with ``n_cases`` and, where known, ``insured``,
        ``in_register``, ``rate_per_1000``, ``above_95``, ``above_998``, ``rising``,
        ``n_recent``, ``n_before`` and ``count_rank``.
    theta
        The city's overall rate per person-year.
    n
        Length of the key list (a place by cases is said when it is within it).
    k
        Smallest count that may be shown.
    quarters
        Number of quarters of the window (0: unknown, said as ``统计期内``).

    Returns
    -------
    str
        The reason; ``""`` for an enterprise without cases.

    Examples
    --------
    >>> from types import SimpleNamespace as Row
    >>> row = Row(n_cases=12, insured=300.0, in_register=True, rate_per_1000=20.0,
    ...           above_95=True, above_998=True, rising=False, count_rank=4)
    >>> print(reason_text(row, 0.0064, 22, quarters=8))
    近8个季度通勤事故12起，参保职工300人，发生率为全市平均的3.1倍，远超正常波动范围（99.8%控制限）；起数居全市企业第4位
    """
    if int(row.n_cases) == 0:
        return ""
    parts = [_first_part(row, theta, k, quarters)]
    if _flag(row, "rising"):
        parts.append(_rising(row, k))
    rank = _number(row, "count_rank")
    if not disclosure.is_small(int(row.n_cases), k) and 1 <= rank <= n:
        parts.append(f"起数居全市企业第{rank:.0f}位")
    return "；".join(parts)


def key_reasons(key: pd.DataFrame, k: int = 1) -> pd.Series:
    """The 列入原因 of every enterprise, with counts of 1 … k-1 written as ``少于k起``.

    Parameters
    ----------
    key
        :func:`~trafficprev.groups.key_enterprises` output (its ``attrs`` give the overall
        rate, the list length and the window's quarters).
    k
        Smallest count that may be shown (the release level's *k*; 1 shows every count).

    Returns
    -------
    pandas.Series
        Text aligned with `key`; with ``k=1`` equal to ``key["reason"]``.

    Notes
    -----
    For an enterprise with fewer than *k* cases, the rate, its multiple of the city's rate,
    the statements about the control limits and the place by cases are left out too: with
    the insured headcount beside them, they give the count away (a release at ``police`` or
    ``public`` lists no such enterprise at all:
    :func:`~trafficprev.maps.release_enterprises`). The cases of the last four quarters and
    of the four before are parts of ``n_cases``: a part shows only where what it leaves
    hidden is 0 or at least *k* (:func:`~trafficprev.disclosure.parts_shown`); a hidden one
    reads ``少于k起`` or ``k起及以上``.
    """
    theta = float(key.attrs.get("theta", np.nan))
    n = int(key.attrs.get("n_key", int(key["key"].sum()) if "key" in key else 0))
    quarters = len(key.attrs.get("quarters", []) or [])
    return pd.Series(
        [reason_text(row, theta, n, k, quarters) for row in key.itertuples(index=False)],
        index=key.index,
        dtype=object,
    )
