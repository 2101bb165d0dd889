"""build_area / save_area / load_area on the OSM and road-file fixtures, synthetic extracts and
the demo city.

The admin CSVs and the small OSM extracts written here are real inputs in the formats of
``docs/design.md``: the same files a user would give ``trafficprev area build``.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from pyproj import Geod

from trafficprev._errors import (
    FileFormatError,
    InputFileNotFoundError,
    SchemaError,
    TrafficPrevError,
)
from trafficprev._names import name_key
from trafficprev.area import (
    Area,
    BuildOptions,
    build_area,
    load_area,
    read_admin_divisions,
    save_area,
)
from trafficprev.coords import gcj02_to_wgs84
from trafficprev.datasets import demo_files
from trafficprev.geocode import geocode_texts

OSM = Path(__file__).resolve().parent / "data" / "osm"
XML, PBF = OSM / "roads.osm", OSM / "roads.osm.pbf"
LAYERS = (
    "edges",
    "junctions",
    "intersections",
    "roads",
    "pois",
    "admin",
    "milestones",
    "territories",
    "names",
)
KEYS = {
    "edges": ["edge_id"],
    "junctions": ["node_id"],
    "intersections": ["inter_id"],
    "roads": ["road_id"],
    "pois": ["poi_id"],
    "admin": ["code"],
    "milestones": ["node_id"],
    "territories": ["code"],
    "names": ["kind", "key", "target", "source"],
}
GEOD = Geod(ellps="WGS84")

# Two counties on either side of the fixture's 测试路 (lon 111.690): 西湖区 to the west, 东山县
# to the east, each with two townships (centres WGS-84, as design.md asks).
ADMIN_CSV = """code,parent_code,level,name,lon,lat,aliases
439900,,2,样例市,,,
439901,439900,3,西湖区,111.680,29.040,西区
439902,439900,3,东山县,111.700,29.040,
439901001,439901,4,西关街道,111.684,29.041,
439901002,439901,4,北门镇,111.684,29.048,
439902001,439902,4,东关镇,111.697,29.041,
439902002,439902,4,南岭乡,111.697,29.033,
"""
TOWNSHIPS = {  # code -> (lon, lat)
    "439901001": (111.684, 29.041),
    "439901002": (111.684, 29.048),
    "439902001": (111.697, 29.041),
    "439902002": (111.697, 29.033),
}
COUNTY = {"439901001": "439901", "439901002": "439901", "439902001": "439902"}
COUNTY["439902002"] = "439902"


def write_osm(path: Path, nodes: dict[int, tuple[float, float]], ways: dict[int, tuple]) -> Path:
    """Write OSM XML: nodes ``id -> (lon, lat)``, ways ``id -> (node ids, tags)``."""
    meta = 'version="1" timestamp="2024-05-01T08:00:00Z" changeset="1" uid="1" user="test"'
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    for nid, (lon, lat) in nodes.items():
        lines.append(f'  <node id="{nid}" {meta} lat="{lat:.7f}" lon="{lon:.7f}"/>')
    for wid, (refs, tags) in ways.items():
        lines.append(f'  <way id="{wid}" {meta}>')
        lines += [f'    <nd ref="{r}"/>' for r in refs]
        lines += [f'    <tag k="{k}" v="{v}"/>' for k, v in tags.items()]
        lines.append("  </way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def haversine_m(lon1, lat1, lon2, lat2) -> float:
    r = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * r * math.asin(math.sqrt(a))


def nearest_township(lon: float, lat: float) -> str:
    return min(TOWNSHIPS, key=lambda c: haversine_m(lon, lat, *TOWNSHIPS[c]))


def assert_frames_equal(a: pd.DataFrame, b: pd.DataFrame, keys: list[str]) -> None:
    """Equal after sorting by `keys`, columns in any order; geometries equal to 1e-9 degrees."""
    assert sorted(a.columns) == sorted(b.columns)
    a = a.sort_values(keys).reset_index(drop=True)
    b = b.sort_values(keys).reset_index(drop=True)[list(a.columns)]
    plain = [c for c in a.columns if c != "geometry"]
    pd.testing.assert_frame_equal(pd.DataFrame(a[plain]), pd.DataFrame(b[plain]), check_like=True)
    if "geometry" in a.columns:
        ga, gb = a.geometry.to_numpy(), b.geometry.to_numpy()
        none_a, none_b = pd.isna(ga), pd.isna(gb)
        assert (none_a == none_b).all()
        assert shapely.equals_exact(ga[~none_a], gb[~none_b], tolerance=1e-9).all()


def assert_areas_equal(a: Area, b: Area) -> None:
    for layer in LAYERS:
        assert_frames_equal(getattr(a, layer), getattr(b, layer), KEYS[layer])


@pytest.fixture(scope="module")
def admin_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("admin") / "admin_divisions.csv"
    path.write_text(ADMIN_CSV, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def area(admin_csv: Path) -> Area:
    return build_area("t", osm=XML, admin=admin_csv)


# -- the OSM fixture ----------------------------------------------------------------------------


def test_pbf_builds_the_same_tables_as_xml(area: Area, admin_csv: Path) -> None:
    pbf = build_area("t", osm=PBF, admin=admin_csv)
    assert_areas_equal(area, pbf)
    assert pbf.meta["counts"] == area.meta["counts"]
    # the version hashes the file bytes: two encodings of one extract are two versions
    assert pbf.version != area.version


def test_ways_are_split_into_edges_at_shared_nodes(area: Area) -> None:
    edges = area.edges.set_index("edge_id")
    # 10 kept ways; 样例大道's two carriageways are cut where 测试路 crosses them (1002,
    # 1005), and 测试路 at both: 2 + 2 + 3 + one edge for each of the 7 other ways
    assert len(edges) == 14
    assert area.meta["counts"]["ways"] == 10
    ends = {e: (int(r.u), int(r.v)) for e, r in edges[["u", "v"]].iterrows()}
    assert ends["101-0"] == (1001, 1002) and ends["101-1"] == (1002, 1003)
    assert ends["102-0"] == (1006, 1005) and ends["102-1"] == (1005, 1004)
    assert [ends[f"103-{k}"] for k in range(3)] == [(1007, 1002), (1002, 1005), (1005, 1008)]
    assert ends["104-0"] == (1009, 1007)
    assert ends["112-0"] == (1028, 1027)  # oneway=-1: drawn backwards, so reversed
    # every edge's first/last vertex is its u/v node
    nodes = {1002: (111.69, 29.0402), 1005: (111.69, 29.0398), 1007: (111.69, 29.045)}
    for eid in ("103-0", "103-1", "103-2"):
        line = edges.loc[eid, "geometry"]
        u, v = ends[eid]
        for node, xy in ((u, line.coords[0]), (v, line.coords[-1])):
            if node in nodes:
                assert xy == pytest.approx(nodes[node], abs=1e-9)


def test_edge_lengths_are_metres(area: Area) -> None:
    for line, length in zip(area.edges.geometry, area.edges["length_m"], strict=True):
        xy = list(line.coords)
        expected = sum(haversine_m(*a, *b) for a, b in itertools.pairwise(xy))
        assert length == pytest.approx(expected, rel=0.005)
    by_id = area.edges.set_index("edge_id")["length_m"]
    assert by_id["103-1"] == pytest.approx(44.5, abs=0.5)  # 0.0004 degrees of latitude
    assert by_id["101-0"] == pytest.approx(486, abs=2)  # 0.005 degrees of longitude at 29 N


def test_junctions_list_nodes_where_names_meet(area: Area) -> None:
    j = area.junctions.set_index("node_id")
    assert sorted(j.index) == [1002, 1005, 1007]
    assert j.loc[1002, "roads"] == j.loc[1005, "roads"] == "样例大道|测试北路"
    assert (j.loc[1002, "degree"], j.loc[1002, "n_roads"]) == (4, 2)
    # 1007 is where 示例巷 ends on 测试路: degree 2, but two names meet
    assert (j.loc[1007, "degree"], j.loc[1007, "roads"]) == (2, "测试北路|示例巷")


def test_dual_carriageway_is_one_road_and_its_crossing_one_intersection(area: Area) -> None:
    roads = area.roads.set_index("road_id")
    assert (area.roads["name"] == "样例大道").sum() == 1
    dual = roads.loc["样例大道"]
    assert dual["n_edges"] == 4
    assert dual["refs"] == "G319" and dual["highway"] == "primary"
    assert dual["length_m"] == pytest.approx(4 * 486.8, abs=4)  # both carriageways
    assert roads.loc["测试北路", "refs"] == "G319|S224"
    inter = area.intersections[
        (area.intersections["road_a"] == "样例大道") & (area.intersections["road_b"] == "测试北路")
    ]
    assert len(inter) == 1
    row = inter.iloc[0]
    assert row["inter_id"] == "样例大道|测试北路"
    assert row["n_nodes"] == 2 and row["node_ids"] == "1002|1005"
    assert (row.geometry.x, row.geometry.y) == pytest.approx((111.69, 29.04), abs=1e-9)
    assert sorted(area.intersections["inter_id"]) == ["样例大道|测试北路", "测试北路|示例巷"]


def test_intersection_radius_option_splits_a_wide_crossing(admin_csv: Path) -> None:
    # the carriageways are 44 m apart: a 20 m radius leaves two intersections
    narrow = build_area(
        "t", osm=XML, admin=admin_csv, options=BuildOptions(intersection_radius_m=20)
    )
    pair = narrow.intersections[narrow.intersections["road_a"] == "样例大道"]
    assert sorted(pair["inter_id"]) == ["样例大道|测试北路#1", "样例大道|测试北路#2"]
    assert pair["n_nodes"].tolist() == [1, 1]


def test_townships_are_the_nearest_centres(area: Area) -> None:
    for layer in ("junctions", "intersections", "pois"):
        gdf = getattr(area, layer)
        assert len(gdf) > 0
        for point, town in zip(gdf.geometry, gdf["township"], strict=True):
            assert town == nearest_township(point.x, point.y), (layer, point)
    # the fixture's POIs lie on both sides of 测试路, so both counties get some
    assert {COUNTY[t] for t in area.pois["township"]} == {"439901", "439902"}
    roads = area.roads.set_index("road_id")["townships"]
    assert roads["隧道路"] == "439902001"  # lon 111.699, east
    assert roads["反向路"] == "439901001"  # lon 111.681, west
    assert set(roads["测试北路"].split("|")) == {"439901001", "439901002", "439902002"}


def test_osm_pois_and_milestones(area: Area) -> None:
    pois = area.pois.set_index("poi_id")
    assert pois.loc["osm:n1061", "name"] == "样例人民医院"  # name:zh preferred
    assert pois.loc["osm:n1060", "name"] == "测试小学"  # stripped
    assert pois.loc["osm:r201", "kind"] == "school"  # a multipolygon, at its centroid
    assert pois.loc["osm:w110", "name"] == "测试大桥"  # bridge:name
    assert (pois["source"] == "osm").all()
    assert pois["name"].str.strip().ne("").all()
    assert "osm:n1067" not in pois.index  # an unnamed school
    ms = area.milestones.set_index("node_id")
    assert ms.loc[1068, "distance_km"] == 12.0 and ms.loc[1068, "ref"] == "G319"
    assert ms.loc[1008, "distance_km"] == pytest.approx(3.5)


def test_names_table_has_every_kind(area: Area) -> None:
    names = area.names
    assert set(names["kind"]) == {"road", "admin", "poi"}
    roads = names[names["kind"] == "road"]
    assert {"name", "ref"} <= set(roads["source"])
    g319 = roads[(roads["source"] == "ref") & (roads["key"] == name_key("G319"))]
    assert set(g319["target"]) == {"样例大道", "测试北路"}
    admin = names[names["kind"] == "admin"]
    assert admin.loc[admin["key"] == name_key("西区"), "target"].tolist() == ["439901"]
    assert admin.loc[admin["key"] == name_key("西关街道"), "target"].tolist() == ["439901001"]
    pois = names[names["kind"] == "poi"]
    assert pois.loc[pois["key"] == name_key("样例人民医院"), "target"].tolist() == ["osm:n1061"]
    assert not names.duplicated(["kind", "key", "target"]).any()


def test_admin_layer_keeps_the_divisions(area: Area, admin_csv: Path) -> None:
    admin = area.admin.set_index("code")
    assert len(admin) == 7
    assert admin.loc["439900", "geometry"] is None  # no centre given
    assert (admin.loc["439902002", "geometry"].x, admin.loc["439902002", "geometry"].y) == (
        111.697,
        29.033,
    )
    assert admin.loc["439901001", "parent_code"] == "439901"


# -- POI tables --------------------------------------------------------------------------------


def test_poi_csv_points_are_converted_to_wgs84(admin_csv: Path, tmp_path: Path) -> None:
    path = tmp_path / "pois.csv"
    path.write_text(
        "名称,类型,经度,纬度,坐标系\n"
        "样例第一中学,学校,111.6912,29.0411,WGS84\n"
        "火星医院,医院,111.6962,29.0371,GCJ02\n"
        "无坐标超市,超市,,,\n",
        encoding="utf-8",
    )
    built = build_area("t", osm=XML, admin=admin_csv, pois=[path])
    csv = built.pois[built.pois["source"] == "pois.csv"].set_index("name")
    assert sorted(csv.index) == ["样例第一中学", "火星医院"]  # the row without a point is skipped
    assert (csv.loc["样例第一中学"].geometry.x, csv.loc["样例第一中学"].geometry.y) == (
        111.6912,
        29.0411,
    )
    lon, lat = gcj02_to_wgs84(111.6962, 29.0371)
    point = csv.loc["火星医院"].geometry
    assert (point.x, point.y) == pytest.approx((float(lon), float(lat)), abs=1e-9)
    assert haversine_m(point.x, point.y, 111.6962, 29.0371) > 100  # really moved
    assert csv.loc["火星医院", "kind"] == "医院"
    assert csv.loc["火星医院", "township"] == nearest_township(point.x, point.y)
    assert len(built.pois) == len(csv) + (built.pois["source"] == "osm").sum()
    names = built.names[built.names["kind"] == "poi"]
    assert name_key("火星医院") in set(names["key"])
    assert built.version != build_area("t", osm=XML, admin=admin_csv).version


def test_poi_files_with_the_same_stem_are_both_kept(admin_csv: Path, tmp_path: Path) -> None:
    paths = []
    for folder, name in (("a", "甲医院"), ("b", "乙学校")):
        (tmp_path / folder).mkdir()
        p = tmp_path / folder / "pois.csv"
        p.write_text(f"名称,类型,经度,纬度,坐标系\n{name},其他,111.691,29.041,WGS84\n", "utf-8")
        paths.append(p)
    built = build_area("t", osm=XML, admin=admin_csv, pois=paths)
    assert {"甲医院", "乙学校"} <= set(built.pois["name"])


def test_poi_csv_without_coordinate_columns_is_a_clear_error(
    admin_csv: Path, tmp_path: Path
) -> None:
    path = tmp_path / "names_only.csv"
    path.write_text("名称,类型\n样例超市,超市\n", encoding="utf-8")
    with pytest.raises(TrafficPrevError, match=r"names_only\.csv"):
        build_area("t", osm=XML, admin=admin_csv, pois=[path])


# -- roads of one name -------------------------------------------------------------------------

# Two counties 20 km apart: 西湖区 (townships at lon 111.60 and 111.62) and 东山县 (111.70,
# 111.80); every centre at lat 29.00.
FAR_ADMIN = """code,parent_code,level,name,lon,lat,aliases
439900,,2,样例市,,,
439901,439900,3,西湖区,,,
439902,439900,3,东山县,,,
439901001,439901,4,甲街道,111.600,29.000,
439901002,439901,4,乙镇,111.620,29.000,
439902001,439902,4,丙镇,111.700,29.000,
439902002,439902,4,丁乡,111.800,29.000,
"""


@pytest.fixture(scope="module")
def far_files(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("far")
    nodes, ways = {}, {}

    def way(wid: int, points: list[tuple[float, float]], tags: dict[str, str]) -> None:
        ids = []
        for lon, lat in points:
            nid = next((n for n, xy in nodes.items() if xy == (lon, lat)), None)
            if nid is None:
                nid = len(nodes) + 1
                nodes[nid] = (lon, lat)
            ids.append(nid)
        ways[wid] = (ids, tags)

    res = {"highway": "residential"}
    # 人民路 in 西湖区 and, 20 km east, in 东山县: two roads
    way(1, [(111.595, 29.0), (111.600, 29.0), (111.605, 29.0)], {**res, "name": "人民路"})
    way(2, [(111.795, 29.0), (111.805, 29.0)], {**res, "name": "人民路"})
    # 解放路 in two pieces 1.4 km apart, both in 西湖区: one road
    way(3, [(111.595, 29.01), (111.600, 29.01)], {**res, "name": "解放路"})
    way(4, [(111.6145, 29.01), (111.620, 29.01)], {**res, "name": "解放路"})
    # 建设路 in two pieces 97 m apart across the county line (lon 111.66): one road
    way(5, [(111.650, 29.02), (111.6595, 29.02)], {**res, "name": "建设路"})
    way(6, [(111.6605, 29.02), (111.670, 29.02)], {**res, "name": "建设路"})
    # X064, unnamed, in two pieces 5 km apart; 中山路 crosses the first at a shared node
    x064 = {"highway": "secondary", "ref": "X064"}
    way(7, [(111.700, 29.03), (111.705, 29.03), (111.710, 29.03)], x064)
    way(8, [(111.750, 29.03), (111.760, 29.03)], x064)
    way(9, [(111.705, 29.025), (111.705, 29.03), (111.705, 29.035)], {**res, "name": "中山路"})
    osm = write_osm(folder / "far.osm", nodes, ways)
    admin = folder / "admin.csv"
    admin.write_text(FAR_ADMIN, encoding="utf-8")
    return osm, admin


@pytest.fixture(scope="module")
def far(far_files: tuple[Path, Path]) -> Area:
    osm, admin = far_files
    return build_area("far", osm=osm, admin=admin)


def test_same_name_far_apart_in_two_counties_is_two_roads(far: Area) -> None:
    roads = far.roads.set_index("road_id")
    assert sorted(roads.index[roads["name"] == "人民路"]) == ["人民路#1", "人民路#2"]
    # numbered west to east
    assert roads.loc["人民路#1", "geometry"].bounds[2] < 111.61
    assert roads.loc["人民路#2", "geometry"].bounds[0] > 111.79
    assert roads.loc["人民路#1", "n_edges"] == 1 and roads.loc["人民路#2", "n_edges"] == 1
    assert roads.loc["人民路#1", "townships"] == "439901001"
    assert roads.loc["人民路#2", "townships"] == "439902002"
    edges = far.edges.set_index("way_id")["road_id"]
    assert (edges.loc[1], edges.loc[2]) == ("人民路#1", "人民路#2")
    # the name table points at the name, both roads share it
    names = far.names[(far.names["kind"] == "road") & (far.names["source"] == "name")]
    assert names.loc[names["key"] == "人民路", "target"].tolist() == ["人民路"]


def test_same_name_in_one_county_is_one_road(far: Area) -> None:
    roads = far.roads.set_index("road_id")
    assert roads.loc["解放路", "n_edges"] == 2
    assert "解放路#1" not in roads.index
    assert set(far.edges.loc[far.edges["way_id"].isin([3, 4]), "road_id"]) == {"解放路"}


def test_same_name_pieces_within_merge_gap_are_one_road(far_files, far: Area) -> None:
    assert far.roads.set_index("road_id").loc["建设路", "n_edges"] == 2
    osm, admin = far_files
    tight = build_area("far", osm=osm, admin=admin, options=BuildOptions(merge_gap_m=50))
    assert sorted(tight.roads.loc[tight.roads["name"] == "建设路", "road_id"]) == [
        "建设路#1",
        "建设路#2",
    ]
    assert tight.version != far.version


def test_ref_only_way_is_a_road_named_by_its_ref(far: Area) -> None:
    roads = far.roads.set_index("road_id")
    x064 = roads.loc["X064"]
    assert not x064["named"]
    assert x064["refs"] == "X064" and x064["highway"] == "secondary"
    assert x064["n_edges"] == 3  # both pieces (5 km apart), one of them cut by 中山路
    inter = far.intersections.set_index("inter_id")
    assert inter.loc["X064|中山路", "n_nodes"] == 1
    refs = far.names[(far.names["source"] == "ref") & (far.names["target"] == "X064")]
    assert name_key("X064") in set(refs["key"]) and (refs["kind"] == "road").all()
    assert set(far.edges.loc[far.edges["way_id"].isin([7, 8]), "road_key"]) == {"X064"}


# -- versions ----------------------------------------------------------------------------------


def test_version_is_stable_and_follows_the_inputs(
    area: Area, admin_csv: Path, tmp_path: Path
) -> None:
    again = build_area("t", osm=XML, admin=admin_csv)
    assert again.version == area.version
    assert len(area.version) == 16
    # the same bytes elsewhere: the same version (a rebuilt area keeps its geocode cache)
    copy = tmp_path / "moved.osm"
    shutil.copy(XML, copy)
    assert build_area("other-name", osm=copy, admin=admin_csv).version == area.version
    # one byte of the extract
    text = XML.read_bytes()
    edited = tmp_path / "edited.osm"
    edited.write_bytes(text.replace(b'lon="111.6850000"', b'lon="111.6850001"', 1))
    assert edited.read_bytes() != text
    assert build_area("t", osm=edited, admin=admin_csv).version != area.version
    # one byte of the admin table
    admin2 = tmp_path / "admin.csv"
    admin2.write_text(ADMIN_CSV.replace("西区", "西城"), encoding="utf-8")
    assert build_area("t", osm=XML, admin=admin2).version != area.version
    # the build options
    for options in (BuildOptions(merge_gap_m=100.0), BuildOptions(intersection_radius_m=61.0)):
        assert build_area("t", osm=XML, admin=admin_csv, options=options).version != area.version
    assert area.meta["options"] == dataclasses.asdict(BuildOptions())
    assert area.meta["inputs"]["osm"]["sha256"] != area.meta["inputs"]["admin"]["sha256"]


def test_version_follows_road_file_options(admin_csv: Path) -> None:
    path = OSM / "roads_gcj02.geojson"
    shifted = build_area("t", roads=path, gcj02=True, admin=admin_csv)
    raw = build_area("t", roads=path, gcj02=False, admin=admin_csv)
    moved = shapely.hausdorff_distance(shifted.roads.union_all(), raw.roads.union_all())
    assert moved > 0.003  # the two gazetteers are ~500 m apart ...
    assert shifted.version != raw.version  # ... so they must not share a version


# -- saving and loading ------------------------------------------------------------------------


def _names(folder: Path) -> list[str]:
    """What a folder holds besides the lock files of the folders in it (``.NAME.lock``)."""
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith(".lock"))


def test_save_load_round_trip(area: Area, tmp_path: Path) -> None:
    folder = save_area(area, tmp_path / "areas" / "t")
    assert folder == tmp_path / "areas" / "t"
    # the marker says the folder is an area folder trafficprev made (tests/test_outdir.py)
    assert sorted(p.name for p in folder.iterdir()) == [
        ".trafficprev.json",
        "area.gpkg",
        "area.json",
    ]
    assert set(pyogrio.list_layers(folder / "area.gpkg")[:, 0]) == set(LAYERS)
    meta = json.loads((folder / "area.json").read_text(encoding="utf-8"))
    assert meta["version"] == area.version and meta["format"] == 2
    loaded = load_area(folder)
    assert (loaded.name, loaded.version) == (area.name, area.version)
    assert loaded.meta == json.loads(json.dumps(area.meta))
    assert_areas_equal(area, loaded)
    assert loaded.crs_metric == area.crs_metric == "EPSG:32649"
    # derived lookups work on the loaded area
    assert loaded.township_of([111.681], [29.047]).tolist() == ["439901002"]
    assert _names(tmp_path / "areas") == ["t"]


def test_round_trip_with_empty_layers(admin_csv: Path, tmp_path: Path) -> None:
    built = build_area("r", roads=OSM / "roads_cgcs2000.gpkg", admin=admin_csv)
    assert built.pois.empty and built.milestones.empty
    assert_areas_equal(built, load_area(save_area(built, tmp_path / "r")))


def test_save_replaces_an_older_area(area: Area, far: Area, tmp_path: Path) -> None:
    folder = tmp_path / "a"
    save_area(far, folder)
    save_area(area, folder)
    assert load_area(folder).version == area.version
    assert _names(tmp_path) == ["a"]


def test_interrupted_save_leaves_the_previous_area(
    area: Area, far: Area, tmp_path: Path, monkeypatch
) -> None:
    folder = save_area(area, tmp_path / "a")
    before = (folder / "area.gpkg").read_bytes()
    real = pyogrio.write_dataframe
    calls = []

    def failing(*args, **kwargs):
        calls.append(kwargs.get("layer"))
        if len(calls) == 3:
            raise OSError("disk full (simulated)")
        return real(*args, **kwargs)

    monkeypatch.setattr(pyogrio, "write_dataframe", failing)
    with pytest.raises(OSError, match="simulated"):
        save_area(far, folder)
    monkeypatch.undo()
    assert len(calls) == 3
    assert _names(tmp_path) == ["a"]  # no temporary folder left
    assert (folder / "area.gpkg").read_bytes() == before
    loaded = load_area(folder)
    assert loaded.version == area.version
    assert_areas_equal(area, loaded)


def test_saving_again_keeps_other_files_of_the_area_folder(area: Area, tmp_path: Path) -> None:
    folder = save_area(area, tmp_path / "a")
    (folder / "geocode_cache.sqlite").write_bytes(b"cache")
    save_area(area, folder)
    assert (folder / "geocode_cache.sqlite").read_bytes() == b"cache"


def test_load_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(InputFileNotFoundError, match="area build"):
        load_area(tmp_path / "nowhere")
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "area.json").write_text("{}", encoding="utf-8")
    with pytest.raises(InputFileNotFoundError):
        load_area(tmp_path / "half")


def test_load_corrupt_gpkg(area: Area, tmp_path: Path) -> None:
    folder = save_area(area, tmp_path / "a")
    (folder / "area.gpkg").write_bytes(np.random.default_rng(0).bytes(4096))
    with pytest.raises(FileFormatError, match="rebuild") as err:
        load_area(folder)
    assert str(folder) in str(err.value)


def test_load_other_format_version(area: Area, tmp_path: Path) -> None:
    folder = save_area(area, tmp_path / "a")
    meta = json.loads((folder / "area.json").read_text(encoding="utf-8"))
    meta["format"] = 99
    (folder / "area.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(FileFormatError, match=r"format 99.*rebuild"):
        load_area(folder)
    (folder / "area.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(FileFormatError, match="rebuild"):
        load_area(folder)


# -- road files --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "kwargs"),
    [("roads_cgcs2000.gpkg", {}), ("roads_gcj02.geojson", {"gcj02": True})],
)
def test_road_files_give_the_wgs84_roads(admin_csv: Path, file: str, kwargs: dict) -> None:
    built = build_area("r", roads=OSM / file, admin=admin_csv, **kwargs)
    reference = gpd.read_file(OSM / "roads_wgs84.geojson").dropna(subset=["name"])
    utm = reference.estimate_utm_crs()
    ref = reference.dissolve("name").to_crs(utm).geometry
    got = built.roads.set_index("road_id").to_crs(utm).geometry
    assert (
        sorted(got.index) == sorted(ref.index) == sorted(["样例大道", "示例巷", "测试路", "跨河路"])
    )
    for name in ref.index:
        assert shapely.hausdorff_distance(got[name], ref[name]) < 1.0, name
    # shared vertices became shared nodes: 测试路 meets 样例大道 in the middle, 示例巷 starts at
    # its east end; 跨河路 crosses it without a shared vertex (a bridge): no intersection
    assert sorted(built.intersections["inter_id"]) == ["样例大道|测试路", "样例大道|示例巷"]
    assert built.meta["inputs"]["roads"]["gcj02"] is bool(kwargs.get("gcj02", False))
    assert len(built.edges) == 8  # 样例大道 2, 测试路 2, 示例巷 2 parts, 跨河路 1, service 1


def test_bundled_changde_divisions(tmp_path: Path) -> None:
    built = build_area("c", osm=XML)  # admin="changde" is the default
    assert 185 <= len(built.admin) <= 2500
    assert len(built.admin) == len(read_admin_divisions("changde"))
    admin = built.names[built.names["kind"] == "admin"]
    assert "武陵区" in set(admin["name"])
    assert name_key("经开区") in set(admin["key"])
    assert built.meta["inputs"]["admin"]["path"] == "bundled:changde"
    assert build_area("c", osm=XML, admin="changde").version == built.version


# -- the demo city -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo() -> Area:
    files = demo_files()
    return build_area(
        "demo", osm=files["roads"][0], pois=files["pois"], admin=files["divisions"][0]
    )


def test_demo_area_counts(demo: Area) -> None:
    c = demo.meta["counts"]
    assert 2_000 <= c["ways"] <= 20_000
    assert c["edges"] >= c["ways"]
    assert 100 <= c["roads"] <= 2_000
    assert 500 <= c["intersections"] <= c["junctions"] <= c["edges"]
    assert 100 <= c["pois"] <= 5_000
    assert c["admin"] == len(read_admin_divisions(demo_files()["divisions"][0]))
    for layer in ("edges", "roads", "junctions", "intersections", "pois", "admin", "names"):
        assert c[layer] == len(getattr(demo, layer))
    assert (demo.roads["length_m"] > 0).all() and (demo.edges["length_m"] > 0).all()


def test_demo_area_is_consistent(demo: Area) -> None:
    road_ids = demo.roads["road_id"]
    assert road_ids.is_unique and (road_ids != "").all()
    assert demo.intersections["inter_id"].is_unique
    assert demo.edges["edge_id"].is_unique
    ids = set(road_ids)
    assert set(demo.intersections["road_id_a"]) <= ids
    assert set(demo.intersections["road_id_b"]) <= ids
    keyed = demo.edges["road_key"] != ""
    assert (demo.edges.loc[keyed, "road_id"] != "").all()
    assert set(demo.edges.loc[keyed, "road_id"]) == ids
    assert (demo.edges.loc[~keyed, "road_id"] == "").all()
    # each road's edge count matches its edges
    counts = demo.edges[keyed].groupby("road_id").size()
    pd.testing.assert_series_equal(
        demo.roads.set_index("road_id")["n_edges"].sort_index(),
        counts.sort_index().rename("n_edges").rename_axis("road_id"),
        check_dtype=False,
    )
    # every intersection node is a junction, and its township a level-4 code of the table
    nodes = {int(n) for ids_ in demo.intersections["node_ids"] for n in ids_.split("|")}
    assert nodes <= set(demo.junctions["node_id"])
    level4 = set(demo.admin.loc[demo.admin["level"] == 4, "code"])
    assert set(demo.intersections["township"]) <= level4
    assert set(demo.pois["township"]) <= level4


# -- errors ------------------------------------------------------------------------------------


def test_exactly_one_road_source(admin_csv: Path) -> None:
    with pytest.raises(SchemaError, match="exactly one road source"):
        build_area("t", admin=admin_csv)
    with pytest.raises(SchemaError, match="exactly one road source"):
        build_area("t", osm=XML, roads=OSM / "roads_wgs84.geojson", admin=admin_csv)


def test_missing_inputs(admin_csv: Path, tmp_path: Path) -> None:
    with pytest.raises(InputFileNotFoundError, match=r"POI file not found.*nope\.csv"):
        build_area("t", osm=XML, admin=admin_csv, pois=[tmp_path / "nope.csv"])
    with pytest.raises(InputFileNotFoundError, match="OSM file not found"):
        build_area("t", osm=tmp_path / "nope.osm", admin=admin_csv)
    with pytest.raises(InputFileNotFoundError, match="road file not found"):
        build_area("t", roads=tmp_path / "nope.gpkg", admin=admin_csv)


def test_extract_without_roads_is_an_error(admin_csv: Path, tmp_path: Path) -> None:
    path = write_osm(
        tmp_path / "footless.osm",
        {1: (111.69, 29.04), 2: (111.70, 29.04)},
        {1: ([1, 2], {"highway": "proposed", "name": "规划路"})},
    )
    with pytest.raises(FileFormatError):
        build_area("t", osm=path, admin=admin_csv)


# -- landmarks from named areas, bridges and tunnels -------------------------------------------


@pytest.fixture(scope="module")
def landmarks(admin_csv: Path, tmp_path_factory) -> Area:
    """An extract with a bridge, a tunnel, a business district and a tea farm (synthetic)."""
    nodes = {
        1: (111.680, 29.040),
        2: (111.684, 29.040),
        3: (111.686, 29.040),
        4: (111.692, 29.040),
        5: (111.700, 29.030),
        6: (111.700, 29.036),
        7: (111.700, 29.046),
        8: (111.686, 29.041),
        9: (111.692, 29.041),
        10: (111.692, 29.043),
        11: (111.686, 29.043),
        12: (111.701, 29.031),
        13: (111.703, 29.031),
        14: (111.703, 29.033),
        15: (111.701, 29.033),
    }
    road = {"highway": "secondary", "name": "跨河路"}
    ways = {
        1: ([1, 2], road),
        2: ([2, 3], {**road, "bridge": "yes", "bridge:name": "测试大桥"}),
        3: ([3, 4], road),
        4: (
            [5, 6],
            {"highway": "primary", "ref": "S999", "tunnel": "yes", "tunnel:name": "测试岭隧道"},
        ),
        5: ([6, 7], {"highway": "primary", "ref": "S999"}),
        6: ([8, 9, 10, 11, 8], {"landuse": "commercial", "name": "测试中央商务区"}),
        7: ([12, 13, 14, 15, 12], {"landuse": "farmyard", "name": "样例茶场"}),
    }
    osm = write_osm(tmp_path_factory.mktemp("landmarks") / "x.osm", nodes, ways)
    return build_area("lm", osm=osm, admin=admin_csv)


def test_named_areas_bridges_and_tunnels_reach_the_name_index(landmarks: Area) -> None:
    pois = landmarks.pois.set_index("name")
    assert pois.loc["测试大桥", "kind"] == "bridge" and pois.loc["测试岭隧道", "kind"] == "tunnel"
    assert pois.loc["测试中央商务区", "kind"] == "commercial"
    assert pois.loc["样例茶场", "kind"] == "farm"
    names = landmarks.names[landmarks.names["kind"] == "poi"]
    for name in ("测试大桥", "测试岭隧道", "测试中央商务区", "样例茶场"):
        assert set(names.loc[names["name"] == name, "target"]) == {pois.loc[name, "poi_id"]}


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("测试岭隧道内", (111.700, 29.033)),  # the middle of the tunnel, on S999
        ("测试大桥上", (111.685, 29.040)),  # the middle of the bridge, on 跨河路
        ("测试中央商务区门口", (111.689, 29.040)),  # on 跨河路, nearest the centroid
        ("样例茶场附近", (111.700, 29.032)),  # on S999, nearest the farm
    ],
)
def test_named_areas_bridges_and_tunnels_are_placed_as_landmarks(
    landmarks: Area, text: str, where: tuple[float, float]
) -> None:
    (res,), _ = geocode_texts([text], landmarks)
    assert res.match_level == "landmark", res.reason
    assert haversine_m(res.lon, res.lat, *where) < 5.0, (res.lon, res.lat, res.reason)


def test_road_file_bridges_are_landmarks(admin_csv: Path, tmp_path: Path) -> None:
    roads = gpd.GeoDataFrame(
        {"name": ["样例大桥", "测试路"], "highway": ["primary", "residential"]},
        geometry=[
            shapely.LineString([(111.680, 29.040), (111.684, 29.040)]),
            shapely.LineString([(111.684, 29.040), (111.684, 29.044)]),
        ],
        crs="EPSG:4326",
    )
    path = tmp_path / "roads.geojson"
    roads.to_file(path, driver="GeoJSON")
    built = build_area("r", roads=path, admin=admin_csv)
    assert built.pois[["poi_id", "name", "kind", "source"]].values.tolist() == [
        ["roads:w1", "样例大桥", "bridge", "roads"]
    ]
    ((x, y),) = shapely.get_coordinates(built.pois.geometry)
    assert haversine_m(x, y, 111.682, 29.040) < 1.0
