"""Section 3, key enterprises: the key list for training and the funnel plot."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ..groups import plot_funnel
from ._charts import draw
from ._format import as_float, bool_col, fmt_int, fmt_num, num_col, str_col
from ._input import View
from ._table import Col, table

#: How many key enterprises the funnel plot names (the others are red points).
FUNNEL_LABELS = 10


def _trained(on: pd.DataFrame) -> tuple[pd.Series, int]:
    """The 已培训 cell of each key enterprise (``已培训 2024-01-01`` or ``""``) and how many
    were trained; a key table without ``trained`` (an older run) marks none."""
    if "trained" not in on:
        return pd.Series("", index=on.index, dtype=object), 0
    trained = bool_col(on["trained"])
    cell = ("已培训 " + str_col(on, "trained_on")).str.strip().where(trained, "")
    return cell.astype(object), int(trained.sum())


def enterprises(v: View) -> dict[str, Any]:
    """The data of section 3 (``sections/enterprises.html.j2``).

    ``results`` is False when there is no enterprise table; ``rate`` is the overall rate
    (‰/year) or None; ``n_trained`` how many key enterprises were trained within the key
    window (the measures file's 培训 rows); ``funnel`` the funnel plot or None,
    ``funnel_error`` why it was not drawn (None: it was, or it was not attempted).
    """
    key = v.result.key
    out: dict[str, Any] = {
        "results": False,
        "rate": None,
        "n_trained": 0,
        "funnel": None,
        "funnel_error": None,
    }
    if key.empty or "key" not in key:
        return out
    out["results"] = True
    on = key[bool_col(key["key"])].copy()
    if "rank" in on:
        on["r"] = num_col(on, "rank")
        on = on.sort_values(["r"], kind="stable")
    on["trained_text"], out["n_trained"] = _trained(on)
    theta = as_float(key.attrs.get("theta"))
    if math.isfinite(theta):
        out["rate"] = fmt_num(theta * 1000, 1 if theta >= 0.001 else 3)
    out["key_list"] = table(
        on,
        [
            Col("rank", "排名 (rank)", fmt_int, True),
            Col("name", "企业 (enterprise)"),
            Col("n_cases", "起数 (cases)", fmt_int, True, True),
            Col("insured", "参保人数 (insured)", fmt_int, True),
            Col("rate_per_1000", "发生率 ‰/年 (rate)", fmt_num, True),
            Col("eb_rate_per_1000", "EB平滑率 ‰/年 (EB rate)", fmt_num, True),
            Col("reason", "理由 (reason)"),
            Col("trained_text", "已培训 (trained)"),
        ],
        f"重点企业名单 (key list for training), {v.key_period}",
        k=v.k,
        small=num_col(on, "n_cases").fillna(0) < v.k,
        empty="没有企业列入重点名单 (no enterprise on the key list)",
        note="EB平滑率：经验贝叶斯平滑后的发生率，参保人数少的企业向全市平均收缩，"
        "避免一起事故就排在前面。正常波动范围：漏斗图的控制限，发生率超出它，"
        "很难用偶然解释。已培训：措施台账记载在本期内接受过培训（培训日期）。",
    )
    if {"person_years", "rate_per_1000", "name"} <= set(key.columns) and math.isfinite(theta):
        try:
            out["funnel"] = draw(
                lambda: plot_funnel(
                    key, label_col="name", highlight_col="key", max_labels=FUNNEL_LABELS
                ),
                "漏斗图 funnel plot",
                "漏斗图 (funnel plot): 各企业发生率与参保人年，红点为重点企业，"
                f"标出排名前{FUNNEL_LABELS}家的名称（名称过长时截短）；"
                f"控制限以外的企业发生率显著偏高, {v.key_period}",
            )
        except (ValueError, TypeError) as exc:
            out["funnel_error"] = str(exc)
    return out
