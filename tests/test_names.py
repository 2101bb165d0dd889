"""Name keys, road parts and variants, road codes and pinyin keys (trafficprev._names)."""

from __future__ import annotations

import pandas as pd
import pytest

from trafficprev._names import (
    EXPRESSWAY_NAMES,
    EXPRESSWAY_UNVERIFIED,
    name_key,
    name_keys,
    parse_ref,
    pinyin_key,
    pinyin_keys,
    ref_variants,
    road_parts,
    road_variants,
    suffix_class,
)
from trafficprev.datasets import changde_public_roads

# Changde roads named in public sources (domain.md §2.10)
CHANGDE_ROADS = changde_public_roads()


# --- name_key -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("人民路", "人民路"),
        (" 人民 路 ", "人民路"),
        ("人民路（东段）", "人民路东段"),
        ("人民路(东段)", "人民路东段"),
        ("朗州路·武陵大道", "朗州路武陵大道"),
        ("朗州路、武陵大道，口", "朗州路武陵大道口"),
        ("常德大道—桃花源路", "常德大道桃花源路"),
        ("常德大道-桃花源路", "常德大道桃花源路"),
        ("ｇ３１９线", "G319线"),
        ("g319", "G319"),
        ("\u3000洞庭大道\u200b", "洞庭大道"),
        ("K12+300", "K12+300"),
        ("、，（）", ""),
        ("", ""),
    ],
)
def test_name_key(raw, key):
    assert name_key(raw) == key


def test_name_key_equal_for_spellings_of_one_name():
    assert name_key("Ｇ３１９") == name_key("g 319") == "G319"
    assert name_key("人民路") != name_key("人民街")


def test_name_keys_is_aligned_and_matches_name_key():
    s = pd.Series(
        ["人民路 ", None, "ｇ319", "人民路 ", float("nan")], index=[5, 3, 9, 1, 0], name="n"
    )
    out = name_keys(s)
    assert out.index.tolist() == [5, 3, 9, 1, 0]
    assert out.name == "n"
    assert out.tolist() == ["人民路", "", "G319", "人民路", ""]
    assert name_keys(pd.Series([], dtype=object)).tolist() == []


# --- road_parts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("人民东路", ("人民", "东", "路", "")),
        ("人民路东段", ("人民", "东", "路", "段")),
        ("人民中路", ("人民", "中", "路", "")),
        ("常德大道辅道", ("常德", "", "大道", "辅道")),
        ("桃花源路辅道", ("桃花源", "", "路", "辅道")),
        ("朝阳路", ("朝阳", "", "路", "")),
        ("东门路", ("东门", "", "路", "")),
        ("江北路", ("江北", "", "路", "")),
        ("城南路", ("城南", "", "路", "")),
        ("滨江南路", ("滨江", "南", "路", "")),
        ("建设路北段", ("建设", "北", "路", "段")),
        ("解放大街", ("解放", "", "大街", "")),
        ("澄梅公路", ("澄梅", "", "公路", "")),
        ("人民", ("人民", "", "", "")),
        ("东段", ("东段", "", "", "")),
        ("大道", ("大道", "", "", "")),
    ],
)
def test_road_parts(name, parts):
    assert road_parts(name) == parts


def test_suffix_class():
    assert suffix_class("洞庭大道") == "大道"
    assert suffix_class("善卷路") == suffix_class("人民路东段") == "路"
    assert suffix_class("解放大街") == suffix_class("解放街") == "街"
    assert suffix_class("常德大道辅道") == "大道"
    assert suffix_class("人民") == ""


# --- road_variants ------------------------------------------------------------------------


def test_direction_forms_are_certain_both_ways():
    assert ("人民路东段", True) in road_variants("人民东路")
    assert ("人民东路", True) in road_variants("人民路东段")
    assert ("建设北路", True) in road_variants("建设路北段")


def test_service_road_belongs_to_its_road():
    v = dict(road_variants("桃花源路辅道"))
    assert v["桃花源路"] is True
    assert v["桃花源路辅路"] is True
    v = dict(road_variants("常德大道"))
    assert v["常德大道辅道"] is True
    assert v["常德大道辅路"] is True


def test_suffix_swaps_are_uncertain():
    assert ("洞庭路", False) in road_variants("洞庭大道")
    assert ("朗州大道", False) in road_variants("朗州路")
    assert ("解放街", False) in road_variants("解放大街")
    assert ("解放大街", False) in road_variants("解放街")
    assert ("澄梅路", False) in road_variants("澄梅公路")
    # a variant reached by an uncertain rule is uncertain whatever else applies
    v = dict(road_variants("常德大道辅道"))
    assert v["常德路"] is False
    assert v["常德大道"] is True


def test_bare_base_only_for_long_bases():
    assert ("桃花源", False) in road_variants("桃花源路辅道")
    names = {v for v, _ in road_variants("常德大道")} | {v for v, _ in road_variants("善卷路")}
    assert not names & {"常德", "善卷"}
    assert "人民" not in {v for v, _ in road_variants("人民东路")}


def test_direction_inside_a_proper_name_is_kept():
    assert all(not v.endswith("段") for v, _ in road_variants("东门路"))
    assert "门路" not in {v for v, _ in road_variants("东门路")}


@pytest.mark.parametrize("name", [*CHANGDE_ROADS, "人民东路", "人民路东段", "解放大街", "人民"])
def test_variants_are_distinct_and_exclude_the_name(name):
    v = road_variants(name)
    spellings = [s for s, _ in v]
    assert name not in spellings
    assert len(spellings) == len(set(spellings))
    assert [ok for _, ok in v] == sorted((ok for _, ok in v), reverse=True)  # certain first
    assert road_variants(name) == v  # deterministic


def test_name_without_suffix_has_no_variants():
    assert road_variants("人民") == []
    assert road_variants("沅水二桥") == []


# --- parse_ref and ref_variants -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("G319", ("G319",)),
        ("g319", ("G319",)),
        ("G319线", ("G319",)),
        ("319国道", ("G319",)),
        ("国道319", ("G319",)),
        ("国道319线", ("G319",)),
        ("国道G319线", ("G319",)),
        ("G319国道", ("G319",)),
        ("Ｇ３１９线", ("G319",)),
        ("S224省道", ("S224",)),
        ("省道S224", ("S224",)),
        ("224省道", ("S224",)),
        ("X064", ("X064",)),
        ("县道X064线", ("X064",)),
        ("064县道", ("X064",)),
        ("64县道", ("X064",)),
        ("Y006", ("Y006",)),
        ("C504", ("C504",)),
        ("CY03", ("CY03",)),
        ("XJ11", ("XJ11",)),
        ("G55", ("G55",)),
        ("G5513", ("G5513",)),
        ("二广高速", ("G55",)),
        ("二广高速公路", ("G55",)),
        ("G55二广高速", ("G55",)),
        ("长张高速", ("G5513",)),
        ("G319;S224", ("G319", "S224")),
        ("G319; S224;G319", ("G319", "S224")),
        ("S303、S302", ("S303", "S302")),
    ],
)
def test_parse_ref(text, codes):
    assert parse_ref(text) == codes


@pytest.mark.parametrize(
    "text", ["", "人民路", "319", "常德大道", "G319梦溪段", "二广高速常德段", "G319与S224交叉口"]
)
def test_parse_ref_rejects_non_codes(text):
    assert parse_ref(text) == ()


def test_expressway_table_marks_unverified_names():
    assert EXPRESSWAY_NAMES["二广高速"] == "G55"  # [V] domain.md §1.5, §2.10
    assert EXPRESSWAY_NAMES["长张高速"] == "G5513"  # [V]
    assert "杭瑞高速" in EXPRESSWAY_UNVERIFIED  # [U] in domain.md
    assert "二广高速" not in EXPRESSWAY_UNVERIFIED
    assert set(EXPRESSWAY_NAMES) >= EXPRESSWAY_UNVERIFIED


@pytest.mark.parametrize("code", ["G319", "G207", "S224", "X064", "Y006", "C504", "CY03", "XJ11",
                                  "G55", "G5513"])  # fmt: skip
def test_ref_variants_parse_back(code):
    forms = ref_variants(code)
    assert forms[0] == code
    assert len(forms) == len(set(forms))
    for f in forms:
        assert parse_ref(f) == (code,), f


def test_ref_variants_cover_the_usual_forms():
    assert {"G319线", "319国道", "国道319", "国道319线", "国道G319线"} <= set(ref_variants("G319"))
    assert {"064县道", "县道X064线"} <= set(ref_variants("X064"))
    assert {"二广高速", "G55高速"} <= set(ref_variants("G55"))
    assert "55国道" not in ref_variants("G55")  # an expressway is not a 国道 by number


# --- pinyin -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typo", "right"),
    [
        ("郎州路", "朗州路"),
        ("早果路", "皂果路"),
        ("善倦路", "善卷路"),
        ("洞廷大道", "洞庭大道"),
        ("健设路", "建设路"),
        ("迎滨大道", "迎宾大道"),
        ("工叶大道", "工业大道"),
        ("宾江路", "滨江路"),
    ],
)
def test_homophones_share_the_pinyin_key(typo, right):
    assert pinyin_key(typo) == pinyin_key(right)


@pytest.mark.parametrize(("typo", "right"), [("朝羊路", "朝阳路"), ("常安路", "长安路")])
def test_heteronyms_share_one_of_the_pinyin_keys(typo, right):
    # 朝阳 is read zhao yang as a phrase, 朝羊 chao yang: the per-character key bridges it
    assert set(pinyin_keys(typo)) & set(pinyin_keys(right))


def test_pinyin_key_keeps_letters_and_digits_and_is_toneless():
    assert pinyin_key("G319国道") == "G319 guo dao"
    assert pinyin_key("朗州路") == "lang zhou lu"
    assert pinyin_key("幸福路") != pinyin_key("和平路")
    assert pinyin_keys("人民路")[0] == pinyin_key("人民路")


def test_pinyin_keys_heteronyms_are_opt_in_and_bounded():
    plain = pinyin_keys("北还路")
    assert "bei huan lu" not in plain
    wide = pinyin_keys("北还路", heteronyms=True)
    assert wide[: len(plain)] == plain
    assert "bei huan lu" in wide
    assert len(pinyin_keys("还还还还还还路", heteronyms=True)) <= 2 + 16
