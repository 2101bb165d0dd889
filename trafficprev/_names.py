"""Place-name normalisation, road-name variants, road codes and pinyin keys.

These pure functions are shared by the gazetteer builder and the geocoder's name matcher.
They encode how clerks write road names in commuting-accident determinations
(domain.md §1.5): the same road with and without 大道/路/辅道, direction words written
before the suffix or as a segment (人民东路 / 人民路东段), homophone typos (郎州 for 朗州),
and road codes in many written forms (G319 / 319国道 / 国道319线).

Evidence tags follow domain.md: [V] seen in a cited source, [U] general knowledge that
was not checked against a source.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from functools import lru_cache

import pandas as pd
from pypinyin import Style, lazy_pinyin, pinyin

__all__ = [
    "DIRECTIONS",
    "EXPRESSWAY_NAMES",
    "EXPRESSWAY_UNVERIFIED",
    "LANDMARK",
    "LANDMARK_SUFFIX",
    "REF_KIND_WORDS",
    "ROAD_SUFFIXES",
    "SERVICE_QUALIFIERS",
    "name_key",
    "name_keys",
    "parse_ref",
    "pinyin_key",
    "pinyin_keys",
    "ref_variants",
    "road_parts",
    "road_variants",
    "suffix_class",
]

# ---------------------------------------------------------------------------------------
# name keys


class _KeyTable(dict[int, int | None]):
    """``str.translate`` table built lazily: drop punctuation/blanks, upper-case a-z."""

    _DROP_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})
    _DROP_EXTRA = frozenset("|~`^")

    def __missing__(self, code: int) -> int | None:
        ch = chr(code)
        cat = unicodedata.category(ch)
        value: int | None
        if cat[0] == "P" or cat in self._DROP_CATEGORIES or ch in self._DROP_EXTRA:
            value = None
        elif "a" <= ch <= "z":
            value = ord(ch.upper())
        else:
            value = code
        self[code] = value
        return value


_KEY_TABLE = _KeyTable()


@lru_cache(maxsize=1 << 16)
def name_key(s: str) -> str:
    """Key under which two spellings of a name compare equal.

    NFKC (full-width letters, digits and brackets become ASCII), then whitespace,
    punctuation (·、，（）()-— …) and control/format characters are dropped and ASCII
    letters are upper-cased. Chinese characters and symbols such as ``+`` are kept.

    Parameters
    ----------
    s
        A name as written.

    Returns
    -------
    str
        The key; ``""`` for a name made only of blanks and punctuation.

    Examples
    --------
    >>> name_key(" 人民路（东段） ")
    '人民路东段'
    >>> name_key("ｇ３１９线")
    'G319线'
    >>> name_key("湘J·12345")
    '湘J12345'
    """
    return unicodedata.normalize("NFKC", s).translate(_KEY_TABLE)


def name_keys(names: pd.Series) -> pd.Series:
    """Vectorised :func:`name_key` (each distinct value is normalised once).

    Parameters
    ----------
    names
        Names as written; missing values give ``""``.

    Returns
    -------
    pandas.Series
        Keys, aligned to ``names`` (same index and name), of object dtype.

    Examples
    --------
    >>> name_keys(pd.Series(["人民路 ", None, "Ｇ319"])).tolist()
    ['人民路', '', 'G319']
    """
    values = names.to_numpy(dtype=object, na_value=None)
    uniques = pd.unique(values)
    mapping = {v: ("" if v is None or v != v else name_key(str(v))) for v in uniques}
    keys = [mapping[v] for v in values]
    return pd.Series(keys, index=names.index, name=names.name, dtype=object)


# ---------------------------------------------------------------------------------------
# road names

#: Road-name suffixes, longest first (a name ends with at most one of them).
ROAD_SUFFIXES: tuple[str, ...] = ("大道", "大街", "公路", "路", "街", "巷")
#: Direction characters written before the suffix (人民东路) or before 段 (人民路东段).
DIRECTIONS: str = "东西南北中"
#: Qualifiers of a service road; it belongs to its main road.
SERVICE_QUALIFIERS: tuple[str, ...] = ("辅道", "辅路")

#: Suffix class used to keep fuzzy matching within one kind of road.
_SUFFIX_CLASS = {"大道": "大道", "大街": "街", "街": "街", "公路": "公路", "路": "路", "巷": "巷"}

#: Alternative suffixes a clerk may write for the same road; all uncertain, since both
#: roads can exist (武陵大道 and a 武陵路) [U].
_SUFFIX_ALTERNATIVES: dict[str, tuple[str, ...]] = {
    "大道": ("路",),
    "路": ("大道",),
    "大街": ("街",),
    "街": ("大街",),
    "公路": ("路",),
}

#: Shortest base kept when a direction character is split off (东门路 stays 东门).
_MIN_BASE = 2
#: Shortest base written without its suffix as a variant (桃花源 for 桃花源路).
_MIN_BARE_BASE = 3


def road_parts(name: str) -> tuple[str, str, str, str]:
    """Split a road name into base, direction, suffix and qualifier.

    The qualifier is a service-road word (辅道, 辅路) or ``"段"`` when the direction is
    written as a segment (人民路东段). A direction character is split off the base only
    when at least two characters remain, so 东门路 and 江北路 keep their names whole.
    The name is used as given (apply :func:`name_key` first for messy text).

    Parameters
    ----------
    name
        A road name.

    Returns
    -------
    tuple of str
        ``(base, direction, suffix, qualifier)``, each possibly ``""``; their
        concatenation in the order base + direction + suffix + qualifier is the name,
        except for 段 forms, where the name is base + suffix + direction + 段.

    Examples
    --------
    >>> road_parts("人民东路")
    ('人民', '东', '路', '')
    >>> road_parts("人民路东段")
    ('人民', '东', '路', '段')
    >>> road_parts("常德大道辅道")
    ('常德', '', '大道', '辅道')
    >>> road_parts("东门路")
    ('东门', '', '路', '')
    """
    s = name.strip()
    qualifier = ""
    direction = ""
    for q in SERVICE_QUALIFIERS:
        if s.endswith(q) and len(s) > len(q):
            s, qualifier = s[: -len(q)], q
            break
    else:
        if len(s) >= 3 and s.endswith("段") and s[-2] in DIRECTIONS:
            s, direction, qualifier = s[:-2], s[-2], "段"
    suffix = ""
    for suf in ROAD_SUFFIXES:
        if s.endswith(suf) and len(s) > len(suf):
            s, suffix = s[: -len(suf)], suf
            break
    if qualifier == "段" and not suffix:
        # "东段" without a road suffix is a place phrase, not a road segment name
        return name.strip(), "", "", ""
    if not direction and len(s) > _MIN_BASE and s[-1] in DIRECTIONS and suffix:
        s, direction = s[:-1], s[-1]
    return s, direction, suffix, qualifier


def suffix_class(name: str) -> str:
    """Suffix class of a road name (大道, 路, 街 for 街/大街, 公路, 巷 or ``""``).

    Parameters
    ----------
    name
        A road name or key.

    Returns
    -------
    str
        The class; fuzzy matching never crosses classes.

    Examples
    --------
    >>> suffix_class("洞庭大道辅道"), suffix_class("解放大街"), suffix_class("人民")
    ('大道', '街', '')
    """
    return _SUFFIX_CLASS.get(road_parts(name)[2], "")


def _join(base: str, direction: str, suffix: str, segment: bool) -> str:
    if direction and segment:
        return f"{base}{suffix}{direction}段"
    return f"{base}{direction}{suffix}"


def road_variants(name: str) -> list[tuple[str, bool]]:
    """Other spellings a clerk uses for the road called `name`, with a certainty flag.

    Rules (each variant's flag is the AND of the flags of the rules applied):

    * direction form: 人民东路 ↔ 人民路东段 (certain);
    * service road: X路辅道 / X路辅路 → X路, and X路 → X路辅道 / X路辅路 (certain: the
      service road belongs to its road);
    * suffix swap: 大道 ↔ 路, 大街 ↔ 街, 公路 → 路 (uncertain: both roads may exist);
    * bare base: 桃花源路 → 桃花源, only for a base of at least three characters with no
      direction (uncertain; two-character bases such as 人民 or 常德 are too generic).

    A name without a road suffix has no variants. Variants may equal the real name of
    another road; :func:`trafficprev.area.build_name_table` drops those, and
    the matcher ranks exact names first anyway.

    Parameters
    ----------
    name
        A real road name.

    Returns
    -------
    list of (str, bool)
        ``(variant, certain)`` pairs in a fixed order (certain first), without `name`
        itself and without duplicates.

    Examples
    --------
    >>> road_variants("人民东路")[:3]
    [('人民路东段', True), ('人民东路辅道', True), ('人民东路辅路', True)]
    >>> ("常德大道", True) in road_variants("常德大道辅道")
    True
    >>> ("洞庭路", False) in road_variants("洞庭大道")
    True
    """
    base, direction, suffix, qualifier = road_parts(name)
    if not suffix:
        return []
    service = qualifier in SERVICE_QUALIFIERS
    suffixes = [(suffix, True)] + [(alt, False) for alt in _SUFFIX_ALTERNATIVES.get(suffix, ())]
    if service:
        qualifiers = [(qualifier, True), ("", True)] + [
            (q, True) for q in SERVICE_QUALIFIERS if q != qualifier
        ]
    else:
        qualifiers = [("", True)] + [(q, True) for q in SERVICE_QUALIFIERS]
    segment_forms = (False, True) if direction else (False,)
    found: dict[str, bool] = {}
    for suf, suf_ok in suffixes:
        for qual, qual_ok in qualifiers:
            for segment in segment_forms:
                if segment and qual:
                    continue  # 人民路东段辅道 is not written
                v = _join(base, direction, suf, segment) + qual
                found[v] = found.get(v, False) or (suf_ok and qual_ok)
    if not direction and len(base) >= _MIN_BARE_BASE:
        found.setdefault(base, False)
    original = name.strip()
    out = [(v, ok) for v, ok in found.items() if v != original]
    return sorted(out, key=lambda p: not p[1])  # stable: certain first, else as built


# ---------------------------------------------------------------------------------------
# road codes

#: Chinese words for the administrative class of a road code.
REF_KIND_WORDS: dict[str, str] = {"G": "国道", "S": "省道", "X": "县道", "Y": "乡道", "C": "村道"}
_KIND_OF_WORD = {w: k for k, w in REF_KIND_WORDS.items()}

#: Expressway names seen in Changde texts → national code. 二广 = G55 and 长张 = G5513
#: are [V] (domain.md §1.5, §2.10); the others (listed in :data:`EXPRESSWAY_UNVERIFIED`)
#: are [U]: check them before relying on them.
EXPRESSWAY_NAMES: dict[str, str] = {
    "二广高速": "G55",
    "长张高速": "G5513",
    "杭瑞高速": "G56",
    "常张高速": "G5513",
    "长常高速": "G5513",
}
#: Names in :data:`EXPRESSWAY_NAMES` whose code was not checked against a source [U].
EXPRESSWAY_UNVERIFIED: frozenset[str] = frozenset({"杭瑞高速", "常张高速", "长常高速"})

_KW = "|".join(REF_KIND_WORDS.values())
_XW = "|".join(re.escape(n) for n in sorted(EXPRESSWAY_NAMES, key=len, reverse=True))
_REF_TOKEN = re.compile(
    rf"""
    (?:(?P<kw1>{_KW})?(?P<let>[GSXYCZ][A-Z]?)(?P<num>\d{{1,4}})   # 国道G319 / G319 / XJ11
        (?:(?P<xw1>{_XW})(?:公路)?|高速(?:公路)?)?              # G55二广高速 / G55高速
        线?(?P<kw2>{_KW})?线?)                                    # G319线 / S224省道
    |(?:(?P<kw3>{_KW})(?P<num3>\d{{1,4}})线?)                    # 国道319线
    |(?:(?P<num4>\d{{1,4}})(?P<kw4>{_KW})线?)                    # 319国道 / 064县道
    |(?:(?P<xw2>{_XW})(?:公路)?)                                 # 二广高速
    """,
    re.VERBOSE,
)
_PADDED = frozenset("XYC")


def _canonical(letters: str, num: str) -> str:
    if len(letters) == 1 and letters in _PADDED:
        num = num.zfill(3)  # 县/乡/村道 codes have three digits (JTG naming) [U]
    return f"{letters}{num}"


def _token_code(m: re.Match[str]) -> str:
    if m.group("let"):
        return _canonical(m.group("let"), m.group("num"))
    if m.group("kw3"):
        return _canonical(_KIND_OF_WORD[m.group("kw3")], m.group("num3"))
    if m.group("kw4"):
        return _canonical(_KIND_OF_WORD[m.group("kw4")], m.group("num4"))
    return EXPRESSWAY_NAMES[m.group("xw2")]


@lru_cache(maxsize=1 << 14)
def parse_ref(text: str) -> tuple[str, ...]:
    """Canonical road codes of a text that is wholly one or more road codes.

    Accepted forms (any case, full- or half-width, with separators such as ``;`` between
    codes as in OSM ``ref`` tags): G319, G319线, 国道G319线, G319国道, 319国道, 国道319,
    国道319线, S224省道, 064县道, X064, XJ11, CY03, G55, G5513, G55二广高速 and the names
    of :data:`EXPRESSWAY_NAMES`. Single-letter 县/乡/村道 codes are zero-padded to three
    digits (64县道 → X064) [U]. When a letter and a class word disagree (S319国道) the
    letter wins.

    Parameters
    ----------
    text
        A road reference as written, or an OSM ``ref`` value.

    Returns
    -------
    tuple of str
        Distinct codes in order of appearance; ``()`` when any part of the text is not a
        road code (人民路, 319, 二广高速常德段).

    Examples
    --------
    >>> parse_ref("国道319线"), parse_ref("g319;S224"), parse_ref("064县道")
    (('G319',), ('G319', 'S224'), ('X064',))
    >>> parse_ref("二广高速"), parse_ref("人民路")
    (('G55',), ())
    """
    key = name_key(text)
    if not key:
        return ()
    codes: list[str] = []
    pos = 0
    while pos < len(key):
        m = _REF_TOKEN.match(key, pos)
        if m is None or m.end() == pos:
            return ()
        code = _token_code(m)
        if code not in codes:
            codes.append(code)
        pos = m.end()
    return tuple(codes)


_CODE = re.compile(r"([A-Z]{1,2})(\d{1,4})")


def ref_variants(code: str) -> list[str]:
    """Written forms of a canonical road code, for the name index.

    Parameters
    ----------
    code
        A canonical code such as ``"G319"``, ``"X064"`` or ``"G55"``.

    Returns
    -------
    list of str
        `code` first, then its other forms (G319线, 国道G319线, 319国道, 国道319线, …;
        for an expressway G55高速 and its names from :data:`EXPRESSWAY_NAMES`). Every
        form parses back to `code` with :func:`parse_ref`.

    Examples
    --------
    >>> ref_variants("G319")[:5]
    ['G319', 'G319线', 'G319国道', '国道G319', '国道G319线']
    >>> "二广高速" in ref_variants("G55")
    True
    """
    m = _CODE.fullmatch(name_key(code))
    if m is None:
        return [code]
    letters, num = m.groups()
    canon = f"{letters}{num}"
    forms = [canon, f"{canon}线"]
    word = REF_KIND_WORDS.get(letters, "")
    expressway = letters in ("G", "S") and len(num) != 3
    if word and not expressway:
        short = num.lstrip("0") or "0"
        nums = [num] if short == num else [num, short]
        forms += [f"{canon}{word}", f"{word}{canon}", f"{word}{canon}线"]
        for n in nums:
            forms += [f"{n}{word}", f"{n}{word}线", f"{word}{n}", f"{word}{n}线"]
    if expressway:
        forms += [f"{canon}高速", f"{canon}高速公路"]
        for xname, xcode in EXPRESSWAY_NAMES.items():
            if xcode == canon:
                forms += [xname, f"{xname}公路", f"{canon}{xname}"]
    out: list[str] = []
    for f in forms:
        if f not in out and parse_ref(f) == (canon,):
            out.append(f)
    return out


# ---------------------------------------------------------------------------------------
# pinyin


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


@lru_cache(maxsize=1 << 16)
def pinyin_key(s: str) -> str:
    """Toneless pinyin of a name, syllables separated by spaces.

    The name is keyed with :func:`name_key` first; Chinese characters are read with
    pypinyin's phrase dictionary (``lazy_pinyin``, one reading per character, no
    heteronyms), other runs (digits, letters) are kept as they are. Homophone typos get
    the same key: 郎州路 and 朗州路 are both ``"lang zhou lu"``.

    Parameters
    ----------
    s
        A name.

    Returns
    -------
    str
        The key (deterministic for a given pypinyin version).

    Examples
    --------
    >>> pinyin_key("郎州路") == pinyin_key("朗州路") == "lang zhou lu"
    True
    >>> pinyin_key("G319国道")
    'G319 guo dao'
    """
    return " ".join(lazy_pinyin(name_key(s)))


@lru_cache(maxsize=1 << 12)
def _char_reading(ch: str) -> str:
    return lazy_pinyin(ch)[0] if _is_cjk(ch) else ch


@lru_cache(maxsize=1 << 12)
def _char_readings(ch: str) -> tuple[str, ...]:
    if not _is_cjk(ch):
        return (ch,)
    readings = pinyin(ch, style=Style.NORMAL, heteronym=True)[0]
    return tuple(dict.fromkeys([_char_reading(ch), *readings]))


#: Most heteronym combinations tried for one name (:func:`pinyin_keys`).
_MAX_READINGS = 16


def _runs(key: str) -> list[str]:
    """Characters of `key`, with runs of non-CJK characters kept together."""
    parts: list[str] = []
    run = ""
    for ch in key:
        if _is_cjk(ch):
            if run:
                parts.append(run)
                run = ""
            parts.append(ch)
        else:
            run += ch
    if run:
        parts.append(run)
    return parts


@lru_cache(maxsize=1 << 16)
def pinyin_keys(s: str, *, heteronyms: bool = False) -> tuple[str, ...]:
    """Pinyin keys of a name: the phrase reading, the character-by-character reading and,
    on request, the readings of heteronyms.

    A phrase can change a heteronym's reading (朝阳 is read zhao yang, 朝羊 chao yang;
    长安 chang an, though 长 alone is zhang), so matching on either key catches homophone
    typos that one key alone misses. A clerk typing beihuan may pick 还 (hai or huan) for
    环: with ``heteronyms=True`` every combination of the characters' readings is added
    too (at most 16, in pypinyin's order), which is meant for the text looked up, not for
    the index.

    Parameters
    ----------
    s
        A name.
    heteronyms
        Add the keys of the other readings of heteronyms.

    Returns
    -------
    tuple of str
        Distinct keys, :func:`pinyin_key` first, then the per-character key, then the
        heteronym combinations; deterministic for a given pypinyin version.

    Examples
    --------
    >>> set(pinyin_keys("朝阳路")) & set(pinyin_keys("朝羊路"))
    {'chao yang lu'}
    >>> "bei huan lu" in pinyin_keys("北还路", heteronyms=True)
    True
    """
    parts = _runs(name_key(s))
    keys = [pinyin_key(s), " ".join(_char_reading(p) if len(p) == 1 else p for p in parts)]
    if heteronyms:
        options = [_char_readings(p) if len(p) == 1 else (p,) for p in parts]
        combos = itertools.islice(itertools.product(*options), _MAX_READINGS)
        keys += [" ".join(c) for c in combos]
    return tuple(dict.fromkeys(keys))


# ---------------------------------------------------------------------------------------
# landmarks

#: Endings that make a name a landmark (医院, 小区, 广场, 加油站, …), as a regex alternation.
LANDMARK_SUFFIX = (
    "社区卫生服务中心|卫生服务中心|人民医院|中医医院|中医院|妇幼保健院|医院|卫生院|卫生所|诊所|"
    "幼儿园|小学|中学|大学|学院|学校|职校|技校|职业中专|[一二三四五六七八]中(?![学心路街])|"
    "小区|花园|家园|新村|公寓|佳苑|花苑|雅苑|名苑|嘉园|山庄|公馆|华府|华庭|豪庭|名都|首府|苑|园|"
    "大厦|大楼|写字楼|广场|公园|农贸市场|菜市场|市场|超市|商场|购物中心|商城|商厦|步行街|"
    "大酒店|酒店|宾馆|饭店|银行|邮局|派出所|交警大队|政府|法院|检察院|公司|工厂|工业园|产业园|"
    "科技园|物流园|园区|汽车[东南西北]站|汽车站|客运站|火车站|高铁站|[东南西北]站|加油站|收费站|"
    "地铁站|服务区|停车场|体育馆|体育中心|图书馆|博物馆|纪念馆|水库|大坝|码头|渡口|厂|寺|庙|塔|馆|"
    "中心|景区|村部|村委会|公交站台|公交车站|公交站|站台|中央商务区|商务区|互通立交|互通|枢纽|立交|"
    "茶场|农场|林场|渔场|牧场|养殖场|度假村|农庄|庄园|"
    "湾(?![村组镇乡中区街]|[南北东西](?![侧面边门约0-9方向角])|路(?![段口])|大道)"
)
#: A landmark name: 2–16 characters and one or more :data:`LANDMARK_SUFFIX` endings, not
#: followed by a road word (shared by the place parser and the area's name index).
LANDMARK = re.compile(
    rf"(?P<name>[^\W_与、距往]{{2,16}}?)(?:{LANDMARK_SUFFIX})(?:{LANDMARK_SUFFIX})*"
    r"(?!(?:路|街|大道|大街|巷)(?![口段面上边旁]))"
)
