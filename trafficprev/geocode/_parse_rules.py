"""The vocabulary and compiled patterns of the place-phrase parser (:mod:`._parse`).

Normalisation (NFKC, spaces, Chinese numerals before a distance unit), the closed word lists
(road and landmark suffixes, generic names, bearings, approximation words) and the scanner's
regular expressions, kept apart from the scanner as the narrative reader keeps its rules in
``_narrative_rules``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from .._names import LANDMARK_SUFFIX as _LANDMARK_SUFFIX

# --- normalisation ------------------------------------------------------------------------

_SPACE = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u2060\ufeff]+")
_CN_DIGIT = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}
_CN_CHARS = "零〇一二两三四五六七八九十百千万"
_UNIT_AHEAD = r"(?:多|余|来)?(?:米|公里|千米|km|KM|Km|m\b|M\b|m(?![a-zA-Z])|M(?![a-zA-Z]))"
_CN_NUMBER = re.compile(
    rf"(?<![{_CN_CHARS}几数])(?:[{_CN_CHARS}]+|半)(?={_UNIT_AHEAD}|(?:公里|KM|km)\+)"
)


def _cn_int(s: str) -> int:
    """Value of a Chinese numeral: 三百五十 → 350, 三百五 → 350, 一五〇 → 150, 两百 → 200."""
    if all(c in _CN_DIGIT for c in s):
        return int("".join(str(_CN_DIGIT[c]) for c in s))
    total = section = num = 0
    last_unit, after_zero = 1, False
    for c in s:
        if c in _CN_DIGIT:
            num = _CN_DIGIT[c]
            after_zero = after_zero or c in "零〇"
        elif c in _CN_UNIT:
            unit = _CN_UNIT[c]
            section += (num or 1) * unit
            num, last_unit, after_zero = 0, unit, False
        else:  # 万
            total += (section + num or 1) * 10000
            section = num = 0
            last_unit, after_zero = 10000, False
    if num and last_unit >= 100 and not after_zero:  # 三百五 = 350, 两千三 = 2300
        num *= last_unit // 10
    return total + section + num


def _cn_repl(m: re.Match[str]) -> str:
    s = m.group()
    return "0.5" if s == "半" else str(_cn_int(s))


def normalize_place(text: object) -> str:
    """Return the normalised form of a place phrase (the ``norm`` slot).

    Parameters
    ----------
    text
        The phrase; anything but a string gives ``''``.

    Returns
    -------
    str
        NFKC form without whitespace; Chinese numerals before 米/公里/km/m are digits.

    Examples
    --------
    >>> normalize_place("建设路 与 人民路交叉口往北约二百米处")
    '建设路与人民路交叉口往北约200米处'
    >>> normalize_place("Ｇ３１９线Ｋ１２＋３００")
    'G319线K12+300'
    """
    if not isinstance(text, str) or not text:
        return ""
    s = text
    for _ in range(4):  # removing spaces can make NFKC compose again; stop when stable
        s = _SPACE.sub("", unicodedata.normalize("NFKC", s))
        if unicodedata.is_normalized("NFKC", s):
            break
    else:
        s = unicodedata.normalize("NFKC", s)
    if any(c in s for c in "零〇一二两三四五六七八九十百千万半"):
        s = _CN_NUMBER.sub(_cn_repl, s)
    return s


# --- vocabulary ---------------------------------------------------------------------------


def _words(*lines: str) -> frozenset[str]:
    """The space-separated words of `lines` as a set."""
    return frozenset(" ".join(lines).split())


_BEARINGS = "东北|东南|西北|西南|东|南|西|北"
_ROAD_SUFFIX = (
    "高速公路|快速公路|快速干道|快速路|绕城公路|公路|大道|大街|高速|环路|辅道|隧道|大桥|"
    "街|路|巷|道|线"
)
# A road suffix followed by one of these is part of a longer name (金桥东路, 大桥路, 街道).
_ROAD_CONT = r"(?:[东南西北中]|[一二三四五六七八九十]{1,2})?(?:路|街|大道|大街|巷)(?![口段])"
_ROAD_SUFFIX_TAIL = re.compile(rf"(?<!^)(?:{_ROAD_SUFFIX}|桥)$")
_NOT_ROAD_END = re.compile(
    r"(?:街道|车道|人行道|村道|乡道|便道|通道|步道|过道|坡道|匝道|赛道|管道|航道|河道|渠道|轨道|"
    r"跑道|水道|弯道|岔道|知道|味道|频道|道路|马路|沿线|路线|线路|干线|专线|支线|底线|视线|红线|黄线|"
    r"白线|实线|虚线|中线|停车线|斑马线)$"
)
_GENERIC_ROAD = _words(
    "马路 道路 公路 小路 大路 水泥路 柏油路 土路 石子路 沙石路 机耕道 机耕路 乡道 村道 县道 国道 "
    "省道 便道 高速 高速公路 乡村公路 乡间公路 乡间小道 乡间小路 田间小路 小道 岔路 山路 大街 "
    "小街 小巷 街 路 巷 道 线 桥 快速路 辅道 环路 大桥 隧道 施工路 主路 辅路 支路 单行道 车行道 "
    "一条路 回家路 上班路 下班路 过道 通道 村级公路 乡村道路 农村公路 村组公路"
)
_GENERIC_NAME = _words(
    "马 道 公 小 大 水泥 柏油 土 石子 沙石 机耕 乡 村 县 国 省 便 高 乡村 乡间 乡间小 田间",
    "田间小 山 岔 施工 主 辅 支 单行 车行 一条 回家 上班 下班 过 通 村级 农村 村组 前方 前面",
    "中 老 新 小 左 右 东 南 西 北 上 下 里 外 内 一 某 该 此 这 那 本 其 同一 另一 十字 丁字",
    "三岔 交叉 附近 这条 那条 该条 一条小 水泥小 乡下 泥 沙 石 砂石 硬化 村内 组",
)
_GENERIC_CORE = _words(
    "村 乡 县 国 省 马 小 水泥 柏油 土 石子 沙石 乡村 乡间 田间 农村 村级 村组 机耕 施工 山 泥"
)
_REJECT_IN_NAME = re.compile(
    r"途中|回家|上班|下班|附近|门口|门前|大门|路过|经过|途经|单位|公司|住所|家里|家中|前方|前面|对面|旁边|方向|某|的|时候|路上|"
    r"期间|过程|诊断|事故|驾驶|骑行|行驶|步行|车辆|碰撞|相撞|行至|驶至|骑至|走至|靠近|临近|事发|对开|往|旁"
)
_LANDMARK_TAIL = re.compile(rf"(?:{_LANDMARK_SUFFIX})$")
_FILLER_END = re.compile(r"(?:前方|前面|门口|门前|附近|旁边|对面|一带|方向|地方|处|侧|附)$")
_BAD_FIRST = frozenset("一某该此这那其本每各口段侧处过经的")
_GENERIC_LANDMARK = _words(
    "小区 公司 单位 住所 家 学校 医院 工地 厂区 车间 工厂 厂 市场 超市 宿舍 村 小路 马路 路 商店 "
    "商场 公园 广场 中学 小学 大学 学院 幼儿园 酒店 宾馆 饭店 银行 加油站 收费站 停车场 公交站 "
    "车站 中心 政府 园区 花园 家园 新村 公寓 大厦 大楼 水库 寺 庙 塔 馆 苑 园 寝室 出租屋 单位门口 "
    "工业园 菜市场 农贸市场 服务区 不详 不明 未知 路边 路面 道路 路口 街道 村口 村道 家门口 施工 "
    "前方 事发 现场 途中 路上 马路边 乡村 农村 田间 乡间"
)
_REJECT_IN_LANDMARK = re.compile(
    r"途中|回家|上班|下班|某|单位|住所|家里|家中|路上|时候|期间|过程|诊断|治疗|事故|驾驶|骑行|行驶|"
    r"步行|车辆|碰撞|相撞|撞|不详|不明|未知|工作|岗位|车间|仓库|食堂|办公|宿舍|[0-9]{5}|"
    r"^[0-9]+(?:-[0-9]+)?号|^(?:村道|乡道|县道|道路|马路|路面)|方向|往|"
    r"轿车|货车|摩托车|电动车|自行车|三轮车|车门|开启"
)
_ADMIN_SUFFIX = re.compile(r"(?:街道|社区|管理区|开发区|度假区|高新区|新区|市|区|县|镇|乡|村|旗)$")
_NOT_ADMIN_END = re.compile(
    r"(?:小区|园区|厂区|校区|景区|矿区|营区|服务区|工业区|生活区|办公区|住宅区|商业区|停车区|"
    r"保税区|新村|度假村|城中村|农村|超市|菜市|集市|门市|夜市|早市|闹市|城市|都市|上市|全市|全区|"
    r"全县|本市|本区|本县|该市|该区|该县|我市|我区|我县|郊区|库区|辖区|片区|"
    r"社区|乡村|商务区)$"
)
_LANDMARK_NEAR = _words(
    "附近 周边 一带 旁边 旁 对面 前方 前方路段 前 门前 路段 地段 段 处 公交站台 公交站 公交车站 "
    "站台 一侧 出入口 后面 后方 里 内 外 边 对开"
)
_APPROX_WORDS = _words("约 大约 大概 约莫 许 左右 多 余 来 上下 附近 周边 一带 左近 近")

# --- scanner patterns ---------------------------------------------------------------------

_CODE = (
    r"(?P<code>(?<![A-Za-z0-9])"
    r"(?:(?:国道|省道|县道|乡道|村道|高速)?"
    r"(?:[GSXYCZgsxycz]\d{3}(?=\d{1,4}(?:公里|千米|km|KM|Km))"
    r"|[GSXYCZgsxycz][A-Za-z]?\d{1,4}(?![0-9])(?:国道|省道|县道|乡道|村道|高速)?)"
    r"|(?<![0-9.])\d{1,4}(?:国道|省道|县道|乡道|高速)"
    r"|(?:国道|省道|县道|乡道)\d{1,4}(?![0-9]))"
    r"(?P<code_line>线)?)"
)
_STAKE = (
    r"(?P<stake>(?<![A-Za-z])[Kk](?P<sk_km>\d{1,4}(?:\.\d+)?)"
    r"(?:(?:\+|加)(?P<sk_m>\d{1,4}(?:\.\d+)?)(?:米|M|m)?)?(?![0-9])"
    r"|(?P<sk_km2>\d{1,4}(?:\.\d+)?)(?:KM|km|Km|kM|公里|千米)(?:\+|加|零)?"
    r"(?P<sk_m2>\d{1,4}(?:\.\d+)?)(?:米|M|m))"
)
_DIST = (
    r"(?P<dist>(?P<d_pre>约莫|大约|大概|将近|差不多|约|近)?(?P<d_num>\d{1,6}(?:\.\d+)?)"
    r"(?P<d_unit>米|公里|千米|km|KM|Km|M|m)(?![A-Za-z])(?P<d_post>许|左右|多|余|来|上下)?)"
)
_BARE = (
    r"(?P<bare>(?P<b_pre>约莫|大约|大概|约)?(?P<b_num>\d{1,4}(?:\.\d+)?)"
    r"(?=$|处|左右|许|的地方|[),;。]))"
)
_FUZZY = (
    r"(?P<fuzzy>(?:约莫|大约|大概|约)?(?:几十|数十|十几|十多|几百|数百|百余|上百|几)(?:米|公里)"
    r"(?:左右|许)?)"
)
_JUNCTION = (
    r"(?P<junc>交叉路口|交叉口|交叉处|交汇路口|交汇口|交汇处|交界路口|交界处|交界口|相交路口|"
    r"相交处|相交口|十字路口|十字口|丁字路口|丁字口|三岔路口|三叉路口|五岔路口|岔路口|交口|"
    r"环岛|转盘|路口|道口|交汇点|交叉点|交汇|交叉|相交|口)"
)
_TRAVEL = (
    rf"(?P<travel>[由从自](?P<tr_from>{_BEARINGS})(?:向|往|至|到)(?P<tr_to>{_BEARINGS})(?:方向)?"
    rf"|[由从](?P<tr_from2>[^,;。()往向朝与由从]{{1,12}}?)(?:往|向|至|到)"
    rf"(?P<tr_to2>[^,;。()往向朝与由从]{{1,12}}?)方向)"
)
_TOWARD = r"(?P<toward>(?:往|向|朝|驶往|开往|前往)(?P<tw>[^,;。()往向朝与距由从]{1,12}?)方向)"
#: "交叉口解放路方向300米": the place named before 方向 right after a junction word (no 往).
_TOWARD_BARE = re.compile(r"(?P<tw>[^,;。()往向朝与距由从\d]{1,12}?)方向")
_STRICT_AHEAD = (
    r"(?=约|大约|大概|将近|近|\d|几|数|$|处|附近|一带|地段|路段|方向|的|[,;。)]|非机动|机动|"
    r"人行|左右|许|米|段|角|侧)"
)
_BEAR = (
    rf"(?P<bear>(?:以|往|向|朝)(?P<b1>{_BEARINGS})(?:侧|面|边|方向|方|角|向)?(?![路街巷门]|大道)"
    rf"|(?P<b2>{_BEARINGS})(?:侧|角|方向)(?![路街巷门]|大道)"
    rf"|(?P<b3>{_BEARINGS})(?:面|边|方)?{_STRICT_AHEAD})"
)
_SIDE = r"(?P<side>(?:道路|路)?(?P<sd>左|右)(?:侧|边|手边|手)|路(?P<sd2>东|南|西|北)(?:侧|边))"
_SECTION = (
    r"(?P<sect>[东南西北中]延?段|非机动车道|机动车道|人行横道|人行道|应急车道|慢车道|快车道|"
    r"公交专用道|公交车道|超车道|左转车道|右转车道|直行车道|车道|辅道|辅路|主道|主路|匝道|引桥|"
    r"[东南西北]?桥头|桥上|桥下|桥面|隧道内|弯道|坡道|下坡|上坡|高架桥?下?|中心线|斑马线|路肩|隔离带)"
)
_GATE = (
    r"(?P<gate>(?:(?P<g_dir>[东南西北])(?=(?:大|校|正|侧|后)?门))?(?:大|校|正|侧|后)?门"
    r"(?![路街巷市诊卫])(?:口|前|外|处|对面|附近|旁)?|出入口|入口|出口(?![路街]))"
)
_GROUP = (
    r"(?P<group>(?:[一二三四五六七八九十]{1,3}|\d{1,3})(?:村民小组|小组|组)(?![合织成建件长员]))"
)
_UNIT_LANDMARK = r"(?P<lmunit>社区服务中心|服务中心|村部|村委会|村委|居委会|镇政府|乡政府|政府)"
_LEAD = (
    r"(?P<lead>事故发生地点为|事故发生地点|事故地点为|事故地点|事发地点为|事发地点|地点为|地点|"
    r"事故发生于|事故发生在|事发于|事发在|从|由|"
    r"发生在|发生于|位于|行驶至|行驶到|行驶在|骑行至|骑至|行至|驶至|走至|步行至|途经|途径|路经|"
    r"路过|经过|来到|到达|沿着|在|于|沿)"
)
#: "上班途中骑电动车行驶至…": the trip before the move word says nothing of the place.
_TRIP = (
    r"(?P<trip>(?:上班|下班|回家|返家|返回单位|上学|放学)(?:途中|路上|时|后)?[^\W\d_]{0,10}?"
    r"(?=行驶至|行驶到|骑行至|骑至|行至|驶至|走至|步行至|到达|来到|途经|路经|路过|经过|沿|在))"
)
#: What follows the place in a narrative ("时与一辆小型轿车相撞", "发生交通事故"): the end.
_STOP = (
    r"(?P<stop>(?:时|处)?(?:与|和|被|同)(?:一|1|两|2)?(?:辆|台|部|名|位)"
    r"|(?:时|处)?发生(?:了)?(?:交通事故|碰撞|事故|车祸|侧翻|追尾)"
    r"|时(?:被|与|遇|因|突然|不慎))"
)
_MOVE_WORDS = _words("行驶至 行驶到 骑行至 骑至 行至 驶至 走至 步行至 来到 到达")
_FROM = r"(?P<frm>距离|距)"
_CONN = r"(?P<conn>与|和|、|及|同|跟|靠近|临近|接近|近)"
_TO = r"(?P<to>至|到|—|-|~)"
_FILL_ANY = (
    "的地方|地方|附近|周边|一带|左右|前方路段|前方|路段|地段|沿线|境内|辖区内|范围内|旁边|对面|"
    "一侧|对开|公交站台|公交车站|公交站|站台|马路上|马路边|马路|道路上|道路旁|道路|路面上|路面|路边|路旁|"
    "后面|后方|约莫|大约|大概|约|处"
)
_FILL_END = r"(?=$|[,;。)]|处|时|附近|一带|路段|道路|马路|的地方|非机动|机动|人行)"
_FILL = (
    rf"(?P<fill>{_FILL_ANY}|(?:旁|前|上|内|外|边|里|时|的|段|中|下|许){_FILL_END}|段"
    r"|行驶(?!至|到)|骑行(?!至)|行进)"
)
_PAREN = r"(?P<lpar>\()|(?P<rpar>\))"
_PUNCT = r"(?P<punct>[^\w()])"

_CLOSED = "|".join(
    (
        _STAKE,
        _CODE,
        _DIST,
        _FUZZY,
        _BARE,
        _TRAVEL,
        _TOWARD,
        _SIDE,
        _SECTION,
        _JUNCTION,
        _GATE,
        _BEAR,
        _GROUP,
        _UNIT_LANDMARK,
        _TRIP,
        _STOP,
        _LEAD,
        _FROM,
        _CONN,
        _TO,
        _FILL,
        _PAREN,
        _PUNCT,
    )
)
_ADMIN_GUARD_FULL = r"(?!(?:路|街|大道|大街|巷|场)(?![口段])|道(?!路))"
_ADMIN_GUARD_ALIAS = (
    r"(?![^\W\d_某]?(?:路|街|大道|大街|巷)(?!段)|场|道(?!路)|[区县市镇乡村]|街道|社区"
    r"|高速|公路|高架|大桥|隧道|快速|环线|绕城|[^\W\d_]?桥(?!头|[^\W\d_]{0,2}[镇乡村]))"
)

_ROAD_NAME = r"[^\W_与、距往]"
_ROAD = re.compile(
    rf"(?P<name>{_ROAD_NAME}{{2,14}}?)"
    rf"(?P<sfx>(?:{_ROAD_SUFFIX})(?!{_ROAD_CONT}|{_LANDMARK_SUFFIX}|(?<=路)[过经])"
    rf"|桥(?!(?:[东南西北中]|[一二三四五六七八九十]{{1,2}})?(?:路(?![段口面上])|街|大道|大街|巷)|[村镇乡头]"
    rf"|{_LANDMARK_SUFFIX}))"
)
_STREET1 = re.compile(r"[^\W\d_与、距某一该此这那其本口段侧处老新小大]街(?![道头口])")
_GENERIC_ADMIN = re.compile(
    r"(?:[^\W\d_路街巷线道与和、距往处侧米某该本此其一全]县"
    r"|[^\W\d_路街巷线道与、距往处侧米某该本此其]{2,8}?"
    r"(?:街道|社区|管理区|开发区|度假区|高新区|新区|市|区|县|镇|乡|村|旗))"
    r"(?!场|(?:路|街|大道|大街|巷)(?![口段])|道(?!路))"
)
#: "阳光小区旁人民路上", "第一中学门口建设路": a landmark, a relation word, then a road.
_LM_REL_ROAD = (
    r"(?P<rel>(?P<rg>(?P<rd>[东南西北])?(?:大|校|正|侧|后)?门(?:口|前|外|处)?)|旁边|旁|边|对面|附近|前)"
    r"(?=[^\W_与、距前后]{1,14}?(?:路|街|大道|大街|巷|公路)(?![段口边旁面]))"
)
_LANDMARK_BEFORE_ROAD = re.compile(
    rf"(?P<lm>[^\W_与、距往]{{2,16}}?(?:{_LANDMARK_SUFFIX})(?:{_LANDMARK_SUFFIX})*){_LM_REL_ROAD}"
)
#: The same right after an admin name: the landmark may be a bare suffix (桃源镇卫生院旁…).
_LANDMARK_BEFORE_ROAD_BARE = re.compile(
    rf"(?P<lm>[^\W_与、距往]{{0,16}}?(?:{_LANDMARK_SUFFIX})(?:{_LANDMARK_SUFFIX})*){_LM_REL_ROAD}"
)
#: An unparsed name and a relation word before a road ("界岭茶场旁界岭公路上").
_REL_END = re.compile(r"(?:(?P<g>大门口|大门|门口)|旁边|旁|对面|附近)$")
#: A bus stop named after a junction: 桂香路口公交站.
_STOP_AFTER_JUNCTION = re.compile(r"公交站台|公交车站|公交站|站台|车站|站(?![东南西北])")
_CODE_AT = re.compile(_CODE)
_NAME_AHEAD = re.compile(r"[^\W\d_]?(?:路|街|大道|巷)(?![口段])")
_ADMIN_CHAR = r"[^\W\d_路街巷线道与和、距往处侧米某该本此其]"
_ADMIN_AFTER = (
    r"(?=路段|段|附近|一带|境内|处|$|[),;。]|(?:[一二三四五六七八九十]{1,3}|\d{1,3})组|路口)"
)
_MID_ADMIN = re.compile(
    rf"(?P<town>{_ADMIN_CHAR}{{2,5}}?(?:镇|乡|街道))?(?P<vil>{_ADMIN_CHAR}{{2,5}}?(?:村|社区)){_ADMIN_AFTER}"
    rf"|(?P<town2>{_ADMIN_CHAR}{{2,5}}?(?:镇|乡|街道)){_ADMIN_AFTER}"
)
_PAREN_SECTION = re.compile(r"\(([^()]{0,23}?[^()路]段)\)")
_RANGE_END = re.compile(r"[^,;()至到]{1,20}?(?:路段|段)(?=$|[^路])")


@lru_cache(maxsize=32)
def _closed_pattern(admin_names: tuple[str, ...]) -> re.Pattern[str]:
    """The closed-vocabulary alternation, with the known admin names in front."""
    full: dict[str, list[str]] = {}
    alias: dict[str, list[str]] = {}
    for name in admin_names:
        target = full if _ADMIN_SUFFIX.search(name) else alias
        target.setdefault(name[0], []).append(name)

    def alternation(groups: dict[str, list[str]]) -> str:
        parts = []
        for first, names in sorted(groups.items()):
            rests = sorted({n[1:] for n in names}, key=lambda r: (-len(r), r))
            parts.append(re.escape(first) + "(?:" + "|".join(map(re.escape, rests)) + ")")
        return "|".join(parts)

    head = []
    if full:
        head.append(f"(?P<adm>(?:{alternation(full)}){_ADMIN_GUARD_FULL})")
    if alias:
        head.append(f"(?P<ali>(?:{alternation(alias)}){_ADMIN_GUARD_ALIAS})")
    return re.compile("|".join([*head, _CLOSED]))


@lru_cache(maxsize=32)
def _admin_key(admin_names: tuple[str, ...]) -> tuple[str, ...]:
    """The usable admin names, NFKC-normalised, sorted (the cache key of the pattern)."""
    names = set()
    for raw in admin_names:
        n = normalize_place(raw)
        if len(n) >= 2 and all(c.isalnum() for c in n):
            names.add(n)
    return tuple(sorted(names))
