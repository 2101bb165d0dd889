"""Which enterprises of the key list were already trained: the training rows of the
measures file (已实施措施, 类型 培训) inside the key window.

A training row names its enterprise in 道路或单位 (``target``) by 统一社会信用代码 or by name;
it marks the enterprise of the key table with that credit code, else the one whose name
(compared after NFKC, with spaces and punctuation dropped: :func:`~trafficprev._names.name_keys`)
no other enterprise of the table shares. Rows that name no enterprise of the table, or an
ambiguous name, mark nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._names import name_keys
from .._periods import quarter_of

__all__ = ["TRAINING_KIND", "mark_trained", "training_rows"]

#: The 类型 of a training measure in the measures file.
TRAINING_KIND = "培训"


def training_rows(measures: pd.DataFrame | None) -> pd.DataFrame:
    """The training rows of a measures table, with their dates.

    Parameters
    ----------
    measures
        ``read_measures(...).records`` (``kind``, ``target``, ``implemented_on``), or None.

    Returns
    -------
    pandas.DataFrame
        ``target`` (stripped text) and ``implemented_on`` (datetime64) of every row whose
        ``kind`` is :data:`TRAINING_KIND` with a target and a readable date.
    """
    cols = ["target", "implemented_on"]
    if measures is None or len(measures) == 0 or not {"kind", *cols} <= set(measures.columns):
        empty = {"target": pd.Series(dtype=object), "implemented_on": pd.Series(dtype="<M8[ns]")}
        return pd.DataFrame(empty)
    kind = measures["kind"].fillna("").astype(str).str.strip()
    target = measures["target"].fillna("").astype(str).str.strip()
    when = pd.to_datetime(measures["implemented_on"], errors="coerce")
    keep = (kind == TRAINING_KIND) & (target != "") & when.notna()
    return pd.DataFrame({"target": target[keep], "implemented_on": when[keep]})


def _matches(targets: pd.Series, key: pd.DataFrame) -> pd.Series:
    """The position in `key` of the enterprise each training target names (-1: none, or a
    name several enterprises share)."""
    pos = np.arange(len(key))
    codes = key["credit_code"].fillna("").astype(str).str.strip().str.upper().to_numpy()
    by_code = pd.Series(pos, index=codes)
    by_code = by_code[~by_code.index.duplicated(keep=False) & (by_code.index != "")]
    names = name_keys(key["name"].fillna("").astype(str)).to_numpy()
    by_name = pd.Series(pos, index=names)
    by_name = by_name[~by_name.index.duplicated(keep=False) & (by_name.index != "")]
    hit = targets.str.upper().map(by_code)
    hit = hit.where(hit.notna(), name_keys(targets).map(by_name))
    return hit.fillna(-1).astype(int)


def mark_trained(
    key: pd.DataFrame,
    measures: pd.DataFrame | None,
    quarters: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Mark the enterprises of a key table trained within the window.

    Parameters
    ----------
    key
        A key-enterprise table (``credit_code``, ``name``;
        :func:`~trafficprev.groups.key_enterprises`).
    measures
        ``read_measures(...).records``, or None (no enterprise is marked).
    quarters
        The window's quarters (default ``key.attrs["quarters"]``); training outside them
        does not count. Without quarters every training counts.

    Returns
    -------
    pandas.DataFrame
        A copy of `key` (``attrs`` kept) with ``trained`` (bool: trained within the window)
        and ``trained_on`` (the latest training date in the window, ``YYYY-MM-DD``; ``""``
        when not trained).

    Examples
    --------
    >>> import pandas as pd
    >>> key = pd.DataFrame({"credit_code": ["91A", "91B"], "name": ["甲厂", "乙店"]})
    >>> measures = pd.DataFrame({"kind": ["培训", "培训", "警示标志"],
    ...                          "target": ["甲 厂", "91a", "乙店"],
    ...                          "implemented_on": ["2024-01-01", "2024-05-01", "2024-02-01"]})
    >>> marked = mark_trained(key, measures, ["2024Q1", "2024Q2"])
    >>> marked["trained"].tolist(), marked["trained_on"].tolist()
    ([True, False], ['2024-05-01', ''])
    """
    out = key.copy()
    out.attrs = dict(key.attrs)
    rows = training_rows(measures)
    window = list(key.attrs.get("quarters", []) or []) if quarters is None else list(quarters)
    if window and len(rows):
        rows = rows[quarter_of(rows["implemented_on"]).isin(window)]
    latest = pd.Series(pd.NaT, index=pd.RangeIndex(len(out)), dtype="datetime64[ns]")
    if len(rows) and len(out) and {"credit_code", "name"} <= set(out.columns):
        dated = pd.DataFrame({"pos": _matches(rows["target"], out), "when": rows["implemented_on"]})
        last = dated[dated["pos"] >= 0].groupby("pos")["when"].max()
        latest.iloc[last.index.to_numpy()] = last.to_numpy()
    out["trained"] = latest.notna().to_numpy(dtype=bool)
    out["trained_on"] = latest.dt.strftime("%Y-%m-%d").fillna("").to_numpy(dtype=object)
    return out
