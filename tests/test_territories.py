"""Territories: administrative boundary polygons in the area, and the named area as a preference.

A small invented world, 测试河湾市, written as OSM XML with ``boundary=administrative``
relations and read with pyosmium (the same path as ``trafficprev area build --osm``):

- 江南区 (south) and 江北区 (north) share a boundary 4 m north of 滨江路 (lat 29.000), which runs
  on the district line. 江南区's only township centre lies 2 km south of the line and 江北区's
  330 m north of it, so nearest-centre cells give the whole line (and 200 m south of it) to
  江北区: the case that made the named area a veto;
- 人民路 and the U-shaped 胜利路 cross twice: 222 m south of the line (in 江南区, within the
  margin of 江北区) and 665 m north of it (in 江北区);
- 北岸路 runs 195 m north of the line, 北环路 2 km north of it;
- 测试县 is a relation with two outer rings and an inner one; its 测试镇 (the same shape)
  has its seat in the south, while the provincial road S301 crosses its north, with two
  milestones; 城关镇 exists in 测试县 and in 样本县 (matched by their parents);
- relations that cannot be used: a member way missing from the extract, a name of no unit
  (with HTML, a template and a phone number in it).

Distances at lat 29°: 0.001° of latitude is 110.9 m, 0.001° of longitude 97.4 m.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

from trafficprev.area import build_area, load_area, read_osm, save_area
from trafficprev.area._area import FORMAT_VERSION
from trafficprev.coords import haversine_m
from trafficprev.geocode import Resolver, geocode_texts
from trafficprev.geocode._parse import PlaceSlots
from trafficprev.settings import Settings

ADMIN_CSV = """code,parent_code,level,name,lon,lat,aliases
999900,,2,测试河湾市,,,
999901,999900,3,江南区,111.700,28.990,
999902,999900,3,江北区,111.700,29.010,
999903,999900,3,测试县,111.760,29.000,
999904,999900,3,样本县,111.840,29.000,
999901001,999901,4,江南街道,111.700,28.982,
999902001,999902,4,江北街道,111.700,29.003,
999903001,999903,4,城关镇,111.760,29.012,
999903002,999903,4,测试镇,111.780,28.984,
999904001,999904,4,城关镇,111.830,29.000,
999904002,999904,4,测试乡,111.850,29.000,
"""
JIANGNAN, JIANGBEI, CESHI_XIAN, YANGBEN = "999901", "999902", "999903", "999904"
LINE_LAT = 29.00004  # the district line, 4 m north of 滨江路
HOSTILE = "<script>alert(1)</script>{{ 7*7 }}联系13800138000镇"

META = 'version="1" timestamp="2024-05-01T08:00:00Z" changeset="1" uid="1" user="test"'


class World:
    """Collects nodes, ways and relations and writes them as OSM XML."""

    def __init__(self) -> None:
        self.nodes: dict[tuple[float, float], int] = {}
        self.extra_nodes: list[tuple[int, float, float, dict[str, str]]] = []
        self.ways: list[tuple[int, list[int], dict[str, str]]] = []
        self.relations: list[tuple[int, list[tuple[str, int, str]], dict[str, str]]] = []

    def node(self, lon: float, lat: float) -> int:
        key = (round(lon, 7), round(lat, 7))
        if key not in self.nodes:
            self.nodes[key] = len(self.nodes) + 1
        return self.nodes[key]

    def way(self, points: list[tuple[float, float]], tags: dict[str, str] | None = None) -> int:
        wid = 1000 + len(self.ways)
        self.ways.append((wid, [self.node(*p) for p in points], tags or {}))
        return wid

    def ring(self, w: float, s: float, e: float, n: float) -> int:
        return self.way([(w, s), (e, s), (e, n), (w, n), (w, s)])

    def boundary(self, rings: list[tuple[str, int]], tags: dict[str, str]) -> int:
        rid = 500 + len(self.relations)
        members = [("way", ref, role) for role, ref in rings]
        tags = {"type": "boundary", "boundary": "administrative", **tags}
        self.relations.append((rid, members, tags))
        return rid

    def write(self, path: Path) -> Path:
        out = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']

        def tag_lines(tags: dict[str, str]) -> list[str]:
            esc = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
            return [
                f'    <tag k="{k}" v="{"".join(esc.get(ch, ch) for ch in v)}"/>'
                for k, v in tags.items()
            ]

        for (lon, lat), nid in self.nodes.items():
            out.append(f'  <node id="{nid}" {META} lat="{lat:.7f}" lon="{lon:.7f}"/>')
        for nid, lon, lat, tags in self.extra_nodes:
            out.append(f'  <node id="{nid}" {META} lat="{lat:.7f}" lon="{lon:.7f}">')
            out += tag_lines(tags)
            out.append("  </node>")
        for wid, refs, tags in sorted(self.ways, key=lambda t: t[0]):
            out.append(f'  <way id="{wid}" {META}>')
            out += [f'    <nd ref="{r}"/>' for r in refs]
            out += tag_lines(tags)
            out.append("  </way>")
        for rid, members, tags in self.relations:
            out.append(f'  <relation id="{rid}" {META}>')
            out += [f'    <member type="{t}" ref="{r}" role="{role}"/>' for t, r, role in members]
            out += tag_lines(tags)
            out.append("  </relation>")
        out.append("</osm>")
        path.write_text("\n".join(out) + "\n", encoding="utf-8")
        return path


def road(w: World, name: str, points: list[tuple[float, float]], **tags: str) -> None:
    w.way(points, {"highway": tags.pop("highway", "secondary"), "name": name, **tags})


def make_world(path: Path, *, boundaries: bool = True) -> Path:
    """Write the 测试河湾市 OSM file (without boundary relations when `boundaries` is False)."""
    w = World()
    # roads; shared nodes where they cross
    road(
        w,
        "滨江路",
        [(111.680, 29.0), (111.690, 29.0), (111.695, 29.0), (111.700, 29.0), (111.720, 29.0)],
    )
    road(w, "解放路", [(111.700, 28.985), (111.700, 29.0), (111.700, 29.018), (111.700, 29.020)])
    road(
        w,
        "人民路",
        [
            (111.690, 28.985),
            (111.690, 28.998),
            (111.690, 29.0),
            (111.690, 29.006),
            (111.690, 29.015),
        ],
    )
    road(
        w,
        "胜利路",
        [
            (111.685, 28.998),
            (111.690, 28.998),
            (111.695, 28.998),
            (111.695, 29.0),
            (111.695, 29.006),
            (111.690, 29.006),
            (111.685, 29.006),
        ],
    )
    road(w, "北岸路", [(111.705, 29.0018), (111.710, 29.0018), (111.715, 29.0018)])
    road(w, "建设路", [(111.710, 29.0010), (111.710, 29.0018), (111.710, 29.010)])
    road(w, "北环路", [(111.682, 29.018), (111.700, 29.018), (111.718, 29.018)])
    # S301 across the north of 测试县, with two milestones (K11 and K13, 2 km apart)
    k11, k13 = (111.760, 29.015), (111.760 + 2000 / 97_400 * 1.0, 29.015)
    road(w, "S301", [(111.725, 29.015), k11, k13, (111.788, 29.015)], ref="S301", highway="primary")
    for i, ((lon, lat), km) in enumerate(((k11, "11"), (k13, "13"))):
        w.extra_nodes.append(
            (9000 + i, lon, lat + 0.00002, {"highway": "milestone", "ref": "S301", "distance": km})
        )
    # landmarks: one 217 m north of the line (in 江北区, within the margin of 江南区), one far
    # north, and two of one name: 444 m south of the line, and 160 m north of it
    for i, (lon, lat, tags) in enumerate(
        (
            (111.712, 29.0020, {"amenity": "school", "name": "测试小学"}),
            (111.712, 29.0170, {"amenity": "school", "name": "远方中学"}),
            (111.705, 28.9960, {"amenity": "hospital", "name": "样例医院"}),
            (111.705, 29.0015, {"amenity": "hospital", "name": "样例医院"}),
        )
    ):
        w.extra_nodes.append((9100 + i, lon, lat, tags))
    if boundaries:
        jn = w.ring(111.680, 28.980, 111.720, LINE_LAT)
        jb = w.ring(111.680, LINE_LAT, 111.720, 29.020)
        w.boundary([("outer", jn)], {"name": "江南区", "admin_level": "6"})
        w.boundary([("outer", jb)], {"name": "江北区", "admin_level": "6"})
        main = w.ring(111.730, 28.980, 111.790, 29.020)
        exclave = w.ring(111.800, 28.980, 111.810, 28.990)
        hole = w.ring(111.772, 28.995, 111.778, 29.005)
        w.boundary(
            [("outer", main), ("outer", exclave), ("inner", hole)],
            {"name": "测试县", "admin_level": "6"},
        )
        w.boundary(
            [("outer", w.ring(111.730, 28.980, 111.770, 29.020))],
            {"name": "城关镇", "admin_level": "8"},
        )
        w.boundary(
            [
                ("outer", w.ring(111.770, 28.980, 111.790, 29.020)),
                ("outer", exclave),
                ("inner", hole),
            ],
            {"name": "测试镇", "admin_level": "8"},
        )
        w.boundary(
            [("outer", w.ring(111.820, 28.980, 111.860, 29.020))],
            {"name": "样本县名称不一", "ref:adcode": YANGBEN, "admin_level": "6"},
        )
        w.boundary(
            [("outer", w.ring(111.820, 28.980, 111.840, 29.020))],
            {"name": "城关镇", "admin_level": "8"},
        )
        w.boundary([("outer", 99999)], {"name": "测试乡", "admin_level": "8"})  # member missing
        w.boundary(
            [("outer", w.ring(111.850, 28.980, 111.860, 28.990))],
            {"name": HOSTILE, "admin_level": "8"},
        )
    return w.write(path)


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hewan")
    admin = folder / "admin_divisions.csv"
    admin.write_text(ADMIN_CSV, encoding="utf-8")
    return {
        "admin": admin,
        "osm": make_world(folder / "hewan.osm"),
        "osm_plain": make_world(folder / "hewan_plain.osm", boundaries=False),
    }


@pytest.fixture(scope="module")
def area(files):
    return build_area("hewan", osm=files["osm"], admin=files["admin"])


@pytest.fixture(scope="module")
def plain(files):
    """The same world without boundary relations: nearest-centre territories."""
    return build_area("hewan", osm=files["osm_plain"], admin=files["admin"])


@pytest.fixture(scope="module")
def resolver(area):
    return Resolver(area)


def one(text: str, area, resolver=None):
    return geocode_texts([text], area, resolver=resolver or Resolver(area))[0][0]


def polygon(area, code: str):
    return area.territories.set_index("code").geometry[code]


def metres(r, lon: float, lat: float) -> float:
    return haversine_m(r.lon, r.lat, lon, lat)


# -- reading and matching boundaries ------------------------------------------------------------


def test_relations_are_assembled_by_osmium(files) -> None:
    b = read_osm(files["osm"]).boundaries.set_index("osm_id")
    assert len(b) == 9
    county = b.loc[502, "geometry"]  # 测试县: two outer rings, one inner
    assert county.geom_type == "MultiPolygon" and len(county.geoms) == 2
    main = max(county.geoms, key=lambda g: g.area)
    assert len(main.interiors) == 1
    assert county.area == pytest.approx(0.06 * 0.04 - 0.006 * 0.01 + 0.01 * 0.01, rel=1e-6)
    assert not county.contains(shapely.Point(111.775, 29.0))  # the hole
    assert county.contains(shapely.Point(111.805, 28.985))  # the exclave
    assert b.loc[507, "geometry"] is None  # 测试乡: its member way is not in the extract
    assert b.loc[505, "code"] == YANGBEN


def test_boundaries_are_matched_by_code_name_and_parent(area) -> None:
    t = area.territories.set_index("code")
    assert sorted(t.index) == [
        JIANGNAN,
        JIANGBEI,
        CESHI_XIAN,
        "999903001",
        "999903002",
        YANGBEN,
        "999904001",
    ]
    assert t.loc[YANGBEN, "matched_by"] == "code"  # its OSM name differs from the table's
    assert t.loc[JIANGNAN, "matched_by"] == "name"
    # two 城关镇, told apart by the county polygon each lies in
    assert t.loc["999903001", "matched_by"] == t.loc["999904001", "matched_by"] == "parent"
    assert t.loc["999903001"].geometry.contains(shapely.Point(111.75, 29.0))
    assert t.loc["999904001"].geometry.contains(shapely.Point(111.83, 29.0))
    report = area.meta["territories"]
    assert report["boundaries"] == 9 and report["matched"] == 7
    assert report["matched_by"] == {"code": 1, "name": 4, "parent": 2}
    why = {u["source"]: u["why"] for u in report["unmatched"]}
    assert why["osm:r507"].startswith("no polygon")
    assert why["osm:r508"] == "no unit of this name in the admin table"


def test_hostile_boundary_names_are_redacted_and_never_crash(area, resolver, tmp_path) -> None:
    (entry,) = [u for u in area.meta["territories"]["unmatched"] if u["source"] == "osm:r508"]
    assert "13800138000" not in entry["name"] and "<script>" in entry["name"]
    folder = save_area(area, tmp_path / "a")
    assert "13800138000" not in (folder / "area.json").read_text(encoding="utf-8")
    assert load_area(folder).meta["territories"] == json.loads(json.dumps(area.meta["territories"]))
    redacted = entry["name"]  # the name as stored, in place texts: never a crash
    for text in (redacted, f"{redacted}滨江路", f"江南区{redacted}与解放路交叉口", HOSTILE):
        r = one(text, area, resolver)
        assert r.match_level in ("road", "county", "none") and r.reason


def test_a_boundary_layer_file_wins_over_the_relation(files, tmp_path) -> None:
    """A GeoPackage of polygons (名称, 区划代码) read with pyogrio, as a road file's companion."""
    path = tmp_path / "boundaries.gpkg"
    gdf = gpd.GeoDataFrame(
        {
            "名称": ["江南区", HOSTILE, "", "不存在区"],
            "区划代码": [None, None, int(JIANGBEI), None],
        },
        geometry=[
            shapely.box(111.680, 28.975, 111.720, LINE_LAT),  # reaches 550 m further south
            shapely.box(111.9, 29.0, 111.91, 29.01),
            shapely.box(111.680, LINE_LAT, 111.720, 29.025),
            shapely.box(111.95, 29.0, 111.96, 29.01),
        ],
        crs="EPSG:4326",
    )
    pyogrio.write_dataframe(gdf.to_crs("EPSG:4547"), path, layer="boundaries")  # CGCS2000 GK
    built = build_area("f", osm=files["osm"], admin=files["admin"], boundaries=path)
    t = built.territories.set_index("code")
    assert t.loc[JIANGNAN, "source"] == "file:1" and t.loc[JIANGBEI, "source"] == "file:3"
    assert t.loc[JIANGBEI, "matched_by"] == "code"
    assert t.loc[JIANGNAN].geometry.bounds[1] == pytest.approx(28.975, abs=1e-6)
    assert t.loc[CESHI_XIAN, "source"] == "osm:r502"  # the relations still fill the rest
    why = {u["source"]: u["why"] for u in built.meta["territories"]["unmatched"]}
    assert why["osm:r500"] == f"unit {JIANGNAN} already has the boundary file:1"
    assert why["file:4"] == "no unit of this name in the admin table"
    names = json.dumps(built.meta["territories"], ensure_ascii=False)
    assert "13800138000" not in names
    assert built.meta["inputs"]["boundaries"]["sha256"]
    assert built.version != build_area("g", osm=files["osm"], admin=files["admin"]).version


def test_a_road_geopackage_with_its_boundary_layer(files, area, tmp_path) -> None:
    """A road GeoPackage with a polygon layer: its lines are the roads, its polygons the
    boundaries (read without being asked, or named with boundaries=)."""
    path = tmp_path / "roads.gpkg"
    roads = area.edges[["name", "geometry"]]
    pyogrio.write_dataframe(gpd.GeoDataFrame(roads, crs="EPSG:4326"), path, layer="roads")
    polys = area.territories[["name", "geometry"]].rename(columns={"name": "行政区名称"})
    pyogrio.write_dataframe(polys, path, layer="xzq", append=True)
    built = build_area("r", roads=path, admin=files["admin"])
    assert sorted(built.territories["code"]) == sorted(area.territories["code"])
    assert built.meta["inputs"]["boundaries"]["from"] == "road file"
    named = build_area("r", roads=path, admin=files["admin"], boundaries=path)
    assert named.territories["code"].tolist() == built.territories["code"].tolist()
    r = one("江南区滨江路与解放路交叉口", built)
    assert r.match_level == "intersection" and metres(r, 111.700, 29.0) < 1.0


def test_settings_scope_margin(tmp_path) -> None:
    from trafficprev._errors import SettingsError

    assert Settings().scope_margin_m == 300.0
    assert Settings(scope_margin_m=0).scope_margin_m == 0
    for bad in (-1.0, 6000.0, "300", True):
        with pytest.raises(SettingsError, match="scope_margin_m"):
            Settings(scope_margin_m=bad)


# -- storing -----------------------------------------------------------------------------------


def test_territories_round_trip_and_format_1_areas_load(area, tmp_path) -> None:
    from trafficprev._io import write_gpkg

    assert FORMAT_VERSION == 2
    folder = save_area(area, tmp_path / "a")
    assert "territories" in set(pyogrio.list_layers(folder / "area.gpkg")[:, 0])
    loaded = load_area(folder)
    a, b = area.territories, loaded.territories
    assert list(b.columns) == list(a.columns)
    assert (a["code"].tolist(), a["level"].tolist()) == (b["code"].tolist(), b["level"].tolist())
    assert shapely.equals_exact(a.geometry.to_numpy(), b.geometry.to_numpy(), 1e-9).all()
    lon, lat = [111.700, 111.780, 111.805], [28.9995, 29.015, 28.985]
    assert loaded.township_of(lon, lat).tolist() == area.township_of(lon, lat).tolist()
    # an area saved before territories (format 1): no territories layer, loads without them
    old = tmp_path / "old"
    old.mkdir()
    layers = ("edges", "junctions", "intersections", "roads", "pois", "admin", "milestones")
    write_gpkg(old / "area.gpkg", {k: getattr(area, k) for k in layers} | {"names": area.names})
    meta = {"name": "old", "version": "v1", "format": 1, **area.meta}
    del meta["territories"]
    (old / "area.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    first = load_area(old)
    assert first.territories.empty and list(first.territories.columns) == list(a.columns)
    assert first.township_of([111.700], [28.9995]).tolist() == ["999902001"]  # nearest centre


# -- townships ---------------------------------------------------------------------------------


def test_township_of_uses_polygons_and_falls_back_to_centres(area, plain) -> None:
    lon = [111.700, 111.700, 111.780, 111.805, 111.750]
    lat = [28.9995, 29.0005, 29.015, 28.985, 29.000]
    # 55 m south of the line: in 江南区 (its only township), though 江北街道's centre is
    # nearer; the north of 测试镇 is nearer 城关镇's seat; the exclave is 测试镇's
    assert area.township_of(lon, lat).tolist() == [
        "999901001",
        "999902001",
        "999903002",
        "999903002",
        "999903001",
    ]
    assert plain.township_of(lon, lat).tolist() == [
        "999902001",
        "999902001",
        "999903001",
        "999903002",
        "999903001",
    ]


# -- the named area as a preference (T2) ------------------------------------------------------


@pytest.mark.parametrize("district", ["江南区", "江北区"])
def test_a_road_on_the_district_line_belongs_to_both_sides(area, resolver, district) -> None:
    r = one(f"{district}滨江路与解放路交叉口", area, resolver)
    assert r.match_level == "intersection"
    assert metres(r, 111.700, 29.0) < 1.0  # the junction, not the district centre
    assert r.confidence == pytest.approx(0.95)
    assert "边界外" not in r.reason
    road = one(f"{district}滨江路", area, resolver)
    assert road.match_level == "road" and abs(road.lat - 29.0) < 1e-6


def test_without_polygons_the_nearest_centre_cells_remain(plain) -> None:
    r = one("江南区滨江路与解放路交叉口", plain)
    assert r.match_level == "county" and "不在江南区内" in r.reason


def test_a_road_just_outside_is_accepted_with_lower_confidence(area, resolver) -> None:
    inside = one("江北区北岸路", area, resolver)
    outside = one("江南区北岸路", area, resolver)
    assert outside.match_level == inside.match_level == "road"
    assert outside.matched_road == "北岸路"
    assert outside.confidence == pytest.approx(inside.confidence * 0.8)
    assert "位于江南区边界外约195米 just outside the named area" in outside.reason
    # on 北岸路 (parallel to the line): the middle of its stretch nearest 江南区
    assert abs(outside.lat - 29.0018) < 1e-6 and abs(outside.lon - 111.710) < 1e-4
    cross = one("江南区北岸路与建设路交叉口", area, resolver)
    assert cross.match_level == "intersection"
    assert metres(cross, 111.710, 29.0018) < 1.0
    assert cross.confidence == pytest.approx(0.95 * 0.8)


def test_an_intersection_just_outside_says_so(area, resolver) -> None:
    cross = one("江南区北岸路与建设路交叉口", area, resolver)
    assert "位于江南区边界外约195米" in cross.reason


def test_a_landmark_just_outside_is_accepted_with_lower_confidence(area, resolver) -> None:
    inside = one("江北区测试小学门口", area, resolver)
    outside = one("江南区测试小学门口", area, resolver)
    assert outside.match_level == inside.match_level == "landmark"
    assert (outside.lon, outside.lat) == pytest.approx((inside.lon, inside.lat))
    assert outside.confidence == pytest.approx(inside.confidence * 0.8)
    assert "位于江南区边界外约" in outside.reason and "边界外" not in inside.reason


def test_a_landmark_far_outside_is_not_placed_in_the_areas_name(area, resolver) -> None:
    r = one("江南区远方中学门口", area, resolver)
    assert r.match_level == "county" and metres(r, 111.700, 28.990) < 1.0


@pytest.mark.parametrize(("district", "lat"), [("江南区", 28.996), ("江北区", 29.0015)])
def test_the_name_chooses_between_same_name_landmarks(area, resolver, district, lat) -> None:
    # the 江北区 one lies 160 m north of the line, within 江南区's margin: inside ranks first
    r = one(f"{district}样例医院门口", area, resolver)
    assert r.match_level == "landmark" and "边界外" not in r.reason
    assert abs(r.lat - lat) < 0.0015  # on the road nearest that one (within ~160 m)


def test_the_margin_is_a_setting(area) -> None:
    narrow = Resolver(area, scope_margin_m=100.0)
    r = one("江南区北岸路", area, narrow)
    assert r.match_level == "county" and r.matched_road == ""
    assert "不在江南区内（距其边界约195米）" in r.reason


@pytest.mark.parametrize("text", ["江南区北环路", "江南区北环路与解放路交叉口"])
def test_a_place_far_outside_is_not_placed_in_the_areas_name(area, resolver, text) -> None:
    r = one(text, area, resolver)
    assert r.match_level == "county" and r.matched_road == ""
    assert metres(r, 111.700, 28.990) < 1.0  # 江南区's centre
    assert "“北环路”不在江南区内（距其边界约1990米） road not in the named area" in r.reason


@pytest.mark.parametrize(("district", "lat"), [("江北区", 29.006), ("江南区", 28.998)])
def test_the_name_chooses_between_inside_and_outside(area, resolver, district, lat) -> None:
    # 人民路 and 胜利路 cross 222 m south of the line and 665 m north of it: each crossing is
    # inside one district and within the margin (or beyond it) of the other
    r = one(f"{district}人民路与胜利路交叉口", area, resolver)
    assert r.match_level == "intersection" and r.confidence == pytest.approx(0.95)
    assert metres(r, 111.690, lat) < 1.0
    both = one("人民路与胜利路交叉口", area, resolver)
    assert both.match_level != "intersection" and "2处相交" in both.reason


# -- rural routes (T3) -------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["301省道测试镇段", "测试县测试镇S301"])
def test_a_route_through_a_township_is_placed_on_its_part(area, resolver, text) -> None:
    r = one(text, area, resolver)
    assert r.match_level == "road" and r.matched_road == "S301"
    assert abs(r.lat - 29.015) < 1e-6
    # the middle of S301 inside 测试镇 (lon 111.770 to the road's end at 111.788)
    assert 111.776 < r.lon < 111.781
    assert "取S301在测试镇境内的路段" in r.reason


def test_a_stake_with_a_named_township_uses_the_milestones(area, resolver) -> None:
    slots = PlaceSlots(text="x", norm="x", admin=("测试镇",), road="S301", stake_km=12.3)
    slots = dataclasses.replace(slots, ref_kind="stake")
    (r,) = resolver.resolve_many([slots])
    k11, k13 = 111.760, 111.760 + 2000 / 97_400
    assert r.match_level == "road_offset"
    assert metres(r, k11 + 0.65 * (k13 - k11), 29.015) < 5.0
    text = one("S301线K12+300处（测试镇路段）", area, resolver)
    assert (text.lon, text.lat, text.match_level) == (r.lon, r.lat, r.match_level)


def test_an_ambiguous_township_name_uses_both_polygons(area, resolver) -> None:
    r = one("城关镇S301", area, resolver)
    assert r.match_level == "road" and r.matched_road == "S301"
    assert polygon(area, "999903001").contains(shapely.Point(r.lon, r.lat))
    assert math.isfinite(r.confidence) and np.isfinite([r.lon, r.lat]).all()


def test_closed_way_boundaries_and_levels_outside_5_to_8(files, tmp_path) -> None:
    w = World()
    road(w, "测试路", [(111.60, 29.0), (111.61, 29.0)])
    w.ways.append(
        (
            2000,
            [w.node(*p) for p in [(111.5, 28.9), (111.7, 28.9), (111.7, 29.1), (111.5, 28.9)]],
            {"boundary": "administrative", "admin_level": "8", "name": "测试乡"},
        )
    )
    w.boundary(
        [("outer", w.ring(111.4, 28.8, 111.9, 29.2))], {"name": "测试省", "admin_level": "4"}
    )
    w.boundary(
        [("outer", w.ring(111.55, 28.95, 111.56, 28.96))], {"name": "测试村", "admin_level": "10"}
    )
    src = read_osm(w.write(tmp_path / "w.osm"))
    assert src.boundaries[["osm_type", "osm_id", "name", "admin_level"]].values.tolist() == [
        ["way", 2000, "测试乡", 8]
    ]
    built = build_area("w", osm=tmp_path / "w.osm", admin=files["admin"])
    (row,) = built.territories.itertuples()
    assert (row.code, row.source, row.matched_by) == ("999904002", "osm:w2000", "name")


def test_cli_area_build_with_a_boundary_file(files, tmp_path, capsys) -> None:
    from trafficprev.cli import main

    path = tmp_path / "b.geojson"
    gdf = gpd.GeoDataFrame(
        {"区划名称": ["江南区"], "代码": [JIANGNAN]},
        geometry=[shapely.box(111.680, 28.975, 111.720, LINE_LAT)],
        crs="EPSG:4326",
    )
    pyogrio.write_dataframe(gdf, path)
    out = tmp_path / "areas" / "h"
    argv = ["area", "build", "--name", "h", "--osm", str(files["osm"]), "--admin"]
    argv += [str(files["admin"]), "--boundaries", str(path), "--boundary-code-col", "代码"]
    assert main([*argv, "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "行政区边界 boundaries 10: 匹配 matched 7, 未用 not used 3" in text
    loaded = load_area(out)
    t = loaded.territories.set_index("code")
    assert (t.loc[JIANGNAN, "source"], t.loc[JIANGNAN, "matched_by"]) == ("file:1", "code")
    meta = json.loads((out / "area.json").read_text(encoding="utf-8"))
    assert meta["format"] == 2 and meta["inputs"]["boundaries"]["code_col"] == "代码"


def test_boundary_file_errors_are_clear(files, tmp_path) -> None:
    from trafficprev._errors import FileFormatError, InputFileNotFoundError, SchemaError
    from trafficprev.area import read_boundary_file

    with pytest.raises(InputFileNotFoundError, match="boundary file not found"):
        build_area("x", osm=files["osm"], admin=files["admin"], boundaries=tmp_path / "no.gpkg")
    unnamed = tmp_path / "unnamed.geojson"
    box = [shapely.box(111.68, 28.98, 111.72, 29.0)]
    pyogrio.write_dataframe(gpd.GeoDataFrame({"x": [1]}, geometry=box, crs=4326), unnamed)
    with pytest.raises(SchemaError, match="no boundary-name column"):
        read_boundary_file(unnamed)
    lines = tmp_path / "lines.geojson"
    line = [shapely.LineString([(111.68, 28.98), (111.72, 29.0)])]
    pyogrio.write_dataframe(gpd.GeoDataFrame({"name": ["江南区"]}, geometry=line, crs=4326), lines)
    with pytest.raises(FileFormatError, match="no polygons"):
        read_boundary_file(lines)


def test_the_part_of_a_road_in_the_named_district_with_and_without_polygons(
    area, resolver, plain
) -> None:
    # 解放路 runs from 1.7 km south of the line to 2.2 km north of it
    r = one("江北区解放路", area, resolver)
    assert r.match_level == "road" and abs(r.lon - 111.700) < 1e-6
    assert abs(r.lat - (LINE_LAT + 29.020) / 2) < 0.0005  # the middle of its part in 江北区
    assert "取解放路在江北区境内的路段 the part of the road inside the named area" in r.reason
    cells = one("江北区解放路", plain)
    assert cells.match_level == "road" and cells.lat > 29.0
    assert "取解放路在江北区境内的路段" in cells.reason
    whole = one("滨江路", area, resolver)  # no area named: no such reason
    assert whole.match_level == "road" and "境内" not in whole.reason


def test_a_unit_without_a_centre_is_placed_inside_its_polygon(area) -> None:
    admin = area.admin.copy()
    admin.loc[admin["code"] == JIANGNAN, "geometry"] = None
    without = dataclasses.replace(area, admin=admin)
    r = one("江南区", without)
    assert r.match_level == "county"
    assert polygon(area, JIANGNAN).contains(shapely.Point(r.lon, r.lat))
    assert metres(r, 111.700, 28.982) > 100  # not 江南街道's centre (the mean of its towns)
