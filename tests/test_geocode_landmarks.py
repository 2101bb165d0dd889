"""Landmark rules L1–L5 of docs/geocode.md, on a small hand-built area with curved roads.

The world (local metres, x east, y north):

* 测试四路 (Y): an arc of radius 800 m through the origin, highest at the origin;
* 测试七路 (Z): a wavy road about 200 m north of Y, running west to east;
* 阳光小区 at (0, 180): 50 m from Z, 180 m from Y, so "on Y" and "its nearest road" differ;
* 测试水库 far (≥ 300 m) from every road; a bus stop 测试医院站, a fuel station, a railway
  station; a bridge and a tunnel as named ways;
* POIs whose names begin with the name of a township (和平小区 / 和平街道, 桃源山庄 / 桃源镇,
  青石湾 / 青石镇) and a 滨河中央商务区; the township centres are 3 km away.

Expected points come from shapely on the area's own metric road lines. Margin 1.5 m.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from shapely.geometry import LineString, Point

from trafficprev.area import build_area
from trafficprev.geocode import Resolver, geocode_texts, parse_place
from trafficprev.geocode._geocode import _admin_names

LON0, LAT0 = 111.64, 28.93
MX, MY = 111_320.0 * math.cos(math.radians(LAT0)), 110_574.0
ROAD_Y = [
    (800 * math.sin(t), -800 + 800 * math.cos(t)) for t in (-0.6 + i * 0.05 for i in range(25))
]
ROAD_Z = [
    (x, 150 + 0.1 * (x + 500) + 30 * math.sin(math.pi * (x + 500) / 1000))
    for x in range(-500, 501, 25)
]
LANDMARK = (0.0, 180.0)
POIS = [
    ("阳光小区", LANDMARK, {"place": "neighbourhood"}),
    ("测试水库", (0.0, 900.0), {"tourism": "attraction"}),
    ("测试医院站", (300.0, 290.0), {"highway": "bus_stop"}),
    ("江北加油站", (-200.0, 120.0), {"amenity": "fuel"}),
    ("湾北火车站", (200.0, 60.0), {"railway": "station"}),
    ("和平小区", (-300.0, 200.0), {"place": "neighbourhood"}),
    ("桃源山庄", (-400.0, 90.0), {"place": "neighbourhood"}),
    ("青石湾", (400.0, 170.0), {"place": "neighbourhood"}),
    ("滨河中央商务区", (100.0, 280.0), {"place": "neighbourhood"}),
    ("临江新区", (-100.0, 300.0), {"place": "neighbourhood"}),
]
ADMIN = """code,parent_code,level,name,lon,lat,aliases
469900,,2,河湾市,,,
469902,469900,3,江北区,{c[0]:.6f},{c[1]:.6f},
469902001,469902,4,和平街道,{c[0]:.6f},{c[1]:.6f},
469902002,469902,4,桃源镇,{t[0]:.6f},{t[1]:.6f},
469902003,469902,4,青石镇,{q[0]:.6f},{q[1]:.6f},
"""
MARGIN_M = 1.5


def _ll(x: float, y: float) -> tuple[float, float]:
    return LON0 + x / MX, LAT0 + y / MY


def _write_osm(path: Path) -> Path:
    meta = 'version="1" timestamp="2024-05-01T08:00:00Z" changeset="1" uid="1" user="test"'
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    ways = []
    nid = 0
    roads = [
        ("测试四路", ROAD_Y, {}),
        ("测试七路", ROAD_Z, {}),
        ("测试大桥", [(-600.0, -400.0), (-400.0, -400.0)], {"bridge": "yes", "layer": "1"}),
        ("测试隧道", [(600.0, -400.0), (600.0, -700.0)], {"tunnel": "yes", "layer": "-1"}),
    ]
    for w, (name, pts, extra) in enumerate(roads, 1):
        refs = []
        for x, y in pts:
            nid += 1
            lon, lat = _ll(x, y)
            out.append(f'  <node id="{nid}" {meta} lat="{lat:.8f}" lon="{lon:.8f}"/>')
            refs.append(nid)
        ways.append(f'  <way id="{w}" {meta}>')
        ways += [f'    <nd ref="{r}"/>' for r in refs]
        tags = {"highway": "residential", "name": name, **extra}
        ways += [f'    <tag k="{k}" v="{v}"/>' for k, v in tags.items()]
        ways.append("  </way>")
    for name, (x, y), tags in POIS:
        nid += 1
        lon, lat = _ll(x, y)
        out.append(f'  <node id="{nid}" {meta} lat="{lat:.8f}" lon="{lon:.8f}">')
        out += [f'    <tag k="{k}" v="{v}"/>' for k, v in {**tags, "name": name}.items()]
        out.append("  </node>")
    path.write_text("\n".join([*out, *ways, "</osm>"]) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("landmarks")
    osm = _write_osm(folder / "landmarks.osm")
    admin = folder / "admin.csv"
    admin.write_text(
        ADMIN.format(c=_ll(-3000, 0), t=_ll(0, 3000), q=_ll(3000, 0)), encoding="utf-8"
    )
    area = build_area("landmarks", osm=osm, admin=admin)
    return area, Resolver(area)


def _place(world, text):
    area, resolver = world
    res = geocode_texts([text], area, resolver=resolver)[0][0]
    x, y = area.to_metric(res.lon, res.lat) if not math.isnan(res.lon) else (math.nan, math.nan)
    return res, float(x), float(y)


def _line(world, pts) -> LineString:
    area, _ = world
    lon, lat = zip(*(_ll(x, y) for x, y in pts), strict=True)
    x, y = area.to_metric(list(lon), list(lat))
    return LineString(list(zip(x, y, strict=True)))


def _pt(world, xy) -> Point:
    area, _ = world
    x, y = area.to_metric(*_ll(*xy))
    return Point(float(x), float(y))


def _foot(world, road, xy) -> Point:
    line = _line(world, road)
    return line.interpolate(line.project(_pt(world, xy)))


def _close(x, y, p: Point, margin=MARGIN_M) -> bool:
    return math.hypot(x - p.x, y - p.y) <= margin


# --- L1: landmark and road: the point of the road nearest the landmark ----------------------


@pytest.mark.parametrize(
    "text", ["阳光小区旁测试四路上", "阳光小区门口测试四路", "测试四路阳光小区门口"]
)
def test_l1_landmark_with_a_road_is_on_that_road(world, text):
    # fix for "X旁Y路上": it was read as one road named 阳光小区旁测试四路 (not found)
    res, x, y = _place(world, text)
    assert res.match_level == "landmark" and res.matched_road == "测试四路", res.reason
    assert _close(x, y, _foot(world, ROAD_Y, LANDMARK))


# --- L2: landmark alone: its nearest road within 300 m, else the landmark itself -----------


@pytest.mark.parametrize("text", ["阳光小区门口", "阳光小区大门", "阳光小区对面", "阳光小区旁"])
def test_l2_landmark_alone_is_on_its_nearest_road(world, text):
    res, x, y = _place(world, text)
    assert res.match_level == "landmark" and res.matched_road == "测试七路"
    assert _close(x, y, _foot(world, ROAD_Z, LANDMARK))


def test_l2_landmark_far_from_roads_is_the_landmark_itself(world):
    near, *_ = _place(world, "阳光小区附近")
    res, x, y = _place(world, "测试水库附近")
    assert res.match_level == "landmark" and "300米内无道路" in res.reason
    assert _close(x, y, _pt(world, (0.0, 900.0)))
    assert res.confidence < near.confidence


# --- L3: landmark, bearing and distance: along that road -----------------------------------


@pytest.mark.parametrize(("text", "sign"), [("阳光小区东侧约100米", 1), ("阳光小区以西120米", -1)])
def test_l3_landmark_offset_walks_its_road(world, text, sign):
    metres = parse_place(text).distance_m
    res, x, y = _place(world, text)
    z = _line(world, ROAD_Z)
    want = z.interpolate(z.project(_pt(world, LANDMARK)) + sign * metres)
    assert res.match_level == "landmark" and _close(x, y, want), res.reason


# --- L4: stops, stations, fuel stations, bridges, tunnels ----------------------------------


def test_l4_bus_stop_by_its_base_name(world):
    p = parse_place("测试医院公交站附近")
    assert p.landmark == "测试医院公交站" and p.ref_kind == "landmark"
    res, x, y = _place(world, "测试医院公交站附近")
    assert res.match_level == "landmark"
    assert _close(x, y, _foot(world, ROAD_Z, (300.0, 290.0)))


@pytest.mark.parametrize(
    ("text", "xy"), [("江北加油站门口", (-200.0, 120.0)), ("湾北火车站附近", (200.0, 60.0))]
)
def test_l4_fuel_and_railway_stations(world, text, xy):
    res, x, y = _place(world, text)
    assert res.match_level == "landmark", res.reason
    nearest = min((_foot(world, r, xy) for r in (ROAD_Y, ROAD_Z)), key=_pt(world, xy).distance)
    assert _close(x, y, nearest)


@pytest.mark.parametrize(
    ("text", "name", "mid"),
    [("测试大桥上", "测试大桥", (-500.0, -400.0)), ("测试隧道内", "测试隧道", (600.0, -550.0))],
)
def test_l4_bridges_and_tunnels_as_named_ways(world, text, name, mid):
    assert parse_place(text).landmark == name
    res, x, y = _place(world, text)
    # the area reads a named bridge/tunnel way as a POI (landmark level, on the way itself);
    # an area without that POI finds the way by its name (road level)
    assert res.match_level in ("landmark", "road") and res.matched_road == name, res.reason
    assert _close(x, y, _pt(world, mid), margin=5.0)


# --- L5: a POI named whole wins over an admin name inside it --------------------------------


@pytest.mark.parametrize(
    ("text", "xy"),
    [
        ("和平小区门口", (-300.0, 200.0)),
        ("桃源山庄附近", (-400.0, 90.0)),
        ("青石湾附近", (400.0, 170.0)),
        ("滨河中央商务区", (100.0, 280.0)),
    ],
)
def test_l5_whole_poi_name_beats_the_admin_token(world, text, xy):
    # fix: 和平 (an alias of 和平街道), 桃源, 青石 were read as the township and the text
    # placed at its centre 3 km away; 滨河中央商务区 was an unknown admin area
    area, _ = world
    p = parse_place(text, admin_names=_admin_names(area))
    assert p.admin == () and p.landmark == text.removesuffix("门口").removesuffix("附近")
    res, x, y = _place(world, text)
    assert res.match_level == "landmark", res.reason
    assert math.hypot(x - _pt(world, xy).x, y - _pt(world, xy).y) <= 100.0


def test_l5_unknown_admin_name_is_tried_as_a_poi(world):
    # 临江新区 reads as an admin unit by its suffix, but the area has no such unit: its POI
    area, _ = world
    assert parse_place("临江新区附近", admin_names=_admin_names(area)).admin == ("临江新区",)
    res, x, y = _place(world, "临江新区附近")
    assert res.match_level == "landmark", res.reason
    assert _close(x, y, _foot(world, ROAD_Z, (-100.0, 300.0)))
