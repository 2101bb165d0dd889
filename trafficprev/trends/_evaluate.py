"""Before/after evaluation of prevention measures, corrected for regression to the mean.

Warning signs go to the road units, and training to the enterprises, that *had* many
accidents. Those units would show fewer accidents next year even if the measure did nothing:
part of their high count was chance, and chance does not repeat (regression to the mean,
RTM). A naive before/after comparison therefore credits the measure with a drop it did not
cause. :func:`eb_before_after` removes that bias with the empirical-Bayes (EB) before/after
method of Hauer (1997), using untreated comparison units both as the reference population of
the EB prior and to correct for the general trend (traffic, exposure, reporting) between the
two periods. When the untreated units are the rest of the population the treated ones were
picked from (every road unit of the city, the worst treated), pass ``reference="all"``: the
leftovers of a top-count choice are themselves biased low, and the default would then hide
part of the measure's effect. :func:`yoy_change` is the plain year-on-year rate change with
an exact interval; it does **not** correct for RTM and is meant for sets of units that were
not chosen for their high counts.

The plan's goal (a year-on-year drop of at least 10 % in the accident rate) is checked
against the EB interval: ``met_goal`` is ``"yes"`` only when the whole interval lies at or
below the goal.

Choosing the reference
----------------------
``reference`` says which units form the reference population of the EB prior:

* ``"untreated"`` (default): the comparison units only. Right when they are a separate set
  **not screened by the count-based choice** (e.g. comparable roads or enterprises outside
  the programme).
* ``"all"``: the before data of every unit of the group, treated included. Right when the
  table holds the **whole population the treated units were picked from** by their counts
  (e.g. every road unit of the city, the worst ones treated). The untreated units are then
  the leftovers of that choice, their before counts low by chance; ``"untreated"`` would
  give a prior too narrow and a trend too high, and so a change biased towards "no effect /
  worse" (about +10 % when the top 2.5 % are treated). With ``"all"`` the trend divides by
  the comparison units' EB before counts ΣE_c instead of ΣK_c, which removes that bias too.

Using ``"all"`` with a hand-picked comparison set is wrong the other way (treated units
over-represented: the drop is overstated).

Method
------
For one group, with *c* indexing the usable comparison units (positive exposure in both
periods), *j* the reference units (= *c*, or every unit with ``reference="all"``) and
*i* the treated units; K = before count, A = after count, b and e = before and after
exposure.

1. EB prior (Hauer 1997, ch. 6–7; Marshall's global method of moments). The reference
   rate is θ = ΣK_j / Σb_j, so unit *i*'s prior mean is μ_i = θ b_i. With p_j = K_j / b_j,

   s² = Σ b_j (p_j − θ)² / Σ b_j,   φ = max(s² − θ / mean(b_j), 0),

   φ is the between-unit variance of the true rates (Poisson noise θ / mean(b) removed).
   For φ > 0 the prior of a rate is Gamma(shape α = θ²/φ, rate β = θ/φ); the posterior
   rate of unit *i* has mean (α + K_i)/(β + b_i) = w_i p_i + (1 − w_i) θ with
   w_i = φ / (φ + θ / b_i) = b_i / (b_i + β), and variance (α + K_i)/(β + b_i)². Hence
   E_i = b_i (α + K_i)/(β + b_i) and Var(E_i) = b_i² (α + K_i)/(β + b_i)². When φ = 0
   the units are alike: w_i = 0, E_i = θ b_i, Var(E_i) = 0.

2. Trend from the comparison group: r_t = (ΣA_c / Σe_c) / (ΣK_c / Σb_c) (ΣE_c in place
   of ΣK_c with ``reference="all"``), with Var(r_t)/r_t² ≈ 1/ΣA_c + 1/ΣK_c (resp. ΣE_c).
   The after count expected without the measure is π_i = E_i (e_i / b_i) r_t, with
   Var(π_i) = π_i² (Var(E_i)/E_i² + Var(r_t)/r_t²) (delta method; the E_i term is 0
   when E_i = 0). These per-unit figures are the ``units`` columns.

3. Over the treated units: λ = ΣA_i, π = Σπ_i. The EB estimates are independent between
   units but r_t is common to all of them, so its error does not average out. It is
   counted once, on the total, and the unit variances enter without it (adding the
   Var(π_i) above *and* π² Var(r_t)/r_t² would count the trend twice):

   Var(π) = Σ π_i² Var(E_i)/E_i² + π² Var(r_t)/r_t².

   Hauer's index of effectiveness, corrected for the bias of a ratio,
   θ_eff = (λ/π) / (1 + Var(π)/π²), with
   Var(θ_eff) ≈ θ_eff² (1/λ + Var(π)/π²) / (1 + Var(π)/π²)². ``change`` = θ_eff − 1 and
   the interval is θ_eff ± z sd(θ_eff) − 1 with z the two-sided normal quantile of
   ``level``; its lower end is clipped at θ_eff = 0 (change −1). When λ = 0 the normal
   interval is degenerate; then θ_eff = 0, the lower end is 0 and the upper end is
   λ_up / π with λ_up = χ²_{level}(2)/2 = −ln(1 − level) the exact one-sided Poisson
   upper bound for a zero count (3.0 at 95 %; the uncertainty of π is ignored there).

The uncertainty of θ and φ themselves is not propagated (Hauer's practice: the reference
population is assumed large). The naive change is (ΣA_i/Σe_i)/(ΣK_i/Σb_i) − 1, and the
trend-corrected change divides its ratio by r_t; comparing them with ``change`` shows
how much of the naive drop was RTM and trend.

References
----------
Hauer, E. (1997). *Observational before-after studies in road safety*. Pergamon, Oxford.
Marshall, R. J. (1991). Mapping disease and mortality rates using empirical Bayes
estimators. *Applied Statistics* 40(2), 283–294.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtri
from scipy.stats import beta as beta_dist
from scipy.stats import binomtest, chi2

from .._errors import ArgumentError, ArgumentTypeError, SchemaError, SettingsError
from ..schema import require_columns

__all__ = ["DEFAULT_GROUP", "MIN_COMPARISON", "EvaluationResult", "eb_before_after", "yoy_change"]

#: Group label used when ``table`` has no ``group`` column.
DEFAULT_GROUP = "全部"

#: Fewest comparison units with which a group is evaluated.
MIN_COMPARISON = 5

#: Fewest treated accidents (before + after) below which the summary warns.
_FEW_CASES = 10

_REQUIRED = ("unit", "treated", "before", "after", "exposure_before", "exposure_after")
_NUMERIC = ("before", "after", "exposure_before", "exposure_after")

_UNIT_COLUMNS = [
    "unit",
    "group",
    "before",
    "after",
    "exposure_before",
    "exposure_after",
    "eb_before",
    "eb_weight",
    "expected_after",
    "sd_expected_after",
    "ratio",
    "naive_change",
]
_SUMMARY_COLUMNS = [
    "group",
    "n_treated",
    "n_comparison",
    "before",
    "after",
    "expected_after",
    "sd_expected_after",
    "index",
    "change",
    "change_lower",
    "change_upper",
    "naive_change",
    "trend_change",
    "trend_corrected_change",
    "met_goal",
    "note",
]

_NOTE_FEW_COMPARISON = "对照组不足"
_NOTE_FEW_CASES = "处置单位事故数少，结论不稳定"
_NOTE_NO_TREATED = "无处置单位"
_UNKNOWN = "无法判断"
#: ``met_goal`` of a group below the evaluation floor (``min_before`` / ``min_expected``).
TOO_SMALL = "无法评估（样本太少）"


@dataclass(frozen=True, eq=False)
class EvaluationResult:
    """Result of :func:`eb_before_after`.

    Attributes
    ----------
    units
        One row per treated unit, sorted by group then unit, with ``unit, group,
        before, after, exposure_before, exposure_after, eb_before`` (E_i), ``eb_weight``
        (w_i), ``expected_after`` (π_i), ``sd_expected_after`` (√Var π_i), ``ratio``
        (after / π_i) and ``naive_change`` (the unit's own rate change; NaN without before
        cases). Counts and exposures are float64. Treated units with zero exposure in
        either period are left out (and named in the group's note); the EB columns are NaN
        when the group's comparison group is insufficient.
    summary
        One row per group, sorted, with ``group, n_treated, n_comparison,
        before, after`` (treated totals), ``expected_after`` (π), ``sd_expected_after``
        (√Var π), ``index`` (θ_eff), ``change`` (θ_eff − 1; negative = fewer accidents),
        ``change_lower, change_upper`` (the interval at ``level``), ``naive_change`` (the
        treated units' rate change, uncorrected), ``trend_change`` (r_t − 1),
        ``trend_corrected_change`` (naive change corrected for the trend only),
        ``met_goal`` (``"yes"`` when ``change_upper ≤ goal``, ``"likely"`` when
        ``change ≤ goal < change_upper``, ``"no"`` when ``change > goal``, ``"无法判断"``
        when the change cannot be estimated) and ``note`` (Chinese remarks joined by "；":
        ``对照组不足…`` when the group has fewer than :data:`MIN_COMPARISON` usable
        comparison units or they have no before (or no after) case — then every
        comparison-based figure is NaN; ``处置单位事故数少，结论不稳定`` when the treated
        units have fewer than 10 accidents before and after together; the λ = 0 bound;
        excluded zero-exposure units; ``无处置单位``).
    comparison
        ``{group: figures}`` with the usable comparison units' ``n``,
        ``n_excluded`` (zero exposure), ``before``, ``after``, ``exposure_before``,
        ``exposure_after``; the prior's ``reference``, ``n_reference``, ``rate_before`` (θ),
        ``phi`` (φ), ``alpha``, ``beta`` (NaN when φ = 0); ``eb_before`` (the trend's
        denominator count: ΣK_c, or ΣE_c with ``reference="all"``), ``trend`` (r_t),
        ``trend_rel_var`` (Var r_t / r_t²) and ``sufficient``.
    """

    units: pd.DataFrame
    summary: pd.DataFrame
    comparison: dict[str, dict[str, Any]]


# --------------------------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------------------------


def _check_level(level: float) -> float:
    try:
        value = float(level)
    except (TypeError, ValueError):
        raise SettingsError(f"level must be a number in (0, 1), got {level!r}") from None
    if not 0.0 < value < 1.0:
        raise SettingsError(f"level must be in (0, 1), got {level!r}")
    return value


def _numeric(values: Any, name: str) -> np.ndarray:
    """``values`` as a float64 array, or raise if non-numeric, NaN, infinite or negative."""
    series = pd.Series(values) if not isinstance(values, pd.Series) else values
    if series.dtype == bool or not pd.api.types.is_numeric_dtype(series.dtype):
        raise SchemaError(f"column {name!r} must be numeric, got dtype {series.dtype}")
    arr = series.to_numpy(dtype=np.float64, na_value=np.nan)
    if not np.isfinite(arr).all():
        raise SchemaError(f"column {name!r} has missing or infinite values")
    if (arr < 0).any():
        raise SchemaError(f"column {name!r} has negative values; counts and exposures are ≥ 0")
    return arr


def _treated(series: pd.Series) -> np.ndarray:
    """The ``treated`` column as a bool array; accepts bool or 0/1 values, nothing missing."""
    if series.isna().any():
        raise SchemaError("column 'treated' has missing values")
    if series.dtype == bool:
        return series.to_numpy(dtype=bool)
    values = series.tolist()
    if not all(isinstance(v, bool | np.bool_ | int | np.integer | float) for v in values) or any(
        v not in (0, 1) for v in values
    ):
        raise SchemaError("column 'treated' must hold booleans (True/False or 1/0)")
    return np.asarray(values, dtype=np.float64) == 1.0


def _validated(table: pd.DataFrame) -> pd.DataFrame:
    """A clean copy of ``table``: str unit/group, bool treated, float counts and exposures."""
    if not isinstance(table, pd.DataFrame):
        raise ArgumentTypeError(f"table must be a pandas DataFrame, got {type(table).__name__}")
    require_columns(table, _REQUIRED, what="table")
    if len(table) == 0:
        raise SchemaError("table has no rows")
    if table["unit"].isna().any():
        raise SchemaError("column 'unit' has missing values")
    out = pd.DataFrame({"unit": table["unit"].astype(str).to_numpy()})
    if "group" in table.columns:
        if table["group"].isna().any():
            raise SchemaError("column 'group' has missing values")
        out["group"] = table["group"].astype(str).to_numpy()
    else:
        out["group"] = DEFAULT_GROUP
    out["treated"] = _treated(table["treated"])
    for name in _NUMERIC:
        out[name] = _numeric(table[name], name)
    dup = out.duplicated(["group", "unit"], keep=False)
    if dup.any():
        shown = sorted(set(out.loc[dup, "unit"]))[:5]
        raise SchemaError(f"unit(s) listed more than once in the same group: {', '.join(shown)}")
    return out


# --------------------------------------------------------------------------------------------
# one group
# --------------------------------------------------------------------------------------------


def _prior(k: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Reference rate θ and between-unit rate variance φ (Marshall's moments, φ ≥ 0)."""
    sum_b = float(b.sum())
    if k.size == 0 or sum_b <= 0:
        return math.nan, math.nan
    theta = float(k.sum()) / sum_b
    s2 = float(np.sum(b * (k / b - theta) ** 2)) / sum_b
    return theta, max(s2 - theta / float(b.mean()), 0.0)


def _eb(
    k: np.ndarray, b: np.ndarray, theta: float, phi: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """EB expected before counts E, their variances Var(E) and the weights w."""
    if phi > 0:
        alpha, beta = theta**2 / phi, theta / phi
        return b * (alpha + k) / (beta + b), b**2 * (alpha + k) / (beta + b) ** 2, b / (b + beta)
    return theta * b, np.zeros(k.size), np.zeros(k.size)


def _rate_change(k: float, a: float, b: float, e: float) -> float:
    """``(a/e) / (k/b) − 1``, NaN when undefined."""
    if k <= 0 or b <= 0 or e <= 0:
        return math.nan
    return (a / e) / (k / b) - 1.0


def _list_units(units: list[str]) -> str:
    shown = "、".join(units[:5])
    return shown + ("等" if len(units) > 5 else "")


def _columns(rows: pd.DataFrame) -> tuple[np.ndarray, ...]:
    """``before, after, exposure_before, exposure_after`` of ``rows`` as float64 arrays."""
    return tuple(rows[c].to_numpy(dtype=np.float64) for c in _NUMERIC)


def _comparison_trend(
    kc: np.ndarray,
    ac: np.ndarray,
    bc: np.ndarray,
    ec: np.ndarray,
    theta: float,
    phi: float,
    reference: str,
) -> tuple[float, float, float]:
    """The comparison units' trend factor r_t (rate after / rate before), its relative
    variance, and the before count it divides by.

    With ``reference="all"`` the comparison units are the leftovers of the count-based
    choice: their before counts are low by chance (RTM the other way), so the trend divides
    by their EB before counts ΣE_c instead of ΣK_c.
    """
    sum_kc, sum_ac = float(kc.sum()), float(ac.sum())
    comp_eb = float(_eb(kc, bc, theta, phi)[0].sum()) if reference == "all" else sum_kc
    trend = (sum_ac / float(ec.sum())) / (comp_eb / float(bc.sum()))
    rv = 1.0 / sum_ac + 1.0 / comp_eb
    return trend, rv, comp_eb


def _prior_figures(theta: float, phi: float) -> dict[str, float]:
    """The gamma prior of the reference units: mean rate θ, variance φ, shape α, rate β."""
    return {
        "rate_before": theta,
        "phi": phi,
        "alpha": theta**2 / phi if phi > 0 else math.nan,
        "beta": theta / phi if phi > 0 else math.nan,
    }


def _group_notes(
    n_t: int,
    n_c: int,
    sum_kc: float,
    sum_ac: float,
    n_cases: float,
    excluded: list[str],
    n_comp_excluded: int,
) -> list[str]:
    """The notes of a group's summary row: no treated unit, too few comparison units or
    cases, units left out for a zero exposure."""
    notes: list[str] = []
    if n_t == 0:
        notes.append(_NOTE_NO_TREATED)
    if not (n_c >= MIN_COMPARISON and sum_kc > 0 and sum_ac > 0):
        notes.append(
            f"{_NOTE_FEW_COMPARISON}（可用对照单位{n_c}个，事故数 前{sum_kc:g}/后{sum_ac:g}；"
            f"需至少{MIN_COMPARISON}个且前后期均有事故）"
        )
    if n_t > 0 and n_cases < _FEW_CASES:
        notes.append(_NOTE_FEW_CASES)
    if excluded:
        notes.append(f"已排除{len(excluded)}个暴露量为0的处置单位（{_list_units(excluded)}）")
    if n_comp_excluded:
        notes.append(f"已排除{n_comp_excluded}个暴露量为0的对照单位")
    return notes


def _group_index(
    lam: float, pi: np.ndarray, cv2_eb: np.ndarray, rv: float, level: float
) -> tuple[float, float, float, float, float]:
    """The index of effectiveness of a group and its interval (Hauer 1997).

    Parameters
    ----------
    lam
        Cases after, over the treated units.
    pi, cv2_eb
        Each treated unit's expected cases after without treatment and the squared
        coefficient of variation of its EB estimate.
    rv
        The relative variance of the comparison trend.
    level
        Confidence level of the interval.

    Returns
    -------
    tuple of float
        Index, lower and upper bound, expected total and its standard deviation. Without a
        case after, the interval is the exact one-sided Poisson one, ``[0, upper]``.
    """
    exp_total = float(pi.sum())
    # EB parts are independent between units; the trend factor r_t is shared by all
    # units, so its relative variance enters once, for the total.
    var_total = float(np.sum(pi**2 * cv2_eb)) + exp_total**2 * rv
    sd_total = math.sqrt(var_total)
    cv2 = var_total / exp_total**2
    index = (lam / exp_total) / (1.0 + cv2)
    if lam > 0:
        sd_index = math.sqrt(index**2 * (1.0 / lam + cv2) / (1.0 + cv2) ** 2)
        z = float(ndtri(0.5 + level / 2.0))
        lower = max(index - z * sd_index, 0.0)
        upper = index + z * sd_index
    else:
        lam_upper = float(chi2.ppf(level, 2)) / 2.0  # one-sided exact: −ln(1 − level)
        lower, upper = 0.0, lam_upper / exp_total
    return index, lower, upper, exp_total, sd_total


def _met_goal(change: float, upper: float, goal: float) -> str:
    """Whether the goal (a change of at most `goal`) is met: ``yes`` when the whole interval
    is below it, ``likely`` when the estimate is, else ``no`` (unknown without estimate)."""
    if math.isnan(change):
        return _UNKNOWN
    if upper - 1.0 <= goal:
        return "yes"
    if change <= goal:
        return "likely"
    return "no"


def _check_goal(goal: Any) -> float:
    """`goal` as a finite float > −1, or a SettingsError."""
    try:
        goal = float(goal)
    except (TypeError, ValueError):
        raise SettingsError(f"goal must be a number > -1, got {goal!r}") from None
    if not math.isfinite(goal) or goal <= -1.0:
        raise SettingsError(f"goal must be a finite number > -1, got {goal!r}")
    return goal


def _below_floor(summary: dict[str, Any], min_before: int, min_expected: float) -> dict[str, Any]:
    """`summary` with no percentage when its group is below the evaluation floor (fewer than
    `min_before` cases before, or fewer than `min_expected` expected after): the counts
    stay, every change goes (0 before and 0 after would print −100 % …, a handful of cases
    an interval spanning everything), and ``met_goal`` says :data:`TOO_SMALL`."""
    if not math.isfinite(summary["index"]) or (
        summary["before"] >= min_before and summary["expected_after"] >= min_expected
    ):
        return summary
    changes = ("index", "change", "change_lower", "change_upper", "naive_change")
    note = f"样本太少：前期事故少于{min_before}起或后期预期少于{min_expected:g}起，不计算变化"
    return {
        **summary,
        **dict.fromkeys((*changes, "trend_corrected_change"), math.nan),
        "met_goal": TOO_SMALL,
        "note": "；".join(x for x in (summary["note"], note) if x),
    }


def _evaluate_group(
    group: str, rows: pd.DataFrame, *, level: float, goal: float, reference: str
) -> tuple[pd.DataFrame, dict[str, Any], dict[str, Any]]:
    """Unit rows, summary row and comparison figures of one group (see eb_before_after)."""
    positive = (rows["exposure_before"].to_numpy() > 0) & (rows["exposure_after"].to_numpy() > 0)
    is_treated = rows["treated"].to_numpy()
    excluded = sorted(rows.loc[is_treated & ~positive, "unit"].tolist())
    n_comp_excluded = int((~is_treated & ~positive).sum())
    treated = rows.loc[is_treated & positive].sort_values("unit", kind="stable")
    comp = rows.loc[~is_treated & positive]
    ref = comp if reference == "untreated" else rows.loc[positive]

    k, a, b, e = _columns(treated)
    kc, ac, bc, ec = _columns(comp)
    kr, _, br, _ = _columns(ref)
    n_t, n_c = len(treated), len(comp)
    sum_kc, sum_ac = float(kc.sum()), float(ac.sum())
    theta, phi = _prior(kr, br)
    sufficient = n_c >= MIN_COMPARISON and sum_kc > 0 and sum_ac > 0

    trend = rv = comp_eb = math.nan
    if sufficient:
        trend, rv, comp_eb = _comparison_trend(kc, ac, bc, ec, theta, phi, reference)
        eb, var_eb, weight = _eb(k, b, theta, phi)
        pi = eb * (e / b) * trend
        with np.errstate(divide="ignore", invalid="ignore"):
            cv2_eb = np.where(eb > 0, var_eb / eb**2, 0.0)
            ratio = np.where(pi > 0, a / pi, math.nan)
        var_pi = pi**2 * (cv2_eb + rv)
    else:
        eb = weight = pi = var_pi = ratio = cv2_eb = np.full(n_t, math.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        naive_unit = np.where(k > 0, (a / e) / (k / b) - 1.0, math.nan)

    units = pd.DataFrame(
        {
            "unit": treated["unit"].to_numpy(),
            "group": group,
            "before": k,
            "after": a,
            "exposure_before": b,
            "exposure_after": e,
            "eb_before": eb,
            "eb_weight": weight,
            "expected_after": pi,
            "sd_expected_after": np.sqrt(var_pi),
            "ratio": ratio,
            "naive_change": naive_unit,
        },
        columns=_UNIT_COLUMNS,
    )

    lam, sum_k = float(a.sum()), float(k.sum())
    naive = _rate_change(sum_k, lam, float(b.sum()), float(e.sum()))
    notes = _group_notes(n_t, n_c, sum_kc, sum_ac, lam + sum_k, excluded, n_comp_excluded)
    index = lower = upper = exp_total = sd_total = math.nan
    if sufficient and n_t > 0:
        index, lower, upper, exp_total, sd_total = _group_index(lam, pi, cv2_eb, rv, level)
        if not lam > 0:
            notes.append(f"处置单位后期无事故，区间上限为泊松精确单侧{level:.0%}上限")
    change = index - 1.0
    met = _met_goal(change, upper, goal)
    summary = {
        "group": group,
        "n_treated": n_t,
        "n_comparison": n_c,
        "before": sum_k,
        "after": lam,
        "expected_after": exp_total,
        "sd_expected_after": sd_total,
        "index": index,
        "change": change,
        "change_lower": lower - 1.0,
        "change_upper": upper - 1.0,
        "naive_change": naive,
        "trend_change": trend - 1.0,
        "trend_corrected_change": (naive + 1.0) / trend - 1.0,
        "met_goal": met,
        "note": "；".join(notes),
    }
    figures = {
        "n": n_c,
        "n_excluded": n_comp_excluded,
        "before": sum_kc,
        "after": sum_ac,
        "exposure_before": float(bc.sum()),
        "exposure_after": float(ec.sum()),
        "reference": reference,
        "n_reference": len(ref),
        **_prior_figures(theta, phi),
        "eb_before": comp_eb,
        "trend": trend,
        "trend_rel_var": rv,
        "sufficient": sufficient,
    }
    return units, summary, figures


# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------


def eb_before_after(
    table: pd.DataFrame,
    *,
    level: float = 0.95,
    goal: float = -0.10,
    reference: str = "untreated",
    min_before: int = 0,
    min_expected: float = 0.0,
) -> EvaluationResult:
    """Empirical-Bayes before/after evaluation of a measure, with a comparison group.

    Each group (measure type or stratum) is evaluated on its own; its untreated units are
    the comparison group for the trend and (by default) the reference population of the EB
    prior.

    Parameters
    ----------
    table
        One row per unit, treated and untreated comparison units. Columns ``unit`` (id, cast
        to str), ``treated`` (bool or 1/0), optional ``group`` (str; without it every row is
        in the group :data:`DEFAULT_GROUP`), ``before`` and ``after`` (accident counts in the
        before and after period), ``exposure_before`` and ``exposure_after`` (exposure in
        each period: road length in metres × years for road units, insured headcount × years
        for enterprises). A treated unit's periods surround its own measure date; comparison
        units cover the same calendar periods as the treated units of their group (the
        caller builds the periods). A unit id may appear once per group. Other columns are
        ignored.
    level
        Confidence level of the interval of the change, in (0, 1).
    goal
        Target change of the rate (``-0.10``: a drop of at least 10 %), > −1.
    reference
        Which units form the reference population of the EB prior: ``"untreated"``
        (default; the comparison units only) or ``"all"`` (every unit of the group, treated
        included); see "Choosing the reference" in the module docstring.
    min_before, min_expected
        The evaluation floor (default none; the run uses the settings of that name): a
        group with fewer cases before or expected after gets no change (:func:`_below_floor`).

    Returns
    -------
    EvaluationResult
        ``units`` (one row per treated unit), ``summary`` (one row per group) and
        ``comparison`` (the figures behind each group's prior and trend), column by column
        at :class:`EvaluationResult`.

    Raises
    ------
    ValueError
        Missing columns (named in the message), no rows, negative or missing counts or
        exposures, a unit listed twice in a group, ``level`` outside (0, 1), ``goal`` ≤ −1,
        an unknown ``reference``.

    Notes
    -----
    The method (EB prior, comparison trend, index of effectiveness and its interval) is set
    out in the module docstring.

    Examples
    --------
    >>> rows = [("T1", True, 12, 6, 1.0, 1.0)] + [
    ...     (f"C{j}", False, k, k, 1.0, 1.0) for j, k in enumerate([2, 3, 4, 5, 6, 4])
    ... ]
    >>> cols = ["unit", "treated", "before", "after", "exposure_before", "exposure_after"]
    >>> res = eb_before_after(pd.DataFrame(rows, columns=cols))
    >>> res.summary[["n_treated", "n_comparison"]].to_numpy().tolist()
    [[1, 6]]
    >>> round(float(res.summary["naive_change"].iloc[0]), 2)
    -0.5
    >>> float(res.units["eb_before"].iloc[0])  # θ = 4, φ = 0 here: E = θ b
    4.0
    """
    level, goal = _check_level(level), _check_goal(goal)
    if reference not in ("untreated", "all"):
        raise SettingsError(f"reference must be 'untreated' or 'all', got {reference!r}")
    data = _validated(table)

    unit_frames: list[pd.DataFrame] = []
    summaries: list[dict[str, Any]] = []
    comparison: dict[str, dict[str, Any]] = {}
    for group in sorted(data["group"].unique()):
        units, summary, figures = _evaluate_group(
            group, data.loc[data["group"] == group], level=level, goal=goal, reference=reference
        )
        summary = _below_floor(summary, int(min_before), float(min_expected))
        if len(units):
            unit_frames.append(units)
        summaries.append(summary)
        comparison[group] = figures
    return EvaluationResult(
        units=(
            pd.concat(unit_frames, ignore_index=True)
            if unit_frames
            else pd.DataFrame({c: [] for c in _UNIT_COLUMNS})
        ),
        summary=pd.DataFrame(summaries, columns=_SUMMARY_COLUMNS),
        comparison=comparison,
    )


def yoy_change(
    before: Any,
    after: Any,
    exposure_before: Any,
    exposure_after: Any,
    level: float = 0.95,
) -> dict[str, float]:
    """Plain year-on-year rate change with an exact interval; no RTM correction.

    Parameters
    ----------
    before, after
        Accident counts in the before and after period (scalars, or one value per enterprise
        which are summed).
    exposure_before, exposure_after
        Exposure in each period (insured headcount × years; scalars or summed arrays), > 0.
    level
        Confidence level of the interval, in (0, 1).

    Returns
    -------
    dict
        ``change`` = (n_a/e_a)/(n_b/e_b) − 1 (``inf`` when n_b = 0 < n_a, NaN when both are
        0), ``change_lower``, ``change_upper`` (exact interval at ``level``) and
        ``p_value`` (two-sided exact test of no change).

    Notes
    -----
    Given the total n = n_b + n_a, the after count is n_a ~ Binomial(n, p) with
    p = R e_a / (R e_a + e_b), R being the rate ratio after/before. The Clopper–Pearson
    interval of p, [B(α/2; n_a, n − n_a + 1), B(1 − α/2; n_a + 1, n − n_a)] with B the beta
    quantile, maps to R = (p / (1 − p)) (e_b / e_a); the change is R − 1. The p-value is the
    two-sided exact binomial test of p = e_a / (e_a + e_b) (:func:`scipy.stats.binomtest`,
    "minlike" rule); with n = 0 it is 1 and the interval is [−1, ∞).

    This is the change of the units' own rates. It does **not** correct for regression to
    the mean: if the enterprises were chosen because of a bad year, the drop is partly
    chance. Use :func:`eb_before_after` for units selected by their counts.

    Examples
    --------
    >>> out = yoy_change(40, 20, 1000.0, 1000.0)
    >>> round(out["change"], 2), round(out["change_upper"], 2), round(out["p_value"], 4)
    (-0.5, -0.12, 0.0135)
    """
    level = _check_level(level)
    values = {}
    for name, value in (
        ("before", before),
        ("after", after),
        ("exposure_before", exposure_before),
        ("exposure_after", exposure_after),
    ):
        arr = np.atleast_1d(np.asarray(value, dtype=np.float64))
        if arr.size == 0 or not np.isfinite(arr).all():
            raise ArgumentError(f"{name} must be finite numbers, got {value!r}")
        if (arr < 0).any():
            raise ArgumentError(f"{name} must be ≥ 0, got {value!r}")
        values[name] = float(arr.sum())
    n_b, n_a = values["before"], values["after"]
    e_b, e_a = values["exposure_before"], values["exposure_after"]
    if e_b <= 0 or e_a <= 0:
        raise ArgumentError("exposures must be > 0")
    if n_b != round(n_b) or n_a != round(n_a):
        raise ArgumentError("counts must be whole numbers for the exact binomial interval")
    n_b_i, n_a_i = round(n_b), round(n_a)
    n = n_b_i + n_a_i
    if n == 0:
        return {"change": math.nan, "change_lower": -1.0, "change_upper": math.inf, "p_value": 1.0}

    def to_change(p: float) -> float:
        return math.inf if p >= 1.0 else p / (1.0 - p) * e_b / e_a - 1.0

    alpha = 1.0 - level
    p_lo = float(beta_dist.ppf(alpha / 2.0, n_a_i, n - n_a_i + 1)) if n_a_i > 0 else 0.0
    p_hi = float(beta_dist.ppf(1.0 - alpha / 2.0, n_a_i + 1, n - n_a_i)) if n_a_i < n else 1.0
    change = math.inf if n_b_i == 0 else (n_a / e_a) / (n_b / e_b) - 1.0
    p_value = float(binomtest(n_a_i, n, e_a / (e_a + e_b)).pvalue)
    return {
        "change": change,
        "change_lower": to_change(p_lo),
        "change_upper": to_change(p_hi),
        "p_value": min(p_value, 1.0),
    }
