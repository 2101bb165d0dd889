"""Personal data: identity-number checks, detection, masking and formula-safe cells.

Intake splits names, ID numbers, phone numbers, narratives and any column that looks
personal into a protected table; everything downstream works without them.
"""

from __future__ import annotations

import operator
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._errors import ArgumentError
from ._vector import map_unique

__all__ = [
    "ID_CHECKS",
    "PLACEHOLDERS",
    "REDACT_KINDS",
    "SHAPE_KINDS",
    "PersonalValues",
    "Redactor",
    "check_credit_codes",
    "check_id_numbers",
    "classify_personal",
    "find_shapes",
    "fold_width",
    "id_birth_dates",
    "id_sexes",
    "looks_personal_header",
    "looks_personal_values",
    "neutralize_formula",
    "neutralize_formulas",
    "personal_values",
    "redact_shapes",
]

_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_ID_CODES = "10X98765432"

#: Values of the ``id_check`` column.
ID_CHECKS: dict[str, str] = {
    "ok": "身份证号码校验通过 / ID number valid",
    "missing": "身份证号码为空 / ID number empty",
    "excel_number": "身份证号码以数字存储，已丢失精度 / ID stored as an Excel number (digits lost)",
    "bad_checksum": "身份证号码校验位错误 / ID check digit wrong",
    "bad_format": "身份证号码格式错误 / ID number malformed",
    "bad_birth_date": "身份证号码中的出生日期无效 / birth date in the ID invalid",
    "old_15_digit": "15位旧身份证号码 / old 15-digit ID number",
}

_ID18 = re.compile(r"^\d{17}[\dX]$")
_SCI = re.compile(r"^\d(?:\.\d+)?E\+?\d+$")


def _clean_id(value: object) -> str:
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip().replace(" ", "").upper()


def _clean_ids(values: pd.Series) -> pd.Series:
    return map_unique(values, _clean_id)


def check_id_numbers(values: pd.Series, *, stored_as_number: pd.Series | None = None) -> pd.Series:
    """Check 18-character resident identity numbers (GB 11643-1999).

    Parameters
    ----------
    values
        ID numbers as text.
    stored_as_number
        Boolean mask of cells that the workbook stored as numbers: an 18-digit number in
        an Excel double keeps only 15 significant digits, so these are flagged
        ``excel_number`` whatever their digits.

    Returns
    -------
    pandas.Series
        One key of :data:`ID_CHECKS` per row, aligned to `values`.
    """
    cleaned = _clean_ids(values)
    out = np.full(len(cleaned), "bad_format", dtype=object)
    out[(cleaned == "").to_numpy()] = "missing"
    out[cleaned.str.fullmatch(r"\d{15}").to_numpy(dtype=bool)] = "old_15_digit"
    is18 = cleaned.str.match(_ID18).to_numpy(dtype=bool)
    if is18.any():
        ids = cleaned[is18]
        raw = np.frombuffer("".join(ids).encode("ascii"), dtype=np.uint8).reshape(-1, 18)
        digits = raw[:, :17].astype(np.int64) - 48
        expected = np.frombuffer(_ID_CODES.encode("ascii"), dtype=np.uint8)[
            (digits @ _ID_WEIGHTS) % 11
        ]
        check_ok = expected == raw[:, 17]
        births = pd.to_datetime(ids.str[6:14], format="%Y%m%d", errors="coerce")
        birth_ok = (births.notna() & (births.dt.year >= 1900)).to_numpy()
        out[is18] = np.where(~birth_ok, "bad_birth_date", np.where(check_ok, "ok", "bad_checksum"))
    out[cleaned.str.match(_SCI).to_numpy(dtype=bool)] = "excel_number"
    if stored_as_number is not None:
        mask = stored_as_number.reindex(values.index, fill_value=False).astype(bool).to_numpy()
        out[mask & (cleaned != "").to_numpy()] = "excel_number"
    return pd.Series(out, index=values.index, dtype=object)


def id_birth_dates(values: pd.Series, checks: pd.Series) -> pd.Series:
    """Birth dates read from ID numbers whose check is ``ok`` (NaT elsewhere)."""
    cleaned = _clean_ids(values)
    births = pd.to_datetime(cleaned.str[6:14], format="%Y%m%d", errors="coerce")
    return births.where(checks == "ok")


def id_sexes(values: pd.Series, checks: pd.Series) -> pd.Series:
    """Sex from the 17th digit of ID numbers whose check is ``ok`` (odd 男, even 女)."""
    cleaned = _clean_ids(values)
    digit = pd.to_numeric(cleaned.str[16], errors="coerce")
    sex = pd.Series(np.where(digit % 2 == 1, "男", "女"), index=values.index, dtype=object)
    return sex.where((checks == "ok") & digit.notna())


_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def _credit_ok(code: str) -> bool:
    if len(code) != 18 or any(ch not in _CREDIT_ALPHABET for ch in code):
        return False
    total = sum(
        _CREDIT_ALPHABET.index(ch) * w for ch, w in zip(code[:17], _CREDIT_WEIGHTS, strict=True)
    )
    return _CREDIT_ALPHABET[(31 - total % 31) % 31] == code[17]


def check_credit_codes(values: pd.Series) -> pd.Series:
    """Check unified social credit codes (GB 32100-2015 check character).

    Returns
    -------
    pandas.Series
        ``"ok"``, ``"missing"`` or ``"bad"`` per row.
    """
    cleaned = _clean_ids(values)
    uniq = {
        c: ("missing" if c == "" else "ok" if _credit_ok(c) else "bad") for c in pd.unique(cleaned)
    }
    return cleaned.map(uniq)


_PERSONAL_HEADER = re.compile(
    r"姓名|名字|身份证|证件|电话|手机|联系|住址|家庭地址|居住地|现住|户籍|车牌|号牌|银行|账号|卡号"
    r"|病历|住院号|诊断|医院|家属|监护|亲属|护照|社保卡|社会保障号|邮箱|email|phone|name|address"
    r"|plate|diagnos",
    re.IGNORECASE,
)


def looks_personal_header(header: str) -> bool:
    """True when a column header names personal data (name, ID, phone, address, plate…)."""
    return bool(_PERSONAL_HEADER.search(unicodedata.normalize("NFKC", str(header))))


def looks_personal_values(values: pd.Series) -> bool:
    """True when any value holds something shaped like an ID number, phone or plate
    (:func:`find_shapes`)."""
    text = values.dropna().astype(str)
    if text.empty:
        return False
    joined = "\x00".join(pd.unique(text))
    return bool(find_shapes(joined, ("id_number", "phone", "plate")))


# --------------------------------------------------------------------------- shapes
#
# The one set of patterns that recognises personal data by its shape. Intake's check of
# unknown columns, the redactor and the output scanner (trafficprev._scan) all use them.
#
# They run on *folded* text (fold_width): full-width digits, letters, + - . ( ) and the
# ideographic space replaced by their ASCII forms, one character for one, so a match is at
# the same place in the original text.
#
# Framing: a digit pattern has no ASCII letter or digit on either side (so digits inside
# credit codes, hex ids or longer numbers never match) and is not the fraction of a decimal
# number (111.6930822). Each pattern starts with a character class and checks its left frame
# with a lookbehind that spans that first character, so the regex engine skips ahead to
# candidate characters.

#: Kinds of personal data recognised by their shape.
SHAPE_KINDS: tuple[str, ...] = ("id_number", "phone", "plate", "decision_no")
#: Kinds a :class:`Redactor` replaces by default: the shapes and the input's own values.
REDACT_KINDS: tuple[str, ...] = (*SHAPE_KINDS, "name")
#: What a redacted piece of text becomes, by kind.
PLACEHOLDERS: dict[str, str] = {
    "id_number": "〔身份证号已隐去〕",
    "phone": "〔电话已隐去〕",
    "name": "〔姓名已隐去〕",
    "plate": "〔车牌已隐去〕",
    "decision_no": "〔文号已隐去〕",
}

_FOLD = str.maketrans(
    {
        **{chr(0xFF10 + i): chr(0x30 + i) for i in range(10)},
        **{chr(0xFF21 + i): chr(0x41 + i) for i in range(26)},
        **{chr(0xFF41 + i): chr(0x61 + i) for i in range(26)},
        "\uff0b": "+",
        "\uff0d": "-",
        "\uff0e": ".",
        "\uff08": "(",
        "\uff09": ")",
        "\u3000": " ",
    }
)
_FOLDABLE = re.compile(
    "[\u3000\uff08\uff09\uff0b\uff0d\uff0e\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]"
)

_PRE1 = r"(?<![0-9A-Za-z].)(?<![0-9]\..)"  # placed after the first character of a match
_POST = r"(?![0-9A-Za-z])(?!\.[0-9])"
_MMDD = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
# 18 characters: region (first not 0), birth date YYYYMMDD, 3 digits, digit or X; 15 digits:
# region, YYMMDD, 3 digits. Clerks split them with a space after the region, the year or the
# date (430702 19850202 567X).
_ID_RE = re.compile(
    rf"[1-9]{_PRE1}[0-9]{{5}} ?"
    rf"(?:(?:19|20)[0-9]{{2}} ?{_MMDD} ?[0-9]{{3}}[0-9Xx]|[0-9]{{2}}{_MMDD} ?[0-9]{{3}}){_POST}"
)
_MOBILE = r"(?:1[3-9][0-9]|100)[- ]?[0-9]{4}[- ]?[0-9]{4}"  # 100…: the demo's synthetic phones
_AREA = r"(?:10|2[0-9]|[3-9][0-9]{2})"  # area code without its 0: 10, 2x, 3xx…9xx
_LOCAL = r"[2-9][0-9]{2,3}[- ]?[0-9]{4}"  # 7 or 8 digits, never starting with 0 or 1
_PHONE_RE = re.compile(
    rf"\(?\+86\)?[- ]?(?:{_MOBILE}|0?{_AREA}[- ]?{_LOCAL}){_POST}"
    rf"|0{_PRE1}086[- ]?(?:{_MOBILE}|0?{_AREA}[- ]?{_LOCAL}){_POST}"
    rf"|8{_PRE1}6[- ]?{_MOBILE}{_POST}"
    rf"|1{_PRE1}(?:[3-9][0-9]|00)[- ]?[0-9]{{4}}[- ]?[0-9]{{4}}{_POST}"
    rf"|\(0{_AREA}\)[- ]?{_LOCAL}{_POST}"
    rf"|0{_PRE1}{_AREA}[- ]?{_LOCAL}{_POST}"
)
# a local number without area code counts only when a word says it is a phone number (one
# pattern per Latin spelling: each starts with a literal, which the regex engine finds fast)
_PHONE_WORD_TAIL = rf"(?:号码)?[.:：\s]{{0,3}}(?P<num>{_LOCAL}){_POST}"
_PHONE_WORD_RES = (
    re.compile(rf"(?:联系电话|联系方式|电话|手机|座机|热线|[☎☏📞📱]){_PHONE_WORD_TAIL}"),
    *(
        re.compile(rf"{word}(?<![A-Za-z]{word})(?![A-Za-z]){_PHONE_WORD_TAIL}")
        for word in ("Tel", "TEL", "tel", "Phone", "PHONE", "phone")
    ),
)
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE_RE = re.compile(
    rf"[{_PROVINCES}][A-Z][·•・. ]?(?=[A-Z]{{0,4}}[0-9])[A-Z0-9]{{4,5}}[A-Z0-9挂学警港澳]{_POST}"
)
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_DECISION_CORE = (
    rf"(?:认|工伤|人社)[{_CJK}]{{0,6}}"
    r"(?:[〔\[［（(【]\s{0,2}(?:19|20)[0-9]{2}\s{0,2}[〕\]］）)】]\s{0,2}第?|第)"
    r"\s{0,2}[0-9]{1,6}\s{0,2}号"
)
_DECISION_RE = re.compile(_DECISION_CORE)
_DECISION_HEAD = re.compile(rf"(?:(?!号)[{_CJK}]){{1,3}}\Z")  # 示, 常德市 … before 人社


def fold_width(text: str) -> str:
    """Full-width digits, letters, ``+ - . ( )`` and the ideographic space as ASCII.

    One character for one, so positions do not move (unlike NFKC).

    Examples
    --------
    >>> fold_width("电话：１３９　０７３６（住宅）")
    '电话：139 0736(住宅)'
    """
    return _FOLDABLE.sub(_fold_one, text)


def _fold_one(m: re.Match[str]) -> str:
    return m.group(0).translate(_FOLD)


def find_shapes(
    text: str,
    kinds: Iterable[str] = SHAPE_KINDS,
    pos: int = 0,
    endpos: int | None = None,
    *,
    folded: bool = False,
) -> list[tuple[int, int, str]]:
    """Pieces of `text` shaped like personal data, as ``(start, end, kind)``.

    Parameters
    ----------
    text
        Any text.
    kinds
        Among :data:`SHAPE_KINDS`:

        - ``id_number``: 18 characters = 6 region digits (first not 0) + a birth date
          ``YYYYMMDD`` (1900–2099, month 01–12, day 01–31) + 3 digits + digit or X, whatever
          the check character; 15-digit old IDs with a ``YYMMDD`` date; a space may split
          them after the region, the year and the date.
        - ``phone``: mainland mobiles ``1[3-9]`` + 9 digits and the demo's synthetic ``100``
          + 8 digits, split 3-4-4 by spaces or hyphens or not, optionally ``+86``/``0086``;
          landlines with an area code (``0736-7654321``, ``(0736)7654321``,
          ``07367654321``, ``+86 736 7654321``); a 7–8 digit local number only right after
          电话, 联系电话, 手机, 座机, 热线, Tel, Phone or ☎ (then only the number is the match).
        - ``plate``: a province character, a letter, an optional dot and 5–6 letters or
          digits with at least one digit (湘J·A1234, 湘AD12345, 湘A1234警).
        - ``decision_no``: ``认``, ``工伤`` or ``人社`` (with up to 3 CJK characters before it
          and up to 6 after) followed by a year in brackets and ``第?NNNN号``, or by
          ``第NNNN号`` alone, e.g. ``示人社工伤认字〔2023〕0001号``.
    pos, endpos
        Search ``text[pos:endpos]``; lookbehinds see the text before `pos`, and the text is
        treated as ending at `endpos`.
    folded
        `text` went through :func:`fold_width` already.

    Returns
    -------
    list of (int, int, str)
        Unsorted across kinds; matches of one kind do not overlap.

    Examples
    --------
    >>> find_shapes("路口东侧，电话13907361234；坐标111.6930822")
    [(7, 18, 'phone')]
    """
    kinds = {kinds} if isinstance(kinds, str) else set(kinds)
    t = text if folded else fold_width(text)
    end = len(t) if endpos is None else endpos
    hits: list[tuple[int, int, str]] = []
    if "id_number" in kinds:
        hits += [(m.start(), m.end(), "id_number") for m in _ID_RE.finditer(t, pos, end)]
    if "phone" in kinds:
        hits += [(m.start(), m.end(), "phone") for m in _PHONE_RE.finditer(t, pos, end)]
        for pattern in _PHONE_WORD_RES:
            hits += [(*m.span("num"), "phone") for m in pattern.finditer(t, pos, end)]
    if "plate" in kinds:
        hits += [(m.start(), m.end(), "plate") for m in _PLATE_RE.finditer(t, pos, end)]
    if "decision_no" in kinds:
        for m in _DECISION_RE.finditer(t, pos, end):
            start = m.start()
            head = _DECISION_HEAD.search(t, max(0, start - 3), start)
            if head is not None:
                start = head.start()
            hits.append((start, m.end(), "decision_no"))
    return hits


# --------------------------------------------------------------------------- the input's values

_ASCII_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_COMPACT = str.maketrans("", "", " \t\n\r\f\v-")
_CJK_PAIR = re.compile(rf"[{_CJK}][^{_CJK}]*[{_CJK}]")
_ANY_DIGIT = re.compile(r"[0-9]")
# every piece of a placeholder: a "name" such as 姓名 or 隐去 would find redacted text again
_PLACEHOLDER_PIECES = frozenset(
    p[i:j] for p in PLACEHOLDERS.values() for i in range(len(p)) for j in range(i + 1, len(p) + 1)
)


def classify_personal(value: object) -> tuple[str, str] | None:
    """The kind and search form of one personal value of the input, or None when too vague.

    The value is NFKC-normalised and stripped. Digit strings of 6 or more (spaces, hyphens, a
    leading ``+`` and a trailing ``.0`` ignored, a final X allowed) are ``id_number`` (15 or 18
    characters) or ``phone``, searched as whole digit tokens. Strings with at least two CJK
    characters are ``decision_no`` when they end in ``号`` and hold a digit, else ``name``,
    searched literally. Everything else (one character, short codes, Latin names) is None:
    too noisy to search.

    Examples
    --------
    >>> classify_personal(" 139-0736-1234 "), classify_personal("测试甲一")
    (('phone', '13907361234'), ('name', '测试甲一'))
    >>> classify_personal("示人社工伤认字〔2023〕0001号")[0], classify_personal("Li")
    ('decision_no', None)
    """
    if not isinstance(value, str):
        return None
    if value.isascii() and value.isdigit():  # the usual ID number or phone: fast
        n = len(value)
        return (("id_number" if n in (15, 18) else "phone"), value) if n >= 6 else None
    text = value
    if not text.isascii() and not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    text = text.strip()
    if text.isascii():
        compact = text.translate(_COMPACT)
        if compact.endswith(".0"):
            compact = compact[:-2]
        if compact.startswith("+"):
            compact = compact[1:]
        body = compact[:-1] if compact[-1:] in ("X", "x") else compact
        if len(body) < 6 or not body.isdigit():
            return None
        digits = compact.upper()
        is_id = len(digits) == 18 or (len(digits) == 15 and body == digits)
        return ("id_number" if is_id else "phone"), digits
    if _CJK_PAIR.search(text) is None:
        return None
    if text.endswith("号") and _ANY_DIGIT.search(text):
        return "decision_no", text
    return "name", text


class PersonalValues:
    """The input's own personal values (names, ID numbers, phones, decision numbers), ready
    to be found in any text.

    Digit values are found as whole digit tokens (no ASCII letter or digit either side, not
    the fraction of a decimal number). Names and decision numbers are found literally
    (Chinese has no word breaks), leftmost and longest first; an end that is an ASCII letter
    or digit must not touch another one, so ``测试乙二2`` is not found inside ``测试乙二26``.
    The lookup is a set lookup per candidate position (a character that starts some value),
    so it scales to millions of values: no giant regular expression is compiled.

    Parameters
    ----------
    digits
        Digit token (upper-case X) -> kind.
    words
        Name or decision number -> kind. Words inside a redaction placeholder (姓名, 隐去, …)
        are left out, so redacted text never matches again.

    The dicts are taken over, not copied (millions of entries at 1,000,000 cases).
    """

    __slots__ = ("_first", "_lengths", "digit_token", "digits", "kinds", "longest", "words")

    def __init__(self, digits: dict[str, str], words: dict[str, str]) -> None:
        self.digits = digits
        self.words = words
        for piece in _PLACEHOLDER_PIECES:
            words.pop(piece, None)
        words.pop("", None)
        self.kinds = frozenset(digits.values()) | frozenset(words.values())
        # distinct (first character, length) pairs, iterated in C (millions of words)
        pairs = set(zip(map(operator.itemgetter(0), words), map(len, words), strict=True))
        lengths: dict[str, list[int]] = {}
        for first, n in sorted(pairs, reverse=True):
            lengths.setdefault(first, []).append(n)  # longest first
        self._lengths = lengths
        self._first = (
            re.compile("[" + "".join(re.escape(c) for c in sorted(lengths)) + "]")
            if lengths
            else None
        )
        self.digit_token = None
        if digits:
            sizes = set(map(len, digits))
            lo, hi = max(min(sizes) - 2, 0), max(sizes) - 1  # -2: a final X is no digit
            self.digit_token = re.compile(rf"[0-9]{_PRE1}[0-9]{{{lo},{hi}}}[Xx]?{_POST}")
        self.longest = max(max(map(len, digits), default=0), max(map(len, words), default=0))

    @classmethod
    def of(cls, values: Iterable[object], kinds: Iterable[str] = REDACT_KINDS) -> PersonalValues:
        """Classify `values` with :func:`classify_personal`, keeping the given kinds."""
        kinds = set(kinds)
        digits: dict[str, str] = {}
        words: dict[str, str] = {}
        for value in values:
            if type(value) is str and value.isdigit() and value.isascii():
                # the usual ID number or phone, inline: millions of them at 1,000,000 cases
                n = len(value)
                if n < 6:
                    continue
                kind = "id_number" if n == 18 or n == 15 else "phone"
                form = value
            else:
                found = classify_personal(value)
                if found is None:
                    continue
                kind, form = found
                if kind == "name" or kind == "decision_no":
                    if kind in kinds:
                        words[form] = kind
                    continue
            if kind in kinds:
                digits[form] = kind
                if kind == "phone" and len(form) == 13 and form.startswith("86"):
                    digits[form[2:]] = kind  # +86 13907361234 is looked for without +86 too
        return cls(digits, words)

    def __len__(self) -> int:
        return len(self.digits) + len(self.words)

    def find(
        self, text: str, pos: int = 0, endpos: int | None = None
    ) -> list[tuple[int, int, str]]:
        """``(start, end, kind)`` of every value in ``text[pos:endpos]`` (folded text)."""
        end = len(text) if endpos is None else endpos
        hits: list[tuple[int, int, str]] = []
        if self.digit_token is not None:
            for m in self.digit_token.finditer(text, pos, end):
                kind = self.digits.get(m.group(0).upper())
                if kind is not None:
                    hits.append((m.start(), m.end(), kind))
        if self._first is None:
            return hits
        words, lengths, alnum = self.words, self._lengths, _ASCII_ALNUM
        last = pos
        for m in self._first.finditer(text, pos, end):
            p = m.start()
            if p < last:
                continue
            for n in lengths[text[p]]:
                e = p + n
                if e > end:
                    continue
                word = text[p:e]
                kind = words.get(word)
                if kind is None:
                    continue
                if word[0] in alnum and p > 0 and text[p - 1] in alnum:
                    continue
                if word[-1] in alnum and e < end and text[e] in alnum:
                    continue
                hits.append((p, e, kind))
                last = e
                break
        return hits


def personal_values(
    protected: pd.DataFrame | None, cases: pd.DataFrame | None = None
) -> PersonalValues:
    """The input's own personal values, prepared to be found in text: worker names, ID
    numbers and phones of intake's protected table (``worker_name``, ``id_number``,
    ``phone``) and the decision numbers of the cases (``decision_no``), each column where
    present, classified by :func:`classify_personal`.

    One set serves the release: the redactor of what is published
    (``Redactor(known=…)``) and the scan of what was written
    (:func:`trafficprev._scan.check_shared_outputs`). At 1,000,000 determinations (about
    4,000,000 values) it takes 3–6 seconds and under 1 GB; nothing is sorted and no regular
    expression of the values is compiled.
    """
    values: list[object] = []
    for frame, cols in (
        (protected, ("worker_name", "id_number", "phone")),
        (cases, ("decision_no",)),
    ):
        for col in cols:
            if frame is not None and col in frame.columns:
                values += pd.unique(frame[col].dropna().astype(str)).tolist()
    return PersonalValues.of(values)


# --------------------------------------------------------------------------- the redactor


def _cell_strings(value: object, out: set[str]) -> None:
    if isinstance(value, str):
        out.add(value)
    elif isinstance(value, tuple | list):
        for v in value:
            _cell_strings(v, out)


def _rebuild(value: object, mapping: dict[str, str]) -> object:
    if isinstance(value, str):
        return mapping.get(value, value)
    if isinstance(value, tuple | list):
        return type(value)(_rebuild(v, mapping) for v in value)
    return value


@dataclass(frozen=True, eq=False)
class Redactor:
    """Replace personal data in text by placeholders (:data:`PLACEHOLDERS`).

    What it replaces: everything :func:`find_shapes` finds (ID numbers, mobile and landline
    numbers, vehicle plates, decision numbers), the given `names` (worker names of the
    protected table: at least two CJK characters, matched literally anywhere), the given
    `numbers` (the input's own ID numbers and phones, as whole digit tokens, whatever their
    shape) and the values of `known`. What it leaves alone: any digit run outside those
    patterns — credit codes (91439900MA4J58RQ5R), coordinates (111.6930822), dates and
    times, road codes (G319, S224, X064), house numbers (人民路128号), hex ids and longer
    numbers.

    Parameters
    ----------
    names
        Worker names (values with fewer than two CJK characters are ignored: too vague).
    numbers
        The input's ID numbers and phones (values that are not digit strings are ignored).
    known
        Personal values already prepared (:func:`personal_values`), e.g. the ones the run's
        output check searches for, so they are classified once.
    kinds
        Kinds to replace, among :data:`REDACT_KINDS` (``name`` covers `names`, `numbers`
        and `known`).

    Examples
    --------
    >>> r = Redactor(names=["测试甲一"])
    >>> r("测试甲一家门口，电话 139-0736-1234，G319线K12+300")
    '〔姓名已隐去〕家门口，电话 〔电话已隐去〕，G319线K12+300'
    >>> r(("测试甲一公司", 5, True))
    ('〔姓名已隐去〕公司', 5, True)
    """

    names: Iterable[str] = ()
    numbers: Iterable[str] = ()
    known: PersonalValues | None = field(default=None, repr=False)
    kinds: Iterable[str] = REDACT_KINDS
    _values: PersonalValues = field(init=False, repr=False)

    def __post_init__(self) -> None:
        given = set(self.kinds)
        unknown = given - set(REDACT_KINDS)
        if unknown:
            raise ArgumentError(f"unknown kind(s) {sorted(unknown)}; known: {list(REDACT_KINDS)}")
        kinds = tuple(k for k in REDACT_KINDS if k in given)
        names, numbers = tuple(self.names), tuple(self.numbers)
        object.__setattr__(self, "kinds", kinds)
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "numbers", numbers)
        if "name" not in kinds:
            values = PersonalValues({}, {})
        elif self.known is not None and not names and not numbers:
            values = self.known
        else:
            known = self.known
            words = dict(known.words) if known is not None else {}
            digits = dict(known.digits) if known is not None else {}
            for name in names:
                found = classify_personal(name)
                if found is not None and found[0] in ("name", "decision_no"):
                    words[found[1]] = "name"
            digits.update(PersonalValues.of(numbers, ("id_number", "phone")).digits)
            values = PersonalValues(digits, words)
        object.__setattr__(self, "_values", values)

    @classmethod
    def from_protected(
        cls, protected: pd.DataFrame | None, cases: pd.DataFrame | None = None, **kw
    ) -> Redactor:
        """A redactor for the values of intake's tables (:func:`personal_values`): worker
        names, ID numbers and phones of `protected`, decision numbers of `cases`."""
        return cls(known=personal_values(protected, cases), **kw)

    def __repr__(self) -> str:
        return f"Redactor(values={len(self._values)}, kinds={self.kinds!r})"

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """``(start, end, kind)`` of what would be replaced in `text`, sorted, disjoint
        (overlapping finds are merged and keep the kind of the first)."""
        folded = fold_width(text)
        hits = find_shapes(folded, self.kinds, folded=True) + self._values.find(folded)
        hits.sort(key=lambda h: (h[0], -h[1]))
        out: list[tuple[int, int, str]] = []
        for start, end, kind in hits:
            if out and start < out[-1][1]:
                if end > out[-1][1]:
                    out[-1] = (out[-1][0], end, out[-1][2])
                continue
            out.append((start, end, kind))
        return out

    def _redact_many(self, texts: list[str]) -> dict[str, str]:
        """Redacted form of each text of `texts` that changes (one scan of them all)."""
        done: dict[str, str] = {}
        originals, current = texts, texts
        for _ in range(3):  # a replacement may free a neighbour's frame: look again
            if not current:
                break
            found = self.spans("\x00".join(current))
            if not found:
                break
            starts = np.cumsum([0, *map(len, current)]) + np.arange(len(current) + 1)
            which = np.searchsorted(starts, [s for s, _, _ in found], side="right") - 1
            by_text: dict[int, list[tuple[int, int, str]]] = {}
            for i, span in zip(which.tolist(), found, strict=True):
                by_text.setdefault(i, []).append(span)
            again, again_originals = [], []
            for i, spans in by_text.items():
                text, base = current[i], int(starts[i])
                pieces, at = [], 0
                for start, end, kind in spans:
                    pieces += [text[at : start - base], PLACEHOLDERS[kind]]
                    at = end - base
                pieces.append(text[at:])
                new = "".join(pieces)
                done[originals[i]] = new
                again.append(new)
                again_originals.append(originals[i])
            originals, current = again_originals, again
        return done

    def __call__(self, value: object) -> object:
        """`value` with personal data replaced: text, or a tuple or list of them (recursed);
        anything else unchanged."""
        strings: set[str] = set()
        _cell_strings(value, strings)
        if not strings:
            return value
        return _rebuild(value, self._redact_many(list(strings)))

    def series(self, values: pd.Series) -> pd.Series:
        """`values` redacted (each distinct text once); cells that are not text, tuples or
        lists are kept as they are."""
        cells = values.to_numpy(dtype=object)
        distinct = _distinct(cells)
        texts = [v for v in distinct if type(v) is str]
        nested = len(texts) < len(distinct) and any(isinstance(v, tuple | list) for v in distinct)
        if nested:  # tuples or lists in cells (a campaign site's enterprises): recurse
            strings: set[str] = set()
            for cell in distinct:
                _cell_strings(cell, strings)
            texts = list(strings)
        mapping = self._redact_many(texts) if texts else {}
        if not mapping:
            return values.copy()
        if nested:
            new = [_rebuild(v, mapping) for v in cells]
        else:
            new = [mapping.get(v, v) if type(v) is str else v for v in cells]
        out = pd.Series(new, index=values.index, name=values.name, dtype=object)
        return out.astype(values.dtype) if isinstance(values.dtype, pd.StringDtype) else out

    def frame(
        self, frame: pd.DataFrame, columns: Iterable[str] | None = None, *, skip: Iterable[str] = ()
    ) -> pd.DataFrame:
        """A copy of `frame` with `columns` redacted (default: every object or string
        column), except those in `skip` (ids and keys)."""
        out = frame.copy()
        skip = set(skip)
        if columns is None:
            columns = [
                c
                for c in out.columns
                if out[c].dtype == object or pd.api.types.is_string_dtype(out[c])
            ]
        for col in columns:
            if col in out.columns and col not in skip:
                out[col] = self.series(out[col])
        return out


def _distinct(cells: np.ndarray) -> np.ndarray:
    try:
        return pd.unique(cells)
    except TypeError:  # lists in cells
        return cells


def redact_shapes(values: pd.Series) -> pd.Series:
    """`values` with everything shaped like personal data replaced (no names): the
    redaction of sources that have no worker names (registers, OSM, POI and admin tables).

    Examples
    --------
    >>> redact_shapes(pd.Series(["某超市（电话0736-7654321）", "G319"])).tolist()
    ['某超市（电话〔电话已隐去〕）', 'G319']
    """
    return Redactor().series(values)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralize_formula(value: object) -> object:
    """Prefix an apostrophe to text that a spreadsheet would run as a formula.

    Examples
    --------
    >>> neutralize_formula("=HYPERLINK(\\"x\\")")
    '\\'=HYPERLINK("x")'
    >>> neutralize_formula("人民路")
    '人民路'
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def neutralize_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of `frame` with :func:`neutralize_formula` applied to text cells."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralize_formula)
    return out
