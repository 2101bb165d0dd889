"""Compose the 受伤经过 narrative of a synthetic determination.

:class:`_Narrator` holds the state of one narrative (the facts, the names and plate chosen
and the random source) and writes its pieces: the opener with date and time, the trip,
the place, the collision, the outcome and diagnosis, the police responsibility, refusal
reasons and the conclusion. :func:`trafficprev.datasets._case_text.narrative_text` is its
public entry point.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

import numpy as np

from trafficprev.datasets._case_phrases import (
    _ANIMAL_EVENTS,
    _COMPLEMENT,
    _DIAGNOSES,
    _ERRANDS,
    _ESCAPE_EVENTS,
    _FAULTS,
    _GIVEN,
    _NON_TRAFFIC_COMMUTE,
    _OD_INSTITUTIONS,
    _OPPOSITE,
    _OTHER_VEHICLES,
    _OWN_MODES,
    _PLATED,
    _SHORT,
    _SINGLE_EVENTS,
    _SURNAMES,
    _TRUCKS,
    _UNRESOLVABLE_IN_TEXT,
    CITY_NAME,
    _article,
    _basis_item,
    _chance,
    _clock,
    _cn,
    _date,
    _exposure,
    _fw,
    _pick,
    _refusal_articles,
    _workplace_event,
    _wpick,
)
from trafficprev.datasets._case_places import _place_core, _ref_text, _typo

if TYPE_CHECKING:
    from trafficprev.datasets._case_text import CaseFacts


class _Narrator:
    """State of one narrative: the facts, the names chosen and the random source."""

    def __init__(self, facts: CaseFacts, rng: np.random.Generator) -> None:
        self.f = facts
        self.rng = rng
        self.w = facts.worker
        self.other = self._masked_name({self.w})
        self.colleague = self._masked_name({self.w, self.other})
        self.plate = self._plate()
        if facts.mode in _OWN_MODES:
            phrase, noun, _ = _wpick(rng, [(t, t[2]) for t in _OWN_MODES[facts.mode]])
        elif facts.mode == "步行":
            phrase, noun = _pick(rng, ("步行", "步行", "走路")), ""
        else:
            phrase, noun = "", ""
        self.mode_phrase = phrase.format(
            X=self.colleague, P=self._plate(), N=3 + int(rng.random() * 40)
        )
        self.vehicle_noun = noun
        self.passenger = facts.mode in ("乘车", "公交")
        self.walker = facts.mode == "步行"
        self.police = self._police()
        self.diagnosis_override: str | None = None

    # -- names and numbers ------------------------------------------------------------------

    def _masked_name(self, taken: set[str]) -> str:
        rng = self.rng
        while True:
            s = _pick(rng, _SURNAMES)
            name = _wpick(
                rng,
                (
                    (f"{s}某某", 6.0),
                    (f"{s}某", 3.0),
                    (f"{s}某{_pick(rng, '甲乙丙')}", 0.5),
                    (f"{s}*{_pick(rng, _GIVEN)}", 1.0),
                    (f"{s}**", 0.3),
                ),
            )
            if name not in taken and not any(name in t or t in name for t in taken):
                return name

    def _plate(self) -> str:
        rng = self.rng
        letter = _wpick(rng, (("J", 8.0), ("A", 0.5), ("D", 0.3), ("K", 0.3), ("E", 0.2)))
        digits = f"{int(rng.random() * 10000):04d}"
        return _wpick(
            rng,
            (
                (f"湘{letter}·X{digits}测", 7.0),
                (f"湘{letter}X{digits}测", 1.5),
                (f"湘{letter}·*****", 1.5),
                (f"湘{letter}****测", 0.5),
            ),
        )

    def _police(self) -> str:
        rng = self.rng
        place = self.f.place
        district = place.district if place else None
        forms: list[tuple[str, float]] = [
            ("交警部门", 3.0),
            ("公安交警部门", 1.5),
            (f"{CITY_NAME}公安局交通警察支队直属{_cn(1 + int(rng.random() * 4))}大队", 2.0),
            (f"{CITY_NAME}交警支队", 1.0),
            ("交警大队", 1.0),
            ("公安局交通警察大队", 0.5),
        ]
        if district:
            if district.endswith("县") or district.endswith("市"):
                forms += [(f"{district}公安局交通警察大队", 4.0), (f"{district}交警大队", 2.0)]
            else:
                forms += [
                    (f"{CITY_NAME}公安局交通警察支队{district}大队", 3.0),
                    (f"{district}交警大队", 1.5),
                    (f"{CITY_NAME}公安局{district}分局交通警察大队", 1.0),
                ]
        return _wpick(rng, forms)

    def _subject(self) -> str:
        return _wpick(
            self.rng,
            (
                (self.w, 5.0),
                ("该职工", 2.0),
                ("其", 2.0),
                ("本人", 0.8),
                ("受伤职工", 1.0),
                ("伤者", 0.4),
                (f"{self.w}本人", 0.4),
            ),
        )

    def _hospital(self) -> str:
        rng = self.rng
        place = self.f.place
        forms: list[tuple[str, float]] = [
            (f"{CITY_NAME}第一人民医院", 3.0),
            (f"{CITY_NAME}第二人民医院", 1.5),
            (f"{CITY_NAME}中心医院", 1.5),
            (f"{CITY_NAME}中医医院", 1.0),
            ("医院", 1.0),
            ("当地医院", 0.5),
        ]
        if place and place.district:
            forms.append((f"{place.district}人民医院", 2.0))
        if place and place.town and place.town.endswith(("镇", "乡")):
            forms.append((f"{place.town}卫生院", 1.0))
        return _wpick(rng, forms)

    # -- time -------------------------------------------------------------------------------

    def _opener(self, trip: str) -> str:
        """Worker, date and time, followed by the trip phrase."""
        rng, when, w = self.rng, self.f.when, self.w
        direction = self.f.direction
        if direction == "下班" and when.hour < 10 and _chance(rng, 0.5):
            prev = when - datetime.timedelta(days=1)
            pdate = _date(prev.date(), rng, narrative=True)
            m = self.mode_phrase
            trip = _pick(rng, (f"{m}回家途中", f"{m}离开公司回家，途中", f"{m}返回住所途中"))
            clock = _clock(when, rng)
            if when.hour < 6:
                start = _pick(rng, ("加班至次日凌晨", "上夜班至次日凌晨", "在单位加班，次日凌晨"))
                clock = clock.replace("凌晨", "").replace("夜里", "")
                return f"{w}于{pdate}{start}{clock}下班后，{trip}"
            shift = _pick(rng, ("20时", "19时", "晚上8点", "20:00", "19时30分"))
            return _pick(
                rng,
                (
                    f"{w}于{pdate}{shift}上夜班，次日{clock}下班后，{trip}",
                    f"{pdate}晚，{w}上夜班，次日{clock}打卡下班后，{trip}",
                    f"{w}于{pdate}上夜班，于次日{clock}下夜班后，{trip}",
                ),
            )
        date = _date(when.date(), rng, narrative=True)
        clock = _clock(when, rng)
        employer = self.f.employer
        return _wpick(
            rng,
            (
                (f"{date}{clock}，{w}{trip}", 6.0),
                (f"{w}于{date}{clock}{trip}", 4.0),
                (f"你单位职工{w}于{date}{clock}{trip}", 1.5),
                (f"{w}系{employer}职工。{date}{clock}，{w}{trip}", 1.5),
                (f"{employer}员工{w}，{date}{clock}{trip}", 0.8),
                (f"{date}{clock}，{employer}职工{w}{trip}", 1.0),
            ),
        )

    # -- trip -------------------------------------------------------------------------------

    def _trip(self) -> str:
        """The commute (or errand) with the mode: 驾驶电动自行车上班途中, 下班后骑电动车..."""
        rng, m = self.rng, self.mode_phrase
        direction = self.f.direction
        if direction == "无":
            errand = _pick(rng, _ERRANDS)
            if not m:
                return _pick(rng, (f"受单位指派{errand}途中", f"因工{errand}途中"))
            return _pick(
                rng,
                (
                    f"受单位指派{m}{errand}途中",
                    f"{m}{errand}，返回单位途中",
                    f"因工作需要{m}{errand}途中",
                ),
            )
        hour = self.f.when.hour
        if direction == "上班":
            forms: list[tuple[str, float]] = [
                (f"{m}上班途中", 6.0),
                (f"在{m}上班途中" if m else "在上班途中", 1.5),
                (f"从家中{m}前往单位上班，途中" if m else "从家中出发前往单位上班，途中", 2.0),
                (f"{m}去单位上班", 1.5),
                (f"在上班途中，{m}" if m else "在上班途中", 1.0),
                (f"从住所{m}前往公司上班", 1.0),
                (f"从单位宿舍{m}前往车间上班途中", 0.6),
                (f"{m}赶往单位上班的路上", 0.6),
            ]
            if 6 <= hour <= 9 and not self.passenger:
                forms.append((f"送小孩上学后{m}前往单位上班途中", 1.0))
            if hour >= 17:
                forms.append((f"{m}上夜班途中", 1.5))
        else:
            forms = [
                (f"下班后{m}从公司回家，途中" if m else "下班后从公司回家，途中", 3.0),
                (f"{m}下班回家途中", 5.0),
                ("在下班回家途中" + (f"，{m}" if m else ""), 1.5),
                (f"{m}下班途中", 3.0),
                (f"下班后{m}返回住所途中", 1.0),
                (f"下班后到菜市场购买生活用品后{m}回家途中", 0.8),
                (f"下班后{m}返回单位宿舍途中", 0.6),
                (f"加班结束后{m}回家途中", 0.8 if hour >= 19 or hour < 6 else 0.1),
                (f"{m}在回家的路上", 0.5),
                (f"下班后{m}去接小孩放学后回家途中", 0.4 if 16 <= hour <= 18 else 0.0),
            ]
            if hour < 10:
                forms.append((f"下夜班后{m}回家途中", 2.0))
        return _wpick(rng, forms).replace("，，", "，")

    # -- place ------------------------------------------------------------------------------

    def _route(self, include_place: bool) -> str:
        """Where the accident happened, as a clause ending before the collision (or '')."""
        place = self.f.place
        if not include_place or place is None:
            if self.passenger:
                return _pick(self.rng, ("途中", "该车行驶途中", ""))
            return ""
        rng = self.rng
        if place.kind == "unresolvable":
            p = _pick(rng, _UNRESOLVABLE_IN_TEXT)
        else:
            p = _place_core(place, rng)
        if _chance(rng, 0.03):
            p = _fw(p)
        bare = p[:-1] if p.endswith("处") else p
        at = (
            bare
            if bare.endswith(("附近", "一带", "路段", "路口", "门口", "上", "段", "地方"))
            else bare + "处"
        )
        if self.passenger:
            forms: list[tuple[str, float]] = [
                (f"该车行驶至{p}时", 4.0),
                (f"车辆行驶至{p}时", 2.0),
                (f"途经{p}时", 1.0),
                (f"在{at}", 1.0),
            ]
        elif self.walker:
            forms = [
                (f"步行至{p}时", 3.0),
                (f"在{bare}横过道路时", 2.0),
                (f"行至{p}时", 2.0),
                (f"在{at}", 1.5),
            ]
        else:
            forms = [
                (f"行驶至{p}时", 6.0),
                (f"在{at}", 3.0),
                (f"途经{p}时", 2.0),
                (f"行至{p}", 1.5),
                (f"当行驶到{p}的时候", 0.6),
                (f"在{at}非机动车道上", 0.6 if self.f.mode in ("电动自行车", "自行车") else 0.0),
            ]
            road = place.road
            if road and place.kind in (
                "intersection",
                "offset",
                "road_section",
                "gate",
                "landmark",
            ):
                b = _pick(rng, ("东", "西", "南", "北"))
                way = _pick(
                    rng,
                    (
                        f"由{b}往{_OPPOSITE[b]}方向",
                        f"由{b}向{_OPPOSITE[b]}",
                        f"自{b}向{_OPPOSITE[b]}",
                    ),
                )
                forms.append((f"沿{_typo(place, road)}{way}行驶至{p}时", 4.0))
            if place.kind == "stake" and place.toward:
                forms.append((f"沿{_ref_text(place, rng)}往{place.toward}方向行驶至{p}时", 2.0))
        return _wpick(rng, forms)

    # -- collision --------------------------------------------------------------------------

    def _vehicle(self, counterpart: str) -> str:
        return _wpick(self.rng, _OTHER_VEHICLES.get(counterpart, _OTHER_VEHICLES["小型汽车"]))

    def _plated(self, counterpart: str, v: str) -> str:
        """'{C}驾驶的{plate}{V}' and variants (the plate only for motor vehicles)."""
        rng, c = self.rng, self.other
        if counterpart not in _PLATED or _chance(rng, 0.45):
            return f"{c}驾驶的{v}"
        p = self.plate
        return _wpick(
            rng,
            (
                (f"{c}驾驶的{p}{v}", 4.0),
                (f"{c}驾驶的{p}号{v}", 2.0),
                (f"{c}驾驶的{v}（{p}）", 1.0),
                (f"{c}驾驶的车牌号为{p}的{v}", 1.0),
            ),
        )

    def _collision(self) -> str:
        rng, cp = self.rng, self.f.counterpart
        w_ref = _pick(rng, (self.w, "其", self.w))
        if self.passenger and cp in ("行人", "动物", "逃逸未查获", "未知"):
            subj = _pick(rng, ("该车", "所乘车辆"))
            return {
                "行人": f"{subj}与横过道路的行人{self.other}相撞",
                "动物": f"{subj}为避让突然窜出的狗紧急制动后失控",
                "逃逸未查获": f"{subj}被一辆肇事后逃逸的车辆撞击，肇事车辆尚未查获",
                "未知": f"{subj}发生交通事故",
            }[cp]
        if self.walker and cp in ("单方", "动物"):
            return _pick(
                rng,
                (
                    ("因路面坑洼摔倒", "因路面湿滑摔倒", "踩到路面坑洼摔倒")
                    if cp == "单方"
                    else ("被突然窜出的一条狗扑倒", "被路边窜出的流浪狗撞倒")
                ),
            )
        if cp == "单方":
            if self.f.mode == "公交":
                return _pick(
                    rng, ("公交车紧急制动，{S}在车内摔倒", "因车辆急刹车，{S}在车厢内摔倒")
                ).format(S=w_ref)
            if self.passenger:
                return _pick(rng, ("该车失控侧翻", "车辆失控撞上路边护栏", "该车驶出路外侧翻"))
            return _wpick(rng, _SINGLE_EVENTS)
        if cp == "动物":
            return _wpick(rng, _ANIMAL_EVENTS).format(S=_pick(rng, ("其", "", self.w)))
        if cp == "逃逸未查获":
            return _wpick(rng, _ESCAPE_EVENTS).format(
                V=self._vehicle(_pick(rng, ("小型汽车", "货车", "摩托车")))
            )
        if cp == "未知":
            return _pick(
                rng, ("发生交通事故", "发生道路交通事故", "发生交通事故受伤", "与他车发生碰撞")
            )
        if cp == "行人":
            c = self.other
            if self.walker:
                return f"与行人{c}相撞摔倒"
            return _wpick(
                rng,
                (
                    (f"与横过道路的行人{c}相撞", 3.0),
                    (f"与行人{c}发生碰撞", 2.0),
                    (f"为避让突然横穿马路的行人{c}，与其相撞后摔倒", 1.0),
                ),
            )
        v = self._vehicle(cp)
        other = self._plated(cp, v)
        if self.passenger:
            subj = _pick(rng, ("该车", "所乘车辆", f"{self.colleague}驾驶的车辆"))
            if self.f.mode == "公交":
                subj = _pick(rng, ("该公交车", "所乘公交车"))
            return _pick(rng, (f"{subj}与{other}相撞", f"{subj}与{other}发生碰撞"))
        if self.walker:
            return _wpick(
                rng,
                (
                    (f"被{other}撞倒", 4.0),
                    (f"与{other}发生碰撞", 2.0),
                    (f"被一辆{v}撞伤", 1.0),
                ),
            )
        in_car = self.f.mode == "小型汽车"
        forms: list[tuple[str, float]] = [
            (f"与{other}发生碰撞", 6.0),
            (f"与{other}相撞", 4.0),
            (f"被{other}撞倒", 0.0 if in_car else 2.0),
            (f"与对向行驶的{other}发生碰撞", 1.0),
            (f"被后方同向行驶的{other}追尾", 1.5),
            (f"与同向行驶的{other}发生刮擦", 0.8),
            (f"与{other}左转弯时发生碰撞", 0.6),
            (f"被一辆{v}撞倒", 0.0 if in_car else 0.6),
            (f"被一辆{v}撞击", 0.6 if in_car else 0.0),
        ]
        if cp in _TRUCKS:
            forms.append((f"与右转弯的{other}发生碰撞", 3.0))
            noun = self.vehicle_noun or "电动自行车"
            forms.append(
                (
                    f"{self.other}驾驶{v}跨越道路中心双实线左转弯过程中，与{self.w}驾驶的{noun}相撞",
                    1.0,
                )
            )
        if cp == "小型汽车" and self.f.mode in ("电动自行车", "自行车", "摩托车"):
            forms.append((f"被{self.other}停放在路边的{v}开启车门时刮倒", 1.2))
            forms.append((f"被路边停放的{v}开启车门时刮倒", 0.6))
        return _wpick(rng, forms)

    def _outcome(self) -> str:
        rng, sev = self.rng, self.f.severity
        w = _pick(rng, (self.w, "其"))
        two = self.f.counterpart in _OTHER_VEHICLES and not self.walker
        if sev == "死亡":
            return _pick(
                rng,
                (
                    f"致{w}当场死亡",
                    f"致{w}受伤，经送医抢救无效死亡",
                    f"造成{w}死亡",
                    f"致{w}受伤，后经{self._hospital()}抢救无效于当日死亡",
                ),
            )
        if sev == "重伤":
            return _pick(
                rng,
                (f"致{w}受重伤", f"致{w}受伤", f"造成{w}重伤")
                + ((f"致{w}受伤、两车受损",) if two else ()),
            )
        return _wpick(
            rng,
            (
                (f"致{w}受伤", 5.0),
                (f"致{w}受伤、两车受损", 2.0 if two else 0.0),
                (f"造成{w}受伤", 1.5),
                (f"致{w}摔伤", 1.0),
                ("致其受伤，车辆受损", 0.6 if not self.walker else 0.0),
            ),
        )

    def _diagnosis(self) -> str:
        rng, sev = self.rng, self.f.severity
        d = _pick(rng, _DIAGNOSES[sev])
        if self.diagnosis_override:
            d = self.diagnosis_override
            if sev == "死亡":
                return f"死亡原因为{d}。"
            return f"经{self._hospital()}诊断为{d}。"
        if sev == "死亡":
            return _pick(rng, (f"经{self._hospital()}诊断死亡原因为{d}。", f"死亡原因为{d}。"))
        d2 = _pick(rng, _DIAGNOSES["轻伤"])
        diag = d if d2 == d or _chance(rng, 0.6) else f"{d}、{d2}"
        return _pick(
            rng,
            (
                f"经{self._hospital()}诊断为：{diag}。",
                f"经{self._hospital()}诊断为{diag}。",
                f"伤情经{self._hospital()}诊断为{diag}。",
                f"诊断：{diag}。",
            ),
        )

    # -- responsibility ---------------------------------------------------------------------

    def _grade(self, g: str) -> str:
        if g == "无":
            return _wpick(
                self.rng,
                (
                    ("不负事故责任", 4.0),
                    ("无责任", 2.0),
                    ("不承担事故责任", 1.5),
                    ("无责", 0.8),
                    ("不负此次事故责任", 1.0),
                ),
            )
        return _wpick(
            self.rng,
            (
                (f"负事故{g}责任", 6.0),
                (f"负此次事故的{g}责任", 1.5),
                (f"承担事故{g}责任", 1.5),
                (f"负{g}责任", 2.0),
                (f"应负事故{g}责任", 0.6),
                (f"负{_SHORT[g]}责", 0.8),
                (f"承担此次事故{g}责任", 0.5),
            ),
        )

    def _lead(self) -> str:
        rng = self.rng
        police = self.police
        doc = _wpick(
            rng,
            (
                ("《道路交通事故认定书》", 6.0),
                ("《道路交通事故认定书（简易程序）》", 1.5),
                ("《交通事故认定书》", 1.0),
                ("道路交通事故认定书", 0.8),
                (
                    f"（示公交认字〔{self.f.when.year}〕第{int(rng.random() * 9000) + 100}号）"
                    "《道路交通事故认定书》",
                    0.6,
                ),
            ),
        )
        return _wpick(
            rng,
            (
                (f"经{police}{doc}认定，", 5.0),
                (f"{police}出具{doc}，认定", 2.0),
                (f"经{police}认定，", 3.0),
                (f"该事故经{police}作出{doc}认定：", 1.0),
                (f"根据{police}出具的{doc}，", 1.5),
                ("事故责任经交警部门认定为", 0.8),
            ),
        )

    def _responsibility(self) -> str:
        """The police sentence with the worker's responsibility (or '' when not stated)."""
        rng, f = self.rng, self.f
        r, cp = f.responsibility, f.counterpart
        police = self.police
        if r == "意外":
            return _pick(
                rng,
                (
                    f"{police}出具《道路交通事故证明》，认定该事故系交通意外事故，各方均无责任。",
                    f"经{police}认定，此次事故属交通意外事故，双方均不负事故责任。",
                    f"{police}出具的《道路交通事故证明》载明：该事故为交通意外事故。",
                    "交警部门认定此事故为意外事故，当事人均无责任。",
                ),
            )
        if r == "未认定":
            forms: list[tuple[str, float]] = [
                ("", 3.0),
                (f"{police}出具《道路交通事故证明》，事故成因无法查清。", 2.0),
                ("因事故成因无法查清，交警部门出具了《道路交通事故证明》，未作责任认定。", 1.5),
                (f"{police}出具了《道路交通事故证明》。", 1.0),
            ]
            if cp == "逃逸未查获":
                forms.append(
                    (f"{police}出具《道路交通事故证明》，因肇事车辆逃逸，事故责任无法认定。", 3.0)
                )
            return _wpick(rng, forms)
        ws = self._subject()
        lead = self._lead()
        if self.passenger and r == "无":
            a = f"{ws}作为乘车人不负事故责任"
            if cp in _OTHER_VEHICLES and _chance(rng, 0.5):
                g = _pick(rng, ("全部", "主要", "同等"))
                og = _COMPLEMENT[g] if g != "全部" else "无"
                driver = self.colleague if self.colleague in self.mode_phrase else "该车驾驶人"
                b = f"{self.other}{self._grade(g)}，{driver}{self._grade(og)}"
                return lead + (f"{b}，{a}。" if _chance(rng, 0.5) else f"{a}，{b}。")
            return lead + a + "。"
        own = f"{ws}{self._grade(r)}"
        reasons = _FAULTS.get(f.mode, ())
        if r in ("主要", "全部") and reasons and _chance(rng, 0.35):
            why = _pick(rng, reasons)
            own = f"{ws}{why}{self._grade(r)}"
        elif r == "次要" and f.mode in ("电动自行车", "摩托车") and _chance(rng, 0.3):
            own = f"{ws}驾驶{self.vehicle_noun}未戴安全头盔，{self._grade(r)}"
        has_other = cp not in ("单方", "动物", "未知")
        if not has_other:
            return lead + own + "。"
        if cp == "逃逸未查获":
            other_name = _pick(rng, ("肇事方", "肇事车辆驾驶人", "逃逸车辆驾驶人"))
        else:
            other_name = _wpick(
                rng, ((self.other, 6.0), ("对方驾驶人", 1.5), ("对方", 1.0), ("对方当事人", 0.6))
            )
        theirs = f"{other_name}{self._grade(_COMPLEMENT[r])}"
        shape = rng.random()
        if shape < 0.45:
            return lead + f"{own}，{theirs}。"
        if shape < 0.85:
            return lead + f"{theirs}，{own}。"
        if shape < 0.93 or r == "同等":
            return lead + f"{own}。"
        return lead + f"{theirs}。"  # the worker's grade only by implication

    # -- refusal reasons and conclusion ----------------------------------------------------

    def _reason(self) -> str:
        rng, f, w = self.rng, self.f, self.w
        reason = f.refusal_reason
        if f.conclusion != "不予认定" or reason is None:
            return ""
        if reason == "本人主要责任":
            grade = f.responsibility if f.responsibility in ("主要", "全部") else "主要"
            return _pick(
                rng,
                (
                    f"{w}在此次事故中负主要以上责任，不属于受到非本人主要责任的交通事故伤害。",
                    "其所受伤害不属于非本人主要责任的交通事故伤害。",
                    f"因{w}负事故{grade}责任，不符合“非本人主要责任”的条件。",
                ),
            )
        if reason == "非合理时间":
            gap = 90 + int(rng.random() * 210)
            leave = f.when - datetime.timedelta(minutes=gap)
            normal = _pick(rng, (20, 30, 30, 40))
            hours = f"{gap / 60:.1f}".rstrip("0").rstrip(".")
            forms = [
                f"经调查，{w}当日{leave.hour}时{leave.minute}分离开单位，"
                f"{_clock(f.when, rng)}发生事故，"
                f"间隔约{hours}小时，明显超过正常{normal}分钟左右的车程，不属于在合理时间内。",
                f"经调查，{w}在工作时间内擅自提前离岗，事故发生时不属于下班合理时间。",
                f"{w}当日系轮休，事故发生时并非在上下班的合理时间内。",
            ]
            if f.direction == "上班":
                forms.append(
                    f"{w}所在单位上班时间为{(f.when.hour + 4) % 24}时，"
                    "事故发生时间距上班时间间隔过长，不属于合理时间。"
                )
            return _pick(rng, forms)
        if reason == "非合理路线":
            km = 3 + int(rng.random() * 15)
            return _pick(
                rng,
                (
                    f"经调查，事故发生地点位于{w}单位与住所之间正常路线的相反方向，偏离约{km}公里，不属于合理路线。",
                    f"{w}下班后前往朋友家聚餐，事故发生在其前往聚餐地点途中，不属于上下班的合理路线。",
                    f"事故发生时{w}并非处于上下班的合理路线上。",
                ),
            )
        if reason == "非交通事故":
            return _pick(
                rng,
                (
                    f"{w}所受伤害系自行摔倒所致，不属于交通事故。",
                    "该伤害不属于《工伤保险条例》第十四条第（六）项规定的交通事故伤害。",
                    "经调查，其受伤并非交通事故所致。",
                ),
            )
        if reason == "劳动关系不成立":
            return _pick(
                rng,
                (
                    f"经调查核实，{w}与{f.employer}之间不存在劳动关系。",
                    f"{w}已达到法定退休年龄并已依法享受基本养老保险待遇，与{f.employer}不构成劳动关系。",
                    f"申请人提交的证据不能证明{w}与{f.employer}之间存在劳动关系。",
                ),
            )
        bac = f"{80 + rng.random() * 180:.1f}"
        return _pick(
            rng,
            (
                f"经检测，{w}血液中乙醇含量为{bac}mg/100ml，属醉酒驾驶。",
                f"经{self.police}检验，{w}事故发生时处于醉酒状态（血液乙醇含量{bac}mg/100ml）。",
                f"经查，{w}系吸毒后驾驶机动车。",
            ),
        )

    def _conclusion(self) -> str:
        rng, f = self.rng, self.f
        w = _pick(rng, (self.w, "其", "该职工"))
        if f.conclusion == "不予认定":
            if f.refusal_reason == "第十六条":
                art = _article(16, 2, rng, cell=False)
                return _pick(
                    rng,
                    (
                        f"根据{art}之规定，不得认定为工伤，现决定不予认定为工伤。",
                        f"属于{art}规定的情形，决定不予认定工伤。",
                    ),
                )
            art = _refusal_articles(f, rng, cell=False)
            return _wpick(
                rng,
                (
                    (
                        f"{w}受到的伤害，不符合{art}认定工伤或者视同工伤的情形，现决定不予认定（或视同）为工伤。",
                        4.0,
                    ),
                    (f"不符合{art}认定工伤或者视同工伤的情形，决定不予认定为工伤。", 3.0),
                    ("不属于工伤认定范围，决定不予认定为工伤。", 2.0),
                    ("现决定不予认定工伤。", 1.0),
                    ("不予认定为工伤。", 0.8),
                ),
            )
        if f.conclusion == "视同工伤":
            art = _article(15, 1, rng, cell=False)
            return _pick(
                rng,
                (
                    f"符合{art}之规定，属于视同工伤范围，现予以视同工伤。",
                    f"根据{art}的规定，视同工伤。",
                    f"{w}的死亡属于视同工伤情形，予以视同工伤。",
                ),
            )
        art = _article(14, _basis_item(f), rng, cell=False)
        return _wpick(
            rng,
            (
                (f"{w}受到的伤害，符合{art}之规定，属于工伤认定范围，现予以认定为工伤。", 4.0),
                (f"符合{art}之规定，属于工伤认定范围，现予以认定（或者视同）为工伤。", 3.0),
                (f"根据{art}之规定，予以认定为工伤。", 2.0),
                ("属于工伤认定范围，现予以认定为工伤。", 1.5),
                ("本局决定认定为工伤。", 0.6),
                ("认定为工伤。", 0.6),
                (f"符合{art}规定，认定为工伤。", 1.0),
            ),
        )

    # -- whole narratives --------------------------------------------------------------------

    def traffic(self, include_place: bool) -> str:
        trip = self._trip()
        route = self._route(include_place)
        collision = self._collision()
        outcome = self._outcome()
        text = self._opener(trip).rstrip("，")
        if route in ("途中", "该车行驶途中") and text.endswith("途中"):
            route = ""
        if self.passenger and not route and not text.endswith("途中"):
            route = "途中"
        # "在上班途中，驾驶电动自行车" runs on into "行驶至…时" without a comma
        m = self.mode_phrase
        glue = bool(m) and text.endswith(m) and not self.passenger
        if route.startswith(("该车", "车辆", "该公交车")) and collision.startswith("该车"):
            collision = collision[2:]
        for piece in (route, collision):
            if piece:
                text += ("" if glue else "，") + piece
                glue = False
        return text + "，" + outcome + "。" + self._tail(traffic=True)

    def non_traffic_commute(self) -> str:
        rng = self.rng
        trip = self._trip()
        mishap = _pick(rng, _NON_TRAFFIC_COMMUTE)
        head = self._opener(trip).rstrip("，")
        first = f"{head}，{mishap}。"
        if _chance(rng, 0.4):
            first += _pick(
                rng,
                (
                    "交警部门未出具事故认定书。",
                    "该事故未经交警部门处理。",
                    "事发时无机动车辆参与。",
                ),
            )
        return first + self._tail(traffic=False)

    def workplace(self) -> str:
        rng, f = self.rng, self.f
        event, _, self.diagnosis_override = _workplace_event(f)
        date = _date(f.when.date(), rng, narrative=True)
        clock = _clock(f.when, rng)
        w, employer = self.w, f.employer
        if f.conclusion == "视同工伤":
            hurt = ""
        else:
            hurt = _pick(rng, ("，致其受伤", "，致其受伤", "", f"，致{w}受伤", "，造成其受伤"))
            if f.severity == "死亡":
                hurt = _pick(rng, ("，经抢救无效死亡", "，致其当场死亡"))
        first = _wpick(
            rng,
            (
                (f"{date}{clock}，{w}{event}{hurt}。", 4.0),
                (f"{w}于{date}{clock}{event}{hurt}。", 3.0),
                (f"你单位职工{w}于{date}{clock}{event}{hurt}。", 1.5),
                (f"{w}系{employer}职工，{date}{clock}{event}{hurt}。", 1.5),
            ),
        )
        return first + self._tail(traffic=False)

    def occupational(self) -> str:
        """An occupational disease: the work and exposure, the diagnosis and by whom."""
        rng, f, w = self.rng, self.f, self.w
        hazards, jobs = _exposure(f.disease or "")
        hazard, job = _pick(rng, hazards), _pick(rng, jobs)
        years = 3 + int(rng.random() * 16)
        date = _date(f.when.date(), rng, narrative=True)
        by = _wpick(rng, _OD_INSTITUTIONS)
        cert = ""
        if _chance(rng, 0.3):
            cert = (
                f"（职业病诊断证明书编号：示职诊〔{f.when.year}〕{int(rng.random() * 900) + 10}号）"
            )
        employer, disease = f.employer, f.disease
        text = _wpick(
            rng,
            (
                (
                    f"{w}自{f.when.year - years}年起在{employer}从事{job}工作，工作中长期"
                    f"接触{hazard}。{date}经{by}诊断为{disease}{cert}。",
                    4.0,
                ),
                (
                    f"{w}系{employer}{job}工，在岗{_cn(years)}年，接触{hazard}。{date}，"
                    f"经{by}诊断为{disease}{cert}。",
                    3.0,
                ),
                (
                    f"{date}，{w}经{by}诊断患有{disease}，其在{employer}从事{job}作业"
                    f"{years}年，作业环境存在{hazard}。",
                    2.0,
                ),
                (
                    f"你单位职工{w}在从事{job}工作期间接触{hazard}，于{date}被{by}诊断为{disease}。",
                    1.5,
                ),
            ),
        )
        if _chance(rng, 0.85):
            text += self._conclusion()
        return text

    def _tail(self, *, traffic: bool) -> str:
        rng, f = self.rng, self.f
        out = ""
        diagnosis = self._diagnosis() if f.conclusion != "视同工伤" and _chance(rng, 0.6) else ""
        resp = self._responsibility() if traffic else ""
        if _chance(rng, 0.5):
            out += diagnosis + resp
        else:
            out += resp + diagnosis
        out += self._reason()
        if _chance(rng, 0.85) or (f.conclusion == "不予认定" and not out):
            out += self._conclusion()
        return out
