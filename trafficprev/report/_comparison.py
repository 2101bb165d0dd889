"""Section 8, against the previous quarter: hotspots and key enterprises that changed.

The hotspot statuses follow :func:`~trafficprev.trends.compare_hotspots`' evidence rule: a
unit counts as a hotspot of a run only with at least one case of its own in that run's
window, so a 持续 unit had cases in both windows, a 新增 one in this window and a 消除 one in
the previous window. The section says how many flagged units without a case were left out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from .._display import display_path
from ..trends import flagged_without_cases
from ._format import fmt_int, num_col, text
from ._hotspots import CLASS_ZH
from ._input import PreviousRun, View
from ._table import Col, Table, table

_MAX_ROWS = 40


def _looked_for(v: View) -> str:
    """Where the previous quarter's run was looked for (``runs/2024Q3``)."""
    quarter = v.result.quarter
    try:
        prev = str(pd.Period(quarter, freq="Q") - 1) if quarter else "上一季度"
    except (ValueError, TypeError):
        prev = "上一季度"
    if v.folder is None:
        return f"runs/{prev}"
    return display_path(Path(v.folder).parent / prev)


def _left_out(v: View, hs: pd.DataFrame) -> dict[str, str]:
    """Flagged units without a case of their own, left out of the comparison: this run's
    (from its units) and the previous run's (when the comparison recorded it; ``""``
    otherwise)."""
    recorded = hs.attrs.get("flagged_without_cases") or {}
    now = recorded.get("current")
    if now is None:
        now = flagged_without_cases(v.result.hotspots.units)
    before = recorded.get("previous")
    return {"current": fmt_int(now), "previous": "" if before is None else fmt_int(before)}


def _hotspots(v: View, hs: pd.DataFrame) -> dict[str, Any]:
    left_out = _left_out(v, hs)
    st = hs["status"].map(text)
    hs = hs.assign(uid=hs["unit_id"].map(text) if "unit_id" in hs else "")
    known = v.places([u for u in hs["uid"] if u])
    hs["place"] = [
        known.get(u)
        or (
            f"{text(row.get('road'))}与{text(row.get('cross_road'))}交叉口"
            if text(row.get("cross_road"))
            else text(row.get("road"))
        )
        for u, (_, row) in zip(hs["uid"], hs.iterrows(), strict=True)
    ]
    order = {"new": 0, "resolved": 1, "persisting": 2}
    hs["o"] = st.map(lambda x: order.get(x, 3))
    hs = hs.sort_values(["o", "uid"], kind="stable").iloc[:_MAX_ROWS]
    return {
        "new": fmt_int((st == "new").sum()),
        "persisting": fmt_int((st == "persisting").sum()),
        "resolved": fmt_int((st == "resolved").sum()),
        "left_out": left_out,
        "table": table(
            hs,
            [
                Col("status_zh", "变化 (status)"),
                Col("place", "地点 (place)"),
                Col("n_cases", "本期起数 (cases)", fmt_int, True, True),
                Col("n_cases_previous", "上期起数 (previous)", fmt_int, True),
                Col("hotspot_class", "本期类别 (class)", lambda x: CLASS_ZH.get(text(x), text(x))),
                Col("note", "说明 (note)"),
            ],
            f"热点单元与上季度对比 (hotspots vs the previous quarter), {v.period}",
            k=v.k,
            small=num_col(hs, "n_cases").fillna(0) < v.k,
            note="本期起数、上期起数为各自分析窗口内落在该单元本身的案件；两期窗口有重叠的季度，"
            "同一起案件可同时计入两期。",
        ),
    }


def _enterprises(v: View, ent: pd.DataFrame) -> dict[str, Any]:
    st = ent["status"].map(text)
    changed: Table = table(
        ent[st != "stayed"],
        [
            Col("status_zh", "变化 (status)"),
            Col("name", "企业 (enterprise)"),
            Col("rank", "本期排名 (rank)", fmt_int, True),
            Col("rank_previous", "上期排名 (previous)", fmt_int, True),
            Col("n_cases", "本期起数 (cases)", fmt_int, True),
            Col("n_cases_previous", "上期起数 (previous)", fmt_int, True),
            Col("reason", "理由 (reason)"),
        ],
        f"重点企业名单的变化 (key-list changes), {v.key_period}",
        empty="名单没有变化 (no change)",
    )
    return {
        "entered": fmt_int((st == "entered").sum()),
        "stayed": fmt_int((st == "stayed").sum()),
        "left": fmt_int((st == "left").sum()),
        "table": changed,
    }


def comparison(v: View) -> dict[str, Any]:
    """The data of section 8 (``sections/comparison.html.j2``).

    ``previous`` is None without a previous run (``looked_for`` says where it was looked
    for); ``hotspots`` and ``enterprises`` are None when neither run has any. ``hotspots``
    holds the counts per status, ``left_out`` (flagged units without a case of their own,
    ``current`` and ``previous``; ``""`` when unknown) and the table.
    """
    comp: PreviousRun | None = v.result.comparison
    if comp is None:
        return {"previous": None, "looked_for": _looked_for(v)}
    hs, ent = comp.hotspots, comp.enterprises
    return {
        "previous": Path(comp.previous).name,
        "hotspots": _hotspots(v, hs) if len(hs) and "status" in hs else None,
        "enterprises": _enterprises(v, ent) if len(ent) and "status" in ent else None,
    }
