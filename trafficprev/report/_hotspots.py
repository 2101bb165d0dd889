"""Section 2, hotspot roads and intersections: the hot units of the window in words."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

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
    return table(
        top,
        [
            Col("rank", "序号", fmt_int, True),
            Col("place", "地点 (place)"),
            Col("kind_zh", "类型 (kind)"),
            Col("n", "起数 (cases)", fmt_int, True, True),
            Col("cls_zh", "类别 (class)"),
            Col("peak", "高峰时段 (peak window)"),
            Col("circ", "主要情形 (main circumstances)"),
        ],
        f"热点单元（按起数排序，前{min(len(hot), _TOP)}个，共{len(hot)}个）"
        f" (top hot units), {v.period}",
        k=v.k,
        small=top["n"] < v.k,
        note="起数为分析窗口内落在该单元的案件；邻域起数多的单元即使本身起数为0也可能是热点。"
        "高峰时段与主要情形按该单元的案件计算。",
    )


def hotspots(v: View) -> dict[str, Any]:
    """The data of section 2 (``sections/hotspots.html.j2``)."""
    out: dict[str, Any] = {"label": _HOTSPOT_LABEL, "classes": None, "counts": None, "top": None}
    units = v.result.hotspots.units
    if units.empty or not {"unit_id", "hotspot_class"} <= set(units.columns):
        return out
    cls = units["hotspot_class"].map(text)
    hot = units[cls != ""].assign(cls=cls[cls != ""])
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
