"""Rule-based extraction of structured fields from 受伤经过 narratives.

A determination tells in free text who travelled where and why, by which mode, what they
collided with, the police responsibility and the conclusion. This module maps that text to
the vocabularies of :mod:`trafficprev.schema` with regular expressions compiled at import
time (patterns: ``docs/domain.md`` §1.4–1.5). Functions are pure and never raise on odd
text; ``benchmarks/bench_narrative.py`` reports the accuracy on a hand-labelled set.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import asdict, dataclass

import pandas as pd

from trafficprev.schema import CONCLUSIONS, COUNTERPARTS, DIRECTIONS, MODES, RESPONSIBILITIES

__all__ = [
    "FIELD_NAMES", "NarrativeFields", "extract_fields", "extract_narrative",
    "is_commuting_basis", "normalize_conclusion", "normalize_responsibility",
]

logger = logging.getLogger(__name__)

#: Longer texts are cut to their head and tail (the conclusion sits at the end).
_MAX_CHARS = 8000
_HEAD_CHARS = 6000
_TAIL_CHARS = 2000

#: Columns returned by :func:`extract_fields`, in order.
FIELD_NAMES: tuple[str, ...] = (
    "direction", "mode", "counterpart", "responsibility", "conclusion", "place_phrase",
    "traffic", "commute",
)


@dataclass(frozen=True)
class NarrativeFields:
    """Fields extracted from one 受伤经过 narrative.

    Attributes
    ----------
    direction
        Commute direction, one of ``schema.DIRECTIONS``.
    mode
        The injured worker's own transport mode, one of ``schema.MODES``.
    counterpart
        The other party of the accident, one of ``schema.COUNTERPARTS``.
    responsibility
        The injured worker's police responsibility, one of ``schema.RESPONSIBILITIES``.
    conclusion
        The determination's conclusion, one of ``schema.CONCLUSIONS``.
    place_phrase
        The place where the accident happened as written (NFKC-normalised), or ``None``.
    traffic
        The narrative describes a road traffic accident.
    commute
        The narrative says the journey was to or from work.
    """

    direction: str = "未知"
    mode: str = "未知"
    counterpart: str = "未知"
    responsibility: str = "未认定"
    conclusion: str = "未知"
    place_phrase: str | None = None
    traffic: bool = False
    commute: bool = False


_DEFAULT = NarrativeFields()

# --- text cleaning ---------------------------------------------------------------------

_HTML_TAG = re.compile(r"<[^>]{0,200}>")
_HTML_ENTITY = re.compile(r"&(?:[a-zA-Z]{2,8}|#\d{1,6});")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff\s]+")


def _clean(text: object) -> str:
    """Return `text` as NFKC-normalised, tag-free, whitespace-free text ('' when unusable)."""
    if text is None or not isinstance(text, str):
        return ""
    if len(text) > _MAX_CHARS * 4:
        text = text[: _HEAD_CHARS * 4] + "。" + text[-_TAIL_CHARS * 4 :]
    s = _HTML_TAG.sub("", unicodedata.normalize("NFKC", text))
    s = _CONTROL.sub("", _HTML_ENTITY.sub("", s))
    if len(s) > _MAX_CHARS:
        s = s[:_HEAD_CHARS] + "。" + s[-_TAIL_CHARS:]
    return s


# --- persons ---------------------------------------------------------------------------

# Masked names: 张某某, 王某甲, 李某, 张*三, 欧阳某, 测试员甲. The character before 某 must not
# be a word that commonly precedes 某 in place descriptions (在某中学, 镇某村).
_NAME = re.compile(
    r"测试员[甲乙丙丁戊]|(?:欧阳|司马|上官|诸葛|东方|皇甫|尉迟|公孙|慕容|令狐|夏侯|司徒)"
    r"(?:某某|某[甲乙丙丁戊]|某)|"
    r"(?:[^\W\d_a-zA-Z在与被的是为到至一有个省市县区镇乡村街道线组对从往及或等该此其某]"
    r"(?:某某|某[甲乙丙丁戊]|某)|[^\W\d_a-zA-Z]\*{1,2}[^\W\d_a-zA-Z])"
    r"(?!村|镇|乡|中学|小学|学校|小区|公司|单位|医院|组|街道|路|地|时|日|年|厂|店|超市|市场)"
)
_WORKER_WORDS = re.compile(r"^(?:该职工|受伤职工|工伤职工|该员工|职工|员工|申请人|伤者|本人|"
                           r"受害人|其)")
_KIN_WORDS = re.compile(r"丈夫|妻子|配偶|同事|朋友|父亲|母亲|家属|他人|工友")
_OTHER_WORDS = re.compile(r"对方|驾驶人|驾驶员|司机|肇事|车主|骑行人|骑车人|行人|另一方|"
                          r"一方当事人|车辆")
_PASSENGER_WORD = re.compile(r"乘车人|乘客")
_BOTH_WORDS = re.compile(r"双方|各方|均|两车|二人")
_DRIVER_OF = re.compile(r"驾驶[^,。;]{0,14}的$")
_NAME_BLOCK_BEFORE = re.compile(r"(?:与|被|和|同|由|遭|事|夫|妻|偶|友|将|给)$")


def _infer_worker(text: str) -> str | None:
    """Guess the worker's masked name: the first name not introduced as another party."""
    for m in _NAME.finditer(text):
        before = text[max(0, m.start() - 2) : m.start()]
        if _NAME_BLOCK_BEFORE.search(before):
            continue
        if text.startswith("驾驶的", m.end()) or _DRIVER_OF.search(text[: m.start()][-16:]):
            continue
        return m.group(0)
    return None


def _is_worker_name(token: str, worker: str | None) -> bool:
    return worker is not None and token == worker


def _subject_role(subject: str, worker: str | None) -> str:
    """Classify a clause subject as 'worker', 'other', 'both' or 'unknown'."""
    s = subject
    if not s:
        return "unknown"
    worker_named = other_named = False
    for m in _NAME.finditer(s):
        if _is_worker_name(m.group(0), worker) and not _DRIVER_OF.search(s[: m.start()]):
            worker_named = True
        else:
            other_named = True
    if worker and not worker_named and not other_named and worker in s:
        worker_named = True
    if _BOTH_WORDS.search(s) or (worker_named and other_named and "与" in s):
        return "both"
    if _KIN_WORDS.search(s) or (not worker_named and _DRIVER_OF.search(s)):
        return "other"
    if worker_named or _PASSENGER_WORD.search(s) or _WORKER_WORDS.search(s):
        return "worker"
    if _OTHER_WORDS.search(s) or (other_named and worker is not None):
        return "other"
    return "unknown"


# --- responsibility --------------------------------------------------------------------

_GRADE_SHORT = {"全": "全部", "主": "主要", "同": "同等", "次": "次要", "无": "无"}
_RESP = re.compile(
    r"(?<!非本人)(?<!非)(?P<neg>不负|不承担|不应承担|无需承担|不应负|没有)?"
    r"(?P<verb>负有|应负|负|应承担|承担|担负|为)?"
    r"(?:此次|本次|该起|这起|该次|此|该|本|这)?(?:交通)?(?:事故)?的?"
    r"(?:(?P<grade>全部|主要|同等|次要|无)责任|(?P<short>[全主同次无])责(?!任)|责任)"
)
_ACCIDENT = re.compile(r"交通意外|意外事故|(?:各方|双方|均)均?无(?:事故)?责任|"
                       r"(?:各方|双方)均?不负(?:事故)?责任")
_SUBJECT_PREFIX = re.compile(r"^.*(?:认定|认为|确认|查明|显示|证明|结论)(?:为)?")
_INVERT = {"全部": "无", "主要": "次要", "次要": "主要", "同等": "同等", "无": "全部"}


def _clause_start(text: str, pos: int) -> int:
    for i in range(pos - 1, max(-1, pos - 60), -1):
        if text[i] in ",。;!?:":
            return i + 1
    return max(0, pos - 60)


def _responsibility(text: str, worker: str | None, passenger: bool) -> str:
    worker_grade = both_grade = unknown_grade = None
    other_grades: list[str] = []
    for m in _RESP.finditer(text):
        if m.group("neg"):
            grade = "无"
        elif m.group("grade"):
            grade = m.group("grade")
        elif m.group("short"):
            grade = _GRADE_SHORT[m.group("short")]
        else:
            continue
        start = _clause_start(text, m.start())
        subject = _SUBJECT_PREFIX.sub("", text[start : m.start()])
        role = _subject_role(subject, worker)
        if role == "unknown" and start > 1:
            prev = _clause_start(text, start - 1)
            role = _subject_role(_SUBJECT_PREFIX.sub("", text[prev : start - 1]), worker)
        if role == "worker" and worker_grade is None:
            worker_grade = grade
        elif role == "both" and both_grade is None:
            both_grade = grade
        elif role == "other":
            other_grades.append(grade)
        elif role == "unknown" and unknown_grade is None:
            unknown_grade = grade
    if _ACCIDENT.search(text) and worker_grade in (None, "无"):
        return "意外"
    for grade in (worker_grade, both_grade, unknown_grade):
        if grade is not None:
            return grade
    if other_grades and passenger:
        return "无"
    if other_grades and len(set(other_grades)) == 1:
        return _INVERT[other_grades[0]]
    return "未认定"


# --- vehicles, modes and counterparts -------------------------------------------------

# (pattern, mode when the worker drives/rides it, counterpart class)
_VEHICLES: tuple[tuple[str, str, str], ...] = (
    (r"电动自行车|电瓶车|电动车|电单车|助力自行车", "电动自行车", "电动自行车"),
    (r"三轮摩托车|电动三轮车|农用三轮车|三轮车|农用车|拖拉机|三蹦子", "其他", "三轮车"),
    (r"电动摩托车|二轮摩托车|两轮摩托车|摩托车|踏板车|燃油助力车", "摩托车", "摩托车"),
    (r"重型自卸货车|自卸货车|自卸车|渣土车|泥头车", "其他", "渣土车"),
    (r"重型半挂牵引车|半挂牵引车|半挂货车|半挂车|挂车|牵引车", "其他", "半挂牵引车"),
    (r"混凝土搅拌车|搅拌车|[重中轻微]型[厢仓栏罐普]?[式板通]?货车|厢式货车|罐车|货车|皮卡|卡车",
     "其他", "货车"),
    (r"公交车|公共汽车|公交|单位班车|班车|通勤车|厂车|校车", "公交", "公交客车"),
    (r"小型普通客车|小型越野客车|小型轿车|小型汽车|小型客车|小轿车|轿车|私家车|面包车|越野车|"
     r"SUV|suv|出租车|网约车|的士|小汽车|小车", "小型汽车", "小型汽车"),
    (r"大型普通客车|中型普通客车|大型客车|大客车|长途客车|大巴车|大巴|中巴|客车",
     "其他", "公交客车"),
    (r"自行车|单车", "自行车", "自行车"),
    (r"环卫车|洒水车|清扫车|挖掘机|铲车|收割机|工程车|火车|列车", "其他", "其他"),
)
_VEHICLE = re.compile("|".join(f"(?P<v{i}>{p})" for i, (p, _, _) in enumerate(_VEHICLES)))
_WALK = re.compile(r"步行|徒步|走路|行人|横过道路的|横穿马路的")
_ANIMAL = re.compile(r"(?:流浪)?(?:狗|犬|牛|羊|猪|猫|鸡|鸭|鹅)(?![某*])")
_ANIMAL_CONTEXT = re.compile(r"与|被|避让|躲避|窜|横穿|冲出|撞")
_DRIVE_VERB = re.compile(r"(?:驾驶|驾|骑行|骑乘|骑着|骑|开着|开)(?:的|着)?")
_RIDE_VERB = re.compile(r"乘坐|搭乘|乘座|坐上|坐在|搭坐|坐着|乘上|搭")
_RIDE_ANY_CAR = re.compile(r"(?:乘坐|搭乘)[^,。]{0,10}车")
_CONNECTOR = re.compile(r"与|被|和|同(?!事|向|样|时)|遭|避让|躲避|撞上|撞到|撞倒")
_OTHER_OWNER_END = re.compile(r"(?:对方|同事|丈夫|妻子|配偶|朋友|司机|他人|一辆|其他)$")
_WORKER_OWNER_END = re.compile(r"(?:其|本人|该职工|受伤职工|申请人|伤者|自己|自家)$")
_ESCAPE = re.compile(r"逃逸|逃离|驶离现场|离开现场|逃跑|尚未查获|未查获|未能查获|未抓获")
_CAUGHT = re.compile(r"(?<![未没])(?<!尚未)(?<!未能)(?:查获|抓获|归案|投案|自首|查明肇事)")
_SINGLE_STATED = re.compile(r"单方(?:交通)?事故|单车事故")
_SOLO = re.compile(r"摔倒|摔伤|跌倒|倒地|侧翻|翻车|翻入|坑洼|湿滑|单方|自行(?!车)|紧急制动|护栏|"
                   r"电线杆|隔离|路沿|石墩")


def _last(pattern: re.Pattern[str], s: str) -> re.Match[str] | None:
    found = None
    for found in pattern.finditer(s):  # noqa: B007 - keep the last match
        pass
    return found


def _has_connector(s: str) -> bool:
    """Whether `s` links to another party (与 inside 'A与B交叉口' does not count)."""
    return bool(_CONNECTOR.search(_JUNCTION_AFTER_YU.sub("", s)))


def _owner(text: str, pos: int, end: int, worker: str | None) -> str:
    """Who travels on the vehicle or walks at `pos`: 'worker', 'passenger', 'other', ''."""
    start = _clause_start(text, pos)
    after = _NAME.match(text, end + 1) if text.startswith("的", end) else None
    if after is not None:
        return "worker" if _is_worker_name(after.group(0), worker) else "other"
    window = text[max(start, pos - 16) : pos]
    ride = _last(_RIDE_VERB, window)
    if ride is not None and not _has_connector(window[ride.end() :]):
        return "passenger"
    drive = _last(_DRIVE_VERB, window)
    if drive is not None and not _has_connector(window[drive.end() :]):
        verb_pos = max(start, pos - 16) + drive.start()
        before = text[start:verb_pos]
        for m in _NAME.finditer(before):
            if m.end() == len(before):
                return "worker" if _is_worker_name(m.group(0), worker) else "other"
        if (worker and before.endswith(worker)) or _WORKER_OWNER_END.search(before):
            return "worker"
        if _OTHER_OWNER_END.search(before) or _has_connector(before):
            return "other"
        return "worker"
    if _has_connector(text[start:pos]):
        return "other"
    return ""


def _mode_and_counterpart(text: str, worker: str | None) -> tuple[str, str]:
    mode = None
    candidates: list[tuple[int, str]] = []
    for m in _VEHICLE.finditer(text):
        _, v_mode, v_cp = _VEHICLES[int(str(m.lastgroup)[1:])]
        owner = _owner(text, m.start(), m.end(), worker)
        if owner == "passenger":
            if mode is None:
                mode = "公交" if v_mode == "公交" else "乘车"
        elif owner == "worker":
            if mode is None:
                mode = v_mode
        elif owner == "other":
            candidates.append((m.start(), v_cp))
    for m in _WALK.finditer(text):
        owner = _owner(text, m.start(), m.end(), worker)
        if m.group(0) in ("行人", "横过道路的", "横穿马路的"):
            if owner == "other" or _has_connector(text[_clause_start(text, m.start()) : m.start()]):
                candidates.append((m.start(), "行人"))
            continue
        if owner == "other":
            candidates.append((m.start(), "行人"))
        elif mode is None:
            before = text[_clause_start(text, m.start()) : m.start()]
            if not _has_connector(before) and not before.endswith("的"):
                mode = "步行"
    for m in _ANIMAL.finditer(text):
        start = _clause_start(text, m.start())
        end = text.find("。", m.end())
        clause = text[start : end if end >= 0 else len(text)]
        if _ANIMAL_CONTEXT.search(clause):
            candidates.append((m.start(), "动物"))
    if mode is None and _RIDE_ANY_CAR.search(text):
        mode = "乘车"
    if _ESCAPE.search(text) and not _CAUGHT.search(text):
        counterpart = "逃逸未查获"
    elif _SINGLE_STATED.search(text):
        counterpart = "单方"
    elif candidates:
        counterpart = min(candidates)[1]
    elif _SOLO.search(text):
        counterpart = "单方"
    else:
        counterpart = "未知"
    return mode or "未知", counterpart


# --- direction, traffic, conclusion -----------------------------------------------------

_NOT_COMMUTE_NOISE = re.compile(
    r"上班(?:时间|期间|时|地点|时段)|下班(?:时间|时段)|正常上班|在岗|工作时间|"
    r"(?:不属于|不是|并非|非|不在)(?:合理的?)?上下班途中"
)
_PERSONAL = re.compile(r"送(?:小孩|孩子|子女|女儿|儿子)|接(?:小孩|孩子)|购物|看病|就医|探亲|旅游|"
                       r"游玩|私事")
_BOTH_DIRECTIONS = re.compile(r"上下班")
_TO_WORK = re.compile(
    r"上班|上[早中晚夜白]班|前往[^,。;]{0,8}(?:单位|公司|工地|车间|厂区|工厂|厂里|项目部|岗位)|"
    r"去(?:单位|公司|厂里|工地)|到厂|赶往(?:单位|公司)|从家中?出发"
)
_FROM_WORK = re.compile(
    r"下班|下[早中晚夜白]班|收工|放工|回家|返家|返回(?:家中|住处|宿舍|[^,。;]{0,8}宿舍)|回宿舍|回住处|"
    r"回到家|离厂回|离开(?:公司|单位)回"
)
_EXPLICIT = re.compile(r"(?:上|下)班(?:的)?(?:途中|路上|回家)|下班后|回家(?:途中|路上)")
_ERRAND = re.compile(
    r"出差|外出办事|因工外出|外出送货|送货|公务|外出学习|外出开会|拜访客户|外出采购|"
    r"受(?:单位|公司)(?:指派|安排|委派)|外出执行"
)
_TRAFFIC = re.compile(r"交通事故|交通意外|撞|追尾|刮倒|刮擦|刮碰|碾压|侧翻|翻车")
_NOT_TRAFFIC = re.compile(r"(?:不属于|不是|并非|不构成|非)(?:道路)?交通事故")
_FALL = re.compile(r"摔倒|摔伤|跌倒|倒地|滑倒")
_WORKPLACE = re.compile(r"车间|仓库|厂房|生产线|工作岗位|办公室|食堂|作业|机器|操作")
_ROAD = re.compile(r"途中|道路|路口|行驶|交通|公路|马路|大道|路段")
_NEG_CONC = re.compile(
    r"不予(?:以)?(?:认定|确认)|不(?:能|应|得)?认定为?工伤|不属于工伤|不视同|"
    r"不符合工伤认定(?:条件|情形)"
)
_POS_SIMILAR = re.compile(r"(?<!或者)(?<!或)(?<!\()(?<!不)(?:予以)?视同为?工伤(?![的情条或])")
_POS_CONC = re.compile(
    r"(?<!不予)(?<!不予以)(?<!不)(?<!申请)(?<!要求)(?<!请求)"
    r"(?:(?:予以|应当|应予|依法|现)?(?:认定|确认)为?工伤(?![或的情条范申决认保])|"
    r"予以认定(?![^,。;]{0,4}(?:或|情形))|属于工伤(?!的情)|认定工伤$)"
)

_CONCLUSIONS = ((_NEG_CONC, "不予认定"), (_POS_SIMILAR, "视同工伤"), (_POS_CONC, "认定工伤"))


def _direction(text: str) -> tuple[str, bool]:
    s = _NOT_COMMUTE_NOISE.sub("", text)
    ambiguous = bool(_BOTH_DIRECTIONS.search(s))
    s = _BOTH_DIRECTIONS.sub("", s).replace("上完", "")
    to_m = _TO_WORK.search(s)
    from_m = _FROM_WORK.search(s)
    if _ERRAND.search(s) and not _EXPLICIT.search(s):
        return "其他", False
    if not to_m and not from_m and _PERSONAL.search(s):
        return "其他", False
    if to_m and (not from_m or to_m.start() < from_m.start()):
        return "上班", True
    if from_m:
        return "下班", True
    return "未知", ambiguous


def _traffic(text: str, mode: str) -> bool:
    if _NOT_TRAFFIC.search(text):
        return False
    if _WORKPLACE.search(text) and not _ROAD.search(text):
        return False
    if _TRAFFIC.search(text):
        return True
    return bool(_FALL.search(text)) and mode not in ("未知", "步行")


def _conclusion(text: str) -> str:
    best_pos, best = -1, "未知"
    for pattern, label in _CONCLUSIONS:
        for m in pattern.finditer(text):
            if m.start() > best_pos:
                best_pos, best = m.start(), label
    return best


# --- place ------------------------------------------------------------------------------

_PLACE_TRIGGER = re.compile(
    r"(?P<strong>事故地点为|事故地点:|地点为|事故发生在|发生地点为)|"
    r"(?P<move>行驶至|行驶到|行至|骑行至|骑至|驶至|走至|步行至|途经|途径|路经|路过|经过|到达|来到|"
    r"进入|驶入|驶进)|"
    r"(?P<at>在)|(?P<cross>横过|横穿|穿过)|(?P<along>沿)"
)
_PLACE_STOP = re.compile(
    r"[,。;!?]|时(?!代)|被|发生|因|由于|突然|不慎|遭|撞|摔|致|将|逆向|行驶|骑行|驾驶|横过|横穿|"
    r"穿越|等候|等待|搬运|操作|工作|作业|上货|吃饭|紧急|刮|追尾|由[东南西北]|往[东南西北]行|从"
)
_JUNCTION_AFTER_YU = re.compile(
    r"与(?:(?!的|辆|驾驶|骑|一|车|行人)[^,。;与被]){1,14}?(?:交叉|交汇|交界|十字|丁字|三岔|路口|口)"
)
_PLACE_SUFFIX = re.compile(
    r".*(?:路口|路段|地段|处|附近|门口|对面|一带|境内|中段|交叉口|交汇处|桥|线|道|路|街|巷|口|"
    r"站台|广场|小区|车间|仓库|厂区|食堂|办公室|生产线|工地|停车场|隧道|高速|段|侧|旁|村|镇|组|"
    r"乡|米|[0-9]|M|KM|室|\))"
)
_PLACE_MARKER = re.compile(
    r"路|道|街|巷|口|桥|线|处|附近|门口|广场|小区|公司|厂|车间|仓库|镇|乡|村|组|高速|隧道|停车场|"
    r"站|食堂|办公室|生产线|工地|K\d|公里|米"
)
_PLACE_REJECT = re.compile(
    r"^(?:上班|下班|回家|返回|前往|去|途中|上下班|工作|家|此|该|其他|事发|医院)|"
    r"途中|期间|过程|时间|之后|以后|医院|诊断|治疗|抢救|岗位"
)
_GENERIC_PLACE = re.compile(r"^(?:马路|道路|公路|路面|路边|路上|机动车道|非机动车道|人行横道)$")
_COLLISION_AT = re.compile(r"相撞|碰撞|撞|追尾|刮|摔倒|摔伤|跌倒|碾压|侧翻|发生交通事故|受伤")


def _cut_place(text: str, start: int) -> str:
    """Cut the place at the first stop word, or at a 与 that is not part of 'A与B路口'."""
    span, pos = text[start : start + 60], 0
    while True:
        stop = _PLACE_STOP.search(span, pos)
        end = stop.start() if stop else len(span)
        yu = span.find("与", pos, end)
        if yu < 0:
            return span[:end]
        if not _JUNCTION_AFTER_YU.match(span, yu):
            return span[:yu]
        pos = yu + 1


def _tidy_place(raw: str) -> str | None:
    m = _PLACE_SUFFIX.match(raw)
    s = m.group(0) if m else raw
    if s.endswith("上"):
        s = s[:-1]
    if len(s) > 1 and s.endswith("内") and s[-2] in "室间库厂场":
        s = s[:-1]
    if not s or _PLACE_REJECT.search(s) or not _PLACE_MARKER.search(s) or _GENERIC_PLACE.match(s):
        return None
    return s


def _place(text: str) -> str | None:
    strong: str | None = None
    ranked: list[tuple[int, int, str]] = []
    along: str | None = None
    for m in _PLACE_TRIGGER.finditer(text):
        place = _tidy_place(_cut_place(text, m.end()))
        if place is None:
            continue
        if m.group("strong"):
            strong = strong or place
        elif m.group("along"):
            along = along or place
        else:
            ranked.append((m.start(), 0 if m.group("cross") is None else 1, place))
    if strong:
        return strong
    if not ranked:
        return along
    hit = _COLLISION_AT.search(text)
    before = [r for r in ranked if hit is not None and r[0] < hit.start()]
    if before:
        return max(before, key=lambda r: (r[0], -r[1]))[2]
    return ranked[0][2]


# --- public API -------------------------------------------------------------------------


def extract_narrative(text: str | None, *, worker_name: str | None = None) -> NarrativeFields:
    """Extract the structured fields of one 受伤经过 narrative.

    Parameters
    ----------
    text
        The narrative. Any value is accepted; non-strings give the defaults.
    worker_name
        The injured worker's name as written in the narrative (e.g. ``"张某某"``). It
        disambiguates sentences that give both parties' responsibility. When absent the
        first name not introduced as another party is taken to be the worker.

    Returns
    -------
    NarrativeFields
        The extracted fields; 未知 / 未认定 / ``None`` / ``False`` where the text is silent.

    Examples
    --------
    >>> f = extract_narrative("张某某下班途中驾驶电动自行车与李某驾驶的小型轿车相撞，"
    ...                       "经交警认定，李某负主要责任，张某某负次要责任。予以认定为工伤。")
    >>> f.direction, f.mode, f.counterpart, f.responsibility, f.conclusion
    ('下班', '电动自行车', '小型汽车', '次要', '认定工伤')
    """
    try:
        return _extract(text, worker_name)
    except Exception:  # documented contract: never raise on text
        logger.warning("narrative extraction failed; defaults returned", exc_info=True)
        return _DEFAULT


def _extract(text: object, worker_name: object) -> NarrativeFields:
    s = _clean(text)
    if not s:
        return _DEFAULT
    worker = _clean(worker_name) or None if isinstance(worker_name, str) else None
    if worker is None:
        worker = _infer_worker(s)
    direction, commute = _direction(s)
    mode, counterpart = _mode_and_counterpart(s, worker)
    traffic = _traffic(s, mode)
    if not traffic:
        counterpart = "未知"
    responsibility = _responsibility(s, worker, mode in ("乘车", "公交"))
    conclusion = _conclusion(s)
    return NarrativeFields(
        direction=direction if direction in DIRECTIONS else "未知",
        mode=mode if mode in MODES else "未知",
        counterpart=counterpart if counterpart in COUNTERPARTS else "未知",
        responsibility=responsibility if responsibility in RESPONSIBILITIES else "未认定",
        conclusion=conclusion if conclusion in CONCLUSIONS else "未知",
        place_phrase=_place(s),
        traffic=traffic,
        commute=commute,
    )


def _as_text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def extract_fields(texts: pd.Series, worker_names: pd.Series | None = None) -> pd.DataFrame:
    """Extract narrative fields for a column of narratives.

    Parameters
    ----------
    texts
        Narratives (missing values allowed).
    worker_names
        Optional worker names: matched by index label when both indexes hold the same unique
        labels, otherwise by position (the lengths must then agree).

    Returns
    -------
    pandas.DataFrame
        One row per input with the same index and the columns of :data:`FIELD_NAMES`
        (``traffic`` and ``commute`` are bool). Identical (text, name) pairs are extracted once.

    Raises
    ------
    ValueError
        If `worker_names` cannot be aligned with `texts`.
    """
    names: list[str | None] = [None] * len(texts)
    if worker_names is not None:
        wi, ti = worker_names.index, texts.index
        if wi.is_unique and ti.is_unique and len(wi) == len(ti) and ti.isin(wi).all():
            worker_names = worker_names.reindex(ti)
        elif len(worker_names) != len(texts):
            msg = f"worker_names has {len(worker_names)} rows but texts has {len(texts)}"
            raise ValueError(msg)
        names = [_as_text(v) for v in worker_names.to_list()]
    cache: dict[tuple[str | None, str | None], dict[str, object]] = {}
    rows = []
    for text, name in zip(texts.to_list(), names, strict=True):
        key = (_as_text(text), name)
        if key not in cache:
            cache[key] = asdict(extract_narrative(key[0], worker_name=name))
        rows.append(cache[key])
    columns = {
        field: pd.Series([row[field] for row in rows], index=texts.index,
                         dtype=bool if field in ("traffic", "commute") else object)
        for field in FIELD_NAMES
    }
    return pd.DataFrame(columns, index=texts.index)


_CELL_ACCIDENT = re.compile(r"意外|各方均?无|双方均?无|accident")
_CELL_UNKNOWN = re.compile(
    r"无法|未认定|不能认定|未作|未予|不明|待定|未知|不详|unknown|undetermined|not determined"
)
_CELL_SPLIT = re.compile(r"[,;。、/|]")
_CELL_GRADES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), grade)
    for pattern, grade in (
        (r"^(?:本人)?(?:负|承担)?(?:无|不负|没有|零)|^0$|^no|not", "无"),
        (r"全|full|^all", "全部"),
        (r"主|main|major|primary", "主要"),
        (r"同|equal", "同等"),
        (r"次|minor|secondary", "次要"),
        (r"无|不负", "无"),
    )
)
_CELL_REFUSED = re.compile(r"^(?:不予|不认定|不属于|不是|非工伤|否|不予以)")
_CELL_RECOGNISED = re.compile(r"(?:是)?(?:工伤|认定|已认定|予以认定|同意认定|是)")


def _grade_of_cell(s: str) -> str:
    for pattern, grade in _CELL_GRADES:
        if pattern.search(s):
            return grade
    return "未认定"


def normalize_responsibility(value: object) -> str:
    """Map a 事故责任 cell to a ``schema.RESPONSIBILITIES`` value.

    Parameters
    ----------
    value
        A cell such as ``"次要责任"``, ``"负次要责任"``, ``"无责"``, ``"主责"``,
        ``"交通意外"``, ``"无法认定"`` or ``"本人次要，对方主要"``.

    Returns
    -------
    str
        The worker's responsibility; 未认定 for empty or unrecognised cells. When the cell
        names only the other party (``"对方全责"``) the complementary grade is returned.

    Examples
    --------
    >>> normalize_responsibility("负次要责任"), normalize_responsibility("全责")
    ('次要', '全部')
    """
    s = (_clean(value) if isinstance(value, str) else "").lower()
    if not s:
        return "未认定"
    if _CELL_ACCIDENT.search(s):
        return "意外"
    if _CELL_UNKNOWN.search(s):
        return "未认定"
    parts = [p for p in _CELL_SPLIT.split(s) if p]
    if len(parts) > 1 or "对方" in s:
        graded = [(_OTHER_WORDS.search(p) is not None, _grade_of_cell(p)) for p in parts]
        own = [g for other, g in graded if not other and g != "未认定"]
        if own:
            return own[0]
        theirs = [g for other, g in graded if other and g in _INVERT]
        return _INVERT[theirs[0]] if theirs else "未认定"
    return _grade_of_cell(s)


def normalize_conclusion(value: object) -> str:
    """Map a 认定结论 cell to a ``schema.CONCLUSIONS`` value.

    Parameters
    ----------
    value
        A cell such as ``"认定工伤"``, ``"予以认定"``, ``"视同工伤"`` or ``"不予认定"``.

    Returns
    -------
    str
        The conclusion; 未知 for empty or unrecognised cells.

    Examples
    --------
    >>> normalize_conclusion("不予认定工伤"), normalize_conclusion("视同工伤")
    ('不予认定', '视同工伤')
    """
    s = _clean(value) if isinstance(value, str) else ""
    if not s:
        return "未知"
    if _CELL_REFUSED.search(s):
        return "不予认定"
    if _CELL_RECOGNISED.fullmatch(s):
        return "认定工伤"
    return _conclusion(s)


_CN_DIGITS = dict(zip("一二三四五六七八九", range(1, 10), strict=True)) | {"两": 2}
_CN_NUMBER = re.compile(r"[一二两三四五六七八九十]+")
_BASIS = re.compile(
    r"(?<![\d.])14条(?:第)?\(?6\)?项?(?!\d)|§14\(6\)|(?<![\d.])14\(6\)(?!\d)"
)


def _cn_to_int(m: re.Match[str]) -> str:
    s = m.group(0)
    if "十" not in s:
        return "".join(str(_CN_DIGITS.get(c, 0)) for c in s)
    tens, _, ones = s.partition("十")
    return str((_CN_DIGITS.get(tens, 0) if tens else 1) * 10 + _CN_DIGITS.get(ones, 0))


def is_commuting_basis(value: object) -> bool:
    """Tell whether a legal-basis cell cites 《工伤保险条例》第十四条第（六）项.

    Parameters
    ----------
    value
        A cell such as ``"第十四条第（六）项"``, ``"14条6项"`` or ``"§14(6)"``.

    Returns
    -------
    bool
        True for item (6) of article 14 in any spelling, False otherwise.

    Examples
    --------
    >>> is_commuting_basis("《工伤保险条例》第十四条第（六）项"), is_commuting_basis("第十五条")
    (True, False)
    """
    s = _clean(value) if isinstance(value, str) else ""
    if not s:
        return False
    s = _CN_NUMBER.sub(_cn_to_int, s.replace("第", ""))
    return bool(_BASIS.search(s))
