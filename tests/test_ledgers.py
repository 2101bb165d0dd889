"""The precision project's ledgers: contributions (工伤保险缴费台账) and payouts
(工伤保险待遇支付台账).

Real files (xlsx written with openpyxl: a merged title row, a 说明 sheet; a GB18030 CSV; a
UTF-8-with-BOM CSV), header aliases, each rejection reason, the duplicate rules, personal
data, hostile text, and property tests. All values are synthetic: enterprise names
示范市测试…, worker names 测试甲一…, ID numbers with a wrong check character, phones 100…;
credit codes pass their check (built by :func:`_credit`) unless a test says otherwise.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trafficprev import Settings
from trafficprev._display import display_path
from trafficprev._errors import (
    FileFormatError,
    InputFileNotFoundError,
    SchemaError,
    TrafficPrevError,
)
from trafficprev._ledgers import (
    LEDGER_REASONS,
    RISK_CLASSES,
    normalize_risk_classes,
    parse_amounts,
    read_contributions,
    read_payouts,
)
from trafficprev._rows import decision_key
from trafficprev.schema import CONTRIBUTION_COLUMNS, PAYOUT_COLUMNS

SETTINGS = Settings(as_of=dt.date(2025, 6, 30))

CONTRIBUTION_RECORD = [
    "credit_code", "name", "year", "insured", "paid", "wage_bill", "due", "risk_class",
]  # fmt: skip
PAYOUT_RECORD = [
    "credit_code", "name", "paid_on", "year", "amount", "decision_no", "item", "payment_id",
]  # fmt: skip
SOURCE = ["issues", "source_file", "source_sheet", "source_row"]

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def _credit(body17: str) -> str:
    """17 characters completed with their GB 32100 check character (a valid credit code)."""
    total = sum(_ALPHABET.index(ch) * w for ch, w in zip(body17, _WEIGHTS, strict=True))
    return body17 + _ALPHABET[(31 - total % 31) % 31]


def _bad_id(body17: str) -> str:
    """An ID-shaped number whose check character is deliberately wrong."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    right = "10X98765432"[sum(int(a) * b for a, b in zip(body17, weights, strict=True)) % 11]
    return body17 + ("1" if right != "1" else "2")


C1, C2, C3, C4 = (_credit(f"91430700MA4L{i:05d}") for i in range(1, 5))
ID1, ID2 = _bad_id("43070219850202567"), _bad_id("43070219900315123")
PHONE1, PHONE2 = "10012345678", "10087654321"
BANK1 = "6200000000000000017"
WORKER1, WORKER2 = "测试甲一", "测试乙二"


def _csv(path: Path, rows: list[list[object]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def _xlsx(path: Path, sheets: dict[str, list[list[object]]], *, title: str = "") -> Path:
    """A workbook: a 说明 sheet of sentences first, then each data sheet, a merged title row
    above its header when `title` is given. Text starting with = stays text."""
    book = openpyxl.Workbook()
    note = book.active
    note.title = "说明"
    note.append(["本表为合成演示数据，非真实数据。"])
    note.append(["年度为缴费所属年度，金额单位为元。"])
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        if title:
            ws.append([title])
            ws["A1"].data_type = "s"
            ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(rows[0]))
        for row in rows:
            ws.append(row)
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"
    book.save(path)
    return path


def _accounted(result) -> None:
    """read = records + rejected + duplicates, and each row read is in exactly one table."""
    acc = result.accounting
    assert acc.read == acc.records + acc.rejected + acc.duplicates
    assert (len(result.records), len(result.rejected), len(result.duplicates)) == (
        acc.records,
        acc.rejected,
        acc.duplicates,
    )
    where = ["source_file", "source_sheet"]
    seen = [
        *result.records[[*where, "source_row"]].itertuples(index=False, name=None),
        *result.rejected[[*where, "row_number"]].itertuples(index=False, name=None),
    ]
    if len(result.duplicates):
        seen += result.duplicates[[*where, "row_number"]].itertuples(index=False, name=None)
    assert len(seen) == len(set(seen)) == acc.read


def _cells(result, skip: tuple[str, ...] = ()) -> str:
    """Every cell of records, rejected and duplicates (and their headers), as one text."""
    parts = []
    for table in (result.records, result.rejected, result.duplicates):
        keep = [c for c in table.columns if c not in skip]
        parts += [str(c) for c in keep]
        parts += [str(v) for v in table[keep].to_numpy().ravel()]
    return "\x00".join(parts)


# --------------------------------------------------------------------------- schemas


def test_schemas_name_the_ledgers_and_mark_personal_columns():
    assert CONTRIBUTION_COLUMNS.kind == "contributions"
    assert CONTRIBUTION_COLUMNS.label == "工伤保险缴费台账"
    assert {c.name for c in CONTRIBUTION_COLUMNS.required} == {
        "credit_code",
        "year",
        "insured",
        "paid",
    }
    assert PAYOUT_COLUMNS.kind == "payouts"
    assert {c.name for c in PAYOUT_COLUMNS.required} == {"credit_code", "amount"}
    assert {c.name for c in PAYOUT_COLUMNS.columns if c.personal} == {
        "worker_name",
        "id_number",
        "phone",
        "bank_account",
    }
    lookup = PAYOUT_COLUMNS.header_lookup()
    assert lookup["发放日期"] == "paid_on" and lookup["待遇金额"] == "amount"
    assert CONTRIBUTION_COLUMNS.header_lookup()["年平均参保人数"] == "insured"


# --------------------------------------------------------------------------- cell parsers


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1200", 1200.0),
        ("1,234.50", 1234.5),
        ("¥1,234.50", 1234.5),
        ("￥ 1 234", 1234.0),
        ("1200元", 1200.0),
        ("１２００．５", 1200.5),
        ("人民币300元整", 300.0),
        ("1.5万元", 15000.0),
        ("-1,000", -1000.0),
        ("−250", -250.0),
        ("(300.00)", -300.0),
        ("¥-80", -80.0),
        ("12.5", 12.5),
        ("1.2E+05", 120000.0),
        ("0", 0.0),
        (".5", 0.5),
    ],
)
def test_amounts_that_are_read(text, value):
    assert parse_amounts(pd.Series([text])).iloc[0] == value


@pytest.mark.parametrize(
    "text", ["", "abc", "一千", "1,2", "12,34.5", "1e999", "inf", "nan", "1.2.3", "+", "=1+1"]
)
def test_amounts_that_are_not_numbers(text):
    assert np.isnan(parse_amounts(pd.Series([text])).iloc[0])


@pytest.mark.parametrize(
    ("text", "cls"),
    [
        ("1", "一类"),
        ("8", "八类"),
        ("1.0", "一类"),
        ("一类", "一类"),
        ("第一类", "一类"),
        ("一类行业", "一类"),
        ("第二类行业", "二类"),
        ("Ⅲ类", "三类"),
        ("III类", "三类"),
        ("Ⅷ", "八类"),
        ("iv类", "四类"),
        ("风险类别：五类", "五类"),
        ("六档", "六类"),
        ("第 7 类", "七类"),
        (" 二 类 ", "二类"),
    ],
)
def test_risk_classes_normalised(text, cls):
    classes, unknown = normalize_risk_classes(pd.Series([text]))
    assert (classes.iloc[0], bool(unknown.iloc[0])) == (cls, False)
    assert cls in RISK_CLASSES


@pytest.mark.parametrize("text", ["九类", "0", "高危", "一类(低风险)", "12", "<b>1</b>"])
def test_risk_classes_not_understood_are_kept_as_written(text):
    classes, unknown = normalize_risk_classes(pd.Series([text, ""]))
    assert classes.tolist() == [text, ""]
    assert unknown.tolist() == [True, False]


# --------------------------------------------------------------------------- real files

CONTRIBUTION_HEADER = [
    "统一社会信用代码", "单位名称", "缴费年度", "平均参保人数", "实缴工伤保险费", "工资总额",
    "应缴额", "费率档次", "备注",
]  # fmt: skip


def test_contributions_xlsx_with_title_row_and_explanation_sheet(tmp_path):
    rows = [
        CONTRIBUTION_HEADER,
        [C1, "示范市测试机械有限公司", 2023, 12.5, 3456.78, 1234567, "3,456.78", "二类", ""],
        [C1, "示范市测试机械有限公司", 2024, 13, "¥3,600.00", None, None, "第二类", "补缴"],
        [C2, "示范市测试物流有限公司", "2024年度", "８", "1200元", "abc", "1,200", "Ⅲ类", None],
        [f" {C3[:9].lower()} {C3[9:].lower()}", None, 2024, 0, 0, None, None, None, None],
    ]
    path = _xlsx(tmp_path / "缴费台账.xlsx", {"缴费台账": rows}, title="示范市工伤保险缴费台账")
    result = read_contributions(path, settings=SETTINGS)
    (src,) = result.sources
    assert (src.format, src.sheet, src.header_row) == ("xlsx", "缴费台账", 2)
    assert src.columns["缴费年度"] == "year" and src.columns["费率档次"] == "risk_class"
    assert src.columns["实缴工伤保险费"] == "paid" and src.columns["应缴额"] == "due"
    rec = result.records
    assert list(rec.columns) == [*CONTRIBUTION_RECORD, "备注", *SOURCE]
    assert rec["credit_code"].tolist() == [C1, C1, C2, C3]
    assert rec["name"].tolist() == ["示范市测试机械有限公司"] * 2 + ["示范市测试物流有限公司", ""]
    assert rec["year"].tolist() == [2023, 2024, 2024, 2024] and rec["year"].dtype == "int64"
    assert rec["insured"].tolist() == [12.5, 13.0, 8.0, 0.0]
    assert rec["paid"].tolist() == [3456.78, 3600.0, 1200.0, 0.0]
    assert rec["wage_bill"].iloc[0] == 1234567.0 and rec["wage_bill"].iloc[1:].isna().all()
    assert rec["due"].tolist()[:1] == [3456.78] and rec["due"].iloc[2] == 1200.0
    assert rec["risk_class"].tolist() == ["二类", "二类", "三类", ""]
    assert rec["issues"].tolist() == ["", "", "wage_bill_invalid", ""]
    assert rec["source_row"].tolist() == [3, 4, 5, 6]
    assert (rec["source_sheet"] == "缴费台账").all()
    assert result.accounting.flagged == {"wage_bill_invalid": 1}
    _accounted(result)


def test_contributions_gb18030_csv_with_a_title_row(tmp_path):
    rows = [
        ["示范市工伤保险缴费台账（合成数据）"],
        ["统一社会信用代码", "单位名称", "所属年度", "参保职工人数", "已缴金额", "风险类别"],
        [C1, "示范市测试䶮业有限公司", "2023", "20", "¥1,234.50", "一类行业"],
        [C2, "示范市测试建材有限公司", "2024年", "７", "１２００元", "4"],
        [C3, "示范市测试电子有限公司", "2024", "1,050.5", "1.2万元", "I类"],
    ]
    path = _csv(tmp_path / "contributions_gb.csv", rows, encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("gbk")  # 䶮 is not in GBK
    result = read_contributions(path, settings=SETTINGS)
    assert result.sources[0].encoding == "gb18030"
    assert result.sources[0].header_row == 2
    rec = result.records
    assert rec["name"].iloc[0] == "示范市测试䶮业有限公司"
    assert rec["year"].tolist() == [2023, 2024, 2024]
    assert rec["insured"].tolist() == [20.0, 7.0, 1050.5]
    assert rec["paid"].tolist() == [1234.5, 1200.0, 12000.0]
    assert rec["risk_class"].tolist() == ["一类", "四类", "一类"]
    assert rec["wage_bill"].isna().all() and rec["due"].isna().all()
    _accounted(result)


PAYOUT_HEADER = [
    "统一社会信用代码", "单位名称", "支付日期", "年度", "支付金额", "认定书编号", "待遇项目",
    "职工姓名", "身份证号码", "联系电话",
]  # fmt: skip


def test_payouts_utf8_bom_csv_with_header_aliases(tmp_path):
    rows = [
        ["统一社会信用代码", "单位名称", "发放日期", "待遇金额", "工伤认定书编号", "支付项目",
         "流水号"],
        [C1, "示范市测试机械有限公司", "2024/3/5", "1,000.00", "示人社工伤认字[2024] 12号",
         "医疗费", "zf 0001"],
        [C1, "示范市测试机械有限公司", "2024年3月6日", "¥25,000", "示人社工伤认字（2024）12号",
         "一次性伤残补助金", "ZF0002"],
        [C2, "示范市测试物流有限公司", "45000", "-300", "", "医疗费（冲正）", ""],
    ]  # fmt: skip
    path = tmp_path / "payouts_bom.csv"
    _csv(path, rows, encoding="utf-8-sig")
    result = read_payouts(path, settings=SETTINGS)
    src = result.sources[0]
    assert src.encoding == "utf-8-sig"
    assert src.columns["发放日期"] == "paid_on" and src.columns["流水号"] == "payment_id"
    rec = result.records
    assert list(rec.columns) == [*PAYOUT_RECORD, *SOURCE]
    assert rec["paid_on"].tolist() == [
        pd.Timestamp("2024-03-05"),
        pd.Timestamp("2024-03-06"),
        pd.Timestamp("2023-03-15"),  # the Excel serial 45000
    ]
    assert rec["paid_on"].dtype == "datetime64[ns]"
    assert rec["year"].tolist() == [2024, 2024, 2023]
    assert rec["amount"].tolist() == [1000.0, 25000.0, -300.0]
    assert rec["decision_no"].tolist() == ["示人社工伤认字〔2024〕12号"] * 2 + [""]
    assert rec["payment_id"].tolist() == ["ZF0001", "ZF0002", ""]
    assert rec["issues"].tolist() == ["", "", "negative_amount"]
    _accounted(result)


def test_decision_numbers_join_the_determinations_key(tmp_path):
    typed = [
        "示人社工伤认字[2024] 0012号",
        "示人社工伤认字【2024】0012号",
        "示人社工伤认字〔2024〕0012号",
    ]
    rows = [PAYOUT_HEADER[:7]] + [
        [C1, "", f"2024-03-0{i + 1}", "", "100", d, "医疗费"] for i, d in enumerate(typed)
    ]
    rec = read_payouts(_csv(tmp_path / "p.csv", rows), settings=SETTINGS).records
    key = decision_key(pd.Series(["示人社工伤认字〔2024〕0012号"])).iloc[0]
    assert rec["decision_no"].tolist() == [key] * 3


# --------------------------------------------------------------------------- rejections


def test_each_contribution_rejection_reason(tmp_path):
    good = [C1, "示范市测试机械有限公司", "2024", "10", "100"]
    rows = [
        ["统一社会信用代码", "单位名称", "年度", "参保人数", "实缴金额"],
        good,  # 2
        [C2, "示范市测试物流有限公司", "2024", "10", "100", "多出的格"],  # 3
        ["", "示范市测试建材有限公司", "2024", "10", "100"],  # 4
        [C2, "示范市测试物流有限公司", "", "10", "100"],  # 5
        [C2, "示范市测试物流有限公司", "1999", "10", "100"],  # 6
        [C2, "示范市测试物流有限公司", "2026", "10", "100"],  # 7
        [C2, "示范市测试物流有限公司", "2024.5", "10", "100"],  # 8
        [C2, "示范市测试物流有限公司", "2023", "-3", "100"],  # 9
        [C2, "示范市测试物流有限公司", "2022", "十二", "100"],  # 10
        [C3, "示范市测试电子有限公司", "2024", "10", ""],  # 11
        [C3, "示范市测试电子有限公司", "2023", "10", "-100"],  # 12
        [C4, "示范市测试化工有限公司", "", "10", "abc"],  # 13
    ]
    result = read_contributions(_csv(tmp_path / "c.csv", rows), settings=SETTINGS)
    rej = result.rejected.set_index("row_number")
    assert rej["reason_code"].to_dict() == {
        3: "extra_cells",
        4: "missing_credit_code",
        5: "year_missing",
        6: "year_invalid",
        7: "year_invalid",
        8: "year_invalid",
        9: "insured_not_number",
        10: "insured_not_number",
        11: "paid_not_number",
        12: "paid_not_number",
        13: "year_missing",
    }
    assert rej.loc[13, "other_problems"] == "paid_not_number"
    assert rej.loc[6, "value"] == "1999" and rej.loc[9, "value"] == "-3"
    assert rej.loc[9, "column"] == "参保人数" and rej.loc[12, "key"] == C3
    assert (rej["reason"] == [LEDGER_REASONS[c][1] for c in rej["reason_code"]]).all()
    assert result.records["source_row"].tolist() == [2]
    assert result.accounting.rejected_by_reason["year_invalid"] == 3
    _accounted(result)


def test_each_payout_rejection_reason_and_time_rule(tmp_path):
    header = ["统一社会信用代码", "支付日期", "年度", "支付金额"]
    rows = [
        header,
        [C1, "2024-03-05", "", "100"],  # 2 kept
        [C1, "", "2024", "100"],  # 3 kept, year only
        ["", "2024-03-05", "", "100"],  # 4
        [C1, "2024-03-05", "", ""],  # 5
        [C1, "2024-03-05", "", "一千"],  # 6
        [C1, "", "", "100"],  # 7
        [C1, "2024-02-30", "", "100"],  # 8
        [C1, "昨天", "abc", "100"],  # 9
        [C1, "1999-05-01", "1999", "100"],  # 10
        [C1, "2025-07-01", "2025", "100"],  # 11 after the reference date
        [C1, "", "1999", "100"],  # 12
        [C1, "", "2026", "100"],  # 13
        [C1, "2024-02-30", "2024", "100"],  # 14 kept: the year stands in
        [C1, "2024-12-31 16:30", "2025", "100"],  # 15 kept: the date wins
        [C1, "2024-06-01", "", "-1,000"],  # 16 kept: a reversal
    ]
    result = read_payouts(_csv(tmp_path / "p.csv", rows), settings=SETTINGS)
    assert result.rejected.set_index("row_number")["reason_code"].to_dict() == {
        4: "missing_credit_code",
        5: "amount_not_number",
        6: "amount_not_number",
        7: "date_and_year_missing",
        8: "paid_on_invalid",
        9: "paid_on_invalid",
        10: "paid_on_out_of_range",
        11: "paid_on_out_of_range",
        12: "year_invalid",
        13: "year_invalid",
    }
    rec = result.records.set_index("source_row")
    assert rec.index.tolist() == [2, 3, 14, 15, 16]
    assert rec["year"].tolist() == [2024] * 5
    assert rec["paid_on"].isna().tolist() == [False, True, True, False, False]
    assert rec.loc[15, "paid_on"] == pd.Timestamp("2024-12-31")  # the day: time dropped
    assert rec["issues"].to_dict() == {
        2: "",
        3: "",
        14: "paid_on_invalid",
        15: "year_date_mismatch",
        16: "negative_amount",
    }
    assert rec.loc[16, "amount"] == -1000.0
    assert result.accounting.flagged == {
        "paid_on_invalid": 1,
        "year_date_mismatch": 1,
        "negative_amount": 1,
    }
    _accounted(result)


def test_min_year_and_reference_date_come_from_the_settings(tmp_path):
    rows = [["统一社会信用代码", "年度", "参保人数", "实缴金额"], [C1, "2019", "1", "1"]]
    path = _csv(tmp_path / "c.csv", rows)
    assert read_contributions(path, settings=SETTINGS).accounting.records == 1
    late = Settings(as_of=dt.date(2025, 6, 30), min_injury_year=2020)
    assert read_contributions(path, settings=late).rejected["reason_code"].tolist() == [
        "year_invalid"
    ]
    early = Settings(as_of=dt.date(2018, 12, 31))
    assert read_contributions(path, settings=early).accounting.rejected == 1


# --------------------------------------------------------------------------- duplicates


def test_contribution_duplicates_identical_collapse_and_the_later_row_wins(tmp_path):
    header = ["统一社会信用代码", "单位名称", "年度", "参保人数", "实缴金额"]
    first = _csv(
        tmp_path / "a.csv",
        [
            header,
            [C1, "示范市测试机械有限公司", "2023", "10", "100"],
            [C1, "示范市测试机械有限公司", "2024", "11", "200"],
            [C2, "示范市测试物流有限公司", "2024", "5", "50"],
        ],
    )
    second = _csv(
        tmp_path / "b.csv",
        [
            header,
            [C1.lower(), "示范市测试机械有限公司", "2023年", "10.0", "¥100.00"],
            [C2, "示范市测试物流有限公司", "2024", "5", "60"],
        ],
    )
    result = read_contributions([first, second], settings=SETTINGS)
    rec = result.records
    assert list(zip(rec["credit_code"], rec["year"], rec["paid"], strict=True)) == [
        (C1, 2024, 200.0),
        (C1, 2023, 100.0),
        (C2, 2024, 60.0),
    ]
    assert [Path(f).name for f in rec["source_file"]] == ["a.csv", "b.csv", "b.csv"]
    dup = result.duplicates.set_index("key")
    assert dup["kind"].to_dict() == {f"{C1}|2023": "identical", f"{C2}|2024": "conflicting"}
    assert dup.loc[f"{C2}|2024", "differing_columns"] == "实缴金额"
    assert dup.loc[f"{C2}|2024", "paid"] == "50"  # the row dropped, as read
    assert Path(dup.loc[f"{C2}|2024", "kept_file"]).name == "b.csv"
    assert dup.loc[f"{C2}|2024", "kept_row"] == 3
    acc = result.accounting
    assert (acc.duplicates_identical, acc.duplicates_conflicting) == (1, 1)
    _accounted(result)


def test_payouts_sharing_a_payment_id_are_one_payment(tmp_path):
    header = ["统一社会信用代码", "支付日期", "支付金额", "待遇项目", "支付流水号", "职工姓名"]
    rows = [
        header,
        [C1, "2024-01-05", "100", "医疗费", "ZF-0001", WORKER1],  # 2
        [C1, "2024-01-05", "100.00", "医疗费", " zf-0001 ", WORKER1],  # 3 identical
        [C1, "2024-02-01", "200", "停工留薪期工资", "ZF-0002", WORKER1],  # 4
        [C1, "2024-02-01", "250", "停工留薪期工资", "ZF-0002", WORKER1],  # 5 wins
        [C1, "2024-03-01", "300", "医疗费", "ZF-0003", WORKER1],  # 6
        [C1, "2024-03-01", "300", "医疗费", "ZF-0003", WORKER2],  # 7 wins
        [C1, "2024-03-01", "300", "医疗费", "ZF-0004", WORKER1],  # 8 another id: kept
    ]
    result = read_payouts(_csv(tmp_path / "p.csv", rows), settings=SETTINGS)
    rec = result.records
    assert rec["source_row"].tolist() == [3, 5, 7, 8]
    assert rec["payment_id"].tolist() == ["ZF-0001", "ZF-0002", "ZF-0003", "ZF-0004"]
    assert rec["amount"].tolist() == [100.0, 250.0, 300.0, 300.0]
    dup = result.duplicates.set_index("row_number")
    assert dup["kind"].to_dict() == {2: "identical", 4: "conflicting", 6: "conflicting"}
    assert dup.loc[4, "differing_columns"] == "支付金额"
    assert dup.loc[6, "differing_columns"] == "个人信息列"  # the label, never the values
    assert dup["kept_row"].to_dict() == {2: 3, 4: 5, 6: 7}
    assert WORKER1 not in _cells(result) and WORKER2 not in _cells(result)
    _accounted(result)


def test_identical_dated_payouts_collapse_year_only_payouts_never(tmp_path):
    header = [
        "统一社会信用代码",
        "支付日期",
        "年度",
        "支付金额",
        "待遇项目",
        "职工姓名",
        "身份证号码",
    ]
    dated = [C1, "2024-03-05", "", "1,000", "医疗费", WORKER1, ID1]
    monthly = [C2, "", "2024", "2,100", "伤残津贴", WORKER1, ID1]
    rows = [
        header,
        dated,  # 2
        [*dated[:3], "1000.00", *dated[4:]],  # 3: the same payment exported again
        [*dated[:5], WORKER2, ID2],  # 4: another worker, same sum and day
        [C1, "2024-03-06", *dated[2:]],  # 5: another day
        *[monthly] * 12,  # 6..17: a year of monthly 伤残津贴
        [C2, "2024-01-31", "", "2,100", "伤残津贴", WORKER1, ID1],  # 18
        [C2, "2024-01-31", "", "2,100", "伤残津贴", WORKER1, ID1],  # 19
    ]
    result = read_payouts(_csv(tmp_path / "p.csv", rows), settings=SETTINGS)
    assert result.records["source_row"].tolist() == [3, 4, 5, *range(6, 18), 19]
    dup = result.duplicates
    assert dup["row_number"].tolist() == [2, 18]
    assert (dup["kind"] == "identical").all() and dup["kept_row"].tolist() == [3, 19]
    assert dup["key"].tolist() == [f"{C1}|2024-03-05|1000", f"{C2}|2024-01-31|2100"]
    year_only = result.records[result.records["paid_on"].isna()]
    assert len(year_only) == 12 and year_only["amount"].sum() == 12 * 2100.0
    _accounted(result)


def test_negative_amounts_are_kept_and_net_out(tmp_path):
    rows = [
        ["统一社会信用代码", "支付日期", "支付金额", "待遇项目", "支付流水号"],
        [C1, "2024-05-01", "5,000", "一次性伤残补助金", "ZF-1"],
        [C1, "2024-05-09", "-5,000", "一次性伤残补助金（冲正）", "ZF-2"],
        [C1, "2024-05-10", "4,500", "一次性伤残补助金", "ZF-3"],
    ]
    result = read_payouts(_csv(tmp_path / "p.csv", rows), settings=SETTINGS)
    assert result.records["amount"].sum() == 4500.0
    assert result.records["issues"].tolist() == ["", "negative_amount", ""]
    assert result.accounting.flagged == {"negative_amount": 1}


# --------------------------------------------------------------------------- personal data


def test_personal_columns_never_leave_intake(tmp_path):
    header = [
        "统一社会信用代码", "单位名称", "支付日期", "支付金额", "待遇项目", "职工姓名",
        "身份证号码", "手机号码", "银行卡号", "家庭住址", "备注",
    ]  # fmt: skip
    rows = [
        header,
        # personal data typed into 单位名称, 待遇项目 and 备注, too
        [C1, f"示范市测试机械有限公司（{WORKER1}）", "2024-03-05", "1000", f"医疗费 {ID1}",
         WORKER1, ID1, PHONE1, BANK1, "示范市测试路1号", ""],
        [C1, f"示范市测试机械有限公司（{WORKER1}）", "2024-03-05", "1000", f"医疗费 {ID1}",
         WORKER1, ID1, PHONE1, BANK1, "示范市测试路1号", ""],  # identical: a duplicate
        [C2, f"示范市测试物流有限公司 {PHONE2}", "2024-04-01", "2000", f"账户 {BANK1}",
         WORKER2, ID2, PHONE2, BANK1, "示范市测试路2号", f"{WORKER2}的补发"],
        [C2, "示范市测试物流有限公司", "2024-04-01", f"{WORKER2}", "医疗费", WORKER2, ID2,
         PHONE2, BANK1, "示范市测试路2号", ""],  # rejected: the amount holds a name
        [C2, "示范市测试物流有限公司", "2024-04-01", "3000", "医疗费", WORKER2, ID2, PHONE2,
         BANK1, "示范市测试路2号", ""],
        [C2, "示范市测试物流有限公司", "2024-04-01", "3000", "医疗费", WORKER2, ID2, PHONE2,
         BANK1, "示范市测试路2号", ""],  # identical: a duplicate
    ]  # fmt: skip
    result = read_payouts(_csv(tmp_path / "p.csv", rows), settings=SETTINGS)
    assert (result.accounting.records, result.accounting.rejected) == (3, 1)
    assert result.accounting.duplicates == 2
    text = _cells(result)
    for value in (WORKER1, WORKER2, ID1, ID2, PHONE1, PHONE2, BANK1, "示范市测试路"):
        assert value not in text, value
    for column in ("worker_name", "id_number", "phone", "bank_account", "家庭住址"):
        assert column not in result.records.columns
    assert "备注" in result.records.columns  # an unknown column kept (redacted)
    assert result.records["source_row"].tolist() == [3, 4, 7]
    assert result.records["item"].iloc[0] == "医疗费 〔身份证号已隐去〕"
    assert result.records["name"].iloc[0] == "示范市测试机械有限公司(〔姓名已隐去〕)"  # NFKC
    assert result.records["备注"].iloc[1] == "〔姓名已隐去〕的补发"
    assert result.duplicates["name"].iloc[0] == "示范市测试机械有限公司(〔姓名已隐去〕)"  # NFKC
    assert (result.records["issues"] == "personal_column").all()  # 家庭住址 was dropped
    assert result.protected.empty
    _accounted(result)


def test_an_unknown_column_with_phone_numbers_is_dropped_and_flagged(tmp_path):
    rows = [
        ["统一社会信用代码", "年度", "参保人数", "实缴金额", "经办人", "说明"],
        [C1, "2024", "10", "100", f"测试丙三 {PHONE1}", "按时缴纳"],
        [C2, "2024", "10", "100", "测试丁四", "=1+1"],
    ]
    result = read_contributions(_csv(tmp_path / "c.csv", rows), settings=SETTINGS)
    assert "经办人" not in result.records.columns and "说明" in result.records.columns
    assert result.records["说明"].tolist() == ["按时缴纳", "=1+1"]
    assert result.accounting.flagged == {"personal_column": 2}
    assert PHONE1 not in _cells(result)


# --------------------------------------------------------------------------- hostile text

HOSTILE = [
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    "</style><style>body{background:url(javascript:alert(1))}</style>",
    "{{ 7*7 }}{% if 1 %}${7*7}`\\",
    '=HYPERLINK("http://example.invalid","点我")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "javascript:alert(document.cookie)",
]
HOSTILE_FILE = f"<b onmouseover=alert(1)>{{{{7*7}}}}${{x}}`=1+1;@x {ID1} {PHONE1}"
HOSTILE_SHEET = f"<i>{{{{x}}}}=1+1@'${{y}} {PHONE1}"


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_in_every_contribution_field_is_data(tmp_path, text):
    header = [*CONTRIBUTION_HEADER[:8], "备注"]
    good = [C1, "示范市测试机械有限公司", 2024, 10, 100, 1000, 100, "一类", "无"]
    rows = [header, good]
    for i in range(len(header)):  # the text in each column in turn
        row = [*good]
        row[0] = _credit(f"91430700MA4L{i + 10:05d}")
        row[i] = text
        rows.append(row)
    # the key of row 3, conflicting: the later row wins
    rows.append([good[0], f"{text} {ID1} {PHONE1}", *good[2:]])
    path = _xlsx(tmp_path / f"{HOSTILE_FILE}.xlsx", {HOSTILE_SHEET: rows}, title=text)
    result = read_contributions(path, settings=SETTINGS)
    _accounted(result)
    rec = result.records.set_index("source_row")  # title 1, header 2, rows from 3
    assert rec.loc[4, "credit_code"] == text.replace(" ", "").upper()
    assert "credit_code_invalid" in rec.loc[4, "issues"]
    assert rec.loc[5, "name"] == text
    assert "wage_bill_invalid" in rec.loc[9, "issues"]
    assert rec.loc[11, "risk_class"] == text and "risk_class_unknown" in rec.loc[11, "issues"]
    assert rec.loc[12, "备注"] == text
    assert rec.loc[13, "name"] == f"{text} 〔身份证号已隐去〕 〔电话已隐去〕"
    rej = result.rejected.set_index("row_number")
    assert rej["reason_code"].to_dict() == {
        6: "year_invalid",
        7: "insured_not_number",
        8: "paid_not_number",
    }
    assert rej.loc[6, "value"] == text.strip()
    assert result.duplicates["row_number"].tolist() == [3]
    assert result.duplicates["differing_columns"].tolist() == ["单位名称"]
    assert (result.records["source_file"] == display_path(path)).all()
    assert (result.records["source_sheet"] == HOSTILE_SHEET).all()
    # the file and sheet names are bookkeeping, kept as they are; nothing else holds the numbers
    text_cells = _cells(result, skip=("source_file", "source_sheet", "kept_file", "kept_sheet"))
    assert ID1 not in text_cells and PHONE1 not in text_cells


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_in_every_payout_field_is_data(tmp_path, text):
    header = [*PAYOUT_HEADER, "支付流水号", "备注"]
    good = [C1, "示范市测试机械有限公司", "2024-03-05", "2024", "100", "示人社工伤认字〔2024〕1号",
            "医疗费", WORKER1, ID1, PHONE1, "", "无"]  # fmt: skip
    rows = [header]
    for i in range(len(header)):
        row = [*good]
        row[-2] = f"ZF-{i}"
        # in a personal column the text is a worker's name or number: it would be redacted
        row[i] = f"{text}测试" if i in (7, 8, 9) else text
        rows.append(row)
    # the payment id of row 8 (待遇项目), conflicting: the later row wins
    rows.append([*good[:6], f"{ID2} {PHONE2} {text}", *good[7:10], "ZF-6", "无"])
    path = _csv(tmp_path / f"{HOSTILE_FILE}.csv", rows)
    result = read_payouts(path, settings=SETTINGS)
    _accounted(result)
    rec = result.records.set_index("source_row")  # header 1, rows from 2
    assert rec.loc[2, "credit_code"] == text.replace(" ", "").upper()
    assert rec.loc[3, "name"] == text
    assert rec.loc[4, "paid_on"] is pd.NaT and "paid_on_invalid" in rec.loc[4, "issues"]
    assert rec.loc[5, "year"] == 2024 and "year_date_mismatch" in rec.loc[5, "issues"]
    assert rec.loc[7, "decision_no"] == decision_key(pd.Series([text.strip()])).iloc[0]
    assert rec.loc[12, "payment_id"] == text.replace(" ", "").upper()
    assert rec.loc[13, "备注"] == text
    assert rec.loc[14, "item"] == f"〔身份证号已隐去〕 〔电话已隐去〕 {text}"
    assert result.rejected.set_index("row_number")["reason_code"].to_dict() == {
        6: "amount_not_number"
    }
    dup = result.duplicates
    assert dup["row_number"].tolist() == [8] and dup["item"].tolist() == [text]
    assert dup["differing_columns"].tolist() == ["待遇项目"]
    assert (result.records["source_file"] == display_path(path)).all()
    text_cells = _cells(result, skip=("source_file", "kept_file"))
    for value in (WORKER1, ID1, ID2, PHONE1, PHONE2):
        assert value not in text_cells


# --------------------------------------------------------------------------- a realistic ledger


def _enterprises(rng: random.Random, n: int) -> list[tuple[str, str, float]]:
    out = []
    for i in range(n):
        body = "91430700" + "".join(rng.choice(_ALPHABET) for _ in range(9))
        out.append((_credit(body), f"示范市测试{i:03d}有限公司", float(rng.randint(3, 800))))
    return out


def test_a_realistic_contribution_ledger_is_fully_accounted(tmp_path):
    """120 enterprises × 3 years with planted bad rows, re-exported rows and corrections;
    every assertion held for seeds 0–59."""
    rng = random.Random(19)
    firms = _enterprises(rng, 120)
    rows, planted_bad, planted_diff = [], {}, 0
    for code, name, size in firms:
        for year in (2022, 2023, 2024):
            insured = round(size * rng.uniform(0.9, 1.1), 1)
            paid = round(insured * rng.uniform(400, 2500), 2)
            rows.append([code, name, year, insured, f"{paid:,.2f}", "", "", str(rng.randint(1, 8))])
    bad = {
        "missing_credit_code": ["", "示范市测试无码有限公司", 2024, 5, "100", "", "", "1"],
        "year_invalid": [firms[0][0], firms[0][1], 2031, 5, "100", "", "", "1"],
        "insured_not_number": [firms[1][0], firms[1][1], 2021, "约五十", "100", "", "", "1"],
        "paid_not_number": [firms[2][0], firms[2][1], 2021, 5, "未缴", "", "", "1"],
    }
    for i in range(12):
        code = list(bad)[i % 4]
        rows.insert(rng.randrange(len(rows)), bad[code])
        planted_bad[code] = planted_bad.get(code, 0) + 1
    for _ in range(8):  # the same row exported twice
        rows.append([*rng.choice(rows[:300])])
    for i in range(5):  # a corrected figure later in the ledger (distinct keys)
        code, name, _ = firms[100 + i]
        rows.append([code, name, 2024, 99.25, "12,345.00", "", "", "二类"])
        planted_diff += 1
    assert planted_bad == dict.fromkeys(bad, 3)
    header = ["统一社会信用代码", "单位名称", "年度", "参保人数", "实缴金额", "缴费工资总额",
              "应缴金额", "行业风险类别"]  # fmt: skip
    path = _xlsx(tmp_path / "缴费台账2022-2024.xlsx", {"台账": [header, *rows]}, title="缴费台账")
    result = read_contributions(path, settings=SETTINGS)
    _accounted(result)
    acc = result.accounting
    assert acc.read == len(rows) == 360 + 12 + 8 + 5
    # a planted bad row may be picked again as an "exported twice" row: then it is rejected
    assert 12 <= acc.rejected <= 12 + 8
    assert acc.records == 360
    assert acc.duplicates_conflicting == planted_diff
    assert acc.rejected_by_reason.keys() == bad.keys()
    assert result.records.groupby(["credit_code", "year"]).size().max() == 1
    assert result.records["risk_class"].isin(RISK_CLASSES).all()
    fixed = result.records[result.records["insured"] == 99.25]
    assert len(fixed) == planted_diff and (fixed["paid"] == 12345.0).all()


def test_a_realistic_payout_ledger_is_fully_accounted(tmp_path):
    """300 dated payments, two workers' monthly 伤残津贴 by year only, a re-exported overlap
    and planted bad rows; every assertion held for seeds 0–59."""
    rng = random.Random(20)
    firms = _enterprises(rng, 60)
    items = ["医疗费", "住院伙食补助费", "一次性伤残补助金", "停工留薪期工资", "康复费"]
    rows = []
    for i in range(300):
        code, name, _ = rng.choice(firms)
        day = dt.date(2022, 1, 1) + dt.timedelta(days=rng.randrange(3 * 365))
        amount = round(rng.lognormvariate(8, 1.2), 2)
        worker_id = _bad_id(f"4307021985{i % 12 + 1:02d}{i % 28 + 1:02d}{i:03d}")
        rows.append([code, name, day.isoformat(), "", f"{amount:,.2f}", rng.choice(items),
                     f"测试职工{i:04d}", worker_id])  # fmt: skip
    for worker in range(2):  # two workers' monthly 伤残津贴, by year only
        code, name, _ = firms[worker]
        rows += [[code, name, "", "2024", "2,380.00", "伤残津贴", f"测试职工月{worker}", ""]] * 12
    for _ in range(10):  # re-exported overlap
        rows.append([*rng.choice(rows[:300])])
    rows += [
        [firms[0][0], firms[0][1], "2024-13-01", "", "100", "医疗费", "测试坏", ""],
        [firms[0][0], firms[0][1], "", "", "100", "医疗费", "测试坏", ""],
        [firms[0][0], firms[0][1], "2024-01-01", "", "壹佰元", "医疗费", "测试坏", ""],
        ["", firms[0][1], "2024-01-01", "", "100", "医疗费", "测试坏", ""],
    ]
    header = ["统一社会信用代码", "单位名称", "拨付日期", "支付年度", "拨付金额", "费用类别",
              "职工姓名", "身份证号码"]  # fmt: skip
    path = _xlsx(tmp_path / "支付台账.xlsx", {"支付明细": [header, *rows]})
    result = read_payouts(path, settings=SETTINGS)
    _accounted(result)
    acc = result.accounting
    assert (acc.read, acc.records, acc.duplicates, acc.rejected) == (338, 324, 10, 4)
    assert acc.duplicates_identical == 10
    assert result.records["paid_on"].isna().sum() == 24
    assert "测试职工" not in _cells(result) and "430702" not in _cells(result)


# --------------------------------------------------------------------------- bad files


def test_a_file_without_a_required_column_is_one_clear_error(tmp_path):
    path = _csv(
        tmp_path / "缴费.csv", [["统一社会信用代码", "年度", "参保人数"], [C1, "2024", "1"]]
    )
    with pytest.raises(SchemaError) as info:
        read_contributions(path, settings=SETTINGS)
    assert "缴费.csv" in str(info.value) and "实缴金额" in str(info.value)
    path = _csv(tmp_path / "支付.csv", [["统一社会信用代码", "支付金额"], [C1, "100"]])
    with pytest.raises(SchemaError) as info:
        read_payouts(path, settings=SETTINGS)
    assert "支付.csv" in str(info.value) and "支付日期" in str(info.value)
    assert "年度" in str(info.value)


def test_unreadable_and_missing_files_raise_the_intake_errors(tmp_path):
    with pytest.raises(InputFileNotFoundError):
        read_payouts(tmp_path / "nope.csv", settings=SETTINGS)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    with pytest.raises(FileFormatError) as info:
        read_contributions(broken, settings=SETTINGS)
    assert "broken.xlsx" in str(info.value)
    with pytest.raises(SchemaError):
        read_contributions(_csv(tmp_path / "x.csv", [["a", "b"], ["1", "2"]]), settings=SETTINGS)


def test_a_header_only_ledger_gives_empty_typed_tables(tmp_path):
    c = read_contributions(_csv(tmp_path / "c.csv", [CONTRIBUTION_HEADER]), settings=SETTINGS)
    assert list(c.records.columns) == [*CONTRIBUTION_RECORD, *SOURCE]
    assert c.records["year"].dtype == "int64" and c.accounting.read == 0
    p = read_payouts(_csv(tmp_path / "p.csv", [PAYOUT_HEADER]), settings=SETTINGS)
    assert list(p.records.columns) == [*PAYOUT_RECORD, *SOURCE]
    assert p.records["paid_on"].dtype == "datetime64[ns]" and p.accounting.read == 0


def test_formulas_stay_text_in_records_and_are_neutralised_when_written(tmp_path):
    rows = [
        ["统一社会信用代码", "单位名称", "支付日期", "支付金额", "待遇项目"],
        [C1, "=1+1", "2024-03-05", "-100", "@SUM(A1)"],
        [C1, "+1", "", "100", "医疗费"],  # rejected: no date and no year
    ]
    result = read_payouts(_csv(tmp_path / "p.csv", rows), settings=SETTINGS)
    assert result.records[["name", "item"]].iloc[0].tolist() == ["=1+1", "@SUM(A1)"]
    paths = result.write(tmp_path / "out")
    assert paths["records"].name == "payouts.csv"
    written = pd.read_csv(paths["records"], dtype=str, encoding="utf-8-sig", keep_default_na=False)
    assert written[["name", "item", "amount"]].iloc[0].tolist() == ["'=1+1", "'@SUM(A1)", "-100.0"]
    assert written["paid_on"].iloc[0] == "2024-03-05"
    assert (tmp_path / "out" / "rejected_rows.csv").is_file()


def test_the_same_ledger_read_twice_gives_the_same_tables(tmp_path):
    rows = [PAYOUT_HEADER[:7], *([C1, "", "2024-03-05", "", "100", "", "医疗费"] for _ in range(3))]
    path = _csv(tmp_path / "p.csv", rows)
    a, b = read_payouts(path, settings=SETTINGS), read_payouts(path, settings=SETTINGS)
    pd.testing.assert_frame_equal(a.records, b.records)
    pd.testing.assert_frame_equal(a.duplicates, b.duplicates)


# --------------------------------------------------------------------------- properties

_GOOD = st.sampled_from(
    [
        C1, C2, C1.lower(), "", " ", "2024", "2023年度", "1999", "2024-03-05", "2024/2/30",
        "45000", "1,000.00", "¥200", "-300", "(50)", "1.5万", "abc", "二类", "Ⅷ", "=1+1",
        "<script>alert(1)</script>", "{{x}}", ID1, PHONE1, WORKER1, "示人社工伤认字[2024] 1号",
    ]
)  # fmt: skip
_CELLS = st.one_of(_GOOD, st.text(max_size=12))
_RANDOM_ROW = st.lists(_CELLS, min_size=1, max_size=len(PAYOUT_HEADER) + 2)


def _pick(*values: str) -> st.SearchStrategy[str]:
    return st.sampled_from(values)


# rows that often read (and repeat, to reach the duplicate rules)
_CODES = _pick(C1, C2, C1.lower(), "")
_MONEY = _pick("100", "1,000.00", "¥200", "-300", "abc", "")
_NAMES = _pick("示范市测试机械有限公司", WORKER1, f"测试 {PHONE1}", "=1+1")
_PAYOUT_ROW = st.tuples(
    _CODES, _NAMES, _pick("2024-03-05", "2024/3/6", "", "2024/2/30", "45000"),
    _pick("2024", "2023年度", "", "1999"), _MONEY, _pick("", "示人社工伤认字[2024] 1号"),
    _pick("医疗费", "伤残津贴", ID1), _pick(WORKER1, WORKER2, ""), _pick(ID1, ID2, ""),
    _pick(PHONE1, ""),
).map(list)  # fmt: skip
_CONTRIBUTION_ROW = st.tuples(
    _CODES, _NAMES, _pick("2024", "2023年度", "", "1999"), _MONEY, _MONEY, _MONEY, _MONEY,
    _pick("一类", "Ⅷ", "高危", ""), _pick("", "补缴", ID1),
).map(list)  # fmt: skip


def _write_rows(folder: Path, header: list[str], rows: list[list[str]]) -> Path:
    return _csv(folder / "ledger.csv", [header, *rows])


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(payouts=st.booleans(), data=st.data())
def test_random_cells_are_always_fully_accounted(payouts, data, tmp_path_factory):
    plausible = _PAYOUT_ROW if payouts else _CONTRIBUTION_ROW
    rows = data.draw(st.lists(st.one_of(plausible, _RANDOM_ROW), max_size=20), label="rows")
    header = PAYOUT_HEADER if payouts else CONTRIBUTION_HEADER
    path = _write_rows(tmp_path_factory.mktemp("cells"), header, rows)
    read = read_payouts if payouts else read_contributions
    try:
        result = read(path, settings=SETTINGS)
    except (SchemaError, FileFormatError) as exc:  # e.g. a row that reads as a header
        assert "ledger.csv" in str(exc)
        return
    _accounted(result)
    text = _cells(result, skip=("source_file",))
    assert ID1 not in text and PHONE1 not in text  # shapes, wherever they are typed
    personal = {c for r in rows for c in r[7:10]} if payouts else set()
    if WORKER1 in personal:  # a worker's name of the batch, wherever it is typed
        assert WORKER1 not in text


_HEADER_BYTES = ",".join(PAYOUT_HEADER).encode("utf-8") + b"\n"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.one_of(st.binary(max_size=600), st.binary(max_size=600).map(_HEADER_BYTES.__add__)),
    suffix=st.sampled_from([".csv", ".xlsx", ".xls"]),
    payouts=st.booleans(),
)
def test_random_bytes_give_a_clear_error_or_a_full_accounting(
    data, suffix, payouts, tmp_path_factory
):
    path = tmp_path_factory.mktemp("bytes") / f"ledger{suffix}"
    path.write_bytes(data)
    read = read_payouts if payouts else read_contributions
    try:
        result = read(path, settings=SETTINGS)
    except (FileFormatError, SchemaError) as exc:
        assert isinstance(exc, TrafficPrevError) and f"ledger{suffix}" in str(exc)
        return
    _accounted(result)
