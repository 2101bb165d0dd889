"""Regular expressions, vocabulary tables and text helpers of :mod:`trafficprev.narrative`.

The patterns (``docs/domain.md`` §1.4–1.5) are compiled at import time, together with
the small rules that use nothing but them (text cleaning, names, place phrase, conclusion).

Speed without changing a single match: CPython's ``re`` scans fast only when every
alternative of a pattern starts with a literal, so some patterns have a twin with the same
matches in that form (``*_FLAT``, :func:`by_first_char`); patterns whose matches may begin
with optional groups or look-behinds are paired with a cheap *finder* that locates every
position where a match can start, and :func:`scan` runs the original pattern only there.
Single-character look-ups (``"责" in text``) skip patterns that cannot match at all.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator

# --- text cleaning ---------------------------------------------------------------------

#: Longer texts are cut to their head and tail (the conclusion sits at the end).
MAX_CHARS = 8000
HEAD_CHARS = 6000
TAIL_CHARS = 2000

HTML_TAG = re.compile(r"<[^>]{0,200}>")
HTML_ENTITY = re.compile(r"&(?:[a-zA-Z]{2,8}|#\d{1,6});")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff\s]+")


def clean(text: object) -> str:
    """Return `text` as NFKC-normalised, tag-free, whitespace-free text ('' when unusable).

    Parameters
    ----------
    text
        Any value; non-strings give ``''``.

    Returns
    -------
    str
        The cleaned text, cut to its head and tail when longer than ``MAX_CHARS``.

    Examples
    --------
    >>> clean("<p>２０２４年 ３月，&nbsp;张某</p>")
    '2024年3月,张某'
    """
    if not isinstance(text, str):
        return ""
    if len(text) > MAX_CHARS * 4:
        text = text[: HEAD_CHARS * 4] + "。" + text[-TAIL_CHARS * 4 :]
    if not text.isascii():
        # Frequent full-width marks are replaced by their compatibility decomposition
        # first: the decomposition of the text, hence its NFKC form, is unchanged, and
        # most texts then pass NFKC's quick check instead of being decomposed and composed.
        text = text.replace("，", ",")
        if "（" in text:
            text = text.replace("（", "(")
        if "）" in text:
            text = text.replace("）", ")")
        if "：" in text:
            text = text.replace("：", ":")
        if "；" in text:
            text = text.replace("；", ";")
    s = unicodedata.normalize("NFKC", text)
    if "<" in s:
        s = HTML_TAG.sub("", s)
    if "&" in s:
        s = HTML_ENTITY.sub("", s)
    # CONTROL matches only non-printable characters and the ASCII space.
    if " " in s or not s.isprintable():
        s = CONTROL.sub("", s)
    if len(s) > MAX_CHARS:
        s = s[:HEAD_CHARS] + "。" + s[-TAIL_CHARS:]
    return s


# --- matching helpers ------------------------------------------------------------------


def scan(pattern: re.Pattern[str], finder: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """Yield the matches of ``pattern.finditer(text)``, trying `pattern` only where `finder` hits.

    Parameters
    ----------
    pattern
        A pattern that never matches the empty string.
    finder
        A pattern whose match starts include every position where `pattern` can match.
    text
        The text to search.

    Yields
    ------
    re.Match
        The same matches, in the same order, as ``pattern.finditer(text)``.
    """
    pos = 0
    search, match = finder.search, pattern.match
    while (hit := search(text, pos)) is not None:
        m = match(text, hit.start())
        if m is None:
            pos = hit.start() + 1
        else:
            yield m
            pos = m.end()


def last(pattern: re.Pattern[str], s: str) -> re.Match[str] | None:
    """Return the last match of ``pattern.finditer(s)``, or ``None``."""
    found = None
    for found in pattern.finditer(s):  # noqa: B007 - keep the last match
        pass
    return found


_LAST_MARK = re.compile(r"(?s:.*)[,。;!?:]")


def clause_start(text: str, pos: int) -> int:
    """Index after the last ``,。;!?:`` among the 59 characters before `pos`.

    Without such a mark the clause starts 60 characters before `pos` (or at 0).
    """
    m = _LAST_MARK.match(text, pos - 59 if pos > 59 else 0, pos)
    return m.end() if m is not None else max(0, pos - 60)


def by_first_char(alternatives: Iterable[str]) -> re.Pattern[str]:
    """Compile ``a1|a2|...`` as ``x(?:a1'|a3')|y(?:...)``, grouped by first character.

    Each alternative starts with a plain character. Alternatives with different first
    characters never match at the same position, so the grouping keeps every match of the
    plain alternation (the order within a group is kept), and ``re`` tries fewer branches.
    """
    groups: dict[str, list[str]] = {}
    for alt in alternatives:
        if not alt or not alt[0].isalnum():
            raise ValueError(f"alternative must start with a letter or digit: {alt!r}")
        groups.setdefault(alt[0], []).append(alt[1:])
    return re.compile("|".join(f"{re.escape(c)}(?:{'|'.join(r)})" for c, r in groups.items()))


# --- persons ---------------------------------------------------------------------------

# Masked names: 张某某, 王某甲, 李某, 张*三, 欧阳某, 测试员甲. The character before 某 must not
# be a word that commonly precedes 某 in place descriptions (在某中学, 镇某村).
NAME = re.compile(
    r"测试员[甲乙丙丁戊]|(?:欧阳|司马|上官|诸葛|东方|皇甫|尉迟|公孙|慕容|令狐|夏侯|司徒)"
    r"(?:某某|某[甲乙丙丁戊]|某)|"
    r"(?:[^\W\d_a-zA-Z在与被的是为到至一有个省市县区镇乡村街道线组对从往及或等该此其某]"
    r"(?:某某|某[甲乙丙丁戊]|某)|[^\W\d_a-zA-Z]\*{1,2}[^\W\d_a-zA-Z])"
    r"(?!村|镇|乡|中学|小学|学校|小区|公司|单位|医院|组|街道|路|地|时|日|年|厂|店|超市|市场)"
)
# Every NAME match starts at 测试员, one or two characters before 某, or one before *.
_NAME_ANCHOR = re.compile(r"某|\*|测试员")
_NAME_BACK = {"某": (2, 1), "*": (1,), "测试员": (0,)}


def names(text: str) -> list[re.Match[str]]:
    """Return the matches of ``NAME.finditer(text)`` (masked person names)."""
    if "某" not in text and "*" not in text and ("员" not in text or "测试员" not in text):
        return []
    found: list[re.Match[str]] = []
    tried = end = -1
    match = NAME.match
    for anchor in _NAME_ANCHOR.finditer(text):
        a = anchor.start()
        for back in _NAME_BACK[anchor.group()]:
            p = a - back
            if p <= tried or p < end or p < 0:
                continue
            tried = p
            m = match(text, p)
            if m is not None:
                found.append(m)
                end = m.end()
    return found


WORKER_WORDS = re.compile(
    r"^(?:该职工|受伤职工|工伤职工|该员工|职工|员工|申请人|伤者|本人|"
    r"受害人|其)"
)
KIN_WORDS = re.compile(r"丈夫|妻子|配偶|同事|朋友|父亲|母亲|家属|他人|工友")
OTHER_WORDS = re.compile(
    r"对方|驾驶人|驾驶员|司机|肇事|车主|骑行人|骑车人|行人|另一方|"
    r"一方当事人|车辆"
)
PASSENGER_WORD = re.compile(r"乘车人|乘客")
BOTH_WORDS = re.compile(r"双方|各方|均|两车|二人")
DRIVER_OF = re.compile(r"驾驶[^,。;]{0,14}的$")
NAME_BLOCK_BEFORE = re.compile(r"(?:与|被|和|同|由|遭|事|夫|妻|偶|友|将|给)$")

# --- responsibility --------------------------------------------------------------------

GRADE_SHORT = {"全": "全部", "主": "主要", "同": "同等", "次": "次要", "无": "无"}
RESP = re.compile(
    r"(?<!非本人)(?<!非)(?P<neg>不负|不承担|不应承担|无需承担|不应负|没有)?"
    r"(?P<verb>负有|应负|负|应承担|承担|担负|为)?"
    r"(?:此次|本次|该起|这起|该次|此|该|本|这)?(?:交通)?(?:事故)?的?"
    r"(?:(?P<grade>全部|主要|同等|次要|无)责任|(?P<short>[全主同次无])责(?!任)|责任)"
)
# A RESP match starts with one of these characters and reaches its (first) 责 within 16
# characters; none of the characters before 责 is 责.
RESP_START = re.compile(r"[不无没负应承担为此本该这交事的全主同次责](?:(?<=责)|(?=[^责]{0,15}责))")
ACCIDENT = re.compile(
    r"交通意外|意外事故|(?:各方|双方|均)均?无(?:事故)?责任|"
    r"(?:各方|双方)均?不负(?:事故)?责任"
)
SUBJECT_PREFIX = re.compile(r"^.*(?:认定|认为|确认|查明|显示|证明|结论)(?:为)?")
INVERT = {"全部": "无", "主要": "次要", "次要": "主要", "同等": "同等", "无": "全部"}


def strip_subject(s: str) -> str:
    """Drop the lead-in up to the last 认定/认为/确认/查明/显示/证明/结论 (SUBJECT_PREFIX)."""
    if "认" in s or "查" in s or "显" in s or "证" in s or "结" in s:
        return SUBJECT_PREFIX.sub("", s)
    return s


def is_accident(text: str) -> bool:
    """Whether the text calls the accident an 意外 or gives every party no responsibility."""
    if "意" in text or "均" in text or "各" in text or "双" in text:  # 意外, 均, 各方, 双方
        return ACCIDENT.search(text) is not None
    return False


# --- vehicles, modes and counterparts -------------------------------------------------

# (pattern, mode when the worker drives/rides it, counterpart class)
VEHICLES: tuple[tuple[str, str, str], ...] = (
    (r"电动自行车|电瓶车|电动车|电单车|助力自行车", "电动自行车", "电动自行车"),
    (r"三轮摩托车|电动三轮车|农用三轮车|三轮车|农用车|拖拉机|三蹦子", "其他", "三轮车"),
    (r"电动摩托车|二轮摩托车|两轮摩托车|摩托车|踏板车|燃油助力车", "摩托车", "摩托车"),
    (r"重型自卸货车|自卸货车|自卸车|渣土车|泥头车", "其他", "渣土车"),
    (r"重型半挂牵引车|半挂牵引车|半挂货车|半挂车|挂车|牵引车", "其他", "半挂牵引车"),
    (
        r"混凝土搅拌车|搅拌车|[重中轻微]型[厢仓栏罐普]?[式板通]?货车|厢式货车|罐车|货车|皮卡|卡车",
        "其他",
        "货车",
    ),
    (r"公交车|公共汽车|公交|单位班车|班车|通勤车|厂车|校车", "公交", "公交客车"),
    (
        r"小型普通客车|小型越野客车|小型轿车|小型汽车|小型客车|小轿车|轿车|私家车|面包车|越野车|"
        r"SUV|suv|出租车|网约车|的士|小汽车|小车",
        "小型汽车",
        "小型汽车",
    ),
    (
        r"大型普通客车|中型普通客车|大型客车|大客车|长途客车|大巴车|大巴|中巴|客车",
        "其他",
        "公交客车",
    ),
    (r"自行车|单车", "自行车", "自行车"),
    (r"环卫车|洒水车|清扫车|挖掘机|铲车|收割机|工程车|火车|列车", "其他", "其他"),
)
VEHICLE = re.compile("|".join(f"(?P<v{i}>{p})" for i, (p, _, _) in enumerate(VEHICLES)))
# The same alternatives in the same order without groups (and with the one character class
# spelt out), so that every alternative starts with a literal and ``re`` skips ahead fast.
# A match's text names its row; texts that are not a literal alternative come from the
# spelt-out class and are looked up with VEHICLE.
VEHICLE_FLAT = by_first_char(
    c + alt[6:] if alt.startswith("[重中轻微]") else alt
    for p, _, _ in VEHICLES
    for alt in p.split("|")
    for c in ("重中轻微" if alt.startswith("[重中轻微]") else "_")
)


def _first_rows(table: Iterable[tuple[str, str, str]]) -> dict[str, tuple[str, str]]:
    """Map each literal alternative to the (mode, counterpart) of the first row holding it."""
    rows: dict[str, tuple[str, str]] = {}
    for pattern, mode, counterpart in table:
        for alt in pattern.split("|"):
            if re.fullmatch(r"\w+", alt):
                rows.setdefault(alt, (mode, counterpart))
    return rows


VEHICLE_ROW = _first_rows(VEHICLES)


def vehicle_row(text: str, m: re.Match[str]) -> tuple[str, str]:
    """(mode, counterpart) of the VEHICLES row whose alternative produced VEHICLE_FLAT's `m`."""
    row = VEHICLE_ROW.get(m.group())
    if row is None:  # a spelt-out character class: the grouped pattern names the row
        full = VEHICLE.match(text, m.start())  # same alternative at the same position
        _, v_mode, v_cp = VEHICLES[int(str(full.lastgroup if full else "v5")[1:])]
        row = (v_mode, v_cp)
    return row


WALK = re.compile(r"步行|徒步|走路|行人|横过道路的|横穿马路的")
ANIMAL = re.compile(r"(?:流浪)?(?:狗|犬|牛|羊|猪|猫|鸡|鸭|鹅)(?![某*])")
ANIMAL_CONTEXT = re.compile(r"与|被|避让|躲避|窜|横穿|冲出|撞")
DRIVE_VERB = re.compile(r"(?:驾驶|驾|骑行|骑乘|骑着|骑|开着|开)(?:的|着)?")
# DRIVE_VERB matches hold no alternative's first character after their own first one, so
# finditer finds a match at every position where DRIVE_VERB matches and the last of them
# starts at the last such position: the one greedy ``.*`` backs off to.
LAST_DRIVE_VERB = re.compile(rf"(?s:.*)({DRIVE_VERB.pattern})")
RIDE_VERB = re.compile(r"乘坐|搭乘|乘座|坐上|坐在|搭坐|坐着|乘上|搭")
RIDE_ANY_CAR = re.compile(r"(?:乘坐|搭乘)[^,。]{0,10}车")
CONNECTOR = re.compile(r"与|被|和|同(?!事|向|样|时)|遭|避让|躲避|撞上|撞到|撞倒")
OTHER_OWNER_END = re.compile(r"(?:对方|同事|丈夫|妻子|配偶|朋友|司机|他人|一辆|其他)$")
WORKER_OWNER_END = re.compile(r"(?:其|本人|该职工|受伤职工|申请人|伤者|自己|自家)$")
ESCAPE = re.compile(r"逃逸|逃离|驶离现场|离开现场|逃跑|尚未查获|未查获|未能查获|未抓获")
CAUGHT = re.compile(r"(?<![未没])(?<!尚未)(?<!未能)(?:查获|抓获|归案|投案|自首|查明肇事)")
SINGLE_STATED = re.compile(r"单方(?:交通)?事故|单车事故")
SOLO = re.compile(
    r"摔倒|摔伤|跌倒|倒地|侧翻|翻车|翻入|坑洼|湿滑|单方|自行(?!车)|紧急制动|护栏|"
    r"电线杆|隔离|路沿|石墩"
)

# --- direction, traffic, conclusion -----------------------------------------------------

NOT_COMMUTE_NOISE = re.compile(
    r"上班(?:时间|期间|时|地点|时段)|下班(?:时间|时段)|正常上班|在岗|工作时间|"
    r"(?:不属于|不是|并非|非|不在)(?:合理的?)?上下班途中"
)
# (A|B)X tries AX, then BX: distributing the leading group keeps every match, and now each
# alternative starts with a literal.
NOT_COMMUTE_NOISE_FLAT = re.compile(
    NOT_COMMUTE_NOISE.pattern.replace(
        "(?:不属于|不是|并非|非|不在)(?:合理的?)?上下班途中",
        "|".join(f"{w}(?:合理的?)?上下班途中" for w in ("不属于", "不是", "并非", "非", "不在")),
    )
)
PERSONAL = re.compile(
    r"送(?:小孩|孩子|子女|女儿|儿子)|接(?:小孩|孩子)|购物|看病|就医|探亲|旅游|"
    r"游玩|私事"
)
TO_WORK = re.compile(
    r"上班|上[早中晚夜白]班|前往[^,。;]{0,8}(?:单位|公司|工地|车间|厂区|工厂|厂里|项目部|岗位)|"
    r"去(?:单位|公司|厂里|工地)|到厂|赶往(?:单位|公司)|从家中?出发"
)
FROM_WORK = re.compile(
    r"下班|下[早中晚夜白]班|收工|放工|回家|返家|返回(?:家中|住处|宿舍|[^,。;]{0,8}宿舍)|回宿舍|回住处|"
    r"回到家|离厂回|离开(?:公司|单位)回"
)
EXPLICIT = re.compile(r"(?:上|下)班(?:的)?(?:途中|路上|回家)|下班后|回家(?:途中|路上)")
ERRAND = re.compile(
    r"出差|外出办事|因工外出|外出送货|送货|公务|外出学习|外出开会|拜访客户|外出采购|"
    r"受(?:单位|公司)(?:指派|安排|委派)|外出执行"
)
TRAFFIC = re.compile(r"交通事故|交通意外|撞|追尾|刮倒|刮擦|刮碰|碾压|侧翻|翻车")
NOT_TRAFFIC = re.compile(r"(?:不属于|不是|并非|不构成|非)(?:道路)?交通事故")
FALL = re.compile(r"摔倒|摔伤|跌倒|倒地|滑倒")
WORKPLACE = re.compile(r"车间|仓库|厂房|生产线|工作岗位|办公室|食堂|作业|机器|操作")
ROAD = re.compile(r"途中|道路|路口|行驶|交通|公路|马路|大道|路段")
NEG_CONC = re.compile(
    r"不予(?:以)?(?:认定|确认)|不(?:能|应|得)?认定为?工伤|不属于工伤|不视同|"
    r"不符合工伤认定(?:条件|情形)"
)
POS_SIMILAR = re.compile(r"(?<!或者)(?<!或)(?<!\()(?<!不)(?:予以)?视同为?工伤(?![的情条或])")
POS_CONC = re.compile(
    r"(?<!不予)(?<!不予以)(?<!不)(?<!申请)(?<!要求)(?<!请求)"
    r"(?:(?:予以|应当|应予|依法|现)?(?:认定|确认)为?工伤(?![或的情条范申决认保])|"
    r"予以认定(?![^,。;]{0,4}(?:或|情形))|属于工伤(?!的情)|认定工伤$)"
)
# First characters of POS_SIMILAR and POS_CONC matches (NEG_CONC starts with 不).
POS_SIMILAR_START = re.compile(r"[予视]")
POS_CONC_START = re.compile(r"[予应依现认确属]")


def find_conclusion(text: str) -> str:
    """Return the conclusion whose phrase starts last (the earlier pattern wins a tie).

    Parameters
    ----------
    text
        Cleaned text (see :func:`clean`).

    Returns
    -------
    str
        不予认定, 视同工伤, 认定工伤 or 未知.

    Examples
    --------
    >>> find_conclusion("曾被不予认定为工伤,后经行政复议撤销,现予以认定为工伤。")
    '认定工伤'
    """
    best_pos, best = -1, "未知"
    if "不" in text:  # NEG_CONC starts with 不
        for m in NEG_CONC.finditer(text):
            best_pos, best = m.start(), "不予认定"
    if "视" in text:  # 视同
        for m in scan(POS_SIMILAR, POS_SIMILAR_START, text):
            if m.start() > best_pos:
                best_pos, best = m.start(), "视同工伤"
    if "予" in text or "工伤" in text:  # 予以认定, 工伤
        for m in scan(POS_CONC, POS_CONC_START, text):
            if m.start() > best_pos:
                best_pos, best = m.start(), "认定工伤"
    return best


# --- place ------------------------------------------------------------------------------

PLACE_TRIGGER = re.compile(
    r"(?P<strong>事故地点为|事故地点:|地点为|事故发生在|发生地点为)|"
    r"(?P<move>行驶至|行驶到|行至|骑行至|骑至|驶至|走至|步行至|途经|途径|路经|路过|经过|到达|来到|"
    r"进入|驶入|驶进)|"
    r"(?P<at>在)|(?P<cross>横过|横穿|穿过)|(?P<along>沿)"
)


def _group_of_alternative(pattern: re.Pattern[str]) -> dict[str, str]:
    """Map each alternative of ``(?P<name>a|b)|...`` to its group name, in pattern order."""
    kinds: dict[str, str] = {}
    for kind, alts in re.findall(r"\(\?P<(\w+)>([^)]*)\)", pattern.pattern):
        for alt in alts.split("|"):
            kinds.setdefault(alt, kind)
    return kinds


# PLACE_TRIGGER's (literal) alternatives in the same order without groups; the text of a
# match gives its group.
PLACE_TRIGGER_KIND = _group_of_alternative(PLACE_TRIGGER)
PLACE_TRIGGER_FLAT = by_first_char(PLACE_TRIGGER_KIND)
PLACE_STOP = re.compile(
    r"[,。;!?]|时(?!代)|被|发生|因|由于|突然|不慎|遭|撞|摔|致|将|逆向|行驶|骑行|驾驶|横过|横穿|"
    r"穿越|等候|等待|搬运|操作|工作|作业|上货|吃饭|紧急|刮|追尾|由[东南西北]|往[东南西北]行|从"
)
# The same alternatives with the leading character class spelt out (one literal each).
PLACE_STOP_FLAT = re.compile(PLACE_STOP.pattern.replace("[,。;!?]", r",|。|;|!|\?", 1))
JUNCTION_AFTER_YU = re.compile(
    r"与(?:(?!的|辆|驾驶|骑|一|车|行人)[^,。;与被]){1,14}?(?:交叉|交汇|交界|相交|十字|丁字|三岔|路口|口)"
)
_PLACE_ENDS = (
    r"路口|路段|地段|处|附近|门口|对面|一带|境内|中段|交叉口|交汇处|桥|线|道|路|街|巷|口|"
    r"站台|站|大门|东门|南门|西门|北门|广场|小区|车间|仓库|厂区|食堂|办公室|生产线|工地|停车场|"
    r"隧道|高速|段|侧|旁|村|镇|组|"
    r"乡|米|公里|[0-9]|M|KM|m|km|室|\)"
)
PLACE_SUFFIX = re.compile(rf".*(?:{_PLACE_ENDS})")
# PLACE_SUFFIX.match keeps the text up to the last position where a place ending starts
# (``.*`` is greedy); these find that position from the end of the reversed text.
PLACE_END = re.compile(f"(?:{_PLACE_ENDS})")
PLACE_END_FIRST = re.compile(
    "[" + "".join(sorted({a[0] for a in _PLACE_ENDS.split("|") if a[0] not in "[\\"})) + r"0-9)]"
)
PLACE_MARKER = re.compile(
    r"路|道|街|巷|口|桥|线|处|附近|门口|广场|小区|公司|厂|车间|仓库|镇|乡|村|组|高速|隧道|停车场|"
    r"站|食堂|办公室|生产线|工地|K\d|公里|米|..(?:对面|旁|大门|[东南西北]门)"
)
_REJECT_HEAD = r"(?:上班|下班|回家|返回|前往|去|途中|上下班|工作|家|此|该|其他|事发|医院)"
# 医院 is where the worker was treated, unless a position by it is written (医院门口)
_REJECT_ANY = (
    r"途中|期间|过程|时间|之后|以后|医院(?!附近|门口|对面|旁|大门|[东南西北]门|公交|站)|诊断|治疗|"
    r"抢救|岗位"
)
PLACE_REJECT = re.compile(rf"^{_REJECT_HEAD}|{_REJECT_ANY}")
# PLACE_REJECT.search(s) finds a match iff one of these does (the second scans fast).
PLACE_REJECT_HEAD = re.compile(_REJECT_HEAD)
PLACE_REJECT_ANY = re.compile(_REJECT_ANY)
GENERIC_PLACE = re.compile(
    r"^(?:路|道|街|马路|道路|公路|路面|路边|路旁|路上|机动车道|非机动车道|人行横道)$"
)
# A place that is a junction with one named road (皂果路口, 皂果路口北约50米处) or a position
# by a landmark (某中学对面): after "沿A…行驶至", it lies on the travelled road A, which the
# place keeps.
ON_ALONG = re.compile(
    r"(?:口|对面|门口|大门|[东南西北]门|附近|旁边?)"
    r"(?:(?:以|往|向)?[东南西北]{1,2}(?:侧|角|面|方向)?)?(?:约?\d+(?:\.\d+)?米)?(?:处|附近)?$"
)
# Where "沿A…" and the place it leads to are one clause: no stop mark between them.
CLAUSE_BREAK = re.compile(r"[,。;!?]")
# A place naming two roads (A与B路口, A和B交汇处, A、B交叉口; not 和平路口) is a junction
# of its own.
TWO_ROADS = re.compile(r"与|[路道街巷线]和|[路道街巷线]、")
COLLISION_AT = re.compile(r"相撞|碰撞|撞|追尾|刮|摔倒|摔伤|跌倒|碾压|侧翻|发生交通事故|受伤")


def has_connector(s: str) -> bool:
    """Whether `s` links to another party (与 inside 'A与B交叉口' does not count)."""
    if not s:
        return False
    if "与" in s:
        s = JUNCTION_AFTER_YU.sub("", s)
    return CONNECTOR.search(s) is not None


def place_suffix_end(raw: str) -> int:
    """End of ``PLACE_SUFFIX.match(raw)``, or -1 when it does not match."""
    if "\n" in raw:  # ``.`` stops at a newline (cleaned text has none)
        m = PLACE_SUFFIX.match(raw)
        return m.end() if m else -1
    top = len(raw) - 1
    m = PLACE_END.match(raw, top)  # most places end with a place ending
    if m is not None:
        return m.end()
    rev, pos = raw[::-1], 0
    while (hit := PLACE_END_FIRST.search(rev, pos)) is not None:
        m = PLACE_END.match(raw, top - hit.start())
        if m is not None:
            return m.end()
        pos = hit.start() + 1
    return -1


def cut_place(text: str, start: int) -> str:
    """Cut the place at the first stop word, or at a 与 that is not part of 'A与B路口'."""
    span, pos = text[start : start + 60], 0
    # PLACE_STOP has no look-behind: where it matches does not depend on where the search
    # starts, so the first stop stays the first stop after each skipped 与.
    stop = PLACE_STOP_FLAT.search(span)
    end = stop.start() if stop else len(span)
    while True:
        yu = span.find("与", pos, end)
        if yu < 0:
            return span[:end]
        if not JUNCTION_AFTER_YU.match(span, yu):
            return span[:yu]
        pos = yu + 1


def tidy_place(raw: str) -> str | None:
    """Trim a cut place to its last place ending; ``None`` when it is no place."""
    end = place_suffix_end(raw)
    s = raw[:end] if end >= 0 else raw
    if s.endswith("上"):
        s = s[:-1]
    if len(s) > 1 and s.endswith("内") and s[-2] in "室间库厂场":
        s = s[:-1]
    if not s or PLACE_REJECT_HEAD.match(s) or PLACE_REJECT_ANY.search(s):
        return None
    if not PLACE_MARKER.search(s) or GENERIC_PLACE.match(s):
        return None
    return s


def find_place(text: str) -> str | None:
    """Return the place where the accident happened as written, or ``None``.

    Parameters
    ----------
    text
        Cleaned text (see :func:`clean`).

    Returns
    -------
    str or None
        The first place after 事故地点为 and the like; otherwise the last place introduced
        before the collision (在, 行驶至, 横穿...); otherwise the first place after 沿.
        When the place is a junction with one named road or a position by a landmark
        (:data:`ON_ALONG`) that does not name the road A of a "沿A" earlier in the same
        clause, the place is returned from 沿 on, so that the travelled road (and the
        heading) stay with it: "沿A由西向东行驶至B路口".

    Examples
    --------
    >>> find_place("张某下班后骑电动车回家,在人民路往建设路方向约200米处被一辆货车追尾。")
    '人民路往建设路方向约200米处'
    >>> find_place("张某沿洞庭大道由西往东行驶至皂果路口时与一辆轿车相撞。")
    '沿洞庭大道由西往东行驶至皂果路口'
    """
    ranked: list[tuple[int, int, str, int]] = []  # (start, cross?, place, end of trigger)
    along: str | None = None
    alongs: list[tuple[int, str]] = []  # (start of 沿, the road after it)
    for m in PLACE_TRIGGER_FLAT.finditer(text):
        kind = PLACE_TRIGGER_KIND[m.group()]
        if kind == "along" and len(alongs) >= 8:
            continue
        place = tidy_place(cut_place(text, m.end()))
        if place is None:
            continue
        if kind == "strong":
            return place  # the first strong place wins over everything else
        if kind == "along":
            along = along or place  # the first 沿 place is the fallback
            alongs.append((m.start(), place))
        else:
            ranked.append((m.start(), 0 if kind != "cross" else 1, place, m.end()))
    if not ranked:
        return along
    if len(ranked) == 1:
        return _with_along(text, ranked[0], alongs)  # the rule below, for one candidate
    hit = COLLISION_AT.search(text)
    before = [r for r in ranked if hit is not None and r[0] < hit.start()]
    if before:
        return _with_along(text, max(before, key=lambda r: (r[0], -r[1])), alongs)
    return _with_along(text, ranked[0], alongs)


def _with_along(text: str, hit: tuple[int, int, str, int], alongs: list[tuple[int, str]]) -> str:
    """The place of `hit`, from the 沿 before it on when it lies on the travelled road."""
    _, _, place, end = hit
    if not alongs or not ON_ALONG.search(place) or TWO_ROADS.search(place):
        return place
    for start, road in reversed(alongs):
        if start >= end:
            continue
        between = text[start:end]
        if len(between) > 30 or CLAUSE_BREAK.search(between) or road in place:
            return place
        return between + place
    return place


# --- cell normalisers ------------------------------------------------------------------

CELL_ACCIDENT = re.compile(r"意外|各方均?无|双方均?无|accident")
CELL_UNKNOWN = re.compile(
    r"无法|未认定|不能认定|未作|未予|不明|待定|未知|不详|unknown|undetermined|not determined"
)
CELL_SPLIT = re.compile(r"[,;。、/|]")
CELL_GRADES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
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
CELL_REFUSED = re.compile(r"^(?:不予|不认定|不属于|不是|非工伤|否|不予以)")
CELL_RECOGNISED = re.compile(r"(?:是)?(?:工伤|认定|已认定|予以认定|同意认定|是)")

CN_DIGITS = dict(zip("一二三四五六七八九", range(1, 10), strict=True)) | {"两": 2}
CN_NUMBER = re.compile(r"[一二两三四五六七八九十]+")
BASIS = re.compile(r"(?<![\d.])14条(?:第)?\(?6\)?项?(?!\d)|§14\(6\)|(?<![\d.])14\(6\)(?!\d)")


# --- injury kinds and deaths ------------------------------------------------------------

# The forms below were surveyed (issue 19) from public text that nobody in this project wrote:
# the 《工伤保险条例》 §14/§15 items as published commentaries quote them, GB 6441-86's accident
# categories and their definitions, published accident-investigation reports (应急管理局
# 事故调查报告: 机械伤害, 高处坠落, 触电) and news of workplace accidents, law-firm and
# government pages on 视同工伤 (突发疾病 … 48小时之内经抢救无效死亡) and on occupational-disease
# diagnosis (职业病目录: 尘肺 family, 职业性噪声聋, 职业中毒). Forms seen, in our own words:
#   machines: a sleeve or hand 卷进/卷入 a machine or roller, 被机器卷了进去, 被…挤压, a worker
#     who 掉进 a running crusher and is 绞死, 夹伤/压伤/轧伤 at a press or sealing machine;
#   falls: 从…人字梯上掉下来, 从四楼摔落至一楼地面, 踩空从…顶部坠落至地面, 从管道上失足坠落,
#     脚手架坍塌高坠, 人字梯滑动致其摔倒至地面;
#   electricity: 触碰到接线端子导致触电, 触电从竹扶梯上坠落 (the shock comes first), 触电身亡;
#   burns: 被热油/高温液体/蒸汽烫伤, 切割油桶起火爆炸被烧伤, 铁水/钢水飞溅烫伤;
#   sudden illness: 自感/表示身体不适, 突发脑梗塞, 心脏骤停, 在岗位上突然倒地, 经抢救无效于
#     次日去世; violence: 被客户/他人打伤, 殴打, 持刀砍伤;
#   occupational disease: 诊断为职业性噪声聋, 矽肺/煤工尘肺/电焊工尘肺, 慢性苯中毒,
#     疑似职业性… (a suspicion, not a diagnosis);
#   deaths: 经抢救无效死亡, 当场死亡, 不治身亡, 伤重而死亡, 已无生命迹象, 挤压身亡, 坠亡,
#     事故造成1人死亡, and for another party 造成对方驾驶员死亡.
# Every pattern runs on cleaned text (:func:`clean`: NFKC, so ， ； ： （ ） are ASCII).

_STOP = r",。;!?"  # clause marks of cleaned text

#: Words that name an occupational disease (GBZ diagnosis names and the 职业病目录 families).
#: A bare ``职业病`` is context (职业病诊断机构, 职业病防治法, 职业病危害因素); it counts only as
#: a diagnosis: 患职业病, 诊断为职业病, 属于职业病, 职业病诊断证明书.
OCCUPATIONAL = re.compile(
    r"尘肺|矽肺|硅肺|石棉肺|尘埃沉着病|噪声聋|噪声性耳?聋|噪音性耳?聋|职业性(?!质)|职业中毒|"
    r"患职业病|患有职业病|罹患职业病|为职业病|属于职业病|构成职业病|职业病诊断证明|"
    r"苯中毒|铅中毒|汞中毒|锰中毒|镉中毒|砷中毒|正己烷中毒|三氯乙烯|二硫化碳中毒|"
    r"布鲁氏?菌病|放射病|放射性疾病"
)
#: Every OCCUPATIONAL match holds one of these: texts without them are not searched.
OCCUPATIONAL_HINT = re.compile(r"[肺尘聋毒烯菌射职]")
#: A negation or a mere suspicion in the clause of an occupational-disease word, up to its end
#: (不能诊断为职业性慢性正己烷中毒, 疑似职业性噪声聋, 排除尘肺, 不属于职业病).
OCCUPATIONAL_NEG = re.compile(r"不属于|不是|并非|非|未|没有|排除|不构成|不能|不予|无|否认|疑似")


def _words(text: str) -> list[str]:
    """The blank-separated words of `text` (long word lists read better as one string)."""
    return text.split()


_MACHINES = _words(
    "机器 机械 设备 机床 车床 铣床 刨床 钻床 磨床 冲床 冲压机 压力机 剪板机 折弯机 注塑机 切割机 "
    "切纸机 砂轮 打磨机 磨光机 角磨机 抛光机 搅拌机 绞肉机 粉碎机 破碎机 碎石机 卷扬机 卷板机 "
    "传送带 输送带 皮带 滚筒 辊 齿轮 链条 链轮 转轴 电锯 圆锯 锯床 电刨 封箱机 包装机 压面机 "
    "和面机 印刷机 织布机 纺纱机 梳棉机 挤出机 球磨机 模具 钻头"
)
_MACHINE = "|".join(_MACHINES)
_MACHINE_VERB = "卷|绞|轧|碾|夹|压|挤|切|割|划|锯|冲|削|钻|磨|打伤|撞伤|碰伤|带入|拖入|吸入"
_FALL_VERB = "摔下|摔落|坠下|坠落|跌落|跌下|掉下|掉落|滑落|滑下|翻落|落下|摔至|跌至|坠至"
_HIGH_PLACES = "脚手架 梯子 人字梯 扶梯 屋顶 房顶 楼顶 吊篮 平台 车厢 高处 高空 窗台 货架 塔吊 井架"
_PERSON = (
    "客户|顾客|患者|病人|家属|乘客|旅客|业主|住户|醉汉|歹徒|嫌疑人|男子|女子|工友|同事|村民|商户|"
    "摊贩|学生|司机|人员"
)
_ANY = f"[^{_STOP}]"  # a character of the same clause
_UNWELL = "(?:不适|胸闷|胸痛|心慌|心悸|头痛|头疼|头晕|乏力|呼吸困难)"
# a fall of the worker, not of an object that then hits them (钢管从楼上坠落砸中其头部)
_NOT_AN_OBJECT = f"(?!的|物)(?!{_ANY}{{0,30}}?(?:砸|击中|击伤|打中))"

#: The injury events of a narrative by kind (GB 6441 spirit), in precedence order for matches
#: that start at the same position (falling into a machine is 机械伤害, a person's blow is
#: 暴力伤害). Every alternative starts with a plain character (see :data:`EVENT_FLAT`).
EVENT_ALTERNATIVES: dict[str, tuple[str, ...]] = {
    # caught, drawn in, crushed or cut by a machine (a cut with a hand knife is 其他伤害)
    "机械伤害": (
        *(
            f"{w}{_ANY}{{0,10}}?(?:{_MACHINE})"
            for w in _words("掉进 掉入 落入 跌入 卷入 卷进 绞入 绞进")
        ),
        *(f"{m}{_ANY}{{0,15}}?(?:{_MACHINE_VERB})" for m in _MACHINES),
        *_words("卷入 卷进 绞入 绞进 绞伤 绞断 绞住 绞死 轧伤 轧断 碾伤 机械伤害"),
        "被卷(?!帘|尺|材)",
    ),
    # an arc or an electric burn is 触电 in GB 6441, not 灼烫
    "触电": (
        "触电",
        "电击",
        "电伤",
        "电灼",
        "电弧(?!焊)",
        "漏电",
        "遭电",
        "被电[击打伤到]",
        "雷击",
    ),
    # scalds, burns, molten metal, chemical burns
    "灼烫": (
        *_words("烫 灼伤 灼烫 烧伤 烧烫 烧到 被烧 烧成 烧灼 爆燃 燃爆 火烧"),
        *(
            f"{w}{_ANY}{{0,8}}?[溅喷泼烫烧灼流洒倒]"
            for w in _words("铁水 钢水 铝水 铜水 熔融 熔渣 焊渣")
        ),
    ),
    # falls from a height or into an opening (a misstep on stairs is 其他伤害)
    "高处坠落": tuple(
        alt + _NOT_AN_OBJECT
        for alt in (
            *(f"{w}{_ANY}{{0,16}}?(?:{_FALL_VERB})" for w in "从自"),
            *_words("高处坠落 高空坠落 高坠 坠亡 坠楼 失足 坠落 跌落 摔下 摔落 掉下来"),
            *_words("坠入 跌入 掉入 落入 掉进 跌进 摔进"),
            "踩空(?!楼梯|台阶)",
            "踏空(?!楼梯|台阶)",
            *(f"{w}{_ANY}{{0,10}}?[摔坠跌掉落]" for w in _words(_HIGH_PLACES)),
        )
    ),
    # beaten, stabbed or attacked by a person
    "暴力伤害": (
        *_words(
            "殴打 围殴 斗殴 打架 互殴 持刀 行凶 袭击 暴力 抢劫 拳打 拳脚 脚踢 掌掴 捅伤 砍伤 砍中"
        ),
        "被打[伤成至倒]",
        f"被(?:人|他人|对方|{_ANY}{{0,8}}?(?:{_PERSON})){_ANY}{{0,6}}?"
        "(?:打[伤成至倒了断破中得]|砍|刺|捅|踢|推倒|推搡|咬|抓伤)",
    ),
    # struck by a falling, flying or swinging object
    "物体打击": (
        f"被{_ANY}{{0,12}}?(?:砸|击中|击伤|击打|打中|撞击|弹中|弹伤|崩伤|崩中|锤)",
        *_words("砸伤 砸中 砸到 砸在 砸断 砸死 击中 击伤 落物 坠物 掉落物 物体打击 崩伤 弹伤"),
    ),
    # the onset of an illness at work
    "突发疾病": (
        f"突发(?:疾病|{_ANY}{{0,8}}?(?:病|症|出血|溢血|梗|塞|衰竭|骤停|不适|昏迷|晕|抽搐|休克))",
        "突然(?:发病|晕倒|昏倒|晕厥|昏迷|倒地|抽搐)",
        *_words("猝死 猝倒 晕倒 昏倒 晕厥"),
        f"自感{_ANY}{{0,6}}?{_UNWELL}",
        f"突感{_ANY}{{0,6}}?{_UNWELL}",
        f"突然感到{_ANY}{{0,6}}?{_UNWELL}",
    ),
}
_EVENT_GROUPS = {f"k{i}": kind for i, kind in enumerate(EVENT_ALTERNATIVES)}
#: All event alternatives, one named group per kind: the group of a match is its kind.
EVENT = re.compile(
    "|".join(f"(?P<{g}>{'|'.join(EVENT_ALTERNATIVES[k])})" for g, k in _EVENT_GROUPS.items())
)
#: The same alternatives grouped by first character: the same match positions, found fast
#: (``re`` skips ahead on the set of first characters); :data:`EVENT` then names the kind.
EVENT_FLAT = by_first_char(alt for alts in EVENT_ALTERNATIVES.values() for alt in alts)


def event_kind(m: re.Match[str]) -> str:
    """The kind of an :data:`EVENT` match."""
    return _EVENT_GROUPS[str(m.lastgroup)]


#: Illness words that also follow an injury (晕倒 after a crash): an illness only when no
#: traffic word comes before them.
WEAK_ILLNESS = re.compile(r"晕倒|昏倒|晕厥|猝倒|突然(?:晕倒|昏倒|晕厥|昏迷|倒地|抽搐)")

#: Words that say the worker (or someone) died: 死亡, 身亡, 经抢救无效, 不治, 坠亡, 摔死 ….
DEATH_WORDS: tuple[str, ...] = (
    *_words(
        "死亡 身亡 死去 去世 逝世 病逝 辞世 离世 猝死 亡故 遇难 罹难 殉职 工亡 不治 抢救无效 "
        "医治无效 救治无效 治疗无效 宣告死亡 临床死亡 无生命体征 无生命迹象 没有生命体征 "
        "没有生命迹象 失去生命体征 生命体征消失 溺亡 坠亡 摔亡"
    ),
    *(f"{c}死" for c in "摔绞砸压烧电撞轧碾烫淹溺"),
)
DEATH = by_first_char(DEATH_WORDS)
#: Every DEATH_WORDS word holds one of these: texts without them are not searched.
DEATH_HINT = re.compile(r"[死亡世逝难殉治效征迹]")
#: A negation just before a death word (未造成人员死亡, 无人死亡, 非死亡); 无效 is no negation.
DEATH_NEG = re.compile(
    rf"(?:未|没有|没|无(?!效|法)|非|不是|并非|不属于|不致|幸免|避免|防止)[^{_STOP}]{{0,4}}$"
)
#: §15(一) as the decisions quote it: death words that are the law's, not the worker's.
STATUTE_DEATH = re.compile(r"突发疾病死亡或者?在?(?:48|四十八)小时之?内经抢救无效死亡的?")
#: Another party that may be the subject of a death (对方驾驶员当场死亡).
OTHER_PARTY = re.compile(
    r"对方|驾驶员|驾驶人|司机|行人|乘客|乘车人|他人|第三人|肇事者|路人|同事|工友|另一人|其他人"
)
#: Just before another party: it is the one collided with or avoided, not the one who died.
PARTY_OBJECT = re.compile(rf"(?:与|和|同|跟|被|避让|躲避|撞上|撞到|撞倒|碰撞|将)[^{_STOP}]{{0,3}}$")
#: Both parties (the worker among them) died.
BOTH_DIED = re.compile(r"双方|均|都|二人|两人|俩人|二者|与其|及其|其与|和其")

#: A death word in a 伤情 or 认定结论 cell (工亡, 死亡, 因工死亡, 不予认定工亡: the worker died).
CELL_DEATH = re.compile(r"死亡|身亡|工亡|去世|逝世|遇难|殉职|不治|死|亡|逝")
#: A negation just before it (未死亡, 无死亡, 非死亡); a 否 just after it (死亡：否).
CELL_DEATH_NEG = re.compile(r"(?:未|没有|没|无|非|不是)[^,;]{0,3}$")
CELL_DEATH_NO = re.compile(r"^[:=]?(?:否|无|no|false|n|0)$", re.IGNORECASE)

_ITEM = r"(?:第?[一1]款)?第?\(?([一二三四五六七1-7])\)?(?![\d一二三四五六七八九十])"
#: An item of article 14 or 15 of 《工伤保险条例》 in cleaned text, numbers Chinese or Arabic
#: (第十四条第(四)项, 14条4项, 第十五条第一款第(一)项, 十四条(三), §14(3), 14(4)); a
#: 第十四条第一款 means item 1 as clerks write it. Each alternative starts with a plain
#: character (fast to scan); groups: article and item of the alternative that matched. An
#: article without 第 must not continue a longer number (:data:`BASIS_ITEM_LONE`).
BASIS_ITEM = re.compile(
    rf"第(十四|十五|14|15)条{_ITEM}|1([45])条{_ITEM}|十([四五])条{_ITEM}"
    r"|§(1[45])\(([1-7])\)|1([45])\(([1-7])\)(?!\d)"
)
#: Group indexes (of the article) of BASIS_ITEM's alternatives whose article stands without
#: 第 or §: the character before the match must not be part of a number.
BASIS_ITEM_LONE = {2: "0123456789.", 4: "一二三四五六七八九十百", 8: "0123456789.§"}
#: Basis cells that name the item in words (an export's 工伤类型 column).
BASIS_WORDS = (
    (re.compile(r"职业病|尘肺|职业性(?!质)|职业中毒"), "职业病"),
    (re.compile(r"突发疾病|48小时"), "突发疾病"),
    (re.compile(r"暴力"), "暴力伤害"),
)
