"""The demo city's geography: divisions, roads as OSM XML, POIs, enterprises (合成演示数据)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest

from trafficprev.datasets._world import (
    build_world,
    edge_ways,
    road_graph,
    write_campaign_candidates_csv,
    write_divisions_csv,
    write_enterprises_csv,
    write_osm,
    write_pois_csv,
)
from trafficprev.privacy import check_credit_codes

M_LON = 111_320.0 * np.cos(np.radians(29.03))
M_LAT = 110_950.0


@pytest.fixture(scope="module")
def world():
    return build_world()


@pytest.fixture(scope="module")
def osm(world, tmp_path_factory):
    path = tmp_path_factory.mktemp("osm") / "demo.osm"
    write_osm(world, path)
    root = ET.parse(path).getroot()
    nodes = {
        int(n.get("id")): (float(n.get("lon")), float(n.get("lat"))) for n in root.iter("node")
    }
    ways = []
    for w in root.iter("way"):
        tags = {t.get("k"): t.get("v") for t in w.iter("tag")}
        ways.append((int(w.get("id")), [int(nd.get("ref")) for nd in w.iter("nd")], tags))
    return path, root, nodes, ways


def _xy(nodes, ids) -> np.ndarray:
    ll = np.array([nodes[i] for i in ids])
    return np.column_stack([(ll[:, 0] - 111.69) * M_LON, (ll[:, 1] - 29.03) * M_LAT])


def _roads(osm):
    return [w for w in osm[3] if "highway" in w[2]]


def test_same_seed_same_world_and_bytes(world, tmp_path):
    """Built twice from one seed: the same tables and the same OSM bytes (on a small world; the
    default world's bytes are tests/test_democity.py's: it regenerates data/demo)."""
    one, again = build_world(seed=11, scale=0.3), build_world(seed=11, scale=0.3)
    for name in ("divisions", "nodes", "ways", "waterways", "pois", "enterprises", "areas"):
        pd.testing.assert_frame_equal(getattr(one, name), getattr(again, name))
    write_osm(one, tmp_path / "one.osm")
    write_osm(again, tmp_path / "again.osm")
    assert (tmp_path / "again.osm").read_bytes() == (tmp_path / "one.osm").read_bytes()
    other = build_world(seed=7, scale=0.3)
    assert len(other.ways) < len(world.ways)
    assert not other.enterprises["credit_code"].isin(world.enterprises["credit_code"]).all()
    from scipy.sparse.csgraph import connected_components

    assert connected_components(road_graph(other)[0], connection="strong")[0] == 1
    with pytest.raises(ValueError, match="scale"):
        build_world(scale=0.0)


def test_osm_header_and_ids(osm):
    path, root, nodes, ways = osm
    text = path.read_text(encoding="utf-8")
    assert root.tag == "osm" and root.get("version") == "0.6"
    assert "合成演示数据" in root.get("generator")
    assert "synthetic demo data" in text[:400] and root.find("note") is not None
    assert root.find("bounds") is not None
    ids = [int(n.get("id")) for n in root.iter("node")]
    assert ids == sorted(ids) and len(set(ids)) == len(ids) and ids[0] > 0
    way_ids = [w[0] for w in ways]
    assert way_ids == sorted(way_ids) and len(set(way_ids)) == len(way_ids)
    for _, refs, _ in ways:
        assert len(refs) >= 2 and all(r in nodes for r in refs)
    assert re.search(r'lat="\d+\.\d{7}" lon="\d+\.\d{7}"', text)


def test_road_network_shape(osm):
    roads = _roads(osm)
    assert 3_000 <= len(roads) <= 6_000
    names = pd.Series([t.get("name") for _, _, t in roads]).dropna()
    assert (names.value_counts() >= 5).sum() >= 20  # named roads made of many ways
    for _, _, t in roads:
        assert t.get("name:zh") == t.get("name")
    assert {"人民路", "人民东路", "建设路", "建设北路", "建设东路", "建设南路"} <= set(names)
    highways = {t["highway"] for _, _, t in roads}
    assert {
        "primary",
        "secondary",
        "tertiary",
        "residential",
        "trunk",
        "service",
        "unclassified",
        "track",
        "primary_link",
    } <= highways
    links = [t for _, _, t in roads if t["highway"].endswith("_link")]
    assert links and all(t.get("oneway") == "yes" for t in links)
    unnamed_service = [t for _, _, t in roads if t["highway"] == "service" and "name" not in t]
    assert len(unnamed_service) >= 100
    refs = {t["ref"] for _, _, t in roads if "ref" in t}
    for kind in "GSXY":
        assert any(re.fullmatch(kind + r"\d{3}", r) for r in refs), kind
    assert any(t.get("ref") and t.get("name", "").endswith("公路") for _, _, t in roads)


def test_ways_split_at_junctions(osm):
    roads = _roads(osm)
    uses: dict[int, int] = {}
    for _, refs, _ in roads:
        for n in refs[:-1] if refs[0] == refs[-1] else refs:
            uses[n] = uses.get(n, 0) + 1
    junctions = {n for n, k in uses.items() if k >= 2}
    ends = {r for _, refs, _ in roads for r in (refs[0], refs[-1])}
    assert len(junctions & ends) > 0.8 * len(junctions)
    # as in real OSM, some ways run on through a junction (a builder must split them itself)
    assert any(n in junctions for _, refs, _ in roads for n in refs[1:-1])


def test_dual_carriageway_pair(osm):
    nodes = osm[2]
    cand = [
        (t["name"], _xy(nodes, refs))
        for _, refs, t in _roads(osm)
        if t.get("oneway") == "yes" and "name" in t and "junction" not in t
    ]
    found = 0
    for name, a in cand:
        if np.hypot(*(a[-1] - a[0])) < 100:
            continue
        mid, da = (a[0] + a[-1]) / 2, (a[-1] - a[0]) / np.hypot(*(a[-1] - a[0]))
        for other, b in cand:
            if other != name or np.hypot(*(b[-1] - b[0])) < 100:
                continue
            db = (b[-1] - b[0]) / np.hypot(*(b[-1] - b[0]))
            seg = b[1:] - b[:-1]
            t = np.clip(((mid - b[:-1]) * seg).sum(1) / (seg**2).sum(1), 0, 1)
            dist = np.hypot(*(b[:-1] + t[:, None] * seg - mid).T).min()
            if da @ db < -0.95 and 15.0 <= dist <= 35.0:
                found += 1
    assert found >= 10
    # a dual carriageway crossing another road: junction nodes close together
    by_name = {n for n, _ in cand}
    assert {"迎宾大道", "工业大道", "北环大道"} <= by_name


def test_roundabouts(osm):
    nodes = osm[2]
    rb = [(set(refs), t) for _, refs, t in _roads(osm) if t.get("junction") == "roundabout"]
    groups: list[set[int]] = []
    for ids, t in rb:
        assert t.get("oneway") == "yes"
        hit = [g for g in groups if g & ids]
        for g in hit:
            groups.remove(g)
            ids |= g
        groups.append(ids)
    assert len(groups) >= 2
    for g in groups:  # counter-clockwise: traffic keeps right
        xy = _xy(nodes, sorted(g))
        assert np.ptp(xy[:, 0]) < 150


def _segments(nodes, ways):
    a, b = [], []
    for _, refs, _ in ways:
        xy = _xy(nodes, refs)
        a.append(xy[:-1])
        b.append(xy[1:])
    return np.vstack(a), np.vstack(b)


def _crossing(a1, b1, a2, b2) -> np.ndarray:
    """Which segments of the first set properly cross any segment of the second."""
    out = np.zeros(len(a1), dtype=bool)
    for i in range(0, len(a1), 2_000):
        p, r = a1[i : i + 2_000, None], (b1 - a1)[i : i + 2_000, None]
        q, s = a2[None], (b2 - a2)[None]
        den = r[..., 0] * s[..., 1] - r[..., 1] * s[..., 0]
        w = q - p
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (w[..., 0] * s[..., 1] - w[..., 1] * s[..., 0]) / den
            u = (w[..., 0] * r[..., 1] - w[..., 1] * r[..., 0]) / den
        out[i : i + 2_000] = ((den != 0) & (t > 0) & (t < 1) & (u >= 0) & (u <= 1)).any(1)
    return out


def test_river_only_crossed_on_bridges(osm):
    _, _, nodes, ways = osm
    river = [w for w in ways if w[2].get("waterway") == "river"]
    assert river and all(w[2].get("name") == "澄江" for w in river)
    ra, rb = _segments(nodes, river)
    roads = _roads(osm)
    bridges = [w for w in roads if w[2].get("bridge") == "yes"]
    others = [w for w in roads if w[2].get("bridge") != "yes"]
    assert len(bridges) >= 5 and all(w[2].get("layer") == "1" for w in bridges)
    for bridge in bridges:
        assert _crossing(*_segments(nodes, [bridge]), ra, rb).any(), bridge[2]
    assert not _crossing(*_segments(nodes, others), ra, rb).any()


def test_drivable_graph_connected(world):
    from scipy.sparse.csgraph import connected_components

    graph, ids = road_graph(world)
    road_nodes = {n for ids_ in world.ways["node_ids"] for n in ids_}
    assert set(ids.tolist()) == road_nodes
    assert connected_components(graph, directed=True, connection="strong")[0] == 1
    assert graph.data.min() > 0.1 and graph.data.max() < 3_000
    e = edge_ways(world)
    assert not e.duplicated(["u", "v"]).any()
    oneway = world.ways[world.ways["oneway"]].iloc[0]
    u, v = oneway["node_ids"][:2]
    assert ((e.u == u) & (e.v == v)).any() and not ((e.u == v) & (e.v == u)).any()


def test_coordinates_near_changde(world):
    n = world.nodes
    d = np.hypot((n.lon - 111.69) * M_LON, (n.lat - 29.03) * M_LAT)
    assert d.max() < 40_000
    assert (n.lon.round(7) == n.lon).all()


def test_divisions(world, tmp_path):
    d = world.divisions
    assert set(d.level) == {2, 3, 4, 5}
    assert d.code.str.fullmatch(r"4399\d{8}").all() and d.code.is_unique
    codes = set(d.code)
    assert d[d.level > 2].parent_code.isin(codes).all()
    parent_level = d.set_index("code").level
    for row in d[d.level > 2].itertuples():
        assert parent_level[row.parent_code] == row.level - 1
    level3 = d[d.level == 3]
    assert level3.name.str.endswith("区").sum() >= 3 and level3.name.str.endswith("县").sum() == 1
    zone = level3[level3.name.str.contains("开发区")].iloc[0]
    assert {"经开区", "开发区"} <= set(zone.aliases.split("|"))
    assert set(world.ways.district_code) <= set(level3.code)
    write_divisions_csv(world, tmp_path / "d.csv")
    raw = (tmp_path / "d.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(tmp_path / "d.csv", dtype=str, encoding="utf-8-sig", keep_default_na=False)
    assert list(back.columns) == ["code", "parent_code", "level", "name", "lon", "lat", "aliases"]
    assert len(back) == len(d)


def test_pois(world, osm, tmp_path):
    p = world.pois
    kinds = {
        "community",
        "large_community",
        "school",
        "hospital",
        "market",
        "bus_station",
        "landmark",
        "industrial_park",
        "cbd",
        "park",
    }
    assert set(p.kind) == kinds and p.name.is_unique
    assert (p[p.kind == "large_community"]["size"] >= 8_000).all()
    assert (p.as_area == p.kind.isin(["park", "industrial_park", "cbd", "large_community"])).all()
    road_nodes = {n for ids in world.ways["node_ids"] for n in ids}
    assert p.node_id.isin(road_nodes).all()
    areas = {w[0]: w for w in osm[3]}
    for row in p[p.as_area].itertuples():
        _, refs, tags = areas[row.osm_id]
        assert refs[0] == refs[-1] and tags["name"] == row.name
        assert ("landuse" in tags) or tags.get("leisure") == "park"
    write_pois_csv(world, tmp_path / "p.csv")
    assert "合成演示数据" in (tmp_path / "p.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    back = pd.read_csv(tmp_path / "p.csv", encoding="utf-8-sig", skiprows=1)
    assert list(back.columns) == ["名称", "类型", "经度", "纬度", "坐标系"]
    assert (back["坐标系"] == "WGS84").all()
    write_campaign_candidates_csv(world, tmp_path / "c.csv")
    camp = pd.read_csv(tmp_path / "c.csv", encoding="utf-8-sig", skiprows=1)
    assert list(camp.columns) == ["名称", "类型", "地址", "经度", "纬度", "坐标系", "规模"]
    assert set(camp["类型"]) == {"大型社区", "工业园区", "CBD", "学校", "其他"}
    assert camp["地址"].str.startswith("示范市").all()


def test_enterprises(world, tmp_path):
    e = world.enterprises
    assert 180 <= len(e) <= 220 and e.credit_code.is_unique and e.name.is_unique
    assert (check_credit_codes(e.credit_code) == "ok").all()
    assert e.credit_code.str[2:8].eq("439900").all()
    assert e.name.str.contains("示范|澄阳|锦屏|南岭|澄源|经开区").all()
    shares = e.industry.value_counts(normalize=True)
    assert shares.idxmax() == "制造业" and 0.25 < shares["制造业"] < 0.5
    ins = e.insured.sort_values(ascending=False)
    assert ins.max() > 10 * ins.median() and ins.head(len(ins) // 10).sum() > 0.35 * ins.sum()
    in_park = e.site.str.contains("园")
    assert e[in_park].insured.median() > 2 * e[~in_park].insured.median()
    assert e.address.str.startswith("示范市").all()
    road_nodes = {n for ids in world.ways["node_ids"] for n in ids}
    assert e.node_id.isin(road_nodes).all()
    assert set(e.district) <= set(world.divisions[world.divisions.level == 3].name)
    write_enterprises_csv(world, tmp_path / "e.csv")
    back = pd.read_csv(tmp_path / "e.csv", encoding="utf-8-sig", dtype=str, skiprows=1)
    assert list(back.columns) == [
        "统一社会信用代码",
        "单位名称",
        "所属行业",
        "单位地址",
        "经度",
        "纬度",
        "坐标系",
        "参保人数",
        "所属区县",
    ]
    write_enterprises_csv(world, tmp_path / "e2.csv")
    assert (tmp_path / "e.csv").read_bytes() == (tmp_path / "e2.csv").read_bytes()


def test_no_real_changde_names(world):
    # Changde's real districts and counties and its best-known roads (domain.md §2.10): the demo
    # city must not reuse them (generic names such as 人民路 are fine)
    real_units = {
        "武陵区",
        "鼎城区",
        "安乡县",
        "汉寿县",
        "澧县",
        "临澧县",
        "桃源县",
        "石门县",
        "津市市",
        "西湖管理区",
        "西洞庭管理区",
        "柳叶湖旅游度假区",
        "桃花源旅游管理区",
    }
    real_roads = {
        "常德大道",
        "洞庭大道",
        "太阳大道",
        "阳山大道",
        "桃花源路",
        "金霞大道",
        "善卷路",
        "朗州路",
        "紫缘路",
        "柳叶大道",
        "武陵大道",
        "月亮大道",
        "三星路",
        "林荫路",
        "皂果路",
        "丹阳路",
        "沙河路",
        "双拥路",
        "汉德大道",
        "沙港路",
        "柳河路",
    }
    d = world.divisions
    assert not set(d[d.level > 2].name) & real_units
    assert not set(world.ways.name.dropna()) & real_roads
