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
import numpy as np
import pandas as pd
import pytest
from matplotlib import font_manager
from matplotlib._pylab_helpers import Gcf
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.text import Annotation

from trafficprev._errors import SchemaError, SettingsError
from trafficprev._plotting import CJK_FONTS, available_cjk_font, cjk_style
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
