"""Vocabularies and small pure helpers for the synthetic determination text writer.

The phrase tables (vehicles, modes, diagnoses, faults, workplace events, unresolvable
places, ...), the random-choice and numeral helpers, and the time, legal-basis and
workplace-event fragments shared by :mod:`trafficprev.datasets._case_text`,
:mod:`trafficprev.datasets._case_places` and :mod:`trafficprev.datasets._case_narrator`.
Everything here is private to those modules; the public names are re-exported by
:mod:`trafficprev.datasets._case_text`.
"""

from __future__ import annotations

import datetime
import zlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar

import numpy as np

if TYPE_CHECKING:
    from trafficprev.datasets._case_text import CaseFacts


#: Road-code classes: national, provincial, county and township roads.
REF_KINDS: tuple[str, ...] = ("G", "S", "X", "Y")

#: The fictional city named in hospitals and police units.
CITY_NAME = "示范市"

T = TypeVar("T")


# --- random helpers ----------------------------------------------------------------------


def _pick(rng: np.random.Generator, options: Sequence[T]) -> T:
    """One element of `options`, uniformly."""
    return options[int(rng.random() * len(options))]


def _wpick(rng: np.random.Generator, weighted: Sequence[tuple[T, float]]) -> T:
    """One element of `weighted` ((item, weight) pairs) with probability ∝ weight."""
    total = 0.0
    for _, w in weighted:
        total += w
    x = rng.random() * total
    for item, w in weighted:
        x -= w
        if x < 0:
            return item
    return weighted[-1][0]


def _chance(rng: np.random.Generator, p: float) -> bool:
    return bool(rng.random() < p)


# --- numerals ----------------------------------------------------------------------------

_CN = "零一二三四五六七八九"
_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_WEEKDAYS = "一二三四五六日"


def _cn(n: int, *, liang: bool = False) -> str:
    """Chinese numeral for 0 <= n < 10000 (十七, 二百, 一百五十, 三千零五十)."""
    if n < 10:
        return _CN[n]
    if n < 20:
        return "十" + (_CN[n - 10] if n % 10 else "")
    if n < 100:
        return _CN[n // 10] + "十" + (_CN[n % 10] if n % 10 else "")
    big, rest = (n // 1000, n % 1000) if n >= 1000 else (n // 100, n % 100)
    unit, width = ("千", 100) if n >= 1000 else ("百", 10)
    head = ("两" if liang and big == 2 else _CN[big]) + unit
    if rest == 0:
        return head
    if rest < width:
        return head + "零" + _cn(rest)
    if n >= 1000:
        return head + _cn(rest)
    return head + _CN[rest // 10] + "十" + (_CN[rest % 10] if rest % 10 else "")


def _cn_year(year: int, rng: np.random.Generator) -> str:
    zero = "〇" if _chance(rng, 0.7) else "零"
    return "".join(zero if c == "0" else _CN[int(c)] for c in str(year))


def _fw(s: str) -> str:
    """Replace ASCII digits by full-width ones."""
    return s.translate(_FULLWIDTH)


# --- place vocabularies -----------------------------------------------------------------

_BEARINGS: tuple[str, ...] = ("东", "南", "西", "北", "东北", "东南", "西北", "西南")
_OPPOSITE = {"东": "西", "西": "东", "南": "北", "北": "南"}
_REF_KIND_NAME = {"G": "国道", "S": "省道", "X": "县道", "Y": "乡道"}

_UNRESOLVABLE: tuple[str, ...] = (
    "回家途中某路段",
    "公司附近小路",
    "上班途中",
    "下班途中",
    "途中某路口",
    "住所附近马路",
    "路上",
    "不详",
    "村道上",
    "一乡村公路",
    "小区附近",
    "单位附近路段",
    "某十字路口",
    "回家路上",
    "乡间小道",
)

#: Unresolvable places as a narrative writes them (no 途中/路上: the trip is told already).
_UNRESOLVABLE_IN_TEXT: tuple[str, ...] = (
    "某路段",
    "一路口",
    "公司附近小路",
    "住所附近马路",
    "一乡村公路",
    "村道上",
    "小区附近",
    "单位附近路段",
    "某十字路口",
    "一岔路口",
)


# --- times -------------------------------------------------------------------------------


def _period(hour: int, rng: np.random.Generator) -> tuple[str, int]:
    """A day-period word for `hour` and the 12-hour clock hour to write after it."""
    if hour <= 4:
        return _pick(rng, ("凌晨", "凌晨", "夜里")), hour
    if hour == 5:
        return _pick(rng, ("凌晨", "早上", "清晨")), hour
    if hour <= 8:
        return _pick(rng, ("早上", "早上", "上午", "清晨", "早晨", "早")), hour
    if hour <= 11:
        return "上午", hour
    if hour == 12:
        return "中午", 12
    if hour == 13:
        return _pick(rng, ("中午", "下午")), 1
    if hour <= 16:
        return "下午", hour - 12
    if hour <= 18:
        return _pick(rng, ("下午", "傍晚", "下午")), hour - 12
    return _pick(rng, ("晚上", "晚", "晚上")), hour - 12


def _hedge(rng: np.random.Generator) -> str:
    return _wpick(rng, (("许", 5.0), ("左右", 3.0), ("", 3.0), ("前后", 0.2)))


def _clock(when: datetime.datetime, rng: np.random.Generator) -> str:
    """The time of day as written inside a narrative (7时30分许, 下午5点多, 十七时许...)."""
    h, m = when.hour, when.minute
    period, h12 = _period(h, rng)
    forms: list[tuple[str, float]] = [
        (f"{h}时{m}分{_hedge(rng)}" if m else f"{h}时{_pick(rng, ('许', '左右', ''))}", 10.0),
        (f"{period}{h12}点{m}分{_hedge(rng)}" if m else f"{period}{h12}点{_hedge(rng)}", 4.0),
        (f"{h}:{m:02d}{_pick(rng, ('左右', '许', ''))}", 1.5),
        (f"{h}时{m:02d}分", 1.0),
        (f"{period}{h12}时{m}分许" if m else f"{period}{h12}时许", 1.5),
        (f"{_cn(h)}时{_cn_minute(m)}{_pick(rng, ('许', ''))}", 1.0),
    ]
    if 10 <= m <= 50:
        forms.append((f"{period}{h12}点多", 2.5))
        forms.append((f"{h}点多", 0.8))
    if m <= 10:
        forms.append((f"{h}时许", 2.5))
        forms.append((f"{_cn(h)}时许", 0.6))
    if m == 30:
        forms.append((f"{period}{h12}点半{_pick(rng, ('左右', ''))}", 3.0))
    if m >= 50:
        forms.append((f"{(h + 1) % 24}时左右", 0.8))  # rounded up, as clerks do
    return _wpick(rng, forms)


def _cn_minute(m: int) -> str:
    if m == 0:
        return ""
    return ("零" + _CN[m] if m < 10 else _cn(m)) + "分"


def _date(d: datetime.date, rng: np.random.Generator, *, narrative: bool) -> str:
    y, mo, day = d.year, d.month, d.day
    forms: list[tuple[str, float]] = [
        (f"{y}年{mo}月{day}日", 12.0),
        (f"{y}年{mo:02d}月{day:02d}日", 1.0),
        (f"{y}年{mo}月{day}日（星期{_WEEKDAYS[d.weekday()]}）", 0.6),
        (f"{_cn_year(y, rng)}年{_cn(mo)}月{_cn(day)}日", 0.6),
    ]
    if narrative:
        forms += [(f"{mo}月{day}日", 1.5), (f"{y}.{mo}.{day}", 0.3), (f"{y}年{mo}月{day}号", 0.4)]
    return _wpick(rng, forms)


# --- legal basis ---------------------------------------------------------------------------

_ITEM_CN = "零一二三四五六七"


def _article(article: int, item: int | None, rng: np.random.Generator, *, cell: bool) -> str:
    """《工伤保险条例》第十四条第（六）项 and its spellings."""
    art = _wpick(
        rng, ((f"第{_cn(article)}条", 8.0), (f"第{article}条", 1.0), (_cn(article) + "条", 0.5))
    )
    if item is None:
        it = ""
    else:
        c = _ITEM_CN[item]
        it = _wpick(
            rng,
            (
                (f"第（{c}）项", 8.0),
                (f"第({c})项", 2.0),
                (f"第{c}项", 1.5),
                (f"（{c}）项", 0.6),
                (f"第{item}项", 0.6),
                (f"（{c}）", 0.5),
                (f"第（{item}）项", 0.3),
                (f"第{c}款", 0.15),  # the 款/项 confusion
            ),
        )
    law = (
        _wpick(
            rng, (("《工伤保险条例》", 6.0), ("工伤保险条例", 1.5), ("《条例》", 0.5), ("", 2.5))
        )
        if cell
        else "《工伤保险条例》"
    )
    return law + art + it


def _refusal_articles(facts: CaseFacts, rng: np.random.Generator, *, cell: bool) -> str:
    law = "《工伤保险条例》" if not cell or _chance(rng, 0.75) else _pick(rng, ("", "工伤保险条例"))
    if facts.refusal_reason == "第十六条":
        return law + _pick(
            rng, ("第十六条第（二）项", "第十六条第（二）项", "第十六条", "第十六条第(二)项")
        )
    if cell and facts.refusal_reason == "劳动关系不成立" and _chance(rng, 0.3):
        return law + _pick(rng, ("第二条、第十四条、第十五条", "第十八条第一款第（二）项"))
    return law + _wpick(
        rng,
        (
            ("第十四条、第十五条", 8.0),
            ("第十四条,第十五条", 0.8),
            ("第十四条、十五条", 0.8),
            ("第十四条第（六）项、第十五条", 0.8 if facts.direction != "无" else 0.0),
            ("第十四条及第十五条", 0.5),
        ),
    )


def _basis_item(facts: CaseFacts) -> int:
    if facts.disease:
        return 4
    if facts.direction in ("上班", "下班"):
        return 6
    if facts.traffic:
        return 5
    return _workplace_event(facts)[1]


# --- workplace events ----------------------------------------------------------------------

#: (event, article-14 item, diagnosis, heavy): heavy events are the ones that can kill.
_WORKPLACE_EVENTS: tuple[tuple[str, int, str, bool], ...] = (
    ("在车间操作冲压机时被压伤左手", 1, "左手示指、中指开放性骨折", False),
    ("在车间操作冲床时右手食指被冲压模具压伤", 1, "右手示指末节离断伤", False),
    ("在仓库搬运货物时被倒下的货架砸伤右脚", 1, "右足第一跖骨骨折", False),
    ("在食堂厨房切菜时不慎切伤左手拇指", 1, "左拇指屈肌腱断裂", False),
    ("在车间搬运纸箱时不慎扭伤腰部", 1, "急性腰扭伤", False),
    ("在病房为患者换药时被针头刺伤左手", 1, "左手针刺伤", False),
    ("在生产线打磨工件时被飞溅的铁屑击伤左眼", 1, "左眼角膜异物伤", False),
    ("在车间清洗储罐时滑倒摔伤", 1, "右桡骨远端骨折", False),
    ("在工地操作切割机时割伤左腿", 1, "左小腿皮肤裂伤", False),
    ("在包装车间操作封箱机时左手被夹伤", 1, "左手软组织挫伤", False),
    ("在酒店客房打扫卫生时从梯子上摔下", 1, "右踝关节骨折", False),
    ("在超市理货时被掉落的货物砸伤头部", 1, "头皮血肿", False),
    ("在车间维修设备时被高温蒸汽烫伤双手", 1, "双手浅Ⅱ度烫伤", False),
    ("在工地搬运模板时被钢管砸伤右脚", 1, "右足软组织挫伤", False),
    ("在下班前清理工作台时被刀片割伤右手", 2, "右手掌皮肤裂伤", False),
    ("上班前在更衣室更换工作服时滑倒摔伤", 2, "左腕部软组织挫伤", False),
    ("在交接班时整理工具不慎被砸伤左脚", 2, "左足第二趾骨骨折", False),
    ("在收银台工作时因与顾客发生纠纷被殴打致伤", 3, "鼻骨骨折", False),
    ("在小区巡逻时制止他人违规停车被打伤", 3, "头面部软组织挫伤", False),
    ("在营业厅办理业务时被情绪激动的客户打伤", 3, "左眼眶挫伤", False),
    ("在工地绑扎钢筋时从脚手架上坠落", 1, "重型颅脑损伤", True),
    ("在车间清理设备时右手被卷入传送带", 1, "右前臂毁损伤", True),
    ("在厂区卸货时从货车车厢上摔下", 1, "腰1椎体压缩性骨折", True),
    ("在仓库驾驶叉车作业时被倾倒的货物砸中", 1, "多发肋骨骨折伴血气胸", True),
    ("在工地作业时被倒塌的模板砸中", 1, "骨盆多发骨折", True),
    ("在配电室检修设备时触电", 1, "电击伤", True),
)
_SUDDEN_ILLNESS: tuple[str, ...] = (
    "在工作岗位上突发疾病，经送医抢救无效于48小时内死亡",
    "在车间工作时突然晕倒，经送医院抢救无效于当日死亡",
    "在办公室工作期间突发疾病，经抢救无效于次日死亡",
)


def _facts_seed(facts: CaseFacts) -> int:
    key = f"{facts.worker}|{facts.employer}|{facts.when.isoformat()}"
    return zlib.crc32(key.encode("utf-8"))


def _workplace_event(facts: CaseFacts) -> tuple[str, int, str | None]:
    """Workplace event, article-14 item and diagnosis (None: by severity).

    Generated from the facts (not from an rng) when ``facts.workplace_event`` is None, so
    that the narrative and the basis agree.
    """
    if facts.workplace_event:
        text = facts.workplace_event
        if "外出" in text or "出差" in text:
            return text, 5, None
        if any(k in text for k in ("殴打", "打伤", "暴力", "纠纷")):
            return text, 3, None
        if any(k in text for k in ("下班前", "上班前", "交接班", "收尾", "准备")):
            return text, 2, None
        return text, 1, None
    seed = _facts_seed(facts)
    if facts.conclusion == "视同工伤":
        return _SUDDEN_ILLNESS[seed % len(_SUDDEN_ILLNESS)], 1, None
    if facts.severity == "死亡":
        events = [e for e in _WORKPLACE_EVENTS if e[3]]
    elif facts.severity == "重伤":
        events = list(_WORKPLACE_EVENTS)
    else:
        events = [e for e in _WORKPLACE_EVENTS if not e[3]]
    text, item, diagnosis, _ = events[seed % len(events)]
    return text, item, diagnosis


# --- occupational diseases -----------------------------------------------------------------

#: (words of a diagnosis, hazards, jobs): what a worker with that occupational disease was
#: exposed to and did; the first whose words the diagnosis holds applies.
_OCCUPATIONAL_EXPOSURES: tuple[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...] = (
    (("电焊工尘肺",), ("电焊烟尘", "电焊烟尘和锰烟"), ("电焊", "焊接")),
    (("铸工尘肺",), ("型砂粉尘", "铸造粉尘"), ("清砂", "造型", "浇铸")),
    (
        ("矽肺", "尘肺"),
        ("矽尘", "含游离二氧化硅的粉尘", "生产性粉尘", "石英粉尘"),
        ("原料破碎", "球磨", "配料", "粉碎", "石材切割", "打磨"),
    ),
    (
        ("噪声聋",),
        ("生产性噪声", "强噪声", "噪声"),
        ("冲压", "打磨", "切割", "机修", "设备操作", "空压机操作"),
    ),
    (("苯中毒",), ("苯及苯系物", "含苯的油漆和稀释剂", "苯"), ("喷漆", "调漆", "涂装", "刷胶")),
    (("正己烷",), ("正己烷", "含正己烷的清洗剂"), ("擦拭清洗", "点胶")),
    (("棉尘病",), ("棉尘", "棉麻粉尘"), ("清花", "梳棉")),
)

#: Institutions that diagnose occupational diseases (the city is fictional).
_OD_INSTITUTIONS: tuple[tuple[str, float], ...] = (
    (f"{CITY_NAME}职业病防治院", 5.0),
    (f"{CITY_NAME}疾病预防控制中心", 2.0),
    (f"{CITY_NAME}第一人民医院职业病科", 1.5),
    (f"{CITY_NAME}中心医院职业病科", 0.6),
)


def _exposure(disease: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The hazards and jobs that go with an occupational-disease diagnosis."""
    for words, hazards, jobs in _OCCUPATIONAL_EXPOSURES:
        if any(w in disease for w in words):
            return hazards, jobs
    return ("职业病危害因素",), ("生产",)


# --- narratives ----------------------------------------------------------------------------

_SURNAMES = (
    "李王张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤"
)
_GIVEN = "军华明强平丽芳伟勇杰红英波斌辉刚林峰涛超"
_COMPLEMENT = {"全部": "无", "主要": "次要", "同等": "同等", "次要": "主要", "无": "全部"}
_SHORT = {"全部": "全", "主要": "主", "同等": "同", "次要": "次"}

_OTHER_VEHICLES: dict[str, tuple[tuple[str, float], ...]] = {
    "小型汽车": (
        ("小型轿车", 6.0),
        ("小型普通客车", 3.0),
        ("小型越野客车", 1.0),
        ("小型汽车", 1.0),
        ("小车", 0.8),
        ("出租车", 0.4),
        ("小型轿车（网约车）", 0.2),
    ),
    "货车": (
        ("轻型厢式货车", 3.0),
        ("重型仓栅式货车", 1.5),
        ("中型普通货车", 1.0),
        ("轻型普通货车", 2.0),
        ("货车", 1.5),
        ("重型厢式货车", 1.0),
        ("大货车", 0.5),
    ),
    "渣土车": (
        ("重型自卸货车", 4.0),
        ("渣土车", 2.0),
        ("重型自卸车", 1.0),
        ("重型自卸货车（渣土车）", 1.0),
    ),
    "半挂牵引车": (
        ("重型半挂牵引车", 4.0),
        ("半挂牵引车", 1.5),
        ("重型半挂牵引车牵引重型平板半挂车", 1.0),
        ("半挂车", 0.5),
    ),
    "公交客车": (
        ("公交车", 4.0),
        ("公交客车", 1.5),
        ("大型普通客车", 1.5),
        ("中型普通客车", 1.0),
        ("大客车", 0.5),
    ),
    "电动自行车": (("电动自行车", 5.0), ("电动车", 2.0), ("二轮电动自行车", 1.0), ("电瓶车", 0.8)),
    "摩托车": (
        ("二轮摩托车", 4.0),
        ("普通二轮摩托车", 2.0),
        ("摩托车", 1.5),
        ("电动二轮摩托车", 1.0),
        ("两轮摩托车", 0.5),
    ),
    "自行车": (("自行车", 4.0), ("人力自行车", 1.0), ("共享单车", 1.0)),
    "三轮车": (
        ("电动三轮车", 4.0),
        ("三轮摩托车", 2.0),
        ("正三轮摩托车", 1.0),
        ("电动三轮货车", 0.8),
        ("人力三轮车", 0.5),
        ("农用三轮车", 0.6),
    ),
    "其他": (
        ("手扶拖拉机", 2.0),
        ("拖拉机", 1.5),
        ("轮式挖掘机", 0.8),
        ("老年代步车", 1.5),
        ("叉车", 0.6),
        ("轮式装载机", 0.5),
    ),
}
_PLATED = frozenset({"小型汽车", "货车", "渣土车", "半挂牵引车", "公交客车", "摩托车", "其他"})
_TRUCKS = frozenset({"货车", "渣土车", "半挂牵引车"})

#: (phrase, noun) for the worker's own vehicle; {X} is a colleague's name.
_OWN_MODES: dict[str, tuple[tuple[str, str, float], ...]] = {
    "电动自行车": (
        ("驾驶电动自行车", "电动自行车", 6.0),
        ("骑电动车", "电动车", 3.0),
        ("驾驶二轮电动自行车", "二轮电动自行车", 1.0),
        ("骑行电动自行车", "电动自行车", 1.0),
        ("驾驶电动车", "电动车", 1.5),
        ("骑电瓶车", "电瓶车", 0.6),
        ("骑着电动车", "电动车", 0.5),
    ),
    "摩托车": (
        ("驾驶二轮摩托车", "二轮摩托车", 5.0),
        ("驾驶普通二轮摩托车", "普通二轮摩托车", 2.0),
        ("骑摩托车", "摩托车", 2.0),
        ("驾驶电动二轮摩托车", "电动二轮摩托车", 1.0),
        ("驾驶无号牌二轮摩托车", "二轮摩托车", 0.5),
    ),
    "自行车": (
        ("骑自行车", "自行车", 4.0),
        ("骑共享单车", "共享单车", 1.0),
        ("骑行自行车", "自行车", 1.0),
        ("骑单车", "单车", 0.5),
    ),
    "小型汽车": (
        ("驾驶小型轿车", "小型轿车", 4.0),
        ("驾驶{P}小型轿车", "小型轿车", 2.0),
        ("驾驶小型普通客车", "小型普通客车", 2.0),
        ("开车", "小车", 0.8),
        ("驾驶私家车", "私家车", 0.8),
        ("驾驶小型汽车", "小型汽车", 0.8),
    ),
    "其他": (
        ("驾驶电动三轮车", "电动三轮车", 3.0),
        ("驾驶三轮摩托车", "三轮摩托车", 1.5),
        ("驾驶老年代步车", "老年代步车", 1.5),
        ("驾驶电动滑板车", "电动滑板车", 0.5),
    ),
    "乘车": (
        ("乘坐同事{X}驾驶的小型普通客车", "小型普通客车", 4.0),
        ("搭乘{X}驾驶的二轮摩托车", "二轮摩托车", 2.0),
        ("乘坐出租车", "出租车", 1.5),
        ("乘坐网约车", "网约车", 1.0),
        ("乘坐单位班车", "班车", 1.0),
        ("搭乘同事{X}驾驶的电动自行车", "电动自行车", 1.0),
        ("坐{X}驾驶的小型轿车", "小型轿车", 0.5),
    ),
    "公交": (
        ("乘坐公交车", "公交车", 4.0),
        ("乘坐{N}路公交车", "公交车", 3.0),
        ("坐公交车", "公交车", 1.0),
    ),
}

_DIAGNOSES: dict[str, tuple[str, ...]] = {
    "轻伤": (
        "左桡骨远端骨折",
        "右锁骨骨折",
        "头皮挫裂伤",
        "左膝关节挫伤",
        "全身多处软组织挫伤",
        "右踝关节扭伤",
        "左第3、4肋骨骨折",
        "右手第五掌骨骨折",
        "鼻骨骨折",
        "左肩部软组织损伤",
        "右胫骨平台骨折",
        "腰部软组织挫伤",
    ),
    "重伤": (
        "重型颅脑损伤",
        "右股骨干粉碎性骨折",
        "腰1椎体压缩性骨折",
        "脾破裂",
        "多发肋骨骨折伴血气胸",
        "左胫腓骨开放性骨折",
        "急性硬膜下血肿",
        "骨盆多发骨折",
        "颈椎骨折伴不全瘫",
    ),
    "死亡": ("重型颅脑损伤", "多发伤", "失血性休克", "胸腹联合伤"),
}

#: Faults police name when the worker bears the main or full responsibility, by mode.
_FAULTS: dict[str, tuple[str, ...]] = {
    "电动自行车": (
        "因闯红灯、在非机动车道逆向行驶，",
        "驾驶电动自行车闯红灯，",
        "未按交通信号灯通行，",
        "逆向行驶，",
        "驾驶电动自行车在机动车道内行驶，",
    ),
    "摩托车": (
        "无证驾驶未登记的二轮摩托车且未戴安全头盔，",
        "超速行驶，",
        "未按交通信号灯通行，",
        "驾驶车辆未按规定让行，",
    ),
    "自行车": ("因闯红灯、逆向行驶，", "未按交通信号灯通行，"),
    "步行": ("未走人行横道横过道路，", "闯红灯横过道路，", "在机动车道内行走，"),
    "小型汽车": ("驾驶车辆未按规定让行，", "超速行驶，", "未按交通信号灯通行，", "违法变更车道，"),
    "其他": ("无证驾驶未登记的机动车，", "逆向行驶，", "驾驶车辆未按规定让行，"),
}

_SINGLE_EVENTS: tuple[tuple[str, float], ...] = (
    ("因路面坑洼摔倒", 3.0),
    ("因下雨路面积水，未看清机动车道上的坑洼，连人带车摔倒", 2.0),
    ("因路面湿滑自行摔倒", 2.0),
    ("车辆失控撞上路边护栏", 1.5),
    ("碾压到路面散落的石块后侧翻", 1.0),
    ("驶入施工路段时不慎摔倒", 1.0),
    ("发生单方交通事故", 1.5),
    ("避让对向来车时操作不当摔倒", 1.0),
    ("车辆撞上路边电线杆", 0.6),
    ("经过减速带时摔倒", 0.6),
)
_ANIMAL_EVENTS: tuple[tuple[str, float], ...] = (
    ("一条流浪狗突然窜出，{S}刹车不及与狗相撞摔倒", 3.0),
    ("与突然窜出的一条黄狗相撞后摔倒", 2.0),
    ("为避让横穿道路的狗紧急刹车摔倒", 1.0),
    ("撞上横穿道路的一头耕牛后摔倒", 0.6),
    ("与路边窜出的一只狗相撞，连人带车摔倒", 1.0),
)
_ESCAPE_EVENTS: tuple[tuple[str, float], ...] = (
    ("被一辆肇事后逃逸的车辆撞倒，肇事车辆尚未查获", 3.0),
    ("被一辆{V}撞倒，肇事车辆逃逸，至今未查获", 2.0),
    ("与一辆不明车辆发生碰撞，对方驾车逃离现场，肇事者尚未查获", 1.5),
    ("被一辆{V}刮倒，肇事司机驾车逃逸", 1.0),
)
_NON_TRAFFIC_COMMUTE: tuple[str, ...] = (
    "步行至小区楼道时不慎踩空楼梯摔伤",
    "在公交站台候车时被他人推倒摔伤",
    "在菜市场内行走时滑倒摔伤",
    "在小区地下车库推电动车时被台阶绊倒摔伤",
    "与他人发生纠纷被打伤",
    "在单位宿舍楼梯间摔倒受伤",
    "行至自家门前时不慎滑倒摔伤",
)
_ERRANDS = (
    "外出送货",
    "外出办事",
    "外出采购材料",
    "前往客户处送货",
    "外出催收货款",
    "前往工地送材料",
)
