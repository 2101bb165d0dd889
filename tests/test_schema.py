"""The shared column check :func:`trafficprev.schema.require_columns` (issue 17, item 6)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from trafficprev import ArgumentError, SchemaError
from trafficprev.schema import COLUMN_KINDS, normalize_header, require_columns


@pytest.fixture
def cases() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "decision_no": ["A1", "A2"],
            "lon": [111.7, 111.8],
            "injured_at": pd.to_datetime(["2024-10-01 07:30", "2024-11-02 18:10"]),
            "when_text": ["2024-10-01", "2024-11-02"],
            "hot": [True, False],
        }
    )


def test_a_table_with_every_column_passes(cases):
    assert require_columns(cases, ["decision_no", "lon"], what="cases") is None
    require_columns(cases, [], what="cases")
    require_columns(
        cases,
        ["decision_no"],
        what="cases",
        dtypes={"lon": "numeric", "injured_at": "datetime", "hot": "bool", "when_text": "text"},
    )


def test_every_missing_column_is_named_at_once_in_english_and_chinese(cases):
    with pytest.raises(SchemaError) as info:
        require_columns(cases, ["lon", "lat", "unit_id", "employer"], what="cases")
    message = str(info.value)
    english, chinese = message.split(" / ")
    assert english.startswith(
        "cases lacks column(s) 'lat' (纬度), 'unit_id', 'employer' (用人单位)"
    )
    assert "columns found: ['decision_no', 'lon', 'injured_at', 'when_text', 'hot']" in english
    assert chinese.startswith("cases 缺少列：纬度 (lat)、unit_id、用人单位 (employer)")
    assert "'lon'" not in english.split("columns found")[0]  # present: not named as missing


def test_a_column_named_twice_is_reported_once(cases):
    with pytest.raises(SchemaError) as info:
        require_columns(cases, ["lat", "lat"], what="cases", dtypes={"lat": "numeric"})
    assert str(info.value).count("'lat'") == 1


def test_columns_of_the_wrong_kind_are_named_with_the_missing_ones(cases):
    with pytest.raises(SchemaError) as info:
        require_columns(
            cases,
            ["unit_id"],
            what="cases",
            dtypes={"when_text": "datetime", "decision_no": "numeric", "lon": "numeric"},
        )
    message = str(info.value)
    assert "lacks column(s) 'unit_id'" in message
    assert "column 'when_text' must hold date-times (datetime64)" in message
    assert "column 'decision_no' must hold numbers" in message
    assert "'lon'" not in message.split("columns found")[0]
    assert "列 when_text 应为日期时间" in message and "列 decision_no 应为数值" in message


def test_booleans_are_not_numbers(cases):
    with pytest.raises(SchemaError, match="'hot' must hold numbers"):
        require_columns(cases, [], what="cases", dtypes={"hot": "numeric"})


def test_a_long_header_is_cut_in_the_message():
    wide = pd.DataFrame(columns=[f"c{i}" for i in range(100)])
    with pytest.raises(SchemaError) as info:
        require_columns(wide, ["x"], what="t")
    assert "c29" in str(info.value) and "c30" not in str(info.value) and "…" in str(info.value)


def test_the_error_is_a_value_error_for_old_callers(cases):
    with pytest.raises(ValueError, match="unit_id"):
        require_columns(cases, ["unit_id"], what="cases")


def test_an_unknown_kind_is_a_bad_argument(cases):
    with pytest.raises(ArgumentError, match="unknown column kind"):
        require_columns(cases, [], what="cases", dtypes={"lon": "number"})
    assert set(COLUMN_KINDS) == {"numeric", "datetime", "bool", "text"}


def test_repeated_headers_are_checked_by_their_first_column():
    frame = pd.DataFrame([[1.0, "a"]], columns=["lon", "lon"])
    require_columns(frame, ["lon"], what="t", dtypes={"lon": "numeric"})


@pytest.mark.parametrize(
    ("call", "match"),
    [
        ("windows", "cases lacks column"),
        ("compare", "current lacks column"),
        ("plots", "table lacks column"),
    ],
)
def test_the_package_checks_columns_with_it(call, match):
    empty = pd.DataFrame({"x": [1]})
    if call == "windows":
        from trafficprev.hotspots import flag_windows

        with pytest.raises(SchemaError, match=match):
            flag_windows(empty, "point_1y", as_of=dt.date(2024, 12, 31))
    elif call == "compare":
        from trafficprev.trends import compare_key_enterprises

        with pytest.raises(SchemaError, match=match):
            compare_key_enterprises(empty, empty)
    else:
        from trafficprev.groups import plot_funnel

        with pytest.raises(SchemaError, match=match):
            plot_funnel(empty)


def test_normalize_header_drops_blanks_and_punctuation():
    assert normalize_header(" 受伤　时间 ") == "受伤时间"
    assert normalize_header("Decision_No") == "decisionno"


def test_the_cases_layer_of_a_run_names_no_personal_column():
    """The output schema of ``cases.gpkg``'s ``cases`` layer (schema.py) keeps the personal
    columns out by construction, and the narrative with them."""
    from trafficprev.schema import CASES_LAYER, PERSONAL_COLUMNS

    assert PERSONAL_COLUMNS and not set(CASES_LAYER) & set(PERSONAL_COLUMNS)
    assert "narrative" not in CASES_LAYER and "decision_no" in CASES_LAYER
