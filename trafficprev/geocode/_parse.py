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
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

from trafficprev._vector import map_unique

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
    "approximate",
    "side",
    "section",
    "village_group",
    "vague",
    "spans",
)

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
_LANDMARK_SUFFIX = (
    "社区卫生服务中心|卫生服务中心|人民医院|中医医院|中医院|妇幼保健院|医院|卫生院|卫生所|诊所|"
    "幼儿园|小学|中学|大学|学院|学校|职校|技校|职业中专|一中|二中|三中|四中|五中|六中|七中|八中|"
    "小区|花园|家园|新村|公寓|佳苑|花苑|雅苑|名苑|嘉园|山庄|公馆|华府|华庭|豪庭|名都|首府|苑|园|"
    "大厦|大楼|写字楼|广场|公园|农贸市场|菜市场|市场|超市|商场|购物中心|商城|商厦|步行街|"
    "大酒店|酒店|宾馆|饭店|银行|邮局|派出所|交警大队|政府|法院|检察院|公司|工厂|工业园|产业园|"
    "科技园|物流园|园区|汽车[东南西北]站|汽车站|客运站|火车站|高铁站|[东南西北]站|加油站|收费站|"
    "地铁站|服务区|停车场|体育馆|体育中心|图书馆|博物馆|纪念馆|水库|大坝|码头|渡口|厂|寺|庙|塔|馆|"
    "中心|景区|村部|村委会"
)
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
    r"期间|过程|诊断|事故|驾驶|骑行|行驶|步行|车辆|碰撞|相撞"
)
_LANDMARK_TAIL = re.compile(rf"(?:{_LANDMARK_SUFFIX})$")
_FILLER_END = re.compile(r"(?:前方|前面|门口|门前|附近|旁边|对面|一带|方向|地方|处|侧|附)$")
_BAD_FIRST = frozenset("一某该此这那其本每各口段侧处过经")
_GENERIC_LANDMARK = _words(
    "小区 公司 单位 住所 家 学校 医院 工地 厂区 车间 工厂 厂 市场 超市 宿舍 村 小路 马路 路 商店 "
    "商场 公园 广场 中学 小学 大学 学院 幼儿园 酒店 宾馆 饭店 银行 加油站 收费站 停车场 公交站 "
    "车站 中心 政府 园区 花园 家园 新村 公寓 大厦 大楼 水库 寺 庙 塔 馆 苑 园 寝室 出租屋 单位门口 "
    "工业园 菜市场 农贸市场 服务区 不详 不明 未知 路边 路面 道路 路口 街道 村口 村道 家门口 施工 "
    "前方 事发 现场 途中 路上 马路边 乡村 农村 田间 乡间"
)
_REJECT_IN_LANDMARK = re.compile(
    r"途中|回家|上班|下班|某|单位|住所|家里|家中|路上|时候|期间|过程|诊断|治疗|事故|驾驶|骑行|行驶|"
    r"步行|车辆|碰撞|相撞|撞|不详|不明|未知|工作|岗位|车间|仓库|食堂|办公|宿舍|[0-9]{5}"
)
_ADMIN_SUFFIX = re.compile(r"(?:街道|社区|管理区|开发区|度假区|高新区|新区|市|区|县|镇|乡|村|旗)$")
_NOT_ADMIN_END = re.compile(
    r"(?:小区|园区|厂区|校区|景区|矿区|营区|服务区|工业区|生活区|办公区|住宅区|商业区|停车区|"
    r"保税区|新村|度假村|城中村|农村|超市|菜市|集市|门市|夜市|早市|闹市|城市|都市|上市|全市|全区|"
    r"全县|本市|本区|本县|该市|该区|该县|我市|我区|我县|郊区|库区|辖区|片区|"
    r"社区|乡村)$"
)
_LANDMARK_NEAR = _words(
    "附近 周边 一带 旁边 旁 对面 前方 前方路段 前 门前 路段 地段 段 处 公交站台 公交站 公交车站 "
    "站台 一侧 出入口 后面 后方 里 内 外 边"
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
    r"环岛|转盘|路口|道口|口)"
)
_TRAVEL = (
    rf"(?P<travel>[由从自](?P<tr_from>{_BEARINGS})(?:向|往|至|到)(?P<tr_to>{_BEARINGS})(?:方向)?"
    rf"|[由从](?P<tr_from2>[^,;。()往向朝与由从]{{1,12}}?)(?:往|向|至|到)"
    rf"(?P<tr_to2>[^,;。()往向朝与由从]{{1,12}}?)方向)"
)
_TOWARD = r"(?P<toward>(?:往|向|朝|驶往|开往|前往)(?P<tw>[^,;。()往向朝与距由从]{1,12}?)方向)"
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
    r"发生在|发生于|位于|行驶至|行驶到|行驶在|骑行至|骑至|行至|驶至|走至|步行至|途经|途径|路经|"
    r"路过|经过|来到|到达|沿着|在|于|沿)"
)
_MOVE_WORDS = _words("行驶至 行驶到 骑行至 骑至 行至 驶至 走至 步行至 来到 到达")
_FROM = r"(?P<frm>距离|距)"
_CONN = r"(?P<conn>与|和|、|及|同|跟)"
_TO = r"(?P<to>至|到|—|-|~)"
_FILL_ANY = (
    "的地方|地方|附近|周边|一带|左右|前方路段|前方|路段|地段|沿线|境内|辖区内|范围内|旁边|对面|"
    "一侧|公交站台|公交车站|公交站|站台|马路上|马路边|马路|道路上|道路旁|道路|路面上|路面|路边|路旁|"
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
    r"(?![^\W\d_]?(?:路|街|大道|大街|巷)(?![口段])|场|道(?!路)|[区县市镇乡村]|街道|社区)"
)

_ROAD_NAME = r"[^\W_与、距]"
_ROAD = re.compile(
    rf"(?P<name>{_ROAD_NAME}{{2,14}}?)"
    rf"(?P<sfx>(?:{_ROAD_SUFFIX})(?!{_ROAD_CONT}|{_LANDMARK_SUFFIX}|(?<=路)[过经])"
    rf"|桥(?!(?:[东南西北中]|[一二三四五六七八九十]{{1,2}})?(?:路|街|大道|大街|巷)|[村镇乡头]"
    rf"|{_LANDMARK_SUFFIX}))"
)
_STREET1 = re.compile(r"[^\W\d_与、距某一该此这那其本口段侧处老新小大]街(?![道头口])")
_LANDMARK = re.compile(
    rf"(?P<name>[^\W_与、距]{{2,16}}?)(?:{_LANDMARK_SUFFIX})(?:{_LANDMARK_SUFFIX})*"
    r"(?!(?:路|街|大道|大街|巷)(?![口段面上边旁]))"
)
_GENERIC_ADMIN = re.compile(
    r"(?:[^\W\d_路街巷线道与和、距往处侧米某该本此其一全]县"
    r"|[^\W\d_路街巷线道与、距往处侧米某该本此其]{2,8}?"
    r"(?:街道|社区|管理区|开发区|度假区|高新区|新区|市|区|县|镇|乡|村|旗))"
    r"(?!场|(?:路|街|大道|大街|巷)(?![口段])|道(?!路))"
)
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


# --- the scanner ------------------------------------------------------------------------


class _Scan:
    """Mutable scratch state of one scan (slots found so far, with spans)."""

    __slots__ = (
        "admin",
        "along",
        "approx",
        "bearing",
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

    def __init__(self, s: str) -> None:
        self.s = s
        self.admin: list[tuple[str, tuple[int, int]]] = []
        self.along: tuple[str, tuple[int, int]] | None = None
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
    if after == "段" and road.endswith("路") and _LANDMARK_TAIL.search(name):
        return False  # 富岸花园路段 is a landmark and 路段
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
    near = (
        (nxt == "fill" and text in _LANDMARK_NEAR)
        or nxt in ("gate", "lmunit")
        or (nxt in ("bear", "dist", "fuzzy") and st.frm)
        or (nxt == "bear" and st.road is None)
    )
    if near and st.landmark is None and _landmark_ok(run):
        st.landmark = (run, (a, b))
        st.started = True


def _add_road(st: _Scan, text: str, span: tuple[int, int]) -> None:
    alias = st.road is not None and (st.in_paren or (st.prev_punct in "/|" and st.prev == "punct"))
    if not alias:
        if st.road is None:
            st.road = (text, span)
            st.road_end = span[1]
        elif st.prev == "conn" and len(st.roads) == 1:
            st.conn_roads = True
        st.roads.append((text, span))
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


def _accept(st: _Scan, kind: str, m: re.Match[str]) -> int:
    """Apply a closed-vocabulary token; return its end, or -1 to reject it here."""
    s, a, b = st.s, m.start(), m.end()
    if kind == "adm" or kind == "ali":
        if kind == "ali" and st.started:
            return -1
        _flush(st, kind, "")
        st.admin.append((m.group(), (a, b)))
    elif kind == "stake":
        if m.group("sk_km") is not None:
            km, metres = m.group("sk_km"), m.group("sk_m")
        else:
            km, metres = m.group("sk_km2"), m.group("sk_m2")
        _flush(st, kind, "")
        if st.stake is None:
            st.stake = (float(km) + (float(metres) / 1000 if metres else 0.0), (a, b))
        st.started = True
    elif kind == "code":
        _flush(st, kind, "")
        end = m.end("code_line") - 1 if m.group("code_line") else b
        _add_road(st, s[a:end], (a, end))
    elif kind == "dist":
        num, unit = float(m.group("d_num")), m.group("d_unit")
        pre, post = m.group("d_pre"), m.group("d_post")
        if unit in ("公里", "千米", "km", "KM", "Km"):
            if st.prev == "code" and not pre and not post and st.stake is None:
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
    elif kind == "bare":
        if st.prev not in ("bear", "junc", "fill", "frm") and not st.frm:
            return -1
        _flush(st, kind, "")
        if st.dist is None:
            st.dist = (float(m.group("b_num")), (a, b))
        _set_approx(st, m.group("b_pre"))
    elif kind == "fuzzy":
        _flush(st, kind, "")
        if st.dist is None:
            st.dist = (None, (a, b))
        st.approx = True
    elif kind == "travel":
        _flush(st, kind, "")
        key = "tr_to" if m.group("tr_to") is not None else "tr_to2"
        if st.toward is None:
            st.toward = (m.group(key), m.span(key))
    elif kind == "toward":
        _flush(st, kind, "")
        if st.toward is None:
            st.toward = (m.group("tw"), m.span("tw"))
    elif kind == "bear":
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
    elif kind == "side":
        _flush(st, kind, "")
        key = "sd" if m.group("sd") is not None else "sd2"
        if st.side is None:
            st.side = (m.group(key), m.span(key))
    elif kind == "sect":
        _flush(st, kind, "")
        if st.section is None:
            st.section = (m.group(), (a, b))
    elif kind == "junc":
        if m.group() in ("口", "道口", "交口") and st.prev not in ("road", "code"):
            return -1
        _flush(st, kind, "")
        st.junction = True
        st.started = True
    elif kind == "gate":
        if m.group("g_dir") and st.prev not in ("landmark", "lmunit") and st.unk is None:
            return -1
        _flush(st, kind, "")
        if st.gate is None:
            st.gate = (a, b)
        if m.group("g_dir") and st.bearing is None:
            st.bearing = (m.group("g_dir"), m.span("g_dir"))
    elif kind == "group":
        _flush(st, kind, "")
        if st.group is None:
            st.group = (m.group(), (a, b))
    elif kind == "lmunit":
        if not st.admin or st.landmark is not None:
            return -1
        _flush(st, kind, "")
        st.landmark = (m.group(), (a, b))
        st.started = True
    elif kind == "lead":
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
    elif kind == "frm":
        _flush(st, kind, "")
        st.frm = True
    elif kind == "conn":
        if st.prev not in ("road", "code", "landmark"):
            return -1
        if m.group() in "和及同跟":
            r = _ROAD.match(s, b)
            if (r is None or "路" in r.group("name")) and not _CODE_AT.match(s, b):
                return -1
        _flush(st, kind, "")
    elif kind == "to":
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
    elif kind == "fill":
        word = m.group()
        _flush(st, kind, word)
        _set_approx(st, word)
    elif kind == "lpar":
        _flush(st, kind, "")
        ps = _PAREN_SECTION.match(s, a)
        if ps is not None and st.road is not None and st.section is None:
            st.section = (ps.group(1), ps.span(1))
            st.prev = "sect"
            return ps.end()
        st.in_paren = True
    elif kind == "rpar":
        _flush(st, kind, "")
        st.in_paren = False
    elif kind == "punct":
        _flush(st, kind, "")
        st.prev_punct = m.group()
    st.prev = kind
    return b


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
            if g is not None and not _NOT_ADMIN_END.search(g.group()):
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
    st = _Scan(norm)
    names = admin_names if isinstance(admin_names, tuple) else tuple(admin_names)
    _scan(st, _closed_pattern(_admin_key(names) if names else ()))
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
