"""safe_text / safe_frame / popup_html, and a headless-Chromium regression test of the four
payload families of docs/ecosystem.md §2 in the four folium sinks (Popup, Tooltip,
GeoJsonTooltip, GeoJsonPopup).

Each payload, if it runs, sets an attribute ``data-pwned-<family>-<sink>`` on ``<html>``. A
test-only script, injected into a copy of the map, opens every popup and tooltip the way a
user would (click / mouseover events) and writes their text into ``<pre id="opened">`` so the
dumped DOM shows both whether anything ran and what the user would read.
"""

from __future__ import annotations

import html
import json
import math
import re
from pathlib import Path

import folium
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from trafficprev.maps._browser import find_chromium
from trafficprev.maps._offline import render_offline
from trafficprev.maps._safe import popup_html, safe_frame, safe_text
from trafficprev.testing import check_in_browser

needs_chromium = pytest.mark.skipif(
    find_chromium() is None, reason="headless Chromium not installed (apt-get install chromium)"
)
SINKS = ("popup", "tooltip", "gjtooltip", "gjpopup")


def payloads(sink: str) -> dict[str, str]:
    """The four families; the first three set ``data-pwned-<family>-<sink>`` if executed."""

    def mark(family: str) -> str:
        return f"document.documentElement.setAttribute('data-pwned-{family}-{sink}','1')"

    return {
        "img": f'<img src=x onerror="{mark("img")}"> 芙蓉中路<1>号 & "引号"',
        "tpl": f"${{{mark('tpl')}}} 收费站",
        "bs": f"\\\\`);{mark('bs')};//",  # two backslashes, a backtick: breaks out
        "path": "D:\\upload\\长沙.xls",  # harmless text whose \u kills an unescaped map
    }


OPENER = """<script>
window.addEventListener('load', function () {
  setTimeout(function () {
    var texts = [];
    Object.keys(window).forEach(function (key) {
      var map;
      try { map = window[key]; } catch (e) { return; }
      if (!(map instanceof L.Map)) { return; }
      map.on('popupopen', function (e) {
        texts.push(e.popup.getElement().querySelector('.leaflet-popup-content').textContent);
      });
      map.on('tooltipopen', function (e) { texts.push(e.tooltip.getElement().textContent); });
      var layers = [];
      map.eachLayer(function (layer) { layers.push(layer); });
      layers.forEach(function (layer) {
        if (!layer.getLatLng) { return; }
        var at = {latlng: layer.getLatLng()};
        layer.fire('click', at, true);
        map.closePopup();
        layer.fire('mouseover', at, true);
        layer.fire('mouseout', at, true);
      });
    });
    var pre = document.createElement('pre');
    pre.id = 'opened';
    pre.textContent = JSON.stringify(texts);
    document.body.appendChild(pre);
  }, 300);
});
</script>"""


def _points(frame: pd.DataFrame) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"kind": r.kind, "text": r.text},
                "geometry": {"type": "Point", "coordinates": [r.lon, r.lat]},
            }
            for r in frame.itertuples()
        ],
    }


def build_payload_map(escape: bool, families=("img", "tpl", "bs", "path"), sinks=SINKS):
    """One map with every (family, sink) combination, text escaped or raw."""
    text = safe_text if escape else str
    m = folium.Map(location=[28.2, 112.97], zoom_start=14, tiles=None)
    for column, sink in enumerate(sinks):
        lon = 112.95 + 0.01 * column
        cases = [(f, payloads(sink)[f]) for f in families]
        if sink in ("popup", "tooltip"):
            for row, (_family, value) in enumerate(cases):
                kwargs = (
                    {"popup": folium.Popup(text(value))}
                    if sink == "popup"
                    else {"tooltip": folium.Tooltip(text(value))}
                )
                folium.CircleMarker([28.19 + 0.003 * row, lon], radius=6, **kwargs).add_to(m)
            continue
        frame = pd.DataFrame(
            {
                "kind": [f for f, _ in cases],
                "text": [v for _, v in cases],
                "lon": lon,
                "lat": 28.19 + 0.003 * np.arange(len(cases)),
            }
        )
        if escape:
            frame = safe_frame(frame)
        detail = (
            {"tooltip": folium.GeoJsonTooltip(["kind", "text"])}
            if sink == "gjtooltip"
            else {"popup": folium.GeoJsonPopup(["kind", "text"])}
        )
        folium.GeoJson(_points(frame), marker=folium.CircleMarker(radius=6), **detail).add_to(m)
    return m


def _run(m: folium.Map, folder: Path, name: str):
    page = folder / f"{name}.html"
    page.write_text(render_offline(m).replace("</body>", OPENER + "</body>", 1), "utf-8")
    report = check_in_browser(page)
    root = re.search(r"<html\b[^>]*>", report.dom).group(0)
    pwned = set(re.findall(r"data-pwned-([a-z]+-[a-z]+)", root))
    opened = re.search(r'<pre id="opened">(.*?)</pre>', report.dom, re.DOTALL)
    texts = json.loads(html.unescape(opened.group(1))) if opened else None
    paths = len(re.findall(r'<path\b[^>]*\bclass="[^"]*\bleaflet-interactive\b', report.dom))
    return report, pwned, texts, paths


# --------------------------------------------------------------------------- safe_text


@pytest.mark.parametrize("sink", SINKS)
def test_safe_text_removes_every_dangerous_character(sink):
    for value in payloads(sink).values():
        out = safe_text(value)
        assert not set("<>\"'\\`${}(@") & set(out)
        assert html.unescape(out) == value


def test_safe_text_known_values():
    assert safe_text("D:\\upload\\长沙.xls") == "D:&#92;upload&#92;长沙.xls"
    assert safe_text("a`b`${c}") == "a&#96;b&#96;&#36;&#123;c&#125;"
    assert safe_text("{{7*7}}{%x%}{#") == "&#123;&#123;7*7&#125;&#125;&#123;%x%&#125;&#123;#"
    assert safe_text("url(http://x) @import") == "url&#40;http://x) &#64;import"
    assert safe_text("<b class='x'>&</b>") == "&lt;b class=&#x27;x&#x27;&gt;&amp;&lt;/b&gt;"
    assert safe_text(12.5) == "12.5"
    for missing in (None, math.nan, np.nan, pd.NA, pd.NaT, np.float32("nan")):
        assert safe_text(missing) == ""
    assert safe_text([1, None]) == "[1, None]"  # containers are text, not "missing"


@given(st.text())
def test_safe_text_round_trips_and_is_inert(value):
    out = safe_text(value)
    assert html.unescape(out) == value
    assert not set("<>\"'\\`${}(@") & set(out)


# --------------------------------------------------------------------------- safe_frame


def test_safe_frame_escapes_text_columns_only():
    frame = pd.DataFrame(
        {
            "address": ["芙蓉中路<1>号", None, "芙蓉中路<1>号", "D:\\a"],
            "company": pd.Series(["A&B", "$x", "A&B", None], dtype="string"),
            "kind": pd.Categorical(["`a`", "b", "`a`", "b"]),
            "n": [1, 2, 3, 4],
            "x": [112.9, 113.0, np.nan, 113.1],
        }
    )
    before = frame.copy()
    out = safe_frame(frame)
    assert out["address"].tolist() == ["芙蓉中路&lt;1&gt;号", "", "芙蓉中路&lt;1&gt;号", "D:&#92;a"]
    assert out["company"].tolist() == ["A&amp;B", "&#36;x", "A&amp;B", ""]
    assert out["kind"].tolist() == ["&#96;a&#96;", "b", "&#96;a&#96;", "b"]
    pd.testing.assert_series_equal(out["n"], frame["n"])
    pd.testing.assert_series_equal(out["x"], frame["x"])
    pd.testing.assert_frame_equal(frame, before)  # input untouched
    named = safe_frame(frame, ["n"])
    assert named["n"].tolist() == ["1", "2", "3", "4"]
    assert named["address"].tolist() == frame["address"].tolist()


def test_safe_frame_keeps_geodataframe_and_geometry():
    import geopandas as gpd
    from shapely.geometry import Point

    gdf = gpd.GeoDataFrame(
        {"name": ["<i>五一路</i>", "韶山路"]},
        geometry=[Point(112.97, 28.19), Point(112.99, 28.17)],
        crs="EPSG:4326",
    )
    out = safe_frame(gdf)
    assert isinstance(out, gpd.GeoDataFrame) and out.crs == gdf.crs
    assert out["name"].tolist() == ["&lt;i&gt;五一路&lt;/i&gt;", "韶山路"]
    assert out.geometry.equals(gdf.geometry)


def test_safe_frame_errors():
    with pytest.raises(KeyError, match="nope"):
        safe_frame(pd.DataFrame({"a": ["x"]}), ["nope"])
    with pytest.raises(TypeError):
        safe_frame(["not", "a", "frame"])


def test_safe_frame_handles_unhashable_cells():
    out = safe_frame(pd.DataFrame({"tags": [["<a>"], {"k": "$"}]}))
    assert out["tags"].tolist() == [
        "[&#x27;&lt;a&gt;&#x27;]",
        "&#123;&#x27;k&#x27;: &#x27;&#36;&#x27;&#125;",
    ]


# --------------------------------------------------------------------------- popup_html


def test_popup_html_is_fixed_markup_with_escaped_cells():
    out = popup_html([("地址<", "芙蓉中路`1`号"), ("事故数", 3), ("备注", None)])
    assert out == (
        '<table class="tp-popup">'
        "<tr><th>地址&lt;</th><td>芙蓉中路&#96;1&#96;号</td></tr>"
        "<tr><th>事故数</th><td>3</td></tr>"
        "<tr><th>备注</th><td></td></tr></table>"
    )
    assert not set("\\`$\n") & set(out)
    assert popup_html([]) == '<table class="tp-popup"></table>'
    with pytest.raises(TypeError):
        popup_html([("only a label",)])


# --------------------------------------------------------------------------- in the browser


@needs_chromium
def test_escaped_payloads_are_inert_and_display_literally(tmp_path):
    report, pwned, texts, paths = _run(build_payload_map(escape=True), tmp_path, "safe")
    assert report.errors == []
    assert report.requests == []
    assert pwned == set()
    assert paths == 16  # every marker drawn: the script ran to the end
    assert texts is not None and len(texts) == 16  # 8 popups + 8 tooltips opened
    for sink in SINKS:
        for value in payloads(sink).values():
            assert any(value in t for t in texts), (sink, value)


@needs_chromium
def test_control_raw_payloads_execute(tmp_path):
    """Without safe_text the same payloads run: this is what the test above guards."""
    m = build_payload_map(escape=False, families=("img", "tpl"))
    # the backslash break-out in a popup runs too, then throws; add it last
    folium.CircleMarker([28.20, 112.94], popup=folium.Popup(payloads("popup")["bs"])).add_to(m)
    report, pwned, _texts, _paths = _run(m, tmp_path, "raw")
    assert pwned == {
        "img-popup",
        "tpl-popup",
        "bs-popup",
        "img-tooltip",
        "tpl-tooltip",
        "img-gjtooltip",
        "img-gjpopup",
    }
    assert report.errors  # the break-out leaves a broken statement behind


@needs_chromium
def test_control_raw_windows_path_kills_the_map(tmp_path):
    m = build_payload_map(escape=False, families=("path",), sinks=("popup",))
    report, pwned, texts, paths = _run(m, tmp_path, "path")
    assert any("SyntaxError" in e for e in report.errors)
    assert paths == 0 and texts == []
    assert pwned == set()
