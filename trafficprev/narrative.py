"""Rule-based extraction of structured fields from 受伤经过 narratives.

A determination tells in free text who travelled where and why, by which mode, what they
collided with, the police responsibility and the conclusion. This module maps that text to
the vocabularies of :mod:`trafficprev.schema` with regular expressions compiled at import
time (patterns: ``docs/domain.md`` §1.4–1.5; tables and pattern-level helpers:
:mod:`trafficprev._narrative_rules`). Functions are pure and never raise on odd text;
``benchmarks/bench_narrative.py`` reports the accuracy on a hand-labelled set and the
throughput.

Each text is scanned by as few patterns as possible: a pattern is skipped when a character
that all its matches contain is absent, and slow-to-scan patterns run only where a match
can start. :func:`extract_fields` extracts each distinct (text, name) pair once; row by row
it gives exactly what :func:`extract_narrative` gives.

Beside the traffic fields, :func:`injury_kind_columns` gives every determination its kind of
injury (:data:`INJURY_KINDS`: commuting or on-duty traffic, occupational disease, the GB 6441
accident kinds, sudden illness, violence), whether it is an occupational disease and whether
the worker died, from the 认定依据, 认定结论 and 伤情 cells and the narrative's event
(:func:`find_event`, :func:`worker_died`). Intake adds them to the cases, since the narrative
never leaves intake.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from trafficprev._narrative_rules import (
    ANIMAL,
    ANIMAL_CONTEXT,
    BASIS,
    BASIS_ITEM,
    BASIS_ITEM_LONE,
    BASIS_WORDS,
    BOTH_DIED,
    BOTH_WORDS,
    CAUGHT,
    CELL_ACCIDENT,
    CELL_DEATH,
    CELL_DEATH_NEG,
    CELL_DEATH_NO,
    CELL_GRADES,
    CELL_RECOGNISED,
    CELL_REFUSED,
    CELL_SPLIT,
    CELL_UNKNOWN,
    CN_DIGITS,
    CN_NUMBER,
    DEATH,
    DEATH_HINT,
    DEATH_NEG,
    DRIVER_OF,
    ERRAND,
    ESCAPE,
    EVENT,
    EVENT_ALTERNATIVES,
    EVENT_FLAT,
    EXPLICIT,
    FALL,
    FROM_WORK,
    GRADE_SHORT,
    INVERT,
    KIN_WORDS,
    LAST_DRIVE_VERB,
    NAME,
    NAME_BLOCK_BEFORE,
    NOT_COMMUTE_NOISE_FLAT,
    NOT_TRAFFIC,
    OCCUPATIONAL,
    OCCUPATIONAL_HINT,
    OCCUPATIONAL_NEG,
    OTHER_OWNER_END,
    OTHER_PARTY,
    OTHER_WORDS,
    PARTY_OBJECT,
    PASSENGER_WORD,
    PERSONAL,
    RESP,
    RESP_START,
    RIDE_ANY_CAR,
    RIDE_VERB,
    ROAD,
    SINGLE_STATED,
    SOLO,
    STATUTE_DEATH,
    TO_WORK,
    TRAFFIC,
    VEHICLE_FLAT,
    VEHICLE_ROW,
    WALK,
    WEAK_ILLNESS,
    WORKER_OWNER_END,
    WORKER_WORDS,
    WORKPLACE,
    clause_start,
    clean,
    event_kind,
    find_conclusion,
    find_place,
    has_connector,
    is_accident,
    last,
    names,
    strip_subject,
    vehicle_row,
)
from trafficprev.schema import (
    CONCLUSIONS,
    COUNTERPARTS,
    DIRECTIONS,
    INJURY_KINDS,
    MODES,
    RESPONSIBILITIES,
)

from ._errors import ArgumentError
from ._vector import map_unique

__all__ = [
    "EVENT_NAMES",
    "FIELD_NAMES",
    "INJURY_KINDS",
    "NarrativeFields",
    "basis_kind",
    "cell_says_death",
    "extract_fields",
    "extract_narrative",
    "find_event",
    "find_heading",
    "heading_of",
    "injury_events",
    "injury_kind_columns",
    "is_commuting_basis",
    "normalize_conclusion",
    "normalize_responsibility",
]

logger = logging.getLogger(__name__)

#: Columns returned by :func:`extract_fields`, in order.
FIELD_NAMES: tuple[str, ...] = (
    "direction",
    "mode",
    "counterpart",
    "responsibility",
    "conclusion",
    "place_phrase",
    "traffic",
    "commute",
    "heading",
)
_BOOL_FIELDS = ("traffic", "commute")


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
    heading
        The compass heading of the worker's own travel at the accident (东 南 西 北 东北 东南
        西北 西南), as the text gives it (由南向北, 自西往东方向, 向北行驶, 北→南); ``""`` when
        it gives none. A heading written for the other party (与由北向南行驶的轿车相撞) is not
        the worker's and is skipped (:func:`find_heading`).
    """

    direction: str = "未知"
    mode: str = "未知"
    counterpart: str = "未知"
    responsibility: str = "未认定"
    conclusion: str = "未知"
    place_phrase: str | None = None
    traffic: bool = False
    commute: bool = False
    heading: str = ""


#: One narrative's fields in the order of :data:`FIELD_NAMES`.
_Row = tuple[str, str, str, str, str, str | None, bool, bool, str]

_DEFAULT = NarrativeFields()
_DEFAULT_ROW: _Row = ("未知", "未知", "未知", "未认定", "未知", None, False, False, "")
_DIRECTIONS, _MODES = frozenset(DIRECTIONS), frozenset(MODES)
_COUNTERPARTS, _RESPONSIBILITIES = frozenset(COUNTERPARTS), frozenset(RESPONSIBILITIES)
_CONCLUSIONS = frozenset(CONCLUSIONS)

# --- persons ---------------------------------------------------------------------------


def _infer_worker(text: str) -> str | None:
    """Guess the worker's masked name: the first name not introduced as another party."""
    for m in names(text):
        start = m.start()
        if NAME_BLOCK_BEFORE.search(text[max(0, start - 2) : start]):
            continue
        if text.startswith("驾驶的", m.end()) or DRIVER_OF.search(text[max(0, start - 16) : start]):
            continue
        return m.group(0)
    return None


def _subject_role(s: str, worker: str | None) -> str:
    """Classify a clause subject as 'worker', 'other', 'both' or 'unknown'."""
    if not s:
        return "unknown"
    worker_named = other_named = False
    for m in names(s):
        if worker is not None and m.group(0) == worker and not DRIVER_OF.search(s[: m.start()]):
            worker_named = True
        else:
            other_named = True
    if worker and not worker_named and not other_named and worker in s:
        worker_named = True
    if BOTH_WORDS.search(s) or (worker_named and other_named and "与" in s):
        return "both"
    if KIN_WORDS.search(s) or (not worker_named and DRIVER_OF.search(s)):
        return "other"
    if worker_named or PASSENGER_WORD.search(s) or WORKER_WORDS.search(s):
        return "worker"
    if OTHER_WORDS.search(s) or (other_named and worker is not None):
        return "other"
    return "unknown"


# --- responsibility --------------------------------------------------------------------


def _responsibility(text: str, worker: str | None, passenger: bool) -> str:
    worker_grade = both_grade = unknown_grade = None
    other_grades: list[str] = []
    # RESP matches end at a 责 at most 16 characters after their start: look only there
    pos = 0
    while (due := text.find("责", pos)) >= 0:
        hit = RESP_START.search(text, max(pos, due - 16))
        if hit is None:
            break
        m = RESP.match(text, hit.start())
        if m is None:
            pos = hit.start() + 1
            continue
        pos = m.end()
        neg, _, grade, short = m.groups()
        if neg:
            grade = "无"
        elif not grade:
            if not short:
                continue
            grade = GRADE_SHORT[short]
        at = m.start()
        start = clause_start(text, at)
        role = _subject_role(strip_subject(text[start:at]), worker)
        if role == "unknown" and start > 1:
            prev = clause_start(text, start - 1)
            role = _subject_role(strip_subject(text[prev : start - 1]), worker)
        if role == "worker" and worker_grade is None:
            worker_grade = grade
        elif role == "both" and both_grade is None:
            both_grade = grade
        elif role == "other":
            other_grades.append(grade)
        elif role == "unknown" and unknown_grade is None:
            unknown_grade = grade
    if worker_grade in (None, "无") and is_accident(text):
        return "意外"
    for grade in (worker_grade, both_grade, unknown_grade):
        if grade is not None:
            return grade
    if other_grades and passenger:
        return "无"
    if other_grades and len(set(other_grades)) == 1:
        return INVERT[other_grades[0]]
    return "未认定"


# --- vehicles, modes and counterparts -------------------------------------------------


def _owner(text: str, pos: int, end: int, worker: str | None) -> str:
    """Who travels on the vehicle or walks at `pos`: 'worker', 'passenger', 'other', ''."""
    start = clause_start(text, pos)
    if text.startswith("的", end):
        after = NAME.match(text, end + 1)
        if after is not None:
            return "worker" if worker is not None and after.group(0) == worker else "other"
    lo = max(start, pos - 16)
    window = text[lo:pos]
    # every RIDE_VERB match holds 乘, 搭 or 坐
    if "乘" in window or "搭" in window or "坐" in window:
        ride = last(RIDE_VERB, window)
        if ride is not None and not has_connector(window[ride.end() :]):
            return "passenger"
    drive = LAST_DRIVE_VERB.match(text, lo, pos)  # the last DRIVE_VERB match in the window
    if drive is not None:
        verb_pos, verb_end = drive.span(1)
        if verb_end == pos or not has_connector(text[verb_end:pos]):
            before = text[start:verb_pos]
            for m in names(before) if "某" in before or "*" in before or "员" in before else ():
                if m.end() == len(before):
                    return "worker" if worker is not None and m.group(0) == worker else "other"
            if (worker and before.endswith(worker)) or WORKER_OWNER_END.search(before):
                return "worker"
            if OTHER_OWNER_END.search(before) or has_connector(before):
                return "other"
            return "worker"
    if has_connector(text[start:pos]):
        return "other"
    return ""


def _mode_and_counterpart(text: str, worker: str | None) -> tuple[str, str]:
    mode = None
    candidates: list[tuple[int, str]] = []
    for m in VEHICLE_FLAT.finditer(text):
        v_mode, v_cp = VEHICLE_ROW.get(m.group()) or vehicle_row(text, m)
        owner = _owner(text, m.start(), m.end(), worker)
        if owner == "passenger":
            if mode is None:
                mode = "公交" if v_mode == "公交" else "乘车"
        elif owner == "worker":
            if mode is None:
                mode = v_mode
        elif owner == "other":
            candidates.append((m.start(), v_cp))
    # every WALK match holds 步, 走路, 行人 or 横
    walks = "步" in text or "走" in text or "横" in text or "行人" in text
    for m in WALK.finditer(text) if walks else ():
        owner = _owner(text, m.start(), m.end(), worker)
        if m.group(0) in ("行人", "横过道路的", "横穿马路的"):
            if owner == "other" or has_connector(text[clause_start(text, m.start()) : m.start()]):
                candidates.append((m.start(), "行人"))
            continue
        if owner == "other":
            candidates.append((m.start(), "行人"))
        elif mode is None:
            before = text[clause_start(text, m.start()) : m.start()]
            if not has_connector(before) and not before.endswith("的"):
                mode = "步行"
    animals = (  # every ANIMAL match holds one of 狗犬牛羊猪猫鸡鸭鹅
        "狗" in text
        or "犬" in text
        or "牛" in text
        or "羊" in text
        or "猪" in text
        or "猫" in text
        or "鸡" in text
        or "鸭" in text
        or "鹅" in text
    )
    for m in ANIMAL.finditer(text) if animals else ():
        start = clause_start(text, m.start())
        end = text.find("。", m.end())
        if ANIMAL_CONTEXT.search(text[start : end if end >= 0 else len(text)]):
            candidates.append((m.start(), "动物"))
    # RIDE_ANY_CAR needs 乘 or 搭, ESCAPE 逃, 离 or 未, SINGLE_STATED 单
    if mode is None and ("乘" in text or "搭" in text) and RIDE_ANY_CAR.search(text):
        mode = "乘车"
    escaped = ("逃" in text or "离" in text or "未" in text) and ESCAPE.search(text)
    if escaped and not CAUGHT.search(text):
        counterpart = "逃逸未查获"
    elif "单" in text and SINGLE_STATED.search(text):
        counterpart = "单方"
    elif candidates:
        counterpart = min(candidates)[1]
    elif SOLO.search(text):
        counterpart = "单方"
    else:
        counterpart = "未知"
    return mode or "未知", counterpart


# --- direction, traffic, conclusion -----------------------------------------------------


def _direction(text: str) -> tuple[str, bool]:
    # every NOT_COMMUTE_NOISE match holds 班时 (上班时间, 下班时段...), 期 (上班期间),
    # 点 (上班地点), 常 (正常上班), 岗 (在岗), 作 (工作时间) or 上下 (上下班途中)
    if (
        "期" in text
        or "点" in text
        or "常" in text
        or "岗" in text
        or "作" in text
        or "班时" in text
        or "上下" in text
    ):
        text = NOT_COMMUTE_NOISE_FLAT.sub("", text)
    ambiguous = "上下班" in text
    s = text.replace("上下班", "") if ambiguous else text
    if "完" in s:
        s = s.replace("上完", "")
    to_m = TO_WORK.search(s)
    from_m = FROM_WORK.search(s)
    # every ERRAND match holds 出, 送 (送货), 务 (公务), 拜 (拜访), 派 or 排 (受单位指派/安排)
    errand = "出" in s or "送" in s or "务" in s or "拜" in s or "派" in s or "排" in s
    if errand and ERRAND.search(s) and not EXPLICIT.search(s):
        return "其他", False
    if not to_m and not from_m and PERSONAL.search(s):
        return "其他", False
    if to_m and (not from_m or to_m.start() < from_m.start()):
        return "上班", True
    if from_m:
        return "下班", True
    return "未知", ambiguous


def _traffic(text: str, mode: str) -> bool:
    if "交通事故" in text and NOT_TRAFFIC.search(text):
        return False
    if not ROAD.search(text) and WORKPLACE.search(text):
        return False
    if "撞" in text or TRAFFIC.search(text):  # 撞 is an alternative of TRAFFIC
        return True
    return bool(FALL.search(text)) and mode not in ("未知", "步行")


# --- heading ------------------------------------------------------------------------------

_COMPASS_WORD = "(东北|东南|西北|西南|东|南|西|北)"
#: The ways a heading is written (surveyed from police accident descriptions and news reports,
#: in our own patterns): from one side to the other (由南向北, 自西往东方向, 从东至西, 东往西
#: 方向行驶), an arrow (北→南), toward a side while moving (向北行驶, 往东方向骑行, 朝西直行)
#: and the short road form (沿人民路北行至). An offset (往东约50米) moves nothing and is not
#: a heading.
_HEADING = re.compile(
    rf"(?:[由从自]{_COMPASS_WORD}(?:方向)?[向往朝至到]{_COMPASS_WORD}"
    rf"|{_COMPASS_WORD}[往向]{_COMPASS_WORD}(?=方向|行驶|骑行|行进)"
    rf"|{_COMPASS_WORD}\s*(?:→|->|至)\s*{_COMPASS_WORD}(?=方向|行驶|骑行|行进)"
    rf"|{_COMPASS_WORD}\s*(?:→|->)\s*{_COMPASS_WORD}"
    rf"|[向往朝]{_COMPASS_WORD}(?:方向)?(?=行驶|骑行|行进|驶|步行|直行|走)"
    rf"|(?<=[路街道线])({_COMPASS_WORD[1:-1]})行(?=至|到|时|途中|过程))"
)
_CLAUSE_END = re.compile("[，,。；;！!？?]")


def find_heading(text: str) -> str:
    """The compass heading of the worker's own travel, or ``""``.

    The first heading in the text that belongs to the worker: one in a clause that names
    another party before it (与/被/对方 …由北向南) or that qualifies a vehicle after it
    (由北向南行驶的轿车) is the other party's and is skipped.

    Parameters
    ----------
    text
        Cleaned text (see :func:`clean`).

    Returns
    -------
    str
        One of 东 南 西 北 东北 东南 西北 西南, or ``""``.

    Examples
    --------
    >>> find_heading("张某沿洞庭大道由西往东行驶至皂果路口时与一辆轿车相撞。")
    '东'
    >>> find_heading("张某在人民路往东约50米处，与由北向南行驶的货车相撞。")
    ''
    >>> find_heading("李某骑电动车沿建设路北行至紫菱路口时摔倒。")
    '北'
    """
    for m in _HEADING.finditer(text):
        words = [g for g in m.groups() if g]
        if not words:
            continue
        start = 0
        for c in _CLAUSE_END.finditer(text, 0, m.start()):
            start = c.end()
        before = text[start : m.start()]
        after = text[m.end() : m.end() + 6]
        if "与" in before or "被" in before or "对方" in before:
            continue
        if re.match(r"(?:方向)?(?:行驶|骑行|行进|直行)?的", after):
            continue
        return words[-1]
    return ""


def heading_of(text: object) -> str:
    """:func:`find_heading` of any value: the heading a place text (受伤地点) gives, after
    cleaning; ``""`` for a missing or non-text value."""
    return find_heading(clean(text)) if isinstance(text, str) else ""


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
    row = _safe_row(text, worker_name)
    return _DEFAULT if row is _DEFAULT_ROW else NarrativeFields(*row)


def _safe_row(text: object, worker_name: object) -> _Row:
    try:
        return _row(text, worker_name)
    except Exception:  # documented contract: never raise on text
        logger.warning("narrative extraction failed; defaults returned", exc_info=True)
        return _DEFAULT_ROW


def _row(text: object, worker_name: object) -> _Row:
    s = clean(text)
    if not s:
        return _DEFAULT_ROW
    worker = clean(worker_name) or None if isinstance(worker_name, str) else None
    if worker is None:
        worker = _infer_worker(s)
    direction, commute = _direction(s)
    mode, counterpart = _mode_and_counterpart(s, worker)
    traffic = _traffic(s, mode)
    if not traffic:
        counterpart = "未知"
    responsibility = _responsibility(s, worker, mode in ("乘车", "公交"))
    conclusion = find_conclusion(s)
    return (
        direction if direction in _DIRECTIONS else "未知",
        mode if mode in _MODES else "未知",
        counterpart if counterpart in _COUNTERPARTS else "未知",
        responsibility if responsibility in _RESPONSIBILITIES else "未认定",
        conclusion if conclusion in _CONCLUSIONS else "未知",
        find_place(s),
        traffic,
        commute,
        find_heading(s),
    )


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
        (``traffic`` and ``commute`` are bool). Identical (text, name) pairs are extracted
        once; each row equals ``extract_narrative(text, worker_name=name)``.

    Raises
    ------
    ValueError
        If `worker_names` cannot be aligned with `texts`.

    Examples
    --------
    >>> out = extract_fields(pd.Series(["李某骑电动车下班回家途中摔倒。", None]))
    >>> out[["direction", "mode", "counterpart", "traffic"]].to_numpy().tolist()
    [['下班', '电动自行车', '单方', True], ['未知', '未知', '未知', False]]
    """
    text_list = [v if isinstance(v, str) else None for v in texts.to_list()]
    name_list: list[str | None] = [None] * len(text_list)
    if worker_names is not None:
        wi, ti = worker_names.index, texts.index
        if wi.is_unique and ti.is_unique and len(wi) == len(ti) and ti.isin(wi).all():
            worker_names = worker_names.reindex(ti)
        elif len(worker_names) != len(texts):
            msg = f"worker_names has {len(worker_names)} rows but texts has {len(texts)}"
            raise ArgumentError(msg)
        name_list = [v if isinstance(v, str) else None for v in worker_names.to_list()]
    slots: dict[tuple[str | None, str | None], int] = {}
    rows: list[_Row] = []
    codes: list[int] = []
    for key in zip(text_list, name_list, strict=True):
        slot = slots.get(key)
        if slot is None:
            slot = slots[key] = len(rows)
            rows.append(_safe_row(*key))
        codes.append(slot)
    take = np.asarray(codes, dtype=np.intp)
    by_field = zip(*rows, strict=True) if rows else [()] * len(FIELD_NAMES)
    columns = {}
    for field, values in zip(FIELD_NAMES, by_field, strict=True):
        dtype = bool if field in _BOOL_FIELDS else object
        unique = np.fromiter(values, dtype=dtype, count=len(values))
        columns[field] = pd.Series(unique[take], index=texts.index, dtype=dtype)
    return pd.DataFrame(columns, index=texts.index)


# --- cell normalisers -------------------------------------------------------------------


def _grade_of_cell(s: str) -> str:
    for pattern, grade in CELL_GRADES:
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
    s = (clean(value) if isinstance(value, str) else "").lower()
    if not s:
        return "未认定"
    if CELL_ACCIDENT.search(s):
        return "意外"
    if CELL_UNKNOWN.search(s):
        return "未认定"
    parts = [p for p in CELL_SPLIT.split(s) if p]
    if len(parts) > 1 or "对方" in s:
        graded = [(OTHER_WORDS.search(p) is not None, _grade_of_cell(p)) for p in parts]
        own = [g for other, g in graded if not other and g != "未认定"]
        if own:
            return own[0]
        theirs = [g for other, g in graded if other and g in INVERT]
        return INVERT[theirs[0]] if theirs else "未认定"
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
    s = clean(value) if isinstance(value, str) else ""
    if not s:
        return "未知"
    if CELL_REFUSED.search(s):
        return "不予认定"
    if CELL_RECOGNISED.fullmatch(s):
        return "认定工伤"
    return find_conclusion(s)


def _cn_to_int(m: re.Match[str]) -> str:
    s = m.group(0)
    if "十" not in s:
        return "".join(str(CN_DIGITS.get(c, 0)) for c in s)
    tens, _, ones = s.partition("十")
    return str((CN_DIGITS.get(tens, 0) if tens else 1) * 10 + CN_DIGITS.get(ones, 0))


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
    s = clean(value) if isinstance(value, str) else ""
    if not s:
        return False
    s = CN_NUMBER.sub(_cn_to_int, s.replace("第", ""))
    return bool(BASIS.search(s))


# --- injury kinds and deaths (issue 19) -----------------------------------------------

#: The kinds a narrative's event may name (:func:`find_event`); ``""`` when it names none.
EVENT_NAMES: tuple[str, ...] = (
    "职业病",
    "突发疾病",
    "暴力伤害",
    *(k for k in EVENT_ALTERNATIVES if k not in ("突发疾病", "暴力伤害")),
)
#: 《工伤保险条例》 items that name a kind: §14(四) 患职业病, §15(一) 突发疾病, §14(三) 暴力等
#: 意外伤害, in this precedence.
_ITEM_KINDS = {("14", "4"): "职业病", ("15", "1"): "突发疾病", ("14", "3"): "暴力伤害"}
_CITED_ORDER = ("职业病", "突发疾病", "暴力伤害")
_ARABIC = str.maketrans("一二三四五六七", "1234567")
_ARTICLES = {"十四": "14", "十五": "15", "四": "14", "五": "15", "4": "14", "5": "15"}


def _cited_kinds(s: str) -> set[str]:
    """The kinds that the 《工伤保险条例》 items cited in cleaned text `s` name."""
    if "条" not in s and "§" not in s and "(" not in s:
        return set()
    kinds = set()
    for m in BASIS_ITEM.finditer(s):
        k = next(i for i in range(0, 10, 2) if m.group(i + 1) is not None)
        before = BASIS_ITEM_LONE.get(k)
        if before is not None and m.start() > 0 and s[m.start() - 1] in before:
            continue
        article = _ARTICLES.get(m.group(k + 1), m.group(k + 1))
        kind = _ITEM_KINDS.get((article, m.group(k + 2).translate(_ARABIC)))
        if kind is not None:
            kinds.add(kind)
    return kinds


def _occupational(s: str) -> bool:
    """Whether cleaned text `s` names an occupational disease, not negated or suspected
    in the same clause (up to the end of the name)."""
    if OCCUPATIONAL_HINT.search(s) is None:
        return False
    for m in OCCUPATIONAL.finditer(s):
        if OCCUPATIONAL_NEG.search(s, clause_start(s, m.start()), m.end()) is None:
            return True
    return False


def find_event(text: str) -> str:
    """The kind of injury event a narrative tells, or ``""``.

    In this order: an occupational disease named (职业性噪声聋, 矽肺, 慢性苯中毒 …; not after
    a negation or 疑似) or §14(四) cited → 职业病; §15(一) cited → 突发疾病; §14(三) cited →
    暴力伤害; otherwise the kind of the first event word in the text (:data:`EVENT`: 卷入,
    压伤 at a machine → 机械伤害; 从…摔下, 踩空, 坠落 → 高处坠落; 被…砸伤, 击中 → 物体打击;
    触电, 电击 → 触电; 烫伤, 烧伤, 铁水飞溅 → 灼烫; 殴打, 被客户打伤 → 暴力伤害; 突发疾病,
    猝死, 晕倒 → 突发疾病), the first one being the cause (触电后从梯子上坠落 is 触电). A
    fainting word (晕倒, 突然倒地) after a traffic word (撞, 追尾 …) is the crash's effect and
    is skipped. Traffic itself is not an event here: intake's flags say it.

    Parameters
    ----------
    text
        Cleaned text (see :func:`clean`).

    Returns
    -------
    str
        One of :data:`EVENT_NAMES`, or ``""``.

    Examples
    --------
    >>> find_event("李某在车间清理滚筒时,衣袖被卷入设备,致右臂受伤。")
    '机械伤害'
    >>> find_event("王某攀爬人字梯检修线路时不慎触电,从梯子上跌落。")
    '触电'
    >>> find_event("职业健康检查结论为疑似职业性噪声聋。")
    ''
    """
    if not text:
        return ""
    if _occupational(text):
        return "职业病"
    cited = _cited_kinds(text)
    for kind in _CITED_ORDER:
        if kind in cited:
            return kind
    pos = 0
    while (hit := EVENT_FLAT.search(text, pos)) is not None:
        m = EVENT.match(text, hit.start())  # the same alternatives: the same match
        if m is None:  # pragma: no cover - EVENT_FLAT and EVENT hold the same alternatives
            pos = hit.start() + 1
            continue
        kind = event_kind(m)
        if (
            kind == "突发疾病"
            and WEAK_ILLNESS.match(m.group())
            and TRAFFIC.search(text, 0, m.start())
        ):
            pos = max(m.end(), m.start() + 1)
            continue
        return kind
    return ""


def _third_party(segment: str) -> bool:
    """Whether the clause `segment` before a death word makes another party its subject."""
    if not segment or BOTH_DIED.search(segment):
        return False
    for m in OTHER_PARTY.finditer(segment):
        if PARTY_OBJECT.search(segment, max(0, m.start() - 6), m.start()) is None:
            return True
    return False


#: Death words that a following death word completes (经抢救无效，…死亡): the later one decides.
_OPEN_DEATH = ("抢救无效", "医治无效", "救治无效", "治疗无效", "不治")


def worker_died(text: str) -> bool:
    """Whether a narrative says the injured worker died.

    A death word (死亡, 身亡, 去世, 经抢救无效, 不治, 当场死亡, 坠亡, 砸死 …) counts unless a
    negation stands just before it (未造成人员死亡, 无人死亡, 非死亡), its clause makes another
    party the one who died (对方驾驶员当场死亡, 造成行人死亡; 与对方车辆相撞后死亡 is the
    worker's), or it is the law's own wording (§15(一): 突发疾病死亡或者在48小时之内经抢救无效
    死亡的).

    Parameters
    ----------
    text
        Cleaned text (see :func:`clean`).

    Returns
    -------
    bool

    Examples
    --------
    >>> worker_died("张某与对方车辆相撞后,经抢救无效于次日死亡。")
    True
    >>> worker_died("张某受伤,对方驾驶员当场死亡。"), worker_died("事故未造成人员死亡。")
    (False, False)
    """
    if not text or DEATH_HINT.search(text) is None:
        return False
    if "48" in text or "四十八" in text:
        text = STATUTE_DEATH.sub("", text)
    found = list(DEATH.finditer(text))
    for i, m in enumerate(found):
        start = m.start()
        if m.group() in _OPEN_DEATH and i + 1 < len(found) and found[i + 1].start() - start <= 16:
            continue
        if DEATH_NEG.search(text, max(0, start - 8), start) is not None:
            continue
        if _third_party(text[clause_start(text, start) : start]):
            continue
        return True
    return False


def basis_kind(value: object) -> str:
    """The kind a 认定依据 cell names: 职业病 (§14(四)), 突发疾病 (§15(一)), 暴力伤害 (§14(三))
    or ``""``.

    Parameters
    ----------
    value
        A cell such as ``"《工伤保险条例》第十四条第（四）项"``, ``"15条1项"``, ``"§14(3)"`` or
        the item in words (``"患职业病"``, ``"突发疾病"``).

    Returns
    -------
    str

    Examples
    --------
    >>> basis_kind("《工伤保险条例》第十五条第一款第（一）项"), basis_kind("第十四条第（六）项")
    ('突发疾病', '')
    """
    s = clean(value) if isinstance(value, str) else ""
    if not s:
        return ""
    kinds = _cited_kinds(s)
    kinds.update(kind for pattern, kind in BASIS_WORDS if pattern.search(s))
    return next((k for k in _CITED_ORDER if k in kinds), "")


def cell_says_death(value: object) -> bool:
    """Whether a 伤情 or 认定结论 cell says the worker died.

    Parameters
    ----------
    value
        A cell such as ``"死亡"``, ``"工亡"``, ``"因工死亡"`` or ``"不予认定工亡"`` (refused, but
        the worker died); ``"未死亡"``, ``"无死亡"`` and ``"死亡：否"`` say no.

    Returns
    -------
    bool

    Examples
    --------
    >>> cell_says_death("死亡"), cell_says_death("认定工亡"), cell_says_death("未死亡")
    (True, True, False)
    """
    s = clean(value) if isinstance(value, str) else ""
    for m in CELL_DEATH.finditer(s) if s else ():
        if CELL_DEATH_NEG.search(s, max(0, m.start() - 5), m.start()) is not None:
            continue
        if CELL_DEATH_NO.match(s[m.end() :]):
            continue
        return True
    return False


def _event_row(text: object, event: bool) -> tuple[str, bool]:
    try:
        s = clean(text)
        if not s:
            return "", False
        if event:
            return find_event(s), worker_died(s)
        occupational = _occupational(s) or "职业病" in _cited_kinds(s)
        return ("职业病" if occupational else ""), worker_died(s)
    except Exception:  # documented contract: never raise on text
        logger.warning("injury event extraction failed; defaults returned", exc_info=True)
        return "", False


def injury_events(texts: pd.Series, events_for: pd.Series | None = None) -> pd.DataFrame:
    """The event (:func:`find_event`) and whether the worker died (:func:`worker_died`) of
    each narrative; each distinct text is read once.

    Parameters
    ----------
    texts
        Narratives (missing values allowed).
    events_for
        Optional bool mask aligned with `texts`: the rows whose full event is wanted. The
        other rows are only checked for an occupational disease (their ``event`` is
        ``"职业病"`` or ``""``): a commuting traffic case needs no more (intake skips the
        rest there, which is most of the cost).

    Returns
    -------
    pandas.DataFrame
        Same index as `texts`; columns ``event`` (str, ``""`` when none) and ``died`` (bool).
    """
    codes, uniques = pd.factorize(texts, use_na_sentinel=True)
    n = len(uniques)
    wanted = np.ones(n, dtype=bool)
    if events_for is not None:
        wanted[:] = False
        known = codes >= 0
        np.logical_or.at(wanted, codes[known], events_for.to_numpy(dtype=bool)[known])
    events = np.empty(n + 1, dtype=object)
    died = np.zeros(n + 1, dtype=bool)
    for i, (text, want) in enumerate(zip(uniques.tolist(), wanted.tolist(), strict=True)):
        events[i], died[i] = _event_row(text, want)
    events[n] = ""  # code -1 (missing) picks the last slot
    return pd.DataFrame({"event": events[codes], "died": died[codes]}, index=texts.index)


def injury_kind_columns(
    narratives: pd.Series,
    *,
    basis: pd.Series,
    conclusion: pd.Series,
    conclusion_cell: pd.Series,
    severity: pd.Series,
    commuting: pd.Series,
    traffic: pd.Series,
) -> pd.DataFrame:
    """The injury kind, occupational disease and death of each case.

    ``injury_kind`` is the first that holds of:

    1. 职业病: the 认定依据 cites §14(四) (or names 职业病), or the narrative names an
       occupational disease (:func:`find_event`);
    2. 上下班交通事故: `commuting` and `traffic` (intake's flags);
    3. 突发疾病: the 认定依据 cites §15(一), or the narrative's event is 突发疾病;
    4. 暴力伤害: the 认定依据 cites §14(三) (暴力等意外伤害);
    5. 工作中交通事故: `traffic` without commuting (因工外出, 出差, driving for work);
    6. the narrative's event: 暴力伤害, 机械伤害, 高处坠落, 物体打击, 触电 or 灼烫;
    7. 其他伤害 (扭伤, 滑倒, a cut with a knife, a refused commute fall, no narrative …).

    The legal basis outranks the narrative because it is the authority's finding; a
    commuting traffic case stays one whatever the narrative adds.

    ``death`` holds when the 伤情 or the 认定结论 cell says so (:func:`cell_says_death`), the
    narrative says the worker died (:func:`worker_died`), or the case is §15(一) 视同工伤 (the
    basis cites it and the case is not refused, or the narrative's event is 突发疾病 and the
    conclusion is 视同工伤): that item needs a death.

    Parameters
    ----------
    narratives
        The 受伤经过 texts (raw; cleaned here).
    basis, conclusion_cell, severity
        The NFKC-cleaned 认定依据, 认定结论 and 伤情 cells.
    conclusion
        The normalised conclusion (``schema.CONCLUSIONS``).
    commuting, traffic
        Intake's flags.

    Returns
    -------
    pandas.DataFrame
        Same index as `narratives`: ``injury_kind`` (one of :data:`INJURY_KINDS`),
        ``occupational_disease`` (bool, ``injury_kind == "职业病"``), ``death`` (bool).
    """
    is_traffic = traffic.to_numpy(dtype=bool)
    commute_traffic = commuting.to_numpy(dtype=bool) & is_traffic
    events = injury_events(narratives, pd.Series(~commute_traffic, index=narratives.index))
    event = events["event"].to_numpy(dtype=object)
    by_basis = map_unique(basis, basis_kind).to_numpy(dtype=object)
    concl = conclusion.to_numpy(dtype=object)
    rules = (  # in precedence order
        ((by_basis == "职业病") | (event == "职业病"), "职业病"),
        (commute_traffic, "上下班交通事故"),
        ((by_basis == "突发疾病") | (event == "突发疾病"), "突发疾病"),
        (by_basis == "暴力伤害", "暴力伤害"),
        (is_traffic, "工作中交通事故"),
        (np.isin(event, list(EVENT_ALTERNATIVES)), event),
    )
    kind = np.full(len(event), "其他伤害", dtype=object)
    for holds, value in reversed(rules):
        kind = np.where(holds, value, kind)
    deemed_death = ((by_basis == "突发疾病") & (concl != "不予认定")) | (
        (event == "突发疾病") & (concl == "视同工伤")
    )
    death = (
        map_unique(severity, cell_says_death, dtype=bool).to_numpy()
        | map_unique(conclusion_cell, cell_says_death, dtype=bool).to_numpy()
        | events["died"].to_numpy(dtype=bool)
        | deemed_death
    )
    return pd.DataFrame(
        {"injury_kind": kind, "occupational_disease": kind == "职业病", "death": death},
        index=narratives.index,
    )
