"""Section 1, the quarter at a glance: facts, data sources, row accounting, geocoding, and
which cases entered each analysis (with the cases placed on a road only, per road)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from .._accounting import FLAGS, REASONS
from ._coverage import coverage
from ._format import as_float, fmt_int, fmt_pct, period, text
from ._input import View
from ._table import Col, Table, kv_table, table

_LEVEL_ZH = {
    "override": "人工指定 (override)",
    "given": "台账自带坐标 (given)",
    "intersection": "交叉口 (intersection)",
    "road_offset": "道路+方位距离 (road offset)",
    "landmark": "地标 (landmark)",
    "road": "道路 (road)",
    "village": "村/社区 (village)",
    "township": "乡镇/街道 (township)",
    "county": "区县 (county)",
    "none": "无法定位 (none)",
}
_INPUT_ZH = {
    "determinations": "工伤认定台账",
    "enterprises": "企业名录",
    "campaign_sites": "宣传点候选",
    "measures": "既有措施",
    "overrides": "人工复核坐标",
}


def _facts(v: View) -> list[tuple[str, str]]:
    r, m = v.result, v.result.manifest
    facts = [
        ("季度 (quarter)", r.quarter),
        ("热点分析窗口 (hotspot window)", f"{v.period}（截至本季度的{len(r.window)}个季度）"),
        ("重点企业窗口 (key-enterprise window)", v.key_period),
        ("历史季度 (history)", period(r.history)),
    ]
    area = m["area"]
    if area:
        facts.append(("区域 (area)", f"{text(area['name'])}（版本 {text(area['version'])}）"))
    if m["created_for"]:
        facts.append(("编制日期 (prepared for)", text(m["created_for"])))
    return facts


def _sources(v: View) -> Table:
    rows = [
        {
            "kind": _INPUT_ZH.get(str(kind), str(kind)),
            "file": Path(text(f["path"])).name,
            "sha": text(f["sha256"])[:12],
        }
        for kind, files in v.result.manifest["inputs"].items()
        for f in files
    ]
    return table(
        pd.DataFrame(rows),
        [
            Col("kind", "数据 (input)"),
            Col("file", "文件名 (file)"),
            Col("sha", "SHA-256 前12位 (hash prefix)"),
        ],
        f"数据来源 (data source): 本次运行读取的文件, {v.result.quarter}",
        empty="清单中没有记录输入文件 (no input files in the manifest)。",
    )


def _accounting(v: View) -> dict[str, Any]:
    acc = v.result.intake.accounting
    quarter = v.result.quarter
    counts = (acc.read, acc.cases, acc.rejected, acc.duplicates)
    nums = [as_float(n) for n in counts]
    reasons = []
    for got, labels, what in (
        (
            acc.rejected_by_reason,
            {k: t[1] for k, t in REASONS.items()},
            "被拒行的原因 (why rows were rejected)",
        ),
        (acc.flagged, FLAGS, "数据质量提示 (rows kept but flagged)"),
    ):
        if not got:
            continue
        frame = pd.DataFrame(
            {
                "code": [str(c) for c in got],
                "reason": [labels.get(str(c), str(c)) for c in got],
                "n": [as_float(got[c]) for c in got],
            }
        ).sort_values(["n", "code"], ascending=[False, True], kind="stable")
        reasons.append(
            table(
                frame,
                [Col("reason", "原因 (reason)"), Col("n", "行数 (rows)", fmt_int, True)],
                f"{what}, 全部输入至 {quarter}",
            )
        )
    return {
        "table": kv_table(
            [
                ("读入行数 (rows read)", fmt_int(acc.read)),
                ("有效案件 (cases)", fmt_int(acc.cases)),
                ("被拒行 (rejected)", fmt_int(acc.rejected)),
                ("重复行 (duplicates)", fmt_int(acc.duplicates)),
                ("其中通勤交通事故 (commuting traffic cases)", fmt_int(acc.commuting_traffic)),
            ],
            f"行数核对 (row accounting): 读入 = 案件 + 被拒 + 重复, 全部输入至 {quarter}",
        ),
        "counts": [fmt_int(n) for n in counts],
        "adds_up": all(math.isfinite(n) for n in nums) and nums[0] == sum(nums[1:]),
        "reasons": reasons,
    }


def _geocode_levels(v: View) -> Table:
    levels = v.result.manifest["geocode_levels"]
    lv = pd.DataFrame({"level": list(levels), "n": [as_float(levels[k]) for k in levels]})
    if not lv.empty:
        total = float(lv["n"].sum())
        order = {k: i for i, k in enumerate(_LEVEL_ZH)}
        lv = lv.assign(
            label=lv["level"].map(lambda x: _LEVEL_ZH.get(str(x), str(x))),
            share=lv["n"] / total if total > 0 else math.nan,
            o=lv["level"].map(lambda x: order.get(str(x), len(order))),
        ).sort_values(["o", "level"], kind="stable")
    return table(
        lv,
        [
            Col("label", "定位精度 (match level)"),
            Col("n", "起数 (cases)", fmt_int, True),
            Col("share", "占比 (share)", fmt_pct, True),
        ],
        f"地理编码质量 (geocode quality): 通勤交通事故工伤的定位精度, {period(v.result.history)}",
        empty="没有地理编码结果 (no geocoding results)。",
    )


def overview(v: View) -> dict[str, Any]:
    """The data of section 1 (``sections/overview.html.j2``)."""
    return {
        "facts": kv_table(_facts(v), f"本季基本信息 (basic facts), {v.result.quarter}"),
        "sources": _sources(v),
        "accounting": _accounting(v),
        "levels": _geocode_levels(v),
        "review_size": fmt_int(len(v.result.review_queue)),
        "coverage": coverage(v),
    }
