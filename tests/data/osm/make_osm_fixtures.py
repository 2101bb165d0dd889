"""Write the synthetic road fixtures for tests/test_osm.py and tests/test_roadfile.py.

    .venv/bin/python tests/data/osm/make_osm_fixtures.py

Everything is made up and looks it (测试路, 样例大道, …), placed near lon 111.69, lat 29.04.
Output, next to this script:

- ``roads.osm``: OSM XML as Overpass exports it (declaration, ``<osm version="0.6"
  generator=…>``, ``<bounds>``, nodes with version/timestamp/changeset attributes);
- ``roads.osm.pbf``: the same data written by osmium's PBF writer (a real PBF);
- ``roads_cgcs2000.gpkg`` / ``roads_cgcs2000.geojson``: a few road lines in EPSG:4546
  (CGCS2000 / 3-degree Gauss-Kruger CM 111E), with Chinese / English column names;
- ``roads_wgs84.geojson``: the same lines in WGS-84 (the reference);
- ``roads_gcj02.geojson``: the same lines shifted to GCJ-02 with ``prcoords`` (an implementation
  independent of ``trafficprev.coords``), labelled EPSG:4326 as such files are.

The OSM and GeoJSON files are byte-for-byte deterministic (the GeoPackage carries a
timestamp).
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from xml.sax.saxutils import quoteattr

import geopandas as gpd
import numpy as np
import osmium
import prcoords
import shapely

HERE = Path(__file__).resolve().parent

# -- OSM ---------------------------------------------------------------------------------------

#: node id -> (lon, lat, tags)
NODES: dict[int, tuple[float, float, dict[str, str]]] = {
    # 样例大道, a dual carriageway (north: 1001-1003 eastbound, south: 1006-1004 westbound)
    1001: (111.6850, 29.0402, {}),
    1002: (111.6900, 29.0402, {}),
    1003: (111.6950, 29.0402, {}),
    1004: (111.6850, 29.0398, {}),
    1005: (111.6900, 29.0398, {}),
    1006: (111.6950, 29.0398, {}),
    # 测试路 (north-south, crosses both carriageways at shared nodes 1002 and 1005)
    1007: (111.6900, 29.0450, {}),
    1008: (111.6900, 29.0350, {"highway": "milestone", "pk": "K3+500"}),
    # residential road, footway, proposed road, a way with a missing node
    1009: (111.6920, 29.0420, {}),
    1010: (111.6920, 29.0440, {}),
    1012: (111.6860, 29.0420, {}),
    1013: (111.6870, 29.0430, {}),
    1014: (111.6960, 29.0360, {}),
    1015: (111.6980, 29.0360, {}),
    1016: (111.6810, 29.0450, {}),
    1017: (111.6820, 29.0460, {}),
    # single-node way, way with a repeated node, bridge, roundabout, oneway=-1, tunnel, platform
    1018: (111.6830, 29.0370, {}),
    1019: (111.6840, 29.0380, {}),
    1020: (111.6845, 29.0385, {}),
    1021: (111.6850, 29.0390, {}),
    1022: (111.6880, 29.0360, {}),
    1023: (111.6880, 29.0380, {}),
    1024: (111.6970, 29.0420, {}),
    1025: (111.6975, 29.0425, {}),
    1026: (111.6965, 29.0425, {}),
    1027: (111.6810, 29.0400, {}),
    1028: (111.6810, 29.0420, {}),
    1029: (111.6990, 29.0440, {}),
    1030: (111.6990, 29.0460, {}),
    1035: (111.6995, 29.0330, {}),
    1036: (111.6996, 29.0332, {}),
    # 样例小区 (landuse=residential, closed), an unnamed industrial area
    1031: (111.6930, 29.0410, {}),
    1032: (111.6950, 29.0410, {}),
    1033: (111.6950, 29.0430, {}),
    1034: (111.6930, 29.0430, {}),
    1037: (111.6820, 29.0340, {}),
    1038: (111.6830, 29.0340, {}),
    1039: (111.6830, 29.0350, {}),
    # outer ring of the 样例中学 multipolygon (relation 201)
    1040: (111.6860, 29.0440, {}),
    1041: (111.6880, 29.0440, {}),
    1042: (111.6880, 29.0460, {}),
    1043: (111.6860, 29.0460, {}),
    # boundary of 测试镇 (relation 202)
    1044: (111.6800, 29.0300, {}),
    1045: (111.7000, 29.0300, {}),
    1046: (111.7000, 29.0500, {}),
    1047: (111.6800, 29.0500, {}),
    # places, POIs, milestone
    1050: (111.6905, 29.0405, {"place": "town", "name": "测试镇"}),
    1051: (111.6985, 29.0480, {"place": "village", "name": "样例村"}),
    1060: (111.6910, 29.0415, {"amenity": "school", "name": " 测试小学 "}),
    1061: (
        111.6935,
        29.0395,
        {"amenity": "hospital", "name": "样例医院", "name:zh": "样例人民医院"},
    ),
    1062: (111.6903, 29.0420, {"highway": "bus_stop", "name": "测试路口站"}),
    1063: (111.6903, 29.0380, {"highway": "bus_stop"}),
    1064: (111.6870, 29.0395, {"amenity": "fuel", "name": "样例加油站"}),
    1065: (111.6915, 29.0392, {"shop": "convenience", "name": "测试便利店"}),
    1066: (111.6955, 29.0455, {"tourism": "attraction", "name": "样例塔"}),
    1067: (111.6925, 29.0375, {"amenity": "school"}),
    1068: (111.6852, 29.0405, {"highway": "milestone", "distance": "12", "ref": "G319"}),
    1070: (111.6940, 29.0445, {"place": "neighbourhood", "name": "样例社区"}),
    1071: (111.6875, 29.0425, {"office": "company", "name": "测试科技有限公司"}),
    1072: (111.6945, 29.0365, {"amenity": "police", "name": "ＡＢ派出所"}),
}

#: way id -> (node ids, tags)
WAYS: dict[int, tuple[list[int], dict[str, str]]] = {
    101: (
        [1001, 1002, 1003],
        {"highway": "primary", "name": "样例大道", "ref": "G319", "oneway": "yes", "lanes": "2"},
    ),
    102: (
        [1006, 1005, 1004],
        {"highway": "primary", "name": "样例大道", "ref": "G319", "oneway": "yes", "lanes": "2"},
    ),
    103: (
        [1007, 1002, 1005, 1008],
        {
            "highway": "secondary",
            "name": "测试路",
            "name:zh": "测试北路",
            "alt_name": "老测试路;测试街",
            "old_name": "旧测试路",
            "official_name": "测试北路",
            "ref": "S224;G319",
        },
    ),
    104: ([1009, 1010, 1007], {"highway": "residential", "name": "示例巷"}),
    105: ([1012, 1013], {"highway": "footway"}),
    106: ([1014, 1015], {"highway": "proposed", "name": "规划路"}),
    107: ([1016, 1017, 9999], {"highway": "tertiary", "name": "缺点路"}),
    108: ([1018], {"highway": "service"}),
    109: ([1019, 1020, 1020, 1021], {"highway": "track"}),
    110: (
        [1022, 1023],
        {
            "highway": "secondary",
            "name": "跨河路",
            "bridge": "yes",
            "layer": "1",
            "bridge:name": "测试大桥",
        },
    ),
    111: ([1024, 1025, 1026, 1024], {"highway": "tertiary", "junction": "roundabout"}),
    112: ([1027, 1028], {"highway": "unclassified", "name": "反向路", "oneway": "-1"}),
    113: (
        [1029, 1030],
        {"highway": "residential", "name": "隧道路", "tunnel": "yes", "layer": "-1"},
    ),
    114: ([1031, 1032, 1033, 1034, 1031], {"landuse": "residential", "name": "样例小区"}),
    115: ([1035, 1036], {"highway": "platform", "name": "测试站台"}),
    116: ([1037, 1038, 1039, 1037], {"landuse": "industrial"}),
    117: ([1040, 1041, 1042, 1043, 1040], {}),
    119: ([1044, 1045, 1046, 1047, 1044], {"boundary": "administrative", "admin_level": "8"}),
}

#: relation id -> (members [(type, ref, role)], tags)
RELATIONS: dict[int, tuple[list[tuple[str, int, str]], dict[str, str]]] = {
    201: (
        [("way", 117, "outer")],
        {"type": "multipolygon", "amenity": "school", "name": "样例中学"},
    ),
    202: (
        [("way", 119, "outer"), ("node", 1050, "label")],
        {
            "type": "boundary",
            "boundary": "administrative",
            "admin_level": "8",
            "name": "测试镇",
        },
    ),
}

_META = 'version="1" timestamp="2024-05-01T08:00:00Z" changeset="1" uid="1" user="synthetic"'


def _tags(tags: dict[str, str], indent: str) -> list[str]:
    return [f"{indent}<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()]


def osm_xml() -> str:
    """The fixture as OSM XML text."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<osm version="0.6" generator="Overpass API 0.7.62.1 084b4234">',
        "<note>Synthetic test data for trafficprev; all names are made up.</note>",
        '<meta osm_base="2024-05-01T08:00:00Z"/>',
        '  <bounds minlat="29.0300000" minlon="111.6800000" maxlat="29.0500000"'
        ' maxlon="111.7000000"/>',
    ]
    for nid, (lon, lat, tags) in NODES.items():
        head = f'  <node id="{nid}" {_META} lat="{lat:.7f}" lon="{lon:.7f}"'
        if tags:
            lines += [f"{head}>", *_tags(tags, "    "), "  </node>"]
        else:
            lines.append(f"{head}/>")
    for wid, (refs, tags) in WAYS.items():
        lines.append(f'  <way id="{wid}" {_META}>')
        lines += [f'    <nd ref="{r}"/>' for r in refs]
        lines += [*_tags(tags, "    "), "  </way>"]
    for rid, (members, tags) in RELATIONS.items():
        lines.append(f'  <relation id="{rid}" {_META}>')
        lines += [f'    <member type="{t}" ref="{r}" role="{role}"/>' for t, r, role in members]
        lines += [*_tags(tags, "    "), "  </relation>"]
    lines.append("</osm>")
    return "\n".join(lines) + "\n"


def xml_to_pbf(xml: Path, pbf: Path) -> None:
    """Copy an OSM file to PBF with osmium's writer (no location cache: a plain copy)."""
    pbf.unlink(missing_ok=True)
    header = osmium.io.Header()
    header.set("generator", "trafficprev make_osm_fixtures")
    writer = osmium.SimpleWriter(str(pbf), header=header)
    try:
        for obj in osmium.FileProcessor(str(xml)):
            writer.add(obj)
    finally:
        writer.close()


# -- road files --------------------------------------------------------------------------------

#: (name, ref, highway, geometry in WGS-84). 样例大道 and 测试路 share the vertex
#: (111.690, 29.040); 跨河路 crosses 样例大道 without a shared vertex; 示例巷 is a
#: MultiLineString whose first part starts at 样例大道's east end.
_L = shapely.LineString
ROAD_LINES: list[tuple[str | None, str | None, str, shapely.Geometry]] = [
    ("样例大道", "G319", "primary", _L([(111.685, 29.04), (111.69, 29.04), (111.695, 29.04)])),
    ("测试路", "S224", "secondary", _L([(111.69, 29.045), (111.69, 29.04), (111.69, 29.035)])),
    ("跨河路", None, "secondary", _L([(111.6925, 29.038), (111.6925, 29.042)])),
    (
        "示例巷",
        None,
        "residential",
        shapely.MultiLineString(
            [[(111.695, 29.04), (111.695, 29.044)], [(111.696, 29.044), (111.698, 29.044)]]
        ),
    ),
    (None, None, "service", _L([(111.686, 29.036), (111.688, 29.036)])),
]


def _to_gcj(geom: shapely.Geometry) -> shapely.Geometry:
    def shift(coords: np.ndarray) -> np.ndarray:  # (n, 2) lon/lat -> GCJ-02
        out = [prcoords.wgs_gcj(prcoords.Coords(lat, lon)) for lon, lat in coords]
        return np.array([(c.lon, c.lat) for c in out])

    return shapely.transform(geom, shift)


def road_frames() -> dict[str, gpd.GeoDataFrame]:
    """The road-file fixtures, by file name."""
    names = [n for n, _, _, _ in ROAD_LINES]
    refs = [r for _, r, _, _ in ROAD_LINES]
    classes = [h for _, _, h, _ in ROAD_LINES]
    geoms = [g for _, _, _, g in ROAD_LINES]
    wgs = gpd.GeoDataFrame(
        {"name": names, "ref": refs, "highway": classes}, geometry=geoms, crs="EPSG:4326"
    )
    gk = wgs.to_crs("EPSG:4546")
    gk_cn = gk.rename(columns={"name": "名称", "ref": "编号", "highway": "等级"})
    gcj = gpd.GeoDataFrame({"NAME": names}, geometry=[_to_gcj(g) for g in geoms], crs="EPSG:4326")
    return {
        "roads_wgs84.geojson": wgs,
        "roads_cgcs2000.geojson": gk,
        "roads_cgcs2000.gpkg": gk_cn,
        "roads_gcj02.geojson": gcj,
    }


def main() -> None:
    xml = HERE / "roads.osm"
    xml.write_text(osm_xml(), encoding="utf-8")
    xml_to_pbf(xml, HERE / "roads.osm.pbf")
    for name, gdf in road_frames().items():
        path = HERE / name
        path.unlink(missing_ok=True)
        if name.endswith(".gpkg"):  # no spatial index: keeps the file small
            gdf.to_file(path, driver="GPKG", engine="pyogrio", SPATIAL_INDEX="NO")
            with contextlib.closing(sqlite3.connect(path)) as db:  # small pages: ~20 KB
                db.execute("PRAGMA page_size=512")
                db.execute("VACUUM")
        else:
            gdf.to_file(path, driver="GeoJSON", engine="pyogrio")


if __name__ == "__main__":
    main()
