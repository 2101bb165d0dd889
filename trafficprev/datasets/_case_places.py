"""Write a :class:`~trafficprev.datasets._case_text.Place` as a clerk would type it.

One writer per place kind (:data:`~trafficprev.datasets._case_text.PLACE_KINDS`):
intersections in their many spellings, offsets from junctions or landmarks, gates, road
sections, stake numbers on coded roads, villages, bare roads and unresolvable places.
Used by :func:`trafficprev.datasets._case_text.place_text` and by the narratives.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from trafficprev.datasets._case_phrases import (
    _REF_KIND_NAME,
    _UNRESOLVABLE,
    CITY_NAME,
    REF_KINDS,
    _chance,
    _cn,
    _pick,
    _wpick,
)

if TYPE_CHECKING:
    from trafficprev.datasets._case_text import Place


def _junction(a: str, b: str, rng: np.random.Generator) -> str:
    """An intersection of roads `a` and `b` in one of its many spellings."""
    if _chance(rng, 0.3):
        a, b = b, a
    joined = a + b + ("口" if b.endswith("路") else "路口")  # "A路B路口"
    return _wpick(
        rng,
        (
            (f"{a}与{b}交叉路口", 6.0),
            (f"{a}与{b}交叉口", 5.0),
            (f"{a}与{b}交汇处", 4.0),
            (f"{a}与{b}十字路口", 2.5),
            (f"{a}与{b}丁字路口", 1.2),
            (f"{a}与{b}三岔路口", 0.8),
            (f"{a}与{b}路口", 2.5),
            (joined, 3.0),
            (f"{a}、{b}交叉口", 0.8),
            (f"{a}和{b}交汇处", 0.8),
            (f"{a}与{b}相交路口", 0.6),
            (f"{a}{b}交叉路口", 0.8),
        ),
    )


def _area_prefix(place: Place, rng: np.random.Generator, p: float = 0.35) -> str:
    """District, functional-zone alias or nothing (the hierarchy is often missing)."""
    if place.zone_alias and _chance(rng, 0.5):
        return place.zone_alias
    if place.district and _chance(rng, p):
        return (CITY_NAME if _chance(rng, 0.1) else "") + place.district
    if _chance(rng, 0.03):
        return CITY_NAME
    return ""


def _distance(d: int, rng: np.random.Generator) -> str:
    forms: list[tuple[str, float]] = [
        (f"约{d}米", 5.0),
        (f"{d}米许", 2.0),
        (f"{d}米左右", 2.0),
        (f"约{d}m", 0.8),
        (f"大约{d}米", 0.8),
        (f"{d}米", 2.0),
        (f"约{d}米左右", 0.5),
    ]
    if d % 10 == 0 and d < 10000:
        forms.append((f"约{_cn(d, liang=_chance(rng, 0.5))}米", 0.6))
    return _wpick(rng, forms)


def _group(rng: np.random.Generator) -> str:
    n = 1 + int(rng.random() * 12)
    return f"{_cn(n)}组" if _chance(rng, 0.6) else f"{n}组"


def _ref_text(place: Place, rng: np.random.Generator) -> str:
    """A road code as written: G319线, 国道319线, 319国道, 省道S306线, ..."""
    ref = place.ref
    if not ref:
        return place.road or ""
    kind = place.ref_kind or (ref[0].upper() if ref[0].upper() in REF_KINDS else None)
    num = ref[1:] if ref[:1].isalpha() else ref
    name = _REF_KIND_NAME.get(kind or "", "")
    if not name:
        return _pick(rng, (f"{ref}线", ref))
    options: list[tuple[str, float]] = [
        (f"{ref}线", 5.0),
        (f"{name}{num}线", 3.0 if kind in ("G", "S") else 0.0),
        (f"{name}{ref}线", 2.0),
        (f"{ref}", 1.0),
        (f"{ref}{name}", 0.7),
    ]
    if kind in ("G", "S"):
        options.append((f"{num}{name}", 2.0))
    if place.road and _chance(rng, 0.15):
        return f"{place.road}（{ref}）"
    return _wpick(rng, options)


def _stake(km: int, m: int | None, rng: np.random.Generator) -> str:
    m = m or 0
    return _wpick(
        rng,
        (
            (f"K{km}+{m:03d}", 6.0),
            (f"{km}KM+{m}M", 2.5),
            (f"{km} KM + {m} M", 0.8),
            (f"{km}公里+{m}米", 2.0),
            (f"{km}公里{m}米", 1.5),
            (f"K{km}+{m:03d}米", 0.8),
            (f"{km}km+{m}m", 1.0),
            (f"K{km}＋{m:03d}", 0.6),
            (f"{km}Km+{m}m", 0.4),
        ),
    )


def _place_intersection(place: Place, rng: np.random.Generator) -> str:
    road = place.road or place.cross_road or ""
    cross = place.cross_road if place.road else None
    if not cross:
        return road + _pick(rng, ("路口", "与一小路交叉口", "十字路口", "一丁字路口"))
    core = _junction(road, cross, rng)
    suffix = _wpick(
        rng,
        (
            ("", 10.0),
            ("处", 2.0),
            ("附近", 1.5),
            ("一带", 0.4),
            ("非机动车道", 0.6),
            ("人行横道上", 0.4),
            (f"{place.bearing}侧" if place.bearing else "", 0.8),
            (f"{place.bearing}侧地段" if place.bearing else "", 0.3),
            (f"{place.bearing}角" if place.bearing and len(place.bearing) == 2 else "", 0.3),
        ),
    )
    return _area_prefix(place, rng) + core + suffix


def _place_offset(place: Place, rng: np.random.Generator) -> str:
    d = place.distance_m
    dist = _distance(d, rng) if d is not None else ""
    road, cross, toward, bearing, lm = (
        place.road,
        place.cross_road,
        place.toward,
        place.bearing,
        place.landmark,
    )
    junction = _junction(road, cross, rng) if road and cross else None
    forms: list[tuple[str, float]] = []
    end = _pick(rng, ("处", "", "处", "的地方"))
    if junction and toward:
        forms.append((f"{junction}往{toward}方向{dist}{end}", 5.0))
        forms.append((f"{junction}向{toward}方向{dist}{end}", 1.0))
    if cross and toward:
        forms.append((f"在{cross}路口往{toward}方向{dist}处", 2.0))
        if road:
            forms.append((f"{road}{cross}路口往{toward}方向{dist}{end}", 1.5))
    if junction and bearing:
        forms.append((f"{junction}{bearing}{dist}{end}", 2.5))
        forms.append((f"{junction}以{bearing}{dist}{end}", 1.0))
        forms.append((f"{junction}{bearing}侧{dist}{end}", 1.0))
    if lm and bearing:
        forms.append((f"{lm}{bearing}{dist}{end}", 2.0))
        if road:
            forms.append((f"{road}{lm}{bearing}侧{dist}{end}", 1.0))
    if d is not None:
        datum = junction or lm or (f"{cross}路口" if cross else None) or road
        if datum:
            forms.append((f"距{datum}{dist}{end}", 2.0))
            forms.append((f"距离{datum}{dist}{end}", 0.8))
    if road and toward:  # a direction without a datum
        forms.append((f"{road}往{toward}方向{dist}{end}", 1.0))
    if road and bearing and not forms:
        forms.append((f"{road}{bearing}段", 1.0))
    if not forms:
        forms.append(((junction or lm or road or cross or toward or "某路口") + "附近", 1.0))
    return _area_prefix(place, rng, 0.25) + _wpick(rng, forms)


def _place_landmark(place: Place, rng: np.random.Generator) -> str:
    lm = place.landmark or place.road or "某处"
    road = place.road if place.landmark else None
    forms: list[tuple[str, float]] = [
        (f"{lm}附近", 5.0),
        (f"{lm}对面", 2.0 if "医院" in lm or "学校" in lm or "中学" in lm else 1.0),
        (f"{lm}旁", 1.0),
        (f"{lm}前", 0.8),
        (f"{lm}路段", 1.5),
        (f"{lm}一带", 0.6),
        (f"{lm}公交站台附近", 1.0),
        (f"{lm}前方路段", 0.5),
        (f"{lm}旁边马路上", 0.4),
    ]
    if place.bearing:
        forms.append((f"{lm}{place.bearing}侧", 1.0))
    if road:
        forms += [
            (f"{road}{lm}附近", 3.0),
            (f"{road}{lm}路段", 1.5),
            (f"{road}{lm}公交站附近", 0.6),
            (f"{road}（{lm}附近）", 0.5),
        ]
    if place.town and _chance(rng, 0.5):
        return place.town + _wpick(rng, forms)
    return _area_prefix(place, rng, 0.25) + _wpick(rng, forms)


def _place_gate(place: Place, rng: np.random.Generator) -> str:
    lm = place.landmark or "某小区"
    road = place.road if place.landmark else None
    b = place.bearing if place.bearing and len(place.bearing) == 1 else None
    forms: list[tuple[str, float]] = [
        (f"{lm}门口", 5.0),
        (f"{lm}大门口", 2.5),
        (f"{lm}门口路段", 1.5),
        (f"{lm}大门对面", 1.2),
        (f"{lm}门前", 0.8),
        (f"{lm}出入口", 0.8),
        (f"{lm}大门前道路上", 0.4),
    ]
    if b:
        forms += [(f"{lm}{b}门口", 2.0), (f"{lm}{b}门对面", 1.0), (f"{lm}{b}门外", 0.6)]
    if road:
        forms += [(f"{road}{lm}门口", 2.5), (f"{road}{lm}大门处", 0.8)]
    return _area_prefix(place, rng, 0.25) + _wpick(rng, forms)


def _place_section(place: Place, rng: np.random.Generator) -> str:
    road = place.road or place.cross_road or "某路"
    a = place.cross_road if place.road else None
    b, lm = place.toward, place.landmark
    forms: list[tuple[str, float]] = [
        (f"{road}中段", 1.5),
        (f"{road}路段", 1.0),
        (f"{road}非机动车道", 0.6),
        (f"{road}辅道", 0.4),
    ]
    if a and b:
        forms += [
            (f"{road}（{a}至{b}段）", 4.0),
            (f"{road}{a}至{b}路段", 3.0),
            (f"{road}（{a}—{b}段）", 1.0),
            (f"{road}{a}路口至{b}路口路段", 1.0),
            (f"{road}({a}至{b})", 0.5),
        ]
    elif a:
        forms += [(f"{road}（{a}段）", 1.5), (f"{road}近{a}路段", 1.0)]
    if lm:
        forms += [(f"{road}（{lm}段）", 2.0), (f"{road}{lm}路段", 2.0)]
        if b:
            forms.append((f"{road}{lm}至{b}段", 1.0))
    if place.bearing and len(place.bearing) == 1:
        forms.append((f"{road}{place.bearing}段", 1.0))
    return _area_prefix(place, rng) + _wpick(rng, forms)


def _place_stake(place: Place, rng: np.random.Generator) -> str:
    ref = _ref_text(place, rng)
    tz = (place.town or "") + (place.village or "")
    if place.stake_km is not None:
        stake = _stake(place.stake_km, place.stake_m, rng)
        forms: list[tuple[str, float]] = [
            (f"{ref}{stake}处", 5.0),
            (f"{ref}{stake}", 3.0),
            (f"{ref}{stake}米处" if stake.endswith("+") else f"{ref}{stake}附近", 0.8),
        ]
        if tz:
            forms += [(f"{ref}{stake}（{tz}路段）", 2.5), (f"{tz}{ref}{stake}处", 1.0)]
        if place.toward:
            forms.append((f"{ref}往{place.toward}方向{stake}处", 1.0))
    else:
        forms = [(f"{ref}路段", 1.0)]
        if tz:
            forms += [(f"{ref}{tz}路段", 4.0), (f"{ref}{tz}段", 1.5), (f"{tz}{ref}路段", 1.0)]
        if place.landmark:
            forms.append((f"{ref}{place.landmark}附近", 2.0))
        if place.toward:
            forms.append((f"{ref}往{place.toward}方向", 1.0))
    prefix = place.district if place.district and _chance(rng, 0.2) else ""
    return prefix + _wpick(rng, forms)


def _place_village(place: Place, rng: np.random.Generator) -> str:
    town, village = place.town or "", place.village or ""
    unit = "村部" if village.endswith("村") else "社区服务中心"
    grp = _group(rng) if village.endswith("村") else ""
    forms: list[tuple[str, float]] = [
        (f"{town}{village}{grp}路口", 4.0),
        (f"{town}{village}路段", 4.0),
        (f"{town}{village}{grp}", 1.5),
        (f"{village}{grp}路口", 1.0),
        (f"{town}{village}{unit}附近", 1.0),
        (f"{town}{village}{grp}村道上", 0.8),
    ]
    if place.road:
        forms += [(f"{town}{village}{place.road}路段", 1.5), (f"{place.road}{village}段", 1.0)]
    if place.ref:
        forms.append((f"{_ref_text(place, rng)}{town}{village}路段", 2.0))
    if place.toward:
        forms.append((f"{town}{village}往{place.toward}方向路段", 0.8))
    prefix = place.district if place.district and _chance(rng, 0.3) else ""
    return prefix + _wpick(rng, forms)


def _place_road_only(place: Place, rng: np.random.Generator) -> str:
    road = place.road or place.cross_road or place.ref or "某路"
    forms: list[tuple[str, float]] = [
        (road, 5.0),
        (f"{road}上", 1.5),
        (f"{road}路段", 2.0),
        (f"{road}非机动车道上", 1.0),
        (f"{road}机动车道", 0.5),
        (f"{road}附近", 1.0),
        (f"{road}一带", 0.4),
    ]
    if place.district:
        forms.append((f"{road}（{place.district}）", 0.5))
    return _area_prefix(place, rng, 0.4) + _wpick(rng, forms)


def _place_unresolvable(place: Place, rng: np.random.Generator) -> str:
    return _pick(rng, _UNRESOLVABLE)


_PLACE_WRITERS = {
    "intersection": _place_intersection,
    "offset": _place_offset,
    "landmark": _place_landmark,
    "gate": _place_gate,
    "road_section": _place_section,
    "stake": _place_stake,
    "village": _place_village,
    "road_only": _place_road_only,
    "unresolvable": _place_unresolvable,
}


def _typo(place: Place, s: str) -> str:
    for original, typo in (place.typo_of or {}).items():
        s = s.replace(original, typo)
    return s


def _place_core(place: Place, rng: np.random.Generator) -> str:
    return _typo(place, _PLACE_WRITERS[place.kind](place, rng))
