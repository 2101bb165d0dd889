"""``analyse_precision``: the year's statistics and precision list from the four inputs.

One pure function from the records of the determinations, the enterprise register, the
contribution and payout ledgers and (optionally) the measures file to a frozen
:class:`PrecisionResult`; nothing is read or written here (the command's reading and
writing is :func:`trafficprev.pipeline.run_precision`).

The window is the ``precision_years`` years ending with the statistics year ``year`` (the
plan's 近三年: ``year − 2 … year``). When the inputs do not reach back that far the window
stays the same and the result says, in ``notes``, which years have no determinations or no
contributions: those years then add no exposure (no headcount known) or no injuries, the
rates rest on the years that do, and the credibility model takes the enterprises with a
single year as one observation each (they add nothing to the within-enterprise variance).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._errors import ArgumentTypeError
from ..groups import register_frame
from ..settings import Settings
from ._credibility import CredibilityResult, payout_ratios
from ._evaluate import TrainingEvaluation, _trainings, evaluate_training
from ._industries import group_statistics, key_fields
from ._rates import incidence
from ._select import precision_list
from ._table import enterprise_years

__all__ = ["PrecisionResult", "analyse_precision", "funnel_table", "trained_recently"]


@dataclass(frozen=True)
class PrecisionResult:
    """Everything :func:`analyse_precision` found for one statistics year.

    Attributes
    ----------
    year, years
        The statistics year and the window's years (oldest first).
    enterprise_years
        :func:`~trafficprev.precision.enterprise_years` over the window.
    incidence, ratios, credibility
        Incidence per enterprise (:func:`~trafficprev.precision.incidence`), payout ratios
        (:func:`~trafficprev.precision.payout_ratios`) and the Bühlmann–Straub model behind
        them.
    selection
        :func:`~trafficprev.precision.precision_list`: every candidate in list order, the
        listed ones with ``rank`` 1…N.
    industries, districts, fields
        Statistics by industry and by county (:func:`~trafficprev.precision.group_statistics`)
        and by injury kind (:func:`~trafficprev.precision.key_fields`).
    evaluation
        The training of the previous years against the 10 % goal
        (:func:`~trafficprev.precision.evaluate_training`).
    city
        The city's figures over the window: ``rate_per_1000`` (injuries per 1,000 insured per
        year), ``collective_ratio`` (the credibility model's collective payout ratio),
        ``payout``, ``paid``, ``ratio`` (Σ payouts ÷ Σ premiums), ``n_injuries``,
        ``enterprises``.
    notes
        Sentences for the reader: missing years, cases and payments that name no
        enterprise, the list's length when fewer than ``precision_count`` qualify.
    settings
        The settings used.
    """

    year: int
    years: tuple[int, ...]
    enterprise_years: pd.DataFrame
    incidence: pd.DataFrame
    ratios: pd.DataFrame
    credibility: CredibilityResult
    selection: pd.DataFrame
    industries: pd.DataFrame
    districts: pd.DataFrame
    fields: pd.DataFrame
    evaluation: TrainingEvaluation
    city: dict[str, float]
    notes: tuple[str, ...]
    settings: Settings = field(default_factory=Settings)

    @property
    def listed(self) -> pd.DataFrame:
        """The listed enterprises (``rank`` 1…N), in rank order."""
        return self.selection[self.selection["rank"].notna()].reset_index(drop=True)


def _window(year: int, settings: Settings) -> tuple[int, ...]:
    if isinstance(year, bool) or not isinstance(year, int | np.integer):
        raise ArgumentTypeError(f"year must be an integer, got {year!r}")
    return tuple(range(int(year) - settings.precision_years + 1, int(year) + 1))


def trained_recently(
    measures: pd.DataFrame | None, register: pd.DataFrame, year: int, span: int
) -> pd.DataFrame:
    """Enterprises trained (a 培训 row of `measures`) in the `span` years up to `year`.

    Returns
    -------
    pandas.DataFrame
        ``credit_code`` and ``trained_on`` (datetime64), one row per training matched to an
        enterprise of `register`; empty when `span` is 0 or there is no measures file.
    """
    empty = pd.DataFrame({"credit_code": pd.Series(dtype=object), "trained_on": []})
    if measures is None or span <= 0 or measures.empty:
        return empty
    rows = _trainings(measures, register_frame(register))
    if rows.empty:
        return empty
    when = pd.to_datetime(rows["trained_on"], errors="coerce")
    keep = when.notna() & (when.dt.year > year - span) & (when.dt.year <= year)
    keep &= rows["credit_code"].fillna("").astype(str) != ""
    return pd.DataFrame(
        {"credit_code": rows.loc[keep, "credit_code"].astype(str), "trained_on": when[keep]}
    ).reset_index(drop=True)


def _enterprise_info(ey: pd.DataFrame) -> pd.DataFrame:
    """Per enterprise over the window: name, industry, county, mean insured, counts."""
    grouped = ey.groupby("credit_code", sort=True)
    info = grouped[["name", "industry", "district"]].last()
    info["insured"] = grouped["insured"].mean()
    info["n_occupational"] = grouped["n_occupational"].sum()
    info["n_deaths"] = grouped["n_deaths"].sum()
    return info.reset_index()


def _exposure(ey: pd.DataFrame) -> pd.DataFrame:
    known = ey[ey["insured"].notna()]
    return known[["credit_code", "year", "insured"]].reset_index(drop=True)


def _city(ey: pd.DataFrame, rates: pd.DataFrame, model: CredibilityResult) -> dict[str, float]:
    theta = float(rates.attrs.get("theta", math.nan))
    payout = float(ey["payout"].sum())
    paid = float(ey["paid"].sum(min_count=1)) if ey["paid"].notna().any() else math.nan
    return {
        "rate_per_1000": 1000 * theta if math.isfinite(theta) else math.nan,
        "collective_ratio": float(model.m),
        "payout": payout,
        "paid": paid,
        "ratio": payout / paid if paid and math.isfinite(paid) and paid > 0 else math.nan,
        "n_injuries": float(ey["n_injuries"].sum()),
        "enterprises": float(ey["credit_code"].nunique()),
    }


def _notes(
    ey: pd.DataFrame,
    years: tuple[int, ...],
    inputs: dict[str, pd.DataFrame | None],
    selection: pd.DataFrame,
    settings: Settings,
) -> list[str]:
    notes: list[str] = []
    cases, contributions = inputs["cases"], inputs["contributions"]
    case_years = set(pd.to_datetime(cases["injured_at"], errors="coerce").dt.year.dropna())
    no_cases = [y for y in years if y not in case_years]
    if no_cases:
        notes.append(
            f"{'、'.join(map(str, no_cases))}年没有工伤认定记录：统计期为{years[0]}—{years[-1]}年，"
            "发生率只依据有记录的年份。"
        )
    ledger_years = set() if contributions is None else set(contributions["year"].astype(int))
    no_ledger = [y for y in years if y not in ledger_years]
    if no_ledger:
        notes.append(
            f"缴费台账缺少{'、'.join(map(str, no_ledger))}年：这些年份的参保人数取自企业名录，"
            "缴费为空，支缴率只依据有缴费记录的年份；只有一年记录的企业在可信度模型中"
            "只作一次观测，不参与企业内年度间方差的估计。"
        )
    unmatched = ey.attrs.get("unmatched") or []
    if unmatched:
        n = sum(int(u.get("n_injuries", 0) or 0) for u in unmatched if isinstance(u, dict))
        if n:
            notes.append(f"{n}起工伤找不到所属企业（无信用代码且单位名称不唯一），只计入全市合计。")
    listed = int(selection["rank"].notna().sum())
    if listed < settings.precision_count:
        notes.append(
            f"只有{listed}家企业的发生率或支缴率超出上限，名单不足{settings.precision_count}家；"
            "未超出上限的企业不凑数列入。"
        )
    return notes


def analyse_precision(
    cases: pd.DataFrame,
    register: pd.DataFrame,
    contributions: pd.DataFrame | None,
    payouts: pd.DataFrame | None,
    measures: pd.DataFrame | None = None,
    *,
    year: int,
    settings: Settings | None = None,
) -> PrecisionResult:
    """The precision project's statistics, list and evaluation for statistics year `year`.

    Parameters
    ----------
    cases
        ``read_determinations(...).records`` over at least the window (every injury type).
    register
        ``read_enterprises(...).records``.
    contributions, payouts
        ``read_contributions(...).records`` and ``read_payouts(...).records`` (None: not
        given; then no payout ratio and no enterprise is high on it).
    measures
        ``read_measures(...).records``: its 培训 rows are the precision project's trainings
        (evaluation, and the 已培训 mark of the list).
    year
        The statistics year (the last year of the window).
    settings
        ``precision_*``, ``k_*``, ``evaluation_min_*``.

    Returns
    -------
    PrecisionResult
        See the class.
    """
    settings = settings or Settings()
    years = _window(year, settings)
    level = settings.precision_level
    ey = enterprise_years(cases, contributions, payouts, register, years=years)
    rates = incidence(ey, level=level)
    ratios, model = payout_ratios(ey, level=level)
    city = _city(ey, rates, model)
    trained = trained_recently(measures, register, int(year), settings.precision_trained_years)
    selection = precision_list(
        rates,
        ratios,
        _enterprise_info(ey),
        trained=trained,
        city_rate=city["rate_per_1000"],
        collective=city["collective_ratio"],
        years=(years[0], years[-1]),
        settings=settings,
        city_ratio=city["ratio"],
    )
    evaluation = evaluate_training(
        cases, _exposure(ey), measures, register, year=int(year), settings=settings
    )
    inputs: dict[str, Any] = {"cases": cases, "contributions": contributions}
    return PrecisionResult(
        year=int(year),
        years=years,
        enterprise_years=ey,
        incidence=rates,
        ratios=ratios,
        credibility=model,
        selection=selection,
        industries=group_statistics(ey, "industry", level=level),
        districts=group_statistics(ey, "district", level=level),
        fields=key_fields(ey),
        evaluation=evaluation,
        city=city,
        notes=tuple(_notes(ey, years, inputs, selection, settings)),
        settings=settings,
    )


def funnel_table(result: PrecisionResult) -> pd.DataFrame:
    """The enterprises as :func:`trafficprev.groups.plot_funnel` draws them: exposure
    (``person_years``), crude ``rate_per_1000``, ``key`` (listed) and ``rank``, with the city
    rate in ``attrs["theta"]`` (per insured-year)."""
    rates = result.incidence
    ranks = result.selection.set_index("credit_code")["rank"]
    table = pd.DataFrame(
        {
            "credit_code": rates["credit_code"],
            "name": rates["name"],
            "person_years": rates["insured_years"],
            "rate_per_1000": rates["rate_per_1000"],
            "rank": rates["credit_code"].map(ranks),
        }
    )
    table["key"] = table["rank"].notna()
    table.attrs["theta"] = rates.attrs.get("theta", math.nan)
    return table
