"""Synthetic personal-looking values that are visibly not real.

ID numbers always fail their GB 11643 check character, phone numbers start with 100 (no
such mobile prefix), names are 测试 names, decision numbers carry the fictional 示 prefix.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

__all__ = ["credit_code", "fake_id", "fake_phone", "worker_name"]

_ID_W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_C = "10X98765432"
_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_W = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_STEMS = "甲乙丙丁戊己庚辛壬癸"
_TAILS = "一二三四五六七八九十"


def fake_id(rng: np.random.Generator, birth: dt.date, male: bool, region: str = "439902") -> str:
    """An 18-character ID number for `birth` and sex whose check character is wrong."""
    seq = int(rng.integers(0, 99)) * 10 + int(
        rng.choice([1, 3, 5, 7, 9] if male else [0, 2, 4, 6, 8])
    )
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    right = _ID_C[sum(int(a) * b for a, b in zip(body, _ID_W, strict=True)) % 11]
    wrong = _ID_C[(_ID_C.index(right) + 1 + int(rng.integers(9))) % 11]
    return body + wrong


def credit_code(rng: np.random.Generator, prefix: str = "9143990") -> str:
    """A unified social credit code with a valid check character (not personal data)."""
    body = prefix + "".join(rng.choice(list(_CREDIT_ALPHABET), size=17 - len(prefix)))
    total = sum(_CREDIT_ALPHABET.index(c) * w for c, w in zip(body, _CREDIT_W, strict=True))
    return body + _CREDIT_ALPHABET[(31 - total % 31) % 31]


def fake_phone(rng: np.random.Generator) -> str:
    """An 11-digit number starting with 100 (no Chinese mobile number does)."""
    return f"100{int(rng.integers(10**8)):08d}"


def worker_name(i: int) -> str:
    """The `i`-th synthetic worker name: 测试甲一, 测试甲二, …, then 测试甲一2, …"""
    stem, tail, rnd = _STEMS[i % 10], _TAILS[(i // 10) % 10], i // 100
    return f"测试{stem}{tail}" + (str(rnd + 1) if rnd else "")
