"""The quarterly report ``report.html``: the quarter at a glance, for a non-programmer.

:func:`write_report` turns a :class:`~trafficprev.pipeline.RunResult` into **one
self-contained HTML file** (UTF-8, inline CSS, charts as base64 PNG data URIs, no script, no
link to anything outside the file) with nine sections:

1. 本季概览 — quarter, windows, data source (file names and sha256 prefixes), row
   accounting, geocode quality and the review queue;
2. 热点路段与交叉口 — the hot units of the window with their peak window and main
   circumstances, and the count of units by class;
3. 重点企业 — the key list and the funnel plot;
4. 人群与情形 — group and circumstance tables with charts, and the hour-of-day profile;
5. 时段与趋势 — quarterly counts and the emerging-hotspot classes;
6. 建议点位 — warning-sign and campaign sites;
7. 措施评估 — the empirical-Bayes before/after evaluation of earlier measures;
8. 与上季度对比 — hotspots and key enterprises against the previous quarter's run;
9. 说明 — method notes, release levels, files written, the manifest.

The report is for use **inside the centre** (release level ``internal``) but holds no personal
data at all: no worker names, ID numbers, phone numbers, narratives, exact times or decision
numbers; cells with fewer than ``k_police`` cases are marked ``*`` so that they can be
suppressed before anything is shared. Every text that comes from records (road names,
enterprise names, reasons …) is escaped with :func:`html.escape`.

The same result gives the same bytes: figures are rendered with matplotlib's Agg backend to
PNG without the ``Software`` metadata, nothing depends on the clock, and the file is written
atomically (a temporary file in the same folder, then :func:`os.replace`).
"""

from __future__ import annotations

import base64
import html
import io
import math
import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ._accounting import FLAGS, REASONS
from ._display import display_path
from ._periods import quarter_of
from ._plotting import plain_label
from .groups import cjk_style, plot_funnel
from .settings import Settings
from .trends import circular_summary

__all__ = ["SECTIONS", "render_report", "write_report"]

#: Section anchors and headings, in report order.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("overview", "1. 本季概览 (The quarter at a glance)"),
    ("hotspots", "2. 热点路段与交叉口 (Hotspot roads and intersections)"),
    ("enterprises", "3. 重点企业 (Key enterprises)"),
    ("groups", "4. 人群与情形 (Groups and circumstances)"),
    ("trends", "5. 时段与趋势 (Time and trends)"),
    ("sites", "6. 建议点位 (Recommended sites)"),
    ("evaluation", "7. 措施评估 (Evaluation of measures)"),
    ("comparison", "8. 与上季度对比 (Against the previous quarter)"),
    ("notes", "9. 说明 (Notes on method)"),
)

_TOP_HOTSPOTS = 15
_MAX_ROWS = 40
_DPI = 100
_DASH = "—"

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
_CLASS_ZH = {
    "significant": "统计显著 (Gi*, FDR)",
    "threshold": "达到多发点段阈值 (threshold)",
    "cluster": "密集聚集 (cluster)",
}
_KIND_ZH = {"intersection": "交叉口", "segment": "路段"}
_TREND_ZH = {
    "increasing": "上升 (increasing)",
    "decreasing": "下降 (decreasing)",
    "no trend": "无明显趋势 (no trend)",
}
_GOAL_ZH = {"yes": "达到", "likely": "可能达到", "no": "未达到"}
_INPUT_ZH = {
    "determinations": "工伤认定台账",
    "enterprises": "企业名录",
    "campaign_sites": "宣传点候选",
    "measures": "既有措施",
    "overrides": "人工复核坐标",
}
_HOTSPOT_LABEL = "工伤数据视角的多发点段 (not the police designation)"

_CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC","SimHei",sans-serif;
margin:0 auto;max-width:1100px;padding:1em 2em;color:#222;line-height:1.55;font-size:15px}
h1{font-size:1.6em;border-bottom:3px solid #b22222;padding-bottom:.3em}
h2{font-size:1.3em;margin-top:2em;border-bottom:1px solid #bbb;padding-bottom:.2em}
h3{font-size:1.08em;margin-top:1.4em}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.92em}
caption{text-align:left;font-weight:bold;padding:.3em 0;color:#333}
th,td{border:1px solid #ccc;padding:.25em .55em;vertical-align:top}
th{background:#f2f2f2}
td.num{text-align:right;white-space:nowrap}
td.small{background:#fff4d6}
p.note,p.meta{color:#555;font-size:.88em}
p.label{color:#b22222;font-weight:bold}
nav ol{columns:2;list-style:none;padding-left:1em}
figure{margin:.8em 0}
figcaption{color:#555;font-size:.88em}
img{max-width:100%;height:auto}
.ok{color:#1a7f37}.bad{color:#b22222;font-weight:bold}
@media print{body{max-width:none}h2{page-break-before:always}}
"""


# ----------------------------------------------------------------------------------------
# small formatting helpers
# ----------------------------------------------------------------------------------------


def _e(value: object) -> str:
    """Escape any value for HTML text and attributes (None and NaN give an empty string)."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    try:
        if pd.isna(value):  # type: ignore[arg-type]
            return ""
    except (TypeError, ValueError):
        pass
    return html.escape(str(value), quote=True)


def _float(value: object) -> float:
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
    return out


def _fmt_int(value: object) -> str:
    """``1,234``; ``—`` for missing values."""
    v = _float(value)
    return f"{round(v):,}" if math.isfinite(v) else _DASH


def _fmt_num(value: object, digits: int = 1) -> str:
    """A number with ``digits`` decimals and thousands separators; ``—`` when missing."""
    v = _float(value)
    return f"{v:,.{digits}f}" if math.isfinite(v) else _DASH


def _fmt_pct(value: object, digits: int = 1) -> str:
    """A share 0–1 as a percentage, ``58.6%``; ``—`` when missing."""
    v = _float(value)
    return f"{100.0 * v:.{digits}f}%" if math.isfinite(v) else _DASH


def _fmt_change(value: object) -> str:
    """A relative change as a signed percentage, ``−12.3%``."""
    v = _float(value)
    if not math.isfinite(v):
        return _DASH
    return f"{100.0 * v:+.1f}%".replace("-", "−")


def _text(value: object) -> str:
    """Plain text of a record value (missing values give an empty string)."""
    if value is None:
        return ""
    try:
        if pd.isna(value):  # type: ignore[arg-type]
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


def _frame(value: object) -> pd.DataFrame:
    """``value`` if it is a DataFrame, else an empty one."""
    return value if isinstance(value, pd.DataFrame) else pd.DataFrame()


def _num_col(frame: pd.DataFrame, name: str) -> pd.Series:
    """A column as floats (NaN where missing or unreadable; all NaN when absent)."""
    if name not in frame:
        return pd.Series(np.nan, index=frame.index, dtype=float)
    return pd.to_numeric(frame[name], errors="coerce").astype(float)


def _str_col(frame: pd.DataFrame, name: str) -> pd.Series:
    """A column as plain strings ("" where missing; all "" when absent)."""
    if name not in frame:
        return pd.Series("", index=frame.index, dtype=object)
    return frame[name].map(_text).astype(object)


def _bool(series: pd.Series) -> pd.Series:
    """A column as plain booleans (missing and unreadable values are False)."""

    def one(v: object) -> bool:
        if isinstance(v, str):
            return v.strip().lower() in {"true", "1", "yes"}
        try:
            return bool(v) and not pd.isna(v)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return False

    return pd.Series([one(v) for v in series], index=series.index, dtype=bool)


def _period(quarters: Sequence[str]) -> str:
    q = [str(x) for x in quarters]
    if not q:
        return ""
    return q[0] if len(q) == 1 else f"{q[0]}–{q[-1]}"


# ----------------------------------------------------------------------------------------
# tables
# ----------------------------------------------------------------------------------------


class _Col(NamedTuple):
    """One column of a rendered table: source column, header, formatter, kind."""

    name: str
    header: str
    fmt: Callable[[object], str] = _text
    numeric: bool = False
    count: bool = False  # a case count: marked when the row is a small cell


def _table(
    frame: pd.DataFrame,
    cols: Sequence[_Col],
    caption: str,
    *,
    k: int | None = None,
    small: pd.Series | None = None,
    empty: str = "本期没有数据 (no data for this period)。",
    note: str = "",
) -> str:
    """An HTML table with a caption; a sentence instead when ``frame`` is empty.

    Cells of ``count`` columns in rows with ``small`` True (default: the frame's ``small``
    column) are marked ``*`` and shaded, with a footnote giving ``k``.
    """
    if frame is None or frame.empty:
        return f'<p class="empty">{_e(caption)}：{_e(empty)}</p>\n'
    if small is None:
        small = _bool(frame["small"]) if "small" in frame else pd.Series(False, index=frame.index)
    small = small.reindex(frame.index, fill_value=False).astype(bool)
    head = "".join(f"<th>{_e(c.header)}</th>" for c in cols)
    rows = []
    any_small = False
    for idx, row in frame.iterrows():
        cells = []
        is_small = bool(small.loc[idx])
        for c in cols:
            value = row[c.name] if c.name in row.index else None
            text = _e(c.fmt(value))
            cls = ["num"] if c.numeric else []
            if c.count and is_small:
                text += "*"
                cls.append("small")
                any_small = True
            attr = f' class="{" ".join(cls)}"' if cls else ""
            cells.append(f"<td{attr}>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    foot = []
    if any_small and k is not None:
        foot.append(
            f"* 少于{k}起的小格（n &lt; k = {k}），对外提供前须隐去 "
            "(small cell: suppress before sharing)。"
        )
    if note:
        foot.append(_e(note))
    notes = "".join(f'<p class="note">{f}</p>' for f in foot)
    return (
        f"<table><caption>{_e(caption)}</caption>\n<thead><tr>{head}</tr></thead>\n<tbody>\n"
        + "\n".join(rows)
        + f"\n</tbody></table>\n{notes}\n"
    )


def _kv_table(pairs: Sequence[tuple[str, str]], caption: str) -> str:
    """A two-column table of labels and already formatted values."""
    rows = "".join(f"<tr><th>{_e(a)}</th><td>{_e(b)}</td></tr>" for a, b in pairs)
    return f"<table><caption>{_e(caption)}</caption><tbody>{rows}</tbody></table>\n"


# ----------------------------------------------------------------------------------------
# figures
# ----------------------------------------------------------------------------------------


def _png(fig: Figure) -> str:
    """Render a figure to a PNG data URI (no ``Software`` metadata: same figure, same bytes)."""
    buf = io.BytesIO()
    with warnings.catch_warnings():
        # without a CJK font matplotlib warns per missing glyph; the report is still useful
        warnings.filterwarnings("ignore", message=r"Glyph .* missing", category=UserWarning)
        fig.savefig(buf, format="png", dpi=_DPI, metadata={"Software": None})
    fig.clear()
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _figure(uri: str, alt: str, caption: str) -> str:
    return (
        f'<figure><img src="{uri}" alt="{_e(alt)}">'
        f"<figcaption>{_e(caption)}</figcaption></figure>\n"
    )


def _draw(build: Callable[[], Figure]) -> str:
    """Build a figure inside :func:`cjk_style` and return its data URI."""
    with cjk_style(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph .* missing", category=UserWarning)
        fig = build()
        return _png(fig)


def _category_col(table: pd.DataFrame) -> str:
    return str(table.columns[0])


def _bar_panels(tables: Sequence[tuple[str, pd.DataFrame]], k: int) -> Figure:
    """Small multiples: one horizontal bar chart of case counts per table (top 12 rows)."""
    n = len(tables)
    ncols = 2 if n > 1 else 1
    nrows = math.ceil(n / ncols)
    fig = Figure(figsize=(10.0, 3.2 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for i, (title, table) in enumerate(tables):
        ax = axes[i // ncols][i % ncols]
        top = table.iloc[:12]
        labels = [plain_label(_text(v)) or "（空）" for v in top[_category_col(top)]]
        values = pd.to_numeric(top["n"], errors="coerce").fillna(0).to_numpy(dtype=float)
        small = values < k
        colors = np.where(small, "#bbbbbb", "#2b6cb0")
        pos = np.arange(len(top), dtype=float)
        ax.barh(pos, values, color=colors, height=0.7)
        for y, v in zip(pos, values, strict=True):
            ax.annotate(
                f"{v:,.0f}",
                (v, y),
                xytext=(3, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
            )
        ax.set_yticks(pos, labels)
        ax.set_ylim(len(top) - 0.5, -0.5)
        ax.set_xlim(0, max(float(values.max()) if len(values) else 0.0, 1.0) * 1.18)
        ax.set_title(title, fontsize=11)
        ax.set_xlabel("起数 (cases)")
        ax.grid(True, axis="x", lw=0.4, alpha=0.5)
        ax.set_axisbelow(True)
    for j in range(n, nrows * ncols):
        axes[j // ncols][j % ncols].set_visible(False)
    return fig


def _hour_chart(counts: np.ndarray, peak: tuple[float, float] | None) -> Figure:
    """Cases per hour of day (0–23), the peak window shaded."""
    fig = Figure(figsize=(9.0, 3.4), layout="constrained")
    ax = fig.add_subplot()
    hours = np.arange(24)
    ax.bar(hours + 0.5, counts, width=0.85, color="#2b6cb0", label="起数 (cases)")
    if peak is not None:
        start, end = peak[0] / 60.0, peak[1] / 60.0
        spans = [(start, end)] if end > start else [(start, 24.0), (0.0, end)]
        for i, (a, b) in enumerate(spans):
            ax.axvspan(
                a,
                b,
                color="#f6ad55",
                alpha=0.35,
                zorder=0,
                label="高峰时段 (peak window)" if i == 0 else "_nolegend_",
            )
        ax.legend(loc="upper left", fontsize=9)
    ax.set_xlim(0, 24)
    ax.set_xticks(range(0, 25, 2))
    ax.set_xlabel("时刻 (hour of day)")
    ax.set_ylabel("起数 (cases)")
    ax.grid(True, axis="y", lw=0.4, alpha=0.5)
    ax.set_axisbelow(True)
    return fig


def _quarter_chart(quarters: Sequence[str], counts: np.ndarray, window: Sequence[str]) -> Figure:
    """Commuting cases per quarter, the analysis window shaded."""
    fig = Figure(figsize=(9.0, 3.4), layout="constrained")
    ax = fig.add_subplot()
    x = np.arange(len(quarters), dtype=float)
    ax.plot(x, counts, marker="o", color="#2b6cb0", lw=1.8)
    for xi, v in zip(x, counts, strict=True):
        ax.annotate(
            f"{v:,.0f}", (xi, v), xytext=(0, 5), textcoords="offset points", ha="center", fontsize=8
        )
    inside = [i for i, q in enumerate(quarters) if q in set(window)]
    if inside:
        ax.axvspan(
            min(inside) - 0.4,
            max(inside) + 0.4,
            color="#f6ad55",
            alpha=0.25,
            label="分析窗口 (analysis window)",
        )
        ax.legend(loc="lower left", fontsize=9)
    ax.set_xticks(x, list(quarters), rotation=45 if len(quarters) > 8 else 0)
    ax.set_ylim(0, max(float(counts.max()) if len(counts) else 0.0, 1.0) * 1.2)
    ax.set_ylabel("通勤交通事故工伤 (cases)")
    ax.grid(True, axis="y", lw=0.4, alpha=0.5)
    ax.set_axisbelow(True)
    return fig


# ----------------------------------------------------------------------------------------
# places in words
# ----------------------------------------------------------------------------------------

_COMPASS = ("北", "东北", "东", "东南", "南", "西南", "西", "西北")


def _compass(dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
    angle = (np.degrees(np.arctan2(dx, dy)) + 360.0) % 360.0
    return np.asarray(_COMPASS, dtype=object)[(((angle + 22.5) % 360) // 45).astype(int)]


def _places(unit_ids: Sequence[str], units: pd.DataFrame, crs_metric: object) -> dict[str, str]:
    """Each unit in words.

    An intersection is ``建设路与解放路交叉口``; a segment is its road and, when an
    intersection on that road lies within 500 m of the segment's middle,
    ``南岭大道（南岭大道与建设南路交叉口往西约50米）``, else its stretch
    ``南岭大道（0–100米段）``.
    """
    out: dict[str, str] = {}
    if units.empty or "unit_id" not in units:
        return out
    info = units.drop_duplicates("unit_id").set_index("unit_id")
    want = list(dict.fromkeys(str(u) for u in unit_ids))
    known = [u for u in want if u in info.index]
    if not known:
        return out
    sel = info.loc[known]
    road = sel["road"].map(_text) if "road" in sel else pd.Series("", index=sel.index)
    cross = sel["cross_road"].map(_text) if "cross_road" in sel else pd.Series("", index=sel.index)
    kind = sel["kind"].map(_text) if "kind" in sel else pd.Series("", index=sel.index)
    for u in known:
        r, c = road[u], cross[u]
        if kind[u] == "intersection" or (kind[u] != "segment" and c and c != r):
            out[u] = f"{r}与{c}交叉口" if c else r
        else:
            lo = _float(sel.at[u, "from_m"]) if "from_m" in sel else math.nan
            hi = _float(sel.at[u, "to_m"]) if "to_m" in sel else math.nan
            stretch = (
                f"（{lo:.0f}–{hi:.0f}米段）" if math.isfinite(lo) and math.isfinite(hi) else ""
            )
            out[u] = f"{r}{stretch}" if r else u
    segs = [u for u in known if kind[u] == "segment" and road[u]]
    if segs and "geometry" in info and "kind" in info:
        out.update(_segment_refs(segs, info, crs_metric))
    return out


def _segment_refs(segs: list[str], info: pd.DataFrame, crs_metric: object) -> dict[str, str]:
    """Segments described from the nearest intersection on their road (within 500 m)."""
    import geopandas as gpd

    inter = info[info["kind"].map(_text) == "intersection"]
    if inter.empty:
        return {}
    try:
        geo = gpd.GeoSeries(
            list(info.loc[segs, "geometry"]) + list(inter["geometry"]), crs="EPSG:4326"
        )
        crs = crs_metric or geo.estimate_utm_crs()
        metric = geo.to_crs(crs)
    except Exception:  # a description is optional: fall back to the stretch
        return {}
    mid = metric.iloc[: len(segs)].interpolate(0.5, normalized=True)
    pts = metric.iloc[len(segs) :]
    ix, iy = pts.x.to_numpy(), pts.y.to_numpy()
    i_road = inter["road"].map(_text).to_numpy(dtype=object)
    i_cross = inter["cross_road"].map(_text).to_numpy(dtype=object)
    out: dict[str, str] = {}
    for j, u in enumerate(segs):
        r = _text(info.at[u, "road"])
        on = (i_road == r) | (i_cross == r)
        if not on.any() or mid.iloc[j] is None or mid.iloc[j].is_empty:
            continue
        mx, my = mid.iloc[j].x, mid.iloc[j].y
        d = np.hypot(ix - mx, iy - my)
        d = np.where(on, d, np.inf)
        best = int(np.argmin(d))
        if not math.isfinite(d[best]) or d[best] > 500.0:
            continue
        other = i_cross[best] if i_road[best] == r else i_road[best]
        metres = int(round(d[best] / 10.0) * 10)
        where = f"{r}与{other}交叉口"
        if metres >= 10:
            way = _compass(np.array([mx - ix[best]]), np.array([my - iy[best]]))[0]
            where += f"往{way}约{metres}米"
        out[u] = f"{r}（{where}）"
    return out


# ----------------------------------------------------------------------------------------
# the result, read defensively
# ----------------------------------------------------------------------------------------


class _R:
    """The parts of a RunResult the report reads, with empty defaults for missing parts."""

    def __init__(self, result: object, settings: Settings) -> None:
        g = lambda name, default=None: getattr(result, name, default)  # noqa: E731
        self.settings = settings
        self.k = int(settings.k_police)
        self.quarter = _text(g("quarter", ""))
        self.window = tuple(str(q) for q in (g("window") or ()))
        self.history = tuple(str(q) for q in (g("history") or ()))
        self.out = g("out")
        manifest = g("manifest")
        self.manifest: Mapping[str, Any] = manifest if isinstance(manifest, Mapping) else {}
        self.intake = g("intake")
        hs = g("hotspots")
        self.units = _frame(getattr(hs, "units", None))
        self.window_cases = _frame(getattr(hs, "cases", None))
        network = getattr(hs, "network", None)
        self.crs_metric = getattr(network, "crs_metric", None)
        self.history_cases = _frame(g("history_cases"))
        self.geocoded = _frame(g("geocoded"))
        self.review_queue = g("review_queue")
        self.emerging = _frame(getattr(g("emerging"), "units", None))
        self.peaks = _frame(g("peaks"))
        self.key = _frame(g("key"))
        self.groups = g("groups") if isinstance(g("groups"), Mapping) else {}
        self.circumstances = g("circumstances") if isinstance(g("circumstances"), Mapping) else {}
        self.sign_sites = _frame(g("sign_sites"))
        self.campaign_sites = _frame(g("campaign_sites"))
        self.evaluation = _frame(getattr(g("evaluation"), "summary", None))
        comparison = g("comparison")
        self.comparison: Mapping[str, Any] | None = (
            comparison if isinstance(comparison, Mapping) else None
        )
        self.period = _period(self.window) or self.quarter
        key_window = self.manifest.get("key_window") or self.key.attrs.get("quarters") or ()
        self.key_period = _period([str(q) for q in key_window]) or self.period
        self._places: dict[str, str] = {}

    def places(self, unit_ids: Sequence[str]) -> dict[str, str]:
        """Units of the window in words (ids not among the window's units are left out)."""
        missing = [str(u) for u in unit_ids if str(u) not in self._places]
        if missing:
            self._places.update(_places(missing, self.units, self.crs_metric))
        return {str(u): self._places[str(u)] for u in unit_ids if str(u) in self._places}

    def accounting(self) -> dict[str, Any]:
        acc = getattr(self.intake, "accounting", None)
        if acc is not None and hasattr(acc, "to_dict"):
            return dict(acc.to_dict())
        got = self.manifest.get("accounting")
        return dict(got) if isinstance(got, Mapping) else {}

    def review_size(self) -> int | None:
        if isinstance(self.review_queue, pd.DataFrame):
            return len(self.review_queue)
        got = self.manifest.get("review_queue")
        return int(got) if isinstance(got, int | np.integer) else None


# ----------------------------------------------------------------------------------------
# sections
# ----------------------------------------------------------------------------------------


def _s_overview(r: _R) -> str:
    parts = []
    area = r.manifest.get("area")
    area = area if isinstance(area, Mapping) else {}
    facts = [
        ("季度 (quarter)", r.quarter),
        ("热点分析窗口 (hotspot window)", f"{r.period}（截至本季度的{len(r.window)}个季度）"),
        ("重点企业窗口 (key-enterprise window)", r.key_period),
        ("历史季度 (history)", _period(r.history)),
    ]
    if area:
        facts.append(
            ("区域 (area)", f"{_text(area.get('name'))}（版本 {_text(area.get('version'))}）")
        )
    if r.manifest.get("created_for"):
        facts.append(("编制日期 (prepared for)", _text(r.manifest.get("created_for"))))
    parts.append(_kv_table(facts, f"本季基本信息 (basic facts), {r.quarter}"))

    rows = []
    inputs = r.manifest.get("inputs")
    if isinstance(inputs, Mapping):
        for kind, files in inputs.items():
            for f in files or ():
                if not isinstance(f, Mapping):
                    continue
                rows.append(
                    {
                        "kind": _INPUT_ZH.get(str(kind), str(kind)),
                        "file": Path(_text(f.get("path"))).name,
                        "sha": _text(f.get("sha256"))[:12],
                    }
                )
    parts.append(
        _table(
            pd.DataFrame(rows),
            [
                _Col("kind", "数据 (input)"),
                _Col("file", "文件名 (file)"),
                _Col("sha", "SHA-256 前12位 (hash prefix)"),
            ],
            f"数据来源 (data source): 本次运行读取的文件, {r.quarter}",
            empty="清单中没有记录输入文件 (no input files in the manifest)。",
        )
    )

    acc = r.accounting()
    if acc:
        read, cases = acc.get("read"), acc.get("cases")
        rej, dup = acc.get("rejected"), acc.get("duplicates")
        nums = [_float(v) for v in (read, cases, rej, dup)]
        adds = all(math.isfinite(v) for v in nums) and nums[0] == sum(nums[1:])
        check = (
            '<span class="ok">✓ 相符 (adds up)</span>'
            if adds
            else '<span class="bad">✗ 不相符 (does not add up)</span>'
        )
        parts.append(
            _kv_table(
                [
                    ("读入行数 (rows read)", _fmt_int(read)),
                    ("有效案件 (cases)", _fmt_int(cases)),
                    ("被拒行 (rejected)", _fmt_int(rej)),
                    ("重复行 (duplicates)", _fmt_int(dup)),
                    (
                        "其中通勤交通事故 (commuting traffic cases)",
                        _fmt_int(acc.get("commuting_traffic")),
                    ),
                ],
                f"行数核对 (row accounting): 读入 = 案件 + 被拒 + 重复, 全部输入至 {r.quarter}",
            )
        )
        parts.append(
            f"<p>核对 (check): {_fmt_int(read)} = {_fmt_int(cases)} + {_fmt_int(rej)} + "
            f"{_fmt_int(dup)} {check}。被拒行见 rejected_rows.csv，重复行见 duplicates.csv。</p>\n"
        )
        for key, labels, what in (
            (
                "rejected_by_reason",
                {k: v[1] for k, v in REASONS.items()},
                "被拒行的原因 (why rows were rejected)",
            ),
            ("flagged", FLAGS, "数据质量提示 (rows kept but flagged)"),
        ):
            counts = acc.get(key)
            if not isinstance(counts, Mapping) or not counts:
                continue
            frame = pd.DataFrame(
                {
                    "code": [str(c) for c in counts],
                    "reason": [labels.get(str(c), str(c)) for c in counts],
                    "n": [_float(counts[c]) for c in counts],
                }
            ).sort_values(["n", "code"], ascending=[False, True], kind="stable")
            parts.append(
                _table(
                    frame,
                    [_Col("reason", "原因 (reason)"), _Col("n", "行数 (rows)", _fmt_int, True)],
                    f"{what}, 全部输入至 {r.quarter}",
                )
            )
    else:
        parts.append("<p>没有行数核对信息 (no row accounting available)。</p>\n")

    levels = r.manifest.get("geocode_levels")
    if isinstance(levels, Mapping) and levels:
        lv = pd.DataFrame({"level": list(levels), "n": [_float(levels[k]) for k in levels]})
    elif "match_level" in r.geocoded:
        vc = r.geocoded["match_level"].map(_text).value_counts()
        lv = pd.DataFrame({"level": vc.index.astype(str), "n": vc.to_numpy(dtype=float)})
    else:
        lv = pd.DataFrame(columns=["level", "n"])
    if not lv.empty:
        total = float(lv["n"].sum())
        order = {k: i for i, k in enumerate(_LEVEL_ZH)}
        lv = lv.assign(
            label=lv["level"].map(lambda v: _LEVEL_ZH.get(str(v), str(v))),
            share=lv["n"] / total if total > 0 else math.nan,
            o=lv["level"].map(lambda v: order.get(str(v), len(order))),
        ).sort_values(["o", "level"], kind="stable")
    parts.append(
        _table(
            lv,
            [
                _Col("label", "定位精度 (match level)"),
                _Col("n", "起数 (cases)", _fmt_int, True),
                _Col("share", "占比 (share)", _fmt_pct, True),
            ],
            f"地理编码质量 (geocode quality): 通勤交通事故工伤的定位精度, {_period(r.history)}",
            empty="没有地理编码结果 (no geocoding results)。",
        )
    )
    size = r.review_size()
    if size is not None:
        parts.append(
            f"<p>待人工复核 (review queue): <b>{_fmt_int(size)}</b> 起，见 review_queue.csv。"
            "填写方法：在该表中填 override_lon / override_lat（来自高德地图时 override_crs 填 "
            "GCJ02，百度地图填 BD09）或填 override_candidate（所列候选地点的编号），另存为 "
            "overrides.csv，下次运行时用 --overrides 传入即可 (fill in a point or a candidate "
            "number, save as overrides.csv and pass it with --overrides next quarter)。</p>\n"
        )
    return "".join(parts)


def _main_circumstances(cases: pd.DataFrame) -> str:
    """Most common mode × counterpart and direction of a unit's cases, in words."""
    n = len(cases)
    if n == 0:
        return _DASH
    out = []
    if {"mode", "counterpart"} <= set(cases.columns):
        pair = pd.DataFrame(
            {"mode": cases["mode"].map(_text), "cp": cases["counterpart"].map(_text)}
        )
        pair = pair[(pair["mode"] != "") & (pair["cp"] != "")]
        if len(pair):
            counts = pair.value_counts().reset_index(name="n")
            counts = counts.sort_values(
                ["n", "mode", "cp"], ascending=[False, True, True], kind="stable"
            )
            top = counts.iloc[0]
            out.append(f"{top['mode']}与{top['cp']}（{int(top['n'])}/{n}起）")
    if "direction" in cases:
        d = cases["direction"].map(_text)
        d = d[d != ""]
        if len(d):
            counts = d.value_counts().reset_index()
            counts.columns = ["d", "n"]
            counts = counts.sort_values(["n", "d"], ascending=[False, True], kind="stable")
            top = counts.iloc[0]
            out.append(f"{top['d']}途中{100.0 * top['n'] / n:.0f}%")
    return "；".join(out) or _DASH


def _s_hotspots(r: _R) -> str:
    parts = [f'<p class="label">{_e(_HOTSPOT_LABEL)}</p>\n']
    units = r.units
    if units.empty or not {"unit_id", "hotspot_class"} <= set(units.columns):
        parts.append("<p>本期没有热点分析结果 (no hotspot results for this period)。</p>\n")
        return "".join(parts)
    cls = units["hotspot_class"].map(_text)
    hot = units[cls != ""].copy()
    hot["cls"] = cls[cls != ""]
    counts = (
        hot.groupby("cls").size().reindex(list(_CLASS_ZH)).dropna()
        if len(hot)
        else pd.Series(dtype=float)
    )
    extra = sorted(set(hot["cls"]) - set(_CLASS_ZH)) if len(hot) else []
    rows = [{"cls": _CLASS_ZH[c], "n": counts[c]} for c in counts.index]
    rows += [{"cls": c, "n": int((hot["cls"] == c).sum())} for c in extra]
    kinds = hot["kind"].map(_text) if "kind" in hot else pd.Series("", index=hot.index)
    parts.append(
        _table(
            pd.DataFrame(rows),
            [_Col("cls", "类别 (class)"), _Col("n", "单元数 (units)", _fmt_int, True)],
            f"按类别统计的热点单元数 (hot units by class), {r.period}",
            empty="没有热点单元 (no hot units)",
        )
    )
    if hot.empty:
        return "".join(parts)
    parts.append(
        f"<p>共 {_fmt_int(len(hot))} 个热点单元：交叉口 {_fmt_int((kinds == 'intersection').sum())}"
        f" 个，路段 {_fmt_int((kinds == 'segment').sum())} 个 (hot units: intersections, "
        "segments)。类别优先级：统计显著 &gt; 达到阈值 &gt; 聚集。</p>\n"
    )
    order = {c: i for i, c in enumerate(_CLASS_ZH)}
    hot["n"] = _num_col(hot, "n_cases").fillna(0)
    hot["o"] = hot["cls"].map(lambda c: order.get(c, len(order)))
    hot["z"] = _num_col(hot, "gi_z").fillna(-np.inf)
    hot["uid"] = hot["unit_id"].astype(str)
    hot = hot.sort_values(
        ["n", "o", "z", "uid"], ascending=[False, True, False, True], kind="stable"
    )
    top = hot.iloc[:_TOP_HOTSPOTS].copy()
    places = r.places(list(top["uid"]))
    peak = (
        r.peaks.drop_duplicates("unit_id").set_index("unit_id")["peak_text"]
        if {"unit_id", "peak_text"} <= set(r.peaks.columns)
        else pd.Series(dtype=object)
    )
    wc = r.window_cases
    by_unit = (
        {str(u): g for u, g in wc.groupby(wc["unit_id"].astype(str))}
        if "unit_id" in wc and len(wc)
        else {}
    )
    top["rank"] = np.arange(1, len(top) + 1)
    top["place"] = [places.get(u, u) for u in top["uid"]]
    top["kind_zh"] = (
        top["kind"].map(lambda v: _KIND_ZH.get(_text(v), _text(v))) if "kind" in top else ""
    )
    top["cls_zh"] = top["cls"].map(lambda c: _CLASS_ZH.get(c, c))
    top["peak"] = top["uid"].map(lambda u: _text(peak.get(u)) or _DASH)
    top["circ"] = top["uid"].map(lambda u: _main_circumstances(by_unit.get(u, pd.DataFrame())))
    parts.append(
        _table(
            top,
            [
                _Col("rank", "序号", _fmt_int, True),
                _Col("place", "地点 (place)"),
                _Col("kind_zh", "类型 (kind)"),
                _Col("n", "起数 (cases)", _fmt_int, True, True),
                _Col("cls_zh", "类别 (class)"),
                _Col("peak", "高峰时段 (peak window)"),
                _Col("circ", "主要情形 (main circumstances)"),
            ],
            f"热点单元（按起数排序，前{min(len(hot), _TOP_HOTSPOTS)}个，共{len(hot)}个）"
            f" (top hot units), {r.period}",
            k=r.k,
            small=top["n"] < r.k,
            note="起数为分析窗口内落在该单元的案件；邻域起数多的单元即使本身起数为0也可能是热点。"
            "高峰时段与主要情形按该单元的案件计算。",
        )
    )
    return "".join(parts)


def _s_enterprises(r: _R) -> str:
    key = r.key
    parts = []
    if key.empty or "key" not in key:
        return "<p>本期没有企业分析结果（未提供企业名录或没有案件）(no enterprise results)。</p>\n"
    on = key[_bool(key["key"])].copy()
    if "rank" in on:
        on["r"] = pd.to_numeric(on["rank"], errors="coerce")
        on = on.sort_values(["r"], kind="stable")
    theta = _float(key.attrs.get("theta"))
    if math.isfinite(theta):
        digits = 1 if theta >= 0.001 else 3
        parts.append(
            f"<p>全市平均发生率 (overall rate): {_fmt_num(theta * 1000, digits)}‰/年"
            "（每千名参保职工每年）。</p>\n"
        )
    parts.append(
        _table(
            on,
            [
                _Col("rank", "排名 (rank)", _fmt_int, True),
                _Col("name", "企业 (enterprise)"),
                _Col("n_cases", "起数 (cases)", _fmt_int, True, True),
                _Col("insured", "参保人数 (insured)", _fmt_int, True),
                _Col("rate_per_1000", "发生率 ‰/年 (rate)", _fmt_num, True),
                _Col("eb_rate_per_1000", "EB平滑率 ‰/年 (EB rate)", _fmt_num, True),
                _Col("reason", "理由 (reason)"),
            ],
            f"重点企业名单 (key list for training), {r.key_period}",
            k=r.k,
            small=_num_col(on, "n_cases").fillna(0) < r.k,
            empty="没有企业列入重点名单 (no enterprise on the key list)",
            note="EB平滑率：经验贝叶斯平滑后的发生率，参保人数少的企业向全市平均收缩，"
            "避免一起事故就排在前面。",
        )
    )
    need = {"person_years", "rate_per_1000", "name"}
    if need <= set(key.columns) and math.isfinite(theta):
        try:
            uri = _draw(lambda: plot_funnel(key, label_col="name", highlight_col="key"))
        except (ValueError, TypeError) as exc:
            parts.append(f"<p>漏斗图无法绘制 (funnel plot not drawn): {_e(exc)}</p>\n")
        else:
            parts.append(
                _figure(
                    uri,
                    "漏斗图 funnel plot",
                    f"漏斗图 (funnel plot): 各企业发生率与参保人年，红点为重点企业；"
                    f"控制限以外的企业发生率显著偏高, {r.key_period}",
                )
            )
    return "".join(parts)


_GROUPS = ("性别", "年龄段", "出行方式", "行业")
_TABLE_EN = {
    "性别": "sex",
    "年龄段": "age band",
    "出行方式": "travel mode",
    "行业": "industry, rate per 1,000 insured per year",
    "对方车辆": "counterpart vehicle",
    "交叉口/路段": "at an intersection or mid-block",
    "事故责任": "responsibility found by the police",
}
_CIRCS = ("对方车辆", "交叉口/路段", "事故责任")


def _share_ci(row: pd.Series) -> str:
    s = _fmt_pct(row.get("share"))
    lo, hi = row.get("share_lower"), row.get("share_upper")
    if math.isfinite(_float(lo)) and math.isfinite(_float(hi)):
        s += f"（{_fmt_pct(lo)}–{_fmt_pct(hi)}）"
    return s


def _group_table(name: str, table: pd.DataFrame, r: _R) -> str:
    t = table.copy()
    if t.empty:
        return _table(t, [], f"{name}, {r.period}")
    t["share_ci"] = [_share_ci(row) for _, row in t.iterrows()]
    cols = [
        _Col(_category_col(table), name),
        _Col("n", "起数 (cases)", _fmt_int, True, True),
        _Col("share_ci", "占比及95%区间 (share, 95% CI)", _text, True),
    ]
    if "rate_per_1000" in t:
        t["rate_ci"] = [
            _fmt_num(row.get("rate_per_1000"), 2)
            + (
                f"（{_fmt_num(row.get('rate_lower'), 2)}–{_fmt_num(row.get('rate_upper'), 2)}）"
                if math.isfinite(_float(row.get("rate_lower")))
                else ""
            )
            for _, row in t.iterrows()
        ]
        cols += [
            _Col("insured", "参保人数 (insured)", _fmt_int, True),
            _Col("rate_ci", "发生率 ‰/年及95%区间 (rate)", _text, True),
        ]
    en = _TABLE_EN.get(name, _category_col(table))
    return _table(t, cols, f"{name} ({en}), {r.period}", k=r.k)


def _s_groups(r: _R) -> str:
    parts = [
        f"<p>以下表格按分析窗口 {_e(r.period)} 内的通勤交通事故工伤统计。占比的区间为 Wilson "
        "95% 置信区间。</p>\n"
    ]
    for title, source in (
        ("多发人群 (groups)", r.groups),
        ("多发情形 (circumstances)", r.circumstances),
    ):
        names = _GROUPS if source is r.groups else _CIRCS
        parts.append(f"<h3>{_e(title)}</h3>\n")
        present = []
        for name in names:
            t = _frame(source.get(name))
            if t.empty or "n" not in t:
                parts.append(f"<p>{_e(name)}：本期没有数据 (no data)。</p>\n")
                continue
            present.append((name, t))
            parts.append(_group_table(name, t, r))
        if present:
            uri = _draw(lambda present=present: _bar_panels(present, r.k))
            parts.append(
                _figure(
                    uri,
                    title,
                    f"{title}: 各类别起数（灰色为少于{r.k}起的小格）, {r.period}",
                )
            )
    parts.append("<h3>时刻分布 (hour of day)</h3>\n")
    counts = np.zeros(24)
    wc = r.window_cases
    hour = _frame(r.circumstances.get("小时"))
    if {"hour", "n"} <= set(hour.columns):
        h = pd.to_numeric(hour["hour"], errors="coerce")
        n = pd.to_numeric(hour["n"], errors="coerce").fillna(0)
        ok = h.between(0, 23)
        np.add.at(counts, h[ok].astype(int).to_numpy(), n[ok].to_numpy(dtype=float))
    peak_text, peak = "", None
    if "injured_at" in wc and len(wc):
        try:
            summary = circular_summary(wc, peak_share=float(r.settings.peak_share))
        except (ValueError, TypeError, KeyError):
            summary = pd.DataFrame()
        if len(summary):
            row = summary.iloc[0]
            peak_text = _text(row.get("peak_text"))
            a, b = _float(row.get("peak_start")), _float(row.get("peak_end"))
            if math.isfinite(a) and math.isfinite(b):
                peak = (a, b)
            share = _float(row.get("peak_share"))
            if peak_text and math.isfinite(share):
                peak_text += f"（{_fmt_pct(share, 0)}的有时刻案件）"
    if counts.sum() > 0:
        uri = _draw(lambda: _hour_chart(counts, peak))
        parts.append(
            _figure(
                uri,
                "时刻分布 hour of day",
                f"各时刻的案件数（全部有具体时刻的案件），橙色为高峰时段, {r.period}",
            )
        )
    else:
        parts.append("<p>没有带具体时刻的案件 (no timed cases)。</p>\n")
    if peak_text and peak is None:
        parts.append(
            f"<p>有具体时刻的案件太少，无法确定高峰时段 (too few timed cases for a peak "
            f"window): {_e(peak_text)}。</p>\n"
        )
    elif peak_text:
        parts.append(
            f"<p>高峰时段 (peak window): <b>{_e(peak_text)}</b> —— 包含"
            f"{_fmt_pct(r.settings.peak_share, 0)}有时刻案件的最短时段"
            "（时刻按环形计算，23:30 与 00:30 相邻）。</p>\n"
        )
    return "".join(parts)


def _s_trends(r: _R) -> str:
    parts = []
    cases = r.history_cases if len(r.history_cases) else r.geocoded
    quarters = list(r.history) or list(r.window)
    if quarters and "injured_at" in cases:
        q = quarter_of(cases["injured_at"])
        if "commuting" in cases:
            q = q[_bool(cases["commuting"]).to_numpy()]
        counts = q.value_counts().reindex(quarters, fill_value=0).to_numpy(dtype=float)
        uri = _draw(lambda: _quarter_chart(quarters, counts, r.window))
        parts.append(
            _figure(
                uri,
                "季度起数 quarterly counts",
                f"各季度通勤交通事故工伤起数 (commuting cases per quarter), {_period(quarters)}",
            )
        )
        parts.append(
            _table(
                pd.DataFrame({"q": quarters, "n": counts}),
                [_Col("q", "季度 (quarter)"), _Col("n", "起数 (cases)", _fmt_int, True, True)],
                f"各季度起数 (cases per quarter), {_period(quarters)}",
                k=r.k,
                small=pd.Series(counts < r.k),
            )
        )
    else:
        parts.append("<p>没有历史季度数据 (no quarterly history)。</p>\n")

    em = r.emerging
    parts.append("<h3>新兴热点 (emerging hotspots)</h3>\n")
    if em.empty or "emerging_class" not in em:
        parts.append("<p>本期没有新兴热点分析结果 (no emerging-hotspot results)。</p>\n")
        return "".join(parts)
    n_steps = _num_col(em, "n_steps")
    steps = int(n_steps.max()) if n_steps.notna().any() else len(r.history)
    parts.append(
        f"<p>按季度的时空 Gi* 与 Mann–Kendall 趋势检验，把每个单元归入 ESRI 新兴热点类别；"
        f"共 {steps} 个季度。季度少时（如 8 个季度），“持续”类须每季都热，“历史”类不会出现。</p>\n"
    )
    label = em["emerging_label"] if "emerging_label" in em else em["emerging_class"]
    cls = em["emerging_class"].map(_text)
    counts = (
        pd.DataFrame({"cls": cls, "label": label.map(_text)})
        .groupby(["cls", "label"])
        .size()
        .reset_index(name="n")
        .sort_values(["n", "cls"], ascending=[False, True], kind="stable")
    )
    parts.append(
        _table(
            counts,
            [
                _Col("label", "类别 (class)"),
                _Col("cls", "英文 (code)"),
                _Col("n", "单元数 (units)", _fmt_int, True),
            ],
            f"新兴热点类别的单元数 (units per emerging class), {_period(r.history)}",
        )
    )
    with_class = em[(cls != "") & (cls != "no_pattern")].copy()
    if len(with_class):
        with_class["uid"] = with_class["unit_id"].astype(str)
        known = r.places(list(with_class["uid"]))
        with_class["place"] = [known.get(u, u) for u in with_class["uid"]]
        with_class["label_t"] = label[with_class.index].map(_text)
        with_class["trend_zh"] = _str_col(with_class, "trend").map(
            lambda v: _TREND_ZH.get(_text(v), _text(v))
        )
        with_class["n_c"] = _num_col(with_class, "n_cases")
        with_class = with_class.sort_values(
            ["label_t", "n_c", "uid"], ascending=[True, False, True], kind="stable"
        ).iloc[:_MAX_ROWS]
    parts.append(
        _table(
            with_class,
            [
                _Col("place", "地点 (place)"),
                _Col("label_t", "类别 (class)"),
                _Col("trend_zh", "趋势 (trend)"),
                _Col("n_c", "起数 (cases)", _fmt_int, True, True),
                _Col("n_steps", "季度数 (n_steps)", _fmt_int, True),
                _Col("sparseness", "零起季度占比 (sparseness)", _fmt_pct, True),
            ],
            f"有新兴热点类别的单元 (units with an emerging class), {_period(r.history)}",
            k=r.k,
            small=_num_col(with_class, "n_c").fillna(0) < r.k if len(with_class) else None,
            empty="没有单元属于新兴热点类别 (no unit has an emerging class)",
        )
    )
    return "".join(parts)


def _s_sites(r: _R) -> str:
    parts = [
        "<p>建议点位均须由交警现场核实后再设置 (every site must be checked on the ground by "
        "the traffic police)。坐标见 sites.xlsx。</p>\n"
    ]
    s = r.sign_sites.copy()
    if len(s):
        s["pos"] = [
            _text(row.get("position_text"))
            + ("（已有标志）" if _bool(pd.Series([row.get("existing")])).iat[0] else "")
            for _, row in s.iterrows()
        ]
    parts.append(
        _table(
            s,
            [
                _Col("site_id", "编号 (id)"),
                _Col("pos", "位置 (position)"),
                _Col("facing", "朝向 (facing)"),
                _Col("n_covered", "覆盖起数 (cases)", _fmt_int, True, True),
                _Col("peak_hours", "高峰时段 (peak)"),
                _Col("signs", "建议标志 (signs, GB 5768.2-2022)"),
            ],
            f"警示标志建议点位 (warning-sign sites), {r.period}",
            k=r.k,
            small=_num_col(s, "n_covered").fillna(0) < r.k if len(s) else None,
            empty="本期没有警示标志建议点位 (no sign sites)",
        )
    )
    c = r.campaign_sites.copy()
    if len(c):
        c["kind_t"] = _str_col(c, "site_kind" if "site_kind" in c else "kind")
    parts.append(
        _table(
            c,
            [
                _Col("site_id", "编号 (id)"),
                _Col("name", "名称 (name)"),
                _Col("kind_t", "类型 (kind)"),
                _Col("n_covered", "覆盖起数 (cases reached)", _fmt_int, True, True),
                _Col("reaches", "覆盖对象 (whom it reaches)"),
            ],
            f"集中宣传建议点位 (campaign sites), {r.period}",
            k=r.k,
            small=_num_col(c, "n_covered").fillna(0) < r.k if len(c) else None,
            empty="本期没有宣传点位（未提供候选或企业名录）(no campaign sites)",
        )
    )
    return "".join(parts)


def _s_evaluation(r: _R) -> str:
    ev = r.evaluation.copy()
    if ev.empty:
        return "<p>未提供既有措施，或没有可评估的措施 (no measures to evaluate)。</p>\n"
    ev["change_ci"] = [
        _fmt_change(row.get("change"))
        + (
            f"（{_fmt_change(row.get('change_lower'))} 至 {_fmt_change(row.get('change_upper'))}）"
            if math.isfinite(_float(row.get("change_lower")))
            else ""
        )
        for _, row in ev.iterrows()
    ]
    ev["goal"] = _str_col(ev, "met_goal").map(lambda v: _GOAL_ZH.get(_text(v), _text(v)))
    parts = [
        "<p>经验贝叶斯（EB）前后对比：因事故多而被选中的地点，即使什么都不做，下一年事故也往往"
        "会减少（回归均值）；EB 方法用未处置的对照单元估计“不采取措施时预期的事故数”，再与实际"
        "比较，因此比简单的前后相减更可信。目标：同比下降至少10%（整个区间低于−10% 为“达到”，"
        "仅估计值低于−10% 为“可能达到”）。</p>\n",
        _table(
            ev,
            [
                _Col("group", "措施组 (group)"),
                _Col("n_treated", "处置数 (treated)", _fmt_int, True),
                _Col("before", "实施前 (before)", _fmt_int, True),
                _Col("after", "实施后 (after)", _fmt_int, True),
                _Col("expected_after", "预期 (expected)", lambda v: _fmt_num(v, 1), True),
                _Col("change_ci", "变化及95%区间 (change)", _text, True),
                _Col("naive_change", "简单前后变化 (naive)", _fmt_change, True),
                _Col("goal", "是否达到−10%目标 (goal met)"),
                _Col("note", "说明 (note)"),
            ],
            f"措施评估 (evaluation of measures): 实施前后各12个月, {_period(r.history)}",
        ),
    ]
    return "".join(parts)


def _s_comparison(r: _R) -> str:
    comp = r.comparison
    if not comp:
        try:
            prev = str(pd.Period(r.quarter, freq="Q") - 1) if r.quarter else "上一季度"
        except (ValueError, TypeError):
            prev = "上一季度"
        where = f"runs/{prev}"
        if r.out is not None:
            where = display_path(Path(str(r.out)).parent / prev)
        return (
            f"<p>未找到上一季度的运行结果 (no previous run found; looked for {_e(where)})。"
            "上一季度的结果放在同级文件夹（如 runs/2024Q3）时会自动对比。</p>\n"
        )
    parts = [f"<p>上一季度运行 (previous run): {_e(Path(_text(comp.get('previous'))).name)}</p>\n"]
    hs = _frame(comp.get("hotspots"))
    if len(hs) and "status" in hs:
        st = hs["status"].map(_text)
        parts.append(
            f"<p>热点单元：新增 {_fmt_int((st == 'new').sum())} 个，"
            f"持续 {_fmt_int((st == 'persisting').sum())} 个，"
            f"消除 {_fmt_int((st == 'resolved').sum())} 个"
            " (new / persisting / resolved)。</p>\n"
        )
        hs = hs.copy()
        hs["uid"] = hs["unit_id"].map(_text) if "unit_id" in hs else ""
        known = r.places([u for u in hs["uid"] if u])
        hs["place"] = [
            known.get(u)
            or (
                f"{_text(row.get('road'))}与{_text(row.get('cross_road'))}交叉口"
                if _text(row.get("cross_road"))
                else _text(row.get("road"))
            )
            for u, (_, row) in zip(hs["uid"], hs.iterrows(), strict=True)
        ]
        order = {"new": 0, "resolved": 1, "persisting": 2}
        hs["o"] = st.map(lambda v: order.get(v, 3))
        hs = hs.sort_values(["o", "uid"], kind="stable").iloc[:_MAX_ROWS]
        parts.append(
            _table(
                hs,
                [
                    _Col("status_zh", "变化 (status)"),
                    _Col("place", "地点 (place)"),
                    _Col("n_cases", "本期起数 (cases)", _fmt_int, True, True),
                    _Col("n_cases_previous", "上期起数 (previous)", _fmt_int, True),
                    _Col(
                        "hotspot_class",
                        "本期类别 (class)",
                        lambda v: _CLASS_ZH.get(_text(v), _text(v)),
                    ),
                ],
                f"热点单元与上季度对比 (hotspots vs the previous quarter), {r.period}",
                k=r.k,
                small=_num_col(hs, "n_cases").fillna(0) < r.k,
            )
        )
    else:
        parts.append("<p>两期都没有热点单元 (no hotspots in either run)。</p>\n")
    ent = _frame(comp.get("enterprises"))
    if len(ent) and "status" in ent:
        st = ent["status"].map(_text)
        parts.append(
            f"<p>重点企业：新进入 {_fmt_int((st == 'entered').sum())} 家，保留 "
            f"{_fmt_int((st == 'stayed').sum())} 家，退出 {_fmt_int((st == 'left').sum())} 家"
            " (entered / stayed / left)。</p>\n"
        )
        changed = ent[st != "stayed"]
        parts.append(
            _table(
                changed,
                [
                    _Col("status_zh", "变化 (status)"),
                    _Col("name", "企业 (enterprise)"),
                    _Col("rank", "本期排名 (rank)", _fmt_int, True),
                    _Col("rank_previous", "上期排名 (previous)", _fmt_int, True),
                    _Col("n_cases", "本期起数 (cases)", _fmt_int, True),
                    _Col("n_cases_previous", "上期起数 (previous)", _fmt_int, True),
                    _Col("reason", "理由 (reason)"),
                ],
                f"重点企业名单的变化 (key-list changes), {r.key_period}",
                empty="名单没有变化 (no change)",
            )
        )
    else:
        parts.append("<p>两期都没有重点企业 (no key enterprises in either run)。</p>\n")
    return "".join(parts)


def _s_notes(r: _R) -> str:
    s = r.settings
    items = [
        f"<b>时间窗口 (windows)</b>：热点、人群与情形、建议点位按分析窗口 {_e(r.period)}"
        f"（截至本季度的{len(r.window)}个季度，一个季度的案件太少）；重点企业按 "
        f"{_e(r.key_period)}（最多八个季度，可检验近四季度是否上升）；趋势与新兴热点按全部历史季度 "
        f"{_e(_period(r.history))}。",
        "<b>案件范围 (cases)</b>：只统计通勤交通事故工伤（认定依据第十四条第（六）项，或受伤经过"
        "写明上下班途中的交通事故）。",
        f"<b>热点 (hotspots)</b>：交叉口与{_fmt_int(s.segment_length_m)}米路段为单元；Getis–Ord Gi*"
        f"（网络相邻，Benjamini–Hochberg FDR {s.fdr_alpha:g}）配合泊松检验；另按多发点段预设的滑动"
        "窗口和 DBSCAN 聚集补充。结果是工伤数据视角的多发点段，不是交警认定的事故多发点段。",
        "<b>发生率 (rates)</b>：每千名参保职工每年（‰/年），精确泊松区间；经验贝叶斯平滑；"
        "漏斗图控制限 95% 与 99.8%。",
        "<b>发布级别 (release levels)</b>：internal（中心内部，本报告）、"
        "police（交警：只含单元汇总，"
        f"少于{s.k_police}起显示为“少于{s.k_police}起”）、public（公开：k = {s.k_public}）。"
        "本报告不含姓名、身份证号、电话、受伤经过和认定书编号；标 * 的小格对外提供前须隐去。",
        "<b>本次写出的文件 (files written)</b>：cases.gpkg（案件、单元、热点、聚集、点位、企业）、"
        "review_queue.csv（待复核）、rejected_rows.csv（被拒行）、duplicates.csv（重复行）、"
        "sites.xlsx 与 sites.gpkg（建议点位）、maps/*.html（离线地图）、report.html（本报告）、"
        "manifest.json（清单）。",
        "<b>清单 (manifest)</b>：manifest.json 记录输入文件的 SHA-256、区域版本、全部参数、软件"
        "版本与行数核对，用于复现本次结果。",
    ]
    if r.out is not None:
        items.append(f"<b>运行文件夹 (run folder)</b>：{_e(display_path(Path(str(r.out)).name))}")
    return "<ul>\n" + "".join(f"<li>{i}</li>\n" for i in items) + "</ul>\n"


_BUILDERS: dict[str, Callable[[_R], str]] = {
    "overview": _s_overview,
    "hotspots": _s_hotspots,
    "enterprises": _s_enterprises,
    "groups": _s_groups,
    "trends": _s_trends,
    "sites": _s_sites,
    "evaluation": _s_evaluation,
    "comparison": _s_comparison,
    "notes": _s_notes,
}


# ----------------------------------------------------------------------------------------
# public
# ----------------------------------------------------------------------------------------


def _warnings_html(r: _R) -> str:
    """The run's warnings (``manifest["warnings"]``), one line each, above everything else."""
    got = r.manifest.get("warnings")
    if not isinstance(got, Sequence) or isinstance(got, str) or not got:
        return ""
    return "".join(f'<p class="label">注意 warning: {_e(text)}</p>\n' for text in got)


def render_report(result: object, settings: Settings | None = None) -> str:
    """The quarterly report as one self-contained HTML string.

    Parameters
    ----------
    result
        A :class:`~trafficprev.pipeline.RunResult`. Every part but ``quarter`` may be missing,
        ``None`` or empty: the section then says so in a sentence.
    settings
        The run's settings (``k_police``, ``k_public``, ``peak_share``, …); default
        :class:`~trafficprev.Settings`.

    Returns
    -------
    str
        The HTML document (sections :data:`SECTIONS`, in order).

    Raises
    ------
    TypeError
        If ``settings`` is not a :class:`~trafficprev.Settings`.

    Notes
    -----
    No personal data is read: the report uses aggregates, unit and enterprise names and the
    window's cases only through counts. Small cells (``n < k_police``) are marked ``*``.
    """
    if settings is None:
        settings = Settings()
    if not isinstance(settings, Settings):
        raise TypeError(f"settings must be a trafficprev Settings, got {type(settings).__name__}")
    r = _R(result, settings)
    title = f"{r.quarter} 通勤交通事故工伤预防季度报告"
    nav = "".join(f'<li><a href="#{a}">{_e(h)}</a></li>' for a, h in SECTIONS)
    body = []
    for anchor, heading in SECTIONS:
        body.append(f'<section id="{anchor}">\n<h2>{_e(heading)}</h2>\n')
        body.append(_BUILDERS[anchor](r))
        body.append("</section>\n")
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<h1>{_e(title)}<br><small>Quarterly report on commuting traffic accidents</small></h1>\n"
        f'<p class="meta">分析窗口 (window) {_e(r.period)} · 内部资料 (internal) · '
        "本报告不含个人信息 (no personal data)</p>\n"
        f"{_warnings_html(r)}"
        f"<nav><ol>{nav}</ol></nav>\n" + "".join(body) + "</body>\n</html>\n"
    )


def write_report(
    path: str | os.PathLike[str], result: object, settings: Settings | None = None
) -> Path:
    """Write the quarterly report ``report.html`` (self-contained, deterministic, atomic).

    Parameters
    ----------
    path
        Where to write (usually ``<run>/report.html``); the folder must exist.
    result
        The run's :class:`~trafficprev.pipeline.RunResult` (see :func:`render_report`).
    settings
        The run's settings; default :class:`~trafficprev.Settings`.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    TypeError
        If ``path`` is not a path or ``settings`` not a Settings.

    Notes
    -----
    The HTML is written to a temporary file next to ``path`` and moved into place with
    :func:`os.replace`, so a reader never sees half a report. The same result and settings
    give the same bytes.
    """
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"path must be a str or path, got {type(path).__name__}")
    path = Path(path)
    data = render_report(result, settings).encode("utf-8")
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
