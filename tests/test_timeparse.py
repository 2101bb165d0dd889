"""Tests of :mod:`trafficprev.timeparse`."""

from __future__ import annotations

import datetime as dt
import decimal
import random

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trafficprev.timeparse import ERROR_CODES, PRECISIONS, ParsedTime, parse_time, parse_times

D = dt.datetime
DAY_0305 = D(2024, 3, 5)


def _at(hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return D(2024, 3, 5, hour, minute, second)


# ---------------------------------------------------------------------------
# parse_time: accepted forms
# ---------------------------------------------------------------------------

# (text, value, precision, approximate)
STRING_CASES = [
    # ISO and other numeric layouts
    ("2024-03-05 07:30", _at(7, 30), "minute", False),
    ("2024-03-05T07:30:00", _at(7, 30), "minute", False),
    ("2024-03-05 07:30:15", _at(7, 30, 15), "minute", False),
    ("2024-03-05t07:30", _at(7, 30), "minute", False),
    ("2024-03-05", DAY_0305, "day", False),
    ("2024/3/5 7:30", _at(7, 30), "minute", False),
    ("2024/03/05 07:30:00", _at(7, 30), "minute", False),
    ("2024/3/5", DAY_0305, "day", False),
    ("2024.3.5", DAY_0305, "day", False),
    ("2024.03.05 17:30", _at(17, 30), "minute", False),
    ("20240305", DAY_0305, "day", False),
    ("20240305 0730", _at(7, 30), "minute", False),
    ("202403050730", _at(7, 30), "minute", False),
    ("20240305073015", _at(7, 30, 15), "minute", False),
    ("2024-3-5 7:30:00.000", _at(7, 30), "minute", False),
    ("2024-03-05 07:30:00.123456", _at(7, 30), "minute", False),
    ("2024-03-05T07:30:00+08:00", _at(7, 30), "minute", False),
    ("2024-03-05T07:30:00Z", _at(15, 30), "minute", False),
    ("2024-03-05 07:30:00+0000", _at(15, 30), "minute", False),
    # 年月日 with 时/点/分
    ("2024年3月5日", DAY_0305, "day", False),
    ("2024年03月05日", DAY_0305, "day", False),
    ("2024年3月5号", DAY_0305, "day", False),
    ("2024年3月5日7时30分", _at(7, 30), "minute", False),
    ("2024年3月5日7时30分许", _at(7, 30), "minute", True),
    ("2024年3月5日7时许", _at(7), "hour", True),
    ("2024年3月5日7时", _at(7), "hour", False),
    ("2024年3月5日7点", _at(7), "hour", False),
    ("2024年3月5日7点钟", _at(7), "hour", False),
    ("2024年3月5日8点整", _at(8), "hour", False),
    ("2024年3月5日7点30", _at(7, 30), "minute", False),
    ("2024年3月5日7时30分15秒", _at(7, 30, 15), "minute", False),
    ("2024年3月5日17:30", _at(17, 30), "minute", False),
    ("2024年3月5日 17:30", _at(17, 30), "minute", False),
    ("2024年3月5日17:30左右", _at(17, 30), "minute", True),
    ("2024年3月5日7点半", _at(7, 30), "minute", False),
    ("2024年3月5日7点一刻", _at(7, 15), "minute", False),
    ("2024年3月5日7点三刻", _at(7, 45), "minute", False),
    # day-period words
    ("2024年3月5日下午5点多", _at(17), "hour", True),
    ("2024年3月5日下午5点", _at(17), "hour", False),
    ("2024年3月5日下午17时", _at(17), "hour", False),
    ("2024年3月5日晚上8点半", _at(20, 30), "minute", False),
    ("2024年3月5日早上7时40分左右", _at(7, 40), "minute", True),
    ("2024年3月5日早晨6点", _at(6), "hour", False),
    ("2024年3月5日上午9时20分", _at(9, 20), "minute", False),
    ("2024年3月5日上午12时", _at(12), "hour", False),
    ("2024年3月5日中午12点10分", _at(12, 10), "minute", False),
    ("2024年3月5日中午12点", _at(12), "hour", False),
    ("2024年3月5日中午1点", _at(13), "hour", False),
    ("2024年3月5日中午3点", _at(15), "hour", False),
    ("2024年3月5日中午11点50分", _at(11, 50), "minute", False),
    ("2024年3月5日凌晨3时", _at(3), "hour", False),
    ("2024年3月5日凌晨12点30分", _at(0, 30), "minute", False),
    ("2024年3月5日凌晨0时10分", _at(0, 10), "minute", False),
    ("2024年3月5日傍晚6点", _at(18), "hour", False),
    ("2024年3月5日晚7时", _at(19), "hour", False),
    ("2024年3月5日晚上11点", _at(23), "hour", False),
    ("2024年3月5日夜间23时", _at(23), "hour", False),
    ("2024年3月5日夜里10点", _at(22), "hour", False),
    ("2024年3月5日夜里1点", _at(1), "hour", False),
    ("2024年3月5日晚上12点", D(2024, 3, 6), "hour", False),
    ("2024年3月5日下午 5:30", _at(17, 30), "minute", False),
    ("2024/3/5 下午 05:30:00", _at(17, 30), "minute", False),
    ("2024/3/5 上午 09:05:00", _at(9, 5), "minute", False),
    ("2024-03-05 7:30 PM", _at(19, 30), "minute", False),
    ("2024-03-05 7:30 am", _at(7, 30), "minute", False),
    # Chinese numerals
    ("二〇二四年三月五日十七时许", _at(17), "hour", True),
    ("二零二四年三月五日下午五点三十分", _at(17, 30), "minute", False),
    ("二〇二四年三月五日", DAY_0305, "day", False),
    ("二〇二四年十二月三十一日二十三时五十九分", D(2024, 12, 31, 23, 59), "minute", False),
    ("二○二四年三月五日", DAY_0305, "day", False),
    ("二O二四年三月五日", DAY_0305, "day", False),
    ("2024年三月五日十七时二十分", _at(17, 20), "minute", False),
    ("2024年3月5日两点", _at(2), "hour", False),
    ("2024年3月5日十点零五分", _at(10, 5), "minute", False),
    # full-width digits, stray and ideographic spaces, invisible characters
    ("２０２４年３月５日", DAY_0305, "day", False),
    ("２０２４－０３－０５　０７：３０", _at(7, 30), "minute", False),
    (" 2024 年 3 月 5 日　7 时 30 分 ", _at(7, 30), "minute", False),
    ("\u30002024-03-05 07:30\u3000", _at(7, 30), "minute", False),
    ("2024-03-05  07:30", _at(7, 30), "minute", False),
    ("\ufeff2024-03-05\u200b", DAY_0305, "day", False),
    ("2024年3月5日\n7时", _at(7), "hour", False),
    # hedges anywhere
    ("2024年3月5日7时左右", _at(7), "hour", True),
    ("2024年3月5日7时前后", _at(7), "hour", True),
    ("约2024年3月5日7时", _at(7), "hour", True),
    ("2024年3月5日大约7时", _at(7), "hour", True),
    ("2024-03-05 07:30左右", _at(7, 30), "minute", True),
    ("2024年3月5日17时30分许。", _at(17, 30), "minute", True),
    # weekday annotations
    ("2024年3月5日(星期二)下午3点", _at(15), "hour", False),
    ("2024年3月5日（周二）", DAY_0305, "day", False),
    # Excel serials as text
    ("45356.3125", _at(7, 30), "minute", False),
    ("45356", DAY_0305, "day", False),
    ("45356.0", DAY_0305, "day", False),
]


@pytest.mark.parametrize(("text", "value", "precision", "approximate"), STRING_CASES)
def test_parse_time_strings(
    text: str, value: dt.datetime, precision: str, approximate: bool
) -> None:
    assert parse_time(text) == ParsedTime(value, precision, approximate, None)


@pytest.mark.parametrize(
    ("value", "expected", "precision"),
    [
        (D(2024, 3, 5, 7, 30), _at(7, 30), "minute"),
        (D(2024, 3, 5, 7, 30, 15, 999), _at(7, 30, 15), "minute"),
        (D(2024, 3, 5), DAY_0305, "minute"),
        (dt.date(2024, 3, 5), DAY_0305, "day"),
        (pd.Timestamp("2024-03-05 07:30"), _at(7, 30), "minute"),
        (pd.Timestamp("2024-03-05 07:30:00.000000001"), _at(7, 30), "minute"),
        (pd.Timestamp("2024-03-04 23:30", tz="UTC"), _at(7, 30), "minute"),
        (pd.Timestamp("2024-03-05 07:30", tz="Asia/Shanghai"), _at(7, 30), "minute"),
        (D(2024, 3, 4, 23, 30, tzinfo=dt.UTC), _at(7, 30), "minute"),
        (np.datetime64("2024-03-05T07:30"), _at(7, 30), "minute"),
        (45356.3125, _at(7, 30), "minute"),
        (np.float64(45356.3125), _at(7, 30), "minute"),
        (45356, DAY_0305, "day"),
        (np.int64(45356), DAY_0305, "day"),
        (45356.0, DAY_0305, "day"),
        (decimal.Decimal("45356.3125"), _at(7, 30), "minute"),
        (45356 + (7 * 3600 + 30 * 60 + 0.4) / 86400, _at(7, 30), "minute"),
        (20240305, DAY_0305, "day"),
        (202403050730, _at(7, 30), "minute"),
        (1, D(1900, 1, 1), "day"),
        (59, D(1900, 2, 28), "day"),
        (61, D(1900, 3, 1), "day"),
        (b"2024-03-05 07:30", _at(7, 30), "minute"),
        ("2024年3月5日".encode("gb18030"), DAY_0305, "day"),
    ],
)
def test_parse_time_typed_values(value: object, expected: dt.datetime, precision: str) -> None:
    assert parse_time(value) == ParsedTime(expected, precision, False, None)


def test_excel_serial_roundtrip_of_fraction() -> None:
    serial = (D(2024, 3, 5, 7, 30) - D(1899, 12, 30)) / dt.timedelta(days=1)
    assert serial == 45356.3125
    assert parse_time(serial).value == _at(7, 30)
    assert parse_time(repr(serial)).value == _at(7, 30)


# ---------------------------------------------------------------------------
# parse_time: bad inputs
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (None, "empty"),
        (float("nan"), "empty"),
        (np.nan, "empty"),
        (pd.NaT, "empty"),
        (pd.NA, "empty"),
        (np.datetime64("NaT"), "empty"),
        ("", "empty"),
        ("   ", "empty"),
        ("\u3000\t\n", "empty"),
        ("无", "empty"),
        ("不详", "empty"),
        ("/", "empty"),
        ("-", "empty"),
        ("NULL", "empty"),
        ("nan", "empty"),
        ("NaT", "empty"),
        ("0000-00-00 00:00:00", "empty"),
        (0, "empty"),
        ("0", "empty"),
        ("2024年2月30日", "invalid_date"),
        ("2023年2月29日", "invalid_date"),
        ("2024-13-01", "invalid_date"),
        ("2024-00-10", "invalid_date"),
        ("2024-04-31 08:00", "invalid_date"),
        ("2024/3/32", "invalid_date"),
        ("2024年3月5日25时", "invalid_date"),
        ("2024年3月5日24时", "invalid_date"),
        ("2024-03-05 24:00", "invalid_date"),
        ("2024-03-05 23:60", "invalid_date"),
        ("2024-03-05 23:59:60", "invalid_date"),
        ("2024年3月5日7时60分", "invalid_date"),
        ("20241305", "invalid_date"),
        ("25:00", "invalid_date"),
        ("25时", "invalid_date"),
        (60, "invalid_date"),
        ("3月5日", "no_year"),
        ("3月5日下午5点", "no_year"),
        ("3月5号7时许", "no_year"),
        ("十七时二十分", "no_year"),
        ("中午12点10分", "no_year"),
        ("中午1点", "no_year"),
        ("凌晨3时", "no_year"),
        ("17:30", "no_year"),
        (dt.time(7, 30), "no_year"),
        ("3月32日", "invalid_date"),
        ("1899-12-31", "out_of_range"),
        ("2101-01-01", "out_of_range"),
        ("1800年1月1日", "out_of_range"),
        ("9999-12-31 23:59", "out_of_range"),
        (D(1850, 1, 1), "out_of_range"),
        (dt.date(2200, 1, 1), "out_of_range"),
        (-5, "out_of_range"),
        (0.5, "out_of_range"),
        (3_000_000, "out_of_range"),
        (2958465, "out_of_range"),
        ("2958465", "out_of_range"),
        (1e300, "out_of_range"),
        (float("inf"), "unparseable"),
        (float("-inf"), "unparseable"),
        ("abc", "unparseable"),
        ("2024", "unparseable"),
        ("2024年", "unparseable"),
        ("2024年3月", "unparseable"),
        ("3/5/2024", "unparseable"),
        ("24年3月5日", "unparseable"),
        ("2024-03-05 7", "unparseable"),
        ("2024-03-05 07:", "unparseable"),
        ("2024年3月5日7:30-8:30", "unparseable"),
        ("2024年3月5日上午下午", "unparseable"),
        ("2024-03/05", "unparseable"),
        ("左右", "unparseable"),
        ("下午", "unparseable"),
        ("\x00", "unparseable"),
        ("2024-03-05\x00", "unparseable"),
        ("\x01\x02\x03\x7f", "unparseable"),
        ("2024-03-05" * 20, "unparseable"),
        ("x" * 1_000_000, "unparseable"),
        ("2" * 1_000_000, "unparseable"),
        (True, "unparseable"),
        (False, "unparseable"),
        (np.bool_(True), "unparseable"),
        (b"\xff\xfe\xfa", "unparseable"),
        ([2024, 3, 5], "unparseable"),
        ({"a": 1}, "unparseable"),
        (object(), "unparseable"),
        (complex(1, 2), "unparseable"),
    ],
)
def test_parse_time_errors(value: object, error: str) -> None:
    result = parse_time(value)
    assert result.error == error
    assert result.value is None
    assert result.precision is None


def test_approximate_survives_failure() -> None:
    result = parse_time("2024年2月30日7时许")
    assert result.error == "invalid_date"
    assert result.approximate


def test_megabyte_string_is_fast() -> None:
    import time

    start = time.perf_counter()
    for text in ("年" * 1_000_000, "2024-03-05 " * 100_000, " " * 999_999 + "x"):
        assert parse_time(text).error == "unparseable"
    assert time.perf_counter() - start < 1.0


def test_random_bytes_decoded_as_text_never_raise() -> None:
    rng = random.Random(20240305)
    for _ in range(500):
        raw = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))
        for text in (raw.decode("latin-1"), raw.decode("utf-8", errors="replace")):
            result = parse_time(text)
            assert isinstance(result, ParsedTime)
            assert result.error in (*ERROR_CODES, None)
        assert isinstance(parse_time(raw), ParsedTime)


def test_parsed_time_is_frozen() -> None:
    result = parse_time("2024-03-05")
    with pytest.raises(AttributeError):
        result.value = None  # type: ignore[misc]
    assert result.ok
    assert not parse_time("abc").ok


# ---------------------------------------------------------------------------
# Property tests
# ---------------------------------------------------------------------------

_CN = "〇一二三四五六七八九"


def _cn_int(n: int) -> str:
    tens, units = divmod(n, 10)
    if tens == 0:
        return _CN[units]
    return ("" if tens == 1 else _CN[tens]) + "十" + (_CN[units] if units else "")


def _twelve_hour(t: dt.datetime) -> str:
    if t.hour == 0:
        period, hour = "凌晨", 0
    elif t.hour < 12:
        period, hour = "上午", t.hour
    elif t.hour == 12:
        period, hour = "中午", 12
    else:
        period, hour = "下午", t.hour - 12
    return f"{t.year}年{t.month}月{t.day}日{period}{hour}点{t.minute}分"


def _serial(t: dt.datetime) -> float:
    return (t - D(1899, 12, 30)) / dt.timedelta(days=1)


RENDERINGS = {
    "iso": lambda t: t.strftime("%Y-%m-%d %H:%M"),
    "iso_t_seconds": lambda t: t.strftime("%Y-%m-%dT%H:%M:%S"),
    "slashes": lambda t: f"{t.year}/{t.month}/{t.day} {t.hour}:{t.minute:02d}",
    "nianyueri": lambda t: f"{t.year}年{t.month}月{t.day}日{t.hour}时{t.minute}分",
    "nianyueri_xu": lambda t: f"{t.year}年{t.month}月{t.day}日{t.hour}时{t.minute}分许",
    "twelve_hour": _twelve_hour,
    "chinese_numerals": lambda t: (
        "".join(_CN[int(c)] for c in str(t.year))
        + f"年{_cn_int(t.month)}月{_cn_int(t.day)}日{_cn_int(t.hour)}时{_cn_int(t.minute)}分"
    ),
    "fullwidth": lambda t: f"{t.year}年{t.month}月{t.day}日{t.hour}:{t.minute:02d}".translate(
        str.maketrans("0123456789:", "０１２３４５６７８９：")
    ),
    "compact": lambda t: t.strftime("%Y%m%d%H%M"),
    "excel_float": _serial,
    "excel_text": lambda t: repr(_serial(t)),
}

minute_datetimes = st.datetimes(min_value=D(1990, 1, 1), max_value=D(2035, 12, 31, 23, 59)).map(
    lambda t: t.replace(second=0, microsecond=0)
)


@pytest.mark.parametrize("form", sorted(RENDERINGS))
@given(when=minute_datetimes)
def test_roundtrip_property(form: str, when: dt.datetime) -> None:
    rendered = RENDERINGS[form](when)
    result = parse_time(rendered)
    assert result.error is None, rendered
    assert result.value == when, rendered
    if form.startswith("excel") and when.hour == when.minute == 0:
        assert result.precision == "day"
    else:
        assert result.precision == "minute"
    assert result.approximate == form.endswith("_xu")


@pytest.mark.parametrize("form", sorted(RENDERINGS))
@given(when=minute_datetimes)
def test_column_matches_scalar_property(form: str, when: dt.datetime) -> None:
    rendered = RENDERINGS[form](when)
    frame = parse_times(pd.Series([rendered, rendered, None]))
    assert frame["value"].iloc[0] == pd.Timestamp(when)
    assert frame["value"].iloc[1] == pd.Timestamp(when)
    assert frame["error"].tolist() == [None, None, "empty"]


@given(st.text(max_size=60))
def test_parse_time_never_raises_on_text(text: str) -> None:
    result = parse_time(text)
    assert result.error in (*ERROR_CODES, None)
    assert (result.value is None) == (result.error is not None)
    assert result.precision in (*PRECISIONS, None)
    assert (result.precision is None) == (result.value is None)


_date_alphabet = st.sampled_from(
    list("0123456789０１２３４５６７８９-/.:年月日号时点分秒半刻许多约左右前后上下午晚夜凌晨中傍早")
    + list("〇零一二两三四五六七八九十 \u3000tTZ+")
)


@given(st.text(alphabet=_date_alphabet, max_size=30))
def test_parse_time_never_raises_on_date_like_text(text: str) -> None:
    result = parse_time(text)
    assert result.error in (*ERROR_CODES, None)
    if result.value is not None:
        assert 1900 <= result.value.year <= 2100
        assert result.precision in PRECISIONS


cells = st.one_of(
    st.none(),
    st.text(max_size=20),
    st.text(alphabet=_date_alphabet, max_size=20),
    minute_datetimes.map(lambda t: t.strftime("%Y-%m-%d %H:%M")),
    minute_datetimes.map(RENDERINGS["nianyueri"]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.booleans(),
    st.datetimes(),
    st.dates(),
)


def _same(a: ParsedTime, row: pd.Series) -> bool:
    value = None if pd.isna(row["value"]) else row["value"].to_pydatetime()
    return (
        value == a.value
        and row["precision"] == a.precision
        and bool(row["approximate"]) == a.approximate
        and row["error"] == a.error
    )


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=150)
@given(st.lists(cells, max_size=30), st.integers(min_value=-5, max_value=5))
def test_parse_times_aligned_and_consistent(values: list[object], offset: int) -> None:
    index = pd.Index([offset + 3 * i for i in range(len(values))])
    series = pd.Series(values, index=index, dtype=object)
    frame = parse_times(series)
    assert list(frame.columns) == ["value", "precision", "approximate", "error"]
    assert frame.index.equals(series.index)
    assert str(frame["value"].dtype) == "datetime64[ns]"
    assert frame["approximate"].dtype == bool
    assert frame["precision"].dtype == object
    assert frame["error"].dtype == object
    for position, cell in enumerate(values):
        assert _same(parse_time(cell), frame.iloc[position]), cell


# ---------------------------------------------------------------------------
# parse_times
# ---------------------------------------------------------------------------


def test_parse_times_mixed_column() -> None:
    series = pd.Series(
        [
            "2024-03-05 07:30",
            "2024年3月5日下午5点多",
            45356.3125,
            None,
            "3月5日",
            "2024-02-30 08:00",
            D(2024, 3, 5, 7, 30),
            "2024-03-05",
            float("nan"),
            "1850-01-01 00:00",
        ],
        index=list("abcdefghij"),
    )
    frame = parse_times(series)
    assert frame.index.tolist() == list("abcdefghij")
    expected_values = [
        _at(7, 30), _at(17), _at(7, 30), None, None, None, _at(7, 30), DAY_0305, None, None,
    ]  # fmt: skip
    got = [None if pd.isna(v) else v.to_pydatetime() for v in frame["value"]]
    assert got == expected_values
    assert frame["precision"].tolist() == [
        "minute", "hour", "minute", None, None, None, "minute", "day", None, None,
    ]  # fmt: skip
    assert frame["approximate"].tolist() == [
        False, True, False, False, False, False, False, False, False, False,
    ]  # fmt: skip
    assert frame["error"].tolist() == [
        None, None, None, "empty", "no_year", "invalid_date", None, None, "empty", "out_of_range",
    ]  # fmt: skip


def test_parse_times_str_dtype_and_duplicates_index() -> None:
    series = pd.Series(["2024/3/5 7:30", None, "2024/3/5 7:30", "abc"], index=[1, 1, 2, 2])
    frame = parse_times(series)
    assert frame.index.tolist() == [1, 1, 2, 2]
    assert frame["error"].tolist() == [None, "empty", None, "unparseable"]
    assert frame["value"].iloc[2] == pd.Timestamp("2024-03-05 07:30")


@pytest.mark.parametrize("dtype", ["string", "str", "category", object])
def test_parse_times_string_dtypes(dtype: object) -> None:
    series = pd.Series(["2024-03-05 07:30", None, "2024年3月5日7时许", "2024-03-05 07:30"])
    frame = parse_times(series.astype(dtype))
    assert frame["error"].tolist() == [None, "empty", None, None]
    assert frame["precision"].tolist() == ["minute", None, "hour", "minute"]
    assert frame["approximate"].tolist() == [False, False, True, False]


def test_parse_times_empty() -> None:
    frame = parse_times(pd.Series([], dtype=object))
    assert frame.shape == (0, 4)
    assert str(frame["value"].dtype) == "datetime64[ns]"


def test_parse_times_numeric_column() -> None:
    frame = parse_times(pd.Series([45356.3125, 45356.0, np.nan, -1.0, 60.0]))
    assert frame["value"].tolist()[:2] == [pd.Timestamp(_at(7, 30)), pd.Timestamp(DAY_0305)]
    assert frame["precision"].tolist() == ["minute", "day", None, None, None]
    assert frame["error"].tolist() == [None, None, "empty", "out_of_range", "invalid_date"]


def test_parse_times_integer_column() -> None:
    frame = parse_times(pd.Series([45356, 20240305, 0], dtype="int64"))
    assert frame["value"].tolist()[:2] == [pd.Timestamp(DAY_0305)] * 2
    assert frame["error"].tolist() == [None, None, "empty"]


@pytest.mark.parametrize("tz", [None, "UTC", "Asia/Shanghai"])
def test_parse_times_datetime64_column(tz: str | None) -> None:
    stamps = pd.Series(
        pd.to_datetime(
            ["2024-03-05 07:30:15.5", None, "1850-01-01 00:00:00"], format="ISO8601"
        ).as_unit("us")
    ).dt.tz_localize(tz)
    frame = parse_times(stamps)
    local = pd.Timestamp("2024-03-05 07:30:15", tz=tz)
    if tz is not None:
        local = local.tz_convert("Asia/Shanghai").tz_localize(None)
    assert frame["value"].iloc[0] == local
    assert pd.isna(frame["value"].iloc[1])
    assert frame["error"].tolist() == [None, "empty", "out_of_range"]
    assert frame["precision"].tolist() == ["minute", None, None]


def test_parse_times_unhashable_and_bool_cells() -> None:
    series = pd.Series([[1, 2], "2024-03-05", True, 1, {"x": 1}], dtype=object)
    frame = parse_times(series)
    assert frame["error"].tolist() == ["unparseable", None, "unparseable", None, "unparseable"]
    assert frame["value"].iloc[3] == pd.Timestamp("1900-01-01")


def test_parse_times_accepts_list() -> None:
    frame = parse_times(["2024-03-05", "x"])  # type: ignore[arg-type]
    assert frame["error"].tolist() == [None, "unparseable"]


def test_parse_times_iso_fast_path_matches_scalar() -> None:
    texts = [
        "2024-03-05 07:30",
        "2024-03-05T07:30:59",
        "2024-03-05",
        "2024-02-29 00:00",
        "2023-02-29 00:00",
        "2024-03-05 24:00",
        "1899-12-31 23:59",
        "2100-12-31 23:59",
        "2101-01-01",
        "٢٠٢٤-٠٣-٠٥",  # Arabic-Indic digits: not for the fast path
    ]
    frame = parse_times(pd.Series(texts * 3))
    for position, text in enumerate(texts * 3):
        assert _same(parse_time(text), frame.iloc[position]), text


def test_parse_times_large_column_is_fast() -> None:
    import time

    stamps = pd.date_range("2015-01-01", periods=200_000, freq="7min")
    series = pd.Series(stamps.strftime("%Y-%m-%d %H:%M"))
    start = time.perf_counter()
    frame = parse_times(series)
    elapsed = time.perf_counter() - start
    assert frame["error"].isna().all()
    assert (frame["value"].to_numpy() == stamps.to_numpy()).all()
    assert elapsed < 5.0  # about 0.2 s on the 2-core development machine

    mixed = pd.Series([RENDERINGS["nianyueri_xu"](t) for t in stamps[:50_000]] * 2)
    start = time.perf_counter()
    frame = parse_times(mixed)
    assert frame["approximate"].all()
    assert time.perf_counter() - start < 5.0


def test_no_handlers_on_logger() -> None:
    import logging

    assert logging.getLogger("trafficprev.timeparse").handlers == []


def test_error_codes_constant() -> None:
    assert set(ERROR_CODES) == {"empty", "unparseable", "invalid_date", "no_year", "out_of_range"}
    assert PRECISIONS == ("minute", "hour", "day")


def test_colon_time_with_minute_character():
    got = parse_time("2024年5月21日8:59分")
    assert got.value == dt.datetime(2024, 5, 21, 8, 59) and got.precision == "minute"
    assert parse_time("2024年5月21日下午5:30分许").value == dt.datetime(2024, 5, 21, 17, 30)
