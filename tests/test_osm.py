"""read_osm on the synthetic extract in tests/data/osm (XML and the PBF written from it)."""

from __future__ import annotations

import bz2
import gzip
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from trafficprev._errors import FileFormatError, InputFileNotFoundError
from trafficprev.area import RoadSource, read_osm
from trafficprev.area._osm import POI_KINDS, parse_distance_km

OSM = Path(__file__).resolve().parent / "data" / "osm"
XML, PBF = OSM / "roads.osm", OSM / "roads.osm.pbf"
TABLES = ("nodes", "ways", "pois", "places", "milestones")


@pytest.fixture(scope="module")
def src() -> RoadSource:
    return read_osm(XML)


@pytest.fixture(scope="module")
def ways(src: RoadSource) -> pd.DataFrame:
    return src.ways.set_index("way_id")


def assert_same(a: RoadSource, b: RoadSource) -> None:
    for table in TABLES:
        pd.testing.assert_frame_equal(getattr(a, table), getattr(b, table), check_exact=True)
    assert a.dropped == b.dropped


# -- formats ---------------------------------------------------------------------------------


def test_fixture_pbf_is_a_real_pbf() -> None:
    assert b"OSMHeader" in PBF.read_bytes()[:32]
    assert XML.read_text(encoding="utf-8").startswith('<?xml version="1.0" encoding="UTF-8"?>')


def test_xml_and_pbf_give_identical_tables(src: RoadSource) -> None:
    pbf = read_osm(PBF)
    assert_same(src, pbf)
    assert pbf.source == str(PBF)
    assert pbf.crs_note == src.crs_note == "OSM (WGS-84)"


@pytest.mark.parametrize(("suffix", "opener"), [(".osm.gz", gzip.open), (".osm.bz2", bz2.open)])
def test_compressed_xml(src: RoadSource, tmp_path: Path, suffix: str, opener) -> None:
    path = tmp_path / f"roads{suffix}"
    with opener(path, "wb") as fh:
        fh.write(XML.read_bytes())
    assert_same(src, read_osm(path))


@pytest.mark.parametrize("original", [XML, PBF])
def test_format_sniffed_when_the_name_says_nothing(
    src: RoadSource, tmp_path: Path, original: Path
) -> None:
    path = tmp_path / "export.dat"
    shutil.copy(original, path)
    assert_same(src, read_osm(path))


def test_columns_and_dtypes(src: RoadSource, check_road_source_columns) -> None:
    check_road_source_columns(src)
    assert all(isinstance(t, tuple) for t in src.ways["node_ids"])
    assert all(isinstance(i, int) for t in src.ways["node_ids"] for i in t)


def test_repr_is_a_summary(src: RoadSource) -> None:
    text = repr(src)
    assert "ways=10" in text and "nodes=24" in text and "missing_nodes" in text
    assert len(text) < 400


# -- roads -----------------------------------------------------------------------------------


def test_kept_and_dropped_ways(src: RoadSource) -> None:
    assert src.ways["way_id"].tolist() == [101, 102, 103, 104, 105, 109, 110, 111, 112, 113]
    # 106 proposed and 115 platform: not roads; 107 has a node missing from the file;
    # 108 has a single node. Ways without highway=* (114, 116, 117, 119) are not counted.
    assert src.dropped == {"non_road": 2, "too_few_nodes": 1, "missing_nodes": 1}


def test_nodes_are_exactly_those_of_kept_ways(src: RoadSource) -> None:
    used = {n for t in src.ways["node_ids"] for n in t}
    assert set(src.nodes["node_id"]) == used
    assert src.nodes["node_id"].is_monotonic_increasing and src.nodes["node_id"].is_unique
    assert 9999 not in used and 1014 not in used  # missing node; node of the proposed road
    row = src.nodes.set_index("node_id").loc[1002]
    assert (row["lon"], row["lat"]) == (111.69, 29.0402)


def test_dual_carriageway(ways: pd.DataFrame) -> None:
    pair = ways.loc[[101, 102]]
    assert pair["name"].tolist() == ["样例大道", "样例大道"]
    assert pair["oneway"].tolist() == [True, True]
    assert pair["ref"].tolist() == ["G319", "G319"]
    assert pair["highway"].tolist() == ["primary", "primary"]
    assert ways.loc[102, "node_ids"] == (1006, 1005, 1004)  # drawing order kept


def test_name_zh_preferred_and_other_names_kept(ways: pd.DataFrame) -> None:
    way = ways.loc[103]
    assert way["name"] == "测试北路"
    # name (differs), alt_name split on ';', old_name; official_name equals the name: left out
    assert way["name_alt"] == "测试路|老测试路|测试街|旧测试路"
    assert way["ref"] == "S224;G319"
    assert ways.loc[101, "name_alt"] == ""


def test_minor_roads_kept_and_unnamed_roads_have_empty_names(ways: pd.DataFrame) -> None:
    assert ways.loc[104, "highway"] == "residential"
    assert ways.loc[105, "highway"] == "footway"
    assert ways.loc[105, "name"] == ""
    assert ways.loc[109, "highway"] == "track"


def test_repeated_node_is_collapsed(ways: pd.DataFrame) -> None:
    assert ways.loc[109, "node_ids"] == (1019, 1020, 1021)


def test_oneway_rules(ways: pd.DataFrame) -> None:
    assert ways.loc[111, "junction"] == "roundabout"
    assert ways.loc[111, "oneway"]  # implied by the roundabout
    assert ways.loc[112, "oneway"]
    assert ways.loc[112, "node_ids"] == (1028, 1027)  # oneway=-1: reversed
    assert not ways.loc[103, "oneway"]


def test_bridge_tunnel_layer(ways: pd.DataFrame) -> None:
    assert (ways.loc[110, "bridge"], ways.loc[110, "tunnel"], ways.loc[110, "layer"]) == (
        True,
        False,
        1,
    )
    assert (ways.loc[113, "bridge"], ways.loc[113, "tunnel"], ways.loc[113, "layer"]) == (
        False,
        True,
        -1,
    )
    assert ways.loc[101, "layer"] == 0 and not ways.loc[101, "bridge"]


# -- POIs, places, milestones ---------------------------------------------------------------


def test_poi_kinds_names_and_tags(src: RoadSource) -> None:
    got = {
        (r.osm_type, r.osm_id): (r.name, r.kind, r.tag) for r in src.pois.itertuples(index=False)
    }
    assert got == {
        ("node", 1060): ("测试小学", "school", "amenity=school"),  # whitespace stripped
        ("node", 1061): ("样例人民医院", "hospital", "amenity=hospital"),  # name:zh
        ("node", 1062): ("测试路口站", "bus_station", "highway=bus_stop"),
        ("node", 1064): ("样例加油站", "fuel", "amenity=fuel"),
        ("node", 1065): ("测试便利店", "other", "shop=convenience"),
        ("node", 1066): ("样例塔", "landmark", "tourism=attraction"),
        ("node", 1070): ("样例社区", "community", "place=neighbourhood"),
        ("node", 1071): ("测试科技有限公司", "company", "office=company"),
        ("node", 1072): ("AB派出所", "police", "amenity=police"),  # NFKC: full-width letters
        ("way", 110): ("测试大桥", "bridge", "bridge:name=测试大桥"),
        ("way", 114): ("样例小区", "community", "landuse=residential"),
        ("relation", 201): ("样例中学", "school", "amenity=school"),
    }
    assert set(src.pois["source"]) == {"osm"}
    assert set(src.pois["kind"]) <= set(POI_KINDS)


def test_unnamed_objects_are_not_pois(src: RoadSource) -> None:
    ids = set(src.pois["osm_id"])
    assert 1063 not in ids  # unnamed bus stop
    assert 1067 not in ids  # unnamed school
    assert 116 not in ids  # unnamed industrial area


@pytest.mark.parametrize(
    ("osm_type", "osm_id", "lon", "lat"),
    [
        ("way", 114, 111.694, 29.042),  # closed way: centroid of the square
        ("relation", 201, 111.687, 29.045),  # multipolygon: centroid of its outer ring
        ("way", 110, 111.688, 29.037),  # open (bridge) way: midpoint along the line
        ("node", 1060, 111.691, 29.0415),
    ],
)
def test_poi_positions(src: RoadSource, osm_type: str, osm_id: int, lon: float, lat: float) -> None:
    row = src.pois[(src.pois["osm_type"] == osm_type) & (src.pois["osm_id"] == osm_id)]
    assert len(row) == 1
    np.testing.assert_allclose(row[["lon", "lat"]].to_numpy()[0], [lon, lat], atol=1e-9)


def test_places_and_admin_levels(src: RoadSource) -> None:
    places = src.places.set_index(["osm_type", "osm_id"])
    assert places.loc[("node", 1050), "place"] == "town"
    assert places.loc[("node", 1050), "admin_level"] == 8  # label of boundary relation 202
    assert places.loc[("node", 1051), "name"] == "样例村"
    assert pd.isna(places.loc[("node", 1051), "admin_level"])
    assert places.loc[("node", 1070), "place"] == "neighbourhood"
    boundary = places.loc[("relation", 202)]
    assert (boundary["name"], boundary["place"], boundary["admin_level"]) == (
        "测试镇",
        "boundary",
        8,
    )
    np.testing.assert_allclose([boundary["lon"], boundary["lat"]], [111.69, 29.04], atol=1e-9)
    assert len(places) == 4


def test_milestones(src: RoadSource) -> None:
    ms = src.milestones.set_index("node_id")
    assert ms.loc[1068, "distance_km"] == 12.0
    assert ms.loc[1068, "ref"] == "G319"  # its own ref
    assert ms.loc[1008, "distance_km"] == 3.5  # pk=K3+500
    assert ms.loc[1008, "ref"] == "S224;G319"  # from way 103, which ends at it
    assert (ms.loc[1008, "lon"], ms.loc[1008, "lat"]) == (111.69, 29.035)


@pytest.mark.parametrize(
    ("text", "km"),
    [
        ("12", 12.0),
        ("12.3", 12.3),
        ("12,3", 12.3),
        ("K12+300", 12.3),
        ("k1234+056", 1234.056),
        ("K12", 12.0),
        ("12 km", 12.0),
        ("１２", 12.0),
        ("mi:2", 3.218688),
    ],
)
def test_parse_distance_km(text: str, km: float) -> None:
    assert parse_distance_km(text) == pytest.approx(km)


@pytest.mark.parametrize("text", [None, "", "G319", "near the bridge", "12-14"])
def test_parse_distance_km_rejects(text: str | None) -> None:
    assert np.isnan(parse_distance_km(text))


# -- errors ----------------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.osm.pbf"
    with pytest.raises(InputFileNotFoundError, match=r"nowhere\.osm\.pbf"):
        read_osm(path)
    with pytest.raises(FileNotFoundError):  # also the builtin
        read_osm(path)


def _bad(path: Path, match: str) -> None:
    with pytest.raises(FileFormatError, match=match) as info:
        read_osm(path)
    assert str(path) in str(info.value)
    assert isinstance(info.value, ValueError)


def test_csv_renamed_osm(tmp_path: Path) -> None:
    path = tmp_path / "roads.osm"
    path.write_text("名称,经度,纬度\n测试路,111.69,29.04\n", encoding="utf-8")
    _bad(path, "XML parsing error")


def test_random_bytes_pbf(tmp_path: Path) -> None:
    path = tmp_path / "roads.osm.pbf"
    path.write_bytes(np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    _bad(path, "PBF error")


@pytest.mark.parametrize("keep", [0.5, 0.98])
def test_truncated_pbf(tmp_path: Path, keep: float) -> None:
    data = PBF.read_bytes()
    path = tmp_path / "roads.osm.pbf"
    path.write_bytes(data[: int(len(data) * keep)])
    _bad(path, "PBF error")


def test_truncated_xml(tmp_path: Path) -> None:
    data = XML.read_bytes()
    path = tmp_path / "roads.osm"
    path.write_bytes(data[: len(data) // 2])
    _bad(path, "XML parsing error")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "roads.osm.pbf"
    path.write_bytes(b"")
    _bad(path, "empty")


def test_no_roads(tmp_path: Path) -> None:
    path = tmp_path / "places.osm"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="test">\n'
        '  <node id="1" lat="29.04" lon="111.69"><tag k="place" v="village"/>'
        '<tag k="name" v="样例村"/></node>\n</osm>\n',
        encoding="utf-8",
    )
    _bad(path, r"no roads \(highway=\*\) in")


def test_only_dropped_roads(tmp_path: Path) -> None:
    path = tmp_path / "proposed.osm"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="test">\n'
        '  <node id="1" lat="29.04" lon="111.69"/>\n  <node id="2" lat="29.05" lon="111.69"/>\n'
        '  <way id="1"><nd ref="1"/><nd ref="2"/><tag k="highway" v="proposed"/></way>\n'
        "</osm>\n",
        encoding="utf-8",
    )
    _bad(path, r"no roads .* all dropped: 1 non_road")


def test_josm_file_with_negative_ids(tmp_path: Path) -> None:
    # JOSM saves objects not yet uploaded with negative ids, which osmium's location index
    # does not hold: they are looked up in a second pass.
    path = tmp_path / "josm.osm"
    path.write_text(
        "<?xml version='1.0' encoding='UTF-8'?>\n<osm version='0.6' generator='JOSM'>\n"
        "  <node id='-101' action='modify' visible='true' lat='29.04' lon='111.69' />\n"
        "  <node id='-102' action='modify' visible='true' lat='29.05' lon='111.69' />\n"
        "  <node id='5' version='1' visible='true' lat='29.05' lon='111.70' />\n"
        "  <way id='-103' action='modify' visible='true'>\n"
        "    <nd ref='-101' />\n    <nd ref='-102' />\n    <nd ref='5' />\n"
        "    <tag k='highway' v='residential' />\n    <tag k='name' v='新测试路' />\n"
        "  </way>\n</osm>\n",
        encoding="utf-8",
    )
    src = read_osm(path)
    assert src.ways["node_ids"].tolist() == [(-101, -102, 5)]
    assert src.nodes.set_index("node_id").loc[-101, "lat"] == 29.04
    assert src.dropped["missing_nodes"] == 0


# -- named areas, bridges and tunnels as landmarks ----------------------------------------------

# A small extract (synthetic names) around lon 111.69, lat 29.04: ways are (id, points, tags),
# a point shared by two ways is one node.
_CROSSING_WAYS: list[tuple[int, list[tuple[float, float]], dict[str, str]]] = [
    # 跨河路: approaches (no tag) and a bridge drawn in two pieces, named by bridge:name
    (10, [(111.680, 29.040), (111.684, 29.040)], {"highway": "secondary", "name": "跨河路"}),
    (
        11,
        [(111.684, 29.040), (111.685, 29.040)],
        {"highway": "secondary", "name": "跨河路", "bridge": "yes", "bridge:name": "测试大桥"},
    ),
    (
        12,
        [(111.685, 29.040), (111.688, 29.040)],
        {"highway": "secondary", "name": "跨河路", "bridge": "yes", "bridge:name": "测试大桥"},
    ),
    (13, [(111.688, 29.040), (111.692, 29.040)], {"highway": "secondary", "name": "跨河路"}),
    # a street named after its bridge: only the tagged span is the bridge
    (20, [(111.680, 29.050), (111.686, 29.050)], {"highway": "tertiary", "name": "样例大桥"}),
    (
        21,
        [(111.686, 29.050), (111.690, 29.050)],
        {"highway": "tertiary", "name": "样例大桥", "bridge": "yes"},
    ),
    (22, [(111.690, 29.050), (111.696, 29.050)], {"highway": "tertiary", "name": "样例大桥"}),
    # a route through a tunnel named by tunnel:name
    (
        30,
        [(111.700, 29.030), (111.700, 29.034), (111.701, 29.038)],
        {"highway": "primary", "ref": "S999", "tunnel": "yes", "tunnel:name": "测试岭隧道"},
    ),
    (31, [(111.701, 29.038), (111.702, 29.045)], {"highway": "primary", "ref": "S999"}),
    # two carriageways of one bridge (no shared node): two landmarks of one name
    (
        40,
        [(111.670, 29.060), (111.672, 29.060)],
        {"highway": "primary", "name": "示例路", "bridge": "yes", "bridge:name": "示例大桥"},
    ),
    (
        41,
        [(111.672, 29.0602), (111.670, 29.0602)],
        {"highway": "primary", "name": "示例路", "bridge": "yes", "bridge:name": "示例大桥"},
    ),
    # untagged, named as a bridge; a bridge whose name carries a phone number
    (50, [(111.660, 29.070), (111.662, 29.070)], {"highway": "residential", "name": "旧石桥"}),
    (
        51,
        [(111.650, 29.070), (111.652, 29.070)],
        {"highway": "residential", "bridge": "yes", "bridge:name": "测试13907361234桥"},
    ),
    # a bridge with no bridge name and an ordinary road name: no landmark
    (
        52,
        [(111.640, 29.070), (111.642, 29.070)],
        {"highway": "residential", "name": "样例路", "bridge": "yes"},
    ),
    # named landuse areas (closed ways); an unnamed one is no landmark
    (
        60,
        [
            (111.690, 29.020),
            (111.694, 29.020),
            (111.694, 29.024),
            (111.690, 29.024),
            (111.690, 29.020),
        ],
        {"landuse": "commercial", "name": "测试中央商务区"},
    ),
    (
        61,
        [
            (111.700, 29.020),
            (111.702, 29.020),
            (111.702, 29.022),
            (111.700, 29.022),
            (111.700, 29.020),
        ],
        {"landuse": "retail", "name": "样例商业街区"},
    ),
    (
        62,
        [
            (111.710, 29.020),
            (111.714, 29.020),
            (111.714, 29.024),
            (111.710, 29.024),
            (111.710, 29.020),
        ],
        {"landuse": "farmyard", "name": "样例茶场"},
    ),
    (
        63,
        [
            (111.720, 29.020),
            (111.722, 29.020),
            (111.722, 29.022),
            (111.720, 29.022),
            (111.720, 29.020),
        ],
        {"landuse": "commercial"},
    ),
]


def write_ways_osm(path: Path, ways: list[tuple[int, list[tuple[float, float]], dict]]) -> Path:
    """Write OSM XML holding `ways` (a point shared by two ways is one node)."""
    ids: dict[tuple[float, float], int] = {}
    for _, points, _ in ways:
        for point in points:
            ids.setdefault(point, 1000 + len(ids))
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    lines += [
        f'  <node id="{i}" lat="{lat:.7f}" lon="{lon:.7f}"/>' for (lon, lat), i in ids.items()
    ]
    for wid, points, tags in ways:
        lines.append(f'  <way id="{wid}">')
        lines += [f'    <nd ref="{ids[p]}"/>' for p in points]
        lines += [f'    <tag k="{k}" v="{v}"/>' for k, v in tags.items()]
        lines.append("  </way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def crossings(tmp_path_factory) -> RoadSource:
    return read_osm(write_ways_osm(tmp_path_factory.mktemp("cross") / "x.osm", _CROSSING_WAYS))


def test_named_areas_bridges_and_tunnels_are_pois(crossings: RoadSource) -> None:
    got = sorted((r.osm_id, r.name, r.kind, r.tag) for r in crossings.pois.itertuples(index=False))
    assert got == [
        (11, "测试大桥", "bridge", "bridge:name=测试大桥"),  # two pieces: one landmark
        (21, "样例大桥", "bridge", "name=样例大桥"),  # the tagged span, not the approaches
        (30, "测试岭隧道", "tunnel", "tunnel:name=测试岭隧道"),
        (40, "示例大桥", "bridge", "bridge:name=示例大桥"),  # two carriageways
        (41, "示例大桥", "bridge", "bridge:name=示例大桥"),
        (50, "旧石桥", "bridge", "name=旧石桥"),
        (51, "测试〔电话已隐去〕桥", "bridge", "bridge:name=测试〔电话已隐去〕桥"),
        (60, "测试中央商务区", "commercial", "landuse=commercial"),
        (61, "样例商业街区", "commercial", "landuse=retail"),
        (62, "样例茶场", "farm", "landuse=farmyard"),
    ]
    assert set(crossings.pois["kind"]) <= set(POI_KINDS)
    assert (crossings.pois["osm_type"] == "way").all()


@pytest.mark.parametrize(
    ("osm_id", "way_ids", "lon", "lat"),
    [
        (11, (11, 12), 111.686, 29.040),  # midpoint of the two pieces together
        (21, (21,), 111.688, 29.050),  # midpoint of the bridge span only
        (30, (30,), None, None),
        (40, (40,), 111.671, 29.060),
        (62, (), 111.712, 29.022),  # a landuse area: its centroid
    ],
)
def test_bridge_and_tunnel_landmarks_lie_on_their_road(
    crossings: RoadSource, osm_id: int, way_ids: tuple[int, ...], lon, lat
) -> None:
    row = crossings.pois[crossings.pois["osm_id"] == osm_id].iloc[0]
    point = shapely.Point(row["lon"], row["lat"])
    nodes = crossings.nodes.set_index("node_id")
    ways = crossings.ways.set_index("way_id")
    if way_ids:
        line = shapely.union_all(
            [
                shapely.LineString(nodes.loc[list(ways.loc[w, "node_ids"])].to_numpy())
                for w in way_ids
            ]
        )
        assert line.distance(point) < 1e-9  # on the road, in degrees (< 0.1 mm)
    if osm_id == 30:  # halfway along the tunnel, by length (in degrees)
        line = shapely.LineString(nodes.loc[list(ways.loc[30, "node_ids"])].to_numpy())
        assert abs(line.project(point) - line.length / 2) < 1e-9
    else:
        np.testing.assert_allclose([row["lon"], row["lat"]], [lon, lat], atol=1e-9)
