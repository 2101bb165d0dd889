"""Privacy scanner for shared outputs: detectors, decoding, file types, locations, traps."""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import LineString, Point

from trafficprev._scan import forbidden_values, mask, scan_outputs

DECISION = "示人社工伤认字〔2023〕0001号"
NAMES = ["测试甲一", "测试乙二26", "欧阳测试"]
PHONE = "13907361234"
DEMO_PHONE = "10017805301"


@pytest.fixture
def ids(make_valid_id) -> dict[str, str]:
    valid = make_valid_id("43070219850202567")
    bad_check = "0" if valid[-1] != "0" else "1"
    return {"valid": valid, "invalid": "43990219720919063" + bad_check}


def _finds(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    return frame[frame["kind"] == kind]


def _offset(where: str) -> int:
    return int(where.split()[1])


# --------------------------------------------------------------------------- detectors


def test_mask():
    assert mask("13907361234") == "139******34"
    assert mask(DECISION) == "示人社" + "*" * (len(DECISION) - 5) + "1号"
    assert mask("测试甲一") == "测***"
    assert mask("") == ""


def test_text_detectors_and_byte_offsets(tmp_path: Path, ids):
    text = (
        f"序号,说明\n1,身份证{ids['valid']}，电话{PHONE}\n"
        f"2,旧证 430702850202567 ；演示电话 {DEMO_PHONE}；号码 139-0736-1234\n"
        f"3,{DECISION}；另见（示公交认字〔2024〕第4189号）\n"
        f"4,{ids['invalid']}\n"
    )
    path = tmp_path / "notes.csv"
    raw = text.encode("utf-8-sig")
    path.write_bytes(raw)
    found = scan_outputs([path])
    assert set(found.columns) == {"file", "where", "field", "kind", "match"}
    assert (found["file"] == str(path)).all()
    got = {(r.kind, r.match) for r in found.itertuples()}
    assert got == {
        ("id_number", mask(ids["valid"])),
        ("id_number", mask(ids["invalid"])),
        ("id_number", mask("430702850202567")),
        ("phone", mask(PHONE)),
        ("phone", mask(DEMO_PHONE)),
        ("phone", mask("139-0736-1234")),
        ("decision_no", mask(DECISION)),
        ("decision_no", mask("示公交认字〔2024〕第4189号")),
    }
    # `where` is the byte offset of the match in the file (BOM included)
    for value in (ids["valid"], ids["invalid"], PHONE, DECISION, "139-0736-1234"):
        hit = found[found["match"] == mask(value)]
        assert len(hit) == 1
        at = _offset(hit["where"].iloc[0])
        assert raw[at : at + len(value.encode())] == value.encode()


def test_gb18030_text_file(tmp_path: Path):
    path = tmp_path / "export.csv"
    text = f"职工姓名,联系电话,认定书编号\n测试甲一,{DEMO_PHONE},{DECISION}\n"
    raw = text.encode("gb18030")
    path.write_bytes(raw)
    found = scan_outputs([path], forbidden=["测试甲一"])
    assert sorted(found["kind"]) == ["decision_no", "name", "phone"]
    name = _finds(found, "name")["where"].iloc[0]
    at = _offset(name)
    assert raw[at : at + len("测试甲一".encode("gb18030"))].decode("gb18030") == "测试甲一"


def test_forbidden_name_boundaries(tmp_path: Path):
    path = tmp_path / "a.txt"
    path.write_text(
        "测试乙二26驾驶电动车；测试乙二261不是同一人；A3测试乙二26（前面不限）；"
        "欧阳测试在建设路；测试甲一于7时；甲\n",
        encoding="utf-8",
    )
    found = scan_outputs([path], forbidden=[*NAMES, "测试乙二2", "甲", "  "])
    names = _finds(found, "name")
    assert sorted(names["match"]) == sorted(
        [mask("测试乙二26"), mask("测试乙二26"), mask("欧阳测试"), mask("测试甲一")]
    )
    # the shorter forbidden name does not fire inside the longer one (nor in 测试乙二261),
    # one-character names are ignored; a CJK end needs no boundary (Chinese has no spaces)
    assert mask("测试乙二2") not in set(names["match"])
    assert [_offset(w) for w in names["where"]] == [0, 67, 102, 129]


def test_no_false_positives_on_numeric_traps(tmp_path: Path):
    trap = {
        "coords": [111.6930822, 29.0312345, 111.13907361234, 29.13907361234567],
        "unit_length_m": 430702198502025.5,
        "length_mm": "4307021985020256789",
        "not_date_18": "123456789012345678",
        "month_13": "430702198513025678",
        "timestamp_ms": 1717038000000,
        "timestamp_s": 1717038000,
        "timestamp_iso": "2024-05-30T07:30:00+08:00",
        "compact_time": "20240530073000",
        "credit_codes": ["91439900MA4J58RQ5R", "1143990048626200X0", "12439900245840534B"],
        "hex_id": "marker_8f3c13907361234a4d0e",
        "uuid": "c430702198502025671ad",
        "way_id": 13907361234567,
        "osm_node": 11390736123,
        "decision_like": "第14条第1款（六）项",
        "law": "《工伤保险条例》第十四条",
        "road_code": "S206K12+300",
    }
    path = tmp_path / "layer.json"
    path.write_text(json.dumps(trap, ensure_ascii=False), encoding="utf-8")
    found = scan_outputs([path])
    assert found.empty, found
    assert list(found.columns) == ["file", "where", "field", "kind", "match"]


def test_clean_files_give_empty_frame(tmp_path: Path):
    csv = tmp_path / "units.csv"
    pd.DataFrame(
        {
            "unit_id": ["U0001", "U0002"],
            "road": ["人民路", "建设路"],
            "n_cases": [5, 3],
            "lon": [111.6930822, 111.7001],
            "lat": [29.0312, 29.0444],
        }
    ).to_csv(csv, index=False, encoding="utf-8-sig")
    html = tmp_path / "map.html"
    html.write_text(
        "<html><body><script>var d = "
        + json.dumps({"name": "人民路", "n": 5, "coords": [111.6930822, 29.0312]})
        + ";</script>&lt;b&gt;建设路&amp;人民路&lt;/b&gt;</body></html>",
        encoding="utf-8",
    )
    found = scan_outputs([csv, html], forbidden=["测试甲一", DECISION, DEMO_PHONE])
    assert found.empty


# --------------------------------------------------------------------------- file types


def test_html_with_escaped_geojson_and_entities(tmp_path: Path, ids):
    geojson = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [111.6930822, 29.0312]},
                "properties": {"road": "人民路", "tooltip": "测试甲一 上班途中"},
            }
        ],
    }
    blob = json.dumps(geojson)  # ensure_ascii: Chinese written as \uXXXX, as folium does
    assert "\\u6d4b\\u8bd5" in blob
    phone_entities = "".join(f"&#{ord(c)};" for c in PHONE)
    popup = base64.b64encode(f"<p>{ids['valid']}</p>".encode()).decode()
    demo_entities = "".join(f"&#{ord(c)};" for c in DEMO_PHONE)
    srcdoc = html.escape(f"<p>电话 {demo_entities}</p>")  # branca escapes srcdoc once more
    text = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>"
        f'<div class="popup">电话：{phone_entities}</div>'
        f"<script>var layer = L.geoJson({blob});</script>"
        f'<iframe src="data:text/html;charset=utf-8;base64,{popup}"></iframe>'
        f'<iframe srcdoc="{srcdoc}"></iframe>'
        "</body></html>"
    )
    path = tmp_path / "hotspots.html"
    raw = text.encode("utf-8")
    path.write_bytes(raw)
    found = scan_outputs([path], forbidden=["测试甲一"])
    name = _finds(found, "name")
    assert len(name) == 1 and name["match"].iloc[0] == mask("测试甲一")
    assert "\\u-decoded" in name["where"].iloc[0]
    at = _offset(name["where"].iloc[0])
    assert raw[at : at + 12] == b"\\u6d4b\\u8bd5"  # the escape of 测试
    phone = _finds(found, "phone")
    assert phone["match"].tolist() == [mask(PHONE), mask(DEMO_PHONE)]
    assert phone["where"].str.contains("html-unescaped").all()
    assert "html-unescaped twice" in phone["where"].iloc[1]
    assert raw[_offset(phone["where"].iloc[0]) :].startswith(b"&#49;&#51;")
    assert raw[_offset(phone["where"].iloc[1]) :].startswith(b"&amp;#49;&amp;#48;")
    ident = _finds(found, "id_number")
    assert len(ident) == 1 and ident["match"].iloc[0] == mask(ids["valid"])
    assert "base64" in ident["where"].iloc[0]
    assert len(found) == 4
    assert scan_outputs([path], forbidden=["测试甲一"], kinds="name")["kind"].tolist() == ["name"]


def test_xlsx_cells_and_properties(tmp_path: Path, ids):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "建议点位"
    ws.append(["序号", "道路名称", "备注", "经度"])
    ws.append([1, "人民路", "清洁", 111.6930822])
    ws.append([2, "建设路", f"联系人测试甲一 {PHONE}", 111.7])
    ws["E3"] = ids["invalid"]
    ws["F3"] = 1.3907361234e10  # a phone stored as a number
    other = wb.create_sheet("说明")
    other["B4"] = DECISION
    wb.properties.creator = "测试乙二26"
    path = tmp_path / "sites.xlsx"
    wb.save(path)
    found = scan_outputs([path], forbidden=NAMES)
    where = {(r.kind, r.where) for r in found.itertuples()}
    assert ("name", "建议点位!C3") in where
    assert ("phone", "建议点位!C3") in where
    assert ("id_number", "建议点位!E3") in where
    assert ("phone", "建议点位!F3") in where
    assert ("decision_no", "说明!B4") in where
    props = found[found["where"].str.startswith("docProps/core.xml")]
    assert props["kind"].tolist() == ["name"]
    assert props["match"].tolist() == [mask("测试乙二26")]
    assert len(found) == 6


def test_xlsx_written_by_sites_writer_is_clean(tmp_path: Path):
    from trafficprev.sites._excel import write_sites_xlsx

    sites = pd.DataFrame(
        {
            "kind": ["警示标志"],
            "road": ["人民路"],
            "position_text": ["人民路与建设路交叉口"],
            "n_covered": [12],
            "lon": [111.6930822],
            "lat": [29.0312],
        }
    )
    path = write_sites_xlsx(
        tmp_path / "sites.xlsx", sites, None, notes=[("生成工具", "trafficprev")]
    )
    assert scan_outputs([path], forbidden=NAMES).empty


def test_gpkg_layers_columns_and_names(tmp_path: Path, ids):
    path = tmp_path / "cases.gpkg"
    cases = gpd.GeoDataFrame(
        {
            "decision_no": [DECISION, "示人社工伤认字〔2023〕0002号"],
            "road": ["人民路", "建设路"],
            "note": ["", f"测试乙二26 {ids['valid']}"],
            "length_m": [152.25, 430702198502025.5],
        },
        geometry=[Point(111.6930822, 29.0312), Point(111.7, 29.04)],
        crs="EPSG:4326",
    )
    cases.to_file(path, layer="cases", driver="GPKG")
    units = gpd.GeoDataFrame(
        {"unit_id": ["U1"], "测试甲一": [3], "phone_as_int": [13907361234]},
        geometry=[LineString([(111.69, 29.03), (111.70, 29.03)])],
        crs="EPSG:4326",
    )
    units.to_file(path, layer="units", driver="GPKG")
    found = scan_outputs([path], forbidden=NAMES)
    where = {(r.kind, r.where) for r in found.itertuples()}
    assert where == {
        ("decision_no", "cases/decision_no/row 0"),
        ("decision_no", "cases/decision_no/row 1"),
        ("name", "cases/note/row 1"),
        ("id_number", "cases/note/row 1"),
        ("name", "units/column names"),
        ("phone", "units/phone_as_int/row 0"),
    }
    only = scan_outputs([path], forbidden=NAMES, kinds=["name"])
    assert set(only["kind"]) == {"name"} and len(only) == 2


def test_png_pdf_not_scanned_and_folders(tmp_path: Path):
    (tmp_path / "maps").mkdir()
    (tmp_path / "maps" / "hotspots.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 16)
    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.7\n")
    (tmp_path / "maps" / "a.html").write_text(f"<p>{DEMO_PHONE}</p>", encoding="utf-8")
    found = scan_outputs(tmp_path)
    assert sorted(found["kind"]) == ["not_scanned", "not_scanned", "phone"]
    skipped = _finds(found, "not_scanned")
    assert {Path(f).name for f in skipped["file"]} == {"hotspots.png", "report.pdf"}
    assert (skipped["match"] == "").all()


def test_errors(tmp_path: Path):
    with pytest.raises(FileNotFoundError):
        scan_outputs([tmp_path / "missing.html"])
    with pytest.raises(ValueError, match="unknown kind"):
        scan_outputs([], kinds=["plate"])
    assert scan_outputs([]).empty


# --------------------------------------------------------------------------- forbidden values


def test_forbidden_values_from_intake_tables(tmp_path: Path, ids):
    protected = pd.DataFrame(
        {
            "decision_no": [DECISION, "示人社工伤认字〔2023〕0002号"],
            "worker_name": ["测试甲一", None],
            "id_number": [ids["invalid"], ""],
            "phone": [DEMO_PHONE, "  13907361234 "],
            "narrative": ["测试甲一驾车上班", "x"],
        }
    )
    cases = pd.DataFrame({"decision_no": [DECISION, "示人社工伤认字〔2023〕0002号"]})
    values = forbidden_values(protected, cases)
    assert values == sorted(
        [
            "测试甲一",
            ids["invalid"],
            DEMO_PHONE,
            "13907361234",
            DECISION,
            "示人社工伤认字〔2023〕0002号",
        ]
    )
    assert forbidden_values(protected.drop(columns=["phone", "worker_name"]), cases) == sorted(
        [ids["invalid"], DECISION, "示人社工伤认字〔2023〕0002号"]
    )
    # a forbidden ID with an impossible birth date is still found, as a whole token only
    odd = "439902197213450639"
    path = tmp_path / "out.txt"
    path.write_text(f"{odd} 和 9{odd} 和 {DEMO_PHONE}0", encoding="utf-8")
    found = scan_outputs([path], forbidden=[odd, DEMO_PHONE])
    assert found["match"].tolist() == [mask(odd)]
    assert found["kind"].tolist() == ["id_number"]
    assert found["where"].tolist() == ["byte 0"]


def test_real_folium_map(tmp_path: Path):
    folium = pytest.importorskip("folium")
    m = folium.Map(location=[29.03, 111.69], tiles=None)
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [111.6930822, 29.0312]},
        "properties": {"who": "测试甲一", "road": "人民路", "n": 12},
    }
    folium.GeoJson(
        {"type": "FeatureCollection", "features": [feature]},
        tooltip=folium.GeoJsonTooltip(["who", "road"]),
    ).add_to(m)
    folium.Marker([29.03, 111.69], popup=folium.Popup(folium.IFrame(f"<b>{DECISION}</b>"))).add_to(
        m
    )
    folium.Marker([29.04, 111.70], popup=f"电话 {DEMO_PHONE}").add_to(m)
    path = tmp_path / "hotspots.html"
    m.save(str(path))
    found = scan_outputs([path], forbidden=["测试甲一"])
    assert sorted(found["kind"]) == ["decision_no", "name", "phone"]
    assert "base64" in _finds(found, "decision_no")["where"].iloc[0]
    clean = folium.Map(location=[29.03, 111.69], tiles=None)
    folium.Marker([29.03, 111.69], popup="人民路与建设路交叉口：12 起").add_to(clean)
    clean.save(str(tmp_path / "clean.html"))
    assert scan_outputs([tmp_path / "clean.html"], forbidden=["测试甲一"]).empty


# --------------------------------------------------------------------------- issue 15

LANDLINES = [
    "0736-7654321",
    "(0736)7654321",
    "（０７３６）７６５４３２１",
    "07367654321",
    "+86 736 7654321",
]


def test_landlines_full_width_and_worded_local_numbers(tmp_path: Path, ids):
    wide = ids["invalid"].translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    path = tmp_path / "a.txt"
    path.write_text(
        "；".join([*LANDLINES, "电话：7654321", "Tel:87654321", wide, "Hotel 7654321"]),
        encoding="utf-8",
    )
    found = scan_outputs(path)
    # one finding each; the local number without a phone word (Hotel 7654321) is none
    assert found["kind"].tolist() == ["phone"] * (len(LANDLINES) + 2) + ["id_number"]


def _folium_map(path: Path, road: str, popup: str, tip: str) -> None:
    folium = pytest.importorskip("folium")
    m = folium.Map(location=[29.03, 111.69], tiles=None)
    roads = folium.GeoJson(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": {
                        "type": "LineString",
                        "coordinates": [[111.69, 29.03], [111.7, 29.03]],
                    },
                    "properties": {"name": road, "major": 1},
                }
            ],
        },
        name="道路（底图）",
        tooltip=folium.GeoJsonTooltip(fields=["name"], aliases=["道路"]),
    )
    roads.add_to(m)
    group = folium.FeatureGroup(name="建议宣传点位")
    folium.Marker(
        [29.03, 111.69],
        popup=folium.Popup(
            f"<table><tr><th>编号</th><td>C01</td></tr><tr><th>名称</th><td>{popup}</td></tr></table>"
        ),
        tooltip=folium.Tooltip(tip),
    ).add_to(group)
    group.add_to(m)
    folium.LayerControl().add_to(m)
    m.save(str(path))


def test_a_map_finding_names_its_field_and_layer(tmp_path: Path):
    path = tmp_path / "campaign_sites.html"
    _folium_map(
        path, road=f"海棠路（电话{PHONE}）", popup=f"某超市 {DEMO_PHONE}", tip="C01 测试甲一"
    )
    found = scan_outputs(path, forbidden=["测试甲一"])
    fields = found.groupby("kind")["field"].agg(list).to_dict()
    road, popup = fields["phone"]
    assert road.startswith("property name of geo_json_") and road.endswith("(layer 道路（底图）)")
    assert popup.startswith("popup field 名称 of html_") and popup.endswith("(layer 建议宣传点位)")
    (tip,) = fields["name"]
    assert tip.startswith("tooltip of marker_") and tip.endswith("(layer 建议宣传点位)")


def test_workbook_and_geopackage_findings_name_the_column(tmp_path: Path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "建议点位"
    ws.append(["地图编号", "位置描述"])
    ws.append(["J01", f"人民路（电话{LANDLINES[0]}）"])
    wb.save(tmp_path / "sites.xlsx")
    gpd.GeoDataFrame(
        {"name": ["某超市", f"某店 {PHONE}"]}, geometry=[Point(111.69, 29.03)] * 2, crs="EPSG:4326"
    ).to_file(tmp_path / "sites.gpkg", layer="campaign_sites", driver="GPKG")
    found = scan_outputs(tmp_path)
    got = {
        (Path(f).name, w, fd)
        for f, w, fd in zip(found["file"], found["where"], found["field"], strict=True)
    }
    assert got == {
        ("sites.xlsx", "建议点位!B2", "column 位置描述"),
        ("sites.gpkg", "campaign_sites/name/row 1", "layer campaign_sites, column name"),
    }


def test_check_shared_outputs_fails_closed_in_one_line(tmp_path: Path):
    from trafficprev._errors import PersonalDataError
    from trafficprev._scan import check_shared_outputs

    protected = pd.DataFrame(
        {"worker_name": ["测试甲一"], "id_number": [""], "phone": [DEMO_PHONE]}
    )
    cases = pd.DataFrame({"decision_no": [DECISION]})
    (tmp_path / "maps").mkdir()
    (tmp_path / "report.html").write_text(f"<p>测试甲一 {DECISION}</p>", encoding="utf-8")
    (tmp_path / "maps" / "hotspots.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    _folium_map(
        tmp_path / "maps" / "hotspots.html", road="人民路", popup=DECISION, tip="J01 人民路"
    )
    # report.html is the centre's: not scanned; a decision number may show at internal only
    got = check_shared_outputs(tmp_path, protected=protected, cases=cases, release="internal")
    assert got["scanned"] == ["maps/hotspots.html"]
    assert got["not_scanned"] == ["maps/hotspots.png"]
    with pytest.raises(PersonalDataError) as exc:
        check_shared_outputs(tmp_path, protected=protected, cases=cases, release="police")
    message = str(exc.value)
    assert "\n" not in message
    assert message.startswith("maps/hotspots.html: a decision number (")
    assert "popup field 名称" in message and DECISION not in message
    _folium_map(tmp_path / "maps" / "hotspots.html", road="人民路", popup="", tip="J01 测试甲一")
    with pytest.raises(
        PersonalDataError, match=r"^maps/hotspots\.html: a worker's name \(测\*\*\*\) in tooltip"
    ):
        check_shared_outputs(tmp_path, protected=protected, cases=cases, release="internal")


def test_personal_values_agree_with_forbidden_values(ids):
    from trafficprev.privacy import PersonalValues, personal_values

    protected = pd.DataFrame(
        {
            "worker_name": [*NAMES, None, "甲", "１３９ ０７３６ １２３４"],
            "id_number": [
                ids["invalid"],
                ids["valid"].lower(),
                "",
                "nan",
                "4.3E+17",
                "430702850202567",
            ],
            "phone": [PHONE, "+86 139-0736-1234", DEMO_PHONE, "7654321.0", None, " "],
        }
    )
    cases = pd.DataFrame({"decision_no": [DECISION, "花人社工伤认(2013)0012号"]})
    direct = personal_values(protected, cases)
    classified = PersonalValues.of(forbidden_values(protected, cases))
    assert direct.digits == classified.digits
    assert direct.words == classified.words
    assert direct.digits["13907361234"] == "phone" and direct.digits[ids["valid"]] == "id_number"


def test_many_forbidden_values_are_prepared_fast(tmp_path: Path):
    """400,000 values (a tenth of a 1,000,000-case run's): the scanner used to compile them
    into one regular expression (about 8 s here, 2 minutes and 3 GB at 1,000,000 cases); a
    set lookup per candidate position takes about half a second."""
    import time

    from trafficprev.datasets._synthetic import worker_name

    n = 100_000
    names = [worker_name(i) for i in range(n)]  # 测试甲一, …, 测试甲一2, … as in the demo
    values = [
        *names,
        *(f"4399021988{i:08d}" for i in range(n)),
        *(f"100{i:08d}" for i in range(n)),
        *(f"示人社工伤认字〔{2015 + i % 10}〕{i:07d}号" for i in range(n)),
    ]
    path = tmp_path / "map.html"
    path.write_text(
        ("<p>人民路与建设路交叉口 111.6930822</p>" * 20_000) + names[-1], encoding="utf-8"
    )
    started = time.perf_counter()
    found = scan_outputs(path, forbidden=values)
    seconds = time.perf_counter() - started
    assert found["kind"].tolist() == ["name"]
    assert seconds < 4, seconds
