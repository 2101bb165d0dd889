"""Offline folium maps: vendored assets, deterministic rendering, and a headless-Chromium check.

The browser tests load the maps in Chromium with every host name unresolvable and assert on
what the page did (console errors, DOM, page-initiated requests). They are skipped when no
Chromium is installed; CI installs it.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import folium
import numpy as np
import pytest
from folium.plugins import Fullscreen, HeatMap, MarkerCluster

from trafficprev.maps._browser import (
    ChromiumNotFoundError,
    find_chromium,
    print_pdf,
    screenshot,
)
from trafficprev.maps._offline import (
    ASSETS,
    OfflineAssetError,
    OfflineCheckError,
    check_offline,
    render_offline,
    save_offline,
    show,
    tile_layer,
)
from trafficprev.maps._safe import popup_html, safe_frame
from trafficprev.testing import check_in_browser

STATIC = Path(__file__).resolve().parents[1] / "trafficprev" / "static"
CHROMIUM = find_chromium()
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium not installed (apt-get install chromium)"
)
TILE_URL = "http://intranet.example/{z}/{x}/{y}.png"
TITLE = "长沙市通勤事故分布（2025年第一季度）"


# --------------------------------------------------------------------------- test maps


def _roads(rng: np.random.Generator, n: int = 300) -> dict:
    """``n`` short road LineStrings (4 vertices each) around central Changsha."""
    features = []
    for i in range(n):
        x0, y0 = 112.90 + rng.random() * 0.15, 28.15 + rng.random() * 0.10
        steps = rng.normal(0, 0.002, size=(3, 2)).cumsum(axis=0) + np.array([x0, y0])
        coords = [[round(x0, 5), round(y0, 5)], *np.round(steps, 5).tolist()]
        props = {"road_id": i, "name": f"芙蓉{'中南北'[i % 3]}路{i}段"}
        geometry = {"type": "LineString", "coordinates": coords}
        features.append({"type": "Feature", "properties": props, "geometry": geometry})
    return {"type": "FeatureCollection", "features": features}


def build_map(seed: int = 7) -> folium.Map:
    """Roads + GeoJSON points with tooltips + clustered CircleMarkers + heat + layer control."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    m = folium.Map(location=[28.2, 112.97], zoom_start=13, tiles=None)
    folium.GeoJson(
        _roads(rng),
        name="道路",
        style_function=lambda f: {"color": "#888", "weight": 2},
    ).add_to(m)

    lat = 28.2 + rng.normal(0, 0.008, 150)
    lon = 112.97 + rng.normal(0, 0.008, 150)
    points = pd.DataFrame(
        {
            "lon": lon.round(5),
            "lat": lat.round(5),
            "address": [f"五一大道{i}号（近黄兴路口）" for i in range(150)],
            "n": rng.integers(1, 6, 150),
        }
    )
    points = safe_frame(points)
    features = [
        {
            "type": "Feature",
            "properties": {"address": r.address, "n": int(r.n)},
            "geometry": {"type": "Point", "coordinates": [r.lon, r.lat]},
        }
        for r in points.itertuples()
    ]
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name="事故点",
        marker=folium.CircleMarker(radius=4, color="#c00", fill=True),
        tooltip=folium.GeoJsonTooltip(["address", "n"], aliases=["地址", "事故数"]),
    ).add_to(m)

    cluster = MarkerCluster(name="事故聚合").add_to(m)
    for i in range(80):
        folium.CircleMarker(
            [float(lat[i]), float(lon[i])],
            radius=5,
            popup=folium.Popup(popup_html([("地址", points.address[i]), ("事故数", i % 5)])),
        ).add_to(cluster)
    HeatMap(np.column_stack([lat, lon]).round(5).tolist(), name="热力图").add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    return m


@pytest.fixture(scope="module")
def offline_html() -> str:
    return render_offline(build_map(), title=TITLE)


@pytest.fixture(scope="module")
def browser_runs(tmp_path_factory, offline_html):
    """All Chromium runs of this module, started in parallel (each takes 1.5-3 s)."""
    if CHROMIUM is None:
        pytest.skip("headless Chromium not installed (apt-get install chromium)")
    folder = tmp_path_factory.mktemp("maps")
    offline = folder / "offline.html"
    offline.write_text(offline_html, encoding="utf-8")

    stock = folder / "stock.html"
    build_map().save(str(stock))  # folium's own output: CDN links

    tiles = folium.Map(location=[28.2, 112.97], zoom_start=13, tiles=None)
    tile_layer(TILE_URL, attribution="内网瓦片").add_to(tiles)
    folium.CircleMarker([28.2, 112.97], radius=6).add_to(tiles)
    tiled = save_offline(tiles, folder / "tiles.html")

    with ThreadPoolExecutor(max_workers=3) as pool:
        jobs = {
            "offline": pool.submit(check_in_browser, offline),
            "stock": pool.submit(check_in_browser, stock),
            "tiles": pool.submit(check_in_browser, tiled),
            "png": pool.submit(screenshot, offline, folder / "map.png"),
            "pdf": pool.submit(print_pdf, offline, folder / "map.pdf"),
        }
        return {name: job.result() for name, job in jobs.items()}


def _elements(dom: str, tag: str, css_class: str) -> int:
    """Number of ``<tag>`` elements whose class attribute contains ``css_class``.

    Counting the class name in the raw DOM text is not enough: the inlined leaflet.js and
    CSS contain the same names.
    """
    return len(re.findall(rf'<{tag}\b[^>]*\bclass="[^"]*\b{re.escape(css_class)}\b', dom))


# --------------------------------------------------------------------------- vendored assets


def test_every_asset_is_vendored_with_licence_and_listed():
    readme = (STATIC / "README.md").read_text(encoding="utf-8")
    for relative in ASSETS.values():
        assert (STATIC / relative).is_file(), relative
        assert f"`{relative}`" in readme
    for folder in ("leaflet", "jquery", "leaflet.markercluster", "leaflet.heat"):
        licences = [p for p in (STATIC / folder).iterdir() if "LICEN" in p.name.upper()]
        assert licences, f"no licence file in static/{folder}"
    for image in ("layers", "layers-2x", "marker-icon", "marker-icon-2x", "marker-shadow"):
        assert (STATIC / "leaflet" / "images" / f"{image}.png").is_file()
    total = sum(p.stat().st_size for p in STATIC.rglob("*") if p.is_file())
    assert total < 400_000


def test_vendored_versions_match_what_folium_references():
    from folium.folium import _default_js

    urls = dict(_default_js)
    assert "leaflet@1.9.3" in urls["leaflet"]
    assert "jquery-3.7.1" in urls["jquery"]
    assert "Leaflet 1.9.3" in (STATIC / "leaflet" / "leaflet.js").read_text()[:200]
    assert "jQuery v3.7.1" in (STATIC / "jquery" / "jquery.min.js").read_text()[:200]
    assert "1.1.0" in dict(MarkerCluster.default_js)["markerclusterjs"]
    heat = Path(folium.__file__).parent / "templates" / "leaflet_heat.min.js"
    assert (STATIC / "leaflet.heat" / "leaflet-heat.js").read_bytes() == heat.read_bytes()


# --------------------------------------------------------------------------- rendering


def test_offline_html_has_no_external_script_or_style(offline_html):
    check_offline(offline_html)  # raises on any external reference
    assert "<script src=" not in offline_html
    assert '<link rel="stylesheet"' not in offline_html
    assert "cdn.jsdelivr.net" not in offline_html and "bootstrap" not in offline_html.lower()
    assert 'url("data:image/png;base64,' in offline_html  # leaflet.css images
    assert "L.Icon.Default.mergeOptions" in offline_html
    assert '"maxZoom": 19' in offline_html  # no tile layer → MarkerCluster needs maxZoom


def test_render_is_byte_identical_and_ids_are_counters(offline_html):
    m = build_map()
    first = render_offline(m, title=TITLE)
    second = render_offline(m, title=TITLE)
    assert first == second == offline_html  # same map twice, and a rebuilt map
    assert re.search(r"_[0-9a-f]{32}", first) is None
    assert re.search(r'<div class="folium-map" id="map_0001"', first)
    assert "geo_json_0002" in first


def test_chinese_text_and_title_survive(offline_html):
    assert f"<title>{TITLE}</title>" in offline_html
    assert "五一大道1号（近黄兴路口）" in offline_html  # popup HTML is raw UTF-8
    assert '"\\u9053\\u8def"' in offline_html or '"道路"' in offline_html  # layer name
    m = folium.Map(tiles=None)
    assert "<title>&lt;b&gt;事故 &amp; 道路</title>" in render_offline(m, title="<b>事故 & 道路")


def test_render_offline_leaves_the_map_unchanged():
    m = build_map()
    before = m.get_root().render()
    render_offline(m)
    assert "max_zoom" not in m.options
    assert "default_js" not in vars(m)
    after = m.get_root().render()
    assert "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js" in after
    assert len(after) > 0.5 * len(before)


def test_stock_map_and_unsupported_elements_fail_loudly():
    with pytest.raises(OfflineAssetError, match="tile_layer"):
        render_offline(folium.Map())  # default OpenStreetMap tiles
    m = folium.Map(tiles=None)
    folium.Marker([28.2, 112.9], icon=folium.Icon(color="red")).add_to(m)
    with pytest.raises(OfflineAssetError, match=r"folium\.Icon"):
        render_offline(m)
    m = folium.Map(tiles=None)
    Fullscreen().add_to(m)
    with pytest.raises(KeyError) as info:  # also a ValueError
        render_offline(m)
    assert isinstance(info.value, ValueError)
    assert "'Control.Fullscreen.js'" in str(info.value) or "Fullscreen" in str(info.value)
    m = folium.Map(tiles=None)
    folium.WmsTileLayer("http://intranet.example/wms", layers="roads").add_to(m)
    with pytest.raises(OfflineAssetError, match="WMS"):
        render_offline(m)
    with pytest.raises(TypeError):
        render_offline("<html></html>")


@pytest.mark.parametrize(
    ("snippet", "kind"),
    [
        ('<script src="https://cdn.jsdelivr.net/npm/x.js"></script>', "element src"),
        ("<script type='text/javascript' src=//cdn.example/x.js></script>", "element src"),
        ('<link rel="stylesheet" href="http://cdn.example/a.css"/>', "link href"),
        ("<style>.a { background: url( 'https://x.example/a.png') }</style>", "css url()"),
        ('<style>@import "https://fonts.example/f.css";</style>', "css @import"),
        ('<img src="http://intranet.example/logo.png">', "element src"),
        ('<script src="file:///home/u/leaflet.js"></script>', "local file"),
        ('<script>L.tileLayer("http://intranet.example/{z}/{x}/{y}.png", {})</script>', "tile"),
    ],
)
def test_check_offline_reports_the_offending_reference(snippet, kind):
    with pytest.raises(OfflineCheckError, match=re.escape(kind)):
        check_offline(f"<html><head></head><body>{snippet}</body></html>")


def test_check_offline_ignores_text_mentions():
    page = (
        "<html><head><style>.x { behavior: url(#default#VML); }</style></head><body>"
        '<a href="https://leafletjs.com">Leaflet</a><svg xmlns="http://www.w3.org/2000/svg">'
        "</svg><script>/* https://github.com/Leaflet */ var u = 'http://a.example';</script>"
        "<div>&lt;script src=&quot;http://x&quot;&gt;</div></body></html>"
    )
    check_offline(page)
    tiles = '<script>L.tileLayer("https://t.example/{z}/{x}/{y}.png", {})</script>'
    check_offline(tiles, allow_tiles=True)


def test_tile_layer_declares_crs_and_validates():
    layer = tile_layer(TILE_URL, attribution="内网瓦片")
    assert isinstance(layer, folium.TileLayer) and layer.crs == "wgs84"
    assert tile_layer(TILE_URL, attribution="高德", crs="GCJ-02").crs == "gcj02"
    assert tile_layer(TILE_URL, attribution="天地图", crs="CGCS2000").crs == "wgs84"
    with pytest.raises(ValueError, match="BD09"):
        tile_layer(TILE_URL, attribution="百度", crs="bd09")
    with pytest.raises(ValueError, match="placeholders"):
        tile_layer("http://intranet.example/tiles.png", attribution="x")
    with pytest.raises(ValueError, match="attribution"):
        tile_layer(TILE_URL, attribution=" ")


def test_tile_map_renders_but_check_offline_flags_the_tiles():
    m = folium.Map(location=[28.2, 112.97], zoom_start=12, tiles=None)
    tile_layer(TILE_URL, attribution="内网瓦片", max_zoom=18).add_to(m)
    page = render_offline(m)
    assert '"maxZoom": 19' not in page.split("L.map(")[1].split(");")[0]
    with pytest.raises(OfflineCheckError, match=r"intranet\.example"):
        check_offline(page)
    check_offline(page, allow_tiles=True)


def test_save_offline_is_atomic(tmp_path):
    m = build_map()
    target = save_offline(m, tmp_path / "地图.html", title=TITLE)
    assert target == tmp_path / "地图.html"
    assert target.read_bytes() == render_offline(m, title=TITLE).encode("utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["地图.html"]
    target.write_text("old", encoding="utf-8")
    with pytest.raises(OfflineAssetError):
        save_offline(folium.Map(), target)  # fails before writing: old file kept
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["地图.html"]


def test_show_wraps_the_offline_html_in_an_iframe():
    m = folium.Map(location=[28.2, 112.97], tiles=None)
    folium.CircleMarker([28.2, 112.97], popup=folium.Popup(popup_html([("地址", "<b>")]))).add_to(m)
    shown = show(m, height=420)
    text = shown.data
    assert text.startswith('<div style="width:100%"><iframe srcdoc="') and "height:420px" in text
    srcdoc = re.search(r'<iframe srcdoc="([^"]*)"', text).group(1)
    assert html.unescape(srcdoc) == render_offline(m)
    with pytest.raises(ValueError):
        show(m, height=0)


# --------------------------------------------------------------------------- browser


def test_find_chromium_returns_an_executable_or_none():
    assert CHROMIUM is None or Path(CHROMIUM).is_file()


def test_browser_helpers_raise_clearly_without_chromium(monkeypatch, tmp_path):
    import trafficprev.maps._browser as browser

    monkeypatch.setattr(browser, "find_chromium", lambda: None)
    page = tmp_path / "a.html"
    page.write_text("<html></html>", encoding="utf-8")
    for call in (
        lambda: check_in_browser(page),
        lambda: screenshot(page, tmp_path / "a.png"),
        lambda: print_pdf(page, tmp_path / "a.pdf"),
    ):
        with pytest.raises(ChromiumNotFoundError, match="apt-get install"):
            call()


@needs_chromium
@pytest.mark.parametrize("wait_ms", [0, -1, 2.5, True, "4000"])
def test_a_virtual_time_budget_that_never_ends_is_refused_before_chromium_starts(
    wait_ms, tmp_path, monkeypatch
):
    """``--virtual-time-budget=0`` never ends a --dump-dom load (Chromium waits for the
    timeout): 0 is refused with the rest, before any process starts."""
    import subprocess

    import trafficprev.maps._browser as browser

    def no_process(*_args, **_kwargs):
        raise AssertionError("Chromium was started")

    monkeypatch.setattr(subprocess, "Popen", no_process)
    monkeypatch.setattr(subprocess, "run", no_process)
    page = tmp_path / "a.html"
    page.write_text("<html></html>", encoding="utf-8")
    with pytest.raises(ValueError, match="positive integer"):
        browser.run_chromium(page, ["--dump-dom"], folder=tmp_path, wait_ms=wait_ms, timeout=5)


@needs_chromium
def test_offline_map_runs_in_chromium_without_network(browser_runs):
    report = browser_runs["offline"]
    assert report.errors == []
    assert report.requests == []
    assert _elements(report.dom, "path", "leaflet-interactive") >= 300  # roads + points
    assert _elements(report.dom, "div", "marker-cluster") >= 1
    assert _elements(report.dom, "canvas", "leaflet-heatmap-layer") == 1
    assert f"<title>{TITLE}</title>" in report.dom
    labels = re.findall(r"<span> (.*?)</span>", report.dom)  # layer control entries
    assert {"道路", "事故点", "事故聚合", "热力图"} <= set(labels)


@needs_chromium
def test_checker_sees_cdn_requests_of_a_stock_folium_map(browser_runs):
    report = browser_runs["stock"]
    assert len(report.requests) >= 5
    assert any("cdn.jsdelivr.net/npm/leaflet@1.9.3" in url for url in report.requests)
    assert any("L is not defined" in e for e in report.errors)
    assert _elements(report.dom, "path", "leaflet-interactive") == 0
    assert not any("google.com" in url for url in report.requests)  # browser's own pings


@needs_chromium
def test_checker_reports_tile_requests(browser_runs):
    report = browser_runs["tiles"]
    assert report.errors == []
    tiles = [u for u in report.requests if u.startswith("http://intranet.example/13/")]
    assert len(tiles) >= 4
    assert len(tiles) == len(report.requests)


def _png_stats(path: Path) -> tuple[int, int, float]:
    """Width, height and grey-level standard deviation of a PNG."""
    from PIL import Image  # a matplotlib dependency

    with Image.open(path) as image:
        assert image.format == "PNG"
        grey = np.asarray(image.convert("L"), dtype=float)
        return image.width, image.height, float(grey.std())


@needs_chromium
def test_screenshot_is_a_non_blank_png(browser_runs):
    png = browser_runs["png"]
    assert png.stat().st_size > 20_000  # a blank 2400x1600 page compresses to a few KB
    width, height, spread = _png_stats(png)
    assert (width, height) == (2400, 1600)
    assert spread > 5


@needs_chromium
@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="pdfinfo (poppler-utils) missing")
def test_pdf_is_one_a4_landscape_page(browser_runs):
    info = subprocess.run(
        ["pdfinfo", str(browser_runs["pdf"])], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(r"^Pages:\s+1$", info, re.MULTILINE)
    size = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", info, re.MULTILINE)
    assert size is not None
    assert abs(float(size.group(1)) - 842) < 1 and abs(float(size.group(2)) - 595) < 1
