"""A small, fast ``.xlsx`` writer for the demo city's exports.

openpyxl builds a Python object per cell and serialises each through an XML tree writer
(about 30 µs a cell), which made writing the workbooks most of the time it took to generate
a world of a million determinations. The exports the generator writes need only text and
numbers, a bold title row merged across the table, and a notes sheet, so this module writes
that SpreadsheetML (ECMA-376 part 1, §18) directly: inline strings (``t="inlineStr"``, so text
that starts with ``=`` is text, never a formula), plain numeric cells, one style for the title.
Each sheet is streamed into the zip, and every zip entry and the document properties carry
fixed timestamps, so the same rows give the same bytes.
"""

from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from numbers import Number
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np

from .._errors import ArgumentError, ArgumentTypeError

__all__ = ["Sheet", "write_xlsx"]

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_STAMP = "2024-01-01T00:00:00Z"
# characters XML 1.0 cannot hold (openpyxl raises on them too)
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_TITLE_STYLE = 1  # cellXfs index: bold 14 pt, centred

_STYLES = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{_MAIN}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="14"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" '
    'applyAlignment="1"><alignment horizontal="center"/></xf></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


@dataclass(frozen=True)
class Sheet:
    """One worksheet: its name, an optional title row and the table rows.

    Attributes
    ----------
    name
        Sheet name (at most 31 characters, none of ``[]:*?/\\``).
    rows
        Rows of cell values: ``str``, numbers, or None / NaN / ``""`` for an empty cell.
    title
        Text of a bold, centred first row merged across the table's columns (None: none).
    """

    name: str
    rows: Iterable[Sequence[object]]
    title: str | None = None


def _column(i: int) -> str:
    """Excel column letters of the 0-based column `i` (0 -> A, 26 -> AA)."""
    letters = ""
    i += 1
    while i:
        i, rem = divmod(i - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _text(value: str, ref: str, style: str = "") -> str:
    if _ILLEGAL.search(value):
        raise ArgumentError(f"cell {ref}: text holds a control character XML cannot store")
    space = ' xml:space="preserve"' if value != value.strip() else ""
    return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{escape(value)}</t></is></c>'


def _cell(value: object, ref: str) -> str:
    if value is None or (isinstance(value, str) and not value):
        return ""  # an empty cell, as spreadsheets store it
    if isinstance(value, str):
        return _text(value, ref)
    if isinstance(value, (bool, np.bool_)):
        raise ArgumentTypeError(f"cell {ref}: booleans are not written; give 是/否 or a number")
    if isinstance(value, Number):
        number = value.item() if isinstance(value, np.generic) else value
        if isinstance(number, float):
            if math.isnan(number):
                return ""
            if math.isinf(number):
                raise ArgumentError(f"cell {ref}: infinite number")
            return f'<c r="{ref}"><v>{number!r}</v></c>'
        return f'<c r="{ref}"><v>{int(number)}</v></c>'
    raise ArgumentTypeError(f"cell {ref}: cannot write {type(value).__name__} {value!r}")


def _write_sheet(zf: zipfile.ZipFile, member: str, sheet: Sheet) -> None:
    info = zipfile.ZipInfo(member, date_time=_FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    width = 0
    with zf.open(info, "w", force_zip64=True) as fh:
        fh.write(
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{_MAIN}"><sheetData>'.encode()
        )
        r = 0
        if sheet.title is not None:
            r = 1
            title = _text(sheet.title, "A1", f' s="{_TITLE_STYLE}"')
            fh.write(f'<row r="1">{title}</row>'.encode())
        columns: list[str] = []
        chunk: list[str] = []
        for row in sheet.rows:
            r += 1
            if len(row) > len(columns):
                columns = [_column(i) for i in range(len(row))]
            width = max(width, len(row))
            cells = "".join(_cell(v, f"{columns[i]}{r}") for i, v in enumerate(row))
            chunk.append(f'<row r="{r}">{cells}</row>')
            if len(chunk) >= 2_000:
                fh.write("".join(chunk).encode())
                chunk.clear()
        fh.write("".join(chunk).encode())
        merge = ""
        if sheet.title is not None and width > 1:
            last = _column(width - 1)
            merge = f'<mergeCells count="1"><mergeCell ref="A1:{last}1"/></mergeCells>'
        fh.write(f"</sheetData>{merge}</worksheet>".encode())


def _check_sheet_names(sheets: Sequence[Sheet]) -> None:
    """Refuse no sheets, a sheet name Excel does not take, or a name used twice."""
    if not sheets:
        raise ArgumentError("a workbook needs at least one sheet")
    names = [s.name for s in sheets]
    for name in names:
        if not 0 < len(name) <= 31 or any(ch in name for ch in "[]:*?/\\"):
            raise ArgumentError(f"invalid sheet name {name!r}")
    if len(set(names)) != len(names):
        raise ArgumentError(f"duplicate sheet names in {names}")


def _package_parts(sheets: Sequence[Sheet], creator: str) -> dict[str, str]:
    """The XML parts of the workbook other than its sheets, by member name, in zip order."""
    n = len(sheets)
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, n + 1)
    )
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{overrides}"
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/docProps/core.xml" '
            'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            '<Override PartName="/docProps/app.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{_PKG_REL}">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
            'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
            f'<Relationship Id="rId3" Type="{_REL}/extended-properties" '
            'Target="docProps/app.xml"/></Relationships>'
        ),
        "docProps/core.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
            'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:creator>{escape(creator)}</dc:creator>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{_STAMP}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{_STAMP}</dcterms:modified>'
            "</cp:coreProperties>"
        ),
        "docProps/app.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
            'extended-properties"><Application>trafficprev</Application></Properties>'
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
            + "".join(
                f'<sheet name="{escape(s.name, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
                for i, s in enumerate(sheets, start=1)
            )
            + "</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{_PKG_REL}">'
            + "".join(
                f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" '
                f'Target="worksheets/sheet{i}.xml"/>'
                for i in range(1, n + 1)
            )
            + f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
            "</Relationships>"
        ),
        "xl/styles.xml": _STYLES,
    }
    return parts


def write_xlsx(path: str | Path, sheets: Sequence[Sheet], *, creator: str) -> Path:
    """Write a workbook of text and numbers; the same sheets give the same bytes.

    Parameters
    ----------
    path
        The ``.xlsx`` file to write (replaced if it exists).
    sheets
        The worksheets, in order.
    creator
        The document's creator (core properties); created and modified are fixed.

    Returns
    -------
    pathlib.Path
        `path`.

    Raises
    ------
    ValueError
        No sheet, a duplicate or invalid sheet name, text with a control character, or an
        infinite number.
    TypeError
        A cell value that is neither text, a number nor empty.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> out = Path(tempfile.mkdtemp()) / "t.xlsx"
    >>> _ = write_xlsx(out, [Sheet("表", [["编号", "年龄"], ["=1+1", 37]], title="示例")],
    ...                creator="trafficprev")
    >>> pd.read_excel(out, header=None, engine="calamine").iloc[1:].values.tolist()
    [['编号', '年龄'], ['=1+1', 37]]
    """
    _check_sheet_names(sheets)
    path = Path(path)
    parts = _package_parts(sheets, creator)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for member, text in parts.items():
            info = zipfile.ZipInfo(member, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text.encode())
        for i, sheet in enumerate(sheets, start=1):
            _write_sheet(zf, f"xl/worksheets/sheet{i}.xml", sheet)
    return path
