"""Review queue, overrides read from analysts' files, and their application to cases."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from trafficprev._errors import SchemaError
from trafficprev.coords import bd09_to_wgs84, gcj02_to_wgs84
from trafficprev.geocode._review import (
    GEOCODE_COLUMNS,
    LEVELS,
    OVERRIDE_COLUMNS,
    REPORT_COLUMNS,
    REVIEW_INPUT_COLUMNS,
    apply_overrides,
    read_overrides,
    review_queue,
    text_hash,
    text_key,
    write_review_queue,
)

QUEUE_COLUMNS = [
    "decision_no",
    "quarter",
    "injured_on",
    "place_text",
    "text_hash",
    "match_level",
    "confidence",
    "reason",
    "slot_road",
    "slot_cross_road",
    "candidates",
    *REVIEW_INPUT_COLUMNS,
]


@pytest.fixture
def cases() -> pd.DataFrame:
    rows = [
        # decision_no, place_text, lon, lat, level, confidence, road, cross
        (
            "D01",
            "人民路与洞庭大道交叉口",
            111.69,
            29.04,
            "intersection",
            0.95,
            "人民路",
            "洞庭大道",
        ),
        ("D02", "武陵大道附近", 111.70, 29.03, "road", 0.40, "武陵大道", None),
        ("D03", "某某村路段", 111.60, 29.10, "village", 0.30, None, None),
        ("D04", "不知道哪里", np.nan, np.nan, "none", 0.0, None, None),
        ("D05", "=1+1路口", 111.68, 29.02, "road", 0.40, "朗州路", None),
        ("D06", "柳叶湖 旅游区", 111.72, 29.08, "landmark", 0.55, None, None),
        ("D07", "G319国道K5处", 111.75, 29.00, "road_offset", 0.80, "G319", None),
        ("D08", "同上", 111.71, 29.05, "township", np.nan, None, None),
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "decision_no",
            "place_text",
            "lon",
            "lat",
            "match_level",
            "confidence",
            "matched_road",
            "matched_cross_road",
        ],
    )
    frame["reason"] = "测试 test"
    frame["slot_road"] = ["人民路", "武陵大道", "", "", "", "", "G319", ""]
    frame["slot_cross_road"] = ["洞庭大道", "", "", "", "", "", "", ""]
    frame["candidates"] = ["", "1. 武陵大道 (0.40)", "1. 某某村", "", "", "", "", ""]
    frame["worker_name"] = "张三"  # personal data: must never reach the queue
    frame["employer"] = "某公司"
    return frame


def _candidates(decision_no: str) -> list[tuple[float, float, str | None, str | None]]:
    return {
        "D02": [(111.701, 29.031, "武陵大道", None), (111.702, 29.032, "武陵大道", "人民路")],
        "D03": [(111.601, 29.101, "某某路", None)],
    }.get(decision_no, [])


# ---------------------------------------------------------------- text key and hash


def test_text_key_and_hash() -> None:
    assert text_key(" 人民路\u3000与 洞庭大道\t交叉口\n") == "人民路与洞庭大道交叉口"
    assert text_key("Ｇ３１９") == "G319"
    assert text_key(None) == text_key(np.nan) == ""
    h = text_hash("人民路 与洞庭大道交叉口")
    assert h == hashlib.sha1("人民路与洞庭大道交叉口".encode()).hexdigest()[:12]
    assert h == text_hash("人民路与洞庭大道交叉口")
    assert text_hash("人民路") != text_hash("人民路口")


def test_levels_and_columns() -> None:
    assert LEVELS[0] == "override" and LEVELS[-1] == "none" and len(set(LEVELS)) == 10
    assert GEOCODE_COLUMNS == (
        "lon",
        "lat",
        "match_level",
        "confidence",
        "matched_road",
        "matched_cross_road",
        "reason",
    )


# ---------------------------------------------------------------- queue


def test_queue_contents_and_sorting(cases: pd.DataFrame) -> None:
    queue = review_queue(cases, threshold=0.6)
    assert list(queue.columns) == QUEUE_COLUMNS
    # D01 (0.95) and D07 (0.80) are confident enough; D08 has no confidence: queued
    # order: landmark D06, road D02/D05 by confidence then number, village, township, none
    assert list(queue["decision_no"]) == ["D06", "D02", "D05", "D03", "D08", "D04"]
    assert list(queue.index) == list(range(6))
    assert "worker_name" not in queue and "employer" not in queue
    for col in REVIEW_INPUT_COLUMNS:
        assert (queue[col] == "").all()
    row = queue.set_index("decision_no").loc["D02"]
    assert row["text_hash"] == text_hash("武陵大道附近")
    assert row["slot_road"] == "武陵大道"
    assert row["candidates"] == "1. 武陵大道 (0.40)"
    assert row["confidence"] == pytest.approx(0.40)


def test_queue_names_the_quarter_and_day_of_each_accident(cases: pd.DataFrame) -> None:
    """With the accident time, every queued row says which quarter and day it is from (so a
    reviewer can sort and a run can keep its window); a case without a time shows blanks."""
    when = pd.to_datetime(
        ["2024-12-31 23:50", "2024-10-01 07:10", "2023-03-05 18:00", None,
         "2024-11-05 06:40", "2024-07-01 00:05", "2024-01-02 08:00", "2024-09-30 17:30"]
    )  # fmt: skip
    queue = review_queue(cases.assign(injured_at=when), threshold=0.6).set_index("decision_no")
    assert queue.loc["D02", ["quarter", "injured_on"]].tolist() == ["2024Q4", "2024-10-01"]
    assert queue.loc["D03", ["quarter", "injured_on"]].tolist() == ["2023Q1", "2023-03-05"]
    assert queue.loc["D06", ["quarter", "injured_on"]].tolist() == ["2024Q3", "2024-07-01"]
    assert queue.loc["D08", ["quarter", "injured_on"]].tolist() == ["2024Q3", "2024-09-30"]
    assert queue.loc["D04", ["quarter", "injured_on"]].tolist() == ["", ""]
    without = review_queue(cases, threshold=0.6)
    assert (without["quarter"] == "").all() and (without["injured_on"] == "").all()


def test_queue_threshold(cases: pd.DataFrame) -> None:
    # confidence equal to the threshold is not queued; 'none' and missing always are
    assert set(review_queue(cases, threshold=0.55)["decision_no"]) == {
        "D02",
        "D03",
        "D04",
        "D05",
        "D08",
    }
    assert set(review_queue(cases, threshold=0.0)["decision_no"]) == {"D04", "D08"}
    assert len(review_queue(cases, threshold=1.0)) == len(cases)
    placed = cases.assign(match_level="override", confidence=1.0)
    assert review_queue(placed, threshold=1.0).empty


def test_queue_rejects_bad_input(cases: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="threshold"):
        review_queue(cases, threshold=1.5)
    with pytest.raises(SchemaError, match="street"):
        review_queue(cases.assign(match_level="street"), threshold=0.5)
    with pytest.raises(SchemaError, match="confidence"):
        review_queue(cases.drop(columns="confidence"), threshold=0.5)


def test_queue_does_not_mutate(cases: pd.DataFrame) -> None:
    before = cases.copy()
    review_queue(cases, threshold=0.6)
    pd.testing.assert_frame_equal(cases, before)


# ---------------------------------------------------------------- round trips


def _queue_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def test_round_trip_through_xlsx(cases: pd.DataFrame, tmp_path: Path) -> None:
    queue = review_queue(cases, threshold=0.6)
    csv_path = write_review_queue(queue, tmp_path / "review_queue.csv")
    assert csv_path.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = _queue_rows(csv_path)
    header = rows[0]
    assert header == QUEUE_COLUMNS
    # the formula-like place text is neutralised in the file
    d05 = next(r for r in rows if r[0] == "D05")
    assert d05[header.index("place_text")] == "'=1+1路口"

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["二〇二四年第四季度 人工定位"])  # a title row above the header
    for r in rows:
        sheet.append(r)
    col = {name: i + 1 for i, name in enumerate(header)}
    excel_row = {r[0]: i + 2 for i, r in enumerate(rows)}  # title row 1, header row 2
    sheet.cell(excel_row["D05"], col["override_lon"], 111.6812345678901)
    sheet.cell(excel_row["D05"], col["override_lat"], 29.0212345678901)
    sheet.cell(excel_row["D02"], col["override_candidate"], 2)
    sheet.cell(excel_row["D02"], col["note"], "选第二个")
    xlsx = tmp_path / "overrides.xlsx"
    book.save(xlsx)

    overrides = read_overrides(xlsx)
    assert list(overrides.columns) == list(OVERRIDE_COLUMNS)
    assert list(overrides["decision_no"]) == ["D02", "D05"]
    assert overrides.attrs["skipped_rows"] == len(queue) - 2
    assert overrides["candidate"].dtype == "Int64"
    assert list(overrides["source_row"]) == [excel_row["D02"], excel_row["D05"]]
    # the apostrophe that neutralised the formula is gone again
    assert overrides.loc[1, "place_text"] == "=1+1路口"
    assert overrides.loc[1, "text_hash"] == text_hash("=1+1路口")

    before = cases.copy()
    result, report = apply_overrides(cases, overrides, _candidates)
    pd.testing.assert_frame_equal(cases, before)  # input untouched
    assert report.empty and list(report.columns) == list(REPORT_COLUMNS)
    by = result.set_index("decision_no")
    assert by.loc["D05", "lon"] == 111.6812345678901  # exact: no rounding on the way
    assert by.loc["D05", "lat"] == 29.0212345678901
    assert by.loc["D05", "match_level"] == "override"
    assert by.loc["D05", "confidence"] == 1.0
    assert by.loc["D05", "reason"] == (
        f"人工指定 manual override (row {excel_row['D05']} of overrides.xlsx)"
    )
    assert pd.isna(by.loc["D05", "matched_road"])
    assert (by.loc["D02", ["lon", "lat"]].tolist()) == [111.702, 29.032]
    assert by.loc["D02", "matched_cross_road"] == "人民路"
    untouched = ~result["decision_no"].isin(["D02", "D05"])
    pd.testing.assert_frame_equal(result[untouched], cases[untouched])
    assert report.attrs["applied"] == 2


def test_round_trip_through_gb18030_csv(cases: pd.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "人工定位.csv"
    gcj = (111.6905, 29.0405)
    lines = [
        "认定书编号,受伤地点,经度,纬度,坐标系,备注",
        f"D03,某某村路段,{gcj[0]},{gcj[1]},GCJ-02,高德地图取点",
        "D04,不知道哪里,111.6,29.0,,",
        "D06,柳叶湖旅游区,,,,没找到",
    ]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gb18030"))
    overrides = read_overrides(path)
    assert list(overrides["decision_no"]) == ["D03", "D04"]
    assert overrides.attrs["skipped_rows"] == 1
    assert list(overrides["crs"]) == ["GCJ02", "WGS84"]
    want_lon, want_lat = gcj02_to_wgs84(gcj[0], gcj[1])
    assert overrides.loc[0, "lon"] == pytest.approx(float(want_lon), abs=1e-9)
    assert overrides.loc[0, "lat"] == pytest.approx(float(want_lat), abs=1e-9)
    assert abs(overrides.loc[0, "lon"] - gcj[0]) > 1e-3  # converted, not copied
    # the hash is computed from the place text when the file has none
    assert overrides.loc[0, "text_hash"] == text_hash("某某村路段")

    result, report = apply_overrides(cases, overrides)
    assert report.empty
    by = result.set_index("decision_no")
    assert by.loc["D03", "lon"] == pytest.approx(float(want_lon), abs=1e-9)
    assert by.loc["D04", "match_level"] == "override"
    assert by.loc["D04", "reason"] == "人工指定 manual override (row 3 of 人工定位.csv)"


def test_bd09_override_converted(tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    path.write_text("decision_no,经度,纬度,坐标系\nD01,111.70,29.05,百度\n", encoding="utf-8")
    overrides = read_overrides(path)
    want = bd09_to_wgs84(111.70, 29.05)
    assert overrides.loc[0, ["lon", "lat"]].tolist() == pytest.approx(
        [float(want[0]), float(want[1])], abs=1e-9
    )


# ---------------------------------------------------------------- matching rules


def _overrides(rows: list[dict[str, object]]) -> pd.DataFrame:
    base = {
        "decision_no": "",
        "text_hash": "",
        "place_text": "",
        "lon": np.nan,
        "lat": np.nan,
        "candidate": pd.NA,
        "note": "",
        "source_file": "overrides.csv",
        "crs": "WGS84",
    }
    frame = pd.DataFrame([{**base, **r, "source_row": i + 2} for i, r in enumerate(rows)])
    frame["candidate"] = frame["candidate"].astype("Int64")
    return frame[list(OVERRIDE_COLUMNS)]


def test_stale_when_place_text_changed(cases: pd.DataFrame) -> None:
    old = "人民路与洞庭大道路口"  # what the case said when the analyst answered
    overrides = _overrides(
        [
            {"decision_no": "D01", "text_hash": text_hash(old), "lon": 111.6, "lat": 29.0},
            {"decision_no": "D02", "place_text": "武陵大道西", "lon": 111.6, "lat": 29.0},
            # whitespace and width differences are not changes
            {"decision_no": "D06", "place_text": "柳叶湖旅游区", "lon": 111.73, "lat": 29.09},
        ]
    )
    result, report = apply_overrides(cases, overrides)
    assert list(report["status"]) == ["stale", "stale"]
    assert list(report["decision_no"]) == ["D01", "D02"]
    assert "人民路与洞庭大道交叉口" in report.loc[0, "detail"]
    by = result.set_index("decision_no")
    assert by.loc["D01", "match_level"] == "intersection"  # not applied
    assert by.loc["D01", "lon"] == 111.69
    assert by.loc["D06", "match_level"] == "override"
    assert report.attrs["applied"] == 1


def test_unknown_cases_reported(cases: pd.DataFrame) -> None:
    overrides = _overrides(
        [
            {"decision_no": "D99", "lon": 111.6, "lat": 29.0},
            {"text_hash": text_hash("上季度的地点"), "lon": 111.6, "lat": 29.0},
        ]
    )
    result, report = apply_overrides(cases, overrides)
    assert list(report["status"]) == ["unknown_case", "unknown_case"]
    assert set(report["decision_no"]) == {"D99", ""}
    pd.testing.assert_frame_equal(result[cases.columns], cases, check_dtype=False)


def test_candidate_pick_and_bad_candidate(cases: pd.DataFrame) -> None:
    overrides = _overrides(
        [
            {"decision_no": "D02", "candidate": 1},
            {"decision_no": "D03", "candidate": 2},  # D03 lists one candidate
        ]
    )
    result, report = apply_overrides(cases, overrides, _candidates)
    assert list(report["status"]) == ["bad_candidate"]
    assert "1 candidate" in report.loc[0, "detail"]
    by = result.set_index("decision_no")
    assert by.loc["D02", ["lon", "lat", "matched_road"]].tolist() == [111.701, 29.031, "武陵大道"]
    assert by.loc["D03", "match_level"] == "village"
    # without a candidate list every pick is a bad candidate
    _, report = apply_overrides(cases, overrides)
    assert list(report["status"]) == ["bad_candidate", "bad_candidate"]


def test_override_by_text_applies_to_every_case_with_that_text(cases: pd.DataFrame) -> None:
    frame = pd.concat(
        [cases, cases.iloc[[3]].assign(decision_no="D09", place_text="不知道 哪里")],
        ignore_index=True,
    )
    overrides = _overrides(
        [
            {"decision_no": "D04", "lon": 111.65, "lat": 29.05},  # per case: wins
            {"text_hash": text_hash("不知道哪里"), "lon": 111.6, "lat": 29.0},
        ]
    )
    result, report = apply_overrides(frame, overrides)
    assert report.empty
    by = result.set_index("decision_no")
    assert by.loc["D09", ["lon", "lat", "match_level"]].tolist() == [111.6, 29.0, "override"]
    assert by.loc["D04", ["lon", "lat"]].tolist() == [111.65, 29.05]
    assert result.index.equals(frame.index)


# ---------------------------------------------------------------- bad files


def test_bad_coordinates_name_the_rows(tmp_path: Path) -> None:
    path = tmp_path / "overrides.csv"
    path.write_text(
        "decision_no,override_lon,override_lat,override_crs,override_candidate\n"
        "D01,abc,29.0,,\n"  # row 2
        "D02,111.6,29.0,,\n"  # row 3: fine
        "D03,111.6,60.0,,\n"  # row 4: north of China
        "D04,29.0,111.6,,\n"  # row 5: swapped
        "D05,111.6,29.0,UTM,\n"  # row 6: unknown CRS
        "D06,111.6,29.0,,1\n"  # row 7: point and candidate
        "D07,,,,0\n"  # row 8: no candidate 0
        "D08,111.6,,,\n",  # row 9: latitude missing
        encoding="utf-8",
    )
    with pytest.raises(SchemaError) as info:
        read_overrides(path)
    message = str(info.value)
    for row in (2, 4, 5, 6, 7, 8, 9):
        assert f"row {row}:" in message
    assert "row 3:" not in message
    assert "'abc' is not a number" in message
    assert "swapped" in message
    assert "UTM" in message


def test_conflicting_answers_for_one_case(tmp_path: Path) -> None:
    path = tmp_path / "overrides.csv"
    path.write_text(
        "认定书编号,经度,纬度\nD01,111.6,29.0\nD01,111.6,29.0\nD02,111.6,29.0\nD02,111.7,29.0\n",
        encoding="utf-8",
    )
    with pytest.raises(SchemaError, match="rows 4, 5: different answers"):
        read_overrides(path)


def test_overrides_need_key_and_answer_columns(tmp_path: Path) -> None:
    path = tmp_path / "overrides.csv"
    path.write_text("decision_no,note,place_text\nD01,x,y\n", encoding="utf-8")
    with pytest.raises(SchemaError, match="override_candidate"):
        read_overrides(path)
