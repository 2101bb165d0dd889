"""Intake on real files: xlsx with merged title rows, xls, GB18030 and UTF-8-BOM CSV, bad rows."""

from __future__ import annotations

import json
import shutil

import openpyxl
import pandas as pd
import pytest

from trafficprev import (
    FileFormatError,
    InputFileNotFoundError,
    SchemaError,
    read_campaign_candidates,
    read_determinations,
    read_enterprises,
)
from trafficprev.datasets import example_files
from trafficprev.schema import PERSONAL_COLUMNS

GOOD_FILES = [
    "merged_title.xlsx",
    "id_as_number.xlsx",
    "quarter.xls",
    "gb18030.csv",
    "utf8_bom.csv",
]


def _rows_accounted(result) -> None:
    acc = result.accounting
    assert acc.read == acc.records + acc.rejected + acc.duplicates
    assert len(result.cases) == acc.records
    assert len(result.rejected) == acc.rejected
    assert len(result.duplicates) == acc.duplicates
    where = ["source_file", "source_sheet"]
    seen = [
        *result.cases[[*where, "source_row"]].itertuples(index=False, name=None),
        *result.rejected[[*where, "row_number"]].itertuples(index=False, name=None),
    ]
    if len(result.duplicates):
        seen += result.duplicates[[*where, "row_number"]].itertuples(index=False, name=None)
    assert len(seen) == len(set(seen)) == acc.read


def test_xlsx_with_merged_title_and_variant_headers(data_dir, settings):
    result = read_determinations(data_dir / "merged_title.xlsx", settings=settings)
    (src,) = result.sources
    assert src.format == "xlsx"
    assert src.sheet == "认定台账"  # the 填表说明 sheet has no header and is skipped
    assert src.header_row == 3  # title row, blank row, then the header
    assert src.columns["事故时间"] == "injured_at"
    assert src.columns["单位名称"] == "employer"
    assert src.columns["姓名"] == "worker_name"
    assert result.accounting.cases == 12
    assert result.cases["source_row"].tolist() == list(range(4, 16))
    assert "备注" in result.cases.columns  # unknown column kept
    assert "家庭住址" not in result.cases.columns  # personal unknown column moved
    assert "家庭住址" in result.protected.columns
    assert not set(PERSONAL_COLUMNS) & set(result.cases.columns)
    assert "narrative" not in result.cases.columns
    assert result.cases["injured_at"].notna().all()
    assert result.cases["commuting"].all()
    _rows_accounted(result)


def test_excel_number_id_is_flagged(data_dir, settings):
    result = read_determinations(data_dir / "id_as_number.xlsx", settings=settings)
    # an ID ending in X cannot be a number: the workbook keeps those as text
    as_number = result.protected["id_number"].str.isdigit().to_numpy()
    assert as_number.sum() >= 4
    assert (result.cases.loc[as_number, "id_check"] == "excel_number").all()
    assert not (result.cases.loc[~as_number, "id_check"] == "excel_number").any()
    assert result.accounting.flagged["id_excel_number"] == as_number.sum()


def test_xls_read_with_calamine_and_date_cells(data_dir, settings):
    result = read_determinations(data_dir / "quarter.xls", settings=settings)
    assert result.sources[0].format == "xls"
    assert result.accounting.cases == 10
    first = result.cases.iloc[0]
    assert first["injured_at"] == pd.Timestamp("2024-05-06 07:45")
    assert first["time_precision"] == "minute"


def test_gb18030_csv_with_rare_character(data_dir, settings):
    raw = (data_dir / "gb18030.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("gbk")  # 䶮 is not in GBK: a gbk reader would fail
    result = read_determinations(data_dir / "gb18030.csv", settings=settings)
    assert result.sources[0].encoding == "gb18030"
    assert result.protected["worker_name"].iloc[0] == "测试䶮"
    assert result.accounting.cases == 10


def test_utf8_bom_csv(data_dir, settings):
    result = read_determinations(data_dir / "utf8_bom.csv", settings=settings)
    assert result.sources[0].encoding == "utf-8-sig"
    assert result.sources[0].columns["认定书编号"] == "decision_no"
    assert result.cases["decision_no"].str.startswith("示人社工伤认字").all()


def test_missing_required_column_is_one_clear_file_error(data_dir, settings):
    with pytest.raises(SchemaError) as info:
        read_determinations(data_dir / "missing_column.csv", settings=settings)
    msg = str(info.value)
    assert "missing_column.csv" in msg and "受伤时间" in msg and "用人单位" in msg
    assert isinstance(info.value, ValueError)


def test_every_kind_of_bad_value(data_dir, settings):
    result = read_determinations(data_dir / "bad_values.csv", settings=settings)
    acc = result.accounting
    assert (acc.read, acc.cases, acc.rejected, acc.duplicates) == (16, 4, 10, 2)
    assert acc.blank_rows_skipped == 1
    assert (acc.duplicates_identical, acc.duplicates_conflicting) == (1, 1)
    reasons = dict(zip(result.rejected["row_number"], result.rejected["reason_code"], strict=True))
    assert reasons == {
        2: "missing_decision_no",
        3: "missing_employer",
        4: "time_unparseable",
        5: "time_invalid_date",
        6: "time_no_year",
        7: "time_future",
        8: "time_too_early",
        9: "time_after_decision",
        12: "extra_cells",
        13: "time_empty",
    }
    rej = result.rejected.set_index("row_number")
    assert rej.loc[4, "value"] == "去年春天" and rej.loc[4, "column"] == "受伤时间"
    assert (result.rejected["source_file"].str.endswith("bad_values.csv")).all()
    flags = dict(zip(result.cases["source_row"], result.cases["issues"], strict=True))
    assert "sex_invalid" in flags[10]
    assert "id_bad_format" in flags[11]
    conflicting = result.duplicates.set_index("kind").loc["conflicting"]
    assert conflicting["differing_columns"] == "伤情"
    kept = result.cases.set_index("decision_no").loc[conflicting["key"]]
    assert kept["severity"] == "死亡"  # equal dates and fill: later row wins
    assert int(conflicting["kept_row"]) == 17
    _rows_accounted(result)


def test_conflict_prefers_later_decision_date(settings):
    files = example_files()["determinations"]
    result = read_determinations(files, settings=settings)
    conflict = result.duplicates[result.duplicates["kind"] == "conflicting"]
    assert len(conflict) == 1
    key = conflict["key"].iloc[0]
    kept = result.cases.set_index("decision_no").loc[key]
    assert kept["source_file"].endswith("2024Q4.csv")  # its 认定日期 is later
    assert pd.Timestamp(kept["decided_on"]) == pd.Timestamp("2024-12-30")
    rule_first = read_determinations(
        files, settings=settings.replace(duplicate_rule="first_in_input")
    )
    kept_first = rule_first.cases.set_index("decision_no").loc[key]
    assert kept_first["source_file"].endswith("2024Q3.xlsx")


def test_several_files_at_once_and_commuting_share(data_dir, settings):
    result = read_determinations([data_dir / f for f in GOOD_FILES], settings=settings)
    assert len(result.sources) == len(GOOD_FILES)
    assert result.accounting.cases == 12 + 8 + 10 + 10 + 10
    _rows_accounted(result)
    example = read_determinations(example_files()["determinations"], settings=settings)
    non_commuting = example.cases[~example.cases["commuting"]]
    assert len(non_commuting) == 7  # workplace injuries, basis 第十四条第（一）项
    assert (non_commuting["injury_basis"] == "第十四条第(一)项").all()
    assert example.accounting.commuting_traffic == example.accounting.cases - 7
    refused = example.cases[example.cases["conclusion"] == "不予认定"]
    assert len(refused) == 1 and refused["commuting"].all()
    assert refused["responsibility"].tolist() == ["主要"]
    assert example.cases["age"].notna().sum() > 30  # from 年龄 (with or without 岁)


def test_step_timings_are_reported(data_dir, settings):
    result = read_determinations(data_dir / "utf8_bom.csv", settings=settings)
    assert list(result.timings) == [
        "read",
        "clean_and_parse_times",
        "validate",
        "narrative",
        "assemble_and_dedupe",
    ]
    assert all(t >= 0 for t in result.timings.values())


def test_results_are_deterministic(data_dir, settings):
    files = [data_dir / f for f in GOOD_FILES] + [data_dir / "bad_values.csv"]
    a = read_determinations(files, settings=settings)
    b = read_determinations(files, settings=settings)
    pd.testing.assert_frame_equal(a.cases, b.cases)
    pd.testing.assert_frame_equal(a.rejected, b.rejected)
    pd.testing.assert_frame_equal(a.duplicates, b.duplicates)


def test_write_outputs_hold_no_personal_data(data_dir, settings, tmp_path):
    files = [data_dir / "merged_title.xlsx", data_dir / "bad_values.csv"]
    result = read_determinations(files, settings=settings)
    paths = result.write(tmp_path)
    assert {p.name for p in paths.values()} == {
        "cases.csv",
        "rejected_rows.csv",
        "duplicates.csv",
        "accounting.json",
    }
    acc = json.loads(paths["accounting"].read_text(encoding="utf-8"))
    assert acc["read"] == acc["cases"] + acc["rejected"] + acc["duplicates"]
    assert "commuting_traffic" in acc
    text = "".join(p.read_text(encoding="utf-8-sig") for p in paths.values())
    personal = result.protected[["worker_name", "id_number", "phone"]].to_numpy().ravel()
    for value in personal:
        if value:
            assert value not in text, value
    cases = pd.read_csv(paths["records"], dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert "'=1+1" in cases["备注"].tolist()  # formula neutralised
    assert cases["injured_at"].str.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$").all()
    assert cases["decided_on"].str.match(r"^(\d{4}-\d{2}-\d{2})?$").all()  # dates stay dates


def test_protected_file_only_when_asked(data_dir, settings, tmp_path):
    result = read_determinations(data_dir / "gb18030.csv", settings=settings)
    paths = result.write(tmp_path / "out", protected_path=tmp_path / "protected.csv")
    prot = pd.read_csv(paths["protected"], dtype=str, encoding="utf-8-sig")
    assert "测试䶮" in prot["worker_name"].tolist()


@pytest.mark.parametrize(
    ("content", "suffix", "error", "words"),
    [
        (None, ".xlsx", InputFileNotFoundError, "not found"),
        (b"", ".csv", FileFormatError, "empty"),
        (b"\x00\x01\x02\xff" * 200, ".xlsx", FileFormatError, "Excel"),
        (
            b"<html><body><table><tr><td>1</td></tr></table></body></html>",
            ".xls",
            FileFormatError,
            "HTML",
        ),
        (b"\x81\x30\xff\xfe\x80" * 50, ".csv", FileFormatError, "decode"),
    ],
)
def test_bad_files_give_one_readable_error(tmp_path, settings, content, suffix, error, words):
    path = tmp_path / f"bad{suffix}"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(error) as info:
        read_determinations(path, settings=settings)
    assert str(path) in str(info.value)
    assert words in str(info.value)


def test_folder_instead_of_file(tmp_path, settings):
    with pytest.raises(FileFormatError, match="is a folder"):
        read_determinations(tmp_path, settings=settings)


def test_truncated_xlsx(data_dir, tmp_path, settings):
    raw = (data_dir / "merged_title.xlsx").read_bytes()
    path = tmp_path / "truncated.xlsx"
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(FileFormatError, match=r"truncated\.xlsx"):
        read_determinations(path, settings=settings)


def test_file_with_no_header_anywhere(tmp_path, settings):
    path = tmp_path / "notes.csv"
    path.write_text("说明\n这不是台账\n", encoding="utf-8")
    with pytest.raises(SchemaError, match="no header row"):
        read_determinations(path, settings=settings)


def test_copy_named_xls_but_really_csv(data_dir, tmp_path, settings):
    path = tmp_path / "export.xls"
    shutil.copy(data_dir / "utf8_bom.csv", path)
    result = read_determinations(path, settings=settings)
    assert result.sources[0].format == "csv"
    assert result.accounting.cases == 10


def test_enterprise_register_and_campaign_candidates(settings, tmp_path):
    files = example_files()
    ent = read_enterprises(files["enterprises"], settings=settings)
    assert ent.accounting.records == 8
    assert ent.records["insured"].dtype == "Int64"
    assert (ent.records["crs"] == "WGS84").all()
    assert "crs_assumed" not in "".join(ent.records["issues"])
    camp = read_campaign_candidates(files["campaign_sites"], settings=settings)
    assert set(camp.records["kind"]) == {"大型社区", "工业园区", "CBD", "学校"}
    assert camp.records.set_index("name").loc["示范中央商务区", "crs"] == "GCJ02"

    bad = tmp_path / "ent.csv"
    bad.write_text(
        "统一社会信用代码,单位名称,参保人数,联系人电话\n"
        "91430700MA4TEST01X,示范甲公司,120,10000000000\n"
        ",示范乙公司,50,\n"
        "91430700MA4TEST02X,示范丙公司,很多,\n"
        "91430700MA4TEST01X,示范甲公司,120,10000000000\n",
        encoding="utf-8",
    )
    res = read_enterprises(bad, settings=settings)
    assert (res.accounting.records, res.accounting.rejected, res.accounting.duplicates) == (1, 2, 1)
    assert set(res.rejected["reason_code"]) == {"missing_credit_code", "insured_invalid"}
    assert "联系人电话" not in res.records.columns  # personal header never kept


def test_every_data_sheet_is_read_and_notes_sheets_skipped(tmp_path, settings):
    wb = openpyxl.Workbook()
    header = ["认定书编号", "用人单位", "受伤时间", "受伤经过"]
    for title, start in (("一季度", 1), ("二季度", 11)):
        ws = wb.create_sheet(title)
        ws.append(header)
        for i in range(start, start + 3):
            ws.append(
                [
                    f"示人社工伤认字〔2024〕{i:04d}号",
                    "示范市测试公司",
                    f"2024-0{start // 10 + 1}-05",
                    "",
                ]
            )
    wb["Sheet"].append(["本工作簿为合成测试数据"])
    path = tmp_path / "two_quarters.xlsx"
    wb.save(path)
    result = read_determinations(path, settings=settings)
    assert [s.sheet for s in result.sources] == ["一季度", "二季度"]
    assert result.accounting.cases == 6
    assert set(result.cases["source_sheet"]) == {"一季度", "二季度"}
    assert (result.cases["time_precision"] == "day").all()


def test_exact_header_wins_over_vague_alias(tmp_path, settings):
    path = tmp_path / "two_ids.csv"
    path.write_text(
        "编号,认定书编号,单位名称,事故时间,备注\n"
        "1,示人社工伤认字〔2024〕0001号,示范市测试公司,2024-03-05 07:30,电话13912345678\n"
        "2,示人社工伤认字〔2024〕0002号,示范市测试公司,2024-03-06 17:30,无\n",
        encoding="utf-8",
    )
    result = read_determinations(path, settings=settings)
    assert result.sources[0].columns["认定书编号"] == "decision_no"
    assert result.cases["decision_no"].str.startswith("示人社").all()
    assert "编号" in result.cases.columns  # the vague one is kept as unknown
    assert "备注" not in result.cases.columns  # a phone number inside: protected
    assert "备注" in result.protected.columns
    assert "personal_column" in result.cases["issues"].iloc[0]


def test_coordinates_checked_and_flagged(tmp_path, settings):
    path = tmp_path / "coords.csv"
    path.write_text(
        "认定书编号,用人单位,受伤时间,经度,纬度,坐标系\n"
        "A1,示范公司,2024-03-05 07:30,111.69,29.03,高德\n"
        "A2,示范公司,2024-03-05 07:30,29.03,111.69,WGS-84\n"
        "A3,示范公司,2024-03-05 07:30,111.69,29.03,\n"
        "A4,示范公司,2024-03-05 07:30,11.69,29.03,WGS84\n"
        "A5,示范公司,2024-03-05 07:30,111.69,29.03,火星文\n"
        "A6,示范公司,2024-03-05 07:30,,,\n",
        encoding="utf-8",
    )
    cases = read_determinations(path, settings=settings).cases.set_index("decision_no")
    assert cases.loc["A1", "crs"] == "GCJ02"
    assert (cases.loc["A2", "lon"], cases.loc["A2", "lat"]) == (111.69, 29.03)
    assert "coords_swapped" in cases.loc["A2", "issues"]
    assert cases.loc["A3", "crs"] == "WGS84" and "crs_assumed" in cases.loc["A3", "issues"]
    assert pd.isna(cases.loc["A4", "lon"]) and "coords_invalid" in cases.loc["A4", "issues"]
    assert "crs_unknown" in cases.loc["A5", "issues"]
    assert cases.loc["A6", "issues"] == "" and pd.isna(cases.loc["A6", "crs"])


def test_unknown_columns_that_hold_nothing_are_dropped(tmp_path, data_dir, settings):
    """An unknown column blank in every row (spaces, full-width spaces) is dropped and not
    listed; one with a value in any row is kept and listed. A workbook formatted out to
    column XFD has thousands of such blank columns (tests/test_tables_limits.py)."""
    lines = (data_dir / "utf8_bom.csv").read_text(encoding="utf-8-sig").splitlines()
    head, rows = lines[0], lines[1:4]
    out = [head + ",空列,备用,备注"]
    for i, row in enumerate(rows):
        out.append(row + ", ,\u3000," + ("已回访" if i == 2 else ""))
    path = tmp_path / "extra.csv"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    result = read_determinations(path, settings=settings)
    assert result.sources[0].unknown_columns == ("备注",)
    assert result.accounting.cases + result.accounting.rejected == 3
