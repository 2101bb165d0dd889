"""The police workbook sites.xlsx: sheets, formats, formula neutralisation, atomic write."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from trafficprev.coords import wgs84_to_gcj02
from trafficprev.sites._excel import SHEETS, neutralize, read_back, write_sites_xlsx

PAYLOADS = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


def _sites() -> pd.DataFrame:
    lon = np.array([111.6930822, 111.7012345, 111.6855, 111.7201])
    lat = np.array([29.0312, 29.0404, 29.0288, 29.0511])
    glon, glat = wgs84_to_gcj02(lon, lat)
    return pd.DataFrame(
        {
            "site_id": ["S001", "S002", "C001", "C002"],
            "kind": ["警示标志", "警示标志", "宣传点", "宣传点"],
            "road": ["人民路", '=HYPERLINK("http://x","y")', "迎宾大道", "+1"],
            "cross_road": ["建设路", "朝阳路", None, None],
            "position_text": [
                "人民路与建设路交叉口（东北角）",
                "-2+3",
                "迎宾大道经开区管委会门前",
                "@SUM(A1)",
            ],
            "n_covered": [14, 9, 21, 6],
            "peak_hours": ["07-09时", "17-19时", "07-09时、17-19时", "\tcmd"],
            "circumstances": ["电动自行车与小型汽车相撞", "非机动车闯红灯", "骑行摔倒", "追尾"],
            "signs": ["注意非机动车（警20）、减速让行", "交叉路口（警7）", "", ""],
            "reaches": [None, None, "示范市工业园区 12 家企业约 8,000 名职工", "天河小区居民"],
            "lon": lon,
            "lat": lat,
            "lon_gcj02": glon,
            "lat_gcj02": glat,
        }
    )


def _enterprises() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rank": [1, 2],
            "name": ["示范市交通运输局", "=cmd|' /C calc'!A0"],
            "credit_code": ["91439900MA4J58RQ5R", "1143990048626200X0"],
            "n_cases": [7, 5],
            "insured": [820, 310],
            "rate_per_1000": [8.536585, 16.129032],
            "eb_rate_per_1000": [6.21, 9.87],
            "reason": ["平滑发生率居前", "事故数≥3且发生率为全市2倍以上"],
        }
    )


NOTES = [
    ("季度", "2024Q4"),
    ("数据来源", "示范市工伤认定台账（合成演示数据）"),
    ("坐标系说明", "经纬度为 WGS-84；GCJ-02 列可直接粘贴到高德/腾讯地图"),
    ("生成工具", "trafficprev 0.1.0"),
    ("发布级别", "police（k=3）"),
    ("较上季度变化(%)", -3.5),
]


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    return write_sites_xlsx(tmp_path / "sites.xlsx", _sites(), _enterprises(), notes=NOTES)


def test_neutralize_rule():
    for payload in PAYLOADS:
        assert neutralize(payload) == "'" + payload
    assert neutralize("人民路") == "人民路"
    assert neutralize("'已转义") == "'已转义"
    assert neutralize(-3.5) == -3.5
    assert neutralize(7) == 7
    assert neutralize(None) is None


def test_sheets_headers_and_no_formulas(workbook: Path):
    wb = openpyxl.load_workbook(workbook)
    assert wb.sheetnames == list(SHEETS) == ["建议点位", "重点企业", "说明"]
    ws = wb["建议点位"]
    headers = [c.value for c in ws[1]]
    assert headers == [
        "序号",
        "地图编号",
        "建议类型",
        "道路名称",
        "相交道路",
        "位置描述",
        "覆盖事故数",
        "主要时段",
        "主要情形",
        "建议标志",
        "覆盖对象",
        "经度(WGS-84)",
        "纬度(WGS-84)",
        "经度(GCJ-02 高德)",
        "纬度(GCJ-02 高德)",
    ]
    assert [c.value for c in wb["重点企业"][1]] == [
        "排名",
        "单位名称",
        "统一社会信用代码",
        "事故数",
        "参保人数",
        "发生率(‰/年)",
        "平滑发生率(‰/年)",
        "列入原因",
    ]
    assert [c.value for c in wb["说明"][1]] == ["项目", "说明"]
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert cell.data_type == "s"
        assert [c.font.bold for c in sheet[1]] == [True] * sheet.max_column
    assert [ws.cell(r, 1).value for r in range(2, 6)] == [1, 2, 3, 4]


def test_payload_cells_show_their_text_and_stay_text(workbook: Path):
    wb = openpyxl.load_workbook(workbook)
    texts = [
        cell.value
        for sheet in wb.worksheets
        for row in sheet.iter_rows(min_row=2)
        for cell in row
        if isinstance(cell.value, str)
    ]
    for payload in [*PAYLOADS[:5], "=cmd|' /C calc'!A0"]:
        assert payload in texts  # shown exactly, no apostrophe
        assert "'" + payload not in texts
    ws = wb["建议点位"]
    for ref, text in (("D3", '=HYPERLINK("http://x","y")'), ("F3", "-2+3")):
        assert ws[ref].value == text
        assert ws[ref].data_type == "s" and ws[ref].quotePrefix  # text, even when edited
    assert not ws["D2"].quotePrefix  # plain text needs no prefix
    # in the file itself: a string cell, never a formula element
    with zipfile.ZipFile(workbook) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name)
    # a real negative number stays a number
    change = wb["说明"]["B7"]
    assert change.value == -3.5
    assert change.data_type == "n"


def test_formats_widths_freeze_filter(workbook: Path):
    wb = openpyxl.load_workbook(workbook)
    ws = wb["建议点位"]
    for sheet in wb.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref is not None
        assert sheet.auto_filter.ref.startswith("A1:")
    assert ws.auto_filter.ref == "A1:O5"
    for col in "LMNO":
        assert ws[f"{col}2"].number_format == "0.000000"
        assert isinstance(ws[f"{col}2"].value, float)
    assert ws["L2"].value == pytest.approx(111.6930822)
    assert ws["N2"].value != ws["L2"].value  # GCJ-02 differs from WGS-84
    ent = wb["重点企业"]
    assert ent["F2"].number_format == "0.0"
    assert ent["G2"].number_format == "0.0"
    assert ent["F2"].value == 8.5  # rates rounded for reading
    assert ent["C2"].value == "91439900MA4J58RQ5R"
    # widths from the content, CJK characters counted twice, capped
    widths = {k: d.width for k, d in ws.column_dimensions.items()}
    assert set("ABCDEFGHIJKLMNO") <= set(widths)
    assert widths["F"] == 2 * len("人民路与建设路交叉口（东北角）") + 2
    assert widths["L"] == 2 * 2 + len("(WGS-84)") + 2  # the header is wider than 111.693082
    assert all(6 <= w <= 60 for w in widths.values())
    assert widths["F"] > widths["C"]


def test_properties_without_personal_metadata(workbook: Path):
    wb = openpyxl.load_workbook(workbook)
    assert wb.properties.creator == "trafficprev"
    assert wb.properties.lastModifiedBy is None
    with zipfile.ZipFile(workbook) as zf:
        core = zf.read("docProps/core.xml").decode()
    assert "lastModifiedBy" not in core
    assert "dcterms:modified" not in core and "dcterms:created" not in core


def test_deterministic_bytes(tmp_path: Path):
    a = write_sites_xlsx(tmp_path / "a.xlsx", _sites(), _enterprises(), notes=NOTES)
    b = write_sites_xlsx(tmp_path / "b.xlsx", _sites(), _enterprises(), notes=NOTES)
    assert a.read_bytes() == b.read_bytes()


def test_read_back_round_trip(workbook: Path):
    sheets = read_back(workbook)
    assert list(sheets) == ["建议点位", "重点企业", "说明"]
    sites = sheets["建议点位"]
    assert len(sites) == 4
    assert sites["序号"].tolist() == ["1", "2", "3", "4"]
    assert sites["道路名称"].tolist() == [
        "人民路",
        '=HYPERLINK("http://x","y")',
        "迎宾大道",
        "+1",
    ]
    assert sites["覆盖事故数"].tolist() == ["14", "9", "21", "6"]
    assert float(sites["经度(WGS-84)"].iloc[0]) == pytest.approx(111.6930822)
    assert sites["相交道路"].iloc[2] is None or pd.isna(sites["相交道路"].iloc[2])
    ent = sheets["重点企业"]
    assert ent["单位名称"].tolist() == ["示范市交通运输局", "=cmd|' /C calc'!A0"]
    notes = sheets["说明"]
    assert notes["项目"].tolist() == [k for k, _ in NOTES]
    assert notes["说明"].iloc[0] == "2024Q4"
    assert float(notes["说明"].iloc[-1]) == -3.5


def test_optional_columns_left_out_and_gcj_computed(tmp_path: Path):
    sites = _sites().drop(columns=["cross_road", "reaches", "signs", "lon_gcj02", "lat_gcj02"])
    path = write_sites_xlsx(tmp_path / "s.xlsx", sites, None, notes=[])
    wb = openpyxl.load_workbook(path)
    headers = [c.value for c in wb["建议点位"][1]]
    assert "相交道路" not in headers and "覆盖对象" not in headers
    assert "建议标志" not in headers
    assert headers[-2:] == ["经度(GCJ-02 高德)", "纬度(GCJ-02 高德)"]
    glon, glat = wgs84_to_gcj02(111.6930822, 29.0312)
    assert wb["建议点位"].cell(2, len(headers) - 1).value == pytest.approx(glon)
    assert wb["建议点位"].cell(2, len(headers)).value == pytest.approx(glat)
    # no enterprise to list (None, e.g. at public, or an empty frame): no 重点企业 sheet at all
    assert wb.sheetnames == ["建议点位", "说明"]
    assert wb["说明"].max_row == 1
    assert list(read_back(path)) == ["建议点位", "说明"]
    empty = write_sites_xlsx(tmp_path / "e.xlsx", sites, _enterprises().iloc[:0], notes=[])
    assert openpyxl.load_workbook(empty).sheetnames == ["建议点位", "说明"]


def test_missing_columns_error(tmp_path: Path):
    with pytest.raises(ValueError, match=r"sites .*position_text.*n_covered"):
        write_sites_xlsx(
            tmp_path / "x.xlsx",
            _sites().drop(columns=["position_text", "n_covered"]),
            _enterprises(),
            notes=NOTES,
        )
    with pytest.raises(ValueError, match=r"enterprises .*n_cases"):
        write_sites_xlsx(
            tmp_path / "x.xlsx", _sites(), _enterprises().drop(columns="n_cases"), notes=NOTES
        )
    with pytest.raises(ValueError, match="pair"):
        write_sites_xlsx(tmp_path / "x.xlsx", _sites(), _enterprises(), notes=[("季度",)])
    with pytest.raises(TypeError, match="DataFrame"):
        write_sites_xlsx(tmp_path / "x.xlsx", _sites().to_dict(), _enterprises(), notes=NOTES)
    assert not (tmp_path / "x.xlsx").exists()


def test_atomic_write_leaves_no_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    target = tmp_path / "sites.xlsx"
    target.write_bytes(b"previous release")

    def fail(*args, **kwargs):
        raise OSError("disk full")

    import trafficprev.sites._excel as mod

    monkeypatch.setattr(mod.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write_sites_xlsx(target, _sites(), _enterprises(), notes=NOTES)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sites.xlsx"]
    assert target.read_bytes() == b"previous release"
    monkeypatch.undo()
    write_sites_xlsx(target, _sites(), _enterprises(), notes=NOTES)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sites.xlsx"]
    assert openpyxl.load_workbook(target).sheetnames == list(SHEETS)


def test_missing_values_and_control_characters(tmp_path: Path):
    sites = _sites()
    sites.loc[0, "circumstances"] = "追尾\x01\x07事故"
    sites.loc[1, "lon_gcj02"] = np.nan
    sites["n_covered"] = sites["n_covered"].astype(float)
    path = write_sites_xlsx(tmp_path / "s.xlsx", sites, _enterprises(), notes=NOTES)
    ws = openpyxl.load_workbook(path)["建议点位"]
    assert ws["I2"].value == "追尾事故"
    assert ws["N3"].value is None
    assert ws["G2"].value == 14 and isinstance(ws["G2"].value, int)


def test_released_counts_and_rates_are_numbers(tmp_path: Path):
    """A release writes counts as text ("12", "少于3起"): in the workbook the numbers are
    numbers again, rounded for reading, and the withheld counts stay words; the new columns
    (状态, 地点, 服务方向, 新增覆盖事故数, 名称, 类型, 覆盖参保职工数) are written."""
    sites = _sites().assign(
        n_covered=["12", "少于3起", "3起及以上", "6"],
        marginal_cases=["12", "少于3起", "0", "4"],
        status=["新设", "已有", None, None],
        location=["人民路与建设路交叉口", "朝阳路", None, None],
        approach=["北进口（人民路由北向南）", "朝向未登记（两个方向均计）", None, None],
        name=[None, None, "=示范工业园", "天河小区"],
        site_kind=[None, None, "工业园区", "大型社区"],
        register_insured=[None, None, "8000", 1234.0],
    )
    ents = _enterprises().assign(
        rate_per_1000=["30.09259259259259", "少于3起"], n_cases=["7", "5"], trained=[True, False]
    )
    path = write_sites_xlsx(tmp_path / "s.xlsx", sites, ents, notes=NOTES)
    wb = openpyxl.load_workbook(path)
    ws, ent = wb["建议点位"], wb["重点企业"]
    head = {c.value: c.column_letter for c in ws[1]}
    for name in ("状态", "地点", "服务方向", "名称", "类型", "覆盖事故数", "新增覆盖事故数",
                 "覆盖参保职工数"):  # fmt: skip
        assert name in head, name
    assert head["新增覆盖事故数"] == chr(ord(head["覆盖事故数"]) + 1)  # beside 覆盖事故数
    col = head["覆盖事故数"]
    assert [ws[f"{col}{r}"].value for r in range(2, 6)] == [12, "少于3起", "3起及以上", 6]
    assert isinstance(ws[f"{col}2"].value, int)
    assert ws[f"{head['覆盖参保职工数']}4"].value == 8000
    assert ws[f"{head['名称']}4"].value == "=示范工业园" and ws[f"{head['名称']}4"].data_type == "s"
    ehead = {c.value: c.column_letter for c in ent[1]}
    assert ent[f"{ehead['发生率(‰/年)']}2"].value == 30.1
    assert ent[f"{ehead['发生率(‰/年)']}3"].value == "少于3起"
    assert ent[f"{ehead['事故数']}2"].value == 7
    assert [ent[f"{ehead['已培训']}{r}"].value for r in (2, 3)] == ["是", "否"]
