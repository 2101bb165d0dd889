"""Combinations of fields that stand out (特定人群与多发情形).

:func:`combinations` counts the cases of every combination of 1..``max_order`` fields
(industry × mode × direction × time band …), compares each count with what a baseline of
"no interaction beyond the known structure" expects, drops the combinations that only repeat
a simpler or a more specific one, and ranks the rest with bootstrap intervals of their lift
and of their rank. :func:`combination_frame` gives the categories it works on. The method is
written out in ``docs/groups.md`` (section 「特定人群与多发情形」).

Fields are column names of the cases or one of the derived names (always derived: a column
of that name is ignored)

* ``"time_band"`` — :data:`TIME_BANDS` of ``injured_at`` (a full partition of the day;
  untimed and date-only cases → 未知),
* ``"age_band"`` — :func:`~trafficprev.groups._tables.age_band` of ``age``,
* ``"location"`` — :func:`~trafficprev.groups._tables.location_kind` (交叉口 / 路段 / 未知).

Missing values and blank text are 未知; a plain column absent from the cases makes every case
未知. A value in :data:`NOT_A_GROUP` is never part of a group, but its cases stay in the
total and in the margins of the baseline.

**The method in short.** Baseline: ``E = N · Π_b s_b`` over the blocks *b* the cell
touches, ``s_b`` the share of the cases (all N, 未知 included) in the cell's values of that
block's fields; a field of the exposure has the share ``s_known · insured(v) / Σ insured``
instead (``s_known``: the share of cases whose value is in the exposure), other values their
case share. Without exposure this is the maximum-likelihood fit of the Poisson log-linear
model with the blocks' interactions and every main effect on the cell's table. Pruning:
(1) a cell of order ≥ 2 whose count one of its parents predicts — the one-sided exact
binomial ``P(Bin(n_parent, E/E_parent) >= n)`` times the parent's number of tested
children (Bonferroni within the parent) is ``>= α`` — is dropped, reason
「与上级组合相比无额外风险」; (2) then, from the highest order down, a kept cell whose excess
a kept descendant explains — ``P(X >= n − n_d | E − E_d) >= α`` — is dropped, reason
「由下级组合解释」. The bootstrap resamples the cases (multinomial over their unique
profiles); each replicate recomputes n and E with its own margins.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd
from scipy import special, stats

from .._casetime import UNKNOWN
from .._casetime import categories as _categories
from .._casetime import clock as _clock
from .._errors import ArgumentError, ArgumentTypeError
from ..hotspots import HOUR_BANDS, hour_band
from ..schema import require_columns
from ._combos_boot import (
    Baseline,
    Cells,
    bootstrap_log_lift,
    count_cells,
    fdr_bh,
    poisson_sf,
    prune,
)
from ._rates import poisson_ci
from ._tables import LOCATION_KINDS, age_band, location_kind

__all__ = [
    "BLOCKS",
    "CIRCUMSTANCE_FIELDS",
    "NOT_A_GROUP",
    "PERSON_FIELDS",
    "TARGET_FIELDS",
    "TIME_BANDS",
    "Combinations",
    "combination_frame",
    "combinations",
]

#: Fields of the target groups of people (特定人群).
TARGET_FIELDS = (
    "industry", "mode", "direction", "time_band", "age_band", "sex",
    "counterpart", "location", "responsibility",
)  # fmt: skip
#: Fields of the circumstances (多发情形).
CIRCUMSTANCE_FIELDS = ("mode", "counterpart", "responsibility", "time_band", "location")
#: Field pairs whose association is structure, not a finding: the baseline keeps their joint
#: share (going home happens in the evening; who is to blame depends on the other party).
BLOCKS = (("direction", "time_band"), ("counterpart", "responsibility"))
#: Fields that sort workers into groups of people (each worker in one value); a rate per
#: 1,000 insured is given only to a cell whose part of these is one field with a headcount.
PERSON_FIELDS = ("industry", "sex", "age_band", "mode")
#: Values that are not a group: unknown, and responsibility not determined.
NOT_A_GROUP = (UNKNOWN, "未认定")
#: A full partition of the day, ``name -> (start, end)`` as ``"HH:MM"``, each ``[start, end)``
#: (夜间 wraps past midnight); 早高峰, 午间, 晚高峰 and 夜间 are those of
#: :data:`~trafficprev.hotspots.HOUR_BANDS`.
TIME_BANDS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "夜间": HOUR_BANDS["夜间"],
        "清晨": ("05:00", HOUR_BANDS["早高峰"][0]),
        "早高峰": HOUR_BANDS["早高峰"],
        "上午": (HOUR_BANDS["早高峰"][1], HOUR_BANDS["午间"][0]),
        "午间": HOUR_BANDS["午间"],
        "下午": (HOUR_BANDS["午间"][1], HOUR_BANDS["晚高峰"][0]),
        "晚高峰": HOUR_BANDS["晚高峰"],
        "傍晚": (HOUR_BANDS["晚高峰"][1], HOUR_BANDS["夜间"][0]),
    }
)

RULE_PARENT = "与上级组合相比无额外风险"
RULE_CHILD = "由下级组合解释"
_SEP = "、"
_DERIVED_SOURCES = {"time_band": ("injured_at",), "age_band": ("age",)}
_VALUE_COLUMNS = (
    "n", "share", "expected", "expected_share", "lift", "lift_low", "lift_high", "p_value",
    "q_value", "called_out", "rank_low", "rank_high", "insured", "rate_per_1000", "rate_low",
    "rate_high",
)  # fmt: skip
_PRUNED_COLUMNS = ("n", "expected", "lift", "p_value", "reason", "by")


@dataclass(frozen=True)
class Combinations:
    """Combinations of fields that stand out, with the ones left out and why.

    Attributes
    ----------
    table
        Kept cells, ranked, with the columns

        ``rank``
            1..len in table order: called-out rows by lift_low descending, then lift
            (with ``rank_by="lift"``: by lift, ties ``n`` descending, then group),
            then the other kept rows by ``p_value`` ascending (ties lift descending, then
            group).
        ``group``, ``order``, one column per field
            The values joined by 、 in field order (time bands with their hours, e.g.
            ``制造业、电动自行车、下班途中、夜间（21:00–05:00）``; counterparts, sex,
            responsibility and direction in words: 对方小型汽车, 男性, 本人次要责任,
            下班途中), the number of fields, and each field's value (``""`` when the cell
            does not have the field).
        ``n``, ``share``, ``expected``, ``expected_share``, ``lift``
            Cases, ``n / n_cases``, the baseline count E and ``E / n_cases``, ``n / E``.
        ``lift_low``, ``lift_high``
            Interval adjusted for the selection: ``lift · exp(∓ z · se)``, *se* the
            bootstrap standard deviation of log lift, ``z = Φ⁻¹(1 − R·α / (2 · n_cells))``
            with *R* the cells the FDR step selects (Benjamini–Yekutieli's false coverage
            rate; *R* = 1 when none is) (NaN for rows not followed by the bootstrap).
        ``p_value``, ``q_value``
            Exact one-sided Poisson ``P(X >= n | E)`` and its Benjamini–Hochberg
            adjustment over ``n_cells``.
        ``called_out``
            ``q_value < α``, ``lift_low > 1`` and ``n >= min_called``.
        ``rank_low``, ``rank_high``
            `level` percentile interval of the row's rank by lift among the followed rows
            in each replicate.
        ``insured``, ``rate_per_1000``, ``rate_low``, ``rate_high``
            Where the cell's part in :data:`PERSON_FIELDS` (or in the exposure) is one field
            with a headcount: that headcount, ``n / insured / years · 1000`` and its exact
            Poisson interval; NaN elsewhere.
    pruned
        Cells tested but left out as redundant: ``group, order, <fields>, n, expected, lift,
        p_value, reason, by`` (``by``: the group that makes it redundant).
    fields
        The fields combined, in the order of the columns and of the group text.
    n_cases
        Cases the ranking rests on: every row of the cases, 未知 values included.
    n_cells
        Cells tested (``n >= k``, no value in :data:`NOT_A_GROUP`, and an expected count of
        their own: touching two blocks of the baseline, or a field with an exposure; a
        single field without exposure, or direction × time band, is its own expectation and
        no row): the size of the family of the false-discovery-rate step and of the lift
        intervals.
    n_boot
        Bootstrap replicates behind ``lift_low`` … ``rank_high``.
    level
        Confidence level; α = 1 − level.
    exposure_fields
        Fields whose baseline share came from the insured headcount.

    The property :attr:`called_out` gives the called-out rows of :attr:`table`.
    """

    table: pd.DataFrame
    pruned: pd.DataFrame
    fields: tuple[str, ...]
    n_cases: int
    n_cells: int
    n_boot: int
    level: float
    exposure_fields: tuple[str, ...]

    @property
    def called_out(self) -> pd.DataFrame:
        """The rows of :attr:`table` that are called out (a view in rank order)."""
        return self.table[self.table["called_out"].to_numpy(dtype=bool)]


# ---------------------------------------------------------------------------------------
# categories


@functools.cache
def _minute_bands() -> np.ndarray:
    """Index in :data:`TIME_BANDS` of every minute of the day 0..1439."""
    day = pd.Series(pd.Timestamp("2000-01-03") + pd.to_timedelta(np.arange(1440), "min"))
    names = hour_band(day, TIME_BANDS).to_numpy(dtype=object)
    index = pd.Index(list(TIME_BANDS), dtype=object).get_indexer(names)
    if (index < 0).any():  # pragma: no cover - guarded by a test of TIME_BANDS
        raise ArgumentError("TIME_BANDS must cover the whole day")
    return index


def _check_fields(fields: Sequence[str]) -> tuple[str, ...]:
    if isinstance(fields, str) or not isinstance(fields, Sequence):
        raise ArgumentTypeError(f"fields must be a sequence of field names, got {fields!r}")
    names = tuple(fields)
    if not names:
        raise ArgumentError("fields must name at least one field")
    if not all(isinstance(f, str) and f for f in names):
        raise ArgumentTypeError(f"every field must be a non-empty name, got {names!r}")
    if len(set(names)) != len(names):
        raise ArgumentError(f"fields must be distinct, got {names!r}")
    return names


def _require(cases: pd.DataFrame, names: tuple[str, ...]) -> None:
    if not isinstance(cases, pd.DataFrame):
        raise ArgumentTypeError(f"cases must be a DataFrame, got {type(cases).__name__}")
    needed: list[str] = []
    for name in names:
        needed += _DERIVED_SOURCES.get(name, ())
        if name == "location" and not {"unit_id", "match_level"} & set(cases.columns):
            needed.append("match_level")
    require_columns(cases, needed, what="cases")


def _encode(cases: pd.DataFrame, name: str) -> tuple[np.ndarray, list[str]]:
    """Codes (int64, one per case) and category texts of a field; 未知 for unknown."""
    if name == "time_band":
        minute, timed, _ = _clock(cases)
        lookup = _minute_bands()
        codes = np.where(timed, lookup[np.clip(minute, 0, 1439)], len(TIME_BANDS))
        return codes.astype(np.int64), [*TIME_BANDS, UNKNOWN]
    if name == "age_band":
        band = age_band(cases["age"])
        return band.cat.codes.to_numpy().astype(np.int64), [str(c) for c in band.cat.categories]
    if name == "location":
        kind = location_kind(cases).to_numpy(dtype=object)
        return pd.Index(LOCATION_KINDS).get_indexer(kind).astype(np.int64), list(LOCATION_KINDS)
    codes, uniques = _categories(cases, name)
    texts = [u if isinstance(u, str) else str(u) for u in uniques]
    merged, labels = pd.factorize(pd.Index(texts, dtype=object))  # 1 and "1" are one value
    return merged[codes].astype(np.int64), [str(x) for x in labels]


def combination_frame(cases: pd.DataFrame, fields: Sequence[str] = TARGET_FIELDS) -> pd.DataFrame:
    """The category of every case in every field, as text.

    Parameters
    ----------
    cases
        One row per case.
    fields
        Field names: columns of `cases` or the derived ``time_band``, ``age_band``,
        ``location`` (module docstring).

    Returns
    -------
    frame
        One column per field (text; 未知 for missing, blank or untimed), on the index of
        `cases`.

    Raises
    ------
    SchemaError
        If a derived field lacks its source column (``injured_at``, ``age``, ``unit_id`` /
        ``match_level``), all listed at once.
    TypeError
        If `cases` is not a DataFrame or ``injured_at`` is not datetime64.

    Examples
    --------
    >>> df = pd.DataFrame({"injured_at": pd.to_datetime(["2024-03-04 23:10", "2024-03-05 00:00"]),
    ...                    "time_precision": ["minute", "day"], "mode": ["步行", " "]})
    >>> combination_frame(df, ["mode", "time_band"]).to_numpy().tolist()
    [['步行', '夜间'], ['未知', '未知']]
    """
    names = _check_fields(fields)
    _require(cases, names)
    out = {}
    for name in names:
        codes, labels = _encode(cases, name)
        out[name] = np.asarray(labels, dtype=object)[codes]
    return pd.DataFrame(out, index=cases.index, columns=list(names), dtype=object)


#: How a value of a field reads in a group's words where the bare value would be ambiguous
#: (电动自行车 is a mode and a counterpart) or terse.
_WORDS = {
    "direction": {"上班": "上班途中", "下班": "下班途中"},
    "sex": {"男": "男性", "女": "女性"},
    "counterpart": {"单方": "单方事故", "逃逸未查获": "对方逃逸"},
    "responsibility": {"意外": "交通意外"},
}
_PREFIX = {"counterpart": "对方", "responsibility": "本人"}
_SUFFIX = {"responsibility": "责任"}


def _display(name: str, labels: list[str]) -> np.ndarray:
    """Category texts as a group names them: time bands with their hours, counterparts,
    sex, responsibility and direction in words (对方小型汽车, 男性, 本人次要责任, 下班途中).

    Examples
    --------
    >>> _display("counterpart", ["小型汽车", "单方"]).tolist()
    ['对方小型汽车', '单方事故']
    >>> _display("responsibility", ["次要", "意外"]).tolist()
    ['本人次要责任', '交通意外']
    """
    if name == "time_band":
        return np.asarray(
            [f"{x}（{TIME_BANDS[x][0]}–{TIME_BANDS[x][1]}）" if x in TIME_BANDS else x
             for x in labels],
            dtype=object,
        )  # fmt: skip
    words = _WORDS.get(name, {})
    pre, post = _PREFIX.get(name, ""), _SUFFIX.get(name, "")
    return np.asarray([words.get(x, f"{pre}{x}{post}") for x in labels], dtype=object)


# ---------------------------------------------------------------------------------------
# arguments


def _check_int(value: object, name: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise ArgumentError(f"{name} must be an int >= {low}, got {value!r}")
    return int(value)


def _check_level(level: object) -> float:
    try:
        lv = float(level)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ArgumentError(f"level must be a number in (0, 1), got {level!r}") from None
    if not 0.0 < lv < 1.0:
        raise ArgumentError(f"level must be in (0, 1), got {level!r}")
    return lv


def _block_ids(names: tuple[str, ...], blocks: Sequence[Sequence[str]]) -> np.ndarray:
    """Block number of every field (a field in no block is its own block)."""
    if isinstance(blocks, str) or not isinstance(blocks, Sequence):
        raise ArgumentTypeError(f"blocks must be a sequence of field tuples, got {blocks!r}")
    ids = np.arange(len(names))
    seen: set[str] = set()
    for block in blocks:
        if isinstance(block, str) or not isinstance(block, Sequence):
            raise ArgumentTypeError(f"a block must be a tuple of field names, got {block!r}")
        if seen & set(block):
            raise ArgumentError(f"blocks must not share a field, got {blocks!r}")
        seen |= set(block)
        inside = [names.index(f) for f in block if f in names]
        ids[inside] = min(inside) if inside else 0
    return ids


def _exposure_shares(
    exposure: pd.DataFrame | None,
    names: tuple[str, ...],
    labels: list[list[str]],
    blocks: np.ndarray,
) -> dict[int, np.ndarray]:
    """Field position → insured headcount per category (NaN: not in the exposure), followed
    by the headcount of the whole exposure of that field (values without a case included)."""
    if exposure is None:
        return {}
    if not isinstance(exposure, pd.DataFrame):
        raise ArgumentTypeError("exposure must be a DataFrame with field, value, insured")
    require_columns(exposure, ["field", "value", "insured"], what="exposure")
    insured = pd.to_numeric(exposure["insured"], errors="coerce").to_numpy(dtype=float)
    if (insured < 0).any():
        raise ArgumentError("exposure: insured must be >= 0")
    frame = pd.DataFrame(
        {
            "field": exposure["field"].astype(str).to_numpy(dtype=object),
            "value": exposure["value"].astype(str).to_numpy(dtype=object),
            "insured": insured,
        }
    )
    frame = frame[(frame["insured"] > 0) & ~frame["value"].isin(NOT_A_GROUP)]
    out: dict[int, np.ndarray] = {}
    for name, part in frame.groupby("field", sort=False):
        if name not in names:
            continue
        pos = names.index(str(name))
        if (blocks == blocks[pos]).sum() > 1:
            raise ArgumentError(f"exposure field {name!r} is in a block; give one or the other")
        per_value = part.groupby("value", sort=False)["insured"].sum()
        cats = pd.Index(labels[pos], dtype=object)
        ins = per_value.reindex(cats).to_numpy(dtype=float)
        out[pos] = np.append(ins, float(per_value.sum()))
    return out


# ---------------------------------------------------------------------------------------
# the ranking


def _empty(names: tuple[str, ...]) -> tuple[pd.DataFrame, pd.DataFrame]:
    table = pd.DataFrame(
        {c: pd.Series(dtype=object) for c in ("rank", "group", "order", *names, *_VALUE_COLUMNS)}
    )
    table = table.astype({"rank": np.int64, "order": np.int64, "n": np.int64})
    floats = [c for c in _VALUE_COLUMNS if c not in ("n", "called_out")]
    table = table.astype(dict.fromkeys(floats, float) | {"called_out": bool})
    pruned = pd.DataFrame(
        {c: pd.Series(dtype=object) for c in ("group", "order", *names, *_PRUNED_COLUMNS)}
    )
    pruned = pruned.astype(
        {"order": np.int64, "n": np.int64, "expected": float, "lift": float, "p_value": float}
    )
    return table, pruned


def combinations(
    cases: pd.DataFrame,
    fields: Sequence[str] = TARGET_FIELDS,
    *,
    k: int = 3,
    max_order: int = 4,
    blocks: Sequence[Sequence[str]] = BLOCKS,
    exposure: pd.DataFrame | None = None,
    years: float = 1.0,
    level: float = 0.95,
    n_boot: int = 200,
    top: int = 20,
    seed: int | None = 0,
    rank_by: str = "lift_low",
    min_called: int = 5,
) -> Combinations:
    """Combinations of fields whose cases stand out against the baseline, ranked.

    Parameters
    ----------
    cases
        One row per case (commuting accidents of the period).
    fields
        Fields to combine: :data:`TARGET_FIELDS` (people), :data:`CIRCUMSTANCE_FIELDS`.
    k, max_order
        Smallest count of a tested cell; most fields in a cell.
    min_called
        Smallest count of a called-out cell (5): three or four cases of rare categories
        whose expected count is a product of small shares can pass the test when a real
        group raises the FDR threshold, and are no group to train (``docs/groups.md``).
    blocks
        Tuples of fields whose joint share the baseline keeps (:data:`BLOCKS`); fields not
        in `fields` are ignored, a field may be in one block only.
    exposure
        Insured headcount per category: columns ``field``, ``value``, ``insured`` (e.g. the
        register's ``insured`` summed by ``industry``). Rows of other fields, 未知 values and
        headcounts that are missing or 0 are ignored; a field in a block cannot have one.
    years
        Length of the period in years (the rate per 1,000 insured per year).
    level
        α = 1 − `level` is the false-discovery rate of the call-out, the level of the
        pruning tests and the false-coverage rate of the lift intervals.
    n_boot, seed
        Bootstrap replicates and their seed.
    top
        The first `top` kept rows get intervals, besides every candidate.
    rank_by
        Order of the called-out rows: ``"lift_low"`` (the lower end of the lift interval,
        descending, the default: a large well-supported group before a small one whose
        lift is high by chance) or ``"lift"`` (descending).

    Returns
    -------
    Combinations
        The kept cells, ranked (:attr:`Combinations.table`, its columns described there),
        and the cells left out as redundant (:attr:`Combinations.pruned`).

    Raises
    ------
    SchemaError
        If a derived field lacks its source column, or `exposure` lacks a column.
    ValueError, TypeError
        If an argument is invalid (a ``ValueError``) or of the wrong type.

    Notes
    -----
    The method: the module docstring and ``docs/groups.md``.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> modes = ["步行", "电动自行车", "摩托车", "小型汽车", "自行车"]
    >>> others = ["货车", "小型汽车", "电动自行车", "单方", "公交客车"]
    >>> df = pd.DataFrame({"mode": rng.choice(modes, 600), "counterpart": rng.choice(others, 600)})
    >>> df.loc[:39, ["mode", "counterpart"]] = ["步行", "货车"]  # 40 more than chance
    >>> out = combinations(df, ["mode", "counterpart"], blocks=(), n_boot=50)
    >>> out.called_out[["rank", "group", "n", "expected", "lift", "lift_low"]].round(2)
       rank    group   n  expected  lift  lift_low
    0     1  步行、对方货车  61     38.48  1.59      1.24
    >>> out.n_cells, len(out.table), len(out.pruned)
    (25, 1, 24)
    """
    names = _check_fields(fields)
    k, max_order, n_boot, top, lv, yrs = _checked(k, max_order, n_boot, top, level, years, rank_by)
    min_called = _check_int(min_called, "min_called", 1)
    _require(cases, names)
    return _combinations(
        cases,
        names,
        blocks,
        exposure,
        (k, max_order, n_boot, top, lv, yrs),
        seed,
        (rank_by, min_called),
    )


def _combinations(
    cases: pd.DataFrame,
    names: tuple[str, ...],
    blocks: Sequence[Sequence[str]],
    exposure: pd.DataFrame | None,
    args: tuple[int, int, int, int, float, float],
    seed: int | None,
    order: tuple[str, int],
) -> Combinations:
    """:func:`combinations` on checked arguments (`order`: ``rank_by``, ``min_called``)."""
    rank_by, min_called = order
    k, max_order, n_boot, top, lv, yrs = args
    block = _block_ids(names, blocks)
    encoded = [_encode(cases, f) for f in names]
    labels = [lab for _, lab in encoded]
    expo = _exposure_shares(exposure, names, labels, block)
    n_total = len(cases)
    empty = Combinations(
        *_empty(names), names, n_total, 0, n_boot, lv, tuple(map(names.__getitem__, sorted(expo)))
    )
    if n_total == 0:
        return empty
    prof, weight = np.unique(np.column_stack([c for c, _ in encoded]), axis=0, return_counts=True)
    ncat = np.array([len(lab) for lab in labels], dtype=np.int64)
    baseline = Baseline.from_profiles(prof, weight.astype(float), ncat, block, expo)
    groupable = [~np.isin(np.asarray(lab, dtype=object), NOT_A_GROUP) for lab in labels]
    combos, index = count_cells(prof, weight.astype(float), baseline, groupable, max_order, k)
    if combos[-1].offset + len(combos[-1].n) == 0:
        return empty
    t = _tested(combos, index, names, labels, block, expo, 1.0 - lv)
    frame = _kept_table(t, n_total, expo, yrs, lv)
    # false-coverage-rate intervals (Benjamini & Yekutieli 2005): with R of the m cells
    # selected by the FDR step, each interval at level 1 − R·α/m
    candidate = (frame["q_value"] < 1.0 - lv).to_numpy()
    follow = np.flatnonzero(candidate | (np.arange(len(frame)) < top))
    m_over_r = t.n_cells / max(int(candidate.sum()), 1)
    if len(follow):
        sample = (combos, t.combo_of, baseline, prof, weight)
        _bootstrap(frame, follow, *sample, n_boot, seed, lv, m_over_r)
    called = candidate & (frame["lift_low"] > 1).to_numpy() & (frame["n"] >= min_called).to_numpy()
    frame["called_out"] = called
    frame = _sorted(frame, called, rank_by)
    frame.insert(0, "rank", np.arange(1, len(frame) + 1, dtype=np.int64))
    frame = frame.drop(columns="_cell").reset_index(drop=True)
    pruned = _pruned_table(t)
    return dataclasses.replace(empty, table=frame, pruned=pruned, n_cells=t.n_cells)


def _checked(
    k: object, max_order: object, n_boot: object, top: object, level: object, years: object,
    rank_by: object,
) -> tuple[int, int, int, int, float, float]:  # fmt: skip
    """The numeric arguments of :func:`combinations`, checked."""
    checked = (
        _check_int(k, "k", 1),
        _check_int(max_order, "max_order", 1),
        _check_int(n_boot, "n_boot", 2),
        _check_int(top, "top", 0),
    )
    lv = _check_level(level)
    if rank_by not in ("lift", "lift_low"):
        raise ArgumentError(f"rank_by must be 'lift' or 'lift_low', got {rank_by!r}")
    try:
        yrs = float(years)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ArgumentError(f"years must be a positive number, got {years!r}") from None
    if not (math.isfinite(yrs) and yrs > 0):
        raise ArgumentError(f"years must be a positive number, got {years!r}")
    return (*checked, lv, yrs)


@dataclass(frozen=True)
class _Tested:
    """Every counted cell, in the concatenation of the combinations' cells: counts, the
    baseline, the tests, the pruning and the words."""

    n: np.ndarray
    e: np.ndarray
    p: np.ndarray
    q: np.ndarray
    kept: np.ndarray
    testable: np.ndarray
    reason: np.ndarray
    by: np.ndarray
    n_cells: int
    codes: np.ndarray  # category code of every field (-1: not in the cell)
    combo_of: np.ndarray
    order: np.ndarray
    group: np.ndarray
    values: list[np.ndarray]
    names: tuple[str, ...]


def _tested(
    combos: list[Cells],
    index: dict[int, int],
    names: tuple[str, ...],
    labels: list[list[str]],
    block: np.ndarray,
    expo: dict[int, np.ndarray],
    alpha: float,
) -> _Tested:
    """Test every cell and apply the redundancy rules. A cell inside one block of the
    baseline (a single field without exposure, or direction × time band) is its own expected
    count: nothing to test, not a row."""
    total = combos[-1].offset + len(combos[-1].n)
    n_all = np.concatenate([c.n for c in combos])
    e_all = np.concatenate([c.e for c in combos])
    p_all = poisson_sf(n_all, e_all)
    testable = np.concatenate([np.full(len(c.n), _testable(c.fields, block, expo)) for c in combos])
    q_all = np.ones(total)
    q_all[testable] = fdr_bh(p_all[testable])
    kept, reason, by = prune(combos, index, alpha)
    cell_codes = np.full((total, len(names)), -1, dtype=np.int64)
    combo_of = np.empty(total, dtype=np.int64)
    for ci, c in enumerate(combos):
        sl = slice(c.offset, c.offset + len(c.n))
        cell_codes[sl, list(c.fields)] = c.codes
        combo_of[sl] = ci
    display = [np.append(_display(nm, lab), "") for nm, lab in zip(names, labels, strict=True)]
    raw = [np.append(np.asarray(lab, dtype=object), "") for lab in labels]
    return _Tested(
        n=n_all,
        e=e_all,
        p=p_all,
        q=q_all,
        kept=kept & testable,
        testable=testable,
        reason=reason,
        by=by,
        n_cells=int(testable.sum()),
        codes=cell_codes,
        combo_of=combo_of,
        order=np.array([len(combos[i].fields) for i in combo_of], dtype=np.int64),
        group=_group_text(combos, display, total),
        values=[raw[f][cell_codes[:, f]] for f in range(len(names))],
        names=names,
    )


def _kept_table(
    t: _Tested, n_total: int, expo: dict[int, np.ndarray], yrs: float, lv: float
) -> pd.DataFrame:
    """The kept cells as the table's rows (intervals still NaN), candidates first by lift:
    the order that chooses the rows the bootstrap follows."""
    sel = np.flatnonzero(t.kept)
    frame = pd.DataFrame({"group": t.group[sel], "order": t.order[sel]})
    for f, nm in enumerate(t.names):
        frame[nm] = t.values[f][sel]
    frame["n"] = t.n[sel]
    frame["share"] = t.n[sel] / n_total
    frame["expected"] = t.e[sel]
    frame["expected_share"] = t.e[sel] / n_total
    frame["lift"] = t.n[sel] / t.e[sel]
    frame["lift_low"] = np.nan
    frame["lift_high"] = np.nan
    frame["p_value"] = t.p[sel]
    frame["q_value"] = t.q[sel]
    frame["called_out"] = False
    frame["rank_low"] = np.nan
    frame["rank_high"] = np.nan
    _rates(frame, t.codes[sel], t.names, expo, yrs, lv)
    frame["_cell"] = sel
    return _sorted(frame, (frame["q_value"] < 1.0 - lv).to_numpy(), "lift")


def _pruned_table(t: _Tested) -> pd.DataFrame:
    """The tested cells left out, with the rule and the group that made each redundant."""
    gone = np.flatnonzero(~t.kept & t.testable)
    gone = gone[np.lexsort((gone, -t.n[gone], t.order[gone]))]
    pruned = pd.DataFrame({"group": t.group[gone], "order": t.order[gone]})
    for f, nm in enumerate(t.names):
        pruned[nm] = t.values[f][gone]
    pruned["n"] = t.n[gone]
    pruned["expected"] = t.e[gone]
    pruned["lift"] = t.n[gone] / t.e[gone]
    pruned["p_value"] = t.p[gone]
    pruned["reason"] = np.where(t.reason[gone] == 1, RULE_PARENT, RULE_CHILD).astype(object)
    pruned["by"] = t.group[t.by[gone]]
    return pruned


def _testable(fields: Sequence[int], block: np.ndarray, expo: Mapping[int, object]) -> bool:
    """Whether a cell of `fields` has an expected count other than its own: it touches two
    blocks of the baseline, or a field whose share comes from the exposure."""
    return len({int(block[f]) for f in fields}) >= 2 or any(f in expo for f in fields)


def _group_text(combos: list[Cells], display: list[np.ndarray], total: int) -> np.ndarray:
    out = np.empty(total, dtype=object)
    for c in combos:
        if not len(c.n):
            continue
        text = display[c.fields[0]][c.codes[:, 0]]
        for j in range(1, len(c.fields)):
            text = text + _SEP + display[c.fields[j]][c.codes[:, j]]
        out[c.offset : c.offset + len(c.n)] = text
    return out


def _sorted(frame: pd.DataFrame, first: np.ndarray, by: str) -> pd.DataFrame:
    """Rows of `first` by `by` descending (then n descending, group), then the others by p
    ascending (then lift descending, group)."""
    lift = frame["lift"].to_numpy(dtype=float)
    top = frame[by].to_numpy(dtype=float)
    key1 = np.where(first, -top, frame["p_value"].to_numpy(dtype=float))
    key3 = np.where(first, -frame["n"].to_numpy(dtype=float), 0.0)
    keys = pd.DataFrame(
        {"a": ~first, "b": key1, "c": -lift, "d": key3, "e": frame["group"].to_numpy()}
    )
    order = keys.sort_values(["a", "b", "c", "d", "e"], kind="mergesort").index.to_numpy()
    return frame.iloc[order].reset_index(drop=True)


def _rates(
    frame: pd.DataFrame,
    codes: np.ndarray,
    names: tuple[str, ...],
    expo: dict[int, np.ndarray],
    years: float,
    level: float,
) -> None:
    """Insured headcount and rate per 1,000 insured per year of the cells that have one."""
    insured = np.full(len(frame), np.nan)
    person = [f for f, nm in enumerate(names) if nm in PERSON_FIELDS or f in expo]
    has = codes[:, person] >= 0 if person else np.zeros((len(frame), 0), dtype=bool)
    single = has.sum(axis=1) == 1
    for j, f in enumerate(person):
        if f not in expo:
            continue
        rows = np.flatnonzero(single & has[:, j])
        insured[rows] = expo[f][:-1][codes[rows, f]]
    n = frame["n"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(insured > 0, 1000.0 * n / (insured * years), np.nan)
    lo, hi = poisson_ci(n, np.where(insured > 0, insured * years, np.nan), level)
    frame["insured"] = insured
    frame["rate_per_1000"] = rate
    frame["rate_low"] = 1000.0 * lo
    frame["rate_high"] = 1000.0 * hi


def _bootstrap(
    frame: pd.DataFrame,
    follow: np.ndarray,
    combos: list[Cells],
    combo_of: np.ndarray,
    baseline: Baseline,
    prof: np.ndarray,
    weight: np.ndarray,
    n_boot: int,
    seed: int | None,
    level: float,
    n_cells: float,
) -> None:
    """Lift and rank intervals of the rows `follow` of `frame` (in place); the lift
    intervals at level ``1 − α / n_cells`` (`n_cells`: the cells tested over the cells
    selected)."""
    cells = frame["_cell"].to_numpy()[follow]
    groups: dict[int, list[int]] = {}
    for i, cell in enumerate(cells):
        groups.setdefault(int(combo_of[cell]), []).append(i)
    rows, where = [], []
    for ci, members in groups.items():
        c = combos[ci]
        local = cells[members] - c.offset
        rows.append((c.fields, c.codes[local]))
        where.append(members)
    rng = np.random.default_rng(seed)
    parts = bootstrap_log_lift(baseline, prof, weight, rows, n_boot, rng)
    log_lift = np.empty((len(follow), n_boot))
    for members, part in zip(where, parts, strict=True):
        log_lift[members] = part
    alpha = 1.0 - level
    se = log_lift.std(axis=1, ddof=1)
    z = float(special.ndtri(1.0 - alpha / (2.0 * max(n_cells, 1.0))))
    lift = frame["lift"].to_numpy(dtype=float)[follow]
    ranks = stats.rankdata(-log_lift, method="min", axis=0)
    col = frame.columns.get_loc
    frame.iloc[follow, col("lift_low")] = lift * np.exp(-z * se)
    frame.iloc[follow, col("lift_high")] = lift * np.exp(z * se)
    q = np.quantile(ranks, [alpha / 2, 1 - alpha / 2], axis=1, method="inverted_cdf")
    frame.iloc[follow, col("rank_low")] = q[0]
    frame.iloc[follow, col("rank_high")] = q[1]
