"""Section 5, time and trends: cases per quarter and the emerging-hotspot classes."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .._periods import quarter_of
from ._charts import draw, quarter_chart
from ._format import bool_col, fmt_int, fmt_pct, num_col, period, str_col, text
from ._input import View
from ._table import Col, Table, table

_TREND_ZH = {
    "increasing": "上升 (increasing)",
    "decreasing": "下降 (decreasing)",
    "no trend": "无明显趋势 (no trend)",
}
_MAX_ROWS = 40


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


def _emerging_units(v: View, em: pd.DataFrame, label: pd.Series, cls: pd.Series) -> Table:
    """The units with an emerging class, by class and cases (at most 40)."""
    with_class = em[(cls != "") & (cls != "no_pattern")].copy()
    small = None
    if len(with_class):
        with_class["uid"] = with_class["unit_id"].astype(str)
        known = v.places(list(with_class["uid"]))
        with_class["place"] = [known.get(u, u) for u in with_class["uid"]]
        with_class["label_t"] = label[with_class.index].map(text)
        with_class["trend_zh"] = str_col(with_class, "trend").map(
            lambda x: _TREND_ZH.get(text(x), text(x))
        )
        with_class["n_c"] = num_col(with_class, "n_cases")
        with_class = with_class.sort_values(
            ["label_t", "n_c", "uid"], ascending=[True, False, True], kind="stable"
        ).iloc[:_MAX_ROWS]
        small = num_col(with_class, "n_c").fillna(0) < v.k
    return table(
        with_class,
        [
            Col("place", "地点 (place)"),
            Col("label_t", "类别 (class)"),
            Col("trend_zh", "趋势 (trend)"),
            Col("n_c", "起数 (cases)", fmt_int, True, True),
            Col("n_steps", "季度数 (n_steps)", fmt_int, True),
            Col("sparseness", "零起季度占比 (sparseness)", fmt_pct, True),
        ],
        f"有新兴热点类别的单元 (units with an emerging class), {period(v.result.history)}",
        k=v.k,
        small=small,
        empty="没有单元属于新兴热点类别 (no unit has an emerging class)",
    )


def _emerging(v: View) -> dict[str, Any] | None:
    """The emerging-hotspot classes: steps, units per class, the units (None: no results)."""
    em = v.result.emerging.units
    if em.empty or "emerging_class" not in em:
        return None
    n_steps = num_col(em, "n_steps")
    steps = int(n_steps.max()) if n_steps.notna().any() else len(v.result.history)
    label = em["emerging_label"] if "emerging_label" in em else em["emerging_class"]
    cls = em["emerging_class"].map(text)
    counts = (
        pd.DataFrame({"cls": cls, "label": label.map(text)})
        .groupby(["cls", "label"])
        .size()
        .reset_index(name="n")
        .sort_values(["n", "cls"], ascending=[False, True], kind="stable")
    )
    return {
        "steps": steps,
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
    """The data of section 5 (``sections/trends.html.j2``)."""
    return {"quarterly": _quarterly(v), "emerging": _emerging(v)}
