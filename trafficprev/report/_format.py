"""Plain text of values for the report: numbers, shares, changes, periods and columns.

Every function here returns plain ``str`` (or plain columns); escaping is the templates' job.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

#: The text of a missing number.
DASH = "—"


def text(value: object) -> str:
    """Plain text of a record value (None, NaN and NA give an empty string).

    Parameters
    ----------
    value
        Any value.

    Returns
    -------
    str
        ``str(value)``, or ``""`` when the value is missing.
    """
    if value is None:
        return ""
    try:
        if pd.isna(value):  # type: ignore[arg-type]
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


def as_float(value: object) -> float:
    """``float(value)``, NaN when the value is not a number."""
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
    return out


def fmt_int(value: object) -> str:
    """``1,234``; ``—`` for missing values."""
    v = as_float(value)
    return f"{round(v):,}" if math.isfinite(v) else DASH


def fmt_num(value: object, digits: int = 1) -> str:
    """A number with ``digits`` decimals and thousands separators; ``—`` when missing."""
    v = as_float(value)
    return f"{v:,.{digits}f}" if math.isfinite(v) else DASH


def fmt_pct(value: object, digits: int = 1) -> str:
    """A share 0–1 as a percentage, ``58.6%``; ``—`` when missing."""
    v = as_float(value)
    return f"{100.0 * v:.{digits}f}%" if math.isfinite(v) else DASH


def fmt_change(value: object) -> str:
    """A relative change as a signed percentage, ``−12.3%``; ``—`` when missing."""
    v = as_float(value)
    if not math.isfinite(v):
        return DASH
    return f"{100.0 * v:+.1f}%".replace("-", "−")


def period(quarters: Sequence[str]) -> str:
    """``2024Q1–2024Q4`` for a run of quarters, the quarter alone for one, ``""`` for none."""
    q = [str(x) for x in quarters]
    if not q:
        return ""
    return q[0] if len(q) == 1 else f"{q[0]}–{q[-1]}"


def num_col(frame: pd.DataFrame, name: str) -> pd.Series:
    """A column as floats (NaN where missing or unreadable; all NaN when absent)."""
    if name not in frame:
        return pd.Series(np.nan, index=frame.index, dtype=float)
    return pd.to_numeric(frame[name], errors="coerce").astype(float)


def str_col(frame: pd.DataFrame, name: str) -> pd.Series:
    """A column as plain strings (``""`` where missing; all ``""`` when absent)."""
    if name not in frame:
        return pd.Series("", index=frame.index, dtype=object)
    return frame[name].map(text).astype(object)


def bool_col(series: pd.Series) -> pd.Series:
    """A column as plain booleans (missing and unreadable values are False)."""

    def one(v: object) -> bool:
        if isinstance(v, str):
            return v.strip().lower() in {"true", "1", "yes"}
        try:
            return bool(v) and not pd.isna(v)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return False

    return pd.Series([one(v) for v in series], index=series.index, dtype=bool)
