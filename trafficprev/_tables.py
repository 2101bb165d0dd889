"""Read a table file (xlsx, xls, csv) into a frame of text cells with canonical columns.

This is the only place that knows file formats and encodings. It finds the header row
(title rows are often merged above it), maps headers to canonical names and keeps
unknown columns. It raises one readable error per bad file and never fails on the
content of a row.

Before a file is parsed, what it would become in memory is bounded (see :func:`read_table`,
"Limits"): the parts of a workbook are stream-decompressed with a hard cap and refused when a
part, the whole workbook, one cell or the range of cells one sheet spans is over its limit; a
CSV is refused when one field is.
File names are stored and shown in one form, :func:`display_path`, that is valid Unicode
whatever bytes the file system holds.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import logging
import math
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._display import display_path
from ._errors import FileFormatError, InputFileNotFoundError, SchemaError
from ._limits import (
    MAX_CELL_CHARS,
    check_csv,
    check_workbook,
)
from .schema import TableSchema, normalize_header
from .settings import Settings

__all__ = [
    "SourceFile",
    "display_path",
    "read_table",
]

logger = logging.getLogger(__name__)

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

#: Column holding the extra cells of a CSV row that is longer than its header.
EXTRA_CELLS = "_extra_cells"
#: Column marking ID cells that a workbook stored as numbers.
ID_AS_NUMBER = "_id_as_number"


@dataclass(frozen=True)
class SourceFile:
    """What was read from one sheet of one input file (``path`` in its
    :func:`display_path` form)."""

    path: str
    format: str
    encoding: str | None
    sheet: str | None
    header_row: int
    rows: int
    blank_rows: int
    columns: dict[str, str] = field(default_factory=dict)
    unknown_columns: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """Plain-JSON form for accounting files."""
        return {
            "path": self.path,
            "format": self.format,
            "encoding": self.encoding,
            "sheet": self.sheet,
            "header_row": self.header_row,
            "rows": self.rows,
            "blank_rows": self.blank_rows,
            "columns": dict(self.columns),
            "unknown_columns": list(self.unknown_columns),
        }


def _sniff_format(path: Path, name: str, head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith((b"<html", b"<!doctype", b"<table", b"<?xml", b"<meta")):
        raise FileFormatError(
            f"{name}: this is an HTML/XML page saved with a spreadsheet name, not a workbook. "
            "Open it in Excel or WPS and save it as .xlsx (or CSV), then read that file."
        )
    if path.suffix.lower() in {".xlsx", ".xlsm", ".xls"} and b"\x00" in head[:512]:
        raise FileFormatError(
            f"{name}: not a readable Excel workbook (unknown binary content); "
            "the file may be truncated or encrypted."
        )
    return "csv"


def _detect_encoding(name: str, data: bytes, encodings: tuple[str, ...]) -> str:
    """First encoding of `encodings` that decodes the whole of `data` (checked in chunks,
    so no second copy of a large file is held in memory)."""
    chunk = 1 << 20
    for enc in encodings:
        decoder = codecs.getincrementaldecoder(enc)()
        try:
            for start in range(0, len(data), chunk):
                decoder.decode(data[start : start + chunk])
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return enc
    raise FileFormatError(
        f"{name}: cannot decode the text as any of {list(encodings)}; save the file as "
        "'CSV UTF-8' or as an Excel workbook and read it again."
    )


def _excel_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return ""
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _excel_sheets(
    content: io.BytesIO, name: str, fmt: str
) -> list[tuple[str, list[list[str]], list[list[bool]], int]]:
    try:
        from python_calamine import CalamineWorkbook
    except ImportError as exc:  # pragma: no cover - declared dependency
        raise FileFormatError(f"{name}: reading Excel needs python-calamine") from exc
    try:
        # from the bytes that were checked (not the path again: a file name that is not
        # UTF-8 cannot reach calamine, and the file may have changed since)
        book = CalamineWorkbook.from_filelike(content)
        content.close()
        sheets = []
        for sheet_name in book.sheet_names:  # (not `name`: that is the file's, for messages)
            sheet = book.get_sheet_by_name(sheet_name)
            raw = sheet.to_python(skip_empty_area=False)
            rows = [[_excel_cell(v) for v in row] for row in raw]
            numeric = [
                [isinstance(v, (int, float)) and not isinstance(v, bool) for v in row]
                for row in raw
            ]
            sheets.append((sheet_name, rows, numeric, 1))
        return sheets
    except FileFormatError:
        raise
    except BaseException as exc:  # calamine raises several unrelated types for corrupt files
        # and a panic in its Rust code arrives as pyo3's PanicException, a BaseException
        if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
            raise
        raise FileFormatError(
            f"{name}: cannot read it as an Excel {fmt} workbook ({type(exc).__name__}: {exc}). "
            "The file may be truncated, encrypted or not a workbook."
        ) from exc


def _csv_rows(name: str, data: bytes, encoding: str) -> list[list[str]]:
    sample = data[:20000].decode(encoding, errors="ignore")
    first_lines = sample.splitlines()[:10]
    tabs = sum(line.count("\t") for line in first_lines)
    delimiter = "\t" if first_lines and tabs > sum(line.count(",") for line in first_lines) else ","
    # stream-decode: the file is never held as one big string (a UCS-2/4 copy of it)
    lines: Iterable[str] = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
    if b"\x00" in data:
        lines = (line.replace("\x00", "") for line in lines)
    reader = csv.reader(lines, delimiter=delimiter)
    # the csv module's limit is process-wide: lowered to a cell's while this file is parsed
    previous = csv.field_size_limit(MAX_CELL_CHARS)
    try:
        return list(reader)
    except csv.Error as exc:
        if "field limit" in str(exc):
            raise FileFormatError(
                f"{name}: line {reader.line_num:,} holds a field of more than "
                f"{MAX_CELL_CHARS:,} characters, over the limit per cell (Excel's own); the "
                f"file is refused / 字段超过每格 {MAX_CELL_CHARS:,} 字符的上限，文件未读取"
            ) from exc
        raise FileFormatError(f"{name}: malformed CSV ({exc})") from exc
    finally:
        csv.field_size_limit(previous)


def _find_header(rows: list[list[str]], lookup: dict[str, str], scan: int) -> tuple[int, int]:
    best_row, best_hits = -1, 0
    for i, row in enumerate(rows[:scan]):
        hits = len({lookup[k] for k in (normalize_header(c) for c in row if c) if k in lookup})
        if hits > best_hits:
            best_row, best_hits = i, hits
    return best_row, best_hits


def _map_header(
    header: list[str], schema: TableSchema, lookup: dict[str, str]
) -> tuple[list[str | None], dict[str, str], list[str]]:
    """Give every header cell a column name: canonical, kept unknown, or None (drop)."""
    exact = {normalize_header(v): c.name for c in schema.columns for v in (c.name, c.label)}
    names: list[str | None] = [None] * len(header)
    mapping: dict[str, str] = {}
    # exact canonical names first, so a vaguer alias never steals a column
    for pass_exact in (True, False):
        for i, cell in enumerate(header):
            key = normalize_header(cell)
            if names[i] is not None or not key:
                continue
            target = exact.get(key) if pass_exact else lookup.get(key)
            if target and target not in mapping.values():
                names[i] = target
                mapping[cell] = target
    unknown: list[str] = []
    used = set(mapping.values())
    for i, cell in enumerate(header):
        if names[i] is not None:
            continue
        label = cell.strip() or f"未命名列{i + 1}"
        base, n = label, 2
        while label in used:
            label = f"{base}({n})"
            n += 1
        used.add(label)
        names[i] = label
        unknown.append(label)
    return names, mapping, unknown


def _file_sheets(
    p: Path, name: str, settings: Settings
) -> tuple[str, str | None, list[tuple[str | None, list[list[str]], Any, int]]]:
    """Read the file `p` (shown as `name`) once, checked against the limits, as sheets.

    Returns
    -------
    fmt : str
        ``"csv"``, ``"xlsx"`` or ``"xls"``.
    encoding : str or None
        The text encoding of a CSV file.
    sheets : list of tuple
        ``(sheet name, rows of text cells, numeric flags or None, first row number)``.

    Raises
    ------
    InputFileNotFoundError
        If `p` does not exist.
    FileFormatError
        If `p` is a folder, unreadable, empty, of an unknown format or over a limit.
    """
    if p.is_dir():
        raise FileFormatError(f"{name}: is a folder; name the export files inside it")
    if not p.is_file():
        raise InputFileNotFoundError(f"{name}: input file not found")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise FileFormatError(f"{name}: cannot read the file ({exc.strerror})") from exc
    if not data or data.isspace():
        raise FileFormatError(f"{name}: the file is empty")
    fmt = _sniff_format(p, name, data[:4096])
    encoding: str | None = None
    if fmt == "csv":
        check_csv(data, name)
        encoding = _detect_encoding(name, data, settings.csv_encodings)
        logger.info("%s: decoded as %s", name, encoding)
        sheets = [(None, _csv_rows(name, data, encoding), None, 1)]
        del data
    else:
        if fmt == "xlsx":
            check_workbook(data, name, fmt)
        content = io.BytesIO(data)
        del data
        sheets = _excel_sheets(content, name, fmt)
    return fmt, encoding, sheets


def _body_frame(
    body: list[list[str]], names: list[str], numeric: Any, h: int, first_row: int
) -> tuple[pd.DataFrame, pd.Series]:
    """The rows below the header (row `h` of a sheet whose first row is `first_row`) as a
    frame with columns `names`, :data:`EXTRA_CELLS`, :data:`ID_AS_NUMBER` and ``_row``
    (blank rows included), and which rows are blank."""
    width = len(names)
    n = len(body)
    blank = np.fromiter((not "".join(r).strip() for r in body), dtype=bool, count=n)
    extra = np.fromiter(
        (len(r) > width and bool("".join(r[width:]).strip()) for r in body), bool, count=n
    )
    if any(len(r) != width for r in body):
        body = [
            r
            if len(r) == width
            else r[:width]
            if len(r) > width
            else [*r, *[""] * (width - len(r))]
            for r in body
        ]
    frame = (
        pd.DataFrame(body, columns=range(width), dtype=object)
        if n
        else pd.DataFrame(columns=range(width), dtype=object)
    )
    del body
    frame.columns = names
    frame[EXTRA_CELLS] = extra
    if numeric is not None and "id_number" in names:
        j = names.index("id_number")
        frame[ID_AS_NUMBER] = [len(r) > j and r[j] for r in numeric[h + 1 :]]
    else:
        frame[ID_AS_NUMBER] = False
    frame["_row"] = np.arange(h + first_row + 1, h + first_row + 1 + n)
    return frame, pd.Series(blank, index=frame.index)


def _read_sheet(
    sheet: tuple[str | None, list[list[str]], Any, int],
    name: str,
    how: tuple[str, str | None],
    schema: TableSchema,
    lookup: dict[str, str],
    scan_rows: int,
) -> tuple[pd.DataFrame | None, SourceFile | None, list[str]]:
    """One sheet of the file `name` (read as `how`: format, encoding) as a table.

    Returns
    -------
    frame : pandas.DataFrame or None
        The sheet's rows below its header, blank rows and empty unknown columns dropped,
        with ``_file`` and ``_sheet`` first; None when no header is found in the first
        `scan_rows` rows.
    source : SourceFile or None
        What was read where.
    top : list of str
        Without a header, the non-empty cells of the first three rows (for the message).

    Raises
    ------
    SchemaError
        If the header lacks a required column.
    """
    sheet_name, rows, numeric, first_row = sheet
    del sheet  # the rows are freed once the frame is built
    h, hits = _find_header(rows, lookup, scan_rows)
    if hits < 2:
        logger.info("%s sheet %s: no header found, skipped", name, sheet_name)
        return None, None, [c for r in rows[:3] for c in r if c][:20]
    header = [str(c) for c in rows[h]]
    names, mapping, unknown = _map_header(header, schema, lookup)
    missing = [c for c in schema.required if c.name not in mapping.values()]
    where = name + (f" (sheet {sheet_name})" if sheet_name else "")
    if missing:
        raise SchemaError(
            f"{where}: missing required column(s) "
            f"{', '.join(f'{c.label} ({c.name})' for c in missing)}. "
            f"Headers found in row {h + first_row}: {[c for c in header if c]}"
        )
    frame, blank = _body_frame(rows[h + 1 :], names, numeric, h, first_row)
    del rows
    # drop unknown columns that hold nothing at all (empty trailing columns)
    # (a column at a time in Python: a sheet formatted out to column XFD has 16,000 of them,
    # too many for a pandas operation each)
    cells = frame[unknown].to_numpy(dtype=object)
    empty_unknown = [
        c for j, c in enumerate(unknown) if not any(str(v).strip() for v in cells[:, j])
    ]
    frame = frame.loc[~blank].drop(columns=empty_unknown)
    unknown = [c for c in unknown if c not in empty_unknown]
    frame.insert(0, "_file", name)
    frame.insert(1, "_sheet", sheet_name or "")
    source = SourceFile(
        path=name,
        format=how[0],
        encoding=how[1],
        sheet=sheet_name,
        header_row=h + first_row,
        rows=len(frame),
        blank_rows=int(blank.sum()),
        columns=mapping,
        unknown_columns=tuple(unknown),
    )
    return frame.reset_index(drop=True), source, []


def read_table(
    path: str | Path, schema: TableSchema, *, settings: Settings | None = None
) -> tuple[pd.DataFrame, list[SourceFile]]:
    """Read every data sheet of one file into a frame of text cells.

    Parameters
    ----------
    path
        An ``.xlsx``, ``.xls`` or ``.csv`` file (the content decides, not the suffix).
    schema
        The kind of table expected; its required columns must be present.
    settings
        Header scan depth and CSV encodings.

    Returns
    -------
    frame
        One row per non-blank data row: canonical columns present in the file, unknown
        columns under their own header, and ``_file`` (the path in its :func:`display_path`
        form), ``_sheet``, ``_row`` (the row number as the spreadsheet shows it, 1-based).
    sources
        One :class:`SourceFile` per sheet read.

    Raises
    ------
    InputFileNotFoundError
        If the file does not exist.
    FileFormatError
        If the file cannot be read or decoded, or is over a limit below.
    SchemaError
        If no sheet has a recognisable header, or the header lacks required columns.

    Notes
    -----
    **Limits.** What a file becomes in memory is bounded before it is parsed; a file over a
    limit is refused with one line naming it, the part or line and the limit, and nothing of
    it is read:

    - a cell holds at most :data:`MAX_CELL_CHARS` = 32,767 characters, Excel's own limit
      (Excel and WPS cannot save a longer one). A CSV field longer than that is refused (the
      parser counts characters; before decoding, a run of more than
      :data:`MAX_CSV_RUN_BYTES` = 131,132 bytes without a comma, tab or line break is
      refused at once). In a workbook, a run of more than :data:`MAX_XML_RUN_BYTES` =
      328,694 bytes of XML without ``<`` is refused: no cell of 32,767 characters takes
      that much, even with every character written as ``&#x10FFFF;``;
    - a part (zip member) of an ``.xlsx``/``.xlsm`` workbook is at most :data:`MAX_PART_BYTES`
      = 1 GiB uncompressed and all its parts together at most :data:`MAX_WORKBOOK_BYTES` =
      2 GiB. Declared sizes are checked first; then every part is stream-decompressed in
      chunks of 1 MiB with a hard cap (a header may lie), so the check holds no more than a
      few MiB whatever the file claims. Only zip's stored and deflate methods are accepted;
    - a sheet spans at most :data:`MAX_SHEET_CELLS` = 33,554,432 cells, counted from A1 to
      the last row and the last column its cells reach: reading a sheet fills that whole
      grid (about 32 bytes a cell in calamine, and more in Python), so two cells, A1 and
      XFD1048576, would ask for 17,179,869,184 cells and abort the process. The same
      streaming pass places every cell as calamine does (``<row r>``, ``<c r>`` in any
      attribute order, and rows and cells without ``r``, which follow the one before);
      cells without a value that calamine leaves out (``<c r="X9" s="1"/>``) do not count.
      A sheet whose XML no spreadsheet program writes (an XML comment, a processing
      instruction, a tag whose quotes do not pair, a row inside a cell) is refused, as its
      cells cannot be placed without a full parser. 1,048,576 rows (Excel's maximum) of 32
      columns fit.

    The largest part of the benchmark's 1,000,000-determination world (about 440,000 rows in
    one sheet, of at most 25 columns) is about 600 MB and its longest cell about 350
    characters. An export over a limit is split (e.g. one file per year) or saved
    as CSV; a sheet over the cell limit because of a few stray cells far from the table is
    saved again without them.
    """
    settings = settings or Settings()
    p = Path(path)
    name = display_path(p)
    fmt, encoding, sheets = _file_sheets(p, name, settings)

    lookup = schema.header_lookup()
    frames: list[pd.DataFrame] = []
    sources: list[SourceFile] = []
    first_headers: list[str] = []
    while sheets:  # pop each sheet so its rows can be freed once its frame is built
        frame, source, top = _read_sheet(
            sheets.pop(0), name, (fmt, encoding), schema, lookup, settings.header_scan_rows
        )
        if frame is None:
            first_headers = first_headers or top
            continue
        frames.append(frame)
        sources.append(source)
    if not frames:
        raise SchemaError(
            f"{name}: no header row with the expected columns "
            f"({', '.join(c.label for c in schema.required)}) in the first "
            f"{settings.header_scan_rows} rows of any sheet. Cells found at the top: "
            f"{first_headers}"
        )
    out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return out, sources
