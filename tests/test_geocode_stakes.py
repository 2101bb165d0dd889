"""Stakes (桩号 K13+400) on a route with milestones: between them, and beyond the first or last.

A synthetic route S999 (测试 names, not a real place) drawn in UTM 49N: it starts at K9, runs
east 4.2 km, then turns north for 0.8 km (it ends at K14); milestones K10 … K13 stand every km,
8 m beside it. A stake up to ``_STAKE_BEYOND_KM`` (2 km) before the first or after the last
milestone is placed along the route at the rate of the nearest two milestones; farther out, or
beyond the end of the drawn road, the text is placed at road level with the reason.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pyproj import Transformer

from trafficprev.area import Area, build_area
from trafficprev.coords import haversine_m
from trafficprev.geocode import geocode_texts
from trafficprev.geocode._resolve import _STAKE_BEYOND_KM

ADMIN_CSV = """code,parent_code,level,name,lon,lat,aliases
439900,,2,测试市,,,
439901,439900,3,测试县,111.700,29.040,
439901001,439901,4,测试镇,111.700,29.040,
"""
X0, Y0 = 670_000.0, 3_213_000.0  # UTM 49N, near lon 111.69, lat 29.04
_TO_LONLAT = Transformer.from_crs("EPSG:32649", "EPSG:4326", always_xy=True)


def route_xy(chainage_m: float) -> tuple[float, float]:
    """The point of S999 `chainage_m` metres from its start (K9), in UTM metres."""
    if chainage_m <= 4_200.0:
        return X0 + chainage_m, Y0
    return X0 + 4_200.0, Y0 + chainage_m - 4_200.0


def lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = _TO_LONLAT.transform(x, y)
    return float(lon), float(lat)


def write_osm(path: Path) -> Path:
    meta = 'version="1" timestamp="2024-05-01T08:00:00Z" changeset="1" uid="1" user="test"'
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    vertices = [route_xy(c) for c in np.arange(0.0, 5_001.0, 100.0)]
    for i, (x, y) in enumerate(vertices, 1):
        lon, lat = lonlat(x, y)
        lines.append(f'  <node id="{i}" {meta} lat="{lat:.8f}" lon="{lon:.8f}"/>')
    for k in range(10, 14):  # milestones K10 … K13, 8 m south of the route
        x, y = route_xy((k - 9) * 1_000.0)
        lon, lat = lonlat(x, y - 8.0)
        lines.append(f'  <node id="{100 + k}" {meta} lat="{lat:.8f}" lon="{lon:.8f}">')
        lines.append('    <tag k="highway" v="milestone"/>')
        lines.append(f'    <tag k="distance" v="{k}"/>')
        lines.append('    <tag k="ref" v="S999"/>')
        lines.append("  </node>")
    lines.append(f'  <way id="1" {meta}>')
    lines += [f'    <nd ref="{i}"/>' for i in range(1, len(vertices) + 1)]
    lines += ['    <tag k="highway" v="primary"/>', '    <tag k="ref" v="S999"/>', "  </way>"]
    lines.append("</osm>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def area(tmp_path_factory) -> Area:
    folder = tmp_path_factory.mktemp("stakes")
    admin = folder / "admin.csv"
    admin.write_text(ADMIN_CSV, encoding="utf-8")
    return build_area("stakes", osm=write_osm(folder / "s999.osm"), admin=admin)


def place(area: Area, text: str):
    (res,), _ = geocode_texts([text], area)
    return res


@pytest.mark.parametrize(
    ("text", "chainage_m", "how"),
    [
        ("S999线K11+500处", 2_500.0, "内插"),  # between milestones
        ("S999线K13+100处", 4_100.0, "外推"),  # 100 m beyond the last
        ("S999K13+600", 4_600.0, "外推"),  # beyond the last, round the bend: along the route
        ("999省道K9+300处", 300.0, "外推"),  # 700 m before the first
        ("S999线K14+000处", 5_000.0, "外推"),  # the end of the road
    ],
)
def test_stake_is_placed_along_the_route(area: Area, text: str, chainage_m: float, how: str):
    res = place(area, text)
    assert res.match_level == "road_offset", res.reason
    assert how in res.reason
    # 5 m: the milestones stand 8 m beside the route and are projected onto it
    assert haversine_m(res.lon, res.lat, *lonlat(*route_xy(chainage_m))) < 5.0, res.reason


def test_extrapolated_stake_has_lower_confidence_and_says_so(area: Area) -> None:
    inside, beyond = place(area, "S999线K12+500处"), place(area, "S999线K13+500处")
    assert beyond.confidence < inside.confidence
    assert "距里程桩K13约500米，按里程外推" in beyond.reason
    assert "stake extrapolated 500 m beyond the milestones" in beyond.reason


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (f"S999线K{13 + _STAKE_BEYOND_KM + 0.5:g}处", "超出里程桩范围"),  # beyond the limit
        (f"S999线K{10 - _STAKE_BEYOND_KM - 0.5:g}处", "超出里程桩范围"),
        ("S999线K14+600处", "超出道路终点"),  # within the limit, past the end of the road
    ],
)
def test_stake_too_far_out_is_placed_on_the_road(area: Area, text: str, why: str) -> None:
    res = place(area, text)
    assert res.match_level == "road", res.reason
    assert why in res.reason
