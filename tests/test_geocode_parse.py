"""Tests for :mod:`trafficprev.geocode._parse` (GA/T 1980-2022 place slots)."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trafficprev.geocode._parse import (
    SLOT_NAMES,
    PlaceSlots,
    normalize_place,
    parse_place,
    parse_places,
)

#: Admin names of a Changde-like area, as an area's division table would give them.
ADMIN = (
    "常德市",
    "常德",
    "武陵区",
    "武陵",
    "鼎城区",
    "鼎城",
    "经开区",
    "柳叶湖旅游度假区",
    "柳叶湖",
    "灌溪镇",
    "灌溪",
    "岗市村",
    "南坪街道",
    "太子庙镇",
    "余家桥村",
)

IX, L, S, R = "intersection", "landmark", "stake", "road"

#: (phrase, expected slots). Slots not named must keep their empty default, except the
#: ones in ``LOOSE`` (checked only when named).
CASES: list[tuple[str, dict[str, Any]]] = [
    # --- intersections, every synonym ---------------------------------------------------
    ("建设路与人民路交叉口", {"road": "建设路", "cross_road": "人民路", "ref_kind": IX}),
    ("建设路与人民路交叉路口", {"road": "建设路", "cross_road": "人民路", "ref_kind": IX}),
    ("常德大道与桃花源路交汇处", {"road": "常德大道", "cross_road": "桃花源路", "ref_kind": IX}),
    ("朝阳路与月亮大道十字路口", {"road": "朝阳路", "cross_road": "月亮大道", "ref_kind": IX}),
    ("建设路与人民路丁字路口", {"road": "建设路", "cross_road": "人民路", "ref_kind": IX}),
    ("建设路与人民路三岔路口", {"road": "建设路", "cross_road": "人民路", "ref_kind": IX}),
    ("建设路与人民路路口", {"road": "建设路", "cross_road": "人民路", "ref_kind": IX}),
    ("建设路与人民路相交路口", {"road": "建设路", "cross_road": "人民路", "ref_kind": IX}),
    ("建设路、人民路交叉口", {"road": "建设路", "cross_road": "人民路", "ref_kind": IX}),
    ("粮食路和绿园东路交汇处", {"road": "粮食路", "cross_road": "绿园东路", "ref_kind": IX}),
    ("建设路人民路口", {"road": "建设路", "cross_road": "人民路", "ref_kind": IX}),
    ("常德大道皂果路口", {"road": "常德大道", "cross_road": "皂果路", "ref_kind": IX}),
    ("洞庭大道武陵大道路口", {"road": "洞庭大道", "cross_road": "武陵大道", "ref_kind": IX}),
    ("建设路红旗街交叉路口", {"road": "建设路", "cross_road": "红旗街", "ref_kind": IX}),
    ("建设南路建设路口处", {"road": "建设南路", "cross_road": "建设路", "ref_kind": IX}),
    ("金桥路与人民路交叉口", {"road": "金桥路", "cross_road": "人民路", "ref_kind": IX}),
    ("人民东路与金桥东路路口", {"road": "人民东路", "cross_road": "金桥东路", "ref_kind": IX}),
    ("人民东路和平路口", {"road": "人民东路", "cross_road": "和平路", "ref_kind": IX}),
    ("和平路与和谐路交叉口", {"road": "和平路", "cross_road": "和谐路", "ref_kind": IX}),
    ("南环路与西环路交汇处", {"road": "南环路", "cross_road": "西环路", "ref_kind": IX}),
    ("向阳路与朝阳路交叉口", {"road": "向阳路", "cross_road": "朝阳路", "ref_kind": IX}),
    ("东门路与西门街交叉口", {"road": "东门路", "cross_road": "西门街", "ref_kind": IX}),
    ("G319与S224交叉口", {"road": "G319", "cross_road": "S224", "ref_kind": IX}),
    ("在常德大道五岔路口", {"road": "常德大道", "ref_kind": IX}),
    ("建设路路口", {"road": "建设路", "ref_kind": IX}),
    ("建设路与一小路交叉口", {"road": "建设路", "ref_kind": IX}),
    # --- leading verbs, trailing fillers, spaces and full-width text -----------------------
    ("在建设路与人民路交叉口", {"road": "建设路", "cross_road": "人民路", "ref_kind": IX}),
    ("于建设路与人民路交汇处", {"road": "建设路", "cross_road": "人民路", "ref_kind": IX}),
    ("行驶至建设路与人民路交叉口时", {"road": "建设路", "cross_road": "人民路", "ref_kind": IX}),
    ("行驶到建设路与人民路交叉口处", {"road": "建设路", "cross_road": "人民路", "ref_kind": IX}),
    ("途经建设路路段", {"road": "建设路", "ref_kind": R}),
    ("事故地点:建设路与人民路交叉口", {"road": "建设路", "cross_road": "人民路", "ref_kind": IX}),
    ("建 设 路 与 人 民 路 交 叉 口", {"road": "建设路", "cross_road": "人民路", "ref_kind": IX}),
    ("建设路，人民路交叉口的地方", {"road": "建设路", "ref_kind": IX}),
    (
        "建设路与人民路交叉口附近",
        {"road": "建设路", "cross_road": "人民路", "ref_kind": IX, "approximate": True},
    ),
    (
        "建设路与人民路交叉口一带",
        {"road": "建设路", "cross_road": "人民路", "ref_kind": IX, "approximate": True},
    ),
    ("健设路与红旗街交汇处", {"road": "健设路", "cross_road": "红旗街", "ref_kind": IX}),
    # --- offsets from a junction --------------------------------------------------------
    (
        "建设路与人民路交叉口往北约200米",
        {"bearing": "北", "distance_m": 200.0, "approximate": True, "ref_kind": IX},
    ),
    ("建设路与人民路交叉口以东150米", {"bearing": "东", "distance_m": 150.0, "ref_kind": IX}),
    (
        "建设路与人民路交叉口北侧约100米处",
        {"bearing": "北", "distance_m": 100.0, "approximate": True, "ref_kind": IX},
    ),
    (
        "建设路与人民路交叉口东北侧约110米处",
        {"bearing": "东北", "distance_m": 110.0, "approximate": True, "ref_kind": IX},
    ),
    ("建设路与人民路交叉口南340米处", {"bearing": "南", "distance_m": 340.0, "ref_kind": IX}),
    (
        "建设路与人民路交叉口北大约300米处",
        {"bearing": "北", "distance_m": 300.0, "approximate": True, "ref_kind": IX},
    ),
    (
        "南湖路长安路口以南约180米左右处",
        {"road": "南湖路", "cross_road": "长安路", "bearing": "南", "distance_m": 180.0},
    ),
    ("光明路与振兴路交汇处东南230米左右处", {"bearing": "东南", "distance_m": 230.0}),
    ("长安路与府前路交叉口以东北约五十米", {"bearing": "东北", "distance_m": 50.0}),
    (
        "义和路建设东路口西约一百五十米",
        {"road": "义和路", "cross_road": "建设东路", "bearing": "西", "distance_m": 150.0},
    ),
    ("建设路与人民路交叉口北２００米", {"bearing": "北", "distance_m": 200.0}),
    ("建设路与人民路交叉口北约二百米", {"bearing": "北", "distance_m": 200.0}),
    ("建设路与人民路交叉口北三百五十米", {"bearing": "北", "distance_m": 350.0}),
    ("距荷塘路与高新东路相交路口约两百三十米的地方", {"distance_m": 230.0, "ref_kind": IX}),
    ("建设路与人民路交叉口北约一公里", {"bearing": "北", "distance_m": 1000.0}),
    ("建设路与人民路交叉口北百米", {"bearing": "北", "distance_m": 100.0}),
    ("建设路与人民路交叉口北约1.5公里", {"bearing": "北", "distance_m": 1500.0}),
    ("建设路与人民路交叉口北几十米处", {"bearing": "北", "approximate": True}),
    ("泰和路与崇文路交叉路口西侧约360m", {"bearing": "西", "distance_m": 360.0}),
    ("金苑东路与开元路交叉路口西约120", {"bearing": "西", "distance_m": 120.0}),
    (
        "距建设路与人民路交汇处约90米",
        {"road": "建设路", "cross_road": "人民路", "distance_m": 90.0, "approximate": True},
    ),
    ("距离纺织路与开元南路交叉口约300米", {"distance_m": 300.0, "ref_kind": IX}),
    ("距航运路泰和路口140米", {"road": "航运路", "cross_road": "泰和路", "distance_m": 140.0}),
    (
        "人民路与建设路交叉口往德山方向约三百米处",
        {"toward": "德山", "distance_m": 300.0, "ref_kind": IX},
    ),
    (
        "在人民路口往建设路方向约200米处",
        {"road": "人民路", "toward": "建设路", "distance_m": 200.0, "ref_kind": IX},
    ),
    (
        "朝阳路与月亮大道交汇处东北角人行横道上",
        {"bearing": "东北", "section": "人行横道", "ref_kind": IX},
    ),
    ("江阴路与人民路路口北侧地段", {"bearing": "北", "ref_kind": IX}),
    # --- road only, sections, sides -------------------------------------------------------
    ("人民路", {"road": "人民路", "ref_kind": R}),
    ("建设路上", {"road": "建设路", "ref_kind": R}),
    ("建设路附近", {"road": "建设路", "ref_kind": R, "approximate": True}),
    ("建设路中段", {"road": "建设路", "section": "中段", "ref_kind": R}),
    ("建设路东段", {"road": "建设路", "section": "东段", "ref_kind": R}),
    ("建设路路段", {"road": "建设路", "ref_kind": R}),
    ("常德大道辅道", {"road": "常德大道", "section": "辅道", "ref_kind": R}),
    ("南环路辅道", {"road": "南环路", "section": "辅道", "ref_kind": R}),
    ("滨江辅道", {"road": "滨江辅道", "ref_kind": R}),
    ("建设路非机动车道上", {"road": "建设路", "section": "非机动车道", "ref_kind": R}),
    ("建设路东侧", {"road": "建设路", "side": "东", "ref_kind": R}),
    ("建设路左侧", {"road": "建设路", "side": "左", "ref_kind": R}),
    ("建设路(由西向东)200米处", {"road": "建设路", "toward": "东", "distance_m": 200.0}),
    (
        "建设路往德山方向约200米处",
        {"road": "建设路", "toward": "德山", "distance_m": 200.0, "approximate": True},
    ),
    ("建设路(往德山方向)150米处", {"road": "建设路", "toward": "德山", "distance_m": 150.0}),
    (
        "在鼎城区善卷路(金霞大道至杨家港段)",
        {"admin": ("鼎城区",), "road": "善卷路", "section": "金霞大道至杨家港段"},
    ),
    ("善卷路金霞大道至杨家港段", {"road": "善卷路", "section": "金霞大道至杨家港段"}),
    ("常德大道沿线", {"road": "常德大道", "ref_kind": R}),
    ("工叶大道路段", {"road": "工叶大道", "ref_kind": R}),
    ("杭瑞高速公路", {"road": "杭瑞高速公路", "ref_kind": R}),
    ("沅江大桥", {"landmark": "沅江大桥", "ref_kind": L}),  # L4: a bridge by name
    ("红旗街", {"road": "红旗街", "ref_kind": R}),
    ("正街", {"road": "正街", "ref_kind": R}),
    (
        "沿洞庭大道由西往东行驶至皂果路口时",
        {
            "road": "洞庭大道",
            "cross_road": "皂果路",
            "toward": "东",
            "along": "洞庭大道",
            "ref_kind": IX,
        },
    ),
    # --- landmarks and gates --------------------------------------------------------------
    ("XX小区门口", {"landmark": "XX小区", "gate": True, "ref_kind": L}),
    ("XX小区大门口", {"landmark": "XX小区", "gate": True, "ref_kind": L}),
    ("XX小区附近", {"landmark": "XX小区", "approximate": True, "ref_kind": L}),
    ("XX小区前方路段", {"landmark": "XX小区", "ref_kind": L}),
    ("XX医院门口路段", {"landmark": "XX医院", "gate": True, "ref_kind": L}),
    ("市第一人民医院门口", {"landmark": "市第一人民医院", "gate": True, "ref_kind": L}),
    ("市一中校门口", {"landmark": "市一中", "gate": True, "ref_kind": L}),
    ("建设路小学门口", {"landmark": "建设路小学", "gate": True, "ref_kind": L}),
    ("富岸花园大门对面", {"landmark": "富岸花园", "gate": True, "ref_kind": L}),
    ("富岸花园路段", {"landmark": "富岸花园", "ref_kind": L}),
    ("人民广场旁", {"landmark": "人民广场", "ref_kind": L}),
    ("振兴大市场附近", {"landmark": "振兴大市场", "approximate": True, "ref_kind": L}),
    (
        "长安路富岸花园附近",
        {"road": "长安路", "landmark": "富岸花园", "approximate": True, "ref_kind": L},
    ),
    (
        "光明路示范汽车西站附近",
        {"road": "光明路", "landmark": "示范汽车西站", "approximate": True, "ref_kind": L},
    ),
    ("在距人民医院约200米处", {"landmark": "人民医院", "distance_m": 200.0, "ref_kind": L}),
    (
        "在人民医院东约200米处",
        {"landmark": "人民医院", "bearing": "东", "distance_m": 200.0, "ref_kind": L},
    ),
    (
        "武陵区人民医院北门口",
        {"admin": ("武陵区",), "landmark": "人民医院", "gate": True},  # 北门: a gate, no bearing
    ),
    (
        "某中学南门对面非机动车道上",
        {"gate": True, "section": "非机动车道", "vague": True},
    ),
    ("幸福中学公交站台附近", {"landmark": "幸福中学公交站台", "ref_kind": L}),  # L4: a stop
    # --- stakes and coded roads -----------------------------------------------------------
    ("G319线K12+300处", {"road": "G319", "stake_km": 12.3, "ref_kind": S}),
    ("319国道K25+670", {"road": "319国道", "stake_km": 25.67, "ref_kind": S}),
    ("国道G399线K14+700", {"road": "国道G399", "stake_km": 14.7, "ref_kind": S}),
    ("县道X095线18KM+710M处", {"road": "县道X095", "stake_km": 18.71, "ref_kind": S}),
    ("X064线", {"road": "X064", "ref_kind": R}),
    ("G39913公里+910米处", {"road": "G399", "stake_km": 13.91, "ref_kind": S}),
    ("S224省道", {"road": "S224省道", "ref_kind": R}),
    ("G399K16+220", {"road": "G399", "stake_km": 16.22, "ref_kind": S}),
    ("G399线K18+190米", {"road": "G399", "stake_km": 18.19, "ref_kind": S}),
    ("G319线12公里处", {"road": "G319", "stake_km": 12.0, "ref_kind": S}),
    ("Ｇ３１９线Ｋ１２＋３００", {"road": "G319", "stake_km": 12.3, "ref_kind": S}),
    (
        "二广高速/G55往长沙方向K1587+170",
        {"road": "二广高速", "toward": "长沙", "stake_km": 1587.17, "ref_kind": S},
    ),
    (
        "二广高速往长沙方向1587 KM + 170 M",
        {"road": "二广高速", "toward": "长沙", "stake_km": 1587.17, "ref_kind": S},
    ),
    ("二广高速(G55)", {"road": "二广高速", "ref_kind": R}),
    ("长张高速G5513线K55+200", {"road": "长张高速", "stake_km": 55.2, "ref_kind": S}),
    ("二广高速常德段", {"road": "二广高速", "section": "常德段", "ref_kind": R}),
    ("村道C504", {"road": "村道C504", "ref_kind": R}),
    ("XJ11线", {"road": "XJ11", "ref_kind": R}),
    ("在乡道Y006线黄家村路段", {"road": "乡道Y006", "admin": ("黄家村",), "ref_kind": R}),
    (
        "在G319线太子庙镇余家桥村路段",
        {"road": "G319", "admin": ("太子庙镇", "余家桥村"), "ref_kind": R},
    ),
    (
        "行驶至省道S229线12公里+300米(沂水县许家湖镇东埠村)处",
        {"road": "省道S229", "stake_km": 12.3, "admin": ("沂水县", "许家湖镇", "东埠村")},
    ),
    # --- villages and admin prefixes ------------------------------------------------------
    (
        "灌溪镇岗市村五组路口",
        {"admin": ("灌溪镇", "岗市村"), "village_group": "五组", "ref_kind": IX},
    ),
    ("灌溪镇岗市村路段", {"admin": ("灌溪镇", "岗市村")}),
    ("鼎城区灌溪镇岗市村3组", {"admin": ("鼎城区", "灌溪镇", "岗市村"), "village_group": "3组"}),
    ("锦屏区工业大道", {"admin": ("锦屏区",), "road": "工业大道", "ref_kind": R}),
    ("澧县人民路", {"admin": ("澧县",), "road": "人民路", "ref_kind": R}),
    (
        "常德市武陵区南坪街道建设路与人民路交叉口",
        {"admin": ("常德市", "武陵区", "南坪街道"), "road": "建设路", "ref_kind": IX},
    ),
    ("示范市第一人民医院门口", {"admin": ("示范市",), "landmark": "第一人民医院", "gate": True}),
    ("锦屏区长安路(锦屏区)", {"admin": ("锦屏区",), "road": "长安路", "ref_kind": R}),
    ("福阁新村大门口", {"landmark": "福阁新村", "gate": True, "ref_kind": L}),
    # --- vague and noise ------------------------------------------------------------------
    ("回家途中", {"vague": True}),
    ("回家途中某路段", {"vague": True}),
    ("公司附近小路", {"vague": True, "approximate": True}),
    ("村道", {"vague": True}),
    ("村道上", {"vague": True}),
    ("一乡村公路", {"vague": True}),
    ("某十字路口", {"vague": True}),
    ("小区附近", {"vague": True, "approximate": True}),
    ("施工路段", {"vague": True}),
    ("不详", {"vague": True}),
    ("路", {"vague": True}),
    ("", {"vague": True}),
    ("湘J12345小型轿车", {"vague": True}),
    ("路边的小型轿车开启车门", {"vague": True, "gate": True}),  # a vehicle is no landmark
    ("张三路过建设路", {"road": "建设路", "ref_kind": R}),
]

#: Slots checked only when a case names them.
LOOSE = {"text", "norm", "spans", "approximate", "cross_road", "road", "ref_kind", "admin"}
DEFAULTS = dict(PlaceSlots(text="", norm="").__dict__)


def _ids(case: tuple[str, dict[str, Any]]) -> str:
    return case[0] or "<empty>"


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_labelled_phrase(case: tuple[str, dict[str, Any]]) -> None:
    text, expected = case
    p = parse_place(text)
    for slot, value in expected.items():
        assert getattr(p, slot) == value, (slot, p)
    for slot, default in DEFAULTS.items():
        if slot not in expected and slot not in LOOSE and slot != "vague":
            assert getattr(p, slot) == default, (slot, p)
    if "vague" not in expected:
        assert not p.vague, p


def test_enough_labelled_phrases() -> None:
    assert len(CASES) >= 80


@pytest.mark.parametrize(
    ("text", "admin", "road", "landmark"),
    [
        ("武陵区人民路", ("武陵区",), "人民路", ""),
        ("武陵人民路", ("武陵",), "人民路", ""),
        ("武陵大道与人民路路口", (), "武陵大道", ""),  # an alias before 大道 is a road name
        ("武陵阁路", (), "武陵阁路", ""),
        ("常德市武陵区南坪街道建设路", ("常德市", "武陵区", "南坪街道"), "建设路", ""),
        ("在柳叶湖朝阳路", ("柳叶湖",), "朝阳路", ""),
        ("柳叶湖旅游度假区朝阳路", ("柳叶湖旅游度假区",), "朝阳路", ""),  # longest match
        ("灌溪岗市村村部附近", ("灌溪", "岗市村"), "", "村部"),
        ("G319线太子庙镇余家桥村路段", ("太子庙镇", "余家桥村"), "G319", ""),
        ("经开区(德山)桃花源路", ("经开区",), "桃花源路", ""),
        ("常德大道", (), "常德大道", ""),
    ],
)
def test_admin_names(text: str, admin: tuple[str, ...], road: str, landmark: str) -> None:
    p = parse_place(text, admin_names=ADMIN)
    assert (p.admin, p.road, p.landmark) == (admin, road, landmark)


def test_admin_names_any_collection() -> None:
    as_list = parse_place("武陵区人民路", admin_names=list(ADMIN))
    as_set = parse_place("武陵区人民路", admin_names=set(ADMIN))
    assert as_list == as_set == parse_place("武陵区人民路", admin_names=ADMIN)


def test_generic_admin_is_conservative() -> None:
    assert parse_place("人民路").admin == ()
    assert parse_place("XX小区门口").admin == ()
    assert parse_place("振兴大市场附近").admin == ()
    assert parse_place("人民路XX村").admin == ()  # only at the start without admin_names


@pytest.mark.parametrize(
    ("text", "norm"),
    [
        ("建设路 与 人民路", "建设路与人民路"),
        ("约二百米", "约200米"),
        ("三百五十米", "350米"),
        ("三百五米", "350米"),
        ("两千零五米", "2005米"),
        ("一五〇米", "150米"),
        ("半公里", "0.5公里"),
        ("十二公里+三百米", "12公里+300米"),
        ("五组路口", "五组路口"),  # not a distance
        ("几十米", "几十米"),
        ("二广高速", "二广高速"),
        ("（金霞大道）", "(金霞大道)"),
        (None, ""),
    ],
)
def test_normalize_place(text: str | None, norm: str) -> None:
    assert normalize_place(text) == norm


def test_spans_point_at_the_slots() -> None:
    p = parse_place("常德市武陵区建设路与人民路交叉口北侧约200米处")
    assert p.norm[slice(*p.spans["road"])] == "建设路"
    assert p.norm[slice(*p.spans["cross_road"])] == "人民路"
    assert p.norm[slice(*p.spans["bearing"])] == "北"
    assert p.norm[slice(*p.spans["distance_m"])] == "约200米"
    assert p.norm[slice(*p.spans["admin.1"])] == "武陵区"
    q = parse_place("G319线K12+300处")
    assert q.norm[slice(*q.spans["stake_km"])] == "K12+300"


def test_missing_and_non_string() -> None:
    for value in (None, float("nan"), 3, "", "   "):
        p = parse_place(value)
        assert p.vague and p.road == "" and p.spans == {}


def test_parse_places_frame() -> None:
    texts = pd.Series(
        ["建设路与人民路交叉口", None, "G319线K12+300处", "", "建设路与人民路交叉口"],
        index=[10, 11, 12, 13, 14],
    )
    df = parse_places(texts, admin_names=ADMIN)
    assert list(df.columns) == list(SLOT_NAMES)
    assert df.index.equals(texts.index)
    assert df.loc[10, "road"] == "建设路" and df.loc[14, "cross_road"] == "人民路"
    assert df.loc[11, "vague"] and df.loc[13, "vague"]
    assert df.loc[12, "stake_km"] == pytest.approx(12.3)
    assert df["distance_m"].dtype == float and df["vague"].dtype == bool
    assert json.loads(df.loc[10, "spans"])["road"] == [0, 3]


def test_parse_places_matches_parse_place() -> None:
    texts = pd.Series([c[0] for c in CASES])
    df = parse_places(texts)
    for i, text in enumerate(texts):
        p = parse_place(text)
        assert df.loc[i, "road"] == p.road and df.loc[i, "ref_kind"] == p.ref_kind


# --- properties ---------------------------------------------------------------------------

ROADS = ["建设路", "人民东路", "常德大道", "红旗街", "金桥路", "和平路", "南环路", "朝阳路"]
JUNCTIONS = ["交叉口", "交叉路口", "交汇处", "十字路口", "丁字路口", "三岔路口", "路口"]


def _check_invariants(p: PlaceSlots) -> None:
    assert unicodedata.is_normalized("NFKC", p.norm)
    for key, (a, b) in p.spans.items():
        assert 0 <= a < b <= len(p.norm), key
        slot = key.split(".")[0]
        value = getattr(p, slot)
        if slot == "admin":
            assert p.norm[a:b] in value
        elif isinstance(value, str):
            assert p.norm[a:b] == value, key
    assert p.vague == (not (p.road or p.landmark or p.stake_km is not None or p.admin))
    assert p.ref_kind in ("", "intersection", "landmark", "stake", "road")
    assert p.bearing in ("", "东", "南", "西", "北", "东北", "东南", "西南", "西北")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_never_raises_on_any_text(text: str) -> None:
    _check_invariants(parse_place(text))
    _check_invariants(parse_place(text, admin_names=ADMIN))


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet="建设路人民与交叉口往北约二百米处号KGS+-319大道（）() 　，、东侧门小区镇村组",
        max_size=40,
    )
)
def test_never_raises_on_place_like_text(text: str) -> None:
    _check_invariants(parse_place(text, admin_names=ADMIN))


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(ROADS),
    st.sampled_from(ROADS),
    st.sampled_from(["与", "、", "和", ""]),
    st.sampled_from(JUNCTIONS),
    st.sampled_from(["东", "南", "西", "北", "东北", "西南"]),
    st.integers(min_value=10, max_value=990),
    st.sampled_from(["", "在", "距"]),
)
def test_composed_junction_offsets(
    a: str, b: str, conn: str, junction: str, bearing: str, metres: int, lead: str
) -> None:
    if a == b:
        return
    if not conn:  # "A路B路口"
        junction = "口" if b.endswith("路") else "路口"
    text = f"{lead}{a}{conn}{b}{junction}{bearing}侧约{metres}米处"
    p = parse_place(text)
    assert (p.road, p.cross_road, p.ref_kind) == (a, b, "intersection"), text
    assert (p.bearing, p.distance_m, p.approximate) == (bearing, float(metres), True), text
    _check_invariants(p)


# --- issue 16: the slot labelling conventions (docs/geocode.md, "Grammar") ------------------

#: Admin names of an invented area where township names begin POI names (L5).
L5_ADMIN = ("河湾市", "河湾", "和平街道", "和平", "桃源镇", "桃源", "青石镇", "青石", "某镇")

CONVENTIONS: list[tuple[str, dict[str, Any]]] = [
    # O1, O7: toward a road, with or without 往, 处 anywhere
    (
        "人民路与建设路交叉口往解放路方向约300米处",
        {"road": "人民路", "cross_road": "建设路", "toward": "解放路", "distance_m": 300.0},
    ),
    ("人民路与建设路交叉口解放路方向300米", {"toward": "解放路", "distance_m": 300.0}),
    ("人民路与建设路交叉口东方向300米", {"bearing": "东", "toward": "", "distance_m": 300.0}),
    # O3: bearing words
    ("人民路与建设路交叉口以东200米", {"bearing": "东", "toward": "", "distance_m": 200.0}),
    ("人民路与建设路交叉口东侧200米", {"bearing": "东", "distance_m": 200.0}),
    ("人民路与建设路交叉口往东200米", {"bearing": "东", "distance_m": 200.0}),
    # O6: a distance alone, one road, a corner
    (
        "距人民路与建设路路口200米",
        {"road": "人民路", "cross_road": "建设路", "bearing": "", "distance_m": 200.0},
    ),
    ("人民路路口北约100米", {"road": "人民路", "cross_road": "", "bearing": "北"}),
    ("人民路与建设路交叉口东北角", {"cross_road": "建设路", "bearing": "东北", "distance_m": None}),
    # O4: the road after 沿
    (
        "沿人民路由西向东行驶至建设路口",
        {"along": "人民路", "road": "人民路", "cross_road": "建设路", "toward": "东"},
    ),
    ("沿人民路行驶", {"along": "人民路", "road": "人民路", "ref_kind": "road"}),
    # L1: landmark and road, in three orders
    ("阳光小区旁人民路上", {"landmark": "阳光小区", "road": "人民路", "ref_kind": "landmark"}),
    ("第一中学旁建设路上", {"landmark": "第一中学", "road": "建设路", "gate": False}),
    ("阳光小区门口人民路", {"landmark": "阳光小区", "road": "人民路", "gate": True}),
    ("人民路阳光小区门口", {"landmark": "阳光小区", "road": "人民路", "gate": True}),
    # L2, L3: landmark words, gates (a gate's side is not a bearing), offsets
    ("阳光小区北门", {"landmark": "阳光小区", "gate": True, "bearing": ""}),
    ("阳光小区对面", {"landmark": "阳光小区", "gate": False, "ref_kind": "landmark"}),
    ("阳光小区东侧约100米", {"landmark": "阳光小区", "bearing": "东", "distance_m": 100.0}),
    ("阳光小区以北200米", {"landmark": "阳光小区", "bearing": "北", "distance_m": 200.0}),
    # L4: stops, stations, fuel stations, bridges and tunnels by their whole name
    ("人民医院公交站附近", {"landmark": "人民医院公交站", "ref_kind": "landmark"}),
    ("测试加油站门口", {"landmark": "测试加油站", "gate": True}),
    ("测试高铁站", {"landmark": "测试高铁站", "ref_kind": "landmark"}),
    ("测试大桥上", {"landmark": "测试大桥", "road": "", "ref_kind": "landmark"}),
    ("环城高速测试隧道内", {"landmark": "测试隧道", "road": "环城高速"}),
    ("测试大桥与人民路交叉口", {"road": "测试大桥", "cross_road": "人民路", "landmark": ""}),
    # T3 texts: the township of a route
    ("S301线K12+300处（某镇路段）", {"road": "S301", "stake_km": 12.3, "admin": ("某镇",)}),
    ("301省道青石镇段", {"road": "301省道", "admin": ("青石镇",), "ref_kind": "road"}),
    # L5: a POI named whole wins over the admin name inside it
    ("和平小区门口", {"landmark": "和平小区", "admin": ()}),
    ("桃源山庄附近", {"landmark": "桃源山庄", "admin": ()}),
    ("青石湾附近", {"landmark": "青石湾", "admin": ()}),
    ("滨河中央商务区", {"landmark": "滨河中央商务区", "admin": ()}),
    ("河湾人民医院门口", {"landmark": "河湾人民医院", "admin": ()}),
    ("河湾市第一人民医院门口", {"landmark": "第一人民医院", "admin": ("河湾市",)}),
    # narrative around the place
    ("上班途中骑电动车行驶至人民路与建设路交叉口", {"road": "人民路", "cross_road": "建设路"}),
    ("事发于人民路与建设路交叉口时与一辆小型轿车相撞", {"road": "人民路", "landmark": ""}),
    ("人民路靠近建设路路口", {"road": "人民路", "cross_road": "建设路"}),
    ("星河东路锦绣家园路口处", {"road": "星河东路", "cross_road": "", "landmark": "锦绣家园"}),
    ("环城高速往桃源方向896公里处", {"stake_km": 896.0, "distance_m": None}),
    ("河湾高速桃源往白沙方向柳溪服务区路段", {"road": "河湾高速", "toward": "白沙"}),
    ("星河路458号前处", {"road": "星河路", "landmark": "", "ref_kind": "road"}),
]


@pytest.mark.parametrize("case", CONVENTIONS, ids=_ids)
def test_issue16_labelling_conventions(case: tuple[str, dict[str, Any]]) -> None:
    text, expected = case
    p = parse_place(text, admin_names=L5_ADMIN)
    for slot, value in expected.items():
        assert getattr(p, slot) == value, (slot, p)
    _check_invariants(p)


# A short county name before a township or a state farm is two units, also when the township's
# name holds 桥 (架桥镇, 双桥坪镇) or the unit is a 林场/园艺场 (the L5 rule "a whole landmark name
# wins" must not swallow a known admin name that follows the alias). Real Changde names, as in
# bench_geocode part 2, where these forms had dropped to no county.
CHANGDE_SHORT = (
    *("桃源", "鼎城", "石门"),
    *("架桥镇", "双桥坪镇", "秀坪园艺场", "洛浦寺林场", "和平街道"),
)


@pytest.mark.parametrize(
    ("text", "admin", "road"),
    [
        ("桃源架桥镇朝阳路路段", ("桃源", "架桥镇"), "朝阳路"),
        ("鼎城双桥坪镇丹阳路路段", ("鼎城", "双桥坪镇"), "丹阳路"),
        ("石门秀坪园艺场阳山大道路段", ("石门", "秀坪园艺场"), "阳山大道"),
        ("石门洛浦寺林场沙河路路段", ("石门", "洛浦寺林场"), "沙河路"),
    ],
)
def test_short_county_then_a_known_unit_is_two_units(text, admin, road) -> None:
    p = parse_place(text, admin_names=CHANGDE_SHORT)
    assert (p.admin, p.road) == (admin, road)


def test_the_alias_still_begins_a_bridge_or_landmark_name() -> None:
    assert parse_place("桃源大桥上", admin_names=CHANGDE_SHORT).landmark == "桃源大桥"
    assert parse_place("桃源山庄门口", admin_names=CHANGDE_SHORT).landmark == "桃源山庄"
