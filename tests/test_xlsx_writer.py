"""The demo city's fast .xlsx writer: what openpyxl, calamine and the intake read back."""

from __future__ import annotations

import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest

from trafficprev.datasets._xlsx import Sheet, _column, write_xlsx

ROWS = [
    ["认定书编号", "职工姓名", "年龄", "比例", "受伤地点"],
    ["常人社工认〔2024〕00001号", "测试甲", 37, 0.25, "建设路与人民路交叉口"],
    ['=HYPERLINK("http://x","y")', "  前后空格  ", np.int64(41), np.float64(1e-7), "A&B<C>\"'"],
    ["", None, float("nan"), -3, "第三行"],
]


@pytest.fixture
def book(tmp_path):
    path = tmp_path / "t.xlsx"
    write_xlsx(
        path,
        [Sheet("认定台账", ROWS, title="示范市工伤认定台账（合成）"), Sheet("说明", [["合成"]])],
        creator="trafficprev test",
    )
    return path


def test_openpyxl_reads_values_title_and_merge(book):
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames == ["认定台账", "说明"]
    ws = wb["认定台账"]
    assert ws["A1"].value == "示范市工伤认定台账（合成）"
    assert ws["A1"].font.b and ws["A1"].alignment.horizontal == "center"
    assert [str(r) for r in ws.merged_cells.ranges] == ["A1:E1"]
    values = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert values[0] == ROWS[0]
    assert values[1] == ROWS[1]
    assert values[2] == ['=HYPERLINK("http://x","y")', "  前后空格  ", 41, 1e-7, "A&B<C>\"'"]
    assert values[3] == [None, None, None, -3, "第三行"]  # empty text, None and NaN: empty cells
    assert ws["A4"].data_type == "s"  # formula-like text stays text
    assert wb.properties.creator == "trafficprev test"


def test_calamine_reads_the_same(book):
    frame = pd.read_excel(book, sheet_name="认定台账", header=1, engine="calamine", dtype=str)
    assert list(frame.columns) == ROWS[0]
    assert frame.iloc[1, 0] == '=HYPERLINK("http://x","y")'
    assert frame.iloc[1, 1] == "  前后空格  "
    assert frame.iloc[2, 4] == "第三行"


def test_same_rows_same_bytes_and_no_formula(tmp_path, book):
    again = tmp_path / "again.xlsx"
    write_xlsx(
        again,
        [Sheet("认定台账", ROWS, title="示范市工伤认定台账（合成）"), Sheet("说明", [["合成"]])],
        creator="trafficprev test",
    )
    assert again.read_bytes() == book.read_bytes()
    with zipfile.ZipFile(book) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        sheet = z.read("xl/worksheets/sheet1.xml")
        assert b"<f>" not in sheet and b"<f " not in sheet


def test_bad_values_are_clear_errors(tmp_path):
    path = tmp_path / "bad.xlsx"
    with pytest.raises(ValueError, match="control character"):
        write_xlsx(path, [Sheet("a", [["x\x01y"]])], creator="t")
    with pytest.raises(TypeError, match="booleans"):
        write_xlsx(path, [Sheet("a", [[True]])], creator="t")
    with pytest.raises(TypeError, match="cannot write"):
        write_xlsx(path, [Sheet("a", [[object()]])], creator="t")
    with pytest.raises(ValueError, match="infinite"):
        write_xlsx(path, [Sheet("a", [[float("inf")]])], creator="t")
    with pytest.raises(ValueError, match="duplicate sheet"):
        write_xlsx(path, [Sheet("a", []), Sheet("a", [])], creator="t")
    with pytest.raises(ValueError, match="invalid sheet name"):
        write_xlsx(path, [Sheet("a/b", [])], creator="t")
    with pytest.raises(ValueError, match="at least one sheet"):
        write_xlsx(path, [], creator="t")


def test_column_letters():
    assert [_column(i) for i in (0, 25, 26, 51, 52, 701, 702)] == [
        "A", "Z", "AA", "AZ", "BA", "ZZ", "AAA",
    ]  # fmt: skip
