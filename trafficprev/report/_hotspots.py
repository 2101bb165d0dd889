"""Section 2, hotspot roads and intersections: the hot units of the window in words.

**Evidence rule.** A unit is listed under a hotspot class only when it had at least one case
of its own in the analysis window (``n_cases`` ≥ 1). Gi* flags the neighbours of accident
places and a 多发点段 stretch covers empty segments too; a flagged unit without a case is
left out of the class counts and the listing, and the section says how many were left out.
Every listed unit shows its cases in the window quarter by quarter (the evidence).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._periods import quarter_of
from ._format import DASH, fmt_int, num_col, text
from ._input import View
from ._table import Col, Table, table

#: Hotspot classes in order of priority, with their labels.
CLASS_ZH = {
    "significant": "统计显著 (Gi*, FDR)",
    "threshold": "达到多发点段阈值 (threshold)",
    "cluster": "密集聚集 (cluster)",
}
_KIND_ZH = {"intersection": "交叉口", "segment": "路段"}
_HOTSPOT_LABEL = "工伤数据视角的多发点段 (not the police designation)"
_TOP = 15
_ON_UNIT = ("ok", "ambiguous")


def quarter_counts_text(counts: pd.Series) -> str:
    """The quarters with cases and their counts, ``"2024Q1:2、2024Q3:1"``.

    Parameters
    ----------
    counts
        Cases by quarter label (any order; zeros and missing values are left out).

    Returns
    -------
    str
        The non-zero quarters in time order, or ``—`` when there is none.

    Examples
    --------
    >>> quarter_counts_text(pd.Series({"2024Q3": 1, "2024Q1": 2, "2024Q2": 0}))
    '2024Q1:2、2024Q3:1'
    """
    n = pd.to_numeric(counts, errors="coerce").fillna(0)
    n = n[n > 0].sort_index()
    return "、".join(f"{q}:{fmt_int(v)}" for q, v in n.items()) or DASH


def cases_by_quarter(
    cases: pd.DataFrame, unit_ids: Sequence[str], quarters: Sequence[str]
) -> dict[str, str]:
    """Each unit's cases in `quarters`, in words (:func:`quarter_counts_text`).

    Parameters
    ----------
    cases
        Snapped cases (``unit_id``, ``injured_at``, ``snap_status``); only those placed on a
        unit count, as in the units' ``n_cases``.
    unit_ids
        The units wanted.
    quarters
        The quarters counted (e.g. the analysis window).

    Returns
    -------
    dict
        Unit id -> text (``—`` for a unit without a case in `quarters`).
    """
    wanted = [str(u) for u in unit_ids]
    out = dict.fromkeys(wanted, DASH)
    if not wanted or not {"unit_id", "injured_at"} <= set(cases.columns) or not len(cases):
        return out
    frame = cases
    if "snap_status" in frame:
        frame = frame[frame["snap_status"].isin(_ON_UNIT)]
    uid = frame["unit_id"].astype(str)
    q = quarter_of(frame["injured_at"])
    keep = uid.isin(wanted) & q.isin(list(quarters))
    if not keep.any():
        return out
    table = pd.crosstab(uid[keep], q[keep])
    for u, row in table.iterrows():
        out[str(u)] = quarter_counts_text(row)
    return out


def with_cases(hot: pd.DataFrame) -> pd.Series:
    """Which flagged units had at least one case in the window (all when the frame has no
    ``n_cases``)."""
    if "n_cases" not in hot:
        return pd.Series(True, index=hot.index)
    return num_col(hot, "n_cases").fillna(0) >= 1


def main_circumstances(cases: pd.DataFrame) -> str:
    """Most common mode × counterpart and direction of a unit's cases, in words."""
    n = len(cases)
    if n == 0:
        return DASH
    out = []
    if {"mode", "counterpart"} <= set(cases.columns):
        pair = pd.DataFrame({"mode": cases["mode"].map(text), "cp": cases["counterpart"].map(text)})
        pair = pair[(pair["mode"] != "") & (pair["cp"] != "")]
        if len(pair):
            counts = pair.value_counts().reset_index(name="n")
            counts = counts.sort_values(
                ["n", "mode", "cp"], ascending=[False, True, True], kind="stable"
            )
            top = counts.iloc[0]
            out.append(f"{top['mode']}与{top['cp']}（{int(top['n'])}/{n}起）")
    if "direction" in cases:
        d = cases["direction"].map(text)
        d = d[d != ""]
        if len(d):
            counts = d.value_counts().reset_index()
            counts.columns = ["d", "n"]
            counts = counts.sort_values(["n", "d"], ascending=[False, True], kind="stable")
            top = counts.iloc[0]
            out.append(f"{top['d']}途中{100.0 * top['n'] / n:.0f}%")
    return "；".join(out) or DASH


def _by_class(v: View, hot: pd.DataFrame) -> Table:
    counts = (
        hot.groupby("cls").size().reindex(list(CLASS_ZH)).dropna()
        if len(hot)
        else pd.Series(dtype=float)
    )
    extra = sorted(set(hot["cls"]) - set(CLASS_ZH)) if len(hot) else []
    rows = [{"cls": CLASS_ZH[c], "n": counts[c]} for c in counts.index]
    rows += [{"cls": c, "n": int((hot["cls"] == c).sum())} for c in extra]
    return table(
        pd.DataFrame(rows),
        [Col("cls", "类别 (class)"), Col("n", "单元数 (units)", fmt_int, True)],
        f"按类别统计的热点单元数 (hot units by class), {v.period}",
        empty="没有热点单元 (no hot units)",
    )


def _top(v: View, hot: pd.DataFrame) -> Table:
    r = v.result
    order = {c: i for i, c in enumerate(CLASS_ZH)}
    hot = hot.assign(
        n=num_col(hot, "n_cases").fillna(0),
        o=hot["cls"].map(lambda c: order.get(c, len(order))),
        z=num_col(hot, "gi_z").fillna(-np.inf),
        uid=hot["unit_id"].astype(str),
    ).sort_values(["n", "o", "z", "uid"], ascending=[False, True, False, True], kind="stable")
    top = hot.iloc[:_TOP].copy()
    places = v.places(list(top["uid"]))
    peak = (
        r.peaks.drop_duplicates("unit_id").set_index("unit_id")["peak_text"]
        if {"unit_id", "peak_text"} <= set(r.peaks.columns)
        else pd.Series(dtype=object)
    )
    wc = r.hotspots.cases
    evidence = cases_by_quarter(wc, list(top["uid"]), v.result.window)
    by_unit = (
        {str(u): g for u, g in wc.groupby(wc["unit_id"].astype(str))}
        if "unit_id" in wc and len(wc)
        else {}
    )
    top["rank"] = np.arange(1, len(top) + 1)
    top["place"] = [places.get(u, u) for u in top["uid"]]
    top["kind_zh"] = (
        top["kind"].map(lambda x: _KIND_ZH.get(text(x), text(x))) if "kind" in top else ""
    )
    top["cls_zh"] = top["cls"].map(lambda c: CLASS_ZH.get(c, c))
    top["peak"] = top["uid"].map(lambda u: text(peak.get(u)) or DASH)
    top["circ"] = top["uid"].map(lambda u: main_circumstances(by_unit.get(u, pd.DataFrame())))
    top["by_q"] = top["uid"].map(lambda u: evidence.get(u, DASH))
    return table(
        top,
        [
            Col("rank", "序号", fmt_int, True),
            Col("place", "地点 (place)"),
            Col("kind_zh", "类型 (kind)"),
            Col("n", "起数 (cases)", fmt_int, True, True),
            Col("by_q", "各季度起数 (cases by quarter)", text, False, True),
            Col("cls_zh", "类别 (class)"),
            Col("peak", "高峰时段 (peak window)"),
            Col("circ", "主要情形 (main circumstances)"),
        ],
        f"热点单元（按起数排序，前{min(len(hot), _TOP)}个，共{len(hot)}个）"
        f" (top hot units), {v.period}",
        k=v.k,
        small=top["n"] < v.k,
        note="起数为分析窗口内落在该单元本身的案件，各季度起数为其分布（季度:起数）；"
        "本身没有案件的单元不列入热点。高峰时段与主要情形按该单元的案件计算。",
    )


def hotspots(v: View) -> dict[str, Any]:
    """The data of section 2 (``sections/hotspots.html.j2``).

    ``classes``, ``counts`` and ``top`` cover the hot units with at least one case of their
    own in the window; ``no_cases`` is the number of flagged units left out for having none
    (the module's evidence rule).
    """
    out: dict[str, Any] = {
        "label": _HOTSPOT_LABEL,
        "classes": None,
        "counts": None,
        "top": None,
        "no_cases": "0",
    }
    units = v.result.hotspots.units
    if units.empty or not {"unit_id", "hotspot_class"} <= set(units.columns):
        return out
    cls = units["hotspot_class"].map(text)
    flagged = units[cls != ""].assign(cls=cls[cls != ""])
    evidence = with_cases(flagged)
    hot = flagged[evidence]
    out["no_cases"] = fmt_int((~evidence).sum())
    out["classes"] = _by_class(v, hot)
    if hot.empty:
        return out
    kinds = hot["kind"].map(text) if "kind" in hot else pd.Series("", index=hot.index)
    out["counts"] = {
        "all": fmt_int(len(hot)),
        "intersections": fmt_int((kinds == "intersection").sum()),
        "segments": fmt_int((kinds == "segment").sum()),
    }
    out["top"] = _top(v, hot)
    return out
