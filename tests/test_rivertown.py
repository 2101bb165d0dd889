"""河湾市, the second synthetic world (trafficprev.datasets.rivertown): files and truth.

One small world (300 cases) is generated once per module. Margins were set from a sweep of
seeds 0–4 (2,100 cases each, and 200): boundary roads lay within 30 m of two of their units'
boundaries over ≥ 0.969 of their length (test: 0.9); truth points lay within 0.007 m of a road
(test: 0.05 m, the 7-decimal rounding of the files); every text kind was drawn at both sizes
(the rarest, offset_one_road, 31 times in 2,100); generation took 2.9–4.7 s for 2,100 cases.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import shapely

from trafficprev.area import read_osm
from trafficprev.datasets import _river_geom as rg
from trafficprev.datasets import _river_net as rn
from trafficprev.datasets._river_cases import KINDS
from trafficprev.datasets.rivertown import build_rivertown, make_rivertown
from trafficprev.intake import read_determinations
from trafficprev.privacy import check_id_numbers

N_CASES = 300


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return make_rivertown(tmp_path_factory.mktemp("rivertown"), seed=3, n_cases=N_CASES)


@pytest.fixture(scope="module")
def world():
    return build_rivertown(3)


@pytest.fixture(scope="module")
def truth(files):
    return pd.read_csv(
        files["truth_cases"], dtype={"admin_code": str, "true_unit": str}, keep_default_na=False
    ).replace({"true_lon": {"": np.nan}, "true_lat": {"": np.nan}})


def test_same_seed_same_bytes(files, tmp_path):
    again = make_rivertown(tmp_path, seed=3, n_cases=N_CASES)
    for key, path in files.items():
        assert path.read_bytes() == again[key].read_bytes(), key


def test_osm_parses_with_boundaries_assembled(files, world):
    src = read_osm(files["osm"])
    units = [u for u in world.lay.units if u["poly"] is not None]
    rel = src.places[(src.places["osm_type"] == "relation")]
    assert sorted(rel["name"]) == sorted(u["name"] for u in units)
    assert set(rel["admin_level"].astype(int)) == {6, 8}
    boundaries = getattr(src, "boundaries", None)
    if boundaries is not None:  # the reader keeps the assembled polygons
        by_name = boundaries.set_index("name")["geometry"]
        for u in units:
            geom = by_name[u["name"]]
            assert geom is not None, u["name"]
            ring = [rg.to_xy(*np.asarray(p.exterior.coords).T) for p in geom.geoms]
            area = sum(shapely.Polygon(r).area for r in ring)
            holes = sum(
                shapely.Polygon(rg.to_xy(*np.asarray(h.coords).T)).area
                for p in geom.geoms
                for h in p.interiors
            )
            assert area - holes == pytest.approx(u["poly"].area, rel=0.01), u["name"]
    # two outer rings (南汀区's exclave) and an inner ring (the hole it leaves in 蓼原县)
    by = {u["name"]: u["poly"] for u in units}
    assert by["南汀区"].geom_type == "MultiPolygon" and len(by["南汀区"].geoms) == 2
    assert len(by["蓼原县"].interiors) >= 1 and len(by["荻港镇"].interiors) == 1
    ways = src.ways
    assert ways["bridge"].sum() > 0 and ways["tunnel"].sum() > 0
    assert (ways["name"] == "荻花大桥").any()  # a bridge that is a street of its own
    assert len(src.milestones) == 9 and set(src.milestones["ref"]) == {"S317"}
    assert {"bus_station", "fuel", "train_station", "community"} <= set(src.pois["kind"])


def test_exports_pass_intake_every_row_accounted(files, truth):
    res = read_determinations([files["determinations_xlsx"], files["determinations_csv"]])
    assert len(res.cases) + len(res.rejected) + len(res.duplicates) == N_CASES
    assert len(res.rejected) == 0 and len(res.duplicates) == 0
    assert res.cases["commuting"].all()
    assert set(res.cases["decision_no"]) == set(truth["decision_no"])
    assert (res.cases["id_check"] != "ok").all()


def test_names_are_obviously_synthetic(files):
    raw = pd.read_csv(files["determinations_csv"], encoding="gb18030", skiprows=1, dtype=str)
    assert raw["职工姓名"].str.startswith("测试").all()
    assert raw["联系电话"].str.fullmatch(r"100\d{8}").all()  # no mobile prefix is 100
    assert (check_id_numbers(raw["身份证号码"]) != "ok").all()
    assert "合成测试数据" in files["osm"].read_text(encoding="utf-8")[:300]


def test_every_text_kind_and_truth_on_roads(truth, world):
    assert set(truth["text_kind"]) == set(KINDS)
    has = truth["true_lon"].notna()
    assert set(truth.loc[~has, "text_kind"]) == {"vague", "unfindable"}
    assert not truth.loc[~has, "findable"].any()
    xy = rg.to_xy(
        truth.loc[has, "true_lon"].astype(float), truth.loc[has, "true_lat"].astype(float)
    )
    gaps = [world.net.nearest(p)[1] for p in xy]
    assert max(gaps) < 0.05  # coordinates are written to 7 decimals (≈ 1 cm)


def test_named_unit_contains_truth_or_borders_it(truth, world):
    poly = {u["code"]: u["poly"] for u in world.lay.units if u["poly"] is not None}
    named = truth[(truth["admin_code"] != "") & truth["true_lon"].notna()]
    assert len(named) > 30
    xy = rg.to_xy(named["true_lon"].astype(float), named["true_lat"].astype(float))
    for code, p in zip(named["admin_code"], xy, strict=True):
        assert poly[code].distance(shapely.Point(*p)) <= 25.0


def test_o1_truth_is_n_metres_along_a_walk_toward_c(truth, world):
    net = world.net
    pairs = net.junction_pairs()
    rows = truth[truth["form"].str.endswith(":O1")]
    assert len(rows) >= 10
    names = set(net.seg_name) - {""}
    checked = 0
    for text, lon, lat in zip(rows["place_text"], rows["true_lon"], rows["true_lat"], strict=True):
        head = re.match(r"^(.*?)(交叉路口|交叉口|路口)", text).group(1)
        found = [(a, b) for (a, b) in pairs if a in head and b in head]
        c_n = re.search(r"(?:往|向)?([^往向与和]+?)方向约?(\d+)米", text)
        assert found and c_n, text
        n = float(c_n.group(2))
        c = next(x for x in names if c_n.group(1).endswith(x))
        a, b = max(found, key=lambda ab: len(ab[0]) + len(ab[1]))
        j = pairs[(a, b)]
        p = rg.to_xy(np.array([lon]), np.array([lat]))[0]
        ok = False
        for _, w in rn.junction_walks(net, j, a, b):
            seg = shapely.LineString(w.pts)
            if seg.distance(shapely.Point(*p)) <= 1.0:
                s = seg.project(shapely.Point(*p))
                # N m on (a road that ends before N m ends the walk there)
                if abs(s - min(n, w.length)) <= 1.0 and net.cross_distance(w, c) is not None:
                    ok = True
        assert ok, text
        checked += 1
    assert checked == len(rows)


def test_boundary_roads_run_on_the_boundary(world):
    net = world.net
    units = {u["name"]: u["poly"].boundary for u in world.lay.units if u["poly"] is not None}
    for road, sides in world.lay.boundary_roads.items():
        sel = net.seg_name == road
        mids = (net.A[sel] + net.B[sel]) / 2
        lengths = np.hypot(*(net.B[sel] - net.A[sel]).T)
        near = np.array(
            [sum(units[s].distance(shapely.Point(*m)) <= 30.0 for s in sides) >= 2 for m in mids]
        )
        assert lengths[near].sum() / lengths.sum() >= 0.9, road
