"""The precision list (精准式工伤预防重点企业名单): which enterprises the joint meeting
(联席会议) is asked to choose for one-enterprise-one-plan training.

The plan picks them "从近三年工伤发生率和基金支缴率较高的企业中": from the enterprises whose injury
incidence **and** fund payout ratio over the last three years are high. The rule, in order:

1. **Candidates**: enterprises with at least one recognised injury in the window and a
   positive insured exposure (an enterprise without a headcount has no rate).
2. **Tiers.** An enterprise's incidence is *high* when its count exceeds the one-sided
   ``precision_level`` Poisson limit of the funnel plot around the city rate
   (:func:`~trafficprev.precision.incidence`); its payout ratio is *high* when its
   Bühlmann–Straub credibility estimate exceeds the collective mean by more than its own
   one-sided limit (:func:`~trafficprev.precision.payout_ratios`), so that one large payment
   at a small firm, whose credibility weight is small, does not make it high. Tier 1: both
   high (两项均高). Tier 2: one of the two high (发生率高 / 支缴率高). Enterprises high on
   neither are not listed: the list may be shorter than ``precision_count``, and the
   report says so rather than filling it with enterprises that are not above their limits.
3. **Score** within a tier: the geometric mean of the two relative levels,
   √((EB incidence ÷ city incidence) × (credibility ratio ÷ collective mean)) — "how many
   times the city's level" on both measures together, each already shrunk towards the
   city's level by its evidence (empirical Bayes; credibility). Ties: more injuries first,
   then the credit code.
4. **Trained enterprises** (a 培训 row of the measures file within the last
   ``precision_trained_years`` years up to the statistics year) follow
   ``precision_trained``: ``"last"`` lists them only after every untrained enterprise of
   both tiers, ``"exclude"`` never lists them, ``"keep"`` ranks them with the others; they
   are marked 已培训 in every case.
5. **Industry cap**: with ``precision_industry_cap`` > 0, an enterprise whose industry
   already has that many listed enterprises is passed over (状态 ``备选（行业名额已满）``).
6. The first ``precision_count`` enterprises in that order are listed (``rank`` 1…N).

Why: the plan names both measures; an enterprise with many injuries but small costs, or
one expensive case, is a different problem (a campaign, a claim review) from a workplace
that hurts many workers badly. The limits (not a top-N of raw rates) keep small firms with
one or two cases off the list by chance; the score orders the firms the data say are high.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from .. import disclosure
from .._errors import ArgumentError
from ..schema import require_columns
from ..settings import Settings

__all__ = ["SELECT_COLUMNS", "TIERS", "precision_list", "reasons"]

#: Tier names, best first.
TIERS: tuple[str, ...] = ("两项均高", "发生率高", "支缴率高", "均未超限")

#: Columns of :func:`precision_list`'s table.
SELECT_COLUMNS: tuple[str, ...] = (
    "rank",
    "status",
    "credit_code",
    "name",
    "industry",
    "district",
    "insured",
    "n_injuries",
    "n_occupational",
    "n_deaths",
    "rate_per_1000",
    "rate_lower",
    "rate_upper",
    "eb_rate_per_1000",
    "incidence_high",
    "payout",
    "paid",
    "ratio",
    "credibility_ratio",
    "z",
    "payout_high",
    "tier",
    "score",
    "trained",
    "trained_on",
    "reason",
)

_LISTED = "列入"
_CAPPED = "备选（行业名额已满）"
_TRAINED_OUT = "不列入（近年已培训）"
_BEYOND = "备选（名额已满）"
_NOT_HIGH = "未列入（两项均未超出上限）"


def _relative(values: pd.Series, level: float) -> pd.Series:
    """`values` ÷ the city `level` (NaN where either is missing or the level is not > 0)."""
    if not (math.isfinite(level) and level > 0):
        return pd.Series(np.nan, index=values.index)
    return values.astype(float) / level


def _tier(incidence_high: pd.Series, payout_high: pd.Series) -> pd.Series:
    both = incidence_high & payout_high
    return pd.Series(
        np.select([both, incidence_high, payout_high], list(TIERS[:3]), default=TIERS[3]),
        index=incidence_high.index,
    )


def _order(table: pd.DataFrame, trained_rule: str) -> pd.DataFrame:
    """The candidates in list order (tier, trained rule, score, injuries, credit code)."""
    tier_rank = table["tier"].map({t: i for i, t in enumerate(TIERS)})
    # a one-measure tier counts as one tier: the score orders 发生率高 and 支缴率高 together
    tier_rank = tier_rank.where(tier_rank != 2, 1)
    late = table["trained"] if trained_rule == "last" else pd.Series(False, index=table.index)
    keyed = table.assign(
        _tier=tier_rank,
        _late=late.astype(int),
        _score=-table["score"].fillna(-np.inf),
        _n=-table["n_injuries"],
    )
    return keyed.sort_values(
        ["_late", "_tier", "_score", "_n", "credit_code"], kind="mergesort"
    ).drop(columns=["_tier", "_late", "_score", "_n"])


def _status(table: pd.DataFrame, settings: Settings) -> pd.Series:
    """Each candidate's status, walking the list in order."""
    status = pd.Series(_NOT_HIGH, index=table.index, dtype=object)
    cap = settings.precision_industry_cap
    per_industry: dict[str, int] = {}
    listed = 0
    high = table.index[table["tier"] != TIERS[3]]
    rows = zip(high, table.loc[high, "trained"], table.loc[high, "industry"], strict=True)
    for idx, trained, industry in rows:
        if trained and settings.precision_trained == "exclude":
            status[idx] = _TRAINED_OUT
        elif listed >= settings.precision_count:
            status[idx] = _BEYOND
        elif cap and per_industry.get(str(industry), 0) >= cap:
            status[idx] = _CAPPED
        else:
            per_industry[str(industry)] = per_industry.get(str(industry), 0) + 1
            listed += 1
            status[idx] = _LISTED
    return status


def _pct(value: float) -> str:
    return f"{100 * value:.0f}%" if math.isfinite(value) else "—"


def _count(n: object, k: int) -> str:
    """``12起``, or ``少于k起`` for 1 … k−1."""
    value = int(n)
    return disclosure.below_text(k) if disclosure.is_small(value, k) else f"{value}起"


def _reason(row: Any, city_rate: float, city_ratio: float, years: str, k: int) -> str:
    """列入原因 in words, no count of 1 … k−1 readable (``k = 1``: the internal list)."""
    total = int(row.n_injuries)
    parts = [f"{years}工伤{_count(total, k)}"]
    extra = [
        f"{label}{_count(n, k)}"
        for label, n in (("职业病", row.n_occupational), ("死亡", row.n_deaths))
        if pd.notna(n) and n > 0
    ]
    if extra:
        parts[0] += f"（其中{'、'.join(extra)}）"
    rate = float(row.rate_per_1000)
    if math.isfinite(rate) and not disclosure.is_small(total, k):  # a rate gives n back
        text = f"发生率每千人每年{rate:.1f}"
        if math.isfinite(city_rate) and city_rate > 0:
            text += f"，为全市平均（{city_rate:.1f}）的{rate / city_rate:.1f}倍"
        text += "，超出正常波动上限" if row.incidence_high else "，未超出正常波动上限"
        parts.append(text)
    ratio, cred = float(row.ratio), float(row.credibility_ratio)
    if math.isfinite(ratio):
        text = f"基金支缴率{_pct(ratio)}"
        if math.isfinite(cred):
            text += f"（按可信度加权{_pct(cred)}；全市{_pct(city_ratio)}）"
        text += "，超出上限" if row.payout_high else "，未超出上限"
        parts.append(text)
    else:
        parts.append("无缴费记录，支缴率无法计算")
    if row.trained:
        parts.append(f"已于{row.trained_on}参加精准预防培训")
    return "；".join(parts)


def reasons(
    table: pd.DataFrame, *, city_rate: float, city_ratio: float, years: tuple[int, int], k: int = 1
) -> pd.Series:
    """列入原因 of every row of a :func:`precision_list` table, written at release level `k`.

    Counts of 1 … k−1 read ``少于k起`` and an enterprise with such a total gets no rate
    (the rate beside its headcount would give the count back).

    Parameters
    ----------
    table
        Rows of :func:`precision_list` (numeric counts).
    city_rate, city_ratio
        The city's incidence per 1,000 insured per year and its payout ratio.
    years
        First and last year of the window.
    k
        Smallest count that may be read (1: everything).
    """
    span = f"{years[0]}—{years[1]}年" if years[0] < years[1] else f"{years[0]}年"
    texts = [_reason(r, city_rate, city_ratio, span, k) for r in table.itertuples()]
    return pd.Series(texts, index=table.index, dtype=object)


def precision_list(
    incidence: pd.DataFrame,
    ratios: pd.DataFrame,
    enterprises: pd.DataFrame,
    *,
    trained: pd.DataFrame | None = None,
    city_rate: float,
    collective: float,
    years: tuple[int, int],
    settings: Settings | None = None,
    city_ratio: float | None = None,
) -> pd.DataFrame:
    """Select the precision project's enterprises by the rule of the module docstring.

    Parameters
    ----------
    incidence
        :func:`~trafficprev.precision.incidence`: one row per enterprise with
        ``credit_code``, ``n_injuries``, ``rate_per_1000``, ``rate_lower``, ``rate_upper``,
        ``eb_rate_per_1000`` and ``high``.
    ratios
        :func:`~trafficprev.precision.payout_ratios`: ``credit_code``, ``payout``, ``paid``,
        ``ratio``, ``z``, ``credibility_ratio`` and ``high``.
    enterprises
        One row per enterprise: ``credit_code``, ``name``, ``industry``, ``district``,
        ``insured`` (average insured over the window), ``n_occupational``, ``n_deaths``.
    trained
        Enterprises trained in the precision project within the last years: ``credit_code``
        and ``trained_on`` (a date or text); None: none.
    city_rate
        The city's incidence per 1,000 insured per year over the window.
    collective
        The collective payout ratio of the credibility model (the score's reference).
    city_ratio
        The city's payout ratio (Σ payouts ÷ Σ premiums) the reasons name as 全市; default
        `collective`.
    years
        First and last year of the window (for the reasons' wording).
    settings
        ``precision_count``, ``precision_trained``, ``precision_industry_cap``.

    Returns
    -------
    pandas.DataFrame
        Every candidate, in list order, columns :data:`SELECT_COLUMNS`: ``rank`` 1…N for
        the listed ones (``<NA>`` otherwise), ``status`` (列入, 备选（名额已满）,
        备选（行业名额已满）, 不列入（近年已培训）, 未列入（两项均未超出上限）), ``tier``
        (:data:`TIERS`), ``score`` and ``reason`` (列入原因).

    Raises
    ------
    ValueError
        A table lacks a column (all problems named), or `years` is not (first, last).
    """
    settings = settings or Settings()
    _check_inputs(incidence, ratios, enterprises)
    if len(years) != 2 or years[0] > years[1]:
        raise ArgumentError(f"years must be (first, last), got {years!r}")
    rates = incidence.rename(columns={"high": "incidence_high"})
    pay = ratios.rename(columns={"high": "payout_high"})
    pay = pay[[c for c in pay.columns if c == "credit_code" or c not in rates.columns]]
    table = rates.merge(pay, on="credit_code", how="left")
    info = enterprises.drop_duplicates("credit_code")
    info = info[[c for c in info.columns if c == "credit_code" or c not in table.columns]]
    table = table.merge(info, on="credit_code", how="left")
    for col in ("insured", "n_occupational", "n_deaths", "payout", "paid", "ratio",
                "credibility_ratio", "z", "rate_lower", "rate_upper", "district"):  # fmt: skip
        if col not in table:
            table[col] = "" if col == "district" else np.nan
    table = table[(table["n_injuries"] > 0) & table["rate_per_1000"].notna()].copy()
    table["incidence_high"] = table["incidence_high"].fillna(False).astype(bool)
    table["payout_high"] = table["payout_high"].fillna(False).astype(bool)
    for col in ("name", "industry", "district"):
        table[col] = table[col].fillna("").astype(str)
    table["industry"] = table["industry"].replace("", "未填")
    table["tier"] = _tier(table["incidence_high"], table["payout_high"])
    rel_rate = _relative(table["eb_rate_per_1000"], city_rate)
    rel_pay = _relative(table["credibility_ratio"], collective)
    table["score"] = np.sqrt(rel_rate * rel_pay.fillna(1.0))
    done = _trained_map(trained)
    table["trained"] = table["credit_code"].isin(done)
    table["trained_on"] = [done.get(code, "") for code in table["credit_code"]]
    table = _order(table, settings.precision_trained)
    table["status"] = _status(table, settings)
    listed = table["status"] == _LISTED
    table["rank"] = pd.Series(pd.NA, index=table.index, dtype="Int64")
    table.loc[listed, "rank"] = np.arange(1, int(listed.sum()) + 1)
    said = collective if city_ratio is None or not math.isfinite(city_ratio) else city_ratio
    table["reason"] = reasons(table, city_rate=city_rate, city_ratio=said, years=years)
    return table.reindex(columns=list(SELECT_COLUMNS)).reset_index(drop=True)


def _check_inputs(incidence: pd.DataFrame, ratios: pd.DataFrame, enterprises: pd.DataFrame) -> None:
    """Refuse tables without the columns :func:`precision_list` reads (all named at once)."""
    require_columns(
        incidence,
        ["credit_code", "rate_per_1000"],
        what="incidence",
        dtypes={"n_injuries": "numeric", "eb_rate_per_1000": "numeric", "high": "bool"},
    )
    require_columns(
        ratios,
        ["credit_code"],
        what="payout ratios",
        dtypes={"ratio": "numeric", "credibility_ratio": "numeric", "high": "bool"},
    )
    require_columns(enterprises, ["credit_code", "name", "industry"], what="enterprises")


def _trained_map(trained: pd.DataFrame | None) -> dict[str, str]:
    """credit code -> the latest training date in words (``2023-06-15``)."""
    if trained is None or trained.empty:
        return {}
    require_columns(trained, ["credit_code", "trained_on"], what="trained")
    dates = pd.to_datetime(trained["trained_on"], errors="coerce")
    out: dict[str, str] = {}
    for code, when, raw in zip(trained["credit_code"], dates, trained["trained_on"], strict=True):
        text = when.strftime("%Y-%m-%d") if pd.notna(when) else str(raw)
        out[str(code)] = max(out.get(str(code), ""), text)
    return out
