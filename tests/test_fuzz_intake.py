"""Fuzz tests of intake: bad input never crashes and every row is accounted for.

A file-level problem must raise one readable :class:`TrafficPrevError` that names the file;
row-level problems end as rejected rows. All values are synthetic (names 测试甲…, ID numbers
with a wrong check digit).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from pathlib import Path

import openpyxl
import pytest

from trafficprev import Settings, read_determinations
from trafficprev._errors import (
    FileFormatError,
    InputFileNotFoundError,
    SchemaError,
    TrafficPrevError,
)
from trafficprev._limits import MAX_CELL_CHARS

SETTINGS = Settings(as_of=dt.date(2025, 6, 30))
HEADER = [
    "认定书编号",
    "职工姓名",
    "身份证号码",
    "用人单位",
    "受伤时间",
    "受伤地点",
    "受伤经过",
    "认定依据",
    "认定结论",
    "认定日期",
]
NARRATIVE = (
    "2024年3月5日7时30分许，{name}驾驶电动自行车上班途中，行驶至人民路与建设路交叉路口时，"
    "与示例人员驾驶的小型轿车发生碰撞，致{name}受伤。"
)


def _row(i: int, *, when: str = "2024-03-05 07:30", **over: str) -> list[str]:
    """One good determination row (the ID number's check digit is deliberately wrong)."""
    name = f"测试甲{i}"
    values = {
        "认定书编号": f"示人社工伤认字〔2024〕{i:05d}号",
        "职工姓名": name,
        "身份证号码": "43070219800101123" + ("0" if i % 2 else "1"),
        "用人单位": "示范市假想食品有限公司",
        "受伤时间": when,
        "受伤地点": "人民路与建设路交叉路口",
        "受伤经过": NARRATIVE.format(name=name),
        "认定依据": "第十四条第（六）项",
        "认定结论": "认定工伤",
        "认定日期": "2024-12-31",
    }
    values.update(over)
    return [values[h] for h in HEADER]


def _csv_text(rows: list[list[str]], header: list[str] = HEADER) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def _write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8", **kw) -> Path:
    path.write_bytes(_csv_text(rows, **kw).encode(encoding))
    return path


def _write_xlsx(path: Path, rows: list[list[object]], header: list[str] = HEADER) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "认定台账"
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def _accounted(result) -> None:
    acc = result.accounting
    assert acc.read == acc.records + acc.rejected + acc.duplicates
    assert len(result.cases) == acc.records
    assert len(result.rejected) == acc.rejected
    assert len(result.duplicates) == acc.duplicates


def _one_clear_error(path: Path, settings: Settings = SETTINGS) -> TrafficPrevError:
    with pytest.raises(TrafficPrevError) as info:
        read_determinations(path, settings=settings)
    message = str(info.value)
    assert str(path) in message
    assert "Traceback" not in message
    return info.value


def _read_or_clear_error(path: Path, expected_keys: list[str], settings: Settings = SETTINGS):
    """Either the rows come back intact or one readable error naming the file."""
    try:
        result = read_determinations(path, settings=settings)
    except TrafficPrevError as exc:
        assert str(path) in str(exc)
        return None
    _accounted(result)
    assert sorted(result.cases["decision_no"]) == sorted(expected_keys)
    assert result.cases["employer"].eq("示范市假想食品有限公司").all()
    return result


# --- random bytes and truncated workbooks ----------------------------------------------------


def _blobs(seed: int, n: int = 50) -> list[bytes]:
    rng = random.Random(seed)
    prefixes = [
        b"",
        b"PK\x03\x04",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        b"\xef\xbb\xbf",
        b"\xff\xfe",
    ]
    out = []
    for k in range(n):
        size = rng.choice([1, 7, 100, 513, 4096, 20000])
        out.append(prefixes[k % len(prefixes)] + rng.randbytes(size))
    return out


@pytest.mark.parametrize("suffix", [".xlsx", ".csv", ".xls"])
def test_random_bytes_raise_one_error_naming_the_file(tmp_path, suffix):
    for k, blob in enumerate(_blobs(seed=len(suffix))):
        path = tmp_path / f"认定导出_{k}{suffix}"
        path.write_bytes(blob)
        _one_clear_error(path)


def test_random_printable_text_as_xlsx_is_a_schema_error(tmp_path):
    rng = random.Random(7)
    path = tmp_path / "乱码.xlsx"
    path.write_text("".join(rng.choice("甲乙丙丁,;\n 0123") for _ in range(3000)), "utf-8")
    assert isinstance(_one_clear_error(path), SchemaError)


def test_truncated_xlsx_raises_a_clear_error(tmp_path):
    good = _write_xlsx(tmp_path / "good.xlsx", [_row(i) for i in range(40)])
    data = good.read_bytes()
    assert read_determinations(good, settings=SETTINGS).accounting.cases == 40
    for cut in (1, 4, 30, 200, len(data) // 3, len(data) // 2, len(data) - 100, len(data) - 1):
        path = tmp_path / f"truncated_{cut}.xlsx"
        path.write_bytes(data[:cut])
        _one_clear_error(path)


def test_truncated_xls_raises_a_clear_error(tmp_path, data_dir):
    data = (data_dir / "quarter.xls").read_bytes()
    for cut in (8, 512, len(data) // 2, len(data) - 512):
        path = tmp_path / f"truncated_{cut}.xls"
        path.write_bytes(data[:cut])
        _one_clear_error(path)
    # losing only the padding of the last sector may still read: then no row may be lost
    path = tmp_path / "truncated_last_byte.xls"
    path.write_bytes(data[:-1])
    try:
        result = read_determinations(path, settings=SETTINGS)
    except TrafficPrevError as exc:
        assert str(path) in str(exc)
    else:
        full = read_determinations(data_dir / "quarter.xls", settings=SETTINGS)
        assert result.accounting.read == full.accounting.read


def test_xlsx_with_corrupted_middle_raises_a_clear_error(tmp_path):
    data = bytearray(_write_xlsx(tmp_path / "good.xlsx", [_row(i) for i in range(40)]).read_bytes())
    rng = random.Random(3)
    for k in range(10):
        broken = bytearray(data)
        start = rng.randrange(100, len(data) - 200)
        broken[start : start + 64] = rng.randbytes(64)
        path = tmp_path / f"corrupt_{k}.xlsx"
        path.write_bytes(bytes(broken))
        try:
            result = read_determinations(path, settings=SETTINGS)
        except TrafficPrevError as exc:
            assert str(path) in str(exc)
        else:  # the damage hit a part intake does not need (styles, metadata)
            _accounted(result)


# --- encodings -------------------------------------------------------------------------------

KEYS = [f"示人社工伤认字〔2024〕{i:05d}号" for i in range(5)]


def test_gb18030_read_with_default_encodings(tmp_path):
    path = _write_csv(tmp_path / "gbk.csv", [_row(i) for i in range(5)], "gb18030")
    result = _read_or_clear_error(path, KEYS)
    assert result is not None
    assert result.sources[0].encoding == "gb18030"


def test_gb18030_bytes_when_only_utf8_is_allowed(tmp_path):
    path = _write_csv(tmp_path / "gbk_as_utf8.csv", [_row(i) for i in range(5)], "gb18030")
    err = _one_clear_error(path, Settings(as_of=dt.date(2025, 6, 30), csv_encodings=("utf-8",)))
    assert isinstance(err, FileFormatError)
    assert "utf-8" in str(err)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "big5"])
def test_foreign_encodings_read_or_clear_error(tmp_path, encoding):
    rows = [_row(i) for i in range(5)]
    # Big5 has no 〔〕 and only traditional characters: keep to what it can encode
    text = _csv_text(rows)
    if encoding == "big5":
        text = text.replace("〔", "[").replace("〕", "]").replace("（", "(").replace("）", ")")
        text = text.encode("big5", errors="replace").decode("big5")
    path = tmp_path / f"export_{encoding}.csv"
    path.write_bytes(text.encode(encoding, errors="replace"))
    try:
        result = read_determinations(path, settings=SETTINGS)
    except TrafficPrevError as exc:
        assert str(path) in str(exc)
    else:
        _accounted(result)
        # if it was read, it must not be mojibake dressed up as cases
        assert result.accounting.read == 5
        assert result.cases["decision_no"].str.contains("2024").all()


def test_latin1_bytes_in_a_utf8_file(tmp_path):
    text = _csv_text([_row(i) for i in range(5)])
    data = text.encode("utf-8").replace("人民路".encode(), "Café".encode("latin-1"), 1)
    path = tmp_path / "latin1_cell.csv"
    path.write_bytes(data)
    # not valid UTF-8; as GB18030 the Chinese header turns to mojibake: either way one error
    # or, if decoded, every row still accounted for
    try:
        result = read_determinations(path, settings=SETTINGS)
    except TrafficPrevError as exc:
        assert str(path) in str(exc)
    else:
        _accounted(result)
        assert result.accounting.read == 5


def test_mixed_utf8_header_and_gb18030_rows(tmp_path):
    head = _csv_text([]).encode("utf-8")
    body = "".join(_csv_text([_row(i)]).split("\r\n", 1)[1] for i in range(5)).encode("gb18030")
    path = tmp_path / "mixed.csv"
    path.write_bytes(head + body)
    _read_or_clear_error(path, KEYS)


def test_utf8_bom_on_gb18030_body(tmp_path):
    path = tmp_path / "bom_gbk.csv"
    path.write_bytes(b"\xef\xbb\xbf" + _csv_text([_row(i) for i in range(5)]).encode("gb18030"))
    _read_or_clear_error(path, KEYS)


# --- hostile cell content --------------------------------------------------------------------


def test_ten_megabyte_narrative_cell_refuses_the_file_in_one_line(tmp_path):
    big = "测试甲0驾驶电动自行车上班途中与小型轿车相撞。" * (10_000_000 // 60)
    rows = [_row(0, 受伤经过=big), _row(1)]
    path = _write_csv(tmp_path / "big.csv", rows)
    assert path.stat().st_size > 10_000_000
    err = _one_clear_error(path)
    assert isinstance(err, FileFormatError)
    assert "line 2" in str(err) and f"{MAX_CELL_CHARS:,} characters" in str(err)
    assert len(str(err).splitlines()) == 1


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_a_narrative_of_exactly_the_cell_limit_is_read(tmp_path, encoding):
    # U+20000 takes 4 bytes in UTF-8 and GB18030: the widest field that must still pass
    longest = "\U00020000" * MAX_CELL_CHARS
    rows = [_row(0, 受伤经过=longest), _row(1)]
    path = _write_csv(tmp_path / "longest.csv", rows, encoding)
    result = read_determinations(path, settings=SETTINGS)
    _accounted(result)
    assert result.accounting.cases == 2
    assert "受伤经过" not in result.cases.columns
    assert result.protected["narrative"].str.len().max() == MAX_CELL_CHARS


def test_a_narrative_one_character_over_the_limit_is_refused(tmp_path):
    rows = [_row(0), _row(1, 受伤经过="甲" * (MAX_CELL_CHARS + 1))]
    path = _write_csv(tmp_path / "over.csv", rows)
    err = _one_clear_error(path)
    assert isinstance(err, FileFormatError) and "line 3" in str(err)


def test_formulas_in_csv_stay_text(tmp_path):
    rows = [
        _row(0, 用人单位="=1+1"),
        _row(1, 受伤地点='=HYPERLINK("http://example.invalid","点此")'),
        _row(2, 认定书编号="=cmd|' /C calc'!A0"),
        _row(3, 受伤时间="=DATE(2024,3,5)"),
    ]
    result = read_determinations(_write_csv(tmp_path / "formula.csv", rows), settings=SETTINGS)
    _accounted(result)
    cases = result.cases.set_index("source_row")
    assert cases.loc[2, "employer"] == "=1+1"
    assert cases.loc[3, "place_text"].startswith("=HYPERLINK(")
    assert result.rejected["reason_code"].tolist() == ["time_unparseable"]


def test_formulas_in_xlsx_do_not_crash(tmp_path):
    rows = [
        _row(0, 用人单位="=1+1"),
        _row(1, 受伤地点='=HYPERLINK("http://example.invalid","点此")'),
        _row(2, 受伤时间="=DATE(2024,3,5)"),
        _row(3),
    ]
    result = read_determinations(_write_xlsx(tmp_path / "formula.xlsx", rows), settings=SETTINGS)
    _accounted(result)
    assert result.accounting.read == 4
    # openpyxl stores no cached values: a formula cell reads as empty or as its text
    assert "示人社工伤认字〔2024〕00003号" in set(result.cases["decision_no"])
    rejected = result.rejected.set_index("row_number")["reason_code"]
    cases = result.cases.set_index("source_row")
    # =1+1 in 用人单位: rejected as empty, or kept with its text or value
    assert rejected.get(2) == "missing_employer" or cases.loc[2, "employer"] in {"=1+1", "2"}
    assert rejected.get(4, "").startswith("time_") or cases.loc[4, "injured_at"].year == 2024


def test_control_zero_width_rtl_and_fullwidth_characters(tmp_path):
    controls = "".join(chr(c) for c in range(0x20) if chr(c) not in "\r\n")
    rows = [
        _row(0, 用人单位=f"示范市{controls}假想公司"),
        _row(1, 认定书编号="示人社工伤认字\u200b〔2024〕00001号\u200d\ufeff"),
        _row(2, 受伤地点="\u202e路设建与路民人\u202c", 职工姓名="\u200f测试乙"),
        _row(3, when="２０２４年３月５日７时３０分"),
        _row(4, 认定书编号="示人社工伤认字〔２０２４〕００００４号"),
        _row(5, 受伤经过=f"{controls}\x00上班途中\u2028与轿车相撞\u2029"),
    ]
    result = read_determinations(_write_csv(tmp_path / "chars.csv", rows), settings=SETTINGS)
    _accounted(result)
    assert result.accounting.read == 6
    cases = result.cases.set_index("source_row")
    assert cases.loc[5, "injured_at"] == dt.datetime(2024, 3, 5, 7, 30)
    assert cases.loc[6, "decision_no"] == "示人社工伤认字〔2024〕00004号"  # NFKC


def test_blank_variants_of_a_decision_number_are_duplicates(tmp_path):
    rows = [
        _row(0),
        _row(0, 认定书编号="示人社工伤认字〔2024〕\u00a000000号"),  # no-break space
        _row(0, 认定书编号=" 示人社工伤认字〔2024〕\u300000000号 "),  # ideographic space
        _row(0, 认定书编号="示人社工伤认字[2024]00000号"),
    ]
    result = read_determinations(_write_csv(tmp_path / "blanks.csv", rows), settings=SETTINGS)
    _accounted(result)
    assert result.accounting.cases == 1
    assert result.accounting.duplicates == 3


def test_zero_width_variant_of_a_decision_number_is_a_duplicate(tmp_path):
    rows = [_row(0), _row(0, 认定书编号="示人社工伤认字\u200b〔2024〕00000号\ufeff")]
    result = read_determinations(_write_csv(tmp_path / "zw.csv", rows), settings=SETTINGS)
    _accounted(result)
    assert result.accounting.cases == 1
    assert result.accounting.duplicates == 1


def test_control_characters_in_xlsx(tmp_path):
    # openpyxl refuses most control characters, tab and newline are legal in cells
    rows = [_row(0, 用人单位="示范市\t假想\n公司"), _row(1, 受伤经过="\u200b\u202e上班途中")]
    result = read_determinations(_write_xlsx(tmp_path / "ctl.xlsx", rows), settings=SETTINGS)
    _accounted(result)
    assert result.accounting.cases == 2
    assert result.cases["employer"].iloc[0] == "示范市假想公司"


# --- dates in every broken form --------------------------------------------------------------

BAD_DATES = {
    "": {"time_empty"},
    "2024-02-30": {"time_invalid_date"},
    "2024年13月1日": {"time_invalid_date", "time_unparseable", "time_out_of_range"},
    "2099-01-01": {"time_future"},
    "1899-12-30": {"time_too_early", "time_out_of_range"},
    "上午": {"time_unparseable", "time_no_year"},
    "约7时": {"time_unparseable", "time_no_year"},
    "-5": {"time_unparseable", "time_too_early", "time_out_of_range", "time_invalid_date"},
    "99999999": {"time_unparseable", "time_future", "time_out_of_range", "time_invalid_date"},
    "1e308": {"time_unparseable", "time_future", "time_out_of_range", "time_invalid_date"},
    "2025-01-02": {"time_after_decision"},
    "NaN": {"time_unparseable", "time_empty"},
}


def test_broken_dates_in_csv_are_rejected_with_a_time_reason(tmp_path):
    rows = [_row(i, when=w) for i, w in enumerate(BAD_DATES)]
    rows.append(_row(99, when="24/3/5"))
    result = read_determinations(_write_csv(tmp_path / "dates.csv", rows), settings=SETTINGS)
    _accounted(result)
    rejected = result.rejected.set_index("row_number")["reason_code"]
    for i, (when, reasons) in enumerate(BAD_DATES.items()):
        assert rejected.get(i + 2) in reasons, (when, rejected.get(i + 2))
    # 24/3/5 is ambiguous: either a case in 2024 or rejected with a time reason
    last = len(rows) + 1
    if last in rejected.index:
        assert rejected[last].startswith("time_")
    else:
        case = result.cases.set_index("source_row").loc[last]
        assert case["injured_at"].year == 2024


def test_excel_serial_numbers_and_date_cells(tmp_path):
    serials: list[object] = [45356.3125, 45356, -1, 0, 1e9, 2_958_466, 60, 1.5]
    rows: list[list[object]] = [_row(i) for i in range(len(serials) + 2)]
    col = HEADER.index("受伤时间")
    for r, s in zip(rows, serials, strict=False):
        r[col] = s
    rows[-2][col] = dt.datetime(2024, 3, 5, 7, 30)
    rows[-1][col] = dt.datetime(1899, 12, 30)
    result = read_determinations(_write_xlsx(tmp_path / "serials.xlsx", rows), settings=SETTINGS)
    _accounted(result)
    assert result.accounting.read == len(rows)
    cases = result.cases.set_index("source_row")
    assert cases.loc[2, "injured_at"] == dt.datetime(2024, 3, 5, 7, 30)
    assert cases.loc[3, "injured_at"].date() == dt.date(2024, 3, 5)
    assert cases.loc[len(rows), "injured_at"] == dt.datetime(2024, 3, 5, 7, 30)
    rejected = set(result.rejected["row_number"])
    # negative, zero, huge, the 1900 leap bug day, tiny: never a case in 2000..today
    for r in range(4, 4 + 6):
        assert r in rejected or cases.loc[r, "injured_at"].year >= 2000
    assert len(rows) + 1 in rejected


# --- volume: 100,000 garbage rows around 1,000 good ones ------------------------------------


def test_hundred_thousand_garbage_rows_with_thousand_good_rows(tmp_path):
    rng = random.Random(2024)
    alphabet = "甲乙丙丁戊己庚辛壬癸年月日时分许,\"'\t;=+-@0123456789 \u3000\u200babcXYZ"
    n_garbage, n_good = 100_000, 1_000
    good_at = set(rng.sample(range(n_garbage + n_good), n_good))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(HEADER)
    good_rows: list[int] = []
    g = 0
    for line in range(n_garbage + n_good):
        if line in good_at:
            writer.writerow(_row(g, when=f"2024-{g % 12 + 1:02d}-{g % 28 + 1:02d} 07:30"))
            good_rows.append(line + 2)
            g += 1
        else:
            width = rng.choice([1, 3, len(HEADER), len(HEADER) + 2])
            writer.writerow(
                ["垃圾" + "".join(rng.choices(alphabet, k=rng.randrange(0, 12)))]
                + ["".join(rng.choices(alphabet, k=rng.randrange(0, 12))) for _ in range(width - 1)]
            )
    path = tmp_path / "big_garbage.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    del buf

    result = read_determinations(path, settings=SETTINGS)
    acc = result.accounting
    assert acc.read == acc.cases + acc.rejected + acc.duplicates
    assert acc.read + acc.blank_rows_skipped == n_garbage + n_good
    good_keys = {f"示人社工伤认字〔2024〕{i:05d}号" for i in range(n_good)}
    cases = result.cases
    assert good_keys <= set(cases["decision_no"])
    assert set(good_rows) <= set(cases["source_row"])
    seen = [*cases["source_row"], *result.rejected["row_number"]]
    if len(result.duplicates):
        seen += list(result.duplicates["row_number"])
    assert len(seen) == len(set(seen)) == acc.read


# --- headers and file-level problems ---------------------------------------------------------


def test_duplicate_headers(tmp_path):
    header = [*HEADER, "认定书编号", "受伤时间"]
    rows = [[*_row(i), f"另一编号{i}", "2023-01-01"] for i in range(4)]
    path = _write_csv(tmp_path / "dup_header.csv", rows, header=header)
    result = read_determinations(path, settings=SETTINGS)
    _accounted(result)
    assert result.accounting.cases == 4
    # the first column of a name wins; the second is kept as an unknown column
    assert sorted(result.cases["decision_no"]) == KEYS[:4]
    assert (result.cases["injured_at"] == dt.datetime(2024, 3, 5, 7, 30)).all()


@pytest.mark.parametrize(("drop", "label"), [("用人单位", "用人单位"), ("受伤时间", "受伤时间")])
def test_missing_required_column_names_it(tmp_path, drop, label):
    j = HEADER.index(drop)
    header = [h for h in HEADER if h != drop]
    rows = [[c for k, c in enumerate(_row(i)) if k != j] for i in range(3)]
    for fmt in ("csv", "xlsx"):
        path = tmp_path / f"missing.{fmt}"
        if fmt == "csv":
            _write_csv(path, rows, header=header)
        else:
            _write_xlsx(path, rows, header=header)
        err = _one_clear_error(path)
        assert isinstance(err, SchemaError)
        assert label in str(err)


def test_header_only(tmp_path):
    for path in (
        _write_csv(tmp_path / "header_only.csv", []),
        _write_xlsx(tmp_path / "header_only.xlsx", []),
    ):
        result = read_determinations(path, settings=SETTINGS)
        _accounted(result)
        assert result.accounting.read == 0
        assert result.cases.empty


@pytest.mark.parametrize("content", [b"", b"   \r\n\t", b"\xef\xbb\xbf"])
def test_empty_files(tmp_path, content):
    for suffix in (".csv", ".xlsx", ".xls"):
        path = tmp_path / f"empty{suffix}"
        path.write_bytes(content)
        err = _one_clear_error(path)
        assert isinstance(err, FileFormatError | SchemaError)


def test_directory_and_missing_path(tmp_path):
    folder = tmp_path / "2024Q4.xlsx"
    folder.mkdir()
    assert isinstance(_one_clear_error(folder), FileFormatError)
    missing = tmp_path / "不存在.csv"
    assert isinstance(_one_clear_error(missing), InputFileNotFoundError)


def test_one_bad_file_among_good_ones_names_the_bad_one(tmp_path):
    good = _write_csv(tmp_path / "good.csv", [_row(i) for i in range(3)])
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04" + random.Random(1).randbytes(300))
    with pytest.raises(TrafficPrevError) as info:
        read_determinations([good, bad], settings=SETTINGS)
    assert str(bad) in str(info.value)
    assert str(good) not in str(info.value)
