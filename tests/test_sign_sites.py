"""Tests for warning-sign sites: candidates, coverage ahead along the road, choice, words."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from trafficprev import Settings
from trafficprev.datasets import demo_files
from trafficprev.intake import read_measures
from trafficprev.sites import choose_sign_sites, sign_candidates, suggest_signs
from trafficprev.sites._signs import _coverage, _unit_positions

POSITION = re.compile(
    r"^.+与.+交叉口(往(北|东北|东|东南|南|西南|西|西北)约\d+0米)?$|^.+（经纬度见表）$"
)


@pytest.fixture(scope="module")
def sites(demo_hotspots, demo_area):
    return choose_sign_sites(demo_hotspots, demo_area, Settings())


def test_candidates_stand_before_every_hot_unit(demo_hotspots):
    settings = Settings(sign_advance_m=50)
    cand = sign_candidates(demo_hotspots, settings)
    hot = demo_hotspots.units[demo_hotspots.units["hot"]]
    assert set(hot["unit_id"]) <= set(cand["target"])
    assert set(cand["direction"]) <= {1, -1}
    assert cand["cand_id"].is_unique
    # a hot segment's candidates stand advance metres before its start / after its end
    seg = hot[hot["kind"] == "segment"].iloc[0]
    mine = cand[(cand["line"] == seg["line"]) & (cand["direction"] == 1)]
    assert (mine["position_m"] - max(seg["from_m"] - 50, 0)).abs().min() < 5.1
    assert cand[["lon", "lat"]].notna().all(axis=None)


def test_coverage_is_ahead_along_the_road(demo_hotspots):
    net = demo_hotspots.network
    cases = demo_hotspots.cases
    cases = cases[cases["snap_status"].isin(["ok", "ambiguous"])].copy()
    cases["line"] = cases["line"].fillna("")
    line = cases.loc[cases["line"] != "", "line"].value_counts().index[0]
    xs = cases.loc[cases["line"] == line, "position_m"].to_numpy(float)
    s = float(np.median(xs))
    cand = pd.DataFrame({"line": [line, line], "position_m": [s, s], "direction": [1, -1]})
    positions = _unit_positions(net.units, net.lines, net.crs_metric, 31.0)
    cover = _coverage(cand, cases, positions, 150.0).toarray()
    on = (cases["line"] == line).to_numpy()
    x = cases["position_m"].to_numpy(float)
    expect_fwd = on & (x >= s) & (x <= s + 150)
    expect_back = on & (x <= s) & (x >= s - 150)
    # segment cases: exactly those ahead within reach
    assert (cover[on, 0] == expect_fwd[on]).all()
    assert (cover[on, 1] == expect_back[on]).all()
    # intersection cases: only at intersections this line passes within the stretch
    at = positions[positions["line"] == line]
    for j, d in ((0, 1), (1, -1)):
        ahead = (at["position_m"] - s) * d
        ids = set(at.loc[(ahead >= 0) & (ahead <= 150), "unit_id"])
        inter = cases["unit_id"].str.startswith("I:").to_numpy()
        assert (cover[inter, j] == cases.loc[inter, "unit_id"].isin(ids).to_numpy()).all()


def test_chosen_sites_respect_count_spacing_and_words(sites, demo_hotspots):
    settings = Settings()
    new = sites[~sites["existing"]]
    assert 0 < len(new) <= settings.sign_count
    assert sites["site_id"].tolist() == [f"J{i + 1:02d}" for i in range(len(sites))]
    assert new["weighted_covered"].is_monotonic_decreasing
    assert sites["position_text"].map(lambda t: bool(POSITION.match(t))).all()
    assert sites["facing"].str.match(r"^面向(北|东北|东|东南|南|西南|西|西北)行车辆$").all()
    assert sites["signs"].str.contains("事故易发路段").all()
    assert (sites["n_covered"] > 0).all()
    assert sites["marginal_cases"].sum() <= sites["n_covered"].sum()
    # GCJ-02 is about 500–700 m south-east of WGS-84 here
    from trafficprev.coords import haversine_m

    d = haversine_m(sites["lon"], sites["lat"], sites["lon_gcj02"], sites["lat_gcj02"])
    assert ((d > 400) & (d < 800)).all()
    # the objective is the weight of the union of what the chosen sites cover
    assert sites.attrs["status"] == "optimal"
    net = demo_hotspots.network
    cases = demo_hotspots.cases
    cases = cases[cases["snap_status"].isin(["ok", "ambiguous"])].copy()
    cases["line"] = cases["line"].fillna("")
    cand = sign_candidates(demo_hotspots, settings).set_index("cand_id").loc[sites["candidate"]]
    positions = _unit_positions(net.units, net.lines, net.crs_metric, 31.0)
    cover = _coverage(cand.reset_index(), cases, positions, settings.sign_reach_m).toarray()
    union = cover.any(axis=1)
    assert sites.attrs["objective"] == pytest.approx(cases.loc[union, "weight"].sum())
    assert sites["n_covered"].tolist() == cover.sum(axis=0).tolist()


def test_sites_are_deterministic(sites, demo_hotspots, demo_area):
    again = choose_sign_sites(demo_hotspots, demo_area, Settings())
    pd.testing.assert_frame_equal(sites, again)


def test_spacing_between_signs_facing_the_same_traffic(demo_hotspots, demo_area):
    settings = Settings(sign_count=15, sign_spacing_m=300)
    sites = choose_sign_sites(demo_hotspots, demo_area, settings)
    cand = sign_candidates(demo_hotspots, settings).set_index("cand_id")
    keyed = cand.loc[sites["candidate"]]
    for (_line, _d), g in keyed.groupby(["line", "direction"]):
        pos = np.sort(g["position_m"].to_numpy())
        assert (np.diff(pos) >= 300).all()


def test_existing_signs_are_fixed_and_listed(demo_hotspots, demo_area):
    measures = read_measures(demo_files()["measures"]).records
    signs = measures[measures["kind"] == "警示标志"]
    sites = choose_sign_sites(demo_hotspots, demo_area, Settings(), existing=signs)
    old = sites[sites["existing"]]
    assert len(old) == 2 * len(signs)  # each existing sign faces both ways (direction unknown)
    assert len(sites[~sites["existing"]]) == Settings().sign_count
    # no new sign is needed where the existing ones already cover
    plain = choose_sign_sites(demo_hotspots, demo_area, Settings())
    assert sites.attrs["objective"] >= plain.attrs["objective"]


def test_suggested_signs_follow_the_circumstances():
    cases = pd.DataFrame(
        {
            "mode": ["电动自行车"] * 4 + ["步行"],
            "counterpart": ["小型汽车", "货车", "渣土车", "小型汽车", "小型汽车"],
            "injured_at": pd.to_datetime(["2024-01-02 20:10"] * 3 + ["2024-01-02 07:30"] * 2),
            "time_precision": "minute",
        }
    )
    signs, facilities, rules = suggest_signs(cases, at_intersection=True, near_school=True)
    assert signs[:2] == ["注意非机动车", "注意电动自行车"]
    for s in ("交叉路口", "注意行人", "注意儿童", "注意保持车距", "慢行", "事故易发路段"):
        assert s in signs
    assert "路灯照明" in facilities and "大车盲区提示镜" in facilities
    assert rules[-1] == "accident_prone"
    plain, _, only = suggest_signs(cases.iloc[:0], at_intersection=False)
    assert plain == ["事故易发路段"] and only == ["accident_prone"]


def test_weight_must_be_known(demo_hotspots, demo_area):
    with pytest.raises(ValueError, match="weight must be"):
        choose_sign_sites(demo_hotspots, demo_area, weight="eb")


def test_circumstances_leave_out_parts_below_k():
    from trafficprev.sites import circumstances_text

    full = circumstances_text(11, "电动自行车与小型汽车", 5, "下班", 8)
    assert full == "电动自行车与小型汽车（5/11）；下班途中73%"
    # k = 3: 8 下班 and 3 others may show; 5 of 11 too (6 others)
    assert circumstances_text(11, "电动自行车与小型汽车", 5, "下班", 8, k=3) == full
    # k = 5: 8 下班 leaves 3 others (below 5): the share goes
    assert circumstances_text(11, "电动自行车与小型汽车", 5, "下班", 8, k=5) == (
        "电动自行车与小型汽车（5/11）"
    )
    # a part of 2, or a rest of 1 or 2, goes; a rest of 0 is fine
    assert circumstances_text(7, "电动自行车与小型汽车", 2, "上班", 7, k=3) == "上班途中100%"
    assert circumstances_text(7, "电动自行车与小型汽车", 6, "上班", 5, k=3) == ""
    assert circumstances_text(7, "", 0, "未知", 7, k=1) == ""  # direction only 上班/下班


def test_released_sites_show_no_circumstance_count_below_k(demo_hotspots, demo_area):
    import re

    from trafficprev.maps import release_sites
    from trafficprev.sites import CIRCUMSTANCE_COLUMNS

    signs = choose_sign_sites(demo_hotspots, demo_area)
    assert set(CIRCUMSTANCE_COLUMNS) <= set(signs.columns)
    for release, k in (("police", 3), ("public", 5)):
        out = release_sites(signs, release, Settings())
        assert not set(CIRCUMSTANCE_COLUMNS) & set(out.columns)
        for text, n in zip(out["circumstances"], signs["n_covered"], strict=True):
            for m in re.finditer(r"（(\d+)/(\d+)）", text):
                a, b = int(m[1]), int(m[2])
                assert a >= k and (b == a or b - a >= k), (release, text)
                assert b == n
    assert release_sites(signs, "internal").equals(signs)
    # a frame without the counts (read back from an older file) cannot be checked: withheld
    older = signs.drop(columns=list(CIRCUMSTANCE_COLUMNS))
    assert (release_sites(older, "police")["circumstances"] == "").all()
    # positions name roads as the unit table does: no "#2" that tells two junctions apart
    assert not signs["position_text"].str.contains("#").any()
    assert not signs["cross_road"].fillna("").str.contains("#").any()
