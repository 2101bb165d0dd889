"""Write the Chinese text cells of a synthetic work-injury determination.

A real determination export holds free text written by many clerks: the 受伤时间 cell in a
dozen date and time forms, a 受伤地点 cell that may be an intersection, an offset from a
junction, a school gate, a stake number on a county road or just "回家途中某路段", and a
受伤经过 narrative that tells the commute, the collision, the police responsibility and the
conclusion in the styles of ``docs/domain.md`` §1.4–1.5. This module turns a structured
synthetic case (:class:`CaseFacts`, with a :class:`Place`) into such strings.

The writer imitates what clerks write, not what the package's readers
(:mod:`trafficprev.narrative`, :mod:`trafficprev.timeparse`) understand: some of its forms
are meant to be missed, so that the readers can be measured against it.

Every function is deterministic given the state of the :class:`numpy.random.Generator`
passed in; the text of a generated workplace event depends on the facts only, so that
:func:`narrative_text` and :func:`basis_text` agree about it. Names, plates and numbers are
visibly synthetic: plates end in 测 or are masked, and no output holds an ID or phone number.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from trafficprev.datasets._case_narrator import _Narrator
from trafficprev.datasets._case_phrases import (
    _BEARINGS,
    _WEEKDAYS,
    CITY_NAME,
    REF_KINDS,
    _article,
    _basis_item,
    _cn,
    _cn_minute,
    _cn_year,
    _fw,
    _period,
    _pick,
    _refusal_articles,
    _wpick,
)
from trafficprev.datasets._case_phrases import _SUDDEN_ILLNESS as _SUDDEN_ILLNESS  # re-exported
from trafficprev.datasets._case_phrases import _WORKPLACE_EVENTS as _WORKPLACE_EVENTS  # re-exported
from trafficprev.datasets._case_places import _place_core
from trafficprev.schema import COUNTERPARTS, MODES, RESPONSIBILITIES

from .._errors import ArgumentError

__all__ = [
    "CASE_CONCLUSIONS",
    "CASE_DIRECTIONS",
    "CITY_NAME",
    "PLACE_KINDS",
    "REFUSAL_REASONS",
    "REF_KINDS",
    "SEVERITIES",
    "CaseFacts",
    "Place",
    "basis_text",
    "narrative_text",
    "place_text",
    "time_text",
]

#: Kinds of :class:`Place`, i.e. the ways a 受伤地点 can be written.
PLACE_KINDS: tuple[str, ...] = (
    "intersection",
    "offset",
    "landmark",
    "gate",
    "road_section",
    "stake",
    "village",
    "road_only",
    "unresolvable",
)

#: Severity bands of a case (domain.md §3.4: 轻/重/死亡).
SEVERITIES: tuple[str, ...] = ("轻伤", "重伤", "死亡")

#: Why a claim was refused (domain.md §3.3).
REFUSAL_REASONS: tuple[str, ...] = (
    "本人主要责任",
    "非合理时间",
    "非合理路线",
    "非交通事故",
    "劳动关系不成立",
    "第十六条",
)

#: Directions of a case: 上班, 下班, or 无 for a non-commuting injury.
CASE_DIRECTIONS: tuple[str, ...] = ("上班", "下班", "无")

#: Conclusions a written determination can have.
CASE_CONCLUSIONS: tuple[str, ...] = ("认定工伤", "视同工伤", "不予认定")


# --- data classes ------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """Where a traffic accident happened, as structured facts.

    Parameters
    ----------
    kind
        One of :data:`PLACE_KINDS`.
    road
        The road the accident was on (e.g. ``"人民路"``), or the road name of a coded road.
    cross_road
        The crossing road of an intersection, or the start of a road section.
    toward
        A road or place an offset or a section goes towards.
    bearing
        A compass word: 东, 南, 西, 北, 东北, 东南, 西北 or 西南.
    distance_m
        Distance in metres from the reference (junction or landmark) of an offset.
    landmark
        A named place: 示范花园小区, 第三中学, 市第一人民医院, ...
    district
        The district or county (e.g. ``"武安区"``); often left out of the text.
    zone_alias
        A functional-zone abbreviation (e.g. ``"经开区"``) used instead of the district.
    town
        Town, township or street office (镇/乡/街道).
    village
        Village or community (村/社区).
    ref
        Road code such as ``"G319"`` or ``"X064"``.
    ref_kind
        ``"G"``, ``"S"``, ``"X"`` or ``"Y"``; derived from `ref` when omitted.
    stake_km, stake_m
        Stake number: kilometre and metre (``K12+300``).
    typo_of
        Misspellings applied to the rendered text, original → typo
        (e.g. ``{"朗州路": "郎州路"}``).
    """

    kind: str
    road: str | None = None
    cross_road: str | None = None
    toward: str | None = None
    bearing: str | None = None
    distance_m: int | None = None
    landmark: str | None = None
    district: str | None = None
    zone_alias: str | None = None
    town: str | None = None
    village: str | None = None
    ref: str | None = None
    ref_kind: str | None = None
    stake_km: int | None = None
    stake_m: int | None = None
    typo_of: Mapping[str, str] | None = field(default=None, hash=False)

    def __post_init__(self) -> None:
        if self.kind not in PLACE_KINDS:
            raise ArgumentError(f"unknown place kind {self.kind!r}; expected one of {PLACE_KINDS}")
        if self.ref_kind is not None and self.ref_kind not in REF_KINDS:
            raise ArgumentError(f"unknown ref_kind {self.ref_kind!r}; expected one of {REF_KINDS}")
        if self.bearing is not None and self.bearing not in _BEARINGS:
            raise ArgumentError(f"unknown bearing {self.bearing!r}; expected one of {_BEARINGS}")


@dataclass(frozen=True)
class CaseFacts:
    """The structured facts of one synthetic determination.

    Parameters
    ----------
    worker
        The worker's (synthetic, masked) name, e.g. ``"测试甲一"`` or ``"张某某"``.
    employer
        The employer's name.
    when
        Time of the injury.
    direction
        ``"上班"``, ``"下班"`` or ``"无"`` (not a commute: a workplace injury or a
        business trip).
    mode
        The worker's transport mode, one of ``schema.MODES``.
    counterpart
        The other party, one of ``schema.COUNTERPARTS``.
    responsibility
        The worker's police responsibility, one of ``schema.RESPONSIBILITIES``.
    conclusion
        One of :data:`CASE_CONCLUSIONS`.
    refusal_reason
        None, or one of :data:`REFUSAL_REASONS` for refused claims.
    traffic
        The injury was a road traffic accident.
    place
        Where a traffic accident happened; None for workplace injuries or when unknown.
    workplace_event
        For injuries that are not traffic accidents: what happened, starting with where,
        e.g. ``"在车间操作冲压机时被压伤左手"``. Generated from the facts when None.
    severity
        One of :data:`SEVERITIES`.
    disease
        An occupational disease as diagnosed (e.g. ``"职业性矽肺贰期"``): the case falls
        under article 14 item (四) and `when` is the date of the diagnosis. None for an
        injury.
    """

    worker: str
    employer: str
    when: datetime.datetime
    direction: str = "上班"
    mode: str = "电动自行车"
    counterpart: str = "小型汽车"
    responsibility: str = "次要"
    conclusion: str = "认定工伤"
    refusal_reason: str | None = None
    traffic: bool = True
    place: Place | None = None
    workplace_event: str | None = None
    severity: str = "轻伤"
    disease: str | None = None

    def __post_init__(self) -> None:
        checks = (
            ("direction", self.direction, CASE_DIRECTIONS),
            ("mode", self.mode, MODES),
            ("counterpart", self.counterpart, COUNTERPARTS),
            ("responsibility", self.responsibility, RESPONSIBILITIES),
            ("conclusion", self.conclusion, CASE_CONCLUSIONS),
            ("severity", self.severity, SEVERITIES),
        )
        for name, value, allowed in checks:
            if value not in allowed:
                raise ArgumentError(f"unknown {name} {value!r}; expected one of {allowed}")
        if self.refusal_reason is not None and self.refusal_reason not in REFUSAL_REASONS:
            raise ArgumentError(
                f"unknown refusal_reason {self.refusal_reason!r}; expected one of "
                f"{REFUSAL_REASONS} or None"
            )
        if not self.worker:
            raise ArgumentError("worker must be a non-empty name")
        if self.disease is not None and not self.disease.strip():
            raise ArgumentError("disease must be a diagnosis or None")


# --- places ------------------------------------------------------------------------------


def place_text(place: Place, rng: np.random.Generator) -> str:
    """Write the 受伤地点 cell for `place`.

    Parameters
    ----------
    place
        The structured place.
    rng
        Source of every random choice.

    Returns
    -------
    str
        The place as a clerk might type it: intersection synonyms, offsets from junctions
        or landmarks, gates, road sections, stake numbers, villages, with or without the
        district, sometimes with full-width digits, the typos of ``place.typo_of`` applied.

    Examples
    --------
    >>> p = Place("intersection", road="人民路", cross_road="建设路")
    >>> s = place_text(p, np.random.default_rng(0))
    >>> "人民路" in s and "建设路" in s
    True
    """
    s = _place_core(place, rng)
    r = rng.random()
    if r < 0.07:
        s = _fw(s)
    elif r < 0.10:
        s = "在" + s
    elif r < 0.12:
        s = s + " "
    return s


# --- times -------------------------------------------------------------------------------


def time_text(when: datetime.datetime, rng: np.random.Generator) -> str:
    """Write the 受伤时间 cell.

    Parameters
    ----------
    when
        The injury time. Forms with minutes write its minute as is: round `when` first
        for clerk-like round minutes.
    rng
        Source of every random choice.

    Returns
    -------
    str
        ISO, slashes without padding, ``2024年3月5日7时30分许``,
        ``2024年3月5日下午5点多``, Chinese numerals, full-width digits, date only, and a
        few rarer forms (``17:30分``, ``早7点40``, compact ``20240305``). Hour-only forms
        are truthful to the hour (多 for minutes 10–50, 许 for minutes 0–10, 左右 may round
        up to the next hour).

    Examples
    --------
    >>> s = time_text(datetime.datetime(2024, 3, 5, 7, 30), np.random.default_rng(1))
    >>> isinstance(s, str) and len(s) > 0
    True
    """
    y, mo, d, h, m = when.year, when.month, when.day, when.hour, when.minute
    date_cn = f"{y}年{mo}月{d}日"
    period, h12 = _period(h, rng)
    hedge = _pick(rng, ("许", "左右", "", ""))
    minute_cn = f"{h}时{m}分{hedge}" if m else f"{h}时{_pick(rng, ('许', '', '00分'))}"
    forms: list[tuple[str, float]] = [
        (f"{y}-{mo:02d}-{d:02d} {h:02d}:{m:02d}", 10.0),
        (f"{y}-{mo:02d}-{d:02d} {h:02d}:{m:02d}:00", 6.0),
        (f"{y}/{mo}/{d} {h}:{m:02d}", 10.0),
        (f"{y}/{mo}/{d}", 3.0),
        (f"{y}.{mo}.{d} {h}:{m:02d}", 1.5),
        (date_cn + minute_cn, 14.0),
        (f"{y}年{mo:02d}月{d:02d}日{h:02d}时{m:02d}分", 3.0),
        (f"{date_cn}{period}{h12}点{m}分{hedge}" if m else f"{date_cn}{period}{h12}点", 6.0),
        (f"{date_cn}{h}:{m:02d}{hedge}", 3.0),
        (f"{date_cn} {h}:{m:02d}", 1.5),
        (f"{date_cn}{period}{h12}:{m:02d}", 0.8),
        (
            f"{_cn_year(y, rng)}年{_cn(mo)}月{_cn(d)}日{_cn(h)}时{_cn_minute(m)}{hedge}",
            3.0,
        ),
        (_fw(date_cn + minute_cn), 2.0),
        (_fw(f"{y}/{mo}/{d} {h}:{m:02d}"), 0.5),
        (date_cn, 4.0),
        (f"{y}-{mo:02d}-{d:02d}", 3.0),
        (f"{y}.{mo:02d}.{d:02d}", 1.0),
        (f"{date_cn}（星期{_WEEKDAYS[when.weekday()]}）{minute_cn}", 1.0),
        (f"{y}年{mo}月{d}号{h}:{m:02d}", 0.5),
        # rarer forms that real exports hold
        (f"{date_cn}{h}:{m:02d}分", 0.4),
        (f"{date_cn}{period}{h12}点{m}" if m >= 10 else date_cn + minute_cn, 0.4),
        (f"{y}{mo:02d}{d:02d}", 0.4),
        (f"{y}-{mo}-{d} {h}：{m:02d}", 0.4),
    ]
    if 10 <= m <= 50:
        forms.append((f"{date_cn}{period}{h12}点多", 4.0))
        forms.append((f"{date_cn}{h}时多", 0.5))
    if m <= 10:
        forms.append((f"{date_cn}{h}时许", 2.0))
        forms.append((f"{_cn_year(y, rng)}年{_cn(mo)}月{_cn(d)}日{_cn(h)}时许", 0.8))
    if m >= 50:
        forms.append((f"{date_cn}{(h + 1) % 24}时左右" if h < 23 else date_cn + minute_cn, 0.8))
    if m == 30:
        forms.append((f"{date_cn}{period}{h12}点半{_pick(rng, ('左右', '', '许'))}", 2.0))
    if h == 0 and m == 0:  # "the night before at 12"
        prev = when - datetime.timedelta(days=1)
        forms.append((f"{prev.year}年{prev.month}月{prev.day}日晚上12点", 5.0))
    return _wpick(rng, forms)


# --- legal basis ---------------------------------------------------------------------------


def basis_text(facts: CaseFacts, rng: np.random.Generator) -> str:
    """Write the 认定依据 cell.

    Parameters
    ----------
    facts
        The case.
    rng
        Source of every random choice.

    Returns
    -------
    str
        第十四条第（六）项 in its spellings for commuting cases, the item of article 14
        that fits a workplace injury (（一）, （二）, （三） or （五） for business trips),
        第十四条第（四）项 for an occupational disease, 第十五条第（一）项 for deemed
        injuries, 第十四条、第十五条 (or 第十六条) for refusals.

    Examples
    --------
    >>> f = CaseFacts("测试甲一", "示范机械有限公司", datetime.datetime(2024, 3, 5, 7, 30))
    >>> "十四" in basis_text(f, np.random.default_rng(0)) or "14" in basis_text(
    ...     f, np.random.default_rng(0))
    True
    """
    if facts.conclusion == "不予认定":
        return _refusal_articles(facts, rng, cell=True)
    if facts.conclusion == "视同工伤":
        return _article(15, 1, rng, cell=True)
    return _article(14, _basis_item(facts), rng, cell=True)


# --- narratives ----------------------------------------------------------------------------


def narrative_text(
    facts: CaseFacts, rng: np.random.Generator, *, include_place: bool = True
) -> str:
    """Write the 受伤经过 cell for `facts`.

    Parameters
    ----------
    facts
        The case.
    rng
        Source of every random choice.
    include_place
        Write where the accident happened (from ``facts.place``) into the narrative. The
        generator may blank the 受伤地点 cell and leave the place only here.

    Returns
    -------
    str
        A narrative in the styles of ``domain.md`` §1.4: time (24 h or 上午/下午/晚, 许/左右
        /多, Chinese numerals, night-shift next-day forms), the commute with the mode, the
        place, the collision with the counterpart, the injury and diagnosis, the police
        responsibility naming both parties in varying order, refusal reasons and the
        conclusion. Non-commuting injuries get a business-trip (traffic) or workplace
        narrative, an occupational disease the exposure and the diagnosis by an
        occupational-disease institution. The worker's name always appears.

    Examples
    --------
    >>> f = CaseFacts("测试甲一", "示范机械有限公司", datetime.datetime(2024, 3, 5, 7, 30),
    ...               place=Place("intersection", road="人民路", cross_road="建设路"))
    >>> s = narrative_text(f, np.random.default_rng(0))
    >>> "测试甲一" in s and "人民路" in s
    True
    """
    n = _Narrator(facts, rng)
    if facts.disease:
        text = n.occupational()
    elif facts.traffic:
        text = n.traffic(include_place)
    elif facts.direction in ("上班", "下班"):
        text = n.non_traffic_commute()
    else:
        text = n.workplace()
    r = rng.random()
    if r < 0.03:
        text = _fw(text)
    elif r < 0.05:
        text = text.replace("，", ",")
    elif r < 0.06:
        text = text.rstrip("。")
    elif r < 0.075:
        text = text.replace("。", "。\n", 1)
    return text
