"""The geocoder end to end: resolver levels, given points, overrides, cache, accuracy.

Most tests use the bundled demo city (its area builds in under a second); the accuracy test
regenerates a small demo world from its generator and scores against its truth file.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import shapely
import shapely.ops
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trafficprev.area import build_area
from trafficprev.coords import haversine_m, wgs84_to_gcj02
from trafficprev.geocode import (
    LEVELS,
    GeocodeCache,
    Resolver,
    geocode,
    geocode_texts,
    read_overrides,
    write_review_queue,
)
from trafficprev.intake import read_determinations
from trafficprev.settings import Settings


@pytest.fixture(scope="module")
def area(demo_area):
    return demo_area


@pytest.fixture(scope="module")
def resolver(area):
    return Resolver(area)


def one(text, area, resolver):
    return geocode_texts([text], area, resolver=resolver)[0][0]


def _inter(area, a, b):
    rows = area.intersections[
        ((area.intersections["road_a"] == a) & (area.intersections["road_b"] == b))
        | ((area.intersections["road_a"] == b) & (area.intersections["road_b"] == a))
    ]
    return rows


def _a_crossing(area, n_nodes=1):
    """A pair of named roads meeting exactly once (not ref codes)."""
    it = area.intersections
    named = it[~it["road_a"].str.match(r"^[A-Z]\d") & ~it["road_b"].str.match(r"^[A-Z]\d")]
    counts = named.groupby(["road_a", "road_b"]).size()
    once = counts[counts == 1].index
    rows = named.set_index(["road_a", "road_b"]).loc[once].reset_index()
    rows = rows[rows["n_nodes"] >= n_nodes].sort_values("inter_id")
    return rows.iloc[0]


def test_intersection_level(area, resolver):
    row = _a_crossing(area)
    r = one(f"{row['road_a']}与{row['road_b']}交叉路口", area, resolver)
    assert r.match_level == "intersection"
    assert {r.matched_road, r.matched_cross_road} == {row["road_a"], row["road_b"]}
    d = haversine_m(r.lon, r.lat, row.geometry.x, row.geometry.y)
    assert d < 1.0
    assert r.confidence >= 0.9


def test_dual_carriageway_crossing_is_one_point(area, resolver):
    row = _a_crossing(area, n_nodes=2)
    r = one(f"{row['road_b']}、{row['road_a']}交汇处", area, resolver)
    assert r.match_level == "intersection"
    assert haversine_m(r.lon, r.lat, row.geometry.x, row.geometry.y) < 1.0


def test_offset_follows_bearing_along_a_road(area, resolver):
    row = _a_crossing(area)
    x0, y0 = area.to_metric(row.geometry.x, row.geometry.y)
    on = area.roads[area.roads["name"].isin([row["road_a"], row["road_b"]])]
    placed = 0
    for bearing, angle in [("北", 0), ("东", 90), ("南", 180), ("西", 270)]:
        r = one(f"{row['road_a']}与{row['road_b']}交叉口往{bearing}约150米处", area, resolver)
        assert r.match_level == "road_offset", r.reason
        x, y = area.to_metric(r.lon, r.lat)
        dist = math.hypot(x - x0, y - y0)
        assert 100 <= dist <= 151  # along the road: straight-line distance at most 150 m
        heading = math.degrees(math.atan2(x - x0, y - y0)) % 360
        if "不符" in r.reason:  # no road runs that way: said so, confidence lowered
            assert r.confidence < 0.8
            continue
        placed += 1
        assert abs((heading - angle + 180) % 360 - 180) <= 67.5
        p = shapely.Point(r.lon, r.lat)
        near = [shapely.ops.nearest_points(g, p)[0] for g in on.geometry]
        assert min(haversine_m(r.lon, r.lat, q.x, q.y) for q in near) < 1.0
    assert placed >= 2  # a crossing has at least two arms


def test_distance_without_direction_is_not_guessed(area, resolver):
    row = _a_crossing(area)
    r = one(f"距{row['road_a']}与{row['road_b']}交叉口约200米", area, resolver)
    assert r.match_level == "road"  # the intersection, honestly labelled as road level
    assert "方向未写明" in r.reason
    assert haversine_m(r.lon, r.lat, row.geometry.x, row.geometry.y) < 1.0


def test_typo_homophone_still_finds_the_intersection(area, resolver):
    it = area.intersections
    row = (
        it[(it["road_a"] == "建设路") | (it["road_b"] == "建设路")].sort_values("inter_id").iloc[0]
    )
    other = row["road_b"] if row["road_a"] == "建设路" else row["road_a"]
    exact = one(f"建设路与{other}交叉口", area, resolver)
    typo = one(f"健设路与{other}交叉口", area, resolver)
    assert typo.match_level == exact.match_level
    assert (typo.lon, typo.lat) == (exact.lon, exact.lat)
    assert typo.confidence < exact.confidence


def test_pinyin_typo_on_demo_roads(area, resolver):
    # 健设路 is how clerks mistype 建设路; 朝羊路 for 朝阳路
    r = one("健设路", area, resolver)
    assert r.matched_road == "建设路"
    assert "同音" in r.reason or "近似" in r.reason


def test_road_level_in_named_district(area, resolver):
    r = one("锦屏区建设路中段", area, resolver)
    assert r.match_level == "road" and r.matched_road == "建设路"
    district = resolver.area.township_of(r.lon, r.lat)[0]
    assert district[:6] == "439903"


def test_road_outside_named_district_is_refused(area, resolver):
    r = one("澄阳区工业大道", area, resolver)
    assert r.match_level == "county"
    assert "不在澄阳区内" in r.reason
    assert r.matched_road == ""


def test_admin_fallbacks(area, resolver):
    village = area.admin[area.admin["level"] == 5].iloc[0]
    town = area.admin[area.admin["code"] == village["parent_code"]].iloc[0]
    r = one(f"{town['name']}{village['name']}路段", area, resolver)
    assert r.match_level == "village"
    assert haversine_m(r.lon, r.lat, village.geometry.x, village.geometry.y) < 1.0
    r = one(str(town["name"]), area, resolver)
    assert r.match_level == "township"
    r = one("澄源县", area, resolver)
    assert r.match_level == "county"
    r = one("示范市", area, resolver)
    assert r.match_level == "none" and "范围过大" in r.reason


@pytest.mark.parametrize("text", ["上班途中", "回家路上", "", "某十字路口", "不详"])
def test_vague_text_is_none_with_a_reason(area, resolver, text):
    r = one(text, area, resolver)
    assert r.match_level == "none"
    assert math.isnan(r.lon) and r.reason


def test_landmark_with_admin_prefix_is_moved_onto_a_road(area, resolver):
    school = area.pois[
        area.pois["name"].str.startswith("锦屏区") & area.pois["name"].str.endswith("小学")
    ].iloc[0]
    short = school["name"].removeprefix("锦屏区")
    r = one(f"锦屏区{short}门口", area, resolver)
    assert r.match_level == "landmark"
    d = haversine_m(r.lon, r.lat, school.geometry.x, school.geometry.y)
    assert d < 150
    x, y = area.to_metric(r.lon, r.lat)
    edges = resolver._edge_geom
    assert shapely.distance(shapely.Point(x, y), edges).min() < 0.5  # on a road


def test_ref_code_reaches_the_route(area, resolver):
    r = one("X095线K19+110处", area, resolver)
    assert r.match_level == "road"
    assert "里程桩" in r.reason  # no milestones in the demo: said, not guessed


def test_stake_interpolates_between_milestones(area):
    # give the demo's X095 route two milestones 2 km apart along its longest line
    res = Resolver(area)
    rid = area.roads.loc[area.roads["refs"].str.contains("X095"), "road_id"].iloc[0]
    line = res.lines(rid)[0]
    p0, p1 = line.interpolate(1000), line.interpolate(3000)
    lon, lat = area.to_lonlat([p0.x, p1.x], [p0.y, p1.y])
    import geopandas as gpd

    ms = gpd.GeoDataFrame(
        {"node_id": [1, 2], "ref": ["X095", "X095"], "distance_km": [10.0, 12.0]},
        geometry=shapely.points(lon, lat),
        crs="EPSG:4326",
    )
    import dataclasses

    with_ms = dataclasses.replace(area, milestones=ms)
    r = one("X095线K11+500处", with_ms, Resolver(with_ms))
    assert r.match_level == "road_offset"
    want = line.interpolate(2500)
    x, y = with_ms.to_metric(r.lon, r.lat)
    assert math.hypot(x - want.x, y - want.y) < 1.0
    out = one("X095线K40+000处", with_ms, Resolver(with_ms))
    assert out.match_level == "road" and "超出" in out.reason


def test_geocode_accounts_for_every_case_and_uses_given_points(area):
    cases = pd.DataFrame(
        {
            "decision_no": ["A1", "A2", "A3", "A4"],
            "place_text": ["上班途中", "锦屏区建设路", "某地", "澄源县"],
            "lon": [np.nan, np.nan, np.nan, 150.0],
            "lat": [np.nan, np.nan, np.nan, 10.0],
            "crs": [None, None, None, "WGS84"],
        }
    )
    row = _a_crossing(area)
    glon, glat = wgs84_to_gcj02(row.geometry.x, row.geometry.y)
    cases.loc[2, ["lon", "lat", "crs"]] = [glon, glat, "GCJ02"]
    out = geocode(cases, area)
    c = out.cases.set_index("decision_no")
    assert set(c["match_level"]) <= set(LEVELS)
    assert c.loc["A3", "match_level"] == "given"
    assert (
        haversine_m(c.loc["A3", "lon"], c.loc["A3", "lat"], row.geometry.x, row.geometry.y) < 0.01
    )
    assert "区域外" in c.loc["A4", "reason"]  # a point far outside the area is not used
    assert c.loc["A4", "match_level"] == "county"
    queued = set(out.review_queue["decision_no"])
    for no, r in c.iterrows():
        assert r["reason"]
        assert r["confidence"] >= 0.5 or no in queued


def test_review_queue_overrides_and_stale(area, tmp_path):
    cases = pd.DataFrame({"decision_no": ["B1", "B2"], "place_text": ["上班途中", "回家路上"]})
    first = geocode(cases, area)
    queue = first.review_queue
    assert set(queue["decision_no"]) == {"B1", "B2"}
    row = _a_crossing(area)
    # the analyst types the point into the CSV: text cells
    queue.loc[queue["decision_no"] == "B1", ["override_lon", "override_lat"]] = [
        f"{row.geometry.x:.7f}",
        f"{row.geometry.y:.7f}",
    ]
    path = write_review_queue(queue, tmp_path / "overrides.csv")
    table = read_overrides(path)
    again = geocode(cases, area, overrides=table)
    c = again.cases.set_index("decision_no")
    assert c.loc["B1", "match_level"] == "override"
    assert "B1" not in set(again.review_queue["decision_no"])
    # next quarter the clerk edits B1's text: the override is stale and reported
    changed = cases.assign(place_text=["下班途中", "回家路上"])
    later = geocode(changed, area, overrides=path)
    assert later.cases.set_index("decision_no").loc["B1", "match_level"] == "none"
    assert later.overrides_report["status"].tolist() == ["stale"]


def test_cache_reuses_answers_and_is_keyed_by_area_version(area, tmp_path):
    cache = tmp_path / "cache.sqlite"
    cases = pd.DataFrame(
        {
            "decision_no": ["C1", "C2", "C3"],
            "place_text": ["锦屏区建设路", "锦屏区建设路", "澄源县"],
        }
    )
    a = geocode(cases, area, cache=cache)
    assert a.stats["geocoded"] == 2 and a.stats["cache_hits"] == 0
    b = geocode(cases, area, cache=cache)
    assert b.stats["geocoded"] == 0 and b.stats["cache_hits"] == 2
    cols = ["lon", "lat", "match_level", "confidence", "matched_road", "reason"]
    pd.testing.assert_frame_equal(pd.DataFrame(a.cases[cols]), pd.DataFrame(b.cases[cols]))
    with GeocodeCache(cache, "another-area-version") as other:
        assert other.get_many(["锦屏区建设路"]) == {}


def test_geocode_writes_gpkg_and_queue(area, tmp_path):
    cases = pd.DataFrame({"decision_no": ["D1", "D2"], "place_text": ["锦屏区建设路", "上班途中"]})
    out = geocode(cases, area)
    paths = out.write(tmp_path / "g.gpkg")
    import pyogrio

    back = pyogrio.read_dataframe(paths["cases"])
    assert list(back["decision_no"]) == ["D1", "D2"]
    assert back.crs.to_epsg() == 4326
    assert paths["review_queue"].is_file()


def test_accuracy_on_a_regenerated_small_demo_world(small_city):
    """The issue's measures on a world generated in this test run (``small_config()``, the
    session's ``small_city``), not the shipped files."""
    from trafficprev.datasets._world import district_of
    from trafficprev.datasets._world_roads import LAT0, LON0, M_PER_DEG_LAT, M_PER_DEG_LON

    folder = small_city["roads"].parent
    area = build_area(
        "small",
        osm=folder / "demo_city.osm",
        pois=[folder / "pois.csv"],
        admin=folder / "admin_divisions.csv",
    )
    files = sorted(folder.glob("determinations_*"))
    cases = read_determinations(files).cases
    commuting = cases[cases["commuting"]]
    out = geocode(commuting, area, settings=Settings())
    truth = pd.read_csv(folder / "truth" / "cases.csv", dtype={"decision_no": str})
    g = pd.DataFrame(out.cases.drop(columns="geometry")).merge(truth, on="decision_no")
    assert len(g) == len(commuting) > 100
    namable = ~g["place_kind"].isin(["unresolvable", "village"])
    road_or_better = g["match_level"].isin(
        ["override", "given", "intersection", "road_offset", "landmark", "road"]
    )
    assert road_or_better[namable].mean() >= 0.97
    # Within 50 m, over the texts that NAME an intersection or an offset with a direction
    # (the measure's denominator), not over the cases the geocoder chose to place at those
    # levels. "距A与B路口N米" gives no direction (rule O6) and its truth lies N m away: left
    # out. Seeds 0-5 of small_config gave 0.960-1.000 on 58-95 such texts; the margin is
    # 0.93. (The old denominator, cases placed at intersection/offset level, gave 0.949 on
    # seed 2.)
    kind, text = g["place_kind"].fillna(""), g["place_text"].fillna("")
    named_fine = (kind.isin(["intersection", "offset"]) & ~text.str.contains("距")).to_numpy()
    err = haversine_m(g["lon"], g["lat"], g["true_lon"], g["true_lat"])
    assert named_fine.sum() > 30
    assert (err[named_fine] <= 50).mean() >= 0.93
    # never outside the district the text names
    named = g["place_text"].fillna("").str.extract(r"^(澄阳区|锦屏区|南岭区|澄源县|经开区)")[0]
    code = named.map(
        {
            "澄阳区": "439902",
            "锦屏区": "439903",
            "南岭区": "439904",
            "澄源县": "439921",
            "经开区": "439971",
        }
    )
    check = code.notna() & (g["match_level"] != "none")
    x = (g.loc[check, "lon"] - LON0) * M_PER_DEG_LON
    y = (g.loc[check, "lat"] - LAT0) * M_PER_DEG_LAT
    assert (district_of(x, y) == code[check].to_numpy()).all()
    # every case placed confidently, or in the review queue with a reason
    queued = set(out.review_queue["decision_no"])
    ok = (g["confidence"] >= 0.5) | g["decision_no"].isin(queued)
    assert ok.all() and (g["reason"].str.len() > 0).all()


@pytest.fixture(scope="module")
def changde(area):
    from pathlib import Path

    osm = Path(__file__).parent / "data" / "osm" / "roads.osm"
    return build_area("changde-test", osm=osm, admin="changde")


def test_every_changde_township_resolves_to_its_county(changde):
    from trafficprev.area import admin_aliases
    from trafficprev.geocode import parse_place
    from trafficprev.geocode._geocode import _admin_names

    res = Resolver(changde)
    names = _admin_names(changde)
    adm = pd.DataFrame(changde.admin.drop(columns="geometry"))
    towns = adm[(adm["level"] == 4) & (adm["kind"] == "official")]
    assert len(towns) >= 169
    parent = dict(zip(towns["code"], towns["parent_code"], strict=True))
    aliases = admin_aliases(adm)
    spellings = aliases[aliases["code"].isin(parent) & ~aliases["ambiguous"]]
    assert len(spellings) >= 300  # official names and their kept short forms
    wrong = []
    for text, code in zip(spellings["alias"], spellings["code"], strict=True):
        scope, _ = res.scope(parse_place(f"{text}某路段", admin_names=names))
        got = scope.codes[0] if scope is not None else None
        if got != code or res._admin[got][4] != parent[code]:
            wrong.append((text, got, code))
    assert wrong == []


@pytest.mark.parametrize(
    "alias, zone",
    [
        ("经开区", "常德经济技术开发区"),
        ("德山开发区", "常德经济技术开发区"),
        ("高新区", "常德高新技术产业开发区"),
        ("柳叶湖", "柳叶湖旅游度假区"),
        ("西湖管理区", "西湖管理区"),
        ("西洞庭", "西洞庭管理区"),
        ("桃花源", "桃花源旅游管理区"),
    ],
)
def test_changde_functional_zones_resolve(changde, alias, zone):
    from trafficprev.geocode import parse_place
    from trafficprev.geocode._geocode import _admin_names

    res = Resolver(changde)
    scope, _ = res.scope(parse_place(f"{alias}某路段", admin_names=_admin_names(changde)))
    assert scope is not None and not scope.ambiguous
    assert res._admin[scope.codes[0]][1] == zone
    assert scope.territory  # members: the townships the centre confirms or is asked to


def test_taoyuan_is_not_taohuayuan(changde):
    from trafficprev.geocode import parse_place
    from trafficprev.geocode._geocode import _admin_names

    res = Resolver(changde)
    names = _admin_names(changde)
    scope, _ = res.scope(parse_place("桃源县漳江街道某路段", admin_names=names))
    assert res._admin[scope.codes[-1]][1] == "桃源县"
    scope, _ = res.scope(parse_place("桃源某路段", admin_names=names))
    assert res._admin[scope.codes[0]][1] == "桃源县"


def test_ambiguous_crossing_lists_candidates_and_a_pick_overrides(area, tmp_path):
    it = area.intersections
    twice = it.groupby(["road_a", "road_b"]).size()
    a, b = sorted(twice[twice > 1].index)[0]
    cases = pd.DataFrame({"decision_no": ["E1"], "place_text": [f"{a}与{b}交叉口"]})
    first = geocode(cases, area)
    case = first.cases.iloc[0]
    assert case["match_level"] == "road"  # not forced onto one of the two crossings
    assert "处相交" in case["reason"]
    queue = first.review_queue
    assert "1)" in queue.loc[0, "candidates"] and "2)" in queue.loc[0, "candidates"]
    queue.loc[0, "override_candidate"] = "2"
    path = write_review_queue(queue, tmp_path / "overrides.csv")
    again = geocode(cases, area, overrides=path)
    c = again.cases.iloc[0]
    assert c["match_level"] == "override"
    second = it[(it["road_a"] == a) & (it["road_b"] == b)].sort_values("inter_id").iloc[1]
    assert haversine_m(c["lon"], c["lat"], second.geometry.x, second.geometry.y) < 1.0
    assert {c["matched_road"], c["matched_cross_road"]} == {a, b}


_PIECES = [
    "建设路",
    "健设路",
    "人民路",
    "工业大道",
    "G399",
    "399国道",
    "X095线",
    "锦屏区",
    "经开区",
    "澄源县",
    "示范市",
    "与",
    "、",
    "交叉口",
    "路口",
    "往北",
    "东北侧",
    "约",
    "200米",
    "K12+300",
    "门口",
    "附近",
    "往德山方向",
    "中段",
    "辅道",
    "村",
    "镇",
    "某",
    "（",
    "）",
    "\\",
    "${x}",
    "<img src=x onerror=alert(1)>",
    "'",
    '"',
    "\n",
    "０１２",
    "二百",
    "米处",
]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.one_of(st.sampled_from(_PIECES), st.text(max_size=4)), max_size=8))
def test_resolver_never_raises_and_is_consistent(area, resolver, parts):
    text = "".join(parts)
    r = one(text, area, resolver)
    assert r.match_level in LEVELS
    assert 0.0 <= r.confidence <= 1.0
    assert r.reason
    placed = r.match_level != "none"
    assert placed == (not math.isnan(r.lon)) == (not math.isnan(r.lat))
    if placed:
        minx, miny, maxx, maxy = area.edges.total_bounds
        assert minx - 0.1 <= r.lon <= maxx + 0.1 and miny - 0.1 <= r.lat <= maxy + 0.1


def test_vague_place_column_falls_back_to_the_narrative_place(area):
    row = _a_crossing(area)
    cases = pd.DataFrame(
        {
            "decision_no": ["F1", "F2", "F3"],
            "place_text": ["上班途中", "锦屏区", "回家途中"],
            "narrative_place": [f"{row['road_a']}与{row['road_b']}交叉口", "", "小区附近"],
        }
    )
    out = geocode(cases, area).cases.set_index("decision_no")
    assert out.loc["F1", "match_level"] == "intersection"
    assert "按受伤经过" in out.loc["F1", "reason"]
    assert out.loc["F2", "match_level"] == "county"  # no narrative place: unchanged
    assert out.loc["F3", "match_level"] == "none"  # the narrative is no better
    assert out.loc["F1", "text_hash"] != out.loc["F3", "text_hash"]
