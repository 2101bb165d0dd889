"""Privacy scanner for outputs that leave the centre (police and public releases).

:func:`scan_outputs` looks through the files of a release for Chinese resident ID numbers,
mobile and landline phone numbers, work-injury decision numbers (the shapes of
:func:`trafficprev.privacy.find_shapes`, the one set of patterns the redactor uses too) and
any value the caller forbids (worker names, ID numbers, phones and decision numbers taken from
the input, see :func:`forbidden_values` and :func:`trafficprev.privacy.personal_values`). It
reads text files (HTML, JS, JSON, GeoJSON, CSV, TXT, Markdown), Excel workbooks (every cell of
every sheet, sheet names, comments and document properties) and GeoPackages (every column of
every layer, and the column names). Text is also scanned after HTML-entity decoding and after
JSON ``\\uXXXX`` decoding, because folium writes Chinese as ``\\uXXXX`` inside GeoJSON. A
finding in a map names its field: the GeoJSON property, popup row or tooltip, and the layer.

:func:`check_shared_outputs` is the run's fail-closed gate: it scans the shared files of a
run folder and raises :class:`~trafficprev._errors.PersonalDataError` (one line: file,
field, kind) on any finding.

All detection is regular expressions over whole texts (cells and table columns are joined
first) and set lookups, so a 10 MB HTML map is scanned in seconds without per-character
Python loops, however many values are forbidden.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import html
import json
import os
import re
import time
import warnings
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ._errors import ArgumentError, InputFileNotFoundError, PersonalDataError
from .privacy import PersonalValues, find_shapes, fold_width, personal_values
from .release import policy

__all__ = [
    "KINDS",
    "SHARED_OUTPUTS",
    "check_shared_outputs",
    "forbidden_values",
    "mask",
    "scan_outputs",
]

#: Kinds a finding can have (``not_scanned`` marks files the scanner cannot read).
KINDS: tuple[str, ...] = ("id_number", "phone", "decision_no", "name", "not_scanned")
#: The files of a run folder that leave the centre (checked by :func:`check_shared_outputs`).
SHARED_OUTPUTS: tuple[str, ...] = ("sites.xlsx", "sites.gpkg", "maps/*.html")

_COLUMNS = ["file", "where", "field", "kind", "match"]
_TEXT_SUFFIXES = {
    *(".html", ".htm", ".js", ".json", ".geojson", ".csv", ".txt", ".md"),
    *(".tsv", ".xml", ".svg", ".kml"),
}
_HTML_SUFFIXES = {".html", ".htm"}
_SKIPPED_SUFFIXES = {".png", ".pdf"}
_SHAPES = {"id_number", "phone", "decision_no"}  # shapes the scanner reports (not plates)
_JSON_ESCAPE = re.compile(r"\\u[0-9a-fA-F]{4}(?:\\u[0-9a-fA-F]{4})*")
# runs of the entities html.unescape decodes (its pattern, CPython Lib/html/__init__.py)
_ENTITY = r"&(?:#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)"
_HTML_ENTITY = re.compile(rf"{_ENTITY}(?:{_ENTITY})*")
_DATA_URI = re.compile(r"data:text/html[^,\"'\s]{0,80};base64,([A-Za-z0-9+/=]{16,})")
_SEP = "\x00"


def mask(value: str) -> str:
    """Mask a finding: keep the first 3 and last 2 characters, star the rest.

    Values of 5 characters or fewer keep only their first character.

    Examples
    --------
    >>> mask("439902197209190639")
    '439*************39'
    >>> mask("测试甲一")
    '测***'
    """
    n = len(value)
    if n <= 5:
        return value[:1] + "*" * (n - 1)
    return value[:3] + "*" * (n - 5) + value[-2:]


# --------------------------------------------------------------------------- forbidden values


def _prepare_forbidden(forbidden: Iterable[str] | PersonalValues, kinds: set[str]):
    """`forbidden` as :class:`~trafficprev.privacy.PersonalValues` of the wanted kinds."""
    wanted = kinds & {"id_number", "phone", "decision_no", "name"}
    if isinstance(forbidden, PersonalValues):
        if forbidden.kinds <= wanted:
            return forbidden
        return PersonalValues(
            {d: k for d, k in forbidden.digits.items() if k in wanted},
            {w: k for w, k in forbidden.words.items() if k in wanted},
        )
    return PersonalValues.of(forbidden, wanted)


def forbidden_values(protected: pd.DataFrame, cases: pd.DataFrame) -> list[str]:
    """The input's personal values to look for in outputs.

    Parameters
    ----------
    protected
        Intake's protected table; the columns ``worker_name``, ``id_number`` and ``phone`` are
        used where present.
    cases
        The cases; its ``decision_no`` column is used where present.

    Returns
    -------
    list of str
        Distinct non-empty values, stripped, sorted. Values of one character are left out.
    """
    values: set[str] = set()
    for frame, cols in (
        (protected, ("worker_name", "id_number", "phone")),
        (cases, ("decision_no",)),
    ):
        for col in cols:
            if frame is None or col not in frame.columns:
                continue
            series = frame[col].dropna().astype(str).str.strip()
            values.update(v for v in series.unique() if len(v) >= 2 and v.lower() != "nan")
    return sorted(values)


# --------------------------------------------------------------------------- text decoding


@dataclass(frozen=True)
class _Map:
    """Positions in a decoded text -> positions in the text it was decoded from.

    Piece ``i`` starts at ``new_start[i]`` in the decoded text and at ``old_start[i]`` in the
    source; a position ``d`` characters into it maps to ``old_start[i] + stride[i] * d``
    (stride 1: copied text; 6: a run of ``\\uXXXX`` escapes; 0: anything else, mapped to the
    start of its source).
    """

    new_start: np.ndarray
    old_start: np.ndarray
    stride: np.ndarray

    def __call__(self, pos: np.ndarray) -> np.ndarray:
        i = np.searchsorted(self.new_start, pos, side="right") - 1
        return self.old_start[i] + self.stride[i] * (pos - self.new_start[i])


def _decode(
    text: str, pattern: re.Pattern[str], replace: Callable[[str], str], width: int = 0
) -> tuple[str, _Map] | None:
    """Replace every match of `pattern`, keeping a position map; None when nothing changes.

    `width` > 0 declares that each decoded character comes from `width` source characters
    whenever the lengths agree (runs of ``\\uXXXX`` escapes), for exact positions inside runs.
    """
    pieces: list[str] = []
    new_start: list[int] = []
    old_start: list[int] = []
    stride: list[int] = []
    old = new = 0
    for m in pattern.finditer(text):
        src = m.group(0)
        rep = replace(src)
        if rep == src:
            continue
        if m.start() > old:
            pieces.append(text[old : m.start()])
            new_start.append(new)
            old_start.append(old)
            stride.append(1)
            new += m.start() - old
        pieces.append(rep)
        new_start.append(new)
        old_start.append(m.start())
        stride.append(width if width and len(src) == width * len(rep) else 0)
        new += len(rep)
        old = m.end()
    if not pieces:
        return None
    pieces.append(text[old:])
    new_start.append(new)
    old_start.append(old)
    stride.append(1)
    maps = _Map(np.array(new_start), np.array(old_start), np.array(stride))
    return "".join(pieces), maps


def _unescape_json(run: str) -> str:
    """Decode a run of ``\\uXXXX`` escapes (surrogate pairs joined, lone ones replaced)."""
    units = np.array([int(run[k + 2 : k + 6], 16) for k in range(0, len(run), 6)], dtype="<u2")
    return units.tobytes().decode("utf-16-le", errors="replace")


def _variants(text: str) -> list[tuple[str, str, list[_Map]]]:
    """(label, text, maps back to the original) for the original and its decoded forms."""
    out: list[tuple[str, str, list[_Map]]] = [("", text, [])]
    js = _decode(text, _JSON_ESCAPE, _unescape_json, 6) if "\\u" in text else None
    if js is not None:
        out.append(("\\u-decoded", js[0], [js[1]]))
    for label, base, maps in list(out):
        # twice: folium's srcdoc popups hold HTML escaped once more
        for times in ("", " twice"):
            if "&" not in base:
                break
            ht = _decode(base, _HTML_ENTITY, html.unescape)
            if ht is None:
                break
            base, maps = ht[0], [ht[1], *maps]
            out.append((f"html-unescaped{times}" + (f", {label}" if label else ""), base, maps))
    return out


# --------------------------------------------------------------------------- fields in HTML

_JSON_KEY_BEFORE = re.compile(r'"((?:[^"\\\n]|\\.){1,80})"\s*:\s*\Z')
_TH_OPEN = ("<th>", "&lt;th&gt;", "&amp;lt;th&amp;gt;")  # folium popups: plain or escaped
_TH_CELL = re.compile(
    r"(?:<th>|&lt;th&gt;|&amp;lt;th&amp;gt;)([^<&]{1,40})(?:</th>|&lt;/th&gt;|&amp;lt;/th&amp;gt;)"
    r"\s*(?:<td>|&lt;td&gt;|&amp;lt;td&amp;gt;)"
)
_CELL_END = ("</td>", "&lt;/td&gt;", "&amp;lt;/td&amp;gt;")
_TAG = re.compile(r"<([a-zA-Z][\w-]*)[^<>]*>[^<>]*\Z")
_IDENT_END = re.compile(r"(\w+)\Z")
# (literal, which identifier is the child): every pattern starts with a literal, which the
# regex engine finds fast; the identifier before it is read back from there
_DECLARE = re.compile(r"var (\w+) = |_add\(")
_ADD_TO = re.compile(r"\.addTo\((\w+)\)")
_CONTENT = re.compile(r"\.setContent\((\w+)\)")  # popup.setContent(content)
_BOUND = re.compile(r"\.bind(?:Popup|Tooltip)\((\w+)\)")  # owner.bindPopup(popup)
_OVERLAY = re.compile(r'"((?:[^"\\\n]|\\.){1,200})"\s*:\s*(\w+),')
_WINDOW = 2000
#: Windows around decoded pieces closer than this are searched as one (fewer calls)
_GAP = 1024


def _json_text(raw: str) -> str:
    try:
        return str(json.loads(f'"{raw}"'))
    except ValueError:
        return raw


def _ident_before(text: str, end: int) -> str | None:
    """The identifier that ends at `end` (``marker_0006`` of ``marker_0006.addTo(…)``)."""
    m = _IDENT_END.search(text, max(0, end - 100), end)
    return m.group(1) if m else None


class _HtmlFields:
    """Which field of a folium map a character position lies in (for one-line messages)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.declared: list[tuple[int, str]] = []
        for m in _DECLARE.finditer(text):
            name = m.group(1) or _ident_before(text, m.start())
            if name:
                self.declared.append((m.start(), name))
        self.starts = [p for p, _ in self.declared]
        self.parent: dict[str, str] = {}  # child -> what it is added or bound to
        for m in _ADD_TO.finditer(text):
            child = _ident_before(text, m.start())
            if child is None and text[max(0, m.start() - 1)] in ")\n ":  # L.marker(…).addTo(…)
                child = self._declared_before(m.start())
            if child:
                self.parent.setdefault(child, m.group(1))
        for pattern in (_CONTENT, _BOUND):
            for m in pattern.finditer(text):
                owner = _ident_before(text, m.start())
                if owner:
                    self.parent.setdefault(m.group(1), owner)
        self.layer: dict[str, str] = {}
        for block in re.finditer(r"overlays\s*:\s*\{([^{}]*)\}", text):
            for m in _OVERLAY.finditer(block.group(1)):
                self.layer.setdefault(m.group(2), _json_text(m.group(1)))

    def _owner(self, var: str) -> str:
        """`var` with the map layer it ends up in, when the layer control names one."""
        seen = var
        for _ in range(6):
            if seen in self.layer:
                return f"{var} (layer {self.layer[seen]})"
            if seen not in self.parent:
                break
            seen = self.parent[seen]
        return var

    def _declared_before(self, pos: int) -> str | None:
        i = bisect.bisect_right(self.starts, pos) - 1
        return self.declared[i][1] if i >= 0 else None

    def _of(self, what: str, pos: int) -> str:
        var = self._declared_before(pos)
        return f"{what} of {self._owner(var)}" if var else what

    def __call__(self, pos: int) -> str:
        """`pos`'s field: ``popup field 名称 of html_…``, ``tooltip of marker_…``,
        ``property name of geo_json_…`` (each with its layer), or ``element <div>``."""
        text = self.text
        lo = max(0, pos - _WINDOW)
        th = max(text.rfind(t, lo, pos) for t in _TH_OPEN)
        if th >= 0 and not any(text.find(e, th, pos) >= 0 for e in _CELL_END):
            cell = _TH_CELL.match(text, th)
            if cell is not None:
                return self._of(f"popup field {cell.group(1).strip()}", pos)
        tip = text.rfind(".bindTooltip(", lo, pos)
        if tip >= 0:
            opened = text.find("`", tip, pos)
            if opened >= 0 and text.find("`", opened + 1, pos) < 0:
                owner = _ident_before(text, tip)
                return f"tooltip of {self._owner(owner)}" if owner else "tooltip"
        window = text[lo:pos]
        quote = _open_quote(window)
        if quote is not None:
            key = _JSON_KEY_BEFORE.search(window, max(0, quote - 120), quote)
            if key is not None:
                return self._of(f"property {_json_text(key.group(1))}", pos)
        start = window.rfind("<")
        while start > 0 and window[start + 1 : start + 2] == "/":
            start = window.rfind("<", 0, start)
        tag = _TAG.match(window, start) if start >= 0 else None
        if tag is not None:
            return f"element <{tag.group(1)}>"
        return ""


def _open_quote(window: str) -> int | None:
    """Position of the last unescaped ``"`` of `window`: the one that opens the JSON string
    the end of `window` lies in, when it is preceded by ``"key":`` (the caller checks)."""
    i = len(window)
    while True:
        i = window.rfind('"', 0, i)
        if i < 0:
            return None
        backslashes = len(window[:i]) - len(window[:i].rstrip("\\"))
        if backslashes % 2 == 0:
            return i


# --------------------------------------------------------------------------- detection


def _find(
    text: str,
    kinds: set[str],
    forbidden: PersonalValues,
    pos: int = 0,
    endpos: int | None = None,
) -> list[tuple[int, str, str]]:
    """(start, kind, matched text) of every finding in ``text[pos:endpos]`` (folded text).

    Lookbehinds see the text before `pos`; the text is treated as ending at `endpos`.
    """
    spans = find_shapes(text, kinds & _SHAPES, pos, endpos, folded=True)
    spans += forbidden.find(text, pos, endpos)
    return [(start, kind, text[start:end]) for start, end, kind in spans]


def _find_near_changes(
    text: str, changes: _Map, kinds: set[str], forbidden: PersonalValues
) -> list[tuple[int, str, str]]:
    """Findings of a decoded `text` that touch a decoded piece.

    Every other finding lies in text copied unchanged from the source, with the same context,
    and was found there already; so only windows around the decoded pieces are searched.
    """
    margin = max(64, forbidden.longest + 8)
    replaced = changes.stride != 1
    seg_start = changes.new_start[replaced]
    seg_end = np.append(changes.new_start[1:], len(text))[replaced]
    if seg_start.size == 0:
        return []
    lo = np.maximum(seg_start - margin, 0)
    hi = np.minimum(seg_end + margin, len(text))
    new_group = np.ones(lo.size, dtype=bool)
    new_group[1:] = lo[1:] > np.maximum.accumulate(hi)[:-1] + _GAP
    win_lo = lo[new_group]
    win_hi = np.maximum.reduceat(hi, np.flatnonzero(new_group))
    hits: list[tuple[int, str, str]] = []
    for w_lo, w_hi in zip(win_lo.tolist(), win_hi.tolist(), strict=True):
        found = _find(text, kinds, forbidden, w_lo, w_hi)
        if w_hi < len(text):  # the lookahead could not see past the window end
            found = [h for h in found if h[0] + len(h[2]) <= w_hi - 4]
        hits += found
    if not hits:
        return []
    # keep hits that overlap a decoded piece (with 3 characters of context either side)
    starts = np.array([h[0] for h in hits]) - 3
    ends = np.array([h[0] + len(h[2]) for h in hits]) + 3
    k = np.searchsorted(seg_start, ends, side="left") - 1
    touch = (k >= 0) & (seg_end[np.maximum(k, 0)] > starts)
    return [h for h, t in zip(hits, touch.tolist(), strict=True) if t]


def _scan_text(
    text: str, kinds: set[str], forbidden: PersonalValues
) -> list[tuple[int, str, str, str]]:
    """Findings of `text` and its decoded variants as (original start, kind, match, label).

    A finding seen at the same original position with the same kind is reported once, under
    the first variant that shows it (the original text first). Every variant is searched
    after :func:`~trafficprev.privacy.fold_width` (full-width digits as ASCII).
    """
    seen: set[tuple[int, str]] = set()
    out: list[tuple[int, str, str, str]] = []
    for label, variant, maps in _variants(text):
        variant = fold_width(variant)
        if maps:
            hits = _find_near_changes(variant, maps[0], kinds, forbidden)
        else:
            hits = _find(variant, kinds, forbidden)
        if not hits:
            continue
        pos = np.array([h[0] for h in hits], dtype=np.int64)
        for mp in maps:
            pos = mp(pos)
        for p, (_, kind, match) in zip(pos.tolist(), hits, strict=True):
            if (p, kind) not in seen:
                seen.add((p, kind))
                out.append((p, kind, match, label))
    return sorted(out, key=lambda t: (t[0], t[1]))


def _read_text(path: Path) -> tuple[str, str, int]:
    """(text, encoding, number of BOM bytes) trying UTF-8 then GB18030."""
    raw = path.read_bytes()
    bom = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
    try:
        return raw[bom:].decode("utf-8"), "utf-8", bom
    except UnicodeDecodeError:
        return raw.decode("gb18030", errors="replace"), "gb18030", 0


def _byte_offsets(text: str, positions: list[int], encoding: str, bom: int) -> list[int]:
    """Byte offsets of character `positions`, computed in one ordered pass."""
    order = sorted(range(len(positions)), key=positions.__getitem__)
    out = [0] * len(positions)
    char = 0
    byte = bom
    for i in order:
        p = positions[i]
        byte += len(text[char:p].encode(encoding, errors="replace"))
        char = p
        out[i] = byte
    return out


_Row = tuple[str, str, str, str]  # where, field, kind, match


def _text_findings(path: Path, kinds: set[str], forbidden: PersonalValues) -> list[_Row]:
    text, encoding, bom = _read_text(path)
    found = _scan_text(text, kinds, forbidden)
    is_html = path.suffix.lower() in _HTML_SUFFIXES
    fields = _HtmlFields(text) if is_html and found else None
    offsets = _byte_offsets(text, [f[0] for f in found], encoding, bom)
    rows = [
        (
            f"byte {b}" + (f" ({label})" if label else ""),
            fields(p) if fields is not None else "",
            kind,
            match,
        )
        for b, (p, kind, match, label) in zip(offsets, found, strict=True)
    ]
    # HTML popups embedded by folium as base64 data URIs
    embedded: list[tuple[int, list[tuple[int, str, str, str]]]] = []
    for m in _DATA_URI.finditer(text):
        try:
            inner = base64.b64decode(m.group(1), validate=True).decode("utf-8", errors="replace")
        except (binascii.Error, ValueError):
            continue
        found_inner = _scan_text(inner, kinds, forbidden)
        if found_inner:
            embedded.append((m.start(), found_inner))
    starts = _byte_offsets(text, [start for start, _ in embedded], encoding, bom)
    for at, (start, found_inner) in zip(starts, embedded, strict=True):
        owner = _HtmlFields(text)(start) if is_html else ""
        rows += [
            (f"byte {at} (base64 data URI, char {p})", f"popup {owner}".strip(), kind, match)
            for p, kind, match, _ in found_inner
        ]
    return rows


def _joined_findings(
    values: list[str],
    labels: list[str],
    fields: list[str],
    kinds: set[str],
    forbidden: PersonalValues,
) -> list[_Row]:
    """Scan many short texts at once: join with NUL, map each finding back to its text."""
    if not values:
        return []
    joined = _SEP.join(values)
    starts = np.cumsum([0] + [len(v) + 1 for v in values[:-1]])
    found = _scan_text(joined, kinds, forbidden)
    if not found:
        return []
    idx = np.searchsorted(starts, np.array([f[0] for f in found]), side="right") - 1
    return [
        (labels[i] + (f" ({label})" if label else ""), fields[i], kind, match)
        for i, (_, kind, match, label) in zip(idx.tolist(), found, strict=True)
    ]


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e21 else repr(value)
    return str(value)


def _xlsx_findings(path: Path, kinds: set[str], forbidden: PersonalValues) -> list[_Row]:
    import openpyxl

    values: list[str] = []
    labels: list[str] = []
    fields: list[str] = []
    with warnings.catch_warnings():  # openpyxl warns about extensions it does not read
        warnings.simplefilter("ignore", UserWarning)
        wb = openpyxl.load_workbook(path, read_only=False, data_only=False)
    try:
        for ws in wb.worksheets:
            values.append(ws.title)
            labels.append(f"sheet name {ws.title}")
            fields.append("sheet name")
            header: dict[int, str] = {}
            for row in ws.iter_rows():
                for cell in row:
                    text = _cell_text(cell.value)
                    if cell.row == 1 and text:
                        header[cell.column] = text
                    field = (
                        "column header"
                        if cell.row == 1
                        else f"column {header.get(cell.column, '')}"
                    ).strip()
                    if text:
                        values.append(text)
                        labels.append(f"{ws.title}!{cell.coordinate}")
                        fields.append(field)
                    if cell.comment is not None and cell.comment.text:
                        values.append(cell.comment.text)
                        labels.append(f"{ws.title}!{cell.coordinate} comment")
                        fields.append(f"comment, {field}")
    finally:
        wb.close()
    rows = _joined_findings(values, labels, fields, kinds, forbidden)
    with zipfile.ZipFile(path) as zf:
        for name in sorted(n for n in zf.namelist() if n.startswith("docProps/")):
            text = zf.read(name).decode("utf-8", errors="replace")
            rows += [
                (
                    f"{name} char {p}" + (f" ({label})" if label else ""),
                    "document properties",
                    kind,
                    match,
                )
                for p, kind, match, label in _scan_text(text, kinds, forbidden)
            ]
    return rows


def _gpkg_findings(path: Path, kinds: set[str], forbidden: PersonalValues) -> list[_Row]:
    import pyogrio

    rows: list[_Row] = []
    for layer in pyogrio.list_layers(path)[:, 0].tolist():
        frame = pyogrio.read_dataframe(path, layer=layer, read_geometry=False)
        names = [str(c) for c in frame.columns]
        rows += _joined_findings(
            names,
            [f"{layer}/column names"] * len(names),
            [f"layer {layer}, column names"] * len(names),
            kinds,
            forbidden,
        )
        for col in frame.columns:
            series = frame[col]
            if pd.api.types.is_bool_dtype(series) or pd.api.types.is_datetime64_any_dtype(series):
                continue
            keep = series.notna().to_numpy()
            if pd.api.types.is_float_dtype(series):
                text = series[keep].map(_cell_text)
            else:
                text = series[keep].astype(str)
            rowno = np.flatnonzero(keep)
            rows += _joined_findings(
                text.tolist(),
                [f"{layer}/{col}/row {r}" for r in rowno],
                [f"layer {layer}, column {col}"] * len(rowno),
                kinds,
                forbidden,
            )
    return rows


def _expand(paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str]) -> list[Path]:
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    out: list[Path] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            out += sorted(f for f in path.rglob("*") if f.is_file())
        elif path.is_file():
            out.append(path)
        else:
            raise InputFileNotFoundError(f"{path}: no such file or folder to scan")
    return out


def scan_outputs(
    paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
    *,
    forbidden: Iterable[str] | PersonalValues = (),
    kinds: Iterable[str] | str = ("id_number", "phone", "decision_no", "name"),
) -> pd.DataFrame:
    """Look for personal data in output files before they are shared.

    Parameters
    ----------
    paths
        Files, or folders (scanned recursively, files in sorted order).
    forbidden
        Values that must not appear, e.g. :func:`forbidden_values` of the input: worker names,
        ID numbers, phone numbers, decision numbers; or those values already prepared as
        :class:`~trafficprev.privacy.PersonalValues`.
    kinds
        Kinds to report among ``id_number``, ``phone``, ``decision_no`` and ``name``;
        ``not_scanned`` rows are always reported.

    Returns
    -------
    pandas.DataFrame
        Columns ``file``, ``where``, ``field``, ``kind``, ``match``; one row per finding,
        empty when clean. ``where`` is ``byte N`` for text files (the byte offset in the file,
        with the decoding in brackets when the finding shows only after HTML-entity or
        ``\\uXXXX`` decoding), ``Sheet!B7`` or ``docProps/core.xml char N`` for workbooks,
        ``layer/column/row N`` (0-based feature order) or ``layer/column names`` for
        GeoPackages. ``field`` says what the place holds: in a map, the GeoJSON ``property``
        (with the map variable and the layer the layer control names), the ``popup field``
        (the row label of folium's popup table), the ``tooltip`` of a marker, or the HTML
        ``element`` around it; in a workbook the column header (``column 位置描述``); in a
        GeoPackage ``layer L, column C``; empty for other text files. ``match`` is masked by
        :func:`mask`.

    Raises
    ------
    FileNotFoundError
        A path does not exist.
    ValueError
        An unknown kind.

    Notes
    -----
    Detectors: the shapes of :func:`trafficprev.privacy.find_shapes` (``id_number``,
    ``phone`` with landlines, ``decision_no``; plates are redacted, not scanned), all framed
    (no ASCII letter or digit on either side, not the fraction of a decimal number), so
    coordinates such as ``111.6930822``, hex ids, credit codes such as
    ``91439900MA4J58RQ5R`` and longer numbers never match; and the forbidden values,
    classified by :func:`trafficprev.privacy.classify_personal`: digit strings of 15 or 18
    characters are ID numbers, other digit strings of 6 or more are phones, both found as
    whole digit tokens; strings with at least two CJK characters ending in ``号`` with a digit
    are decision numbers, other such strings are names; the rest (single characters, short
    codes) is ignored as too noisy. Names and decision numbers are matched literally (Chinese
    text has no word breaks); an end that is an ASCII letter or digit must not touch another
    one, so ``测试甲一2`` does not match inside ``测试甲一26``.

    Text is scanned as it is, after ``\\uXXXX`` decoding, after HTML-entity decoding (once and
    twice, for ``srcdoc`` popups), and after both, each with full-width digits read as ASCII;
    base64 ``data:text/html`` URIs (folium IFrame popups) are decoded and scanned too.
    ``.png`` and ``.pdf`` files get a ``not_scanned`` row (their text is pixels), as does any
    other unknown suffix.
    """
    kinds = {kinds} if isinstance(kinds, str) else set(kinds)
    unknown = kinds - set(KINDS)
    if unknown:
        raise ArgumentError(f"unknown kind(s) {sorted(unknown)}; known: {list(KINDS)}")
    prepared = _prepare_forbidden(forbidden, kinds)
    records: list[tuple[str, str, str, str, str]] = []
    for path in _expand(paths):
        suffix = path.suffix.lower()
        if suffix in _TEXT_SUFFIXES:
            found = _text_findings(path, kinds, prepared)
        elif suffix == ".xlsx":
            found = _xlsx_findings(path, kinds, prepared)
        elif suffix == ".gpkg":
            found = _gpkg_findings(path, kinds, prepared)
        else:
            why = "image/PDF not scanned" if suffix in _SKIPPED_SUFFIXES else "unknown file type"
            records.append((str(path), why, "", "not_scanned", ""))
            continue
        records += [
            (str(path), where, field, kind, mask(match)) for where, field, kind, match in found
        ]
    return pd.DataFrame(records, columns=_COLUMNS, dtype=object)


# --------------------------------------------------------------------------- fail closed

_KIND_WORDS = {
    "id_number": "an ID number",
    "phone": "a phone number",
    "decision_no": "a decision number",
    "name": "a worker's name",
}


def check_shared_outputs(
    folder: str | os.PathLike[str],
    *,
    protected: pd.DataFrame | None = None,
    cases: pd.DataFrame | None = None,
    forbidden: PersonalValues | Iterable[str] | None = None,
    release: str = "police",
    patterns: Sequence[str] = SHARED_OUTPUTS,
) -> dict[str, object]:
    """Scan the files a run shares and refuse them if any holds personal data (fail closed).

    Scanned (:data:`SHARED_OUTPUTS`): ``sites.xlsx`` (every cell, comment, sheet name and
    document property), ``sites.gpkg`` (every column of every layer) and ``maps/*.html``
    (the whole file, also after ``\\uXXXX``, HTML-entity and base64 decoding), for the shapes
    of ID numbers, phone numbers and decision numbers and for the input's own worker names,
    ID numbers, phones and decision numbers (:func:`scan_outputs`). ``maps/*.png`` and
    ``maps/*.pdf`` cannot be scanned (their text is pixels); they are drawn from the HTML
    maps that were.

    Parameters
    ----------
    folder
        The run folder (the staging folder, before it is swapped in).
    protected, cases
        Intake's protected table and cases, whose values are looked for
        (:func:`~trafficprev.privacy.personal_values`) unless `forbidden` is given.
    forbidden
        The values to look for, already prepared (the ones the redactor used), or a list.
    release
        The release level (:mod:`trafficprev.release`): where its policy lets decision
        numbers be shown (``internal``: the case points of its hotspot map) they are not
        looked for; names, ID numbers and phones are looked for at every level.
    patterns
        The files of `folder` to scan (glob patterns; default :data:`SHARED_OUTPUTS`, the
        quarterly run's; the precision project passes its own).

    Returns
    -------
    dict
        ``scanned`` and ``not_scanned`` (paths relative to `folder`) and ``seconds``: for
        the manifest.

    Raises
    ------
    PersonalDataError
        One line: the file, the field and the kind of the first finding (the value masked),
        and how many more there are.
    SettingsError
        If `release` is not a release level (also a ``ValueError``).

    Examples
    --------
    In :func:`trafficprev.pipeline.run`, before the staging folder is swapped in::

        personal = personal_values(intake.protected, intake.cases)
        publish(staged, ..., redact=Redactor(known=personal))
        check_shared_outputs(staged, forbidden=personal, release=release)
    """
    started = time.perf_counter()
    root = Path(folder)
    files = [f for pattern in patterns for f in sorted(root.glob(pattern)) if f.is_file()]
    shown = {"decision_no"} if policy(release).decision_numbers else set()
    kinds = {"id_number", "phone", "name", "decision_no"} - shown
    if forbidden is None:
        forbidden = personal_values(protected, cases)
    found = scan_outputs(files, forbidden=forbidden, kinds=kinds)
    if len(found):
        first = found.iloc[0]
        name = Path(first["file"]).relative_to(root).as_posix()
        field = " ".join(str(first["field"] or first["where"]).split())
        more = f"; {len(found) - 1} more finding(s)" if len(found) > 1 else ""
        message = (
            f"{name}: {_KIND_WORDS[first['kind']]} ({first['match']}) in {field} "
            f"[{first['where']}]{more}. Nothing was published; the previous run stays. "
            "Remove it from the input (or the area) and run again."
        )
        raise PersonalDataError(" ".join(message.split()))  # one line, whatever the names
    skipped = [
        f.relative_to(root).as_posix()
        for f in sorted((root / "maps").glob("*"))
        if f.suffix.lower() in _SKIPPED_SUFFIXES
    ]
    return {
        "scanned": [f.relative_to(root).as_posix() for f in files],
        "not_scanned": skipped,
        "seconds": round(time.perf_counter() - started, 3),
    }
