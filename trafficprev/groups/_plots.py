"""Enterprise charts with Chinese text: the funnel plot and the ranked bar chart.

Headless and stateless: figures are :class:`matplotlib.figure.Figure` objects created without
pyplot (nothing is registered in pyplot's figure list, no backend is selected, nothing is
shown). Return values display inline in Jupyter and save with ``fig.savefig(path)``. The
charts pin the installed CJK fonts (:func:`trafficprev._plotting.pin_fonts`) on their own
text artists, so they render correctly even when drawn or saved after leaving
:func:`~trafficprev._plotting.cjk_style`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .._errors import ArgumentError, ArgumentTypeError, SchemaError, SettingsError
from .._plotting import cjk_style, pin_fonts, place_labels, plain_label
from ..schema import require_columns
from ._rates import funnel_limits

__all__ = ["plot_funnel", "plot_ranked"]

# funnel-plot legend and axis texts
_L_TARGET = "全市平均"
_L_95 = "95% 控制限"
_L_998 = "99.8% 控制限"
_L_KEY = "重点企业"
_L_OTHER = "其他企业"
_X_FUNNEL = "参保人年"
_Y_FUNNEL = "每千人年发生率"

_VALUE_LABELS = {
    "eb_rate_per_1000": "经验贝叶斯平滑发生率（每千人年）",
    "rate_per_1000": "每千人年发生率",
}


def _new_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is not None:
        if not isinstance(ax, Axes):
            raise ArgumentTypeError(f"ax must be a matplotlib Axes, got {type(ax).__name__}")
        fig = ax.figure
        return fig, ax  # type: ignore[return-value]
    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)  # a canvas that renders and measures text (no pyplot, no GUI)
    return fig, fig.add_subplot()


def _require(table: pd.DataFrame, columns: list[str]) -> None:
    if not isinstance(table, pd.DataFrame):
        raise ArgumentTypeError(f"table must be a pandas DataFrame, got {type(table).__name__}")
    require_columns(table, columns, what="table")


def _numeric(table: pd.DataFrame, col: str) -> np.ndarray:
    try:
        return table[col].to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise SchemaError(f"column {col!r} must be numeric, got {table[col].dtype}") from exc


def _fmt(v: float) -> str:
    """Short value label: 3 significant digits, no exponent for ordinary rates."""
    if not math.isfinite(v):
        return ""
    a = abs(v)
    if a >= 100 or a == 0:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 1:
        return f"{v:.2f}"
    return f"{v:.3g}"


def _funnel_theta(table: pd.DataFrame) -> float:
    """The overall rate per person-year of a funnel table (``table.attrs['theta']``).

    Raises
    ------
    ArgumentError
        If it is missing, not a number, not finite or negative.
    """
    theta = table.attrs.get("theta")
    try:
        theta = float(theta)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ArgumentError(
            "table.attrs['theta'] (overall rate per person-year) is required"
        ) from None
    if not math.isfinite(theta) or theta < 0:
        raise ArgumentError(f"table.attrs['theta'] must be a finite rate ≥ 0, got {theta!r}")
    return theta


def _label_order(table: pd.DataFrame, hot: np.ndarray, max_labels: int) -> np.ndarray:
    """Positions of the highlighted rows to label: by ``rank`` (1 first) when the table has
    one, else in table order; at most `max_labels`."""
    pos = np.flatnonzero(hot)
    if "rank" in table:
        rank = pd.to_numeric(table["rank"], errors="coerce").to_numpy(dtype=float)[pos]
        rank = np.where(np.isfinite(rank) & (rank > 0), rank, np.inf)
        pos = pos[np.argsort(rank, kind="stable")]
    return pos[:max_labels]


def plot_funnel(
    table: pd.DataFrame,
    *,
    ax: Axes | None = None,
    label_col: str = "name",
    highlight_col: str | None = "key",
    title: str | None = None,
    max_labels: int = 10,
) -> Figure:
    """Funnel plot of enterprise rates per 1,000 person-years against their exposure.

    Parameters
    ----------
    table
        One row per enterprise with ``person_years`` (exposure, x axis) and ``rate_per_1000``
        (y axis); ``table.attrs["theta"]`` is the overall (city-wide) rate per person-year.
        Rows with a missing or non-positive exposure or a missing rate are not drawn.
    ax
        Axes to draw on; a new :class:`~matplotlib.figure.Figure` (not registered with pyplot,
        with an Agg canvas) when ``None``.
    label_col
        Column with the names written next to highlighted points.
    highlight_col
        Boolean column marking the enterprises to highlight (重点企业); ``None``: no highlight.
    title
        Axes title.
    max_labels
        At most this many highlighted points are named: the first by ``rank`` when the
        table has that column (the key list), else in table order. 0 names none.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes.

    Raises
    ------
    SchemaError
        If a required column is missing or not numeric.
    SettingsError
        If ``max_labels`` is not an integer ≥ 0.
    ValueError
        If ``attrs["theta"]`` is missing, negative or not finite.

    Notes
    -----
    The target line is :math:`1000\\,\\theta`; the 95 % and 99.8 % limits are
    :func:`~trafficprev.groups.funnel_limits` (exact Poisson, Spiegelhalter 2005) on 400
    geometrically spaced exposures spanning the data, times 1000. The x axis is logarithmic
    when the largest exposure exceeds 100 times the smallest. The y axis spans the points
    (the limit curves are clipped there). Names are placed by
    :func:`~trafficprev._plotting.place_labels`: no two overlap, each lies inside the axes
    and clear of the legend (pinned where ``loc="best"`` put it), names cut to 16
    characters; a name with no free spot is left out (its point stays red).
    """
    if isinstance(max_labels, bool) or not isinstance(max_labels, int | np.integer):
        raise SettingsError(f"max_labels must be an integer ≥ 0, got {max_labels!r}")
    if max_labels < 0:
        raise SettingsError(f"max_labels must be an integer ≥ 0, got {max_labels!r}")
    cols = ["person_years", "rate_per_1000"]
    if highlight_col is not None:
        cols.append(highlight_col)
    _require(table, cols)
    theta = _funnel_theta(table)
    x = _numeric(table, "person_years")
    y = _numeric(table, "rate_per_1000")
    keep = np.isfinite(x) & (x > 0) & np.isfinite(y)
    if highlight_col is not None:
        try:
            key = table[highlight_col].astype("boolean").fillna(False).to_numpy(dtype=bool)
        except (TypeError, ValueError) as exc:
            raise SchemaError(f"column {highlight_col!r} must be boolean") from exc
        if key[keep].any():
            _require(table, [label_col])
    else:
        key = np.zeros(len(table), dtype=bool)
    fig, ax = _new_axes(ax, (9.0, 6.0))
    with cjk_style():
        _draw_funnel(ax, theta, x, y, keep, key)
        ax.set_xlabel(_X_FUNNEL)
        ax.set_ylabel(_Y_FUNNEL)
        if title is not None:
            ax.set_title(title)
        ax.grid(True, lw=0.4, alpha=0.5)
        ax.legend(loc="best", fontsize=9, frameon=True)
        pin_fonts(ax)
        named = _label_order(table, keep & key, int(max_labels))
        if len(named):
            names = table[label_col].astype("string").fillna("").to_numpy(dtype=object)
            place_labels(ax, x[named], y[named], names[named], fontsize=8)
    return fig


def _draw_funnel(
    ax: Axes, theta: float, x: np.ndarray, y: np.ndarray, keep: np.ndarray, key: np.ndarray
) -> None:
    """The target line, the limit curves and the points (key enterprises red) of a funnel
    plot, with its axis limits."""
    ax.axhline(theta * 1000, color="black", lw=1.2, label=_L_TARGET, zorder=2)
    if not keep.any():
        return
    lo_x, hi_x = float(x[keep].min()), float(x[keep].max())
    grid = np.geomspace(lo_x / 1.15, hi_x * 1.15, 400)
    lim = funnel_limits(theta, grid) * 1000.0
    style = {"95": ("tab:blue", "--", _L_95), "998": ("tab:red", "-", _L_998)}
    for name, (color, ls, label) in style.items():
        ax.plot(grid, lim[f"lower_{name}"], color=color, ls=ls, lw=1, label=label)
        ax.plot(grid, lim[f"upper_{name}"], color=color, ls=ls, lw=1, label="_nolegend_")
    other = keep & ~key
    hot = keep & key
    ax.scatter(x[other], y[other], s=18, color="0.55", alpha=0.7, label=_L_OTHER, zorder=3)
    if hot.any():
        ax.scatter(
            x[hot], y[hot], s=36, color="tab:red", edgecolor="black", lw=0.5, label=_L_KEY, zorder=4
        )
    if hi_x > 100 * lo_x:
        ax.set_xscale("log")
    ax.set_xlim(grid[0], grid[-1])
    top = max(float(y[keep].max()), 2.0 * theta * 1000) * 1.1
    ax.set_ylim(0.0, top if top > 0 else 1.0)


def plot_ranked(
    table: pd.DataFrame,
    *,
    n: int = 22,
    value_col: str = "eb_rate_per_1000",
    lower_col: str | None = None,
    upper_col: str | None = None,
    label_col: str = "name",
    ax: Axes | None = None,
    title: str | None = None,
    xlabel: str | None = None,
) -> Figure:
    """Horizontal bar chart of the first ``n`` rows, in the table's order (first on top).

    Parameters
    ----------
    table
        Rows already sorted by the caller (e.g. by smoothed rate, descending).
    n
        Number of rows drawn (all rows when the table is shorter); ≥ 1.
    value_col
        Numeric column giving the bar lengths; a missing value draws no bar and no label.
    lower_col, upper_col
        Columns of an interval drawn as a line with end ticks over each bar (both or neither).
        The interval may come from another estimator than the bar (e.g. the crude rate's
        exact interval around a smoothed rate) and need not contain the value.
    label_col
        Column with the enterprise names (y tick labels).
    ax
        Axes to draw on; a new :class:`~matplotlib.figure.Figure` sized to ``n`` when ``None``.
    title
        Axes title.
    xlabel
        x-axis label; defaults to a Chinese name for ``eb_rate_per_1000`` / ``rate_per_1000``
        and to ``value_col`` otherwise.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes; the bars are ``ax.containers[0]``.

    Raises
    ------
    SchemaError
        If a named column is missing or not numeric.
    SettingsError
        If ``n`` is not a positive integer.
    ValueError
        If only one of ``lower_col`` / ``upper_col`` is given.
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise SettingsError(f"n must be an integer ≥ 1, got {n!r}")
    if (lower_col is None) != (upper_col is None):
        raise ArgumentError("give both lower_col and upper_col, or neither")
    cols = [value_col, label_col] + ([lower_col, upper_col] if lower_col is not None else [])
    _require(table, cols)  # type: ignore[arg-type]
    top = table.iloc[: int(n)]
    values = _numeric(top, value_col)
    names = top[label_col].astype("string").fillna("").to_numpy(dtype=object)
    pos = np.arange(len(top), dtype=float)
    height = max(2.5, 0.32 * len(top) + 1.3)
    fig, ax = _new_axes(ax, (8.0, height))
    with cjk_style():
        ax.barh(pos, values, height=0.7, color="tab:blue", alpha=0.85, zorder=2)
        right = values.copy()
        if lower_col is not None and upper_col is not None:
            lo = _numeric(top, lower_col)
            hi = _numeric(top, upper_col)
            ok = np.isfinite(lo) & np.isfinite(hi)
            ax.hlines(pos[ok], lo[ok], hi[ok], color="black", lw=1, zorder=3)
            ax.plot(lo[ok], pos[ok], "|", color="black", ms=7, zorder=3)
            ax.plot(hi[ok], pos[ok], "|", color="black", ms=7, zorder=3)
            right = np.where(ok, np.fmax(values, hi), values)
        for yi, xi, v in zip(pos, right, values, strict=True):
            if math.isfinite(v):
                ax.annotate(
                    _fmt(float(v)),
                    (float(xi), yi),
                    xytext=(4, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize=8,
                    zorder=4,
                )
        ax.set_yticks(pos, [plain_label(s) for s in names])
        ax.set_ylim(len(top) - 0.5, -0.5)  # first row on top
        finite = right[np.isfinite(right)]
        if finite.size:
            ax.set_xlim(0.0, max(float(finite.max()), 0.0) * 1.15 or 1.0)
        ax.set_xlabel(xlabel if xlabel is not None else _VALUE_LABELS.get(value_col, value_col))
        if title is not None:
            ax.set_title(title)
        ax.grid(True, axis="x", lw=0.4, alpha=0.5, zorder=0)
        ax.set_axisbelow(True)
        pin_fonts(ax)
    return fig
