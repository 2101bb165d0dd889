"""Emerging hot spot classes (ESRI's 8 hot + 8 cold + "no pattern"), with a written precedence.

Inputs per unit (road segment) are its significant-hot and significant-cold bins over T time
steps (e.g. quarterly Gi* after FDR, time ascending, the last column is the final step) and the
Mann–Kendall z and p of its Gi* z-score series (:func:`~trafficprev.trends._mannkendall.
mann_kendall_many`). The class definitions are ESRI's (*How Emerging Hot Spot Analysis works*,
``learnmoreemerging.htm``); xarray-spatial's ``emerging_hotspots`` table reads them the same
way. sfdep's ``emerging_hotspot_analysis`` (and its port PyEhsa) tests the classes in a different
order and deviates from the text (see ``methods.md`` §2.4); results differ, e.g. a unit hot in
9 of 10 steps but not in the final one is *historical* here and *persistent* in sfdep.

Precedence (first matching rule wins; implemented exactly as written)
---------------------------------------------------------------------
0. **No case, no class.** When the unit's own case count over the window's T steps is given
   (``n_cases``) and is 0, the unit is **无事故** (``no_cases``, code 0), whatever its bins
   say. Gi* is a neighbourhood statistic: a unit with no accident of its own turns hot
   because its neighbours had cases, and listing it as a 持续 / 新增 / 零星 … hot spot sends
   officials to a place where nothing happened. Such a unit is not a location of the cube
   in ArcGIS either (its cube holds only locations with at least one point). Its bins stay
   as computed (``n_hot``, ``n_cold``), and its neighbours that do have cases keep their
   classes. Without ``n_cases`` rule 0 is skipped.

Let T be the number of steps, *final* the last step, H the number of hot steps, C the number of
cold steps, ``share_hot = H/T``, ``share_cold = C/T``. "``share_hot ≥ share``" means
``H ≥ ceil(share·T − 1e-9)`` (the 1e-9 absorbs float error, so 9 of 10 is ≥ 90 %). A Mann–Kendall
trend is *significant* when ``mk_p < alpha``; a NaN ``mk_z`` or ``mk_p`` counts as no
significant trend.

1. Final step hot:

   a. T ≥ 2 and share_hot ≥ share: **intensifying** hot (3) if the trend is significant with
      ``mk_z > 0``; **diminishing** hot (5) if significant with ``mk_z < 0``; else
      **persistent** hot (4).
   b. else if no hot step before the final: **new** hot (1).
   c. else if the hot steps form one uninterrupted run ending at the final step, of length ≥ 2
      (never hot before the run): **consecutive** hot (2).
   d. else if any earlier step was significantly cold: **oscillating** hot (7).
   e. else (on-and-off hot, never cold): **sporadic** hot (6).

2. Final step cold: the mirror of 1 with hot and cold swapped, codes negated (−1 … −8).
   Intensifying cold (−3) is a significant *decreasing* z trend (getting colder), diminishing
   cold (−5) a significant *increasing* one; oscillating cold (−7) needs an earlier hot step.
3. Final step neither hot nor cold: **historical** hot (8) if share_hot ≥ share; else
   **historical** cold (−8) if share_cold ≥ share; else **no pattern** (0).

Consequences a caller must know
-------------------------------
* With T = 8 quarters and ``share = 0.9``, ``ceil(7.2) = 8``: persistent, intensifying and
  diminishing need **every** step hot (cold), and **historical is impossible** (it would need
  8 of 8 hot while the final step is not hot). Consecutive then covers runs of 2 … 7 hot
  quarters ending now, and "hot in 7 of 8 with the final" is consecutive, sporadic or
  oscillating. With T = 10, 9 of 10 suffice; with T = 20, 18 of 20.
* T = 1: there is no history, so rule 1a is skipped and a hot final step is **new** (a cold
  one new cold); T = 0 gives no pattern for every unit.
* The ≥ 90 % rules count *significant* bins only; consecutive and new already imply
  ``share_hot < share`` because rule 1a comes first.

Codes: ``1`` new, ``2`` consecutive, ``3`` intensifying, ``4`` persistent, ``5`` diminishing,
``6`` sporadic, ``7`` oscillating, ``8`` historical; negative for cold; ``0`` no class: no
pattern, or no case (rule 0; the class *name* ``no_cases`` / label 无事故 tells them apart), as
in :data:`EMERGING_CLASSES` (xarray-spatial uses the same −8 … 8 range).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from trafficprev._errors import ArgumentTypeError, SchemaError, SettingsError

__all__ = ["EMERGING_CLASSES", "classify_emerging", "emerging_classes"]

_KINDS: tuple[tuple[str, str, str], ...] = (
    # kind, English word, Chinese prefix
    ("new", "New", "新增"),
    ("consecutive", "Consecutive", "连续"),
    ("intensifying", "Intensifying", "加强"),
    ("persistent", "Persistent", "持续"),
    ("diminishing", "Diminishing", "减弱"),
    ("sporadic", "Sporadic", "零星"),
    ("oscillating", "Oscillating", "振荡"),
    ("historical", "Historical", "历史"),
)

_ROWS: tuple[tuple[int, str, str, str], ...] = (
    *(
        (i, f"{kind}_hot", f"{en} Hot Spot", f"{zh}热点")
        for i, (kind, en, zh) in enumerate(_KINDS, start=1)
    ),
    *(
        (-i, f"{kind}_cold", f"{en} Cold Spot", f"{zh}冷点")
        for i, (kind, en, zh) in enumerate(_KINDS, start=1)
    ),
    (0, "no_pattern", "No Pattern Detected", "无明显模式"),
)

#: Rule 0: a unit with no case of its own in the window (not an ESRI class).
_NO_CASES: tuple[int, str, str, str] = (0, "no_cases", "No Cases", "无事故")

#: The 17 ESRI classes and ``no_cases``: ``code`` (hot 1..8, cold −1..−8, 0 no class),
#: ``name`` (``"new_hot"`` …, unique), ``label_en`` (ESRI's wording) and ``label_zh``. Rows: hot
#: 1..8, cold −1..−8, then 0 ``no_pattern`` (无明显模式) and 0 ``no_cases`` (无事故, rule 0 of
#: the module docstring). Look classes up by ``name``: code 0 has two rows. Classification
#: does not read this frame, so changing a copy of it changes nothing.
EMERGING_CLASSES: pd.DataFrame = pd.DataFrame(
    [*_ROWS, _NO_CASES], columns=["code", "name", "label_en", "label_zh"]
).astype({"code": np.int64})

# code -> position in lookup arrays (code + 8)
_NAME_BY_CODE = np.array([r[1] for r in sorted(_ROWS)], dtype=object)
_ZH_BY_CODE = np.array([r[3] for r in sorted(_ROWS)], dtype=object)


def _as_bins(a: Any, name: str) -> np.ndarray:
    """Return a units × T boolean matrix, or raise (bool, or integers that are all 0/1)."""
    arr = a.to_numpy() if isinstance(a, pd.DataFrame) else np.asarray(a)
    if arr.ndim != 2:
        raise SchemaError(f"{name} must be 2-D (units × time steps), got {arr.ndim} dimension(s)")
    if arr.dtype == np.bool_:
        return arr
    if arr.dtype.kind in "iu" and ((arr == 0) | (arr == 1)).all():
        return arr.astype(bool)
    raise ArgumentTypeError(f"{name} must be boolean (or 0/1 integers), got dtype {arr.dtype}")


def _as_vector(a: Any, name: str, m: int) -> np.ndarray:
    arr = a.to_numpy() if isinstance(a, pd.Series) else np.asarray(a)
    if arr.ndim != 1 or arr.size != m:
        raise SchemaError(f"{name} must be 1-D with one value per unit ({m}), got {arr.shape}")
    if arr.dtype.kind not in "biuf":
        raise ArgumentTypeError(f"{name} must be numeric, got dtype {arr.dtype}")
    return arr.astype(np.float64)


def _as_counts(a: Any, m: int) -> np.ndarray | None:
    """The units' own case counts (NaN: unknown), or None when not given."""
    if a is None:
        return None
    arr = _as_vector(a, "n_cases", m)
    if (arr < 0).any():
        raise SchemaError(f"n_cases must not be negative, got {arr[arr < 0][0]!r}")
    return arr


def _check_settings(share: float, alpha: float) -> None:
    for key, value in (("share", share), ("alpha", alpha)):
        if isinstance(value, bool) or not isinstance(value, int | float | np.floating):
            raise SettingsError(f"{key} must be a number, got {value!r}")
    if not 0.0 < float(share) <= 1.0:
        raise SettingsError(f"share must be in (0, 1], got {share!r}")
    if not 0.0 < float(alpha) < 1.0:
        raise SettingsError(f"alpha must be in (0, 1), got {alpha!r}")


def _validated(
    hot: Any, cold: Any, mk_z: Any, mk_p: Any, share: float, alpha: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The bins and the trend, checked (raises on the first problem)."""
    _check_settings(share, alpha)
    h = _as_bins(hot, "hot")
    c = _as_bins(cold, "cold")
    if h.shape != c.shape:
        raise SchemaError(f"hot and cold must have the same shape, got {h.shape} and {c.shape}")
    both = h & c
    if both.any():
        unit, step = np.argwhere(both)[0]
        raise SchemaError(
            f"{int(both.sum())} bin(s) are both hot and cold (first: unit row {unit}, "
            f"step {step}); a bin is significantly hot, cold, or neither"
        )
    z = _as_vector(mk_z, "mk_z", h.shape[0])
    p = _as_vector(mk_p, "mk_p", h.shape[0])
    return h, c, z, p


def _final_side(
    mine: np.ndarray,
    other: np.ndarray,
    count: np.ndarray,
    need: int,
    up: np.ndarray,
    down: np.ndarray,
) -> np.ndarray:
    """Codes 1..7 (rules a–e) for units whose final step is in ``mine`` (hot, or cold)."""
    n_steps = mine.shape[1]
    many = (count >= need) & (n_steps >= 2)
    # length of the run of `mine` that ends at the final step
    rev = mine[:, ::-1]
    run = np.where(rev.all(axis=1), n_steps, np.argmin(rev, axis=1))
    earlier_other = other[:, :-1].any(axis=1)
    return np.select(
        [many & up, many & down, many, count == 1, (run == count) & (count >= 2), earlier_other],
        [3, 5, 4, 1, 2, 7],
        default=6,
    )


def _codes(
    hot: np.ndarray,
    cold: np.ndarray,
    mk_z: np.ndarray,
    mk_p: np.ndarray,
    share: float,
    alpha: float,
) -> np.ndarray:
    m, n_steps = hot.shape
    codes = np.zeros(m, dtype=np.int64)
    if n_steps == 0 or m == 0:
        return codes
    need = max(1, math.ceil(share * n_steps - 1e-9))
    n_hot = hot.sum(axis=1)
    n_cold = cold.sum(axis=1)
    with np.errstate(invalid="ignore"):
        sig = (mk_p < alpha) & np.isfinite(mk_z)  # NaN p compares False
        increasing = sig & (mk_z > 0)
        decreasing = sig & (mk_z < 0)
    final_hot = hot[:, -1]
    final_cold = cold[:, -1]
    hot_codes = _final_side(hot, cold, n_hot, need, increasing, decreasing)
    # cold mirror: getting colder (decreasing z) intensifies a cold spot
    cold_codes = -_final_side(cold, hot, n_cold, need, decreasing, increasing)
    neither = np.select([n_hot >= need, n_cold >= need], [8, -8], default=0)
    codes[:] = np.where(final_hot, hot_codes, np.where(final_cold, cold_codes, neither))
    return codes


def classify_emerging(
    hot: Any,
    cold: Any,
    mk_z: Any,
    mk_p: Any,
    *,
    share: float = 0.9,
    alpha: float = 0.05,
    n_cases: Any = None,
) -> np.ndarray:
    """Emerging hot/cold spot code of every unit, by the precedence in the module docstring.

    Parameters
    ----------
    hot, cold
        Boolean (or 0/1 integer) matrices, units × T time steps, time ascending (the last column
        is the final step): ``True`` where the bin is a significant hot (cold) spot, e.g. Gi*
        after FDR. A bin cannot be both. DataFrames are accepted.
    mk_z, mk_p
        Mann–Kendall z and p of each unit's Gi* z-score series (1-D, one per unit). NaN
        (e.g. a series with fewer than 2 values) counts as no significant trend.
    share
        Share of steps that must be hot (cold) for persistent / intensifying / diminishing /
        historical, in ``(0, 1]``; default ESRI's 90 %.
    alpha
        Significance level of the Mann–Kendall trend, in ``(0, 1)``.
    n_cases
        Each unit's own cases over the T steps (1-D, one per unit; NaN = unknown). A unit
        with 0 gets code 0 whatever its bins (rule 0, module docstring). None: rule 0 is
        skipped.

    Returns
    -------
    numpy.ndarray
        int64 codes, one per unit: hot 1..8 (new, consecutive, intensifying, persistent,
        diminishing, sporadic, oscillating, historical), cold −1..−8, 0 = no pattern or no
        case. See :data:`EMERGING_CLASSES` for names and labels.

    Raises
    ------
    SchemaError
        If ``hot`` / ``cold`` are not 2-D or differ in shape, a bin is both hot and cold,
        ``mk_z`` / ``mk_p`` / ``n_cases`` do not have one value per unit, or a count is
        negative.
    SettingsError
        If ``share`` is not in ``(0, 1]`` or ``alpha`` not in ``(0, 1)``.
    TypeError
        If ``hot`` / ``cold`` are not boolean (or 0/1 integers) or ``mk_z`` / ``mk_p`` not
        numeric.

    Notes
    -----
    With T = 8 and ``share = 0.9`` every step must be hot for persistent / intensifying /
    diminishing, and historical cannot occur (module docstring).

    Examples
    --------
    >>> hot = np.array([[0, 0, 0, 0, 0, 0, 0, 1, 1, 1],
    ...                 [1, 1, 1, 1, 1, 1, 1, 1, 1, 0],
    ...                 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]], dtype=bool)
    >>> cold = np.zeros_like(hot)
    >>> classify_emerging(hot, cold, [0.5, 0.0, 4.0], [0.6, 1.0, 0.001]).tolist()
    [2, 8, 3]
    >>> classify_emerging(hot, cold, [0.5, 0.0, 4.0], [0.6, 1.0, 0.001], n_cases=[0, 3, 9]).tolist()
    [0, 8, 3]
    """
    h, c, z, p = _validated(hot, cold, mk_z, mk_p, share, alpha)
    counts = _as_counts(n_cases, h.shape[0])
    codes = _codes(h, c, z, p, float(share), float(alpha))
    if counts is not None:
        codes[counts == 0] = 0
    return codes


def emerging_classes(
    hot: Any,
    cold: Any,
    mk_z: Any,
    mk_p: Any,
    *,
    share: float = 0.9,
    alpha: float = 0.05,
    n_cases: Any = None,
) -> pd.DataFrame:
    """Emerging hot/cold spot classes of every unit, as a table.

    Same inputs and rules as :func:`classify_emerging`.

    Parameters
    ----------
    hot, cold
        Boolean (or 0/1 integer) matrices, units × T, time ascending. If ``hot`` is a
        DataFrame its index becomes the result's index.
    mk_z, mk_p
        Mann–Kendall z and p of each unit's Gi* z-score series (NaN = no significant trend).
    share
        Share of steps for the ≥ 90 % rules, in ``(0, 1]``.
    alpha
        Significance level of the Mann–Kendall trend, in ``(0, 1)``.
    n_cases
        Each unit's own cases over the T steps (NaN = unknown): a unit with 0 is
        ``no_cases`` / 无事故 (rule 0). None: rule 0 is skipped.

    Returns
    -------
    pandas.DataFrame
        One row per unit: ``emerging_code`` (int), ``emerging_class`` (name, e.g.
        ``"new_hot"``, ``"no_cases"``), ``emerging_label`` (Chinese label, e.g. 新增热点,
        无事故), ``n_steps`` (T), ``n_hot``, ``n_cold`` (the unit's significant bins, also for
        a ``no_cases`` unit), ``hot_share`` and ``cold_share`` (NaN when T = 0).

    Raises
    ------
    SchemaError
        As :func:`classify_emerging`.
    SettingsError
        As :func:`classify_emerging`.
    TypeError
        As :func:`classify_emerging`.

    Examples
    --------
    >>> hot = [[False, False, True], [False, False, False]]
    >>> cold = [[False, False, False], [True, False, True]]
    >>> emerging_classes(hot, cold, [1.0, -1.0], [0.3, 0.3])[
    ...     ["emerging_code", "emerging_class", "emerging_label"]].to_numpy().tolist()
    [[1, 'new_hot', '新增热点'], [-6, 'sporadic_cold', '零星冷点']]
    >>> emerging_classes(hot, cold, [1.0, -1.0], [0.3, 0.3], n_cases=[0, 2])[
    ...     ["emerging_code", "emerging_class", "emerging_label", "n_hot"]].to_numpy().tolist()
    [[0, 'no_cases', '无事故', 1], [-6, 'sporadic_cold', '零星冷点', 0]]
    """
    h, c, z, p = _validated(hot, cold, mk_z, mk_p, share, alpha)
    counts = _as_counts(n_cases, h.shape[0])
    codes = _codes(h, c, z, p, float(share), float(alpha))
    names = _NAME_BY_CODE[codes + 8]
    labels = _ZH_BY_CODE[codes + 8]
    if counts is not None:
        none = counts == 0
        codes[none] = _NO_CASES[0]
        names[none] = _NO_CASES[1]
        labels[none] = _NO_CASES[3]
    m, n_steps = h.shape
    n_hot = h.sum(axis=1).astype(np.int64)
    n_cold = c.sum(axis=1).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        hot_share = n_hot / n_steps if n_steps else np.full(m, np.nan)
        cold_share = n_cold / n_steps if n_steps else np.full(m, np.nan)
    index = hot.index if isinstance(hot, pd.DataFrame) else None
    return pd.DataFrame(
        {
            "emerging_code": codes,
            "emerging_class": names,
            "emerging_label": labels,
            "n_steps": np.full(m, n_steps, dtype=np.int64),
            "n_hot": n_hot,
            "n_cold": n_cold,
            "hot_share": np.asarray(hot_share, dtype=np.float64),
            "cold_share": np.asarray(cold_share, dtype=np.float64),
        },
        index=index,
    )
