"""Section 4, groups and circumstances: tables with charts, and the hour-of-day profile."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..trends import circular_summary
from ._charts import Figure, bar_panels, draw, hour_chart
from ._format import as_float, fmt_int, fmt_num, fmt_pct, text
from ._input import View
from ._table import Col, Table, table

_GROUPS = ("性别", "年龄段", "出行方式", "行业")
_CIRCS = ("对方车辆", "交叉口/路段", "事故责任")
_TABLE_EN = {
    "性别": "sex",
    "年龄段": "age band",
    "出行方式": "travel mode",
    "行业": "industry, rate per 1,000 insured per year",
    "对方车辆": "counterpart vehicle",
    "交叉口/路段": "at an intersection or mid-block",
    "事故责任": "responsibility found by the police",
}


def _share_ci(row: pd.Series) -> str:
    s = fmt_pct(row.get("share"))
    lo, hi = row.get("share_lower"), row.get("share_upper")
    if math.isfinite(as_float(lo)) and math.isfinite(as_float(hi)):
        s += f"（{fmt_pct(lo)}–{fmt_pct(hi)}）"
    return s


def _rate_ci(row: pd.Series) -> str:
    s = fmt_num(row.get("rate_per_1000"), 2)
    if math.isfinite(as_float(row.get("rate_lower"))):
        s += f"（{fmt_num(row.get('rate_lower'), 2)}–{fmt_num(row.get('rate_upper'), 2)}）"
    return s


def _group_table(name: str, source: pd.DataFrame, v: View) -> Table:
    """One group or circumstance table: counts, shares with Wilson intervals, rates."""
    category = str(source.columns[0])
    t = source.assign(share_ci=[_share_ci(row) for _, row in source.iterrows()])
    cols = [
        Col(category, name),
        Col("n", "起数 (cases)", fmt_int, True, True),
        Col("share_ci", "占比及95%区间 (share, 95% CI)", text, True),
    ]
    if "rate_per_1000" in t:
        t["rate_ci"] = [_rate_ci(row) for _, row in t.iterrows()]
        cols += [
            Col("insured", "参保人数 (insured)", fmt_int, True),
            Col("rate_ci", "发生率 ‰/年及95%区间 (rate)", text, True),
        ]
    return table(t, cols, f"{name} ({_TABLE_EN.get(name, category)}), {v.period}", k=v.k)


def _block(
    title: str, source: Mapping[str, pd.DataFrame], names: tuple[str, ...], v: View
) -> dict[str, Any]:
    """One heading's tables (None for a table without data) and their bar chart."""
    tables: list[dict[str, Any]] = []
    present = []
    for name in names:
        t = source[name] if name in source else pd.DataFrame()
        if t.empty or "n" not in t:
            tables.append({"name": name, "table": None})
            continue
        present.append((name, t))
        tables.append({"name": name, "table": _group_table(name, t, v)})
    chart = None
    if present:
        chart = draw(
            lambda: bar_panels(present, v.k),
            title,
            f"{title}: 各类别起数（灰色为少于{v.k}起的小格）, {v.period}",
        )
    return {"title": title, "tables": tables, "chart": chart}


def _hour_counts(circumstances: Mapping[str, pd.DataFrame]) -> np.ndarray:
    counts = np.zeros(24)
    hour = circumstances["小时"] if "小时" in circumstances else pd.DataFrame()
    if {"hour", "n"} <= set(hour.columns):
        h = pd.to_numeric(hour["hour"], errors="coerce")
        n = pd.to_numeric(hour["n"], errors="coerce").fillna(0)
        ok = h.between(0, 23)
        np.add.at(counts, h[ok].astype(int).to_numpy(), n[ok].to_numpy(dtype=float))
    return counts


def _peak(v: View) -> tuple[str, tuple[float, float] | None]:
    """The window's peak window in words and in minutes (None: too few timed cases)."""
    wc = v.result.hotspots.cases
    if "injured_at" not in wc or not len(wc):
        return "", None
    try:
        summary = circular_summary(
            wc,
            peak_share=float(v.settings.peak_share),
            max_hours=float(v.settings.peak_max_hours),
        )
    except (ValueError, TypeError, KeyError):
        return "", None
    if not len(summary):
        return "", None
    row = summary.iloc[0]
    peak_text = text(row.get("peak_text"))
    a, b = as_float(row.get("peak_start")), as_float(row.get("peak_end"))
    peak = (a, b) if math.isfinite(a) and math.isfinite(b) else None
    share = as_float(row.get("peak_share"))
    capped = bool(row.get("peak_capped", False))
    if peak_text and math.isfinite(share) and not capped:  # a capped text gives its shares
        peak_text += f"（{fmt_pct(share, 0)}的有时刻案件）"
    return peak_text, peak


def groups(v: View) -> dict[str, Any]:
    """The data of section 4 (``sections/groups.html.j2``)."""
    r = v.result
    blocks = [
        _block("多发人群 (groups)", r.groups, _GROUPS, v),
        _block("多发情形 (circumstances)", r.circumstances, _CIRCS, v),
    ]
    counts = _hour_counts(r.circumstances)
    peak_text, peak = _peak(v)
    hours: Figure | None = None
    if counts.sum() > 0:
        hours = draw(
            lambda: hour_chart(counts, peak),
            "时刻分布 hour of day",
            f"各时刻的案件数（全部有具体时刻的案件），橙色为高峰时段, {v.period}",
        )
    return {
        "period": v.period,
        "blocks": blocks,
        "hours": hours,
        "peak_text": peak_text,
        "peak_found": peak is not None,
        "peak_share": fmt_pct(v.settings.peak_share, 0),
        "peak_max_hours": f"{v.settings.peak_max_hours:g}",
    }
