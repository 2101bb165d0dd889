"""Property tests: intake never raises on row content and every row is accounted for."""

from __future__ import annotations

import csv
import datetime as dt

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trafficprev import Settings, read_determinations

HEADER = [
    "认定书编号",
    "职工姓名",
    "身份证号码",
    "用人单位",
    "受伤时间",
    "受伤地点",
    "受伤经过",
    "事故责任",
    "认定依据",
    "经度",
    "纬度",
    "坐标系",
    "认定日期",
    "性别",
    "年龄",
]
SETTINGS = Settings(as_of=dt.date(2025, 6, 30))

good_values = st.sampled_from(
    [
        "示人社工伤认字〔2024〕0001号",
        "示人社工伤认字[2024]0001号",
        "示范市测试有限公司",
        "2024-03-05 07:30",
        "2024年3月5日下午5点多",
        "45356.3125",
        "二〇二四年三月五日",
        "2024/2/30",
        "第十四条第（六）项",
        "次要责任",
        "111.7",
        "29.0",
        "GCJ02",
        "男",
        "女",
        "35",
        "-1",
        "=1+1",
        "下班途中骑电动车与小型轿车相撞",
        "人民路与建设路交叉口",
        "",
        " ",
        "\u3000",
    ]
)
cells = st.one_of(
    good_values, st.text(max_size=40), st.text(alphabet=st.characters(codec="utf-8"), max_size=8)
)
rows_strategy = st.lists(st.lists(cells, max_size=len(HEADER) + 3), max_size=25)


def _blank(row: list[str]) -> bool:
    return all(not c.replace("\x00", "").strip() for c in row)


def _check(result, rows: list[list[str]]) -> None:
    acc = result.accounting
    assert acc.read == acc.cases + acc.rejected + acc.duplicates
    assert acc.read == sum(not _blank(r) for r in rows)
    assert len(result.cases) == acc.cases
    numbers = (
        list(result.cases["source_row"])
        + list(result.rejected["row_number"])
        + (list(result.duplicates["row_number"]) if len(result.duplicates) else [])
    )
    assert sorted(numbers) == [i + 2 for i, r in enumerate(rows) if not _blank(r)]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=rows_strategy)
def test_csv_rows_never_raise_and_add_up(rows, tmp_path_factory):
    path = tmp_path_factory.mktemp("prop") / "export.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows)
    _check(read_determinations(path, settings=SETTINGS), rows)


printable = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=30)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.lists(
            st.one_of(good_values, printable).filter(lambda c: not c.startswith("=")),
            max_size=len(HEADER),
        ),
        max_size=15,
    )
)
def test_xlsx_rows_never_raise_and_add_up(rows, tmp_path_factory):
    path = tmp_path_factory.mktemp("prop") / "export.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    wb.save(path)
    # (openpyxl would store text starting with '=' as a formula, hence the filter above)
    _check(read_determinations(path, settings=SETTINGS), rows)
