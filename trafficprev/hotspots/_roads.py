"""``road_cases_table``: the window's cases per named road and quarter, so that the cases
placed only on a road (``match_level`` ``road``: the road is known, not where on it) are
counted somewhere although no unit can take them.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .._periods import quarter_of

__all__ = ["ON_UNIT", "ROAD_LEVEL", "UNNAMED_ROAD", "road_cases_table"]

#: ``snap_status`` of the cases counted on a unit.
ON_UNIT = ("ok", "ambiguous")
#: ``snap_status`` of the cases placed on a road only.
ROAD_LEVEL = "road_level"
#: The road of a road-level case whose road has no name.
UNNAMED_ROAD = "（未具名道路）"


def _text(series: pd.Series) -> pd.Series:
    return series.fillna("").astype(str).str.strip()


def _unit_roads(cases: pd.DataFrame, units: pd.DataFrame | None) -> pd.Series:
    """The roads of each unit-snapped case's unit: one for a segment, the two roads of an
    intersection (one row per case and road, indexed by the case)."""
    empty = pd.Series(pd.NA, index=cases.index, dtype=object)
    uid = _text(cases["unit_id"]) if "unit_id" in cases else empty.fillna("")
    road, cross = empty, empty
    if units is not None and len(units) and {"unit_id", "road"} <= set(units.columns):
        table = units.drop_duplicates("unit_id").set_index(_text(units["unit_id"]))
        road = uid.map(_text(table["road"]))
        if "cross_road" in table:
            cross = uid.map(_text(table["cross_road"]))
    if "unit_road" in cases:  # a unit unknown to `units`: the road it was snapped on
        road = road.fillna(_text(cases["unit_road"]))
    road, cross = road.fillna("").astype(str), cross.fillna("").astype(str)
    both = pd.concat([road, cross.where(cross != road, "")])
    return both[both != ""]


def road_cases_table(
    cases: pd.DataFrame,
    units: pd.DataFrame | None = None,
    quarters: Sequence[str] | None = None,
    *,
    all_roads: bool = False,
) -> pd.DataFrame:
    """Cases per named road: those placed on the road only, per quarter, and those snapped to
    the road's units.

    Parameters
    ----------
    cases
        Snapped cases of the window (:attr:`HotspotResult.cases`: ``snap_status``,
        ``matched_road``, ``unit_id``, ``injured_at``).
    units
        The units (``unit_id``, ``road``, ``cross_road``; the network's units); without
        them a snapped case counts on its ``unit_road`` only.
    quarters
        The window's quarters, one column each (default: the quarters of the road-level
        cases, in order). Road-level cases of other quarters are left out.
    all_roads
        Also list roads with snapped cases only (default: the roads with a road-level case).

    Returns
    -------
    pandas.DataFrame
        One row per road: ``road`` (the geocoder's ``matched_road``; :data:`UNNAMED_ROAD`
        when empty), one column per quarter (road-level cases), ``road_level`` (their sum),
        ``on_units`` (cases snapped to the road's segments and intersections; a case at an
        intersection counts for both its roads), ``total`` (``road_level + on_units``).
        Sorted by ``total``, then ``road_level``, descending, then by road. ``attrs``:
        ``quarters``.

    Examples
    --------
    >>> import pandas as pd
    >>> cases = pd.DataFrame({
    ...     "snap_status": ["road_level", "road_level", "ok", "too_far"],
    ...     "matched_road": ["建设路", "人民路", "", "人民路"],
    ...     "unit_id": ["", "", "S:建设路:1:000100", ""],
    ...     "unit_road": ["", "", "建设路", ""],
    ...     "injured_at": pd.to_datetime(
    ...         ["2024-01-05", "2024-05-06", "2024-02-01", "2024-02-02"]
    ...     ),
    ... })
    >>> t = road_cases_table(cases, quarters=["2024Q1", "2024Q2"])
    >>> list(t.columns)
    ['road', '2024Q1', '2024Q2', 'road_level', 'on_units', 'total']
    >>> t.values.tolist()
    [['建设路', 1, 0, 1, 1, 2], ['人民路', 0, 1, 1, 0, 1]]
    """
    status = _text(cases["snap_status"]) if "snap_status" in cases else None
    if status is None:
        status = pd.Series("", index=cases.index, dtype=object)
    when = cases["injured_at"] if "injured_at" in cases else pd.Series(pd.NaT, index=cases.index)
    q = quarter_of(when)
    road_level = cases[status == ROAD_LEVEL]
    rq = q[road_level.index]
    if quarters is None:
        quarters = sorted({str(x) for x in rq.dropna()})
    quarters = [str(x) for x in quarters]
    road_level = road_level[rq.isin(quarters)]
    names = (
        _text(road_level["matched_road"])
        if "matched_road" in road_level
        else pd.Series("", index=road_level.index, dtype=object)
    )
    names = names.where(names != "", UNNAMED_ROAD)
    per_quarter = (
        pd.crosstab(names, q[road_level.index])
        if len(road_level)
        else pd.DataFrame(index=pd.Index([], dtype=object))
    )
    per_quarter = per_quarter.reindex(columns=quarters, fill_value=0)
    on_unit = cases[status.isin(ON_UNIT)]
    unit_counts = _unit_roads(on_unit, units).value_counts()
    roads = per_quarter.index.union(unit_counts.index) if all_roads else per_quarter.index
    out = per_quarter.reindex(roads, fill_value=0).astype(int)
    out["road_level"] = out[quarters].sum(axis=1).astype(int)
    out["on_units"] = unit_counts.reindex(roads, fill_value=0).astype(int).to_numpy()
    out["total"] = out["road_level"] + out["on_units"]
    out = out.rename_axis("road").reset_index()
    out.columns = [str(c) for c in out.columns]
    out = out.sort_values(
        ["total", "road_level", "road"], ascending=[False, False, True], kind="stable"
    ).reset_index(drop=True)
    out.attrs["quarters"] = list(quarters)
    return out
