"""Offset rules O1–O7 of docs/geocode.md, on a small hand-built area with curved roads.

The world (local metres, x east, y north; junction J of 测试一路 and 测试二路 at the origin):

* 测试一路 (A): straight from the west to J, then a quarter circle of radius 600 m bending
  north (its walk east of J starts due east and ends heading north), then straight north;
* 测试二路 (B): straight from the south-south-east (bearing 160° from J) to J, then an arc of
  radius 1000 m bending west;
* 测试三路 (C): north–south at x = 287.6; it crosses A 300 m along A's arc and never meets B;
  it reaches far south, so its centroid lies south of J;
* 测试五路 (D): crosses A 200 m east of J and B 700 m north of J;
* 测试六路: a short road 3 km east that no walk from J meets;
* a POI 测试农场 to the west-north-west.

Expected points are computed here with shapely on the area's own metric road lines, not with
the module under test. Margins: 1.5 m (the area's UTM projection against the straight-line
metres of the world is irrelevant, both sides use the area's metric lines).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point

from trafficprev.area import build_area
from trafficprev.geocode import Resolver, geocode, geocode_texts, parse_place
from trafficprev.geocode._walk import (
    Walk,
    choose_by_bearing,
    choose_toward_road,
    first_crossing,
    initial_bearing,
    walks_from,
)

LON0, LAT0 = 111.62, 28.95
MX, MY = 111_320.0 * math.cos(math.radians(LAT0)), 110_574.0
A_ARC = [
    (600 * math.sin(t), 600 - 600 * math.cos(t)) for t in (i * math.pi / 48 for i in range(25))
]
ROAD_A = [(-1500.0, 0.0), (-700.0, 0.0), *A_ARC, (600.0, 1500.0)]
B_ARC = [
    (-1000 + 1000 * math.cos(t), 1000 * math.sin(t)) for t in (i * 1.2 / 30 for i in range(31))
]
ROAD_B = [(500.0, -1400.0), *B_ARC]
ROAD_C = [(287.6, -700.0), (287.6, 300.0)]
ROAD_D = [(450.0, -40.0), (196.3, 33.0), (120.0, 500.0), (-100.0, 800.0), (-420.0, 560.0)]
ROAD_F = [(3000.0, 600.0), (3000.0, 900.0)]
ADMIN = """code,parent_code,level,name,lon,lat,aliases
469900,,2,河湾市,,,
469902,469900,3,江北区,{lon:.6f},{lat:.6f},
469902001,469902,4,湾东街道,{lon:.6f},{lat:.6f},
"""
MARGIN_M = 1.5


def _ll(x: float, y: float) -> tuple[float, float]:
    return LON0 + x / MX, LAT0 + y / MY


def _write_osm(path: Path, ways: dict[str, list[tuple[float, float]]], pois) -> Path:
    """OSM XML; vertices at the same local point (rounded to 1 cm) share a node."""
    ids: dict[tuple[float, float], int] = {}
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    meta = 'version="1" timestamp="2024-05-01T08:00:00Z" changeset="1" uid="1" user="test"'

    def node(x: float, y: float, tags: dict[str, str] | None = None) -> int:
        key = (round(x, 2), round(y, 2))
        if key in ids and not tags:
            return ids[key]
        nid = len(ids) + 1 + (100_000 if tags else 0)
        lon, lat = _ll(x, y)
        if tags:
            lines.append(f'  <node id="{nid}" {meta} lat="{lat:.8f}" lon="{lon:.8f}">')
            lines.extend(f'    <tag k="{k}" v="{v}"/>' for k, v in tags.items())
            lines.append("  </node>")
            ids[(key[0] + 1e-6, key[1])] = nid
        else:
            ids[key] = nid
            lines.append(f'  <node id="{nid}" {meta} lat="{lat:.8f}" lon="{lon:.8f}"/>')
        return nid

    way_lines = []
    for w, (name, pts) in enumerate(ways.items(), 1):
        refs = [node(x, y) for x, y in pts]
        tags = {"highway": "residential", "name": name}
        way_lines.append(f'  <way id="{w}" {meta}>')
        way_lines += [f'    <nd ref="{r}"/>' for r in refs]
        way_lines += [f'    <tag k="{k}" v="{v}"/>' for k, v in tags.items()]
        way_lines.append("  </way>")
    for name, (x, y), tags in pois:
        node(x, y, {**tags, "name": name})
    path.write_text("\n".join([*lines, *way_lines, "</osm>"]) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("offsets")
    osm = _write_osm(
        folder / "curved.osm",
        {
            "测试一路": ROAD_A,
            "测试二路": ROAD_B,
            "测试三路": ROAD_C,
            "测试五路": ROAD_D,
            "测试六路": ROAD_F,
        },
        [("测试农场", (-2000.0, 1200.0), {"tourism": "attraction"})],
    )
    lon, lat = _ll(0, 0)
    admin = folder / "admin.csv"
    admin.write_text(ADMIN.format(lon=lon, lat=lat), encoding="utf-8")
    area = build_area("curved", osm=osm, admin=admin)
    return area, Resolver(area)


def _place(world, text):
    area, resolver = world
    res = geocode_texts([text], area, resolver=resolver)[0][0]
    x, y = area.to_metric(res.lon, res.lat) if not math.isnan(res.lon) else (math.nan, math.nan)
    return res, float(x), float(y)


def _metric_line(area, pts) -> LineString:
    lon, lat = zip(*(_ll(x, y) for x, y in pts), strict=True)
    x, y = area.to_metric(list(lon), list(lat))
    return LineString(list(zip(x, y, strict=True)))


def _expected(world, pts, along: float) -> tuple[float, float]:
    """The point `along` metres from J on the road through `pts` (negative: the other way)."""
    area, _ = world
    line = _metric_line(area, pts)
    jx, jy = area.to_metric(*_ll(0.0, 0.0))
    s0 = line.project(Point(jx, jy))
    p = line.interpolate(s0 + along)
    return p.x, p.y


def _junction(world) -> tuple[float, float]:
    area, _ = world
    jx, jy = area.to_metric(*_ll(0.0, 0.0))
    return float(jx), float(jy)


def _close(x, y, want, margin=MARGIN_M) -> bool:
    return math.hypot(x - want[0], y - want[1]) <= margin


# --- O1: toward a named road: the walk that meets it ---------------------------------------


def test_o1_walks_the_road_that_meets_c_ahead(world):
    # fix: the old resolver chose the walk whose end was nearest C's centroid (far south of
    # J, so it walked 测试二路 south); C crosses 测试一路 300 m along its curve
    res, x, y = _place(world, "测试一路与测试二路交叉口往测试三路方向约300米处")
    assert res.match_level == "road_offset", res.reason
    assert res.matched_road == "测试一路" and "O1" in res.reason
    assert _close(x, y, _expected(world, ROAD_A, 300.0))


@pytest.mark.parametrize(
    ("metres", "road", "along"),
    [
        (200, "测试一路", 200.0),  # A meets D at 200 ≥ 0.8·200: the smallest d ahead
        (600, "测试二路", 600.0),  # A's 200 < 480: B's 700 ≥ 480 is ahead
        (1100, "测试二路", 1100.0),  # none ≥ 880: the d closest to N (700, B)
    ],
)
def test_o1_prefers_a_crossing_at_least_0_8_n_ahead(world, metres, road, along):
    res, x, y = _place(world, f"测试一路与测试二路交叉口往测试五路方向约{metres}米处")
    assert res.matched_road == road, res.reason
    pts = ROAD_A if road == "测试一路" else B_ARC
    assert _close(x, y, _expected(world, pts, along))


def test_o1_ties_go_to_road_a_then_clockwise_from_north():
    east = Walk("b", 1, [(0.0, 0.0), (100.0, 0.0)], [0.0, 100.0])
    north = Walk("a", 0, [(0.0, 0.0), (0.0, 100.0)], [0.0, 100.0])
    west = Walk("a", 0, [(0.0, 0.0), (-100.0, 0.0)], [0.0, 100.0])
    assert choose_toward_road([east, west, north], [300.0, 300.0, 300.0], 300.0) is north
    assert choose_toward_road([east, west], [300.0, 300.0], 300.0) is west  # A first
    assert choose_toward_road([west, north], [None, None], 300.0) is None  # O2 applies


# --- O2: toward a place, or a road no walk meets -----------------------------------------


def test_o2_a_place_gives_a_bearing(world):
    # 测试农场 lies at about 301° from J: 测试一路 west (270°) is the closest initial direction
    res, x, y = _place(world, "测试一路与测试二路交叉口往测试农场方向约250米处")
    assert res.match_level == "road_offset" and "O2" in res.reason
    assert _close(x, y, _expected(world, ROAD_A, -250.0))


def test_o2_a_road_no_walk_meets_gives_a_bearing(world):
    # 测试六路 is 3 km east: the bearing to its nearest point (about 79°) picks A east
    res, x, y = _place(world, "测试一路与测试二路交叉口往测试六路方向约150米处")
    assert "O2" in res.reason and res.matched_road == "测试一路"
    assert _close(x, y, _expected(world, ROAD_A, 150.0))


# --- O3, O5: a bearing word; distance along the curve -------------------------------------


@pytest.mark.parametrize("form", ["以东约500米", "东侧500米", "往东500米处", "东约500米"])
def test_o3_o5_bearing_word_and_distance_along_the_road(world, form):
    res, x, y = _place(world, f"测试一路与测试二路交叉口{form}")
    assert res.match_level == "road_offset" and "O3" in res.reason, res.reason
    want = _expected(world, ROAD_A, 500.0)
    assert _close(x, y, want)
    jx, jy = _junction(world)
    assert math.hypot(x - jx, y - jy) < 490  # the curve: the chord (485.6 m) is not 500 m


def test_o3_initial_direction_ties_go_to_road_a():
    lines = [LineString([(0, 0), (0, 100)]), LineString([(0, 0), (100, 0)])]
    a = walks_from(lines[:1], 0, 0, road="a", order=0)
    b = walks_from(lines[1:], 0, 0, road="b", order=1)
    # 东北: A north (diff 45) and B east (diff 45) tie: A wins
    assert choose_by_bearing([*b, *a], 45.0).road == "a"


# --- O4: the road travelled (沿) ----------------------------------------------------------


def test_o4_along_names_the_road_walked(world):
    text = "沿测试二路行驶至测试一路路口东约200米处"
    p = parse_place(text)
    assert (p.along, p.road, p.cross_road, p.bearing) == ("测试二路", "测试二路", "测试一路", "东")
    res, x, y = _place(world, text)
    # without 沿, 东 would walk 测试一路 east; on 测试二路 the walk closest to east is the
    # south-south-east leg (160°)
    assert res.matched_road == "测试二路", res.reason
    leg = _metric_line(world[0], [(0.0, 0.0), (500.0, -1400.0)]).interpolate(200.0)
    assert _close(x, y, (leg.x, leg.y))


def test_o4_o6_the_narrative_names_the_road_travelled(world):
    # fix: the place column "测试一路路口东约200米处" names one road (road level, O6); the
    # narrative's phrase keeps 沿测试二路, so the case is placed by O4 on 测试二路
    area, _ = world
    cases = pd.DataFrame(
        {
            "decision_no": ["N1", "N2"],
            "place_text": ["测试一路路口东约200米处", "测试一路路口东约200米处"],
            "narrative_place": ["沿测试二路行驶至测试一路路口东约200米处", ""],
        }
    )
    out = geocode(cases, area).cases.set_index("decision_no")
    assert out.loc["N1", "match_level"] == "road_offset"
    assert out.loc["N1", "matched_road"] == "测试二路"
    assert "行驶道路" in out.loc["N1", "reason"]
    assert out.loc["N2", "match_level"] == "road"  # no 沿: one road, road level
    x, y = area.to_metric(out.loc["N1", "lon"], out.loc["N1", "lat"])
    leg = _metric_line(area, [(0.0, 0.0), (500.0, -1400.0)]).interpolate(200.0)
    assert _close(float(x), float(y), (leg.x, leg.y))


# --- O6: a distance without direction, a corner, one road ---------------------------------


def test_o6_distance_without_direction_is_the_junction(world):
    plain, *_ = _place(world, "测试一路与测试二路交叉口")
    res, x, y = _place(world, "距测试一路与测试二路路口约200米")
    assert res.match_level == "road"  # somewhere within 200 m: not an intersection-level point
    assert "方向未写明" in res.reason and res.confidence < plain.confidence
    assert _close(x, y, _junction(world))
    near, x, y = _place(world, "距测试一路与测试二路路口约30米")
    assert near.match_level == "intersection" and "方向未写明" in near.reason
    assert res.confidence < near.confidence < plain.confidence
    assert _close(x, y, _junction(world))


def test_o6_corner_is_the_junction(world):
    res, x, y = _place(world, "测试一路与测试二路交叉口东北角")
    assert res.match_level == "intersection" and _close(x, y, _junction(world))


def test_o6_one_road_junction_offset_is_road_level(world):
    res, *_ = _place(world, "测试一路路口北约100米")
    assert res.match_level == "road" and "只写明测试一路路口" in res.reason


# --- O7: the same offset in other words ----------------------------------------------------


def test_o7_forms_without_wang_and_with_chu_agree(world):
    forms = [
        "测试一路与测试二路交叉口往测试三路方向约300米处",
        "测试一路与测试二路交叉口测试三路方向300米",
        "测试一路与测试二路交叉口向测试三路方向300米处",
        "测试一路与测试二路交叉口往测试三路方向300米",
    ]
    pts = [_place(world, t)[1:] for t in forms]
    assert all(math.hypot(p[0] - pts[0][0], p[1] - pts[0][1]) < 0.01 for p in pts)
    assert parse_place(forms[1]).toward == "测试三路"  # fix: no 往 used to drop the toward


# --- the walk module ----------------------------------------------------------------------


def test_walks_continue_across_line_parts_and_measure_crossings():
    # a road drawn as two lines meeting at (100, 0), with a side line of the same road
    lines = [
        LineString([(0, 0), (100, 0)]),
        LineString([(100, 0), (100, 300)]),
        LineString([(100, 0), (160, -10)]),
    ]
    ws = walks_from(lines[:1] + lines[1:], 0, 0, reach=500)
    (w,) = [w for w in ws if initial_bearing(w) == pytest.approx(90.0)]
    # the straightest continuation at (100, 0) is the side line (turn of 9°), not north
    assert w.point(150)[1] < 0
    c = LineString([(-50, -5), (200, -5)])
    assert first_crossing(w, c) == pytest.approx(100 + math.hypot(30, 5), abs=0.1)
    assert first_crossing(w, shapely.LineString([(0, -10), (0, 10)])) is None  # at the start
