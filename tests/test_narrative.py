"""Tests for :mod:`trafficprev.narrative`."""

from __future__ import annotations

import dataclasses
import logging
import random
import re
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trafficprev import _narrative_rules as rules
from trafficprev.narrative import (
    FIELD_NAMES,
    NarrativeFields,
    extract_fields,
    extract_narrative,
    find_heading,
    heading_of,
    is_commuting_basis,
    normalize_conclusion,
    normalize_responsibility,
)
from trafficprev.schema import CONCLUSIONS, COUNTERPARTS, DIRECTIONS, MODES, RESPONSIBILITIES

DATA = Path(__file__).parent / "data" / "narratives_labelled.csv"

#: Holdout floors, set a little below the accuracy measured when the holdout split was
#: first scored with the frozen rules (place_phrase 0.986, every other field 1.000, n=70).
HOLDOUT_FLOORS = {
    "direction": 0.95,
    "mode": 0.95,
    "counterpart": 0.95,
    "responsibility": 0.95,
    "conclusion": 0.95,
    "place_phrase": 0.93,
    "traffic": 0.95,
    "commute": 0.95,
    "heading": 0.95,
}

BASE = (
    "2023年3月15日7时40分许，张某某驾驶电动自行车上班途中，行驶至常德大道与桃花源路交叉路口时，"
    "与李某驾驶的湘J·X0000测小型轿车发生碰撞，致张某某受伤。"
)


def _in_vocab(f: NarrativeFields) -> bool:
    return (
        f.direction in DIRECTIONS
        and f.mode in MODES
        and f.counterpart in COUNTERPARTS
        and f.responsibility in RESPONSIBILITIES
        and f.conclusion in CONCLUSIONS
        and (f.place_phrase is None or isinstance(f.place_phrase, str))
        and isinstance(f.traffic, bool)
        and isinstance(f.commute, bool)
        and f.heading in ("", "东", "南", "西", "北", "东北", "东南", "西北", "西南")
    )


# --- extract_narrative: whole narratives ---------------------------------------------


def test_typical_recognised_case() -> None:
    """A typical recognised commuting case fills every field."""
    text = BASE + "经交警认定，张某某负事故次要责任，李某负事故主要责任。现予以认定为工伤。"
    f = extract_narrative(text, worker_name="张某某")
    assert f == NarrativeFields(
        direction="上班",
        mode="电动自行车",
        counterpart="小型汽车",
        responsibility="次要",
        conclusion="认定工伤",
        place_phrase="常德大道与桃花源路交叉路口",
        traffic=True,
        commute=True,
    )


@pytest.mark.parametrize(
    ("sentence", "worker", "expected"),
    [
        ("张某某负事故次要责任，李某负事故主要责任。", "张某某", "次要"),
        ("李某负事故主要责任，张某某负事故次要责任。", "张某某", "次要"),
        ("张某某负事故次要责任，李某负事故主要责任。", "李某", "主要"),
        ("李某负事故主要责任，张某某负事故次要责任。", None, "次要"),
        ("对方负事故主要责任，该职工负事故次要责任。", None, "次要"),
        ("该职工负事故次要责任，对方负事故主要责任。", None, "次要"),
        ("其负事故同等责任，对方负事故同等责任。", None, "同等"),
        ("驾驶小型轿车的李某负事故主要责任，本人负次要责任。", None, "次要"),
        ("肇事司机负事故全部责任。", None, "无"),
        ("李某负事故全部责任。", "张某某", "无"),
        ("双方负事故同等责任。", None, "同等"),
        ("张某某闯红灯负事故主要责任。", None, "主要"),
        ("张某某未戴安全头盔，负事故次要责任。", None, "次要"),
        ("张某某负主责。", None, "主要"),
        ("张某某不负事故责任。", None, "无"),
        ("该事故属交通意外事故，各方均无责任。", None, "意外"),
        ("交警部门无法认定事故责任。", None, "未认定"),
        ("", None, "未认定"),
    ],
)
def test_responsibility_belongs_to_the_worker(
    sentence: str, worker: str | None, expected: str
) -> None:
    """The worker's grade is picked whatever the order and subject words."""
    f = extract_narrative(BASE + "经交警认定，" + sentence, worker_name=worker)
    assert f.responsibility == expected


def test_worker_name_with_similar_counterpart_name() -> None:
    """A counterpart named 廖某乙 is not taken for the worker 廖某."""
    text = (
        "廖某骑电动自行车下班回家，被一辆小型轿车碰撞。经交警认定，小型轿车驾驶人廖某乙负全部责任。"
    )
    assert extract_narrative(text, worker_name="廖某").responsibility == "无"


def test_passenger() -> None:
    """A passenger has mode 乘车, the other vehicle as counterpart and no responsibility."""
    text = (
        "吴某乘坐同事郑某驾驶的小型普通客车上班途中，该车行驶至G319线汉寿县太子庙镇路段时与一辆"
        "重型半挂牵引车相撞。经交警认定，郑某负事故次要责任，半挂牵引车驾驶员负事故主要责任，"
        "吴某作为乘车人不负事故责任。予以认定为工伤。"
    )
    f = extract_narrative(text, worker_name="吴某")
    assert (f.mode, f.counterpart, f.responsibility) == ("乘车", "半挂牵引车", "无")


def test_bus_passenger_without_own_responsibility_sentence() -> None:
    """A bus passenger has no responsibility when only the other driver is graded."""
    text = (
        "舒某乘坐公交车上班途中，公交车在月亮大道与朝阳路交叉口与一辆小型轿车相撞。"
        "经交警认定，小型轿车驾驶人负事故全部责任。"
    )
    f = extract_narrative(text)
    assert (f.mode, f.counterpart, f.responsibility) == ("公交", "小型汽车", "无")


def test_hit_and_run() -> None:
    """An unidentified hit-and-run vehicle gives 逃逸未查获."""
    text = "陈某骑自行车去单位上班，被一辆肇事后逃逸的车辆撞倒，肇事车辆尚未查获。认定为工伤。"
    f = extract_narrative(text)
    assert (f.mode, f.counterpart, f.responsibility, f.traffic) == (
        "自行车",
        "逃逸未查获",
        "未认定",
        True,
    )


def test_hit_and_run_caught_keeps_vehicle() -> None:
    """A hit-and-run driver caught later keeps the vehicle class."""
    text = "严某驾驶电动自行车上班途中被一辆货车撞倒，货车驾驶员肇事后逃逸，后被公安机关抓获。"
    assert extract_narrative(text).counterpart == "货车"


@pytest.mark.parametrize(
    ("text", "counterpart"),
    [
        ("周某下夜班后骑电动自行车回家，一条流浪狗突然窜出，周某与狗相撞摔倒。", "动物"),
        ("何某下班后驾驶电动自行车回家，因路面积水未看清坑洼，连人带车摔倒。", "单方"),
        ("彭某下班骑电动自行车回家，与步行横过道路的行人肖某相撞。", "行人"),
        ("韩某下班回家途中骑电动自行车与杨某驾驶的农用三轮车相撞。", "三轮车"),
        ("雷某上班途中驾驶电动自行车被一辆混凝土搅拌车碰撞。", "货车"),
        ("于某上班途中驾驶二轮摩托车与一辆重型自卸货车相撞。", "渣土车"),
        ("贾某上班途中驾驶电动自行车被一辆大型普通客车碰撞。", "公交客车"),
    ],
)
def test_counterparts(text: str, counterpart: str) -> None:
    """Counterpart vocabulary mapping."""
    assert extract_narrative(text).counterpart == counterpart


def test_counterpart_named_first_with_worker_name() -> None:
    """The worker name resolves narratives that start with the counterpart."""
    text = (
        "覃某驾驶重型厢式货车跨越道路中心双实线左转弯，与韦某驾驶的二轮摩托车相撞。"
        "韦某系下班回家途中。经交警认定，覃某负事故全部责任，韦某无责任。"
    )
    f = extract_narrative(text, worker_name="韦某")
    assert (f.mode, f.counterpart, f.responsibility) == ("摩托车", "货车", "无")


@pytest.mark.parametrize(
    ("text", "direction", "commute"),
    [
        ("张某下班后骑电动车回家，途中与一辆轿车相撞。", "下班", True),
        ("张某下夜班后骑电动自行车返回宿舍途中摔倒。", "下班", True),
        ("张某驾驶电动自行车前往公司上班途中与一辆货车相撞。", "上班", True),
        ("张某送小孩上学后前往单位上班途中与一辆货车相撞。", "上班", True),
        ("张某受单位指派驾驶小型轿车外出办事，途中与一辆货车相撞。", "其他", False),
        ("张某出差返回途中乘坐的长途客车发生交通事故。", "其他", False),
        ("张某在上班期间于车间搬运货物时摔倒。", "未知", False),
        ("张某在上下班途中骑电动自行车与一辆轿车相撞。", "未知", True),
        ("张某于2023年3月8日受伤。", "未知", False),
    ],
)
def test_direction_and_commute(text: str, direction: str, commute: bool) -> None:
    """Direction and commute flags."""
    f = extract_narrative(text)
    assert (f.direction, f.commute) == (direction, commute)


def test_non_traffic_workplace_case() -> None:
    """A fall in a workshop is not a traffic or commuting case."""
    text = (
        "杨某某在公司车间搬运货物时不慎摔倒，致右手腕受伤。符合《工伤保险条例》第十四条第（一）项"
        "之规定，予以认定为工伤。"
    )
    f = extract_narrative(text)
    assert (f.traffic, f.commute, f.counterpart, f.conclusion) == (False, False, "未知", "认定工伤")
    assert f.place_phrase == "公司车间"


def test_walking_fall_is_not_a_traffic_accident() -> None:
    """A pedestrian slipping with no vehicle is not a traffic accident."""
    text = (
        "方某下班后步行回家途中，在小区门口因地面湿滑摔倒受伤。不属于交通事故伤害，不予认定为工伤。"
    )
    f = extract_narrative(text)
    assert (f.traffic, f.mode, f.conclusion) == (False, "步行", "不予认定")


@pytest.mark.parametrize(
    ("sentence", "conclusion"),
    [
        ("现予以认定为工伤。", "认定工伤"),
        ("属于工伤认定范围，予以认定。", "认定工伤"),
        ("符合第十五条第（一）项之规定，视同工伤。", "视同工伤"),
        (
            "不符合第十四条、第十五条认定工伤或者视同工伤的情形，现决定不予认定（或视同）为工伤。",
            "不予认定",
        ),
        ("决定不予认定为工伤。", "不予认定"),
        ("曾被不予认定为工伤，后经行政复议撤销，现予以认定为工伤。", "认定工伤"),
        ("经交警认定，张某某负事故次要责任。", "未知"),
    ],
)
def test_conclusion(sentence: str, conclusion: str) -> None:
    """Conclusion sentences, including refusals that mention 视同 and later reversals."""
    assert extract_narrative(BASE + sentence).conclusion == conclusion


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("行驶至常德大道与桃花源路交叉路口时，与一辆轿车相撞。", "常德大道与桃花源路交叉路口"),
        ("在人民路往建设路方向约200米处被一辆货车追尾。", "人民路往建设路方向约200米处"),
        ("在人民路往建设路方向约２００米处被一辆货车追尾。", "人民路往建设路方向约200米处"),
        ("沿S306线由东往西行驶至K12+300处时与一辆货车相撞。", "K12+300处"),
        ("在朝阳路与常德大道交叉口与一辆小型轿车相撞。", "朝阳路与常德大道交叉口"),
        (
            "途经金霞大道与善卷路交叉路口东侧地段时与一辆电动车相撞。",
            "金霞大道与善卷路交叉路口东侧地段",
        ),
        (
            "在月亮大道与紫菱路交叉路口人行横道上被一辆轿车撞伤。",
            "月亮大道与紫菱路交叉路口人行横道",
        ),
        (
            "被一辆轿车撞倒，事故发生在德山经开区莲池路与青山路交叉口。",
            "德山经开区莲池路与青山路交叉口",
        ),
        ("在下班回家途中与一辆小型轿车相撞。", None),
    ],
)
def test_place_phrase(text: str, place: str | None) -> None:
    """Place phrases keep junctions, offsets and qualifiers."""
    assert extract_narrative("张某下班后骑电动车回家，" + text).place_phrase == place


@pytest.mark.parametrize(
    ("text", "place"),
    [
        # a junction with one named road, after 沿A: the travelled road stays with it
        (
            "沿测试大道由西向东行驶至样例路口时与一辆轿车相撞。",
            "沿测试大道由西向东行驶至样例路口",
        ),
        ("沿测试大道行驶至样例路路口时与一辆轿车相撞。", "沿测试大道行驶至样例路路口"),
        (
            "沿测试大道由西向东行驶至样例路口北约200米处时与一辆轿车相撞。",
            "沿测试大道由西向东行驶至样例路口北约200米处",
        ),
        (
            "沿测试大道由南往北行驶至样例中学对面时被一辆货车撞倒。",
            "沿测试大道由南往北行驶至样例中学对面",
        ),
        # the place names A already, or two roads, or is a stake: as before
        (
            "沿测试大道由东往西行驶至测试大道与样例路交叉路口时与一辆轿车相撞。",
            "测试大道与样例路交叉路口",
        ),
        ("沿测试大道行驶至样例路与示例街交叉口时被撞。", "样例路与示例街交叉口"),
        ("沿S306线由东往西行驶至K12+300处时与一辆货车相撞。", "K12+300处"),
        # 沿A in another clause: not joined
        ("沿测试大道行驶,在样例路口与一辆轿车相撞。", "样例路口"),
        # a landmark phrase ending in 对面
        ("行驶至测试工业园对面时与一辆轿车相撞。", "测试工业园对面"),
        ("行驶至样例茶场对面时被一辆货车撞倒。", "样例茶场对面"),
        ("行驶至对面时与一辆轿车相撞。", None),
        # 和 inside a road name is not "A和B"
        (
            "沿测试大道由南向北行驶至和样路路口北约40米处时与一辆轿车相撞。",
            "沿测试大道由南向北行驶至和样路路口北约40米处",
        ),
        # landmark phrases: a stop, a fuel station, a gate, by a hospital; 相交处
        ("行驶至样例路口公交站时与一辆轿车相撞。", "样例路口公交站"),
        ("行驶至测试大道加油站时与一辆轿车相撞。", "测试大道加油站"),
        ("行驶至测试市第一中学大门时与一辆轿车相撞。", "测试市第一中学大门"),
        ("行驶至测试中央商务区旁时与一辆轿车相撞。", "测试中央商务区旁"),
        ("行驶至测试市人民医院附近时与一辆轿车相撞。", "测试市人民医院附近"),
        ("行驶至测试大道与样例路相交处时与一辆轿车相撞。", "测试大道与样例路相交处"),
        ("与一辆轿车相撞，后在测试市人民医院治疗。", None),
    ],
)
def test_place_phrase_keeps_the_travelled_road(text: str, place: str | None) -> None:
    """沿A…行驶至B路口 keeps A; 行驶至X对面时 gives the landmark phrase."""
    assert extract_narrative("张某下班后骑电动车回家，" + text).place_phrase == place


def test_place_with_the_travelled_road_parses_into_along() -> None:
    """The place text kept from 沿 on gives the parser A as the travelled road and B."""
    from trafficprev.geocode import parse_place

    place = extract_narrative(
        "张某下班后骑电动车回家，沿测试大道由西向东行驶至样例路口时与一辆轿车相撞。"
    ).place_phrase
    slots = parse_place(place)
    assert (slots.along, slots.road, slots.cross_road, slots.ref_kind) == (
        "测试大道",
        "测试大道",
        "样例路",
        "intersection",
    )
    place = extract_narrative(
        "张某下班后骑电动车回家，沿测试大道由西向东行驶至样例路口北约200米处时与一辆轿车相撞。"
    ).place_phrase
    slots = parse_place(place)
    assert (slots.along, slots.cross_road, slots.bearing, slots.distance_m) == (
        "测试大道",
        "样例路",
        "北",
        200.0,
    )


def test_html_and_full_width_are_normalised() -> None:
    """HTML tags are dropped and full-width digits normalised."""
    text = (
        "<p>２０２４年３月１８日，章某骑电动自行车上班，在朝阳路往东约５０米处与一辆轿车相撞。</p>"
    )
    f = extract_narrative(text)
    assert f.place_phrase == "朝阳路往东约50米处"
    assert f.direction == "上班"


GARBAGE = [
    None,
    "",
    "   ",
    "\x00\x01\x02\x7f",
    "<html><body><script>alert(1)</script></body></html>",
    "&nbsp;&amp;&#12345;",
    "负" * 50_000,
    "与" * 20_000 + "在" * 20_000,
    "责任" * 20_000,
    "a" * 10_000_000,
    "\ud800",
    "某某某某某某",
    "(((((((((((((",
]


@pytest.mark.parametrize("text", GARBAGE, ids=range(len(GARBAGE)))
def test_garbage_never_raises(text: str | None) -> None:
    """Garbage gives in-vocabulary values without raising."""
    f = extract_narrative(text)
    assert _in_vocab(f)


@pytest.mark.parametrize("text", [None, "", "   ", "\x00", 12, b"bytes", float("nan")])
def test_empty_inputs_give_defaults(text: object) -> None:
    """Empty and non-string inputs give the defaults."""
    assert extract_narrative(text) == NarrativeFields()  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.one_of(
            st.characters(),
            st.sampled_from(
                list("张某李负主次同全无责任与被在行驶至时，。（）驾驶电动车相撞上下班")
            ),
        ),
        max_size=300,
    ),
    st.one_of(st.none(), st.text(max_size=5)),
)
def test_any_text_never_raises(text: str, name: str | None) -> None:
    """Random text never raises."""
    assert _in_vocab(extract_narrative(text, worker_name=name))


# --- extract_fields -------------------------------------------------------------------


def test_extract_fields_keeps_index_and_columns() -> None:
    """The frame keeps the index and has the documented columns and dtypes."""
    texts = pd.Series([BASE, None, float("nan"), BASE], index=["a", "b", "c", "d"])
    names = pd.Series(["张某某", None, None, "李某"], index=["a", "b", "c", "d"])
    out = extract_fields(texts, names)
    assert list(out.columns) == list(FIELD_NAMES)
    assert list(out.index) == ["a", "b", "c", "d"]
    assert out.loc["a", "mode"] == "电动自行车"
    assert out.loc["b", "direction"] == "未知"
    assert out.loc["c", "place_phrase"] is None
    assert out["traffic"].dtype == bool
    assert out.loc["a", "traffic"]


def test_extract_fields_positional_names_and_cache() -> None:
    """Names align by position when the index differs; repeated texts work."""
    texts = pd.Series([BASE] * 50, index=range(100, 150))
    out = extract_fields(texts, pd.Series(["张某某"] * 50))
    assert (out["direction"] == "上班").all()
    assert extract_fields(pd.Series([], dtype=object)).shape == (0, len(FIELD_NAMES))


def test_extract_fields_aligns_names_by_label() -> None:
    """Names with the same labels in another order are matched by label."""
    texts = pd.Series(["张某某负事故次要责任，李某负事故主要责任。"] * 2, index=[1, 2])
    out = extract_fields(texts, pd.Series(["李某", "张某某"], index=[2, 1]))
    assert list(out["responsibility"]) == ["次要", "主要"]


def test_extract_fields_rejects_misaligned_names() -> None:
    """Names of another length are refused."""
    with pytest.raises(ValueError, match="worker_names"):
        extract_fields(pd.Series([BASE, BASE]), pd.Series(["张某某"]))


def _varied_texts(seed: int = 20240611) -> tuple[list[object], list[object]]:
    """Labelled and intake-like narratives, mutated, with and without worker names."""
    rng = random.Random(seed)
    labelled = _load()
    base: list[tuple[str, str | None]] = [
        (t, n or None) for t, n in zip(labelled["text"], labelled["worker_name"], strict=True)
    ]
    roads = ["常德大道", "桃花源路", "朝阳路", "月亮大道", "洞庭大道", "人民路"]
    for i in range(300):
        name = f"测试{i:07d}"
        r1, r2 = rng.sample(roads, 2)
        # drawn in this order: mode, commute, counterpart, responsibility
        mode = rng.choice(["驾驶电动自行车", "骑电动车", "驾驶二轮摩托车", "步行", "骑自行车"])
        commute = rng.choice(["上班途中", "下班回家途中", "下班途中"])
        other = rng.choice(["小型轿车", "重型自卸货车", "半挂牵引车", "电动自行车"])
        share = rng.choice(["无", "次要", "同等"])
        base.append(
            (
                f"2024年{1 + i % 12}月{1 + i % 28}日{5 + i % 17}时许，{name}{mode}{commute}，"
                f"行驶至{r1}与{r2}交叉路口往{r1}方向约{10 + i}米处时，与示例人员驾驶的{other}"
                f"发生碰撞，致其受伤。经交警大队认定，{name}负事故{share}责任。",
                name,
            )
        )
    noise = [
        *"张某李负主次同全无责任与被在行驶至时，。；（）驾驶电动车相撞上下班０１２*",
        "<p>",
        "</b>",
        "&nbsp;",
        "&#12345;",
        "\x00",
        "\u200b",
        "\ufeff",
        " ",
        "\u3000",
        "\n",
        "予以认定为工伤",
        "不予认定",
        "视同工伤",
        "交通意外",
        "逃逸",
        "乘坐",
        "流浪狗",
        "沿",
    ]
    full_width = str.maketrans("0123456789", "０１２３４５６７８９")
    texts: list[object] = []
    names: list[object] = []
    for k in range(1800):
        text, name = base[k % len(base)]
        kind = k % 9
        if kind == 1:
            text = text[: rng.randrange(len(text) + 1)]
        elif kind == 2:
            chars = list(text)
            for _ in range(min(len(chars), rng.randrange(1, 6))):
                del chars[rng.randrange(len(chars))]
            text = "".join(chars)
        elif kind == 3:
            for _ in range(rng.randrange(1, 6)):
                at = rng.randrange(len(text) + 1)
                text = text[:at] + rng.choice(noise) + text[at:]
        elif kind == 4:
            text = text.translate(full_width)
        elif kind == 5:
            other = base[rng.randrange(len(base))][0]
            text = text[: rng.randrange(len(text) + 1)] + other[rng.randrange(len(other) + 1) :]
        texts.append(text)
        names.append(name if k % 2 else rng.choice([None, "张某某", " 李某 ", "", float("nan")]))
    for text in (
        None,
        float("nan"),
        "",
        "   ",
        "\x00",
        "&nbsp;",
        12,
        "某" * 10_000,
        (base[0][0] * 80)[:10_000],
        "与" * 5_000 + "在" * 5_000,
    ):
        texts += [text, text]
        names += [None, "张某某"]
    texts += texts[:50]  # repeated (text, name) pairs
    names += names[:50]
    return texts, names


def test_extract_fields_equals_extract_narrative_row_by_row() -> None:
    """The column path gives, row by row, exactly what the one-text path gives."""
    texts, names = _varied_texts()
    index = [f"r{i}" for i in range(len(texts))]
    text_col = pd.Series(texts, index=index, dtype=object)
    order = list(range(len(names)))
    random.Random(5).shuffle(order)
    name_col = pd.Series([names[i] for i in order], index=[index[i] for i in order], dtype=object)
    out = extract_fields(text_col, name_col)  # names are matched by label
    assert list(out.index) == index
    assert list(out.columns) == list(FIELD_NAMES)
    assert out["traffic"].dtype == bool
    assert out["commute"].dtype == bool
    expected = [
        dataclasses.astuple(
            extract_narrative(t, worker_name=n if isinstance(n, str) else None)  # type: ignore[arg-type]
        )
        for t, n in zip(texts, names, strict=True)
    ]
    assert list(out.itertuples(index=False, name=None)) == expected
    assert {type(v) for v in out["place_phrase"]} <= {str, type(None)}


# --- fast pattern twins -----------------------------------------------------------------

TWIN_ALPHABET = list(
    "张某李王欧阳测试员*甲乙负主次同全无责任不承担应为此本该这交通事故的意外各双方均与被和在"
    "行驶至到时,。;:!?()驾驶骑开着乘坐搭电动自行车小型轿车货重中轻微厢式普公巴上下班途岗位工作"
    "时间期地点常非合理视予以认属于工伤或情形申请路口处米段桥村0123456789KM沿横穿经过发生\n"
)


def _spans(matches: object) -> list[tuple[tuple[int, int], str]]:
    return [(m.span(), m.group()) for m in matches]  # type: ignore[attr-defined]


def _plain_clause_start(text: str, pos: int) -> int:
    for i in range(pos - 1, max(-1, pos - 60), -1):
        if text[i] in ",。;!?:":
            return i + 1
    return max(0, pos - 60)


def _check_twins(text: str) -> None:
    r = rules
    assert _spans(r.names(text)) == _spans(r.NAME.finditer(text))
    for pattern, finder in (
        (r.RESP, r.RESP_START),
        (r.POS_CONC, r.POS_CONC_START),
        (r.POS_SIMILAR, r.POS_SIMILAR_START),
    ):
        assert _spans(r.scan(pattern, finder, text)) == _spans(pattern.finditer(text))
    plain = list(r.VEHICLE.finditer(text))
    assert _spans(r.VEHICLE_FLAT.finditer(text)) == _spans(plain)
    assert [r.vehicle_row(text, m) for m in r.VEHICLE_FLAT.finditer(text)] == [
        r.VEHICLES[int(str(m.lastgroup)[1:])][1:] for m in plain
    ]
    triggers = r.PLACE_TRIGGER_FLAT.finditer(text)
    flat = [(m.span(), r.PLACE_TRIGGER_KIND[m.group()]) for m in triggers]
    assert flat == [(m.span(), m.lastgroup) for m in r.PLACE_TRIGGER.finditer(text)]
    assert r.NOT_COMMUTE_NOISE_FLAT.sub("", text) == r.NOT_COMMUTE_NOISE.sub("", text)
    suffix = r.PLACE_SUFFIX.match(text)
    assert r.place_suffix_end(text) == (suffix.end() if suffix else -1)
    reject = r.PLACE_REJECT_HEAD.match(text) or r.PLACE_REJECT_ANY.search(text)
    assert bool(reject) == bool(r.PLACE_REJECT.search(text))
    drive, last_drive = r.LAST_DRIVE_VERB.match(text), r.last(r.DRIVE_VERB, text)
    assert (drive.span(1) if drive else None) == (last_drive.span() if last_drive else None)
    for pos in range(0, len(text) + 1, 7):
        stop, plain_stop = r.PLACE_STOP_FLAT.search(text, pos), r.PLACE_STOP.search(text, pos)
        assert (stop.span() if stop else None) == (plain_stop.span() if plain_stop else None)
        assert r.clause_start(text, pos) == _plain_clause_start(text, pos)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(TWIN_ALPHABET), max_size=150))
def test_fast_twins_find_what_the_plain_patterns_find(text: str) -> None:
    """Flattened patterns, finders and shortcuts give exactly the plain patterns' matches."""
    _check_twins(text)


def test_fast_twins_on_the_labelled_texts() -> None:
    """The same on every labelled narrative (cleaned, and raw with full-width marks)."""
    for text in _load()["text"]:
        _check_twins(rules.clean(text))
        _check_twins(text)


def _plain_clean(text: object) -> str:
    if not isinstance(text, str):
        return ""
    if len(text) > 32_000:
        text = text[:24_000] + "。" + text[-8_000:]
    s = re.sub(r"<[^>]{0,200}>", "", unicodedata.normalize("NFKC", text))
    s = rules.CONTROL.sub("", re.sub(r"&(?:[a-zA-Z]{2,8}|#\d{1,6});", "", s))
    return s[:6000] + "。" + s[-2000:] if len(s) > 8000 else s


@settings(max_examples=400, deadline=None)
@given(
    st.text(
        alphabet=st.one_of(
            st.characters(),
            st.sampled_from(list("，（）：；<>&;# \t\n\u3000\u200b\ufeffＡ１\u0301\u3099张某")),
        ),
        max_size=80,
    )
)
def test_clean_equals_plain_nfkc_cleaning(text: str) -> None:
    """The shortcuts in clean (half-width marks first, no needless substitution) change nothing."""
    assert rules.clean(text) == _plain_clean(text)


# --- cell normalisers -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("次要责任", "次要"),
        ("负次要责任", "次要"),
        ("无责", "无"),
        ("无责任", "无"),
        ("同等", "同等"),
        ("主责", "主要"),
        ("主要责任", "主要"),
        ("全责", "全部"),
        ("全部责任", "全部"),
        ("本人无责任", "无"),
        ("不负责任", "无"),
        ("交通意外", "意外"),
        ("各方均无责任", "意外"),
        ("无法认定", "未认定"),
        ("未认定", "未认定"),
        ("", "未认定"),
        ("  ", "未认定"),
        (None, "未认定"),
        (float("nan"), "未认定"),
        ("本人次要，对方主要", "次要"),
        ("对方全责", "无"),
        ("次 要 责 任", "次要"),
        ("？？", "未认定"),
    ],
)
def test_normalize_responsibility(cell: object, expected: str) -> None:
    """事故责任 cells map to the vocabulary."""
    assert normalize_responsibility(cell) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("认定工伤", "认定工伤"),
        ("予以认定", "认定工伤"),
        ("工伤", "认定工伤"),
        ("视同工伤", "视同工伤"),
        ("不予认定工伤", "不予认定"),
        ("不予认定", "不予认定"),
        ("不予认定（或视同）为工伤", "不予认定"),
        ("", "未知"),
        (None, "未知"),
        ("待定", "未知"),
    ],
)
def test_normalize_conclusion(cell: object, expected: str) -> None:
    """认定结论 cells map to the vocabulary."""
    assert normalize_conclusion(cell) == expected


@pytest.mark.parametrize(
    "cell",
    [
        "《工伤保险条例》第十四条第（六）项",
        "第十四条第(六)项",
        "第十四条第六项",
        "14条6项",
        "第14条第6项",
        "§14(6)",
        "§ 14 (6)",
        "十四条（六）",
        "第十四条第（六）项、第十五条",
        "第１４条第６项",
    ],
)
def test_commuting_basis_spellings(cell: str) -> None:
    """Every spelling of 第十四条第（六）项 is recognised."""
    assert is_commuting_basis(cell)


@pytest.mark.parametrize(
    "cell",
    [
        "第十四条第（一）项",
        "第十五条",
        "第十四条、第十五条",
        "第二十四条第六项",
        "14条16项",
        "第十五条第（一）项",
        "",
        None,
        6,
    ],
)
def test_other_bases_are_not_commuting(cell: object) -> None:
    """Other articles and items are not the commuting basis."""
    assert not is_commuting_basis(cell)


def test_logger_has_no_handlers() -> None:
    """The module logger is left for the application to configure."""
    assert logging.getLogger("trafficprev.narrative").handlers == []


# --- labelled set ---------------------------------------------------------------------


def _load() -> pd.DataFrame:
    return pd.read_csv(DATA, dtype=str, keep_default_na=False, encoding="utf-8")


def _accuracy(rows: pd.DataFrame) -> dict[str, float]:
    names = rows["worker_name"].where(rows["worker_name"] != "", None)
    got = extract_fields(rows["text"], names)

    def norm(value: object) -> str:
        if isinstance(value, bool):
            return str(value)
        return unicodedata.normalize("NFKC", value) if isinstance(value, str) else ""

    return {
        field: sum(norm(g) == norm(e) for g, e in zip(got[field], rows[field], strict=True))
        / len(rows)
        for field in FIELD_NAMES
    }


def test_labelled_set_is_well_formed() -> None:
    """The labelled CSV has enough rows per split and only vocabulary labels."""
    rows = _load()
    assert rows["id"].is_unique
    assert (rows["split"] == "dev").sum() >= 160
    assert (rows["split"] == "holdout").sum() >= 60
    assert rows["direction"].isin(DIRECTIONS).all()
    assert rows["mode"].isin(MODES).all()
    assert rows["counterpart"].isin(COUNTERPARTS).all()
    assert rows["responsibility"].isin(RESPONSIBILITIES).all()
    assert rows["conclusion"].isin(CONCLUSIONS).all()
    assert rows["traffic"].isin(["True", "False"]).all()
    assert rows["commute"].isin(["True", "False"]).all()


def test_holdout_accuracy_floors() -> None:
    """Per-field accuracy on the holdout split stays above the floors."""
    scores = _accuracy(_load().query("split == 'holdout'"))
    below = {f: s for f, s in scores.items() if s < HOLDOUT_FLOORS[f]}
    assert not below, f"holdout accuracy below floor: {below}"


def test_labelled_set_never_raises_and_stays_in_vocab() -> None:
    """Every labelled narrative extracts into the vocabulary."""
    rows = _load()
    for text, name in zip(rows["text"], rows["worker_name"], strict=True):
        assert _in_vocab(extract_narrative(text, worker_name=name or None))


# --- heading: the worker's own travel direction -----------------------------------------

#: Forms surveyed from police accident descriptions and news reports (our own sentences):
#: a heading written from one side to the other, with an arrow, toward a side while moving,
#: or in the short road form; and text that only looks like one.
HEADING_FORMS = [
    ("沿洞庭大道由西往东行驶至皂果路口时与一辆轿车相撞", "东"),
    ("驾驶电动自行车自东向西方向行驶至人民路口", "西"),
    ("骑电动车从南至北经过建设路口时摔倒", "北"),
    ("沿S306线由东北往西南方向行驶至K12+300处", "西南"),
    ("沿桃花源路东往西方向行驶至朗州路口", "西"),
    ("行驶方向：北→南，在路口与轿车相撞", "南"),
    ("骑电动自行车向北行驶至紫菱路口", "北"),
    ("往东方向骑行时被后方车辆追尾", "东"),
    ("李某骑电动车沿建设路北行至紫菱路口时摔倒", "北"),
    ("步行由南向北横穿洞庭大道时被撞", "北"),
    # not the worker's heading, or not a heading at all
    ("在人民路往东约50米处与货车相撞", ""),
    ("行驶至路口时，与由北向南行驶的小型轿车相撞", ""),
    ("被一辆由东往西行驶的货车撞倒", ""),
    ("在学校北门口被撞", ""),
    ("与对方车辆在路口相撞，对方由西向东", ""),
    ("在朝阳路与人民路交叉口东北侧约30米处", ""),
]


@pytest.mark.parametrize(("text", "heading"), HEADING_FORMS)
def test_heading_forms(text: str, heading: str) -> None:
    """The worker's heading is read in every surveyed form; offsets, sides of a place and the
    other party's heading are not taken for it."""
    assert find_heading(text) == heading
    assert extract_narrative("张某下班途中，" + text + "。").heading == heading


def test_the_first_heading_of_the_worker_wins() -> None:
    """A heading of the worker before the other party's is the one kept."""
    text = "张某沿建设路由南向北行驶至路口时，与由东向西行驶的轿车相撞。"
    assert find_heading(text) == "北"


@given(st.text(max_size=80))
def test_heading_of_any_text_is_a_compass_word_or_empty(text: str) -> None:
    """Any text gives a compass word or nothing, and never raises."""
    assert heading_of(text) in ("", "东", "南", "西", "北", "东北", "东南", "西北", "西南")
