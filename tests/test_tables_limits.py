"""Limits checked before a file is parsed: parts, workbooks and cells over their documented
limits are refused in one line, with little memory, whatever the zip headers declare.

Workbooks are written by hand here (:func:`_write_zip`) so that a test can hold a 1 GiB
string in about 1 MB of file, and can lie about sizes. A long repeat is compressed once:
a deflate segment ended by a full flush is byte-aligned and refers to nothing before it, so
the same segment repeated is a valid stream of the repeated bytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import re
import struct
import subprocess
import sys
import zipfile
import zlib
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from trafficprev import Settings, read_determinations
from trafficprev._errors import FileFormatError
from trafficprev._limits import (
    MAX_CELL_CHARS,
    MAX_CSV_RUN_BYTES,
    MAX_PART_BYTES,
    MAX_XML_RUN_BYTES,
    _Runs,
)
from trafficprev._tables import read_table
from trafficprev.datasets import demo_dir
from trafficprev.schema import DETERMINATION_COLUMNS

SETTINGS = Settings(as_of=dt.date(2025, 6, 30))
GIB = 1 << 30
HEADER = ["认定书编号", "用人单位", "受伤时间", "受伤经过"]
SHEET = "xl/worksheets/sheet1.xml"


# --- writing workbooks by hand ----------------------------------------------------------------


@dataclass
class Part:
    """One zip member: its raw (compressed) pieces and what its headers declare."""

    name: str
    pieces: list[bytes]
    crc: int
    size: int
    method: int = zipfile.ZIP_DEFLATED
    declared: int | None = None

    @property
    def compressed(self) -> int:
        return sum(map(len, self.pieces))


def _deflate(data: bytes, mode: int = zlib.Z_FINISH) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush(mode)


def _part(name: str, data: bytes | str, method: int = zipfile.ZIP_DEFLATED) -> Part:
    raw = data.encode() if isinstance(data, str) else data
    if method == zipfile.ZIP_STORED:
        return Part(name, [raw], zlib.crc32(raw), len(raw), method)
    if method == zipfile.ZIP_BZIP2:
        import bz2

        return Part(name, [bz2.compress(raw)], zlib.crc32(raw), len(raw), method)
    return Part(name, [_deflate(raw)], zlib.crc32(raw), len(raw))


def _repeated(name: str, head: str, unit: bytes, copies: int, tail: str) -> Part:
    """`head` + `unit` × `copies` + `tail`, compressing `unit` once."""
    h, t = head.encode(), tail.encode()
    segment = _deflate(unit, zlib.Z_FULL_FLUSH)
    crc = zlib.crc32(h)
    for _ in range(copies):
        crc = zlib.crc32(unit, crc)
    crc = zlib.crc32(t, crc)
    pieces = [_deflate(h, zlib.Z_FULL_FLUSH), *[segment] * copies, _deflate(t)]
    return Part(name, pieces, crc, len(h) + len(unit) * copies + len(t))


def _write_zip(path: Path, parts: list[Part]) -> Path:
    """A zip of `parts` (no zip64: every size < 4 GiB), streamed piece by piece."""
    central, offset = [], 0
    with open(path, "wb") as fh:
        for p in parts:
            name = p.name.encode()
            size = p.size if p.declared is None else p.declared
            fields = (20, 0, p.method, 0, 0x21, p.crc, p.compressed, size, len(name))
            fh.write(struct.pack("<4s5HLLLHH", b"PK\x03\x04", *fields, 0) + name)
            for piece in p.pieces:
                fh.write(piece)
            central.append(
                struct.pack("<4s6HLLL5HLL", b"PK\x01\x02", 20, *fields, 0, 0, 0, 0, 0, offset)
                + name
            )
            offset = fh.tell()
        directory = b"".join(central)
        fh.write(directory)
        fh.write(
            struct.pack(
                "<4s4HLLH", b"PK\x05\x06", 0, 0, len(parts), len(parts), len(directory), offset, 0
            )
        )
    return path


_CT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.'
    'openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="'
    'application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
    'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="'
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://'
    'schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="'
    'http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="http://schemas.'
    'openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships"><sheets><sheet name="认定台账" sheetId="1" r:id="rId1"/>'
    "</sheets></workbook>"
)


def _book_rels(target: str, kind: str = "worksheet") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://'
        'schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="'
        f'http://schemas.openxmlformats.org/officeDocument/2006/relationships/{kind}" '
        f'Target="{target}"/></Relationships>'
    )


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.'
    'openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
    + "".join(_cell(f"{c}1", h) for c, h in zip("ABCD", HEADER, strict=True))
    + '</row><row r="2">'
    + _cell("A2", "示人社工伤认字〔2024〕00001号")
    + _cell("B2", "示范市假想食品有限公司")
    + _cell("C2", "2024-03-05 07:30")
    + '<c r="D2" t="inlineStr"><is><t>'
)
_SHEET_TAIL = "</t></is></c></row></sheetData></worksheet>"


def _book(
    path: Path, sheet: Part, *, target: str = "worksheets/sheet1.xml", kind="worksheet", extra=()
) -> Path:
    parts = [
        _part("[Content_Types].xml", _CT),
        _part("_rels/.rels", _ROOT_RELS),
        _part("xl/workbook.xml", _WORKBOOK),
        _part("xl/_rels/workbook.xml.rels", _book_rels(target, kind)),
        sheet,
        *extra,
    ]
    return _write_zip(path, parts)


def _narrative_book(path: Path, unit: bytes, copies: int, **kw) -> Path:
    """One determination whose 受伤经过 is `unit` × `copies`."""
    return _book(path, _repeated(SHEET, _SHEET_HEAD, unit, copies, _SHEET_TAIL), **kw)


def _refused(path: Path, *words: str) -> str:
    with pytest.raises(FileFormatError) as info:
        read_table(path, DETERMINATION_COLUMNS, settings=SETTINGS)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and len(message.splitlines()) == 1
    for w in words:
        assert w in message, (w, message)
    return message


# --- the hand-made workbooks are real workbooks -------------------------------------------------


def test_a_hand_made_workbook_with_a_long_but_allowed_cell_reads(tmp_path):
    """Control: the writer above makes workbooks calamine and intake read; a cell of exactly
    the limit in its widest XML (a 10-byte character reference each) passes the check."""
    path = _narrative_book(tmp_path / "ok.xlsx", b"&#1048576;", MAX_CELL_CHARS)
    frame, sources = read_table(path, DETERMINATION_COLUMNS, settings=SETTINGS)
    assert len(frame) == 1 and sources[0].sheet == "认定台账"
    assert frame.loc[0, "narrative"] == "\U00100000" * MAX_CELL_CHARS
    assert frame.loc[0, "employer"] == "示范市假想食品有限公司"


def test_a_run_of_exactly_the_limit_reads_and_one_byte_more_is_refused(tmp_path):
    # the run is "t>" of <t> and the text after it
    fits = MAX_XML_RUN_BYTES - len("t>")
    sheet = _part(SHEET, _SHEET_HEAD + "b" * fits + _SHEET_TAIL)
    frame, _ = read_table(_book(tmp_path / "fits.xlsx", sheet), DETERMINATION_COLUMNS)
    assert frame.loc[0, "narrative"] == "b" * fits
    sheet = _part(SHEET, _SHEET_HEAD + "b" * (fits + 1) + _SHEET_TAIL)
    _refused(_book(tmp_path / "over.xlsx", sheet), "holds a text of more than")


# --- the workbook: one 1 GiB string in about 1 MB ---------------------------------------

_CHILD = r"""
import json, sys
from trafficprev import read_determinations
from trafficprev._errors import FileFormatError

def hwm():
    line = next(l for l in open("/proc/self/status") if l.startswith("VmHWM"))
    return int(line.split()[1]) * 1024

before = hwm()
out = []
for path in sys.argv[1:]:
    try:
        read_determinations(path)
        out.append("read")
    except FileFormatError as exc:
        out.append(str(exc))
print(json.dumps({"before": before, "after": hwm(), "messages": out}))
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc (Linux)")
def test_a_one_gib_string_in_a_one_megabyte_workbook_is_refused_with_little_memory(tmp_path):
    unit = "甲".encode() * ((16 << 20) // 3)  # 16 MiB at a time
    sheet = _repeated(SHEET, _SHEET_HEAD, unit, GIB // len(unit) + 1, _SHEET_TAIL)
    honest = _book(tmp_path / "one_gib_string.xlsx", sheet)
    # the same, with headers that declare a small part: only the streamed check can tell
    lying = _book(tmp_path / "one_gib_string_small_header.xlsx", replace(sheet, declared=100_000))
    for path in (honest, lying):
        assert path.stat().st_size < 2_000_000  # about 1 MB on disk ...
    assert sheet.size > GIB  # ... for more than 1 GiB of text in one cell
    run = subprocess.run(
        [sys.executable, "-c", _CHILD, str(honest), str(lying)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    report = json.loads(run.stdout.strip().splitlines()[-1])
    first, second = report["messages"]
    assert first.startswith(f"{honest}: part {SHEET} is ") and "per part" in first
    assert second.startswith(f"{lying}: part {SHEET} holds a text of more than ")
    assert f"{MAX_CELL_CHARS:,} characters" in second
    # the refusals hold no more than 64 MiB beyond the imports (the text is 16 times that)
    assert report["after"] - report["before"] < 64 << 20, report


def test_a_cell_over_the_limit_is_refused_before_reading(tmp_path):
    # 64 MiB of text in one cell: under the part limit, so the cell limit must see it
    path = _narrative_book(tmp_path / "long_cell.xlsx", b"a" * (1 << 20), 64)
    message = _refused(path, f"part {SHEET} holds a text of more than {MAX_XML_RUN_BYTES:,}")
    at = int(re.search(r"from byte ([\d,]+)", message).group(1).replace(",", ""))
    assert at == len(_SHEET_HEAD.encode()) - len("t>")  # the run starts after "<" of <t>


# --- parts and workbooks over their size limits --------------------------------------------------


def test_a_sheet_part_over_the_part_limit_is_refused_from_its_header(tmp_path):
    unit = b"<v>1</v>" * (2 << 20)  # 16 MiB
    path = _narrative_book(tmp_path / "big_part.xlsx", unit, MAX_PART_BYTES // len(unit) + 1)
    assert path.stat().st_size < 2_000_000
    message = _refused(path, "over the limit of 1,024 MiB per part")
    assert re.search(rf"part {SHEET} is 1,0\d\d MiB uncompressed", message)


def test_a_part_larger_than_its_header_declares_is_refused_while_streaming(tmp_path, monkeypatch):
    limit = 4 << 20  # the real limit is 1 GiB; the check is the same at any limit
    monkeypatch.setattr("trafficprev._limits.MAX_PART_BYTES", limit)
    # (the head ends in the text of a cell: fill it with text and markup, not rows)
    row = "甲乙丙<b/>" * 4000
    sheet = _repeated(SHEET, _SHEET_HEAD, row.encode(), 2 * limit // len(row) + 1, _SHEET_TAIL)
    sheet.declared = 1000
    _refused(_book(tmp_path / "lying.xlsx", sheet), "more than its header declares")


def test_parts_together_over_the_workbook_limit_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr("trafficprev._limits.MAX_PART_BYTES", 3 << 20)
    monkeypatch.setattr("trafficprev._limits.MAX_WORKBOOK_BYTES", 4 << 20)
    fillers = [
        _repeated(f"xl/worksheets/sheet{i}.xml", "<worksheet>", b"<v>1</v>" * 1000, 300, "")
        for i in (2, 3)
    ]  # 2.4 MB each
    path = _narrative_book(tmp_path / "two.xlsx", b"a", 100, extra=fillers)
    assert path.stat().st_size < 100_000
    _refused(path, "together", "per workbook")


def test_a_compression_method_excel_does_not_write_is_refused(tmp_path):
    sheet = _part(SHEET, _SHEET_HEAD + "a" + _SHEET_TAIL, zipfile.ZIP_BZIP2)
    _refused(_book(tmp_path / "bzip2.xlsx", sheet), "compression method 12")


def test_a_picture_is_not_taken_for_a_cell_but_a_sheet_named_like_one_is(tmp_path):
    picture = _part("xl/media/image1.png", b"\x89PNG\r\n\x1a\n" + b"\xff" * (4 << 20))
    drawing = _part(  # a drawing names the picture: that is no reason to read it as XML
        "xl/drawings/_rels/drawing1.xml.rels",
        '<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/image" Target="../media/image1.png"/></Relationships>',
    )
    sheet = _part(SHEET, _SHEET_HEAD + "a" + _SHEET_TAIL)
    path = _book(tmp_path / "pic.xlsx", sheet, extra=[picture, drawing])
    frame, _ = read_table(path, DETERMINATION_COLUMNS)
    assert frame.loc[0, "narrative"] == "a"
    # calamine reads whatever the workbook's relationships name as a sheet, whatever the
    # part's name ...
    small = _part("xl/media/sheet.png", _SHEET_HEAD + "c" + _SHEET_TAIL)
    path = _book(tmp_path / "small_disguised.xlsx", small, target="media/sheet.png")
    assert read_table(path, DETERMINATION_COLUMNS)[0].loc[0, "narrative"] == "c"
    # ... so a sheet with a picture's name is checked as a sheet
    disguised = _repeated("xl/media/sheet.png", _SHEET_HEAD, b"a" * (1 << 20), 2, _SHEET_TAIL)
    path = _book(tmp_path / "disguised.xlsx", disguised, target="media/sheet.png")
    _refused(path, "part xl/media/sheet.png holds a text of more than")
    # a ">" inside an attribute does not hide the target
    path = _book(
        tmp_path / "gt.xlsx", disguised, target="media/sheet.png", kind='worksheet" Note=">'
    )
    _refused(path, "part xl/media/sheet.png holds a text of more than")
    # and so is a picture in a sheet folder, whatever the relationship's type (older calamine
    # took the type of a sheet from its folder)
    disguised.name = "xl/worksheets/sheet.png"
    path = _book(tmp_path / "folder.xlsx", disguised, target="worksheets/sheet.png", kind="image")
    _refused(path, "part xl/worksheets/sheet.png holds a text of more than")


def test_a_macro_project_named_by_the_workbook_is_not_taken_for_a_sheet(tmp_path):
    vba = _part("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2 << 20))
    rels = _part(
        "xl/_rels/workbook.xml.rels",
        _book_rels("worksheets/sheet1.xml").replace(
            "</Relationships>",
            '<Relationship Id="rId9" Type="http://schemas.microsoft.com/office/2006/relationships/'
            'vbaProject" Target="vbaProject.bin"/></Relationships>',
        ),
    )
    sheet = _part(SHEET, _SHEET_HEAD + "a" + _SHEET_TAIL)
    parts = [_part("[Content_Types].xml", _CT), _part("_rels/.rels", _ROOT_RELS),
             _part("xl/workbook.xml", _WORKBOOK), rels, sheet, vba]  # fmt: skip
    frame, _ = read_table(_write_zip(tmp_path / "macro.xlsm", parts), DETERMINATION_COLUMNS)
    assert frame.loc[0, "narrative"] == "a"


def test_a_corrupt_part_is_one_clear_error(tmp_path):
    sheet = _part(SHEET, _SHEET_HEAD + "a" * 5000 + _SHEET_TAIL)
    sheet.crc ^= 1
    _refused(_book(tmp_path / "crc.xlsx", sheet), f"cannot read part {SHEET}")


# --- CSV ----------------------------------------------------------------------------------------


def _csv(path: Path, narrative: str, encoding: str = "utf-8") -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(HEADER)
    w.writerow(["示人社工伤认字〔2024〕00001号", "示范市假想食品有限公司", "2024-03-05 07:30", "x"])
    w.writerow(
        ["示人社工伤认字〔2024〕00002号", "示范市假想食品有限公司", "2024-03-05 07:30", narrative]
    )
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_a_csv_with_one_enormous_field_is_refused_before_decoding(tmp_path, encoding, monkeypatch):
    path = _csv(tmp_path / "enormous.csv", "甲" * (8 << 20), encoding)  # 16–24 MB in one field
    decoded = []
    monkeypatch.setattr(
        "trafficprev._tables._detect_encoding", lambda *a: decoded.append(a) or encoding
    )
    _refused(path, "line 3 holds a field of more than", f"{MAX_CSV_RUN_BYTES:,} bytes")
    assert decoded == []  # refused from the bytes, before any decoding


def test_a_csv_field_with_line_breaks_over_the_limit_is_refused_by_the_parser(tmp_path):
    # no run without a line break is long, but the quoted field is over the limit
    path = _csv(tmp_path / "lines.csv", "甲乙\n" * (MAX_CELL_CHARS // 3 + 1))
    _refused(path, "line ", f"more than {MAX_CELL_CHARS:,} characters")
    # the process-wide csv limit is left as it was
    assert csv.field_size_limit() > MAX_CELL_CHARS


# --- ordinary exports still read, unchanged ------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["determinations_2023.xlsx", "determinations_2024.xlsx", "determinations_2024Q4.csv"]
)
def test_the_demo_exports_read_unchanged(name):
    path = demo_dir() / name
    frame, sources = read_table(path, DETERMINATION_COLUMNS, settings=SETTINGS)
    assert (frame["_file"] == str(path)).all() and sources[0].path == str(path)
    if name.endswith(".xlsx"):
        book = CalamineWorkbook.from_path(str(path))
        cells = book.get_sheet_by_name(sources[0].sheet).to_python(skip_empty_area=False)
        body = [r for r in cells[sources[0].header_row :] if any(str(c).strip() for c in r)]
        assert len(frame) == len(body)
        assert frame["decision_no"].tolist() == [str(r[0]) for r in body]
    result = read_determinations(path, settings=SETTINGS)
    acc = result.accounting
    assert acc.read == acc.cases + acc.rejected + acc.duplicates == len(frame) > 300


# --- the run finder itself ----------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(40))
def test_runs_finds_exactly_the_runs_over_the_limit_across_any_chunking(seed):
    rng = random.Random(seed)
    stops = rng.choice([b"<", b",\n\r\t"])
    limit = rng.choice([1, 5, 37, 200])
    pieces = [
        bytes(rng.choice(b"ab" + stops) for _ in range(rng.randrange(0, 40)))
        + b"x" * rng.choice([0, 0, 0, rng.randrange(1, 3 * limit + 3)])
        for _ in range(rng.randrange(1, 30))
    ]
    data = b"".join(pieces)
    runs, at, start = _Runs(stops, limit), None, 0
    while start < len(data) and at is None:
        size = rng.choice([1, 3, 50, 1000])
        at = runs.feed(data[start : start + size])
        start += size
    over = re.search(b"[^%s]{%d,}" % (re.escape(stops), limit + 1), data)
    # the start of the first run over the limit, or None when there is none
    assert at == (over.start() if over else None)


# --- the range of cells a sheet spans -------------------------------------------------------------
#
# calamine fills a dense grid of every row × column its cells span, and the reader asks for it
# from A1: two cells far apart ask for 2**34 cells and abort the process. Tests that would
# allocate much on a reader without the check lower the limit (``_limit``), or read in a child.

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_V = "<v>1</v>"

# calamine alone, as the reader calls it: aborts, panics or prints "read"
_CALAMINE_CHILD = r"""
import sys
from python_calamine import CalamineWorkbook
book = CalamineWorkbook.from_path(sys.argv[1])
book.get_sheet_by_name(book.sheet_names[0]).to_python(skip_empty_area=False)
print("read")
"""

# intake: "read", or the message of the FileFormatError
_READ_CHILD = r"""
import json, sys
from trafficprev._errors import FileFormatError
from trafficprev._tables import read_table
from trafficprev.schema import DETERMINATION_COLUMNS
out = []
for path in sys.argv[1:]:
    try:
        read_table(path, DETERMINATION_COLUMNS)
        out.append("read")
    except FileFormatError as exc:
        out.append(str(exc))
print(json.dumps(out))
"""


def _sheet_xml(rows: str, *, head: str = "", tail: str = "", prefix: str = "") -> str:
    """A worksheet whose sheetData holds `rows` (`prefix`: "x:" names every element so)."""
    xmlns = f'xmlns:{prefix[:-1]}="{_MAIN}"' if prefix else f'xmlns="{_MAIN}"'
    return (
        f"{_DECLARATION}<{prefix}worksheet {xmlns}>{head}<{prefix}sheetData>{rows}"
        f"</{prefix}sheetData>{tail}</{prefix}worksheet>"
    )


def _sheet(path: Path, rows: str, **kw) -> Path:
    return _book(path, _part(SHEET, _sheet_xml(rows, **kw)))


def _limit(monkeypatch, cells: int) -> None:
    monkeypatch.setattr("trafficprev._limits.MAX_SHEET_CELLS", cells)


def _spans(path: Path) -> tuple[int, int]:
    """The last row and column (1-based) the check finds the cells of the sheet reach."""
    from trafficprev._limits import check_workbook as _check_workbook

    return _check_workbook(path.read_bytes(), str(path), "xlsx")[SHEET]


def _calamine_span(path: Path) -> tuple[int, int]:
    """The same, from calamine (a sheet whose grid is small: this reads it)."""
    book = CalamineWorkbook.from_path(str(path))
    end = book.get_sheet_by_name(book.sheet_names[0]).end
    return (0, 0) if end is None else (end[0] + 1, end[1] + 1)


def _extent(xml: str, sizes=(1 << 20,), tier: str = "any", monkeypatch=None) -> tuple[int, int]:
    """The span of the sheet `xml` fed to _SheetExtent in chunks of the `sizes` (in turn),
    read by any path, or only by the exact ones ("usual": tidy tags; "general": any XML)."""
    from trafficprev._limits import _SheetExtent

    if tier != "any":
        monkeypatch.setattr(_SheetExtent, "_explicit", lambda *a: False)
    if tier == "general":
        monkeypatch.setattr(_SheetExtent, "_usual", lambda *a: None)
    data, extent, start, i = xml.encode(), _SheetExtent(), 0, 0
    while start < len(data):
        size = sizes[i % len(sizes)]
        extent.feed(data[start : start + size])
        start, i = start + size, i + 1
    extent.feed(b"", final=True)
    return extent.rows, extent.cols


def _column(n: int) -> str:
    letters = ""
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


_FAR_APART = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
    '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
)


@pytest.mark.parametrize("dimension", ["", '<dimension ref="A1:B2"/>'])
def test_two_cells_far_apart_abort_calamine_and_are_refused_in_one_line(tmp_path, dimension):
    """The issue's workbook: 1.5 KB, two cells, A1 and XFD1048576 (a small <dimension> or
    none: it does not matter). calamine aborts the process (the control); intake refuses
    the file in one line naming it, the sheet and the range, before calamine sees it."""
    path = _sheet(tmp_path / "two_cells.xlsx", _FAR_APART, head=dimension)
    assert path.stat().st_size < 2_000
    control = subprocess.run(
        [sys.executable, "-c", _CALAMINE_CHILD, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert control.returncode != 0 and "read" not in control.stdout
    assert "memory allocation of" in control.stderr  # Rust's abort, no Python exception
    run = subprocess.run(
        [sys.executable, "-c", _READ_CHILD, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    (message,) = json.loads(run.stdout.strip().splitlines()[-1])
    assert message.startswith(f"{path}: sheet 认定台账 (part {SHEET}) ")
    assert len(message.splitlines()) == 1
    assert "A1:XFD1048576" in message and "17,179,869,184 cells" in message
    assert "over the limit of 33,554,432 cells per sheet" in message


def test_cells_only_in_the_far_corner_are_refused_as_the_reader_reads_from_a1(tmp_path):
    """calamine's own grid of this sheet is 2 × 2 (it starts at the first cell), but the
    reader asks for it from A1 (to keep the row numbers the spreadsheet shows), and
    python-calamine then builds A1:XFD1048576 and panics (the control). So a sheet's span
    counts from A1, and this one is refused."""
    rows = (
        f'<row r="1048575"><c r="XFC1048575">{_V}</c></row>'
        f'<row r="1048576"><c r="XFD1048576">{_V}</c></row>'
    )
    path = _sheet(tmp_path / "corner.xlsx", rows)
    assert _calamine_span(path) == (1_048_576, 16_384)  # its grid: XFC1048575:XFD1048576
    control = subprocess.run(
        [sys.executable, "-c", _CALAMINE_CHILD, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert control.returncode != 0 and "PanicException" in control.stderr
    _refused(path, "A1:XFD1048576", "17,179,869,184 cells")


def test_a_panic_in_calamine_is_one_clear_error(tmp_path, monkeypatch):
    """pyo3 raises a Rust panic as PanicException, which is no Exception: it is caught too
    (the check is skipped here to let calamine meet the corner sheet above)."""
    rows = (
        f'<row r="1048575"><c r="XFC1048575">{_V}</c></row>'
        f'<row r="1048576"><c r="XFD1048576">{_V}</c></row>'
    )
    path = _sheet(tmp_path / "corner.xlsx", rows)
    monkeypatch.setattr("trafficprev._tables.check_workbook", lambda *a: {})
    _refused(path, "cannot read it as an Excel xlsx workbook (PanicException")


@pytest.mark.parametrize(
    "cell",
    [
        f'<c r="AD40" t="n">{_V}</c>',
        f'<c s="1" r="AD40">{_V}</c>',  # r not first
        f"<c t='n' s='0' r='AD40'>{_V}</c>",  # single quotes
        f'<c s="1"\n\tr = "AD40" t="n">{_V}</c>',  # whitespace around "="
        f'<c s="1"r="AD40">{_V}</c>',  # no whitespace before r: calamine reads it
        f'<c r="ad40">{_V}</c>',  # lower case
        f'<c r="A40" t="n" r="AD40">{_V}</c>',  # r twice: calamine takes the second
        f'<c r="AC40"/><c>{_V}</c>',  # a cell without r follows the one before
    ],
)
@pytest.mark.parametrize("tier", ["any", "usual", "general"])
def test_a_cell_far_off_is_placed_whatever_the_form_of_its_attributes(
    tmp_path, monkeypatch, cell, tier
):
    rows = f'<row r="1"><c r="A1">{_V}</c></row><row r="40">{cell}</row>'
    tail = (
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
    )
    path = _sheet(tmp_path / "far.xlsx", rows, tail=tail)
    assert _calamine_span(path) == (40, 30)  # AD40
    xml = _sheet_xml(rows, tail=tail)
    split = len(_DECLARATION) + 10  # the declaration apart: the rest goes any path
    assert _extent(xml, (split, 1 << 20), tier, monkeypatch) == (40, 30)
    rows_, cols_ = _extent(xml, (3, 1, 7), tier, monkeypatch)
    if tier == "any":  # a chunk of cells that all name their place carries bounds on
        assert rows_ >= 40 and cols_ >= 30
    else:
        assert (rows_, cols_) == (40, 30)
    _limit(monkeypatch, 30 * 40)
    assert _spans(path) == (40, 30)
    _limit(monkeypatch, 30 * 40 - 1)
    _refused(path, "sheet 认定台账", "A1:AD40", "1,200 cells", "limit of 1,199 cells per sheet")


def test_attributes_that_end_in_r_are_not_r(tmp_path):
    """footer="0.3", header="…", x:r="…": none is the attribute r of calamine."""
    rows = f'<row r="2" x:r="900"><c r="B2" footer="XFD9" x:r="XFD9" header="9">{_V}</c></row>'
    tail = (
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
    )
    path = _sheet(tmp_path / "footer.xlsx", rows.replace("<row", '<row xmlns:x="x"', 1), tail=tail)
    assert _calamine_span(path) == _spans(path) == (2, 2)


@pytest.mark.parametrize("tier", ["any", "usual", "general"])
def test_rows_and_cells_without_r_add_up_as_calamine_counts_them(tmp_path, monkeypatch, tier):
    """Rows without r follow the row before; a cell without r is one column right of the
    cell before: 201 rows, the last one of 50 cells, span A1:AX201 (10,050 cells)."""
    cell = '<c t="inlineStr"><is><t>x</t></is></c>'
    rows = f'<row r="1">{cell}</row>' + f"<row>{cell}</row>" * 199 + f"<row>{cell * 50}</row>"
    path = _sheet(tmp_path / "counted.xlsx", rows)
    assert _calamine_span(path) == (201, 50)
    found = _extent(_sheet_xml(rows), (len(_DECLARATION) + 5, 97), tier, monkeypatch)
    if tier == "any":  # (a chunk of rows and cells that name their places carries bounds)
        assert found[0] >= 201 and found[1] >= 50
    else:
        assert found == (201, 50)
    _limit(monkeypatch, 10_049)
    _refused(path, "A1:AX201", "10,050 cells")
    # and after an explicit cell or row, the count goes on from it
    rows = (
        f'<row r="7"><c r="C7">{_V}</c><c>{_V}</c></row>'
        f'<row><c>{_V}</c><c r="B20">{_V}</c><c>{_V}</c></row>'
    )
    path = _sheet(tmp_path / "mixed.xlsx", rows)
    assert _calamine_span(path) == _spans(path) == (20, 4)  # D7, then A8, B20 and C8


def test_a_row_at_the_bottom_with_cells_without_r_is_refused(tmp_path):
    """<row r="1048576"> and 33 cells without r: 1,048,576 × 33 cells, over the real limit
    (checked without reading: the file is 1.5 KB and the grid 34,603,008 cells)."""
    from trafficprev._limits import MAX_SHEET_CELLS

    assert 1_048_576 * 32 <= MAX_SHEET_CELLS < 1_048_576 * 33  # (Excel's height, 32 columns)
    rows = f'<row r="1"><c r="A1">{_V}</c></row><row r="1048576">' + f"<c>{_V}</c>" * 33 + "</row>"
    path = _sheet(tmp_path / "bottom.xlsx", rows)
    message = _refused(path, "A1:AG1048576", "34,603,008 cells", "limit of 33,554,432")
    assert "row 1,048,576 and column AG (33)" in message


@pytest.mark.parametrize(
    "far",
    [
        f'<row r="100"><c r="CV100">{_V}</c></row>',
        '<row r="100">' + f"<c>{_V}</c>" * 100 + "</row>",
        '<row r="99"/><row>' + f"<c>{_V}</c>" * 100 + "</row>",
    ],
    ids=["explicit", "counted", "row-after-empty-row"],
)
@pytest.mark.parametrize("split", range(14))
def test_a_reference_across_the_1_mib_chunk_boundary_is_read_whole(
    tmp_path, monkeypatch, far, split
):
    """The check reads a part in chunks of 1 MiB: the far row is placed so that the chunk
    boundary falls `split` bytes into it (inside "<row", "r=", the digits, a "<c", …).
    (A1 has no r: a chunk whose cells all name their places carries its counters on as
    bounds, which one column of 100 would exceed here.)"""
    before = f'<row r="1"><c>{_V}</c></row>'
    head = "".join(f"<{'p' if i % 2 else 'q'}/>{' ' * 4000}" for i in range(300))  # 1.2 MB
    xml = _sheet_xml(before + far, head=head)
    at = xml.index(far)
    cut = (1 << 20) - split
    assert 0 < cut < at
    xml = xml[: xml.index("<q/>")] + xml[xml.index("<q/>") + (at - cut) :]  # trim the padding
    assert len(xml[: xml.index(far)].encode()) == (1 << 20) - split
    path = _book(tmp_path / "split.xlsx", _part(SHEET, xml))
    assert _calamine_span(path) == (100, 100)
    _limit(monkeypatch, 100 * 100)
    assert _spans(path) == (100, 100)
    _limit(monkeypatch, 100 * 100 - 1)
    _refused(path, "A1:CV100")


@pytest.mark.parametrize("seed", range(30))
@pytest.mark.parametrize("tier", ["any", "usual", "general"])
def test_the_span_is_calamines_for_random_sheets_fed_in_any_chunks(
    tmp_path, seed, tier, monkeypatch
):
    """Random small sheets (rows and cells with and without r, attributes in any order and
    quote, whitespace, prefixed names, self-closing rows and empty cells, CDATA, quotes,
    ">" and "r=" in text): the span found equals calamine's whatever the chunks, by the
    exact readings, and is never smaller by any."""
    rng = random.Random(seed)
    xml = _random_sheet(rng)
    expected = _calamine_span(_book(tmp_path / "random.xlsx", _part(SHEET, xml)))
    for sizes in ((1 << 20,), (len(_DECLARATION), rng.choice([1, 5, 40, 300])), (7, 1, 64)):
        found = _extent(xml, sizes, tier, monkeypatch)
        if tier == "any":
            assert found[0] >= expected[0] and found[1] >= expected[1], (sizes, found, expected)
        else:
            assert found == expected, (sizes, found, expected)


def _random_sheet(rng: random.Random) -> str:
    prefix = rng.choice(["", "", "x:"])

    def attr(name: str, value: object) -> str:
        quote = rng.choice(['"', '"', "'"])
        eq = rng.choice(["=", "=", "=", " = ", "\n="])
        return f"{rng.choice([' ', ' ', chr(10), chr(9) + ' '])}{name}{eq}{quote}{value}{quote}"

    def element(name: str, attrs: list[str], content: str | None) -> str:
        rng.shuffle(attrs)
        if content is None:
            return f"<{prefix}{name}{''.join(attrs)}/>"
        end = rng.choice(["", "", " "])
        return f"<{prefix}{name}{''.join(attrs)}>{content}</{prefix}{name}{end}>"

    texts = ["x", "a &gt; b", 'say "hi"', "it's", 'r="XFD1048576"', "a = b", "1 > 0",
             "<![CDATA[</row><row r=\"9\"><c r='XFD9'>]]>"]  # fmt: skip
    rows, row = [], 0
    for _ in range(rng.randrange(1, 20)):
        row_attrs = []
        if rng.random() < 0.7:
            row = rng.randrange(row, row + 4)
            row_attrs.append(attr("r", row + 1))
        if rng.random() < 0.3:
            row_attrs.append(attr("spans", "1:5"))
        if rng.random() < 0.1:
            rows.append(element("row", row_attrs, None))
            row += 1
            continue
        cells, col = [], 0
        for _ in range(rng.randrange(0, 8)):
            attrs = []
            if rng.random() < 0.6:
                col = rng.randrange(col, col + 5)
                at = row if rng.random() < 0.9 else rng.randrange(0, row + 5)
                ref = f"{_column(col + 1)}{at + 1}"
                attrs.append(attr("r", ref.lower() if rng.random() < 0.1 else ref))
            if rng.random() < 0.4:
                attrs.append(attr("s", rng.randrange(10)))
            kind = rng.choice(["number", "text", "empty"])
            if kind == "number":
                cells.append(element("c", attrs, f"<{prefix}v>{rng.randrange(99)}</{prefix}v>"))
            elif kind == "text":
                attrs.append(attr("t", "inlineStr"))
                text = f"<{prefix}t>{rng.choice(texts)}</{prefix}t>"
                cells.append(element("c", attrs, f"<{prefix}is>{text}</{prefix}is>"))
            else:  # no value: calamine leaves it out, but it moves the column on
                cells.append(element("c", attrs, None))
            col += 1
        rows.append(element("row", row_attrs, "".join(cells)))
        row += 1
    cols = f'<{prefix}cols><{prefix}col min="1" max="3" width="9"/></{prefix}cols>'
    head = rng.choice(["", f'<{prefix}dimension ref="A1:B2"/>', cols])
    tail = f'<{prefix}pageMargins left="0.7" right="0.7" header="0.3" footer="0.3"/>'
    return _sheet_xml("".join(rows), head=head, tail=tail, prefix=prefix)


def test_a_wide_short_and_a_tall_narrow_sheet_under_the_limit_read(tmp_path):
    """All 16,384 columns in 3 rows, and all 1,048,576 rows in 4 columns: under the limit
    (33,554,432 cells), both read, with every value where it is."""
    from trafficprev._limits import MAX_SHEET_CELLS

    wide = _SHEET_HEAD + "a</t></is></c></row>" + f'<row r="3"><c r="XFD3">{_V}</c></row>'
    tall = _SHEET_HEAD + "b</t></is></c></row>" + f'<row r="1048576"><c r="D1048576">{_V}</c></row>'
    for name, body, span in (("wide", wide, (3, 16_384)), ("tall", tall, (1_048_576, 4))):
        path = _book(tmp_path / f"{name}.xlsx", _part(SHEET, body + "</sheetData></worksheet>"))
        assert _spans(path) == span and span[0] * span[1] <= MAX_SHEET_CELLS
        frame, sources = read_table(path, DETERMINATION_COLUMNS, settings=SETTINGS)
        assert frame["_row"].tolist() == [2, span[0]] and sources[0].rows == 2
        assert frame.loc[0, "employer"] == "示范市假想食品有限公司"
        last = frame.iloc[1]
        assert (last["未命名列16384"] if name == "wide" else last["narrative"]) == "1"


@pytest.mark.parametrize("name", ["determinations_2023.xlsx", "determinations_2024.xlsx"])
def test_the_demo_exports_span_what_calamine_reads(name):
    """The check finds each sheet of the demo exports spanning exactly calamine's grid
    (and the exports read unchanged: test_the_demo_exports_read_unchanged)."""
    from trafficprev._limits import check_workbook as _check_workbook

    path = demo_dir() / name
    spans = _check_workbook(path.read_bytes(), str(path), "xlsx")
    book = CalamineWorkbook.from_path(str(path))
    ends = [book.get_sheet_by_name(sheet).end for sheet in book.sheet_names]
    assert sorted(spans.values()) == sorted((end[0] + 1, end[1] + 1) for end in ends)
    assert spans[SHEET][0] > 1_000 and spans[SHEET][1] == 17


def test_xml_no_spreadsheet_program_writes_is_refused_but_cdata_reads(tmp_path):
    """A comment could hide "</row>" from the check but not from calamine (or the other way
    round), so a sheet with one is refused, as are rows inside a cell; CDATA is text."""
    rows = f'<row r="1"><c r="A1">{_V}</c><!-- </row> --><c>{_V}</c></row>'
    _refused(_sheet(tmp_path / "comment.xlsx", rows), "XML that Excel and WPS never write")
    rows = f'<row r="2"><c><f><row r="9"/></f>{_V}</c></row>'
    _refused(_sheet(tmp_path / "nested.xlsx", rows), "a row or cell inside a cell")
    cdata = '<c t="inlineStr"><is><t><![CDATA[</row><row r="900"><c r="XFD900">]]></t></is></c>'
    path = _sheet(tmp_path / "cdata.xlsx", f'<row r="2">{cdata}<c r="C2">{_V}</c></row>')
    assert _calamine_span(path) == _spans(path) == (2, 3)
