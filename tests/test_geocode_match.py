"""The geocoder's name matcher and the area's name table (trafficprev.area)."""

from __future__ import annotations

import pandas as pd
import pytest

from trafficprev._errors import FileFormatError, InputFileNotFoundError, SchemaError
from trafficprev.area import NAME_TABLE_COLUMNS as NAME_COLUMNS
from trafficprev.area import build_name_table, read_user_aliases
from trafficprev.datasets import changde_public_roads
from trafficprev.geocode import Candidate, NameMatcher

# domain.md §2.10 (urban roads of Changde) plus roads of the demo city
ROADS = [
    *changde_public_roads(),
    "建设路", "建设北路", "迎宾大道", "长安路", "工业大道", "滨江路", "滨江南路", "人民东路",
    "人民路", "和平路", "解放大街",
]  # fmt: skip
REFS = {"G319": ["常德大道", "G319"], "S224": ["S224"], "X064": ["X064"], "G55": []}
ADMIN = pd.DataFrame(
    {
        "alias": ["武陵区", "武陵", "常德经济技术开发区", "经开区", "桃花源旅游管理区", "桃花源"],
        "code": ["430702", "430702", "430700Z01", "430700Z01", "430700Z02", "430700Z02"],
        "certain": [True, True, True, True, True, True],
        "how": ["name", "short", "name", "zone", "name", "short"],
    }
)
POIS = pd.DataFrame(
    {"poi_id": ["p1", "p2", "p3"], "name": ["常德市第一人民医院", "丁玲公园", "常德火车站"]}
)


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return build_name_table(ROADS, REFS, ADMIN, POIS, None)


@pytest.fixture(scope="module")
def matcher(table) -> NameMatcher:
    return NameMatcher(table)


def best(m: NameMatcher, text: str, kind: str = "road") -> tuple[str, str] | None:
    found = m.match(text, kind)
    return (found[0].name, found[0].how) if found else None


# --- exact and alias ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ROADS)
def test_real_names_match_exactly(matcher, name):
    (c,) = matcher.match(name, "road")[:1]
    assert (c.name, c.target, c.kind, c.score, c.how, c.certain) == (
        name, name, "road", 1.0, "exact", True
    )  # fmt: skip


def test_spacing_and_width_do_not_matter(matcher):
    assert best(matcher, " 朗州路 ") == ("朗州路", "exact")
    assert best(matcher, "洞庭 大道") == ("洞庭大道", "exact")


def test_direction_segment_form(matcher):
    c = matcher.match("人民路东段", "road")[0]
    assert (c.name, c.how, c.score, c.certain) == ("人民东路", "alias", 0.95, True)
    # 人民路 is a real road: its own name wins over being a variant of 人民东路
    assert [c.name for c in matcher.match("人民路", "road")] == ["人民路"]


def test_service_road_maps_to_its_road(matcher):
    c = matcher.match("常德大道辅道", "road")[0]
    assert (c.name, c.how, c.certain) == ("常德大道", "alias", True)
    # where only the service road is mapped, its main-road name reaches it ...
    only = NameMatcher(build_name_table(["桃花源路辅道"], None, None, None, None))
    c = only.match("桃花源路", "road")[0]
    assert (c.name, c.how, c.certain) == ("桃花源路辅道", "alias", True)
    # ... but a real 桃花源路 (it is one in Changde) wins by its own name
    c = matcher.match("桃花源路", "road")[0]
    assert (c.name, c.how) == ("桃花源路", "exact")


def test_suffix_swap_is_uncertain(matcher):
    c = matcher.match("洞庭路", "road")[0]
    assert (c.name, c.how, c.score, c.certain) == ("洞庭大道", "alias", 0.85, False)
    c = matcher.match("朗州大道", "road")[0]
    assert (c.name, c.certain) == ("朗州路", False)


def test_exact_beats_alias_of_another_road():
    m = NameMatcher(build_name_table(["洞庭路", "洞庭大道"], None, None, None, None))
    assert [(c.name, c.how) for c in m.match("洞庭路", "road")] == [("洞庭路", "exact")]


# --- homophones and typos -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("typo", "right"),
    [
        # domain.md §1.5
        ("郎州路", "朗州路"),
        ("早果路", "皂果路"),
        ("善倦路", "善卷路"),
        ("洞廷大道", "洞庭大道"),
        # the demo city's typos
        ("健设路", "建设路"),
        ("朝羊路", "朝阳路"),
        ("迎滨大道", "迎宾大道"),
        ("常安路", "长安路"),
        ("工叶大道", "工业大道"),
        ("宾江路", "滨江路"),
        ("健设北路", "建设北路"),
    ],
)
def test_homophone_typos(matcher, typo, right):
    found = matcher.match(typo, "road")
    assert [(c.name, c.how, c.score, c.certain) for c in found] == [(right, "pinyin", 0.85, True)]


def test_homophone_of_an_uncertain_variant_scores_lower(matcher):
    c = matcher.match("洞廷路", "road")[0]
    assert (c.name, c.how, c.certain) == ("洞庭大道", "pinyin", False)
    assert c.score < 0.85


def test_pinyin_needs_few_changed_characters():
    # same pinyin, but two of three characters differ: too far to be a typo
    m = NameMatcher(build_name_table(["善卷路"], None, None, None, None))
    assert m.match("扇倦路", "road") == []
    assert best(m, "善倦路") == ("善卷路", "pinyin")


def test_fuzzy_match_of_a_longer_name():
    m = NameMatcher(build_name_table(["人民医院大道", "常德大道辅道"], None, None, None, None))
    c = m.match("人民医馆大道", "road")[0]
    assert (c.name, c.how) == ("人民医院大道", "fuzzy")
    assert c.score == pytest.approx(10 / 12 * 0.9)
    # a service road of a misspelt road: its main road's name is compared too
    c = m.match("人民医馆大道辅道", "road")[0]
    assert (c.name, c.how) == ("人民医院大道", "fuzzy")


def test_no_fuzzy_match_across_suffix_classes():
    m = NameMatcher(build_name_table(["人民医院大道"], None, None, None, None))
    assert m.match("人民医馆路", "road") == []
    assert m.match("人民医院大路", "road") == []  # ratio 0.83 but 路 is not 大道
    assert m.match("人民医院大道", "road")[0].how == "exact"


@pytest.mark.parametrize("text", ["幸福路", "幸运路", "平和路", "和平街道", "东风路", "朗州", "路"])
def test_unrelated_names_do_not_match(matcher, text):
    assert matcher.match(text, "road") == []


def test_fuzzy_cutoff_is_a_parameter():
    table = build_name_table(["人民医院大道", "柳叶大道"], None, None, None, None)
    assert best(NameMatcher(table), "人民医馆大道") == ("人民医院大道", "fuzzy")  # ratio 0.83
    assert NameMatcher(table, fuzzy_cutoff=0.9).match("人民医馆大道", "road") == []
    # 柳荫大道 vs 柳叶大道: ratio 0.75, only a loose cut-off accepts it (柳叶湖大道: 0.89)
    assert NameMatcher(table).match("柳荫大道", "road") == []
    assert best(NameMatcher(table, fuzzy_cutoff=0.6), "柳荫大道") == ("柳叶大道", "fuzzy")
    assert best(NameMatcher(table), "柳叶湖大道") == ("柳叶大道", "fuzzy")
    with pytest.raises(ValueError, match="fuzzy_cutoff"):
        NameMatcher(table, fuzzy_cutoff=0)


# --- road codes ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["G319", "g319", "G319线", "319国道", "国道319线", "国道G319线"])
def test_ref_forms_find_the_roads_carrying_the_code(matcher, text):
    found = matcher.match(text, "road")
    assert [(c.name, c.target, c.how, c.score) for c in found] == [
        ("G319", "G319", "ref", 0.95),
        ("常德大道", "常德大道", "ref", 0.95),
    ]


@pytest.mark.parametrize(
    ("text", "code"),
    [("S224省道", "S224"), ("省道S224", "S224"), ("064县道", "X064"), ("县道X064线", "X064"),
     ("二广高速", "G55"), ("G55", "G55")],
)  # fmt: skip
def test_code_only_roads(matcher, text, code):
    c = matcher.match(text, "road")[0]
    assert (c.name, c.target, c.how) == (code, code, "ref")


def test_unknown_code_matches_nothing(matcher):
    assert matcher.match("G207", "road") == []
    assert matcher.match("318国道", "road") == []  # never fuzzy-matched to 319国道


# --- admin and POIs -----------------------------------------------------------------------


def test_admin_aliases(matcher):
    c = matcher.match("武陵区", "admin")[0]
    assert (c.name, c.target, c.how, c.score) == ("武陵区", "430702", "exact", 1.0)
    c = matcher.match("经开区", "admin")[0]
    assert (c.name, c.target, c.how) == ("常德经济技术开发区", "430700Z01", "alias")
    assert matcher.match("武陵", "road") == []  # kinds are separate


def test_bare_road_base_that_names_an_admin_unit_is_dropped(table):
    road_keys = set(table.loc[table["kind"] == "road", "key"])
    assert "桃花源" not in road_keys  # 桃花源 is the 管理区, not 桃花源路辅道
    assert best(NameMatcher(table), "桃花源", "admin") == ("桃花源旅游管理区", "alias")


def test_pois_with_and_without_the_city_prefix(matcher):
    assert best(matcher, "常德市第一人民医院", "poi") == ("常德市第一人民医院", "exact")
    c = matcher.match("第一人民医院", "poi")[0]
    assert (c.name, c.target, c.how) == ("常德市第一人民医院", "p1", "alias")
    assert best(matcher, "丁玲公园", "poi") == ("丁玲公园", "exact")


def test_unknown_kind_is_refused(matcher):
    with pytest.raises(ValueError, match="kind"):
        matcher.match("朗州路", "street")


def test_empty_text(matcher):
    assert matcher.match("", "road") == []
    assert matcher.match("（）", "road") == []


# --- ordering and ties --------------------------------------------------------------------


def test_ties_are_broken_by_how_then_name_whatever_the_row_order():
    roads = ["建设大道", "建设公路", "建设街"]
    a = NameMatcher(build_name_table(roads, None, None, None, None))
    b = NameMatcher(build_name_table(roads[::-1], None, None, None, None))
    for m in (a, b):
        found = m.match("建设路", "road")
        # both roads give 建设路 as an uncertain variant: equal scores, sorted by name
        assert [(c.name, c.score, c.certain) for c in found] == [
            ("建设公路", 0.85, False),
            ("建设大道", 0.85, False),
        ]


def test_sort_order_score_then_how_then_name():
    t = pd.DataFrame(
        [
            ("朗州路", "朗州路", "road", "B", "name", True),
            ("朗州路", "朗州路口", "road", "A", "variant", True),
            ("朗州路", "郎州路", "road", "C", "ref", True),
            ("朗州路", "阿州路", "road", "D", "variant", True),
        ],
        columns=list(NAME_COLUMNS),
    )
    found = NameMatcher(t).match("朗州路", "road")
    # equal scores: ref before alias; equal how: by name in code-point order (朗 < 阿)
    assert [c.target for c in found] == ["B", "C", "A", "D"]
    assert [c.how for c in found] == ["exact", "ref", "alias", "alias"]
    assert NameMatcher(t).match("朗州路", "road", limit=2) == found[:2]


def test_one_candidate_per_target_the_best_way():
    t = pd.DataFrame(
        [
            ("洞庭路", "洞庭大道", "road", "洞庭大道", "variant", False),
            ("洞庭路", "洞庭大道", "road", "洞庭大道", "user", True),
        ],
        columns=list(NAME_COLUMNS),
    )
    found = NameMatcher(t).match("洞庭路", "road")
    assert len(found) == 1
    assert found[0].certain is True


def test_match_many_caches_and_keeps_order(matcher):
    texts = ["郎州路", "洞庭大道", "郎州路", "幸福路"]
    out = matcher.match_many(texts, "road")
    assert [[c.name for c in r] for r in out] == [["朗州路"], ["洞庭大道"], ["朗州路"], []]
    assert out[0] == out[2]
    assert out[0] is not out[2]
    assert out == [matcher.match(t, "road") for t in texts]


def test_candidate_is_frozen():
    c = Candidate("朗州路", "朗州路", "road", 1.0, "exact", True)
    with pytest.raises(AttributeError):
        c.score = 0.5  # type: ignore[misc]


# --- the name table -----------------------------------------------------------------------


def test_table_shape(table):
    assert list(table.columns) == list(NAME_COLUMNS)
    assert not table.duplicated(["kind", "key", "target"]).any()
    assert table["certain"].dtype == bool
    assert set(table["source"]) <= {"name", "variant", "ref", "zone", "user", "short", "alias"}
    assert (table["key"] != "").all()


def test_variant_equal_to_another_real_road_is_dropped(table):
    rows = table[table["key"] == "人民路"]
    assert rows[["target", "source"]].values.tolist() == [["人民路", "name"]]
    # 建设北路 and 建设路 are different roads; 建设路北段 is 建设北路's segment form
    rows = table[table["key"] == "建设路北段"]
    assert rows[["target", "certain"]].values.tolist() == [["建设北路", True]]


def test_variant_shared_by_two_roads_is_uncertain():
    t = build_name_table(["建设大道", "建设公路"], None, None, None, None)
    rows = t[t["key"] == "建设路"]
    assert sorted(rows["target"]) == ["建设公路", "建设大道"]
    assert not rows["certain"].any()


def test_ref_rows(table):
    rows = table[(table["source"] == "ref") & (table["key"] == "319国道")]
    assert sorted(rows["target"]) == ["G319", "常德大道"]
    rows = table[(table["source"] == "ref") & (table["key"] == "二广高速")]
    assert rows[["name", "target"]].values.tolist() == [["G55", "G55"]]


def test_missing_columns_are_reported():
    with pytest.raises(SchemaError, match="poi_id"):
        build_name_table(["朗州路"], None, None, pd.DataFrame({"name": ["x"]}), None)
    with pytest.raises(SchemaError, match="how"):
        build_name_table(["朗州路"], None, ADMIN.drop(columns="how"), None, None)
    with pytest.raises(SchemaError, match="certain"):
        NameMatcher(pd.DataFrame(columns=["key", "name", "kind", "target", "source"]))


def test_unknown_kind_in_table():
    t = pd.DataFrame([("a", "a", "street", "a", "name", True)], columns=list(NAME_COLUMNS))
    with pytest.raises(SchemaError, match="street"):
        NameMatcher(t)


# --- user aliases -------------------------------------------------------------------------


def test_user_aliases_point_to_targets_by_name():
    user = pd.DataFrame(
        {
            "alias": ["老朗州路", "一医院", "开发区"],
            "target": ["朗州路", "常德市第一人民医院", "常德经济技术开发区"],
            "kind": ["road", "poi", "admin"],
        }
    )
    t = build_name_table(ROADS, REFS, ADMIN, POIS, user)
    m = NameMatcher(t)
    c = m.match("老朗州路", "road")[0]
    assert (c.name, c.target, c.how, c.certain) == ("朗州路", "朗州路", "alias", True)
    assert c.score == 0.95
    assert m.match("一医院", "poi")[0].target == "p1"
    assert m.match("开发区", "admin")[0].target == "430700Z01"
    assert set(t.loc[t["source"] == "user", "key"]) == {"老朗州路", "一医院", "开发区"}


def test_user_alias_to_unknown_targets_lists_them_all():
    user = pd.DataFrame(
        {
            "alias": ["老朗州路", "新路", "市中心"],
            "target": ["朗州路", "不存在路", "不存在区"],
            "kind": ["road", "road", "admin"],
        }
    )
    with pytest.raises(SchemaError) as err:
        build_name_table(ROADS, None, ADMIN, None, user)
    assert isinstance(err.value, ValueError)
    msg = str(err.value)
    assert "不存在路" in msg and "不存在区" in msg and "2 alias" in msg
    assert "老朗州路" not in msg


def test_read_user_aliases_gb18030(tmp_path):
    p = tmp_path / "aliases.csv"
    p.write_bytes(
        "别名,标准名称,类型\n老朗州路,朗州路,道路\n一医院,常德市第一人民医院,地点\n\n"
        "开发区,常德经济技术开发区,行政区\n".encode("gb18030")
    )
    user = read_user_aliases(p)
    assert user.values.tolist() == [
        ["老朗州路", "朗州路", "road"],
        ["一医院", "常德市第一人民医院", "poi"],
        ["开发区", "常德经济技术开发区", "admin"],
    ]
    t = build_name_table(ROADS, None, ADMIN, POIS, user)
    assert NameMatcher(t).match("一医院", "poi")[0].target == "p1"


def test_read_user_aliases_english_header_utf8_bom(tmp_path):
    p = tmp_path / "aliases.csv"
    p.write_text("alias,target,kind\n老朗州路, 朗州路 ,road\n", encoding="utf-8-sig")
    assert read_user_aliases(p).values.tolist() == [["老朗州路", "朗州路", "road"]]


def test_read_user_aliases_errors(tmp_path):
    with pytest.raises(InputFileNotFoundError):
        read_user_aliases(tmp_path / "none.csv")
    p = tmp_path / "bad_header.csv"
    p.write_text("名称,目标\na,b\n", encoding="utf-8")
    with pytest.raises(SchemaError, match="别名"):
        read_user_aliases(p)
    p = tmp_path / "bad_kind.csv"
    p.write_text("别名,标准名称,类型\na,b,桥梁\nc,d,道路\ne,,道路\n", encoding="utf-8")
    with pytest.raises(SchemaError, match="2 row") as err:
        read_user_aliases(p)
    assert "桥梁" in str(err.value) and "row 4" in str(err.value)
    p = tmp_path / "binary.csv"
    p.write_bytes(b"\xff\xfe\x00\x81\x30")
    with pytest.raises(FileFormatError):
        read_user_aliases(p)


def test_certain_variant_beats_an_uncertain_one_of_another_road():
    t = build_name_table(["建设路", "建设大道"], None, None, None, None)
    rows = t[t["key"] == "建设路辅道"]
    assert rows[["target", "certain"]].values.tolist() == [["建设路", True]]
    m = NameMatcher(t)
    assert [(c.name, c.how, c.certain) for c in m.match("健设路辅道", "road")] == [
        ("建设路", "pinyin", True)
    ]


def test_heteronym_typed_for_its_other_reading():
    # 还 is hai or huan: a clerk typing beihuan may pick it for 环
    m = NameMatcher(build_name_table(["北环路", "东环大道"], None, None, None, None))
    assert best(m, "北还路") == ("北环路", "pinyin")
    assert best(m, "东还大道") == ("东环大道", "pinyin")


# --- L5: a POI named whole; POIs known without the area's name (docs/geocode.md) ------------

L5_ADMIN = pd.DataFrame(
    {
        "alias": ["河湾市", "河湾", "和平街道", "和平", "桃源镇", "桃源"],
        "code": ["469900", "469900", "469902001", "469902001", "469902002", "469902002"],
        "certain": [True] * 6,
        "how": ["name", "short", "name", "short", "name", "short"],
        "level": [2, 2, 4, 4, 4, 4],
    }
)
L5_POIS = pd.DataFrame(
    {
        "poi_id": ["q1", "q2", "q3", "q4", "q5"],
        "name": ["和平小区", "桃源山庄", "河湾市第一人民医院", "河湾人民医院", "河湾中央商务区"],
    }
)


def test_l5_whole_poi_name_is_a_poi_not_its_admin_token():
    m = NameMatcher(build_name_table(["和平路"], None, L5_ADMIN, L5_POIS, None))
    assert best(m, "和平小区", "poi") == ("和平小区", "exact")
    assert best(m, "桃源山庄", "poi") == ("桃源山庄", "exact")
    assert all(c.score < 0.8 for c in m.match("和平小区", "admin"))
    assert all(c.score < 0.8 for c in m.match("河湾中央商务区", "admin"))
    assert m.match("小区", "poi") == [] and m.match("山庄", "poi") == []  # no bare suffix


def test_pois_are_known_without_the_city_name():
    # fix: only the Changde prefixes of POI_PREFIXES were dropped; another city's POIs
    # (河湾市第一人民医院) were found only with the city's name written
    m = NameMatcher(build_name_table([], None, L5_ADMIN, L5_POIS, None))
    c = m.match("第一人民医院", "poi")[0]
    assert (c.name, c.target, c.how) == ("河湾市第一人民医院", "q3", "alias")
    assert m.match("人民医院", "poi")[0].target == "q4"
    assert m.match("中央商务区", "poi")[0].target == "q5"


def test_one_matcher_per_area_shared_by_its_resolvers(demo_area):
    from trafficprev.geocode import Resolver, area_matcher

    matcher = area_matcher(demo_area)
    assert isinstance(matcher, NameMatcher)
    assert area_matcher(demo_area) is matcher
    assert Resolver(demo_area).matcher is matcher
