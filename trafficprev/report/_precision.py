"""``precision.html``: the precision project for the joint meeting (联席会议), one file.

Rendered from ``templates/report/precision.html.j2`` in the report's environment (autoescape,
strict undefined; data only as variables) from the tables
:func:`trafficprev.precision.precision_tables` gives at the release level, so the page shows
exactly what ``precision.xlsx`` shows.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .._errors import ArgumentTypeError
from .._outdir import write_file
from ..precision import (
    FIELD_COLUMNS,
    LIST_COLUMNS,
    PrecisionResult,
    evaluation_columns,
    group_columns,
    precision_notes,
    precision_tables,
    summary_columns,
)
from ..release import RELEASE_LABELS
from ._format import fmt_int, fmt_num, text
from ._render import environment
from ._table import Col, Table, kv_table, table

__all__ = ["render_precision", "write_precision_report"]

#: The list's columns on the page (the workbook has them all: intervals, amounts, weights).
_PAGE_LIST = (
    "rank", "name", "industry", "district", "insured", "n_injuries", "n_occupational",
    "n_deaths", "rate_per_1000", "eb_rate_per_1000", "payout_pct", "credibility_pct", "tier",
    "trained", "reason",
)  # fmt: skip


def _count(value: object) -> str:
    """A count, or the words a release put in its place (``少于3起``)."""
    return value if isinstance(value, str) else fmt_int(value)


def _rate(value: object) -> str:
    return value if isinstance(value, str) else fmt_num(value, 1)


def _bool(value: object) -> str:
    return "是" if value is True or value == 1 else ("" if value in (None, "") else "否")


def _cols(spec: Sequence[tuple[str, str, str | None]], frame: pd.DataFrame) -> list[Col]:
    cols = []
    for name, header, fmt in spec:
        if name not in frame.columns:
            continue
        if fmt == "count":
            cols.append(Col(name, header, _count, numeric=True))
        elif fmt == "rate":
            cols.append(Col(name, header, _rate, numeric=True))
        elif name == "trained":
            cols.append(Col(name, header, _bool))
        else:
            cols.append(Col(name, header, text))
    return cols


def _table(frame: pd.DataFrame, spec: Sequence[tuple[str, str, str | None]], caption: str,
           empty: str) -> Table:  # fmt: skip
    return table(frame, _cols(spec, frame), caption, empty=empty)


def _context(result: PrecisionResult, release: str) -> dict[str, Any]:
    t = precision_tables(result, release)
    page_list = tuple(c for c in LIST_COLUMNS if c[0] in _PAGE_LIST)
    span = f"{result.years[0]}—{result.years[-1]}年"
    window = f"{result.years[0]}–{result.years[-1]}"

    def pooled(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["period"].astype(str) == window] if "period" in frame else frame

    return {
        "title": f"{result.year}年精准式工伤预防重点企业名单与工伤统计分析",
        "span": span,
        "release": RELEASE_LABELS.get(t.release, t.release),
        "internal": t.release == "internal",
        "overview": kv_table(precision_notes(result, t), "统计口径与说明"),
        "listed": _table(
            t.listed, page_list, f"重点企业名单（{span}）", "没有企业超出上限，本年不列名单。"
        ),
        "reserve": _table(t.reserve, page_list[1:], "备选企业", "没有备选企业。"),
        "industries": _table(
            pooled(t.industries), group_columns("industry"), f"分行业（{span}合计）", "没有数据。"
        ),
        "districts": _table(
            pooled(t.districts), group_columns("district"), f"分区县（{span}合计）", "没有数据。"
        ),
        "fields": _table(
            pooled(t.fields), FIELD_COLUMNS, f"重点领域（按伤害类型，{span}）", "没有数据。"
        ),
        "evaluation": _table(
            t.evaluation, evaluation_columns(), "培训企业逐家评估", "没有可评估的培训企业。"
        ),
        "summary": _table(
            t.evaluation_summary, summary_columns(), "评估汇总", "没有可评估的培训企业。"
        ),
    }


def render_precision(result: PrecisionResult, release: str = "internal") -> str:
    """``precision.html`` as one self-contained HTML string.

    Parameters
    ----------
    result
        :func:`~trafficprev.precision.analyse_precision`'s result.
    release
        ``internal``, ``police`` or ``public`` (what the tables may show).

    Returns
    -------
    str
        The document.
    """
    if not isinstance(result, PrecisionResult):
        raise ArgumentTypeError(f"result must be a PrecisionResult, got {type(result).__name__}")
    return environment().get_template("precision.html.j2").render(_context(result, release))


def write_precision_report(
    path: str | os.PathLike[str], result: PrecisionResult, release: str = "internal"
) -> Path:
    """Write ``precision.html`` (atomic, deterministic; see :func:`render_precision`)."""
    data = render_precision(result, release).encode("utf-8")
    return write_file(Path(path), lambda tmp: tmp.write_bytes(data))
