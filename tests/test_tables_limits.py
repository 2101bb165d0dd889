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
from trafficprev._tables import (
    MAX_CELL_CHARS,
    MAX_CSV_RUN_BYTES,
    MAX_PART_BYTES,
    MAX_XML_RUN_BYTES,
    _Runs,
    read_table,
)
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
    monkeypatch.setattr("trafficprev._tables.MAX_PART_BYTES", limit)
    row = "".join(f'<row r="{r}"><c r="A{r}"><v>1</v></c></row>' for r in range(3, 1003))
    sheet = _repeated(SHEET, _SHEET_HEAD, row.encode(), 2 * limit // len(row) + 1, _SHEET_TAIL)
    sheet.declared = 1000
    _refused(_book(tmp_path / "lying.xlsx", sheet), "more than its header declares")


def test_parts_together_over_the_workbook_limit_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr("trafficprev._tables.MAX_PART_BYTES", 3 << 20)
    monkeypatch.setattr("trafficprev._tables.MAX_WORKBOOK_BYTES", 4 << 20)
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
