"""Tests for the quarter-over-quarter comparison of hotspots and key enterprises."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from trafficprev.trends import compare_hotspots, compare_key_enterprises, flagged_without_cases


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


# --------------------------------------------------------------------------- issue 18


def test_flagged_units_without_a_case_are_neither_new_nor_persisting_nor_resolved():
    before = _units(
        [
            ("I:a|b", "甲路", "乙路", 3, True, 111.700),  # cases in both windows: 持续
            ("S:c:1:000000", "丙路", "", 0, True, 111.710),  # flagged both times, no case ever
            ("S:d:1:000000", "丁路", "", 0, True, 111.720),  # no case before, cases now: 新增
            ("S:e:1:000000", "戊路", "", 2, True, 111.730),  # cases before, none now: 消除
            ("S:f:1:000000", "己路", "", 0, True, 111.740),  # no case before, not hot now
        ]
    )
    now = _units(
        [
            ("I:a|b", "甲路", "乙路", 1, True, 111.700),
            ("S:c:1:000000", "丙路", "", 0, True, 111.710),
            ("S:d:1:000000", "丁路", "", 2, True, 111.720),
            ("S:e:1:000000", "戊路", "", 0, True, 111.730),
            ("S:f:1:000000", "己路", "", 0, False, 111.740),
        ]
    )
    out = compare_hotspots(now, before)
    assert out[["unit_id", "status_zh"]].values.tolist() == [
        ["S:d:1:000000", "新增"],
        ["I:a|b", "持续"],
        ["S:e:1:000000", "消除"],
    ]
    persisting = out[out["status"] == "persisting"]
    assert (persisting["n_cases"] >= 1).all() and (persisting["n_cases_previous"] >= 1).all()
    assert (out.loc[out["status"] == "new", "n_cases"] >= 1).all()
    assert (out.loc[out["status"] == "resolved", "n_cases_previous"] >= 1).all()
    assert (out["note"] == "").all()
    assert out.attrs["flagged_without_cases"] == {"current": 2, "previous": 3}
    assert flagged_without_cases(now) == 2 and flagged_without_cases(before) == 3
    # min_cases=0 is the old counting: every flagged unit
    old = compare_hotspots(now, before, min_cases=0)
    assert sorted(old["status"]) == ["persisting"] * 4 + ["resolved"]
    with pytest.raises(ValueError, match="min_cases"):
        compare_hotspots(now, before, min_cases=-1)


def test_class_marks_hot_before_the_gi_flag_and_unchecked_runs_are_explained():
    # threshold and cluster units are hot units of the report: they count, not only Gi*
    now = _units([("S:c:1:000000", "丙路", "", 2, False, 111.71)])
    now["hotspot_class"] = "threshold"
    before = _units([("S:c:1:000000", "丙路", "", 1, True, 111.71)])
    assert compare_hotspots(now, before)["status"].tolist() == ["persisting"]
    # an old run folder without n_cases: its flagged units count, and the note says so
    old_run = before.drop(columns="n_cases")
    out = compare_hotspots(now, old_run)
    assert out["status"].tolist() == ["persisting"]
    assert out["note"].iloc[0] == "上期结果没有起数，未核对案件"
    assert out.attrs["flagged_without_cases"] == {"current": 0, "previous": 0}
    # a unit matched by position after an area rebuild says which unit it was
    moved = _units([("S:c:1:000030", "丙路", "", 2, True, 111.7103)])
    note = compare_hotspots(moved, before).set_index("unit_id").loc["S:c:1:000030", "note"]
    assert "S:c:1:000000" in note and "50米" in note


@pytest.mark.parametrize("seed", range(4))
def test_counting_property_on_shuffled_demo_units(demo_quarter_run, seed):
    """The finished demo quarter against a synthetic previous quarter (flags and counts of
    the same units shuffled): every 持续 unit has cases in both windows, every 新增 one in
    this window, every 消除 one in the previous; no unit without a case appears."""
    units = demo_quarter_run.result.hotspots.units
    units = units.assign(hotspot_class=units["hotspot_class"].fillna(""))
    rng = np.random.default_rng(seed)
    # find_hotspots classes no unit without a case of its own; an older run's frame (or
    # another classifier) may: 15 such units flagged, for the comparison to leave out
    empty = units.index[units["n_cases"] == 0]
    units.loc[rng.choice(empty, 15, replace=False), "hotspot_class"] = "cluster"
    prev = units.copy()
    flagged = units.index[units["hotspot_class"] != ""]
    near = rng.choice(units.index, 60, replace=False)
    prev.loc[flagged, "hotspot_class"] = np.where(
        rng.random(len(flagged)) < 0.6, units.loc[flagged, "hotspot_class"], ""
    )
    prev.loc[near, "hotspot_class"] = "significant"
    prev["n_cases"] = rng.permutation(units["n_cases"].to_numpy())
    out = compare_hotspots(units, prev)
    st = out.set_index("unit_id")["status"]
    assert (out.loc[out["status"] != "resolved", "n_cases"] >= 1).all()
    assert (out.loc[out["status"] != "new", "n_cases_previous"] >= 1).all()
    hot_now = units.loc[(units["hotspot_class"] != "") & (units["n_cases"] >= 1), "unit_id"]
    hot_before = prev.loc[(prev["hotspot_class"] != "") & (prev["n_cases"] >= 1), "unit_id"]
    assert set(st[st != "resolved"].index) == set(hot_now)
    assert set(out.loc[out["status"] != "new", "previous_unit_id"]) == set(hot_before)
    # margins: the 15 planted flagged units without a case are all left out
    assert flagged_without_cases(units) >= 15
    assert out.attrs["flagged_without_cases"]["current"] == flagged_without_cases(units)


def test_report_sections_list_only_units_with_cases(demo_quarter_run):
    """The report's hotspot, emerging and comparison listings of the demo quarter name no
    unit without a case in its window, and show each listed unit's cases by quarter."""
    import dataclasses

    from trafficprev.pipeline import Comparison
    from trafficprev.report._comparison import comparison
    from trafficprev.report._hotspots import hotspots
    from trafficprev.report._input import View
    from trafficprev.report._trends import trends

    result = demo_quarter_run.result
    units = result.hotspots.units
    flagged = units["hotspot_class"].fillna("") != ""
    with_cases = flagged & (units["n_cases"] >= 1)
    v = View(result, result.settings, None)
    hs = hotspots(v)
    assert hs["no_cases"] == str(int((flagged & ~with_cases).sum()))
    shown = sum(int(row[1].text.replace(",", "")) for row in hs["classes"].rows)
    assert shown == int(with_cases.sum())
    top = hs["top"]
    n_col = top.headers.index("起数 (cases)")
    q_col = top.headers.index("各季度起数 (cases by quarter)")
    for row in top.rows:
        n = int(row[n_col].text)
        parts = row[q_col].text.split("、")
        assert n >= 1 and sum(int(p.split(":")[1]) for p in parts) == n
        assert all(p.split(":")[0] in result.window for p in parts)
    em = trends(v)["emerging"]["units"]
    if em.rows is not None:
        n_col = em.headers.index("起数 (cases)")
        assert all(int(row[n_col].text.rstrip("*")) >= 1 for row in em.rows)
    # a previous quarter whose flagged units include some without a case
    prev = units.assign(hotspot_class=units["hotspot_class"].fillna(""))
    prev.loc[prev.index[:50], "hotspot_class"] = "significant"
    cur = units.assign(hotspot_class=units["hotspot_class"].fillna(""))
    comp = Comparison(
        previous="runs/2024Q3",
        hotspots=compare_hotspots(cur, prev),
        enterprises=compare_key_enterprises(result.key, result.key),
    )
    data = comparison(View(dataclasses.replace(result, comparison=comp), result.settings, None))
    assert data["hotspots"]["persisting"] == str(int(with_cases.sum()))
    assert data["hotspots"]["left_out"]["current"] == hs["no_cases"]
    assert int(data["hotspots"]["left_out"]["previous"]) >= 50 - int(
        (units["n_cases"].iloc[:50] >= 1).sum()
    )
