"""Tables of groups of people and circumstances (多发人群 / 多发情形): counts, shares, rates.

:func:`group_table` counts cases per category of one variable with the Wilson interval of each
share, flags small cells (``n < k``, to be suppressed in police / public outputs) and, given
an insured headcount per category, the rate per 1,000 insured person-years with its exact
Poisson interval. :func:`group_tables` and :func:`circumstance_tables` build the standard
sets; :func:`crosstab` and :func:`standard_crosstabs` the two-way tables.

Variables are column names of the cases frame or one of the derived names

* ``"hour"`` — hour of day 0..23 of the timed cases (minute / hour precision; other cases
  are left out of the table),
* ``"hour_band"`` — time-of-day band (:data:`~trafficprev.hotspots._windows.HOUR_BANDS`,
  times in no band → 其他, untimed cases → 时间不详),
* ``"age_band"`` — :func:`age_band` of ``age``,
* ``"location"`` — :func:`location_kind` (交叉口 / 路段 / 未知),
* ``"weekday"`` — 周一 … 周日 and ``"month"`` — 1月 … 12月 of the cases with a date,

which are always derived (a column of that name is ignored). Missing values and empty
strings of a column are the category 未知; a column absent from the frame makes every case
未知 in :func:`group_table` / :func:`crosstab`, and skips the table in the dictionary
builders.

Category order: derived variables (and pandas categorical columns) keep their natural order
and list every category, also those without a case (all 24 hours, 7 weekdays, 12 months).
Other columns list the values present, in :func:`group_table` by ``n`` descending, ties in
value order with 未知 after the values it ties with; in :func:`crosstab` likewise by their
margin. The dictionary builders show derived variables in natural order.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .._casetime import UNKNOWN, WEEKDAY_LABELS
from .._casetime import categories as _categories
from .._casetime import clock as _clock
from .._casetime import injured_at as _injured_at
from .._casetime import sort_key as _sort_key
from .._errors import ArgumentError, ArgumentTypeError
from .._periods import coverage, period_years
from ..hotspots import HOUR_BANDS, OTHER_BAND, UNKNOWN_TIME_BAND, hour_band
from ..schema import require_columns
from ._rates import poisson_ci, wilson_ci

__all__ = [
    "AGE_EDGES",
    "CROSSTABS",
    "LABELS",
    "age_band",
    "circumstance_tables",
    "crosstab",
    "crosstab_wide",
    "group_table",
    "group_tables",
    "location_kind",
    "standard_crosstabs",
    "years_spanned",
]

#: Lower edges of the age bands after the first (whole years).
AGE_EDGES = (25, 35, 45, 55, 60)

#: Standard two-way tables (row, column) of :func:`standard_crosstabs`.
CROSSTABS = (
    ("mode", "counterpart"),
    ("hour", "direction"),
    ("hour_band", "direction"),
    ("location", "counterpart"),
    ("age_band", "mode"),
)

#: Chinese name of each variable (table titles and keys).
LABELS = {
    "sex": "性别",
    "age_band": "年龄段",
    "mode": "出行方式",
    "industry": "行业",
    "hour_band": "时段",
    "time_band": "时段",
    "direction": "通勤方向",
    "counterpart": "对方车辆",
    "location": "交叉口/路段",
    "responsibility": "事故责任",
    "hour": "小时",
    "weekday": "星期",
    "month": "月份",
}

LOCATION_KINDS = ("交叉口", "路段", UNKNOWN)
MONTH_LABELS = tuple(f"{m}月" for m in range(1, 13))
TOTAL = "合计"

_LEVEL_KIND = {
    "intersection": "交叉口",
    "road_offset": "路段",
    "landmark": "路段",
    "road": "路段",
}
_DERIVED = ("hour", "hour_band", "age_band", "location", "weekday", "month")
_SOURCES = {
    "hour": ("injured_at",),
    "hour_band": ("injured_at",),
    "weekday": ("injured_at",),
    "month": ("injured_at",),
    "age_band": ("age",),
    "location": ("unit_id", "match_level"),
}


# ---------------------------------------------------------------------------------------
# derived variables


def age_band(age: pd.Series | Sequence[float], edges: Sequence[int] = AGE_EDGES) -> pd.Series:
    """Age band of each age: 25岁以下, 25–34岁, …, 60岁及以上, 未知.

    Parameters
    ----------
    age
        Ages in years (nullable Int64, float or text of numbers; missing or unreadable → 未知).
    edges
        Strictly increasing whole-year lower bounds of the bands after the first; the band of
        ``[a, b)`` is written ``a–(b−1)岁``.

    Returns
    -------
    band
        Ordered Categorical Series named ``age_band`` (index of `age` when it is a Series)
        with every band and 未知 as categories.

    Raises
    ------
    ValueError
        If `edges` is empty, not whole numbers or not strictly increasing.

    Examples
    --------
    >>> age_band(pd.Series([24, 25, 59, 60, None], dtype="Int64")).astype(str).tolist()
    ['25岁以下', '25–34岁', '55–59岁', '60岁及以上', '未知']
    """
    e = [int(x) for x in edges] if len(edges) else []
    if not e or any(float(x) != y for x, y in zip(edges, e, strict=True)):
        raise ArgumentError(f"edges must be a non-empty sequence of whole years, got {edges!r}")
    if any(b <= a for a, b in itertools.pairwise(e)):
        raise ArgumentError(f"edges must be strictly increasing, got {edges!r}")
    labels = [f"{e[0]}岁以下"]
    labels += [f"{a}–{b - 1}岁" if b - 1 > a else f"{a}岁" for a, b in itertools.pairwise(e)]
    labels += [f"{e[-1]}岁及以上", UNKNOWN]
    s = age if isinstance(age, pd.Series) else pd.Series(list(age), dtype=object)
    values = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    codes = np.searchsorted(np.asarray(e, dtype=float), values, side="right")
    codes = np.where(np.isnan(values), len(labels) - 1, codes)
    dtype = pd.CategoricalDtype(labels, ordered=True)
    band = pd.Categorical.from_codes(codes, dtype=dtype)
    return pd.Series(band, index=s.index, name="age_band")


def location_kind(cases: pd.DataFrame) -> pd.Series:
    """Kind of place of each case: 交叉口 (intersection), 路段 (road segment) or 未知.

    Parameters
    ----------
    cases
        Cases with ``unit_id`` (after snapping) and / or ``match_level`` (after geocoding).

    Returns
    -------
    kind
        Series named ``location`` aligned to `cases`.

    Notes
    -----
    A snapped case follows its unit: ``unit_id`` ``"I:…"`` → 交叉口, ``"S:…"`` → 路段. A case
    without a unit (``""``, missing, or no ``unit_id`` column) follows its geocoding level:
    intersection → 交叉口; road_offset, landmark, road → 路段; anything else (village,
    township, county, none, given, override, missing) → 未知.

    Examples
    --------
    >>> df = pd.DataFrame({"unit_id": ["I:a|b", "S:x:1:0", "", None],
    ...                    "match_level": ["road", "intersection", "intersection", "county"]})
    >>> location_kind(df).tolist()
    ['交叉口', '路段', '交叉口', '未知']
    """
    out = np.full(len(cases), UNKNOWN, dtype=object)
    if "match_level" in cases.columns:
        level = cases["match_level"].astype("string").str.strip().map(_LEVEL_KIND)
        known = level.notna().to_numpy(dtype=bool)
        out[known] = level[known].to_numpy(dtype=object)
    if "unit_id" in cases.columns:
        unit = cases["unit_id"].astype("string").str.strip()
        inter = unit.str.startswith("I:").fillna(False).to_numpy(dtype=bool)
        seg = unit.str.startswith("S:").fillna(False).to_numpy(dtype=bool)
        out[inter] = "交叉口"
        out[seg] = "路段"
    return pd.Series(out, index=cases.index, name="location", dtype=object)


def years_spanned(injured_at: pd.Series) -> float:
    """Length of the period of the cases in years: calendar quarters spanned / 4.

    The quarters are every calendar quarter from the first to the last ``injured_at``
    inclusive (also quarters without a case), as for enterprise rates
    (:func:`trafficprev._periods.coverage`); 0.0 when no case has a date.

    Examples
    --------
    >>> years_spanned(pd.Series(pd.to_datetime(["2023-02-01", "2024-11-30"])))
    2.0
    """
    return float(period_years(coverage(injured_at)))


def _available(cases: pd.DataFrame, name: str) -> bool:
    sources = _SOURCES.get(name, (name,))
    return any(c in cases.columns for c in sources)


def _resolve(
    cases: pd.DataFrame,
    name: str,
    *,
    age_edges: Sequence[int] = AGE_EDGES,
    hour_bands: Mapping[str, tuple[str, str]] = HOUR_BANDS,
) -> tuple[np.ndarray, list, bool]:
    """Category codes of a variable (-1: case left out), its categories, natural order?"""
    if not isinstance(name, str):
        raise ArgumentTypeError(f"a variable must be a column name, got {name!r}")
    if name in ("hour", "hour_band"):
        minute, timed, _ = _clock(cases)
        if name == "hour":
            return np.where(timed, minute // 60, -1), list(range(24)), True
        names = [*hour_bands, OTHER_BAND, UNKNOWN_TIME_BAND]
        band = hour_band(_injured_at(cases), hour_bands).to_numpy(dtype=object).copy()
        band[~timed] = UNKNOWN_TIME_BAND
        return pd.Index(names).get_indexer(band), names, True
    if name in ("weekday", "month"):
        t = _injured_at(cases)
        part = t.dt.day_of_week if name == "weekday" else t.dt.month - 1
        values = part.to_numpy(dtype=float, na_value=np.nan)
        codes = np.where(np.isnan(values), -1, np.nan_to_num(values)).astype(np.int64)
        labels = WEEKDAY_LABELS if name == "weekday" else MONTH_LABELS
        return codes, list(labels), True
    if name == "age_band":
        src = cases["age"] if "age" in cases.columns else pd.Series(np.nan, index=cases.index)
        band = age_band(src, age_edges)
        return band.cat.codes.to_numpy().astype(np.int64), list(band.cat.categories), True
    if name == "location":
        codes = pd.Index(LOCATION_KINDS).get_indexer(location_kind(cases).to_numpy(dtype=object))
        return codes, list(LOCATION_KINDS), True
    if name in cases.columns and isinstance(cases[name].dtype, pd.CategoricalDtype):
        s = cases[name]
        cats = list(s.cat.categories)
        codes = s.cat.codes.to_numpy().astype(np.int64)
        if (codes < 0).any():
            if UNKNOWN not in cats:
                cats.append(UNKNOWN)
            codes = np.where(codes < 0, cats.index(UNKNOWN), codes)
        return codes, cats, True
    codes, uniques = _categories(cases, name)
    return codes, list(uniques), False


def _order(n: np.ndarray) -> np.ndarray:
    """Category positions by ``n`` descending, ties by position (stable)."""
    return np.argsort(-n, kind="stable")


def _check_k(k: int) -> int:
    if not (isinstance(k, int | np.integer) and not isinstance(k, bool) and k >= 1):
        raise ArgumentError(f"k must be an int >= 1, got {k!r}")
    return int(k)


def _category_column(values: list) -> pd.Series:
    if values and all(isinstance(v, int | np.integer) for v in values):
        return pd.Series(values, dtype=np.int64)
    return pd.Series(values, dtype=object)


# ---------------------------------------------------------------------------------------
# one-way tables


def group_table(
    cases: pd.DataFrame,
    by: str,
    *,
    exposure: pd.Series | Mapping | None = None,
    years: float | None = None,
    k: int = 3,
    level: float = 0.95,
    sort: str = "n",
) -> pd.DataFrame:
    """Cases per category of one variable, with shares, intervals and optional rates.

    Parameters
    ----------
    cases
        One row per case.
    by
        A column name or a derived name (module docstring). Missing values → 未知; an absent
        column gives the single category 未知.
    exposure
        Insured headcount per category (Series or mapping category → headcount). Categories
        of `exposure` without a case get a row with ``n = 0``; categories of the cases
        without a headcount (such as 未知) get NaN rates.
    years
        Length of the period in years (required with `exposure`); see :func:`years_spanned`.
    k
        Small-cell threshold: ``small`` is ``n < k`` (zero cells included).
    level
        Confidence level of the share and rate intervals.
    sort
        ``"n"``: by ``n`` descending, ties in category order (the default); ``"category"``:
        category order (natural order of derived variables, else value order, 未知 last).

    Returns
    -------
    table
        One row per category: `by` (the category), ``n``, ``share`` (``n / n_total``),
        ``share_lower``, ``share_upper`` (Wilson), ``small``; with `exposure` also
        ``insured``, ``person_years`` (insured × years), ``rate_per_1000`` (``1000 · n /
        person_years``), ``rate_lower``, ``rate_upper`` (exact Poisson, per 1,000). ``attrs``:
        ``by``, ``k``, ``n_total`` (cases counted), ``n_excluded`` (cases left out: untimed
        for ``"hour"``, undated for ``"weekday"`` / ``"month"``), ``level`` and ``years``.

    Raises
    ------
    ValueError
        If `k`, `sort`, `years` or `exposure` is invalid.

    Notes
    -----
    Share interval: Wilson score interval of ``n`` out of ``n_total``
    (:func:`~trafficprev.groups._rates.wilson_ci`). Rate interval: exact (Garwood) Poisson
    interval of ``n`` events over ``person_years``
    (:func:`~trafficprev.groups._rates.poisson_ci`), times 1,000.

    Examples
    --------
    >>> df = pd.DataFrame({"sex": ["男", "男", "女", None]})
    >>> group_table(df, "sex")[["sex", "n", "share", "small"]].to_numpy().tolist()
    [['男', 2, 0.5, True], ['女', 1, 0.25, True], ['未知', 1, 0.25, True]]
    """
    codes, cats, natural = _resolve(cases, by)
    return _count_table(
        by, codes, cats, natural, exposure=exposure, years=years, k=k, level=level, sort=sort
    )


def _count_table(
    by: str,
    codes: np.ndarray,
    cats: list,
    natural: bool,
    *,
    exposure: pd.Series | Mapping | None,
    years: float | None,
    k: int,
    level: float,
    sort: str,
) -> pd.DataFrame:
    """:func:`group_table` of resolved category codes (-1: case left out)."""
    k = _check_k(k)
    if sort not in ("n", "category"):
        raise ArgumentError(f"sort must be 'n' or 'category', got {sort!r}")
    expo = None
    if exposure is not None:
        if years is None or not (math.isfinite(float(years)) and float(years) > 0):
            raise ArgumentError(f"years must be a positive number with exposure, got {years!r}")
        expo = pd.Series(exposure) if isinstance(exposure, Mapping) else exposure
        if not isinstance(expo, pd.Series):
            raise ArgumentTypeError("exposure must be a Series or a mapping category -> headcount")
        expo = expo[expo.index.notna()]
        if expo.index.has_duplicates:
            raise ArgumentError("exposure has repeated categories")
        expo = pd.to_numeric(expo, errors="coerce").astype(float)
        known = set(cats)
        extra = [c for c in expo.index if c not in known]
        if extra and not natural:
            merged = _sort_key([*cats, *extra])
            codes = np.where(codes >= 0, pd.Index(merged).get_indexer(cats)[codes], -1)
            cats = merged
        elif extra:
            cats = [*cats, *extra]
    included = codes >= 0
    n = np.bincount(codes[included], minlength=len(cats)).astype(np.int64)
    order = _order(n) if sort == "n" else np.arange(len(cats))
    n = n[order]
    cats = [cats[i] for i in order]
    n_total = int(included.sum())
    share = n / n_total if n_total else np.full(len(n), np.nan)
    lo, hi = wilson_ci(n, n_total, level)
    out = pd.DataFrame({by: _category_column(cats)})
    out["n"] = n
    out["share"] = share
    out["share_lower"] = lo
    out["share_upper"] = hi
    out["small"] = n < k
    if expo is not None:
        insured = expo.reindex(pd.Index(cats, dtype=object)).to_numpy(dtype=float)
        py = insured * float(years)
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = np.where(py > 0, 1000.0 * n / py, np.nan)
        r_lo, r_hi = poisson_ci(n, py, level)
        out["insured"] = insured
        out["person_years"] = py
        out["rate_per_1000"] = rate
        out["rate_lower"] = 1000.0 * r_lo
        out["rate_upper"] = 1000.0 * r_hi
    out.attrs.update(
        by=by,
        k=k,
        n_total=n_total,
        n_excluded=int(len(codes) - n_total),
        level=level,
        years=None if years is None else float(years),
    )
    return out


def _industry_exposure(enterprises: pd.DataFrame) -> pd.Series:
    require_columns(
        enterprises, ["industry", "insured"], what="enterprises (needed for industry rates)"
    )
    keep = ~enterprises["industry"].isna().to_numpy(dtype=bool)
    text = enterprises["industry"].astype("string")
    keep &= ~text.str.strip().eq("").fillna(True).to_numpy(dtype=bool)
    insured = pd.to_numeric(enterprises["insured"], errors="coerce").astype(float)
    frame = pd.DataFrame({"industry": text[keep].astype(object), "insured": insured[keep]})
    return frame.groupby("industry", sort=True)["insured"].sum(min_count=1)


def group_tables(
    cases: pd.DataFrame,
    enterprises: pd.DataFrame | None = None,
    *,
    years: float | None = None,
    k: int = 3,
    age_edges: Sequence[int] = AGE_EDGES,
    hour_bands: Mapping[str, tuple[str, str]] = HOUR_BANDS,
) -> dict[str, pd.DataFrame]:
    """The standard tables of groups of people: 性别, 年龄段, 出行方式, 行业, 时段, 通勤方向.

    Parameters
    ----------
    cases
        One row per case. A table whose source column (``sex``, ``age``, ``mode``,
        ``industry``, ``injured_at``, ``direction``) is absent is left out.
    enterprises
        Enterprise register with ``industry`` and ``insured`` (参保人数): the headcount of
        an industry is the sum of ``insured`` over the register's enterprises of that
        industry (missing headcounts skipped; register rows without an industry ignored, so
        the cases' 未知 industry has no rate). Gives the 行业 table its rate columns.
    years
        Length of the period for the rates; default :func:`years_spanned` of the cases
        (calendar quarters from the first to the last ``injured_at``, inclusive, / 4). No
        rates when it is 0 (no dated case).
    k
        Small-cell threshold (:func:`group_table`).
    age_edges, hour_bands
        Age band edges (:func:`age_band`) and time-of-day bands (untimed cases → 时间不详).

    Returns
    -------
    tables
        Title → :func:`group_table` frame, with category columns ``sex``, ``age_band``,
        ``mode``, ``industry``, ``hour_band``, ``direction``. 年龄段 and 时段 are in natural
        order (every band listed), the others by ``n`` descending. Each ``attrs`` also holds
        ``title``.

    Raises
    ------
    ValueError
        If `enterprises` lacks ``industry`` or ``insured``, or a parameter is invalid.

    Examples
    --------
    >>> df = pd.DataFrame({"sex": ["男", "女", "男"], "direction": ["上班", "下班", None]})
    >>> list(group_tables(df))
    ['性别', '通勤方向']
    """
    out: dict[str, pd.DataFrame] = {}
    for name in ("sex", "age_band", "mode", "industry", "hour_band", "direction"):
        if not _available(cases, name):
            continue
        if name in ("age_band", "hour_band"):
            codes, cats, nat = _resolve(cases, name, age_edges=age_edges, hour_bands=hour_bands)
            table = _count_table(
                name, codes, cats, nat, exposure=None, years=None, k=k, level=0.95, sort="category"
            )
        elif name == "industry" and enterprises is not None:
            exposure = _industry_exposure(enterprises)
            span = years_spanned(_injured_at(cases)) if years is None else float(years)
            if span > 0:
                table = group_table(cases, name, exposure=exposure, years=span, k=k)
            else:
                table = group_table(cases, name, k=k)
        else:
            table = group_table(cases, name, k=k)
        table.attrs["title"] = LABELS[name]
        out[LABELS[name]] = table
    return out


def circumstance_tables(cases: pd.DataFrame, *, k: int = 3) -> dict[str, pd.DataFrame]:
    """The standard tables of circumstances.

    Parameters
    ----------
    cases
        One row per case; a table whose source columns are all absent is left out.
    k
        Small-cell threshold (:func:`group_table`).

    Returns
    -------
    tables
        Title → :func:`group_table` frame: 对方车辆 (``counterpart``), 交叉口/路段
        (``location``, :func:`location_kind`), 事故责任 (``responsibility``), 小时 (``hour``
        0–23, timed cases only, all 24 rows), 星期 (``weekday`` 周一…周日, all 7 rows),
        月份 (``month`` 1月…12月, all 12 rows). 对方车辆 and 事故责任 are sorted by ``n``
        descending, the others in natural order. Each ``attrs`` also holds ``title``; the
        cases left out of 小时 / 星期 / 月份 are in ``attrs["n_excluded"]``.

    Examples
    --------
    >>> df = pd.DataFrame({"injured_at": pd.to_datetime(["2024-03-04 07:40", "2024-05-05 18:00"]),
    ...                    "time_precision": ["minute", "hour"], "counterpart": ["货车", None]})
    >>> {t: len(v) for t, v in circumstance_tables(df).items()}
    {'对方车辆': 2, '小时': 24, '星期': 7, '月份': 12}
    """
    out: dict[str, pd.DataFrame] = {}
    for name in ("counterpart", "location", "responsibility", "hour", "weekday", "month"):
        if not _available(cases, name):
            continue
        sort = "n" if name in ("counterpart", "responsibility") else "category"
        table = group_table(cases, name, k=k, sort=sort)
        table.attrs["title"] = LABELS[name]
        out[LABELS[name]] = table
    return out


# ---------------------------------------------------------------------------------------
# two-way tables


def crosstab(cases: pd.DataFrame, row: str, col: str, *, k: int = 3) -> pd.DataFrame:
    """Two-way table of cases, tidy and zero-filled.

    Parameters
    ----------
    cases
        One row per case.
    row, col
        Two different variables: column names or derived names (module docstring). A case
        left out of either (e.g. untimed for ``"hour"``) is left out of the table.
    k
        Small-cell threshold: ``small`` is ``n < k``.

    Returns
    -------
    table
        One row per combination of a `row` category and a `col` category (every
        combination, zero-filled), in row-category then column-category order: columns named
        `row` and `col`, ``n``, ``row_share`` (``n`` over the row's total), ``col_share``
        (over the column's total; NaN for an empty row / column) and ``small``. Categories
        are ordered as in the module docstring (plain columns by their margin, descending).
        ``attrs``: ``row``, ``col``, ``k``, ``n_total``, ``n_excluded``.

    Raises
    ------
    ValueError
        If `row` equals `col` or `k` is invalid.

    Examples
    --------
    >>> df = pd.DataFrame({"mode": ["步行", "步行", "公交"],
    ...                    "counterpart": ["货车", "单方", "货车"]})
    >>> crosstab(df, "mode", "counterpart")[["mode", "counterpart", "n", "row_share"]]
      mode counterpart  n  row_share
    0   步行          货车  1        0.5
    1   步行          单方  1        0.5
    2   公交          货车  1        1.0
    3   公交          单方  0        0.0
    """
    k = _check_k(k)
    if row == col:
        raise ArgumentError(f"row and col must differ, got {row!r} twice")
    r_codes, r_cats, r_nat = _resolve(cases, row)
    c_codes, c_cats, c_nat = _resolve(cases, col)
    keep = (r_codes >= 0) & (c_codes >= 0)
    nr, nc = len(r_cats), len(c_cats)
    counts = np.bincount(r_codes[keep] * nc + c_codes[keep], minlength=nr * nc).reshape(nr, nc)
    r_order = np.arange(nr) if r_nat else _order(counts.sum(axis=1))
    c_order = np.arange(nc) if c_nat else _order(counts.sum(axis=0))
    counts = counts[np.ix_(r_order, c_order)]
    r_cats = [r_cats[i] for i in r_order]
    c_cats = [c_cats[i] for i in c_order]
    r_tot = counts.sum(axis=1, keepdims=True)
    c_tot = counts.sum(axis=0, keepdims=True)
    row_share = np.full(counts.shape, np.nan)
    col_share = np.full(counts.shape, np.nan)
    np.divide(counts, r_tot, out=row_share, where=r_tot > 0)
    np.divide(counts, c_tot, out=col_share, where=c_tot > 0)
    out = pd.DataFrame(
        {
            row: _category_column(r_cats).repeat(nc).reset_index(drop=True),
            col: pd.concat([_category_column(c_cats)] * nr, ignore_index=True)
            if nr
            else _category_column([]),
        }
    )
    out["n"] = counts.reshape(-1).astype(np.int64)
    out["row_share"] = row_share.reshape(-1)
    out["col_share"] = col_share.reshape(-1)
    out["small"] = out["n"].to_numpy() < k
    n_total = int(keep.sum())
    out.attrs.update(row=row, col=col, k=k, n_total=n_total, n_excluded=int(len(keep) - n_total))
    return out


def crosstab_wide(long: pd.DataFrame) -> pd.DataFrame:
    """Display form of :func:`crosstab`: rows × columns of ``n`` with 合计 row and column.

    Parameters
    ----------
    long
        A :func:`crosstab` frame (its ``attrs`` name the row and column variables; without
        them the first two columns are used).

    Returns
    -------
    wide
        Integer counts, index = row categories then 合计 (named after the row variable),
        columns = column categories then 合计 (named after the column variable), in the
        order of `long`.

    Examples
    --------
    >>> df = pd.DataFrame({"mode": ["步行", "步行", "公交"],
    ...                    "counterpart": ["货车", "单方", "货车"]})
    >>> crosstab_wide(crosstab(df, "mode", "counterpart")).to_numpy().tolist()
    [[1, 1, 2], [1, 0, 1], [2, 1, 3]]
    """
    row = long.attrs.get("row", long.columns[0])
    col = long.attrs.get("col", long.columns[1])
    rows = list(pd.unique(long[row]))
    cols = list(pd.unique(long[col]))
    r_pos = pd.Index(rows, dtype=object).get_indexer(long[row].to_numpy(dtype=object))
    c_pos = pd.Index(cols, dtype=object).get_indexer(long[col].to_numpy(dtype=object))
    grid = np.zeros((len(rows) + 1, len(cols) + 1), dtype=np.int64)
    np.add.at(grid, (r_pos, c_pos), long["n"].to_numpy(dtype=np.int64))
    grid[-1, :-1] = grid[:-1, :-1].sum(axis=0)
    grid[:, -1] = grid[:, :-1].sum(axis=1)
    return pd.DataFrame(
        grid,
        index=pd.Index([*rows, TOTAL], dtype=object, name=row),
        columns=pd.Index([*cols, TOTAL], dtype=object, name=col),
    )


def standard_crosstabs(cases: pd.DataFrame, k: int = 3) -> dict[str, pd.DataFrame]:
    """The two-way tables of :data:`CROSSTABS`, keyed like ``"出行方式×对方车辆"``.

    A table whose variables lack their source columns is left out. Each frame is a
    :func:`crosstab` (tidy); ``attrs["title"]`` holds the key.

    Examples
    --------
    >>> df = pd.DataFrame({"mode": ["步行"], "counterpart": ["货车"], "match_level": ["road"]})
    >>> list(standard_crosstabs(df))
    ['出行方式×对方车辆', '交叉口/路段×对方车辆']
    """
    out: dict[str, pd.DataFrame] = {}
    for row, col in CROSSTABS:
        if not (_available(cases, row) and _available(cases, col)):
            continue
        title = f"{LABELS[row]}×{LABELS[col]}"
        table = crosstab(cases, row, col, k=k)
        table.attrs["title"] = title
        out[title] = table
    return out
