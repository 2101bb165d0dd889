"""Sections 6 and 7: the recommended sites and the evaluation of earlier measures."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ._format import (
    as_float,
    bool_col,
    fmt_change,
    fmt_int,
    fmt_num,
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
        s["pos"] = [
            text(row.get("position_text"))
            + ("（已有标志）" if bool_col(pd.Series([row.get("existing")])).iat[0] else "")
            for _, row in s.iterrows()
        ]
        small = num_col(s, "n_covered").fillna(0) < v.k
    return table(
        s,
        [
            Col("site_id", "编号 (id)"),
            Col("pos", "位置 (position)"),
            Col("facing", "朝向 (facing)"),
            Col("n_covered", "覆盖起数 (cases)", fmt_int, True, True),
            Col("peak_hours", "高峰时段 (peak)"),
            Col("signs", "建议标志 (signs, GB 5768.2-2022)"),
        ],
        f"警示标志建议点位 (warning-sign sites), {v.period}",
        k=v.k,
        small=small,
        empty="本期没有警示标志建议点位 (no sign sites)",
    )


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
    return {"signs": _sign_sites(v), "campaign": _campaign_sites(v)}


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
