"""Key industries, counties and fields (重点行业 / 重点领域): injury statistics by group and kind.

:func:`group_statistics` sums :func:`~trafficprev.precision._table.enterprise_years` by the
register's industry (所属行业, GB/T 4754 as given) or county, per year and over the window,
with the incidence's exact interval and its empirical-Bayes rate across the groups, and the
payout ratio; :func:`key_fields` gives the city's injuries by kind (机械伤害, 高处坠落,
工作中交通事故, 上下班交通事故, 职业病 …) with their shares and Wilson intervals.

The cases and payments that name no enterprise (``ey.attrs["unmatched"]``) count in the
city's totals: in :func:`group_statistics` as the group :data:`UNMATCHED_GROUP` (no
headcount, so no rate), in :func:`key_fields` in every kind's count.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._errors import ArgumentError
from ..groups import global_eb, poisson_ci, wilson_ci
from ..schema import require_columns
from ._rates import _funnel_level
from ._table import COUNT_COLUMNS, INJURY_KINDS

__all__ = ["BLANK_GROUP", "TOTAL_KIND", "UNMATCHED_GROUP", "group_statistics", "key_fields"]

#: The group of enterprises whose register gives no industry / county.
BLANK_GROUP = "未填"
#: The group of the cases and payments that name no enterprise.
UNMATCHED_GROUP = "未匹配企业"
#: The ``kind`` of :func:`key_fields`'s rows with the city's total.
TOTAL_KIND = "合计"

_BY = ("industry", "district")


def _periods(years: list[int]) -> list[str]:
    """Each year, then the window (``"2022–2024"``) when it has more than one year."""
    labels = [str(y) for y in years]
    return [*labels, f"{years[0]}–{years[-1]}"] if len(years) > 1 else labels


def _years(ey: pd.DataFrame) -> list[int]:
    from_attrs = ey.attrs.get("years")
    found = {int(y) for y in pd.unique(ey["year"])}
    return sorted(found | {int(y) for y in from_attrs or []})


def _unmatched_frame(ey: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """``attrs["unmatched"]`` as rows per year (zeros when absent)."""
    rows = [r for r in ey.attrs.get("unmatched") or [] if isinstance(r, dict)]
    frame = pd.DataFrame(rows) if rows else pd.DataFrame({"year": years})
    frame = frame.set_index("year").reindex(years)
    for col in (*COUNT_COLUMNS, "payout"):
        frame[col] = frame[col].fillna(0) if col in frame else 0
    return frame.reset_index()


def _prepared(ey: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per enterprise-year: group label, year, exposure, counts, money."""
    ins = pd.to_numeric(ey["insured"], errors="coerce").to_numpy(float)
    known = np.isfinite(ins) & (ins >= 0)
    paid = pd.to_numeric(ey["paid"], errors="coerce").to_numpy(float)
    payout = pd.to_numeric(ey["payout"], errors="coerce").fillna(0.0).to_numpy(float)
    has = np.isfinite(paid) & (paid > 0)
    label = ey[by].astype(object).where(ey[by].notna(), "").astype(str).str.strip()
    data = pd.DataFrame(
        {
            "group": label.where(label != "", BLANK_GROUP).to_numpy(object),
            "credit_code": ey["credit_code"].to_numpy(object),
            "year": ey["year"].astype(int).to_numpy(),
            "insured_years": np.where(known, ins, 0.0),
            "exposed": known & (ins > 0),
            "injuries_rated": np.where(known, ey["n_injuries"].to_numpy(float), 0.0),
            "payout": payout,
            "paid": np.where(np.isfinite(paid), paid, 0.0),
            "paid_any": np.isfinite(paid),
            "paid_has": np.where(has, paid, 0.0),
            "payout_has": np.where(has, payout, 0.0),
        }
    )
    for col in COUNT_COLUMNS:
        data[col] = ey[col].to_numpy(float)
    data["injured"] = data["n_injuries"] > 0
    return data


_SUMMED = [
    "insured_years", "injuries_rated", *COUNT_COLUMNS, "payout", "paid", "paid_any",
    "paid_has", "payout_has",
]  # fmt: skip


def _sums(data: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """Sums per group × period (each year and the window) with enterprise counts."""
    per_year = data.groupby(["group", "year"], sort=True)
    yearly = per_year[_SUMMED].sum()
    yearly["enterprises"] = per_year["exposed"].sum()
    yearly["enterprises_injured"] = per_year["injured"].sum()
    yearly = yearly.reset_index()
    yearly["period"] = yearly["year"].astype(str)
    frames = [yearly.drop(columns="year")]
    if len(years) > 1:
        pooled = data.groupby("group", sort=True)[_SUMMED].sum()
        by_ent = data.groupby(["group", "credit_code"], sort=False)[["exposed", "injured"]].any()
        counted = by_ent.groupby(level="group").sum()
        pooled["enterprises"] = counted["exposed"]
        pooled["enterprises_injured"] = counted["injured"]
        pooled = pooled.reset_index()
        pooled["period"] = f"{years[0]}–{years[-1]}"
        frames.append(pooled)
    return pd.concat(frames, ignore_index=True)


def _with_unmatched(sums: pd.DataFrame, ey: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """Add the group :data:`UNMATCHED_GROUP` when some case or payment names no enterprise."""
    um = _unmatched_frame(ey, years)
    if not (um[list(COUNT_COLUMNS)].to_numpy().any() or um["payout"].to_numpy().any()):
        return sums
    um["period"] = um["year"].astype(str)
    rows = [um.drop(columns="year")]
    if len(years) > 1:
        total = um.drop(columns="year").drop(columns="period").sum(numeric_only=True)
        rows.append(pd.DataFrame([{**total.to_dict(), "period": f"{years[0]}–{years[-1]}"}]))
    extra = pd.concat(rows, ignore_index=True)
    extra = extra[[c for c in extra.columns if c in (*COUNT_COLUMNS, "payout", "period")]]
    extra["group"] = UNMATCHED_GROUP
    for col in (
        "insured_years", "injuries_rated", "paid", "paid_any", "paid_has", "payout_has",
        "enterprises", "enterprises_injured",
    ):  # fmt: skip
        extra[col] = 0
    return pd.concat([sums, extra[sums.columns]], ignore_index=True)


def group_statistics(ey: pd.DataFrame, by: str, *, level: float = 0.95) -> pd.DataFrame:
    """Injuries, incidence and payout ratio per industry or county, per year and pooled.

    Parameters
    ----------
    ey
        :func:`~trafficprev.precision._table.enterprise_years`.
    by
        ``"industry"`` (the register's 所属行业 as given) or ``"district"`` (county).
    level
        Level of the exact interval of each incidence, in (0.5, 1).

    Returns
    -------
    pandas.DataFrame
        One row per group and period; the groups ranked by their pooled EB incidence
        (highest first, groups without exposure last), each group's periods in order (the
        years, then the window ``"2022–2024"``). Columns:

        `by` (``industry`` or ``district``)
            The group (blank → :data:`BLANK_GROUP`; the cases and payments that name no
            enterprise → :data:`UNMATCHED_GROUP`).
        ``period``
            ``"2022"`` … or ``"2022–2024"`` (the window pooled).
        ``rank``
            The group's rank by pooled ``eb_rate_per_1000`` (1 = highest; 0: no rate).
        ``enterprises``, ``enterprises_injured``
            Enterprises with insured > 0 in the period; with at least one injury.
        ``insured_years``
            Σ insured headcount over the period's years (person-years; for one year, the
            average headcount).
        ``n_injuries``, one column per kind of :data:`INJURY_KINDS`, ``n_occupational``,
        ``n_deaths``, ``n_commuting``
            Recognised injuries.
        ``injuries_rated``
            Injuries in enterprise-years with a known headcount: the rate's numerator.
        ``rate_per_1000``, ``rate_lower``, ``rate_upper``
            Incidence per 1,000 insured per year with its exact interval at `level`.
        ``eb_rate_per_1000``
            Marshall's global EB rate across the groups of the period.
        ``payout``, ``paid``
            Payments (yuan; all of them) and premiums paid (NaN when no contribution row).
        ``payout_ratio``
            Payments ÷ premiums over the enterprise-years with a premium paid (> 0).

        ``attrs``: ``by``, ``level``, ``years``, ``periods``, ``theta`` (city rate per
        insured person-year of each period).

    Raises
    ------
    ArgumentError
        If `by` is neither ``"industry"`` nor ``"district"``.
    SchemaError
        If `ey` lacks a column.
    """
    if by not in _BY:
        raise ArgumentError(f"by must be 'industry' or 'district', got {by!r}")
    lv = _funnel_level(level)
    need = ["credit_code", "year", "insured", "paid", "payout", by, *COUNT_COLUMNS]
    require_columns(ey, need, what="enterprise_years")
    years = _years(ey)
    sums = _with_unmatched(_sums(_prepared(ey, by), years), ey, years)
    stats, theta = _rates_by_period(sums, lv)
    out = _ranked(stats, years).rename(columns={"group": by})
    cols = [
        by, "period", "rank", "enterprises", "enterprises_injured", "insured_years",
        *COUNT_COLUMNS, "injuries_rated", "rate_per_1000", "rate_lower", "rate_upper",
        "eb_rate_per_1000", "payout", "paid", "payout_ratio",
    ]  # fmt: skip
    out = out[cols]
    for col in ("enterprises", "enterprises_injured", *COUNT_COLUMNS, "injuries_rated"):
        out[col] = out[col].astype(np.int64)
    out.attrs.update(by=by, level=lv, years=years, periods=_periods(years), theta=theta)
    return out


def _rates_by_period(sums: pd.DataFrame, level: float) -> tuple[pd.DataFrame, dict[str, float]]:
    """Rates, intervals, EB (per period, across groups) and payout ratios."""
    out = sums.copy()
    n = out["injuries_rated"].to_numpy(float)
    py = out["insured_years"].to_numpy(float)
    ok = py > 0
    base = np.where(ok, py, np.nan)
    lower, upper = poisson_ci(n, base, level)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rate_per_1000"] = np.where(ok, 1000 * n / base, np.nan)
        out["payout_ratio"] = np.where(
            out["paid_has"] > 0, out["payout_has"] / out["paid_has"], np.nan
        )
    out["rate_lower"] = 1000 * np.asarray(lower, float)
    out["rate_upper"] = 1000 * np.asarray(upper, float)
    out["paid"] = np.where(out["paid_any"] > 0, out["paid"], np.nan)
    eb = np.full(len(out), np.nan)
    theta: dict[str, float] = {}
    for period, idx in out.groupby("period", sort=False).indices.items():
        fit = global_eb(np.where(ok[idx], n[idx], np.nan), base[idx])
        eb[idx] = 1000 * fit["eb"].to_numpy(float)
        theta[str(period)] = float(fit.attrs["theta"])
    out["eb_rate_per_1000"] = eb
    return out, theta


def _ranked(stats: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """Groups ordered by pooled EB rate (no rate last, then label); periods in order."""
    periods = _periods(years)
    pooled = stats[stats["period"] == periods[-1]].set_index("group")["eb_rate_per_1000"]
    order = pooled.reset_index().sort_values(
        ["eb_rate_per_1000", "group"], ascending=[False, True], na_position="last"
    )
    rated = order["eb_rate_per_1000"].notna().to_numpy()
    rank = pd.Series(np.where(rated, np.cumsum(rated), 0), index=order["group"].to_numpy())
    position = pd.Series(np.arange(len(order)), index=order["group"].to_numpy())
    out = stats.assign(
        rank=stats["group"].map(rank).fillna(0).astype(np.int64),
        _g=stats["group"].map(position),
        _p=stats["period"].map({p: i for i, p in enumerate(periods)}),
    )
    return out.sort_values(["_g", "_p"]).drop(columns=["_g", "_p"]).reset_index(drop=True)


def key_fields(ey: pd.DataFrame, *, level: float = 0.95) -> pd.DataFrame:
    """The city's recognised injuries by kind (重点领域), per year and pooled, with shares.

    Parameters
    ----------
    ey
        :func:`~trafficprev.precision._table.enterprise_years` (its ``attrs["unmatched"]``
        counted too).
    level
        Level of the Wilson interval of each share, in (0.5, 1).

    Returns
    -------
    pandas.DataFrame
        One row per kind of :data:`INJURY_KINDS` and period, then the rows of
        :data:`TOTAL_KIND` (the city's total: do not add it to the kinds). Kinds ordered by
        their pooled count (most first, ties in :data:`INJURY_KINDS` order), each kind's
        periods in order. Columns: ``kind``, ``period``, ``rank`` (by pooled count; 0 for
        the total), ``injuries``, ``share`` (of the period's injuries), ``share_lower``,
        ``share_upper`` (Wilson at `level`), ``rate_per_1000`` (the kind's injuries in
        enterprise-years with a known headcount per 1,000 insured per year; NaN without
        exposure).

    Raises
    ------
    SchemaError
        If `ey` lacks a column.
    """
    lv = _funnel_level(level)
    require_columns(ey, ["year", "insured", *COUNT_COLUMNS], what="enterprise_years")
    years = _years(ey)
    periods = _periods(years)
    ins = pd.to_numeric(ey["insured"], errors="coerce").to_numpy(float)
    known = np.isfinite(ins) & (ins >= 0)
    um = _unmatched_frame(ey, years).set_index("year")
    year = ey["year"].astype(int).to_numpy()
    kinds = [*INJURY_KINDS, TOTAL_KIND]
    rows: list[dict[str, Any]] = []
    for period in periods:
        in_p = np.isin(year, years if "–" in period else [int(period)])
        um_years = years if "–" in period else [int(period)]
        exposure = float(ins[in_p & known].sum())
        total = float(ey.loc[in_p, "n_injuries"].sum() + um.loc[um_years, "n_injuries"].sum())
        for kind in kinds:
            col = "n_injuries" if kind == TOTAL_KIND else kind
            values = ey[col].to_numpy(float)
            count = float(values[in_p].sum() + um.loc[um_years, col].sum())
            rated = float(values[in_p & known].sum())
            rows.append(
                {
                    "kind": kind,
                    "period": period,
                    "injuries": int(count),
                    "total": total,
                    "rate_per_1000": 1000 * rated / exposure if exposure > 0 else np.nan,
                }
            )
    out = pd.DataFrame(rows)
    lower, upper = wilson_ci(out["injuries"], out["total"], lv)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["share"] = np.where(out["total"] > 0, out["injuries"] / out["total"], np.nan)
    out["share_lower"], out["share_upper"] = lower, upper
    pooled = out[(out["period"] == periods[-1]) & (out["kind"] != TOTAL_KIND)]
    order = pooled.assign(_k=pooled["kind"].map({k: i for i, k in enumerate(kinds)}))
    order = order.sort_values(["injuries", "_k"], ascending=[False, True])["kind"].tolist()
    rank = {k: i + 1 for i, k in enumerate(order)} | {TOTAL_KIND: 0}
    position = {k: i for i, k in enumerate([*order, TOTAL_KIND])}
    out["rank"] = out["kind"].map(rank).astype(np.int64)
    out = out.assign(
        _k=out["kind"].map(position), _p=out["period"].map({p: i for i, p in enumerate(periods)})
    )
    out = out.sort_values(["_k", "_p"]).reset_index(drop=True)
    cols = ["kind", "period", "rank", "injuries", "share", "share_lower", "share_upper"]
    out = out[[*cols, "rate_per_1000"]]
    out.attrs.update(level=lv, years=years, periods=periods)
    return out
