"""Sections 6 and 7: the recommended sites and the evaluation of earlier measures."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from matplotlib.figure import Figure as MplFigure

from ..sites import existing_signs, sign_budget
from ._charts import draw
from ._format import (
    as_float,
    fmt_change,
    fmt_int,
    fmt_num,
    fmt_pct,
    num_col,
    period,
    str_col,
    text,
)
from ._input import View
from ._table import Col, Table, table

_GOAL_ZH = {"yes": "达到", "likely": "可能达到", "no": "未达到"}


def _sign_sites(v: View) -> Table:
    s = v.result.sign_sites.copy()
    small = None
    if len(s):
        small = num_col(s, "n_covered").fillna(0) < v.k
    return table(
        s,
        [
            Col("site_id", "编号 (id)"),
            Col("status", "状态 (new/existing)"),
            Col("location", "地点 (place served)"),
            Col("approach", "服务方向 (approach)"),
            Col("position_text", "位置 (position)"),
            Col("n_covered", "覆盖起数 (cases)", fmt_int, True, True),
            Col("marginal_cases", "新增起数 (cases added)", fmt_int, True, True),
            Col("peak_hours", "高峰时段 (peak)"),
            Col("signs", "建议标志 (signs, GB 5768.2-2022)"),
        ],
        f"警示标志建议点位 (warning-sign sites), {v.period}",
        k=v.k,
        small=small,
        empty="本期没有警示标志建议点位 (no sign sites)",
        note=(
            "新增起数：该标志覆盖、而已有标志和表中排在它前面的新设标志都未覆盖的事故；"
            f"每处新设标志至少新增{v.settings.k_police}起，同一进口道不重复设置。"
            "叙述写明行驶方向（由南向北等）的交叉口事故只计入该方向的进口道，"
            "未写明的计入各进口道、只算一次 "
            "(cases added: covered by no existing sign and no new sign listed before it)。"
        ),
    )


def _budget_chart(curve: pd.DataFrame, n_cases: int) -> MplFigure:
    """Cases covered (existing and new signs) against the number of new signs."""
    fig = MplFigure(figsize=(6.4, 3.2), layout="constrained")
    ax = fig.subplots()
    x = curve["n_signs"].to_numpy(float)
    y = curve["cases_covered"].to_numpy(float)
    ax.plot(x, y, marker="o", color="#2b6cb0")
    ax.set_xlabel("新设标志数 (new signs)")
    ax.set_ylabel("覆盖起数 (cases covered)")
    ax.set_xticks(x)
    ax.set_ylim(0, max(float(y.max()) if len(y) else 0.0, 1.0) * 1.15)
    ax.set_title(f"道路单元上的事故共{n_cases}起 (cases on road units)", fontsize=10)
    ax.grid(True, lw=0.4, alpha=0.5)
    return fig


def _budget(v: View) -> dict[str, Any]:
    """The set-covering answer and the coverage curve (:func:`~trafficprev.sites.sign_budget`)."""
    existing = existing_signs(v.result.measures, v.result.quarter)
    budget = sign_budget(v.result.hotspots, v.settings, existing=existing)
    curve = budget.curve.copy()
    curve["share_t"] = [fmt_pct(x) for x in curve["share"]]
    rows = table(
        curve,
        [
            Col("n_signs", "新设标志数 (new signs)", fmt_int, True),
            Col("cases_covered", "覆盖起数，含已有标志 (cases covered)", fmt_int, True),
            Col("share_t", "占道路单元事故 (share)", text, True),
            Col("added", "最后一处新增 (added by the last)", fmt_int, True),
            Col("hot_units_covered", "覆盖热点单元 (hot units covered)", fmt_int, True),
        ],
        f"标志数量与覆盖起数 (cases covered by 0…N new signs), {v.period}",
    )
    last = int(curve["n_signs"].iloc[-1]) if len(curve) else 0
    return {
        "cover_all": budget.cover_all,
        "hot_units": budget.hot_units,
        "by_existing": budget.hot_covered_by_existing,
        "uncoverable": len(budget.uncoverable),
        "last": last,
        "k": v.settings.k_police,
        "curve": rows,
        "chart": draw(
            lambda: _budget_chart(budget.curve, budget.n_cases),
            "覆盖起数随新设标志数的变化",
            "标志数量与覆盖起数 (coverage curve)",
        )
        if len(curve) > 1
        else None,
    }


def _campaign_sites(v: View) -> Table:
    c = v.result.campaign_sites.copy()
    small = None
    if len(c):
        c["kind_t"] = str_col(c, "site_kind" if "site_kind" in c else "kind")
        small = num_col(c, "n_covered").fillna(0) < v.k
    return table(
        c,
        [
            Col("site_id", "编号 (id)"),
            Col("name", "名称 (name)"),
            Col("kind_t", "类型 (kind)"),
            Col("n_covered", "覆盖起数 (cases reached)", fmt_int, True, True),
            Col("reaches", "覆盖对象 (whom it reaches)"),
        ],
        f"集中宣传建议点位 (campaign sites), {v.period}",
        k=v.k,
        small=small,
        empty="本期没有宣传点位（未提供候选或企业名录）(no campaign sites)",
    )


def sites(v: View) -> dict[str, Any]:
    """The data of section 6 (``sections/sites.html.j2``)."""
    return {"signs": _sign_sites(v), "budget": _budget(v), "campaign": _campaign_sites(v)}


def _change_ci(row: pd.Series) -> str:
    s = fmt_change(row.get("change"))
    if math.isfinite(as_float(row.get("change_lower"))):
        s += f"（{fmt_change(row.get('change_lower'))} 至 {fmt_change(row.get('change_upper'))}）"
    return s


def evaluation(v: View) -> dict[str, Any]:
    """The data of section 7 (``sections/evaluation.html.j2``); ``table`` None: nothing to
    evaluate."""
    ev = v.result.evaluation
    if ev is None or ev.summary.empty:
        return {"table": None}
    s = ev.summary.copy()
    s["change_ci"] = [_change_ci(row) for _, row in s.iterrows()]
    s["goal"] = str_col(s, "met_goal").map(lambda x: _GOAL_ZH.get(text(x), text(x)))
    return {
        "min_before": v.settings.evaluation_min_before,
        "min_expected": f"{v.settings.evaluation_min_expected:g}",
        "table": table(
            s,
            [
                Col("group", "措施组 (group)"),
                Col("n_treated", "处置数 (treated)", fmt_int, True),
                Col("before", "实施前 (before)", fmt_int, True),
                Col("after", "实施后 (after)", fmt_int, True),
                Col("expected_after", "预期 (expected)", lambda x: fmt_num(x, 1), True),
                Col("change_ci", "变化及95%区间 (change)", text, True),
                Col("naive_change", "简单前后变化 (naive)", fmt_change, True),
                Col("goal", "是否达到−10%目标 (goal met)"),
                Col("note", "说明 (note)"),
            ],
            f"措施评估 (evaluation of measures): 实施前后各12个月, {period(v.result.history)}",
        ),
    }
