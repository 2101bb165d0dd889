"""The report's charts, drawn with matplotlib's Agg backend into PNG data URIs.

A chart is deterministic (PNG without the ``Software`` metadata: the same figure gives the
same bytes) and holds counts only. :class:`Figure` pairs a data URI with its alt text and
caption for the ``figure`` macro.
"""

from __future__ import annotations

import base64
import io
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.figure import Figure as MplFigure

from .._plotting import plain_label
from ..groups import cjk_style
from ._format import text

_DPI = 100
#: Longer category labels are cut in the charts (the tables show them whole): a long label
#: would squeeze the bars to nothing.
_MAX_LABEL = 20


@dataclass(frozen=True)
class Figure:
    """A chart for the ``figure`` macro: a ``data:image/png;base64,…`` URI, alt and caption."""

    uri: str
    alt: str
    caption: str


def _png(fig: MplFigure) -> str:
    """Render a figure to a PNG data URI (no ``Software`` metadata: same figure, same bytes)."""
    buf = io.BytesIO()
    with warnings.catch_warnings():
        # without a CJK font matplotlib warns per missing glyph; the report is still useful
        warnings.filterwarnings("ignore", message=r"Glyph .* missing", category=UserWarning)
        fig.savefig(buf, format="png", dpi=_DPI, metadata={"Software": None})
    fig.clear()
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def draw(build: Callable[[], MplFigure], alt: str, caption: str) -> Figure:
    """Build a figure inside :func:`~trafficprev.groups.cjk_style` and render it.

    Parameters
    ----------
    build
        Makes the matplotlib figure.
    alt, caption
        The image's alternative text and caption.

    Returns
    -------
    Figure
        The chart as a data URI with its texts.
    """
    with cjk_style(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph .* missing", category=UserWarning)
        return Figure(_png(build()), alt, caption)


def _label(value: object) -> str:
    """A category as a bar label: ``（空）`` when blank, cut to :data:`_MAX_LABEL`."""
    label = text(value)
    if len(label) > _MAX_LABEL:
        label = label[: _MAX_LABEL - 1] + "…"
    return plain_label(label) or "（空）"


def bar_panels(tables: Sequence[tuple[str, pd.DataFrame]], k: int) -> MplFigure:
    """Small multiples: one horizontal bar chart of case counts per table (top 12 rows).

    The category is each table's first column (cut to 20 characters); bars of fewer than
    `k` cases are grey.
    """
    n = len(tables)
    ncols = 2 if n > 1 else 1
    nrows = math.ceil(n / ncols)
    fig = MplFigure(figsize=(10.0, 3.2 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for i, (title, table) in enumerate(tables):
        ax = axes[i // ncols][i % ncols]
        top = table.iloc[:12]
        labels = [_label(v) for v in top[str(top.columns[0])]]
        values = pd.to_numeric(top["n"], errors="coerce").fillna(0).to_numpy(dtype=float)
        colors = np.where(values < k, "#bbbbbb", "#2b6cb0")
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


def hour_chart(counts: np.ndarray, peak: tuple[float, float] | None) -> MplFigure:
    """Cases per hour of day (0–23), the peak window (minutes from midnight) shaded."""
    fig = MplFigure(figsize=(9.0, 3.4), layout="constrained")
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


def quarter_chart(quarters: Sequence[str], counts: np.ndarray, window: Sequence[str]) -> MplFigure:
    """Commuting cases per quarter, the analysis window shaded."""
    fig = MplFigure(figsize=(9.0, 3.4), layout="constrained")
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
