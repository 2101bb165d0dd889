"""Did the measures work? Before/after tables for signs and training, evaluated by EB.

Builds the per-unit tables :func:`~trafficprev.trends.eb_before_after` evaluates:

* **Warning signs and facilities** (警示标志 / 设施, with a point): the treated units are the
  road units within ``measure_radius_m`` of the point; intersections and segments are
  evaluated apart (group label ``警示标志 2024-01-01（交叉口）``), each against every other unit
  of its kind that no road measure touches. Exposure is the unit's exposure length (m) ×
  years.
* **Training and campaigns at an enterprise** (培训 / 宣传 whose 道路或单位 names an enterprise
  of the register, by credit code or name): the treated units are those enterprises; the
  comparison units are the register's other enterprises with insured > 0 that no measure
  targets. Exposure is insured headcount × years.

Measures of one kind on one date form a group. The before period is the ``window_years``
before the date and the after period the ``window_years`` from it (a year each: the plan's
year-on-year goal), both cut to the quarters the data cover; comparison units use the same
calendar periods. The comparison units are the whole population the treated ones were
picked from (not a hand-made control set), so the empirical-Bayes prior is estimated from
every unit of the group (``reference="all"`` of :func:`eb_before_after`): a prior from the
untreated units alone would be too narrow, because removing the worst units leaves the rest
low by chance. Measures that cannot be evaluated are listed with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .._names import name_keys
from .._periods import coverage
from ..groups import link_employers, register_frame
from ..settings import Settings
from ._evaluate import eb_before_after

__all__ = ["MeasureEvaluation", "evaluate_measures"]

ROAD_KINDS = ("警示标志", "设施")
ENTERPRISE_KINDS = ("培训", "宣传")
_ON_UNIT = ("ok", "ambiguous")


@dataclass(frozen=True, eq=False)
class MeasureEvaluation:
    """What :func:`evaluate_measures` returns.

    Attributes
    ----------
    summary
        One row per group (kind and date): ``group``, ``kind``, ``implemented_on``,
        ``before_from``, ``before_to``, ``after_from``, ``after_to`` and the columns of
        ``eb_before_after``'s summary (``n_treated``, ``n_comparison``, ``before``,
        ``after``, ``expected_after``, ``index``, ``change`` with its interval,
        ``naive_change``, ``trend_change``, ``met_goal``, ``note``).
    units
        One row per treated unit or enterprise (``eb_before_after``'s units) with the group.
    measures
        Every input measure with ``group``, ``n_targets`` (units or enterprises it treats)
        and ``status`` (``evaluated`` or the reason it was not).
    """

    summary: pd.DataFrame
    units: pd.DataFrame
    measures: pd.DataFrame


def _bounds(quarters: Sequence[str]) -> tuple[pd.Timestamp, pd.Timestamp]:
    first = pd.Period(quarters[0], freq="Q").start_time
    last = pd.Period(quarters[-1], freq="Q").end_time.normalize() + pd.Timedelta(days=1)
    return first, last


def _years(a: pd.Timestamp, b: pd.Timestamp) -> float:
    return max((b - a).days, 0) / 365.25


def _count(times: pd.Series, keys: pd.Series, a: pd.Timestamp, b: pd.Timestamp) -> pd.Series:
    sel = (times >= a) & (times < b)
    return keys[sel].value_counts()


def _road_targets(
    measures: pd.DataFrame,
    road: pd.Series,
    units: gpd.GeoDataFrame,
    crs_metric: str,
    radius_m: float,
    status: pd.Series,
) -> dict[Any, list[str]]:
    """The road units within `radius_m` of each sign or facility of `measures` (mask `road`);
    a measure without a point or without a unit near it gets its `status` instead."""
    targets: dict[Any, list[str]] = {}
    metric = units.to_crs(crs_metric) if hasattr(units, "to_crs") else None
    pts = shapely.points(
        pd.to_numeric(measures["lon"], errors="coerce").to_numpy(float),
        pd.to_numeric(measures["lat"], errors="coerce").to_numpy(float),
    )
    pts_m = gpd.GeoSeries(pts, crs="EPSG:4326").to_crs(crs_metric).to_numpy()
    tree = shapely.STRtree(np.asarray(metric.geometry))
    for i in np.flatnonzero(road.to_numpy()):
        idx = measures.index[i]
        if (
            shapely.is_missing(pts_m[i])
            or shapely.is_empty(pts_m[i])
            or not np.isfinite(shapely.get_x(pts_m[i]))
        ):
            status[idx] = "标志没有经纬度"
            continue
        hit = tree.query(pts_m[i], predicate="dwithin", distance=radius_m)
        ids = sorted(units["unit_id"].to_numpy()[hit])
        if not ids:
            status[idx] = f"{radius_m:g}米内没有路网单元"
            continue
        targets[idx] = ids
    return targets


def _enterprise_targets(
    measures: pd.DataFrame, ent: pd.Series, kind: pd.Series, reg: pd.DataFrame, status: pd.Series
) -> dict[Any, list[str]]:
    """The enterprise (credit code) each training or campaign of `measures` (mask `ent`)
    names, by code or by a name no other enterprise of `reg` shares; else its `status`."""
    targets: dict[Any, list[str]] = {}
    code_of = dict(zip(reg["credit_code"], reg["credit_code"], strict=True))
    keys = name_keys(reg["name"].fillna("").astype(str))
    unique = keys[~keys.duplicated(keep=False)]
    by_name = dict(zip(unique, reg.loc[unique.index, "credit_code"], strict=True))
    tkeys = name_keys(measures["target"].fillna("").astype(str))
    for idx in measures.index[ent.to_numpy()]:
        text = str(measures.at[idx, "target"] or "").strip().upper()
        code = code_of.get(text) or by_name.get(tkeys[idx])
        if code is None:
            status[idx] = (
                "名录中找不到该单位" if kind[idx] == "培训" else "宣传对象不是名录中的单位"
            )
            continue
        targets[idx] = [code]
    return targets


def _unit_strata(
    base: str, treated: list[str], info: pd.DataFrame
) -> list[tuple[str, list[str], str]]:
    """The strata of a road measure group: intersections and segments differ too much to
    share one EB prior, so one stratum per unit kind, each against untreated units of its
    own kind."""
    kind_zh = {"intersection": "交叉口", "segment": "路段"}
    unit_kind = info.loc[treated, "kind"]
    return [
        (f"{base}（{kind_zh.get(uk, uk)}）", sorted(unit_kind.index[unit_kind == uk]), uk)
        for uk in sorted(set(unit_kind))
    ]


def _period_row(
    label: str,
    kind: str,
    day: pd.Timestamp,
    before: tuple[pd.Timestamp, pd.Timestamp],
    after: tuple[pd.Timestamp, pd.Timestamp],
) -> dict[str, str]:
    """The before and after periods of a group (last days inclusive)."""
    (b0, b1), (a0, a1) = before, after
    return {
        "group": label,
        "kind": kind,
        "implemented_on": day.date().isoformat(),
        "before_from": b0.date().isoformat(),
        "before_to": (b1 - pd.Timedelta(days=1)).date().isoformat(),
        "after_from": a0.date().isoformat(),
        "after_to": (a1 - pd.Timedelta(days=1)).date().isoformat(),
    }


def _targets(
    measures: pd.DataFrame,
    kind: pd.Series,
    status: pd.Series,
    network: tuple[gpd.GeoDataFrame | None, str | None],
    register: pd.DataFrame | None,
    radius_m: float,
) -> tuple[dict[Any, list[str]], pd.DataFrame | None]:
    """The road units or enterprise each measure still to evaluate (empty `status`) acts on,
    road measures first; a measure that cannot be placed gets its `status` instead.

    Returns
    -------
    tuple
        Measure index -> its targets, and the register's insured enterprises (None when no
        enterprise measure is evaluated).
    """
    units, crs_metric = network
    targets: dict[Any, list[str]] = {}
    road = kind.isin(ROAD_KINDS) & (status == "")
    if road.any():
        if units is None or crs_metric is None:
            status[road] = "缺少路网单元，无法评估标志"
        else:
            targets.update(_road_targets(measures, road, units, crs_metric, radius_m, status))
    ent = kind.isin(ENTERPRISE_KINDS) & (status == "")
    reg = None
    if ent.any():
        if register is None:
            status[ent] = "缺少企业名录，无法评估培训"
        else:
            reg = register_frame(register)
            reg = reg[reg["insured"] > 0]
            targets.update(_enterprise_targets(measures, ent, kind, reg, status))
    return targets, reg


def _group_table(
    label: str,
    ids: list[str],
    chosen: set[str],
    expo: np.ndarray,
    cases: tuple[pd.Series, pd.Series],
    before: tuple[pd.Timestamp, pd.Timestamp],
    after: tuple[pd.Timestamp, pd.Timestamp],
) -> pd.DataFrame:
    """The :func:`~trafficprev.trends.eb_before_after` rows of one group: each unit (`ids`,
    the `chosen` ones treated) with its cases (times and unit keys of `cases`) and exposure
    (`expo` per year) in the before and after periods."""
    times, tk = cases
    (b0, b1), (a0, a1) = before, after
    n_before = _count(times, tk, b0, b1)
    n_after = _count(times, tk, a0, a1)
    return pd.DataFrame(
        {
            "unit": ids,
            "treated": [u in chosen for u in ids],
            "group": label,
            "before": n_before.reindex(ids, fill_value=0).to_numpy(int),
            "after": n_after.reindex(ids, fill_value=0).to_numpy(int),
            "exposure_before": expo * _years(b0, b1),
            "exposure_after": expo * _years(a0, a1),
        }
    )


def _unit_keys(cases: pd.DataFrame) -> pd.Series:
    """Each case's road unit (``""`` when not placed on one)."""
    on_unit = (
        cases["snap_status"].isin(_ON_UNIT)
        if "snap_status" in cases
        else pd.Series(True, index=cases.index)
    )
    unit_key = cases["unit_id"] if "unit_id" in cases else pd.Series("", index=cases.index)
    return unit_key.where(on_unit, "")


def evaluate_measures(
    cases: pd.DataFrame,
    measures: pd.DataFrame,
    *,
    units: pd.DataFrame | None = None,
    crs_metric: object = None,
    register: pd.DataFrame | None = None,
    settings: Settings | None = None,
    quarters: Sequence[str] | None = None,
    window_years: float = 1.0,
    level: float = 0.95,
    goal: float = -0.10,
) -> MeasureEvaluation:
    """Evaluate existing measures against untreated comparison units, with EB for RTM.

    Parameters
    ----------
    cases
        Snapped commuting cases (``HotspotResult.cases``: ``unit_id``, ``snap_status``,
        ``injured_at``, ``credit_code`` / ``employer``).
    measures
        ``read_measures(...).records`` (``kind``, ``target``, ``lon``, ``lat``,
        ``implemented_on``).
    units, crs_metric
        The road units (``HotspotResult.units``, WGS-84 geometry, ``unit_id``, ``kind``,
        ``exposure_m``) and their metric CRS (``network.crs_metric``); needed for signs.
    register
        The enterprise register; needed for training.
    settings
        ``measure_radius_m``.
    quarters
        Quarters the data cover (default: first to last case's quarter).
    window_years
        Length of the before and of the after period (whole months: 1.0 = twelve months).
    level, goal
        Interval level, and the plan's goal (−0.10: a drop of at least 10 %).

    Returns
    -------
    MeasureEvaluation
    """
    settings = settings or Settings()
    times = pd.to_datetime(cases["injured_at"], errors="coerce")
    covered = coverage(times, quarters)
    status, groups = (pd.Series("", index=measures.index, dtype=object) for _ in range(2))
    n_targets = pd.Series(0, index=measures.index, dtype=int)
    if not covered:
        status[:] = "无案件数据"
        return _result([], [], measures, groups, n_targets, status)
    start, end = _bounds(covered)
    when = pd.to_datetime(measures["implemented_on"], errors="coerce")
    kind = measures["kind"].fillna("").astype(str)
    window = pd.DateOffset(months=round(12 * window_years))
    status[when.isna()] = "实施日期缺失"
    status[(when <= start) | (when >= end)] = "实施日期不在数据期间内，无法比较前后"
    status[~kind.isin(ROAD_KINDS + ENTERPRISE_KINDS) & (status == "")] = "该类措施不评估"

    targets, reg = _targets(
        measures, kind, status, (units, crs_metric), register, settings.measure_radius_m
    )

    # --- one table per group ----------------------------------------------------------------
    unit_key = _unit_keys(cases)
    ent_key = link_employers(cases, register) if register is not None else None
    all_road = {u for i, ids in targets.items() if kind[i] in ROAD_KINDS for u in ids}
    all_ent = {u for i, ids in targets.items() if kind[i] in ENTERPRISE_KINDS for u in ids}
    tables, periods = [], []
    info = units.set_index("unit_id") if units is not None else None
    for (k, day), part in measures.loc[list(targets)].groupby([kind, when], sort=True):
        base = f"{k} {day.date().isoformat()}"
        b0, b1 = max(start, day - window), day
        a0, a1 = day, min(end, day + window)
        treated_all = sorted({u for i in part.index for u in targets[i]})
        strata = (
            _unit_strata(base, treated_all, info)
            if k in ROAD_KINDS
            else [(base, treated_all, None)]
        )
        labels = []
        for label, treated, uk in strata:
            if k in ROAD_KINDS:
                pool = info[(info["kind"] == uk) & ~info.index.isin(all_road)]
                ids = treated + sorted(pool.index)
                expo = info.loc[ids, "exposure_m"].to_numpy(float)
                tk = unit_key
            else:
                ids = treated + sorted(set(reg["credit_code"]) - all_ent)
                expo = reg.set_index("credit_code").loc[ids, "insured"].to_numpy(float)
                tk = ent_key["enterprise"]
            tables.append(
                _group_table(label, ids, set(treated), expo, (times, tk), (b0, b1), (a0, a1))
            )
            periods.append(_period_row(label, k, day, (b0, b1), (a0, a1)))
            labels.append(label)
        for i in part.index:
            groups[i] = "；".join(labels)
            n_targets[i] = len(targets[i])
            status[i] = "evaluated"
    floor = (settings.evaluation_min_before, settings.evaluation_min_expected, level, goal)
    return _result(tables, periods, measures, groups, n_targets, status, floor=floor)


def _result(
    tables: list[pd.DataFrame],
    periods: list[dict],
    measures: pd.DataFrame,
    groups: pd.Series,
    n_targets: pd.Series,
    status: pd.Series,
    *,
    floor: tuple[int, float, float, float] = (0, 0.0, 0.95, -0.10),
) -> MeasureEvaluation:
    """The evaluation of the groups' `tables`; `floor` is (min_before, min_expected, the
    interval level, the goal) for :func:`eb_before_after`."""
    listed = measures.copy()
    listed["group"] = groups
    listed["n_targets"] = n_targets
    listed["status"] = status.where(status != "", "未评估")
    if not tables:
        return MeasureEvaluation(pd.DataFrame(), pd.DataFrame(), listed)
    # the comparison units are the whole population the treated ones were picked from
    # (every other unit / enterprise), so the EB prior uses every unit (reference="all")
    res = eb_before_after(
        pd.concat(tables, ignore_index=True),
        level=floor[2],
        goal=floor[3],
        reference="all",
        min_before=floor[0],
        min_expected=floor[1],
    )
    summary = pd.DataFrame(periods).merge(res.summary, on="group", how="left")
    return MeasureEvaluation(summary, res.units, listed)
