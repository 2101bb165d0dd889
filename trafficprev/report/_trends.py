"""Section 5, time and trends: cases per quarter, the peak windows and the emerging-hotspot
classes.

**Evidence rule** (rule 0 of :mod:`trafficprev.trends._emerging`): a unit with no case of its
own in the history's quarters is 无事故 and is never listed under an emerging class, even
when its Gi* bins are significant because its neighbours had cases; the listing shows, for
every unit it names, the quarters in which the unit had cases. A run written before the rule
existed is read the same way: a unit whose ``n_cases`` is 0 counts as 无事故.

**Peak windows**: :func:`~trafficprev.trends.circular_summary` with the run's ``peak_share``
and ``peak_max_hours``: the shortest window holding ``peak_share`` of the timed cases, or,
when that is wider than ``peak_max_hours``, the densest window of that width (and a second
one holding at least two thirds as many cases), each with its share.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._periods import quarter_of
from ..trends import circular_summary
from ._charts import draw, quarter_chart
from ._format import DASH, bool_col, fmt_int, fmt_pct, num_col, period, str_col, text
from ._hotspots import quarter_counts_text
from ._input import View
from ._table import Col, Table, table

_TREND_ZH = {
    "increasing": "上升 (increasing)",
    "decreasing": "下降 (decreasing)",
    "no trend": "无明显趋势 (no trend)",
}
_MAX_ROWS = 40
#: Classes that are not listed unit by unit.
_UNLISTED = ("", "no_pattern", "no_cases")
_NO_CASES = ("no_cases", "无事故")
_DIRECTIONS = ("上班", "下班")


def _quarterly(v: View) -> dict[str, Any] | None:
    """The chart and table of commuting cases per quarter (None without quarters)."""
    r = v.result
    cases = r.history_cases if len(r.history_cases) else r.geocoded
    quarters = list(r.history) or list(r.window)
    if not quarters or "injured_at" not in cases:
        return None
    q = quarter_of(cases["injured_at"])
    if "commuting" in cases:
        q = q[bool_col(cases["commuting"]).to_numpy()]
    counts = q.value_counts().reindex(quarters, fill_value=0).to_numpy(dtype=float)
    chart = draw(
        lambda: quarter_chart(quarters, counts, r.window),
        "季度起数 quarterly counts",
        f"各季度通勤交通事故工伤起数 (commuting cases per quarter), {period(quarters)}",
    )
    return {
        "chart": chart,
        "table": table(
            pd.DataFrame({"q": quarters, "n": counts}),
            [Col("q", "季度 (quarter)"), Col("n", "起数 (cases)", fmt_int, True, True)],
            f"各季度起数 (cases per quarter), {period(quarters)}",
            k=v.k,
            small=pd.Series(counts < v.k),
        ),
    }


def _hours(value: float) -> str:
    """``3`` or ``2.5`` (hours, without trailing zeros)."""
    return f"{value:g}"


def _peaks(v: View) -> dict[str, Any] | None:
    """The peak windows of the window's timed cases, all and by direction (None: no case)."""
    wc = v.result.hotspots.cases
    if "injured_at" not in wc or not len(wc):
        return None
    s = v.settings
    kw = {"peak_share": float(s.peak_share), "max_hours": float(s.peak_max_hours)}
    try:
        overall = circular_summary(wc, **kw)
        by_dir = circular_summary(wc, "direction", **kw) if "direction" in wc else None
    except (ValueError, TypeError):
        return None
    rows = [{"group": "全部 (all)", **overall.iloc[0].to_dict()}]
    if by_dir is not None:
        known = by_dir[by_dir["direction"].isin(_DIRECTIONS)]
        rows += [{"group": f"{r['direction']}途中", **r.to_dict()} for _, r in known.iterrows()]
    frame = pd.DataFrame(rows)
    capped = bool_col(frame["peak_capped"]) if "peak_capped" in frame else frame["group"] == ""
    return {
        "share": fmt_pct(s.peak_share, 0),
        "max_hours": _hours(float(s.peak_max_hours)),
        "capped": bool(capped.any()),
        "table": table(
            frame,
            [
                Col("group", "案件 (cases)"),
                Col("n_timed", "有时刻的案件 (timed)", fmt_int, True, True),
                Col("peak_text", "高峰时段 (peak window)"),
            ],
            f"高峰时段 (peak windows), {v.period}",
            k=v.k,
            small=num_col(frame, "n_timed").fillna(0) < v.k,
        ),
    }


def _classes(em: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Each unit's class name and label, with rule 0 applied to runs written before it: a
    unit with ``n_cases`` 0 is ``no_cases`` / 无事故."""
    cls = em["emerging_class"].map(text)
    label = (em["emerging_label"] if "emerging_label" in em else em["emerging_class"]).map(text)
    if "n_cases" in em:
        none = (num_col(em, "n_cases").fillna(0) <= 0).to_numpy()
        cls = cls.mask(none, _NO_CASES[0])
        label = label.mask(none, _NO_CASES[1])
    return cls, label


def _evidence(v: View, ids: list[str]) -> dict[str, str]:
    """Each unit's cases by quarter over the history, from the cube's bins."""
    bins = v.result.emerging.bins
    if not ids or not {"unit_id", "quarter", "n_cases"} <= set(bins.columns):
        return dict.fromkeys(ids, DASH)
    part = bins[bins["unit_id"].astype(str).isin(ids)]
    out = dict.fromkeys(ids, DASH)
    for uid, g in part.groupby(part["unit_id"].astype(str)):
        out[str(uid)] = quarter_counts_text(g.set_index("quarter")["n_cases"])
    return out


def _hot_steps(frame: pd.DataFrame) -> pd.Series:
    """``"2/8"``: significant hot quarters of the unit over the quarters of the cube."""
    n_hot, n_steps = num_col(frame, "n_hot"), num_col(frame, "n_steps")
    return pd.Series(
        [
            f"{fmt_int(h)}/{fmt_int(t)}" if np.isfinite(h) and np.isfinite(t) else DASH
            for h, t in zip(n_hot, n_steps, strict=True)
        ],
        index=frame.index,
        dtype=object,
    )


def _emerging_units(v: View, em: pd.DataFrame, label: pd.Series, cls: pd.Series) -> Table:
    """The units with an emerging class, by class and cases (at most 40), with their cases
    by quarter."""
    with_class = em[~cls.isin(_UNLISTED)].copy()
    small = None
    if len(with_class):
        with_class["uid"] = with_class["unit_id"].astype(str)
        known = v.places(list(with_class["uid"]))
        with_class["place"] = [known.get(u, u) for u in with_class["uid"]]
        with_class["label_t"] = label[with_class.index]
        with_class["trend_zh"] = str_col(with_class, "trend").map(
            lambda x: _TREND_ZH.get(text(x), text(x))
        )
        with_class["n_c"] = num_col(with_class, "n_cases")
        with_class = with_class.sort_values(
            ["label_t", "n_c", "uid"], ascending=[True, False, True], kind="stable"
        ).iloc[:_MAX_ROWS]
        evidence = _evidence(v, list(with_class["uid"]))
        with_class["by_q"] = with_class["uid"].map(lambda u: evidence.get(u, DASH))
        with_class["hot_q"] = _hot_steps(with_class)
        small = num_col(with_class, "n_c").fillna(0) < v.k
    return table(
        with_class,
        [
            Col("place", "地点 (place)"),
            Col("label_t", "类别 (class)"),
            Col("trend_zh", "趋势 (trend)"),
            Col("n_c", "起数 (cases)", fmt_int, True, True),
            Col("by_q", "各季度起数 (cases by quarter)", text, False, True),
            Col("hot_q", "热点季度/季度数 (hot quarters)", text, True),
            Col("sparseness", "零起季度占比 (sparseness)", fmt_pct, True),
        ],
        f"有新兴热点类别的单元 (units with an emerging class), {period(v.result.history)}",
        k=v.k,
        small=small,
        empty="没有单元属于新兴热点类别 (no unit has an emerging class)",
        note="起数为各季度落在该单元本身的案件之和，各季度起数为其分布（季度:起数）；"
        "热点季度按时空 Gi*（含邻域与上一季度）计算。本身没有案件的单元记为“无事故”，不列入。",
    )


def _emerging(v: View) -> dict[str, Any] | None:
    """The emerging-hotspot classes: steps, units per class, the units (None: no results)."""
    em = v.result.emerging.units
    if em.empty or "emerging_class" not in em:
        return None
    n_steps = num_col(em, "n_steps")
    steps = int(n_steps.max()) if n_steps.notna().any() else len(v.result.history)
    cls, label = _classes(em)
    counts = (
        pd.DataFrame({"cls": cls, "label": label})
        .groupby(["cls", "label"])
        .size()
        .reset_index(name="n")
        .sort_values(["n", "cls"], ascending=[False, True], kind="stable")
    )
    flagged = (cls == _NO_CASES[0]) & (
        (num_col(em, "n_hot").fillna(0) > 0) if "n_hot" in em else False
    )
    return {
        "steps": steps,
        "no_cases_hot": fmt_int(int(np.sum(flagged))),
        "classes": table(
            counts,
            [
                Col("label", "类别 (class)"),
                Col("cls", "英文 (code)"),
                Col("n", "单元数 (units)", fmt_int, True),
            ],
            f"新兴热点类别的单元数 (units per emerging class), {period(v.result.history)}",
        ),
        "units": _emerging_units(v, em, label, cls),
    }


def trends(v: View) -> dict[str, Any]:
    """The data of section 5 (``sections/trends.html.j2``).

    ``quarterly`` (chart and table), ``peaks`` (the peak windows of the window's cases, all
    and by direction, with ``share`` and ``max_hours``; None without a case) and
    ``emerging`` (None without results; ``no_cases_hot`` is the number of units whose bins
    were hot but that had no case of their own, listed as 无事故).
    """
    return {"quarterly": _quarterly(v), "peaks": _peaks(v), "emerging": _emerging(v)}
