"""Part of section 1: which of the window's cases entered each analysis and why the rest did
not (:func:`~trafficprev._accounting.case_accounting`), how 不予认定 claims were treated, and
the cases placed on a road only, per road and quarter
(:func:`~trafficprev.hotspots.road_cases_table`)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .._accounting import ANALYSES, CaseAccounting, case_accounting
from ..hotspots import road_cases_table
from ._format import DASH, fmt_int, fmt_pct, period, text
from ._input import View
from ._table import Cell, Col, Table, table

#: Why 不予认定 claims count by default (the setting's reason, said in the report).
NOT_RECOGNISED_REASON = (
    "上下班途中的交通事故确已发生，是否认定为工伤不改变事故的地点、时间和情形；不予认定多因职工"
    "本人负事故主要或全部责任（《工伤保险条例》第十四条第（六）项只认定非本人主要责任的交通事故），"
    "也有非合理时间、非合理路线等原因，这些事故同样是预防的对象 (the accident happened whatever "
    "the decision; most claims are refused for the worker's own main responsibility, and those "
    "accidents are what prevention is about)"
)


def _accounting_table(v: View, acc: CaseAccounting) -> Table:
    rows = []
    for analysis, label in ANALYSES.items():
        base = acc.bases[analysis]
        quarters = acc.key_window if analysis == "enterprises" else acc.window
        for i, line in enumerate(acc.of(analysis)):
            rows.append(
                {
                    "analysis": f"{label}：{period(quarters)} 共 {fmt_int(base)} 起"
                    if i == 0
                    else "",
                    "outcome": line.label,
                    "n": line.n,
                    "share": line.n / base if base else float("nan"),
                    "entered": "是 (yes)" if line.entered else "否 (no)",
                    "reason": line.reason,
                }
            )
    return table(
        pd.DataFrame(rows),
        [
            Col("analysis", "分析 (analysis)"),
            Col("outcome", "去向 (outcome)"),
            Col("n", "起数 (cases)", fmt_int, True),
            Col("share", "占比 (share)", fmt_pct, True),
            Col("entered", "纳入 (entered)"),
            Col("reason", "原因 (why)"),
        ],
        f"案件去向 (where the window's cases went): 每项分析纳入多少、其余为何未纳入，"
        f"通勤交通事故工伤, {v.period}（重点企业 {v.key_period}）",
        note="每项分析的各行之和等于该分析的案件数：每起案件在每项分析中只计一次 "
        "(on each analysis, every case is counted once)。",
    )


def _checks(acc: CaseAccounting) -> list[dict[str, Any]]:
    out = []
    for analysis, label in ANALYSES.items():
        lines = acc.of(analysis)
        total = sum(line.n for line in lines)
        out.append(
            {
                "label": label,
                "base": fmt_int(acc.bases[analysis]),
                "parts": [fmt_int(line.n) for line in lines],
                "entered": fmt_int(acc.entered(analysis)),
                "adds_up": total == acc.bases[analysis],
            }
        )
    return out


def _not_recognised(acc: CaseAccounting) -> dict[str, Any]:
    return {
        "counted": acc.not_recognised_counted,
        "window": fmt_int(acc.not_recognised),
        "history": fmt_int(acc.not_recognised_history),
        "own_fault": fmt_int(acc.not_recognised_own_fault),
        "reason": NOT_RECOGNISED_REASON,
    }


def _road_table(v: View, acc: CaseAccounting) -> Table:
    hs = v.result.hotspots
    roads = road_cases_table(hs.cases, hs.network.units, v.result.window)
    quarters = [str(q) for q in roads.attrs["quarters"]]
    counts = [*quarters, "road_level", "on_units", "total"]
    headers = (
        "道路 (road)",
        *(f"{q} 只到道路" for q in quarters),
        "只到道路合计 (road level)",
        "已落到单元 (on units)",
        "合计 (total)",
    )
    caption = (
        f"逐路统计 (cases per road): 只定位到道路的案件按道路和季度计数，{v.period}"
        f"（共 {fmt_int(roads['road_level'].sum())} 起，{fmt_int(len(roads))} 条道路）"
    )
    note = (
        "“只到道路”的案件只知道路名、不知在路上何处，不能计入热点单元，在此按道路计入。"
        "“已落到单元”为同一窗口内精确定位到该道路路段或交叉口的案件（交叉口案件同时计入相交的"
        "两条道路，故该列之和可大于落到单元的案件数）。按合计排序 (sorted by total)。"
    )
    if roads.empty:
        return Table(
            caption, "本期没有只定位到道路的案件 (no road-level cases)。", headers, None, None, ""
        )
    k = v.k
    any_small = False
    rows = []
    for rec in roads.to_dict("records"):
        cells = [Cell(text(rec["road"]), "", False)]
        for c in counts:
            n = int(rec[c])
            small = 0 < n < k
            any_small = any_small or small
            cells.append(Cell(fmt_int(n), "num small" if small else "num", small))
        rows.append(tuple(cells))
    sums = [int(roads[q].sum()) for q in quarters] + [int(roads["road_level"].sum())]
    rows.append(
        (
            Cell("合计 (all roads)", "", False),
            *(Cell(fmt_int(n), "num", False) for n in sums),
            Cell(DASH, "num", False),
            Cell(DASH, "num", False),
        )
    )
    if int(roads["road_level"].sum()) != _road_level_line(acc):
        note += " 注意：本表只到道路合计与案件去向表不一致 (does not match the accounting)。"
    return Table(caption, "", headers, tuple(rows), k if any_small else None, note)


def _road_level_line(acc: CaseAccounting) -> int:
    return sum(line.n for line in acc.of("hotspots") if line.outcome == "road_level")


def coverage(v: View) -> dict[str, Any]:
    """The case accounting, the 不予认定 treatment and the per-road table of section 1.

    Parameters
    ----------
    v
        The render's input.

    Returns
    -------
    dict
        ``table`` (:class:`~trafficprev.report._table.Table` of the outcomes), ``checks``
        (per analysis: ``label``, ``base``, ``parts``, ``entered``, ``adds_up``),
        ``not_recognised`` (``counted``, ``window``, ``history``, ``own_fault``, ``reason``)
        and ``roads`` (the per-road Table, small cells marked at the report's *k*).
    """
    acc = case_accounting(v.result)
    return {
        "table": _accounting_table(v, acc),
        "checks": _checks(acc),
        "not_recognised": _not_recognised(acc),
        "roads": _road_table(v, acc),
    }
