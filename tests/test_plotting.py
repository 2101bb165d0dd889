"""Tests for trafficprev._plotting: CJK font handling, the funnel plot and the ranked bar chart.

Drawing runs headless (Agg, selected by matplotlib itself); figures are never registered with
pyplot. The glyph tests rely on a CJK font (fonts-noto-cjk on the development machine) and
are skipped only when :func:`available_cjk_font` finds none.
"""

from __future__ import annotations

import io
import math
import warnings

import matplotlib
import matplotlib.transforms
import numpy as np
import pandas as pd
import pytest
from matplotlib import font_manager
from matplotlib._pylab_helpers import Gcf
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.text import Annotation

from trafficprev._errors import SchemaError, SettingsError
from trafficprev._plotting import (
    CJK_FONTS,
    available_cjk_font,
    cjk_style,
    plain_label,
    short_label,
)
from trafficprev.groups import plot_funnel, plot_ranked
from trafficprev.groups._rates import funnel_limits, global_eb, poisson_ci

LEGEND = ["全市平均", "95% 控制限", "99.8% 控制限", "其他企业", "重点企业"]
INDUSTRY = ["机械制造", "物流运输", "建筑安装", "食品加工", "电子科技", "医药化工", "商贸服务"]


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    """120 enterprises: lognormal person-years, Poisson accidents, EB rates and flags."""
    rng = np.random.default_rng(2024)
    n = 120
    py = np.clip(np.exp(rng.normal(np.log(400.0), 1.3, n)), 20.0, 30000.0)
    events = rng.poisson(0.0025 * py * rng.gamma(2.0, 0.5, n))
    eb = global_eb(events, py)
    lo, hi = poisson_ci(events, py)
    t = pd.DataFrame(
        {
            "name": [f"常德市{INDUSTRY[i % 7]}有限公司{i:03d}" for i in range(n)],
            "person_years": py,
            "events": events,
            "rate_per_1000": events / py * 1000,
            "eb_rate_per_1000": eb["eb"].to_numpy() * 1000,
            "lower_1000": lo * 1000,
            "upper_1000": hi * 1000,
        }
    )
    t["key"] = t["eb_rate_per_1000"].rank(ascending=False, method="first") <= 6
    t.attrs["theta"] = eb.attrs["theta"]
    return t


def texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(match=matplotlib.text.Text) if t.get_text()]


def render(fig: Figure, fmt: str) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=60)
    return buf.getvalue()


def glyph_messages(record: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in record if "Glyph" in str(w.message)]


# ----------------------------------------------------------------------------------------------
# fonts
# ----------------------------------------------------------------------------------------------


def test_cjk_font_list():
    assert CJK_FONTS[0] == "Noto Sans CJK SC" and CJK_FONTS[-1] == "DejaVu Sans"
    assert {"Microsoft YaHei", "SimHei", "PingFang SC", "WenQuanYi Zen Hei"} <= set(CJK_FONTS)
    assert len(set(CJK_FONTS)) == len(CJK_FONTS) == 11


def test_available_cjk_font_is_a_known_cjk_family():
    found = available_cjk_font()
    if found is None:
        pytest.skip("no CJK font installed")
    assert found in CJK_FONTS and found != "DejaVu Sans"
    assert found in {f.name for f in font_manager.fontManager.ttflist}
    assert all(
        f not in {x.name for x in font_manager.fontManager.ttflist}
        for f in CJK_FONTS[: CJK_FONTS.index(found)]
    )


def test_cjk_style_sets_and_restores_rc():
    before = dict(matplotlib.rcParams)
    with cjk_style():
        assert matplotlib.rcParams["font.family"] == ["sans-serif"]
        assert matplotlib.rcParams["font.sans-serif"] == list(CJK_FONTS)
        assert matplotlib.rcParams["axes.unicode_minus"] is False
    assert matplotlib.rcParams["font.sans-serif"] == before["font.sans-serif"]
    assert matplotlib.rcParams["axes.unicode_minus"] == before["axes.unicode_minus"]


def test_chinese_in_dejavu_does_warn():
    """Negative control: the glyph check below can fail (DejaVu Sans has no Chinese)."""
    fig = Figure()
    fig.text(0.5, 0.5, "重点企业", family="DejaVu Sans")
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        render(fig, "png")
    assert glyph_messages(record)


def test_charts_draw_chinese_without_missing_glyphs(table):
    if available_cjk_font() is None:
        pytest.skip("no CJK font installed: Chinese labels would be empty boxes")
    ranked = table.sort_values("eb_rate_per_1000", ascending=False)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        funnel = plot_funnel(table, title="企业通勤事故发生率漏斗图（每千人年）")
        bars = plot_ranked(
            ranked, lower_col="lower_1000", upper_col="upper_1000", title="发生率前列企业"
        )
        # saved outside any rc_context, as a notebook displays the returned figure
        for fig in (funnel, bars):
            png = render(fig, "png")
            svg = render(fig, "svg")
            assert png[:8] == b"\x89PNG\r\n\x1a\n"
            assert b"<svg" in svg[:1000]
    assert glyph_messages(record) == []


def test_no_pyplot_state(table):
    before = Gcf.get_num_fig_managers()
    fig = plot_funnel(table)
    plot_ranked(table)
    assert isinstance(fig, Figure)
    assert Gcf.get_num_fig_managers() == before


# ----------------------------------------------------------------------------------------------
# funnel
# ----------------------------------------------------------------------------------------------


def test_funnel_legend_labels_and_axes(table):
    fig = plot_funnel(table, title="漏斗图")
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_legend().get_texts()] == LEGEND
    assert ax.get_xlabel() == "参保人年" and ax.get_ylabel() == "每千人年发生率"
    assert ax.get_title() == "漏斗图"
    assert ax.get_xscale() == "log"  # 20 to 30,000 person-years
    labels = {a.get_text() for a in ax.texts if isinstance(a, Annotation)}
    assert labels == set(table.loc[table["key"], "name"])
    # the target line and the limit curves are the statistics, ×1000
    target = next(ln for ln in ax.get_lines() if ln.get_label() == "全市平均")
    assert target.get_ydata()[0] == pytest.approx(table.attrs["theta"] * 1000)
    # the labelled curve of each level is its lower limit (the upper one has no legend entry)
    curve = next(ln for ln in ax.get_lines() if ln.get_label() == "99.8% 控制限")
    x = np.asarray(curve.get_xdata())
    assert x.min() < table["person_years"].min() and x.max() > table["person_years"].max()
    np.testing.assert_allclose(
        curve.get_ydata(), funnel_limits(table.attrs["theta"], x)["lower_998"] * 1000
    )


def test_funnel_text_is_pinned_to_cjk_fonts(table):
    found = available_cjk_font()
    if found is None:
        pytest.skip("no CJK font installed")
    fig = plot_funnel(table)
    legend_text = fig.axes[0].get_legend().get_texts()[0]
    assert legend_text.get_fontfamily()[0] == found
    assert legend_text.get_fontfamily()[-1] == "DejaVu Sans"


def test_funnel_linear_axis_no_highlight_and_given_axes(table):
    narrow = table[(table["person_years"] > 200) & (table["person_years"] < 5000)].copy()
    narrow.attrs = dict(table.attrs)
    fig = Figure()
    ax = fig.add_subplot()
    out = plot_funnel(narrow, ax=ax, highlight_col=None)
    assert out is fig
    assert ax.get_xscale() == "linear"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "重点企业" not in legend and "其他企业" in legend
    assert not [a for a in ax.texts if isinstance(a, Annotation)]


def test_funnel_skips_unusable_rows(table):
    t = table.copy()
    t.attrs = dict(table.attrs)
    t.loc[t.index[:3], "person_years"] = [0.0, np.nan, -1.0]
    t.loc[t.index[3], "rate_per_1000"] = np.nan
    fig = plot_funnel(t, highlight_col=None)
    (points,) = fig.axes[0].collections
    assert len(points.get_offsets()) == len(t) - 4


def test_funnel_errors(table):
    no_theta = table.copy()
    no_theta.attrs = {}
    with pytest.raises(ValueError, match="theta"):
        plot_funnel(no_theta)
    bad_theta = table.copy()
    bad_theta.attrs = {"theta": math.nan}
    with pytest.raises(ValueError, match="theta"):
        plot_funnel(bad_theta)
    with pytest.raises(SchemaError, match="person_years"):
        plot_funnel(table.drop(columns="person_years"))
    with pytest.raises(SchemaError, match="flag"):
        plot_funnel(table, highlight_col="flag")
    with pytest.raises(TypeError):
        plot_funnel(table.to_numpy())


# ----------------------------------------------------------------------------------------------
# ranked bars
# ----------------------------------------------------------------------------------------------


def test_ranked_bars_order_values_and_labels(table):
    ranked = table.sort_values("eb_rate_per_1000", ascending=False)
    fig = plot_ranked(ranked, n=15, title="前15家")
    (ax,) = fig.axes
    bars = ax.containers[0]
    assert len(bars) == 15
    widths = [p.get_width() for p in bars]
    np.testing.assert_allclose(widths, ranked["eb_rate_per_1000"].iloc[:15])
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks == ranked["name"].iloc[:15].tolist()
    top, bottom = ax.get_ylim()[1], ax.get_ylim()[0]
    assert top < bottom  # first row drawn at the top
    assert bars[0].get_y() + bars[0].get_height() / 2 == pytest.approx(0.0)
    values = [a.get_text() for a in ax.texts]
    assert len(values) == 15 and values[0] == f"{widths[0]:.2f}"
    assert ax.get_xlabel() == "经验贝叶斯平滑发生率（每千人年）"
    assert not [c for c in ax.collections if isinstance(c, LineCollection)]


def test_ranked_default_n_and_short_table(table):
    assert len(plot_ranked(table).axes[0].containers[0]) == 22
    assert len(plot_ranked(table.iloc[:5], n=22).axes[0].containers[0]) == 5


def test_ranked_interval_need_not_contain_value(table):
    ranked = table.sort_values("eb_rate_per_1000", ascending=False).head(10).copy()
    # crude-rate exact intervals around shrunken EB rates: some do not contain the bar end
    ranked.loc[ranked.index[0], ["lower_1000", "upper_1000"]] = [0.1, 0.2]
    ranked.loc[ranked.index[1], ["lower_1000", "upper_1000"]] = [np.nan, np.nan]
    fig = plot_ranked(
        ranked, value_col="rate_per_1000", lower_col="lower_1000", upper_col="upper_1000"
    )
    ax = fig.axes[0]
    (lines,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(lines.get_segments()) == 9  # the NaN interval is not drawn
    assert ax.get_xlabel() == "每千人年发生率"
    assert ax.get_xlim()[1] > np.nanmax(ranked["upper_1000"])


def test_ranked_errors(table):
    with pytest.raises(SettingsError):
        plot_ranked(table, n=0)
    with pytest.raises(ValueError, match="both"):
        plot_ranked(table, lower_col="lower_1000")
    with pytest.raises(SchemaError, match="score"):
        plot_ranked(table, value_col="score")
    with pytest.raises(SchemaError, match="numeric"):
        plot_ranked(table, value_col="name")


# ----------------------------------------------------------------------------------------------
# record text is never read as mathtext
# ----------------------------------------------------------------------------------------------

#: Enterprise names a register could hold: ``$…$`` is mathtext to matplotlib, and these
#: fail at draw time (unknown command, unbalanced braces) unless every ``$`` is escaped.
MATH_NAMES = ["某$\\frac$公司", "测试$\\x{$企业", "$$", "A$B$C有限公司"]


@pytest.mark.parametrize("chart", ["funnel", "ranked"])
def test_names_with_dollars_draw_as_written(table, chart):
    t = table.copy()
    key = t.index[t["key"]]
    t.loc[key[: len(MATH_NAMES)], "name"] = MATH_NAMES
    t = t.sort_values("eb_rate_per_1000", ascending=False)
    fig = plot_funnel(t) if chart == "funnel" else plot_ranked(t, n=len(t))
    assert render(fig, "png")  # would raise ValueError (mathtext) with a bare "$"
    shown = {s.replace("\\$", "$") for s in texts(fig)}
    assert set(MATH_NAMES) <= shown


# ----------------------------------------------------------------------------------------------
# funnel labels: readable (issue 18): no two overlap, each inside the axes, clear of the legend
# ----------------------------------------------------------------------------------------------

#: Gap (pixels) two label boxes or a label and the axes' edge must keep: the placement keeps
#: 1.5 points (2 px at 100 dpi), so a real overlap cannot hide in rounding.
GAP_PX = 1.0


def label_boxes(fig: Figure) -> list[tuple[str, matplotlib.transforms.Bbox]]:
    """(text, box in pixels) of every label of the funnel's axes, measured with the renderer
    after drawing the figure; the box of the text alone (not its leader line)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    out = []
    for a in fig.axes[0].texts:
        if isinstance(a, Annotation) and a.get_visible():
            a.update_positions(renderer)
            out.append((a.get_text(), matplotlib.text.Text.get_window_extent(a, renderer)))
    return out


def layout_problems(fig: Figure) -> list[str]:
    """Overlapping labels, labels outside the axes or the figure, labels on the legend."""
    boxes = label_boxes(fig)
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    frame, page = ax.get_window_extent(renderer), fig.bbox
    legend = ax.get_legend().get_window_extent(renderer)
    bad = []
    for i, (text, box) in enumerate(boxes):
        for outer, name in ((frame, "axes"), (page, "figure")):
            inside = (
                box.x0 >= outer.x0 + GAP_PX
                and box.x1 <= outer.x1 - GAP_PX
                and box.y0 >= outer.y0 + GAP_PX
                and box.y1 <= outer.y1 - GAP_PX
            )
            if not inside:
                bad.append(f"{text!r} leaves the {name}: {box} vs {outer}")
        if box.overlaps(legend):
            bad.append(f"{text!r} on the legend")
        for other, obox in boxes[:i]:
            if box.expanded(1.0, 1.0).padded(GAP_PX / 2).overlaps(obox.padded(GAP_PX / 2)):
                bad.append(f"{text!r} overlaps {other!r}")
    return bad


def crowded(seed: int, n: int = 400, n_key: int = 40) -> pd.DataFrame:
    """A crowded funnel: `n` enterprises, `n_key` highlighted, ranked, long similar names."""
    rng = np.random.default_rng(seed)
    py = np.clip(np.exp(rng.normal(np.log(300.0), 1.0, n)), 20.0, 30000.0)
    events = rng.poisson(0.01 * py * rng.gamma(2.0, 0.5, n))
    eb = global_eb(events, py)
    t = pd.DataFrame(
        {
            "name": [f"常德市{INDUSTRY[i % 7]}有限公司{i:04d}" for i in range(n)],
            "person_years": py,
            "rate_per_1000": events / py * 1000,
        }
    )
    order = pd.Series(eb["eb"].to_numpy()).rank(ascending=False, method="first")
    t["rank"] = order.to_numpy().astype(int)
    t["key"] = t["rank"] <= n_key
    t.attrs["theta"] = eb.attrs["theta"]
    return t


@pytest.fixture(scope="module")
def demo_key(demo_geocoded, demo_register) -> pd.DataFrame:
    from trafficprev.groups import key_enterprises

    return key_enterprises(demo_geocoded, demo_register)


def test_demo_funnel_names_the_first_ten_readably(demo_key):
    """The report's funnel (key list of 22, names of the first 10 by rank): every name placed,
    none overlapping another, the legend or the axes' edge."""
    fig = plot_funnel(demo_key, max_labels=10)
    assert layout_problems(fig) == []
    shown = [t for t, _ in label_boxes(fig)]
    first = demo_key[demo_key["key"]].sort_values("rank")["name"]
    assert len(shown) == 10 and set(shown) == {
        n[:15] + "…" if len(n) > 16 else n for n in first[:10]
    }


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_crowded_funnel_labels_never_overlap_and_stay_inside(seed):
    """40 key enterprises among 400, 25 names asked for: the placement may leave some out,
    but what it draws is readable; and it names most of them (at least 15 of 25: the seeds
    give 25 each, so the margin is wide)."""
    t = crowded(seed)
    fig = plot_funnel(t, max_labels=25)
    assert layout_problems(fig) == []
    shown = [text for text, _ in label_boxes(fig)]
    assert 15 <= len(shown) <= 25
    # only highlighted enterprises, the best ranked first: every name shown is in the top 25
    top = set(t.loc[t["rank"] <= 25, "name"])
    assert set(shown) <= top


def test_crowded_funnel_labels_stay_readable_when_saved_again(tmp_path):
    """Saving (the report's PNG, a notebook's display) draws the figure again: the layout
    and the pinned legend keep the labels where they were placed."""
    fig = plot_funnel(crowded(7), max_labels=20)
    before = label_boxes(fig)
    fig.savefig(tmp_path / "funnel.png", dpi=100)
    after = label_boxes(fig)
    assert [t for t, _ in before] == [t for t, _ in after]
    for (_, a), (_, b) in zip(before, after, strict=True):
        assert np.allclose(a.bounds, b.bounds, atol=0.5)
    assert layout_problems(fig) == []


def test_funnel_labels_on_given_axes_and_none_when_asked(table):
    fig = Figure(figsize=(6.0, 4.0))
    ax = fig.add_subplot()
    assert plot_funnel(table, ax=ax) is fig
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)  # to measure with, as the tests do
    assert layout_problems(fig) == []
    assert len(label_boxes(fig)) == int(table["key"].sum())
    none = plot_funnel(table, max_labels=0)
    assert not [a for a in none.axes[0].texts if isinstance(a, Annotation)]
    for bad in (-1, 1.5, True, "10"):
        with pytest.raises(SettingsError, match="max_labels"):
            plot_funnel(table, max_labels=bad)


#: Enterprise names from hostile records: markup, Jinja2, a formula, a phone number, an ID
#: number, mathtext, a very long name and line breaks. They are drawn as text, cut to 16.
HOSTILE_NAMES = [
    "<script>alert(1)</script>有限公司",
    "{{ 7*7 }}{% raw %}x{% endraw %}公司",
    '=HYPERLINK("http://evil.example","x")',
    "联系13812345678的公司",
    "43070219800101123X号企业",
    "某$\\frac{1}{2}$公司",
    "很长的名字" * 30,
    "换行\n的\r\n公司",
]


def test_hostile_names_are_cut_and_drawn_as_text(table):
    t = table.copy()
    t.attrs = dict(table.attrs)
    keys = t.index[t["key"]]
    t["key"] = False
    extra = t.index[~t.index.isin(keys)][: len(HOSTILE_NAMES) - len(keys)]
    chosen = list(keys) + list(extra)
    t.loc[chosen, "key"] = True
    t.loc[chosen, "name"] = HOSTILE_NAMES[: len(chosen)]
    fig = plot_funnel(t, max_labels=len(chosen))
    assert render(fig, "png")[:8] == b"\x89PNG\r\n\x1a\n"
    assert layout_problems(fig) == []
    shown = {text for text, _ in label_boxes(fig)}
    assert shown, "no label placed"
    expected = {plain_label(short_label(n)) for n in HOSTILE_NAMES[: len(chosen)]}
    assert shown <= expected
    assert all(len(s.replace("\\$", "$")) <= 16 and "\n" not in s for s in shown)
