"""Tests for trafficprev.network: intersection and segment units, adjacency, snapping.

Everything runs on the demo city (``trafficprev.datasets.demo_files``) and its geocoded
commuting cases; the planted hotspots in ``data/demo/truth/hotspots.csv`` name real OSM
node ids of the demo's intersections.

Counts that depend on the demo's seed are premises with a margin, set from
``python benchmarks/seed_sweep.py`` (the full demo at seeds 1–20 and 2024, 2026-12-07; min–max
over the 21 worlds): units 22,625–24,433 (asserted > 1,000), cases geocoded at an
intersection 71–112 (≥ 50), cases snapped onto a line 187–239 (≥ 100), junction pairs of a
dual carriageway 141–157 (≥ 10), planted intersections 7 in every world (the configuration's
12 hotspots: exact).
"""

from __future__ import annotations

import dataclasses
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from pandas.testing import assert_frame_equal
from scipy.spatial import cKDTree

from trafficprev.area import to_metric_geoms
from trafficprev.coords import compass
from trafficprev.network import (
    PLACE_NEAR_M,
    PRECISE_LEVELS,
    SNAP_STATUSES,
    build_units,
    place_texts,
    snap,
)

TRUTH = Path(__file__).resolve().parents[1] / "data" / "demo" / "truth" / "hotspots.csv"

#: Demo roads drawn as two one-way carriageways (checked by test_dual_carriageway_premise).
DUAL_ROADS = ("迎宾大道", "工业大道", "开发大道")

SEG_LEN = 100.0
MIN_REM = SEG_LEN / 10
TOL = 0.15  # positions and lengths are rounded to 0.1 m


@pytest.fixture(scope="module")
def area(demo_area):
    return demo_area


@pytest.fixture(scope="module")
def geocoded(demo_geocoded):
    return demo_geocoded


@pytest.fixture(scope="module")
def network(area):
    return build_units(area)


@pytest.fixture(scope="module")
def snapped(network, area, geocoded):
    return snap(geocoded, network, area)


@pytest.fixture(scope="module")
def segments(network):
    u = network.units
    return u[u["kind"] == "segment"].sort_values(["line", "from_m"])


@pytest.fixture(scope="module")
def line_length(network):
    return pd.Series(
        shapely.length(network.lines["geometry"].to_numpy()), index=network.lines["line"]
    )


@pytest.fixture(scope="module")
def metric_units(network, area):
    return to_metric_geoms(network.units.geometry.to_numpy(), area.to_metric)


def _with_wkb(units) -> pd.DataFrame:
    return pd.DataFrame(units.drop(columns="geometry")).assign(
        wkb=shapely.to_wkb(units.geometry.to_numpy())
    )


def _node_to_unit(units) -> pd.Series:
    """OSM node id -> intersection unit id (one row per node and unit)."""
    ints = units[units["kind"] == "intersection"]
    pairs = ints.assign(node=ints["node_ids"].str.split("|")).explode("node")
    return pd.Series(pairs["unit_id"].to_numpy(), index=pairs["node"].astype(int).to_numpy())


def _case(lon: float, lat: float, level: str = "given", road_id: str = "") -> pd.DataFrame:
    return pd.DataFrame({"lon": [lon], "lat": [lat], "match_level": [level], "road_id": [road_id]})


# --- unit ids ------------------------------------------------------------------------------


def test_unit_ids_unique_and_sorted(network):
    ids = network.units["unit_id"]
    assert ids.is_unique
    assert ids.is_monotonic_increasing
    assert len(ids) > 1000  # seed sweep: 22,625–24,433


def test_building_twice_gives_identical_units(area, network):
    again = build_units(area)
    assert_frame_equal(_with_wkb(again.units), _with_wkb(network.units))
    assert (again.adjacency != network.adjacency).nnz == 0


def test_unit_ids_derived_from_names_and_positions(network):
    u = network.units
    ints, segs = u[u["kind"] == "intersection"], u[u["kind"] == "segment"]
    assert ints["unit_id"].str.match(r"^I:.+\|.+").all()
    assert segs["unit_id"].str.match(r"^S:.+:\d+:\d{6}$").all()
    # the intersection id names its two roads
    for uid, road, cross in ints[["unit_id", "road", "cross_road"]].itertuples(index=False):
        pair = uid[2:].split("#")[0].split("|")
        assert sorted(pair) == sorted([road, cross]), uid
    # the segment id is its line and its start in whole metres
    expected = "S:" + segs["line"] + ":" + segs["from_m"].round().astype(int).map("{:06d}".format)
    assert (segs["unit_id"] == expected).all()
    assert (segs["line"].str.rsplit(":", n=1).str[0] == segs["road_id"]).all()


def test_unit_ids_do_not_depend_on_edge_order(area, network):
    shuffled = dataclasses.replace(area, edges=area.edges.sample(frac=1, random_state=1))
    assert not shuffled.edges.index.equals(area.edges.index)  # the premise: rows reordered
    units = build_units(shuffled).units
    assert units["unit_id"].tolist() == network.units["unit_id"].tolist()
    assert shapely.equals_exact(
        units.geometry.to_numpy(), network.units.geometry.to_numpy(), tolerance=1e-7
    ).all()


# --- segments ------------------------------------------------------------------------------


def test_segments_at_most_length_plus_a_tenth(segments):
    assert segments["length_m"].max() <= SEG_LEN + SEG_LEN / 10 + TOL


def test_segments_no_shorter_than_min_remainder(segments, line_length):
    short = segments[segments["length_m"] < MIN_REM - TOL]
    # only a whole line shorter than the minimum may give a shorter segment
    short_lines = set(line_length.index[line_length < MIN_REM])
    assert set(short["line"]) <= short_lines
    per_line = segments[segments["line"].isin(short_lines)].groupby("line").size()
    assert (per_line == 1).all()


def test_segments_tile_their_line(segments, line_length, metric_units, network):
    for line, s in segments.groupby("line"):
        assert s["from_m"].iat[0] == 0, line
        np.testing.assert_allclose(s["from_m"].to_numpy()[1:], s["to_m"].to_numpy()[:-1])
        assert s["to_m"].iat[-1] == pytest.approx(line_length[line], abs=0.1), line
        np.testing.assert_allclose(s["length_m"], s["to_m"] - s["from_m"], atol=TOL)
    assert set(segments["line"]) == set(network.lines["line"])
    # the geometry is the piece of the line it says it is
    geom_len = shapely.length(metric_units[network.unit_pos[segments["unit_id"]].to_numpy()])
    np.testing.assert_allclose(geom_len, segments["length_m"], atol=0.1)


def test_dual_carriageway_premise(area):
    """The demo's dual roads really have two parallel one-way carriageways in the input."""
    edges = area.edges
    geom = to_metric_geoms(edges.geometry.to_numpy(), area.to_metric)
    for road in DUAL_ROADS:
        sel = (edges["road_id"] == road).to_numpy()
        assert edges.loc[sel, "oneway"].all(), road
        # most edges' midpoints lie within 40 m of another edge of the same road
        mids = shapely.line_interpolate_point(geom[sel], 0.5, normalized=True)
        other = [
            shapely.distance(m, shapely.multilinestrings(np.delete(geom[sel], i)))
            for i, m in enumerate(mids)
        ]
        assert np.mean(np.asarray(other) <= 40) > 0.8, road


@pytest.mark.parametrize("road", [*DUAL_ROADS, "建设路"])
def test_dual_carriageway_has_one_reference_line(network, area, road):
    lines = network.lines[network.lines["road_id"] == road]
    geoms = lines["geometry"].to_numpy()
    assert len(geoms) >= 1
    for i, a in enumerate(geoms):
        for j, b in enumerate(geoms):
            if i == j:
                continue
            pts = shapely.line_interpolate_point(a, np.linspace(0, 1, 21), normalized=True)
            assert np.mean(shapely.distance(pts, b) <= 40) < 0.8, (road, i, j)
    if road in DUAL_ROADS:
        # both carriageways folded onto one line: the lines carry half the edge length
        edge_len = area.edges.loc[area.edges["road_id"] == road, "length_m"].sum()
        assert shapely.length(geoms).sum() == pytest.approx(edge_len / 2, rel=0.1)


def test_no_road_has_parallel_reference_lines(network):
    for road, lines in network.lines.groupby("road_id"):
        geoms = lines["geometry"].to_numpy()
        for i, a in enumerate(geoms):
            pts = shapely.line_interpolate_point(a, np.linspace(0, 1, 21), normalized=True)
            for j, b in enumerate(geoms):
                if i != j:
                    assert np.mean(shapely.distance(pts, b) <= 40) < 0.8, (road, i, j)


# --- intersections -------------------------------------------------------------------------


def test_planted_intersections_each_in_one_unit(network):
    truth = pd.read_csv(TRUTH, dtype=str)
    planted = truth.loc[truth["kind"] == "intersection", "node_ids"].astype(int)
    assert len(planted) == 7  # the same for every seed of the sweep
    node_unit = _node_to_unit(network.units)
    for node in planted:
        assert (node_unit.index == node).sum() == 1, node
    assert node_unit[planted.to_numpy()].is_unique


def test_intersection_unit_names_planted_roads(network):
    truth = pd.read_csv(TRUTH, dtype=str)
    node_unit = _node_to_unit(network.units)
    roads = network.units.set_index("unit_id")[["road", "cross_road"]]
    for row in truth[truth["kind"] == "intersection"].itertuples():
        uid = node_unit[int(row.node_ids)]
        assert set(roads.loc[uid]) == {row.road, row.cross_road}, uid


def test_dual_carriageway_crossings_are_one_unit(area, network):
    j = area.junctions[area.junctions["n_roads"] >= 2]
    x, y = area.to_metric(
        shapely.get_x(j.geometry.to_numpy()), shapely.get_y(j.geometry.to_numpy())
    )
    pairs = cKDTree(np.column_stack([x, y])).query_pairs(30.0, output_type="ndarray")
    roads = [set(r.split("|")) - {""} for r in j["roads"]]
    same = [(a, b) for a, b in pairs if len(roads[a] & roads[b]) >= 2]
    assert len(same) >= 10  # the premise: the demo has such crossings (sweep: 141–157)
    node_unit = _node_to_unit(network.units)
    ids = j["node_id"].to_numpy()
    for a, b in same:
        assert node_unit[ids[a]] == node_unit[ids[b]], (ids[a], ids[b])
    # and every junction of ≥ 2 named roads is in exactly one unit
    assert node_unit.index.is_unique
    assert set(node_unit.index) == set(ids)


def test_smaller_intersection_radius_gives_more_intersections(area, network):
    small = build_units(area, intersection_radius_m=5)
    n_small = (small.units["kind"] == "intersection").sum()
    n_default = (network.units["kind"] == "intersection").sum()
    assert n_small > n_default


# --- adjacency -----------------------------------------------------------------------------


def test_adjacency_symmetric_binary_no_diagonal(network):
    a = network.adjacency
    n = len(network.units)
    assert a.shape == (n, n)
    assert (a != a.T).nnz == 0
    assert set(np.unique(a.data)) == {1}
    assert not a.diagonal().any()


def test_consecutive_segments_adjacent(network, segments):
    pos = network.unit_pos
    a = network.adjacency
    for _, s in segments.groupby("line"):
        p = pos[s["unit_id"]].to_numpy()
        if len(p) > 1:
            assert np.asarray(a[p[:-1], p[1:]]).ravel().all()


def test_intersection_adjacent_to_each_of_its_roads(area, network, metric_units):
    units = network.units
    junction_roads = area.junctions.set_index("node_id")["roads"]
    seg = (units["kind"] == "segment").to_numpy()
    road_ids = units["road_id"].to_numpy()
    a = network.adjacency
    missing = []
    for i in np.flatnonzero(~seg):
        nodes = [int(n) for n in units["node_ids"].iat[i].split("|")]
        roads = {r for n in nodes for r in junction_roads[n].split("|") if r}
        nb = set(a.indices[a.indptr[i] : a.indptr[i + 1]])
        for road in roads:
            cand = np.flatnonzero(seg & (road_ids == road))
            if not len(cand) or nb & set(cand):
                continue  # no segments of that road, or one is adjacent
            if shapely.distance(metric_units[i], metric_units[cand]).min() <= 30:
                missing.append((units["unit_id"].iat[i], road))
    assert missing == []


# --- snap ----------------------------------------------------------------------------------


def test_snap_status_per_match_level(geocoded, snapped):
    level = geocoded["match_level"]
    assert snapped.index.equals(geocoded.index)
    assert set(snapped["snap_status"]) <= set(SNAP_STATUSES)
    road = level == "road"
    assert road.sum() > 0
    assert (snapped.loc[road, "snap_status"] == "road_level").all()
    assert (snapped.loc[road, "unit_id"] == "").all()
    admin = ~level.isin([*PRECISE_LEVELS, "road", "none"])
    assert admin.sum() > 0
    assert (snapped.loc[admin, "snap_status"] == "imprecise").all()
    assert (snapped.loc[admin, "unit_id"] == "").all()
    no_point = geocoded["lon"].isna()
    assert no_point.sum() > 0
    assert (snapped.loc[no_point, "snap_status"] == "no_point").all()
    on_unit = snapped["snap_status"].isin(["ok", "ambiguous"])
    assert (snapped.loc[on_unit, "unit_id"] != "").all()
    assert (snapped.loc[~on_unit, "unit_id"] == "").all()


def test_intersection_cases_snap_to_intersections(geocoded, snapped, network):
    at = geocoded["match_level"] == "intersection"
    assert at.sum() >= 50  # seed sweep: 71–112
    kind = snapped.loc[at, "unit_id"].map(network.units.set_index("unit_id")["kind"])
    assert (snapped.loc[at, "snap_status"] == "ok").all()
    assert (kind == "intersection").all()
    assert (snapped.loc[at, "snap_m"] <= 60).all()


def test_point_far_from_roads_is_too_far(area, network):
    lon, lat = 111.5280195, 28.9069353
    edges = to_metric_geoms(area.edges.geometry.to_numpy(), area.to_metric)
    x, y = area.to_metric(np.array([lon]), np.array([lat]))
    assert shapely.distance(shapely.Point(x[0], y[0]), edges).min() > 500  # the premise
    out = snap(_case(lon, lat), network, area)
    assert out["snap_status"].iat[0] == "too_far"
    assert out["unit_id"].iat[0] == ""
    assert np.isnan(out["position_m"].iat[0])


# A point 10 m from 工业大道's reference line and 7.6 m from 金融路's, 100 m from any
# intersection.
NEAR_TWO = (111.7496631, 29.0474039)


def test_snap_premise_point_between_two_roads(area, network, metric_units):
    x, y = area.to_metric(np.array([NEAR_TWO[0]]), np.array([NEAR_TWO[1]]))
    pt = shapely.Point(x[0], y[0])
    units = network.units
    d = pd.Series(shapely.distance(pt, metric_units), index=units.index)
    by_road = d[units["kind"] == "segment"].groupby(units["road_id"]).min()
    assert by_road["工业大道"] == pytest.approx(10, abs=0.5)
    assert by_road["金融路"] == pytest.approx(7.6, abs=0.5)
    assert by_road.drop(["工业大道", "金融路"]).min() > 30
    assert d[units["kind"] == "intersection"].min() > 60


def test_snap_prefers_the_geocoded_road(area, network):
    out = snap(_case(*NEAR_TWO, level="road_offset", road_id="工业大道"), network, area)
    unit = network.units.set_index("unit_id").loc[out["unit_id"].iat[0]]
    assert unit["road_id"] == "工业大道"
    assert out["line"].iat[0] == unit["line"]
    assert out["snap_m"].iat[0] == pytest.approx(10, abs=0.5)
    assert out["snap_status"].iat[0] in ("ok", "ambiguous")
    # without the geocoder's road, the nearer road wins
    free = snap(_case(*NEAR_TWO, level="road_offset"), network, area)
    assert free["unit_road"].iat[0] == "金融路"


def test_snap_flags_near_ties_between_roads(area, network):
    case = _case(*NEAR_TWO, level="road_offset")
    assert snap(case, network, area, tie_m=5)["snap_status"].iat[0] == "ambiguous"
    assert snap(case, network, area, tie_m=1)["snap_status"].iat[0] == "ok"


def test_snap_position_within_unit(snapped, network, line_length):
    on_seg = snapped["line"] != ""
    assert on_seg.sum() >= 100  # seed sweep: 187–239
    s = snapped[on_seg]
    units = network.units.set_index("unit_id")
    pos = s["position_m"]
    assert (pos >= 0).all()
    assert (pos <= s["line"].map(line_length) + 1e-6).all()
    assert (pos >= s["unit_id"].map(units["from_m"]) - TOL).all()
    assert (pos <= s["unit_id"].map(units["to_m"]) + TOL).all()
    assert (s["line"] == s["unit_id"].map(units["line"])).all()


def test_snap_invariant_to_case_order(geocoded, snapped, network, area):
    shuffled = geocoded.sample(frac=1, random_state=7)
    assert not shuffled.index.equals(geocoded.index)
    again = snap(shuffled, network, area)
    assert_frame_equal(again.loc[snapped.index], snapped)


# --- a hand-made area: two dual carriageways crossing ----------------------------------------

_LON0, _LAT0 = 111.690, 29.040
_MX = 111_320.0 * np.cos(np.radians(_LAT0))  # metres per degree of longitude
_MY = 110_570.0
_ADMIN = """code,parent_code,level,name,lon,lat,aliases
439900,,2,样例市,,,
439901,439900,3,西湖区,111.690,29.040,
439901001,439901,4,西关街道,111.690,29.040,
"""


def _dual_crossing_osm(path: Path) -> Path:
    """甲大道 (east-west, carriageways at y = ±17.5 m) crosses 乙大道 (north-south,
    carriageways at x = ±13 m): four crossing nodes 26 m and 35 m apart."""
    meta = 'version="1" timestamp="2024-05-01T08:00:00Z" changeset="1" uid="1" user="test"'
    nodes: dict[tuple[float, float], int] = {}

    def node(x: float, y: float) -> int:
        return nodes.setdefault((x, y), len(nodes) + 1)

    ways = []
    for y, xs in ((17.5, (400, 13, -13, -400)), (-17.5, (-400, -13, 13, 400))):
        ways.append(([node(x, y) for x in xs], "甲大道"))
    for x, ys in ((13, (-400, -17.5, 17.5, 400)), (-13, (400, 17.5, -17.5, -400))):
        ways.append(([node(x, y) for y in ys], "乙大道"))
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    for (x, y), nid in nodes.items():
        lon, lat = _LON0 + x / _MX, _LAT0 + y / _MY
        lines.append(f'  <node id="{nid}" {meta} lat="{lat:.8f}" lon="{lon:.8f}"/>')
    for w, (refs, name) in enumerate(ways, 1):
        lines.append(f'  <way id="{w}" {meta}>')
        lines += [f'    <nd ref="{r}"/>' for r in refs]
        tags = {"highway": "primary", "oneway": "yes", "name": name}
        lines += [f'    <tag k="{k}" v="{v}"/>' for k, v in tags.items()]
        lines.append("  </way>")
    path.write_text("\n".join([*lines, "</osm>"]) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def dual_area(tmp_path_factory):
    from trafficprev.area import build_area

    folder = tmp_path_factory.mktemp("dual")
    (folder / "admin.csv").write_text(_ADMIN, encoding="utf-8")
    return build_area(
        "dual", osm=_dual_crossing_osm(folder / "dual.osm"), admin=folder / "admin.csv"
    )


def test_dual_carriageway_crossing_is_one_unit_where_the_geocoder_places_it(dual_area):
    from trafficprev.geocode import geocode_texts

    inter = dual_area.intersections
    assert len(inter) == 1 and inter["n_nodes"].iat[0] == 4  # the premise: one, four nodes
    net = build_units(dual_area)
    units = net.units[net.units["kind"] == "intersection"]
    assert units["unit_id"].tolist() == ["I:乙大道|甲大道"]
    assert sorted(units["node_ids"].iat[0].split("|")) == sorted(
        inter["node_ids"].iat[0].split("|")
    )
    assert units["place_text"].iat[0] in ("甲大道与乙大道交叉口", "乙大道与甲大道交叉口")
    (res,), _ = geocode_texts(["甲大道与乙大道交叉口"], dual_area)
    assert res.match_level == "intersection"
    case = _case(res.lon, res.lat, level=res.match_level, road_id=res.road_id)
    out = snap(case, net, dual_area, intersection_snap_m=20.0)
    assert out["snap_status"].iat[0] == "ok"
    assert out["unit_id"].iat[0] == "I:乙大道|甲大道"
    assert out["snap_m"].iat[0] < 1.0  # the unit lies where the gazetteer's intersection is


# --- the vectorised building blocks: pieces, rounding, adjacency, words ----------------------


def _random_line(rng: np.random.Generator, n: int) -> shapely.LineString:
    """A random walk of `n` vertices at UTM-like coordinates, a fifth of them repeated."""
    steps = rng.normal(0.0, 40.0, size=(n - 1, 2))
    steps[rng.random(n - 1) < 0.2] = 0.0  # repeated vertices: zero-length stretches
    steps[0] += 1.0  # never all zero: the line has a length
    xy = np.vstack([np.zeros((1, 2)), np.cumsum(steps, axis=0)])
    return shapely.LineString(xy + np.array([5e5, 3.2e6]))


def _vertex_distances(line: shapely.LineString) -> list[float]:
    """Each vertex's distance along `line`, summed as ``shapely.ops.substring`` sums them."""
    out, d = [0.0], 0.0
    for (x1, y1), (x2, y2) in pairwise(line.coords):
        d += ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5
        out.append(d)
    return out


def _random_pieces(rng: np.random.Generator, n_lines: int) -> tuple:
    """Random lines and pieces of them: the consecutive pieces between sorted cuts (random
    positions, vertices' own distances, both ends), as build_units cuts, a few more, and
    pieces ending past the line's end."""
    lines, which, starts, ends = [], [], [], []
    for k in range(n_lines):
        line = _random_line(rng, int(rng.integers(2, 16)))
        on_vertex = rng.choice(_vertex_distances(line), 4)
        cuts = np.unique(np.concatenate([rng.uniform(0, line.length, 4), on_vertex]))
        cuts = np.unique(np.concatenate([[0.0, line.length], cuts[cuts < line.length]]))
        pairs = [*pairwise(cuts), *(sorted(rng.choice(cuts, 2, replace=False)) for _ in range(3))]
        # and to a hair past the line's end (where its length and the vertices' sum differ)
        pairs += [(cuts[-2], np.nextafter(line.length, np.inf)), (cuts[0], line.length + 1.0)]
        for a, b in pairs:
            if a < b:
                which.append(k)
                starts.append(a)
                ends.append(b)
        lines.append(line)
    return np.array(lines, dtype=object), np.array(which), np.array(starts), np.array(ends)


@pytest.mark.parametrize("shuffle", [False, True])
def test_pieces_equal_substring_vertex_for_vertex(shuffle):
    from shapely.ops import substring

    from trafficprev.network import _pieces

    rng = np.random.default_rng(2026_12_08)
    lines, which, starts, ends = _random_pieces(rng, 80)
    on_vertex = [
        any(p in _vertex_distances(lines[k]) for p in (a, b))
        for k, a, b in zip(which, starts, ends, strict=True)
    ]
    assert sum(on_vertex) > 100  # the premise: many pieces start or end on a vertex
    if shuffle:
        order = rng.permutation(len(which))
        which, starts, ends = which[order], starts[order], ends[order]
    got = _pieces(lines, which, starts, ends)
    assert len(got) == len(which)
    for piece, k, a, b in zip(got, which, starts, ends, strict=True):
        want = substring(lines[k], a, b)
        assert want.geom_type == "LineString"
        assert shapely.to_wkb(piece) == shapely.to_wkb(want), (k, a, b)


def test_round1_rounds_as_python_round():
    from trafficprev.network import _round1

    rng = np.random.default_rng(11)
    k = np.arange(-400, 40_001, dtype=float)
    tenth_halves = k / 20  # 0.05, 0.15, ...: a hair above or below a half, rarely exactly
    v = np.concatenate(
        [
            rng.uniform(0, 50_000, 20_000),
            rng.uniform(2.0**49, 2.0**53, 2_000),  # 10 v no longer exact to the unit
            k / 4,  # 0.25, 0.75: exact binary halves, ties to even
            tenth_halves,
            np.nextafter(tenth_halves, np.inf),
            np.nextafter(tenth_halves, -np.inf),
            [1e12 + 0.05, 2.0**31 + 0.25, -0.04, 0.0, -0.0, np.nan, np.inf, -np.inf],
        ]
    )
    want = np.array([round(float(x), 1) for x in v])
    got = _round1(v)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, want)
    assert (np.signbit(got) == np.signbit(want)).all()
    # the premise: numpy's own rounding differs from Python's on some of these
    assert (np.round(v, 1) != want)[np.isfinite(v)].any()


def _write_osm(path: Path, ways: list[tuple[list[tuple[float, float]], dict[str, str]]]) -> Path:
    """An OSM file of `ways` (metric vertices around (_LON0, _LAT0), tags); ways share the
    nodes at equal coordinates."""
    meta = 'version="1" timestamp="2024-05-01T08:00:00Z" changeset="1" uid="1" user="test"'
    nodes: dict[tuple[float, float], int] = {}
    refs = [[nodes.setdefault(xy, len(nodes) + 1) for xy in pts] for pts, _ in ways]
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    for (x, y), nid in nodes.items():
        lon, lat = _LON0 + x / _MX, _LAT0 + y / _MY
        lines.append(f'  <node id="{nid}" {meta} lat="{lat:.8f}" lon="{lon:.8f}"/>')
    for w, (way_refs, (_, tags)) in enumerate(zip(refs, ways, strict=True), 1):
        lines.append(f'  <way id="{w}" {meta}>')
        lines += [f'    <nd ref="{r}"/>' for r in way_refs]
        lines += [f'    <tag k="{k}" v="{v}"/>' for k, v in tags.items()]
        lines.append("  </way>")
    path.write_text("\n".join([*lines, "</osm>"]) + "\n", encoding="utf-8")
    return path


def _axis(lo: float, hi: float, step: float, *extra: float) -> list[float]:
    """Positions from `lo` to `hi` every `step`, and the `extra` ones, sorted."""
    return sorted({*np.arange(lo, hi + step / 2, step).tolist(), *extra})


@pytest.fixture(scope="module")
def grid_area(tmp_path_factory):
    """Six two-way roads: 甲路 (y = 0) and 乙路 (y = 35 m) crossed by 丙路 (x = 0), 丁路
    (x = 260 m) and 己路 (x = 272 m), and 戊路 ending on 甲路 at x = -200 m: crossings 12 m
    and 35 m apart, and a T."""
    from trafficprev.area import build_area

    def road(name: str, pts: list[tuple[float, float]]) -> tuple:
        return pts, {"highway": "secondary", "name": name}

    ways = [
        road("甲路", [(x, 0.0) for x in _axis(-500, 500, 50, 260, 272)]),
        road("乙路", [(x, 35.0) for x in _axis(-310, 310, 62, 260, 272)]),
        road("丙路", [(0.0, y) for y in _axis(-400, 400, 40, 35)]),
        road("丁路", [(260.0, y) for y in _axis(-400, 400, 80, 35)]),
        road("戊路", [(-200.0, y) for y in _axis(-300, 0, 100)]),
        road("己路", [(272.0, y) for y in _axis(-300, 300, 50, 35)]),
    ]
    folder = tmp_path_factory.mktemp("grid")
    (folder / "admin.csv").write_text(_ADMIN, encoding="utf-8")
    return build_area("grid", osm=_write_osm(folder / "grid.osm", ways), admin=folder / "admin.csv")


@pytest.mark.parametrize(("radius", "gap"), [(30.0, 40.0), (10.0, 15.0), (60.0, 20.0)])
def test_adjacency_is_its_definition(grid_area, radius, gap):
    """Adjacent: consecutive segments of one line, and a segment and an intersection within
    `near` (the larger of the radius and the gap) of one of the segment's two ends."""
    net = build_units(grid_area, intersection_radius_m=radius, carriageway_gap_m=gap)
    units, near = net.units, max(radius, gap)
    metric = to_metric_geoms(units.geometry.to_numpy(), grid_area.to_metric)
    seg = np.flatnonzero(units["kind"] == "segment")
    inter = np.flatnonzero(units["kind"] == "intersection")
    assert len(inter) >= 3 and len(seg) >= 30  # the premise: a real little network
    want = set()
    ordered = units.iloc[seg].sort_values(["line", "from_m"])
    pos = units.index.get_indexer(ordered.index)
    for (la, pa), (lb, pb) in pairwise(zip(ordered["line"], pos, strict=True)):
        if la == lb:
            want |= {(pa, pb), (pb, pa)}
    distances = []
    for s in seg:
        xy = shapely.get_coordinates(metric[s])
        for end in (xy[0], xy[-1]):
            for i in inter:
                d = float(np.hypot(*(shapely.get_coordinates(metric[i])[0] - end)))
                distances.append(d)
                if d <= near:
                    want |= {(s, i), (i, s)}
    # the premise: no end lies on the edge of the reach (the WGS-84 units are rounded to 1 cm)
    assert not np.any(np.abs(np.array(distances) - near) < 0.5)
    assert any(0.5 < d <= near for d in distances)  # ends near an intersection, not at it
    adj = net.adjacency.tocoo()
    assert adj.dtype == np.int8 and set(adj.data.tolist()) == {1}
    assert set(zip(adj.row.tolist(), adj.col.tolist(), strict=True)) == want


def test_place_texts_follow_their_rules_with_missing_values():
    units = pd.DataFrame(
        {
            "unit_id": [
                "I:甲路|乙路",
                "I:甲路",
                "S:甲路:1:000100",
                "S:甲路:1:000200",
                "S:x:1:0",
                "u5",
                "u6",
            ],
            "kind": ["intersection", "intersection", "segment", "segment", "segment", None, np.nan],
            "road": ["甲路", "甲路", "甲路", "甲路", None, "丙路", "丁路"],
            "cross_road": ["乙路", np.nan, "", None, "", "戊路", "丁路"],
            "from_m": [np.nan, np.nan, 100.0, 200.0, 0.0, 5.4, 7.0],
            "to_m": [np.nan, np.nan, 199.6, np.nan, 100.0, 10.5, 8.0],
        },
        index=[9, 3, 5, 0, 1, 8, 2],
    )
    words = place_texts(units)
    assert words.index.equals(units.index)
    assert words.tolist() == [
        "甲路与乙路交叉口",  # an intersection: both roads
        "甲路",  # no cross road: the road alone
        "甲路（100–200米段）",  # a segment: its stretch, whole metres
        "甲路",  # no end: the road alone
        "S:x:1:0",  # no road: the unit id
        "丙路与戊路交叉口",  # no kind, two roads: an intersection
        "丁路（7–8米段）",  # no kind, one road: a stretch
    ]
    # no usable geometry: the same words
    assert place_texts(units.assign(geometry=None)).tolist() == words.tolist()
    # a missing kind: a unit naming two roads is an intersection, else a stretch
    no_kind = place_texts(units.drop(columns="kind")).tolist()
    assert no_kind == [*words.iloc[:1], "甲路", *words.iloc[2:]]
    assert place_texts(units[["unit_id"]]).tolist() == units["unit_id"].tolist()
    assert place_texts(units.iloc[:0]).empty


def test_segment_words_name_the_nearest_intersection_on_their_road(network, area):
    """A segment within PLACE_NEAR_M of an intersection on its road (as road or cross road)
    names the nearest (the first in unit order on a tie) and the way from it to the nearest
    10 m; else its stretch. Checked one segment at a time on every 10th segment."""
    units = network.units
    geo = units.geometry.to_crs(area.crs_metric)
    kind, road, cross = (units[c].to_numpy(dtype=object) for c in ("kind", "road", "cross_road"))
    inter = np.flatnonzero(kind == "intersection")
    ix, iy = geo.iloc[inter].x.to_numpy(), geo.iloc[inter].y.to_numpy()
    on_road = {r: np.flatnonzero((road[inter] == r) | (cross[inter] == r)) for r in set(road)}
    seen = {"near": 0, "far": 0}
    for s in np.flatnonzero(kind == "segment")[::10]:
        r, on = road[s], on_road[road[s]]
        mid = shapely.line_interpolate_point(geo.iat[s], 0.5, normalized=True)
        d = np.hypot(ix[on] - mid.x, iy[on] - mid.y)
        if len(on) and d.min() <= PLACE_NEAR_M:
            k = on[int(np.argmin(d))]
            other = cross[inter[k]] if road[inter[k]] == r else road[inter[k]]
            metres = round(float(d.min()) / 10.0) * 10  # half to even, as round()
            way = compass(mid.x - ix[k], mid.y - iy[k])
            where = f"{r}与{other}交叉口" + (f"往{way}约{metres}米" if metres >= 10 else "")
            want, seen["near"] = f"{r}（{where}）", seen["near"] + 1
        else:
            stretch = f"{units['from_m'].iat[s]:.0f}–{units['to_m'].iat[s]:.0f}"
            want, seen["far"] = f"{r}（{stretch}米段）", seen["far"] + 1
        assert units["place_text"].iat[s] == want, units["unit_id"].iat[s]
    assert seen["near"] > 100 and seen["far"] > 10  # the premise: both kinds of words
