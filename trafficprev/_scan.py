"""Privacy scanner for outputs that leave the centre (police and public releases).

:func:`scan_outputs` looks through the files of a release for Chinese resident ID numbers,
mobile phone numbers, work-injury decision numbers and any value the caller forbids (worker
names, ID numbers, phones and decision numbers taken from the input, see
:func:`forbidden_values`). It reads text files (HTML, JS, JSON, GeoJSON, CSV, TXT, Markdown),
Excel workbooks (every cell of every sheet, sheet names, comments and document properties) and
GeoPackages (every column of every layer, and the column names). Text is also scanned after
HTML-entity decoding and after JSON ``\\uXXXX`` decoding, because folium writes Chinese as
``\\uXXXX`` inside GeoJSON.

All detection is regular expressions over whole texts (cells and table columns are joined
first), so a 10 MB HTML map is scanned in seconds without per-character Python loops.
"""

from __future__ import annotations

import base64
import binascii
import html
import os
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["KINDS", "forbidden_values", "mask", "scan_outputs"]

#: Kinds a finding can have (``not_scanned`` marks files the scanner cannot read).
KINDS: tuple[str, ...] = ("id_number", "phone", "decision_no", "name", "not_scanned")

_COLUMNS = ["file", "where", "kind", "match"]
_TEXT_SUFFIXES = {
    *(".html", ".htm", ".js", ".json", ".geojson", ".csv", ".txt", ".md"),
    *(".tsv", ".xml", ".svg", ".kml"),
}
_SKIPPED_SUFFIXES = {".png", ".pdf"}

# Framing: no ASCII letter or digit on either side (so digits inside hex ids, credit codes or
# longer numbers never match), and not the fraction of a decimal number (111.13912345678).
# The patterns start with a character class and check the left frame with a lookbehind that
# spans that first character, so the regex engine can skip ahead to candidate characters.
_PRE1 = r"(?<![0-9A-Za-z].)(?<!\d\..)"  # placed after the first character of a match
_POST = r"(?![0-9A-Za-z])(?!\.\d)"
_DATE8 = r"(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
_DATE6 = r"\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
_ID_RE = re.compile(rf"[1-9]{_PRE1}\d{{5}}(?:{_DATE8}\d{{3}}[\dXx]|{_DATE6}\d{{3}}){_POST}")
_PHONE_TAIL = r"[- ]?\d{4}[- ]?\d{4}"
_PHONE_RE = re.compile(
    rf"\+86[- ]?(?:1[3-9]\d|100){_PHONE_TAIL}{_POST}"
    rf"|8{_PRE1}6[- ]?(?:1[3-9]\d|100){_PHONE_TAIL}{_POST}"
    rf"|1{_PRE1}(?:[3-9]\d|00){_PHONE_TAIL}{_POST}"
)
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_DECISION_CORE = (
    rf"(?:认|工伤|人社)[{_CJK}]{{0,6}}"
    r"(?:[〔\[［（(【]\s{0,2}(?:19|20)\d{2}\s{0,2}[〕\]］）)】]\s{0,2}第?|第)"
    r"\s{0,2}\d{1,6}\s{0,2}号"
)
_DECISION_RE = re.compile(_DECISION_CORE)
_DECISION_FULL = re.compile(rf"[{_CJK}]{{0,4}}{_DECISION_CORE}")
_DECISION_HEAD = re.compile(rf"(?:(?!号)[{_CJK}]){{1,3}}\Z")  # 示, 常德市 … before 人社
_CJK_RUN = re.compile(rf"[{_CJK}]")
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


def _classify(value: str) -> tuple[str, str] | None:
    """(kind, search form) of a forbidden value, or None when it is too vague to search."""
    text = unicodedata.normalize("NFKC", value).strip()
    compact = re.sub(r"[\s\-]", "", text)
    compact = re.sub(r"\.0$", "", compact)  # a phone read as a float
    if re.fullmatch(r"\+?\d{6,}[\dXx]?", compact):
        digits = compact.lstrip("+").upper()
        if re.fullmatch(r"\d{17}[\dX]|\d{15}", digits):
            return "id_number", digits
        return "phone", digits
    if _DECISION_FULL.fullmatch(text) or (
        re.search(r"\d", text) and text.endswith("号") and len(_CJK_RUN.findall(text)) >= 2
    ):
        return "decision_no", text
    if len(_CJK_RUN.findall(text)) >= 2:
        return "name", text
    return None


@dataclass(frozen=True)
class _Forbidden:
    digits: dict[str, str]  # digit token -> kind
    digit_token: re.Pattern[str] | None  # framed digit runs of the lengths in `digits`
    literal: re.Pattern[str] | None  # trie of names and decision numbers
    literal_kind: dict[str, str]
    longest: int  # length of the longest forbidden value


def _trie_pattern(words: Iterable[str]) -> str:
    """A regex alternation of `words` factored as a trie (fast to match, longest first).

    A word that starts (ends) with an ASCII letter or digit must not be preceded (followed) by
    one, so a name such as ``测试甲一2`` does not match inside ``测试甲一26``.
    """
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = True

    def build(node: dict, last: str) -> str:
        alts = [re.escape(ch) + build(child, ch) for ch, child in sorted(node.items()) if ch]
        if "" in node:
            alts.append(r"(?![0-9A-Za-z])" if last.isascii() and last.isalnum() else "")
        if len(alts) == 1:
            return alts[0]
        return "(?:" + "|".join(alts) + ")"

    alts = []
    for ch, child in sorted(trie.items()):
        if not ch:
            continue
        frame = r"(?<![0-9A-Za-z].)" if ch.isascii() and ch.isalnum() else ""
        alts.append(re.escape(ch) + frame + build(child, ch))
    return "|".join(alts)


def _prepare_forbidden(forbidden: Iterable[str], kinds: set[str]) -> _Forbidden:
    digits: dict[str, str] = {}
    literal_kind: dict[str, str] = {}
    for value in forbidden:
        if value is None or not isinstance(value, str):
            continue
        found = _classify(value)
        if found is None or found[0] not in kinds:
            continue
        kind, form = found
        if kind in ("id_number", "phone"):
            digits[form] = kind
            if kind == "phone" and form.startswith("86") and len(form) == 13:
                digits[form[2:]] = kind
        else:
            literal_kind[form] = kind
            literal_kind.setdefault(value.strip(), kind)
    literal = None
    if literal_kind:
        literal = re.compile(_trie_pattern(sorted(literal_kind)))
    token = None
    if digits:
        lengths = [len(d.rstrip("X")) for d in digits]
        lo, hi = min(lengths) - 1, max(lengths) - 1
        token = re.compile(rf"\d{_PRE1}\d{{{lo},{hi}}}[Xx]?{_POST}")
    longest = max(map(len, [*digits, *literal_kind]), default=0)
    return _Forbidden(digits, token, literal, literal_kind, longest)


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


# --------------------------------------------------------------------------- detection


def _find(
    text: str, kinds: set[str], forbidden: _Forbidden, pos: int = 0, endpos: int | None = None
) -> list[tuple[int, str, str]]:
    """(start, kind, matched text) of every finding in ``text[pos:endpos]``.

    Lookbehinds see the text before `pos`; the text is treated as ending at `endpos`.
    """
    end = len(text) if endpos is None else endpos
    hits: list[tuple[int, str, str]] = []
    if "id_number" in kinds:
        hits += [(m.start(), "id_number", m.group(0)) for m in _ID_RE.finditer(text, pos, end)]
    if "phone" in kinds:
        hits += [(m.start(), "phone", m.group(0)) for m in _PHONE_RE.finditer(text, pos, end)]
    if "decision_no" in kinds:
        for m in _DECISION_RE.finditer(text, pos, end):
            start = m.start()
            head = _DECISION_HEAD.search(text, max(0, start - 3), start)
            if head is not None:
                start = head.start()
            hits.append((start, "decision_no", text[start : m.end()]))
    if forbidden.digit_token is not None:
        for m in forbidden.digit_token.finditer(text, pos, end):
            kind = forbidden.digits.get(m.group(0).upper())
            if kind is not None:
                hits.append((m.start(), kind, m.group(0)))
    if forbidden.literal is not None:
        for m in forbidden.literal.finditer(text, pos, end):
            kind = forbidden.literal_kind.get(m.group(0))
            if kind is not None:
                hits.append((m.start(), kind, m.group(0)))
    return hits


def _find_near_changes(
    text: str, changes: _Map, kinds: set[str], forbidden: _Forbidden
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
    new_group[1:] = lo[1:] > np.maximum.accumulate(hi)[:-1]
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
    text: str, kinds: set[str], forbidden: _Forbidden
) -> list[tuple[int, str, str, str]]:
    """Findings of `text` and its decoded variants as (original start, kind, match, label).

    A finding seen at the same original position with the same kind is reported once, under
    the first variant that shows it (the original text first).
    """
    seen: set[tuple[int, str]] = set()
    out: list[tuple[int, str, str, str]] = []
    for label, variant, maps in _variants(text):
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


def _text_findings(
    path: Path, kinds: set[str], forbidden: _Forbidden
) -> list[tuple[str, str, str]]:
    text, encoding, bom = _read_text(path)
    found = _scan_text(text, kinds, forbidden)
    offsets = _byte_offsets(text, [f[0] for f in found], encoding, bom)
    rows = [
        (f"byte {b}" + (f" ({label})" if label else ""), kind, match)
        for b, (_, kind, match, label) in zip(offsets, found, strict=True)
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
    for at, (_, found_inner) in zip(starts, embedded, strict=True):
        rows += [
            (f"byte {at} (base64 data URI, char {p})", kind, match)
            for p, kind, match, _ in found_inner
        ]
    return rows


def _joined_findings(
    values: list[str], labels: list[str], kinds: set[str], forbidden: _Forbidden
) -> list[tuple[str, str, str]]:
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
        (labels[i] + (f" ({label})" if label else ""), kind, match)
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


def _xlsx_findings(
    path: Path, kinds: set[str], forbidden: _Forbidden
) -> list[tuple[str, str, str]]:
    import openpyxl

    values: list[str] = []
    labels: list[str] = []
    with warnings.catch_warnings():  # openpyxl warns about extensions it does not read
        warnings.simplefilter("ignore", UserWarning)
        wb = openpyxl.load_workbook(path, read_only=False, data_only=False)
    try:
        for ws in wb.worksheets:
            values.append(ws.title)
            labels.append(f"sheet name {ws.title}")
            for row in ws.iter_rows():
                for cell in row:
                    text = _cell_text(cell.value)
                    if text:
                        values.append(text)
                        labels.append(f"{ws.title}!{cell.coordinate}")
                    if cell.comment is not None and cell.comment.text:
                        values.append(cell.comment.text)
                        labels.append(f"{ws.title}!{cell.coordinate} comment")
    finally:
        wb.close()
    rows = _joined_findings(values, labels, kinds, forbidden)
    with zipfile.ZipFile(path) as zf:
        for name in sorted(n for n in zf.namelist() if n.startswith("docProps/")):
            text = zf.read(name).decode("utf-8", errors="replace")
            rows += [
                (f"{name} char {p}" + (f" ({label})" if label else ""), kind, match)
                for p, kind, match, label in _scan_text(text, kinds, forbidden)
            ]
    return rows


def _gpkg_findings(
    path: Path, kinds: set[str], forbidden: _Forbidden
) -> list[tuple[str, str, str]]:
    import pyogrio

    rows: list[tuple[str, str, str]] = []
    for layer in pyogrio.list_layers(path)[:, 0].tolist():
        frame = pyogrio.read_dataframe(path, layer=layer, read_geometry=False)
        names = [str(c) for c in frame.columns]
        rows += _joined_findings(names, [f"{layer}/column names"] * len(names), kinds, forbidden)
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
                text.tolist(), [f"{layer}/{col}/row {r}" for r in rowno], kinds, forbidden
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
            raise FileNotFoundError(f"{path}: no such file or folder to scan")
    return out


def scan_outputs(
    paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
    *,
    forbidden: Iterable[str] = (),
    kinds: Iterable[str] | str = ("id_number", "phone", "decision_no", "name"),
) -> pd.DataFrame:
    """Look for personal data in output files before they are shared.

    Parameters
    ----------
    paths
        Files, or folders (scanned recursively, files in sorted order).
    forbidden
        Values that must not appear, e.g. :func:`forbidden_values` of the input: worker names,
        ID numbers, phone numbers, decision numbers.
    kinds
        Kinds to report among ``id_number``, ``phone``, ``decision_no`` and ``name``;
        ``not_scanned`` rows are always reported.

    Returns
    -------
    pandas.DataFrame
        Columns ``file``, ``where``, ``kind``, ``match``; one row per finding, empty when clean.
        ``where`` is ``byte N`` for text files (the byte offset in the file, with the decoding
        in brackets when the finding shows only after HTML-entity or ``\\uXXXX`` decoding),
        ``Sheet!B7`` or ``docProps/core.xml char N`` for workbooks, ``layer/column/row N``
        (0-based feature order) or ``layer/column names`` for GeoPackages. ``match`` is masked
        by :func:`mask`.

    Raises
    ------
    FileNotFoundError
        A path does not exist.
    ValueError
        An unknown kind.

    Notes
    -----
    Detectors (all framed: no ASCII letter or digit on either side, and not the fraction of a
    decimal number, so coordinates such as ``111.6930822``, hex ids, credit codes such as
    ``91439900MA4J58RQ5R`` and longer numbers never match):

    - ``id_number``: 18 characters = 6 region digits (first not 0) + a birth date
      ``YYYYMMDD`` (1900–2099, month 01–12, day 01–31) + 3 digits + digit or X, reported
      whatever the check character (synthetic IDs fail it); 15-digit old IDs with a ``YYMMDD``
      date.
    - ``phone``: mainland mobiles ``1[3-9]`` + 9 digits and the demo's synthetic ``100`` + 8
      digits, optionally ``+86``-prefixed and split by spaces or hyphens as 3-4-4.
    - ``decision_no``: ``认``, ``工伤`` or ``人社`` (up to 4 CJK characters before it, up to 6
      after) followed by a year in 〔〕, [], ［］, （）, () or 【】 and ``第?NNNN号``, or by
      ``第NNNN号`` alone, e.g. ``示人社工伤认字〔2023〕0001号``.
    - forbidden values are classified: digit strings of 15 or 18 characters are ID numbers,
      other digit strings of 5 or more (spaces, hyphens, ``+`` and a trailing ``.0`` ignored)
      are phones; both are found as whole digit tokens. Strings ending in ``号`` with a digit
      (or shaped like a decision number) are decision numbers; other strings with at least two
      CJK characters are names; the rest (single characters, short codes) is ignored as too
      noisy. Names and decision numbers are matched literally (Chinese text has no word
      breaks); an end that is an ASCII letter or digit must not touch another one, so
      ``测试甲一2`` does not match inside ``测试甲一26``.

    Text is scanned as it is, after ``\\uXXXX`` decoding, after HTML-entity decoding (once and
    twice, for ``srcdoc`` popups), and after both; base64 ``data:text/html`` URIs (folium
    IFrame popups) are decoded and scanned too.
    ``.png`` and ``.pdf`` files get a ``not_scanned`` row, as does any other unknown suffix.
    """
    kinds = {kinds} if isinstance(kinds, str) else set(kinds)
    unknown = kinds - set(KINDS)
    if unknown:
        raise ValueError(f"unknown kind(s) {sorted(unknown)}; known: {list(KINDS)}")
    prepared = _prepare_forbidden(forbidden, kinds)
    records: list[tuple[str, str, str, str]] = []
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
            records.append((str(path), why, "not_scanned", ""))
            continue
        records += [(str(path), where, kind, mask(match)) for where, kind, match in found]
    return pd.DataFrame(records, columns=_COLUMNS, dtype=object)
