"""Split a Chinese accident-place phrase into the location slots of GA/T 1980-2022.

A clerk writes the place of a commuting accident as free text: "在建设路与人民路交叉口往北约
200米处", "G319线K12+300处", "灌溪镇岗市村五组路口", "市第一人民医院门口路段". GA/T 1980-2022
《道路交通事故与违法地点表述规范》 describes a place by five elements — the road (4.2), a
reference point (4.3: intersection, landmark or stake), a direction (4.4), a distance (4.5) and
a road side (4.6) — and :func:`parse_place` fills those slots (``docs/domain.md`` §1.4, §1.5,
§4.3), plus the admin scope written in front, so the matcher can look each part up in the
gazetteer of the area.

The parser is a left-to-right scanner over the normalised phrase. At each position it tries,
in this order, one compiled alternation of the *closed* vocabulary (admin names, stakes, road
codes, distances, junction words, directions, lane words, gates, fillers, punctuation), then
an admin unit by its suffix (only before any road or landmark), then a road name (a run of
characters ending in a road suffix), then a landmark name (ending in a POI suffix), and
otherwise keeps the character as unparsed text. An unparsed run just before 附近/门口/对面/旁
and the like becomes the landmark. Every slot remembers its span in the normalised text.

Slot decisions worth knowing (also in :class:`PlaceSlots`):

* Strings are taken from the normalised text as written: typos survive (健设路), road codes
  keep their form (``G319``, ``319国道``, ``国道G399``; a trailing 线 is dropped), and an
  admin prefix is *not* part of the landmark (``示范市第一人民医院`` gives admin
  ``("示范市",)`` and landmark ``第一人民医院``): a matcher should also try
  ``admin[-1] + landmark``.
* ``辅道`` written after a named road is a section (``常德大道辅道`` → road ``常德大道``,
  section ``辅道``); a road whose own name ends in 辅道 (``滨江辅道``) keeps it.
* A second road is kept as ``cross_road`` only for an intersection (a junction word, or two
  roads joined by 与/和/、); a code written after a named road as an alias (``二广高速/G55``,
  ``长安路(G319)``) is dropped.
* ``几十米``, ``十几米``, ``数百米`` give ``distance_m=None`` with ``approximate=True``.
* ``X侧`` after a plain road (no junction, landmark or stake) is the road side
  (``建设路东侧`` → side ``东``); after a junction or landmark it is the bearing.
* The reference kind prefers ``stake`` over ``intersection`` over ``landmark`` over ``road``.
* ``along`` is the road after 沿/沿着; "X旁Y路上", "X门口Y路" and "Y路X门口" give landmark X and
  road Y; a bridge or tunnel by name (测试大桥, 测试隧道), a stop (人民医院公交站, 桂香路口公交站),
  a station or a fuel station is a landmark by its whole name; the side of a gate (北门) is
  not a bearing.
* A landmark name found whole wins over an admin name inside it (和平小区 where 和平 is an
  alias of 和平街道; 河湾人民医院 where 河湾 is the city's alias); a full admin name in front
  stays the scope (河湾市第一人民医院 → admin 河湾市, landmark 第一人民医院).
* The trip and the collision around the place are skipped ("上班途中骑电动车行驶至…",
  "…时与一辆小型轿车相撞"). ``docs/geocode.md`` lists the conventions with their tests.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

import pandas as pd

from trafficprev._vector import map_unique

from .._names import LANDMARK as _LANDMARK
from ..coords import COMPASS
from ._parse_rules import (
    _APPROX_WORDS,
    _BAD_FIRST,
    _CODE_AT,
    _FILLER_END,
    _GENERIC_ADMIN,
    _GENERIC_CORE,
    _GENERIC_LANDMARK,
    _GENERIC_NAME,
    _GENERIC_ROAD,
    _LANDMARK_BEFORE_ROAD,
    _LANDMARK_BEFORE_ROAD_BARE,
    _LANDMARK_NEAR,
    _MID_ADMIN,
    _MOVE_WORDS,
    _NAME_AHEAD,
    _NOT_ADMIN_END,
    _NOT_ROAD_END,
    _PAREN_SECTION,
    _RANGE_END,
    _REJECT_IN_LANDMARK,
    _REJECT_IN_NAME,
    _REL_END,
    _ROAD,
    _ROAD_SUFFIX_TAIL,
    _STOP_AFTER_JUNCTION,
    _STREET1,
    _TOWARD_BARE,
    _admin_key,
    _closed_pattern,
    normalize_place,
)

#: Bearing words, which stay bearings before 方向 (东方向 is 东, not a place called 东).
_BEARING_WORDS = frozenset(COMPASS)
#: A road name with one of these endings, alone, is a bridge or tunnel: a landmark (L4).
_CROSSING_END = ("桥", "隧道")
#: Roads whose kilometre numbers are stakes even without a K ("环城高速往桃源方向896公里处").
_EXPRESSWAY_END = ("高速", "高速公路")
#: A junction word before 路口 (样例广场 + 丁字路口).
_JUNCTION_WORD_END = re.compile(r"(?:十字|丁字|三岔|三叉|五岔)$")
#: Road words an admin unit's name never holds ("青石高速青石县" is a road and a county).
_ROAD_IN_ADMIN = re.compile(r"高速|公路|大道|快速路|国道|省道|县道")
#: A short alias, then one to three characters and a near word: 青石湾附近 is one name.
_ALIAS_TAIL = re.compile(
    r"[^\W\d_]{1,3}?(?=附近|门口|门前|旁边|旁|对面|周边|一带|大门|北门|南门|东门|西门)"
)

__all__ = ["SLOT_NAMES", "PlaceSlots", "normalize_place", "parse_place", "parse_places"]


@dataclass(frozen=True)
class PlaceSlots:
    """The GA/T 1980-2022 location slots of one place phrase.

    Attributes
    ----------
    text
        The input phrase (``''`` for a missing value).
    norm
        The phrase NFKC-normalised, without whitespace, with Chinese numerals before a
        distance or stake unit written in digits (``约二百米`` → ``约200米``). Every span
        indexes into it.
    admin
        Admin units as written, in text order (outermost first when written so), e.g.
        ``("常德市", "武陵区")`` or ``("灌溪镇", "岗市村")``.
    road
        The main road as written (``''`` if none): ``建设路``, ``G319``, ``319国道``.
    cross_road
        The second road of an intersection (``''`` if none).
    ref_kind
        ``'stake'``, ``'intersection'``, ``'landmark'``, ``'road'`` or ``''``.
    landmark
        The landmark or POI name (``''`` if none), without the admin prefix.
    gate
        Whether the place is at a gate (门口, 大门口, 校门口, 南门, 出入口 ...).
    stake_km
        The kilometre stake: ``K12+300`` → 12.3, ``1587KM+170M`` → 1587.17.
    bearing
        Direction of the offset from the reference: 东 南 西 北 东北 东南 西南 西北 or ``''``.
    toward
        The place or road named in 往/向/朝 ... 方向 (``往德山方向`` → ``德山``), or the
        heading of 由西向东 (``东``).
    distance_m
        The offset in metres (``约1.5公里`` → 1500.0), or ``None``.
    along
        The road written after 沿/沿着 (``沿人民路由西向东行驶至建设路口`` → ``人民路``), the
        road travelled; ``''`` if none.
    approximate
        Whether 约, 许, 左右, 附近, 一带, 大约, 多, 余 ... qualify the place.
    side
        The road side (GA/T 4.6): 东 南 西 北 左 右, or ``''``.
    section
        What is written after the road about the part of it: 中段, 东段, 辅道, 非机动车道,
        人行横道, ``金霞大道至杨家港段`` ...
    village_group
        The 村民小组 as written (``五组``, ``3组``), or ``''``.
    vague
        True when no road, landmark, stake or admin unit was found.
    spans
        ``(start, end)`` in `norm` of each filled slot; admin parts are ``admin.0``,
        ``admin.1`` ...
    """

    text: str
    norm: str
    admin: tuple[str, ...] = ()
    road: str = ""
    cross_road: str = ""
    ref_kind: str = ""
    landmark: str = ""
    gate: bool = False
    stake_km: float | None = None
    bearing: str = ""
    toward: str = ""
    distance_m: float | None = None
    along: str = ""
    approximate: bool = False
    side: str = ""
    section: str = ""
    village_group: str = ""
    vague: bool = True
    spans: dict[str, tuple[int, int]] = field(default_factory=dict, hash=False)


#: The slot columns of :func:`parse_places`, in order.
SLOT_NAMES: tuple[str, ...] = (
    "text",
    "norm",
    "admin",
    "road",
    "cross_road",
    "ref_kind",
    "landmark",
    "gate",
    "stake_km",
    "bearing",
    "toward",
    "distance_m",
    "along",
    "approximate",
    "side",
    "section",
    "village_group",
    "vague",
    "spans",
)

# --- the scanner ------------------------------------------------------------------------


class _Scan:
    """Mutable scratch state of one scan (slots found so far, with spans)."""

    __slots__ = (
        "admin",
        "along",
        "along_next",
        "along_word",
        "approx",
        "bearing",
        "closed",
        "conn_roads",
        "dist",
        "frm",
        "gate",
        "group",
        "in_paren",
        "junction",
        "landmark",
        "prev",
        "prev_punct",
        "road",
        "road_end",
        "roads",
        "s",
        "section",
        "side",
        "stake",
        "started",
        "toward",
        "unk",
    )

    def __init__(self, s: str, closed: re.Pattern[str] | None = None) -> None:
        self.s = s
        self.closed = closed  # the closed vocabulary, to look ahead for a known admin name
        self.admin: list[tuple[str, tuple[int, int]]] = []
        self.along: tuple[str, tuple[int, int]] | None = None
        self.along_next = False  # 沿 was read: the next road is the road travelled
        self.along_word: tuple[str, tuple[int, int]] | None = None
        self.roads: list[tuple[str, tuple[int, int]]] = []
        self.road: tuple[str, tuple[int, int]] | None = None
        self.road_end = -1
        self.landmark: tuple[str, tuple[int, int]] | None = None
        self.stake: tuple[float, tuple[int, int]] | None = None
        self.dist: tuple[float | None, tuple[int, int]] | None = None
        self.bearing: tuple[str, tuple[int, int]] | None = None
        self.toward: tuple[str, tuple[int, int]] | None = None
        self.side: tuple[str, tuple[int, int]] | None = None
        self.section: tuple[str, tuple[int, int]] | None = None
        self.group: tuple[str, tuple[int, int]] | None = None
        self.gate: tuple[int, int] | None = None
        self.junction = False
        self.conn_roads = False
        self.frm = False
        self.approx = False
        self.started = False
        self.in_paren = False
        self.prev = ""
        self.prev_punct = ""
        self.unk: tuple[int, int] | None = None


def _road_ok(road: str, name: str, after: str) -> bool:
    """Whether a road candidate is a named road (not 村道, 一小路, 回家途中某路 ...)."""
    if road in _GENERIC_ROAD or name in _GENERIC_NAME or name[0] in _BAD_FIRST:
        return False
    tail = _ROAD_SUFFIX_TAIL.search(road)  # the longest suffix: 村公路 is 村 + 公路
    if tail is not None and road[: tail.start()] in _GENERIC_CORE:
        return False
    if after in ("段", "口") and road.endswith("路"):
        core = _JUNCTION_WORD_END.sub("", name) if after == "口" else name
        if _LANDMARK.fullmatch(core) and _landmark_ok(core):
            return False  # 富岸花园路段, 锦绣家园路口, 样例广场丁字路口: a landmark
    if _NOT_ROAD_END.search(road) or _REJECT_IN_NAME.search(name) or _FILLER_END.search(name):
        return False
    return not (
        road.endswith("道") and not road.endswith(("大道", "辅道", "隧道")) and len(name) < 2
    )


def _landmark_ok(name: str) -> bool:
    """Whether a landmark candidate names a place (not 小区, 公司, 某单位 ...)."""
    if len(name) < 2 or name in _GENERIC_LANDMARK or name[0] in _BAD_FIRST:
        return False
    if _REJECT_IN_LANDMARK.search(name):
        return False
    return not name.isdigit() and not name.isascii()


def _flush(st: _Scan, nxt: str, text: str) -> None:
    """Decide what an unparsed run is, now that the token after it is known."""
    if st.unk is None:
        return
    a, b = st.unk
    st.unk = None
    run = st.s[a:b]
    if nxt == "fill" and text == "段" and st.road is not None and st.section is None:
        st.section = (run + "段", (a, b + 1))
        return
    if nxt == "road" and st.landmark is None:  # 界岭茶场旁 + 界岭公路: landmark and road
        rel = _REL_END.search(run)
        if rel is not None and _landmark_ok(run[: rel.start()]):
            st.landmark = (run[: rel.start()], (a, a + rel.start()))
            if rel.group("g"):
                st.gate = (a + rel.start(), b)
            st.started = True
            return
    near = (
        (nxt == "fill" and text in _LANDMARK_NEAR)
        or nxt in ("gate", "lmunit")
        or (nxt in ("bear", "dist", "fuzzy") and st.frm)
        or (nxt == "bear" and st.road is None)
    )
    if near and st.landmark is None and _landmark_ok(run):
        st.landmark = (run, (a, b))
        st.started = True


def _admin_inside_landmark(s: str, a: int, b: int, *, alias: bool = False) -> bool:
    """Whether the admin name at ``s[a:b]`` begins a landmark name (L5, longest match).

    和平小区 (和平 an alias of 和平街道), 桃源山庄: what follows the admin name is only landmark
    suffixes, so the whole is the landmark; 武陵区人民医院 stays admin + landmark because the
    full name 武陵区 is written. A short alias is part of the name it begins (河湾人民医院,
    青石湾附近) unless an admin unit follows it (灌溪岗市村村部).
    """
    lm = _LANDMARK.match(s, a)
    if lm is not None and lm.end() > b:
        rest = s[b : lm.end()]
        if _LANDMARK.fullmatch(rest) is None or not _landmark_ok(rest):
            return True
        return alias and not _admin_at(s, b)
    if alias:
        return _ALIAS_TAIL.match(s, b) is not None and not _admin_at(s, b)
    return False


def _known_admin_at(st: _Scan, pos: int) -> bool:
    """Whether a name of the closed vocabulary's admin units starts at `pos`."""
    m = st.closed.match(st.s, pos) if st.closed is not None else None
    return m is not None and m.lastgroup in ("adm", "ali")


def _admin_at(s: str, pos: int) -> bool:
    """Whether an admin unit (by its suffix) starts at `pos` (岗市村, not 中央商务区)."""
    g = _GENERIC_ADMIN.match(s, pos)
    return g is not None and not _NOT_ADMIN_END.search(g.group())


def _add_road(st: _Scan, text: str, span: tuple[int, int]) -> None:
    alias = st.road is not None and (st.in_paren or (st.prev_punct in "/|" and st.prev == "punct"))
    if not alias:
        if st.road is None:
            st.road = (text, span)
            st.road_end = span[1]
        elif st.prev == "conn" and len(st.roads) == 1:
            st.conn_roads = True
        st.roads.append((text, span))
        if st.along_next:
            st.along_word, st.along_next = (text, span), False
    st.started = True


def _mid_admin(st: _Scan, m: re.Match[str]) -> bool:
    """Take 镇+村 (or a lone 村/镇 before 路段, 组 ...) met after a road as admin units."""
    parts = [(m.group(k), m.span(k)) for k in ("town", "vil", "town2") if m.group(k) is not None]
    if any(_NOT_ADMIN_END.search(p) or p[0] in _BAD_FIRST for p, _ in parts):
        return False
    if len(parts) == 1 and st.prev != "code":  # a lone unit only right after a road code
        return False
    _flush(st, "adm", "")
    st.admin.extend(parts)
    st.prev = "adm"
    return True


def _set_approx(st: _Scan, *words: str | None) -> None:
    if any(w in _APPROX_WORDS for w in words if w):
        st.approx = True


def _accept_admin(st: _Scan, kind: str, m: re.Match[str]) -> int | None:
    """An admin unit's name or alias (not one that begins a landmark's name)."""
    s, a, b = st.s, m.start(), m.end()
    if kind == "ali" and st.started:
        return -1
    if _admin_inside_landmark(s, a, b, alias=kind == "ali") and not _known_admin_at(st, b):
        return -1  # 和平小区, 桃源山庄; not 桃源架桥镇 or 石门秀坪园艺场 (a known unit follows)
    _flush(st, kind, "")
    st.admin.append((m.group(), (a, b)))


def _accept_stake(st: _Scan, kind: str, m: re.Match[str]) -> int | None:
    """A stake number (K12+300): the position along the road."""
    a, b = m.start(), m.end()
    if m.group("sk_km") is not None:
        km, metres = m.group("sk_km"), m.group("sk_m")
    else:
        km, metres = m.group("sk_km2"), m.group("sk_m2")
    _flush(st, kind, "")
    if st.stake is None:
        st.stake = (float(km) + (float(metres) / 1000 if metres else 0.0), (a, b))
    st.started = True


def _accept_code(st: _Scan, kind: str, m: re.Match[str]) -> int | None:
    """A road code (G319, S306 …), the road."""
    s, a, b = st.s, m.start(), m.end()
    _flush(st, kind, "")
    end = m.end("code_line") - 1 if m.group("code_line") else b
    _add_road(st, s[a:end], (a, end))


def _accept_dist(st: _Scan, kind: str, m: re.Match[str]) -> int | None:
    """A distance (300米, 2公里); a kilometre count right after a road code or on an
    expressway is a stake."""
    a, b = m.start(), m.end()
    num, unit = float(m.group("d_num")), m.group("d_unit")
    pre, post = m.group("d_pre"), m.group("d_post")
    if unit in ("公里", "千米", "km", "KM", "Km"):
        on_expressway = (
            st.road is not None
            and st.road[0].endswith(_EXPRESSWAY_END)
            and not (st.junction or st.landmark or st.frm)
            and st.prev in ("road", "toward", "punct", "fill")
        )
        if (st.prev == "code" or on_expressway) and not pre and not post and st.stake is None:
            _flush(st, kind, "")
            st.stake = (num, (a, b))
            st.started = True
            st.prev = "stake"
            return b
        num *= 1000
    _flush(st, kind, "")
    if st.dist is None:
        st.dist = (num, (a, b))
    _set_approx(st, pre, post)


def _accept_bare(st: _Scan, kind: str, m: re.Match[str]) -> int | None:
    """A bare number after a bearing, junction or 从…: a distance in metres."""
    a, b = m.start(), m.end()
    if st.prev not in ("bear", "junc", "fill", "frm") and not st.frm:
        return -1
    _flush(st, kind, "")
    if st.dist is None:
        st.dist = (float(m.group("b_num")), (a, b))
    _set_approx(st, m.group("b_pre"))


def _accept_fuzzy(st: _Scan, kind: str, m: re.Match[str]) -> int | None:
    """A vague distance (附近, 不远处): a distance of unknown length."""
    a, b = m.start(), m.end()
    _flush(st, kind, "")
    if st.dist is None:
        st.dist = (None, (a, b))
    st.approx = True


def _accept_travel(st: _Scan, kind: str, m: re.Match[str]) -> int | None:
    """A travel phrase (往…方向行驶): the direction of travel."""
    _flush(st, kind, "")
    key = "tr_to" if m.group("tr_to") is not None else "tr_to2"
    if st.toward is None:
        st.toward = (m.group(key), m.span(key))


def _accept_toward(st: _Scan, kind: str, m: re.Match[str]) -> int | None:
    """A direction word (往, 向 …) and where it points."""
    _flush(st, kind, "")
    if st.toward is None:
        st.toward = (m.group("tw"), m.span("tw"))


def _accept_bear(st: _Scan, kind: str, m: re.Match[str]) -> int | None:
    """A bearing (东, 东侧, 以东 …): the side of a road or the bearing from a place."""
    s = st.s
    key = next(k for k in ("b1", "b2", "b3") if m.group(k) is not None)
    word = m.group(key)
    if key == "b3" and st.prev in ("", "lead", "adm", "ali", "frm", "lpar", "conn"):
        return -1  # a bare 东/南 at the start is the first character of a name
    _flush(st, kind, "")
    plain_road = (
        st.road is not None
        and not st.junction
        and st.landmark is None
        and st.stake is None
        and not st.frm
    )
    if plain_road and s[m.end(key) : m.end(key) + 1] == "侧" and st.side is None:
        st.side = (word, m.span(key))
    elif st.bearing is None:
        st.bearing = (word, m.span(key))


def _accept_side(st: _Scan, kind: str, m: re.Match[str]) -> int | None:
    """A road side (路边, 东侧 …)."""
    _flush(st, kind, "")
    key = "sd" if m.group("sd") is not None else "sd2"
    if st.side is None:
        st.side = (m.group(key), m.span(key))


def _accept_sect(st: _Scan, kind: str, m: re.Match[str]) -> int | None:
    """A road section (东段, 北段 …)."""
    a, b = m.start(), m.end()
    _flush(st, kind, "")
    if st.section is None:
        st.section = (m.group(), (a, b))


def _accept_junc(st: _Scan, kind: str, m: re.Match[str]) -> int | None:
    """A junction word (路口, 交叉口 …); 桂香路口公交站 is a stop named after the junction."""
    s, a, b = st.s, m.start(), m.end()
    if m.group() in ("口", "道口", "交口") and st.prev not in ("road", "code"):
        return -1
    stop = _STOP_AFTER_JUNCTION.match(s, b) if m.group() in ("口", "路口") else None
    if stop is not None and st.road is not None and st.road_end == a and len(st.roads) == 1:
        # 桂香路口公交站: a stop named after the junction is the landmark, by its name
        _flush(st, kind, "")
        start = st.road[1][0]
        if st.landmark is None:
            st.landmark = (s[start : stop.end()], (start, stop.end()))
        st.road, st.roads = None, []
        st.prev = "landmark"
        return stop.end()
    _flush(st, kind, "")
    st.junction = True
    st.started = True


def _accept_gate(st: _Scan, kind: str, m: re.Match[str]) -> int | None:
    """A gate (大门, 东门 …) of the landmark before it."""
    a, b = m.start(), m.end()
    if m.group("g_dir") and st.prev not in ("landmark", "lmunit") and st.unk is None:
        return -1
    _flush(st, kind, "")
    if st.gate is None:
        st.gate = (a, b)


def _accept_group(st: _Scan, kind: str, m: re.Match[str]) -> int | None:
    """A village group (三组 …)."""
    a, b = m.start(), m.end()
    _flush(st, kind, "")
    if st.group is None:
        st.group = (m.group(), (a, b))


def _accept_lmunit(st: _Scan, kind: str, m: re.Match[str]) -> int | None:
    """A landmark unit word after an admin unit (村委会 …)."""
    a, b = m.start(), m.end()
    if not st.admin or st.landmark is not None:
        return -1
    _flush(st, kind, "")
    st.landmark = (m.group(), (a, b))
    st.started = True


def _accept_lead(st: _Scan, kind: str, m: re.Match[str]) -> int | None:
    """A lead or move word (在, 沿, 行驶至 …) before the place."""
    s, b = st.s, m.end()
    word = m.group()
    if st.started or st.unk is not None:
        if word not in _MOVE_WORDS:
            return -1
        _flush(st, kind, "")
        if st.road is not None:  # 沿A路...行驶至B路口: the place is after the move
            st.along = st.road
            st.road, st.roads, st.junction, st.conn_roads = None, [], False, False
    if len(word) == 1 and _NAME_AHEAD.match(s, b):
        return -1  # 沿江路, 于家路 ...
    if word in ("沿", "沿着") and st.along_word is None:
        st.along_next = True


def _accept_trip(st: _Scan, kind: str, m: re.Match[str]) -> int | None:
    """The trip (上班途中骑电动车) before the place: nothing of the place."""
    b = m.end()
    st.prev = "lead"
    return b


def _accept_stop(st: _Scan, kind: str, m: re.Match[str]) -> int | None:
    """The end of the place (时与一辆小型轿车相撞)."""
    s = st.s
    _flush(st, kind, "")
    return len(s)


def _accept_frm(st: _Scan, kind: str, m: re.Match[str]) -> int | None:
    """从 (from): the place is described from a starting point."""
    _flush(st, kind, "")
    st.frm = True


def _accept_conn(st: _Scan, kind: str, m: re.Match[str]) -> int | None:
    """A connective (与, 和, 靠近 …) between a road and its cross road."""
    s, b = st.s, m.end()
    if st.prev not in ("road", "code", "landmark"):
        return -1
    if m.group() in "和及同跟":
        r = _ROAD.match(s, b)
        if (r is None or "路" in r.group("name")) and not _CODE_AT.match(s, b):
            return -1
    elif (len(m.group()) > 1 or m.group() == "近") and (  # 靠近/近 B路: B is the cross road
        st.prev == "landmark" or (_ROAD.match(s, b) is None and not _CODE_AT.match(s, b))
    ):
        return -1
    _flush(st, kind, "")


def _accept_to(st: _Scan, kind: str, m: re.Match[str]) -> int | None:
    """至/到: a road section (建设路至人民路段), or a lead word at the start."""
    s, b = st.s, m.end()
    if not st.started and st.unk is None and m.group() in "至到":
        st.prev = "lead"  # 至建设路 ... at the start: a lead word
        return b
    if st.road is None or st.section is not None:
        return -1
    r = _RANGE_END.match(s, b)
    if r is None:
        return -1
    _flush(st, kind, "")
    start = st.road_end + (1 if s[st.road_end : st.road_end + 1] == "(" else 0)
    end = r.end()
    st.section = (s[start:end], (start, end))
    st.roads = st.roads[:1]
    st.junction = st.conn_roads = False
    if st.landmark is not None and st.landmark[1][0] >= start:
        st.landmark = None
    if s[end : end + 1] == ")":
        end += 1
        st.in_paren = False
    st.prev = "sect"
    return end


def _accept_fill(st: _Scan, kind: str, m: re.Match[str]) -> int | None:
    """A filler word (处, 附近 …)."""
    word = m.group()
    _flush(st, kind, word)
    _set_approx(st, word)


def _accept_lpar(st: _Scan, kind: str, m: re.Match[str]) -> int | None:
    """An opening parenthesis; (东段) right after a road is its section."""
    s, a = st.s, m.start()
    _flush(st, kind, "")
    ps = _PAREN_SECTION.match(s, a)
    if ps is not None and st.road is not None and st.section is None:
        st.section = (ps.group(1), ps.span(1))
        st.prev = "sect"
        return ps.end()
    st.in_paren = True


def _accept_rpar(st: _Scan, kind: str, m: re.Match[str]) -> int | None:
    """A closing parenthesis."""
    _flush(st, kind, "")
    st.in_paren = False


def _accept_punct(st: _Scan, kind: str, m: re.Match[str]) -> int | None:
    """A punctuation mark."""
    _flush(st, kind, "")
    st.prev_punct = m.group()


#: The handler of each kind of token (:func:`_accept`).
_ACCEPT: dict[str, Callable[[_Scan, str, re.Match[str]], int | None]] = {
    "adm": _accept_admin,
    "ali": _accept_admin,
    "stake": _accept_stake,
    "code": _accept_code,
    "dist": _accept_dist,
    "bare": _accept_bare,
    "fuzzy": _accept_fuzzy,
    "travel": _accept_travel,
    "toward": _accept_toward,
    "bear": _accept_bear,
    "side": _accept_side,
    "sect": _accept_sect,
    "junc": _accept_junc,
    "gate": _accept_gate,
    "group": _accept_group,
    "lmunit": _accept_lmunit,
    "lead": _accept_lead,
    "trip": _accept_trip,
    "stop": _accept_stop,
    "frm": _accept_frm,
    "conn": _accept_conn,
    "to": _accept_to,
    "fill": _accept_fill,
    "lpar": _accept_lpar,
    "rpar": _accept_rpar,
    "punct": _accept_punct,
}


def _accept(st: _Scan, kind: str, m: re.Match[str]) -> int:
    """Apply a closed-vocabulary token; return its end, or -1 to reject it here.

    Each kind of token has its handler (:data:`_ACCEPT`), which returns the end of what it
    took, -1 to reject the token here, or None when the token is taken as matched.
    """
    handler = _ACCEPT.get(kind)
    if handler is not None:
        end = handler(st, kind, m)
        if end is not None:
            return end
    st.prev = kind
    return m.end()


def _scan(st: _Scan, closed: re.Pattern[str]) -> None:
    s, n, pos = st.s, len(st.s), 0
    while pos < n:
        m = closed.match(s, pos)
        if m is not None:
            end = _accept(st, m.lastgroup or "", m)
            if end > pos:
                pos = end
                continue
        if not st.started or st.prev in ("lpar", "adm"):
            g = _GENERIC_ADMIN.match(s, pos)
            if (
                g is not None
                and not _NOT_ADMIN_END.search(g.group())
                and not _REJECT_IN_NAME.search(g.group())
                and not _ROAD_IN_ADMIN.search(g.group())
            ):
                _flush(st, "adm", "")
                st.admin.append((g.group(), g.span()))
                st.prev = "adm"
                pos = g.end()
                continue
        if st.started:
            g2 = _MID_ADMIN.match(s, pos)
            if g2 is not None and _mid_admin(st, g2):
                pos = g2.end()
                continue
        if st.prev == "junc" and st.toward is None:
            t = _TOWARD_BARE.match(s, pos)
            if t is not None and t.group("tw") not in _BEARING_WORDS:
                _flush(st, "toward", "")
                st.toward = (t.group("tw"), t.span("tw"))
                st.prev = "toward"
                pos = t.end()
                continue
        lr = None
        if st.landmark is None:
            bare = st.prev in ("adm", "ali")
            lr = (_LANDMARK_BEFORE_ROAD_BARE if bare else _LANDMARK_BEFORE_ROAD).match(s, pos)
        if lr is not None and not bare:  # a road written first is a road (云帆东路河湾购物中心门前)
            r0 = _ROAD.match(s, pos)
            if r0 is not None and r0.end() < lr.end("lm"):
                r0_ok = _road_ok(r0.group(), r0.group("name"), s[r0.end() : r0.end() + 1])
                lr = None if r0_ok else lr
        if lr is not None and _landmark_ok(lr.group("lm")):
            _flush(st, "landmark", "")
            st.landmark = (lr.group("lm"), lr.span("lm"))
            if lr.group("rg") is not None:
                st.gate = lr.span("rg")
            st.started = True
            st.prev = "fill"
            pos = lr.end()
            continue
        r = _ROAD.match(s, pos)
        if r is not None:
            road, name = r.group(), r.group("name")
            if _road_ok(road, name, s[r.end() : r.end() + 1]):
                _flush(st, "road", "")
                _add_road(st, road, r.span())
                st.prev = "road"
                pos = r.end()
                continue
        fresh = st.unk is None or st.unk[1] != pos
        r1 = _STREET1.match(s, pos) if fresh else None
        if r1 is not None:  # 正街, 横街
            _flush(st, "road", "")
            _add_road(st, r1.group(), r1.span())
            st.prev = "road"
            pos = r1.end()
            continue
        lm = _LANDMARK.match(s, pos)
        if lm is not None and fresh and _landmark_ok(lm.group()):
            _flush(st, "landmark", "")
            if st.landmark is None:
                st.landmark = (lm.group(), lm.span())
            st.started = True
            st.prev = "landmark"
            pos = lm.end()
            continue
        end = pos + 1
        st.unk = (st.unk[0], end) if st.unk is not None else (pos, end)
        st.prev = "unk"
        pos = end
    _flush(st, "end", "")


def parse_place(text: object, *, admin_names: Collection[str] = ()) -> PlaceSlots:
    """Split one accident-place phrase into GA/T 1980-2022 location slots.

    Parameters
    ----------
    text
        The place as written; a missing or non-string value gives a vague result.
    admin_names
        Known admin unit names and aliases of the area (常德市, 武陵区, 武陵, 经开区, 灌溪镇 ...),
        stripped from the front by longest match; names with an admin suffix are also
        recognised anywhere in the phrase. Without them, admin units are recognised by
        their suffix (市/区/县/镇/乡/街道/村/社区/管理区/开发区/度假区) at the start only.

    Returns
    -------
    PlaceSlots
        The slots, with their spans in the normalised phrase.

    Examples
    --------
    >>> p = parse_place("在建设路与人民路交叉口往北约二百米处")
    >>> p.road, p.cross_road, p.ref_kind, p.bearing, p.distance_m, p.approximate
    ('建设路', '人民路', 'intersection', '北', 200.0, True)
    >>> p = parse_place("G39913公里+910米处")
    >>> p.road, p.ref_kind, p.stake_km
    ('G399', 'stake', 13.91)
    >>> parse_place("灌溪镇岗市村五组路口", admin_names=["灌溪镇"]).admin
    ('灌溪镇', '岗市村')
    """
    raw = text if isinstance(text, str) else ""
    norm = normalize_place(raw)
    if not norm:
        return PlaceSlots(text=raw, norm=norm)
    names = admin_names if isinstance(admin_names, tuple) else tuple(admin_names)
    closed = _closed_pattern(_admin_key(names) if names else ())
    st = _Scan(norm, closed)
    _scan(st, closed)
    return _slots(raw, st)


def _slots(raw: str, st: _Scan) -> PlaceSlots:
    spans: dict[str, tuple[int, int]] = {}
    admin: list[str] = []
    for name, span in st.admin:
        if name not in admin:
            spans[f"admin.{len(admin)}"] = span
            admin.append(name)
    road = cross = ""
    if st.road is not None:
        road, spans["road"] = st.road
    intersection = st.junction or st.conn_roads
    if intersection and len(st.roads) > 1:
        cross, spans["cross_road"] = st.roads[1]
    if st.along is not None:
        if not road:
            road, spans["road"] = st.along
        elif intersection and not cross and st.along[0] != road:
            cross, spans["cross_road"] = road, spans["road"]
            road, spans["road"] = st.along
    for key, slot in (
        ("landmark", st.landmark),
        ("bearing", st.bearing),
        ("toward", st.toward),
        ("side", st.side),
        ("section", st.section),
        ("village_group", st.group),
    ):
        if slot is not None:
            spans[key] = slot[1]
    if st.stake is not None:
        spans["stake_km"] = st.stake[1]
    if st.dist is not None:
        spans["distance_m"] = st.dist[1]
    if st.gate is not None:
        spans["gate"] = st.gate
    landmark = st.landmark[0] if st.landmark else ""
    crossing = next((r for r in st.roads if r[0].endswith(_CROSSING_END)), None)
    if crossing is not None and not (
        intersection or cross or st.stake is not None or st.along_word
    ):
        # a bridge or tunnel by name is a landmark (L4); the resolver also looks it up as a road
        landmark, spans["landmark"] = crossing
        if road == crossing[0]:
            rest = [r for r in st.roads if not r[0].endswith(_CROSSING_END)]
            spans.pop("road")
            road = ""
            if rest:
                road, spans["road"] = rest[0]
    if st.along_word is not None:
        spans["along"] = st.along_word[1]
    if st.stake is not None:
        ref_kind = "stake"
    elif intersection and (road or admin):
        ref_kind = "intersection"
    elif landmark:
        ref_kind = "landmark"
    elif road:
        ref_kind = "road"
    else:
        ref_kind = ""
    return PlaceSlots(
        text=raw,
        norm=st.s,
        admin=tuple(admin),
        road=road,
        cross_road=cross,
        ref_kind=ref_kind,
        landmark=landmark,
        gate=st.gate is not None,
        stake_km=round(st.stake[0], 6) if st.stake is not None else None,
        bearing=st.bearing[0] if st.bearing else "",
        toward=st.toward[0] if st.toward else "",
        distance_m=st.dist[0] if st.dist else None,
        along=st.along_word[0] if st.along_word else "",
        approximate=st.approx,
        side=st.side[0] if st.side else "",
        section=st.section[0] if st.section else "",
        village_group=st.group[0] if st.group else "",
        vague=not (road or landmark or st.stake is not None or admin),
        spans=spans,
    )


def _row(value: object, admin_names: Collection[str]) -> tuple[object, ...]:
    p = parse_place(value, admin_names=admin_names)
    return (
        p.text,
        p.norm,
        p.admin,
        p.road,
        p.cross_road,
        p.ref_kind,
        p.landmark,
        p.gate,
        p.stake_km,
        p.bearing,
        p.toward,
        p.distance_m,
        p.along,
        p.approximate,
        p.side,
        p.section,
        p.village_group,
        p.vague,
        json.dumps(p.spans, ensure_ascii=False, separators=(",", ":")),
    )


def parse_places(texts: pd.Series, *, admin_names: Collection[str] = ()) -> pd.DataFrame:
    """Parse a column of place phrases, once per distinct value.

    Parameters
    ----------
    texts
        Place phrases; missing or blank values give vague rows.
    admin_names
        Known admin names and aliases of the area (see :func:`parse_place`).

    Returns
    -------
    pandas.DataFrame
        One column per slot of :class:`PlaceSlots` (:data:`SLOT_NAMES`), aligned with
        `texts`; ``stake_km`` and ``distance_m`` are floats with NaN for none, ``admin``
        holds tuples and ``spans`` a JSON object string.

    Examples
    --------
    >>> df = parse_places(pd.Series(["人民路中段", None, "人民路中段"]))
    >>> df[["road", "section", "vague"]].values.tolist()
    [['人民路', '中段', False], ['', '', True], ['人民路', '中段', False]]
    """
    key = _admin_key(tuple(admin_names)) if admin_names else ()
    rows = map_unique(texts, lambda v: _row(v, key))
    frame = pd.DataFrame(rows.tolist(), index=texts.index, columns=list(SLOT_NAMES))
    for col in ("stake_km", "distance_m"):
        frame[col] = frame[col].astype(float)
    for col in ("gate", "approximate", "vague"):
        frame[col] = frame[col].astype(bool)
    return frame
