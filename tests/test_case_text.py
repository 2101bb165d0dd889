"""Tests for :mod:`trafficprev.datasets._case_text` (the synthetic determination text writer)."""

from __future__ import annotations

import datetime
import itertools
import re
import unicodedata
from collections.abc import Sequence
from typing import TypeVar

import numpy as np
import pytest

from trafficprev.datasets._case_text import (
    CASE_CONCLUSIONS,
    PLACE_KINDS,
    REFUSAL_REASONS,
    SEVERITIES,
    CaseFacts,
    Place,
    basis_text,
    narrative_text,
    place_text,
    time_text,
)
from trafficprev.narrative import extract_narrative
from trafficprev.schema import COUNTERPARTS, MODES, RESPONSIBILITIES
from trafficprev.timeparse import parse_time

ROADS = ("人民路", "建设路", "建设北路", "迎宾大道", "朗州路", "滨江路", "工业大道", "洞庭大道")
LANDMARKS = ("示范花园小区", "第三中学", "市第一人民医院", "阳光新城", "农贸市场", "汽车西站")
DISTRICTS = ("武安区", "文昌区", "临江区", "青山县", None)
TOWNS = ("太平镇", "石桥乡", "河洲街道", "白沙镇")
VILLAGES = ("新河村", "桃园社区", "杨柳村", "高桥村")
REFS = (("G319", "G"), ("S306", "S"), ("X064", "X"), ("Y006", "Y"))
WORKERS = ("测试甲一", "测试乙二", "测试丙三", "张某某", "王某甲", "测试员甲")
EMPLOYERS = ("示范机械有限公司", "示范市第一人民医院", "示范物流有限公司", "示范建设集团有限公司")

#: Real-looking personal numbers that must never be written (checked after NFKC).
ID_RE = re.compile(r"(?<![0-9])(?:[1-9][0-9]{16}[0-9Xx]|[1-9][0-9]{14})(?![0-9])")
PHONE_RE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])|(?<![0-9])0[0-9]{2,3}-[0-9]{7,8}")

WHEN = datetime.datetime(2024, 3, 5, 7, 32)
T = TypeVar("T")


def _pick(rng: np.random.Generator, options: Sequence[T]) -> T:
    return options[int(rng.integers(len(options)))]


#: Mixes of domain.md §2.6 (modes, counterparts) and a plausible responsibility mix.
MODE_MIX = {"电动自行车": 58, "摩托车": 16, "步行": 8, "小型汽车": 8, "乘车": 3, "公交": 2,
            "自行车": 3, "其他": 2}  # fmt: skip
COUNTERPART_MIX = {"小型汽车": 52, "货车": 8, "渣土车": 3, "半挂牵引车": 3, "公交客车": 2,
                   "电动自行车": 10, "自行车": 2, "三轮车": 2, "摩托车": 7, "行人": 2,
                   "单方": 3, "动物": 1.5, "逃逸未查获": 3, "其他": 1.5, "未知": 1}  # fmt: skip
RESPONSIBILITY_MIX = {"无": 40, "次要": 20, "同等": 14, "主要": 8, "全部": 4, "意外": 3,
                      "未认定": 11}  # fmt: skip


def _weighted(rng: np.random.Generator, mix: dict[str, float]) -> str:
    keys = list(mix)
    p = np.array([mix[k] for k in keys], dtype=float)
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


def _random_place(rng: np.random.Generator, kind: str | None = None) -> Place:
    kind = kind or _pick(rng, PLACE_KINDS)
    road, cross, toward = (str(x) for x in rng.choice(ROADS, size=3, replace=False))
    ref, ref_kind = _pick(rng, REFS)
    typo = {"朗州路": "郎州路"} if rng.random() < 0.2 else None
    return Place(
        kind=kind,
        road=road,
        cross_road=cross if kind in ("intersection", "offset", "road_section") else None,
        toward=toward if rng.random() < 0.7 else None,
        bearing=_pick(rng, ("东", "南", "西", "北", "东北", None)),
        distance_m=int(rng.integers(1, 40)) * 10 if kind == "offset" else None,
        landmark=_pick(rng, LANDMARKS)
        if kind in ("landmark", "gate") or rng.random() < 0.3
        else None,
        district=_pick(rng, DISTRICTS),
        zone_alias="经开区" if rng.random() < 0.1 else None,
        town=_pick(rng, TOWNS) if kind in ("stake", "village") else None,
        village=_pick(rng, VILLAGES) if kind in ("stake", "village") else None,
        ref=ref if kind == "stake" or (kind == "village" and rng.random() < 0.3) else None,
        ref_kind=ref_kind if kind == "stake" else None,
        stake_km=int(rng.integers(0, 1600)) if kind == "stake" and rng.random() < 0.7 else None,
        stake_m=int(rng.integers(0, 1000)) if kind == "stake" else None,
        typo_of=typo,
    )


def _random_facts(rng: np.random.Generator) -> CaseFacts:
    """Facts roughly in the proportions of domain.md §2.5–2.8 and §3.3."""
    # time windows of domain.md §2.5 with the commute direction they mostly carry
    windows = (
        (0.35, 6.5, 8.5, "上班"),
        (0.33, 16.5, 19.0, "下班"),
        (0.10, 11.5, 14.0, None),
        (0.10, 19.0, 21.0, None),
        (0.07, 7.5, 9.0, "下班"),
        (0.05, 0.0, 24.0, None),
    )
    x, i = rng.random(), 0
    while i < len(windows) - 1 and x >= windows[i][0]:
        x -= windows[i][0]
        i += 1
    _, lo, hi, window_direction = windows[i]
    minutes = int((lo + (hi - lo) * rng.random()) * 60)
    day = datetime.datetime(2023, 1, 1) + datetime.timedelta(days=int(rng.integers(0, 730)))
    when = day + datetime.timedelta(minutes=min(minutes, 24 * 60 - 1))
    worker, employer = _pick(rng, WORKERS), _pick(rng, EMPLOYERS)
    u = rng.random()
    if u < 0.25:  # workplace injury
        conclusion = "视同工伤" if rng.random() < 0.05 else "认定工伤"
        refused = rng.random() < 0.08
        return CaseFacts(
            worker,
            employer,
            when,
            direction="无",
            mode="未知",
            counterpart="未知",
            responsibility="未认定",
            conclusion="不予认定" if refused else conclusion,
            refusal_reason=_pick(rng, ("劳动关系不成立", "第十六条")) if refused else None,
            traffic=False,
            place=None,
            severity=_pick(rng, SEVERITIES),
        )
    direction = "无" if u < 0.3 else window_direction or _pick(rng, ("上班", "下班"))
    mode = _weighted(rng, MODE_MIX)
    counterpart = _weighted(rng, COUNTERPART_MIX)
    responsibility = _weighted(rng, RESPONSIBILITY_MIX)
    if mode in ("乘车", "公交"):  # passengers bear no responsibility, or none is stated
        responsibility = _pick(rng, ("无", "无", "无", "未认定"))
    elif counterpart in ("单方", "动物"):
        responsibility = _pick(rng, ("意外", "全部", "未认定", "无"))
    elif counterpart == "逃逸未查获":
        responsibility = _pick(rng, ("无", "未认定", "未认定"))
    traffic = True
    refusal = None
    conclusion = "认定工伤"
    if responsibility in ("主要", "全部"):
        conclusion, refusal = "不予认定", "本人主要责任"
    elif rng.random() < 0.1:
        conclusion = "不予认定"
        refusal = _pick(rng, REFUSAL_REASONS[1:])
        traffic = refusal != "非交通事故"
    return CaseFacts(
        worker,
        employer,
        when,
        direction=direction,
        mode=mode,
        counterpart=counterpart,
        responsibility=responsibility,
        conclusion=conclusion,
        refusal_reason=refusal,
        traffic=traffic,
        place=_random_place(rng) if rng.random() < 0.95 else None,
        severity=_pick(rng, SEVERITIES),
    )


def _nfkc(s: str) -> str:
    return unicodedata.normalize("NFKC", s)


def _spelled(place: Place, name: str) -> str:
    """`name` as the writer spells it (after the place's typos)."""
    for original, typo in (place.typo_of or {}).items():
        name = name.replace(original, typo)
    return name


def _key_names(place: Place) -> list[str | tuple[str, ...]]:
    """What a rendering of `place` must contain (a tuple: one of them)."""
    k = place.kind
    if k == "intersection":
        return [place.road, place.cross_road]
    if k == "offset":
        return [tuple(x for x in (place.road, place.cross_road, place.landmark) if x)]
    if k in ("landmark", "gate"):
        return [place.landmark]
    if k in ("road_section", "road_only"):
        return [place.road]
    if k == "stake":
        keys: list[str | tuple[str, ...]] = [re.sub(r"^[A-Z]", "", place.ref or "")]
        if place.stake_km is not None:
            keys.append(str(place.stake_km))
            if place.stake_m:
                keys.append(str(place.stake_m))
        return keys
    if k == "village":
        return [place.village]
    return []


def _contains_keys(text: str, place: Place) -> bool:
    s = _nfkc(text)
    for key in _key_names(place):
        options = key if isinstance(key, tuple) else (key,)
        if not any(_nfkc(_spelled(place, o)) in s for o in options):
            return False
    return True


# --- validation ---------------------------------------------------------------------------


def test_bad_values_are_refused() -> None:
    with pytest.raises(ValueError, match="place kind"):
        Place("crossing")
    with pytest.raises(ValueError, match="ref_kind"):
        Place("stake", ref="C504", ref_kind="C")
    with pytest.raises(ValueError, match="mode"):
        CaseFacts("测试甲一", "示范公司", WHEN, mode="飞机")
    with pytest.raises(ValueError, match="refusal_reason"):
        CaseFacts("测试甲一", "示范公司", WHEN, refusal_reason="其他")
    assert set(CASE_CONCLUSIONS) <= {"认定工伤", "视同工伤", "不予认定"}


# --- determinism ---------------------------------------------------------------------------


def _batch(seed: int, n: int = 300) -> list[str]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        f = _random_facts(rng)
        out.append(narrative_text(f, rng, include_place=bool(rng.random() < 0.8)))
        out.append(time_text(f.when, rng))
        out.append(basis_text(f, rng))
        if f.place is not None:
            out.append(place_text(f.place, rng))
    return out


def test_deterministic() -> None:
    """The same seed gives the same strings; another seed gives others."""
    assert _batch(7) == _batch(7)
    assert _batch(7) != _batch(8)


def test_generated_workplace_event_agrees_with_basis() -> None:
    """A generated workplace event does not depend on the rng (narrative and basis agree)."""
    f = CaseFacts("测试甲一", "示范机械有限公司", WHEN, direction="无", traffic=False)
    events = set()
    for seed in range(20):
        text = narrative_text(f, np.random.default_rng(seed))
        events.add(next(e for e in _events() if e in text))
    assert len(events) == 1


def _events() -> list[str]:
    from trafficprev.datasets import _case_text

    return [e[0] for e in _case_text._WORKPLACE_EVENTS] + list(_case_text._SUDDEN_ILLNESS)


# --- every combination renders ---------------------------------------------------------------


@pytest.mark.parametrize("kind", PLACE_KINDS)
def test_every_place_kind(kind: str) -> None:
    rng = np.random.default_rng(11)
    for _ in range(200):
        place = _random_place(rng, kind)
        s = place_text(place, rng)
        assert isinstance(s, str) and s.strip()
        assert _contains_keys(s, place), (place, s)


def test_typos_are_applied() -> None:
    place = Place("intersection", road="朗州路", cross_road="人民路", typo_of={"朗州路": "郎州路"})
    rng = np.random.default_rng(0)
    for _ in range(50):
        s = place_text(place, rng)
        assert "郎州路" in s and "朗州路" not in s


def test_every_combination_renders() -> None:
    """Counterpart × responsibility × refusal × mode × direction × place kind all render."""
    rng = np.random.default_rng(3)
    refusals = (None, *REFUSAL_REASONS)
    combos = itertools.product(COUNTERPARTS, RESPONSIBILITIES, refusals)
    for i, (counterpart, responsibility, refusal) in enumerate(combos):
        direction = ("上班", "下班", "无")[i % 3]
        kind = PLACE_KINDS[i % len(PLACE_KINDS)]
        place = _random_place(rng, kind)
        traffic = refusal != "非交通事故"
        facts = CaseFacts(
            worker=WORKERS[i % len(WORKERS)],
            employer=EMPLOYERS[i % len(EMPLOYERS)],
            when=WHEN + datetime.timedelta(hours=7 * i, minutes=13 * i),
            direction=direction,
            mode=MODES[i % len(MODES)],
            counterpart=counterpart,
            responsibility=responsibility,
            conclusion="认定工伤" if refusal is None else "不予认定",
            refusal_reason=refusal,
            traffic=traffic,
            place=place,
            severity=SEVERITIES[i % 3],
        )
        text = narrative_text(facts, rng)
        assert facts.worker in _nfkc(text) or facts.worker in text
        if traffic:
            assert _contains_keys(text, place), (place, text)
        assert basis_text(facts, rng)
        assert narrative_text(facts, rng, include_place=False)
    for mode in MODES:  # every mode, traffic and not
        for traffic in (True, False):
            facts = CaseFacts("测试丁四", "示范公司", WHEN, mode=mode, traffic=traffic)
            assert "测试丁四" in narrative_text(facts, rng)


def test_workplace_and_deemed_narratives() -> None:
    rng = np.random.default_rng(5)
    base = {"direction": "无", "traffic": False, "counterpart": "未知", "mode": "未知"}
    f = CaseFacts(
        "测试甲一", "示范公司", WHEN, **base, workplace_event="在车间操作冲压机时被压伤左手"
    )
    text = narrative_text(f, rng)
    assert "冲压机" in text and "途中" not in text
    assert "一" in basis_text(f, rng) or "1" in basis_text(f, rng)
    deemed = CaseFacts("测试甲一", "示范公司", WHEN, **base, conclusion="视同工伤")
    assert "十五" in _nfkc(basis_text(deemed, rng)) or "15" in _nfkc(basis_text(deemed, rng))


# --- privacy ---------------------------------------------------------------------------------


def test_no_id_or_phone_numbers() -> None:
    for s in _batch(21, 2000):
        t = _nfkc(s)
        assert not ID_RE.search(t), t
        assert not PHONE_RE.search(t), t


# --- time cells read back -------------------------------------------------------------------


def _reads_back(text: str, when: datetime.datetime) -> bool:
    """The parsed value agrees with `when` to the precision the text carries."""
    r = parse_time(text)
    if r.value is None:
        return False
    if r.precision == "day":
        return r.value.date() == when.date()
    if r.precision == "hour":
        return abs(r.value - when.replace(second=0, microsecond=0)) < datetime.timedelta(hours=1)
    return r.value.replace(second=0) == when.replace(second=0, microsecond=0)


def time_read_back_share(n: int = 2000, seed: int = 0) -> tuple[float, list[str]]:
    rng = np.random.default_rng(seed)
    ok, missed = 0, []
    for _ in range(n):
        when = datetime.datetime(2023, 1, 1) + datetime.timedelta(
            minutes=int(rng.integers(0, 730 * 24 * 60))
        )
        s = time_text(when, rng)
        if _reads_back(s, when):
            ok += 1
        else:
            missed.append(s)
    return ok / n, missed


def test_time_text_reads_back() -> None:
    share, missed = time_read_back_share()
    print(f"\ntime_text read back by parse_time: {share:.4f} (missed {len(missed)}: {missed[:8]})")  # noqa: T201
    assert share >= 0.95


# --- what the narrative reader recovers -----------------------------------------------------

_FIELDS = ("direction", "mode", "counterpart", "responsibility")


def reader_shares(n: int = 2000, seed: int = 1, *, with_name: bool = True) -> dict[str, float]:
    """Share of narratives whose field `extract_narrative` recovers, per field.

    direction over commuting cases; mode, counterpart and responsibility over traffic cases.
    """
    rng = np.random.default_rng(seed)
    hits = dict.fromkeys(_FIELDS, 0)
    totals = dict.fromkeys(_FIELDS, 0)
    for _ in range(n):
        f = _random_facts(rng)
        text = narrative_text(f, rng, include_place=bool(rng.random() < 0.8))
        got = extract_narrative(text, worker_name=f.worker if with_name else None)
        if f.direction in ("上班", "下班"):
            totals["direction"] += 1
            hits["direction"] += got.direction == f.direction
        if f.traffic:
            for field in ("mode", "counterpart", "responsibility"):
                totals[field] += 1
                hits[field] += getattr(got, field) == getattr(f, field)
    return {k: hits[k] / totals[k] for k in _FIELDS}


def test_narrative_reader_shares() -> None:
    """Measure (not tune): how often the package's reader recovers the written facts."""
    with_name = reader_shares()
    without = reader_shares(with_name=False)
    print("\nextract_narrative recovery on narrative_text (n=2000):")  # noqa: T201
    for k in _FIELDS:
        print(f"  {k:15s} with worker_name {with_name[k]:.3f}   without {without[k]:.3f}")  # noqa: T201
    for k in _FIELDS:
        assert with_name[k] >= 0.6, (k, with_name[k])
