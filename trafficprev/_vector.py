"""Column helpers that run a Python function once per distinct value, not once per row."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["map_unique", "nfkc"]


def map_unique(values: pd.Series, func: Callable[[Any], Any], *, dtype: Any = object) -> pd.Series:
    """Apply `func` to each distinct value of `values` and spread the results back.

    Missing values are passed to `func` as ``None``. The result is aligned to `values`.

    Examples
    --------
    >>> map_unique(pd.Series(["a", "b", "a", None]), lambda s: (s or "").upper()).tolist()
    ['A', 'B', 'A', '']
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = np.empty(len(uniques) + 1, dtype=object)
    for i, u in enumerate(uniques):
        mapped[i] = func(u)
    mapped[-1] = func(None)  # code -1 (missing) picks the last slot
    out = pd.Series(mapped[codes], index=values.index, dtype=object)
    return out if dtype is object else out.astype(dtype)


#: Invisible format characters that make equal texts compare unequal (zero-width spaces and
#: joiners, bidi embeddings and overrides, word joiners, a stray BOM); removed from every cell.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


def _nfkc_strip(value: object) -> str:
    if value is None:
        return ""
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", str(value))).strip()


def nfkc(values: pd.Series) -> pd.Series:
    """NFKC-normalise and strip text cells, dropping invisible format characters (missing ->
    ``""``), as an object Series."""
    return map_unique(values, _nfkc_strip)
