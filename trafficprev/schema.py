"""Canonical columns, header aliases and value vocabularies of every input table.

Headers in user files are matched after :func:`normalize_header` (NFKC, whitespace and
punctuation removed, lower case) against the canonical Chinese name, the English
name and the listed variants. Inside the package every column uses its English name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from ._errors import ArgumentError, SchemaError

__all__ = [
    "CAMPAIGN_COLUMNS",
    "CAMPAIGN_KINDS",
    "CASES_LAYER",
    "CONCLUSIONS",
    "CONTRIBUTION_COLUMNS",
    "COUNTERPARTS",
    "DETERMINATION_COLUMNS",
    "DIRECTIONS",
    "EMERGING_UNIT_COLUMNS",
    "EMPTY_CAMPAIGN_SITES",
    "EMPTY_MEASURES",
    "EMPTY_REGISTER",
    "ENTERPRISE_COLUMNS",
    "INJURY_KINDS",
    "MEASURE_COLUMNS",
    "MEASURE_KINDS",
    "MODES",
    "PAYOUT_COLUMNS",
    "PERSONAL_COLUMNS",
    "POI_COLUMNS",
    "RESPONSIBILITIES",
    "Column",
    "TableSchema",
    "normalize_header",
    "require_columns",
]


@dataclass(frozen=True)
class Column:
    """One canonical column of an input table.

    Parameters
    ----------
    name
        English name used inside the package and in outputs.
    label
        Canonical Chinese header.
    aliases
        Other headers seen in exports (matched after :func:`normalize_header`).
    required
        A file without this column is refused as a whole.
    personal
        Personal data: split off into the protected table at intake.
    """

    name: str
    label: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    personal: bool = False


@dataclass(frozen=True)
class TableSchema:
    """The columns of one kind of input table."""

    kind: str
    label: str
    columns: tuple[Column, ...]

    @property
    def required(self) -> tuple[Column, ...]:
        """Columns a file must have."""
        return tuple(c for c in self.columns if c.required)

    def header_lookup(self) -> dict[str, str]:
        """Map every normalised header variant to its English column name."""
        lookup: dict[str, str] = {}
        for col in self.columns:
            for variant in (col.name, col.label, *col.aliases):
                lookup.setdefault(normalize_header(variant), col.name)
        return lookup

    def label_of(self, name: str) -> str:
        """Return the Chinese label of column `name` (or `name` when unknown)."""
        for col in self.columns:
            if col.name == name:
                return col.label
        return name


_HEADER_DROP = re.compile(r"[\s_\-:：*＊（）()\[\]【】<>《》\"'`·.,，。/\\|]+")


def normalize_header(text: object) -> str:
    """Normalise a header for matching: NFKC, drop blanks and punctuation, lower case.

    Parameters
    ----------
    text
        A header cell as read from the file (any type).

    Returns
    -------
    str
        The key used to look the header up.

    Examples
    --------
    >>> normalize_header(" 受伤　时间 ")
    '受伤时间'
    >>> normalize_header("Decision_No")
    'decisionno'
    """
    s = unicodedata.normalize("NFKC", str(text))
    return _HEADER_DROP.sub("", s).lower()


DETERMINATION_COLUMNS = TableSchema(
    kind="determinations",
    label="工伤认定台账",
    columns=(
        Column(
            "decision_no",
            "认定书编号",
            (
                "认定编号",
                "决定书编号",
                "认定决定书编号",
                "文书编号",
                "编号",
                "案件编号",
                "认定书号",
            ),
            required=True,
        ),
        Column(
            "worker_name",
            "职工姓名",
            ("姓名", "受伤职工", "职工", "伤者姓名", "受伤人员", "name"),
            personal=True,
        ),
        Column(
            "id_number",
            "身份证号码",
            ("身份证号", "身份证", "公民身份号码", "证件号码", "身份证件号码", "idno", "idnumber"),
            personal=True,
        ),
        Column("sex", "性别", ("gender",)),
        Column("birth_date", "出生日期", ("出生年月", "生日", "birthday", "dob")),
        Column("age", "年龄", ("受伤时年龄",)),
        Column(
            "phone",
            "联系电话",
            ("电话", "手机", "手机号", "手机号码", "联系方式", "电话号码", "tel", "mobile"),
            personal=True,
        ),
        Column(
            "employer",
            "用人单位",
            ("单位名称", "用人单位名称", "工作单位", "所在单位", "单位", "企业名称", "company"),
            required=True,
        ),
        Column(
            "credit_code",
            "统一社会信用代码",
            ("信用代码", "社会信用代码", "单位代码", "组织机构代码", "uscc"),
        ),
        Column("industry", "所属行业", ("行业", "行业类别", "行业分类")),
        Column("occupation", "职业", ("工种", "岗位", "职业工种")),
        Column(
            "injured_at",
            "受伤时间",
            (
                "事故时间",
                "发生时间",
                "受伤日期",
                "事故发生时间",
                "事故日期",
                "伤害发生时间",
                "受伤时间日期",
                "injury_time",
                "accident_time",
            ),
            required=True,
        ),
        Column(
            "place", "受伤地点", ("事故地点", "发生地点", "受伤部位地点", "事故发生地点", "地点")
        ),
        Column(
            "narrative",
            "受伤经过",
            ("事故经过", "受伤经过简述", "事故简要经过", "经过", "基本情况", "受伤经过及诊断"),
        ),
        Column(
            "responsibility",
            "事故责任",
            ("责任认定", "交通事故责任", "本人责任", "责任划分", "事故责任认定"),
        ),
        Column(
            "injury_basis",
            "认定依据",
            ("工伤类型", "认定条款", "法律依据", "适用条款", "依据", "basis"),
        ),
        Column("conclusion", "认定结论", ("结论", "认定结果", "认定类型", "决定类型")),
        Column("decided_on", "认定日期", ("决定日期", "认定时间", "作出日期", "decision_date")),
        Column("severity", "伤情", ("伤情程度", "伤残等级", "受伤程度", "伤害程度")),
        Column("lon", "经度", ("longitude", "lng")),
        Column("lat", "纬度", ("latitude",)),
        Column("crs", "坐标系", ("坐标系统", "coordsys", "coord_sys")),
    ),
)

PERSONAL_COLUMNS: tuple[str, ...] = tuple(
    c.name for c in DETERMINATION_COLUMNS.columns if c.personal
)

ENTERPRISE_COLUMNS = TableSchema(
    kind="enterprises",
    label="企业名录",
    columns=(
        Column(
            "credit_code", "统一社会信用代码", ("信用代码", "社会信用代码", "uscc"), required=True
        ),
        Column("name", "单位名称", ("企业名称", "用人单位", "名称", "company"), required=True),
        Column("industry", "所属行业", ("行业", "行业类别")),
        Column("address", "单位地址", ("地址", "注册地址", "经营地址")),
        Column("lon", "经度", ("longitude", "lng")),
        Column("lat", "纬度", ("latitude",)),
        Column("crs", "坐标系", ("坐标系统",)),
        Column(
            "insured",
            "参保人数",
            ("参保职工人数", "工伤参保人数", "职工人数", "headcount"),
            required=True,
        ),
        Column("district", "所属区县", ("区县", "所在区县", "行政区")),
    ),
)

CAMPAIGN_COLUMNS = TableSchema(
    kind="campaign_candidates",
    label="宣传候选点",
    columns=(
        Column("name", "名称", ("点位名称", "地点名称"), required=True),
        Column("kind", "类型", ("类别", "type"), required=True),
        Column("address", "地址", ()),
        Column("lon", "经度", ("longitude", "lng")),
        Column("lat", "纬度", ("latitude",)),
        Column("crs", "坐标系", ("坐标系统",)),
        Column("size", "规模", ("人数", "居住人数", "从业人数")),
    ),
)

MEASURE_COLUMNS = TableSchema(
    kind="measures",
    label="已实施措施",
    columns=(
        Column("kind", "类型", ("措施类型",), required=True),
        Column("target", "道路或单位", ("道路", "单位", "对象")),
        Column("lon", "经度", ("longitude", "lng")),
        Column("lat", "纬度", ("latitude",)),
        Column("crs", "坐标系", ("坐标系统",)),
        Column("implemented_on", "实施日期", ("日期", "实施时间"), required=True),
    ),
)

# The two ledgers of the precision project (精准式工伤预防), read by trafficprev._ledgers.
_LEDGER_CREDIT_CODE = Column(
    "credit_code",
    "统一社会信用代码",
    ("信用代码", "社会信用代码", "统一信用代码", "uscc"),
    required=True,
)
_LEDGER_NAME = Column(
    "name",
    "单位名称",
    (
        "企业名称",
        "用人单位",
        "用人单位名称",
        "参保单位",
        "参保单位名称",
        "缴费单位",
        "缴费单位名称",
        "company",
    ),
)

#: 工伤保险缴费台账: one row per enterprise and year (the premium paid, the insured headcount).
CONTRIBUTION_COLUMNS = TableSchema(
    kind="contributions",
    label="工伤保险缴费台账",
    columns=(
        _LEDGER_CREDIT_CODE,
        _LEDGER_NAME,
        Column("year", "年度", ("缴费年度", "所属年度", "年份"), required=True),
        Column(
            "insured",
            "参保人数",
            ("平均参保人数", "年平均参保人数", "参保职工人数", "缴费人数", "headcount"),
            required=True,
        ),
        Column(
            "paid",
            "实缴金额",
            ("实缴工伤保险费", "已缴金额", "缴费金额", "实缴额", "工伤保险费"),
            required=True,
        ),
        Column("wage_bill", "缴费工资总额", ("工资总额", "缴费基数总额")),
        Column("due", "应缴金额", ("应缴工伤保险费", "应缴额")),
        Column("risk_class", "行业风险类别", ("风险类别", "行业类别风险等级", "费率档次")),
    ),
)

#: 工伤保险待遇支付台账: one row per payment of the fund (personal columns never kept).
PAYOUT_COLUMNS = TableSchema(
    kind="payouts",
    label="工伤保险待遇支付台账",
    columns=(
        _LEDGER_CREDIT_CODE,
        _LEDGER_NAME,
        Column("paid_on", "支付日期", ("支付时间", "发放日期", "拨付日期", "结算日期")),
        Column("year", "年度", ("支付年度", "所属年度")),
        Column(
            "amount",
            "支付金额",
            ("金额", "支付额", "发放金额", "待遇金额", "拨付金额"),
            required=True,
        ),
        Column("decision_no", "认定书编号", ("工伤认定书编号", "认定编号")),
        Column("item", "待遇项目", ("支付项目", "待遇类别", "项目名称", "费用类别")),
        Column("payment_id", "支付流水号", ("流水号", "凭证号", "支付单号")),
        Column(
            "worker_name",
            "职工姓名",
            ("姓名", "受伤职工", "工伤职工", "工伤职工姓名", "伤者姓名", "收款人姓名"),
            personal=True,
        ),
        Column(
            "id_number",
            "身份证号码",
            ("身份证号", "身份证", "公民身份号码", "证件号码", "身份证件号码", "idno", "idnumber"),
            personal=True,
        ),
        Column(
            "phone",
            "联系电话",
            ("电话", "手机", "手机号", "手机号码", "联系方式", "电话号码", "tel", "mobile"),
            personal=True,
        ),
        Column(
            "bank_account",
            "银行账号",
            ("银行卡号", "账号", "收款账号", "银行账户", "卡号", "开户账号"),
            personal=True,
        ),
    ),
)

# --- value vocabularies -------------------------------------------------------------

#: Commute direction. 未知 when the narrative does not say.
DIRECTIONS: tuple[str, ...] = ("上班", "下班", "其他", "未知")

#: Transport mode of the injured worker.
MODES: tuple[str, ...] = (
    "电动自行车",
    "摩托车",
    "自行车",
    "步行",
    "小型汽车",
    "乘车",
    "公交",
    "其他",
    "未知",
)

#: The other party of the accident.
COUNTERPARTS: tuple[str, ...] = (
    "小型汽车",
    "货车",
    "渣土车",
    "半挂牵引车",
    "公交客车",
    "电动自行车",
    "摩托车",
    "自行车",
    "三轮车",
    "行人",
    "动物",
    "单方",
    "逃逸未查获",
    "其他",
    "未知",
)

#: Police responsibility of the injured worker (未认定: not stated or not determined).
RESPONSIBILITIES: tuple[str, ...] = ("全部", "主要", "同等", "次要", "无", "意外", "未认定")

#: Conclusion of the determination.
CONCLUSIONS: tuple[str, ...] = ("认定工伤", "视同工伤", "不予认定", "未知")

#: Kinds of injury of a determination, in the order reports list them. The traffic kinds come
#: from the intake's own flags, the others from the 认定依据 cell and the narrative's event
#: (:func:`trafficprev.narrative.injury_kind_columns` gives the precedence).
INJURY_KINDS: tuple[str, ...] = (
    "上下班交通事故",
    "工作中交通事故",
    "职业病",
    "机械伤害",
    "高处坠落",
    "物体打击",
    "触电",
    "灼烫",
    "突发疾病",
    "暴力伤害",
    "其他伤害",
)

#: Kinds of campaign candidates.
#: Points of interest for the gazetteer (landmarks a clerk names: 医院, 小区, 学校 …).
POI_COLUMNS = TableSchema(
    kind="pois",
    label="兴趣点",
    columns=(
        Column("name", "名称", ("地点名称", "兴趣点名称", "POI名称"), required=True),
        Column("kind", "类型", ("类别", "type")),
        Column("lon", "经度", ("longitude", "lng", "x")),
        Column("lat", "纬度", ("latitude", "y")),
        Column("crs", "坐标系", ("坐标系统",)),
    ),
)
CAMPAIGN_KINDS: tuple[str, ...] = ("大型社区", "工业园区", "CBD", "学校", "其他")

#: Kinds of existing prevention measures (警示标志 and 设施 act on road units, 培训 and 宣传
#: on enterprises or places).
MEASURE_KINDS: tuple[str, ...] = ("警示标志", "设施", "宣传", "培训", "其他")


#: Kinds a column may be required to hold (:func:`require_columns`): the test of its dtype,
#: and its words in English and Chinese.
COLUMN_KINDS: dict[str, tuple[Callable[[object], bool], str, str]] = {
    "numeric": (
        lambda d: pd.api.types.is_numeric_dtype(d) and not pd.api.types.is_bool_dtype(d),
        "numbers",
        "数值",
    ),
    "datetime": (pd.api.types.is_datetime64_any_dtype, "date-times (datetime64)", "日期时间"),
    "bool": (pd.api.types.is_bool_dtype, "true/false values (bool)", "是/否"),
    "text": (
        lambda d: pd.api.types.is_object_dtype(d) or pd.api.types.is_string_dtype(d),
        "text",
        "文本",
    ),
}

#: At most this many of a table's columns are named in a message.
_SHOWN_COLUMNS = 30


def _labels() -> dict[str, str]:
    """English column name -> Chinese header, over every table of this module."""
    out: dict[str, str] = {}
    for table in (
        DETERMINATION_COLUMNS,
        ENTERPRISE_COLUMNS,
        CAMPAIGN_COLUMNS,
        MEASURE_COLUMNS,
        POI_COLUMNS,
        CONTRIBUTION_COLUMNS,
        PAYOUT_COLUMNS,
    ):
        for col in table.columns:
            out.setdefault(col.name, col.label)
    return out


def _named(column: object, labels: Mapping[str, str]) -> str:
    """A column as a message names it: ``'lon' (经度)``, or ``'unit_id'`` without a label."""
    label = labels.get(str(column))
    return f"{column!r} ({label})" if label else repr(column)


def _wrong_kinds(
    frame: pd.DataFrame, dtypes: Mapping[str, str], present: set[object]
) -> list[tuple[object, str, object]]:
    """``(column, kind, dtype)`` of every present column of `dtypes` of another kind."""
    unknown = sorted(set(dtypes.values()) - set(COLUMN_KINDS))
    if unknown:
        raise ArgumentError(f"unknown column kind(s) {unknown}; known: {list(COLUMN_KINDS)}")
    wrong = []
    for col, kind in dtypes.items():
        if col in present:
            dtype = frame.dtypes[col]
            if isinstance(dtype, pd.Series):  # a repeated header: the first one counts
                dtype = dtype.iloc[0]
            if not COLUMN_KINDS[kind][0](dtype):
                wrong.append((col, kind, dtype))
    return wrong


def require_columns(
    frame: pd.DataFrame,
    columns: Iterable[str],
    *,
    what: str,
    dtypes: Mapping[str, str] | None = None,
) -> None:
    """Refuse a table that lacks columns (or holds the wrong kind in them), naming them all.

    Every missing column and every column of the wrong kind is found before anything is
    raised, so one message says all that must be fixed.

    Parameters
    ----------
    frame
        The table to check.
    columns
        The columns it must have.
    what
        The table as the message names it (``"cases"``, ``"name table"``, a file name).
    dtypes
        Column -> kind it must hold, one of :data:`COLUMN_KINDS` (``"numeric"``,
        ``"datetime"``, ``"bool"``, ``"text"``). A column named here must be present too.

    Raises
    ------
    SchemaError
        If a column is missing or holds another kind, in English and Chinese: ``cases lacks
        column(s) 'lon' (经度), 'unit_id'; columns found: [...] / cases 缺少列：经度 (lon)、
        unit_id``.
    ArgumentError
        If `dtypes` names a kind that is not in :data:`COLUMN_KINDS`.

    Examples
    --------
    >>> frame = pd.DataFrame({"lon": [112.0]})
    >>> require_columns(frame, ["lon"], what="cases")
    >>> require_columns(frame, ["lon", "lat", "unit_id"], what="cases")
    Traceback (most recent call last):
    ...
    trafficprev._errors.SchemaError: cases lacks column(s) 'lat' (纬度), 'unit_id'; columns \
found: ['lon'] / cases 缺少列：纬度 (lat)、unit_id
    """
    present = set(frame.columns)
    wanted = [*columns, *(dtypes or {})]
    missing = [c for c in dict.fromkeys(wanted) if c not in present]
    wrong = _wrong_kinds(frame, dtypes or {}, present)
    if not missing and not wrong:
        return
    labels = _labels()
    english: list[str] = []
    chinese: list[str] = []
    if missing:
        english.append(f"lacks column(s) {', '.join(_named(c, labels) for c in missing)}")
        chinese.append(
            "缺少列：" + "、".join(f"{labels[c]} ({c})" if c in labels else c for c in missing)
        )
    for col, kind, dtype in wrong:
        english.append(f"column {col!r} must hold {COLUMN_KINDS[kind][1]}, got {dtype}")
        chinese.append(f"列 {col} 应为{COLUMN_KINDS[kind][2]}")
    found = [str(c) for c in frame.columns]
    if len(found) > _SHOWN_COLUMNS:
        found = [*found[:_SHOWN_COLUMNS], "…"]
    raise SchemaError(
        f"{what} {'; '.join(english)}; columns found: {found} / {what} {'；'.join(chinese)}"
    )


# --------------------------------------------------------------------------- output layers

#: The ``cases`` layer of a run's ``cases.gpkg``, in order (the columns present are written,
#: then the geometry): no names, ID numbers, phones or narratives; the decision number kept.
CASES_LAYER: tuple[str, ...] = (
    "decision_no", "injured_at", "time_precision", "commuting", "direction", "heading", "mode",
    "counterpart", "responsibility", "employer", "credit_code", "industry", "sex", "age",
    "severity", "conclusion", "place_text", "lon", "lat", "match_level", "confidence",
    "matched_road", "matched_cross_road", "reason", "unit_id", "snap_status", "snap_m",
)  # fmt: skip

#: Emerging-hotspot columns joined to the ``units`` layer of ``cases.gpkg``.
EMERGING_UNIT_COLUMNS: tuple[str, ...] = (
    "unit_id", "emerging_class", "emerging_label", "trend", "sparseness",
)  # fmt: skip

#: Columns of the optional inputs when they are not given: the run works on an empty table of
#: the same shape (the enterprise register, the measures) and writes an empty campaign layer.
EMPTY_REGISTER: tuple[str, ...] = (
    "credit_code", "name", "industry", "district", "insured", "lon", "lat",
)  # fmt: skip
EMPTY_MEASURES: tuple[str, ...] = ("kind", "target", "lon", "lat", "implemented_on")
EMPTY_CAMPAIGN_SITES: tuple[str, ...] = (
    "site_id", "kind", "road", "position_text", "n_covered", "lon", "lat",
)  # fmt: skip
