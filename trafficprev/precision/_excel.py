"""``precision.xlsx``: the precision list and the statistics behind it, for the joint meeting.

Sheets, in order: ``重点企业名单`` (the listed enterprises, rank 1…N), ``备选企业`` (high on a
measure but not listed: the list was full, the industry's places were taken, or trained in
the last years), ``行业统计`` and ``区县统计`` (by industry and county, per year and pooled),
``重点领域`` (injuries by kind), ``项目评估`` (the training of the previous years against the
10 % goal, per enterprise, then per group and pooled) and ``说明`` (the rule, the window, the
data, the release level). Written like ``sites.xlsx``
(:func:`trafficprev.sites.write_workbook`): text cells are explicit strings, numbers are
numbers rounded for reading, the same inputs give the same bytes.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import pandas as pd

from ..release import RELEASE_LABELS
from ..sites import write_workbook
from ._analyse import PrecisionResult
from ._evaluate import SUMMARY_LABELS, UNIT_LABELS
from ._release import PrecisionTables, release_precision
from ._table import INJURY_KINDS

__all__ = [
    "FIELD_COLUMNS",
    "LIST_COLUMNS",
    "evaluation_columns",
    "group_columns",
    "labelled",
    "precision_notes",
    "precision_tables",
    "summary_columns",
    "write_precision_xlsx",
]

# (column, header, format)
LIST_COLUMNS: tuple[tuple[str, str, str | None], ...] = (
    ("rank", "排名", "count"),
    ("name", "单位名称", None),
    ("credit_code", "统一社会信用代码", None),
    ("industry", "所属行业", None),
    ("district", "所属区县", None),
    ("insured", "平均参保人数", "count"),
    ("n_injuries", "工伤起数", "count"),
    ("n_occupational", "职业病", "count"),
    ("n_deaths", "死亡", "count"),
    ("rate_per_1000", "工伤发生率", "rate"),
    ("rate_lower", "发生率下限", "rate"),
    ("rate_upper", "发生率上限", "rate"),
    ("eb_rate_per_1000", "平滑发生率", "rate"),
    ("payout_pct", "基金支缴率", "rate"),
    ("credibility_pct", "可信度加权支缴率（%）", "rate"),
    ("z", "可信度权重", "rate"),
    ("payout", "基金支付（元）", "count"),
    ("paid", "实缴保费（元）", "count"),
    ("tier", "类别", None),
    ("score", "综合倍数", "rate"),
    ("trained", "已培训", None),
    ("trained_on", "培训时间", None),
    ("status", "状态", None),
    ("reason", "列入原因", None),
)

_GROUP_HEAD: tuple[tuple[str, str, str | None], ...] = (
    ("period", "年度", None),
    ("rank", "排序", "count"),
    ("enterprises", "参保企业数", "count"),
    ("enterprises_injured", "有工伤企业数", "count"),
    ("insured_years", "参保人年", "count"),
    ("n_injuries", "工伤起数", "count"),
)
_GROUP_TAIL: tuple[tuple[str, str, str | None], ...] = (
    ("n_occupational", "职业病", "count"),
    ("n_deaths", "死亡", "count"),
    ("rate_per_1000", "发生率（每千人每年）", "rate"),
    ("rate_lower", "发生率下限", "rate"),
    ("rate_upper", "发生率上限", "rate"),
    ("eb_rate_per_1000", "平滑发生率", "rate"),
    ("payout", "基金支付（元）", "count"),
    ("paid", "实缴保费（元）", "count"),
    ("ratio_pct", "基金支缴率（%）", "rate"),
)

#: The key-field table (重点领域): injuries by kind.
FIELD_COLUMNS: tuple[tuple[str, str, str | None], ...] = (
    ("kind", "伤害类型", None),
    ("period", "年度", None),
    ("rank", "排序", "count"),
    ("injuries", "工伤起数", "count"),
    ("share_pct", "占比（%）", "rate"),
    ("share_lower_pct", "占比下限（%）", "rate"),
    ("share_upper_pct", "占比上限（%）", "rate"),
    ("rate_per_1000", "发生率（每千人每年）", "rate"),
)


def group_columns(by: str) -> tuple[tuple[str, str, str | None], ...]:
    """The columns of an industry (``by="industry"``) or county table, with headers."""
    label = {"industry": "所属行业", "district": "所属区县"}[by]
    kinds = tuple((k, k, "count") for k in INJURY_KINDS)
    return ((by, label, None), *_GROUP_HEAD, *kinds, *_GROUP_TAIL)


#: Evaluation columns that hold a relative change: shown as percent (−47.2 for −0.472).
_CHANGES = (
    "yoy_change", "yoy_lower", "yoy_upper", "change", "change_lower", "change_upper",
    "trend_change",
)  # fmt: skip


def _evaluation_format(column: str) -> str | None:
    if column in ("before", "after", "n_enterprises", "n_comparison"):
        return "count"
    if column.startswith(("rate", "insured_years", "expected")) or column in _CHANGES:
        return "rate"
    return None


def _header(column: str, label: str) -> str:
    return f"{label}（%）" if column in _CHANGES else label


def evaluation_columns() -> tuple[tuple[str, str, str | None], ...]:
    """The columns of the per-enterprise evaluation (项目评估), with headers."""
    return tuple((c, _header(c, lab), _evaluation_format(c)) for c, lab in UNIT_LABELS.items())


def summary_columns() -> tuple[tuple[str, str, str | None], ...]:
    """The columns of the evaluation summary (评估汇总), with headers."""
    return tuple((c, _header(c, lab), _evaluation_format(c)) for c, lab in SUMMARY_LABELS.items())


def _as_percent(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """`frame` with the numeric cells of `columns` × 100 (text cells kept)."""
    out = frame.copy()
    for c in columns:
        if c in out:
            values = pd.to_numeric(out[c], errors="coerce")
            out[c] = (values * 100).where(values.notna(), out[c])
    return out


def labelled(frame: pd.DataFrame, columns: tuple[tuple[str, str, str | None], ...]) -> pd.DataFrame:
    """`frame`'s `columns` (those present) under their Chinese headers, for display."""
    used = [(c, head) for c, head, _ in columns if c in frame.columns]
    return frame[[c for c, _ in used]].rename(columns=dict(used))


def _percent(frame: pd.DataFrame, source: str, target: str) -> pd.DataFrame:
    if source in frame:
        values = pd.to_numeric(frame[source], errors="coerce") * 100
        frame = frame.assign(**{target: values.where(frame[source].map(_numeric), frame[source])})
    return frame


def _numeric(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def precision_tables(result: PrecisionResult, release: str) -> PrecisionTables:
    """The tables of the workbook and the report at `release`, ready to show (percentages
    as percent numbers)."""
    tables = release_precision(result, release, kinds=list(INJURY_KINDS))
    listed = _percent(
        _percent(tables.listed, "ratio", "payout_pct"), "credibility_ratio", "credibility_pct"
    )
    reserve = _percent(
        _percent(tables.reserve, "ratio", "payout_pct"), "credibility_ratio", "credibility_pct"
    )
    return PrecisionTables(
        release=tables.release,
        k=tables.k,
        listed=listed,
        reserve=reserve,
        industries=_percent(tables.industries, "payout_ratio", "ratio_pct"),
        districts=_percent(tables.districts, "payout_ratio", "ratio_pct"),
        fields=_percent(
            _percent(
                _percent(tables.fields, "share", "share_pct"), "share_lower", "share_lower_pct"
            ),
            "share_upper",
            "share_upper_pct",
        ),
        evaluation=_as_percent(tables.evaluation, _CHANGES),
        evaluation_summary=_as_percent(tables.evaluation_summary, _CHANGES),
        withheld=tables.withheld,
    )


def precision_notes(result: PrecisionResult, tables: PrecisionTables) -> list[tuple[str, str]]:
    """The 说明 sheet's ``(item, text)`` rows."""
    s = result.settings
    city = result.city
    rows = [
        ("统计年度", f"{result.year}年（统计期 {result.years[0]}—{result.years[-1]}年）"),
        (
            "列入规则",
            f"近{len(result.years)}年工伤发生率和基金支缴率均超出上限（单侧{s.precision_level:.0%}）"
            "的企业优先，其次为其中一项超出上限的企业，按综合倍数排序；两项均未超出上限的不列入。"
            f"名单最多{s.precision_count}家。",
        ),
        (
            "全市发生率",
            f"每千名参保职工每年{city['rate_per_1000']:.1f}起"
            if _numeric(city["rate_per_1000"])
            else "无",
        ),
        (
            "全市支缴率",
            f"{100 * city['ratio']:.0f}%（全市基金支付÷实缴保费；可信度模型以各企业可信度加权的"
            f"集体均值 {100 * city['collective_ratio']:.0f}% 为比较基准）"
            if _numeric(city["ratio"]) and _numeric(city["collective_ratio"])
            else "无缴费记录",
        ),
        (
            "已培训企业",
            {
                "last": "近年已培训的企业排在未培训企业之后",
                "exclude": "近年已培训的企业不列入",
                "keep": "近年已培训的企业与其他企业一样排序",
            }[s.precision_trained]
            + f"（近{s.precision_trained_years}年）",
        ),
        (
            "行业名额",
            f"每个行业最多{s.precision_industry_cap}家" if s.precision_industry_cap else "不限",
        ),
        ("评估目标", "培训企业工伤发生率同比下降10%以上（经验贝叶斯前后对比，校正均值回归）"),
        (
            "单位",
            "工伤发生率：每千名参保职工每年的工伤起数（参保人数取缴费台账的年平均参保人数）；"
            "基金支缴率：基金支付÷实缴保费，以百分数表示；金额单位为元。",
        ),
        ("发布级别", RELEASE_LABELS.get(tables.release, tables.release)),
    ]
    if tables.k > 1:
        rows.append(("小数字抑制", f"少于{tables.k}起的数字不显示，写作“少于{tables.k}起”"))
    if tables.withheld:
        rows.append(("未列出", f"{tables.withheld}家名单企业工伤少于{tables.k}起，本级别不列出"))
    rows += [(f"说明{i}", text) for i, text in enumerate(result.notes, start=1)]
    rows += [(f"评估说明{i}", text) for i, text in enumerate(result.evaluation.notes, start=1)]
    rows.append(("生成工具", "trafficprev"))
    return rows


def write_precision_xlsx(
    path: str | os.PathLike[str], result: PrecisionResult, release: str = "internal"
) -> Path:
    """Write ``precision.xlsx`` for `result` at `release` (sheets: module docstring).

    Parameters
    ----------
    path
        Output file; its folder must exist.
    result
        :func:`~trafficprev.precision.analyse_precision`'s result.
    release
        ``internal`` (everything), ``police`` or ``public``
        (:func:`~trafficprev.precision.release_precision`).

    Returns
    -------
    pathlib.Path
        The path written (atomically).
    """
    tables = precision_tables(result, release)
    note_frame = pd.DataFrame(precision_notes(result, tables), columns=["item", "text"])
    sheets = [
        ("重点企业名单", tables.listed, LIST_COLUMNS),
        ("备选企业", tables.reserve, LIST_COLUMNS[1:]),
        ("行业统计", tables.industries, group_columns("industry")),
        ("区县统计", tables.districts, group_columns("district")),
        ("重点领域", tables.fields, FIELD_COLUMNS),
        ("项目评估", tables.evaluation, evaluation_columns()),
        ("评估汇总", tables.evaluation_summary, summary_columns()),
        ("说明", note_frame, (("item", "项目", None), ("text", "说明", None))),
    ]
    if release == "public":
        sheets = [s for s in sheets if s[0] not in ("重点企业名单", "备选企业")]
    if release != "internal":  # the evaluation stays with the centre (precision/_release.py)
        sheets = [s for s in sheets if s[0] not in ("项目评估", "评估汇总")]
    return write_workbook(path, sheets, title="精准预防重点企业名单")
