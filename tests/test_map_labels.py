"""Maps that read without clicking (issue 18, item 3): labels, arrows, coverage, legends.

Checked in real headless Chromium on two worlds, the demo run (the session's
``demo_quarter_run``) and the small generated city (``small_city``) with crowded sign sites
and hostile road names: at the opening zoom no two site labels overlap, none covers a site's
dot, a fixed box or a control, each stays near its site; at zoom 16 road names are drawn
along their roads (centre within 12 m of a road of that name, angle within 12° of the road's
direction), no two overlap; below zoom 15 none is drawn; a legend row hides with its layer.
Screenshots of the opening view and of zoom 16 are written under the test's temporary
folder (and copied to ``$TRAFFICPREV_ARTIFACTS/map_labels`` when that variable is set).

Margins: the layout keeps 3 px between labels; the tests ask for more than 0.5 px. The
farthest label from its site on these worlds is about 60 px; the test allows 150 px.
Three Chromium pages measure, three take screenshots (about 10 s in all, two at a time).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from trafficprev.maps import find_chromium, render_offline, save_offline, screenshot
from trafficprev.maps import sign_sites_map as _sign_sites_map
from trafficprev.maps._build import SIGN_COLORS
from trafficprev.maps._labels import road_label_data, script_json
from trafficprev.maps._labels_js import LABELS_CSS, LABELS_JS
from trafficprev.testing import measure_labels, view_snippet

needs_chromium = pytest.mark.skipif(find_chromium() is None, reason="Chromium is not installed")

#: Road names a vandal could type into OpenStreetMap: markup, script, template, CSS.
HOSTILE = (
    "<img src=x onerror=\"document.documentElement.setAttribute('data-pwned','1')\">路",
    "</script><script>document.title='pwned'</script>",
    "{{7*7}}{% if 1 %}街{% endif %}",
    "</style><style>body{display:none}</style>",
)
OPEN_MAX_ZOOM = 15  # road names start at 15: the opening views here are below it


def sign_sites_map(sites, result, area, **kw):
    return _sign_sites_map(sites, result, area, **kw)


# --------------------------------------------------------------------------- worlds


def _crowded_sites(units: pd.DataFrame) -> pd.DataFrame:
    """16 sign sites on the small city's busiest units, two per intersection (facing
    opposite ways, on one spot), one per segment: a harder layout than a real choice."""
    ranked = units.sort_values(["n_cases", "unit_id"], ascending=[False, True])
    rows = []
    for unit in ranked.itertuples(index=False):
        if len(rows) >= 16:
            break
        geom = unit.geometry
        if unit.kind == "intersection":
            spots = [(geom, 0.0), (geom, 180.0)]
        else:
            a, b = np.asarray(geom.coords)[[0, -1]]
            bearing = math.degrees(math.atan2(b[0] - a[0], b[1] - a[1])) % 360
            spots = [(geom.interpolate(0.5, normalized=True), bearing)]
        for point, facing in spots:
            n = len(rows)
            rows.append(
                {
                    "site_id": f"J{n + 1:02d}", "kind": "sign", "status": "已有" if n % 4 == 3
                    else "新设", "existing": n % 4 == 3, "location": unit.place_text,
                    "approach": "", "road": unit.road, "cross_road": unit.cross_road or "",
                    "position_text": unit.place_text, "facing": "面向车辆",
                    "facing_deg": np.nan if n == 5 else facing, "n_covered": int(unit.n_cases),
                    "marginal_cases": int(unit.n_cases), "unit_ids": unit.unit_id,
                    "lon": point.x, "lat": point.y,
                }
            )  # fmt: skip
    return pd.DataFrame(rows[:16])


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("map_labels")


@pytest.fixture(scope="module")
def demo_page(demo_quarter_run, out_dir):
    result = demo_quarter_run.result
    sites = result.sign_sites
    m = sign_sites_map(sites, result.hotspots, result.area, period="2024Q4")
    return save_offline(m, out_dir / "demo_sign_sites.html"), sites, result


@pytest.fixture(scope="module")
def small_world(small_city):
    from trafficprev.area import build_area
    from trafficprev.geocode import geocode
    from trafficprev.hotspots import find_hotspots
    from trafficprev.intake import read_determinations

    area = build_area(
        "small", osm=small_city["roads"], pois=small_city["pois"], admin=small_city["divisions"]
    )
    files = [p for k, p in small_city.items() if k.startswith("determinations_")]
    cases = read_determinations(files).cases
    hs = find_hotspots(geocode(cases[cases["commuting"]], area).cases, area)
    sites = _crowded_sites(hs.units)
    # the roads at the first site get hostile names (the basemap and its labels)
    edges = area.edges.copy()
    near = shapely.distance(
        edges.geometry.to_numpy(), shapely.Point(sites["lon"][0], sites["lat"][0])
    )
    order = np.argsort(near, kind="stable")
    names = edges["name"].iloc[order].dropna().unique()[: len(HOSTILE)]
    renamed = dict(zip(names, HOSTILE, strict=False))
    edges["name"] = edges["name"].map(lambda n: renamed.get(n, n))
    area = dataclasses.replace(area, edges=edges)
    return area, hs, sites, list(renamed.values())


@pytest.fixture(scope="module")
def small_page(small_world, out_dir):
    area, hs, sites, _ = small_world
    m = sign_sites_map(sites, hs, area, release="internal", title="小城 警示标志")
    return save_offline(m, out_dir / "small_sign_sites.html")


@pytest.fixture(scope="module")
def browser(demo_page, small_page, out_dir):
    """Three measured pages and three screenshots, two Chromium processes at a time."""
    page, sites, _ = demo_page
    j01 = (float(sites["lat"].iloc[0]), float(sites["lon"].iloc[0]))
    shots = out_dir / "screenshots"
    shots.mkdir(exist_ok=True)
    with ThreadPoolExecutor(max_workers=2) as pool:
        demo = pool.submit(
            measure_labels, page,
            [None, ("view", 16, j01), ("toggle", "标志覆盖的路段与交叉口")],
        )  # fmt: skip
        # the opening view again, the map's box then shrunk by a fifth: the legend anchored to
        # its bottom moves up over where labels stood (a viewport that settles late)
        shrunk = pool.submit(measure_labels, page, [None, ("height", 640), ("height", 560)])
        small = pool.submit(measure_labels, small_page, [None, ("view", 16, _first(small_page))])
        pngs = [
            pool.submit(screenshot, page, shots / "demo_opening.png", scale=1),
            pool.submit(screenshot, page, shots / "demo_zoom16.png", scale=1,
                        snippet=view_snippet(16, *j01)),
            pool.submit(screenshot, small_page, shots / "small_opening.png", scale=1),
        ]  # fmt: skip
        out = {"demo": demo.result(), "small": small.result(), "shrunk": shrunk.result(),
               "pngs": [p.result() for p in pngs]}  # fmt: skip
    target = os.environ.get("TRAFFICPREV_ARTIFACTS")
    if target:
        dest = Path(target) / "map_labels"
        dest.mkdir(parents=True, exist_ok=True)
        for png in out["pngs"]:
            shutil.copy(png, dest / png.name)
    return out


def _first(page: Path) -> tuple[float, float]:
    """(lat, lon) of the first site marker of a saved map."""
    m = re.search(r"L\.marker\(\s*\[([0-9.]+), ([0-9.]+)\]", page.read_text(encoding="utf-8"))
    return float(m.group(1)), float(m.group(2))


# --------------------------------------------------------------------------- geometry


def _gap(a, b) -> float:
    """Separation of two [x0, y0, x1, y1] rectangles (negative: they overlap)."""
    return max(b[0] - a[2], a[0] - b[2], b[1] - a[3], a[1] - b[3])


def _corners(label: dict) -> np.ndarray:
    t = math.radians(label["angle"])
    c, s = math.cos(t), math.sin(t)
    hw, hh = label["w"] / 2, label["h"] / 2
    local = np.array([[-hw, -hh], [hw, -hh], [hw, hh], [-hw, hh]])
    rot = np.array([[c, -s], [s, c]])
    return local @ rot.T + [label["cx"], label["cy"]]


def _overlap(p: np.ndarray, q: np.ndarray) -> bool:
    """Separating-axis test of two convex quadrilaterals (touching is no overlap)."""
    for poly in (p, q):
        for i in range(4):
            edge = poly[(i + 1) % 4] - poly[i]
            axis = np.array([-edge[1], edge[0]])
            a, b = p @ axis, q @ axis
            if a.max() <= b.min() + 1e-6 or b.max() <= a.min() + 1e-6:
                return False
    return True


def _rect_quad(r) -> np.ndarray:
    return np.array([[r[0], r[1]], [r[2], r[1]], [r[2], r[3]], [r[0], r[3]]], dtype=float)


def check_site_labels(view: dict, n_sites: int) -> None:
    """The site-label properties at one view (every site in view)."""
    labels = view["sites"]
    assert len(labels) == n_sites
    width, height = view["size"]
    boxes = [b["rect"] for b in view["boxes"]]
    anchors = [s["anchor"] for s in labels]
    for s in labels:
        r = s["rect"]
        assert s["visible"] and s["placed"] == "free", s
        assert r[0] >= 0 and r[1] >= 0 and r[2] <= width and r[3] <= height, s
        for box in boxes:
            assert _gap(r, box) > 0.5, (s["text"], box)
        for ax, ay in anchors:  # no label covers a site's dot (radius 6 px)
            nx, ny = min(max(ax, r[0]), r[2]), min(max(ay, r[1]), r[3])
            assert math.hypot(nx - ax, ny - ay) >= 6, (s["text"], ax, ay)
        ax, ay = s["anchor"]
        nx, ny = min(max(ax, r[0]), r[2]), min(max(ay, r[1]), r[3])
        assert math.hypot(nx - ax, ny - ay) <= 150, s  # near its own site
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            assert _gap(a["rect"], b["rect"]) > 0.5, (a["text"], b["text"])


def check_road_labels(view: dict, edges, *, at_least: int) -> None:
    """Road names at zoom 16: enough of them, none overlapping, each along its road."""
    roads = [r for r in view["roads"] if r["visible"]]
    assert len(roads) >= at_least, len(roads)
    quads = [_corners(r) for r in roads]
    for i in range(len(quads)):
        for j in range(i + 1, len(quads)):
            assert not _overlap(quads[i], quads[j]), (roads[i]["text"], roads[j]["text"])
    for quad in quads:
        for s in view["sites"]:
            if s["visible"]:
                assert not _overlap(quad, _rect_quad(s["rect"]))
    width = view["size"][0]
    for r, quad in zip(roads, quads, strict=True):
        assert quad[:, 0].min() >= 0 and quad[:, 0].max() <= width + 0.5, r
        assert -90 < r["angle"] <= 90
        lat, lon = r["latlng"]
        same = edges[edges["name"] == r["text"]]
        assert len(same), r["text"]
        kx = 111_320 * math.cos(math.radians(lat))
        point = shapely.Point(lon, lat)
        nearest = same.geometry.iloc[
            int(np.argmin(shapely.distance(same.geometry.to_numpy(), point)))
        ]
        s = nearest.project(point)
        a, b = nearest.interpolate(max(s - 1e-4, 0)), nearest.interpolate(s + 1e-4)
        on = nearest.interpolate(s)
        assert math.hypot((on.x - lon) * kx, (on.y - lat) * 111_320) < 12, r["text"]
        road = math.degrees(math.atan2(-(b.y - a.y) * 111_320, (b.x - a.x) * kx))
        diff = (road - r["angle"] + 90) % 180 - 90
        assert abs(diff) < 12, (r["text"], road, r["angle"])


# --------------------------------------------------------------------------- in Chromium


@needs_chromium
def test_demo_site_labels_never_overlap_at_the_opening_zoom(browser, demo_page):
    views, errors = browser["demo"]
    _, sites, result = demo_page
    assert errors == []
    opening = views[0]
    assert opening["zoom"] < OPEN_MAX_ZOOM
    check_site_labels(opening, len(sites))
    assert sorted(s["text"] for s in opening["sites"]) == sorted(sites["site_id"])
    assert opening["roads"] == []  # road names only from zoom 15
    assert opening["title"] == f"{result.area.name} 警示标志建议点位"


@needs_chromium
def test_labels_move_when_the_map_box_shrinks(browser, demo_page):
    """Laid out again when the map's box changes size: no label under a box after the
    legend, anchored to the bottom, moved up (before: the layout of the taller box stayed)."""
    views, errors = browser["shrunk"]
    _, sites, _ = demo_page
    assert errors == []
    assert [v["size"][1] for v in views[1:]] == [640, 560]
    for view in views:
        check_site_labels(view, len(sites))


@needs_chromium
def test_demo_road_names_at_zoom_16(browser, demo_page):
    views, _ = browser["demo"]
    _, _, result = demo_page
    assert views[1]["zoom"] == 16
    check_road_labels(views[1], result.area.edges, at_least=8)
    texts = {r["text"] for r in views[1]["roads"]}
    assert len(texts) >= 5  # thinned, not one road repeated


@needs_chromium
def test_legend_rows_follow_their_layer(browser):
    views, _ = browser["demo"]
    before, after = views[1]["legend"], views[2]["legend"]
    cover = [i for i, row in enumerate(before) if "覆盖" in row["text"]]
    assert len(cover) == 2 and all(before[i]["visible"] for i in cover)
    assert not any(after[i]["visible"] for i in cover)
    others = [i for i in range(len(before)) if i not in cover]
    assert all(before[i]["visible"] and after[i]["visible"] for i in others)


@needs_chromium
def test_second_world_crowded_sites_and_hostile_road_names(browser, small_world):
    area, _, sites, hostile = small_world
    views, errors = browser["small"]
    assert errors == []
    assert len(hostile) == len(HOSTILE)
    check_site_labels(views[0], len(sites))
    assert views[0]["title"] == "小城 警示标志"
    zoomed = views[1]
    assert zoomed["zoom"] == 16
    check_road_labels(zoomed, area.edges, at_least=4)
    shown = {r["text"] for r in zoomed["roads"]}
    assert shown & set(HOSTILE)  # hostile names are drawn, as plain text
    assert all("pwned" not in v["title"] for v in views)


@needs_chromium
def test_screenshots_are_written(browser):
    from PIL import Image

    for png in browser["pngs"]:
        with Image.open(png) as image:
            assert image.size == (1200, 800)
            colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
            assert colours is not None and len(colours) > 50  # not a blank page


# --------------------------------------------------------------------------- structure


def test_hostile_road_names_are_data_in_the_html(small_page, small_world):
    html = small_page.read_text(encoding="utf-8")
    for name in HOSTILE:
        assert name not in html
    start = re.search(r"trafficprevLabels\(map_\w+, ", html).end()
    roads, end = json.JSONDecoder().raw_decode(html, start)
    data = html[start:end]
    names = roads[0]
    assert set(HOSTILE) <= set(names)
    assert "<" not in data and "{" not in data


def test_facing_arrows_point_the_way_of_the_traffic(small_world):
    area, hs, sites, _ = small_world
    html = render_offline(sign_sites_map(sites, hs, area, release="internal"))
    text = _decode(html)
    found = re.findall(
        r"data-tp-facing='([0-9.]*)'.{0,400}?class='tp-site-label'[^>]*>([^<]*)<", text
    )
    icons = {site_id: facing for facing, site_id in found}
    assert sorted(icons) == sorted(sites["site_id"])
    for site_id, facing in zip(sites["site_id"], sites["facing_deg"], strict=True):
        if np.isnan(facing):
            assert icons[site_id] == ""
        else:
            assert float(icons[site_id]) == pytest.approx(facing % 360, abs=0.05)
    assert html.count("tp-arrow") == int(sites["facing_deg"].notna().sum())


def test_coverage_draws_intersections_and_segments(demo_page):
    from trafficprev.maps import split_unit_ids

    page, sites, result = demo_page
    units = result.hotspots.units
    known = frozenset(units["unit_id"])
    ids = {u for j in sites["unit_ids"].fillna("") for u in split_unit_ids(j, known) or ()}
    kinds = units.set_index("unit_id").loc[sorted(ids), "kind"].value_counts()
    assert kinds.get("intersection", 0) >= 1 and kinds.get("segment", 0) >= 1
    html = page.read_text(encoding="utf-8")
    group = re.search(r'"标志覆盖的路段与交叉口"\s*:\s*(feature_group_\w+)', _decode(html)).group(1)
    layers = re.findall(r"(geo_json_\w+)\.addTo\(" + group + r"\)", html)
    found = {"Point": 0, "LineString": 0}
    decoder = json.JSONDecoder()
    for layer in layers:
        at = html.index(f"{layer}_add(") + len(f"{layer}_add(")
        for f in decoder.raw_decode(html, at)[0]["features"]:
            found[f["geometry"]["type"]] = found.get(f["geometry"]["type"], 0) + 1
    assert found["Point"] == kinds["intersection"]
    assert found["LineString"] + found.get("MultiLineString", 0) == kinds["segment"]
    assert len(set(SIGN_COLORS.values())) == 3


def _decode(html: str) -> str:
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), html)


def test_every_layer_has_a_legend_row_and_every_page_a_title(demo_page, demo_quarter_run):
    from trafficprev.maps import campaign_sites_map, hotspots_map

    result = demo_quarter_run.result
    maps = {
        "signs": demo_page[0].read_text(encoding="utf-8"),
        "hot": render_offline(hotspots_map(result.hotspots, result.area, release="internal")),
        "camp": render_offline(
            campaign_sites_map(result.campaign_sites, result.candidates, result.area)
        ),
    }
    for name, html in maps.items():
        control = re.search(r"overlays\s*:\s*\{(.*?)\}", html, re.DOTALL).group(1)
        overlays = set(re.findall(r"(feature_group_\w+)", control))
        legend = set(re.findall(r"data-tp-layer='(feature_group_\w+)'", html))
        assert overlays and overlays <= legend, (name, overlays - legend)
        title = re.search(r"<title>(.*?)</title>", html).group(1)
        assert title.startswith(result.area.name), name
    hot = _decode(maps["hot"])
    for words in ("核密度前5%路段", "时段：早高峰", "季度：", "事故聚集区轮廓", "案件点位（内部）"):
        assert re.search(r"tp-legend-row[^>]*>.{0,300}" + re.escape(words), hot), words


def test_title_is_escaped(small_world):
    area, hs, sites, _ = small_world
    html = render_offline(sign_sites_map(sites, hs, area, title="</title><script>x()</script>"))
    assert "<title>&lt;/title&gt;&lt;script&gt;x()&lt;/script&gt;</title>" in html


def test_road_label_data_follows_the_roads():
    import geopandas as gpd

    lines = [
        shapely.LineString([(111.70, 29.00), (111.71, 29.00)]),  # west-east, about 970 m
        shapely.LineString([(111.70, 29.00), (111.70, 29.005)]),  # south-north, about 550 m
        shapely.LineString([(111.70, 29.00), (111.7001, 29.0001)]),  # 15 m: no label
    ]
    edges = gpd.GeoDataFrame(
        {"name": ["东西路", "{{南北}}<路>", "短路"], "highway": ["primary", "residential", "x"]},
        geometry=lines,
        crs="EPSG:4326",
    )
    names, points, scale = road_label_data(edges, spacing_m=200)
    assert names == sorted(["东西路", "{{南北}}<路>", "短路"])
    by = {}
    for lat, lon, angle, i in points:
        by.setdefault(names[i], []).append((lat / scale, lon / scale, angle))
    assert len(by["东西路"]) == 4 and {a for *_, a in by["东西路"]} == {0}
    assert len(by["{{南北}}<路>"]) == 2 and {a for *_, a in by["{{南北}}<路>"]} == {90}
    assert len(by["短路"]) == 1  # the only line of its road
    assert all(29.0 <= lat <= 29.005 and 111.70 <= lon <= 111.71 for lat, lon, _ in by["东西路"])
    assert names[points[0][3]] == "东西路"  # the major road first
    text = script_json([names, points, scale])
    assert not set("<>&{}") & set(text) and json.loads(text)[0] == names


def test_label_script_is_inert_template_text():
    for delimiter in ("{{", "{%", "{#"):
        assert delimiter not in LABELS_JS and delimiter not in LABELS_CSS
    assert "innerHTML" not in LABELS_JS  # names are set with textContent
    with pytest.raises(ValueError, match="lists"):
        script_json([{"a": 1}])


def test_script_json_leaves_no_css_url_scheme_or_at_rule():
    """Road names reach the page as JSON data: a name holding url(…), a scheme or an
    @-rule is written with \\u escapes, so neither the offline check nor a CSS parser can
    read one in the page's text; the browser's JSON reading gives the name back whole."""
    import json

    from trafficprev.maps._labels import script_json

    names = ["url(http://x.invalid/a.png)", "@import 'x.css'", "javascript:alert(1)", "{{7*7}}"]
    text = script_json(names)
    for fragment in ("url(", "http:", "@import", "javascript:", "{{", "</"):
        assert fragment not in text
    assert json.loads(text) == names
