"""Personal data: identity-number checks, detection, masking and formula-safe cells.

Intake splits names, ID numbers, phone numbers, narratives and any column that looks
personal into a protected table; everything downstream works without them.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from ._vector import map_unique

__all__ = [
    "ID_CHECKS",
    "check_credit_codes",
    "check_id_numbers",
    "id_birth_dates",
    "id_sexes",
    "looks_personal_header",
    "looks_personal_values",
    "neutralize_formula",
    "neutralize_formulas",
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
_ID_LIKE = re.compile(
    r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])|(?<!\d)\d{6}(?:19|20)\d{7}(?!\d)"
)
_PHONE_LIKE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)|(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)")
_PLATE_LIKE = re.compile(
    r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]·?[A-Z][·\s]?[A-Z0-9]{5,6}"
)


def looks_personal_header(header: str) -> bool:
    """True when a column header names personal data (name, ID, phone, address, plate…)."""
    return bool(_PERSONAL_HEADER.search(unicodedata.normalize("NFKC", str(header))))


def looks_personal_values(values: pd.Series) -> bool:
    """True when any value holds something shaped like an ID number, phone or plate."""
    text = values.dropna().astype(str)
    if text.empty:
        return False
    text = text.map(lambda s: unicodedata.normalize("NFKC", s))
    return bool(
        text.str.contains(_ID_LIKE).any()
        or text.str.contains(_PHONE_LIKE).any()
        or text.str.contains(_PLATE_LIKE).any()
    )


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
