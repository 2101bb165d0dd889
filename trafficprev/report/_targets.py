"""Section 5, 建议培训人群: the target groups for training and the circumstance combinations
(多发情形) that stand out, with how many cases the rankings rest on."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..groups import BLOCKS, LABELS
from ..release import release_training
from ._format import fmt_int, fmt_num, fmt_pct, text
from ._input import View
from ._table import Col, Table, table

#: Columns of the training table (release_training's words).
_TRAINING_COLS = (
    Col("rank", "排名 (rank)", fmt_int, True),
    Col("group", "人群 (group)"),
    Col("n", "起数 (cases)", fmt_int, True, True),
    Col("share", "占比 (share)", text, True),
    Col("expected_share", "按构成预期 (expected)", text, True),
    Col("lift", "倍数及区间 (lift)", text, True),
    Col("rank_interval", "排名区间 (rank interval)", text, True),
    Col("rate", "发生率 ‰/年 (rate)", text, True),
    Col("enterprises", "重点企业 (enterprises)"),
    Col("hours", "高发时段 (hours)"),
    Col("places", "高发地点 (places)"),
)


def _lift_text(row: pd.Series) -> str:
    s = fmt_num(row.get("lift"), 1)
    lo, hi = row.get("lift_low"), row.get("lift_high")
    if pd.notna(lo) and pd.notna(hi):
        s += f"（{fmt_num(lo, 1)}–{fmt_num(hi, 1)}）"
    return s


def _rank_text(row: pd.Series) -> str:
    lo, hi = row.get("rank_low"), row.get("rank_high")
    return f"{int(lo)}–{int(hi)}" if pd.notna(lo) and pd.notna(hi) else ""


def _combination_table(frame: pd.DataFrame, caption: str, k: int, rows: int) -> Table:
    """The ranked combinations (called out first, then the others above their expectation)
    as a small table in words."""
    if len(frame):
        above = frame["called_out"].astype(bool) | (frame["lift"] > 1)
        frame = frame[above.to_numpy()]
    shown = frame.head(rows).copy()
    if len(shown):
        shown["lift_text"] = [_lift_text(r) for _, r in shown.iterrows()]
        shown["rank_text"] = [_rank_text(r) for _, r in shown.iterrows()]
        shown["verdict"] = ["突出" if bool(c) else "不突出" for c in shown["called_out"]]
        shown["small"] = pd.to_numeric(shown["n"], errors="coerce").fillna(0) < k
    cols = [
        Col("rank", "排名 (rank)", fmt_int, True),
        Col("group", "组合 (combination)"),
        Col("n", "起数 (cases)", fmt_int, True, True),
        Col("share", "占比 (share)", lambda v: fmt_pct(v), True),
        Col("expected_share", "按构成预期 (expected)", lambda v: fmt_pct(v), True),
        Col("lift_text", "倍数及区间 (lift)", text, True),
        Col("rank_text", "排名区间 (rank interval)", text, True),
        Col("verdict", "结论 (called out)"),
    ]
    return table(shown, cols, caption, k=k)


def targets(v: View) -> dict[str, Any]:
    """The data of section 5 (``sections/targets.html.j2``)."""
    t = v.result.targets
    s = v.settings
    # the police level: a count in words cannot be starred, so no enterprise or place with
    # fewer than k of a group's cases is named (the full plan: result.targets, notebook 03)
    training = release_training(
        t.groups, t.enterprises, t.places, t.hours, "police", s, count=s.group_count
    )
    training_table = table(
        training,
        _TRAINING_COLS,
        f"建议培训人群 (target groups for training), {v.period}",
        k=v.k,
        small=pd.Series(False, index=training.index),
        empty="本期没有人群的事故数明显超出按构成预期的数量 (no group stands out)。",
    )
    n_called = int(t.called_out.shape[0])
    circ = t.circumstances
    n_circ = int(circ["called_out"].astype(bool).sum()) if "called_out" in circ else 0
    blocks = "；".join("与".join(LABELS.get(f, f) for f in b) for b in BLOCKS)
    return {
        "period": v.period,
        "n_cases": fmt_int(t.n_cases),
        "n_cells": fmt_int(t.n_cells),
        "n_circ_cells": fmt_int(t.n_circumstance_cells),
        "n_called": n_called,
        "n_circ_called": n_circ,
        "n_boot": fmt_int(t.n_boot),
        "level": fmt_pct(t.level, 0),
        "fdr": fmt_pct(1 - t.level, 0),
        "k": v.k,
        "max_order": s.group_max_order,
        "blocks": blocks,
        "training": training_table,
        "groups": _combination_table(
            t.groups, f"人群组合排名 (ranked groups), {v.period}", v.k, max(10, n_called)
        ),
        "circumstances": _combination_table(
            circ, f"多发情形组合 (circumstance combinations), {v.period}", v.k, max(8, n_circ)
        ),
    }
