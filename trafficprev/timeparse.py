"""Parse the 受伤时间 (injury time) column and other date columns of the exports.

Work-injury determination exports write dates and times in many ways: typed Excel
cells (read as :class:`datetime.datetime` or as Excel serial numbers), ISO strings,
slashes, dots, compact digits, and free Chinese text such as ``2024年3月5日下午5点多``
or ``二〇二四年三月五日十七时许``. :func:`parse_time` turns one such cell into a
:class:`ParsedTime`; :func:`parse_times` does the same for a whole column, parsing
each distinct value once and sending clean ISO strings through a vectorised path.
Common clean forms (``2024/3/5 7:30``, ``2024年3月5日7时30分许``, ...) are read by a
single regex before the general grammar, which handles everything else.

Conventions
-----------
* Values are naive local times (Asia/Shanghai implied). Time-zone aware inputs are
  converted to Asia/Shanghai and the zone is dropped.
* ``precision`` is ``"day"`` (date only), ``"hour"`` (hour without minutes, e.g.
  ``7时许``) or ``"minute"`` (minutes given, also for ``7点半`` and for values with
  seconds; seconds are kept in the value, fractions of a second are dropped).
* ``approximate`` is true when the text hedges the time: 许, 左右, 多, 约, 大约, 前后
  (also 大概 and 余).
* Day-period words: 上午/早上/早晨/清晨/早/凌晨/半夜 keep the hour (凌晨/半夜 12点 is
  00:00); 下午/午后/傍晚 add 12 to hours 1-11; 晚上/晚/晚间/夜间/夜里/夜晚/夜 add 12 to
  hours 5-11, keep hours 0-4 (``夜里1点`` is 01:00, not 13:00) and read 12点 as 00:00
  of the next day; 中午/午间/正午 add 12 to hours 1-3. ``AM``/``PM`` are understood.
* Error codes: ``"empty"`` (missing, blank, or a placeholder such as ``无``, ``/``,
  ``NULL``, ``0000-00-00``), ``"unparseable"``, ``"invalid_date"`` (2月30日, 13月, 25时,
  24:00, 60分, Excel serial 60 = the non-existent 1900-02-29), ``"no_year"`` (month and
  day without a year, or a time without any date), ``"out_of_range"`` (year outside
  1900-2100, or an Excel serial outside 1-2958465).
"""

from __future__ import annotations

import calendar
import datetime
import decimal
import logging
import math
import numbers
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "ERROR_CODES",
    "PRECISIONS",
    "ParsedTime",
    "parse_time",
    "parse_times",
]

logger = logging.getLogger(__name__)

PRECISIONS: tuple[str, ...] = ("minute", "hour", "day")
"""Possible values of :attr:`ParsedTime.precision` (finest first)."""

ERROR_CODES: tuple[str, ...] = ("empty", "unparseable", "invalid_date", "no_year", "out_of_range")
"""Possible values of :attr:`ParsedTime.error`."""

MIN_YEAR = 1900
MAX_YEAR = 2100
#: Longest text (after trimming) that is worth parsing; longer cells are refused at once.
MAX_TEXT_LENGTH = 100

_EXCEL_EPOCH = datetime.datetime(1899, 12, 30)
_EXCEL_EPOCH_EARLY = datetime.datetime(1899, 12, 31)  # serials 1-59, before Excel's fake 1900-02-29
_EXCEL_MAX_SERIAL = 2958465  # 9999-12-31
_SECONDS_PER_DAY = 86400

try:  # pragma: no cover - depends on the installed tz database
    from zoneinfo import ZoneInfo

    _LOCAL_TZ: datetime.tzinfo = ZoneInfo("Asia/Shanghai")
except Exception:  # pragma: no cover - no tz database: Shanghai is UTC+8
    _LOCAL_TZ = datetime.timezone(datetime.timedelta(hours=8), "Asia/Shanghai")


@dataclass(frozen=True)
class ParsedTime:
    """The result of parsing one date/time cell.

    Attributes
    ----------
    value
        Naive local time (Asia/Shanghai implied), or None when parsing failed.
    precision
        ``"minute"``, ``"hour"`` or ``"day"``; None when parsing failed.
    approximate
        True when the text hedges the time (许, 左右, 多, 约, 大约, 前后, ...). It may be
        true even when parsing failed.
    error
        None on success, otherwise one of :data:`ERROR_CODES`.
    """

    value: datetime.datetime | None
    precision: str | None
    approximate: bool = False
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when a value was obtained."""
        return self.error is None


def _fail(error: str, approximate: bool = False) -> ParsedTime:
    return ParsedTime(None, None, approximate, error)


_EMPTY = _fail("empty")
_UNPARSEABLE = _fail("unparseable")

# ---------------------------------------------------------------------------
# Text normalisation tables
# ---------------------------------------------------------------------------

_PLACEHOLDERS = frozenset(
    {
        "-", "--", "---", "—", "——", "/", "//", "\\", "无", "暂无", "不详", "未知", "空",
        "null", "none", "nan", "nat", "na", "n/a", "#n/a", "0000-00-00",
        "0000-00-00 00:00", "0000-00-00 00:00:00", "0000/00/00", "00000000",
    }
)  # fmt: skip

_APPROX_RE = re.compile(r"大约|大概|左右|前后|许|约|多|余")
_FILLER_RE = re.compile(r"钟|整|(?:\(|\[)?(?:星期|礼拜|周)[一二三四五六日天1-7](?:\)|\])?")
_TRIM_CHARS = " \t\r\n\x0b\x0c,.;:!?。、·~"
_SPACE_RE = re.compile(r"\s+")

# Day-period words, longest first so that 半夜 wins over 夜 and 晚上 over 晚.
_PERIODS: dict[str, str] = {
    "上午": "am", "早上": "am", "早晨": "am", "清晨": "am", "早": "am",
    "a.m.": "am", "am": "am",
    "凌晨": "early", "半夜": "early",
    "下午": "pm", "午后": "pm", "傍晚": "pm", "p.m.": "pm", "pm": "pm",
    "晚上": "night", "晚间": "night", "夜间": "night", "夜里": "night", "夜晚": "night",
    "晚": "night", "夜": "night",
    "中午": "noon", "午间": "noon", "正午": "noon",
}  # fmt: skip
_PERIOD_RE = re.compile("|".join(re.escape(k) for k in sorted(_PERIODS, key=len, reverse=True)))

_CN_DIGITS = {
    "\u3007": 0, "零": 0, "\u25cb": 0, "O": 0, "o": 0, "\uff2f": 0,  # U+3007, U+25CB, U+FF2F
    "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
# A run of Chinese numerals; O/o count as zero only inside such a run.
_CN_NUM_CHARS = "\u3007零\u25cb一二两三四五六七八九十"  # U+3007 and U+25CB are zeros too
_CN_NUM_RE = re.compile(f"[{_CN_NUM_CHARS}Oo]*[{_CN_NUM_CHARS}][{_CN_NUM_CHARS}Oo]*")

# A UTC offset, accepted only after seconds ("07:30:00+08:00", "07:30:00.000Z") so that
# ranges such as "7:30-8:30" are not mistaken for one.
_TZ_RE = re.compile(
    r"(?<=:\d\d)((?::\d\d)(?:\.\d+)?)\s*(?:z|(?:utc|gmt)?([+-])(\d{2}):?(\d{2}))$", re.ASCII
)
_INVISIBLE_RE = re.compile("[\u200b-\u200f\u2060\ufeff\u00ad]")

_MAIN_RE = re.compile(
    r"""
    (?:
        (?P<y1>\d{4})\s*(?P<s1>[-/.])\s*(?P<m1>\d{1,2})\s*(?P=s1)\s*(?P<d1>\d{1,2})
      | (?P<y2>\d{4})\s*年\s*(?P<m2>\d{1,2})\s*月\s*(?P<d2>\d{1,2})\s*[日号]?
      | (?P<y3>\d{4})(?P<m3>\d{2})(?P<d3>\d{2})
      | (?P<m4>\d{1,2})\s*月\s*(?P<d4>\d{1,2})\s*[日号]
    )?
    \s*(?:t|\s|,)?\s*
    (?:
        (?P<H>\d{1,2})\s*
        (?:
            :\s*(?P<M1>\d{1,2})(?:\s*:\s*(?P<S1>\d{1,2})(?:\.\d+)?)?
          | [时点]\s*
            (?:
                (?P<M2>\d{1,2})\s*(?:分\s*(?:(?P<S2>\d{1,2})\s*秒)?)?
              | (?P<half>半)
              | (?P<quarter>[123])\s*刻
            )?
        )
      | (?P<HM>\d{4})(?P<S3>\d{2})?
    )?
    """,
    re.VERBOSE | re.ASCII,
)

_NUMERIC_RE = re.compile(r"[+-]?\d+(?:\.\d*)?|[+-]?\.\d+", re.ASCII)


def _cn_number(run: str) -> str:
    """Convert one run of Chinese numerals to ASCII digits.

    Runs with 十 are positional (十七 = 17, 二十 = 20, 三十一 = 31); runs without are
    read digit by digit (二〇二四 = 2024, 五 = 5).
    """
    if "十" not in run:
        return "".join(str(_CN_DIGITS[c]) for c in run)
    head, _, tail = run.partition("十")
    if "十" in tail or len(head) > 1 or len(tail) > 1:
        return run  # not a number we understand; leave it to fail
    tens = _CN_DIGITS[head] if head else 1
    units = _CN_DIGITS[tail] if tail else 0
    return str(tens * 10 + units)


def _cn_sub(match: re.Match[str]) -> str:
    return _cn_number(match.group(0))


# ---------------------------------------------------------------------------
# Building and checking values
# ---------------------------------------------------------------------------


_MONTH_LENGTHS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _valid_day(year: int, month: int, day: int) -> bool:
    """Tell whether `month` and `day` exist in `year` (proleptic Gregorian)."""
    if not 1 <= month <= 12 or day < 1:
        return False
    if month == 2 and calendar.isleap(year):
        return day <= 29
    return day <= _MONTH_LENGTHS[month]


def _check_year(year: int) -> bool:
    return MIN_YEAR <= year <= MAX_YEAR


def _build(
    year: int,
    month: int,
    day: int,
    hour: int | None,
    minute: int | None,
    second: int,
    approximate: bool,
    next_day: bool = False,
) -> ParsedTime:
    """Validate the fields and build the result (hour None means date only)."""
    if not _check_year(year):
        return _fail("out_of_range", approximate)
    if not _valid_day(year, month, day):
        return _fail("invalid_date", approximate)
    if hour is None:
        return ParsedTime(datetime.datetime(year, month, day), "day", approximate)
    if not 0 <= hour <= 23 or not 0 <= (minute or 0) <= 59 or not 0 <= second <= 59:
        return _fail("invalid_date", approximate)
    value = datetime.datetime(year, month, day, hour, minute or 0, second)
    if next_day:
        value += datetime.timedelta(days=1)
        if not _check_year(value.year):
            return _fail("out_of_range", approximate)
    return ParsedTime(value, "hour" if minute is None else "minute", approximate)


def _from_datetime(value: datetime.datetime, precision: str = "minute") -> ParsedTime:
    if value.tzinfo is not None and value.utcoffset() is not None:
        value = value.astimezone(_LOCAL_TZ)
    value = value.replace(tzinfo=None, microsecond=0, fold=0)
    if not _check_year(value.year):
        return _fail("out_of_range")
    return ParsedTime(value, precision, False)


def _from_compact_digits(digits: str, approximate: bool = False) -> ParsedTime | None:
    """Parse ``YYYYMMDD``, ``YYYYMMDDHHMM`` or ``YYYYMMDDHHMMSS``; None for other lengths."""
    if len(digits) not in (8, 12, 14):
        return None
    year, month, day = int(digits[:4]), int(digits[4:6]), int(digits[6:8])
    hour = int(digits[8:10]) if len(digits) >= 12 else None
    minute = int(digits[10:12]) if len(digits) >= 12 else None
    second = int(digits[12:14]) if len(digits) == 14 else 0
    return _build(year, month, day, hour, minute, second, approximate)


def _from_serial(serial: float) -> ParsedTime:
    """Convert an Excel serial date (1900 date system) to a :class:`ParsedTime`."""
    if not math.isfinite(serial):
        return _UNPARSEABLE
    if serial == 0:  # what Excel shows as 1900-01-00: a blank formula result
        return _EMPTY
    if serial < 1 or serial >= _EXCEL_MAX_SERIAL + 1:
        return _fail("out_of_range")
    days = math.floor(serial)
    fraction = serial - days
    seconds = round(fraction * _SECONDS_PER_DAY)
    if seconds >= _SECONDS_PER_DAY:
        days, seconds = days + 1, 0
    if days == 60:  # Excel's fictitious 1900-02-29
        return _fail("invalid_date")
    epoch = _EXCEL_EPOCH_EARLY if days < 60 else _EXCEL_EPOCH
    try:
        value = epoch + datetime.timedelta(days=days, seconds=seconds)
    except OverflowError:
        return _fail("out_of_range")
    if not _check_year(value.year):
        return _fail("out_of_range")
    return ParsedTime(value, "day" if fraction == 0 else "minute", False)


def _from_number(number: float) -> ParsedTime:
    """Parse a number: compact YYYYMMDD[HHMM[SS]] digits or an Excel serial."""
    if math.isnan(number):
        return _EMPTY
    if math.isfinite(number) and number == int(number) and number > 0:
        compact = _from_compact_digits(str(int(number)))
        if compact is not None:
            return compact
    return _from_serial(number)


# ---------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------


# Clean forms taken by a single regex before the general grammar: "2024/3/5 7:30",
# "2024.3.5", "20240305 0730", "2024年3月5日下午5点30分许", "2024年3月5日17:30左右", ...
# Anything else (stray spaces, Chinese numerals, full-width digits, hedges in the middle)
# goes through the general path, which reads these forms the same way.
_CLEAN_PERIODS = (
    "上午", "早上", "早晨", "凌晨", "下午", "傍晚", "晚上", "晚", "夜间", "夜里", "中午",
)  # fmt: skip
_CLEAN_RE = re.compile(
    r"""
    (?P<y>\d{4})
    (?:
        (?P<sep>[-/.])(?P<m1>\d{1,2})(?P=sep)(?P<d1>\d{1,2})(?=[ Tt]|$)
      | 年(?P<m2>\d{1,2})月(?P<d2>\d{1,2})[日号]
      | (?P<m3>\d{2})(?P<d3>\d{2})(?=[ Tt]|$)
    )
    (?:
        [ Tt]?
        (?:(?P<period>"""
    + "|".join(_CLEAN_PERIODS)
    + r""")\ ?)?
        (?:
            (?P<H1>\d{1,2}):(?P<M1>\d{2})(?::(?P<S1>\d{2}))?
          | (?P<H2>\d{1,2})[时点](?:(?P<M2>\d{1,2})分|(?P<half>半))?
          | (?P<H3>\d{2})(?P<M3>\d{2})(?P<S3>\d{2})?
        )
    )?
    (?P<approx>许|左右|前后|多)?
    """,
    re.VERBOSE | re.ASCII,
)


def _parse_clean(text: str) -> ParsedTime | None:
    """Parse the common clean forms with one regex; None when `text` is not one."""
    match = _CLEAN_RE.fullmatch(text)
    if match is None:
        return None
    (y, _, m1, d1, m2, d2, m3, d3, period, h1, mi1, s1, h2, mi2, half, h3, mi3, s3, approx) = (
        match.groups()
    )
    if y == "0000":
        return None  # placeholder such as 0000-00-00
    month = int(m1 or m2 or m3)
    day = int(d1 or d2 or d3)
    hour_text = h1 or h2 or h3
    hour: int | None = None
    minute: int | None = None
    second = 0
    next_day = False
    if hour_text is not None:
        hour = int(hour_text)
        minute_text = mi1 or mi2 or mi3
        minute = int(minute_text) if minute_text else (30 if half else None)
        second = int(s1 or s3 or 0)
        if period is not None:
            hour, next_day = _apply_period(hour, _PERIODS[period])
    return _build(int(y), month, day, hour, minute, second, approx is not None, next_day)


def _normalize_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", _INVISIBLE_RE.sub("", text))
    return _SPACE_RE.sub(" ", text.strip(_TRIM_CHARS)).lower()


_COLON_MINUTE_RE = re.compile(r"(\d{1,2}):(\d{2})分")


def _parse_text(raw: str) -> ParsedTime:
    stripped = raw.strip()
    if not stripped:
        return _EMPTY
    if len(stripped) > MAX_TEXT_LENGTH:
        return _UNPARSEABLE
    clean = _parse_clean(stripped)
    if clean is not None:
        return clean
    text = _normalize_text(stripped)
    if not text or text in _PLACEHOLDERS:
        return _EMPTY

    if _NUMERIC_RE.fullmatch(text):
        return _parse_numeric_text(text)

    # Hedges, fillers, weekdays, time zones.
    text, n_approx = _APPROX_RE.subn("", text)
    approximate = n_approx > 0
    text = _FILLER_RE.sub("", text)
    text = _COLON_MINUTE_RE.sub(r"\1时\2分", text)  # "8:59分" written by some clerks
    offset: datetime.timedelta | None = None
    tz_match = _TZ_RE.search(text)
    if tz_match is not None:
        seconds, sign, hh, mm = tz_match.groups()
        offset = datetime.timedelta(0)
        if sign:
            offset = datetime.timedelta(hours=int(hh), minutes=int(mm))
            offset = -offset if sign == "-" else offset
        text = text[: tz_match.start()] + seconds

    # Day-period words.
    periods = {_PERIODS[p] for p in _PERIOD_RE.findall(text)}
    if len(periods) > 1:
        return _fail("unparseable", approximate)
    period = periods.pop() if periods else None
    if period is not None:
        text = _PERIOD_RE.sub(" ", text)

    text = _CN_NUM_RE.sub(_cn_sub, text)
    text = text.strip(_TRIM_CHARS)
    if not text:
        return _fail("unparseable", approximate)

    match = _MAIN_RE.fullmatch(text)
    if match is None or not match.group(0):
        return _fail("unparseable", approximate)
    return _from_match(match, period, approximate, offset)


def _parse_numeric_text(text: str) -> ParsedTime:
    digits = text.lstrip("+")
    if digits.isdigit():
        compact = _from_compact_digits(digits)
        if compact is not None:
            return compact
        if len(digits) == 4 and _check_year(int(digits)):
            return _UNPARSEABLE  # a bare year, not an Excel serial
    try:
        number = float(text)
    except ValueError:  # pragma: no cover - guarded by the regex
        return _UNPARSEABLE
    return _from_serial(number)


def _from_match(
    match: re.Match[str],
    period: str | None,
    approximate: bool,
    offset: datetime.timedelta | None,
) -> ParsedTime:
    g = match.groupdict()
    # Time of day.
    hour: int | None = None
    minute: int | None = None
    second = 0
    next_day = False
    if g["H"] is not None:
        hour = int(g["H"])
        if g["M1"] is not None:
            minute = int(g["M1"])
            second = int(g["S1"] or 0)
        elif g["M2"] is not None:
            minute = int(g["M2"])
            second = int(g["S2"] or 0)
        elif g["half"] is not None:
            minute = 30
        elif g["quarter"] is not None:
            minute = 15 * int(g["quarter"])
    elif g["HM"] is not None:
        hour, minute = int(g["HM"][:2]), int(g["HM"][2:])
        second = int(g["S3"] or 0)

    if hour is not None and period is not None:
        hour, next_day = _apply_period(hour, period)

    # Date.
    for i in "123":
        if g["y" + i] is not None:
            year, month, day = int(g["y" + i]), int(g["m" + i]), int(g["d" + i])
            break
    else:
        if hour is not None and (
            not 0 <= hour <= 23 or not 0 <= (minute or 0) <= 59 or not 0 <= second <= 59
        ):
            return _fail("invalid_date", approximate)
        if g["m4"] is not None:
            month, day = int(g["m4"]), int(g["d4"])
            if not _valid_day(2000, month, day):  # a leap year: 2月29日 is possible
                return _fail("invalid_date", approximate)
        return _fail("no_year", approximate)

    result = _build(year, month, day, hour, minute, second, approximate, next_day)
    if offset is not None and result.value is not None:
        aware = result.value.replace(tzinfo=datetime.timezone(offset))
        shifted = _from_datetime(aware, result.precision or "minute")
        return ParsedTime(shifted.value, shifted.precision, approximate, shifted.error)
    return result


def _apply_period(hour: int, period: str) -> tuple[int, bool]:
    """Return the 24-hour clock hour and whether it falls on the next day."""
    if period == "early":
        return (0 if hour == 12 else hour), False
    if period == "pm":
        return (hour + 12 if 1 <= hour <= 11 else hour), False
    if period == "night":
        if 5 <= hour <= 11:
            return hour + 12, False
        if hour == 12:
            return 0, True
        return hour, False
    if period == "noon":
        return (hour + 12 if 1 <= hour <= 3 else hour), False
    return hour, False  # "am"


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def _parse_any(value: object) -> ParsedTime:
    if value is None or value is pd.NaT or value is pd.NA:
        return _EMPTY
    if isinstance(value, str):
        return _parse_text(value)
    if isinstance(value, bool | np.bool_):
        return _UNPARSEABLE
    if isinstance(value, pd.Timestamp):
        if value.tzinfo is not None:
            value = value.tz_convert(_LOCAL_TZ).tz_localize(None)
        return _from_datetime(value.floor("s").to_pydatetime())
    if isinstance(value, datetime.datetime):
        return _from_datetime(value)
    if isinstance(value, datetime.date):
        return _from_datetime(datetime.datetime(value.year, value.month, value.day), "day")
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            return _EMPTY
        return _parse_any(pd.Timestamp(value))
    if isinstance(value, datetime.time):
        return _fail("no_year")
    if isinstance(value, numbers.Real | decimal.Decimal):
        return _from_number(float(value))
    if isinstance(value, bytes | bytearray):
        for encoding in ("utf-8", "gb18030"):
            try:
                return _parse_text(bytes(value).decode(encoding))
            except UnicodeDecodeError:
                continue
        return _UNPARSEABLE
    return _UNPARSEABLE


def parse_time(value: object) -> ParsedTime:
    """Parse one date/time cell of an export; never raises.

    Parameters
    ----------
    value
        The cell: None/NaN/NaT, :class:`datetime.datetime`, :class:`datetime.date`,
        :class:`pandas.Timestamp`, :class:`numpy.datetime64`, an int/float Excel serial
        (1900 date system) or compact ``YYYYMMDD[HHMM[SS]]`` number, bytes, or a string
        in any of the forms listed in the module docstring.

    Returns
    -------
    ParsedTime
        The value, its precision and whether it is approximate, or an error code.

    Examples
    --------
    >>> parse_time("2024年3月5日下午5点多")
    ParsedTime(value=datetime.datetime(2024, 3, 5, 17, 0), precision='hour', \
approximate=True, error=None)
    >>> parse_time("2024年2月30日").error
    'invalid_date'
    >>> parse_time(45356.3125).value
    datetime.datetime(2024, 3, 5, 7, 30)
    """
    try:
        return _parse_any(value)
    except Exception:  # the contract is to never raise
        logger.debug("unexpected failure parsing %r", value, exc_info=True)
        return _UNPARSEABLE


# ---------------------------------------------------------------------------
# Columns
# ---------------------------------------------------------------------------

_ISO_FAST = r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[ T][0-9]{2}:[0-9]{2}(?::[0-9]{2})?)?"
_ISO_DATE_LENGTH = 10
_NAT_I8 = np.iinfo(np.int64).min


def _empty_frame(n: int) -> dict[str, np.ndarray]:
    return {
        "value": np.full(n, _NAT_I8, dtype=np.int64),
        "precision": np.full(n, None, dtype=object),
        "approximate": np.zeros(n, dtype=bool),
        "error": np.full(n, None, dtype=object),
    }


def _to_frame(cols: dict[str, np.ndarray], index: pd.Index) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "value": cols["value"].view("datetime64[ns]"),
            "precision": pd.Series(cols["precision"], index=index, dtype=object),
            "approximate": cols["approximate"],
            "error": pd.Series(cols["error"], index=index, dtype=object),
        },
        index=index,
    )


def _datetime_column(values: pd.Series, cols: dict[str, np.ndarray]) -> None:
    """Fill `cols` from a datetime64 column (vectorised)."""
    dt = values
    if getattr(dt.dt, "tz", None) is not None:
        dt = dt.dt.tz_convert(_LOCAL_TZ).dt.tz_localize(None)
    dt = dt.dt.floor("s")
    year = dt.dt.year.to_numpy(dtype=float, na_value=np.nan)
    missing = np.isnan(year)
    bad = ~missing & ((year < MIN_YEAR) | (year > MAX_YEAR))
    good = ~missing & ~bad
    if good.any():
        ns = dt.where(good).astype("datetime64[ns]").to_numpy().view(np.int64)
        cols["value"][good] = ns[good]
    cols["precision"][good] = "minute"
    cols["error"][missing] = "empty"
    cols["error"][bad] = "out_of_range"


def _fast_iso(obj: np.ndarray, cols: dict[str, np.ndarray]) -> np.ndarray:
    """Parse clean ISO strings in `obj` in bulk; return the mask of rows handled."""
    handled = np.zeros(len(obj), dtype=bool)
    try:
        as_str = pd.Series(obj, dtype=object)
        try:
            match = as_str.str.fullmatch(_ISO_FAST, na=False).to_numpy(dtype=bool)
        except AttributeError:  # no strings at all
            return handled
        if not match.any():
            return handled
        subset = as_str[match]
        parsed = pd.to_datetime(subset, format="ISO8601", errors="coerce")
        year = parsed.dt.year.to_numpy(dtype=float, na_value=np.nan)
        ok = ~np.isnan(year) & (year >= MIN_YEAR) & (year <= MAX_YEAR)
        positions = np.flatnonzero(match)[ok]
        cols["value"][positions] = parsed[ok].astype("datetime64[ns]").to_numpy().view(np.int64)
        is_date = subset[ok].str.len().to_numpy() == _ISO_DATE_LENGTH
        cols["precision"][positions] = np.where(is_date, "day", "minute")
        handled[positions] = True
    except Exception:  # fall back to the per-value parser
        logger.debug("fast ISO path failed; falling back", exc_info=True)
        handled[:] = False
        cols["value"][:] = _NAT_I8
        cols["precision"][:] = None
    return handled


def _slow_path(obj: np.ndarray, rows: np.ndarray, cols: dict[str, np.ndarray]) -> None:
    """Parse ``obj[rows]`` once per distinct value and scatter the results."""
    if len(rows) == 0:
        return
    subset = obj[rows]
    # True/1/1.0 hash alike; keep booleans out of the factorisation.
    is_bool = np.fromiter(
        (isinstance(v, bool | np.bool_) for v in subset), dtype=bool, count=len(subset)
    )
    if is_bool.any():
        cols["error"][rows[is_bool]] = "unparseable"
        rows, subset = rows[~is_bool], subset[~is_bool]
    try:
        codes, uniques = pd.factorize(subset, use_na_sentinel=True)
    except TypeError:  # unhashable cells
        codes = np.arange(len(subset))
        uniques = subset
    uniques = np.asarray(uniques, dtype=object)
    n_unique = len(uniques)
    u_value = np.full(n_unique + 1, _NAT_I8, dtype=np.int64)
    u_precision = np.full(n_unique + 1, None, dtype=object)
    u_approx = np.zeros(n_unique + 1, dtype=bool)
    u_error = np.full(n_unique + 1, None, dtype=object)
    u_error[n_unique] = "empty"  # code -1 (missing) picks this last entry
    for i, item in enumerate(uniques.tolist()):
        r = parse_time(item)
        u_value[i] = _NAT_I8 if r.value is None else _dt_to_ns(r.value)
        u_precision[i] = r.precision
        u_approx[i] = r.approximate
        u_error[i] = r.error
    cols["value"][rows] = u_value[codes]
    cols["precision"][rows] = u_precision[codes]
    cols["approximate"][rows] = u_approx[codes]
    cols["error"][rows] = u_error[codes]


_UNIX_EPOCH = datetime.datetime(1970, 1, 1)


def _dt_to_ns(value: datetime.datetime) -> int:
    delta = value - _UNIX_EPOCH
    return (delta.days * _SECONDS_PER_DAY + delta.seconds) * 1_000_000_000 + (
        delta.microseconds * 1000
    )


def parse_times(values: pd.Series) -> pd.DataFrame:
    """Parse a whole column of date/time cells; never raises on cell contents.

    Every distinct value is parsed once; clean ISO strings
    (``YYYY-MM-DD[ HH:MM[:SS]]``, also with ``T``) and datetime64 columns are parsed
    in bulk.

    Parameters
    ----------
    values
        The column (any dtype). Other array-likes are wrapped in a Series.

    Returns
    -------
    pandas.DataFrame
        Same index as `values`, with columns ``value`` (datetime64[ns], NaT on
        failure), ``precision`` (object: ``"minute"``/``"hour"``/``"day"`` or None),
        ``approximate`` (bool) and ``error`` (object: None or an error code).

    Examples
    --------
    >>> frame = parse_times(pd.Series(["2024-03-05 07:30", "3月5日", None]))
    >>> frame["error"].tolist()
    [None, 'no_year', 'empty']
    """
    if not isinstance(values, pd.Series):
        values = pd.Series(values, dtype=object if not hasattr(values, "dtype") else None)
    n = len(values)
    index = values.index
    cols = _empty_frame(n)
    if n == 0:
        return _to_frame(cols, index)

    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        _datetime_column(values, cols)
        return _to_frame(cols, index)

    obj = values.to_numpy(dtype=object)
    numeric = values.dtype.kind in "biufc"  # no strings for the ISO path
    handled = np.zeros(n, dtype=bool) if numeric else _fast_iso(obj, cols)
    rest = np.flatnonzero(~handled)
    _slow_path(obj, rest, cols)
    if logger.isEnabledFor(logging.DEBUG):
        errors = pd.Series(cols["error"]).value_counts().to_dict()
        logger.debug(
            "parsed %d cells (%d via ISO fast path); errors: %s", n, int(handled.sum()), errors
        )
    return _to_frame(cols, index)
