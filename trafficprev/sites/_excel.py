"""The Excel list of recommended sites for the traffic police (``sites.xlsx``).

Up to four sheets, in this order:

``建议点位``
    one row per recommended site (warning-sign sites and campaign sites), with the road, the
    position in words, the cases it covers, WGS-84 and GCJ-02 (Amap/Tencent) coordinates;
``重点企业``
    the key enterprises (counts and rates; the caller decides what may be shared); left out
    when there is no enterprise to list (e.g. at the ``public`` release level, or at
    ``police`` when none has at least *k* cases);
``培训对象``
    the target groups for training (特定人群) with the enterprises, hours and places to reach
    them, as a release level may show them (:func:`trafficprev.release.release_training`); left
    out when no group is called out;
``说明``
    free notes: quarter, data source, coordinate systems, generator, release level, small-count
    suppression.

Every sheet has a bold, frozen header row with an autofilter, column widths from the content
(CJK characters count double) and number formats (coordinates ``0.000000``, rates ``0.0``,
counts ``0``). Counts, rates and coordinates are stored as numbers, rounded for reading (rates
to 0.1, coordinates to 6 decimals), also when a release gave them as text (``"12"``); a
count a release withholds stays its words (``少于3起``).
Every text cell is neutralised against formula injection and written as an explicit string.
The file is written atomically and byte-for-byte deterministically.
"""

from __future__ import annotations

import io
import math
import numbers
import os
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .._errors import ArgumentError, ArgumentTypeError, SchemaError
from .._outdir import atomic_write
from ..coords import wgs84_to_gcj02
from ..privacy import neutralize_formula
from ..schema import require_columns

__all__ = [
    "NUMBER_FORMATS",
    "SHEETS",
    "neutralize",
    "read_back",
    "write_sites_xlsx",
    "write_workbook",
]

#: Sheet names, in workbook order (重点企业 only when there are enterprises to list).
SHEETS: tuple[str, str, str] = ("建议点位", "重点企业", "说明")
#: The sheet of the target groups, between 重点企业 and 说明 (only when a group is listed).
TRAINING_SHEET = "培训对象"

_COORD = "0.000000"
_RATE = "0.0"
_COUNT = "0"

#: The number formats a column of :func:`write_workbook` may take, by name.
NUMBER_FORMATS: dict[str, str] = {"coord": _COORD, "rate": _RATE, "count": _COUNT}

# (column, header, number format or None for text, required)
_SITE_COLUMNS: tuple[tuple[str, str, str | None, bool], ...] = (
    ("site_id", "地图编号", None, False),
    ("kind", "建议类型", None, True),
    ("status", "状态", None, False),
    ("name", "名称", None, False),
    ("site_kind", "类型", None, False),
    ("location", "地点", None, False),
    ("approach", "服务方向", None, False),
    ("road", "道路名称", None, True),
    ("cross_road", "相交道路", None, False),
    ("position_text", "位置描述", None, True),
    ("facing", "朝向", None, False),
    ("n_covered", "覆盖事故数", _COUNT, True),
    ("marginal_cases", "新增覆盖事故数", _COUNT, False),
    ("register_enterprises", "覆盖参保企业数", _COUNT, False),
    ("register_insured", "覆盖参保职工数", _COUNT, False),
    ("peak_hours", "主要时段", None, False),
    ("circumstances", "主要情形", None, False),
    ("signs", "建议标志", None, False),
    ("facilities", "建议设施", None, False),
    ("reaches", "覆盖对象", None, False),
    ("lon", "经度(WGS-84)", _COORD, True),
    ("lat", "纬度(WGS-84)", _COORD, True),
    ("lon_gcj02", "经度(GCJ-02 高德)", _COORD, False),
    ("lat_gcj02", "纬度(GCJ-02 高德)", _COORD, False),
)
_ENTERPRISE_COLUMNS: tuple[tuple[str, str, str | None, bool], ...] = (
    ("rank", "排名", _COUNT, True),
    ("name", "单位名称", None, True),
    ("credit_code", "统一社会信用代码", None, False),
    ("n_cases", "事故数", _COUNT, True),
    ("insured", "参保人数", _COUNT, False),
    ("rate_per_1000", "发生率(‰/年)", _RATE, False),
    ("eb_rate_per_1000", "平滑发生率(‰/年)", _RATE, False),
    ("reason", "列入原因", None, False),
    ("trained", "已培训", None, False),
    ("trained_on", "培训时间", None, False),
    ("register_note", "备注", None, False),
)
_TRAINING_COLUMNS: tuple[tuple[str, str, str | None, bool], ...] = (
    ("rank", "排名", _COUNT, True),
    ("group", "培训人群", None, True),
    ("n", "事故数", _COUNT, True),
    ("share", "占比", None, False),
    ("expected_share", "按构成预期占比", None, False),
    ("lift", "超出倍数(区间)", None, False),
    ("rank_interval", "排名区间", None, False),
    ("rate", "发生率(‰/年)", None, False),
    ("enterprises", "重点企业", None, False),
    ("hours", "高发时段", None, False),
    ("places", "高发地点", None, False),
    ("plan", "培训建议", None, False),
)

_MIN_WIDTH = 6
_MAX_WIDTH = 60
_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_CORE_DATES = re.compile(
    rb"<dcterms:(?:created|modified)[^>]*>[^<]*</dcterms:(?:created|modified)>"
)


def neutralize(value: object) -> object:
    """Neutralise text that a spreadsheet would run as a formula.

    Parameters
    ----------
    value
        Any cell value.

    Returns
    -------
    object
        Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return with a leading
        apostrophe; every other value (numbers included) unchanged.

    Notes
    -----
    The OWASP CSV-injection rule, for text that leaves as CSV. :func:`write_sites_xlsx` does
    not add the apostrophe (Excel would show it): it stores every text cell as an explicit
    string and gives the cells this rule catches Excel's quote prefix instead.

    Examples
    --------
    >>> neutralize("=1+1")
    "'=1+1"
    >>> neutralize(-3.5)
    -3.5
    >>> neutralize("人民路")
    '人民路'
    """
    return neutralize_formula(value)


def _display_width(text: str) -> int:
    """Width in Excel character units: East Asian wide and full-width characters count two."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _is_missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _looks_like_formula(text: str) -> bool:
    return neutralize(text) != text


_NUMBER_TEXT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_DECIMALS = {_COORD: 6, _RATE: 1, _COUNT: 0}


def _cell_value(value: object, fmt: str | None) -> object:
    """The value to store: None, a Python number (rounded to its format), or text (stored as
    written). In a number column, text that is a plain decimal number becomes that number."""
    if _is_missing(value):
        return None
    if fmt is not None and isinstance(value, str) and _NUMBER_TEXT.fullmatch(value.strip()):
        value = float(value.strip())
    if isinstance(value, (bool, np.bool_)):
        return "是" if value else "否"
    if isinstance(value, numbers.Number) and not isinstance(value, complex):
        number = value.item() if isinstance(value, np.generic) else value
        if isinstance(number, float) and math.isinf(number):
            return None
        if fmt in _DECIMALS and isinstance(number, float) and math.isfinite(number):
            number = round(number, _DECIMALS[fmt])
        if fmt == _COUNT and isinstance(number, float) and number.is_integer():
            return int(number)
        return number
    if isinstance(value, (list, tuple, set, frozenset)):
        value = "、".join(str(v) for v in value)
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def _text_cell(cell: openpyxl.cell.Cell) -> None:
    """Store `cell`'s text as a string; text a spreadsheet would run gets Excel's quote prefix.

    The quote prefix is what Excel itself sets when a user types ``'=1+1``: the cell shows the
    text exactly (no apostrophe), and stays text when it is edited.
    """
    cell.data_type = "s"
    if _looks_like_formula(cell.value):
        cell.quotePrefix = True


def _formatted_width(value: object, fmt: str | None) -> int:
    if value is None:
        return 0
    if isinstance(value, str):
        return max(_display_width(line) for line in value.split("\n"))
    if fmt == _COORD:
        return len(f"{value:.6f}")
    if fmt == _RATE:
        return len(f"{value:.1f}")
    return len(str(value))


def _write_sheet(
    ws: openpyxl.worksheet.worksheet.Worksheet,
    headers: Sequence[str],
    formats: Sequence[str | None],
    rows: Iterable[Sequence[object]],
) -> None:
    """Write a header row and data rows with formats, widths, frozen header and autofilter."""
    bold = Font(bold=True)
    widths = [_display_width(h) for h in headers]
    for c, header in enumerate(headers, start=1):
        cell = ws.cell(row=1, column=c, value=ILLEGAL_CHARACTERS_RE.sub("", str(header)))
        _text_cell(cell)
        cell.font = bold
    r = 1
    for r, row in enumerate(rows, start=2):
        for c, (raw, fmt) in enumerate(zip(row, formats, strict=True), start=1):
            value = _cell_value(raw, fmt)
            if value is None:
                continue
            cell = ws.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                _text_cell(cell)
            elif fmt is not None:
                cell.number_format = fmt
            widths[c - 1] = max(widths[c - 1], _formatted_width(value, fmt))
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = min(
            _MAX_WIDTH, max(_MIN_WIDTH, width + 2)
        )
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(r, 1)}"


def _check_columns(
    frame: pd.DataFrame, spec: Sequence[tuple[str, str, str | None, bool]], what: str
) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise ArgumentTypeError(f"{what} must be a pandas DataFrame, got {type(frame).__name__}")
    require_columns(frame, [col for col, _, _, required in spec if required], what=what)


def _site_table(sites: pd.DataFrame) -> tuple[list[str], list[str | None], list[list[object]]]:
    frame = sites.reset_index(drop=True)
    gcj = [c for c in ("lon_gcj02", "lat_gcj02") if c in frame.columns]
    if len(gcj) == 1:
        raise SchemaError(f"sites has {gcj[0]} but not its pair; give both GCJ-02 columns or none")
    if not gcj:
        lon = pd.to_numeric(frame["lon"], errors="coerce")
        lat = pd.to_numeric(frame["lat"], errors="coerce")
        glon, glat = wgs84_to_gcj02(lon.to_numpy(dtype=float), lat.to_numpy(dtype=float))
        frame = frame.assign(lon_gcj02=np.asarray(glon), lat_gcj02=np.asarray(glat))
    for col in ("lon", "lat", "lon_gcj02", "lat_gcj02"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    used = [(col, head, fmt) for col, head, fmt, _ in _SITE_COLUMNS if col in frame.columns]
    headers = ["序号"] + [head for _, head, _ in used]
    formats: list[str | None] = [_COUNT] + [fmt for _, _, fmt in used]
    columns = [frame[col].tolist() for col, _, _ in used]
    rows = [[i, *vals] for i, vals in enumerate(zip(*columns, strict=True), start=1)]
    return headers, formats, rows


def _enterprise_table(
    enterprises: pd.DataFrame,
) -> tuple[list[str], list[str | None], list[list[object]]]:
    return _table(enterprises, _ENTERPRISE_COLUMNS)


def _table(
    table: pd.DataFrame, spec: Sequence[tuple[str, str, str | None, bool]]
) -> tuple[list[str], list[str | None], list[list[object]]]:
    """The columns of `spec` that `table` has: headers, number formats and rows."""
    frame = table.reset_index(drop=True)
    used = [(col, head, fmt) for col, head, fmt, _ in spec if col in frame.columns]
    columns = [frame[col].tolist() for col, _, _ in used]
    rows = [list(vals) for vals in zip(*columns, strict=True)]
    return [h for _, h, _ in used], [f for _, _, f in used], rows


def _note_rows(notes: Iterable[tuple[object, object]]) -> list[list[object]]:
    rows = []
    for i, pair in enumerate(notes):
        if isinstance(pair, (str, bytes)) or len(pair) != 2:
            raise ArgumentError(f"notes[{i}] must be an (item, text) pair, got {pair!r}")
        rows.append([pair[0], pair[1]])
    return rows


def _deterministic_bytes(wb: openpyxl.Workbook) -> bytes:
    """Serialise `wb` with fixed zip timestamps and no creation/modification dates."""
    raw = io.BytesIO()
    wb.save(raw)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _CORE_DATES.sub(b"", data)
            item = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            item.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(item, data)
    return out.getvalue()


def write_sites_xlsx(
    path: str | os.PathLike[str],
    sites: pd.DataFrame,
    enterprises: pd.DataFrame | None,
    *,
    notes: Iterable[tuple[object, object]],
    training: pd.DataFrame | None = None,
) -> Path:
    """Write the police workbook ``sites.xlsx`` (sheets 建议点位, 重点企业 and 培训对象 when
    given, 说明).

    Parameters
    ----------
    path
        Output file (``.xlsx``); its folder must exist.
    sites
        Recommended sites, one row each, in the order they should be listed. Required columns:
        ``kind`` (警示标志/宣传点), ``road``, ``position_text``, ``n_covered``, ``lon``, ``lat``
        (WGS-84). Optional columns, left out of the sheet when absent: ``site_id`` (地图编号,
        the label of the site's marker on the map), ``status`` (状态: 新设/已有), ``name``
        (名称), ``site_kind`` (类型: 大型社区/工业园区/CBD …), ``location`` (地点),
        ``approach`` (服务方向), ``cross_road``, ``facing``, ``marginal_cases``
        (新增覆盖事故数), ``register_enterprises`` and ``register_insured`` (覆盖参保企业数,
        覆盖参保职工数), ``peak_hours``, ``circumstances``, ``signs``, ``facilities``,
        ``reaches``, ``lon_gcj02`` and ``lat_gcj02`` (computed from ``lon``/``lat`` when both
        are absent).
        Other columns are not written.
    enterprises
        Key enterprises, in rank order. Required: ``rank``, ``name``, ``n_cases``; optional:
        ``credit_code``, ``insured``, ``rate_per_1000``, ``eb_rate_per_1000``, ``reason``,
        ``trained`` (已培训, 是/否), ``trained_on`` (培训时间), ``register_note`` (备注, e.g.
        未匹配参保登记). ``None``
        or an empty frame leaves the 重点企业 sheet out altogether (a release level that
        shares none, or no enterprise to list).
    notes
        ``(item, text)`` pairs for the 说明 sheet (columns 项目 / 说明), e.g. 季度, 数据来源,
        坐标系说明, 生成工具, 发布级别, 小数字抑制.
    training
        Target groups in words (:func:`trafficprev.release.release_training`): ``rank``,
        ``group``, ``n`` and optional columns of its output; None or empty: no 培训对象 sheet.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    SchemaError
        A required column is missing (the message names them), or only one GCJ-02 column is
        given (also a ``ValueError``).
    ArgumentError
        A note is not a pair (also a ``ValueError``).
    ArgumentTypeError
        `sites` or `enterprises` is not a DataFrame (also a ``TypeError``).

    Notes
    -----
    - 序号 numbers the site rows from 1 in the order given.
    - Every text cell (headers included) is stored as an explicit string, so no cell is ever
      a formula, and shows its text exactly; text that a spreadsheet would run (starting with
      ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, see :func:`neutralize`) also gets
      Excel's quote prefix, so that it stays text when a user edits the cell. Numbers stay
      numbers. Booleans are written
      as 是/否; characters that XML cannot hold are dropped.
    - Number formats: coordinates ``0.000000``, rates ``0.0``, counts ``0``; the stored
      numbers are rounded to them; numeric text in those columns is stored as a number.
    - Column width = the widest cell in display units (CJK characters count two) + 2, clamped
      to [6, 60].
    - The workbook's creator is ``trafficprev``; no last-modified-by, no creation or
      modification dates, fixed zip timestamps: the same inputs give the same bytes.
    - The file is first written to a temporary file in the same folder, then moved into place
      with :func:`os.replace` (:func:`~trafficprev._outdir.atomic_write`); on any error the
      temporary file is removed and an existing `path` is left untouched.
    """
    path = Path(path)
    _check_columns(sites, _SITE_COLUMNS, "sites")
    if enterprises is not None:
        _check_columns(enterprises, _ENTERPRISE_COLUMNS, "enterprises")
    if training is not None:
        _check_columns(training, _TRAINING_COLUMNS, "training")
    note_rows = _note_rows(notes)

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEETS[0]
    _write_sheet(ws, *_site_table(sites))
    if enterprises is not None and len(enterprises):
        _write_sheet(wb.create_sheet(SHEETS[1]), *_enterprise_table(enterprises))
    if training is not None and len(training):
        _write_sheet(wb.create_sheet(TRAINING_SHEET), *_table(training, _TRAINING_COLUMNS))
    _write_sheet(wb.create_sheet(SHEETS[2]), ["项目", "说明"], [None, None], note_rows)

    props = wb.properties
    props.creator = "trafficprev"
    props.lastModifiedBy = None
    props.title = "建议点位清单"
    data = _deterministic_bytes(wb)
    return atomic_write(path, lambda tmp: tmp.write_bytes(data))


def write_workbook(
    path: str | os.PathLike[str],
    sheets: Sequence[tuple[str, pd.DataFrame, Sequence[tuple[str, str, str | None]]]],
    *,
    title: str,
) -> Path:
    """Write a workbook of tables the way :func:`write_sites_xlsx` writes its sheets.

    Parameters
    ----------
    path
        Output file (``.xlsx``); its folder must exist.
    sheets
        ``(sheet name, table, columns)`` in workbook order; ``columns`` are ``(column,
        header, format)`` with format a key of :data:`NUMBER_FORMATS` (``"count"``,
        ``"rate"``, ``"coord"``) or None for text. A column absent from the table is left
        out of the sheet. A sheet with no rows keeps its header row.
    title
        The workbook's title property.

    Returns
    -------
    pathlib.Path
        The path written (atomically, byte-for-byte deterministic; every text cell an explicit
        string, formula-like text with Excel's quote prefix, as in :func:`write_sites_xlsx`).

    Raises
    ------
    ArgumentError
        No sheet, a repeated sheet name or an unknown format.
    """
    if not sheets:
        raise ArgumentError("a workbook needs at least one sheet")
    names = [name for name, _, _ in sheets]
    if len(set(names)) != len(names):
        raise ArgumentError(f"sheet names repeat: {names}")
    wb = openpyxl.Workbook()
    for i, (name, table, columns) in enumerate(sheets):
        if not isinstance(table, pd.DataFrame):
            raise ArgumentTypeError(f"sheet {name!r} must be a DataFrame")
        unknown = [fmt for _, _, fmt in columns if fmt is not None and fmt not in NUMBER_FORMATS]
        if unknown:
            raise ArgumentError(
                f"unknown number format(s) {unknown}; known: {list(NUMBER_FORMATS)}"
            )
        used = [(col, head, fmt) for col, head, fmt in columns if col in table.columns]
        frame = table.reset_index(drop=True)
        rows = zip(*(frame[col].tolist() for col, _, _ in used), strict=True) if used else []
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = name
        _write_sheet(
            ws,
            [head for _, head, _ in used],
            [NUMBER_FORMATS[fmt] if fmt else None for _, _, fmt in used],
            [list(row) for row in rows],
        )
    props = wb.properties
    props.creator = "trafficprev"
    props.lastModifiedBy = None
    props.title = title
    data = _deterministic_bytes(wb)
    return atomic_write(Path(path), lambda tmp: tmp.write_bytes(data))


def read_back(path: str | os.PathLike[str]) -> dict[str, pd.DataFrame]:
    """Read every sheet of a workbook with calamine, all cells as text.

    Parameters
    ----------
    path
        An ``.xlsx`` file, e.g. one written by :func:`write_sites_xlsx`.

    Returns
    -------
    dict of str to pandas.DataFrame
        Sheet name -> table (first row as header, ``dtype=str``), in workbook order (a
        workbook without enterprises has no 重点企业).
    """
    return pd.read_excel(Path(path), sheet_name=None, engine="calamine", dtype=str)
