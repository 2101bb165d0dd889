"""Tests for the quarter-over-quarter comparison of hotspots and key enterprises."""

from __future__ import annotations

import pandas as pd
import pytest
import shapely

from trafficprev.trends import compare_hotspots, compare_key_enterprises


def _units(rows):
    frame = pd.DataFrame(rows, columns=["unit_id", "road", "cross_road", "n_cases", "hot", "x"])
    frame["hotspot_class"] = frame["hot"].map({True: "significant", False: ""})
    frame["geometry"] = [shapely.Point(x, 29.03) for x in frame["x"]]
    return frame.drop(columns="x")


def test_new_persisting_resolved_by_id():
    before = _units(
        [
            ("I:a|b", "甲路", "乙路", 6, True, 111.700),
            ("S:c:1:000000", "丙路", "", 4, True, 111.710),
            ("S:d:1:000000", "丁路", "", 1, False, 111.720),
        ]
    )
    now = _units(
        [
            ("I:a|b", "甲路", "乙路", 5, True, 111.700),
            ("S:c:1:000000", "丙路", "", 0, False, 111.710),
            ("S:d:1:000000", "丁路", "", 7, True, 111.720),
        ]
    )
    out = compare_hotspots(now, before)
    assert out[["unit_id", "status", "status_zh"]].values.tolist() == [
        ["S:d:1:000000", "new", "新增"],
        ["I:a|b", "persisting", "持续"],
        ["S:c:1:000000", "resolved", "消除"],
    ]
    row = out.set_index("unit_id").loc["I:a|b"]
    assert row["n_cases"] == 5 and row["n_cases_previous"] == 6 and row["matched_by"] == "id"
    gone = out.set_index("unit_id").loc["S:c:1:000000"]
    assert gone["road"] == "丙路" and gone["n_cases_previous"] == 4 and gone["n_cases"] == 0


def test_rebuilt_area_matches_nearby_units_one_to_one():
    before = _units([("S:x:1:000000", "戊路", "", 5, True, 111.7000)])
    # the area was rebuilt: new ids; one unit 30 m away (same place), one 500 m away
    now = _units(
        [
            ("S:x:1:000030", "戊路", "", 4, True, 111.7003),
            ("S:x:1:000500", "戊路", "", 4, True, 111.7050),
        ]
    )
    out = compare_hotspots(now, before, match_m=50).set_index("unit_id")
    assert out.loc["S:x:1:000030", "status"] == "persisting"
    assert out.loc["S:x:1:000030", "matched_by"] == "nearby"
    assert out.loc["S:x:1:000030", "previous_unit_id"] == "S:x:1:000000"
    assert out.loc["S:x:1:000500", "status"] == "new"
    assert "resolved" not in set(out["status"])
    strict = compare_hotspots(now, before, match_m=10)
    assert sorted(strict["status"]) == ["new", "new", "resolved"]


def test_hotspot_class_alone_marks_hot_and_errors_are_clear():
    now = _units([("I:a|b", "甲路", "乙路", 5, True, 111.7)]).drop(columns="hot")
    before = now.iloc[:0]
    assert compare_hotspots(now, before)["status"].tolist() == ["new"]
    with pytest.raises(ValueError, match="hot or hotspot_class"):
        compare_hotspots(now.drop(columns="hotspot_class"), before)
    assert compare_hotspots(before, before).empty


def test_key_enterprises_entering_staying_leaving():
    prev = pd.DataFrame(
        {
            "credit_code": ["A", "B", "C"],
            "name": ["测试甲", "测试乙", "测试丙"],
            "key": [True, True, False],
            "rank": [1, 2, 3],
            "n_cases": [9, 7, 2],
            "reason": ["r甲", "r乙", ""],
        }
    )
    cur = pd.DataFrame(
        {
            "credit_code": ["C", "A", "B"],
            "name": ["测试丙", "测试甲", "测试乙"],
            "key": [True, True, False],
            "rank": [1, 2, 3],
            "n_cases": [8, 6, 1],
            "reason": ["r丙", "r甲2", "r乙2"],
        }
    )
    out = compare_key_enterprises(cur, prev).set_index("credit_code")
    assert out.loc["C", "status"] == "entered" and out.loc["C", "status_zh"] == "新进入"
    assert out.loc["A", "status"] == "stayed" and out.loc["A", "rank_change"] == -1
    assert out.loc["B", "status"] == "left" and out.loc["B", "reason"] == "r乙"
    assert list(out.index) == ["C", "A", "B"]
    with pytest.raises(ValueError, match="lacks column"):
        compare_key_enterprises(cur.drop(columns="rank"), prev)
