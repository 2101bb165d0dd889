"""Limits checked before a table file is parsed: what it would become in memory is bounded.

A workbook is a zip: its parts are stream-decompressed in 1 MiB chunks with a hard cap,
whatever sizes the zip declares, and the file is refused with one line (a
:class:`~trafficprev._errors.FileFormatError` naming the file, the part or sheet and the
limit) when a part, the whole workbook, one cell (:data:`MAX_CELL_CHARS`, Excel's own limit)
or the range of cells one sheet spans (:data:`MAX_SHEET_CELLS`: python-calamine allocates
that whole grid, and two cells A1 and XFD1048576 would abort the process) is over its limit.
A CSV is refused when one field is. :func:`~trafficprev._tables.read_table` calls
:func:`check_workbook` and :func:`check_csv` on the bytes it then parses.
"""

from __future__ import annotations

import copy
import html
import io
import re
import zipfile
import zlib
from collections.abc import Iterator

import numpy as np

from ._display import display_text
from ._errors import FileFormatError

__all__ = [
    "MAX_CELL_CHARS",
    "MAX_CSV_RUN_BYTES",
    "MAX_PART_BYTES",
    "MAX_SHEET_CELLS",
    "MAX_WORKBOOK_BYTES",
    "MAX_XML_RUN_BYTES",
    "check_csv",
    "check_workbook",
]

#: Longest text of one cell, in characters: Excel's own limit per cell (Excel and WPS cannot
#: type or save a longer one). Every cell up to this length is read.
MAX_CELL_CHARS = 32_767
#: Largest uncompressed size of one part (zip member) of a workbook: 1 GiB. The largest part
#: of the benchmark's 1,000,000-determination world (about 440,000 rows in one sheet, 1,342
#: bytes a row) is about 600 MB; 1 GiB holds about 800,000 rows of that shape.
MAX_PART_BYTES = 1 << 30
#: Largest uncompressed size of all parts of a workbook together: 2 GiB (two sheets of the
#: largest size, e.g. two years in one workbook).
MAX_WORKBOOK_BYTES = 2 << 30
#: Longest run of bytes without ``<`` in a workbook's XML: a cell of MAX_CELL_CHARS characters
#: each written in its widest XML form (a character reference such as ``&#x10FFFF;``, 10 bytes)
#: plus 1 KiB for the opening tag in front of it. A longer run is a cell over the limit.
MAX_XML_RUN_BYTES = MAX_CELL_CHARS * 10 + 1024
#: Longest run of bytes in a CSV without a comma, tab or line break: a field of MAX_CELL_CHARS
#: characters of 4 bytes (the widest in UTF-8, GB18030 and UTF-16) plus its quotes and a BOM.
MAX_CSV_RUN_BYTES = MAX_CELL_CHARS * 4 + 64
#: Most cells one sheet may span: 2**25 = 33,554,432, counted from A1 to the last row and the
#: last column its cells reach. That whole grid is what reading a sheet builds, however few
#: cells it holds: calamine makes a dense grid of the rows × columns its cells span (about 32
#: bytes a cell) and the reader asks for it from A1 (``skip_empty_area=False``), so two cells,
#: A1 and XFD1048576, ask for 2**34 cells (512 GiB) and abort the process. 2**25 cells keep
#: calamine's grid at 1 GiB (as MAX_PART_BYTES keeps a part) and reading an empty grid that
#: large at about 2 GB and 13 s; the limit holds Excel's 1,048,576 rows at 32 columns or its
#: 16,384 columns at 2,048 rows, and is 3 times the largest generated export (about 450,000
#: rows × 25 columns); a part of 1 GiB holds about 800,000 such rows (20,000,000 cells).
MAX_SHEET_CELLS = 1 << 25


class _Runs:
    """Finds a run of more than `limit` bytes holding none of `stops`, over chunks fed in order.

    Only about one ``bytes.find`` per ``limit // 2`` bytes is needed: a run longer than
    `limit` contains a whole window of ``limit // 2`` aligned bytes without a stop, and only
    such windows are measured exactly.
    """

    def __init__(self, stops: bytes, limit: int) -> None:
        self.stops = [stops[i : i + 1] for i in range(len(stops))]
        self.limit = limit
        self.step = max(limit // 2, 1)
        self.run = 0  # bytes since the last stop, at the end of what was fed
        self.offset = 0  # absolute offset of the next chunk

    def _find(self, data: bytes, start: int, end: int) -> int:
        hits = [i for i in (data.find(s, start, end) for s in self.stops) if i >= 0]
        return min(hits) if hits else -1

    def _rfind(self, data: bytes, start: int, end: int) -> int:
        return max(data.rfind(s, start, end) for s in self.stops)

    def feed(self, data: bytes) -> int | None:
        """Offset where an over-long run starts, or None."""
        n, base = len(data), self.offset
        self.offset += n
        first = self._find(data, 0, n)
        if first < 0:
            self.run += n
            return base - (self.run - n) if self.run > self.limit else None
        if self.run + first > self.limit:
            return base - self.run
        last = self._rfind(data, 0, n)
        i = first + 1
        while i + self.step <= last:
            if any(data.find(s, i, i + self.step) >= 0 for s in self.stops):
                i += self.step
                continue
            a = self._rfind(data, 0, i)
            b = self._find(data, i + self.step, last + 1)
            if b - a - 1 > self.limit:
                return base + a + 1
            i = b + 1
        self.run = n - last - 1
        return base + last + 1 if self.run > self.limit else None


class _OddXmlError(Exception):
    """Worksheet XML that no spreadsheet program writes and whose cells cannot be placed
    without parsing it as calamine does: `what` it is, `at` its offset in the part."""

    def __init__(self, what: str, at: int) -> None:
        super().__init__(what, at)
        self.what, self.at = what, at


_NONE = np.zeros(0, np.int64)
_FAR = 1 << 60  # past any offset
_BEYOND = 1 << 40  # a row or column of a reference longer than Excel writes (XFD1048576)
_REF_WINDOW = 11  # bytes of an `r` value looked at: 3 letters, 7 digits and one more
_IS_WS = np.zeros(256, bool)
_IS_WS[[9, 10, 13, 32]] = True  # XML's (and quick-xml's) whitespace
_CDATA_OPEN = b"<![CDATA["
_MIXED_TAGS = 100_000  # tags with both kinds of quote read in a sheet, at most


def _next_at(sorted_at: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """For each of `positions`, the first of `sorted_at` at or after it (_FAR: none)."""
    i = np.searchsorted(sorted_at, positions)
    if not len(sorted_at):
        return np.full(len(positions), _FAR, np.int64)
    return np.where(i < len(sorted_at), sorted_at[np.minimum(i, len(sorted_at) - 1)], _FAR)


def _cdata_sections(a: np.ndarray, lt: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``<`` of `lt` that are not inside a CDATA section, and the sections' starts and
    ends (past ``]]>``; _FAR for a section still open at the end of `a`)."""
    n = len(a)
    cand = lt[lt + len(_CDATA_OPEN) <= n]
    for k in range(1, len(_CDATA_OPEN)):
        cand = cand[a[cand + k] == _CDATA_OPEN[k]]
    ends = np.flatnonzero((a[:-2] == 93) & (a[1:-1] == 93) & (a[2:] == 62)) + 3
    stop = _next_at(ends, cand + len(_CDATA_OPEN) + 3)
    # an opener inside a section is text: the first opener is real, and each later one is
    # real when the section before it has ended (an opener inside a section ends where
    # that section ends, so comparing with the one just before suffices)
    real = np.ones(len(cand), bool)
    real[1:] = stop[:-1] <= cand[1:]
    start, stop = cand[real], stop[real]
    i = np.maximum(np.searchsorted(start, lt, "right") - 1, 0)
    inside = (lt > start[i]) & (lt < stop[i]) if len(start) else np.zeros(len(lt), bool)
    return lt[~inside], start, stop


_POW10 = 10 ** np.arange(11, dtype=np.int64)
_POW26 = 26 ** np.arange(11, dtype=np.int64)


def _references(
    a: np.ndarray, start: np.ndarray, length: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Row and column numbers (1-based) of the references ``a[start : start + length]``,
    read as calamine reads them: letters (any case), then digits. 0 where calamine refuses
    the value (it then fails to read the sheet); _BEYOND for more than 3 letters or 7 digits."""
    end = start + length
    if len(start) and (end.min() < 8 or start.max() + 3 > len(a)):  # at an end of `a`
        a = np.concatenate([np.zeros(8, np.uint8), a, np.zeros(8, np.uint8)])
        start, end = start + 8, end + 8
    rows = np.zeros(len(start), np.int32)
    n_digits = np.zeros(len(start), np.int32)
    digits = np.ones(len(start), bool)
    for j in range(7):  # the digits end the value: from the last one back
        digit = a[end - 1 - j] - np.uint8(48)  # other bytes wrap round to large
        digits &= (digit < 10) & (length > j)
        rows += digits * (digit.astype(np.int32) * 10**j)
        n_digits += digits
    n_letters = length - n_digits
    cols = np.zeros(len(start), np.int32)
    usual = n_letters <= 3
    for j in range(3):  # the letters start it
        letter = (a[start + j] & np.uint8(0xDF)) - np.uint8(64)  # 1 for "A" or "a" … 26
        within = n_letters > j
        usual &= ~within | ((letter - np.uint8(1)) < 26)
        cols = np.where(within, cols * 26 + letter, cols)
    ok = usual & (n_digits > 0) & (rows > 0)
    rows, cols = np.where(ok, rows, 0).astype(np.int64), np.where(ok, cols, 0).astype(np.int64)
    if not usual.all():  # 8 digits or 4 letters or more, or a byte that is neither
        rest = ~usual
        rows[rest], cols[rest] = _long_references(a, start[rest], length[rest])
    return rows, cols


def _long_references(
    a: np.ndarray, start: np.ndarray, length: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_references` of values that are not 1 to 3 letters and 1 to 7 digits."""
    k = np.arange(_REF_WINDOW)
    win = a[np.minimum(start[:, None] + k, len(a) - 1)]
    inside = k < length[:, None]
    letter_value = (win & 0xDF) - 64  # uint8: 1 for "A" or "a" … 26; other bytes wrap
    letter = ((letter_value - 1) < 26) & inside
    digit_value = win - 48
    digit = (digit_value < 10) & inside
    n_letters, n_digits = letter.sum(axis=1), digit.sum(axis=1)
    # letters then digits, and nothing else
    shaped = n_letters + n_digits == np.minimum(length, _REF_WINDOW)
    shaped &= ~(digit[:, :-1] & letter[:, 1:]).any(axis=1)
    beyond = shaped & ((length > 10) | (n_letters > 3) | (n_digits > 7))
    # the digits end the value, the letters start it
    place = np.clip(length[:, None] - 1 - k, 0, 10)
    rows = (digit * digit_value * _POW10[place]).sum(axis=1)
    place = np.clip(n_letters[:, None] - 1 - k, 0, 10)
    cols = (letter * letter_value * _POW26[place]).sum(axis=1)
    ok = shaped & (n_digits > 0) & (rows > 0)
    rows = np.where(beyond, _BEYOND, np.where(ok, rows, 0))
    cols = np.where(beyond, _BEYOND, np.where(ok, cols, 0))
    return rows, cols


def _word(text: bytes) -> int:
    """`text` (up to 8 bytes) as the little-endian integer of its bytes."""
    return int.from_bytes(text, "little")


_CELL_R = (_word(b'<c r="'), _word(b"<c r='"))
_ROW_R = (_word(b'<row r="'), _word(b"<row r='"))


def _leading_references(
    a: np.ndarray, start: np.ndarray, quote: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Row and column numbers (1-based) of the values ``a[start:]`` that are 0 to 3 letters
    (any case), then 1 to 7 digits, then the byte `quote`; where they are that; and the
    offsets where they end (``a`` must hold 11 bytes past every start)."""
    at = start.copy()
    cols = np.zeros(len(start), np.int64)
    going = np.ones(len(start), bool)
    for _ in range(3):
        letter = (a[at] & np.uint8(0xDF)) - np.uint8(64)  # 1 for "A" or "a" … 26
        going &= (letter - np.uint8(1)) < 26
        cols = np.where(going, cols * 26 + letter, cols)
        at += going
    rows = np.zeros(len(start), np.int64)
    going = np.ones(len(start), bool)
    for _ in range(7):
        digit = a[at] - np.uint8(48)
        going &= digit < 10
        rows = np.where(going, rows * 10 + digit, rows)
        at += going
    return rows, cols, (a[at] == quote) & (rows > 0), at


def _empty_cells(a: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Which cells end right after their r value's closing quote at `after` with ``/>`` or
    `` s="N"/>``: cells without a value, which calamine leaves out (``a`` must hold 12 bytes
    past every offset)."""
    empty = (a[after + 1] == 47) & (a[after + 2] == 62)
    styled = np.flatnonzero(
        (a[after + 1] == 32) & (a[after + 2] == 115) & (a[after + 3] == 61) & (a[after + 4] == 34)
    )
    at = after[styled] + 5
    digits = np.zeros(len(styled), np.int64)
    going = np.ones(len(styled), bool)
    for _ in range(5):
        going &= (a[at] - np.uint8(48)) < 10
        at += going
        digits += going
    empty[styled] = (digits > 0) & (a[at] == 34) & (a[at + 1] == 47) & (a[at + 2] == 62)
    return empty


def _tag_symbols(
    at: np.ndarray, sym: np.ndarray, l_sym: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """The bytes ``< > " '`` (`sym`, at offsets `at`) that lie inside tags, with where in
    them the tags start (``<``, `l_sym`) and end (``>``); None when a ``<`` comes before the
    ``>`` of the tag before it. Quotes and ``>`` in the text between tags are dropped."""
    g_sym = np.flatnonzero(sym == 62)
    tidy = len(g_sym) == len(l_sym) and l_sym[0] == 0 and g_sym[-1] == len(sym) - 1
    if tidy and (l_sym[1:] == g_sym[:-1] + 1).all():
        return at, sym, l_sym, g_sym
    # quotes or ">" in the text: keep the tags' bytes only
    is_lt = sym == 60
    angles = np.flatnonzero(is_lt | (sym == 62))
    opens = np.flatnonzero(is_lt[angles])
    if opens[-1] + 1 >= len(angles) or is_lt[angles[opens + 1]].any():
        return None
    mark = np.zeros(len(sym) + 1, np.int32)
    mark[angles[opens]] = 1
    mark[angles[opens + 1] + 1] -= 1  # (the next "<" may be just after)
    keep = np.cumsum(mark[:-1], dtype=np.int32) > 0
    at, sym = at[keep], sym[keep]
    return at, sym, np.flatnonzero(sym == 60), np.flatnonzero(sym == 62)


class _SheetExtent:
    """The last row and column the cells of one worksheet reach, over chunks of its XML fed
    in order, placing every cell where calamine places it (``XlsxCellReader::next_cell``):

    - ``<row r="N">`` puts the reader on row N, ``</row>`` on the next row and column A; a
      row without ``r`` follows the one before it (a self-closing row is both);
    - ``<c r="XY">`` is at XY and a cell without ``r`` is one column right of the cell before
      it (at the current row), so 20,000 ``<c>`` in a row reach column 20,000;
    - elements match by local name (``<x:c>``) and attributes by exact name, with any
      whitespace around ``=`` and either quote (``<c s="1" r = 'B2'>``).

    Every ``<c>`` counts but a self-closing one (``<c r="B2" s="1"/>``, a formatted empty
    cell: calamine leaves cells without a value out), so the extent found is never smaller
    than calamine's. It is vectorised over each chunk (numpy finds the tags, their names
    and ``r`` values; cumulative sums replay the row and column counters), so there is no
    Python loop per cell: about 3 ms for 1 MiB of an export whose cells all name their
    places (:meth:`_explicit`), more for other XML (:meth:`_usual`, :meth:`_markup`). An
    unfinished tag at the end of a chunk is kept for the next one (at most
    MAX_XML_RUN_BYTES: a tag holds no ``<``).

    The tags are found from ``<`` and ``>`` without an XML parser. That holds for what
    spreadsheet programs write (and for CDATA sections, which are text); XML that could make
    it disagree with calamine raises :class:`_OddXmlError`: a comment, a processing instruction
    after the first markup, ``<!DOCTYPE``, a tag whose quotes do not pair or that does not
    end before the next ``<``, a row or cell inside a cell, a ``</c>`` outside one.
    """

    def __init__(self) -> None:
        self.rows = 0  # last row reached, 1-based (0: no cell yet)
        self.cols = 0  # last column reached, 1-based
        self.row = 0  # calamine's row index (0-based) where the XML fed so far ends
        self.col = 0  # its column index
        self.in_cell: bool | None = False  # inside <c>…</c> (None: not known)
        self.mixed = 0  # tags read so far with both kinds of quote
        self.in_cdata = False  # inside a CDATA section
        self.started = False  # some markup was seen (an XML declaration comes first)
        self.carry = b""  # an unfinished tag from the end of the last chunk
        self.offset = 0  # offset of `carry` in the part

    @property
    def cells(self) -> int:
        """Cells of the grid from A1 to the last row and column reached."""
        return self.rows * self.cols

    def feed(self, chunk: bytes, final: bool = False) -> None:
        """Take the next chunk of the part (`final`: the part ends after it)."""
        data = self.carry + chunk if self.carry else chunk
        base = self.offset
        if self.in_cdata:
            end = data.find(b"]]>")
            if end < 0:
                keep = max(len(data) - 2, 0)
                self.carry, self.offset = data[keep:], base + keep
                return
            data, base, self.in_cdata = data[end + 3 :], base + end + 3, False
        a = np.frombuffer(data, np.uint8)
        n = len(a)
        lt = np.flatnonzero(a == 60)
        # the usual case first: no CDATA (it would start with "<!", which _explicit refuses)
        if len(lt) > 1 or (final and len(lt)):
            limit = n if final else int(lt[-1])
            if self._explicit(a, lt if final else lt[:-1], limit):
                self.carry, self.offset = data[limit:], base + limit
                self.started = True
                return
        bang = lt[lt + 1 < n]
        cdata = bool((a[bang + 1] == 33).any()) and data.find(_CDATA_OPEN) >= 0
        sections = _NONE
        if cdata:
            lt, sections, stops = _cdata_sections(a, lt)
            if len(stops) and stops[-1] == _FAR and not final:  # the last section goes on
                self.in_cdata = True
        is_section = np.isin(lt, sections) if len(sections) else np.zeros(len(lt), bool)
        # markup taken now: all of it at the end, else all but a last tag (kept for the
        # next chunk) or an unfinished section (whose end the next chunk looks for)
        limit = n
        if not final and len(lt) and (self.in_cdata or not is_section[-1]):
            limit = int(lt[-1])
            lt, is_section = lt[:-1], is_section[:-1]
        if self.in_cdata:
            keep = max(n - 2, limit + len(_CDATA_OPEN))
            self.carry, self.offset = data[keep:], base + keep
        elif limit < n:
            self.carry, self.offset = data[limit:], base + limit
        else:
            self.carry, self.offset = b"", base + n
        if not len(lt):
            return
        events = None
        if not cdata:
            # the bytes that delimit tags and attribute values
            at = np.flatnonzero(
                (a[:limit] == 60) | (a[:limit] == 62) | (a[:limit] == 34) | (a[:limit] == 39)
            )
            sym = a[at]
            events = self._usual(a, at, sym, np.flatnonzero(sym == 60), lt, base)
        if events is None:
            events = self._markup(a, lt, is_section, limit, base, final)
        self.started = True
        if events is not None:
            self._place(*events)

    def _explicit(self, a: np.ndarray, lt: np.ndarray, limit: int) -> bool:
        """Take the tags at `lt` (before `limit`) if every cell among them names its place
        first (``<c r="B2"``) and no other ``r=`` is there (no ``=`` has whitespace by it):
        then each cell is where that says, whatever else the XML holds, and the last row
        and column reached are the largest of those places. False (nothing taken) if not,
        or for ``<!…>``, ``<?…?>`` (but an XML declaration first), a prefixed ``c`` or
        ``row`` or a value that is not a reference of at most 3 letters and 7 digits.

        The counters carried on become bounds (:meth:`_place` reads on from them so that
        it can only find more: a later cell without r may be placed a little further than
        calamine places it, never less far). About 3 ms for 1 MiB of an export."""
        n = len(a)
        if limit + 32 > n:  # (the reads below go up to 32 bytes past a tag, "=" or ":")
            a = np.concatenate([a, np.zeros(32, np.uint8)])
        words = np.ndarray((len(a) - 7,), "<u8", a, 0, (1,))  # the 8 bytes from each offset
        w = words[lt]
        second = (w >> np.uint64(8)) & np.uint64(0xFF)
        odd = (second == 33) | (second == 63)
        odd[0] &= self.started or second[0] != 63  # an XML declaration may come first
        if odd.any():
            return False  # <!…>, <?…?>
        six = w & np.uint64(0xFFFFFFFFFFFF)
        cell_r = (six == _CELL_R[0]) | (six == _CELL_R[1])
        cell = np.flatnonzero((w & np.uint64(0xFFFF)) == _word(b"<c"))
        third = ((w[cell] >> np.uint64(16)) & np.uint64(0xFF)).astype(np.uint8)
        cell = cell[_IS_WS[third] | (third == 62) | (third == 47)]
        if len(cell) != np.count_nonzero(cell_r) or not cell_r[cell].all():
            return False  # a cell that does not start with its r
        row_r = (w == _ROW_R[0]) | (w == _ROW_R[1])
        colons = np.flatnonzero(a[:limit] == 58)
        if len(colons):  # ":c" or ":row" and the end of a name: a prefixed name
            b = [a[colons + k] for k in range(1, 6)]
            ends = [_IS_WS[x] | (x == 62) | (x == 47) for x in b]
            if ((b[0] == 99) & ends[1]).any():
                return False
            if ((b[0] == 114) & (b[1] == 111) & (b[2] == 119) & ends[3]).any():
                return False
        eq = np.flatnonzero(a[:limit] == 61)
        n_r = 0
        if len(eq):
            if eq[0] < 2:
                return False
            before, before2, after = a[eq - 1], a[eq - 2], a[eq + 1]
            if (_IS_WS[before] | _IS_WS[after]).any():
                return False
            n_r = np.count_nonzero(
                (before == 114) & (_IS_WS[before2] | (before2 == 34) | (before2 == 39))
            )
        cells, rows_at = lt[cell_r], lt[row_r]
        if n_r != len(cells) + len(rows_at):
            return False  # another attribute r
        rows, cols, ok, after = _leading_references(a, cells + 6, a[cells + 5])
        row_r_rows, _, row_ok, _ = _leading_references(a, rows_at + 8, a[rows_at + 7])
        if not (ok & (cols > 0)).all() or not row_ok.all():
            return False
        valued = ~_empty_cells(a, after)
        # the counters calamine carries on, at most: a row set, one more at each end
        row_starts = np.count_nonzero((w & np.uint64(0xFFFFFFFF)) == _word(b"<row"))
        row_ends = np.count_nonzero((w & np.uint64(0xFFFFFFFFFF)) == _word(b"</row"))
        if len(row_r_rows):
            self.row = max(self.row, int(row_r_rows.max()) - 1)
        self.row += row_starts + row_ends
        if valued.any():
            self.rows = max(self.rows, int(rows[valued].max()))
            self.cols = max(self.cols, int(cols[valued].max()))
        if len(cells):
            self.col = max(self.col, int(cols.max()))
        self.in_cell = None
        return True

    def _usual(
        self,
        a: np.ndarray,
        at: np.ndarray,
        sym: np.ndarray,
        l_sym: np.ndarray,
        lp: np.ndarray,
        base: int,
    ) -> tuple[np.ndarray, ...] | None:
        """The events of the tags starting at `lp` when all of them are in the forms
        spreadsheet programs write, else None (:meth:`_markup` then reads them), from the
        offsets `at` of the bytes ``< > " '`` before the next tag and those bytes `sym`
        (`l_sym`: where in them the tags start). Each tag then reads ``<``, pairs of one
        kind of quote, ``>``: the first ``>`` after a ``<`` ends its tag (another is text), no
        value holds a quote; a cell's or row's values follow ``=`` with no whitespace; no
        name has a prefix; no end tag has whitespace; no comment, no ``<?…?>``.

        Found with a few comparisons over those bytes, not a search per tag: about 6 ms
        for 1 MiB of an export (the general reading takes about 25 ms)."""
        n = len(a)
        tagged = _tag_symbols(at, sym, l_sym)
        if tagged is None:
            return None  # a "<" before the ">" of the tag before it
        at, sym, l_sym, g_sym = tagged
        inner = g_sym - l_sym - 1
        if (inner & 1).any():
            return None  # quotes that do not pair in a tag
        quotes = np.flatnonzero(sym < 60)
        opening, closing = quotes[0::2], quotes[1::2]
        if (sym[opening] != sym[closing]).any():
            return None  # a value that holds a quote
        gp = at[g_sym]
        second = a[lp + 1]
        if ((second == 33) | (second == 63)).any():
            return None  # <!…>, <?…?>
        if not self._plain_names(a, lp, gp):
            return None
        if lp[-1] + 6 > n:  # a tag at the very end: read no further than the end
            a = np.append(a, np.zeros(6, np.uint8))
        tags = len(lp)
        cell = np.zeros(tags, bool)
        row_start, cell_end, row_end = cell.copy(), cell.copy(), cell.copy()
        i = np.flatnonzero(second == 99)  # <c …>, <c>, <c/>
        b2, b3 = a[lp[i] + 2], a[lp[i] + 3]
        cell[i] = _IS_WS[b2] | (b2 == 62) | ((b2 == 47) & (b3 == 62))
        i = np.flatnonzero(second == 114)  # <row …>, <row>, <row/>
        b2, b3, b4, b5 = (a[lp[i] + k] for k in range(2, 6))
        row_start[i] = (b2 == 111) & (b3 == 119)
        row_start[i] &= _IS_WS[b4] | (b4 == 62) | ((b4 == 47) & (b5 == 62))
        i = np.flatnonzero(second == 47)  # </c>, </row>
        b2 = a[lp[i] + 2]
        c, r = i[b2 == 99], i[b2 == 114]
        c3 = a[lp[c] + 3]
        cell_end[c] = c3 == 62
        r3, r4, r5 = (a[lp[r] + k] for k in (3, 4, 5))
        row_end[r] = (r3 == 111) & (r4 == 119) & (r5 == 62)
        if _IS_WS[c3].any() or ((r3 == 111) & (r4 == 119) & _IS_WS[r5]).any():
            return None  # "</c >", "</row >"
        # the values of the cells' and rows' attributes named r
        starts = cell | row_start
        pair_tag = np.repeat(np.arange(tags), inner // 2)
        want = starts[pair_tag]
        pair_tag = pair_tag[want]
        po, pc = at[opening[want]], at[closing[want]]
        p1, p2, p3, p4 = (a[po - k] for k in (1, 2, 3, 4))
        if (p1 != 61).any() or _IS_WS[p2].any():
            return None  # whitespace around "=", or a value without its "="
        name_end = lp[pair_tag] + np.where(row_start[pair_tag], 4, 2)
        quoted3, quoted4 = (p3 == 34) | (p3 == 39), (p4 == 34) | (p4 == 39)
        r_space = (p2 == 114) & _IS_WS[p3]
        if (r_space & (po - 3 != name_end) & _IS_WS[p4]).any():
            return None  # more whitespace before "r"
        # "r" right after the value before, or one whitespace after it or the tag's name
        is_r = ((p2 == 114) & quoted3) | (r_space & ((po - 3 == name_end) | quoted4))
        ref_row = np.zeros(tags, np.int64)
        ref_col = np.zeros(tags, np.int64)
        if is_r.any():
            t = pair_tag[is_r]
            rows, cols = _references(a, po[is_r] + 1, pc[is_r] - po[is_r] - 1)
            if len(t) > 1 and not (np.diff(t) > 0).all():  # a tag with two r: the largest
                np.maximum.at(ref_row, t, rows)
                np.maximum.at(ref_col, t, cols)
            else:
                ref_row[t], ref_col[t] = rows, cols
        events = np.flatnonzero(starts | cell_end | row_end)
        if not len(events):
            return None
        ends = gp[events]
        self_closing = starts[events] & (a[ends - 1] == 47)
        return (
            cell[events],
            row_start[events],
            row_end[events] | (row_start[events] & self_closing),
            cell_end[events],
            self_closing,
            ref_row[events],
            ref_col[events],
            base + lp[events],
        )

    @staticmethod
    def _plain_names(a: np.ndarray, lp: np.ndarray, gp: np.ndarray) -> bool:
        """No tag starting at `lp` (ending at `gp`) has a ":" in its name (before its first
        whitespace, as far as 16 bytes tell)."""
        colons = np.flatnonzero(a[: gp[-1]] == 58)
        t = np.searchsorted(lp, colons, "right") - 1
        keep = t >= 0
        t, colons = t[keep], colons[keep]
        keep = colons < gp[t]
        t, colons = t[keep], colons[keep]
        if not len(t):
            return True
        w = 16
        spaces = _IS_WS[a[np.minimum(lp[t][:, None] + 1 + np.arange(w), len(a) - 1)]]
        first = np.where(spaces.any(axis=1), spaces.argmax(axis=1), w)
        return not ((colons - lp[t] - 1 < first) | (first == w)).any()

    def _markup(
        self,
        a: np.ndarray,
        lt: np.ndarray,
        is_section: np.ndarray,
        limit: int,
        base: int,
        final: bool,
    ) -> tuple[np.ndarray, ...] | None:
        """The events of the markup `lt` before `limit` (general reading: any XML it can
        place as calamine does, else :class:`_OddXmlError`); None when there are none."""
        n = len(a)
        following = np.append(lt[1:], limit)  # where the next markup starts
        first_markup = not self.started
        tags, following = lt[~is_section], following[~is_section]
        gt = _next_at(np.flatnonzero(a == 62), tags)
        closed = gt < _FAR
        if final:  # an unfinished last tag: calamine fails on it, it places nothing
            tags, following, gt = tags[closed], following[closed], gt[closed]
        if not len(tags):
            return None
        bad = np.flatnonzero(gt >= following)
        if len(bad):
            raise _OddXmlError(
                "a tag that does not end before the next '<'", base + int(tags[bad[0]])
            )
        quotes = np.flatnonzero((a == 34) | (a == 39))
        dquotes = np.flatnonzero(a == 34)
        q_from = np.searchsorted(quotes, tags)
        n_quotes = np.searchsorted(quotes, gt) - q_from
        n_double = np.searchsorted(dquotes, gt) - np.searchsorted(dquotes, tags)
        mixed = np.flatnonzero((n_double > 0) & (n_quotes > n_double))
        if len(mixed):  # both kinds of quote in a tag: keep those that delimit values
            quotes = self._delimiters(a, tags[mixed], gt[mixed], quotes, base)
            q_from = np.searchsorted(quotes, tags)
            n_quotes = np.searchsorted(quotes, gt) - q_from
        bad = np.flatnonzero(n_quotes % 2 == 1)
        if len(bad):
            raise _OddXmlError("a tag whose quotes do not pair", base + int(tags[bad[0]]))
        second = a[tags + 1]
        bad = np.flatnonzero((second == 33) | (second == 63))  # <!… (not CDATA), <?…
        declaration = first_markup and tags[0] == lt[0] and second[0] == 63  # <?xml …?>
        if len(bad) and not (declaration and len(bad) == 1 and bad[0] == 0):
            at = base + int(tags[bad[0]])
            if second[bad[0]] == 63:
                raise _OddXmlError("a processing instruction after the start", at)
            raise _OddXmlError("an XML comment or <!DOCTYPE>", at)
        # names: up to the first whitespace (or the "/" of a self-closing tag), local part
        # after the first ":" (as quick-xml reads them)
        end_tag = second == 47
        start = ~end_tag & (second != 33) & (second != 63)
        self_closing = start & (a[gt - 1] == 47)
        name_from = tags + 1 + end_tag
        ws = np.flatnonzero(a <= 32)
        ws = ws[_IS_WS[a[ws]]]
        first_ws = _next_at(ws, name_from)
        name_end = np.minimum(first_ws, gt - self_closing)
        # an end tag's name is all up to ">", less trailing whitespace: "</row x>" is no row
        junk = end_tag & (first_ws < gt)
        junk &= np.searchsorted(ws, gt) - np.searchsorted(ws, first_ws) != gt - first_ws
        colon = _next_at(np.flatnonzero(a == 58), name_from)
        local = np.where(colon < name_end, colon + 1, name_from)
        size = name_end - local
        b0, b1, b2 = (a[np.minimum(local + i, n - 1)] for i in range(3))
        is_c = (size == 1) & (b0 == 99) & ~junk
        is_row = (size == 3) & (b0 == 114) & (b1 == 111) & (b2 == 119) & ~junk
        cell, row_start = is_c & start, is_row & start
        ref_row, ref_col = self._r_values(
            a, tags, gt, name_end, cell | row_start, quotes, q_from, ws
        )
        events = np.flatnonzero(is_c | is_row)
        if not len(events):
            return None
        return (
            cell[events],
            row_start[events],
            (is_row & end_tag)[events] | (row_start & self_closing)[events],
            (is_c & end_tag)[events],
            self_closing[events],
            ref_row[events],
            ref_col[events],
            base + tags[events],
        )

    def _delimiters(
        self, a: np.ndarray, tags: np.ndarray, gt: np.ndarray, quotes: np.ndarray, base: int
    ) -> np.ndarray:
        """`quotes` less those inside a value of the `tags` (ending at `gt`) that hold
        both kinds of quote ("it's" in ``a="it's"``), found tag by tag: no spreadsheet
        program writes such tags, so there are few (more than _MIXED_TAGS in a sheet are
        refused rather than read slowly)."""
        self.mixed += len(tags)
        if self.mixed > _MIXED_TAGS:
            raise _OddXmlError(
                f"more than {_MIXED_TAGS:,} tags with both kinds of quote", base + int(tags[0])
            )
        inner = []
        for start, end in zip(tags.tolist(), gt.tolist(), strict=True):
            text = a[start : end + 1].tobytes()
            at = 0
            while True:
                dq, sq = text.find(b'"', at), text.find(b"'", at)
                opening = min(dq, sq) if dq >= 0 and sq >= 0 else max(dq, sq)
                if opening < 0:
                    break
                closing = text.find(text[opening : opening + 1], opening + 1)
                if closing < 0:  # the tag's ">" is inside this value
                    raise _OddXmlError("a tag whose quotes do not pair", base + start)
                other = b"'" if text[opening] == 34 else b'"'
                i = text.find(other, opening + 1, closing)
                while i >= 0:
                    inner.append(start + i)
                    i = text.find(other, i + 1, closing)
                at = closing + 1
        return np.setdiff1d(quotes, np.array(inner, np.int64), assume_unique=True)

    @staticmethod
    def _r_values(
        a: np.ndarray,
        tags: np.ndarray,
        gt: np.ndarray,
        name_end: np.ndarray,
        wanted: np.ndarray,
        quotes: np.ndarray,
        q_from: np.ndarray,
        ws: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Row and column (1-based; 0: none) of the ``r`` attribute of the `wanted` tags."""
        ref_row = np.zeros(len(tags), np.int64)
        ref_col = np.zeros(len(tags), np.int64)
        eq = np.flatnonzero(a == 61)
        t = np.maximum(np.searchsorted(tags, eq, "right") - 1, 0)
        keep = wanted[t] & (eq > tags[t]) & (eq > name_end[t]) & (eq < gt[t])
        eq, t = eq[keep], t[keep]
        q = np.searchsorted(quotes, eq)
        quoted = q - q_from[t]
        keep = quoted % 2 == 0  # an "=" outside the values
        eq, t, q, quoted = eq[keep], t[keep], q[keep], quoted[keep]
        # the attribute's name: from the end of the value before (or of the tag's name) to
        # "=", less whitespace; it is "r" when that holds one byte other than whitespace
        # and it is an "r"
        key_from = np.where(quoted > 0, quotes[np.maximum(q - 1, 0)] + 1, name_end[t])
        spaces = np.searchsorted(ws, eq) - np.searchsorted(ws, key_from)
        rs = np.flatnonzero(a == 114) if len(eq) else _NONE
        is_r = eq - key_from - spaces == 1
        is_r &= np.searchsorted(rs, eq) - np.searchsorted(rs, key_from) == 1
        eq, t, q = eq[is_r], t[is_r], q[is_r]
        # its value: whitespace, a quote, the value, the same quote (the tag's quotes pair)
        opened = quotes[np.minimum(q, len(quotes) - 1)] if len(quotes) else eq
        keep = (q + 1 < len(quotes)) & (opened < gt[t])
        keep &= np.searchsorted(ws, opened) - np.searchsorted(ws, eq) == opened - eq - 1
        eq, t, q, opened = eq[keep], t[keep], q[keep], opened[keep]
        if not len(eq):
            return ref_row, ref_col
        closed = quotes[q + 1]
        rows, cols = _references(a, opened + 1, closed - opened - 1)
        if len(t) > 1 and not (np.diff(t) > 0).all():  # a tag with two r: the largest
            np.maximum.at(ref_row, t, rows)
            np.maximum.at(ref_col, t, cols)
        else:
            ref_row[t], ref_col[t] = rows, cols
        return ref_row, ref_col

    def _place(
        self,
        cell: np.ndarray,
        row_start: np.ndarray,
        row_end: np.ndarray,
        cell_end: np.ndarray,
        self_closing: np.ndarray,
        ref_row: np.ndarray,
        ref_col: np.ndarray,
        at: np.ndarray,
    ) -> None:
        """Replay calamine's row and column counters over the events (in order) of rows and
        cells, and take the last row and column the cells reach."""
        if self.in_cell is None:  # not known after a chunk taken by _explicit
            first = np.flatnonzero(cell | cell_end)[:1]
            k = int(first[0]) if len(first) else len(cell)
            if k:
                # rows before the first cell or </c> may be inside a cell (that calamine
                # reads past): let them only raise the row, and reset no column
                sets = row_start[:k] & (ref_row[:k] > 0)
                if sets.any():
                    self.row = max(self.row, int(ref_row[:k][sets].max()) - 1)
                self.row += int(row_end[:k].sum())
            if k == len(cell):
                return
            self.in_cell = bool(cell_end[k])
            cell, row_start, row_end, cell_end = cell[k:], row_start[k:], row_end[k:], cell_end[k:]
            self_closing, ref_row, ref_col, at = self_closing[k:], ref_row[k:], ref_col[k:], at[k:]
        # calamine reads a cell's content to its </c>: a row or cell there is not one
        opened = cell & ~self_closing
        before = np.append(self.in_cell, opened[:-1])
        bad = np.flatnonzero(before != cell_end)
        if len(bad):
            raise _OddXmlError(
                "a row or cell inside a cell, or a </c> outside one", int(at[bad[0]])
            )
        self.in_cell = bool(opened[-1])
        sets = row_start & (ref_row > 0)
        explicit = cell & (ref_row > 0) & (ref_col > 0)
        if (explicit == cell).all():  # every cell has its reference: nothing to count
            last = np.flatnonzero(sets)[-1:]
            if len(last):
                self.row = int(ref_row[last[0]] - 1 + row_end[last[0] :].sum())
            else:
                self.row += int(row_end.sum())
            last = np.flatnonzero(row_end | explicit)[-1:]
            if len(last):
                self.col = 0 if row_end[last[0]] else int(ref_col[last[0]])
            valued = cell & ~self_closing  # a cell "<c …/>" has no value: calamine leaves it out
            if valued.any():
                self.rows = max(self.rows, int(ref_row[valued].max()))
                self.cols = max(self.cols, int(ref_col[valued].max()))
            return
        index = np.arange(len(cell))
        # row: set by <row r>, one more at each </row>
        ends_before = np.cumsum(row_end) - row_end
        origin = np.where(sets, ref_row - 1 - ends_before, 0)
        last_set = np.maximum.accumulate(np.where(sets, index, -1))
        row_base = np.where(last_set >= 0, origin[np.maximum(last_set, 0)], self.row)
        row = row_base + ends_before
        # column: back to 0 at </row>, set by <c r> (to the one after it), one more a cell
        resets = row_end | explicit
        cells_before = np.cumsum(cell) - cell
        origin = np.where(explicit, ref_col, 0) - cells_before - cell
        last_reset = np.maximum.accumulate(np.where(resets, index, -1))
        col_base = np.where(last_reset >= 0, origin[np.maximum(last_reset, 0)], self.col)
        col = col_base + cells_before
        self.row = int(row_base[-1] + ends_before[-1] + row_end[-1])
        self.col = int(col_base[-1] + cells_before[-1] + cell[-1])
        valued = cell & ~self_closing  # a cell "<c …/>" has no value: calamine leaves it out
        if valued.any():
            rows = np.where(explicit, ref_row - 1, row)[valued]
            cols = np.where(explicit, ref_col - 1, col)[valued]
            self.rows = max(self.rows, int(rows.max()) + 1)
            self.cols = max(self.cols, int(cols.max()) + 1)


def _column_letters(number: int) -> str:
    """Excel's letters of the 1-based column `number` (1 -> A, 16,384 -> XFD)."""
    letters = ""
    while number > 0:
        number, rem = divmod(number - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _mib(n: int) -> str:
    return f"{n / (1 << 20):,.0f} MiB"


_ZIP_READ = (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, EOFError, OSError, ValueError)
_BINARY_SUFFIXES = (
    ".png", ".jpg", ".jpeg", ".jfif", ".gif", ".bmp", ".tif", ".tiff", ".emf", ".wmf", ".wdp",
    ".bin",
)  # fmt: skip
# the relationships of the workbook name its sheets: calamine reads a sheet from the target of
# a relationship of a sheet type, or (older versions) from any target in a sheet folder,
# whatever the part's own name
_WORKBOOK_RELS = "workbook.xml.rels"
_RELATIONSHIP = re.compile(rb"""<(?:[\w.-]+:)?Relationship\b((?:[^>"']|"[^"]*"|'[^']*')*)>""")
_ATTRIBUTE = re.compile(rb"""\b(Type|Target|Id)\s*=\s*(["'])(.*?)\2""", re.S)
# the workbook's list of sheets, for the names shown in messages
_WORKBOOK = "workbook.xml"
_SHEET_TAG = re.compile(rb"""<(?:[\w.-]+:)?sheet\b((?:[^>"']|"[^"]*"|'[^']*')*)>""")
_SHEET_ATTRIBUTE = re.compile(rb"""(?:^|\s)(name|[\w.-]+:id)\s*=\s*(["'])(.*?)\2""", re.S)
_SHEET_TYPE = re.compile(rb"(?:work|chart|dialog|macro|xlMacro|xlIntlMacro)sheet$", re.I)
_SHEET_FOLDER = re.compile(r"(?:^|/)(?:work|chart|dialog|macro)sheets/", re.I)
_RELS_KEPT = 16 << 20  # a relationships part longer than this is not parsed (no exemptions)


def _read_targets(rels: bytes) -> set[str]:
    """Lower-case file names of the parts a workbook's relationships name as sheets."""
    out = set()
    for tag in _RELATIONSHIP.finditer(rels):
        attrs = {k: v for k, _, v in _ATTRIBUTE.findall(tag.group(1))}
        target = attrs.get(b"Target", b"").decode("utf-8", "replace").replace("\\", "/")
        if _SHEET_TYPE.search(attrs.get(b"Type", b"")) or _SHEET_FOLDER.search(target):
            out.add(target.rsplit("/", 1)[-1].lower())
    return out


def _sheet_names(workbook: bytes, rels: bytes) -> dict[str, str]:
    """Names of the sheets (as Excel shows them, one line) by the lower-case file name of
    their part; a part two sheets name, or none, is left out."""
    targets: dict[bytes, str] = {}
    for tag in _RELATIONSHIP.finditer(rels):
        attrs = {k: v for k, _, v in _ATTRIBUTE.findall(tag.group(1))}
        target = attrs.get(b"Target", b"").decode("utf-8", "replace").replace("\\", "/")
        targets[attrs.get(b"Id", b"")] = target.rsplit("/", 1)[-1].lower()
    names: dict[str, str | None] = {}
    for tag in _SHEET_TAG.finditer(workbook):
        attrs = {k.split(b":")[-1]: v for k, _, v in _SHEET_ATTRIBUTE.findall(tag.group(1))}
        part = targets.get(attrs.get(b"id", b""))
        if part is not None and b"name" in attrs:
            text = html.unescape(attrs[b"name"].decode("utf-8", "replace"))
            names[part] = None if part in names else display_text(text)
    return {k: v for k, v in names.items() if v is not None}


def _stream(book: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The decompressed bytes of one member in chunks of at most 1 MiB, read to the end of
    its compressed data whatever size its headers declare."""
    unbounded = copy.copy(info)
    unbounded.file_size = 1 << 62  # do not stop at the declared size; the caller caps
    with book.open(unbounded) as fh:
        while chunk := fh.read(1 << 20):
            yield chunk


def _part_order(info: zipfile.ZipInfo) -> int:
    """The workbook's relationships first, then the workbook, then the rest as zipped."""
    lower = info.filename.lower()
    return (
        0 if lower.endswith(_WORKBOOK_RELS) else 1 if lower.rsplit("/", 1)[-1] == _WORKBOOK else 2
    )


def check_workbook(data: bytes, name: str, fmt: str) -> dict[str, tuple[int, int]]:
    """Refuse a zip workbook with a part, the whole, a cell or a sheet's span over the
    limits, before a reader parses it. A chunk of 1 MiB is held at a time (and the workbook's
    relationships and list of sheets, parsed for the sheets' parts and names, up to 16 MiB).

    Returns the last row and column (1-based) the cells of each sheet reach, by part name."""
    refuse = (
        "; split the export (e.g. one file per year) or save it as CSV, then read that / "
        "超过大小上限，请拆分导出（如按年）或另存为 CSV，文件未读取"
    )
    book, members = _open_workbook(data, name, fmt, refuse)
    # the workbook's relationships first: they name the sheets, whatever their names (only a
    # picture or other binary part that no relationship names as a sheet is not read as XML);
    # then the workbook, for the names of the sheets in messages
    members.sort(key=_part_order)
    return _scan_parts(book, members, name, fmt, refuse)


def _open_workbook(
    data: bytes, name: str, fmt: str, refuse: str
) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    """The zip of a workbook and its file parts, refused when a part or the whole declares
    more bytes than the limits, or a part uses a compression Excel does not write."""
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        members = [i for i in book.infolist() if not i.is_dir()]
    except _ZIP_READ as exc:
        raise FileFormatError(
            f"{name}: cannot read it as an Excel {fmt} workbook ({type(exc).__name__}: {exc}). "
            "The file may be truncated, encrypted or not a workbook / 无法作为 Excel 工作簿读取"
        ) from exc
    declared = 0
    for info in members:
        declared += info.file_size
        if info.file_size > MAX_PART_BYTES:
            raise FileFormatError(
                f"{name}: part {info.filename} is {_mib(info.file_size)} uncompressed, over the "
                f"limit of {_mib(MAX_PART_BYTES)} per part{refuse}"
            )
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise FileFormatError(
                f"{name}: part {info.filename} uses zip compression method "
                f"{info.compress_type}, which Excel does not write; save the workbook again "
                "from Excel or WPS / 工作簿压缩方式不受支持，请用 Excel 或 WPS 重新保存"
            )
    if declared > MAX_WORKBOOK_BYTES:
        raise FileFormatError(
            f"{name}: its parts are {_mib(declared)} uncompressed together, over the limit of "
            f"{_mib(MAX_WORKBOOK_BYTES)} per workbook{refuse}"
        )
    return book, members


def _scan_parts(
    book: zipfile.ZipFile, members: list[zipfile.ZipInfo], name: str, fmt: str, refuse: str
) -> dict[str, tuple[int, int]]:
    """Stream every part of `book` once, refusing a part or the whole over the size limits,
    a cell over the text limit or a sheet over the cell limit; the span of each sheet."""
    parsed: set[str] | None = set()
    names: dict[str, str] = {}
    spans: dict[str, tuple[int, int]] = {}
    rels_kept: list[bytes] = []
    total = 0
    for info in members:
        base = info.filename.rsplit("/", 1)[-1].lower()
        is_rels = base.endswith(_WORKBOOK_RELS)
        is_workbook = base == _WORKBOOK
        binary = parsed is not None and base.endswith(_BINARY_SUFFIXES) and base not in parsed
        runs = None if binary else _Runs(b"<", MAX_XML_RUN_BYTES)
        # every part calamine may read as a sheet: its cells may span at most MAX_SHEET_CELLS
        is_sheet = not binary and (
            parsed is None or base in parsed or bool(_SHEET_FOLDER.search(info.filename))
        )
        extent = _SheetExtent() if is_sheet else None
        sheet = f"part {info.filename}"
        if base in names:
            sheet = f"sheet {names[base]} ({sheet})"
        size, kept = 0, []
        try:
            for chunk in _stream(book, info):
                size += len(chunk)
                total += len(chunk)
                if size > MAX_PART_BYTES:
                    raise FileFormatError(
                        f"{name}: part {info.filename} is over {_mib(MAX_PART_BYTES)} "
                        f"uncompressed (more than its header declares), over the limit per "
                        f"part{refuse}"
                    )
                if total > MAX_WORKBOOK_BYTES:
                    raise FileFormatError(
                        f"{name}: its parts are over {_mib(MAX_WORKBOOK_BYTES)} uncompressed "
                        f"together, over the limit per workbook{refuse}"
                    )
                at = runs.feed(chunk) if runs is not None else None
                if at is not None:
                    raise FileFormatError(
                        f"{name}: part {info.filename} holds a text of more than "
                        f"{MAX_XML_RUN_BYTES:,} bytes from byte {at:,}, a cell over the limit "
                        f"of {MAX_CELL_CHARS:,} characters (Excel's own); the file is refused "
                        f"before reading / 单元格超过每格 {MAX_CELL_CHARS:,} 字符的上限，文件未读取"
                    )
                if extent is not None:
                    extent.feed(chunk)
                    if extent.cells > MAX_SHEET_CELLS:
                        raise _too_many_cells(name, sheet, extent)
                if (is_rels and parsed is not None) or is_workbook:
                    kept.append(chunk)
                    if size > _RELS_KEPT:  # not a real workbook's: trust no name from now on
                        kept = []
                        if is_rels:
                            parsed = None
                        is_workbook = False
            if extent is not None:
                extent.feed(b"", final=True)
                if extent.cells > MAX_SHEET_CELLS:
                    raise _too_many_cells(name, sheet, extent)
                spans[info.filename] = (extent.rows, extent.cols)
        except _OddXmlError as odd:
            raise FileFormatError(
                f"{name}: {sheet} holds XML that Excel and WPS never write ({odd.what}, at byte "
                f"{odd.at:,}), so the cells it spans cannot be counted before reading; the file "
                "is refused. Open it in Excel or WPS and save it again, then read that / "
                "工作表含有 Excel 和 WPS 不会写出的 XML，无法在读取前检查其范围，文件未读取；"
                "请用 Excel 或 WPS 重新保存"
            ) from None
        except FileFormatError:
            raise
        except (*_ZIP_READ, zlib.error) as exc:
            raise FileFormatError(
                f"{name}: cannot read part {info.filename} of the Excel {fmt} workbook "
                f"({type(exc).__name__}: {exc}). The file may be truncated or corrupt / "
                "工作簿已损坏，无法读取"
            ) from exc
        if is_rels and parsed is not None:
            rels_kept += kept
            parsed |= _read_targets(b"".join(kept))
        if is_workbook and parsed is not None:
            names = _sheet_names(b"".join(kept), b"".join(rels_kept))
    return spans


def _too_many_cells(name: str, sheet: str, extent: _SheetExtent) -> FileFormatError:
    """The refusal of a sheet whose cells span more than MAX_SHEET_CELLS from A1."""
    advice = (
        "the file is refused before reading. Delete the cells far outside the table (Ctrl+End "
        "in Excel goes to the last one) and save it again / "
    )
    if max(extent.rows, extent.cols) >= _BEYOND:
        return FileFormatError(
            f"{name}: {sheet} holds a cell reference beyond Excel's last cell XFD1048576 (more "
            f"than 3 letters or 7 digits), so the cells it spans cannot be bounded; {advice}"
            "单元格引用超出 Excel 的范围 (XFD1048576)，文件未读取"
        )
    last = f"{_column_letters(extent.cols)}{extent.rows}"
    return FileFormatError(
        f"{name}: {sheet} has cells reaching row {extent.rows:,} and column "
        f"{_column_letters(extent.cols)} ({extent.cols:,}), so reading it fills the "
        f"{extent.cells:,} cells of A1:{last}, over the limit of {MAX_SHEET_CELLS:,} cells per "
        f"sheet; {advice}工作表范围 A1:{last} 超过每表 {MAX_SHEET_CELLS:,} 个单元格的上限，"
        "文件未读取；请删除表格外远处的单元格后重新保存"
    )


def check_csv(data: bytes, name: str) -> None:
    """Refuse a CSV holding a field certainly longer than the limit, before decoding it."""
    at = _Runs(b",\n\r\t", MAX_CSV_RUN_BYTES).feed(data)
    if at is not None:
        line = data.count(b"\n", 0, at) + 1
        raise FileFormatError(
            f"{name}: line {line:,} holds a field of more than {MAX_CSV_RUN_BYTES:,} bytes, "
            f"over the limit of {MAX_CELL_CHARS:,} characters per cell (Excel's own); the file "
            f"is refused before reading / 字段超过每格 {MAX_CELL_CHARS:,} 字符的上限，文件未读取"
        )
