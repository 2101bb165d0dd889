"""Chinese text in matplotlib charts: CJK fonts, :func:`cjk_style`, :func:`pin_fonts`, and
point labels that neither overlap nor leave the axes (:func:`place_labels`).

The charts themselves (the funnel plot and the ranked bar chart) are in
:mod:`trafficprev.groups`.

Chinese glyphs need a CJK font. :data:`CJK_FONTS` lists the usual ones on Linux, Windows and
macOS; :func:`available_cjk_font` tells which is installed (``None``: expect "Glyph … missing"
warnings and empty boxes). The charts pin the installed CJK fonts on their own text artists,
so they render correctly even when drawn or saved after leaving :func:`cjk_style`.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Sequence

import numpy as np
from matplotlib import font_manager, rc_context
from matplotlib.axes import Axes
from matplotlib.backend_bases import RendererBase
from matplotlib.figure import Figure
from matplotlib.text import Annotation, Text
from matplotlib.transforms import Bbox

__all__ = [
    "CJK_FONTS",
    "available_cjk_font",
    "cjk_families",
    "cjk_style",
    "figure_renderer",
    "pin_fonts",
    "place_labels",
    "plain_label",
    "short_label",
]

#: Font families tried in order for Chinese text (last: matplotlib's bundled DejaVu Sans).
CJK_FONTS: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Heiti SC",
    "Arial Unicode MS",
    "DejaVu Sans",
)

_FALLBACK = "DejaVu Sans"


# ----------------------------------------------------------------------------------------------
# fonts
# ----------------------------------------------------------------------------------------------


def _known_families() -> set[str]:
    return {f.name for f in font_manager.fontManager.ttflist}


@functools.cache
def _register_system_fonts() -> int:
    """Add system font files missing from matplotlib's cached font list; return how many.

    matplotlib caches the font list (``~/.cache/matplotlib/fontlist-*.json``) the first time it
    runs; fonts installed afterwards (e.g. ``apt install fonts-noto-cjk``) stay invisible until
    that cache is deleted. This scans the system font directories once per process and
    registers the new files with :meth:`FontManager.addfont` (the documented way to add a
    font at run time; every face of a ``.ttc`` collection is added).
    """
    fm = font_manager.fontManager
    known = {f.fname for f in fm.ttflist}
    added = 0
    for path in font_manager.findSystemFonts(fontext="ttf"):
        if path in known:
            continue
        try:
            fm.addfont(path)
        except (OSError, RuntimeError, ValueError):  # unreadable or unsupported font file
            continue
        added += 1
    return added


def _installed_cjk_fonts() -> list[str]:
    """The CJK fonts of :data:`CJK_FONTS` matplotlib can use, in list order (no DejaVu Sans)."""
    wanted = [f for f in CJK_FONTS if f != _FALLBACK]
    known = _known_families()
    if not any(f in known for f in wanted):
        _register_system_fonts()
        known = _known_families()
    return [f for f in wanted if f in known]


def available_cjk_font() -> str | None:
    """The first font of :data:`CJK_FONTS` that matplotlib knows, DejaVu Sans excluded.

    Returns
    -------
    str or None
        The family name (e.g. ``"Noto Sans CJK SC"``), or ``None`` when no CJK font is
        installed, so a notebook can warn that Chinese labels will show as empty boxes.

    Notes
    -----
    If matplotlib's cached font list knows none of them, the system font directories are
    scanned once and newly installed fonts are registered (a stale cache is the usual reason
    a freshly installed font is "not found").
    """
    found = _installed_cjk_fonts()
    return found[0] if found else None


def cjk_style() -> contextlib.AbstractContextManager[None]:
    """Context manager (``matplotlib.rc_context``) for charts with Chinese text.

    Sets ``font.family = "sans-serif"``, ``font.sans-serif`` = :data:`CJK_FONTS` and
    ``axes.unicode_minus = False`` (the ASCII hyphen-minus, present in every font).

    Returns
    -------
    contextlib.AbstractContextManager
        Use as ``with cjk_style(): ...``.

    Notes
    -----
    A generic family such as ``"sans-serif"`` resolves to the *first* installed font of the
    list, which then draws every glyph (the CJK fonts also cover Latin letters and digits);
    matplotlib's per-glyph fallback applies only when ``font.family`` itself is a list of
    concrete families, which is what :func:`plot_funnel` and :func:`plot_ranked` set on their
    text. Settings apply to artists created inside the block; text drawn or saved later keeps
    the family it was created with, but the generic ``"sans-serif"`` is looked up again at draw
    time, so save figures inside the block or use the chart functions.
    """
    _installed_cjk_fonts()  # make newly installed fonts visible before the lookup
    return rc_context(
        {
            "font.family": "sans-serif",
            "font.sans-serif": list(CJK_FONTS),
            "axes.unicode_minus": False,
        }
    )


def plain_label(value: object) -> str:
    """Record text as a matplotlib label that is shown as written, never read as math.

    matplotlib reads text between two ``$`` as mathtext (a small TeX): an enterprise named
    ``A$\\frac$B`` would fail the whole chart at draw time. Every ``$`` is escaped.

    Examples
    --------
    >>> print(plain_label("某$公司$"))
    某\\$公司\\$
    """
    return str(value).replace("$", "\\$")


def pin_fonts(ax: Axes) -> None:
    """Give every text artist of ``ax`` the concrete installed CJK families (+ DejaVu Sans).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axes whose texts (title, labels, ticks, legend, annotations) are pinned, so the
        chart renders the same when drawn after leaving :func:`cjk_style`.
    """
    families = cjk_families()
    for text in ax.findobj(match=Text):
        text.set_fontfamily(families)


def cjk_families() -> list[str]:
    """The installed CJK families of :data:`CJK_FONTS` in list order, then DejaVu Sans.

    Returns
    -------
    list of str
        What :func:`pin_fonts` sets on every text artist.
    """
    return [*_installed_cjk_fonts(), _FALLBACK]


def short_label(value: object, max_chars: int = 16) -> str:
    """Record text as one short line for a chart: blanks collapsed, cut with ``…``.

    Examples
    --------
    >>> print(short_label("示范市   恒达 建筑安装工程有限公司", 10))
    示范市 恒达 建筑…
    """
    text = " ".join(str(value).split())
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


# ----------------------------------------------------------------------------------------------
# point labels
# ----------------------------------------------------------------------------------------------

#: Directions tried around a point, in order of preference (right first, then left, above,
#: below), as unit steps in x and y.
_DIRECTIONS: tuple[tuple[float, float], ...] = (
    (1, 1),
    (1, 0),
    (1, -1),
    (-1, 1),
    (-1, 0),
    (-1, -1),
    (0, 1),
    (0, -1),
)
#: Distances (points) from a point to its label's nearest corner or edge, tried in order;
#: from the third on, a thin leader line joins the label to its point.
_RADII: tuple[float, ...] = (3.0, 8.0, 16.0, 26.0, 38.0, 52.0, 70.0, 92.0)
_LEADER_FROM = 2


def figure_renderer(fig: Figure) -> RendererBase:
    """The renderer of `fig`'s canvas (Agg for the charts of this package).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        A figure (for a subfigure, its root figure is used).

    Returns
    -------
    matplotlib.backend_bases.RendererBase
        What :meth:`matplotlib.text.Text.get_window_extent` measures with.
    """
    root = fig.get_figure(root=True) if hasattr(fig, "get_figure") else fig
    get = getattr(root.canvas, "get_renderer", None)
    return get() if callable(get) else root._get_renderer()


def _aligned_box(
    anchor: np.ndarray, size: tuple[float, float], step: tuple[float, float]
) -> tuple[Bbox, str, str]:
    """The box (display pixels) of a text of `size` whose corner or edge toward `anchor`'s
    point sits at `anchor`, on the side `step` points to; with its alignments."""
    w, h = size
    ux, uy = step
    ha = "left" if ux > 0 else "right" if ux < 0 else "center"
    va = "bottom" if uy > 0 else "top" if uy < 0 else "center"
    x0 = anchor[0] - {"left": 0.0, "right": w, "center": w / 2}[ha]
    y0 = anchor[1] - {"bottom": 0.0, "top": h, "center": h / 2}[va]
    return Bbox.from_bounds(x0, y0, w, h), ha, va


def _inside(box: Bbox, frame: Bbox, pad: float) -> bool:
    return (
        box.x0 >= frame.x0 + pad
        and box.x1 <= frame.x1 - pad
        and box.y0 >= frame.y0 + pad
        and box.y1 <= frame.y1 - pad
    )


def _overlaps(box: Bbox, taken: list[Bbox], pad: float) -> bool:
    return any(
        box.x0 < t.x1 + pad and t.x0 < box.x1 + pad and box.y0 < t.y1 + pad and t.y0 < box.y1 + pad
        for t in taken
    )


def _covered(box: Bbox, points: np.ndarray, margin: float) -> int:
    """How many `points` (display pixels) lie within `margin` of `box`."""
    if not len(points):
        return 0
    x, y = points[:, 0], points[:, 1]
    return int(
        (
            (x > box.x0 - margin)
            & (x < box.x1 + margin)
            & (y > box.y0 - margin)
            & (y < box.y1 + margin)
        ).sum()
    )


def _best_spot(
    point: np.ndarray,
    size: tuple[float, float],
    frame: Bbox,
    taken: list[Bbox],
    points: np.ndarray,
    px_per_pt: float,
) -> tuple[int, tuple[float, float], Bbox, str, str] | None:
    """The first free spot around `point` that covers no other point, else the free spot
    covering fewest (nearest first); None when every spot overlaps a label or leaves the
    frame. Returns (ring, offset in points, box, ha, va)."""
    pad = 1.5 * px_per_pt
    best: tuple[tuple[int, int, int], tuple] | None = None
    for ring, radius in enumerate(_RADII):
        for d, (ux, uy) in enumerate(_DIRECTIONS):
            scale = radius * (0.75 if ux and uy else 1.0)
            offset = (ux * scale, uy * scale)
            anchor = point + np.array(offset) * px_per_pt
            box, ha, va = _aligned_box(anchor, size, (ux, uy))
            if not _inside(box, frame, pad) or _overlaps(box, taken, pad):
                continue
            score = (_covered(box, points, 2.0 * px_per_pt), ring, d)
            if best is None or score < best[0]:
                best = (score, (ring, offset, box, ha, va))
        if best is not None and best[0][0] == 0:
            break
    return None if best is None else best[1]


def _freeze_legend(ax: Axes, renderer: RendererBase) -> Bbox | None:
    """Pin the legend where it was just drawn (``loc="best"`` would move it at the next draw,
    possibly onto the labels); return its box."""
    legend = ax.get_legend()
    if legend is None or not legend.get_visible():
        return None
    box = legend.get_window_extent(renderer)
    corner = ax.transAxes.inverted().transform((box.x0, box.y0))
    legend.set_loc((float(corner[0]), float(corner[1])))
    return box


def place_labels(
    ax: Axes,
    x: Sequence[float] | np.ndarray,
    y: Sequence[float] | np.ndarray,
    labels: Sequence[object],
    *,
    fontsize: float = 8.0,
    max_chars: int = 16,
) -> list[Annotation]:
    """Label points of `ax` so that no two labels overlap and every label lies in the axes.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Axes already drawn on, with its limits, legend and labels final (the figure's layout
        is run once here to know where everything lands).
    x, y
        The points to label, in data coordinates, in order of priority: a label is placed
        only where the labels before it leave room.
    labels
        The texts (record text: shown as written, one line, cut to `max_chars`).
    fontsize
        Label size in points.
    max_chars
        Longer labels are cut with ``…``.

    Returns
    -------
    list of matplotlib.text.Annotation
        The labels placed, in priority order; a point with no free spot gets none.

    Notes
    -----
    A greedy placement, deterministic: for each point in turn, spots at growing distances
    (3 to 92 points) in eight directions are tried, right of the point first; a spot must
    lie inside the axes and keep 1.5 points from every label placed before and from the
    legend (pinned where it was drawn). Among the free spots of the nearest ring the first
    that covers no marker of the axes' scatter collections is taken, else the free spot
    covering fewest. Labels far from their point get a thin leader line. The labels are
    left out of the layout engine, so drawing the figure again (``savefig``) keeps them
    where they were placed; the layout is not rerun for a changed figure size.
    """
    fig = ax.get_figure(root=True)
    fig.draw_without_rendering()  # the layout: where the axes and the legend land
    renderer = figure_renderer(fig)
    px_per_pt = fig.dpi / 72.0
    frame = ax.get_window_extent(renderer)
    legend = _freeze_legend(ax, renderer)
    taken = [legend] if legend is not None else []
    markers = [
        c.get_offset_transform().transform(c.get_offsets())
        for c in ax.collections
        if len(c.get_offsets())
    ]
    points = np.vstack(markers) if markers else np.empty((0, 2))
    at = ax.transData.transform(np.column_stack([np.asarray(x, float), np.asarray(y, float)]))
    families = cjk_families()
    placed: list[Annotation] = []
    for xy, (xi, yi), label in zip(at, zip(x, y, strict=True), labels, strict=True):
        text = plain_label(short_label(label, max_chars))
        probe = Text(0, 0, text, fontsize=fontsize, fontfamily=families)
        probe.set_figure(fig)
        size = probe.get_window_extent(renderer)
        spot = _best_spot(xy, (size.width, size.height), frame, taken, points, px_per_pt)
        if spot is None:
            continue
        ring, offset, box, ha, va = spot
        leader = None
        if ring >= _LEADER_FROM:
            rel = (
                {"left": 0.0, "right": 1.0}.get(ha, 0.5),
                {"bottom": 0.0, "top": 1.0}.get(va, 0.5),
            )
            leader = {
                "arrowstyle": "-",
                "color": "0.35",
                "lw": 0.6,
                "shrinkA": 0,
                "shrinkB": 3,
                "relpos": rel,
            }
        ann = ax.annotate(
            text,
            (float(xi), float(yi)),
            xytext=offset,
            textcoords="offset points",
            ha=ha,
            va=va,
            fontsize=fontsize,
            fontfamily=families,
            zorder=5,
            arrowprops=leader,
            annotation_clip=False,
        )
        ann.set_in_layout(False)
        taken.append(box)
        placed.append(ann)
    return placed
