"""Did the precision project's training work? Per enterprise and pooled, against the 10 % goal.

The plan (精准式工伤预防) trains the enterprises with the highest injury incidence and asks that
their incidence fall by at least 10 % year on year (工伤发生率同比下降10%以上). Those
enterprises were picked *because* they had many injuries, and part of a high count is chance,
which does not repeat: they would show fewer injuries next year even if the training did
nothing (regression to the mean, RTM). A plain before/after comparison credits the training
with that drop. :func:`evaluate_training` therefore judges the goal with the empirical-Bayes
(EB) before/after method of Hauer (:func:`~trafficprev.trends.eb_before_after`) and shows the
plain year-on-year change (:func:`~trafficprev.trends.yoy_change`) beside it, labelled as
not corrected for RTM.

The rule
--------
*Y* is the statistics year, the last complete year of data; the data end on 31 December Y.

* **Who is evaluated.** An enterprise of the register named by a 培训 row of the measures
  file (by 统一社会信用代码, or by a name no other enterprise of the register shares: the rule
  of :func:`~trafficprev.groups.link_employers`) and trained on a day *d* from 1 January Y−1
  to 31 December Y: the trainings of the last two project years, whose effects the data can
  show. An enterprise trained more than once in that span is evaluated from its first
  training (the later ones are part of the same programme; the row names them, and also a
  training inside its before period, which makes the drop look smaller). Every such
  enterprise has a row, evaluated or not (with the reason).
* **Periods.** Before = the 12 months before *d*; after = the 12 months from *d*, cut at
  31 December Y (and the before period cut at the first quarter the cases cover). Twelve
  months make the comparison the plan's year on year and cover every season once.
* **At least 6 months after (and before).** A training is evaluated only when at least six
  whole months of data follow it (*d* + 6 months ≤ 1 January Y+1, i.e. trained on or before
  1 July Y); later trainings are listed as 无法判断 with the reason and are evaluated next
  year. Fewer months hold too few expected injuries for any interval to decide anything,
  and a short after period compared with a full before period would mix seasons; from six
  months on the comparison enterprises, counted over the *same calendar months*, carry the
  season and the general trend into the expected count. The before period needs six months
  too (it only matters when the cases start late).
* **Exposure.** Insured headcount × years, taken from the exposure table year by year: a
  period covering part of a year counts that year's average insured times the fraction of
  the year it covers (days / days in that year), so a half-year after period has half the
  exposure. A period touching a year with no insured figure for the enterprise has no
  exposure: a trained enterprise is then 无法判断 (缺少参保人数), a comparison enterprise
  is left out.
* **Comparison enterprises.** Every enterprise of the register that no training row names
  with a date in Y−2 … Y (or without a date): the population the trained ones were picked
  from, minus anyone whose periods a training could touch. Trainings whose target is not in
  the register cannot be excluded and are reported in the notes.
* **Groups and their periods.** Comparison enterprises must cover the same calendar periods
  as the treated (the trend and the season come from them). Each trained enterprise keeps
  its own periods; the trainings are grouped by **month** and each month's comparison group
  is counted over the periods of that month's median training date. A month moves the
  12-month windows by at most a few weeks (≥ 11/12 overlap), while one group per training
  day would split a programme into many one-enterprise groups whose shared trend error
  (see below) would widen the pooled interval for nothing. Each month group goes through
  :func:`~trafficprev.trends.eb_before_after` with ``reference="all"``: the trained were
  picked from the whole register by their counts, so the EB prior comes from every
  enterprise of the group, trained included (the leftovers of a top-count choice are low by
  chance; a prior from them alone would hide part of the effect). Trained enterprises of
  *other* months are in neither the group nor its prior; with a few dozen trained among
  hundreds or thousands this narrows the prior slightly, which makes the estimate lean
  towards "no effect" (conservative for the goal).
* **Per enterprise.** Hauer's index of effectiveness of one enterprise from its after count
  λ and the group's expected after count π (EB before count × exposure ratio × the
  comparison trend) with Var(π) from ``eb_before_after`` (EB error and trend error),
  ``change`` = index − 1 with its normal interval at ``level`` (the exact Poisson bound when
  λ = 0): the formulas of :mod:`trafficprev.trends._evaluate`, step 3.
* **Pooled** (one row per month group and 合计 over all evaluated enterprises): λ = Σλ_i,
  π = Σπ_i, and Var(π) = Σ_i Var_EB(π_i) + (Σ_g π_g √(Var r_g / r_g²))². The EB errors are
  independent between enterprises; each group's trend error r_g is shared by its
  enterprises and counted once on the group's total (as ``eb_before_after`` does); the
  trends of different months use overlapping comparison data, so their errors are added as
  if perfectly correlated, an upper bound on the variance (Cauchy–Schwarz). For one group
  the pooled row equals ``eb_before_after``'s summary.
* **Floor.** An enterprise or group with fewer than ``settings.evaluation_min_before``
  injuries before, or fewer than ``settings.evaluation_min_expected`` expected after, gets
  no percentage (neither EB nor plain: 2 → 0 injuries would print −100 %) and reads
  无法评估（样本太少）; it still counts in the pooled rows.
* **Verdict** against the goal (−10 %): 达到目标 when the upper end of the interval is at or
  below −10 %; 未达到目标 when the lower end is above −10 %; 下降但不确定 when the interval
  straddles −10 % and the estimate itself is a drop of 10 % or more (``eb_before_after``'s
  "likely"); 无法判断 when it straddles −10 % with a smaller estimate (a −3 % estimate
  between −80 % and +70 % says nothing), or the change cannot be estimated (no comparison,
  no exposure, too little data after the training).

Injuries are the recognised cases (认定工伤 / 视同工伤) of every injury type, linked to the
register by credit code, else by a unique employer name.

References
----------
Hauer, E. (1997). *Observational before-after studies in road safety*. Pergamon, Oxford.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtri
from scipy.stats import chi2

from .._display import display_text
from .._errors import ArgumentError, ArgumentTypeError, SchemaError, SettingsError
from ..groups import link_employers, register_frame
from ..schema import require_columns
from ..settings import Settings
from ..trends import eb_before_after, yoy_change

__all__ = [
    "GOAL",
    "SUMMARY_COLUMNS",
    "SUMMARY_LABELS",
    "TOTAL",
    "TRAINING_KIND",
    "UNIT_COLUMNS",
    "UNIT_LABELS",
    "VERDICTS",
    "TrainingEvaluation",
    "evaluate_training",
]

#: The 类型 of a training row in the measures file.
TRAINING_KIND = "培训"
#: The plan's goal: the incidence down by at least 10 % year on year.
GOAL = -0.10
#: Conclusions that count as an injury.
RECOGNISED = ("认定工伤", "视同工伤")
#: Length of the before and of the full after period.
WINDOW_MONTHS = 12
#: Fewest whole months of data after (and before) a training for it to be evaluated.
MIN_MONTHS = 6
#: Group label of the pooled row over every evaluated enterprise.
TOTAL = "合计"

VERDICT_MET = "达到目标"
VERDICT_NOT_MET = "未达到目标"
VERDICT_UNCERTAIN = "下降但不确定"
VERDICT_UNKNOWN = "无法判断"
VERDICT_TOO_SMALL = "无法评估（样本太少）"
#: Every verdict, from best to least known.
VERDICTS = (VERDICT_MET, VERDICT_NOT_MET, VERDICT_UNCERTAIN, VERDICT_UNKNOWN, VERDICT_TOO_SMALL)

#: ``units`` column -> its Chinese header (``units.rename(columns=UNIT_LABELS)``).
UNIT_LABELS: dict[str, str] = {
    "credit_code": "统一社会信用代码",
    "name": "单位名称",
    "trained_on": "培训日期",
    "group": "评估分组",
    "before_from": "前期起",
    "before_to": "前期止",
    "after_from": "后期起",
    "after_to": "后期止",
    "before": "前期工伤数",
    "after": "后期工伤数",
    "insured_years_before": "前期参保人年",
    "insured_years_after": "后期参保人年",
    "rate_before": "前期工伤发生率（每千人年）",
    "rate_after": "后期工伤发生率（每千人年）",
    "yoy_change": "简单同比变化（未校正均值回归）",
    "yoy_lower": "简单同比变化下限",
    "yoy_upper": "简单同比变化上限",
    "expected_after": "未培训时后期预期工伤数",
    "change": "校正后变化",
    "change_lower": "校正后变化下限",
    "change_upper": "校正后变化上限",
    "verdict": "是否达到目标（同比下降10%以上）",
    "note": "说明",
}
UNIT_COLUMNS: tuple[str, ...] = tuple(UNIT_LABELS)

_SHARED = [c for c in UNIT_COLUMNS if c not in ("credit_code", "name", "trained_on", "group")]
_SHARED = [c for c in _SHARED if not c.startswith(("before_", "after_"))]
#: ``summary`` column -> its Chinese header.
SUMMARY_LABELS: dict[str, str] = {
    "group": "评估分组",
    "n_enterprises": "培训单位数",
    "n_comparison": "对照单位数",
    "trend_change": "对照单位同期变化",
    **{c: UNIT_LABELS[c] for c in _SHARED},
}
SUMMARY_COLUMNS: tuple[str, ...] = tuple(SUMMARY_LABELS)

_NOTE_LEN = 40  # characters of a target shown in a note
_NOTE_ITEMS = 10  # targets listed in a note


@dataclass(frozen=True, eq=False)
class TrainingEvaluation:
    """What :func:`evaluate_training` returns.

    Attributes
    ----------
    units
        One row per enterprise trained in Y−1 … Y (sorted by training date, then credit
        code), columns :data:`UNIT_COLUMNS` (Chinese headers :data:`UNIT_LABELS`):
        ``credit_code``, ``name``, ``trained_on`` (first training in the span, ISO date),
        ``group`` (``培训 YYYY-MM``, "" when not evaluated), ``before_from`` /
        ``before_to`` / ``after_from`` / ``after_to`` (ISO dates, inclusive), ``before`` and
        ``after`` (injuries), ``insured_years_before`` / ``insured_years_after`` (exposure),
        ``rate_before`` / ``rate_after`` (per 1,000 insured per year), ``yoy_change`` with
        ``yoy_lower`` / ``yoy_upper`` (plain change and exact interval, **not** corrected for
        RTM), ``expected_after`` (EB: injuries expected after without training),
        ``change`` with ``change_lower`` / ``change_upper`` (EB, corrected for RTM and the
        trend; negative = fewer injuries), ``verdict`` (one of :data:`VERDICTS`) and
        ``note`` (reasons and remarks, "；"-joined). Enterprises that cannot be evaluated
        have NaN figures and their reason in ``note``; below the floor the counts stay and
        every change is NaN.
    summary
        One row per month group and a last row :data:`TOTAL` (pooled over every evaluated
        enterprise), columns :data:`SUMMARY_COLUMNS` (Chinese headers
        :data:`SUMMARY_LABELS`): ``group``, ``n_enterprises``, ``n_comparison`` (distinct
        comparison enterprises), ``trend_change`` (comparison enterprises' rate change; NaN
        for the total) and the ``units`` figures summed or pooled. Empty when no enterprise
        was evaluated.
    notes
        Sentences in Chinese: the rule, the RTM caveat, training rows not evaluated
        (unknown target, no date, outside the span) and data left out.
    """

    units: pd.DataFrame
    summary: pd.DataFrame
    notes: tuple[str, ...]


# --------------------------------------------------------------------------------------------
# inputs
# --------------------------------------------------------------------------------------------


def _check_year(year: Any) -> int:
    if isinstance(year, bool) or not isinstance(year, int | np.integer):
        raise ArgumentTypeError(f"year must be an integer, got {year!r}")
    if not 1900 <= int(year) <= 2200:
        raise ArgumentError(f"year must be a calendar year, got {year!r}")
    return int(year)


def _exposure_pivot(exposure: pd.DataFrame) -> pd.DataFrame:
    """Insured per credit code (rows) and year (columns); NaN where the table has none."""
    if not isinstance(exposure, pd.DataFrame):
        raise ArgumentTypeError(f"exposure must be a DataFrame, got {type(exposure).__name__}")
    require_columns(exposure, ["credit_code", "year", "insured"], what="exposure")
    code = exposure["credit_code"].fillna("").astype(str).str.strip().str.upper()
    year = pd.to_numeric(exposure["year"], errors="coerce")
    insured = pd.to_numeric(exposure["insured"], errors="coerce")
    if year.isna().any() or (year != year.round()).any():
        raise SchemaError("exposure: column 'year' must hold whole years")
    if (insured < 0).any() or np.isinf(insured).any():
        raise SchemaError("exposure: column 'insured' must be finite and ≥ 0")
    frame = pd.DataFrame({"credit_code": code, "year": year.astype(int), "insured": insured})
    dup = frame.duplicated(["credit_code", "year"], keep=False)
    if dup.any():
        shown = "、".join(sorted(set(frame.loc[dup, "credit_code"]))[:5])
        raise SchemaError(f"exposure: more than one row per credit code and year ({shown})")
    return frame.pivot(index="credit_code", columns="year", values="insured")


def _fractions(a: pd.Timestamp, b: pd.Timestamp) -> dict[int, float]:
    """The fraction of each calendar year that ``[a, b)`` covers (days / days in the year)."""
    out = {}
    for y in range(a.year, (b - pd.Timedelta(days=1)).year + 1):
        y0, y1 = pd.Timestamp(y, 1, 1), pd.Timestamp(y + 1, 1, 1)
        frac = (min(b, y1) - max(a, y0)).days / (y1 - y0).days
        if frac > 0:
            out[y] = frac
    return out


def _period_exposure(
    pivot: pd.DataFrame, codes: list[str], a: pd.Timestamp, b: pd.Timestamp
) -> np.ndarray:
    """Insured × years of each of `codes` over ``[a, b)``, year by year (NaN when a year the
    period touches has no insured figure)."""
    rows = pivot.reindex(codes)
    total = np.zeros(len(codes))
    for y, frac in _fractions(a, b).items():
        col = rows[y].to_numpy(dtype=float) if y in rows.columns else np.full(len(codes), np.nan)
        total = total + frac * col
    return total


def _injuries(cases: pd.DataFrame, reg: pd.DataFrame) -> tuple[pd.Series, pd.Series, Any, int]:
    """Times and enterprise keys of the recognised injuries, the first day of the first
    quarter the cases cover (NaT without cases) and the recognised cases without a time."""
    if not isinstance(cases, pd.DataFrame):
        raise ArgumentTypeError(f"cases must be a DataFrame, got {type(cases).__name__}")
    require_columns(cases, ["injured_at", "conclusion"], what="cases")
    times = pd.to_datetime(cases["injured_at"], errors="coerce")
    start = pd.Period(times.min(), freq="Q").start_time if times.notna().any() else pd.NaT
    recognised = cases["conclusion"].fillna("").astype(str).str.strip().isin(RECOGNISED)
    keep = recognised & times.notna()
    keys = link_employers(cases.loc[keep], reg)["enterprise"]
    return times[keep], keys, start, int((recognised & times.isna()).sum())


def _shown(texts: list[str]) -> str:
    """Targets for a note: one line each, cut to a readable length, at most ten."""
    out = []
    for text in texts[:_NOTE_ITEMS]:
        one = display_text(text)
        out.append(f"“{one[:_NOTE_LEN]}{'…' if len(one) > _NOTE_LEN else ''}”")
    return "、".join(out) + (f"等{len(texts)}条" if len(texts) > _NOTE_ITEMS else "")


def _text(value: Any) -> str:
    """A target cell as stripped text ("" when missing)."""
    if isinstance(value, str):
        return value.strip()
    try:
        missing = bool(pd.isna(value))
    except (TypeError, ValueError):  # list-like cells
        missing = False
    return "" if missing else str(value).strip()


def _trainings(measures: pd.DataFrame | None, reg: pd.DataFrame) -> pd.DataFrame:
    """The training rows: ``target`` (text), ``trained_on`` (NaT when unreadable) and
    ``credit_code`` of the register enterprise it names ("" when none or ambiguous)."""
    cols = {"target": [], "trained_on": pd.Series(dtype="<M8[ns]"), "credit_code": []}
    if measures is None or len(measures) == 0:
        return pd.DataFrame(cols)
    if not isinstance(measures, pd.DataFrame):
        raise ArgumentTypeError(f"measures must be a DataFrame, got {type(measures).__name__}")
    require_columns(measures, ["kind", "target", "implemented_on"], what="measures")
    rows = measures[measures["kind"].fillna("").astype(str).str.strip() == TRAINING_KIND]
    target = rows["target"].map(_text)
    link = link_employers(pd.DataFrame({"credit_code": target, "employer": target}), reg)
    return pd.DataFrame(
        {
            "target": target.astype(object),
            "trained_on": pd.to_datetime(rows["implemented_on"], errors="coerce").dt.normalize(),
            "credit_code": link["enterprise"].where(link["linked_by"] != "", ""),
        }
    ).reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# who is evaluated, over which periods
# --------------------------------------------------------------------------------------------


def _iso(day: pd.Timestamp) -> str:
    return day.date().isoformat()


def _periods(
    day: pd.Timestamp, start: pd.Timestamp, end: pd.Timestamp
) -> tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp, str]:
    """Before start, day, after end (half-open periods) and why they are too short ("")."""
    window = pd.DateOffset(months=WINDOW_MONTHS)
    b0, a1 = max(day - window, start), min(day + window, end)
    least = pd.DateOffset(months=MIN_MONTHS)
    if day + least > end:
        last = _iso(end - pd.Timedelta(days=1))
        why = f"培训后数据不足{MIN_MONTHS}个月（截至{last}），下一年度再评估"
    elif b0 + least > day:
        why = f"培训前数据不足{MIN_MONTHS}个月（案件数据自{_iso(start)}起）"
    else:
        why = ""
    return b0, day, a1, why


def _plan(trainings: pd.DataFrame, reg: pd.DataFrame, year: int, start: Any) -> pd.DataFrame:
    """One row per enterprise trained in Y−1 … Y: its first training, periods and the reason
    it cannot be evaluated ("" when it can)."""
    first, end = pd.Timestamp(year - 1, 1, 1), pd.Timestamp(year + 1, 1, 1)
    names = reg.set_index("credit_code")["name"].fillna("").astype(str)
    dated = trainings[(trainings["credit_code"] != "") & trainings["trained_on"].notna()]
    window = pd.DateOffset(months=WINDOW_MONTHS)
    rows = []
    for code, when in dated.groupby("credit_code", sort=True)["trained_on"]:
        every = sorted(set(when))
        days = [d for d in every if first <= d < end]
        if not days:
            continue
        day = days[0]
        note = [f"期间另于{'、'.join(_iso(d) for d in days[1:])}培训"] if len(days) > 1 else []
        prior = [d for d in every if day - window <= d < day]
        if prior:
            note.append(f"前期内已于{'、'.join(_iso(d) for d in prior)}培训，效果可能被低估")
        if pd.isna(start):
            b0, a1, why = pd.NaT, pd.NaT, "无案件数据"
        else:
            b0, _, a1, why = _periods(day, start, end)
        rows.append(
            {
                "credit_code": code,
                "name": names.get(code, ""),
                "day": day,
                "b0": b0,
                "a1": a1,
                "why": why,
                "note": note,
            }
        )
    plan = pd.DataFrame(rows, columns=["credit_code", "name", "day", "b0", "a1", "why", "note"])
    for col in ("day", "b0", "a1"):
        plan[col] = pd.to_datetime(plan[col])
    return plan


def _excluded(trainings: pd.DataFrame, year: int) -> set[str]:
    """Enterprises that may not serve as comparison: trained in Y−2 … Y, or on no known day."""
    t = trainings[trainings["credit_code"] != ""]
    day = t["trained_on"]
    recent = day.isna() | ((day.dt.year >= year - 2) & (day.dt.year <= year))
    return set(t.loc[recent, "credit_code"])


# --------------------------------------------------------------------------------------------
# the EB tables
# --------------------------------------------------------------------------------------------


def _count(times: pd.Series, keys: pd.Series, a: pd.Timestamp, b: pd.Timestamp) -> pd.Series:
    return keys[(times >= a) & (times < b)].value_counts()


def _treated_figures(
    plan: pd.DataFrame, pivot: pd.DataFrame, injuries: tuple[pd.Series, pd.Series]
) -> pd.DataFrame:
    """`plan` with each enterprise's counts and exposures over its own periods; an
    enterprise without a positive exposure in both periods gets its reason in ``why``."""
    times, keys = injuries
    out = plan.copy()
    for col in ("before", "after", "insured_years_before", "insured_years_after"):
        out[col] = np.nan
    codes = out.loc[out["why"] == "", "credit_code"].tolist()
    mine = keys.isin(codes).to_numpy()
    times_np, keys_np = times.to_numpy()[mine], keys.to_numpy(dtype=object)[mine]
    rows = pivot.reindex(codes)
    for i in out.index[out["why"] == ""]:
        code, b0, day, a1 = (out.at[i, c] for c in ("credit_code", "b0", "day", "a1"))
        exposures = [
            sum(f * rows.at[code, y] if y in rows.columns else math.nan for y, f in fr.items())
            for fr in (_fractions(b0, day), _fractions(day, a1))
        ]
        if not all(math.isfinite(x) for x in exposures):
            out.at[i, "why"] = "缺少参保人数（前期或后期所涉年度）"
            continue
        if min(exposures) <= 0:
            out.at[i, "why"] = "参保人数为0"
            continue
        own = times_np[keys_np == code]
        out.at[i, "before"] = float(((own >= b0.asm8) & (own < day.asm8)).sum())
        out.at[i, "after"] = float(((own >= day.asm8) & (own < a1.asm8)).sum())
        out.at[i, "insured_years_before"], out.at[i, "insured_years_after"] = exposures
    ok = out["why"] == ""
    out["group"] = np.where(ok, "培训 " + out["day"].dt.strftime("%Y-%m"), "")
    return out


def _comparison_table(
    label: str,
    anchor: pd.Timestamp,
    bounds: tuple[pd.Timestamp, pd.Timestamp],
    codes: list[str],
    pivot: pd.DataFrame,
    injuries: tuple[pd.Series, pd.Series],
) -> tuple[pd.DataFrame, int]:
    """The comparison rows of one month group over the periods of its `anchor` date, and how
    many of `codes` were left out for want of an insured figure."""
    start, end = bounds
    b0, day, a1, _ = _periods(anchor, start, end)
    eb = _period_exposure(pivot, codes, b0, day)
    ea = _period_exposure(pivot, codes, day, a1)
    have = np.isfinite(eb) & np.isfinite(ea)
    kept = [c for c, h in zip(codes, have, strict=True) if h]
    times, keys = injuries
    table = pd.DataFrame(
        {
            "unit": kept,
            "treated": False,
            "group": label,
            "before": _count(times, keys, b0, day).reindex(kept, fill_value=0).to_numpy(float),
            "after": _count(times, keys, day, a1).reindex(kept, fill_value=0).to_numpy(float),
            "exposure_before": eb[have],
            "exposure_after": ea[have],
        }
    )
    return table, int((~have).sum())


def _eb_tables(
    treated: pd.DataFrame,
    comparison: list[str],
    pivot: pd.DataFrame,
    injuries: tuple[pd.Series, pd.Series],
    bounds: tuple[pd.Timestamp, pd.Timestamp],
) -> tuple[pd.DataFrame, dict[str, set[str]], int]:
    """The ``eb_before_after`` table of every month group, the comparison enterprises with
    exposure in both periods per group, and the most comparison enterprises left out of a
    group for want of an insured figure."""
    tables, used, missing = [], {}, 0
    for label, part in treated[treated["group"] != ""].groupby("group", sort=True):
        days = sorted(part["day"])
        anchor = days[(len(days) - 1) // 2]  # the (lower) median training date
        comp, n_missing = _comparison_table(label, anchor, bounds, comparison, pivot, injuries)
        missing = max(missing, n_missing)
        positive = (comp["exposure_before"] > 0) & (comp["exposure_after"] > 0)
        used[label] = set(comp.loc[positive, "unit"])
        own = pd.DataFrame(
            {
                "unit": part["credit_code"].to_numpy(),
                "treated": True,
                "group": label,
                "before": part["before"].to_numpy(float),
                "after": part["after"].to_numpy(float),
                "exposure_before": part["insured_years_before"].to_numpy(float),
                "exposure_after": part["insured_years_after"].to_numpy(float),
            }
        )
        tables += [own, comp]
    return pd.concat(tables, ignore_index=True), used, missing


# --------------------------------------------------------------------------------------------
# index, verdict, rows
# --------------------------------------------------------------------------------------------


def _index(lam: float, pi: float, var: float, level: float) -> tuple[float, float, float]:
    """Hauer's change (index − 1) and its interval from the after count `lam`, the expected
    count `pi` and its variance `var` (as :func:`~trafficprev.trends.eb_before_after`)."""
    if not (math.isfinite(pi) and pi > 0 and math.isfinite(var)):
        return math.nan, math.nan, math.nan
    cv2 = var / pi**2
    index = (lam / pi) / (1.0 + cv2)
    if lam > 0:
        sd = math.sqrt(index**2 * (1.0 / lam + cv2)) / (1.0 + cv2)
        z = float(ndtri(0.5 + level / 2.0))
        lower, upper = max(index - z * sd, 0.0), index + z * sd
    else:
        lower, upper = 0.0, float(chi2.ppf(level, 2)) / 2.0 / pi
    return index - 1.0, lower - 1.0, upper - 1.0


def _verdict(change: float, lower: float, upper: float, goal: float) -> str:
    """The verdict in words of a change and its interval against `goal` (module docstring)."""
    if not math.isfinite(change):
        return VERDICT_UNKNOWN
    if upper <= goal:
        return VERDICT_MET
    if lower > goal:
        return VERDICT_NOT_MET
    return VERDICT_UNCERTAIN if change <= goal else VERDICT_UNKNOWN


def _figures(
    counts: tuple[float, float, float, float],
    expected: tuple[float, float],
    floor: tuple[int, float],
    level: float,
    goal: float,
) -> dict[str, Any]:
    """Rates, plain and EB changes and the verdict of one enterprise or group from its
    counts (before, after, exposure before, exposure after), expected after count and its
    variance; below the `floor` (min before, min expected) no change at all."""
    k, a, b, e = counts
    pi, var = expected
    out: dict[str, Any] = {
        "rate_before": 1000.0 * k / b,
        "rate_after": 1000.0 * a / e,
        "expected_after": pi,
    }
    plain = yoy_change(k, a, b, e, level=level)
    out["yoy_change"], out["yoy_lower"], out["yoy_upper"] = (
        plain["change"],
        plain["change_lower"],
        plain["change_upper"],
    )
    change, lower, upper = _index(a, pi, var, level)
    out["change"], out["change_lower"], out["change_upper"] = change, lower, upper
    out["verdict"], out["note"] = _verdict(change, lower, upper, goal), ""
    if math.isfinite(change) and (k < floor[0] or pi < floor[1]):
        for col in (
            "yoy_change",
            "yoy_lower",
            "yoy_upper",
            "change",
            "change_lower",
            "change_upper",
        ):
            out[col] = math.nan
        out["verdict"] = VERDICT_TOO_SMALL
        out["note"] = f"样本太少：前期工伤少于{floor[0]}起或后期预期少于{floor[1]:g}起，不计算变化"
    return out


def _unit_rows(
    treated: pd.DataFrame,
    eb_units: pd.DataFrame,
    floor: tuple[int, float],
    level: float,
    goal: float,
) -> pd.DataFrame:
    """The ``units`` table: every planned enterprise with its figures or its reason."""
    pi = eb_units.set_index("unit")
    rows = []
    for _, r in treated.iterrows():
        base = {
            "credit_code": r["credit_code"],
            "name": r["name"],
            "trained_on": _iso(r["day"]),
            "group": r["group"],
            "before_from": "" if pd.isna(r["b0"]) else _iso(r["b0"]),
            "before_to": "" if pd.isna(r["b0"]) else _iso(r["day"] - pd.Timedelta(days=1)),
            "after_from": "" if pd.isna(r["a1"]) else _iso(r["day"]),
            "after_to": "" if pd.isna(r["a1"]) else _iso(r["a1"] - pd.Timedelta(days=1)),
            **{c: r[c] for c in ("before", "after", "insured_years_before", "insured_years_after")},
        }
        notes = list(r["note"])
        if r["why"]:
            fig = {"verdict": VERDICT_UNKNOWN, "note": r["why"]}
        else:
            counts = (r["before"], r["after"], r["insured_years_before"], r["insured_years_after"])
            expected = (
                pi.at[r["credit_code"], "expected_after"],
                pi.at[r["credit_code"], "sd_expected_after"] ** 2,
            )
            fig = _figures(counts, expected, floor, level, goal)
            if not math.isfinite(expected[0]):
                fig["note"] = "对照单位不足，无法校正"
        notes.insert(0, fig.pop("note"))
        rows.append({**base, **fig, "note": "；".join(n for n in notes if n)})
    return pd.DataFrame(rows, columns=list(UNIT_COLUMNS))


def _pooled(
    label: str,
    units: pd.DataFrame,
    rel_var: dict[str, float],
    rest: dict[str, Any],
    args: tuple[tuple[int, float], float, float],
) -> dict[str, Any]:
    """The summary row of the enterprises `units` (eb units merged with their counts):
    π = Σπ_i with the EB variances summed and the groups' trend errors added as perfectly
    correlated (module docstring); `rest` holds the group's other columns."""
    floor, level, goal = args
    sums = [
        float(units[c].sum())
        for c in ("before", "after", "insured_years_before", "insured_years_after")
    ]
    pi_i = units["expected_after"].to_numpy(float)
    rv = units["group"].map(rel_var).to_numpy(float)
    var_eb = np.clip(units["sd_expected_after"].to_numpy(float) ** 2 - pi_i**2 * rv, 0.0, None)
    # Σ_g π_g √rv_g = Σ_i π_i √rv_i: rv is the same for every enterprise of a group
    var = float(var_eb.sum()) + float(np.sum(pi_i * np.sqrt(rv))) ** 2
    pi = float(pi_i.sum()) if np.isfinite(pi_i).all() else math.nan
    fig = _figures(tuple(sums), (pi, var), floor, level, goal)  # type: ignore[arg-type]
    note = "；".join(n for n in (rest.pop("note", ""), fig.pop("note")) if n)
    row = {"group": label, "n_enterprises": len(units), **rest, **fig, "note": note}
    row.update(
        zip(("before", "after", "insured_years_before", "insured_years_after"), sums, strict=True)
    )
    return row


def _summary_rows(
    treated: pd.DataFrame,
    res: Any,
    used: dict[str, set[str]],
    args: tuple[tuple[int, float], float, float],
) -> pd.DataFrame:
    """One summary row per month group and the pooled :data:`TOTAL` row."""
    merged = treated[treated["group"] != ""].merge(
        res.units[["unit", "expected_after", "sd_expected_after"]],
        left_on="credit_code",
        right_on="unit",
        how="left",
    )
    rel_var = {g: float(f["trend_rel_var"]) for g, f in res.comparison.items()}
    notes = res.summary.set_index("group")["note"]
    rows = []
    for label, part in merged.groupby("group", sort=True):
        rest = {
            "n_comparison": len(used[label]),
            "trend_change": float(res.comparison[label]["trend"]) - 1.0,
            "note": str(notes.get(label, "")),
        }
        rows.append(_pooled(label, part, rel_var, rest, args))
    usable = merged[np.isfinite(merged["expected_after"].to_numpy(float))]
    pool = usable if len(usable) else merged
    note = "不含对照单位不足的分组" if 0 < len(usable) < len(merged) else ""
    if len(rows) > 1:
        note = "；".join(x for x in (note, "各月分组的对照趋势误差按完全相关合并（保守）") if x)
    comparison = set().union(*(used[g] for g in set(pool["group"])))
    rest = {"n_comparison": len(comparison), "trend_change": math.nan, "note": note}
    rows.append(_pooled(TOTAL, pool, rel_var, rest, args))
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def _notes(
    trainings: pd.DataFrame, year: int, start: Any, n_untimed: int, n_missing: int
) -> tuple[str, ...]:
    """The notes: the rule, the RTM caveat, and every training row or datum left out."""
    notes = [
        f"评估对象：{year - 1}年1月1日至{year}年12月31日培训、且培训后至少有{MIN_MONTHS}个月数据的"
        f"单位（即{year}年7月1日及以前培训）；前期为培训前{WINDOW_MONTHS}个月，后期为培训起"
        f"{WINDOW_MONTHS}个月（截至{year}年12月31日），暴露量为各年度参保人数×所占年份比例。",
        f"对照单位：名录中{year - 2}—{year}年未培训的单位，按培训月份分组、与该月培训单位同期比较；"
        "用经验贝叶斯前后对比法（Hauer）校正均值回归和总体趋势，目标为工伤发生率同比下降10%以上。",
        "简单同比变化未校正均值回归：按工伤多选出的单位即使培训无效，次年也往往下降，不能据此判断成效。",
    ]
    unknown = trainings.loc[trainings["credit_code"] == "", "target"].tolist()
    if unknown:
        notes.append(
            f"{len(unknown)}条培训记录的单位在企业名录中找不到或名称不唯一，未评估，"
            f"也未能从对照单位中排除：{_shown(unknown)}"
        )
    known = trainings[trainings["credit_code"] != ""]
    undated = int(known["trained_on"].isna().sum())
    if undated:
        notes.append(f"{undated}条培训记录缺少或无法识别实施日期，未评估，该单位不作对照")
    day = known["trained_on"]
    outside = int((day.notna() & ((day.dt.year < year - 1) | (day.dt.year > year))).sum())
    if outside:
        early = int((day.dt.year == year - 2).sum())
        which = f"（其中{year - 2}年{early}条，所涉单位不作对照）" if early else ""
        notes.append(f"{outside}条培训记录不在{year - 1}—{year}年，未评估{which}")
    if pd.notna(start) and start > pd.Timestamp(year - 2, 1, 1):
        notes.append(f"案件数据自{_iso(start)}起，前期截至该日")
    if n_untimed:
        notes.append(f"{n_untimed}起认定（视同）工伤缺少受伤时间，未计入")
    if n_missing:
        notes.append(f"最多{n_missing}家名录单位因缺少参保人数未作对照")
    return tuple(notes)


def evaluate_training(
    cases: pd.DataFrame,
    exposure: pd.DataFrame,
    measures: pd.DataFrame | None,
    register: pd.DataFrame,
    *,
    year: int,
    settings: Settings,
    level: float = 0.95,
    goal: float = GOAL,
) -> TrainingEvaluation:
    """Evaluate the precision project's training against the plan's 10 % goal.

    Parameters
    ----------
    cases
        Determinations (``read_determinations(...).records``): ``injured_at``,
        ``conclusion`` and ``credit_code`` and/or ``employer``. Every recognised case
        (认定工伤 / 视同工伤) counts, whatever its injury type.
    exposure
        One row per credit code and year: ``credit_code``, ``year``, ``insured`` (average
        insured; the caller takes it from the contributions ledger, else the register).
    measures
        ``read_measures(...).records`` (``kind``, ``target``, ``implemented_on``), or None;
        rows of kind 培训 are the trainings.
    register
        The enterprise register (``read_enterprises(...).records``): the enterprises a
        training can name and the comparison population.
    year
        The statistics year Y (the last complete year of data).
    settings
        ``evaluation_min_before`` and ``evaluation_min_expected`` (the floor).
    level
        Level of the intervals.
    goal
        The goal for the change (the plan's −10 %).

    Returns
    -------
    TrainingEvaluation
        ``units`` (per enterprise), ``summary`` (per month group and pooled) and ``notes``;
        the rule is in the module docstring.

    Raises
    ------
    ValueError
        Missing columns, an exposure table with more than one row per credit code and year,
        negative insured figures, a year that is not a calendar year.
    TypeError
        Inputs that are not DataFrames, a year that is not an integer.
    SettingsError
        ``level`` outside (0, 1), ``goal`` outside (−1, 0).
    """
    year = _check_year(year)
    if not 0.0 < float(level) < 1.0:
        raise SettingsError(f"level must be in (0, 1), got {level!r}")
    if not -1.0 < float(goal) < 0.0:
        raise SettingsError(f"goal must be a drop between -1 and 0, got {goal!r}")
    reg = register_frame(register)
    pivot = _exposure_pivot(exposure)
    times, keys, start, n_untimed = _injuries(cases, reg)
    trainings = _trainings(measures, reg)
    plan = _plan(trainings, reg, year, start)
    treated = _treated_figures(plan, pivot, (times, keys))
    comparison = sorted(set(reg["credit_code"]) - _excluded(trainings, year))
    floor = (int(settings.evaluation_min_before), float(settings.evaluation_min_expected))
    args = (floor, float(level), float(goal))
    n_missing, summary = 0, pd.DataFrame(columns=list(SUMMARY_COLUMNS))
    eb_units = pd.DataFrame(columns=["unit", "expected_after", "sd_expected_after"])
    if (treated["group"] != "").any():
        bounds = (start, pd.Timestamp(year + 1, 1, 1))
        table, used, n_missing = _eb_tables(treated, comparison, pivot, (times, keys), bounds)
        res = eb_before_after(
            table,
            level=level,
            goal=goal,
            reference="all",
            min_before=floor[0],
            min_expected=floor[1],
        )
        eb_units = res.units
        summary = _summary_rows(treated, res, used, args)
    units = _unit_rows(treated, eb_units, floor, float(level), float(goal))
    units = units.sort_values(["trained_on", "credit_code"], kind="stable", ignore_index=True)
    notes = _notes(trainings, year, start, n_untimed, n_missing)
    return TrainingEvaluation(units=units, summary=summary, notes=notes)
