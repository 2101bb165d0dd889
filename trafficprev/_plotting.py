"""Chinese text in matplotlib charts: CJK fonts, :func:`cjk_style`, :func:`pin_fonts`.

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

from matplotlib import font_manager, rc_context
from matplotlib.axes import Axes
from matplotlib.text import Text

__all__ = ["CJK_FONTS", "available_cjk_font", "cjk_style", "pin_fonts", "plain_label"]

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
    families = [*_installed_cjk_fonts(), _FALLBACK]
    for text in ax.findobj(match=Text):
        text.set_fontfamily(families)
