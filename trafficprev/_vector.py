"""Column helpers that run a Python function once per distinct value, not once per row."""

from __future__ import annotations

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


def _nfkc_strip(value: object) -> str:
    return "" if value is None else unicodedata.normalize("NFKC", str(value)).strip()


def nfkc(values: pd.Series) -> pd.Series:
    """NFKC-normalise and strip text cells (missing -> ``""``), as an object Series."""
    return map_unique(values, _nfkc_strip)
