"""read_road_file on the synthetic road files in tests/data/osm (CGCS2000 GK, WGS-84, GCJ-02)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from trafficprev._errors import FileFormatError, InputFileNotFoundError, SchemaError
from trafficprev.area import RoadSource, read_road_file
from trafficprev.area._roadfile import node_ids_from_xy

OSM = Path(__file__).resolve().parent / "data" / "osm"
GK_GPKG, GK_JSON = OSM / "roads_cgcs2000.gpkg", OSM / "roads_cgcs2000.geojson"
WGS_JSON, GCJ_JSON = OSM / "roads_wgs84.geojson", OSM / "roads_gcj02.geojson"


@pytest.fixture(scope="module")
def wgs() -> RoadSource:
    return read_road_file(WGS_JSON)


def coords(src: RoadSource) -> np.ndarray:
    """(lon, lat) of every way vertex, way by way, in order."""
    nodes = src.nodes.set_index("node_id")
    ids = [n for t in src.ways["node_ids"] for n in t]
    return nodes.loc[ids, ["lon", "lat"]].to_numpy()


def metres(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distances between matching (lon, lat) rows, in metres."""
    _, _, d = pyproj.Geod(ellps="WGS84").inv(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
    return np.asarray(d)


def test_epsg_4546_is_cgcs2000_gk_cm_111e() -> None:
    crs = pyproj.CRS.from_epsg(4546)
    assert crs.name == "CGCS2000 / 3-degree Gauss-Kruger CM 111E"
    assert pyproj.CRS.from_epsg(4545).name.endswith("CM 108E")  # not the zone of Changde
    assert gpd.read_file(GK_JSON).crs.to_epsg() == 4546


def test_wgs84_file(wgs: RoadSource) -> None:
    ways = wgs.ways
    assert ways["way_id"].tolist() == [1, 2, 3, 4, 5, 6]
    assert ways["name"].tolist() == ["样例大道", "测试路", "跨河路", "示例巷", "示例巷", ""]
    assert ways["ref"].tolist() == ["G319", "S224", "", "", "", ""]
    assert ways["highway"].tolist()[:3] == ["primary", "secondary", "secondary"]
    assert [len(t) for t in ways["node_ids"]] == [3, 3, 2, 2, 2, 2]
    assert not ways["oneway"].any() and not ways["bridge"].any() and (ways["layer"] == 0).all()
    assert set(wgs.nodes["node_id"]) == {n for t in ways["node_ids"] for n in t}
    assert wgs.dropped == {"not_a_line": 0, "too_few_nodes": 0}
    row = wgs.nodes.set_index("node_id").loc[ways.loc[0, "node_ids"][1]]
    assert (row["lon"], row["lat"]) == (111.69, 29.04)


def test_columns_and_empty_tables(wgs: RoadSource, check_road_source_columns) -> None:
    check_road_source_columns(wgs)
    assert wgs.pois.empty and wgs.places.empty and wgs.milestones.empty


def test_shared_vertex_shares_a_node_and_crossing_does_not(wgs: RoadSource) -> None:
    a, b, c, d, e, _ = (set(t) for t in wgs.ways["node_ids"])
    assert len(a & b) == 1  # 样例大道 and 测试路 meet at (111.690, 29.040)
    assert not a & c  # 跨河路 crosses 样例大道 with no common vertex: not joined (like a bridge)
    assert wgs.ways.loc[3, "node_ids"][0] == wgs.ways.loc[0, "node_ids"][-1]
    assert not d & e  # the two parts of the MultiLineString do not touch


def test_node_ids_are_stable() -> None:
    # A fixed hash of the rounded coordinates: the same on every machine and run.
    ids = node_ids_from_xy(np.array([500000.0, 567207.81]), np.array([3200000.0, 3213899.2]))
    assert ids.tolist() == [2520548053107866782, 4958687483321445351]
    assert ids.dtype == np.int64
    # points within the same 0.1 m cell share an id, a point 0.1 m away does not
    same = node_ids_from_xy(np.array([10.02, 9.98, 10.1]), np.array([5.0, 5.03, 5.0]))
    assert same[0] == same[1] != same[2]


def test_cgcs2000_files_match_wgs84(wgs: RoadSource) -> None:
    gpkg = read_road_file(GK_GPKG, ref_col="编号", highway_col="等级")  # name: 名称, detected
    geojson = read_road_file(GK_JSON)
    for src in (gpkg, geojson):
        assert "EPSG:4546" in src.crs_note
        assert src.ways["name"].tolist() == wgs.ways["name"].tolist()
        assert src.ways["ref"].tolist() == wgs.ways["ref"].tolist()
        assert src.ways["highway"].tolist() == wgs.ways["highway"].tolist()
        assert metres(coords(src), coords(wgs)).max() < 0.01
    pd.testing.assert_frame_equal(gpkg.ways, geojson.ways)
    pd.testing.assert_frame_equal(gpkg.nodes, geojson.nodes)


def test_gcj02_converted_to_wgs84(wgs: RoadSource) -> None:
    gcj = read_road_file(GCJ_JSON, gcj02=True)
    assert gcj.crs_note.startswith("GCJ-02")
    assert gcj.ways["name"].tolist() == wgs.ways["name"].tolist()  # NAME column
    assert (gcj.ways["highway"] == "road").all()  # no class column
    assert metres(coords(gcj), coords(wgs)).max() < 1.0
    raw = read_road_file(GCJ_JSON)  # taken as WGS-84: hundreds of metres off
    assert metres(coords(raw), coords(wgs)).min() > 100.0


def test_gcj02_needs_lon_lat() -> None:
    with pytest.raises(SchemaError, match="gcj02=True needs lon/lat"):
        read_road_file(GK_JSON, gcj02=True)


def test_missing_crs(tmp_path: Path, wgs: RoadSource) -> None:
    gdf = gpd.read_file(GK_JSON)[["name", "geometry"]]
    gdf = gpd.GeoDataFrame({"name": gdf["name"]}, geometry=list(gdf.geometry), crs=None)
    path = tmp_path / "roads.shp"
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        gdf.to_file(path, engine="pyogrio", encoding="UTF-8")
    assert not path.with_suffix(".prj").exists()
    with pytest.raises(SchemaError, match=r"roads\.shp has no CRS") as info:
        read_road_file(path)
    assert str(path) in str(info.value)
    fixed = read_road_file(path, crs="EPSG:4546")
    assert metres(coords(fixed), coords(wgs)).max() < 0.01


def test_crs_argument_overrides_a_wrong_declaration(tmp_path: Path, wgs: RoadSource) -> None:
    gdf = gpd.read_file(GK_JSON).set_crs(4545, allow_override=True)  # GK numbers, wrong zone
    path = tmp_path / "wrong.gpkg"
    gdf.to_file(path, engine="pyogrio")
    assert metres(coords(read_road_file(path)), coords(wgs)).min() > 100_000
    fixed = read_road_file(path, crs="EPSG:4546")
    assert metres(coords(fixed), coords(wgs)).max() < 0.01


def _geojson(tmp_path: Path, **columns: list[object]) -> Path:
    gdf = gpd.read_file(WGS_JSON)
    out = gpd.GeoDataFrame(columns, geometry=gdf.geometry.values, crs=4326)
    path = tmp_path / "roads.geojson"
    out.to_file(path, engine="pyogrio")
    return path


def test_unknown_name_column(tmp_path: Path) -> None:
    path = _geojson(tmp_path, 道路=list("abcde"), 等级=list("abcde"))
    with pytest.raises(SchemaError, match=r"no road-name column.*columns are \['道路', '等级'\]"):
        read_road_file(path)
    assert read_road_file(path, name_col="道路").ways["name"].tolist()[:2] == ["a", "b"]


def test_ambiguous_name_column(tmp_path: Path) -> None:
    path = _geojson(tmp_path, name=list("abcde"), 路名=list("vwxyz"))
    with pytest.raises(SchemaError, match=r"several possible name columns \['name', '路名'\]"):
        read_road_file(path)
    assert read_road_file(path, name_col="路名").ways["name"].tolist()[:1] == ["v"]


def test_given_column_must_exist() -> None:
    with pytest.raises(SchemaError, match=r"ref column 'code' not found; columns are"):
        read_road_file(WGS_JSON, ref_col="code")


def test_lines_too_short_and_non_lines_are_dropped(tmp_path: Path) -> None:
    geoms = [
        shapely.LineString([(111.69, 29.04), (111.691, 29.04)]),
        shapely.LineString([(111.69, 29.04), (111.69, 29.0400001)]),  # ~1 cm long
        shapely.Point(111.69, 29.04),
    ]
    path = tmp_path / "mixed.geojson"
    gpd.GeoDataFrame({"name": ["甲路", "乙路", "丙"]}, geometry=geoms, crs=4326).to_file(path)
    src = read_road_file(path)
    assert src.ways["way_id"].tolist() == [1]
    assert src.dropped == {"not_a_line": 1, "too_few_nodes": 1}


def test_no_lines(tmp_path: Path) -> None:
    path = tmp_path / "points.geojson"
    gpd.GeoDataFrame({"name": ["丙"]}, geometry=[shapely.Point(111.69, 29.04)], crs=4326).to_file(
        path
    )
    with pytest.raises(FileFormatError, match="no line geometries"):
        read_road_file(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileNotFoundError, match="nowhere"):
        read_road_file(tmp_path / "nowhere.gpkg")


def test_garbage_file(tmp_path: Path) -> None:
    path = tmp_path / "roads.gpkg"
    path.write_bytes(b"\x00garbage" * 100)
    with pytest.raises(FileFormatError, match=r"cannot read .*roads\.gpkg"):
        read_road_file(path)
