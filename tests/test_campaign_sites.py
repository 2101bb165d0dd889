"""Tests for campaign locations: candidates, reach by workplace or accident place, choice."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trafficprev import Settings
from trafficprev.datasets import demo_files
from trafficprev.groups import key_enterprises
from trafficprev.intake import read_campaign_candidates
from trafficprev.sites import campaign_candidates, choose_campaign_sites

LON, LAT = 111.70, 29.03
DEG_1KM = 1 / 111.2  # one kilometre of latitude in degrees


def _register():
    return pd.DataFrame(
        {
            "credit_code": ["91430000TEST00001A", "91430000TEST00002B"],
            "name": ["测试甲公司", "测试乙公司"],
            "insured": [500, 300],
            "lon": [LON, LON],
            "lat": [LAT, LAT + 5 * DEG_1KM],
        }
    )


def _candidates():
    return pd.DataFrame(
        {
            "name": ["测试甲园区", "测试乙社区", "测试丙广场"],
            "kind": ["工业园区", "大型社区", "其他"],
            "address": ["测试路1号", "", "测试路3号"],
            "size": [5000, 8000, 100],
            "lon": [LON, LON, LON],
            "lat": [LAT + 0.2 * DEG_1KM, LAT + 5 * DEG_1KM, LAT + 10 * DEG_1KM],
        }
    )


def _cases():
    # 5 cases of 甲 (workplace at the park), accidents far away; 3 cases of 乙 whose
    # accidents all happen next to 丙
    rows = [("91430000TEST00001A", LAT + 20 * DEG_1KM)] * 5 + [
        ("91430000TEST00002B", LAT + 10 * DEG_1KM)
    ] * 3
    return pd.DataFrame(
        {
            "credit_code": [r[0] for r in rows],
            "employer": "",
            "lon": LON,
            "lat": [r[1] for r in rows],
            "match_level": "intersection",
        }
    )


def test_cover_picks_the_site_reaching_most_cases_and_says_whom():
    settings = Settings(campaign_count=1, campaign_radius_m=1000)
    key = pd.DataFrame({"credit_code": ["91430000TEST00001A"], "key": [True]})
    sites = choose_campaign_sites(_cases(), _register(), _candidates(), settings, key=key)
    assert sites["name"].tolist() == ["测试甲园区"]
    row = sites.iloc[0]
    assert row["n_covered"] == 5 and row["n_workplace"] == 5 and row["n_accident"] == 0
    assert "★测试甲公司（5起）" in row["reaches"]
    assert row["position_text"] == "测试路1号" and row["site_kind"] == "工业园区"
    two = choose_campaign_sites(
        _cases(), _register(), _candidates(), settings.replace(campaign_count=3)
    )
    # 乙's workplace is at 乙社区 and its accidents at 丙广场: both reach the same 3 cases
    assert two["n_covered"].tolist()[0] == 5
    assert two["marginal_cases"].tolist() == [5, 3, 0]
    assert two.attrs["objective"] == 8


def test_ties_go_to_the_larger_site():
    settings = Settings(campaign_count=2, campaign_radius_m=1000)
    sites = choose_campaign_sites(_cases(), _register(), _candidates(), settings)
    # 乙社区 (8,000) and 丙广场 (100) reach the same 3 cases: the larger one is chosen
    assert set(sites["name"]) == {"测试甲园区", "测试乙社区"}


def test_median_minimises_distance_from_workplaces():
    settings = Settings(campaign_count=1)
    sites = choose_campaign_sites(_cases(), _register(), _candidates(), settings, method="median")
    assert sites["name"].tolist() == ["测试甲园区"]  # 5 cases' workplaces at 200 m
    with pytest.raises(ValueError, match="method must be"):
        choose_campaign_sites(_cases(), _register(), _candidates(), settings, method="x")


def test_candidates_from_the_list_and_the_area(demo_area):
    listed = read_campaign_candidates(demo_files()["campaign_sites"]).records
    only = campaign_candidates(listed)
    assert (only["source"] == "list").all() and len(only) == len(listed)
    both = campaign_candidates(listed, demo_area)
    assert len(both) > len(only)
    assert set(both["kind"]) <= {"大型社区", "工业园区", "CBD", "学校", "其他"}
    assert (
        not both["name"].duplicated().any()
        or both.loc[both["name"].duplicated(), "source"].eq("poi").all()
    )


def test_demo_campaign_sites(demo_geocoded, demo_register):
    listed = read_campaign_candidates(demo_files()["campaign_sites"]).records
    cand = campaign_candidates(listed)
    key = key_enterprises(demo_geocoded, demo_register)
    sites = choose_campaign_sites(demo_geocoded, demo_register, cand, Settings(), key=key)
    assert len(sites) == Settings().campaign_count
    assert sites["n_covered"].is_monotonic_decreasing or sites["marginal_cases"].iloc[0] > 0
    assert sites["marginal_cases"].sum() == sites.attrs["objective"]
    assert sites.attrs["status"] == "optimal"
    assert np.isfinite(sites[["lon_gcj02", "lat_gcj02"]].to_numpy()).all()
    again = choose_campaign_sites(demo_geocoded, demo_register, cand, Settings(), key=key)
    pd.testing.assert_frame_equal(sites, again)
